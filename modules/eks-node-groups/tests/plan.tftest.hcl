# Plan and mocked-apply assertions of modules/eks-node-groups. Run from the module: terraform init && terraform test

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

variables {
  cluster_name = "logexaminer"
  subnet_ids_by_az = {
    "eu-west-1a" = "subnet-0a000000000000001"
    "eu-west-1b" = "subnet-0b000000000000002"
    "eu-west-1c" = "subnet-0c000000000000003"
  }
  tags = {
    Project = "logexaminer"
  }
}

run "defaults" {
  command = plan

  assert {
    condition     = keys(aws_eks_node_group.this) == ["spark-executor", "system"]
    error_message = "A spark-executor and a system node group expected."
  }

  assert {
    condition = (
      aws_eks_node_group.this["spark-executor"].capacity_type == "SPOT" &&
      aws_eks_node_group.this["spark-executor"].instance_types == tolist(["m5.large", "c5.xlarge", "r5.large"]) &&
      aws_eks_node_group.this["spark-executor"].scaling_config[0].min_size == 0 &&
      aws_eks_node_group.this["spark-executor"].scaling_config[0].max_size == 50 &&
      aws_eks_node_group.this["spark-executor"].scaling_config[0].desired_size == 0
    )
    error_message = "The Spark executor group must be SPOT over m5.large/c5.xlarge/r5.large scaling 0..50."
  }

  assert {
    condition = (
      aws_eks_node_group.this["system"].capacity_type == "ON_DEMAND" &&
      aws_eks_node_group.this["system"].scaling_config[0].min_size == 2 &&
      aws_eks_node_group.this["system"].scaling_config[0].max_size == 10 &&
      aws_eks_node_group.this["system"].scaling_config[0].desired_size == 2
    )
    error_message = "The system group must be ON_DEMAND scaling 2..10."
  }

  assert {
    condition = (
      aws_eks_node_group.this["spark-executor"].labels["logexaminer.io/workload"] == "spark-executor" &&
      length(aws_eks_node_group.this["spark-executor"].taint) == 1 &&
      one([for t in aws_eks_node_group.this["spark-executor"].taint : "${t.key}=${t.value}:${t.effect}"]) == "logexaminer.io/spark-executor=true:NO_SCHEDULE" &&
      length(aws_eks_node_group.this["system"].taint) == 0
    )
    error_message = "Spark executors must be labelled and tainted NO_SCHEDULE; the system group untainted."
  }

  assert {
    condition     = toset(aws_eks_node_group.this["spark-executor"].subnet_ids) == toset(["subnet-0a000000000000001", "subnet-0b000000000000002", "subnet-0c000000000000003"])
    error_message = "Without one_group_per_az a group spans all subnets."
  }

  assert {
    condition     = aws_eks_node_group.this["system"].node_group_name_prefix == "logexaminer-system-" && aws_eks_node_group.this["system"].ami_type == "AL2023_x86_64_STANDARD"
    error_message = "Node groups are named by prefix and use AL2023 by default."
  }

  assert {
    condition = (
      aws_autoscaling_group_tag.this["spark-executor|k8s.io/cluster-autoscaler/node-template/label/logexaminer.io/workload"].tag[0].value == "spark-executor" &&
      aws_autoscaling_group_tag.this["spark-executor|k8s.io/cluster-autoscaler/node-template/taint/logexaminer.io/spark-executor"].tag[0].value == "true:NoSchedule" &&
      aws_autoscaling_group_tag.this["spark-executor|k8s.io/cluster-autoscaler/node-template/label/eks.amazonaws.com/capacityType"].tag[0].value == "SPOT" &&
      aws_autoscaling_group_tag.this["spark-executor|k8s.io/cluster-autoscaler/enabled"].tag[0].value == "true" &&
      aws_autoscaling_group_tag.this["system|k8s.io/cluster-autoscaler/logexaminer"].tag[0].value == "owned"
    )
    error_message = "The Auto Scaling groups must carry the autoscaler discovery and node-template label/taint tags."
  }

  assert {
    condition     = alltrue([for t in aws_autoscaling_group_tag.this : t.tag[0].propagate_at_launch == false])
    error_message = "Autoscaler tags must not propagate to instances."
  }

  assert {
    condition     = length(aws_autoscaling_group_tag.this) == 9
    error_message = "spark-executor: enabled, owned, capacityType, 1 label, 1 taint; system: enabled, owned, capacityType, 1 label = 9 tags."
  }

  assert {
    condition     = aws_eks_node_group.this["spark-executor"].tags["k8s.io/cluster-autoscaler/node-template/taint/logexaminer.io/spark-executor"] == "true:NoSchedule" && aws_eks_node_group.this["spark-executor"].tags["Project"] == "logexaminer"
    error_message = "Node group tags must include the common and autoscaler tags."
  }

  assert {
    condition = alltrue([for k, lt in aws_launch_template.this : (
      lt.metadata_options[0].http_tokens == "required" &&
      lt.metadata_options[0].http_endpoint == "enabled" &&
      lt.metadata_options[0].http_put_response_hop_limit == 2 &&
      lt.block_device_mappings[0].device_name == "/dev/xvda" &&
      lt.block_device_mappings[0].ebs[0].volume_type == "gp3" &&
      lt.block_device_mappings[0].ebs[0].encrypted == "true" &&
      lt.block_device_mappings[0].ebs[0].iops == 3000 &&
      lt.block_device_mappings[0].ebs[0].throughput == 125
    )])
    error_message = "Launch templates must require IMDSv2 and use an encrypted gp3 root volume."
  }

  assert {
    condition     = aws_launch_template.this["spark-executor"].block_device_mappings[0].ebs[0].volume_size == 100 && aws_launch_template.this["system"].block_device_mappings[0].ebs[0].volume_size == 50
    error_message = "Root volume sizes must follow the group disk_size."
  }

  assert {
    condition     = length(aws_launch_template.this["system"].instance_type == null ? [1] : []) == 1
    error_message = "Launch templates must not pin an instance type (the node group lists them)."
  }

  assert {
    condition     = keys(aws_iam_role_policy_attachment.this) == ["AmazonEC2ContainerRegistryReadOnly", "AmazonEKSWorkerNodePolicy", "AmazonEKS_CNI_Policy"]
    error_message = "The node role needs exactly the worker node, CNI and ECR read-only policies."
  }

  assert {
    condition     = aws_iam_role_policy_attachment.this["AmazonEKSWorkerNodePolicy"].policy_arn == "arn:aws:iam::aws:policy/AmazonEKSWorkerNodePolicy"
    error_message = "Policy ARNs must use the partition."
  }
}

