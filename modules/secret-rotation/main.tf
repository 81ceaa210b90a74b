locals {
  create = var.create

  account_id = try(data.aws_caller_identity.current[0].account_id, null)
  region     = try(data.aws_region.current[0].region, null)
  partition  = try(data.aws_partition.current[0].partition, "aws")

  # What each secret may rotate (see var.secrets): the provider's binding plus the strategy. The function reads
  # it from ROTATION_BINDINGS; the policy below is scoped to the same ARNs.
  bindings    = { for k, s in var.secrets : k => merge(jsondecode(s.binding), { strategy = s.strategy }) }
  secret_arns = distinct([for k, b in local.bindings : b.secret_arn])
  # Which secrets alternate comes from var.secrets (known at plan time), so the ReadAdminSecrets statement is
  # planned even while the bindings (computed by logexaminer_db_user at apply) are unknown.
  alternating = [for k, s in var.secrets : k if s.strategy == "alternating_users"]
  master_arns = distinct([for k in local.alternating : local.bindings[k].admin_secret_arn])

  create_topic = local.create && var.notification_topic_arn == null
  topic_arn    = var.notification_topic_arn != null ? var.notification_topic_arn : try(aws_sns_topic.this[0].arn, null)

  package_filename = var.package != null ? var.package.filename : try(data.logexaminer_rotation_function_package.this[0].output_path, null)
  package_hash     = var.package != null ? var.package.source_code_hash : try(data.logexaminer_rotation_function_package.this[0].source_code_hash, null)

  log_group_name = "/aws/lambda/${var.name}"

  environment = merge(
    {
      NOTIFY_TOPIC_ARN           = local.topic_arn
      PASSWORD_LENGTH            = tostring(var.password_length)
      EXCLUDE_CHARACTERS         = var.exclude_characters
      DB_TLS                     = var.db_tls
      DB_CONNECT_TIMEOUT_SECONDS = tostring(var.db_connect_timeout_seconds)
      ROTATION_BINDINGS          = jsonencode(local.bindings)
    },
    var.secretsmanager_endpoint_url == null ? {} : { SECRETS_MANAGER_ENDPOINT = var.secretsmanager_endpoint_url },
    var.rds_ca_bundle_path == null ? {} : { RDS_CA_BUNDLE = var.rds_ca_bundle_path },
    var.db_allow_plaintext ? { ALLOW_PLAINTEXT = "true" } : {},
  )
}

data "aws_caller_identity" "current" {
  count = local.create ? 1 : 0
}

data "aws_region" "current" {
  count = local.create ? 1 : 0
}

data "aws_partition" "current" {
  count = local.create ? 1 : 0
}

################################################################################
# Package
################################################################################

# The zip that matches the provider version (embedded in the provider), unless `package` is given.
data "logexaminer_rotation_function_package" "this" {
  count = local.create && var.package == null ? 1 : 0

  output_directory = coalesce(var.package_directory, "${path.root}/.terraform/logexaminer")
}

################################################################################
# IAM: only the rotated secrets, their admin secrets, the topic and the log group
################################################################################

resource "aws_iam_role" "this" {
  count = local.create ? 1 : 0

  name_prefix = "${var.name}-"
  description = "Secret rotation function ${var.name}"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { Service = "lambda.amazonaws.com" }
      Action    = "sts:AssumeRole"
      Condition = { StringEquals = { "aws:SourceAccount" = local.account_id } }
    }]
  })

  tags = merge({ Name = var.name }, var.tags)
}

