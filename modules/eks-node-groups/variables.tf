################################################################################
# General
################################################################################

variable "create" {
  description = "Whether to create any resource in this module."
  type        = bool
  default     = true
  nullable    = false
}

variable "cluster_name" {
  description = "Name of the existing EKS cluster the node groups join."
  type        = string
  nullable    = false

  validation {
    condition     = can(regex("^[0-9A-Za-z][A-Za-z0-9_-]{0,99}$", var.cluster_name))
    error_message = "cluster_name must be 1-100 characters, start with a letter or digit, and contain only letters, digits, '-' and '_'."
  }
}

variable "name" {
  description = "Name used for the node groups (`<name>-<group>[-<zone suffix such as 1a>]`), launch templates and IAM role. Null uses `cluster_name`."
  type        = string
  default     = null

  validation {
    condition     = var.name == null ? true : can(regex("^[0-9A-Za-z][A-Za-z0-9_-]{0,39}$", var.name))
    error_message = "name must be 1-40 characters, start with a letter or digit, and contain only letters, digits, '-' and '_' (node group names are limited to 63 characters)."
  }
}

variable "use_name_prefix" {
  description = "Whether to use the names as prefixes (a unique suffix is added), so replacements can be created before the old node group is destroyed."
  type        = bool
  default     = true
  nullable    = false
}

variable "kubernetes_version" {
  description = "Kubernetes version of the nodes, e.g. `1.33`. Null follows the cluster's version."
  type        = string
  default     = null

  validation {
    condition     = var.kubernetes_version == null ? true : can(regex("^1\\.[0-9]{2}$", var.kubernetes_version))
    error_message = "kubernetes_version must be a minor version such as 1.33."
  }
}

variable "subnet_ids_by_az" {
  description = "Private subnet IDs keyed by availability zone (e.g. the `private_subnet_ids_by_az` output of modules/vpc). Keys must be known at plan time."
  type        = map(string)
  nullable    = false

  validation {
    condition     = length(var.subnet_ids_by_az) >= 1
    error_message = "subnet_ids_by_az must contain at least one subnet."
  }

  validation {
    condition     = alltrue([for az in keys(var.subnet_ids_by_az) : can(regex("^[a-z]{2}(-[a-z]+)+-[0-9]+[a-z]$", az))])
    error_message = "subnet_ids_by_az keys must be availability zone names such as eu-west-1a."
  }

  validation {
    condition     = alltrue([for id in values(var.subnet_ids_by_az) : can(regex("^subnet-[0-9a-f]{8,17}$", id))])
    error_message = "subnet_ids_by_az values must be subnet IDs such as subnet-0123456789abcdef0."
  }
}

variable "one_group_per_az" {
  description = "Whether to create one node group per availability zone (each pinned to its zone's subnet) instead of one group spanning all zones. Needed for workloads with zonal volumes and for the cluster autoscaler's zone balancing."
  type        = bool
  default     = false
  nullable    = false
}

variable "tags" {
  description = "Tags added to every resource."
  type        = map(string)
  default     = {}
  nullable    = false

  validation {
    condition     = alltrue([for k, v in var.tags : length(k) >= 1 && length(k) <= 128 && length(v) <= 256 && !startswith(lower(k), "aws:")])
    error_message = "Tag keys must be 1-128 characters and not start with \"aws:\"; values at most 256 characters."
  }
}

################################################################################
# Node groups
################################################################################

