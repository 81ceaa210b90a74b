################################################################################
# Flow log
################################################################################

locals {
  flow_log_enabled    = local.create && var.flow_log.enabled
  flow_log_to_cw      = local.flow_log_enabled && var.flow_log.destination_type == "cloud-watch-logs"
  flow_log_create_lg  = local.flow_log_to_cw && var.flow_log.create_log_group
  flow_log_group_arn  = local.flow_log_create_lg ? try(aws_cloudwatch_log_group.flow_log[0].arn, null) : (var.flow_log.destination_arn == null ? null : trimsuffix(var.flow_log.destination_arn, ":*"))
  flow_log_role_name  = "${substr(var.name, 0, 24)}-flow-log-"
  flow_log_group_name = "/aws/vpc-flow-log/${var.name}"
}

data "aws_caller_identity" "current" {
  count = local.flow_log_to_cw ? 1 : 0
}

resource "aws_cloudwatch_log_group" "flow_log" {
  count = local.flow_log_create_lg ? 1 : 0

  name              = local.flow_log_group_name
  retention_in_days = var.flow_log.retention_in_days
  kms_key_id        = var.flow_log.kms_key_arn

  tags = merge({ Name = local.flow_log_group_name }, var.tags)
}

data "aws_iam_policy_document" "flow_log_assume" {
  count = local.flow_log_to_cw ? 1 : 0

  statement {
    sid     = "VpcFlowLogsAssume"
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["vpc-flow-logs.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [data.aws_caller_identity.current[0].account_id]
    }
  }
}

data "aws_iam_policy_document" "flow_log" {
  count = local.flow_log_to_cw ? 1 : 0

  statement {
    sid = "WriteFlowLogs"
    actions = [
      "logs:CreateLogStream",
      "logs:PutLogEvents",
      "logs:DescribeLogGroups",
      "logs:DescribeLogStreams",
    ]
    resources = [local.flow_log_group_arn, "${local.flow_log_group_arn}:*"]
  }
}

resource "aws_iam_role" "flow_log" {
  count = local.flow_log_to_cw ? 1 : 0

  name_prefix        = local.flow_log_role_name
  assume_role_policy = data.aws_iam_policy_document.flow_log_assume[0].json

  tags = merge({ Name = "${var.name}-flow-log" }, var.tags)
}

resource "aws_iam_role_policy" "flow_log" {
  count = local.flow_log_to_cw ? 1 : 0

  name   = "vpc-flow-log"
  role   = aws_iam_role.flow_log[0].id
  policy = data.aws_iam_policy_document.flow_log[0].json
}

resource "aws_flow_log" "this" {
  count = local.flow_log_enabled ? 1 : 0

  vpc_id                   = aws_vpc.this[0].id
  traffic_type             = var.flow_log.traffic_type
  log_destination_type     = var.flow_log.destination_type
  log_destination          = local.flow_log_to_cw ? local.flow_log_group_arn : var.flow_log.destination_arn
  iam_role_arn             = local.flow_log_to_cw ? aws_iam_role.flow_log[0].arn : null
  max_aggregation_interval = var.flow_log.max_aggregation_interval

  tags = merge({ Name = var.name }, var.tags)
}
