# The module as a stack composes it: the VPC, subnets, keys, principals and policies it names are created in the
# same apply, so their IDs and ARNs are unknown at plan time (terraform_data's output is unknown until apply).
# `terraform plan` must get through in one pass: no for_each or count may depend on these values.

terraform {
  required_providers {
    aws = { source = "hashicorp/aws" }
  }
}

resource "terraform_data" "vpc_id" {
  input = "vpc-0a1b2c3d4e5f60718"
}

resource "terraform_data" "subnet_id" {
  for_each = toset(["a", "b", "c"])

  input = "subnet-0${each.key}000000000000001"
}

resource "terraform_data" "kms_key_arn" {
  input = "arn:aws:kms:eu-west-1:111122223333:key/0b3a7c1e-1111-2222-3333-444455556666"
}

resource "terraform_data" "security_group_id" {
  input = "sg-0123456789abcdef0"
}

resource "terraform_data" "principal_arn" {
  for_each = toset(["platform-admins", "spark-operators"])

  input = "arn:aws:iam::111122223333:role/${each.key}"
}

resource "terraform_data" "access_policy_arn" {
  input = "arn:aws:eks::aws:cluster-access-policy/AmazonEKSViewPolicy"
}

resource "terraform_data" "policy_arn" {
  input = "arn:aws:iam::111122223333:policy/logexaminer-spark"
}

resource "terraform_data" "bucket_arn" {
  input = "arn:aws:s3:::logexaminer-logs"
}

# Read at apply only (its bucket ARN is unknown), so its JSON is unknown, and not known to be non-null, at plan.
data "aws_iam_policy_document" "spark" {
  statement {
    actions   = ["s3:GetObject"]
    resources = ["${terraform_data.bucket_arn.output}/*"]
  }
}

module "given_key" {
  source = "../.."

  name       = "logexaminer"
  vpc_id     = terraform_data.vpc_id.output
  subnet_ids = [for k in ["a", "b", "c"] : terraform_data.subnet_id[k].output]

  create_kms_key                = false
  kms_key_arn                   = terraform_data.kms_key_arn.output
  additional_security_group_ids = [terraform_data.security_group_id.output]

  security_group_ingress_rules = {
    bastion = {
      description                  = "Kubernetes API from the bastion"
      referenced_security_group_id = terraform_data.security_group_id.output
    }
  }

  access_entries = {
    platform-admins = {
      principal_arn = terraform_data.principal_arn["platform-admins"].output
      policy_associations = {
        admin = { policy_arn = "arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy" }
      }
    }
    spark-operators = {
      principal_arn = terraform_data.principal_arn["spark-operators"].output
      policy_associations = {
        view = {
          policy_arn   = terraform_data.access_policy_arn.output
          access_scope = { type = "namespace", namespaces = ["spark"] }
        }
      }
    }
  }

  pod_identities = {
    spark = {
      namespace          = "spark"
      service_account    = "spark-executor"
      attach_policy_json = true
      policy_json        = data.aws_iam_policy_document.spark.json
      policy_arns        = { spark = terraform_data.policy_arn.output }
    }
  }
}

module "created_key" {
  source = "../.."

  name       = "logexaminer-2"
  vpc_id     = terraform_data.vpc_id.output
  subnet_ids = [for k in ["a", "b"] : terraform_data.subnet_id[k].output]

  access_entries = {
    platform-admins = {
      principal_arn = terraform_data.principal_arn["platform-admins"].output
      policy_associations = {
        admin = { policy_arn = terraform_data.access_policy_arn.output }
      }
    }
  }
}

output "access_policy_association_keys" {
  description = "Keys of the planned access policy associations of both instances (known at plan time)."
  value       = [module.given_key.access_policy_association_keys, module.created_key.access_policy_association_keys]
}

output "pod_identity_keys" {
  description = "Keys of the planned Pod Identity roles (known at plan time)."
  value       = keys(module.given_key.pod_identity_role_arns)
}

output "access_entry_keys" {
  description = "Keys of the planned access entries (known at plan time)."
  value       = keys(module.given_key.access_entry_arns)
}

output "addon_keys" {
  description = "Keys of the planned add-ons (known at plan time)."
  value       = keys(module.created_key.addons)
}
