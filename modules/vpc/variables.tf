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
  description = "Name of the VPC, used in the `Name` tag of every resource and as the security group name (or its prefix)."
  type        = string
  nullable    = false

  validation {
    condition     = length(var.name) >= 1 && length(var.name) <= 99
    error_message = "name must be 1 to 99 characters long (with the added \"-\" it becomes the security group name prefix, at most 100 characters)."
  }

  validation {
    condition     = can(regex("^[A-Za-z0-9][A-Za-z0-9._-]*$", var.name))
    error_message = "name must start with a letter or digit and contain only letters, digits, '.', '_' and '-'."
  }

  validation {
    condition     = !startswith(lower(var.name), "sg-")
    error_message = "name must not start with \"sg-\": AWS rejects security group names with that prefix."
  }
}

variable "use_name_prefix" {
  description = "Whether to use `name` as a prefix of the security group name (a unique suffix is added), so a replacement can be created before the old group is destroyed."
  type        = bool
  default     = true
  nullable    = false
}

variable "tags" {
  description = "Tags added to every resource."
  type        = map(string)
  default     = {}
  nullable    = false

  validation {
    condition     = length(var.tags) <= 40
    error_message = "At most 40 tags: AWS allows 50 per resource and this module adds its own."
  }

  validation {
    condition     = alltrue([for k, v in var.tags : length(k) >= 1 && length(k) <= 128 && length(v) <= 256 && !startswith(lower(k), "aws:")])
    error_message = "Tag keys must be 1-128 characters and not start with \"aws:\"; values at most 256 characters."
  }
}

################################################################################
# VPC and subnets
################################################################################

variable "cidr" {
  description = "IPv4 CIDR block of the VPC, between /16 and /28, e.g. `10.0.0.0/16`."
  type        = string
  default     = "10.0.0.0/16"
  nullable    = false

  validation {
    condition     = can(regex("^[0-9]{1,3}(\\.[0-9]{1,3}){3}/[0-9]{1,2}$", var.cidr)) && can(cidrhost(var.cidr, 0))
    error_message = "cidr must be an IPv4 CIDR block such as 10.0.0.0/16."
  }

  validation {
    condition     = can(cidrhost(var.cidr, 0)) ? cidrhost(var.cidr, 0) == split("/", var.cidr)[0] : true
    error_message = "cidr must be a network address with all host bits zero (e.g. 10.0.0.0/16, not 10.0.1.0/16)."
  }

  validation {
    condition     = can(cidrhost(var.cidr, 0)) ? tonumber(split("/", var.cidr)[1]) >= 16 && tonumber(split("/", var.cidr)[1]) <= 28 : true
    error_message = "A VPC CIDR block must be between /16 and /28."
  }

  validation {
    condition = can(cidrhost(var.cidr, 0)) ? alltrue([
      for reserved in ["0.0.0.0/8", "127.0.0.0/8", "169.254.0.0/16", "224.0.0.0/4", "240.0.0.0/4"] :
      cidrhost("${split("/", var.cidr)[0]}/${split("/", reserved)[1]}", 0) != split("/", reserved)[0]
    ]) : true
    error_message = "cidr must not be in 0.0.0.0/8, 127.0.0.0/8, 169.254.0.0/16, 224.0.0.0/4 (multicast) or 240.0.0.0/4 (reserved); use an RFC 1918 range such as 10.0.0.0/16."
  }
}

variable "azs" {
  description = "Availability zones to spread the subnets over, e.g. `[\"eu-west-1a\", \"eu-west-1b\", \"eu-west-1c\"]`. At least two: RDS subnet groups and EKS need subnets in two zones."
  type        = list(string)
  nullable    = false

  validation {
    condition     = length(var.azs) >= 2 && length(var.azs) <= 6
    error_message = "azs must list 2 to 6 availability zones (RDS subnet groups and EKS require at least two)."
  }

  validation {
    condition     = length(distinct(var.azs)) == length(var.azs)
    error_message = "azs must not repeat an availability zone."
  }

  validation {
    condition     = alltrue([for az in var.azs : can(regex("^[a-z]{2}(-[a-z]+)+-[0-9]+[a-z]$", az))])
    error_message = "Each availability zone must be a zone name such as eu-west-1a (zone IDs like euw1-az1 are not accepted)."
  }

  validation {
    condition     = length(distinct([for az in var.azs : replace(az, "/[a-z]$/", "")])) == 1
    error_message = "All availability zones must be in one region."
  }
}

