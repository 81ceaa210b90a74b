# One run per validation rule of modules/s3-logs: each input AWS would reject must fail at plan time.

mock_provider "aws" {}

mock_provider "logexaminer" {}

variables {
  name = "logexaminer-raw-logs"
}

run "name_too_short" {
  command = plan

  variables {
    name = "lg"
  }

  expect_failures = [var.name]
}

run "name_too_long" {
  command = plan

  variables {
    name = "llllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllll"
  }

  expect_failures = [var.name]
}

run "name_uppercase" {
  command = plan

  variables {
    name = "LogExaminer-logs"
  }

  expect_failures = [var.name]
}

run "name_underscore" {
  command = plan

  variables {
    name = "logexaminer_logs"
  }

  expect_failures = [var.name]
}

run "name_ends_with_hyphen" {
  command = plan

  variables {
    name = "logexaminer-logs-"
  }

  expect_failures = [var.name]
}

run "name_adjacent_periods" {
  command = plan

  variables {
    name = "logexaminer..logs"
  }

  expect_failures = [var.name]
}

run "name_ip_address" {
  command = plan

  variables {
    name = "192.168.5.4"
  }

  expect_failures = [var.name]
}

run "name_reserved_prefix" {
  command = plan

  variables {
    name = "xn--logs"
  }

  expect_failures = [var.name]
}

run "name_reserved_suffix" {
  command = plan

  variables {
    name = "logs-s3alias"
  }

  expect_failures = [var.name]
}

run "name_prefix_too_long" {
  command = plan

  variables {
    name            = "pppppppppppppppppppppppppppppppppppppp"
    use_name_prefix = true
  }

  expect_failures = [var.name]
}

run "tags_too_many" {
  command = plan

  variables {
    tags = { for i in range(46) : "k${i}" => "v" }
  }

  expect_failures = [var.tags]
}

run "tags_aws_prefix" {
  command = plan

  variables {
    tags = { "aws:x" = "y" }
  }

  expect_failures = [var.tags]
}

run "kms_key_arn_invalid" {
  command = plan

  variables {
    create_kms_key = false
    kms_key_arn    = "alias/logs"
  }

  expect_failures = [var.kms_key_arn]
}

run "kms_key_arn_missing" {
  command = plan

  variables {
    create_kms_key = false
  }

  expect_failures = [var.kms_key_arn]
}

run "kms_deletion_window_short" {
  command = plan

  variables {
    kms_key_deletion_window_in_days = 6
  }

  expect_failures = [var.kms_key_deletion_window_in_days]
}

run "kms_policy_not_json" {
  command = plan

  variables {
    kms_key_policy = "allow all"
  }

  expect_failures = [var.kms_key_policy]
}

run "tls_version_10" {
  command = plan

  variables {
    minimum_tls_version = "1.0"
  }

  expect_failures = [var.minimum_tls_version]
}

run "additional_policy_not_policy" {
  command = plan

  variables {
    additional_policy_json = "{}"
  }

  expect_failures = [var.additional_policy_json]
}

run "tier_names_repeat" {
  command = plan

  variables {
    tier_sets = [{ name = "a", expiration_days = 30 }, { name = "a", expiration_days = 60 }]
  }

  expect_failures = [var.tier_sets]
}

run "tier_name_invalid" {
  command = plan

  variables {
    tier_sets = [{ name = "raw logs", expiration_days = 30 }]
  }

  expect_failures = [var.tier_sets]
}

run "transition_to_standard" {
  command = plan

  variables {
    tier_sets = [{ name = "a", transitions = [{ days = 30, storage_class = "STANDARD" }] }]
  }

  expect_failures = [var.tier_sets]
}

run "transition_negative_days" {
  command = plan

  variables {
    tier_sets = [{ name = "a", transitions = [{ days = -1, storage_class = "GLACIER" }] }]
  }

  expect_failures = [var.tier_sets]
}

run "transitions_not_increasing" {
  command = plan

  variables {
    tier_sets = [{ name = "a", transitions = [{ days = 90, storage_class = "GLACIER_IR" }, { days = 90, storage_class = "DEEP_ARCHIVE" }] }]
  }

  expect_failures = [var.tier_sets]
}

run "intelligent_tiering_to_standard_ia" {
  command = plan

  variables {
    tier_sets = [{ name = "a", transitions = [{ days = 1, storage_class = "INTELLIGENT_TIERING" }, { days = 30, storage_class = "STANDARD_IA" }] }]
  }

  expect_failures = [var.tier_sets]
}

