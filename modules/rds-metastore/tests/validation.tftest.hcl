# One run per validation rule of modules/rds-metastore: each input AWS would reject must fail at plan time.

mock_provider "aws" {}

# The real logexaminer provider (its ephemeral `logexaminer_password` cannot be mocked: Terraform's mock providers
# have no ephemeral resources); its data source and resources are overridden, so nothing calls AWS.
provider "logexaminer" {
  region                      = "eu-west-1"
  skip_credentials_validation = true
}

override_data {
  target = data.logexaminer_db_parameter_profile.this
  values = {
    parameters = []
    warnings   = []
  }
}

override_resource {
  target = logexaminer_db_user.this
}

variables {
  name               = "metastore"
  vpc_id             = "vpc-0123456789abcdef0"
  subnet_ids         = ["subnet-0a000000000000001", "subnet-0b000000000000002"]
  availability_zones = ["eu-west-1a", "eu-west-1b"]
}

run "name_too_long" {
  command = plan

  variables {
    name = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
  }

  expect_failures = [var.name]
}

run "name_uppercase" {
  command = plan

  variables {
    name = "Metastore"
  }

  expect_failures = [var.name]
}

run "name_starts_with_digit" {
  command = plan

  variables {
    name = "1metastore"
  }

  expect_failures = [var.name]
}

run "name_double_hyphen" {
  command = plan

  variables {
    name = "meta--store"
  }

  expect_failures = [var.name]
}

run "name_trailing_hyphen" {
  command = plan

  variables {
    name = "metastore-"
  }

  expect_failures = [var.name]
}

run "name_too_long_for_replicas" {
  command = plan

  variables {
    name = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
  }

  expect_failures = [var.name]
}

run "name_too_long_for_identifier_prefix" {
  command = plan

  variables {
    name                  = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
    use_identifier_prefix = true
  }

  expect_failures = [var.name]
}

run "tags_aws_prefix" {
  command = plan

  variables {
    tags = { "aws:x" = "y" }
  }

  expect_failures = [var.tags]
}

run "engine_unknown" {
  command = plan

  variables {
    engine = "aurora-mysql"
  }

  expect_failures = [var.engine]
}

run "mysql_version_57" {
  command = plan

  variables {
    engine_version = "5.7"
  }

  expect_failures = [var.engine_version]
}

run "postgres_version_on_mysql" {
  command = plan

  variables {
    engine_version = "16"
  }

  expect_failures = [var.engine_version]
}

run "mysql_version_on_postgres" {
  command = plan

  variables {
    engine         = "postgres"
    engine_version = "8.0"
  }

  expect_failures = [var.engine_version]
}

run "postgres_13" {
  command = plan

  variables {
    engine         = "postgres"
    engine_version = "13.9"
  }

  expect_failures = [var.engine_version]
}

run "instance_class_without_db_prefix" {
  command = plan

  variables {
    instance_class = "r6g.large"
  }

  expect_failures = [var.instance_class]
}

run "replica_instance_class_invalid" {
  command = plan

  variables {
    replica_instance_class = "db.r6g"
  }

  expect_failures = [var.replica_instance_class]
}

run "ca_cert_unknown" {
  command = plan

  variables {
    ca_cert_identifier = "rds-ca-2019"
  }

  expect_failures = [var.ca_cert_identifier]
}

run "storage_too_small" {
  command = plan

  variables {
    allocated_storage = 10
  }

  expect_failures = [var.allocated_storage]
}

run "storage_too_large" {
  command = plan

  variables {
    allocated_storage = 70000
  }

  expect_failures = [var.allocated_storage]
}

run "max_storage_not_above_allocated" {
  command = plan

  variables {
    max_allocated_storage = 50
  }

  expect_failures = [var.max_allocated_storage]
}

run "storage_type_gp2_magnetic" {
  command = plan

  variables {
    storage_type = "standard"
  }

  expect_failures = [var.storage_type]
}

