# One-pass plan of modules/secret-rotation when the VPC, subnets, database security group and rotation bindings
# are computed by other resources (unknown at plan time): no for_each or count may depend on them.

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

run "plans_with_unknown_ids_and_bindings" {
  command = plan

  module {
    source = "./tests/unknown-inputs"
  }

  assert {
    condition     = output.rotation_keys == ["hive", "spark"] && output.function_name == "rotation"
    error_message = "Both rotations must be planned, keyed by the names given, while their bindings are still unknown."
  }
}

run "applies_once_the_ids_are_known" {
  command = apply

  module {
    source = "./tests/unknown-inputs"
  }

  assert {
    condition     = output.rotation_keys == ["hive", "spark"]
    error_message = "The rotations planned with unknown inputs must be applied under the same keys."
  }
}
