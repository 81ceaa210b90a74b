################################################################################
# General
################################################################################

variable "create" {
  description = "Whether to create any resource in this module."
  type        = bool
  default     = true
  nullable    = false
}

variable "name" {
  description = "Name of the EKS cluster; also names the log group (`/aws/eks/<name>/cluster`), the KMS alias, the IAM roles and the security group."
  type        = string
  nullable    = false

  # EKS API reference, CreateCluster: name, 1-100 characters, pattern ^[0-9A-Za-z][A-Za-z0-9\-_]*
  validation {
    condition     = length(var.name) >= 1 && length(var.name) <= 100 && can(regex("^[0-9A-Za-z][A-Za-z0-9_-]*$", var.name))
    error_message = "name must be 1-100 characters, start with a letter or digit, and contain only letters, digits, '-' and '_' (EKS CreateCluster)."
  }
}

variable "use_name_prefix" {
  description = "Whether the IAM roles and the security group take the names as prefixes (a unique suffix is added), so replacements can be created before the old ones are destroyed."
  type        = bool
  default     = true
  nullable    = false
}

variable "tags" {
  description = "Tags added to every resource."
  type        = map(string)
  default     = {}
  nullable    = false

  # Tagging best practices (AWS General Reference): keys 1-128, values 0-256 characters, "aws:" reserved.
  validation {
    condition     = alltrue([for k, v in var.tags : length(k) >= 1 && length(k) <= 128 && length(v) <= 256 && !startswith(lower(k), "aws:")])
    error_message = "Tag keys must be 1-128 characters and not start with \"aws:\"; values at most 256 characters."
  }
}

################################################################################
# Cluster
################################################################################

variable "kubernetes_version" {
  description = "Kubernetes minor version of the control plane, e.g. `1.33`. Null takes the EKS default at creation (and leaves later upgrades to the console or CLI)."
  type        = string
  default     = null

  # EKS API reference, CreateCluster: version is the desired Kubernetes "major.minor" version.
  validation {
    condition     = var.kubernetes_version == null ? true : can(regex("^1\\.[0-9]{2}$", var.kubernetes_version))
    error_message = "kubernetes_version must be a minor version such as 1.33."
  }
}

variable "support_type" {
  description = "Upgrade policy: `STANDARD` (the cluster is upgraded automatically at the end of standard support) or `EXTENDED` (extended support, billed at a higher hourly rate)."
  type        = string
  default     = "STANDARD"
  nullable    = false

  # EKS API reference, UpgradePolicyRequest: supportType STANDARD | EXTENDED.
  validation {
    condition     = contains(["STANDARD", "EXTENDED"], var.support_type)
    error_message = "support_type must be STANDARD or EXTENDED."
  }
}

variable "deletion_protection" {
  description = "Whether EKS refuses to delete the cluster until this is turned off."
  type        = bool
  default     = false
  nullable    = false
}

variable "bootstrap_self_managed_addons" {
  description = "Whether EKS installs its unmanaged vpc-cni, kube-proxy and CoreDNS at creation. False (the default) leaves them to the managed `addons`, so nothing runs that Terraform does not manage. Changing it replaces the cluster."
  type        = bool
  default     = false
  nullable    = false
}

variable "service_ipv4_cidr" {
  description = "CIDR block Kubernetes assigns service IPs from. Null lets EKS pick 10.100.0.0/16 or 172.20.0.0/16. Must not overlap the VPC or networks connected to it."
  type        = string
  default     = null

  # EKS API reference, KubernetesNetworkConfigRequest: serviceIpv4Cidr within 10.0.0.0/8, 172.16.0.0/12 or
  # 192.168.0.0/16, between /24 and /12.
  validation {
    condition = var.service_ipv4_cidr == null ? true : try(
      can(regex("^[0-9]+\\.[0-9]+\\.[0-9]+\\.[0-9]+/[0-9]+$", var.service_ipv4_cidr)) &&
      can(cidrhost(var.service_ipv4_cidr, 0)) &&
      tonumber(split("/", var.service_ipv4_cidr)[1]) >= 12 &&
      tonumber(split("/", var.service_ipv4_cidr)[1]) <= 24 &&
      anytrue([
        for parent in ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"] :
        tonumber(split("/", var.service_ipv4_cidr)[1]) >= tonumber(split("/", parent)[1]) &&
        cidrhost("${split("/", var.service_ipv4_cidr)[0]}/${split("/", parent)[1]}", 0) == split("/", parent)[0]
      ]),
      false
    )
    error_message = "service_ipv4_cidr must be an IPv4 CIDR block from /12 to /24 inside 10.0.0.0/8, 172.16.0.0/12 or 192.168.0.0/16 (e.g. 172.20.0.0/16)."
  }
}

