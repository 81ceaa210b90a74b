################################################################################
# General
################################################################################

variable "create" {
  description = "Whether to create any resource in this module."
  type        = bool
  default     = true
  nullable    = false
}

variable "name" {
  description = "Identifier of the primary DB instance (replicas are `<name>-r<n>`); also the name or name prefix of the parameter group, subnet group and security group. RDS rules: lowercase letters, digits and hyphens, starting with a letter, no double or trailing hyphen."
  type        = string
  nullable    = false

  validation {
    condition     = length(var.name) >= 1 && length(var.name) <= 63
    error_message = "name must be 1 to 63 characters long (the RDS DB instance identifier limit)."
  }

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]*$", var.name))
    error_message = "name must start with a lowercase letter and contain only lowercase letters, digits and hyphens."
  }

  validation {
    condition     = !strcontains(var.name, "--") && !endswith(var.name, "-")
    error_message = "name must not contain two consecutive hyphens or end with a hyphen."
  }

  validation {
    condition     = length(var.name) + (var.read_replica_count > 9 ? 4 : 3) <= 63
    error_message = "name is too long for the replica identifiers (<name>-r<n>, at most 63 characters)."
  }

  validation {
    condition     = var.use_identifier_prefix ? length(var.name) + (var.read_replica_count > 9 ? 5 : 4) <= 37 : true
    error_message = "With use_identifier_prefix, name must leave room for \"-r<n>-\" within the 37-character identifier prefix limit."
  }
}

variable "use_name_prefix" {
  description = "Whether the parameter group, subnet group and security group use `name` as a prefix (a unique suffix is added), so replacements can be created before the old ones are destroyed."
  type        = bool
  default     = true
  nullable    = false
}

variable "use_identifier_prefix" {
  description = "Whether the DB instance identifiers use `name` as a prefix (a unique suffix is added)."
  type        = bool
  default     = false
  nullable    = false
}

variable "tags" {
  description = "Tags added to every resource."
  type        = map(string)
  default     = {}
  nullable    = false

  validation {
    condition     = alltrue([for k, v in var.tags : length(k) >= 1 && length(k) <= 128 && length(v) <= 256 && !startswith(lower(k), "aws:")])
    error_message = "Tag keys must be 1-128 characters and not start with \"aws:\"; values at most 256 characters."
  }
}

################################################################################
# Engine and instance
################################################################################

variable "engine" {
  description = "Database engine of the metastore: `mysql` (MySQL 8.0 or 8.4) or `postgres`."
  type        = string
  default     = "mysql"
  nullable    = false

  validation {
    condition     = contains(["mysql", "postgres"], var.engine)
    error_message = "engine must be mysql or postgres."
  }
}

variable "engine_version" {
  description = "Engine version: `8.0`, `8.4` or a patch version such as `8.0.40` for MySQL; `14` to `17` or a minor version such as `16.4` for PostgreSQL. Null picks 8.0 (MySQL) or 16 (PostgreSQL)."
  type        = string
  default     = null

  validation {
    condition = var.engine_version == null ? true : (
      var.engine == "mysql"
      ? can(regex("^8\\.(0|4)(\\.[0-9]+)?$", var.engine_version))
      : can(regex("^(14|15|16|17)(\\.[0-9]+)?$", var.engine_version))
    )
    error_message = "engine_version does not match the engine: MySQL takes 8.0 or 8.4 (optionally with a patch, e.g. 8.0.40); PostgreSQL takes 14 to 17 (optionally with a minor, e.g. 16.4)."
  }
}

variable "instance_class" {
  description = "DB instance class of the primary, e.g. `db.r6g.large`."
  type        = string
  default     = "db.r6g.large"
  nullable    = false

  validation {
    condition     = can(regex("^db\\.[a-z][a-z0-9-]*[0-9][a-z0-9-]*\\.(micro|small|medium|large|[0-9]*xlarge)(\\.[a-z0-9]+)?$", var.instance_class))
    error_message = "instance_class must be an RDS DB instance class such as db.r6g.large or db.m7g.2xlarge."
  }
}