run "onezone_ia_to_glacier_ir" {
  command = plan

  variables {
    tier_sets = [{ name = "a", transitions = [{ days = 30, storage_class = "ONEZONE_IA" }, { days = 90, storage_class = "GLACIER_IR" }] }]
  }

  expect_failures = [var.tier_sets]
}

run "standard_ia_before_30_days" {
  command = plan

  variables {
    tier_sets = [{ name = "a", transitions = [{ days = 10, storage_class = "STANDARD_IA" }] }]
  }

  expect_failures = [var.tier_sets]
}

run "noncurrent_onezone_before_30_days" {
  command = plan

  variables {
    tier_sets = [{ name = "a", noncurrent_transitions = [{ noncurrent_days = 7, storage_class = "ONEZONE_IA" }] }]
  }

  expect_failures = [var.tier_sets]
}

run "glacier_too_soon_after_ia" {
  command = plan

  variables {
    tier_sets = [{ name = "a", transitions = [{ days = 30, storage_class = "STANDARD_IA" }, { days = 45, storage_class = "GLACIER" }] }]
  }

  expect_failures = [var.tier_sets]
}

run "expiration_before_last_transition" {
  command = plan

  variables {
    tier_sets = [{ name = "a", transitions = [{ days = 90, storage_class = "GLACIER_IR" }], expiration_days = 60 }]
  }

  expect_failures = [var.tier_sets]
}

run "noncurrent_expiration_before_transition" {
  command = plan

  variables {
    tier_sets = [{ name = "a", noncurrent_transitions = [{ noncurrent_days = 30, storage_class = "GLACIER_IR" }], noncurrent_expiration_days = 20 }]
  }

  expect_failures = [var.tier_sets]
}

run "newer_noncurrent_versions_too_many" {
  command = plan

  variables {
    tier_sets = [{ name = "a", noncurrent_transitions = [{ noncurrent_days = 30, newer_noncurrent_versions = 101, storage_class = "GLACIER_IR" }] }]
  }

  expect_failures = [var.tier_sets]
}

run "filter_sizes_inverted" {
  command = plan

  variables {
    tier_sets = [{ name = "a", filter = { object_size_greater_than = 1000, object_size_less_than = 10 }, expiration_days = 30 }]
  }

  expect_failures = [var.tier_sets]
}

run "abort_multipart_zero" {
  command = plan

  variables {
    tier_sets = [{ name = "a", abort_incomplete_multipart_days = 0 }]
  }

  expect_failures = [var.tier_sets]
}

run "intelligent_tiering_names_repeat" {
  command = plan

  variables {
    intelligent_tiering = [{ name = "a", archive_access_days = 90 }, { name = "a", archive_access_days = 120 }]
  }

  expect_failures = [var.intelligent_tiering]
}

run "intelligent_tiering_name_invalid" {
  command = plan

  variables {
    intelligent_tiering = [{ name = "a b", archive_access_days = 90 }]
  }

  expect_failures = [var.intelligent_tiering]
}

run "intelligent_tiering_archive_too_soon" {
  command = plan

  variables {
    intelligent_tiering = [{ name = "a", archive_access_days = 30 }]
  }

  expect_failures = [var.intelligent_tiering]
}

run "intelligent_tiering_deep_too_soon" {
  command = plan

  variables {
    intelligent_tiering = [{ name = "a", deep_archive_access_days = 90 }]
  }

  expect_failures = [var.intelligent_tiering]
}

run "intelligent_tiering_deep_too_late" {
  command = plan

  variables {
    intelligent_tiering = [{ name = "a", deep_archive_access_days = 731 }]
  }

  expect_failures = [var.intelligent_tiering]
}

run "intelligent_tiering_deep_before_archive" {
  command = plan

  variables {
    intelligent_tiering = [{ name = "a", archive_access_days = 200, deep_archive_access_days = 180 }]
  }

  expect_failures = [var.intelligent_tiering]
}

run "intelligent_tiering_no_days" {
  command = plan

  variables {
    intelligent_tiering = [{ name = "a" }]
  }

  expect_failures = [var.intelligent_tiering]
}

run "minimum_object_size_invalid" {
  command = plan

  variables {
    transition_default_minimum_object_size = "128K"
  }

  expect_failures = [var.transition_default_minimum_object_size]
}

run "cost_estimate_object_size_zero" {
  command = plan

  variables {
    cost_estimate = { assumed_object_size_kb = 0 }
  }

  expect_failures = [var.cost_estimate]
}

run "cost_estimate_retention_fraction" {
  command = plan

  variables {
    cost_estimate = { assumed_object_size_kb = 512, retention_days = 30.5 }
  }

  expect_failures = [var.cost_estimate]
}
