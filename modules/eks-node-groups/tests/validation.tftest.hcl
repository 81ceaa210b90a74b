# One run per validation rule of modules/eks-node-groups: each input AWS would reject must fail at plan time.

# The node group sizes come from logexaminer_eks_node_group_scaling; mocked, it returns no sizes and the
# module falls back to the initial ones.
mock_provider "logexaminer" {}

mock_provider "aws" {
  mock_data "aws_partition" {
    defaults = {
      partition = "aws"
    }
  }
}

variables {
  cluster_name = "logexaminer"
  subnet_ids_by_az = {
    "eu-west-1a" = "subnet-0a000000000000001"
    "eu-west-1b" = "subnet-0b000000000000002"
  }
}

run "cluster_name_invalid" {
  command = plan

  variables {
    cluster_name = "_logexaminer"
  }

  expect_failures = [var.cluster_name]
}

run "cluster_name_too_long" {
  command = plan

  variables {
    cluster_name = "ccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc"
  }

  expect_failures = [var.cluster_name]
}

run "name_invalid" {
  command = plan

  variables {
    name = "bad name"
  }

  expect_failures = [var.name]
}

run "kubernetes_version_invalid" {
  command = plan

  variables {
    kubernetes_version = "1.33.2"
  }

  expect_failures = [var.kubernetes_version]
}

run "subnets_empty" {
  command = plan

  variables {
    subnet_ids_by_az = {}
  }

  expect_failures = [var.subnet_ids_by_az]
}

run "subnets_bad_zone_key" {
  command = plan

  variables {
    subnet_ids_by_az = { "euw1-az1" = "subnet-0a000000000000001" }
  }

  expect_failures = [var.subnet_ids_by_az]
}

run "subnets_bad_id" {
  command = plan

  variables {
    subnet_ids_by_az = { "eu-west-1a" = "sg-0a000000000000001" }
  }

  expect_failures = [var.subnet_ids_by_az]
}

run "tags_aws_prefix" {
  command = plan

  variables {
    tags = { "aws:x" = "y" }
  }

  expect_failures = [var.tags]
}

run "spark_no_instance_types" {
  command = plan

  variables {
    node_groups = { spark = { instance_types = [] } }
  }

  expect_failures = [var.node_groups]
}

run "spark_repeated_instance_types" {
  command = plan

  variables {
    node_groups = { spark = { instance_types = ["m5.large", "m5.large"] } }
  }

  expect_failures = [var.node_groups]
}

run "spark_bad_instance_type" {
  command = plan

  variables {
    node_groups = { spark = { instance_types = ["m5-large"] } }
  }

  expect_failures = [var.node_groups]
}

run "spark_bad_instance_size" {
  command = plan

  variables {
    node_groups = { spark = { instance_types = ["m5.huge"] } }
  }

  expect_failures = [var.node_groups]
}

run "spark_bad_capacity_type" {
  command = plan

  variables {
    node_groups = { spark = { instance_types = ["m5.large"], capacity_type = "spot" } }
  }

  expect_failures = [var.node_groups]
}

run "spark_bad_ami_type" {
  command = plan

  variables {
    node_groups = { spark = { instance_types = ["m5.large"], ami_type = "AL2_x86_64" } }
  }

  expect_failures = [var.node_groups]
}

run "spark_arm_types_on_x86_ami" {
  command = plan

  variables {
    node_groups = { spark = { instance_types = ["m6g.large"] } }
  }

  expect_failures = [var.node_groups]
}

run "spark_x86_types_on_arm_ami" {
  command = plan

  variables {
    node_groups = { spark = { instance_types = ["m5.large"], ami_type = "AL2023_ARM_64_STANDARD" } }
  }

  expect_failures = [var.node_groups]
}

run "spark_fractional_size" {
  command = plan

  variables {
    node_groups = { spark = { instance_types = ["m5.large"], max_size = 10.5 } }
  }

  expect_failures = [var.node_groups]
}

run "spark_negative_min" {
  command = plan

  variables {
    node_groups = { spark = { instance_types = ["m5.large"], min_size = -1 } }
  }

  expect_failures = [var.node_groups]
}

run "spark_max_zero" {
  command = plan

  variables {
    node_groups = { spark = { instance_types = ["m5.large"], max_size = 0 } }
  }

  expect_failures = [var.node_groups]
}