variable "replica_instance_class" {
  description = "DB instance class of the read replicas. Null uses `instance_class`."
  type        = string
  default     = null

  validation {
    condition     = var.replica_instance_class == null ? true : can(regex("^db\\.[a-z][a-z0-9-]*[0-9][a-z0-9-]*\\.(micro|small|medium|large|[0-9]*xlarge)(\\.[a-z0-9]+)?$", var.replica_instance_class))
    error_message = "replica_instance_class must be an RDS DB instance class such as db.r6g.large."
  }
}

variable "ca_cert_identifier" {
  description = "Certificate authority of the server certificate."
  type        = string
  default     = "rds-ca-rsa2048-g1"
  nullable    = false

  validation {
    condition     = contains(["rds-ca-rsa2048-g1", "rds-ca-rsa4096-g1", "rds-ca-ecc384-g1"], var.ca_cert_identifier)
    error_message = "ca_cert_identifier must be rds-ca-rsa2048-g1, rds-ca-rsa4096-g1 or rds-ca-ecc384-g1."
  }
}

variable "auto_minor_version_upgrade" {
  description = "Whether RDS applies minor engine upgrades in the maintenance window."
  type        = bool
  default     = true
  nullable    = false
}

variable "apply_immediately" {
  description = "Whether changes are applied at once rather than in the next maintenance window."
  type        = bool
  default     = false
  nullable    = false
}

################################################################################
# Storage
################################################################################

variable "allocated_storage" {
  description = "Allocated storage in GiB (20 to 65536)."
  type        = number
  default     = 50
  nullable    = false

  validation {
    condition     = var.allocated_storage >= 20 && var.allocated_storage <= 65536 && floor(var.allocated_storage) == var.allocated_storage
    error_message = "allocated_storage must be a whole number of GiB from 20 to 65536."
  }
}

variable "max_allocated_storage" {
  description = "Upper limit in GiB for storage autoscaling; 0 disables autoscaling."
  type        = number
  default     = 200
  nullable    = false

  validation {
    condition     = var.max_allocated_storage == 0 || (var.max_allocated_storage > var.allocated_storage && var.max_allocated_storage <= 65536 && floor(var.max_allocated_storage) == var.max_allocated_storage)
    error_message = "max_allocated_storage must be 0 (no autoscaling) or a whole number greater than allocated_storage and at most 65536."
  }
}

variable "storage_type" {
  description = "Storage type: `gp3` (default), `io1` or `io2`."
  type        = string
  default     = "gp3"
  nullable    = false

  validation {
    condition     = contains(["gp3", "io1", "io2"], var.storage_type)
    error_message = "storage_type must be gp3, io1 or io2."
  }
}

variable "iops" {
  description = "Provisioned IOPS: required for io1/io2 (1000 to 256000); for gp3 only from 400 GiB of storage (12000 to 64000)."
  type        = number
  default     = null

  validation {
    condition = (
      var.storage_type == "gp3"
      ? (var.iops == null ? true : var.allocated_storage >= 400 && var.iops >= 12000 && var.iops <= 64000)
      : (var.iops == null ? false : var.iops >= 1000 && var.iops <= 256000)
    )
    error_message = "iops: io1/io2 need 1000 to 256000; gp3 accepts it only with allocated_storage >= 400 and 12000 to 64000 (below 400 GiB gp3 has a fixed baseline)."
  }
}

variable "kms_key_arn" {
  description = "ARN of the KMS key encrypting the storage (storage is always encrypted). Null uses the account's default `aws/rds` key."
  type        = string
  default     = null

  validation {
    condition     = var.kms_key_arn == null ? true : can(regex("^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|mrk-[0-9a-f]{32})$", var.kms_key_arn))
    error_message = "kms_key_arn must be a KMS key ARN such as arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab."
  }
}

################################################################################
# Database, credentials, parameters
################################################################################

