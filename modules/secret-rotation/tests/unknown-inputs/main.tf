# The module as a stack composes it: every input that names another resource (VPC, subnets, the database's
# security group, the users' rotation bindings) is unknown at plan time, as when they are created in the same
# apply. terraform_data's output is unknown until apply, so `terraform plan` must get through in one pass.

terraform {
  required_providers {
    aws         = { source = "hashicorp/aws" }
    logexaminer = { source = "logexaminer/logexaminer" }
  }
}

resource "terraform_data" "vpc_id" {
  input = "vpc-0123456789abcdef0"
}

resource "terraform_data" "subnet_ids" {
  input = ["subnet-0a000000000000001", "subnet-0b000000000000002"]
}

resource "terraform_data" "database_security_group_id" {
  input = "sg-0aaaaaaaaaaaaaaa1"
}

resource "terraform_data" "binding" {
  for_each = toset(["hive", "spark"])

  input = jsonencode({
    secret_arn       = "arn:aws:secretsmanager:eu-west-1:111122223333:secret:metastore/${each.key}-AbCdEf"
    engine           = "mysql"
    host             = "metastore.abc.eu-west-1.rds.amazonaws.com"
    port             = 3306
    dbname           = "metastore"
    username         = each.key
    admin_secret_arn = "arn:aws:secretsmanager:eu-west-1:111122223333:secret:rds!db-0123"
  })
}

module "rotation" {
  source = "../.."

  name                        = "rotation"
  vpc_id                      = terraform_data.vpc_id.output
  subnet_ids                  = terraform_data.subnet_ids.output
  database_security_group_ids = { metastore = terraform_data.database_security_group_id.output }

  secrets = {
    hive = {
      binding = terraform_data.binding["hive"].output
    }
    spark = {
      binding  = terraform_data.binding["spark"].output
      strategy = "alternating_users"
    }
  }
}

output "rotation_keys" {
  description = "Keys of the planned rotations (known at plan time)."
  value       = keys(module.rotation.rotations)
}

output "function_name" {
  description = "Name of the rotation function."
  value       = module.rotation.function_name
}
