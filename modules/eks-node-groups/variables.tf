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

variable "spark_executor_node_group" {
  description = "Spark executor node group: SPOT capacity over several instance types, scaling from zero, labelled and tainted so only Spark executors land there. Sizes apply to each node group created from it (one per zone when `one_group_per_az`). `enabled = false` creates none."
  type = object({
    enabled                    = optional(bool, true)
    instance_types             = optional(list(string), ["m5.large", "c5.xlarge", "r5.large"])
    capacity_type              = optional(string, "SPOT")
    ami_type                   = optional(string, "AL2023_x86_64_STANDARD")
    min_size                   = optional(number, 0)
    max_size                   = optional(number, 50)
    desired_size               = optional(number, 0)
    max_unavailable_percentage = optional(number, 33)
    disk_size                  = optional(number, 100)
    labels                     = optional(map(string), { "logexaminer.io/workload" = "spark-executor" })
    taints = optional(list(object({
      key    = string
      value  = optional(string)
      effect = string
    })), [{ key = "logexaminer.io/spark-executor", value = "true", effect = "NO_SCHEDULE" }])
    tags = optional(map(string), {})
  })
  default  = {}
  nullable = false

  validation {
    condition     = length(var.spark_executor_node_group.instance_types) >= 1 && length(distinct(var.spark_executor_node_group.instance_types)) == length(var.spark_executor_node_group.instance_types)
    error_message = "spark_executor_node_group.instance_types must list at least one instance type, without repeats."
  }

  validation {
    condition     = alltrue([for t in var.spark_executor_node_group.instance_types : can(regex("^[a-z][a-z0-9-]*[0-9][a-z0-9-]*\\.(nano|micro|small|medium|large|metal|[0-9]*xlarge|metal-[0-9]+xl)$", t))])
    error_message = "spark_executor_node_group.instance_types entries must be EC2 instance types such as m5.large or c5.xlarge (family.size)."
  }

  validation {
    condition     = contains(["ON_DEMAND", "SPOT", "CAPACITY_BLOCK"], var.spark_executor_node_group.capacity_type)
    error_message = "spark_executor_node_group.capacity_type must be ON_DEMAND, SPOT or CAPACITY_BLOCK."
  }

  validation {
    condition     = contains(local.valid_ami_types, var.spark_executor_node_group.ami_type)
    error_message = "spark_executor_node_group.ami_type must be an EKS AMI type such as AL2023_x86_64_STANDARD, AL2023_ARM_64_STANDARD or BOTTLEROCKET_x86_64 (AL2 types are not supported from Kubernetes 1.33)."
  }

  validation {
    condition = alltrue([
      for t in var.spark_executor_node_group.instance_types :
      can(regex("ARM_64", var.spark_executor_node_group.ami_type)) == can(regex("^(a1|[a-z]+[0-9]+g[a-z0-9-]*)\\.", t))
    ])
    error_message = "spark_executor_node_group.instance_types must match the architecture of ami_type: Graviton types (m6g, c7g, r8g, ...) need an ARM_64 AMI type, other types an x86_64 one."
  }

  validation {
    condition = alltrue([
      for n in [var.spark_executor_node_group.min_size, var.spark_executor_node_group.max_size, var.spark_executor_node_group.desired_size] : floor(n) == n
    ])
    error_message = "spark_executor_node_group sizes must be whole numbers."
  }

  validation {
    condition     = var.spark_executor_node_group.min_size >= 0 && var.spark_executor_node_group.max_size >= 1 && var.spark_executor_node_group.max_size <= 450
    error_message = "spark_executor_node_group needs min_size >= 0 and 1 <= max_size <= 450 (the EKS limit of nodes per managed node group)."
  }

  validation {
    condition     = var.spark_executor_node_group.min_size <= var.spark_executor_node_group.desired_size && var.spark_executor_node_group.desired_size <= var.spark_executor_node_group.max_size
    error_message = "spark_executor_node_group must satisfy min_size <= desired_size <= max_size."
  }

  validation {
    condition     = var.spark_executor_node_group.max_unavailable_percentage >= 1 && var.spark_executor_node_group.max_unavailable_percentage <= 100 && floor(var.spark_executor_node_group.max_unavailable_percentage) == var.spark_executor_node_group.max_unavailable_percentage
    error_message = "spark_executor_node_group.max_unavailable_percentage must be a whole number from 1 to 100."
  }

  validation {
    condition     = var.spark_executor_node_group.disk_size >= 20 && var.spark_executor_node_group.disk_size <= 16384 && floor(var.spark_executor_node_group.disk_size) == var.spark_executor_node_group.disk_size
    error_message = "spark_executor_node_group.disk_size must be a whole number of GiB from 20 (the EKS AMI snapshot size) to 16384 (the gp3 maximum)."
  }

  validation {
    condition = alltrue([
      for k, v in var.spark_executor_node_group.labels :
      can(regex("^(([a-z0-9]([-a-z0-9]*[a-z0-9])?)(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$", k)) &&
      length(split("/", k)[0]) <= 253 &&
      can(regex("^([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?$", v)) &&
      !startswith(k, "kubernetes.io/") && !startswith(k, "k8s.io/") && !startswith(k, "eks.amazonaws.com/")
    ])
    error_message = "spark_executor_node_group.labels must be Kubernetes labels: key [prefix/]name with name <= 63 characters, value <= 63 characters of [A-Za-z0-9-_.] starting and ending alphanumeric; the kubernetes.io/, k8s.io/ and eks.amazonaws.com/ prefixes are reserved."
  }

  validation {
    condition     = length(var.spark_executor_node_group.taints) <= 50
    error_message = "spark_executor_node_group.taints: EKS allows at most 50 taints per node group."
  }

  validation {
    condition = alltrue([
      for t in var.spark_executor_node_group.taints :
      can(regex("^(([a-z0-9]([-a-z0-9]*[a-z0-9])?)(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$", t.key)) &&
      (t.value == null ? true : can(regex("^([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?$", t.value))) &&
      contains(["NO_SCHEDULE", "NO_EXECUTE", "PREFER_NO_SCHEDULE"], t.effect)
    ])
    error_message = "spark_executor_node_group.taints: key must be a Kubernetes key ([prefix/]name, name <= 63 characters), value at most 63 characters of [A-Za-z0-9-_.], effect NO_SCHEDULE, NO_EXECUTE or PREFER_NO_SCHEDULE."
  }

  validation {
    condition     = length(distinct([for t in var.spark_executor_node_group.taints : "${t.key}:${t.effect}"])) == length(var.spark_executor_node_group.taints)
    error_message = "spark_executor_node_group.taints must not repeat a key with the same effect."
  }
}

