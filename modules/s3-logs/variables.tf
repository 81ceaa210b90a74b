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
  description = "Name of the raw-logs bucket (or its prefix when `use_name_prefix`). S3 rules: 3-63 lowercase letters, digits, dots and hyphens, starting and ending with a letter or digit, globally unique."
  type        = string
  nullable    = false

  validation {
    condition     = length(var.name) >= 3 && length(var.name) <= 63
    error_message = "name must be 3 to 63 characters long."
  }

  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9.-]*$", var.name)) && (var.use_name_prefix || can(regex("[a-z0-9]$", var.name)))
    error_message = "name may contain only lowercase letters, digits, dots and hyphens, and must start (and, unless it is a prefix, end) with a letter or digit."
  }

  validation {
    condition     = !strcontains(var.name, "..")
    error_message = "name must not contain two adjacent periods."
  }

  validation {
    condition     = !can(regex("^[0-9]{1,3}(\\.[0-9]{1,3}){3}$", var.name))
    error_message = "name must not be formatted as an IP address."
  }

  validation {
    condition = !anytrue([for p in ["xn--", "sthree-", "amzn-s3-demo-"] : startswith(var.name, p)]) && (
      var.use_name_prefix || !anytrue([for s in ["-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3"] : endswith(var.name, s)])
    )
    error_message = "name must not start with xn--, sthree- or amzn-s3-demo-, nor end with -s3alias, --ol-s3, .mrap, --x-s3 or --table-s3 (reserved by S3)."
  }

  validation {
    condition     = var.use_name_prefix ? length(var.name) <= 37 : true
    error_message = "A bucket name prefix may be at most 37 characters (S3 adds a 26-character suffix)."
  }
}

variable "use_name_prefix" {
  description = "Whether `name` is a prefix of the bucket name (a unique suffix is added)."
  type        = bool
  default     = false
  nullable    = false
}

variable "force_destroy" {
  description = "Whether destroying the module deletes all objects (and versions) in the bucket. Keep false for real logs."
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
    condition     = length(var.tags) <= 45
    error_message = "At most 45 tags: S3 allows 50 per bucket and this module adds its own."
  }

  validation {
    condition     = alltrue([for k, v in var.tags : length(k) >= 1 && length(k) <= 128 && length(v) <= 256 && !startswith(lower(k), "aws:")])
    error_message = "Tag keys must be 1-128 characters and not start with \"aws:\"; values at most 256 characters."
  }
}

################################################################################
# Encryption
################################################################################

variable "create_kms_key" {
  description = "Whether to create a KMS key (with rotation) for SSE-KMS. False uses `kms_key_arn`."
  type        = bool
  default     = true
  nullable    = false
}

variable "kms_key_arn" {
  description = "ARN of an existing KMS key for SSE-KMS, used when `create_kms_key` is false."
  type        = string
  default     = null

  validation {
    condition     = var.kms_key_arn == null ? true : can(regex("^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|mrk-[0-9a-f]{32})$", var.kms_key_arn))
    error_message = "kms_key_arn must be a KMS key ARN such as arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab."
  }

  validation {
    condition     = var.create_kms_key || var.kms_key_arn != null
    error_message = "kms_key_arn is required when create_kms_key is false."
  }
}

variable "kms_key_deletion_window_in_days" {
  description = "Waiting period, in days, before the created KMS key is deleted (7 to 30)."
  type        = number
  default     = 30
  nullable    = false

  validation {
    condition     = var.kms_key_deletion_window_in_days >= 7 && var.kms_key_deletion_window_in_days <= 30 && floor(var.kms_key_deletion_window_in_days) == var.kms_key_deletion_window_in_days
    error_message = "kms_key_deletion_window_in_days must be a whole number from 7 to 30."
  }
}

variable "kms_key_policy" {
  description = "Key policy (JSON) of the created KMS key. Null keeps the default policy (the account administers and uses the key through IAM)."
  type        = string
  default     = null

  validation {
    condition     = var.kms_key_policy == null ? true : can(jsondecode(var.kms_key_policy)) && length(var.kms_key_policy) <= 32768
    error_message = "kms_key_policy must be a JSON document of at most 32 KB."
  }
}

################################################################################
# Bucket policy
################################################################################

variable "minimum_tls_version" {
  description = "Requests over TLS older than this are denied by the bucket policy (plain HTTP is always denied)."
  type        = string
  default     = "1.2"
  nullable    = false

  validation {
    condition     = contains(["1.2", "1.3"], var.minimum_tls_version)
    error_message = "minimum_tls_version must be 1.2 or 1.3."
  }
}

variable "additional_policy_json" {
  description = "Additional bucket policy statements (a JSON policy document), merged with the TLS-only statements."
  type        = string
  default     = null

  validation {
    condition     = var.additional_policy_json == null ? true : can(jsondecode(var.additional_policy_json).Statement)
    error_message = "additional_policy_json must be a JSON policy document with a Statement."
  }
}

################################################################################
# Tiering (logexaminer_s3_tier_policy)
################################################################################