resource "aws_iam_role_policy" "this" {
  count = local.create ? 1 : 0

  name = "rotation"
  role = aws_iam_role.this[0].id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = concat(
      [
        {
          Sid      = "RotateTheseSecrets"
          Effect   = "Allow"
          Action   = ["secretsmanager:DescribeSecret", "secretsmanager:GetSecretValue", "secretsmanager:PutSecretValue", "secretsmanager:UpdateSecretVersionStage"]
          Resource = local.secret_arns
        },
        {
          # Only the tag in which the function records why a rotation was rolled back (read by the
          # provider's logexaminer_rotate_secret action); aws:TagKeys limits it to that key.
          Sid      = "RecordRotationOutcome"
          Effect   = "Allow"
          Action   = ["secretsmanager:TagResource"]
          Resource = local.secret_arns
          Condition = {
            "ForAllValues:StringEquals" = { "aws:TagKeys" = ["logexaminer:last-rotation-outcome"] }
          }
        },
        {
          # GetRandomPassword has no resource.
          Sid      = "GeneratePasswords"
          Effect   = "Allow"
          Action   = ["secretsmanager:GetRandomPassword"]
          Resource = "*"
        },
        {
          Sid      = "Logs"
          Effect   = "Allow"
          Action   = ["logs:CreateLogStream", "logs:PutLogEvents"]
          Resource = "arn:${local.partition}:logs:${local.region}:${local.account_id}:log-group:${local.log_group_name}:*"
        },
        {
          # Network interfaces of a function in a VPC (what AWSLambdaVPCAccessExecutionRole grants, without logs:*).
          Sid      = "VpcNetworkInterfaces"
          Effect   = "Allow"
          Action   = ["ec2:CreateNetworkInterface", "ec2:DescribeNetworkInterfaces", "ec2:DescribeSubnets", "ec2:DeleteNetworkInterface", "ec2:AssignPrivateIpAddresses", "ec2:UnassignPrivateIpAddresses"]
          Resource = "*"
        },
        {
          Sid      = "Notify"
          Effect   = "Allow"
          Action   = ["sns:Publish"]
          Resource = local.topic_arn
        },
      ],
      length(local.alternating) == 0 ? [] : [{
        Sid      = "ReadAdminSecrets"
        Effect   = "Allow"
        Action   = ["secretsmanager:GetSecretValue"]
        Resource = local.master_arns
      }],
      length(var.kms_key_arns) == 0 ? [] : [{
        Sid       = "SecretKeys"
        Effect    = "Allow"
        Action    = ["kms:Decrypt", "kms:GenerateDataKey"]
        Resource  = var.kms_key_arns
        Condition = { StringEquals = { "kms:ViaService" = "secretsmanager.${local.region}.amazonaws.com" } }
      }],
    )
  })
}

################################################################################
# Network: the function's security group, allowed into the databases'
################################################################################

resource "aws_security_group" "function" {
  count = local.create ? 1 : 0

  name_prefix = "${var.name}-"
  description = "Secret rotation function ${var.name}"
  vpc_id      = var.vpc_id

  tags = merge({ Name = "${var.name}-function" }, var.tags)

  lifecycle {
    create_before_destroy = true
  }
}

# Keyed by the names the caller gives (known at plan time), never by the IDs, which another resource in the same
# configuration usually computes at apply.
resource "aws_vpc_security_group_egress_rule" "to_database" {
  for_each = local.create ? var.database_security_group_ids : {}

  security_group_id            = aws_security_group.function[0].id
  description                  = "Database"
  ip_protocol                  = "tcp"
  from_port                    = var.database_port
  to_port                      = var.database_port
  referenced_security_group_id = each.value

  tags = merge({ Name = "${var.name}-to-${each.key}" }, var.tags)
}

resource "aws_vpc_security_group_ingress_rule" "database_from_function" {
  for_each = local.create ? var.database_security_group_ids : {}

  security_group_id            = each.value
  description                  = "Secret rotation function ${var.name}"
  ip_protocol                  = "tcp"
  from_port                    = var.database_port
  to_port                      = var.database_port
  referenced_security_group_id = aws_security_group.function[0].id

  tags = merge({ Name = "${var.name}-from-rotation" }, var.tags)
}

