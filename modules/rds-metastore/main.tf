locals {
  create = var.create

  engine_version = coalesce(var.engine_version, var.engine == "mysql" ? "8.0" : "16")
  major_version  = var.engine == "mysql" ? join(".", slice(split(".", local.engine_version), 0, 2)) : split(".", local.engine_version)[0]
  family         = "${var.engine}${local.major_version}"
  port           = coalesce(var.port, var.engine == "mysql" ? 3306 : 5432)
  logs_exports   = coalesce(var.enabled_cloudwatch_logs_exports, var.engine == "mysql" ? toset(["error", "slowquery"]) : toset(["postgresql"]))

  # Replicas go round-robin into the zones after the first (the primary's preferred zone).
  replica_azs = [
    for i in range(var.read_replica_count) :
    var.availability_zones[1 + i % (length(var.availability_zones) - 1)]
  ]

  parameters = try(data.logexaminer_db_parameter_profile.this[0].parameters, [])

  generated = var.master_password.mode == "generated"

  monitoring_enabled  = var.enhanced_monitoring.interval > 0
  create_monitor_role = local.create && local.monitoring_enabled && var.enhanced_monitoring.role_arn == null
  monitoring_role_arn = !local.monitoring_enabled ? null : var.enhanced_monitoring.role_arn != null ? var.enhanced_monitoring.role_arn : try(aws_iam_role.monitoring[0].arn, null)
  master_secret_arn = (
    local.generated
    ? try(aws_secretsmanager_secret.master[0].arn, null)
    : try(aws_db_instance.this[0].master_user_secret[0].secret_arn, null)
  )
}

################################################################################
# Parameter group from the LogExaminer parameter profile
################################################################################

data "logexaminer_db_parameter_profile" "this" {
  count = local.create ? 1 : 0

  family         = local.family
  workload       = var.parameter_workload
  instance_class = var.instance_class
  engine_version = local.engine_version
  overrides      = var.parameter_overrides
}

resource "aws_db_parameter_group" "this" {
  count = local.create ? 1 : 0

  name        = var.use_name_prefix ? null : var.name
  name_prefix = var.use_name_prefix ? "${var.name}-" : null
  family      = local.family
  description = "Hive Metastore parameters (${var.parameter_workload}) for ${var.name}"

  dynamic "parameter" {
    for_each = local.parameters

    content {
      name         = parameter.value.name
      value        = parameter.value.value
      apply_method = parameter.value.apply_method
    }
  }

  tags = merge({ Name = var.name }, var.tags)

  lifecycle {
    create_before_destroy = true
  }
}

################################################################################
# Network: subnet group, security group open only to the given groups
################################################################################

resource "aws_db_subnet_group" "this" {
  count = local.create ? 1 : 0

  name        = var.use_name_prefix ? null : var.name
  name_prefix = var.use_name_prefix ? "${var.name}-" : null
  description = "Private subnets of the Hive Metastore database ${var.name}"
  subnet_ids  = var.subnet_ids

  tags = merge({ Name = var.name }, var.tags)
}

resource "aws_security_group" "this" {
  count = local.create ? 1 : 0

  name        = var.use_name_prefix ? null : var.name
  name_prefix = var.use_name_prefix ? "${var.name}-" : null
  description = "Hive Metastore database ${var.name}: ${var.engine} port from allowed security groups only"
  vpc_id      = var.vpc_id

  tags = merge({ Name = var.name }, var.tags)

  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_vpc_security_group_ingress_rule" "allowed" {
  count = local.create ? length(var.allowed_security_group_ids) : 0

  security_group_id            = aws_security_group.this[0].id
  description                  = "${var.engine} from ${var.allowed_security_group_ids[count.index]}"
  ip_protocol                  = "tcp"
  from_port                    = local.port
  to_port                      = local.port
  referenced_security_group_id = var.allowed_security_group_ids[count.index]

  tags = merge({ Name = "${var.name}-${count.index}" }, var.tags)
}

