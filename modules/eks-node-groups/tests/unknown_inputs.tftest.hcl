# One-pass plan of modules/eks-node-groups when the subnet IDs, the root volume key and an extra policy come from
# other resources (unknown at plan time); zone names, the map keys, are known.

# The node group sizes come from logexaminer_eks_node_group_scaling; mocked, it returns no sizes and the
# module falls back to the initial ones.
mock_provider "logexaminer" {}

mock_provider "aws" {
  mock_data "aws_partition" {
    defaults = {
      partition = "aws"
    }
  }

  mock_data "aws_iam_policy_document" {
    defaults = {
      json = "{\"Version\":\"2012-10-17\",\"Statement\":[]}"
    }
  }
}

run "plans_with_unknown_subnets_key_and_policy" {
  command = plan

  module {
    source = "./tests/unknown-inputs"
  }

  assert {
    condition = output.node_group_keys == tolist([
      "spark-executor-eu-west-1a", "spark-executor-eu-west-1b", "spark-executor-eu-west-1c",
      "system-eu-west-1a", "system-eu-west-1b", "system-eu-west-1c",
    ])
    error_message = "One node group per kind and zone must be planned while the subnet IDs are unknown."
  }
}
