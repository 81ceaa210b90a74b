locals {
  create = var.create
  name   = coalesce(var.name, var.cluster_name)

  valid_ami_types = [
    "AL2023_x86_64_STANDARD",
    "AL2023_ARM_64_STANDARD",
    "AL2023_x86_64_NVIDIA",
    "AL2023_ARM_64_NVIDIA",
    "AL2023_x86_64_NEURON",
    "BOTTLEROCKET_x86_64",
    "BOTTLEROCKET_ARM_64",
    "BOTTLEROCKET_x86_64_FIPS",
    "BOTTLEROCKET_ARM_64_FIPS",
    "BOTTLEROCKET_x86_64_NVIDIA",
    "BOTTLEROCKET_ARM_64_NVIDIA",
  ]

  # Groups that are enabled, keyed by the name used in resource keys and names; desired_size defaults to min_size.
  group_defs = {
    for k, g in var.node_groups : k => merge(g, { desired_size = coalesce(g.desired_size, g.min_size) }) if g.enabled
  }

  # User data per group: Bottlerocket's TOML as given; for AL2023 a MIME multi-part document (nodeadm NodeConfig,
  # then a script), which EKS merges with its own bootstrap part. Null when there is none.
  user_data = {
    for k, g in local.group_defs : k => (
      startswith(g.ami_type, "BOTTLEROCKET") ? g.user_data.bottlerocket_settings : (
        g.user_data.nodeadm_config == null && g.user_data.pre_bootstrap_script == null ? null : join("\n", concat(
          ["MIME-Version: 1.0", "Content-Type: multipart/mixed; boundary=\"LOGEXAMINER\"", ""],
          g.user_data.nodeadm_config == null ? [] : ["--LOGEXAMINER", "Content-Type: application/node.eks.aws", "", trimspace(g.user_data.nodeadm_config), ""],
          g.user_data.pre_bootstrap_script == null ? [] : ["--LOGEXAMINER", "Content-Type: text/x-shellscript; charset=\"us-ascii\"", "", trimspace(g.user_data.pre_bootstrap_script), ""],
          ["--LOGEXAMINER--", ""],
        ))
      )
    )
  }

  # Security groups named by the launch templates; null leaves EKS's default (the cluster security group).
  # Known at plan time: a boolean and the keys of a map.
  custom_security_groups = var.create_node_security_group || length(var.node_security_group_ids) > 0
  node_security_group_ids = local.custom_security_groups ? concat(
    [var.cluster_security_group_id],
    var.create_node_security_group ? [aws_security_group.node[0].id] : [],
    values(var.node_security_group_ids),
  ) : null

  azs = sort(keys(var.subnet_ids_by_az))

  # A null zone stands for "all zones".
  group_zones = var.one_group_per_az ? local.azs : [null]

  # One node group per kind, or per kind and zone. Keys are known at plan time.
  node_groups = {
    for ng in flatten([
      for k, g in local.group_defs : [
        for az in local.group_zones : {
          key        = az == null ? k : "${k}-${az}"
          name       = az == null ? "${local.name}-${k}" : "${local.name}-${k}-${regex("[0-9]+[a-z]$", az)}"
          kind       = k
          az         = az
          subnet_ids = az == null ? [for a in local.azs : var.subnet_ids_by_az[a]] : [var.subnet_ids_by_az[az]]
        }
      ]
    ]) : ng.key => ng
  }

  taint_effects = {
    NO_SCHEDULE        = "NoSchedule"
    NO_EXECUTE         = "NoExecute"
    PREFER_NO_SCHEDULE = "PreferNoSchedule"
  }

  # Tags the cluster autoscaler reads from an Auto Scaling group to build a template node when the group has none.
  autoscaler_tags = {
    for key, ng in local.node_groups : key => merge(
      {
        "k8s.io/cluster-autoscaler/enabled"                                            = "true"
        "k8s.io/cluster-autoscaler/${var.cluster_name}"                                = "owned"
        "k8s.io/cluster-autoscaler/node-template/label/eks.amazonaws.com/capacityType" = local.group_defs[ng.kind].capacity_type
      },
      { for lk, lv in local.group_defs[ng.kind].labels : "k8s.io/cluster-autoscaler/node-template/label/${lk}" => lv },
      { for az in [ng.az] : "k8s.io/cluster-autoscaler/node-template/label/topology.kubernetes.io/zone" => az if az != null },
      {
        for t in local.group_defs[ng.kind].taints :
        "k8s.io/cluster-autoscaler/node-template/taint/${t.key}" => "${t.value == null ? "" : t.value}:${local.taint_effects[t.effect]}"
      },
    )
  }

  asg_tags = {
    for t in flatten([
      for key, tags in local.autoscaler_tags : [
        for tk, tv in tags : { id = "${key}|${tk}", node_group = key, key = tk, value = tv }
      ]
    ]) : t.id => t
  }

  node_role_arn = var.create_iam_role ? try(aws_iam_role.this[0].arn, null) : var.iam_role_arn
}