################################################################################
# Network and endpoint access
################################################################################

variable "vpc_id" {
  description = "ID of the VPC of the cluster (for the additional control-plane security group)."
  type        = string
  nullable    = false

  validation {
    condition     = can(regex("^vpc-[0-9a-f]{8,17}$", var.vpc_id))
    error_message = "vpc_id must be a VPC ID such as vpc-0123456789abcdef0."
  }
}

variable "subnet_ids" {
  description = "Subnets for the control plane's network interfaces, usually the private subnets of modules/vpc. EKS requires subnets in at least two availability zones; Terraform cannot see a subnet's zone from its ID at plan time, so give at least one subnet in each of two or more zones (EKS refuses the cluster otherwise)."
  type        = list(string)
  nullable    = false

  # Amazon EKS User Guide, "View Amazon EKS networking requirements for VPC and subnets": subnets in at least two
  # different Availability Zones.
  validation {
    condition     = length(var.subnet_ids) >= 2
    error_message = "subnet_ids must list at least two subnets, in at least two availability zones."
  }

  validation {
    condition     = alltrue([for id in var.subnet_ids : can(regex("^subnet-[0-9a-f]{8,17}$", id))])
    error_message = "subnet_ids entries must be subnet IDs such as subnet-0123456789abcdef0."
  }

  validation {
    condition     = length(distinct(var.subnet_ids)) == length(var.subnet_ids)
    error_message = "subnet_ids must not repeat a subnet."
  }
}

variable "endpoint_public_access" {
  description = "Whether the Kubernetes API has a public endpoint too (the private endpoint is always on). When true, `public_access_cidrs` must list the networks allowed to reach it."
  type        = bool
  default     = false
  nullable    = false
}

variable "public_access_cidrs" {
  description = "IPv4 CIDR blocks allowed to reach the public endpoint (used only when `endpoint_public_access`). `0.0.0.0/0` is refused unless `allow_public_access_from_anywhere`."
  type        = list(string)
  default     = []
  nullable    = false

  validation {
    condition     = alltrue([for c in var.public_access_cidrs : can(cidrhost(c, 0)) && can(regex("^[0-9.]+/[0-9]+$", c))])
    error_message = "public_access_cidrs entries must be IPv4 CIDR blocks such as 203.0.113.0/24."
  }

  # Amazon EKS User Guide, "Amazon EKS service quotas": public endpoint access CIDR ranges per cluster, 40.
  validation {
    condition     = length(var.public_access_cidrs) <= 40
    error_message = "EKS allows at most 40 public access CIDR blocks per cluster."
  }

  validation {
    condition     = var.allow_public_access_from_anywhere || !anytrue([for c in var.public_access_cidrs : try(cidrhost(c, 0) == "0.0.0.0" && endswith(c, "/0"), false)])
    error_message = "public_access_cidrs must not contain 0.0.0.0/0 (the whole internet) unless allow_public_access_from_anywhere is true."
  }

  # EKS opens the public endpoint to 0.0.0.0/0 when no CIDR block is given (EKS API reference, VpcConfigRequest).
  validation {
    condition     = !var.endpoint_public_access || length(var.public_access_cidrs) >= 1
    error_message = "endpoint_public_access needs at least one entry in public_access_cidrs (EKS would otherwise open it to 0.0.0.0/0)."
  }
}