run "io2_without_iops" {
  command = plan

  variables {
    storage_type = "io2"
  }

  expect_failures = [var.iops]
}

run "gp3_iops_below_400_gib" {
  command = plan

  variables {
    iops = 12000
  }

  expect_failures = [var.iops]
}

run "kms_key_alias" {
  command = plan

  variables {
    kms_key_arn = "alias/aws/rds"
  }

  expect_failures = [var.kms_key_arn]
}

run "db_name_with_hyphen" {
  command = plan

  variables {
    db_name = "hive-metastore"
  }

  expect_failures = [var.db_name]
}

run "db_name_too_long_mysql" {
  command = plan

  variables {
    db_name = "mmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmm"
  }

  expect_failures = [var.db_name]
}

run "db_name_reserved" {
  command = plan

  variables {
    db_name = "mysql"
  }

  expect_failures = [var.db_name]
}

run "username_too_long_mysql" {
  command = plan

  variables {
    username = "hive_metastore_admin"
  }

  expect_failures = [var.username]
}

run "username_reserved" {
  command = plan

  variables {
    username = "rdsadmin"
  }

  expect_failures = [var.username]
}

run "secret_kms_invalid" {
  command = plan

  variables {
    master_user_secret_kms_key_arn = "arn:aws:kms:eu-west-1:111122223333:alias/x"
  }

  expect_failures = [var.master_user_secret_kms_key_arn]
}

run "port_below_1150" {
  command = plan

  variables {
    port = 80
  }

  expect_failures = [var.port]
}

run "workload_invalid" {
  command = plan

  variables {
    parameter_workload = "Hive Metastore"
  }

  expect_failures = [var.parameter_workload]
}

run "logs_export_wrong_engine" {
  command = plan

  variables {
    enabled_cloudwatch_logs_exports = ["postgresql"]
  }

  expect_failures = [var.enabled_cloudwatch_logs_exports]
}

run "vpc_id_invalid" {
  command = plan

  variables {
    vpc_id = "vpc-xyz"
  }

  expect_failures = [var.vpc_id]
}

run "one_subnet" {
  command = plan

  variables {
    subnet_ids = ["subnet-0a000000000000001"]
  }

  expect_failures = [var.subnet_ids]
}

run "subnet_id_invalid" {
  command = plan

  variables {
    subnet_ids = ["subnet-0a000000000000001", "sn-2"]
  }

  expect_failures = [var.subnet_ids]
}

run "one_zone" {
  command = plan

  variables {
    availability_zones = ["eu-west-1a"]
  }

  expect_failures = [var.availability_zones]
}

run "zone_invalid" {
  command = plan

  variables {
    availability_zones = ["eu-west-1a", "euw1-az2"]
  }

  expect_failures = [var.availability_zones]
}

run "allowed_sg_invalid" {
  command = plan

  variables {
    allowed_security_group_ids = ["default"]
  }

  expect_failures = [var.allowed_security_group_ids]
}

run "allowed_sg_too_many" {
  command = plan

  variables {
    allowed_security_group_ids = [for i in range(61) : format("sg-%017x", i)]
  }

  expect_failures = [var.allowed_security_group_ids]
}

run "replicas_too_many" {
  command = plan

  variables {
    read_replica_count = 16
  }

  expect_failures = [var.read_replica_count]
}

run "replicas_fraction" {
  command = plan

  variables {
    read_replica_count = 1.5
  }

  expect_failures = [var.read_replica_count]
}

run "backup_retention_36" {
  command = plan

  variables {
    backup_retention_period = 36
  }

  expect_failures = [var.backup_retention_period]
}

run "replicas_without_backups" {
  command = plan

  variables {
    backup_retention_period = 0
  }

  expect_failures = [var.backup_retention_period]
}

run "backup_window_format" {
  command = plan

  variables {
    backup_window = "3:00-4:00"
  }

  expect_failures = [var.backup_window]
}

run "backup_window_too_short" {
  command = plan

  variables {
    backup_window = "03:00-03:20"
  }

  expect_failures = [var.backup_window]
}

