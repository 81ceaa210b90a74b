# One-pass plan of modules/s3-logs when the KMS key and a principal of the extra bucket policy come from other
# resources (unknown at plan time).

mock_provider "aws" {
  mock_data "aws_iam_policy_document" {
    defaults = {
      json = "{\"Version\":\"2012-10-17\",\"Statement\":[]}"
    }
  }
}

mock_provider "logexaminer" {}

run "plans_with_unknown_key_and_principal" {
  command = plan

  module {
    source = "./tests/unknown-inputs"
  }

  assert {
    condition     = output.created_kms_key == false
    error_message = "A given (still unknown) key must be used without creating one."
  }
}