variable "private_subnet_newbits" {
  description = "When `private_subnets` is null: bits added to the VPC prefix for each private subnet (3 turns a /16 into /19 subnets). Private subnet i gets network number i; the last network number of that size is kept for the public subnets."
  type        = number
  default     = 3
  nullable    = false

  validation {
    condition     = var.private_subnet_newbits >= 1 && var.private_subnet_newbits <= 12 && floor(var.private_subnet_newbits) == var.private_subnet_newbits
    error_message = "private_subnet_newbits must be a whole number from 1 to 12."
  }

  validation {
    condition     = can(cidrhost(var.cidr, 0)) ? tonumber(split("/", var.cidr)[1]) + var.private_subnet_newbits <= 28 : true
    error_message = "VPC prefix plus private_subnet_newbits must not exceed /28, the smallest subnet AWS allows."
  }

  validation {
    condition     = pow(2, var.private_subnet_newbits) - 1 >= length(var.azs)
    error_message = "private_subnet_newbits is too small: it must leave one network per availability zone plus one for the public subnets."
  }
}

variable "public_subnet_newbits" {
  description = "When `public_subnets` is null: bits added to the reserved last private-sized network for each public subnet (with the defaults: /24 public subnets in 10.0.224.0/19)."
  type        = number
  default     = 5
  nullable    = false

  validation {
    condition     = var.public_subnet_newbits >= 1 && var.public_subnet_newbits <= 12 && floor(var.public_subnet_newbits) == var.public_subnet_newbits
    error_message = "public_subnet_newbits must be a whole number from 1 to 12."
  }

  validation {
    condition     = can(cidrhost(var.cidr, 0)) ? tonumber(split("/", var.cidr)[1]) + var.private_subnet_newbits + var.public_subnet_newbits <= 28 : true
    error_message = "VPC prefix plus private_subnet_newbits plus public_subnet_newbits must not exceed /28, the smallest subnet AWS allows."
  }

  validation {
    condition     = pow(2, var.public_subnet_newbits) >= length(var.azs)
    error_message = "public_subnet_newbits is too small to give every availability zone a public subnet."
  }
}

variable "database_subnets" {
  description = "Database subnets: explicit CIDR blocks, one per entry of `azs` in the same order, inside the VPC and apart from the other subnets (AWS refuses overlaps). They get a route table of their own with no route out of the VPC (only the S3 gateway endpoint), and a DB subnet group when `create_database_subnet_group`. Empty: none."
  type        = list(string)
  default     = []
  nullable    = false

  validation {
    condition     = length(var.database_subnets) == 0 || length(var.database_subnets) == length(var.azs)
    error_message = "database_subnets must be empty or have exactly one CIDR block per availability zone in azs."
  }

  validation {
    condition = alltrue([
      for c in var.database_subnets : can(regex("^[0-9]{1,3}(\\.[0-9]{1,3}){3}/[0-9]{1,2}$", c)) && can(cidrhost(c, 0)) && try(tonumber(split("/", c)[1]) >= 16 && tonumber(split("/", c)[1]) <= 28, false)
    ])
    error_message = "Each database subnet must be an IPv4 CIDR block from /16 to /28, such as 10.0.192.0/24."
  }
}

variable "create_database_subnet_group" {
  description = "Create an RDS DB subnet group (named after the VPC) on the database subnets, for modules/rds-metastore's `subnet_ids` or any RDS instance."
  type        = bool
  default     = true
  nullable    = false
}

