# Plan assertions of modules/secret-rotation. Run from the module: terraform init && terraform test

mock_provider "aws" {
  mock_data "aws_region" {
    defaults = {
      region = "eu-west-1"
    }
  }

  mock_data "aws_caller_identity" {
    defaults = {
      account_id = "111122223333"
    }
  }

  mock_data "aws_partition" {
    defaults = {
      partition = "aws"
    }
  }

  mock_resource "aws_sns_topic" {
    defaults = {
      arn = "arn:aws:sns:eu-west-1:111122223333:rotation-notices"
    }
  }

  mock_resource "aws_lambda_function" {
    defaults = {
      arn = "arn:aws:lambda:eu-west-1:111122223333:function:rotation"
    }
  }
}

mock_provider "logexaminer" {
  mock_data "logexaminer_rotation_function_package" {
    defaults = {
      output_path      = "/tmp/rotation-lambda-0.1.0.zip"
      source_code_hash = "ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0="
    }
  }
}

variables {
  name                        = "rotation"
  vpc_id                      = "vpc-0123456789abcdef0"
  subnet_ids                  = ["subnet-0a000000000000001", "subnet-0b000000000000002"]
  database_security_group_ids = { metastore = "sg-0aaaaaaaaaaaaaaa1" }
  database_port               = 3306
  secrets = {
    hive = {
      binding = "{\"secret_arn\":\"arn:aws:secretsmanager:eu-west-1:111122223333:secret:metastore/hive-AbCdEf\",\"engine\":\"mysql\",\"host\":\"metastore.abc.eu-west-1.rds.amazonaws.com\",\"port\":3306,\"dbname\":\"metastore\",\"username\":\"hive\",\"admin_secret_arn\":null}"
    }
    spark = {
      binding             = "{\"secret_arn\":\"arn:aws:secretsmanager:eu-west-1:111122223333:secret:metastore/spark-GhIjKl\",\"engine\":\"mysql\",\"host\":\"metastore.abc.eu-west-1.rds.amazonaws.com\",\"port\":3306,\"dbname\":\"metastore\",\"username\":\"spark\",\"admin_secret_arn\":\"arn:aws:secretsmanager:eu-west-1:111122223333:secret:metastore/admin-MnOpQr\"}"
      strategy            = "alternating_users"
      schedule_expression = "rate(7 days)"
      duration            = "3h"
    }
  }
  tags = {
    Project = "logexaminer"
  }
}