run "spark_max_over_quota" {
  command = plan

  variables {
    node_groups = { spark = { instance_types = ["m5.large"], max_size = 451 } }
  }

  expect_failures = [var.node_groups]
}

run "spark_min_above_desired" {
  command = plan

  variables {
    node_groups = { spark = { instance_types = ["m5.large"], min_size = 3, desired_size = 2 } }
  }

  expect_failures = [var.node_groups]
}

run "spark_desired_above_max" {
  command = plan

  variables {
    node_groups = { spark = { instance_types = ["m5.large"], desired_size = 60 } }
  }

  expect_failures = [var.node_groups]
}

run "spark_max_unavailable_zero" {
  command = plan

  variables {
    node_groups = { spark = { instance_types = ["m5.large"], max_unavailable_percentage = 0 } }
  }

  expect_failures = [var.node_groups]
}

run "spark_disk_too_small" {
  command = plan

  variables {
    node_groups = { spark = { instance_types = ["m5.large"], disk_size = 10 } }
  }

  expect_failures = [var.node_groups]
}

run "spark_disk_too_large" {
  command = plan

  variables {
    node_groups = { spark = { instance_types = ["m5.large"], disk_size = 20000 } }
  }

  expect_failures = [var.node_groups]
}

run "spark_bad_label_key" {
  command = plan

  variables {
    node_groups = { spark = { instance_types = ["m5.large"], labels = { "bad key" = "x" } } }
  }

  expect_failures = [var.node_groups]
}

run "spark_bad_label_value" {
  command = plan

  variables {
    node_groups = { spark = { instance_types = ["m5.large"], labels = { "role" = "vvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvv" } } }
  }

  expect_failures = [var.node_groups]
}

run "spark_reserved_label_prefix" {
  command = plan

  variables {
    node_groups = { spark = { instance_types = ["m5.large"], labels = { "kubernetes.io/role" = "spark" } } }
  }

  expect_failures = [var.node_groups]
}

run "spark_too_many_taints" {
  command = plan

  variables {
    node_groups = { spark = { instance_types = ["m5.large"], taints = [for i in range(51) : { key = "k${i}", effect = "NO_SCHEDULE" }] } }
  }

  expect_failures = [var.node_groups]
}

run "spark_bad_taint_effect" {
  command = plan

  variables {
    node_groups = { spark = { instance_types = ["m5.large"], taints = [{ key = "spark", value = "true", effect = "NoSchedule" }] } }
  }

  expect_failures = [var.node_groups]
}

run "spark_bad_taint_key" {
  command = plan

  variables {
    node_groups = { spark = { instance_types = ["m5.large"], taints = [{ key = "-spark", effect = "NO_SCHEDULE" }] } }
  }

  expect_failures = [var.node_groups]
}

run "spark_repeated_taint" {
  command = plan

  variables {
    node_groups = { spark = { instance_types = ["m5.large"], taints = [{ key = "a", effect = "NO_SCHEDULE" }, { key = "a", value = "x", effect = "NO_SCHEDULE" }] } }
  }

  expect_failures = [var.node_groups]
}

run "system_min_above_max" {
  command = plan

  variables {
    node_groups = { system = { instance_types = ["m5.large"], min_size = 11, max_size = 10 } }
  }

  expect_failures = [var.node_groups]
}

run "system_bad_instance_type" {
  command = plan

  variables {
    node_groups = { system = { instance_types = ["M5.LARGE"] } }
  }

  expect_failures = [var.node_groups]
}

run "root_volume_iops_low" {
  command = plan

  variables {
    root_volume = { iops = 2000 }
  }

  expect_failures = [var.root_volume]
}

run "root_volume_throughput_high" {
  command = plan

  variables {
    root_volume = { iops = 16000, throughput = 1001 }
  }

  expect_failures = [var.root_volume]
}

run "root_volume_throughput_above_iops_ratio" {
  command = plan

  variables {
    root_volume = { iops = 3000, throughput = 1000 }
  }

  expect_failures = [var.root_volume]
}

run "root_volume_bad_kms" {
  command = plan

  variables {
    root_volume = { kms_key_arn = "1234abcd-12ab-34cd-56ef-1234567890ab" }
  }

  expect_failures = [var.root_volume]
}