variable "tier_sets" {
  description = <<-EOT
    Lifecycle rule families of the bucket, managed by `logexaminer_s3_tier_policy` (rule IDs `logexaminer:<name>:...`;
    rules other tools put on the bucket are left alone). The default is the safe hot/warm/cold/deep-archive policy
    for raw logs: STANDARD, then STANDARD_IA at 30 days, GLACIER_IR at 90, DEEP_ARCHIVE at 180; noncurrent versions
    to GLACIER_IR after 30 days and expired after 90; incomplete multipart uploads aborted after 7 days. Each
    transition respects the minimum storage duration of the class before it, so no early-deletion charge arises.
  EOT
  type = list(object({
    name = string
    filter = optional(object({
      prefix                   = optional(string)
      tags                     = optional(map(string))
      object_size_greater_than = optional(number)
      object_size_less_than    = optional(number)
    }))
    transitions = optional(list(object({
      days          = number
      storage_class = string
    })), [])
    noncurrent_transitions = optional(list(object({
      noncurrent_days           = number
      newer_noncurrent_versions = optional(number)
      storage_class             = string
    })), [])
    expiration_days                 = optional(number)
    noncurrent_expiration_days      = optional(number)
    abort_incomplete_multipart_days = optional(number, 7)
  }))
  default = [{
    name = "raw-logs"
    transitions = [
      { days = 30, storage_class = "STANDARD_IA" },
      { days = 90, storage_class = "GLACIER_IR" },
      { days = 180, storage_class = "DEEP_ARCHIVE" },
    ]
    noncurrent_transitions     = [{ noncurrent_days = 30, storage_class = "GLACIER_IR" }]
    noncurrent_expiration_days = 90
  }]
  nullable = false
}

variable "intelligent_tiering" {
  description = "S3 Intelligent-Tiering archive configurations: `name`, optional `filter` (`prefix`, `tags`), `archive_access_days` (90-730) and/or `deep_archive_access_days` (180-730, after archive_access_days)."
  type = list(object({
    name = string
    filter = optional(object({
      prefix = optional(string)
      tags   = optional(map(string))
    }))
    archive_access_days      = optional(number)
    deep_archive_access_days = optional(number)
  }))
  default  = []
  nullable = false
}

variable "transition_default_minimum_object_size" {
  description = "Which small objects never transition: `all_storage_classes_128K` (objects under 128 KB stay in STANDARD, avoiding per-object overhead) or `varies_by_storage_class`."
  type        = string
  default     = "all_storage_classes_128K"
  nullable    = false
}

variable "cost_estimate" {
  description = "Access pattern for the tier policy's cost estimate (output `estimated_monthly_cost_per_tb`): the typical object size in KB and, for tier sets without `expiration_days`, how many days objects are kept. Null: no estimate."
  type = object({
    assumed_object_size_kb = number
    retention_days         = optional(number)
  })
  default = null
}

################################################################################
# Access logging and event notifications
################################################################################

variable "access_logging" {
  description = "Server access logging of the bucket (S3 user guide, Logging requests with server access logging): `target_bucket` (another bucket in the same Region and account, whose policy lets `logging.s3.amazonaws.com` write) and `target_prefix` (default `<name>/`). Null: no access logs."
  type = object({
    target_bucket = string
    target_prefix = optional(string)
  })
  default = null

  validation {
    condition     = var.access_logging == null || try(var.access_logging.target_bucket != var.name, true)
    error_message = "access_logging.target_bucket must be another bucket: logging a bucket into itself logs its own log writes without end."
  }
}

variable "queue_notifications" {
  description = "Event notifications to SQS queues (S3 to SQS for ingestion), keyed by a static name: `queue_arn`, `events` (default `[\"s3:ObjectCreated:*\"]`), `filter_prefix`, `filter_suffix`. The queue's policy must let `s3.amazonaws.com` send messages (S3 checks it when the configuration is put). The bucket has one notification configuration: this module owns it."
  type = map(object({
    queue_arn     = string
    events        = optional(list(string), ["s3:ObjectCreated:*"])
    filter_prefix = optional(string)
    filter_suffix = optional(string)
  }))
  default  = {}
  nullable = false

  validation {
    condition     = alltrue([for q in values(var.queue_notifications) : can(regex("^arn:aws[a-z-]*:sqs:[a-z0-9-]+:[0-9]{12}:[A-Za-z0-9_-]{1,80}(\\.fifo)?$", q.queue_arn))])
    error_message = "queue_notifications[*].queue_arn must be an SQS queue ARN."
  }

  validation {
    condition     = alltrue([for q in values(var.queue_notifications) : length(q.events) >= 1 && alltrue([for e in q.events : can(regex("^s3:(ObjectCreated|ObjectRemoved|ObjectRestore|ObjectTagging|ObjectAcl|LifecycleTransition|LifecycleExpiration|IntelligentTiering|Replication|ReducedRedundancyLostObject):", e)) || e == "s3:ReducedRedundancyLostObject"])])
    error_message = "queue_notifications[*].events must be S3 event types such as s3:ObjectCreated:* or s3:ObjectRemoved:Delete."
  }
}
