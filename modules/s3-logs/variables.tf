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

  validation {
    condition     = length(var.tier_sets) <= 1000 && length(distinct([for t in var.tier_sets : t.name])) == length(var.tier_sets)
    error_message = "tier_sets must have unique names and at most 1000 entries (the S3 lifecycle rule limit)."
  }

  validation {
    condition     = alltrue([for t in var.tier_sets : can(regex("^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$", t.name))])
    error_message = "tier_sets names must be 1-64 letters, digits, '_', '.' and '-' starting with a letter or digit (they become part of the rule IDs)."
  }

  validation {
    condition = alltrue(flatten([for t in var.tier_sets : [
      for tr in concat(t.transitions, t.noncurrent_transitions) : contains(local.transition_classes, tr.storage_class)
    ]]))
    error_message = "Transition storage classes must be STANDARD_IA, ONEZONE_IA, INTELLIGENT_TIERING, GLACIER_IR, GLACIER or DEEP_ARCHIVE (nothing transitions to STANDARD)."
  }

  validation {
    condition = alltrue(flatten([for t in var.tier_sets : concat(
      [for tr in t.transitions : tr.days >= 0 && floor(tr.days) == tr.days],
      [for tr in t.noncurrent_transitions : tr.noncurrent_days >= 1 && floor(tr.noncurrent_days) == tr.noncurrent_days],
      [for d in [t.expiration_days, t.noncurrent_expiration_days, t.abort_incomplete_multipart_days] : d == null ? true : d >= 1 && floor(d) == d],
    )]))
    error_message = "Days must be whole numbers: transition days >= 0, noncurrent days and expirations >= 1."
  }

  validation {
    condition = alltrue(flatten([for t in var.tier_sets : concat(
      [for i in range(1, max(1, length(t.transitions))) : t.transitions[i].days > t.transitions[i - 1].days],
      [for i in range(1, max(1, length(t.noncurrent_transitions))) : t.noncurrent_transitions[i].noncurrent_days > t.noncurrent_transitions[i - 1].noncurrent_days],
    )]))
    error_message = "Transitions of a tier set must be listed with strictly increasing days."
  }

  validation {
    condition = alltrue(flatten([for t in var.tier_sets : concat(
      [for i in range(1, max(1, length(t.transitions))) : contains(lookup(local.allowed_transitions, t.transitions[i - 1].storage_class, []), t.transitions[i].storage_class)],
      [for i in range(1, max(1, length(t.noncurrent_transitions))) : contains(lookup(local.allowed_transitions, t.noncurrent_transitions[i - 1].storage_class, []), t.noncurrent_transitions[i].storage_class)],
    )]))
    error_message = "Unsupported transition between storage classes. S3 supports: STANDARD_IA -> INTELLIGENT_TIERING, ONEZONE_IA, GLACIER_IR, GLACIER, DEEP_ARCHIVE; INTELLIGENT_TIERING -> ONEZONE_IA, GLACIER_IR, GLACIER, DEEP_ARCHIVE; ONEZONE_IA -> GLACIER, DEEP_ARCHIVE; GLACIER_IR -> GLACIER, DEEP_ARCHIVE; GLACIER -> DEEP_ARCHIVE. For example INTELLIGENT_TIERING -> STANDARD_IA is refused: go STANDARD -> STANDARD_IA -> INTELLIGENT_TIERING instead."
  }

  validation {
    condition = alltrue(flatten([for t in var.tier_sets : concat(
      [for tr in t.transitions : contains(["STANDARD_IA", "ONEZONE_IA"], tr.storage_class) ? tr.days >= 30 : true],
      [for tr in t.noncurrent_transitions : contains(["STANDARD_IA", "ONEZONE_IA"], tr.storage_class) ? tr.noncurrent_days >= 30 : true],
    )]))
    error_message = "Transitions to STANDARD_IA or ONEZONE_IA need at least 30 days."
  }

  validation {
    condition = alltrue(flatten([for t in var.tier_sets : [
      for i in range(1, max(1, length(t.transitions))) : (
        contains(["GLACIER", "DEEP_ARCHIVE"], t.transitions[i].storage_class) && contains(["STANDARD_IA", "ONEZONE_IA"], t.transitions[i - 1].storage_class)
        ? t.transitions[i].days - t.transitions[i - 1].days >= 30 : true
      )
    ]]))
    error_message = "A GLACIER or DEEP_ARCHIVE transition must come at least 30 days after a STANDARD_IA or ONEZONE_IA transition in the same tier set."
  }

  validation {
    condition = alltrue([for t in var.tier_sets : (
      (t.expiration_days == null || length(t.transitions) == 0 ? true : t.expiration_days > t.transitions[length(t.transitions) - 1].days) &&
      (t.noncurrent_expiration_days == null || length(t.noncurrent_transitions) == 0 ? true : t.noncurrent_expiration_days > t.noncurrent_transitions[length(t.noncurrent_transitions) - 1].noncurrent_days)
    )])
    error_message = "Expiration must come after the last transition of its tier set."
  }

  validation {
    condition = alltrue(flatten([for t in var.tier_sets : [
      for tr in t.noncurrent_transitions : tr.newer_noncurrent_versions == null ? true : tr.newer_noncurrent_versions >= 1 && tr.newer_noncurrent_versions <= 100 && floor(tr.newer_noncurrent_versions) == tr.newer_noncurrent_versions
    ]]))
    error_message = "newer_noncurrent_versions must be a whole number from 1 to 100."
  }

  validation {
    condition = alltrue([for t in var.tier_sets : t.filter == null ? true : (
      (t.filter.prefix == null ? true : length(t.filter.prefix) <= 1024) &&
      (t.filter.object_size_greater_than == null ? true : t.filter.object_size_greater_than >= 0) &&
      (t.filter.object_size_less_than == null ? true : t.filter.object_size_less_than >= 1) &&
      (t.filter.object_size_greater_than == null || t.filter.object_size_less_than == null ? true : t.filter.object_size_greater_than < t.filter.object_size_less_than)
    )])
    error_message = "Tier set filters: prefix at most 1024 characters, object sizes non-negative with object_size_greater_than < object_size_less_than."
  }
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

  validation {
    condition     = length(var.intelligent_tiering) <= 1000 && length(distinct([for c in var.intelligent_tiering : c.name])) == length(var.intelligent_tiering)
    error_message = "intelligent_tiering names must be unique (at most 1000 configurations per bucket)."
  }

  validation {
    condition     = alltrue([for c in var.intelligent_tiering : can(regex("^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$", c.name))])
    error_message = "intelligent_tiering names must be 1-64 letters, digits, '_', '.' and '-' starting with a letter or digit."
  }

  validation {
    condition = alltrue([for c in var.intelligent_tiering : (
      (c.archive_access_days != null || c.deep_archive_access_days != null) &&
      (c.archive_access_days == null ? true : c.archive_access_days >= 90 && c.archive_access_days <= 730 && floor(c.archive_access_days) == c.archive_access_days) &&
      (c.deep_archive_access_days == null ? true : c.deep_archive_access_days >= 180 && c.deep_archive_access_days <= 730 && floor(c.deep_archive_access_days) == c.deep_archive_access_days) &&
      (c.archive_access_days == null || c.deep_archive_access_days == null ? true : c.archive_access_days < c.deep_archive_access_days)
    )])
    error_message = "intelligent_tiering needs archive_access_days (90-730) and/or deep_archive_access_days (180-730), whole days, with archive before deep archive."
  }
}