run "hop_limit_zero" {
  command = plan

  variables {
    metadata_http_put_response_hop_limit = 0
  }

  expect_failures = [var.metadata_http_put_response_hop_limit]
}

run "iam_role_arn_invalid" {
  command = plan

  variables {
    create_iam_role = false
    iam_role_arn    = "eks-nodes"
  }

  expect_failures = [var.iam_role_arn]
}

run "iam_role_arn_missing" {
  command = plan

  variables {
    create_iam_role = false
  }

  expect_failures = [var.iam_role_arn]
}

run "permissions_boundary_invalid" {
  command = plan

  variables {
    iam_role_permissions_boundary = "arn:aws:iam::111122223333:role/x"
  }

  expect_failures = [var.iam_role_permissions_boundary]
}

run "additional_policy_invalid" {
  command = plan

  variables {
    iam_role_additional_policies = { ssm = "AmazonSSMManagedInstanceCore" }
  }

  expect_failures = [var.iam_role_additional_policies]
}

run "node_group_name_too_long" {
  command = plan

  variables {
    name = "nnnnnnnnnnnnnnnnnnnnnnnnnnnnnn"
  }

  expect_failures = [aws_eks_node_group.this]
}

run "group_key_invalid" {
  command = plan

  variables {
    node_groups = { "Spark_Executors" = { instance_types = ["m5.large"] } }
  }

  expect_failures = [var.node_groups]
}

run "too_many_instance_types" {
  command = plan

  variables {
    node_groups = { spark = { instance_types = [for i in range(21) : "m5.${i + 1}xlarge"] } }
  }

  expect_failures = [var.node_groups]
}

run "bottlerocket_settings_on_al2023" {
  command = plan

  variables {
    node_groups = { spark = { instance_types = ["m5.large"], user_data = { bottlerocket_settings = "[settings.kubernetes]" } } }
  }

  expect_failures = [var.node_groups]
}

run "nodeadm_config_on_bottlerocket" {
  command = plan

  variables {
    node_groups = { spark = { instance_types = ["m5.large"], ami_type = "BOTTLEROCKET_x86_64", user_data = { nodeadm_config = "apiVersion: node.eks.aws/v1alpha1\nkind: NodeConfig\n" } } }
  }

  expect_failures = [var.node_groups]
}

run "nodeadm_config_not_a_node_config" {
  command = plan

  variables {
    node_groups = { spark = { instance_types = ["m5.large"], user_data = { nodeadm_config = "kubelet:\n  config:\n    maxPods: 110\n" } } }
  }

  expect_failures = [var.node_groups]
}

run "pre_bootstrap_script_without_interpreter" {
  command = plan

  variables {
    node_groups = { spark = { instance_types = ["m5.large"], user_data = { pre_bootstrap_script = "sysctl -w vm.max_map_count=262144" } } }
  }

  expect_failures = [var.node_groups]
}

run "user_data_too_long" {
  command = plan

  variables {
    node_groups = { spark = { instance_types = ["m5.large"], user_data = { pre_bootstrap_script = "#!/bin/bash\n${join("", [for i in range(1000) : "echo 0123456789\n"])}" } } }
  }

  expect_failures = [var.node_groups]
}

run "vpc_id_invalid" {
  command = plan

  variables {
    vpc_id = "vpc-xyz"
  }

  expect_failures = [var.vpc_id]
}

run "cluster_security_group_id_invalid" {
  command = plan

  variables {
    cluster_security_group_id = "cluster-sg"
  }

  expect_failures = [var.cluster_security_group_id]
}

run "node_security_group_id_invalid" {
  command = plan

  variables {
    node_security_group_ids = { extra = "sg_0123" }
  }

  expect_failures = [var.node_security_group_ids]
}

run "too_many_node_security_groups" {
  command = plan

  variables {
    node_security_group_ids = { a = "sg-0a000001", b = "sg-0a000002", c = "sg-0a000003", d = "sg-0a000004" }
  }

  expect_failures = [var.node_security_group_ids]
}

run "security_groups_without_the_cluster_security_group" {
  command = plan

  variables {
    node_security_group_ids = { extra = "sg-0a000001" }
  }

  expect_failures = [aws_launch_template.this]
}

run "node_security_group_without_vpc" {
  command = plan

  variables {
    create_node_security_group = true
    cluster_security_group_id  = "sg-0c000001"
  }

  expect_failures = [aws_security_group.node]
}