# HTTPS to Secrets Manager and SNS: to the endpoint's security group when this module creates the endpoint,
# else anywhere (through NAT or an existing endpoint).
resource "aws_vpc_security_group_egress_rule" "https" {
  count = local.create ? 1 : 0

  security_group_id            = aws_security_group.function[0].id
  description                  = "HTTPS to Secrets Manager and SNS"
  ip_protocol                  = "tcp"
  from_port                    = 443
  to_port                      = 443
  cidr_ipv4                    = var.create_secretsmanager_endpoint ? null : "0.0.0.0/0"
  referenced_security_group_id = var.create_secretsmanager_endpoint ? aws_security_group.endpoint[0].id : null

  tags = merge({ Name = "${var.name}-https" }, var.tags)
}

resource "aws_security_group" "endpoint" {
  count = local.create && var.create_secretsmanager_endpoint ? 1 : 0

  name_prefix = "${var.name}-sm-endpoint-"
  description = "Secrets Manager endpoint for ${var.name}"
  vpc_id      = var.vpc_id

  tags = merge({ Name = "${var.name}-secretsmanager-endpoint" }, var.tags)

  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_vpc_security_group_ingress_rule" "endpoint_from_function" {
  count = local.create && var.create_secretsmanager_endpoint ? 1 : 0

  security_group_id            = aws_security_group.endpoint[0].id
  description                  = "HTTPS from ${var.name}"
  ip_protocol                  = "tcp"
  from_port                    = 443
  to_port                      = 443
  referenced_security_group_id = aws_security_group.function[0].id

  tags = merge({ Name = "${var.name}-endpoint-from-function" }, var.tags)
}

resource "aws_vpc_endpoint" "secretsmanager" {
  count = local.create && var.create_secretsmanager_endpoint ? 1 : 0

  vpc_id              = var.vpc_id
  service_name        = "com.amazonaws.${local.region}.secretsmanager"
  vpc_endpoint_type   = "Interface"
  subnet_ids          = var.subnet_ids
  security_group_ids  = [aws_security_group.endpoint[0].id]
  private_dns_enabled = true

  tags = merge({ Name = "${var.name}-secretsmanager" }, var.tags)
}

################################################################################
# Function
################################################################################

resource "aws_cloudwatch_log_group" "this" {
  count = local.create ? 1 : 0

  name              = local.log_group_name
  retention_in_days = var.log_retention_days

  tags = merge({ Name = var.name }, var.tags)
}

resource "aws_lambda_function" "this" {
  count = local.create ? 1 : 0

  function_name    = var.name
  description      = "Secrets Manager rotation for metastore database users, with rollback"
  role             = aws_iam_role.this[0].arn
  filename         = local.package_filename
  source_code_hash = local.package_hash
  runtime          = "provided.al2023"
  handler          = "bootstrap"
  architectures    = ["x86_64"]
  timeout          = var.timeout
  memory_size      = var.memory_size
  layers           = var.layers

  vpc_config {
    subnet_ids         = var.subnet_ids
    security_group_ids = [aws_security_group.function[0].id]
  }

  environment {
    variables = local.environment
  }

  logging_config {
    log_format = "Text"
    log_group  = aws_cloudwatch_log_group.this[0].name
  }

  tags = merge({ Name = var.name }, var.tags)

  lifecycle {
    precondition {
      # Lambda: "The total size of all environment variables doesn't exceed 4 KB" (Lambda developer guide,
      # quotas). JSON encoding counts a little more than AWS does, so this errs on the safe side.
      condition     = length(jsonencode(local.environment)) <= 4096
      error_message = "The function's environment (mostly ROTATION_BINDINGS, about 300 bytes a secret) exceeds Lambda's 4 KB limit: split var.secrets over several instances of this module (one function per database is the usual layout)."
    }
  }

  depends_on = [aws_iam_role_policy.this]
}

