
terraform {
  required_providers {
    aws         = { source = "hashicorp/aws" }
    logexaminer = { source = "logexaminer/logexaminer" }
  }
}

resource "terraform_data" "kms_key_arn" {
  input = "arn:aws:kms:eu-west-1:111122223333:key/0b3a7c1e-1111-2222-3333-444455556666"
}

resource "terraform_data" "reader_role_arn" {
  input = "arn:aws:iam::111122223333:role/spark"
}

module "logs" {
  source = "../.."

  name           = "logexaminer-raw-logs"
  create_kms_key = false
  kms_key_arn    = terraform_data.kms_key_arn.output

  additional_policy_json = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid       = "SparkReads"
      Effect    = "Allow"
      Principal = { AWS = terraform_data.reader_role_arn.output }
      Action    = ["s3:GetObject"]
      Resource  = "arn:aws:s3:::logexaminer-raw-logs/*"
    }]
  })

  intelligent_tiering = [{
    name                = "spark-events"
    filter              = { prefix = "spark-events/" }
    archive_access_days = 90
  }]
}

output "created_kms_key" {
  description = "Whether the module created a KMS key (it must not when one is given)."
  value       = module.logs.kms_alias_name != null
}
