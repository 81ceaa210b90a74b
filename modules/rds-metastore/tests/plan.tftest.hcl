# Plan assertions of modules/rds-metastore. Run from the module: terraform init && terraform test

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
    parameters = [
      { name = "innodb_buffer_pool_size", value = "{DBInstanceClassMemory*3/4}", apply_method = "pending-reboot" },
      { name = "max_connections", value = "{DBInstanceClassMemory/12582880}", apply_method = "pending-reboot" },
      { name = "innodb_redo_log_capacity", value = "2147483648", apply_method = "immediate" },
      { name = "transaction_isolation", value = "READ-COMMITTED", apply_method = "immediate" },
    ]
    warnings = []
  }
}

override_resource {
  target = logexaminer_db_user.this
}

variables {
  name                       = "logexaminer-metastore"
  vpc_id                     = "vpc-0123456789abcdef0"
  subnet_ids                 = ["subnet-0a000000000000001", "subnet-0b000000000000002", "subnet-0c000000000000003"]
  availability_zones         = ["eu-west-1a", "eu-west-1b", "eu-west-1c"]
  allowed_security_group_ids = ["sg-0aaaaaaaaaaaaaaa1", "sg-0bbbbbbbbbbbbbbb2"]
  tags = {
    Project = "logexaminer"
  }
}

run "mysql_defaults" {
  command = plan

  assert {
    condition = (
      aws_db_instance.this[0].identifier == "logexaminer-metastore" &&
      aws_db_instance.this[0].engine == "mysql" &&
      aws_db_instance.this[0].engine_version == "8.0" &&
      aws_db_instance.this[0].instance_class == "db.r6g.large" &&
      aws_db_instance.this[0].port == 3306
    )
    error_message = "The primary must be MySQL 8.0 on db.r6g.large, port 3306."
  }

  assert {
    condition = (
      aws_db_instance.this[0].multi_az == true &&
      aws_db_instance.this[0].storage_encrypted == true &&
      aws_db_instance.this[0].storage_type == "gp3" &&
      aws_db_instance.this[0].deletion_protection == true &&
      aws_db_instance.this[0].publicly_accessible == false &&
      aws_db_instance.this[0].manage_master_user_password == null &&
      aws_db_instance.this[0].password == null &&
      aws_db_instance.this[0].password_wo_version == 1
    )
    error_message = "The primary must be Multi-AZ, encrypted, protected, private, with a generated write-only master password (version 1)."
  }

  assert {
    condition = (
      aws_secretsmanager_secret.master[0].name == "logexaminer-metastore/master" &&
      aws_secretsmanager_secret.master[0].recovery_window_in_days == 7 &&
      aws_secretsmanager_secret_version.master[0].secret_string_wo_version == 1 &&
      aws_secretsmanager_secret_version.master[0].secret_string == null &&
      output.master_password_mode == "generated"
    )
    error_message = "The generated master password must be kept only in the module's secret, written write-only (version 1)."
  }

  assert {
    condition = (
      aws_db_instance.this[0].backup_retention_period == 14 &&
      aws_db_instance.this[0].backup_window == "03:00-04:00" &&
      aws_db_instance.this[0].final_snapshot_identifier == "logexaminer-metastore-final" &&
      aws_db_instance.this[0].skip_final_snapshot == false &&
      aws_db_instance.this[0].copy_tags_to_snapshot == true
    )
    error_message = "Backups must be kept 14 days with a final snapshot."
  }

  assert {
    condition     = aws_db_instance.this[0].performance_insights_enabled == true && aws_db_instance.this[0].performance_insights_retention_period == 7
    error_message = "Performance Insights must be on with 7 days retention."
  }

  assert {
    condition     = aws_db_instance.this[0].enabled_cloudwatch_logs_exports == toset(["error", "slowquery"])
    error_message = "MySQL exports error and slow query logs by default."
  }

  assert {
    condition     = data.logexaminer_db_parameter_profile.this[0].family == "mysql8.0" && data.logexaminer_db_parameter_profile.this[0].workload == "hive_metastore" && data.logexaminer_db_parameter_profile.this[0].instance_class == "db.r6g.large"
    error_message = "The parameter profile must be asked for family mysql8.0, workload hive_metastore and the instance class."
  }

  assert {
    condition     = aws_db_parameter_group.this[0].family == "mysql8.0" && length(aws_db_parameter_group.this[0].parameter) == 4
    error_message = "The parameter group must be mysql8.0 and carry the profile's parameters."
  }

  assert {
    condition = (
      one([for p in aws_db_parameter_group.this[0].parameter : p.value if p.name == "innodb_buffer_pool_size"]) == "{DBInstanceClassMemory*3/4}" &&
      one([for p in aws_db_parameter_group.this[0].parameter : p.apply_method if p.name == "innodb_buffer_pool_size"]) == "pending-reboot"
    )
    error_message = "Profile parameters must be passed through with their apply method."
  }

  assert {
    condition     = length(setintersection([for p in aws_db_parameter_group.this[0].parameter : p.name], ["query_cache_size", "query_cache_type", "tx_isolation", "innodb_file_format"])) == 0
    error_message = "No parameter removed in MySQL 8.0 may be in the group."
  }

  assert {
    condition     = length(aws_db_instance.replica) == 1 && aws_db_instance.replica[0].availability_zone == "eu-west-1b" && aws_db_instance.replica[0].replicate_source_db == "logexaminer-metastore"
    error_message = "One read replica of the primary in the second zone expected."
  }

  assert {
    condition = (
      aws_db_instance.replica[0].identifier == "logexaminer-metastore-r1" &&
      aws_db_instance.replica[0].multi_az == false &&
      aws_db_instance.replica[0].manage_master_user_password == null &&
      aws_db_instance.replica[0].skip_final_snapshot == true &&
      aws_db_instance.replica[0].publicly_accessible == false
    )
    error_message = "Replicas inherit credentials and need no final snapshot."
  }

  assert {
    condition     = length(aws_vpc_security_group_ingress_rule.allowed) == 2
    error_message = "One ingress rule per allowed security group."
  }

  assert {
    condition = alltrue([for i, r in aws_vpc_security_group_ingress_rule.allowed : (
      r.referenced_security_group_id == var.allowed_security_group_ids[i] &&
      r.ip_protocol == "tcp" && r.from_port == 3306 && r.to_port == 3306 &&
      r.cidr_ipv4 == null && r.cidr_ipv6 == null
    )])
    error_message = "Ingress rules must allow only tcp/3306 from the given security groups."
  }

  assert {
    condition     = aws_security_group.this[0].vpc_id == "vpc-0123456789abcdef0" && aws_security_group.this[0].name_prefix == "logexaminer-metastore-"
    error_message = "The security group must be in the VPC and named by prefix."
  }

  assert {
    condition     = aws_db_subnet_group.this[0].subnet_ids == toset(var.subnet_ids)
    error_message = "The subnet group must use the private subnets."
  }

  assert {
    condition     = length(logexaminer_db_user.this) == 0
    error_message = "No metastore users by default."
  }

  assert {
    condition     = aws_db_instance.this[0].tags["Project"] == "logexaminer" && aws_db_parameter_group.this[0].tags["Project"] == "logexaminer"
    error_message = "Tags must be applied."
  }
}