variable "node_groups" {
  description = <<-EOT
    The node groups, keyed by a short name used in resource keys and names (`<name>-<key>[-<zone suffix>]`); any
    number of them. The default is the LogExaminer layout: `spark-executor` (SPOT over m5.large, c5.xlarge and
    r5.large, 0..50 nodes, scaling from zero, labelled and tainted so only Spark executors land there) and
    `system` (ON_DEMAND m5.large, 2..10 nodes, for add-ons and Spark drivers). Sizes apply to each node group
    created from an entry (one per zone when `one_group_per_az`). `desired_size` (default `min_size`) is the
    size at creation; afterwards the cluster autoscaler owns it (see the README on raising `min_size`).
    `user_data`: for AL2023 AMI types a `nodeadm` NodeConfig (YAML) and/or a shell script run before the node
    joins, which the module wraps in the MIME multi-part document EKS merges with its own; for Bottlerocket the
    TOML settings. `enabled = false` keeps an entry without creating it.
  EOT
  type = map(object({
    enabled                    = optional(bool, true)
    instance_types             = list(string)
    capacity_type              = optional(string, "ON_DEMAND")
    ami_type                   = optional(string, "AL2023_x86_64_STANDARD")
    min_size                   = optional(number, 1)
    max_size                   = optional(number, 3)
    desired_size               = optional(number)
    max_unavailable_percentage = optional(number, 33)
    disk_size                  = optional(number, 50)
    labels                     = optional(map(string), {})
    taints = optional(list(object({
      key    = string
      value  = optional(string)
      effect = string
    })), [])
    user_data = optional(object({
      nodeadm_config        = optional(string)
      pre_bootstrap_script  = optional(string)
      bottlerocket_settings = optional(string)
    }), {})
    tags = optional(map(string), {})
  }))
  default = {
    "spark-executor" = {
      instance_types = ["m5.large", "c5.xlarge", "r5.large"]
      capacity_type  = "SPOT"
      min_size       = 0
      max_size       = 50
      disk_size      = 100
      labels         = { "logexaminer.io/workload" = "spark-executor" }
      taints         = [{ key = "logexaminer.io/spark-executor", value = "true", effect = "NO_SCHEDULE" }]
    }
    "system" = {
      instance_types = ["m5.large"]
      min_size       = 2
      max_size       = 10
      labels         = { "logexaminer.io/workload" = "system" }
    }
  }
  nullable = false

  validation {
    condition     = alltrue([for k, g in var.node_groups : can(regex("^[a-z0-9][a-z0-9-]{0,19}$", k))])
    error_message = "node_groups keys must be 1-20 characters of lower-case letters, digits and '-', starting with a letter or digit (they become part of node group names): ${join(", ", [for k, g in var.node_groups : k if !can(regex("^[a-z0-9][a-z0-9-]{0,19}$", k))])}."
  }

  validation {
    condition     = alltrue([for k, g in var.node_groups : length(g.instance_types) >= 1 && length(distinct(g.instance_types)) == length(g.instance_types)])
    error_message = "node_groups: instance_types must list at least one instance type, without repeats (${join(", ", [for k, g in var.node_groups : k if !(length(g.instance_types) >= 1 && length(distinct(g.instance_types)) == length(g.instance_types))])})."
  }

  validation {
    condition     = alltrue(flatten([for k, g in var.node_groups : [for t in g.instance_types : can(regex("^[a-z][a-z0-9-]*[0-9][a-z0-9-]*\\.(nano|micro|small|medium|large|metal|[0-9]*xlarge|metal-[0-9]+xl)$", t))]]))
    error_message = "node_groups: instance_types entries must be EC2 instance types such as m5.large or c5.xlarge (family.size)."
  }

  validation {
    # EKS allows at most 20 instance types per managed node group (CreateNodegroup, instanceTypes).
    condition     = alltrue([for k, g in var.node_groups : length(g.instance_types) <= 20])
    error_message = "node_groups: EKS allows at most 20 instance types per node group."
  }

  validation {
    condition     = alltrue([for k, g in var.node_groups : contains(["ON_DEMAND", "SPOT", "CAPACITY_BLOCK"], g.capacity_type)])
    error_message = "node_groups: capacity_type must be ON_DEMAND, SPOT or CAPACITY_BLOCK."
  }

  validation {
    condition     = alltrue([for k, g in var.node_groups : contains(local.valid_ami_types, g.ami_type)])
    error_message = "node_groups: ami_type must be an EKS AMI type such as AL2023_x86_64_STANDARD, AL2023_ARM_64_STANDARD or BOTTLEROCKET_x86_64 (AL2 types are not supported from Kubernetes 1.33)."
  }

  validation {
    # One node group runs one AMI, so all its instance types share one architecture (EKS "Managed node groups":
    # instance types of a node group must have the same architecture).
    condition = alltrue(flatten([
      for k, g in var.node_groups : [
        for t in g.instance_types : can(regex("ARM_64", g.ami_type)) == can(regex("^(a1|[a-z]+[0-9]+g[a-z0-9-]*)\\.", t))
      ]
    ]))
    error_message = "node_groups: instance_types must match the architecture of ami_type: Graviton types (m6g, c7g, r8g, ...) need an ARM_64 AMI type, other types an x86_64 one."
  }

  validation {
    condition = alltrue(flatten([
      for k, g in var.node_groups : [for n in [g.min_size, g.max_size, coalesce(g.desired_size, g.min_size)] : floor(n) == n]
    ]))
    error_message = "node_groups: sizes must be whole numbers."
  }

  validation {
    condition     = alltrue([for k, g in var.node_groups : g.min_size >= 0 && g.max_size >= 1 && g.max_size <= 450])
    error_message = "node_groups: each needs min_size >= 0 and 1 <= max_size <= 450 (the EKS limit of nodes per managed node group)."
  }

  validation {
    condition     = alltrue([for k, g in var.node_groups : g.min_size <= coalesce(g.desired_size, g.min_size) && coalesce(g.desired_size, g.min_size) <= g.max_size])
    error_message = "node_groups: each must satisfy min_size <= desired_size <= max_size (${join(", ", [for k, g in var.node_groups : k if !(g.min_size <= coalesce(g.desired_size, g.min_size) && coalesce(g.desired_size, g.min_size) <= g.max_size)])})."
  }

  validation {
    condition     = alltrue([for k, g in var.node_groups : g.max_unavailable_percentage >= 1 && g.max_unavailable_percentage <= 100 && floor(g.max_unavailable_percentage) == g.max_unavailable_percentage])
    error_message = "node_groups: max_unavailable_percentage must be a whole number from 1 to 100."
  }

  validation {
    condition     = alltrue([for k, g in var.node_groups : g.disk_size >= 20 && g.disk_size <= 16384 && floor(g.disk_size) == g.disk_size])
    error_message = "node_groups: disk_size must be a whole number of GiB from 20 (the EKS AMI snapshot size) to 16384 (the gp3 maximum)."
  }

  validation {
    condition = alltrue(flatten([
      for k, g in var.node_groups : [
        for lk, lv in g.labels :
        can(regex("^(([a-z0-9]([-a-z0-9]*[a-z0-9])?)(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$", lk)) &&
        length(split("/", lk)[0]) <= 253 &&
        can(regex("^([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?$", lv)) &&
        !startswith(lk, "kubernetes.io/") && !startswith(lk, "k8s.io/") && !startswith(lk, "eks.amazonaws.com/")
      ]
    ]))
    error_message = "node_groups: labels must be Kubernetes labels: key [prefix/]name with name <= 63 characters, value <= 63 characters of [A-Za-z0-9-_.] starting and ending alphanumeric; the kubernetes.io/, k8s.io/ and eks.amazonaws.com/ prefixes are reserved."
  }

  validation {
    condition     = alltrue([for k, g in var.node_groups : length(g.taints) <= 50])
    error_message = "node_groups: EKS allows at most 50 taints per node group."
  }

  validation {
    condition = alltrue(flatten([
      for k, g in var.node_groups : [
        for t in g.taints :
        can(regex("^(([a-z0-9]([-a-z0-9]*[a-z0-9])?)(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$", t.key)) &&
        (t.value == null ? true : can(regex("^([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?$", t.value))) &&
        contains(["NO_SCHEDULE", "NO_EXECUTE", "PREFER_NO_SCHEDULE"], t.effect)
      ]
    ]))
    error_message = "node_groups: taint keys must be Kubernetes keys ([prefix/]name, name <= 63 characters), values at most 63 characters of [A-Za-z0-9-_.], effects NO_SCHEDULE, NO_EXECUTE or PREFER_NO_SCHEDULE."
  }

  validation {
    condition     = alltrue([for k, g in var.node_groups : length(distinct([for t in g.taints : "${t.key}:${t.effect}"])) == length(g.taints)])
    error_message = "node_groups: taints must not repeat a key with the same effect."
  }

  validation {
    # AL2023 nodes read nodeadm's NodeConfig and shell scripts from a MIME multi-part document; Bottlerocket
    # reads TOML settings ("Customizing managed nodes with launch templates", EKS User Guide).
    condition = alltrue([
      for k, g in var.node_groups :
      startswith(g.ami_type, "BOTTLEROCKET")
      ? g.user_data.nodeadm_config == null && g.user_data.pre_bootstrap_script == null
      : g.user_data.bottlerocket_settings == null
    ])
    error_message = "node_groups: user_data.bottlerocket_settings is for BOTTLEROCKET_* AMI types only, and nodeadm_config / pre_bootstrap_script for AL2023_* AMI types only (${join(", ", [for k, g in var.node_groups : k if !(startswith(g.ami_type, "BOTTLEROCKET") ? g.user_data.nodeadm_config == null && g.user_data.pre_bootstrap_script == null : g.user_data.bottlerocket_settings == null)])})."
  }

  validation {
    condition = alltrue([
      for k, g in var.node_groups :
      g.user_data.nodeadm_config == null ? true : strcontains(g.user_data.nodeadm_config, "apiVersion: node.eks.aws/") && strcontains(g.user_data.nodeadm_config, "kind: NodeConfig")
    ])
    error_message = "node_groups: user_data.nodeadm_config must be a nodeadm NodeConfig document (apiVersion: node.eks.aws/v1alpha1, kind: NodeConfig)."
  }

  validation {
    condition = alltrue([
      for k, g in var.node_groups :
      g.user_data.pre_bootstrap_script == null ? true : startswith(g.user_data.pre_bootstrap_script, "#!")
    ])
    error_message = "node_groups: user_data.pre_bootstrap_script must start with an interpreter line such as #!/bin/bash."
  }

  validation {
    # EC2 limits user data to 16 KB before base64 encoding (RunInstances, UserData); the MIME framing the module
    # adds is counted in.
    condition = alltrue([
      for k, g in var.node_groups :
      sum([for part in [g.user_data.nodeadm_config, g.user_data.pre_bootstrap_script, g.user_data.bottlerocket_settings] : part == null ? 0 : length(part)]) <= 15872
    ])
    error_message = "node_groups: user_data may be at most 15872 characters in all (EC2 allows 16 KB of user data, and the module's MIME framing needs the rest)."
  }
}

