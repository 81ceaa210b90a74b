# Plan assertions of modules/s3-logs. Run from the module: terraform init && terraform test

mock_provider "aws" {
  mock_data "aws_iam_policy_document" {
    defaults = {
      json = "{\"Version\":\"2012-10-17\",\"Statement\":[]}"
    }
  }
}

mock_provider "logexaminer" {}

variables {
  name = "logexaminer-raw-logs"
  tags = {
    Project = "logexaminer"
  }
}

run "defaults" {
  command = plan

  assert {
    condition     = aws_s3_bucket.this[0].bucket == "logexaminer-raw-logs" && aws_s3_bucket.this[0].force_destroy == false
    error_message = "The bucket must be named as given and not force-destroyed."
  }

  assert {
    condition     = aws_s3_bucket_versioning.this[0].versioning_configuration[0].status == "Enabled"
    error_message = "Versioning must be enabled."
  }

  assert {
    condition = (
      one(aws_s3_bucket_server_side_encryption_configuration.this[0].rule).apply_server_side_encryption_by_default[0].sse_algorithm == "aws:kms" &&
      one(aws_s3_bucket_server_side_encryption_configuration.this[0].rule).bucket_key_enabled == true &&
      length(aws_kms_key.this) == 1 && aws_kms_key.this[0].enable_key_rotation == true
    )
    error_message = "SSE-KMS with a rotated key and bucket keys expected."
  }

  assert {
    condition = (
      aws_s3_bucket_public_access_block.this[0].block_public_acls &&
      aws_s3_bucket_public_access_block.this[0].block_public_policy &&
      aws_s3_bucket_public_access_block.this[0].ignore_public_acls &&
      aws_s3_bucket_public_access_block.this[0].restrict_public_buckets
    )
    error_message = "All public access must be blocked."
  }

  assert {
    condition     = aws_s3_bucket_ownership_controls.this[0].rule[0].object_ownership == "BucketOwnerEnforced"
    error_message = "ACLs must be disabled."
  }

  assert {
    condition = (
      data.aws_iam_policy_document.this[0].statement[0].effect == "Deny" &&
      [for c in data.aws_iam_policy_document.this[0].statement[0].condition : "${c.test} ${c.variable} ${join(",", c.values)}"] == ["Bool aws:SecureTransport false"] &&
      [for c in data.aws_iam_policy_document.this[0].statement[1].condition : "${c.test} ${c.variable} ${join(",", c.values)}"] == ["NumericLessThan s3:TlsVersion 1.2"] &&
      data.aws_iam_policy_document.this[0].statement[0].actions == toset(["s3:*"])
    )
    error_message = "The bucket policy must deny plain HTTP and TLS older than 1.2."
  }

  assert {
    condition     = length(logexaminer_s3_tier_policy.this) == 1 && length(logexaminer_s3_tier_policy.this[0].tier_set) == 1
    error_message = "A tier policy with one tier set is expected."
  }

  assert {
    condition = (
      logexaminer_s3_tier_policy.this[0].tier_set[0].name == "raw-logs" &&
      [for t in logexaminer_s3_tier_policy.this[0].tier_set[0].transition : "${t.days}:${t.storage_class}"] == ["30:STANDARD_IA", "90:GLACIER_IR", "180:DEEP_ARCHIVE"]
    )
    error_message = "The default policy must go STANDARD_IA at 30 days, GLACIER_IR at 90, DEEP_ARCHIVE at 180."
  }

  assert {
    condition = (
      [for t in logexaminer_s3_tier_policy.this[0].tier_set[0].noncurrent_transition : "${t.noncurrent_days}:${t.storage_class}"] == ["30:GLACIER_IR"] &&
      logexaminer_s3_tier_policy.this[0].tier_set[0].noncurrent_expiration_days == 90 &&
      logexaminer_s3_tier_policy.this[0].tier_set[0].abort_incomplete_multipart_days == 7 &&
      logexaminer_s3_tier_policy.this[0].tier_set[0].expiration_days == null &&
      length(logexaminer_s3_tier_policy.this[0].tier_set[0].filter) == 0
    )
    error_message = "Noncurrent versions go to GLACIER_IR at 30 days and expire at 90; multipart uploads are aborted after 7 days; current logs never expire."
  }

  assert {
    condition     = logexaminer_s3_tier_policy.this[0].transition_default_minimum_object_size == "all_storage_classes_128K" && length(logexaminer_s3_tier_policy.this[0].intelligent_tiering) == 0
    error_message = "Small objects stay in STANDARD by default; no intelligent tiering by default."
  }

  assert {
    condition     = logexaminer_s3_tier_policy.this[0].assumed_object_size_kb == null && logexaminer_s3_tier_policy.this[0].retention_days == null
    error_message = "Without cost_estimate the tier policy gets no estimate inputs."
  }

  assert {
    condition     = aws_s3_bucket.this[0].tags["Project"] == "logexaminer" && aws_kms_key.this[0].tags["Name"] == "logexaminer-raw-logs"
    error_message = "Tags must be applied."
  }

  assert {
    condition     = aws_kms_alias.this[0].name == "alias/s3/logexaminer-raw-logs"
    error_message = "The key alias must follow the bucket name."
  }
}