run "function_from_the_provider_package" {
  command = apply

  assert {
    condition = (
      aws_lambda_function.this[0].runtime == "provided.al2023" &&
      aws_lambda_function.this[0].handler == "bootstrap" &&
      aws_lambda_function.this[0].architectures == tolist(["x86_64"]) &&
      aws_lambda_function.this[0].filename == "/tmp/rotation-lambda-0.1.0.zip" &&
      aws_lambda_function.this[0].source_code_hash == "ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0="
    )
    error_message = "The function must run the provider's package on provided.al2023 x86_64."
  }

  assert {
    condition = (
      aws_lambda_function.this[0].vpc_config[0].subnet_ids == toset(var.subnet_ids) &&
      aws_lambda_function.this[0].vpc_config[0].security_group_ids == toset([aws_security_group.function[0].id])
    )
    error_message = "The function must run in the given subnets with its own security group."
  }

  assert {
    condition = (
      aws_lambda_function.this[0].environment[0].variables["NOTIFY_TOPIC_ARN"] == "arn:aws:sns:eu-west-1:111122223333:rotation-notices" &&
      aws_lambda_function.this[0].environment[0].variables["PASSWORD_LENGTH"] == "32" &&
      aws_lambda_function.this[0].environment[0].variables["EXCLUDE_CHARACTERS"] == "/@\"'\\" &&
      aws_lambda_function.this[0].environment[0].variables["DB_TLS"] == "verify-full" &&
      !contains(keys(aws_lambda_function.this[0].environment[0].variables), "ALLOW_PLAINTEXT") &&
      !contains(keys(aws_lambda_function.this[0].environment[0].variables), "SECRETS_MANAGER_ENDPOINT")
    )
    error_message = "The environment must carry the topic, password policy and TLS mode."
  }

  assert {
    condition = (
      jsondecode(aws_lambda_function.this[0].environment[0].variables["ROTATION_BINDINGS"]).hive.username == "hive" &&
      jsondecode(aws_lambda_function.this[0].environment[0].variables["ROTATION_BINDINGS"]).hive.strategy == "single_user" &&
      jsondecode(aws_lambda_function.this[0].environment[0].variables["ROTATION_BINDINGS"]).spark.strategy == "alternating_users" &&
      jsondecode(aws_lambda_function.this[0].environment[0].variables["ROTATION_BINDINGS"]).spark.admin_secret_arn == "arn:aws:secretsmanager:eu-west-1:111122223333:secret:metastore/admin-MnOpQr" &&
      logexaminer_secret_rotation.this["spark"].secret_id == "arn:aws:secretsmanager:eu-west-1:111122223333:secret:metastore/spark-GhIjKl"
    )
    error_message = "Every secret's binding and strategy must reach the function's ROTATION_BINDINGS, and the rotation its secret."
  }

  assert {
    condition = (
      aws_lambda_permission.secretsmanager[0].principal == "secretsmanager.amazonaws.com" &&
      aws_lambda_permission.secretsmanager[0].action == "lambda:InvokeFunction" &&
      aws_lambda_permission.secretsmanager[0].source_account == "111122223333"
    )
    error_message = "Secrets Manager (of this account only) must be allowed to invoke the function."
  }

  assert {
    condition = (
      jsondecode(aws_iam_role_policy.this[0].policy).Statement[0].Resource == [
        "arn:aws:secretsmanager:eu-west-1:111122223333:secret:metastore/hive-AbCdEf",
        "arn:aws:secretsmanager:eu-west-1:111122223333:secret:metastore/spark-GhIjKl",
      ] &&
      [for s in jsondecode(aws_iam_role_policy.this[0].policy).Statement : s.Resource if s.Sid == "ReadAdminSecrets"][0] == ["arn:aws:secretsmanager:eu-west-1:111122223333:secret:metastore/admin-MnOpQr"] &&
      [for s in jsondecode(aws_iam_role_policy.this[0].policy).Statement : s.Action if s.Sid == "ReadAdminSecrets"][0] == ["secretsmanager:GetSecretValue"] &&
      [for s in jsondecode(aws_iam_role_policy.this[0].policy).Statement : s.Resource if s.Sid == "Logs"][0] == "arn:aws:logs:eu-west-1:111122223333:log-group:/aws/lambda/rotation:*"
    )
    error_message = "The role may only touch the rotated secrets, read the admin secret and write its own log group."
  }

  assert {
    condition     = !strcontains(aws_iam_role_policy.this[0].policy, "secretsmanager:*") && length([for s in jsondecode(aws_iam_role_policy.this[0].policy).Statement : s if s.Resource == "*" && !contains(["GeneratePasswords", "VpcNetworkInterfaces"], s.Sid)]) == 0
    error_message = "Only GetRandomPassword and the VPC network interface actions may use Resource \"*\"."
  }

  assert {
    condition = (
      aws_vpc_security_group_ingress_rule.database_from_function["metastore"].from_port == 3306 &&
      aws_vpc_security_group_ingress_rule.database_from_function["metastore"].security_group_id == "sg-0aaaaaaaaaaaaaaa1" &&
      aws_vpc_security_group_ingress_rule.database_from_function["metastore"].referenced_security_group_id == aws_security_group.function[0].id &&
      aws_vpc_security_group_egress_rule.to_database["metastore"].referenced_security_group_id == "sg-0aaaaaaaaaaaaaaa1" &&
      aws_vpc_security_group_egress_rule.https[0].cidr_ipv4 == "0.0.0.0/0"
    )
    error_message = "The database security group must admit the function on the database port; the function may reach HTTPS."
  }

  assert {
    condition     = length(aws_vpc_endpoint.secretsmanager) == 0 && length(aws_sns_topic.this) == 1
    error_message = "No endpoint by default; a topic is created when none is given."
  }

  assert {
    condition = (
      jsondecode(aws_cloudwatch_event_rule.rotation_failed[0].event_pattern).detail.eventName == ["RotationFailed", "RotationAbandoned"] &&
      jsondecode(aws_cloudwatch_event_rule.rotation_failed[0].event_pattern).source == ["aws.secretsmanager"] &&
      length(jsondecode(aws_cloudwatch_event_rule.rotation_failed[0].event_pattern).detail.additionalEventData.SecretId) == 2 &&
      aws_cloudwatch_event_target.topic[0].arn == "arn:aws:sns:eu-west-1:111122223333:rotation-notices"
    )
    error_message = "RotationFailed/RotationAbandoned of these secrets must go to the topic."
  }

  assert {
    condition = (
      logexaminer_secret_rotation.this["hive"].automatically_after_days == 30 &&
      logexaminer_secret_rotation.this["hive"].schedule_expression == null &&
      logexaminer_secret_rotation.this["hive"].strategy == "single_user" &&
      logexaminer_secret_rotation.this["hive"].rotate_immediately == false &&
      logexaminer_secret_rotation.this["spark"].automatically_after_days == null &&
      logexaminer_secret_rotation.this["spark"].schedule_expression == "rate(7 days)" &&
      logexaminer_secret_rotation.this["spark"].duration == "3h" &&
      logexaminer_secret_rotation.this["spark"].strategy == "alternating_users" &&
      logexaminer_secret_rotation.this["spark"].rotation_function_arn == "arn:aws:lambda:eu-west-1:111122223333:function:rotation" &&
      logexaminer_secret_rotation.this["spark"].notification_topic_arn == "arn:aws:sns:eu-west-1:111122223333:rotation-notices"
    )
    error_message = "Each secret gets a rotation with its schedule (30 days by default), strategy and the topic."
  }

  assert {
    condition     = aws_lambda_function.this[0].tags["Project"] == "logexaminer" && aws_iam_role.this[0].tags["Name"] == "rotation"
    error_message = "Common tags must reach every resource."
  }
}

