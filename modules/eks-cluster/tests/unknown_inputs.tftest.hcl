# One-pass plan of modules/eks-cluster when the VPC, subnets, secrets key, security group, access entry principals,
# access policy ARNs, managed policy ARNs and the inline policy document come from other resources (unknown at plan
# time); every for_each key is a map key of the input or a boolean.

mock_provider "aws" {
  mock_data "aws_partition" {
    defaults = {
      partition = "aws"
    }
  }

  mock_data "aws_caller_identity" {
    defaults = {
      account_id = "111122223333"
    }
  }

  mock_data "aws_region" {
    defaults = {
      region = "eu-west-1"
    }
  }
}

run "plans_with_unknown_ids_and_arns" {
  command = plan

  module {
    source = "./tests/unknown-inputs"
  }

  assert {
    condition     = output.access_policy_association_keys == [["platform-admins/admin", "spark-operators/view"], ["platform-admins/admin"]]
    error_message = "Access policy associations must be planned while the principal and policy ARNs are unknown."
  }

  assert {
    condition     = output.access_entry_keys == ["platform-admins", "spark-operators"] && output.pod_identity_keys == ["spark"]
    error_message = "Access entries and Pod Identity roles must be planned while their ARNs are unknown."
  }

  assert {
    condition     = output.addon_keys == ["coredns", "eks-pod-identity-agent", "kube-proxy", "vpc-cni"]
    error_message = "Add-ons must be planned while the cluster is unknown."
  }
}
