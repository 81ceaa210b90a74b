output "function_arn" {
  description = "ARN of the rotation function."
  value       = try(aws_lambda_function.this[0].arn, null)
}

output "function_name" {
  description = "Name of the rotation function."
  value       = try(aws_lambda_function.this[0].function_name, null)
}

output "role_arn" {
  description = "ARN of the function's IAM role."
  value       = try(aws_iam_role.this[0].arn, null)
}

output "security_group_id" {
  description = "ID of the function's security group (allowed into `database_security_group_ids`)."
  value       = try(aws_security_group.function[0].id, null)
}

output "secretsmanager_endpoint_id" {
  description = "ID of the Secrets Manager interface endpoint, when created."
  value       = try(aws_vpc_endpoint.secretsmanager[0].id, null)
}

output "topic_arn" {
  description = "ARN of the notification topic (created or given)."
  value       = local.create ? local.topic_arn : null
}

output "event_rule_arn" {
  description = "ARN of the EventBridge rule on RotationFailed/RotationAbandoned."
  value       = try(aws_cloudwatch_event_rule.rotation_failed[0].arn, null)
}

output "package_source_code_hash" {
  description = "Base64 SHA-256 of the deployed zip."
  value       = local.create ? local.package_hash : null
}

output "rotations" {
  description = "Per secret key: secret ARN, next rotation date and last rotation status."
  value = {
    for k, r in logexaminer_secret_rotation.this : k => {
      secret_arn           = r.secret_arn
      next_rotation_date   = r.next_rotation_date
      last_rotated_date    = r.last_rotated_date
      last_rotation_status = r.last_rotation_status
    }
  }
}