variable "transition_default_minimum_object_size" {
  description = "Which small objects never transition: `all_storage_classes_128K` (objects under 128 KB stay in STANDARD, avoiding per-object overhead) or `varies_by_storage_class`."
  type        = string
  default     = "all_storage_classes_128K"
  nullable    = false

  validation {
    condition     = contains(["all_storage_classes_128K", "varies_by_storage_class"], var.transition_default_minimum_object_size)
    error_message = "transition_default_minimum_object_size must be all_storage_classes_128K or varies_by_storage_class."
  }
}

variable "cost_estimate" {
  description = "Access pattern for the tier policy's cost estimate (output `estimated_monthly_cost_per_tb`): the typical object size in KB and, for tier sets without `expiration_days`, how many days objects are kept. Null: no estimate."
  type = object({
    assumed_object_size_kb = number
    retention_days         = optional(number)
  })
  default = null

  validation {
    condition     = var.cost_estimate == null ? true : var.cost_estimate.assumed_object_size_kb >= 1 && var.cost_estimate.assumed_object_size_kb <= 5368709120 && floor(var.cost_estimate.assumed_object_size_kb) == var.cost_estimate.assumed_object_size_kb
    error_message = "cost_estimate.assumed_object_size_kb must be a whole number of KB from 1 to 5368709120 (5 TiB, the S3 object size limit)."
  }

  validation {
    condition     = var.cost_estimate == null ? true : (var.cost_estimate.retention_days == null ? true : var.cost_estimate.retention_days >= 1 && floor(var.cost_estimate.retention_days) == var.cost_estimate.retention_days)
    error_message = "cost_estimate.retention_days must be a whole number of days, at least 1."
  }
}