variable "create_autoscaler_tags" {
  description = "Whether to tag the node groups' Auto Scaling groups with the cluster-autoscaler discovery and `node-template` label/taint tags, so a group can scale up from zero (managed node groups do not propagate them)."
  type        = bool
  default     = true
  nullable    = false
}

################################################################################
# Launch template
################################################################################

variable "root_volume" {
  description = "Root volume of the nodes (always gp3 and encrypted): `iops` 3000-16000, `throughput` 125-1000 MiB/s and at most iops/4, `kms_key_arn` null for the account's default EBS key."
  type = object({
    iops        = optional(number, 3000)
    throughput  = optional(number, 125)
    kms_key_arn = optional(string)
  })
  default  = {}
  nullable = false

  validation {
    condition     = var.root_volume.iops >= 3000 && var.root_volume.iops <= 16000 && floor(var.root_volume.iops) == var.root_volume.iops
    error_message = "root_volume.iops must be a whole number from 3000 to 16000 for gp3."
  }

  validation {
    condition     = var.root_volume.throughput >= 125 && var.root_volume.throughput <= 1000 && floor(var.root_volume.throughput) == var.root_volume.throughput
    error_message = "root_volume.throughput must be a whole number from 125 to 1000 MiB/s for gp3."
  }

  validation {
    condition     = var.root_volume.throughput <= var.root_volume.iops / 4
    error_message = "root_volume.throughput may be at most iops / 4 MiB/s (gp3 allows 0.25 MiB/s per provisioned IOPS)."
  }

  validation {
    condition     = var.root_volume.kms_key_arn == null ? true : can(regex("^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:(key/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|key/mrk-[0-9a-f]{32}|alias/[A-Za-z0-9/_-]+)$", var.root_volume.kms_key_arn))
    error_message = "root_volume.kms_key_arn must be a KMS key or alias ARN such as arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab."
  }
}