variable "system_node_group" {
  description = "System node group: ON_DEMAND capacity for cluster add-ons and the Spark drivers, never scaled to zero. Sizes apply to each node group created from it (one per zone when `one_group_per_az`). `enabled = false` creates none."
  type = object({
    enabled                    = optional(bool, true)
    instance_types             = optional(list(string), ["m5.large"])
    capacity_type              = optional(string, "ON_DEMAND")
    ami_type                   = optional(string, "AL2023_x86_64_STANDARD")
    min_size                   = optional(number, 2)
    max_size                   = optional(number, 10)
    desired_size               = optional(number, 2)
    max_unavailable_percentage = optional(number, 33)
    disk_size                  = optional(number, 50)
    labels                     = optional(map(string), { "logexaminer.io/workload" = "system" })
    taints = optional(list(object({
      key    = string
      value  = optional(string)
      effect = string
    })), [])
    tags = optional(map(string), {})
  })
  default  = {}
  nullable = false

  validation {
    condition     = length(var.system_node_group.instance_types) >= 1 && length(distinct(var.system_node_group.instance_types)) == length(var.system_node_group.instance_types)
    error_message = "system_node_group.instance_types must list at least one instance type, without repeats."
  }

  validation {
    condition     = alltrue([for t in var.system_node_group.instance_types : can(regex("^[a-z][a-z0-9-]*[0-9][a-z0-9-]*\\.(nano|micro|small|medium|large|metal|[0-9]*xlarge|metal-[0-9]+xl)$", t))])
    error_message = "system_node_group.instance_types entries must be EC2 instance types such as m5.large or c5.xlarge (family.size)."
  }

  validation {
    condition     = contains(["ON_DEMAND", "SPOT", "CAPACITY_BLOCK"], var.system_node_group.capacity_type)
    error_message = "system_node_group.capacity_type must be ON_DEMAND, SPOT or CAPACITY_BLOCK."
  }

  validation {
    condition     = contains(local.valid_ami_types, var.system_node_group.ami_type)
    error_message = "system_node_group.ami_type must be an EKS AMI type such as AL2023_x86_64_STANDARD, AL2023_ARM_64_STANDARD or BOTTLEROCKET_x86_64 (AL2 types are not supported from Kubernetes 1.33)."
  }

  validation {
    condition = alltrue([
      for t in var.system_node_group.instance_types :
      can(regex("ARM_64", var.system_node_group.ami_type)) == can(regex("^(a1|[a-z]+[0-9]+g[a-z0-9-]*)\\.", t))
    ])
    error_message = "system_node_group.instance_types must match the architecture of ami_type: Graviton types (m6g, c7g, r8g, ...) need an ARM_64 AMI type, other types an x86_64 one."
  }

  validation {
    condition = alltrue([
      for n in [var.system_node_group.min_size, var.system_node_group.max_size, var.system_node_group.desired_size] : floor(n) == n
    ])
    error_message = "system_node_group sizes must be whole numbers."
  }

  validation {
    condition     = var.system_node_group.min_size >= 0 && var.system_node_group.max_size >= 1 && var.system_node_group.max_size <= 450
    error_message = "system_node_group needs min_size >= 0 and 1 <= max_size <= 450 (the EKS limit of nodes per managed node group)."
  }

  validation {
    condition     = var.system_node_group.min_size <= var.system_node_group.desired_size && var.system_node_group.desired_size <= var.system_node_group.max_size
    error_message = "system_node_group must satisfy min_size <= desired_size <= max_size."
  }

  validation {
    condition     = var.system_node_group.max_unavailable_percentage >= 1 && var.system_node_group.max_unavailable_percentage <= 100 && floor(var.system_node_group.max_unavailable_percentage) == var.system_node_group.max_unavailable_percentage
    error_message = "system_node_group.max_unavailable_percentage must be a whole number from 1 to 100."
  }

  validation {
    condition     = var.system_node_group.disk_size >= 20 && var.system_node_group.disk_size <= 16384 && floor(var.system_node_group.disk_size) == var.system_node_group.disk_size
    error_message = "system_node_group.disk_size must be a whole number of GiB from 20 (the EKS AMI snapshot size) to 16384 (the gp3 maximum)."
  }

  validation {
    condition = alltrue([
      for k, v in var.system_node_group.labels :
      can(regex("^(([a-z0-9]([-a-z0-9]*[a-z0-9])?)(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$", k)) &&
      length(split("/", k)[0]) <= 253 &&
      can(regex("^([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?$", v)) &&
      !startswith(k, "kubernetes.io/") && !startswith(k, "k8s.io/") && !startswith(k, "eks.amazonaws.com/")
    ])
    error_message = "system_node_group.labels must be Kubernetes labels: key [prefix/]name with name <= 63 characters, value <= 63 characters of [A-Za-z0-9-_.] starting and ending alphanumeric; the kubernetes.io/, k8s.io/ and eks.amazonaws.com/ prefixes are reserved."
  }

  validation {
    condition     = length(var.system_node_group.taints) <= 50
    error_message = "system_node_group.taints: EKS allows at most 50 taints per node group."
  }

  validation {
    condition = alltrue([
      for t in var.system_node_group.taints :
      can(regex("^(([a-z0-9]([-a-z0-9]*[a-z0-9])?)(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$", t.key)) &&
      (t.value == null ? true : can(regex("^([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?$", t.value))) &&
      contains(["NO_SCHEDULE", "NO_EXECUTE", "PREFER_NO_SCHEDULE"], t.effect)
    ])
    error_message = "system_node_group.taints: key must be a Kubernetes key ([prefix/]name, name <= 63 characters), value at most 63 characters of [A-Za-z0-9-_.], effect NO_SCHEDULE, NO_EXECUTE or PREFER_NO_SCHEDULE."
  }

  validation {
    condition     = length(distinct([for t in var.system_node_group.taints : "${t.key}:${t.effect}"])) == length(var.system_node_group.taints)
    error_message = "system_node_group.taints must not repeat a key with the same effect."
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
