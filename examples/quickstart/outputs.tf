output "metastore_parameters" {
  description = "Parameters for aws_db_parameter_group, from the validated profile."
  value       = { for p in data.logexaminer_db_parameter_profile.metastore.parameters : p.name => "${p.value} (${p.apply_method})" }
}

output "metastore_warnings" {
  description = "Advice from the parameter profile."
  value       = data.logexaminer_db_parameter_profile.metastore.warnings
}

output "raw_logs_tier_sets" {
  description = "Tier sets this policy manages on the bucket (lifecycle rules with IDs logexaminer:<name>:<n>)."
  value       = [for t in logexaminer_s3_tier_policy.raw_logs.tier_set : t.name]
}

output "estimated_monthly_cost_per_tb" {
  description = "Estimated monthly storage cost per TB ingested per month (USD, us-east-1 prices)."
  value       = logexaminer_s3_tier_policy.raw_logs.estimated_monthly_cost_per_tb
}