variable "allow_public_access_from_anywhere" {
  description = "Whether `public_access_cidrs` may contain `0.0.0.0/0`. Keep false unless the public endpoint must be reachable from the whole internet."
  type        = bool
  default     = false
  nullable    = false
}

variable "create_security_group" {
  description = "Whether to create an additional security group for the control plane's network interfaces (rules from `security_group_ingress_rules`, never from 0.0.0.0/0). EKS always creates its own cluster security group too (output `cluster_security_group_id`)."
  type        = bool
  default     = true
  nullable    = false
}

variable "security_group_ingress_rules" {
  description = <<-EOT
    Ingress rules of the additional security group, keyed by static names: `description`, `ip_protocol` (default
    `tcp`), `from_port`/`to_port` (default 443, the Kubernetes API) and exactly one source: `cidr_ipv4` (never
    0.0.0.0/0), `referenced_security_group_id` or `prefix_list_id`.
  EOT
  type = map(object({
    description                  = string
    ip_protocol                  = optional(string, "tcp")
    from_port                    = optional(number, 443)
    to_port                      = optional(number, 443)
    cidr_ipv4                    = optional(string)
    referenced_security_group_id = optional(string)
    prefix_list_id               = optional(string)
  }))
  default  = {}
  nullable = false

  validation {
    condition     = alltrue([for k in keys(var.security_group_ingress_rules) : can(regex("^[A-Za-z0-9][A-Za-z0-9_.-]*$", k))])
    error_message = "security_group_ingress_rules keys must start with a letter or digit and contain only letters, digits, '_', '.' and '-'."
  }

  validation {
    condition     = alltrue([for r in values(var.security_group_ingress_rules) : contains(["tcp", "udp", "icmp"], r.ip_protocol)])
    error_message = "security_group_ingress_rules ip_protocol must be tcp, udp or icmp."
  }

  validation {
    condition = alltrue([for r in values(var.security_group_ingress_rules) : (
      r.from_port >= 0 && r.to_port <= 65535 && r.from_port <= r.to_port && floor(r.from_port) == r.from_port && floor(r.to_port) == r.to_port
    )])
    error_message = "security_group_ingress_rules ports must be whole numbers with 0 <= from_port <= to_port <= 65535."
  }

  validation {
    condition     = alltrue([for r in values(var.security_group_ingress_rules) : length([for s in [r.cidr_ipv4, r.referenced_security_group_id, r.prefix_list_id] : s if s != null]) == 1])
    error_message = "Each security_group_ingress_rules entry needs exactly one of cidr_ipv4, referenced_security_group_id and prefix_list_id."
  }

  validation {
    condition     = alltrue([for r in values(var.security_group_ingress_rules) : r.cidr_ipv4 == null ? true : can(cidrhost(r.cidr_ipv4, 0)) && can(regex("^[0-9.]+/[0-9]+$", r.cidr_ipv4))])
    error_message = "security_group_ingress_rules cidr_ipv4 must be an IPv4 CIDR block such as 10.42.0.0/16."
  }

  validation {
    condition     = alltrue([for r in values(var.security_group_ingress_rules) : r.cidr_ipv4 == null ? true : !endswith(r.cidr_ipv4, "/0")])
    error_message = "security_group_ingress_rules must not open the control plane to 0.0.0.0/0."
  }

  validation {
    condition     = alltrue([for r in values(var.security_group_ingress_rules) : r.referenced_security_group_id == null ? true : can(regex("^sg-[0-9a-f]{8,17}$", r.referenced_security_group_id))])
    error_message = "security_group_ingress_rules referenced_security_group_id must be a security group ID such as sg-0123456789abcdef0."
  }

  validation {
    condition     = alltrue([for r in values(var.security_group_ingress_rules) : r.prefix_list_id == null ? true : can(regex("^pl-[0-9a-f]{8,17}$", r.prefix_list_id))])
    error_message = "security_group_ingress_rules prefix_list_id must be a prefix list ID such as pl-0123456789abcdef0."
  }

  # Amazon EC2 API reference, IpPermission: descriptions up to 255 characters of a-z, A-Z, 0-9, spaces and
  # ._-:/()#,@[]+=&;{}!$*.
  validation {
    condition     = alltrue([for r in values(var.security_group_ingress_rules) : length(r.description) <= 255 && can(regex("^[A-Za-z0-9 ._\\-:/()#,@\\[\\]+=&;{}!$*]*$", r.description))])
    error_message = "security_group_ingress_rules descriptions must be at most 255 characters of a-z, A-Z, 0-9, spaces and ._-:/()#,@[]+=&;{}!$*."
  }
}