variable "private_subnets" {
  description = "Explicit private subnet CIDR blocks, one per entry of `azs` in the same order. Null computes them from `private_subnet_newbits`."
  type        = list(string)
  default     = null

  validation {
    condition     = var.private_subnets == null ? true : length(var.private_subnets) == length(var.azs)
    error_message = "private_subnets must have exactly one CIDR block per availability zone in azs."
  }

  validation {
    condition = var.private_subnets == null ? true : alltrue([
      for c in var.private_subnets : can(regex("^[0-9]{1,3}(\\.[0-9]{1,3}){3}/[0-9]{1,2}$", c)) && can(cidrhost(c, 0))
    ])
    error_message = "Each private subnet must be an IPv4 CIDR block such as 10.0.0.0/19."
  }

  validation {
    condition = var.private_subnets == null ? true : alltrue([
      for c in var.private_subnets : can(cidrhost(c, 0)) ? cidrhost(c, 0) == split("/", c)[0] && tonumber(split("/", c)[1]) >= 16 && tonumber(split("/", c)[1]) <= 28 : true
    ])
    error_message = "Each private subnet must be a network address (host bits zero) between /16 and /28."
  }

  validation {
    condition = var.private_subnets == null || !can(cidrhost(var.cidr, 0)) ? true : alltrue([
      for c in var.private_subnets : can(cidrhost(c, 0)) ? (
        tonumber(split("/", c)[1]) >= tonumber(split("/", var.cidr)[1]) &&
        cidrhost("${split("/", c)[0]}/${split("/", var.cidr)[1]}", 0) == cidrhost(var.cidr, 0)
      ) : true
    ])
    error_message = "Each private subnet must lie inside the VPC CIDR block."
  }
}

variable "public_subnets" {
  description = "Explicit public subnet CIDR blocks, one per entry of `azs` in the same order. Null computes them from `public_subnet_newbits`."
  type        = list(string)
  default     = null

  validation {
    condition     = var.public_subnets == null ? true : length(var.public_subnets) == length(var.azs)
    error_message = "public_subnets must have exactly one CIDR block per availability zone in azs."
  }

  validation {
    condition = var.public_subnets == null ? true : alltrue([
      for c in var.public_subnets : can(regex("^[0-9]{1,3}(\\.[0-9]{1,3}){3}/[0-9]{1,2}$", c)) && can(cidrhost(c, 0))
    ])
    error_message = "Each public subnet must be an IPv4 CIDR block such as 10.0.224.0/24."
  }

  validation {
    condition = var.public_subnets == null ? true : alltrue([
      for c in var.public_subnets : can(cidrhost(c, 0)) ? cidrhost(c, 0) == split("/", c)[0] && tonumber(split("/", c)[1]) >= 16 && tonumber(split("/", c)[1]) <= 28 : true
    ])
    error_message = "Each public subnet must be a network address (host bits zero) between /16 and /28."
  }

  validation {
    condition = var.public_subnets == null || !can(cidrhost(var.cidr, 0)) ? true : alltrue([
      for c in var.public_subnets : can(cidrhost(c, 0)) ? (
        tonumber(split("/", c)[1]) >= tonumber(split("/", var.cidr)[1]) &&
        cidrhost("${split("/", c)[0]}/${split("/", var.cidr)[1]}", 0) == cidrhost(var.cidr, 0)
      ) : true
    ])
    error_message = "Each public subnet must lie inside the VPC CIDR block."
  }
}

variable "eks_cluster_name" {
  description = "Name of the EKS cluster that uses these subnets; adds the `kubernetes.io/cluster/<name> = shared` tag to the subnets. Null adds no cluster tag."
  type        = string
  default     = null

  validation {
    condition     = var.eks_cluster_name == null ? true : can(regex("^[0-9A-Za-z][A-Za-z0-9_-]{0,99}$", var.eks_cluster_name))
    error_message = "eks_cluster_name must be 1-100 characters, start with a letter or digit, and contain only letters, digits, '-' and '_'."
  }
}

variable "vpc_tags" {
  description = "Additional tags of the VPC."
  type        = map(string)
  default     = {}
  nullable    = false
}

variable "public_subnet_tags" {
  description = "Additional tags of the public subnets."
  type        = map(string)
  default     = {}
  nullable    = false
}

variable "private_subnet_tags" {
  description = "Additional tags of the private subnets."
  type        = map(string)
  default     = {}
  nullable    = false
}

################################################################################
# NAT gateways
################################################################################

variable "enable_nat_gateway" {
  description = "Whether to give the private subnets outbound internet access through NAT gateways."
  type        = bool
  default     = true
  nullable    = false
}