################################################################################
# Primary and read replicas
################################################################################

resource "aws_db_instance" "this" {
  count = local.create ? 1 : 0

  identifier        = var.use_identifier_prefix ? null : var.name
  identifier_prefix = var.use_identifier_prefix ? "${var.name}-" : null

  engine                     = var.engine
  engine_version             = local.engine_version
  instance_class             = var.instance_class
  auto_minor_version_upgrade = var.auto_minor_version_upgrade
  apply_immediately          = var.apply_immediately
  ca_cert_identifier         = var.ca_cert_identifier

  allocated_storage     = var.allocated_storage
  max_allocated_storage = var.max_allocated_storage
  storage_type          = var.storage_type
  iops                  = var.iops
  storage_encrypted     = true
  kms_key_id            = var.kms_key_arn

  db_name                             = var.db_name
  username                            = var.username
  manage_master_user_password         = local.generated ? null : true
  master_user_secret_kms_key_id       = local.generated ? null : var.master_user_secret_kms_key_arn
  password_wo                         = local.generated ? one(ephemeral.logexaminer_password.master[*].result) : null
  password_wo_version                 = local.generated ? var.master_password.version : null
  iam_database_authentication_enabled = var.iam_database_authentication_enabled
  port                                = local.port
  parameter_group_name                = aws_db_parameter_group.this[0].name

  multi_az               = var.multi_az
  availability_zone      = var.multi_az ? null : var.availability_zones[0]
  db_subnet_group_name   = aws_db_subnet_group.this[0].name
  vpc_security_group_ids = [aws_security_group.this[0].id]
  publicly_accessible    = false

  backup_retention_period   = var.backup_retention_period
  backup_window             = var.backup_window
  maintenance_window        = var.maintenance_window
  copy_tags_to_snapshot     = true
  delete_automated_backups  = false
  deletion_protection       = var.deletion_protection
  skip_final_snapshot       = var.skip_final_snapshot
  final_snapshot_identifier = var.skip_final_snapshot ? null : "${var.name}-final"

  performance_insights_enabled          = var.performance_insights.enabled
  performance_insights_retention_period = var.performance_insights.enabled ? var.performance_insights.retention_period : null
  performance_insights_kms_key_id       = var.performance_insights.enabled ? var.performance_insights.kms_key_arn : null

  monitoring_interval = var.enhanced_monitoring.interval
  monitoring_role_arn = local.monitoring_role_arn

  enabled_cloudwatch_logs_exports = local.logs_exports

  tags = merge({ Name = var.name }, var.tags)

  lifecycle {
    precondition {
      condition     = local.generated || var.read_replica_count == 0
      error_message = "master_password.mode = \"managed\" cannot have read replicas: RDS refuses to create a read replica of a source whose master password Secrets Manager manages (every engine but SQL Server; RDS user guide, \"Limitations for Secrets Manager integration with Amazon RDS\"). Use mode = \"generated\" (the default) or read_replica_count = 0."
    }
  }
}

################################################################################
# Enhanced Monitoring role (RDS user guide, "Setting up and enabling Enhanced Monitoring")
################################################################################

resource "aws_iam_role" "monitoring" {
  count = local.create_monitor_role ? 1 : 0

  name_prefix = "${substr(var.name, 0, 20)}-monitoring-"
  description = "RDS Enhanced Monitoring of ${var.name}"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Action    = "sts:AssumeRole"
      Principal = { Service = "monitoring.rds.amazonaws.com" }
    }]
  })

  tags = merge({ Name = "${var.name}-monitoring" }, var.tags)
}

resource "aws_iam_role_policy_attachment" "monitoring" {
  count = local.create_monitor_role ? 1 : 0

  role       = aws_iam_role.monitoring[0].name
  policy_arn = "arn:${data.aws_partition.current[0].partition}:iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole"
}

