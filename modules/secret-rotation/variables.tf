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
  description = "Name of the rotation function; also the prefix of its role, security groups, log group, topic and event rule."
  type        = string
  nullable    = false

  validation {
    condition     = can(regex("^[A-Za-z0-9_-]{1,50}$", var.name))
    error_message = "name must be 1-50 letters, digits, '-' or '_' (it becomes a Lambda function name and the prefix of IAM role and security group names)."
  }
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
# Secrets to rotate
################################################################################

variable "secrets" {
  description = <<-EOT
    The secrets this function rotates, keyed by a static name. Each value:
    - `binding`: the `rotation_binding` attribute of the `logexaminer_db_user` that owns the secret (JSON: secret ARN,
      engine, server, database, user and admin secret). It is written into the function's configuration
      (`ROTATION_BINDINGS`), and the function rotates only the account bound here, whatever a writer of the secret
      puts in its JSON or tags; the IAM policy is scoped to the bound secrets and their admin secrets;
    - `strategy`: `single_user` (default) or `alternating_users` (needs a binding with `admin_secret_arn`: the
      user was created with `admin_secret_arn`);
    - `automatically_after_days` or `schedule_expression` (exactly one; default 30 days), `duration` (`1h`-`24h`);
    - `rotate_immediately` (default false; Secrets Manager then only runs testSecret when rotation is turned on);
    - `rotate_after_create` (default false): right after rotation is turned on, rotate for real through the
      `logexaminer_rotate_secret` action, following it to the end (the apply fails unless it rotated), and with
      `check_login_after_rotation` prove that the new AWSCURRENT logs in;
    - `rollback_trigger`: deprecated, use the `logexaminer_rollback_secret` action (see the README).
  EOT
  type = map(object({
    binding                    = string
    strategy                   = optional(string, "single_user")
    automatically_after_days   = optional(number)
    schedule_expression        = optional(string)
    duration                   = optional(string)
    rotate_immediately         = optional(bool, false)
    rotate_after_create        = optional(bool, false)
    check_login_after_rotation = optional(bool, false)
    rollback_trigger           = optional(string)
  }))
  default  = {}
  nullable = false

  validation {
    condition     = alltrue([for k, s in var.secrets : can(regex("^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:[0-9]{12}:secret:.+$", jsondecode(s.binding).secret_arn))])
    error_message = "Every secrets[*].binding must be the rotation_binding attribute of a logexaminer_db_user: JSON with the secret's ARN (arn:aws:secretsmanager:REGION:ACCOUNT:secret:NAME-xxxxxx) in secret_arn."
  }

  validation {
    condition     = alltrue([for k, s in var.secrets : contains(["single_user", "alternating_users"], s.strategy)])
    error_message = "Every secrets[*].strategy must be \"single_user\" or \"alternating_users\"."
  }

  validation {
    condition     = alltrue([for k, s in var.secrets : s.strategy != "alternating_users" || try(jsondecode(s.binding).admin_secret_arn != null, false)])
    error_message = "secrets[*] with strategy = \"alternating_users\" need a binding with admin_secret_arn (create the logexaminer_db_user with admin_secret_arn): the function reads that admin secret to create and update the clone user."
  }

  validation {
    condition     = alltrue([for k, s in var.secrets : !(s.automatically_after_days != null && s.schedule_expression != null)])
    error_message = "Set at most one of secrets[*].automatically_after_days and secrets[*].schedule_expression."
  }

  validation {
    condition     = alltrue([for k, s in var.secrets : s.automatically_after_days == null || try(s.automatically_after_days >= 1 && s.automatically_after_days <= 1000 && floor(s.automatically_after_days) == s.automatically_after_days, false)])
    error_message = "secrets[*].automatically_after_days must be a whole number from 1 to 1000."
  }

  validation {
    condition     = alltrue([for k, s in var.secrets : s.duration == null || can(regex("^([1-9]|1[0-9]|2[0-4])h$", s.duration))])
    error_message = "secrets[*].duration must be whole hours from 1h to 24h, e.g. 3h."
  }

  validation {
    condition     = alltrue([for k, s in var.secrets : s.schedule_expression == null || can(regex("^(rate\\([0-9]+ (day|days|hour|hours)\\)|cron\\(\\S+( \\S+){5}\\))$", s.schedule_expression))])
    error_message = "secrets[*].schedule_expression must be rate(N days), rate(N hours) or a six-field cron(...) expression."
  }
}

