# Quickstart: a validated RDS parameter profile for the Hive Metastore and a
# hot/warm/cold/deep-archive tier policy on an existing raw-logs bucket, with a
# cost estimate. `make demo` shows the same against local emulated AWS (moto).

terraform {
  required_version = ">= 1.11"
  required_providers {
    logexaminer = {
      source  = "logexaminer/logexaminer"
      version = ">= 0.1.0"
    }
  }
}

provider "logexaminer" {
  region = var.region

  # Only for local emulators such as moto; leave false against AWS.
  s3_use_path_style           = var.local_emulator
  skip_credentials_validation = var.local_emulator

  default_tags {
    tags = {
      platform = "logexaminer"
    }
  }
}

data "logexaminer_db_parameter_profile" "metastore" {
  family         = "mysql8.0"
  engine_version = "8.0.39"
  instance_class = var.metastore_instance_class
}

resource "logexaminer_s3_tier_policy" "raw_logs" {
  bucket = var.raw_logs_bucket

  tier_set {
    name = "raw"
    filter {
      prefix = "raw/"
    }
    transition {
      days          = 30
      storage_class = "STANDARD_IA"
    }
    transition {
      days          = 90
      storage_class = "GLACIER_IR"
    }
    transition {
      days          = 180
      storage_class = "DEEP_ARCHIVE"
    }
    expiration_days                 = 730
    noncurrent_expiration_days      = 30
    abort_incomplete_multipart_days = 7
  }

  intelligent_tiering {
    name = "curated"
    filter {
      prefix = "curated/"
    }
    archive_access_days      = 90
    deep_archive_access_days = 180
  }

  assumed_object_size_kb = 512
  retention_days         = 730
}
