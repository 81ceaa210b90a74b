provider "aws" {
  region = var.region
}

provider "logexaminer" {
  region = var.region
}

################################################################################
# The VPC already exists (created outside Terraform): the module takes it over
# with the same CIDR blocks, and `imports.tf` imports the existing objects.
################################################################################

module "vpc" {
  source = "../../modules/vpc"

  name            = var.name
  cidr            = var.existing_vpc_cidr
  azs             = var.azs
  public_subnets  = [for az in var.azs : var.existing_public_subnets[az].cidr]
  private_subnets = [for az in var.azs : var.existing_private_subnets[az].cidr]

  single_nat_gateway = true

  # The existing default security group keeps its rules until the team is ready.
  manage_default_security_group = false
}

################################################################################
# The bucket was managed by this stack as plain resources (`aws_s3_bucket.logs`
# and friends); `migrations.tf` moves them into the module without re-creating.
################################################################################

module "logs" {
  source = "../../modules/s3-logs"

  name           = var.logs_bucket_name
  create_kms_key = false
  kms_key_arn    = var.existing_kms_key_arn
}