variable "db_name" {
  description = "Name of the metastore database created in the instance."
  type        = string
  default     = "metastore"
  nullable    = false

  validation {
    condition = (
      var.engine == "mysql"
      ? can(regex("^[A-Za-z][A-Za-z0-9_]{0,63}$", var.db_name))
      : can(regex("^[A-Za-z_][A-Za-z0-9_]{0,62}$", var.db_name))
    )
    error_message = "db_name: MySQL takes 1-64 letters, digits and underscores starting with a letter; PostgreSQL 1-63 starting with a letter or underscore."
  }

  validation {
    condition     = !contains(["mysql", "sys", "information_schema", "performance_schema", "template0", "template1", "rdsadmin"], lower(var.db_name))
    error_message = "db_name must not be a name the engine or RDS reserves (mysql, sys, information_schema, performance_schema, template0, template1, rdsadmin)."
  }
}

variable "username" {
  description = "Master user name. Its password never reaches plan or state: see `master_password`."
  type        = string
  default     = "hive_admin"
  nullable    = false

  validation {
    condition = (
      var.engine == "mysql"
      ? can(regex("^[A-Za-z][A-Za-z0-9_]{0,15}$", var.username))
      : can(regex("^[A-Za-z][A-Za-z0-9_]{0,62}$", var.username))
    )
    error_message = "username must start with a letter and contain letters, digits and underscores: at most 16 characters on MySQL, 63 on PostgreSQL."
  }

  validation {
    condition     = !contains(["rdsadmin", "rdsrepladmin", "rds_superuser", "rdsproxyadmin", "postgres", "root", "mysql.sys", "admin_user"], lower(var.username))
    error_message = "username is reserved by RDS or the engine; choose another name (e.g. hive_admin)."
  }
}

variable "master_password" {
  description = "How the master user's password is made and kept; neither way puts it in plan or state. `mode = \"generated\"` (default): our provider generates it as an ephemeral value (`logexaminer_password`), which goes write-only into the instance (`password_wo`, `password_wo_version`) and into a Secrets Manager secret this module creates in the RDS shape (`engine, host, port, username, password, dbname`, written through `secret_string_wo`); that secret is the only copy (rotate it with modules/secret-rotation, single user) and read replicas work; raise `version` to have Terraform set a new password in both places. `mode = \"managed\"`: RDS generates and keeps it in a secret of its own (`manage_master_user_password`); RDS does not create read replicas of such a source (every engine but SQL Server; RDS user guide, Limitations for Secrets Manager integration with Amazon RDS), so `read_replica_count` must be 0. `length`: 32 to 41 (the MySQL master password limit is 41). `secret_name`: the generated mode's secret (default `<name>/master`). `recovery_window_in_days`: 0 (delete at once) or 7 to 30."
  type = object({
    mode                    = optional(string, "generated")
    version                 = optional(number, 1)
    length                  = optional(number, 32)
    secret_name             = optional(string)
    recovery_window_in_days = optional(number, 7)
  })
  default  = {}
  nullable = false

  validation {
    condition     = contains(["generated", "managed"], var.master_password.mode)
    error_message = "master_password.mode must be \"generated\" or \"managed\"."
  }

  validation {
    condition     = var.master_password.version >= 1 && floor(var.master_password.version) == var.master_password.version
    error_message = "master_password.version must be a whole number from 1: raise it to set a new master password."
  }

  validation {
    condition     = var.master_password.length >= 32 && var.master_password.length <= 41
    error_message = "master_password.length must be 32 to 41 (41 is the MySQL master password limit)."
  }

  validation {
    condition     = var.master_password.recovery_window_in_days == 0 || (var.master_password.recovery_window_in_days >= 7 && var.master_password.recovery_window_in_days <= 30)
    error_message = "master_password.recovery_window_in_days must be 0 or 7 to 30 (Secrets Manager's limits)."
  }
}

