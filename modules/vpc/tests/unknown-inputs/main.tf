# The module as a stack composes it: every input that names another resource is unknown at plan time (as when
# it is created in the same apply). terraform_data's output is unknown until apply, so `terraform plan` must get
# through in one pass: no for_each or count may depend on these values.

terraform {
  required_providers {
    aws = { source = "hashicorp/aws" }
  }
}

resource "terraform_data" "log_group_arn" {
  input = "arn:aws:logs:eu-west-1:111122223333:log-group:/aws/vpc-flow-log/shared"
}

resource "terraform_data" "kms_key_arn" {
  input = "arn:aws:kms:eu-west-1:111122223333:key/0b3a7c1e-1111-2222-3333-444455556666"
}

# An Elastic IP kept in another configuration, so partners' allow-lists survive a rebuild of the VPC.
resource "terraform_data" "nat_eip_allocation_id" {
  input = "eipalloc-0a000000000000001"
}

module "existing_log_group" {
  source = "../.."

  name = "logexaminer"
  azs  = ["eu-west-1a", "eu-west-1b", "eu-west-1c"]

  nat_eip_allocation_ids = { "eu-west-1a" = terraform_data.nat_eip_allocation_id.output }

  flow_log = {
    enabled          = true
    create_log_group = false
    destination_arn  = terraform_data.log_group_arn.output
  }
}

module "created_log_group" {
  source = "../.."

  name = "logexaminer-2"
  cidr = "10.43.0.0/16"
  azs  = ["eu-west-1a", "eu-west-1b"]

  flow_log = {
    enabled     = true
    kms_key_arn = terraform_data.kms_key_arn.output
  }
}

output "private_subnet_azs" {
  description = "Keys of the private subnets by zone, for both instances (known at plan time)."
  value       = [keys(module.existing_log_group.private_subnet_ids_by_az), keys(module.created_log_group.private_subnet_ids_by_az)]
}