run "one_group_per_az" {
  command = plan

  variables {
    one_group_per_az = true
  }

  assert {
    condition = keys(aws_eks_node_group.this) == [
      "spark-executor-eu-west-1a", "spark-executor-eu-west-1b", "spark-executor-eu-west-1c",
      "system-eu-west-1a", "system-eu-west-1b", "system-eu-west-1c",
    ]
    error_message = "one_group_per_az must create one group per kind and zone."
  }

  assert {
    condition     = aws_eks_node_group.this["spark-executor-eu-west-1b"].subnet_ids == toset(["subnet-0b000000000000002"])
    error_message = "A zonal group must use only its zone's subnet."
  }

  assert {
    condition     = aws_eks_node_group.this["spark-executor-eu-west-1b"].node_group_name_prefix == "logexaminer-spark-executor-1b-"
    error_message = "Zonal groups are named with the zone suffix."
  }

  assert {
    condition     = aws_autoscaling_group_tag.this["spark-executor-eu-west-1c|k8s.io/cluster-autoscaler/node-template/label/topology.kubernetes.io/zone"].tag[0].value == "eu-west-1c"
    error_message = "Zonal groups must tell the autoscaler their zone."
  }

  assert {
    condition     = length(aws_launch_template.this) == 2
    error_message = "Launch templates are shared by the zonal groups of a kind."
  }

  assert {
    condition     = alltrue([for k, ng in aws_eks_node_group.this : ng.scaling_config[0].max_size == (startswith(k, "spark") ? 50 : 10)])
    error_message = "Sizes apply to each zonal group."
  }
}

run "scale_to_zero_tags_reach_the_asg" {
  command = apply

  override_resource {
    target = aws_eks_node_group.this
    values = {
      resources = [{
        autoscaling_groups              = [{ name = "eks-logexaminer-asg" }]
        remote_access_security_group_id = ""
      }]
    }
  }

  assert {
    condition     = alltrue([for t in aws_autoscaling_group_tag.this : t.autoscaling_group_name == "eks-logexaminer-asg"])
    error_message = "Autoscaler tags must be put on the node group's Auto Scaling group."
  }

  assert {
    condition     = output.node_groups["spark-executor"].autoscaling_group_names == ["eks-logexaminer-asg"]
    error_message = "The output must list the Auto Scaling groups."
  }
}