variable "kms_key_arns" {
  description = "Customer managed KMS keys that encrypt the secrets (the function gets kms:Decrypt and kms:GenerateDataKey on them, through Secrets Manager only). Leave empty for the AWS managed key."
  type        = list(string)
  default     = []
  nullable    = false

  validation {
    condition     = alltrue([for k in var.kms_key_arns : can(regex("^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/.+$", k))])
    error_message = "kms_key_arns must be KMS key ARNs (arn:aws:kms:REGION:ACCOUNT:key/ID)."
  }
}

################################################################################
# Function
################################################################################

variable "package_directory" {
  description = "Directory the provider writes the function's zip to (`logexaminer_rotation_function_package`); default `<root module>/.terraform/logexaminer`."
  type        = string
  default     = null
}

variable "package" {
  description = "Use this zip instead of the one embedded in the provider (e.g. `dist/rotation-lambda.zip` from `make lambda`): `filename` and its base64 SHA-256 `source_code_hash`."
  type = object({
    filename         = string
    source_code_hash = string
  })
  default = null
}

variable "timeout" {
  description = "Function timeout in seconds (10-900). The database connect timeout stays at most a third of the time left."
  type        = number
  default     = 30
  nullable    = false

  validation {
    condition     = var.timeout >= 10 && var.timeout <= 900 && floor(var.timeout) == var.timeout
    error_message = "timeout must be a whole number of seconds from 10 to 900."
  }
}

variable "memory_size" {
  description = "Function memory in MB (128-10240)."
  type        = number
  default     = 128
  nullable    = false

  validation {
    condition     = var.memory_size >= 128 && var.memory_size <= 10240 && floor(var.memory_size) == var.memory_size
    error_message = "memory_size must be a whole number of MB from 128 to 10240."
  }
}

variable "log_retention_days" {
  description = "Retention of the function's log group (a value CloudWatch Logs accepts)."
  type        = number
  default     = 30
  nullable    = false

  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.log_retention_days)
    error_message = "log_retention_days must be one of 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653."
  }
}

variable "password_length" {
  description = "Length of new passwords (32-1024; GetRandomPassword)."
  type        = number
  default     = 32
  nullable    = false

  validation {
    condition     = var.password_length >= 32 && var.password_length <= 1024 && floor(var.password_length) == var.password_length
    error_message = "password_length must be a whole number from 32 to 1024."
  }
}

variable "exclude_characters" {
  description = "Characters new passwords never contain (default: `/ @ \" ' \\`; spaces are always excluded)."
  type        = string
  default     = "/@\"'\\"
  nullable    = false
}

variable "db_tls" {
  description = "TLS to the database: `verify-full` (default: certificate chain and host name checked before the login is sent, against the Amazon RDS CAs built into the function or `rds_ca_bundle_path`), `require` (encrypted, certificate not checked; the function logs a warning) or `disable` (loopback hosts only unless `db_allow_plaintext`)."
  type        = string
  default     = "verify-full"
  nullable    = false

  validation {
    condition     = contains(["verify-full", "require", "disable"], var.db_tls)
    error_message = "db_tls must be \"verify-full\", \"require\" or \"disable\"."
  }
}

variable "rds_ca_bundle_path" {
  description = "Path of a PEM CA bundle inside the function's file system (e.g. from a Lambda layer) whose certificates replace the Amazon RDS CAs built into the function. Only with `db_tls = \"verify-full\"`; not needed for RDS, Aurora or RDS Proxy."
  type        = string
  default     = null

  validation {
    condition     = var.rds_ca_bundle_path == null || var.db_tls == "verify-full"
    error_message = "rds_ca_bundle_path is only used with db_tls = \"verify-full\"."
  }
}

variable "db_allow_plaintext" {
  description = "Allow `db_tls = \"disable\"` towards database hosts that are not loopback addresses (sets `ALLOW_PLAINTEXT=true`; passwords then cross the network in clear text)."
  type        = bool
  default     = false
  nullable    = false
}

variable "layers" {
  description = "Lambda layer ARNs (e.g. one carrying the RDS CA bundle)."
  type        = list(string)
  default     = []
  nullable    = false
}