resource "aws_lambda_permission" "secretsmanager" {
  count = local.create ? 1 : 0

  statement_id   = "AllowSecretsManager"
  action         = "lambda:InvokeFunction"
  function_name  = aws_lambda_function.this[0].function_name
  principal      = "secretsmanager.amazonaws.com"
  source_account = local.account_id
}

################################################################################
# Notifications: topic and the RotationFailed / RotationAbandoned rule
################################################################################

resource "aws_sns_topic" "this" {
  count = local.create_topic ? 1 : 0

  name              = "${var.name}-notices"
  kms_master_key_id = var.topic_kms_key_id

  tags = merge({ Name = "${var.name}-notices" }, var.tags)
}

resource "aws_sns_topic_policy" "this" {
  count = local.create_topic && var.create_event_rule ? 1 : 0

  arn = aws_sns_topic.this[0].arn
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid       = "EventBridgeRotationEvents"
      Effect    = "Allow"
      Principal = { Service = "events.amazonaws.com" }
      Action    = "sns:Publish"
      Resource  = aws_sns_topic.this[0].arn
      Condition = { ArnEquals = { "aws:SourceArn" = aws_cloudwatch_event_rule.rotation_failed[0].arn } }
    }]
  })
}

resource "aws_cloudwatch_event_rule" "rotation_failed" {
  count = local.create && var.create_event_rule ? 1 : 0

  name        = "${var.name}-rotation-failed"
  description = "Secrets Manager RotationFailed and RotationAbandoned events of the secrets ${var.name} rotates"
  event_pattern = jsonencode({
    source        = ["aws.secretsmanager"]
    "detail-type" = ["AWS Service Event via CloudTrail"]
    detail = {
      eventName           = ["RotationFailed", "RotationAbandoned"]
      additionalEventData = { SecretId = local.secret_arns }
    }
  })

  tags = merge({ Name = "${var.name}-rotation-failed" }, var.tags)
}

resource "aws_cloudwatch_event_target" "topic" {
  count = local.create && var.create_event_rule ? 1 : 0

  rule      = aws_cloudwatch_event_rule.rotation_failed[0].name
  target_id = "notices"
  arn       = local.topic_arn
}

################################################################################
# Rotation of each secret
################################################################################

resource "logexaminer_secret_rotation" "this" {
  for_each = local.create ? var.secrets : {}

  secret_id                = local.bindings[each.key].secret_arn
  rotation_function_arn    = aws_lambda_function.this[0].arn
  strategy                 = each.value.strategy
  automatically_after_days = each.value.schedule_expression == null ? coalesce(each.value.automatically_after_days, 30) : null
  schedule_expression      = each.value.schedule_expression
  duration                 = each.value.duration
  notification_topic_arn   = local.topic_arn
  rotate_immediately       = each.value.rotate_immediately
  rollback_trigger         = each.value.rollback_trigger

  depends_on = [aws_lambda_permission.secretsmanager, aws_iam_role_policy.this]

  lifecycle {
    action_trigger {
      events    = [after_create]
      condition = each.value.rotate_after_create
      actions   = [action.logexaminer_rotate_secret.after_create[each.key]]
    }
  }
}

# Day-2 operations on each secret, run on demand:
#   terraform apply -invoke='module.NAME.action.logexaminer_rotate_secret.after_create["KEY"]'
#   terraform apply -invoke='module.NAME.action.logexaminer_rollback_secret.this["KEY"]'
action "logexaminer_rotate_secret" "after_create" {
  for_each = local.create ? var.secrets : {}

  config {
    secret_id   = local.bindings[each.key].secret_arn
    timeout     = var.rotation_action_timeout
    check_login = each.value.check_login_after_rotation
    tls         = var.db_tls
  }
}

action "logexaminer_rollback_secret" "this" {
  for_each = local.create ? var.secrets : {}

  config {
    secret_id   = local.bindings[each.key].secret_arn
    timeout     = var.rotation_action_timeout
    check_login = each.value.check_login_after_rotation
    tls         = var.db_tls
  }
}
