# One-pass plan of modules/vpc when the flow log's log group and KMS key come from other resources (unknown at
# plan time).

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

  mock_data "aws_iam_policy_document" {
    defaults = {
      json = "{\"Version\":\"2012-10-17\",\"Statement\":[]}"
    }
  }
}

run "plans_with_unknown_log_group_and_key" {
  command = plan

  module {
    source = "./tests/unknown-inputs"
  }

  assert {
    condition     = output.private_subnet_azs == [["eu-west-1a", "eu-west-1b", "eu-west-1c"], ["eu-west-1a", "eu-west-1b"]]
    error_message = "The subnets must be planned per zone while the flow log destination and key are unknown."
  }
}