variable "additional_security_group_ids" {
  description = "IDs of existing security groups to attach to the control plane's network interfaces as well."
  type        = list(string)
  default     = []
  nullable    = false

  validation {
    condition     = alltrue([for id in var.additional_security_group_ids : can(regex("^sg-[0-9a-f]{8,17}$", id))])
    error_message = "additional_security_group_ids entries must be security group IDs such as sg-0123456789abcdef0."
  }
}

################################################################################
# Control-plane logs
################################################################################

variable "enabled_log_types" {
  description = "Control-plane log types sent to CloudWatch Logs (`api`, `audit`, `authenticator`, `controllerManager`, `scheduler`)."
  type        = list(string)
  default     = ["api", "audit", "authenticator"]
  nullable    = false

  # EKS API reference, LogSetup: types api | audit | authenticator | controllerManager | scheduler.
  validation {
    condition     = alltrue([for t in var.enabled_log_types : contains(["api", "audit", "authenticator", "controllerManager", "scheduler"], t)])
    error_message = "enabled_log_types entries must be api, audit, authenticator, controllerManager or scheduler."
  }

  validation {
    condition     = length(distinct(var.enabled_log_types)) == length(var.enabled_log_types)
    error_message = "enabled_log_types must not repeat a log type."
  }
}

variable "log_retention_in_days" {
  description = "Retention of the control-plane log group `/aws/eks/<name>/cluster`, in days (0 keeps the logs forever)."
  type        = number
  default     = 90
  nullable    = false

  # CloudWatch Logs API reference, PutRetentionPolicy: retentionInDays values.
  validation {
    condition     = contains([0, 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.log_retention_in_days)
    error_message = "log_retention_in_days must be a CloudWatch Logs retention value: 0 (never expire), 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288 or 3653."
  }
}

variable "log_kms_key_arn" {
  description = "ARN of a KMS key encrypting the control-plane log group (its key policy must allow the CloudWatch Logs service). Null uses CloudWatch Logs' own encryption."
  type        = string
  default     = null

  # CloudWatch Logs API reference, CreateLogGroup: kmsKeyId is a key ARN (aliases are not accepted).
  validation {
    condition     = var.log_kms_key_arn == null ? true : can(regex("^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|mrk-[0-9a-f]{32})$", var.log_kms_key_arn))
    error_message = "log_kms_key_arn must be a KMS key ARN such as arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab (CloudWatch Logs does not accept aliases)."
  }
}

################################################################################
# Secrets encryption
################################################################################

variable "create_kms_key" {
  description = "Whether to create the KMS key (rotation on, alias `alias/eks/<name>`) for envelope encryption of Kubernetes secrets. False uses `kms_key_arn`."
  type        = bool
  default     = true
  nullable    = false
}

variable "kms_key_arn" {
  description = "ARN of an existing symmetric KMS key for envelope encryption of Kubernetes secrets, used when `create_kms_key` is false. Its key policy must let the cluster role use it."
  type        = string
  default     = null

  # EKS API reference, Provider: keyArn of a symmetric key in the cluster's Region.
  validation {
    condition     = var.kms_key_arn == null ? true : can(regex("^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|mrk-[0-9a-f]{32})$", var.kms_key_arn))
    error_message = "kms_key_arn must be a KMS key ARN such as arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab."
  }

  validation {
    condition     = var.create_kms_key || var.kms_key_arn != null
    error_message = "kms_key_arn is required when create_kms_key is false."
  }

  validation {
    condition     = !(var.create_kms_key && var.kms_key_arn != null)
    error_message = "Give kms_key_arn only with create_kms_key = false."
  }
}

variable "kms_key_deletion_window_in_days" {
  description = "Waiting period before the created KMS key is deleted, in days."
  type        = number
  default     = 30
  nullable    = false

  # AWS KMS API reference, ScheduleKeyDeletion: PendingWindowInDays 7-30.
  validation {
    condition     = var.kms_key_deletion_window_in_days >= 7 && var.kms_key_deletion_window_in_days <= 30 && floor(var.kms_key_deletion_window_in_days) == var.kms_key_deletion_window_in_days
    error_message = "kms_key_deletion_window_in_days must be a whole number from 7 to 30."
  }
}

################################################################################
# Cluster IAM role
################################################################################

variable "create_iam_role" {
  description = "Whether to create the cluster IAM role (trusted by eks.amazonaws.com, with AmazonEKSClusterPolicy). False uses `iam_role_arn`."
  type        = bool
  default     = true
  nullable    = false
}

variable "iam_role_arn" {
  description = "ARN of an existing cluster IAM role, used when `create_iam_role` is false."
  type        = string
  default     = null

  validation {
    condition     = var.iam_role_arn == null ? true : can(regex("^arn:aws[a-z-]*:iam::[0-9]{12}:role/[A-Za-z0-9+=,.@_/-]{1,512}$", var.iam_role_arn))
    error_message = "iam_role_arn must be an IAM role ARN such as arn:aws:iam::111122223333:role/eks-cluster."
  }

  validation {
    condition     = var.create_iam_role || var.iam_role_arn != null
    error_message = "iam_role_arn is required when create_iam_role is false."
  }
}

variable "iam_role_permissions_boundary" {
  description = "ARN of a permissions boundary policy for the IAM roles the module creates (the cluster role and the Pod Identity roles)."
  type        = string
  default     = null

  validation {
    condition     = var.iam_role_permissions_boundary == null ? true : can(regex("^arn:aws[a-z-]*:iam::([0-9]{12}|aws):policy/[A-Za-z0-9+=,.@_/-]+$", var.iam_role_permissions_boundary))
    error_message = "iam_role_permissions_boundary must be an IAM policy ARN."
  }
}

################################################################################
# Access entries
################################################################################

variable "access_entries" {
  description = <<-EOT
    Access entries (the cluster uses the EKS API authentication mode only, and its creator gets no implicit admin),
    keyed by static names: `principal_arn` (IAM role or user), `type` (default `STANDARD`), `kubernetes_groups` (for
    RBAC bindings; not `system:*`) and `policy_associations` keyed by static names: `policy_arn` of an EKS cluster
    access policy (`arn:aws:eks::aws:cluster-access-policy/AmazonEKS...Policy`) and `access_scope` (`type` `cluster`,
    or `namespace` with `namespaces`). Associations are keyed `<entry>/<association>`.
  EOT
  type = map(object({
    principal_arn     = string
    type              = optional(string, "STANDARD")
    kubernetes_groups = optional(list(string), [])
    policy_associations = optional(map(object({
      policy_arn = string
      access_scope = optional(object({
        type       = optional(string, "cluster")
        namespaces = optional(list(string), [])
      }), {})
    })), {})
    tags = optional(map(string), {})
  }))
  default  = {}
  nullable = false

  validation {
    condition = alltrue(flatten([
      for k, e in var.access_entries : concat(
        [can(regex("^[A-Za-z0-9][A-Za-z0-9_.-]*$", k))],
        [for a in keys(e.policy_associations) : can(regex("^[A-Za-z0-9][A-Za-z0-9_.-]*$", a))],
      )
    ]))
    error_message = "access_entries keys and their policy_associations keys must start with a letter or digit and contain only letters, digits, '_', '.' and '-' (no '/', which joins them in association keys)."
  }

  # EKS API reference, CreateAccessEntry: principalArn of an IAM role or IAM user (not an STS assumed-role session).
  validation {
    condition     = alltrue([for e in values(var.access_entries) : can(regex("^arn:aws[a-z-]*:iam::[0-9]{12}:(role|user)/[A-Za-z0-9+=,.@_/-]+$", e.principal_arn))])
    error_message = "access_entries principal_arn must be an IAM role or user ARN such as arn:aws:iam::111122223333:role/platform-admins."
  }

  # EKS API reference, CreateAccessEntry: one access entry per principal (ResourceInUseException otherwise).
  validation {
    condition     = length(distinct([for e in values(var.access_entries) : e.principal_arn])) == length(var.access_entries)
    error_message = "access_entries must not give the same principal_arn twice (EKS allows one access entry per principal)."
  }

  # EKS API reference, CreateAccessEntry: type STANDARD | FARGATE_LINUX | EC2_LINUX | EC2_WINDOWS | EC2 |
  # HYBRID_LINUX | HYPERPOD_LINUX.
  validation {
    condition     = alltrue([for e in values(var.access_entries) : contains(["STANDARD", "FARGATE_LINUX", "EC2_LINUX", "EC2_WINDOWS", "EC2", "HYBRID_LINUX", "HYPERPOD_LINUX"], e.type)])
    error_message = "access_entries type must be STANDARD, FARGATE_LINUX, EC2_LINUX, EC2_WINDOWS, EC2, HYBRID_LINUX or HYPERPOD_LINUX."
  }

  # EKS API reference, CreateAccessEntry: entries of a node type can have neither kubernetesGroups nor access policies.
  validation {
    condition     = alltrue([for e in values(var.access_entries) : e.type == "STANDARD" || (length(e.kubernetes_groups) == 0 && length(e.policy_associations) == 0)])
    error_message = "Only STANDARD access entries may have kubernetes_groups or policy_associations; EKS manages the permissions of node and Fargate entries."
  }

  # Amazon EKS User Guide, "Create access entries": Kubernetes group names must not start with system:.
  validation {
    condition     = alltrue(flatten([for e in values(var.access_entries) : [for g in e.kubernetes_groups : length(g) >= 1 && !startswith(g, "system:")]]))
    error_message = "access_entries kubernetes_groups must be non-empty names that do not start with \"system:\" (EKS refuses them; use a policy association such as AmazonEKSClusterAdminPolicy instead of system:masters)."
  }

  # EKS API reference, AssociateAccessPolicy: policyArn of an EKS cluster access policy.
  validation {
    condition = alltrue(flatten([
      for e in values(var.access_entries) : [
        for a in values(e.policy_associations) : can(regex("^arn:aws[a-z-]*:eks::aws:cluster-access-policy/AmazonEKS[A-Za-z0-9]*Policy$", a.policy_arn))
      ]
    ]))
    error_message = "access_entries policy_arn must be an EKS cluster access policy ARN such as arn:aws:eks::aws:cluster-access-policy/AmazonEKSViewPolicy."
  }

  # EKS API reference, AccessScope: type cluster | namespace; namespaces only (and then at least one) for namespace.
  validation {
    condition = alltrue(flatten([
      for e in values(var.access_entries) : [
        for a in values(e.policy_associations) : contains(["cluster", "namespace"], a.access_scope.type)
      ]
    ]))
    error_message = "access_entries access_scope type must be cluster or namespace."
  }

  validation {
    condition = alltrue(flatten([
      for e in values(var.access_entries) : [
        for a in values(e.policy_associations) : a.access_scope.type == "namespace" ? length(a.access_scope.namespaces) >= 1 : length(a.access_scope.namespaces) == 0
      ]
    ]))
    error_message = "access_entries access_scope needs namespaces when its type is namespace, and none when its type is cluster."
  }

  # Kubernetes namespace names are DNS-1123 labels: at most 63 characters of a-z, 0-9 and '-', starting and ending
  # with a letter or digit.
  validation {
    condition = alltrue(flatten([
      for e in values(var.access_entries) : [
        for a in values(e.policy_associations) : [
          for ns in a.access_scope.namespaces : length(ns) <= 63 && can(regex("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$", ns))
        ]
      ]
    ]))
    error_message = "access_entries access_scope namespaces must be Kubernetes namespace names (DNS-1123 labels: at most 63 characters of a-z, 0-9 and '-', starting and ending with a letter or digit)."
  }

  validation {
    condition     = alltrue([for e in values(var.access_entries) : alltrue([for k, v in e.tags : length(k) >= 1 && length(k) <= 128 && length(v) <= 256 && !startswith(lower(k), "aws:")])])
    error_message = "access_entries tags: keys must be 1-128 characters and not start with \"aws:\"; values at most 256 characters."
  }
}

################################################################################
# Add-ons
################################################################################

variable "addons" {
  description = <<-EOT
    EKS managed add-ons keyed by add-on name: `addon_version` (null takes the default version for the cluster's
    Kubernetes version), `resolve_conflicts_on_create` (`NONE` or `OVERWRITE`, default `OVERWRITE`),
    `resolve_conflicts_on_update` (`NONE`, `OVERWRITE` or `PRESERVE`, default `OVERWRITE`), optional
    `configuration_values` (JSON) and `service_account_role_arn`. CoreDNS becomes active only once nodes exist
    (create the node groups in the same apply).
  EOT
  type = map(object({
    addon_version               = optional(string)
    resolve_conflicts_on_create = optional(string, "OVERWRITE")
    resolve_conflicts_on_update = optional(string, "OVERWRITE")
    configuration_values        = optional(string)
    service_account_role_arn    = optional(string)
  }))
  default = {
    vpc-cni                = {}
    kube-proxy             = {}
    coredns                = {}
    eks-pod-identity-agent = {}
  }
  nullable = false

  validation {
    condition     = alltrue([for k in keys(var.addons) : can(regex("^[a-z0-9][a-z0-9_-]*$", k)) && length(k) <= 100])
    error_message = "addons keys must be add-on names such as vpc-cni or aws-ebs-csi-driver (lower-case letters, digits, '-' and '_')."
  }

  validation {
    condition     = alltrue([for a in values(var.addons) : a.addon_version == null ? true : can(regex("^v[0-9]+\\.[0-9]+\\.[0-9]+[-+.A-Za-z0-9]*$", a.addon_version))])
    error_message = "addons addon_version must be an add-on version such as v1.19.5-eksbuild.1."
  }

  # EKS API reference, CreateAddon: resolveConflicts NONE | OVERWRITE (PRESERVE is valid only for UpdateAddon).
  validation {
    condition     = alltrue([for a in values(var.addons) : contains(["NONE", "OVERWRITE"], a.resolve_conflicts_on_create)])
    error_message = "addons resolve_conflicts_on_create must be NONE or OVERWRITE."
  }

  # EKS API reference, UpdateAddon: resolveConflicts NONE | OVERWRITE | PRESERVE.
  validation {
    condition     = alltrue([for a in values(var.addons) : contains(["NONE", "OVERWRITE", "PRESERVE"], a.resolve_conflicts_on_update)])
    error_message = "addons resolve_conflicts_on_update must be NONE, OVERWRITE or PRESERVE."
  }

  validation {
    condition     = alltrue([for a in values(var.addons) : a.configuration_values == null ? true : can(jsondecode(a.configuration_values))])
    error_message = "addons configuration_values must be a JSON document (e.g. jsonencode({ ... }))."
  }

  validation {
    condition     = alltrue([for a in values(var.addons) : a.service_account_role_arn == null ? true : can(regex("^arn:aws[a-z-]*:iam::[0-9]{12}:role/[A-Za-z0-9+=,.@_/-]+$", a.service_account_role_arn))])
    error_message = "addons service_account_role_arn must be an IAM role ARN."
  }
}

################################################################################
# EKS Pod Identity
################################################################################

variable "pod_identities" {
  description = <<-EOT
    IAM roles for Kubernetes service accounts through EKS Pod Identity, keyed by static names. Each gets a role
    trusted by `pods.eks.amazonaws.com` (sts:AssumeRole and sts:TagSession) for this cluster, `namespace` and
    `service_account` only, and an association. Permissions: `policy_arns` (static names to managed policy ARNs)
    and `policy_json`, an inline policy document created when `attach_policy_json` is true (a flag, so the plan
    knows whether to create it while the document is still unknown).
  EOT
  type = map(object({
    namespace          = string
    service_account    = string
    attach_policy_json = optional(bool, false)
    policy_json        = optional(string)
    policy_arns        = optional(map(string), {})
    tags               = optional(map(string), {})
  }))
  default  = {}
  nullable = false

  validation {
    condition     = alltrue([for k in keys(var.pod_identities) : can(regex("^[A-Za-z0-9][A-Za-z0-9_-]*$", k)) && length(k) <= 64])
    error_message = "pod_identities keys must be at most 64 characters, start with a letter or digit, and contain only letters, digits, '-' and '_'."
  }

  # Kubernetes namespace names are DNS-1123 labels.
  validation {
    condition     = alltrue([for p in values(var.pod_identities) : length(p.namespace) <= 63 && can(regex("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$", p.namespace))])
    error_message = "pod_identities namespace must be a Kubernetes namespace name (DNS-1123 label: at most 63 characters of a-z, 0-9 and '-', starting and ending with a letter or digit)."
  }

  # Kubernetes service account names are DNS-1123 subdomains.
  validation {
    condition     = alltrue([for p in values(var.pod_identities) : length(p.service_account) <= 253 && can(regex("^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$", p.service_account))])
    error_message = "pod_identities service_account must be a Kubernetes service account name (DNS-1123 subdomain: at most 253 characters of a-z, 0-9, '-' and '.', each part starting and ending with a letter or digit)."
  }

  # EKS API reference, CreatePodIdentityAssociation: one association per service account (ResourceInUseException).
  validation {
    condition     = length(distinct([for p in values(var.pod_identities) : "${p.namespace}/${p.service_account}"])) == length(var.pod_identities)
    error_message = "pod_identities must not name the same namespace and service_account twice (EKS allows one association per service account)."
  }

  validation {
    condition     = alltrue(flatten([for p in values(var.pod_identities) : [for arn in values(p.policy_arns) : can(regex("^arn:aws[a-z-]*:iam::([0-9]{12}|aws):policy/[A-Za-z0-9+=,.@_/-]+$", arn))]]))
    error_message = "pod_identities policy_arns values must be IAM policy ARNs."
  }

  # IAM and AWS STS quotas: at most 20 managed policies per role (10 by default).
  validation {
    condition     = alltrue([for p in values(var.pod_identities) : length(p.policy_arns) <= 20])
    error_message = "pod_identities policy_arns: IAM allows at most 20 managed policies per role."
  }

  validation {
    condition     = alltrue([for p in values(var.pod_identities) : p.attach_policy_json == (p.policy_json != null)])
    error_message = "pod_identities: set attach_policy_json = true exactly when policy_json is given."
  }

  validation {
    condition     = alltrue([for p in values(var.pod_identities) : p.policy_json == null ? true : can(jsondecode(p.policy_json).Statement)])
    error_message = "pod_identities policy_json must be an IAM policy document in JSON with a Statement."
  }

  # IAM and AWS STS quotas: an inline role policy is at most 10,240 characters.
  validation {
    condition     = alltrue([for p in values(var.pod_identities) : p.policy_json == null ? true : length(p.policy_json) <= 10240])
    error_message = "pod_identities policy_json: IAM allows at most 10,240 characters per inline role policy."
  }

  validation {
    condition     = alltrue([for p in values(var.pod_identities) : alltrue([for k, v in p.tags : length(k) >= 1 && length(k) <= 128 && length(v) <= 256 && !startswith(lower(k), "aws:")])])
    error_message = "pod_identities tags: keys must be 1-128 characters and not start with \"aws:\"; values at most 256 characters."
  }
}