run "given_topic_endpoint_and_package" {
  command = plan

  variables {
    notification_topic_arn         = "arn:aws:sns:eu-west-1:111122223333:ops"
    create_secretsmanager_endpoint = true
    create_event_rule              = false
    kms_key_arns                   = ["arn:aws:kms:eu-west-1:111122223333:key/0b3a7c1e-1111-2222-3333-444455556666"]
    package = {
      filename         = "dist/rotation-lambda.zip"
      source_code_hash = "c29tZS1oYXNo"
    }
  }

  assert {
    condition     = length(aws_sns_topic.this) == 0 && length(aws_cloudwatch_event_rule.rotation_failed) == 0 && length(data.logexaminer_rotation_function_package.this) == 0
    error_message = "A given topic, no event rule and a given package create none of those."
  }

  assert {
    condition     = aws_lambda_function.this[0].filename == "dist/rotation-lambda.zip" && aws_lambda_function.this[0].source_code_hash == "c29tZS1oYXNo"
    error_message = "The given package must be deployed."
  }

  assert {
    condition = (
      aws_vpc_endpoint.secretsmanager[0].service_name == "com.amazonaws.eu-west-1.secretsmanager" &&
      aws_vpc_endpoint.secretsmanager[0].private_dns_enabled == true &&
      aws_vpc_endpoint.secretsmanager[0].vpc_endpoint_type == "Interface" &&
      aws_vpc_security_group_ingress_rule.endpoint_from_function[0].from_port == 443 &&
      aws_vpc_security_group_egress_rule.https[0].cidr_ipv4 == null
    )
    error_message = "The Secrets Manager endpoint must use private DNS and admit HTTPS from the function only."
  }

  assert {
    condition = (
      [for s in jsondecode(aws_iam_role_policy.this[0].policy).Statement : s.Resource if s.Sid == "Notify"][0] == "arn:aws:sns:eu-west-1:111122223333:ops" &&
      [for s in jsondecode(aws_iam_role_policy.this[0].policy).Statement : s.Condition if s.Sid == "SecretKeys"][0]["StringEquals"]["kms:ViaService"] == "secretsmanager.eu-west-1.amazonaws.com"
    )
    error_message = "The role may publish to the given topic and use the keys through Secrets Manager only."
  }
}

run "create_false_creates_nothing" {
  command = plan

  variables {
    create = false
  }

  assert {
    condition     = length(aws_lambda_function.this) == 0 && length(aws_iam_role.this) == 0 && length(logexaminer_secret_rotation.this) == 0 && output.function_arn == null
    error_message = "create = false must create nothing."
  }
}

run "plaintext_only_when_allowed_explicitly" {
  command = plan

  variables {
    db_tls             = "disable"
    db_allow_plaintext = true
  }

  assert {
    condition = (
      aws_lambda_function.this[0].environment[0].variables["DB_TLS"] == "disable" &&
      aws_lambda_function.this[0].environment[0].variables["ALLOW_PLAINTEXT"] == "true"
    )
    error_message = "db_allow_plaintext must reach the function as ALLOW_PLAINTEXT=true."
  }
}