run "maintenance_window_format" {
  command = plan

  variables {
    maintenance_window = "Sun:04:30-Sun:05:30"
  }

  expect_failures = [var.maintenance_window]
}

run "maintenance_window_too_short" {
  command = plan

  variables {
    maintenance_window = "sun:04:30-sun:04:40"
  }

  expect_failures = [var.maintenance_window]
}

run "maintenance_overlaps_backup" {
  command = plan

  variables {
    maintenance_window = "tue:03:30-tue:04:30"
  }

  expect_failures = [var.maintenance_window]
}

run "maintenance_overlaps_backup_across_midnight" {
  command = plan

  variables {
    backup_window      = "23:30-00:30"
    maintenance_window = "mon:00:00-mon:01:00"
  }

  expect_failures = [var.maintenance_window]
}

run "pi_retention_invalid" {
  command = plan

  variables {
    performance_insights = { retention_period = 30 }
  }

  expect_failures = [var.performance_insights]
}

run "pi_kms_invalid" {
  command = plan

  variables {
    performance_insights = { kms_key_arn = "key" }
  }

  expect_failures = [var.performance_insights]
}

run "pi_on_small_mysql_class" {
  command = plan

  variables {
    instance_class = "db.t3.small"
  }

  expect_failures = [var.performance_insights]
}

run "user_name_too_long_mysql" {
  command = plan

  variables {
    metastore_users = { a = { username = "uuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuu", grants = [{ privileges = ["SELECT"] }] } }
  }

  expect_failures = [var.metastore_users]
}

run "user_host_on_postgres" {
  command = plan

  variables {
    engine          = "postgres"
    metastore_users = { a = { username = "hive", host = "%", grants = [{ privileges = ["SELECT"] }] } }
  }

  expect_failures = [var.metastore_users]
}

run "user_without_grants" {
  command = plan

  variables {
    metastore_users = { a = { username = "hive", grants = [] } }
  }

  expect_failures = [var.metastore_users]
}

run "user_lowercase_privilege" {
  command = plan

  variables {
    metastore_users = { a = { username = "hive", grants = [{ privileges = ["select"] }] } }
  }

  expect_failures = [var.metastore_users]
}

run "user_password_version_zero" {
  command = plan

  variables {
    metastore_users = { a = { username = "hive", grants = [{ privileges = ["SELECT"] }], password_version = 0 } }
  }

  expect_failures = [var.metastore_users]
}

run "user_repeated" {
  command = plan

  variables {
    metastore_users = { a = { username = "hive", grants = [{ privileges = ["SELECT"] }] }, b = { username = "hive", grants = [{ privileges = ["SELECT"] }] } }
  }

  expect_failures = [var.metastore_users]
}

run "master_password_mode_is_checked" {
  command = plan

  variables {
    master_password = { mode = "random" }
  }

  expect_failures = [var.master_password]
}

run "master_password_length_is_checked" {
  command = plan

  variables {
    master_password = { length = 64 }
  }

  expect_failures = [var.master_password]
}

run "user_key_master_is_reserved" {
  command = plan

  variables {
    metastore_users = {
      master = { username = "hive", grants = [{ privileges = ["SELECT"] }] }
    }
  }

  expect_failures = [var.metastore_users]
}

run "user_rotation_strategy_is_checked" {
  command = plan

  variables {
    metastore_users = {
      hive = { username = "hive", grants = [{ privileges = ["SELECT"] }], rotation = { strategy = "twice" } }
    }
  }

  expect_failures = [var.metastore_users]
}

run "database_tls_mode_is_checked" {
  command = plan

  variables {
    database_tls = { mode = "verify-ca" }
  }

  expect_failures = [var.database_tls]
}

run "enhanced_monitoring_interval_is_checked" {
  command = plan

  variables {
    enhanced_monitoring = { interval = 20 }
  }

  expect_failures = [var.enhanced_monitoring]
}