run "custom_tiers_and_intelligent_tiering" {
  command = plan

  variables {
    tier_sets = [
      {
        name            = "spark-events"
        filter          = { prefix = "spark-events/", object_size_greater_than = 131072 }
        transitions     = [{ days = 0, storage_class = "INTELLIGENT_TIERING" }, { days = 365, storage_class = "DEEP_ARCHIVE" }]
        expiration_days = 730
      },
      {
        name                            = "tmp"
        filter                          = { prefix = "tmp/" }
        expiration_days                 = 7
        abort_incomplete_multipart_days = 1
      },
    ]
    intelligent_tiering = [{
      name                     = "spark-events"
      filter                   = { prefix = "spark-events/" }
      archive_access_days      = 90
      deep_archive_access_days = 180
    }]
    cost_estimate = { assumed_object_size_kb = 512, retention_days = 365 }
  }

  assert {
    condition     = logexaminer_s3_tier_policy.this[0].assumed_object_size_kb == 512 && logexaminer_s3_tier_policy.this[0].retention_days == 365
    error_message = "cost_estimate must reach the tier policy's estimate inputs."
  }

  assert {
    condition = (
      length(logexaminer_s3_tier_policy.this[0].tier_set) == 2 &&
      logexaminer_s3_tier_policy.this[0].tier_set[0].filter[0].prefix == "spark-events/" &&
      logexaminer_s3_tier_policy.this[0].tier_set[0].filter[0].object_size_greater_than == 131072 &&
      logexaminer_s3_tier_policy.this[0].tier_set[0].expiration_days == 730 &&
      logexaminer_s3_tier_policy.this[0].tier_set[1].expiration_days == 7 &&
      length(logexaminer_s3_tier_policy.this[0].tier_set[1].transition) == 0
    )
    error_message = "Tier sets must be passed through with their filters."
  }

  assert {
    condition = (
      logexaminer_s3_tier_policy.this[0].intelligent_tiering[0].name == "spark-events" &&
      logexaminer_s3_tier_policy.this[0].intelligent_tiering[0].archive_access_days == 90 &&
      logexaminer_s3_tier_policy.this[0].intelligent_tiering[0].deep_archive_access_days == 180 &&
      logexaminer_s3_tier_policy.this[0].intelligent_tiering[0].filter[0].prefix == "spark-events/"
    )
    error_message = "Intelligent-Tiering archive configurations must be passed through."
  }
}

run "existing_key_and_name_prefix" {
  command = plan

  variables {
    name            = "logexaminer-raw-"
    use_name_prefix = true
    create_kms_key  = false
    kms_key_arn     = "arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"
  }

  assert {
    condition     = aws_s3_bucket.this[0].bucket_prefix == "logexaminer-raw-" && length(aws_kms_key.this) == 0 && length(aws_kms_alias.this) == 0
    error_message = "A name prefix and an existing key must be used."
  }

  assert {
    condition     = one(aws_s3_bucket_server_side_encryption_configuration.this[0].rule).apply_server_side_encryption_by_default[0].kms_master_key_id == "arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"
    error_message = "The given key must encrypt the bucket."
  }
}

run "tls_13" {
  command = plan

  variables {
    minimum_tls_version = "1.3"
  }

  assert {
    condition     = [for c in data.aws_iam_policy_document.this[0].statement[1].condition : "${c.test} ${c.variable} ${join(",", c.values)}"] == ["NumericLessThan s3:TlsVersion 1.3"]
    error_message = "minimum_tls_version must reach the policy."
  }
}

run "create_false" {
  command = plan

  variables {
    create = false
  }

  assert {
    condition     = length(aws_s3_bucket.this) == 0 && length(aws_kms_key.this) == 0 && length(logexaminer_s3_tier_policy.this) == 0 && output.bucket_id == null
    error_message = "create = false must create nothing."
  }
}

run "access_logging_and_queue_notifications" {
  command = plan

  variables {
    access_logging = { target_bucket = "logexaminer-access-logs" }
    queue_notifications = {
      ingest = {
        queue_arn     = "arn:aws:sqs:eu-west-1:111122223333:logexaminer-ingest"
        filter_prefix = "raw/"
        filter_suffix = ".json.gz"
      }
    }
  }

  assert {
    condition     = aws_s3_bucket_logging.this[0].target_bucket == "logexaminer-access-logs" && aws_s3_bucket_logging.this[0].target_prefix == "logexaminer-raw-logs/"
    error_message = "Access logs must go to the given bucket under <name>/."
  }

  assert {
    condition = (
      length(aws_s3_bucket_notification.this[0].queue) == 1 &&
      one(aws_s3_bucket_notification.this[0].queue).id == "ingest" &&
      one(aws_s3_bucket_notification.this[0].queue).queue_arn == "arn:aws:sqs:eu-west-1:111122223333:logexaminer-ingest" &&
      jsonencode(one(aws_s3_bucket_notification.this[0].queue).events) == jsonencode(["s3:ObjectCreated:*"]) &&
      one(aws_s3_bucket_notification.this[0].queue).filter_prefix == "raw/" &&
      one(aws_s3_bucket_notification.this[0].queue).filter_suffix == ".json.gz"
    )
    error_message = "New objects under raw/ ending in .json.gz must be announced to the ingestion queue."
  }
}

run "no_access_logging_or_notifications_by_default" {
  command = plan

  assert {
    condition     = length(aws_s3_bucket_logging.this) == 0 && length(aws_s3_bucket_notification.this) == 0
    error_message = "Access logging and notifications are opt-in."
  }
}
