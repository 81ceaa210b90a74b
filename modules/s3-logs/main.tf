locals {
  create = var.create

  kms_key_arn = var.create_kms_key ? try(aws_kms_key.this[0].arn, null) : var.kms_key_arn
}

################################################################################
# KMS key
################################################################################

resource "aws_kms_key" "this" {
  count = local.create && var.create_kms_key ? 1 : 0

  description             = "SSE-KMS key of the raw-logs bucket ${var.name}"
  deletion_window_in_days = var.kms_key_deletion_window_in_days
  enable_key_rotation     = true
  policy                  = var.kms_key_policy

  tags = merge({ Name = var.name }, var.tags)
}

resource "aws_kms_alias" "this" {
  count = local.create && var.create_kms_key ? 1 : 0

  name          = "alias/s3/${replace(var.name, ".", "-")}"
  target_key_id = aws_kms_key.this[0].key_id
}

################################################################################
# Bucket
################################################################################

resource "aws_s3_bucket" "this" {
  count = local.create ? 1 : 0

  bucket        = var.use_name_prefix ? null : var.name
  bucket_prefix = var.use_name_prefix ? var.name : null
  force_destroy = var.force_destroy

  tags = merge({ Name = var.name }, var.tags)
}

resource "aws_s3_bucket_ownership_controls" "this" {
  count = local.create ? 1 : 0

  bucket = aws_s3_bucket.this[0].id

  rule {
    object_ownership = "BucketOwnerEnforced"
  }
}

resource "aws_s3_bucket_public_access_block" "this" {
  count = local.create ? 1 : 0

  bucket                  = aws_s3_bucket.this[0].id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket_versioning" "this" {
  count = local.create ? 1 : 0

  bucket = aws_s3_bucket.this[0].id

  versioning_configuration {
    status = "Enabled"
  }
}

resource "aws_s3_bucket_server_side_encryption_configuration" "this" {
  count = local.create ? 1 : 0

  bucket = aws_s3_bucket.this[0].id

  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm     = "aws:kms"
      kms_master_key_id = local.kms_key_arn
    }
    bucket_key_enabled = true
  }
}

################################################################################
# TLS-only bucket policy
################################################################################

data "aws_iam_policy_document" "this" {
  count = local.create ? 1 : 0

  source_policy_documents = var.additional_policy_json == null ? [] : [var.additional_policy_json]

  statement {
    sid       = "DenyInsecureTransport"
    effect    = "Deny"
    actions   = ["s3:*"]
    resources = [aws_s3_bucket.this[0].arn, "${aws_s3_bucket.this[0].arn}/*"]

    principals {
      type        = "*"
      identifiers = ["*"]
    }

    condition {
      test     = "Bool"
      variable = "aws:SecureTransport"
      values   = ["false"]
    }
  }

  statement {
    sid       = "DenyOutdatedTLS"
    effect    = "Deny"
    actions   = ["s3:*"]
    resources = [aws_s3_bucket.this[0].arn, "${aws_s3_bucket.this[0].arn}/*"]

    principals {
      type        = "*"
      identifiers = ["*"]
    }

    condition {
      test     = "NumericLessThan"
      variable = "s3:TlsVersion"
      values   = [var.minimum_tls_version]
    }
  }

  statement {
    sid       = "DenyNonKmsEncryption"
    effect    = "Deny"
    actions   = ["s3:PutObject"]
    resources = ["${aws_s3_bucket.this[0].arn}/*"]

    principals {
      type        = "*"
      identifiers = ["*"]
    }

    condition {
      test     = "StringNotEqualsIfExists"
      variable = "s3:x-amz-server-side-encryption"
      values   = ["aws:kms", "aws:kms:dsse"]
    }
  }
}

resource "aws_s3_bucket_policy" "this" {
  count = local.create ? 1 : 0

  bucket = aws_s3_bucket.this[0].id
  policy = data.aws_iam_policy_document.this[0].json

  depends_on = [aws_s3_bucket_public_access_block.this]
}

################################################################################
# Tiering
################################################################################

resource "logexaminer_s3_tier_policy" "this" {
  count = local.create ? 1 : 0

  bucket                                 = aws_s3_bucket.this[0].id
  transition_default_minimum_object_size = var.transition_default_minimum_object_size
  assumed_object_size_kb                 = try(var.cost_estimate.assumed_object_size_kb, null)
  retention_days                         = try(var.cost_estimate.retention_days, null)

  dynamic "tier_set" {
    for_each = var.tier_sets

    content {
      name                            = tier_set.value.name
      expiration_days                 = tier_set.value.expiration_days
      noncurrent_expiration_days      = tier_set.value.noncurrent_expiration_days
      abort_incomplete_multipart_days = tier_set.value.abort_incomplete_multipart_days

      dynamic "filter" {
        for_each = tier_set.value.filter == null ? [] : [tier_set.value.filter]

        content {
          prefix                   = filter.value.prefix
          tags                     = filter.value.tags
          object_size_greater_than = filter.value.object_size_greater_than
          object_size_less_than    = filter.value.object_size_less_than
        }
      }

      dynamic "transition" {
        for_each = tier_set.value.transitions

        content {
          days          = transition.value.days
          storage_class = transition.value.storage_class
        }
      }

      dynamic "noncurrent_transition" {
        for_each = tier_set.value.noncurrent_transitions

        content {
          noncurrent_days           = noncurrent_transition.value.noncurrent_days
          newer_noncurrent_versions = noncurrent_transition.value.newer_noncurrent_versions
          storage_class             = noncurrent_transition.value.storage_class
        }
      }
    }
  }

  dynamic "intelligent_tiering" {
    for_each = var.intelligent_tiering

    content {
      name                     = intelligent_tiering.value.name
      archive_access_days      = intelligent_tiering.value.archive_access_days
      deep_archive_access_days = intelligent_tiering.value.deep_archive_access_days

      dynamic "filter" {
        for_each = intelligent_tiering.value.filter == null ? [] : [intelligent_tiering.value.filter]

        content {
          prefix = filter.value.prefix
          tags   = filter.value.tags
        }
      }
    }
  }

  # Noncurrent-version rules need versioning.
  depends_on = [aws_s3_bucket_versioning.this]
}

################################################################################
# Access logging and event notifications
################################################################################

resource "aws_s3_bucket_logging" "this" {
  count = local.create && var.access_logging != null ? 1 : 0

  bucket        = aws_s3_bucket.this[0].id
  target_bucket = var.access_logging.target_bucket
  target_prefix = coalesce(var.access_logging.target_prefix, "${var.name}/")
}

resource "aws_s3_bucket_notification" "this" {
  count = local.create && length(var.queue_notifications) > 0 ? 1 : 0

  bucket = aws_s3_bucket.this[0].id

  dynamic "queue" {
    for_each = var.queue_notifications

    content {
      id            = queue.key
      queue_arn     = queue.value.queue_arn
      events        = queue.value.events
      filter_prefix = queue.value.filter_prefix
      filter_suffix = queue.value.filter_suffix
    }
  }
}