variable "master_user_secret_kms_key_arn" {
  description = "ARN of the KMS key encrypting the master user secret (RDS's own in `managed` mode, the module's in `generated` mode) and the metastore users' secrets. Null uses `aws/secretsmanager`."
  type        = string
  default     = null

  validation {
    condition     = var.master_user_secret_kms_key_arn == null ? true : can(regex("^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|mrk-[0-9a-f]{32})$", var.master_user_secret_kms_key_arn))
    error_message = "master_user_secret_kms_key_arn must be a KMS key ARN."
  }
}

variable "port" {
  description = "Port the database listens on. Null uses 3306 (MySQL) or 5432 (PostgreSQL)."
  type        = number
  default     = null

  validation {
    condition     = var.port == null ? true : var.port >= 1150 && var.port <= 65535 && floor(var.port) == var.port
    error_message = "port must be a whole number from 1150 to 65535 (the range RDS allows)."
  }
}

variable "iam_database_authentication_enabled" {
  description = "Whether IAM database authentication is enabled."
  type        = bool
  default     = false
  nullable    = false
}

variable "parameter_workload" {
  description = "Workload profile passed to `logexaminer_db_parameter_profile`."
  type        = string
  default     = "hive_metastore"
  nullable    = false

  validation {
    condition     = can(regex("^[a-z][a-z0-9_]*$", var.parameter_workload))
    error_message = "parameter_workload must be a profile name such as hive_metastore."
  }
}

variable "parameter_overrides" {
  description = "Parameters that override the profile's values (name => value). Byte-valued parameters take bytes or an RDS formula, not percentages. `logexaminer_db_parameter_profile` checks them (names the family does not have, such as the query cache MySQL 8.0 removed, values, units, formulas) and reports each problem at `parameter_overrides[\"NAME\"]`."
  type        = map(string)
  default     = {}
  nullable    = false
}

variable "enabled_cloudwatch_logs_exports" {
  description = "Logs exported to CloudWatch Logs: MySQL `audit`, `error`, `general`, `slowquery`, `iam-db-auth-error`; PostgreSQL `postgresql`, `upgrade`, `iam-db-auth-error`. Null exports `error` + `slowquery` (MySQL) or `postgresql` (PostgreSQL)."
  type        = set(string)
  default     = null

  validation {
    condition = var.enabled_cloudwatch_logs_exports == null ? true : alltrue([
      for l in var.enabled_cloudwatch_logs_exports :
      contains(var.engine == "mysql" ? ["audit", "error", "general", "slowquery", "iam-db-auth-error"] : ["postgresql", "upgrade", "iam-db-auth-error"], l)
    ])
    error_message = "enabled_cloudwatch_logs_exports: MySQL exports audit, error, general, slowquery, iam-db-auth-error; PostgreSQL postgresql, upgrade, iam-db-auth-error."
  }
}

################################################################################
# Network
################################################################################

variable "vpc_id" {
  description = "ID of the VPC of the database (for its security group)."
  type        = string
  nullable    = false

  validation {
    condition     = can(regex("^vpc-[0-9a-f]{8,17}$", var.vpc_id))
    error_message = "vpc_id must be a VPC ID such as vpc-0123456789abcdef0."
  }
}

variable "subnet_ids" {
  description = "Private subnets of the DB subnet group, in at least two availability zones."
  type        = list(string)
  nullable    = false

  validation {
    condition     = length(var.subnet_ids) >= 2
    error_message = "subnet_ids must contain at least two subnets (a DB subnet group needs two availability zones)."
  }

  validation {
    condition     = alltrue([for id in var.subnet_ids : can(regex("^subnet-[0-9a-f]{8,17}$", id))])
    error_message = "subnet_ids entries must be subnet IDs such as subnet-0123456789abcdef0."
  }
}

