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

run "access_logging_into_itself" {
  command = plan

  variables {
    access_logging = { target_bucket = "logexaminer-raw-logs" }
  }

  expect_failures = [var.access_logging]
}

run "queue_notification_bad_arn_and_event" {
  command = plan

  variables {
    queue_notifications = {
      ingest = { queue_arn = "arn:aws:sns:eu-west-1:111122223333:topic", events = ["ObjectCreated"] }
    }
  }

  expect_failures = [var.queue_notifications]
}