run "replicas_spread_over_other_zones" {
  command = plan

  variables {
    read_replica_count     = 3
    replica_instance_class = "db.r6g.xlarge"
  }

  assert {
    condition     = [for r in aws_db_instance.replica : r.availability_zone] == ["eu-west-1b", "eu-west-1c", "eu-west-1b"]
    error_message = "Replicas must go round-robin into the zones after the first."
  }

  assert {
    condition     = alltrue([for r in aws_db_instance.replica : r.instance_class == "db.r6g.xlarge"])
    error_message = "replica_instance_class must be used."
  }

  assert {
    condition     = [for r in aws_db_instance.replica : r.identifier] == ["logexaminer-metastore-r1", "logexaminer-metastore-r2", "logexaminer-metastore-r3"]
    error_message = "Replica identifiers are <name>-r<n>."
  }
}

run "single_az_primary" {
  command = plan

  variables {
    multi_az           = false
    read_replica_count = 0
  }

  assert {
    condition     = aws_db_instance.this[0].multi_az == false && aws_db_instance.this[0].availability_zone == "eu-west-1a" && length(aws_db_instance.replica) == 0
    error_message = "A single-AZ primary goes into the first zone."
  }
}

run "postgres_16" {
  command = plan

  variables {
    engine         = "postgres"
    engine_version = "16.4"
  }

  assert {
    condition     = aws_db_instance.this[0].engine == "postgres" && aws_db_instance.this[0].port == 5432 && aws_db_parameter_group.this[0].family == "postgres16"
    error_message = "PostgreSQL 16.4 must use family postgres16 and port 5432."
  }

  assert {
    condition     = aws_db_instance.this[0].enabled_cloudwatch_logs_exports == toset(["postgresql"])
    error_message = "PostgreSQL exports the postgresql log by default."
  }

  assert {
    condition     = alltrue([for r in aws_vpc_security_group_ingress_rule.allowed : r.from_port == 5432 && r.to_port == 5432])
    error_message = "Ingress must follow the PostgreSQL port."
  }
}