variable "availability_zones" {
  description = "Availability zones of the subnets. The first is the preferred primary zone (used when `multi_az` is false); read replicas go round-robin into the others."
  type        = list(string)
  nullable    = false

  validation {
    condition     = length(var.availability_zones) >= 2 && length(distinct(var.availability_zones)) == length(var.availability_zones)
    error_message = "availability_zones must list at least two distinct zones."
  }

  validation {
    condition     = alltrue([for az in var.availability_zones : can(regex("^[a-z]{2}(-[a-z]+)+-[0-9]+[a-z]$", az))])
    error_message = "availability_zones entries must be zone names such as eu-west-1a."
  }
}

variable "allowed_security_group_ids" {
  description = "Security groups whose members may connect to the database port. Nothing else is allowed in, and nothing out."
  type        = list(string)
  default     = []
  nullable    = false

  validation {
    condition     = alltrue([for id in var.allowed_security_group_ids : can(regex("^sg-[0-9a-f]{8,17}$", id))])
    error_message = "allowed_security_group_ids entries must be security group IDs such as sg-0123456789abcdef0."
  }

  validation {
    condition     = length(var.allowed_security_group_ids) <= 60
    error_message = "A security group allows at most 60 inbound rules."
  }
}

variable "multi_az" {
  description = "Whether the primary is a Multi-AZ deployment (a synchronous standby in another zone)."
  type        = bool
  default     = true
  nullable    = false
}

variable "read_replica_count" {
  description = "Number of read replicas, placed in the zones after the first one of `availability_zones`."
  type        = number
  default     = 1
  nullable    = false

  validation {
    condition     = var.read_replica_count >= 0 && var.read_replica_count <= 15 && floor(var.read_replica_count) == var.read_replica_count
    error_message = "read_replica_count must be a whole number from 0 to 15 (the RDS limit per source instance)."
  }
}

################################################################################
# Backups, maintenance, protection, monitoring
################################################################################

variable "backup_retention_period" {
  description = "Days automated backups are kept (0 to 35). Read replicas need at least 1."
  type        = number
  default     = 14
  nullable    = false

  validation {
    condition     = var.backup_retention_period >= 0 && var.backup_retention_period <= 35 && floor(var.backup_retention_period) == var.backup_retention_period
    error_message = "backup_retention_period must be a whole number of days from 0 to 35."
  }

  validation {
    condition     = var.read_replica_count == 0 || var.backup_retention_period >= 1
    error_message = "Read replicas require automated backups on the source: set backup_retention_period to at least 1."
  }
}

variable "backup_window" {
  description = "Daily backup window in UTC, `hh24:mi-hh24:mi`, at least 30 minutes, not overlapping the maintenance window."
  type        = string
  default     = "03:00-04:00"
  nullable    = false

  validation {
    condition     = can(regex("^([01][0-9]|2[0-3]):[0-5][0-9]-([01][0-9]|2[0-3]):[0-5][0-9]$", var.backup_window))
    error_message = "backup_window must look like 03:00-04:00 (UTC, hh24:mi-hh24:mi)."
  }

  validation {
    condition = can(regex("^([01][0-9]|2[0-3]):[0-5][0-9]-([01][0-9]|2[0-3]):[0-5][0-9]$", var.backup_window)) ? (
      (
        tonumber(substr(var.backup_window, 6, 2)) * 60 + tonumber(substr(var.backup_window, 9, 2)) -
        tonumber(substr(var.backup_window, 0, 2)) * 60 - tonumber(substr(var.backup_window, 3, 2)) + 1440
      ) % 1440 >= 30
    ) : true
    error_message = "backup_window must be at least 30 minutes long."
  }
}

