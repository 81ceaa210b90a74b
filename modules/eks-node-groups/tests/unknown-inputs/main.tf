
terraform {
  required_providers {
    aws = { source = "hashicorp/aws" }
  }
}

locals {
  azs = ["eu-west-1a", "eu-west-1b", "eu-west-1c"]
}

# Subnets as modules/vpc creates them: zone names known, IDs computed.
resource "terraform_data" "subnet_id" {
  for_each = toset(local.azs)

  input = "subnet-0a00000000000000${index(local.azs, each.key)}"
}

resource "terraform_data" "kms_key_arn" {
  input = "arn:aws:kms:eu-west-1:111122223333:key/0b3a7c1e-1111-2222-3333-444455556666"
}

resource "terraform_data" "policy_arn" {
  input = "arn:aws:iam::111122223333:policy/logexaminer-nodes"
}

module "node_groups" {
  source = "../.."

  cluster_name     = "logexaminer"
  subnet_ids_by_az = { for az in local.azs : az => terraform_data.subnet_id[az].output }
  one_group_per_az = true

  root_volume                  = { kms_key_arn = terraform_data.kms_key_arn.output }
  iam_role_additional_policies = { nodes = terraform_data.policy_arn.output }
}

output "node_group_keys" {
  description = "Keys of the planned node groups (known at plan time)."
  value       = sort(keys(module.node_groups.node_groups))
}
