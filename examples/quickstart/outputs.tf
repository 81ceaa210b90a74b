output "metastore_parameters" {
  description = "Parameters for aws_db_parameter_group, from the validated profile."
  value       = { for p in data.logexaminer_db_parameter_profile.metastore.parameters : p.name => "${p.value} (${p.apply_method})" }
}

output "metastore_warnings" {
  description = "Advice from the parameter profile."
  value       = data.logexaminer_db_parameter_profile.metastore.warnings
}

output "raw_logs_lifecycle_rule_ids" {
  description = "Lifecycle rule IDs this policy owns on the bucket."
  value       = logexaminer_s3_tier_policy.raw_logs.rule_ids
}

output "estimated_monthly_cost_per_tb" {
  description = "Estimated monthly storage cost per TB ingested per month (USD, us-east-1 prices)."
  value       = logexaminer_s3_tier_policy.raw_logs.estimated_monthly_cost_per_tb
}