variable "maintenance_window" {
  description = "Weekly maintenance window in UTC, `ddd:hh24:mi-ddd:hh24:mi`, at least 30 minutes, not overlapping the backup window."
  type        = string
  default     = "sun:04:30-sun:05:30"
  nullable    = false

  validation {
    condition     = can(regex("^(mon|tue|wed|thu|fri|sat|sun):([01][0-9]|2[0-3]):[0-5][0-9]-(mon|tue|wed|thu|fri|sat|sun):([01][0-9]|2[0-3]):[0-5][0-9]$", var.maintenance_window))
    error_message = "maintenance_window must look like sun:04:30-sun:05:30 (UTC, lowercase day names)."
  }

  validation {
    condition = can(regex("^(mon|tue|wed|thu|fri|sat|sun):([01][0-9]|2[0-3]):[0-5][0-9]-(mon|tue|wed|thu|fri|sat|sun):([01][0-9]|2[0-3]):[0-5][0-9]$", var.maintenance_window)) ? (
      (
        index(["mon", "tue", "wed", "thu", "fri", "sat", "sun"], substr(var.maintenance_window, 10, 3)) * 1440 + tonumber(substr(var.maintenance_window, 14, 2)) * 60 + tonumber(substr(var.maintenance_window, 17, 2)) -
        index(["mon", "tue", "wed", "thu", "fri", "sat", "sun"], substr(var.maintenance_window, 0, 3)) * 1440 - tonumber(substr(var.maintenance_window, 4, 2)) * 60 - tonumber(substr(var.maintenance_window, 7, 2)) + 10080
      ) % 10080 >= 30
    ) : true
    error_message = "maintenance_window must be at least 30 minutes long."
  }

  validation {
    condition = try(
      alltrue([
        for day in range(-1, 8) : (
          # backup window of that day: [b0, b1); maintenance window: [m0, m1)
          day * 1440 + tonumber(substr(var.backup_window, 0, 2)) * 60 + tonumber(substr(var.backup_window, 3, 2)) + (tonumber(substr(var.backup_window, 6, 2)) * 60 + tonumber(substr(var.backup_window, 9, 2)) - tonumber(substr(var.backup_window, 0, 2)) * 60 - tonumber(substr(var.backup_window, 3, 2)) + 1440) % 1440
          <= index(["mon", "tue", "wed", "thu", "fri", "sat", "sun"], substr(var.maintenance_window, 0, 3)) * 1440 + tonumber(substr(var.maintenance_window, 4, 2)) * 60 + tonumber(substr(var.maintenance_window, 7, 2))
          ||
          index(["mon", "tue", "wed", "thu", "fri", "sat", "sun"], substr(var.maintenance_window, 0, 3)) * 1440 + tonumber(substr(var.maintenance_window, 4, 2)) * 60 + tonumber(substr(var.maintenance_window, 7, 2)) + (index(["mon", "tue", "wed", "thu", "fri", "sat", "sun"], substr(var.maintenance_window, 10, 3)) * 1440 + tonumber(substr(var.maintenance_window, 14, 2)) * 60 + tonumber(substr(var.maintenance_window, 17, 2)) - index(["mon", "tue", "wed", "thu", "fri", "sat", "sun"], substr(var.maintenance_window, 0, 3)) * 1440 - tonumber(substr(var.maintenance_window, 4, 2)) * 60 - tonumber(substr(var.maintenance_window, 7, 2)) + 10080) % 10080
          <= day * 1440 + tonumber(substr(var.backup_window, 0, 2)) * 60 + tonumber(substr(var.backup_window, 3, 2))
        )
      ]),
      true
    )
    error_message = "maintenance_window must not overlap the daily backup_window."
  }
}

variable "deletion_protection" {
  description = "Whether the instances are protected from deletion."
  type        = bool
  default     = true
  nullable    = false
}

variable "skip_final_snapshot" {
  description = "Whether to skip the final snapshot (`<name>-final`) when the primary is deleted."
  type        = bool
  default     = false
  nullable    = false
}