run "mysql_84" {
  command = plan

  variables {
    engine_version = "8.4.3"
    port           = 3307
  }

  assert {
    condition     = aws_db_parameter_group.this[0].family == "mysql8.4" && data.logexaminer_db_parameter_profile.this[0].engine_version == "8.4.3" && aws_db_instance.this[0].port == 3307
    error_message = "MySQL 8.4.3 must use family mysql8.4 and pass the full version to the profile."
  }
}

run "metastore_users" {
  command = plan

  variables {
    create_metastore_users = true
    metastore_users = {
      hive = {
        username = "hive"
        grants = [
          { privileges = ["SELECT", "INSERT", "UPDATE", "DELETE", "CREATE", "ALTER", "INDEX", "DROP", "REFERENCES"] },
        ]
      }
      reader = {
        username         = "hive_ro"
        host             = "10.0.%"
        grants           = [{ privileges = ["SELECT"], objects = ["TBLS", "DBS"] }]
        password_version = 2
      }
    }
  }

  assert {
    condition     = length(logexaminer_db_user.this) == 2
    error_message = "Two users expected."
  }

  assert {
    condition = (
      logexaminer_db_user.this["hive"].engine == "mysql" &&
      logexaminer_db_user.this["hive"].username == "hive" &&
      logexaminer_db_user.this["hive"].host == "%" &&
      logexaminer_db_user.this["hive"].endpoint[0].port == 3306 &&
      logexaminer_db_user.this["hive"].endpoint[0].database == "metastore" &&
      logexaminer_db_user.this["hive"].endpoint[0].tls == "verify-full" &&
      logexaminer_db_user.this["hive"].secret_name == "logexaminer-metastore/hive"
    )
    error_message = "The hive user must connect with TLS to the metastore database and keep its secret under <name>/hive."
  }

  assert {
    condition = (
      logexaminer_db_user.this["reader"].host == "10.0.%" &&
      logexaminer_db_user.this["reader"].password_version == 2 &&
      one(logexaminer_db_user.this["reader"].grant).database == "metastore" &&
      one(logexaminer_db_user.this["reader"].grant).objects == tolist(["TBLS", "DBS"]) &&
      one(logexaminer_db_user.this["reader"].grant).privileges == toset(["SELECT"]) &&
      one(logexaminer_db_user.this["reader"].grant).with_grant_option == false
    )
    error_message = "The reader must get SELECT on the named tables only."
  }
}

run "create_false" {
  command = plan

  variables {
    create = false
  }

  assert {
    condition     = length(aws_db_instance.this) == 0 && length(aws_db_instance.replica) == 0 && length(aws_security_group.this) == 0 && length(data.logexaminer_db_parameter_profile.this) == 0
    error_message = "create = false must create nothing."
  }
}

run "managed_master_password_without_replicas" {
  command = plan

  variables {
    master_password    = { mode = "managed" }
    read_replica_count = 0
  }

  assert {
    condition = (
      aws_db_instance.this[0].manage_master_user_password == true &&
      aws_db_instance.this[0].password_wo_version == null &&
      length(aws_secretsmanager_secret.master) == 0 &&
      length(aws_secretsmanager_secret_version.master) == 0 &&
      length(aws_db_instance.replica) == 0
    )
    error_message = "managed mode: RDS keeps the master password; the module creates no secret and no replica."
  }
}

run "managed_master_password_refuses_replicas" {
  command = plan

  variables {
    master_password    = { mode = "managed" }
    read_replica_count = 1
  }

  expect_failures = [aws_db_instance.this]
}

run "generated_master_password_new_version" {
  command = plan

  variables {
    master_password = { version = 2, secret_name = "hive/master", recovery_window_in_days = 0 }
  }

  assert {
    condition = (
      aws_db_instance.this[0].password_wo_version == 2 &&
      aws_secretsmanager_secret_version.master[0].secret_string_wo_version == 2 &&
      aws_secretsmanager_secret.master[0].name == "hive/master" &&
      aws_secretsmanager_secret.master[0].recovery_window_in_days == 0
    )
    error_message = "Raising master_password.version must set a new password in the instance and the secret together."
  }
}

