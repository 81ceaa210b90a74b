# Raw logs: Standard for a month, Standard-IA until day 90, then Glacier Flexible Retrieval,
# deleted after two years. Spark scratch output expires after a week. Objects that land in
# INTELLIGENT_TIERING under curated/ are archived when nobody reads them.
resource "logexaminer_s3_tier_policy" "logs" {
  bucket = "logexaminer-raw-logs"

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
      storage_class = "GLACIER"
    }
    expiration_days                 = 730
    abort_incomplete_multipart_days = 7
  }

  tier_set {
    name = "scratch"
    filter {
      prefix = "spark-scratch/"
    }
    expiration_days                 = 7
    abort_incomplete_multipart_days = 1
  }

  intelligent_tiering {
    name = "curated"
    filter {
      prefix = "curated/"
    }
    archive_access_days      = 90
    deep_archive_access_days = 180
  }

  # Estimate input: typical object size. The estimate is known at plan time.
  assumed_object_size_kb = 2048
}

output "raw_logs_monthly_cost_per_tb" {
  value = logexaminer_s3_tier_policy.logs.estimated_monthly_cost_per_tb
}
