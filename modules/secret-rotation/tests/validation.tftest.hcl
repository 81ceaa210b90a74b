# One run per validation rule of modules/secret-rotation: each input AWS or the function would reject fails at plan time.

mock_provider "aws" {}

mock_provider "logexaminer" {}

variables {
  name       = "rotation"
  vpc_id     = "vpc-0123456789abcdef0"
  subnet_ids = ["subnet-0a000000000000001"]
  secrets = {
    hive = {
      binding = "{\"secret_arn\":\"arn:aws:secretsmanager:eu-west-1:111122223333:secret:metastore/hive-AbCdEf\",\"engine\":\"mysql\",\"host\":\"db\",\"port\":3306,\"dbname\":\"metastore\",\"username\":\"hive\",\"admin_secret_arn\":null}"
    }
  }
}

run "name_bad_chars" {
  command = plan
  variables {
    name = "rotation function"
  }
  expect_failures = [var.name]
}

run "secret_not_an_arn" {
  command = plan
  variables {
    secrets = { hive = { binding = "{\"secret_arn\":\"metastore/hive\",\"engine\":\"mysql\",\"host\":\"db\",\"port\":3306,\"dbname\":\"metastore\",\"username\":\"hive\",\"admin_secret_arn\":null}" } }
  }
  expect_failures = [var.secrets]
}

run "unknown_strategy" {
  command = plan
  variables {
    secrets = { hive = { binding = "{\"secret_arn\":\"arn:aws:secretsmanager:eu-west-1:111122223333:secret:h-AbCdEf\",\"engine\":\"mysql\",\"host\":\"db\",\"port\":3306,\"dbname\":\"metastore\",\"username\":\"hive\",\"admin_secret_arn\":null}", strategy = "multi_user" } }
  }
  expect_failures = [var.secrets]
}

run "alternating_without_master" {
  command = plan
  variables {
    secrets = { hive = { binding = "{\"secret_arn\":\"arn:aws:secretsmanager:eu-west-1:111122223333:secret:h-AbCdEf\",\"engine\":\"mysql\",\"host\":\"db\",\"port\":3306,\"dbname\":\"metastore\",\"username\":\"hive\",\"admin_secret_arn\":null}", strategy = "alternating_users" } }
  }
  expect_failures = [var.secrets]
}

run "both_schedules" {
  command = plan
  variables {
    secrets = { hive = { binding = "{\"secret_arn\":\"arn:aws:secretsmanager:eu-west-1:111122223333:secret:h-AbCdEf\",\"engine\":\"mysql\",\"host\":\"db\",\"port\":3306,\"dbname\":\"metastore\",\"username\":\"hive\",\"admin_secret_arn\":null}", automatically_after_days = 30, schedule_expression = "rate(30 days)" } }
  }
  expect_failures = [var.secrets]
}

run "days_out_of_range" {
  command = plan
  variables {
    secrets = { hive = { binding = "{\"secret_arn\":\"arn:aws:secretsmanager:eu-west-1:111122223333:secret:h-AbCdEf\",\"engine\":\"mysql\",\"host\":\"db\",\"port\":3306,\"dbname\":\"metastore\",\"username\":\"hive\",\"admin_secret_arn\":null}", automatically_after_days = 1001 } }
  }
  expect_failures = [var.secrets]
}

run "bad_duration" {
  command = plan
  variables {
    secrets = { hive = { binding = "{\"secret_arn\":\"arn:aws:secretsmanager:eu-west-1:111122223333:secret:h-AbCdEf\",\"engine\":\"mysql\",\"host\":\"db\",\"port\":3306,\"dbname\":\"metastore\",\"username\":\"hive\",\"admin_secret_arn\":null}", duration = "90m" } }
  }
  expect_failures = [var.secrets]
}

run "bad_schedule" {
  command = plan
  variables {
    secrets = { hive = { binding = "{\"secret_arn\":\"arn:aws:secretsmanager:eu-west-1:111122223333:secret:h-AbCdEf\",\"engine\":\"mysql\",\"host\":\"db\",\"port\":3306,\"dbname\":\"metastore\",\"username\":\"hive\",\"admin_secret_arn\":null}", schedule_expression = "every week" } }
  }
  expect_failures = [var.secrets]
}

run "bad_kms_key" {
  command = plan
  variables {
    kms_key_arns = ["alias/aws/secretsmanager"]
  }
  expect_failures = [var.kms_key_arns]
}

run "timeout_too_long" {
  command = plan
  variables {
    timeout = 901
  }
  expect_failures = [var.timeout]
}

run "memory_too_small" {
  command = plan
  variables {
    memory_size = 64
  }
  expect_failures = [var.memory_size]
}

run "retention_not_allowed" {
  command = plan
  variables {
    log_retention_days = 10
  }
  expect_failures = [var.log_retention_days]
}

run "password_too_short" {
  command = plan
  variables {
    password_length = 16
  }
  expect_failures = [var.password_length]
}

run "tls_mode_unknown" {
  command = plan
  variables {
    db_tls = "prefer"
  }
  expect_failures = [var.db_tls]
}

run "ca_bundle_without_verify_full" {
  command = plan
  variables {
    db_tls             = "require"
    rds_ca_bundle_path = "/opt/ca/bundle.pem"
  }
  expect_failures = [var.rds_ca_bundle_path]
}

run "connect_timeout_zero" {
  command = plan
  variables {
    db_connect_timeout_seconds = 0
  }
  expect_failures = [var.db_connect_timeout_seconds]
}

run "bad_vpc_id" {
  command = plan
  variables {
    vpc_id = "vpc-xyz"
  }
  expect_failures = [var.vpc_id]
}

run "no_subnets" {
  command = plan
  variables {
    subnet_ids = []
  }
  expect_failures = [var.subnet_ids]
}

run "bad_database_sg" {
  command = plan
  variables {
    database_security_group_ids = { metastore = "default" }
  }
  expect_failures = [var.database_security_group_ids]
}

run "bad_port" {
  command = plan
  variables {
    database_port = 70000
  }
  expect_failures = [var.database_port]
}

run "endpoint_url_not_https" {
  command = plan
  variables {
    secretsmanager_endpoint_url = "http://secretsmanager.local"
  }
  expect_failures = [var.secretsmanager_endpoint_url]
}

run "bad_topic" {
  command = plan
  variables {
    notification_topic_arn = "ops-topic"
  }
  expect_failures = [var.notification_topic_arn]
}

run "bad_tag" {
  command = plan
  variables {
    tags = { "aws:owner" = "x" }
  }
  expect_failures = [var.tags]
}
