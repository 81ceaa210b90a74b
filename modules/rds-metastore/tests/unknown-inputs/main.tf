
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
  input = ["subnet-0a000000000000001", "subnet-0b000000000000002", "subnet-0c000000000000003"]
}

resource "terraform_data" "cluster_security_group_id" {
  input = "sg-0aaaaaaaaaaaaaaa1"
}

resource "terraform_data" "kms_key_arn" {
  input = "arn:aws:kms:eu-west-1:111122223333:key/0b3a7c1e-1111-2222-3333-444455556666"
}

module "metastore" {
  source = "../.."

  name               = "logexaminer-metastore"
  vpc_id             = terraform_data.vpc_id.output
  subnet_ids         = terraform_data.subnet_ids.output
  availability_zones = ["eu-west-1a", "eu-west-1b", "eu-west-1c"]

  # A list of known length whose IDs are computed: the ingress rules are counted by its length.
  allowed_security_group_ids     = [terraform_data.cluster_security_group_id.output]
  kms_key_arn                    = terraform_data.kms_key_arn.output
  master_user_secret_kms_key_arn = terraform_data.kms_key_arn.output

  read_replica_count = 2

  create_metastore_users = true
  metastore_users = {
    hive = {
      username = "hive"
      grants   = [{ privileges = ["SELECT", "INSERT", "UPDATE", "DELETE"] }]
    }
  }
}

output "replica_count" {
  description = "Number of planned read replicas."
  value       = length(module.metastore.replicas)
}

output "user_keys" {
  description = "Keys of the planned metastore users."
  value       = keys(module.metastore.metastore_user_secret_arns)
}