variable "db_connect_timeout_seconds" {
  description = "Database connect timeout in seconds (1-60); a networking fault becomes a clear failure instead of a hang."
  type        = number
  default     = 5
  nullable    = false

  validation {
    condition     = var.db_connect_timeout_seconds >= 1 && var.db_connect_timeout_seconds <= 60 && floor(var.db_connect_timeout_seconds) == var.db_connect_timeout_seconds
    error_message = "db_connect_timeout_seconds must be a whole number from 1 to 60."
  }
}

################################################################################
# Network
################################################################################

variable "vpc_id" {
  description = "VPC of the database; the function runs in it."
  type        = string
  nullable    = false

  validation {
    condition     = can(regex("^vpc-[0-9a-f]{8}([0-9a-f]{9})?$", var.vpc_id))
    error_message = "vpc_id must be a VPC ID such as vpc-0123456789abcdef0."
  }
}

variable "subnet_ids" {
  description = "Private subnets for the function (and the Secrets Manager endpoint). They need a route to Secrets Manager: a NAT gateway or `create_secretsmanager_endpoint`."
  type        = list(string)
  nullable    = false

  validation {
    condition     = length(var.subnet_ids) >= 1 && alltrue([for s in var.subnet_ids : can(regex("^subnet-[0-9a-f]{8}([0-9a-f]{9})?$", s))])
    error_message = "subnet_ids must hold at least one subnet ID such as subnet-0123456789abcdef0."
  }
}

variable "database_security_group_ids" {
  description = "Security groups of the databases, keyed by a static name you choose (e.g. `{ metastore = module.metastore.security_group_id }`): each gets an ingress rule from the function's security group on `database_port`. The keys must be known at plan time; the IDs may come from resources created in the same apply."
  type        = map(string)
  default     = {}
  nullable    = false

  validation {
    condition     = alltrue([for k, s in var.database_security_group_ids : can(regex("^sg-[0-9a-f]{8}([0-9a-f]{9})?$", s))])
    error_message = "database_security_group_ids values must be security group IDs such as sg-0123456789abcdef0."
  }
}

variable "database_port" {
  description = "Port of the databases (3306 for MySQL/MariaDB, 5432 for PostgreSQL)."
  type        = number
  default     = 3306
  nullable    = false

  validation {
    condition     = var.database_port >= 1 && var.database_port <= 65535 && floor(var.database_port) == var.database_port
    error_message = "database_port must be a TCP port (1-65535)."
  }
}

variable "create_secretsmanager_endpoint" {
  description = "Create an interface VPC endpoint for Secrets Manager (private DNS) in `subnet_ids`, so the function needs no NAT. Leave false when the VPC has one already (e.g. modules/vpc `interface_endpoints`)."
  type        = bool
  default     = false
  nullable    = false
}

variable "secretsmanager_endpoint_url" {
  description = "Secrets Manager endpoint URL for the function (`SECRETS_MANAGER_ENDPOINT`), e.g. an existing endpoint's DNS name without private DNS. Default: the regional endpoint (through private DNS when an endpoint exists)."
  type        = string
  default     = null

  validation {
    condition     = var.secretsmanager_endpoint_url == null || can(regex("^https://", var.secretsmanager_endpoint_url))
    error_message = "secretsmanager_endpoint_url must be an https:// URL."
  }
}

################################################################################
# Notifications
################################################################################

variable "notification_topic_arn" {
  description = "SNS topic for rotation notices and the RotationFailed/RotationAbandoned events. Null: the module creates one."
  type        = string
  default     = null

  validation {
    condition     = var.notification_topic_arn == null || can(regex("^arn:aws[a-z-]*:sns:[a-z0-9-]+:[0-9]{12}:.+$", var.notification_topic_arn))
    error_message = "notification_topic_arn must be an SNS topic ARN (arn:aws:sns:REGION:ACCOUNT:NAME)."
  }
}

variable "topic_kms_key_id" {
  description = "KMS key for the created topic (null: unencrypted; `alias/aws/sns` for the AWS managed key, which EventBridge cannot use)."
  type        = string
  default     = null
}

variable "create_event_rule" {
  description = "Create an EventBridge rule that sends Secrets Manager's RotationFailed and RotationAbandoned events for these secrets to the topic."
  type        = bool
  default     = true
  nullable    = false
}

variable "rotation_action_timeout" {
  description = "How long the `rotate_after_create` rotation may take before the apply fails (a duration such as `10m`); the diagnostic says what was still awaited."
  type        = string
  default     = "10m"
  nullable    = false
}