# The seed's Hive grants: GRANT SELECT, INSERT, UPDATE ON ALL TABLES IN SCHEMA hive_metastore (with USAGE on the
# schema, and the tables schematool creates later through default privileges), TLS verified against a given CA.
run "hive_grants_postgres" {
  command = plan

  variables {
    engine                 = "postgres"
    create_metastore_users = true
    database_tls           = { ca_bundle_pem = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n" }
    metastore_users = {
      hive = {
        username = "hive"
        grants = [
          { privileges = ["USAGE"], schema = "hive_metastore", object_type = "schema" },
          { privileges = ["SELECT", "INSERT", "UPDATE"], schema = "hive_metastore", object_type = "table", objects = ["*"] },
        ]
        default_privilege_roles = ["hive_schematool"]
        connection_limit        = 50
        rotation                = { schedule_expression = "rate(30 days)", duration = "3h" }
      }
      spark = {
        username           = "spark"
        grants             = [{ privileges = ["SELECT"], schema = "hive_metastore", object_type = "table" }]
        iam_authentication = true
      }
    }
  }

  assert {
    condition = (
      length(logexaminer_db_user.this["hive"].grant) == 2 &&
      alltrue([for g in logexaminer_db_user.this["hive"].grant : g.schema == "hive_metastore" && g.database == "metastore"])
    )
    error_message = "Both Hive grants must be on schema hive_metastore of the metastore database."
  }

  assert {
    condition     = jsonencode([for g in logexaminer_db_user.this["hive"].grant : sort(g.privileges) if g.object_type == "table"]) == jsonencode([["INSERT", "SELECT", "UPDATE"]])
    error_message = "The Hive grants must give SELECT, INSERT, UPDATE on the tables."
  }

  assert {
    condition     = jsonencode([for g in logexaminer_db_user.this["hive"].grant : g.objects if g.object_type == "table"]) == jsonencode([["*"]])
    error_message = "The table grant must cover all tables."
  }

  assert {
    condition = (
      jsonencode([for g in logexaminer_db_user.this["hive"].grant : sort(g.privileges) if g.object_type == "schema"]) == jsonencode([["USAGE"]])
    )
    error_message = "The Hive grants must reach logexaminer_db_user as USAGE on the schema and SELECT, INSERT, UPDATE on all its tables."
  }

  assert {
    condition = (
      jsonencode(logexaminer_db_user.this["hive"].default_privilege_roles) == jsonencode(["hive_schematool"]) &&
      logexaminer_db_user.this["hive"].connection_limit == 50 &&
      logexaminer_db_user.this["hive"].require_ssl == false &&
      logexaminer_db_user.this["hive"].endpoint[0].tls == "verify-full" &&
      startswith(logexaminer_db_user.this["hive"].endpoint[0].ca_bundle_pem, "-----BEGIN CERTIFICATE-----") &&
      logexaminer_db_user.this["hive"].endpoint[0].port == 5432
    )
    error_message = "The user model (default privileges, connection limit, TLS with a CA bundle) must reach logexaminer_db_user."
  }

  assert {
    condition = (
      logexaminer_db_user.this["spark"].iam_authentication == true &&
      logexaminer_db_user.this["spark"].password_version == null &&
      keys(output.metastore_user_secret_arns) == ["hive"]
    )
    error_message = "An IAM-authenticated user has no password version and no secret."
  }

  assert {
    condition = (
      keys(output.rotation_secrets) == ["hive", "master"] &&
      output.rotation_secrets["hive"].strategy == "alternating_users" &&
      output.rotation_secrets["hive"].schedule_expression == "rate(30 days)" &&
      output.rotation_secrets["hive"].automatically_after_days == null &&
      output.rotation_secrets["hive"].duration == "3h" &&
      output.rotation_secrets["master"].strategy == "single_user" &&
      output.rotation_secrets["master"].automatically_after_days == 30
    )
    error_message = "rotation_secrets must hold the master secret (single user) and each password user (alternating users), not the IAM user."
  }

}

run "mysql_user_requires_ssl" {
  command = plan

  variables {
    create_metastore_users = true
    database_tls           = { mode = "require" }
    metastore_users = {
      hive = {
        username    = "hive"
        grants      = [{ privileges = ["SELECT", "INSERT", "UPDATE", "DELETE"] }]
        require_ssl = true
        rotation    = { strategy = "single_user", automatically_after_days = 7 }
      }
    }
  }

  assert {
    condition = (
      logexaminer_db_user.this["hive"].require_ssl == true &&
      logexaminer_db_user.this["hive"].endpoint[0].tls == "require" &&
      logexaminer_db_user.this["hive"].endpoint[0].ca_bundle_pem == null &&
      output.rotation_secrets["hive"].strategy == "single_user" &&
      output.rotation_secrets["hive"].automatically_after_days == 7
    )
    error_message = "require_ssl, the TLS mode and the user's rotation settings must reach the user and rotation_secrets."
  }
}

run "enhanced_monitoring_default" {
  command = plan

  assert {
    condition = (
      aws_db_instance.this[0].monitoring_interval == 60 &&
      aws_db_instance.replica[0].monitoring_interval == 60 &&
      length(aws_iam_role.monitoring) == 1 &&
      jsondecode(aws_iam_role.monitoring[0].assume_role_policy).Statement[0].Principal.Service == "monitoring.rds.amazonaws.com" &&
      endswith(aws_iam_role_policy_attachment.monitoring[0].policy_arn, ":iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole")
    )
    error_message = "Enhanced Monitoring must be on every 60 s, with a role RDS's monitoring service assumes."
  }
}

run "enhanced_monitoring_with_a_given_role_or_off" {
  command = plan

  variables {
    enhanced_monitoring = { interval = 15, role_arn = "arn:aws:iam::111122223333:role/rds-monitoring" }
  }

  assert {
    condition = (
      aws_db_instance.this[0].monitoring_interval == 15 &&
      aws_db_instance.this[0].monitoring_role_arn == "arn:aws:iam::111122223333:role/rds-monitoring" &&
      length(aws_iam_role.monitoring) == 0
    )
    error_message = "A given monitoring role must be used as is."
  }
}

run "enhanced_monitoring_off" {
  command = plan

  variables {
    enhanced_monitoring = { interval = 0 }
  }

  assert {
    condition     = aws_db_instance.this[0].monitoring_interval == 0 && length(aws_iam_role.monitoring) == 0
    error_message = "interval 0 turns Enhanced Monitoring off, without a role."
  }
}

# Applied (against the mocked aws provider): the master secret's binding is known once the instance exists.
run "master_rotation_binding" {
  command = apply

  variables {
    engine          = "postgres"
    master_rotation = { schedule_expression = "cron(0 4 ? * SUN *)", duration = "2h" }
  }

  assert {
    condition = (
      jsondecode(output.rotation_secrets["master"].binding).username == "hive_admin" &&
      jsondecode(output.rotation_secrets["master"].binding).engine == "postgres" &&
      jsondecode(output.rotation_secrets["master"].binding).port == 5432 &&
      jsondecode(output.rotation_secrets["master"].binding).admin_secret_arn == null
    )
    error_message = "The master secret's binding must name the master user on this database."
  }

  assert {
    condition = (
      output.rotation_secrets["master"].schedule_expression == "cron(0 4 ? * SUN *)" &&
      output.rotation_secrets["master"].automatically_after_days == null &&
      output.rotation_secrets["master"].duration == "2h" &&
      jsondecode(output.rotation_secrets["master"].binding).secret_arn == aws_secretsmanager_secret.master[0].arn
    )
    error_message = "master_rotation must set the master secret's schedule, and the binding name the module's secret."
  }
}

run "user_logins_checked_after_create_and_update" {
  command = plan

  variables {
    engine                 = "postgres"
    create_metastore_users = true
    check_user_logins      = true
    metastore_users = {
      hive = {
        username = "hive"
        grants = [
          { privileges = ["USAGE"], schema = "hive_metastore", object_type = "schema" },
          { privileges = ["SELECT", "INSERT", "UPDATE"], schema = "hive_metastore", object_type = "table" },
        ]
      }
      spark = {
        username           = "spark"
        grants             = [{ privileges = ["SELECT"], schema = "hive_metastore", object_type = "table" }]
        iam_authentication = true
      }
    }
  }

  # The check_login action (one per password user; none for the IAM user) is planned with the user's
  # secret ARN unknown until apply; this run proves the wiring plans in one pass.
  assert {
    condition     = length(logexaminer_db_user.this) == 2 && var.check_user_logins
    error_message = "Both users are planned with login checks enabled."
  }
}