variable "metadata_http_put_response_hop_limit" {
  description = "Hop limit of IMDSv2 responses (IMDSv2 is always required). 1 keeps pods from reaching the node's credentials; 2 lets pods without IRSA or Pod Identity use them."
  type        = number
  default     = 2
  nullable    = false

  validation {
    condition     = var.metadata_http_put_response_hop_limit >= 1 && var.metadata_http_put_response_hop_limit <= 64 && floor(var.metadata_http_put_response_hop_limit) == var.metadata_http_put_response_hop_limit
    error_message = "metadata_http_put_response_hop_limit must be a whole number from 1 to 64."
  }
}

################################################################################
# Node security groups
################################################################################

variable "create_node_security_group" {
  description = "Whether to create a node security group: all traffic between nodes of this module (Spark shuffle, CNI), HTTPS and kubelet (10250) from the cluster security group, all egress. With it (or `node_security_group_ids`) the launch templates name their security groups, so the cluster security group is attached explicitly (`cluster_security_group_id` is then required)."
  type        = bool
  default     = false
  nullable    = false
}

variable "vpc_id" {
  description = "ID of the VPC of the cluster; required when `create_node_security_group`. May be unknown at plan time."
  type        = string
  default     = null

  validation {
    condition     = var.vpc_id == null ? true : can(regex("^vpc-[0-9a-f]{8,17}$", var.vpc_id))
    error_message = "vpc_id must be a VPC ID such as vpc-0123456789abcdef0."
  }
}