variable "enhanced_monitoring" {
  description = "RDS Enhanced Monitoring (OS metrics to CloudWatch Logs) of the primary and the replicas: `interval` in seconds (0 turns it off; 1, 5, 10, 15, 30 or 60), `role_arn` of a role RDS assumes (`monitoring.rds.amazonaws.com` with the AWS managed policy AmazonRDSEnhancedMonitoringRole); null lets the module create it."
  type = object({
    interval = optional(number, 60)
    role_arn = optional(string)
  })
  default  = {}
  nullable = false

  validation {
    condition     = contains([0, 1, 5, 10, 15, 30, 60], var.enhanced_monitoring.interval)
    error_message = "enhanced_monitoring.interval must be 0, 1, 5, 10, 15, 30 or 60 seconds (the values RDS accepts)."
  }

  validation {
    condition     = var.enhanced_monitoring.role_arn == null || can(regex("^arn:aws[a-z-]*:iam::[0-9]{12}:role/.+$", var.enhanced_monitoring.role_arn))
    error_message = "enhanced_monitoring.role_arn must be an IAM role ARN."
  }
}

variable "performance_insights" {
  description = "Performance Insights: `enabled`, `retention_period` in days (7, a multiple of 31 up to 713, or 731), `kms_key_arn`."
  type = object({
    enabled          = optional(bool, true)
    retention_period = optional(number, 7)
    kms_key_arn      = optional(string)
  })
  default  = {}
  nullable = false

  validation {
    condition = (
      contains([7, 731], var.performance_insights.retention_period) ||
      (var.performance_insights.retention_period % 31 == 0 && var.performance_insights.retention_period >= 31 && var.performance_insights.retention_period <= 713)
    )
    error_message = "performance_insights.retention_period must be 7, a multiple of 31 from 31 to 713 (months), or 731."
  }

  validation {
    condition     = var.performance_insights.kms_key_arn == null ? true : can(regex("^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|mrk-[0-9a-f]{32})$", var.performance_insights.kms_key_arn))
    error_message = "performance_insights.kms_key_arn must be a KMS key ARN."
  }

  validation {
    condition     = var.performance_insights.enabled && var.engine == "mysql" ? !can(regex("^db\\.t[0-9]g?\\.(micro|small)$", var.instance_class)) : true
    error_message = "Performance Insights is not available for MySQL on db.t*.micro and db.t*.small; use a larger class or disable it."
  }
}

################################################################################
# Metastore users (logexaminer_db_user)
################################################################################

variable "create_metastore_users" {
  description = "Whether to create the `metastore_users` as database users through `logexaminer_db_user`, each with its password in its own Secrets Manager secret. The provider must reach the database (run inside the VPC or through a tunnel)."
  type        = bool
  default     = false
  nullable    = false
}