variable "single_nat_gateway" {
  description = "Whether to use one NAT gateway (in the first zone) for all private subnets instead of one per availability zone. Cheaper; loses outbound access when that zone fails."
  type        = bool
  default     = false
  nullable    = false
}

variable "nat_eip_allocation_ids" {
  description = "Elastic IPs the NAT gateways use instead of creating their own, as allocation IDs keyed by availability zone. For addresses partners allow-list: allocate them outside this VPC's lifecycle (another configuration), so they survive a rebuild of the VPC. The module's own EIPs are keyed by zone too, so adding a zone or switching `single_nat_gateway` keeps the others; set `prevent_destroy` in your configuration if you need more."
  type        = map(string)
  default     = {}
  nullable    = false

  validation {
    condition     = alltrue([for id in values(var.nat_eip_allocation_ids) : can(regex("^eipalloc-[0-9a-f]{8,17}$", id))])
    error_message = "nat_eip_allocation_ids values must be Elastic IP allocation IDs such as eipalloc-0123456789abcdef0."
  }

  validation {
    condition     = alltrue([for az in keys(var.nat_eip_allocation_ids) : contains(var.azs, az)])
    error_message = "nat_eip_allocation_ids keys must be zones of azs: ${join(", ", [for az in keys(var.nat_eip_allocation_ids) : az if !contains(var.azs, az)])}."
  }

  validation {
    # One address cannot back two NAT gateways (an Elastic IP is associated with one network interface).
    condition     = length(distinct(values(var.nat_eip_allocation_ids))) == length(var.nat_eip_allocation_ids)
    error_message = "nat_eip_allocation_ids must not give the same allocation ID to two zones: an Elastic IP backs one NAT gateway."
  }
}

variable "nat_gateway_tags" {
  description = "Additional tags of the NAT gateways and their Elastic IPs."
  type        = map(string)
  default     = {}
  nullable    = false
}

################################################################################
# Security group
################################################################################

variable "create_security_group" {
  description = "Whether to create the strict security group: HTTPS (443) in from the VPC CIDR block, HTTPS out to anywhere, nothing else. Interface endpoints use it."
  type        = bool
  default     = true
  nullable    = false
}

variable "security_group_description" {
  description = "Description of the strict security group (AWS does not allow changing it without replacing the group)."
  type        = string
  default     = "HTTPS within the VPC in, HTTPS out; managed by Terraform"
  nullable    = false

  validation {
    condition     = length(var.security_group_description) <= 255 && can(regex("^[A-Za-z0-9 ._\\-:/()#,@\\[\\]+=&;{}!$*]*$", var.security_group_description))
    error_message = "The security group description must be at most 255 characters of a-z, A-Z, 0-9, spaces and ._-:/()#,@[]+=&;{}!$*."
  }
}

variable "security_group_tags" {
  description = "Additional tags of the security group and its rules."
  type        = map(string)
  default     = {}
  nullable    = false
}

variable "manage_default_security_group" {
  description = "Whether to adopt the VPC's default security group and remove all its rules, so nothing can use it by accident."
  type        = bool
  default     = true
  nullable    = false
}

################################################################################
# VPC endpoints
################################################################################

variable "enable_s3_endpoint" {
  description = "Whether to create a gateway endpoint for S3 on all route tables (free; keeps S3 and ECR layer traffic off the NAT gateways)."
  type        = bool
  default     = true
  nullable    = false
}

variable "interface_endpoints" {
  description = "Interface endpoints to create in the private subnets, from: `secretsmanager`, `sts`, `ecr.api`, `ecr.dkr`, `logs`, `kms`, `eks`, `eks-auth` (EKS Pod Identity), and `ssm`, `ssmmessages`, `ec2messages` (Session Manager, e.g. port forwarding to the database from private nodes). They use the strict security group and private DNS."
  type        = set(string)
  default     = []
  nullable    = false

  validation {
    condition     = alltrue([for s in var.interface_endpoints : contains(["secretsmanager", "sts", "ecr.api", "ecr.dkr", "logs", "kms", "eks", "eks-auth", "ssm", "ssmmessages", "ec2messages"], s)])
    error_message = "interface_endpoints may only contain secretsmanager, sts, ecr.api, ecr.dkr, logs, kms, eks, eks-auth, ssm, ssmmessages and ec2messages."
  }

  validation {
    condition     = length(var.interface_endpoints) == 0 || var.create_security_group
    error_message = "Interface endpoints use the module's security group: set create_security_group = true or interface_endpoints = []."
  }
}