data "aws_partition" "current" {
  count = local.create_monitor_role ? 1 : 0
}

################################################################################
# Generated master password: ephemeral, written only into the instance and the secret
################################################################################

ephemeral "logexaminer_password" "master" {
  count = local.create && local.generated ? 1 : 0

  length = var.master_password.length
}

resource "aws_secretsmanager_secret" "master" {
  count = local.create && local.generated ? 1 : 0

  name                    = coalesce(var.master_password.secret_name, "${var.name}/master")
  description             = "Master user of the Hive Metastore database ${var.name} (RDS-shaped JSON; rotate with modules/secret-rotation, single user)"
  kms_key_id              = var.master_user_secret_kms_key_arn
  recovery_window_in_days = var.master_password.recovery_window_in_days

  tags = merge({ Name = "${var.name}/master" }, var.tags)
}

resource "aws_secretsmanager_secret_version" "master" {
  count = local.create && local.generated ? 1 : 0

  secret_id = aws_secretsmanager_secret.master[0].id
  secret_string_wo = jsonencode({
    engine   = var.engine
    host     = aws_db_instance.this[0].address
    port     = local.port
    username = var.username
    password = one(ephemeral.logexaminer_password.master[*].result)
    dbname   = var.db_name
  })
  secret_string_wo_version = var.master_password.version
}

resource "aws_db_instance" "replica" {
  count = local.create ? var.read_replica_count : 0

  identifier          = var.use_identifier_prefix ? null : "${var.name}-r${count.index + 1}"
  identifier_prefix   = var.use_identifier_prefix ? "${var.name}-r${count.index + 1}-" : null
  replicate_source_db = aws_db_instance.this[0].identifier

  instance_class             = coalesce(var.replica_instance_class, var.instance_class)
  auto_minor_version_upgrade = var.auto_minor_version_upgrade
  apply_immediately          = var.apply_immediately
  ca_cert_identifier         = var.ca_cert_identifier

  max_allocated_storage = var.max_allocated_storage
  storage_type          = var.storage_type
  iops                  = var.iops
  storage_encrypted     = true

  iam_database_authentication_enabled = var.iam_database_authentication_enabled
  parameter_group_name                = aws_db_parameter_group.this[0].name

  multi_az               = false
  availability_zone      = local.replica_azs[count.index]
  vpc_security_group_ids = [aws_security_group.this[0].id]
  publicly_accessible    = false

  backup_retention_period = 0
  maintenance_window      = var.maintenance_window
  copy_tags_to_snapshot   = true
  deletion_protection     = var.deletion_protection
  skip_final_snapshot     = true

  performance_insights_enabled          = var.performance_insights.enabled
  performance_insights_retention_period = var.performance_insights.enabled ? var.performance_insights.retention_period : null
  performance_insights_kms_key_id       = var.performance_insights.enabled ? var.performance_insights.kms_key_arn : null

  monitoring_interval = var.enhanced_monitoring.interval
  monitoring_role_arn = local.monitoring_role_arn

  enabled_cloudwatch_logs_exports = local.logs_exports

  tags = merge({ Name = "${var.name}-r${count.index + 1}" }, var.tags)
}

################################################################################
# Metastore users: least-privilege users whose passwords live only in Secrets Manager
################################################################################