################################################################################
# Node IAM role
################################################################################

data "aws_partition" "current" {
  count = local.create && var.create_iam_role ? 1 : 0
}

data "aws_iam_policy_document" "assume_role" {
  count = local.create && var.create_iam_role ? 1 : 0

  statement {
    sid     = "EKSNodeAssumeRole"
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["ec2.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "this" {
  count = local.create && var.create_iam_role ? 1 : 0

  name                  = var.use_name_prefix ? null : "${local.name}-eks-node"
  name_prefix           = var.use_name_prefix ? "${substr(local.name, 0, 28)}-eks-node-" : null
  description           = "EKS managed node groups of ${var.cluster_name}"
  assume_role_policy    = data.aws_iam_policy_document.assume_role[0].json
  permissions_boundary  = var.iam_role_permissions_boundary
  force_detach_policies = true

  tags = merge({ Name = "${local.name}-eks-node" }, var.tags)
}

resource "aws_iam_role_policy_attachment" "this" {
  for_each = local.create && var.create_iam_role ? merge(
    {
      AmazonEKSWorkerNodePolicy          = "arn:${data.aws_partition.current[0].partition}:iam::aws:policy/AmazonEKSWorkerNodePolicy"
      AmazonEKS_CNI_Policy               = "arn:${data.aws_partition.current[0].partition}:iam::aws:policy/AmazonEKS_CNI_Policy"
      AmazonEC2ContainerRegistryReadOnly = "arn:${data.aws_partition.current[0].partition}:iam::aws:policy/AmazonEC2ContainerRegistryReadOnly"
    },
    var.iam_role_additional_policies,
  ) : {}

  role       = aws_iam_role.this[0].name
  policy_arn = each.value
}

################################################################################
# Node security group
################################################################################

resource "aws_security_group" "node" {
  count = local.create && var.create_node_security_group ? 1 : 0

  name_prefix = "${local.name}-node-"
  description = "EKS nodes of ${var.cluster_name} (${local.name})"
  vpc_id      = var.vpc_id

  tags = merge({ Name = "${local.name}-node" }, var.tags)

  lifecycle {
    create_before_destroy = true

    precondition {
      condition     = var.vpc_id != null
      error_message = "create_node_security_group needs vpc_id (the VPC of the cluster)."
    }
  }
}

# Keys are fixed names: the group IDs may be unknown at plan time.
resource "aws_vpc_security_group_ingress_rule" "node" {
  for_each = local.create && var.create_node_security_group ? {
    nodes           = { description = "All traffic between the module's nodes (pods, Spark shuffle)", protocol = "-1", from = null, to = null, self = true }
    cluster_https   = { description = "Control plane to webhooks and metrics on the nodes", protocol = "tcp", from = 443, to = 443, self = false }
    cluster_kubelet = { description = "Control plane to kubelet", protocol = "tcp", from = 10250, to = 10250, self = false }
  } : {}

  security_group_id            = aws_security_group.node[0].id
  description                  = each.value.description
  ip_protocol                  = each.value.protocol
  from_port                    = each.value.from
  to_port                      = each.value.to
  referenced_security_group_id = each.value.self ? aws_security_group.node[0].id : var.cluster_security_group_id

  tags = merge({ Name = "${local.name}-node-${each.key}" }, var.tags)
}

resource "aws_vpc_security_group_egress_rule" "node" {
  count = local.create && var.create_node_security_group ? 1 : 0

  security_group_id = aws_security_group.node[0].id
  description       = "Nodes to the control plane, AWS APIs (endpoints or NAT) and image registries"
  ip_protocol       = "-1"
  cidr_ipv4         = "0.0.0.0/0"

  tags = merge({ Name = "${local.name}-node-egress" }, var.tags)
}

################################################################################
# Launch templates: IMDSv2 required, encrypted gp3 root volume
################################################################################

resource "aws_launch_template" "this" {
  for_each = local.create ? local.group_defs : {}

  name                   = var.use_name_prefix ? null : "${local.name}-${each.key}"
  name_prefix            = var.use_name_prefix ? "${local.name}-${each.key}-" : null
  description            = "EKS managed node group ${local.name}-${each.key}"
  update_default_version = true
  user_data              = local.user_data[each.key] == null ? null : base64encode(local.user_data[each.key])
  vpc_security_group_ids = local.node_security_group_ids

  metadata_options {
    http_endpoint               = "enabled"
    http_tokens                 = "required"
    http_put_response_hop_limit = var.metadata_http_put_response_hop_limit
    instance_metadata_tags      = "disabled"
  }

  block_device_mappings {
    # Bottlerocket keeps its OS on /dev/xvda and containers on the data volume /dev/xvdb.
    device_name = startswith(each.value.ami_type, "BOTTLEROCKET") ? "/dev/xvdb" : "/dev/xvda"

    ebs {
      volume_size           = each.value.disk_size
      volume_type           = "gp3"
      iops                  = var.root_volume.iops
      throughput            = var.root_volume.throughput
      encrypted             = true
      kms_key_id            = var.root_volume.kms_key_arn
      delete_on_termination = true
    }
  }

  dynamic "tag_specifications" {
    for_each = toset(["instance", "volume", "network-interface"])

    content {
      resource_type = tag_specifications.value
      tags          = merge({ Name = "${local.name}-${each.key}" }, var.tags, each.value.tags)
    }
  }

  tags = merge({ Name = "${local.name}-${each.key}" }, var.tags, each.value.tags)

  lifecycle {
    create_before_destroy = true

    precondition {
      # Naming security groups in a launch template replaces the cluster security group EKS would attach
      # ("Customizing managed nodes with launch templates", EKS User Guide): it must be named too.
      condition     = !local.custom_security_groups || var.cluster_security_group_id != null
      error_message = "create_node_security_group / node_security_group_ids need cluster_security_group_id: launch templates that name security groups replace the cluster security group, and nodes without it cannot reach the control plane."
    }
  }
}

################################################################################
# Managed node groups
################################################################################

# The size each group should have: its current size (the cluster autoscaler's) clamped into the configured
# bounds, or the initial size for a group that does not exist yet. Read during plan (the cluster name and the
# group names or prefixes are known then), so plans stay empty while the autoscaler works and a raised
# min_size (or lowered max_size) is applied in one apply, which EKS would refuse under ignore_changes.
data "logexaminer_eks_node_group_scaling" "this" {
  count = local.create && length(local.node_groups) > 0 ? 1 : 0

  cluster_name = var.cluster_name
  node_groups = {
    for k, ng in local.node_groups : k => {
      name         = var.use_name_prefix ? null : ng.name
      name_prefix  = var.use_name_prefix ? "${ng.name}-" : null
      min_size     = local.group_defs[ng.kind].min_size
      max_size     = local.group_defs[ng.kind].max_size
      desired_size = local.group_defs[ng.kind].desired_size
    }
  }
}

resource "aws_eks_node_group" "this" {
  for_each = local.create ? local.node_groups : {}

  cluster_name           = var.cluster_name
  node_group_name        = var.use_name_prefix ? null : each.value.name
  node_group_name_prefix = var.use_name_prefix ? "${each.value.name}-" : null
  node_role_arn          = local.node_role_arn
  subnet_ids             = each.value.subnet_ids
  version                = var.kubernetes_version

  ami_type       = local.group_defs[each.value.kind].ami_type
  capacity_type  = local.group_defs[each.value.kind].capacity_type
  instance_types = local.group_defs[each.value.kind].instance_types
  labels         = local.group_defs[each.value.kind].labels

  dynamic "taint" {
    for_each = local.group_defs[each.value.kind].taints

    content {
      key    = taint.value.key
      value  = taint.value.value
      effect = taint.value.effect
    }
  }

  scaling_config {
    min_size     = local.group_defs[each.value.kind].min_size
    max_size     = local.group_defs[each.value.kind].max_size
    desired_size = lookup(data.logexaminer_eks_node_group_scaling.this[0].desired_sizes, each.key, local.group_defs[each.value.kind].desired_size)
  }

  update_config {
    max_unavailable_percentage = local.group_defs[each.value.kind].max_unavailable_percentage
  }

  launch_template {
    id      = aws_launch_template.this[each.value.kind].id
    version = aws_launch_template.this[each.value.kind].latest_version
  }

  tags = merge(
    { Name = each.value.name },
    var.tags,
    local.group_defs[each.value.kind].tags,
    var.create_autoscaler_tags ? local.autoscaler_tags[each.key] : {},
  )

  lifecycle {
    # No ignore_changes on the desired size: it comes from logexaminer_eks_node_group_scaling, which keeps the
    # cluster autoscaler's size.
    create_before_destroy = true

    precondition {
      condition     = var.use_name_prefix ? length("${each.value.name}-") <= 37 : length(each.value.name) <= 63
      error_message = "The node group name ${each.value.name} is too long: EKS allows 63 characters (37 for a name prefix). Use a shorter name."
    }
  }

  depends_on = [aws_iam_role_policy_attachment.this]
}

# Managed node groups do not copy their tags to the Auto Scaling group; the cluster autoscaler reads them there.
resource "aws_autoscaling_group_tag" "this" {
  for_each = local.create && var.create_autoscaler_tags ? local.asg_tags : {}

  autoscaling_group_name = aws_eks_node_group.this[each.value.node_group].resources[0].autoscaling_groups[0].name

  tag {
    key                 = each.value.key
    value               = each.value.value
    propagate_at_launch = false
  }
}