run "customised_groups" {
  command = plan

  variables {
    name            = "lx"
    use_name_prefix = false
    node_groups = {
      "spark-executor" = {
        instance_types = ["m6g.large", "c6g.xlarge"]
        ami_type       = "BOTTLEROCKET_ARM_64"
        capacity_type  = "SPOT"
        min_size       = 0
        max_size       = 200
        disk_size      = 100
        labels         = { "logexaminer.io/workload" = "spark-executor", "spark-role" = "executor" }
        taints = [
          { key = "logexaminer.io/spark-executor", value = "true", effect = "NO_SCHEDULE" },
          { key = "spot", effect = "PREFER_NO_SCHEDULE" },
        ]
      }
      system = {
        enabled        = false
        instance_types = ["m5.large"]
      }
    }
    create_autoscaler_tags = false
  }

  assert {
    condition     = keys(aws_eks_node_group.this) == ["spark-executor"] && aws_eks_node_group.this["spark-executor"].node_group_name == "lx-spark-executor"
    error_message = "Disabled groups must not be created; fixed names must be used when use_name_prefix is false."
  }

  assert {
    condition     = aws_launch_template.this["spark-executor"].block_device_mappings[0].device_name == "/dev/xvdb"
    error_message = "Bottlerocket's data volume is /dev/xvdb."
  }

  assert {
    condition     = length(aws_autoscaling_group_tag.this) == 0 && !contains(keys(aws_eks_node_group.this["spark-executor"].tags), "k8s.io/cluster-autoscaler/enabled")
    error_message = "create_autoscaler_tags = false must add no autoscaler tags."
  }

  assert {
    condition     = contains([for t in aws_eks_node_group.this["spark-executor"].taint : "${t.key}:${t.effect}"], "spot:PREFER_NO_SCHEDULE")
    error_message = "All taints must be set."
  }
}

run "existing_role" {
  command = plan

  variables {
    create_iam_role = false
    iam_role_arn    = "arn:aws:iam::111122223333:role/eks-nodes"
  }

  assert {
    condition     = length(aws_iam_role.this) == 0 && length(aws_iam_role_policy_attachment.this) == 0
    error_message = "No role may be created when create_iam_role is false."
  }

  assert {
    condition     = alltrue([for ng in aws_eks_node_group.this : ng.node_role_arn == "arn:aws:iam::111122223333:role/eks-nodes"])
    error_message = "The given role must be used."
  }
}

run "create_false" {
  command = plan

  variables {
    create = false
  }

  assert {
    condition     = length(aws_eks_node_group.this) == 0 && length(aws_launch_template.this) == 0 && length(aws_iam_role.this) == 0 && length(aws_autoscaling_group_tag.this) == 0
    error_message = "create = false must create nothing."
  }
}

