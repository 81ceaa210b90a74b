output "bucket_id" {
  description = "Name of the raw-logs bucket."
  value       = try(aws_s3_bucket.this[0].id, null)
}

output "bucket_arn" {
  description = "ARN of the raw-logs bucket."
  value       = try(aws_s3_bucket.this[0].arn, null)
}

output "bucket_regional_domain_name" {
  description = "Regional domain name of the bucket."
  value       = try(aws_s3_bucket.this[0].bucket_regional_domain_name, null)
}

output "kms_key_arn" {
  description = "ARN of the KMS key encrypting the bucket (created or given)."
  value       = local.create ? local.kms_key_arn : null
}

output "kms_alias_name" {
  description = "Alias of the created KMS key."
  value       = try(aws_kms_alias.this[0].name, null)
}

output "tier_policy_id" {
  description = "ID of the `logexaminer_s3_tier_policy`."
  value       = try(logexaminer_s3_tier_policy.this[0].id, null)
}

output "estimated_monthly_cost_per_tb" {
  description = "Monthly storage cost (USD) per TB ingested per month, estimated by the tier policy from `cost_estimate` (us-east-1 prices, see the provider docs); null without `cost_estimate`."
  value       = try(logexaminer_s3_tier_policy.this[0].estimated_monthly_cost_per_tb, null)
}
