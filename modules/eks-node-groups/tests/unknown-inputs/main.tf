
terraform {
  required_providers {
    aws         = { source = "hashicorp/aws" }
    logexaminer = { source = "logexaminer/logexaminer" }
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

# The VPC, the cluster security group EKS creates and another module's security group: IDs known after apply.
resource "terraform_data" "vpc_id" {
  input = "vpc-0a000000000000001"
}

resource "terraform_data" "cluster_security_group_id" {
  input = "sg-0c000000000000001"
}

resource "terraform_data" "monitoring_security_group_id" {
  input = "sg-0d000000000000001"
}

module "node_groups" {
  source = "../.."

  cluster_name     = "logexaminer"
  subnet_ids_by_az = { for az in local.azs : az => terraform_data.subnet_id[az].output }
  one_group_per_az = true

  root_volume                  = { kms_key_arn = terraform_data.kms_key_arn.output }
  iam_role_additional_policies = { nodes = terraform_data.policy_arn.output }

  vpc_id                     = terraform_data.vpc_id.output
  cluster_security_group_id  = terraform_data.cluster_security_group_id.output
  create_node_security_group = true
  node_security_group_ids    = { monitoring = terraform_data.monitoring_security_group_id.output }
}

output "node_group_keys" {
  description = "Keys of the planned node groups (known at plan time)."
  value       = sort(keys(module.node_groups.node_groups))
}
