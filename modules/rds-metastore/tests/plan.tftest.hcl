# Plan assertions of modules/rds-metastore. Run from the module: terraform init && terraform test

mock_provider "aws" {}

mock_provider "logexaminer" {
  mock_data "logexaminer_db_parameter_profile" {
    defaults = {
      parameters = [
        { name = "innodb_buffer_pool_size", value = "{DBInstanceClassMemory*3/4}", apply_method = "pending-reboot" },
        { name = "max_connections", value = "{DBInstanceClassMemory/12582880}", apply_method = "pending-reboot" },
        { name = "innodb_redo_log_capacity", value = "2147483648", apply_method = "immediate" },
        { name = "transaction_isolation", value = "READ-COMMITTED", apply_method = "immediate" },
      ]
      warnings = []
    }
  }
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
      aws_db_instance.this[0].manage_master_user_password == true &&
      aws_db_instance.this[0].password == null
    )
    error_message = "The primary must be Multi-AZ, encrypted, protected, private, with an RDS-managed master password."
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

run "profile_with_removed_mysql_parameter_is_refused" {
  command = plan

  override_data {
    target = data.logexaminer_db_parameter_profile.this
    values = {
      parameters = [{ name = "query_cache_size", value = "0", apply_method = "pending-reboot" }]
      warnings   = []
    }
  }

  expect_failures = [aws_db_parameter_group.this]
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