run "more_groups_user_data_and_node_security_groups" {
  command = plan

  override_resource {
    target          = aws_security_group.node[0]
    override_during = plan
    values = {
      id = "sg-0e000000000000001"
    }
  }

  variables {
    vpc_id                     = "vpc-0a000000000000001"
    cluster_security_group_id  = "sg-0c000000000000001"
    create_node_security_group = true
    node_security_group_ids    = { monitoring = "sg-0d000000000000001" }
    node_groups = {
      system = {
        instance_types = ["m6g.large"]
        ami_type       = "AL2023_ARM_64_STANDARD"
        min_size       = 3
        max_size       = 6
        user_data = {
          nodeadm_config       = "apiVersion: node.eks.aws/v1alpha1\nkind: NodeConfig\nspec:\n  kubelet:\n    config:\n      maxPods: 58\n"
          pre_bootstrap_script = "#!/bin/bash\nsysctl -w vm.max_map_count=262144\n"
        }
      }
      "spark-gpu" = {
        instance_types = ["g5.xlarge"]
        ami_type       = "BOTTLEROCKET_x86_64_NVIDIA"
        capacity_type  = "SPOT"
        min_size       = 0
        max_size       = 4
        user_data      = { bottlerocket_settings = "[settings.kernel.sysctl]\n\"vm.max_map_count\" = \"262144\"\n" }
      }
      "spark-executor" = {
        instance_types = ["r5.large"]
        min_size       = 0
        max_size       = 10
      }
    }
  }

  assert {
    condition     = keys(aws_eks_node_group.this) == ["spark-executor", "spark-gpu", "system"]
    error_message = "Every entry of node_groups is a node group."
  }

  assert {
    condition     = aws_eks_node_group.this["system"].scaling_config[0].desired_size == 3
    error_message = "desired_size defaults to min_size."
  }

  assert {
    condition = (
      strcontains(base64decode(aws_launch_template.this["system"].user_data), "Content-Type: multipart/mixed; boundary=\"LOGEXAMINER\"") &&
      strcontains(base64decode(aws_launch_template.this["system"].user_data), "Content-Type: application/node.eks.aws\n\napiVersion: node.eks.aws/v1alpha1") &&
      strcontains(base64decode(aws_launch_template.this["system"].user_data), "Content-Type: text/x-shellscript; charset=\"us-ascii\"\n\n#!/bin/bash") &&
      endswith(base64decode(aws_launch_template.this["system"].user_data), "--LOGEXAMINER--\n")
    )
    error_message = "AL2023 user data must be a MIME multi-part document with the NodeConfig, then the script."
  }

  assert {
    condition     = base64decode(aws_launch_template.this["spark-gpu"].user_data) == "[settings.kernel.sysctl]\n\"vm.max_map_count\" = \"262144\"\n"
    error_message = "Bottlerocket user data is the TOML as given."
  }

  assert {
    condition     = aws_launch_template.this["spark-executor"].user_data == null
    error_message = "No user data unless asked for."
  }

  assert {
    condition = alltrue([
      for k, lt in aws_launch_template.this :
      toset(lt.vpc_security_group_ids) == toset(["sg-0c000000000000001", "sg-0e000000000000001", "sg-0d000000000000001"])
    ])
    error_message = "Launch templates that name security groups must include the cluster security group, the node group and the extra ones."
  }

  assert {
    condition = (
      aws_vpc_security_group_ingress_rule.node["cluster_kubelet"].from_port == 10250 &&
      aws_vpc_security_group_ingress_rule.node["cluster_kubelet"].referenced_security_group_id == "sg-0c000000000000001" &&
      aws_vpc_security_group_ingress_rule.node["cluster_https"].from_port == 443 &&
      aws_vpc_security_group_ingress_rule.node["nodes"].ip_protocol == "-1" &&
      !contains([for r in aws_vpc_security_group_ingress_rule.node : r.cidr_ipv4], "0.0.0.0/0")
    )
    error_message = "Node ingress comes only from the nodes themselves and the cluster security group (443, 10250)."
  }
}

run "default_security_groups_are_left_to_eks" {
  command = plan

  assert {
    condition     = alltrue([for lt in aws_launch_template.this : lt.vpc_security_group_ids == null]) && length(aws_security_group.node) == 0
    error_message = "Without node security groups the launch templates leave the cluster security group to EKS."
  }
}

run "desired_size_follows_the_autoscaler_and_the_bounds" {
  command = plan

  # The autoscaler scaled the executors to 7; the system group's floor was raised above its size (the data
  # source clamps it into the new bounds and returns 4).
  override_data {
    target = data.logexaminer_eks_node_group_scaling.this[0]
    values = {
      desired_sizes = { "spark-executor" = 7, system = 4 }
    }
  }

  assert {
    condition     = aws_eks_node_group.this["spark-executor"].scaling_config[0].desired_size == 7 && aws_eks_node_group.this["system"].scaling_config[0].desired_size == 4
    error_message = "desired_size must come from logexaminer_eks_node_group_scaling (no ignore_changes)."
  }

  assert {
    condition = (
      data.logexaminer_eks_node_group_scaling.this[0].cluster_name == "logexaminer" &&
      data.logexaminer_eks_node_group_scaling.this[0].node_groups["spark-executor"].name_prefix == "logexaminer-spark-executor-" &&
      data.logexaminer_eks_node_group_scaling.this[0].node_groups["spark-executor"].name == null &&
      data.logexaminer_eks_node_group_scaling.this[0].node_groups["spark-executor"].min_size == 0 &&
      data.logexaminer_eks_node_group_scaling.this[0].node_groups["system"].max_size == 10 &&
      data.logexaminer_eks_node_group_scaling.this[0].node_groups["system"].desired_size == 2
    )
    error_message = "The data source must get each node group's name prefix and configured bounds."
  }
}
