# Two candidate policies for 1 MB log objects kept for a year; compare them with
#   terraform console
#   > data.logexaminer_s3_tier_cost.warm.estimated_monthly_cost_per_tb
#   > data.logexaminer_s3_tier_cost.cold.breakdown
data "logexaminer_s3_tier_cost" "warm" {
  tier_set {
    name = "logs"
    transition {
      days          = 30
      storage_class = "STANDARD_IA"
    }
    expiration_days = 365
  }
  assumed_object_size_kb = 1024
}

data "logexaminer_s3_tier_cost" "cold" {
  tier_set {
    name = "logs"
    transition {
      days          = 30
      storage_class = "STANDARD_IA"
    }
    transition {
      days          = 90
      storage_class = "GLACIER"
    }
    expiration_days = 365
  }
  assumed_object_size_kb = 1024
}

output "monthly_cost_per_tb" {
  value = {
    warm = data.logexaminer_s3_tier_cost.warm.estimated_monthly_cost_per_tb
    cold = data.logexaminer_s3_tier_cost.cold.estimated_monthly_cost_per_tb
  }
}