resource "logexaminer_db_user" "this" {
  for_each = local.create && var.create_metastore_users ? var.metastore_users : {}

  engine = var.engine

  endpoint {
    host          = aws_db_instance.this[0].address
    port          = local.port
    database      = var.db_name
    tls           = var.database_tls.mode
    ca_bundle_pem = var.database_tls.ca_bundle_pem
  }

  admin_secret_arn = local.master_secret_arn

  username = each.value.username
  host     = var.engine == "mysql" ? coalesce(each.value.host, "%") : null

  dynamic "grant" {
    for_each = each.value.grants

    content {
      privileges        = grant.value.privileges
      database          = coalesce(grant.value.database, var.db_name)
      schema            = var.engine == "postgres" && grant.value.object_type != "database" ? coalesce(grant.value.schema, "public") : null
      object_type       = grant.value.object_type
      objects           = grant.value.objects
      with_grant_option = grant.value.with_grant_option
    }
  }

  default_privilege_roles = each.value.default_privilege_roles
  iam_authentication      = each.value.iam_authentication
  connection_limit        = each.value.connection_limit
  require_ssl             = each.value.require_ssl

  secret_name      = each.value.iam_authentication ? null : coalesce(each.value.secret_name, "${var.name}/${each.key}")
  kms_key_id       = each.value.iam_authentication ? null : var.master_user_secret_kms_key_arn
  password_version = each.value.iam_authentication ? null : each.value.password_version
  password_length  = each.value.iam_authentication ? null : each.value.password_length

  tags = merge({ Name = "${var.name}/${each.key}" }, var.tags)

  depends_on = [aws_secretsmanager_secret_version.master]

  lifecycle {
    # Proves, after each create or change, that the user logs in with the password in Secrets Manager and
    # holds its grants (read as the user itself). IAM users have no password to prove.
    action_trigger {
      events    = [after_create, after_update]
      condition = var.check_user_logins && !each.value.iam_authentication
      actions   = [action.logexaminer_check_login.user[each.key]]
    }
  }
}

# Also on demand: terraform apply -invoke='module.NAME.action.logexaminer_check_login.user["KEY"]'
# One instance per user, since action_trigger refers to it statically; an IAM-authenticated user has no
# secret, its trigger never fires, and invoking it by hand says that no such secret exists.
action "logexaminer_check_login" "user" {
  for_each = local.create && var.create_metastore_users ? var.metastore_users : {}

  config {
    secret_id     = each.value.iam_authentication ? "${var.name}/${each.key} uses IAM authentication and has no secret" : logexaminer_db_user.this[each.key].secret_arn
    tls           = var.database_tls.mode
    ca_bundle_pem = var.database_tls.ca_bundle_pem

    dynamic "grant" {
      for_each = each.value.grants

      content {
        privileges        = grant.value.privileges
        database          = coalesce(grant.value.database, var.db_name)
        schema            = var.engine == "postgres" && grant.value.object_type != "database" ? coalesce(grant.value.schema, "public") : null
        object_type       = grant.value.object_type
        objects           = grant.value.objects
        with_grant_option = grant.value.with_grant_option
      }
    }
  }
}

locals {
  # What modules/secret-rotation takes as `secrets`: the master secret (generated mode, single user: the function
  # changes the master password with the master credentials) and every password user (alternating users by
  # default, with the master secret as the admin that creates and updates the clone).
  master_rotation_secret = local.create && local.generated ? {
    master = {
      binding = jsonencode({
        secret_arn       = aws_secretsmanager_secret.master[0].arn
        engine           = var.engine
        host             = aws_db_instance.this[0].address
        port             = local.port
        dbname           = var.db_name
        username         = var.username
        admin_secret_arn = null
      })
      strategy                 = "single_user"
      automatically_after_days = var.master_rotation.schedule_expression == null ? coalesce(var.master_rotation.automatically_after_days, 30) : null
      schedule_expression      = var.master_rotation.schedule_expression
      duration                 = var.master_rotation.duration
    }
  } : {}

  user_rotation_secrets = {
    for k, u in var.metastore_users : k => {
      binding                  = logexaminer_db_user.this[k].rotation_binding
      strategy                 = u.rotation.strategy
      automatically_after_days = u.rotation.schedule_expression == null ? coalesce(u.rotation.automatically_after_days, 30) : null
      schedule_expression      = u.rotation.schedule_expression
      duration                 = u.rotation.duration
    } if local.create && var.create_metastore_users && !u.iam_authentication
  }
}