variable "cluster_security_group_id" {
  description = "The cluster security group EKS created (the `cluster_security_group_id` output of modules/eks-cluster). Attached to the nodes when the launch templates name security groups, so nodes and control plane keep talking. May be unknown at plan time."
  type        = string
  default     = null

  validation {
    condition     = var.cluster_security_group_id == null ? true : can(regex("^sg-[0-9a-f]{8,17}$", var.cluster_security_group_id))
    error_message = "cluster_security_group_id must be a security group ID such as sg-0123456789abcdef0."
  }
}

variable "node_security_group_ids" {
  description = "Further security groups for every node, keyed by names you choose (the keys must be known at plan time; the IDs need not be)."
  type        = map(string)
  default     = {}
  nullable    = false

  validation {
    condition     = alltrue([for id in values(var.node_security_group_ids) : can(regex("^sg-[0-9a-f]{8,17}$", id))])
    error_message = "node_security_group_ids values must be security group IDs such as sg-0123456789abcdef0."
  }

  validation {
    # The default quota is 5 security groups per network interface (VPC quotas); the module may add two.
    condition     = length(var.node_security_group_ids) <= 3
    error_message = "node_security_group_ids: at most 3, since a network interface takes 5 security groups by default and the module adds the cluster and node groups."
  }
}

################################################################################
# IAM role
################################################################################

variable "create_iam_role" {
  description = "Whether to create the node IAM role (with the worker node, CNI and ECR read-only policies). False uses `iam_role_arn`."
  type        = bool
  default     = true
  nullable    = false
}

variable "iam_role_arn" {
  description = "ARN of an existing node IAM role, used when `create_iam_role` is false."
  type        = string
  default     = null

  validation {
    condition     = var.iam_role_arn == null ? true : can(regex("^arn:aws[a-z-]*:iam::[0-9]{12}:role/[A-Za-z0-9+=,.@_/-]{1,512}$", var.iam_role_arn))
    error_message = "iam_role_arn must be an IAM role ARN such as arn:aws:iam::111122223333:role/eks-nodes."
  }

  validation {
    condition     = var.create_iam_role || var.iam_role_arn != null
    error_message = "iam_role_arn is required when create_iam_role is false."
  }
}

variable "iam_role_permissions_boundary" {
  description = "ARN of a permissions boundary policy for the created node role."
  type        = string
  default     = null

  validation {
    condition     = var.iam_role_permissions_boundary == null ? true : can(regex("^arn:aws[a-z-]*:iam::([0-9]{12}|aws):policy/[A-Za-z0-9+=,.@_/-]+$", var.iam_role_permissions_boundary))
    error_message = "iam_role_permissions_boundary must be an IAM policy ARN."
  }
}

variable "iam_role_additional_policies" {
  description = "Additional policies to attach to the created node role, as a map of static names to policy ARNs (e.g. `{ ssm = \"arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore\" }`)."
  type        = map(string)
  default     = {}
  nullable    = false

  validation {
    condition     = alltrue([for arn in values(var.iam_role_additional_policies) : can(regex("^arn:aws[a-z-]*:iam::([0-9]{12}|aws):policy/[A-Za-z0-9+=,.@_/-]+$", arn))])
    error_message = "iam_role_additional_policies values must be IAM policy ARNs."
  }

  validation {
    condition     = length(var.iam_role_additional_policies) <= 17
    error_message = "IAM allows 20 managed policies per role and the module attaches 3."
  }
}
