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

  # Parameters MySQL 8 removed; a profile must never hand them to a mysql8.x parameter group.
  mysql8_removed_parameters = [
    "query_cache_size", "query_cache_type", "query_cache_limit", "query_cache_min_res_unit", "query_cache_wlock_invalidate",
    "tx_isolation", "tx_read_only", "innodb_file_format", "innodb_file_format_check", "innodb_file_format_max",
    "innodb_large_prefix", "innodb_support_xa", "log_warnings", "secure_auth", "old_passwords", "sync_frm",
    "ignore_builtin_innodb",
  ]
  parameters = try(data.logexaminer_db_parameter_profile.this[0].parameters, [])
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

    precondition {
      condition     = var.engine != "mysql" || length(setintersection([for p in local.parameters : p.name], local.mysql8_removed_parameters)) == 0
      error_message = "The parameter profile returned a parameter that MySQL 8 removed: ${join(", ", setintersection([for p in local.parameters : p.name], local.mysql8_removed_parameters))}."
    }
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
  manage_master_user_password         = true
  master_user_secret_kms_key_id       = var.master_user_secret_kms_key_arn
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

  enabled_cloudwatch_logs_exports = local.logs_exports

  tags = merge({ Name = var.name }, var.tags)
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
    host     = aws_db_instance.this[0].address
    port     = local.port
    database = var.db_name
    tls      = "verify-full"
  }

  admin_secret_arn = aws_db_instance.this[0].master_user_secret[0].secret_arn

  username = each.value.username
  host     = var.engine == "mysql" ? coalesce(each.value.host, "%") : null

  dynamic "grant" {
    for_each = each.value.grants

    content {
      privileges        = grant.value.privileges
      database          = coalesce(grant.value.database, var.db_name)
      schema            = var.engine == "postgres" ? coalesce(grant.value.schema, "public") : null
      objects           = grant.value.objects
      with_grant_option = grant.value.with_grant_option
    }
  }

  secret_name      = coalesce(each.value.secret_name, "${var.name}/${each.key}")
  kms_key_id       = var.master_user_secret_kms_key_arn
  password_version = each.value.password_version

  tags = merge({ Name = "${var.name}/${each.key}" }, var.tags)
}