variable "metastore_users" {
  description = <<-EOT
    Database users keyed by a static name (not `master`), each a `logexaminer_db_user` (see its documentation for every
    rule). `username` (MySQL at most 32 characters, PostgreSQL 63), `host` (MySQL, default `%`), `grants`
    (`privileges`, `database` - default the metastore database -, `schema` for PostgreSQL - default `public` -,
    `object_type` `database`/`schema`/`table`/`sequence` - inferred when null -, `objects` `["*"]` or names,
    `with_grant_option`), `default_privilege_roles` (PostgreSQL: roles whose future tables `["*"]` grants cover),
    `iam_authentication` (RDS IAM instead of a password: no secret, no rotation), `connection_limit`, `require_ssl`,
    `secret_name` (default `<name>/<key>`), `password_version` (bump to generate a new password), `password_length`,
    and `rotation`: how modules/secret-rotation rotates the user's secret through the `rotation_secrets` output
    (`strategy` `alternating_users` - default: a clone user is created and updated with the master secret as admin -
    or `single_user`; `automatically_after_days` or `schedule_expression`; `duration`).
  EOT
  type = map(object({
    username = string
    host     = optional(string)
    grants = list(object({
      privileges        = list(string)
      database          = optional(string)
      schema            = optional(string)
      object_type       = optional(string)
      objects           = optional(list(string), ["*"])
      with_grant_option = optional(bool, false)
    }))
    default_privilege_roles = optional(list(string))
    iam_authentication      = optional(bool, false)
    connection_limit        = optional(number)
    require_ssl             = optional(bool, false)
    secret_name             = optional(string)
    password_version        = optional(number, 1)
    password_length         = optional(number, 32)
    rotation = optional(object({
      strategy                 = optional(string, "alternating_users")
      automatically_after_days = optional(number)
      schedule_expression      = optional(string)
      duration                 = optional(string)
    }), {})
  }))
  default  = {}
  nullable = false

  validation {
    condition = alltrue([
      for k, u in var.metastore_users :
      length(u.username) >= 1 && length(u.username) <= (var.engine == "mysql" ? 32 : 63)
    ])
    error_message = "metastore_users usernames must be 1-32 characters on MySQL and 1-63 on PostgreSQL."
  }

  validation {
    condition     = var.engine == "postgres" ? alltrue([for u in values(var.metastore_users) : u.host == null]) : true
    error_message = "metastore_users host applies to MySQL only."
  }

  validation {
    condition     = alltrue([for u in values(var.metastore_users) : length(u.grants) >= 1 && alltrue([for g in u.grants : length(g.privileges) >= 1 && length(g.objects) >= 1])])
    error_message = "Each metastore user needs at least one grant, each with at least one privilege and one object."
  }

  validation {
    condition = alltrue([
      for u in values(var.metastore_users) : alltrue([
        for g in u.grants : alltrue([for p in g.privileges : can(regex("^[A-Z]+( [A-Z]+)*$", p))])
      ])
    ])
    error_message = "Privileges must be upper-case SQL privilege names such as SELECT, INSERT, UPDATE, DELETE."
  }

  validation {
    condition     = alltrue([for u in values(var.metastore_users) : u.password_version >= 1 && floor(u.password_version) == u.password_version])
    error_message = "password_version must be a whole number from 1."
  }

  validation {
    condition     = length(distinct([for u in values(var.metastore_users) : "${u.username}@${u.host == null ? "%" : u.host}"])) == length(var.metastore_users)
    error_message = "metastore_users must not repeat a username (and host)."
  }

  validation {
    condition     = !contains(keys(var.metastore_users), "master")
    error_message = "metastore_users must not use the key \"master\": rotation_secrets uses it for the master secret."
  }

  validation {
    condition     = alltrue([for u in values(var.metastore_users) : contains(["single_user", "alternating_users"], u.rotation.strategy)])
    error_message = "metastore_users[*].rotation.strategy must be \"single_user\" or \"alternating_users\"."
  }
}

variable "database_tls" {
  description = "TLS of the provider's connections to the database (for `metastore_users`): `mode` `verify-full` (default: certificate chain and host name checked against the Amazon RDS CAs built into the provider before the login is sent), `require` or `disable` (loopback only); `ca_bundle_pem` replaces the built-in RDS CAs (only with `verify-full`; not needed for RDS)."
  type = object({
    mode          = optional(string, "verify-full")
    ca_bundle_pem = optional(string)
  })
  default  = {}
  nullable = false

  validation {
    condition     = contains(["verify-full", "require", "disable"], var.database_tls.mode)
    error_message = "database_tls.mode must be \"verify-full\", \"require\" or \"disable\"."
  }

  validation {
    condition     = var.database_tls.ca_bundle_pem == null || var.database_tls.mode == "verify-full"
    error_message = "database_tls.ca_bundle_pem is only used with mode = \"verify-full\"."
  }
}

variable "master_rotation" {
  description = "Schedule of the master secret's rotation (`generated` mode; single user) in the `rotation_secrets` output: `automatically_after_days` or `schedule_expression` (default 30 days), `duration`."
  type = object({
    automatically_after_days = optional(number)
    schedule_expression      = optional(string)
    duration                 = optional(string)
  })
  default  = {}
  nullable = false
}

variable "check_user_logins" {
  description = "After each metastore user is created or changed, prove with the `logexaminer_check_login` action that it logs in with the password in Secrets Manager and holds its grants (the apply fails otherwise). The action can also be run on demand (see the README)."
  type        = bool
  default     = false
  nullable    = false
}