variable "endpoint_tags" {
  description = "Additional tags of the VPC endpoints."
  type        = map(string)
  default     = {}
  nullable    = false
}

################################################################################
# Flow logs
################################################################################

variable "flow_log" {
  description = <<-EOT
    Flow log settings. `enabled` turns it on. `destination_type` is `cloud-watch-logs` (an IAM role is created, and a
    log group unless `create_log_group = false` and `destination_arn` names an existing one) or `s3`
    (`destination_arn` is a bucket ARN, optionally with a folder). `create_log_group` is a flag rather than derived
    from `destination_arn`, so the plan does not depend on an ARN another resource computes. `traffic_type` is ACCEPT, REJECT or ALL; `max_aggregation_interval` 60 or 600
    seconds; `retention_in_days` one of the CloudWatch Logs values; `kms_key_arn` encrypts the created log group.
  EOT
  type = object({
    enabled                  = optional(bool, false)
    destination_type         = optional(string, "cloud-watch-logs")
    destination_arn          = optional(string)
    create_log_group         = optional(bool, true)
    traffic_type             = optional(string, "ALL")
    max_aggregation_interval = optional(number, 600)
    retention_in_days        = optional(number, 30)
    kms_key_arn              = optional(string)
  })
  default  = {}
  nullable = false

  validation {
    condition     = contains(["cloud-watch-logs", "s3"], var.flow_log.destination_type)
    error_message = "flow_log.destination_type must be cloud-watch-logs or s3."
  }

  validation {
    condition     = var.flow_log.enabled && var.flow_log.destination_type == "s3" ? var.flow_log.destination_arn != null : true
    error_message = "flow_log.destination_arn (an S3 bucket ARN) is required when destination_type is s3."
  }

  validation {
    condition     = var.flow_log.enabled && var.flow_log.destination_type == "cloud-watch-logs" ? (var.flow_log.create_log_group ? var.flow_log.destination_arn == null : var.flow_log.destination_arn != null) : true
    error_message = "With destination_type cloud-watch-logs, set either flow_log.create_log_group = false and destination_arn (an existing log group), or neither."
  }

  validation {
    condition = var.flow_log.destination_arn == null ? true : (
      var.flow_log.destination_type == "s3"
      ? can(regex("^arn:aws[a-z-]*:s3:::[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](/.*)?$", var.flow_log.destination_arn))
      : can(regex("^arn:aws[a-z-]*:logs:[a-z0-9-]+:[0-9]{12}:log-group:[A-Za-z0-9_./#-]{1,512}(:\\*)?$", var.flow_log.destination_arn))
    )
    error_message = "flow_log.destination_arn must be an S3 bucket ARN (arn:aws:s3:::bucket[/folder]) for s3, or a log group ARN (arn:aws:logs:region:account:log-group:name) for cloud-watch-logs."
  }

  validation {
    condition     = contains(["ACCEPT", "REJECT", "ALL"], var.flow_log.traffic_type)
    error_message = "flow_log.traffic_type must be ACCEPT, REJECT or ALL."
  }

  validation {
    condition     = contains([60, 600], var.flow_log.max_aggregation_interval)
    error_message = "flow_log.max_aggregation_interval must be 60 or 600 seconds."
  }

  validation {
    condition     = contains([0, 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.flow_log.retention_in_days)
    error_message = "flow_log.retention_in_days must be a CloudWatch Logs retention value: 0 (never expire), 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288 or 3653."
  }

  validation {
    condition     = var.flow_log.kms_key_arn == null ? true : can(regex("^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", var.flow_log.kms_key_arn))
    error_message = "flow_log.kms_key_arn must be a KMS key ARN such as arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab (CloudWatch Logs does not accept aliases)."
  }
}
