output "db_instance_identifier" {
  description = "Identifier of the primary DB instance."
  value       = try(aws_db_instance.this[0].identifier, null)
}

output "db_instance_arn" {
  description = "ARN of the primary DB instance."
  value       = try(aws_db_instance.this[0].arn, null)
}

output "db_instance_address" {
  description = "Host name of the primary DB instance."
  value       = try(aws_db_instance.this[0].address, null)
}

output "db_instance_endpoint" {
  description = "Endpoint (`host:port`) of the primary DB instance."
  value       = try(aws_db_instance.this[0].endpoint, null)
}

output "db_instance_port" {
  description = "Port of the database."
  value       = local.create ? local.port : null
}

output "db_name" {
  description = "Name of the metastore database."
  value       = local.create ? var.db_name : null
}

output "engine" {
  description = "Engine and version of the database, e.g. `mysql 8.0`."
  value       = local.create ? "${var.engine} ${local.engine_version}" : null
}

output "parameter_group_family" {
  description = "Parameter group family, e.g. `mysql8.0` or `postgres16`."
  value       = local.family
}

output "master_user_secret_arn" {
  description = "ARN of the Secrets Manager secret holding the master user's password: the module's RDS-shaped secret (`generated` mode, rotate it with modules/secret-rotation) or the one RDS manages (`managed` mode)."
  value       = local.master_secret_arn

  # Users made elsewhere with this secret as their admin must not read it before its value is written.
  depends_on = [aws_secretsmanager_secret_version.master]
}

output "master_password_mode" {
  description = "How the master password is kept: `generated` or `managed` (see the `master_password` variable)."
  value       = var.master_password.mode
}

output "replicas" {
  description = "Read replicas: identifier, address and availability zone, in order."
  value = [
    for r in aws_db_instance.replica : {
      identifier        = r.identifier
      address           = r.address
      availability_zone = r.availability_zone
    }
  ]
}

output "security_group_id" {
  description = "ID of the database security group."
  value       = try(aws_security_group.this[0].id, null)
}

output "db_subnet_group_name" {
  description = "Name of the DB subnet group."
  value       = try(aws_db_subnet_group.this[0].name, null)
}

output "db_parameter_group_name" {
  description = "Name of the DB parameter group."
  value       = try(aws_db_parameter_group.this[0].name, null)
}

output "parameter_profile_warnings" {
  description = "Warnings of the LogExaminer parameter profile (e.g. overrides it considers risky)."
  value       = try(data.logexaminer_db_parameter_profile.this[0].warnings, [])
}

output "metastore_user_secret_arns" {
  description = "ARNs of the Secrets Manager secrets holding the metastore users' credentials, keyed like `metastore_users` (IAM-authenticated users have none)."
  value       = { for k, u in logexaminer_db_user.this : k => u.secret_arn if !var.metastore_users[k].iam_authentication }
}

output "rotation_secrets" {
  description = "The `secrets` input of modules/secret-rotation for this database: `master` (the generated mode's master secret, single user) and each password user of `metastore_users` (its `rotation`; alternating users use the master secret as admin). Keys are known at plan time."
  value       = merge(local.master_rotation_secret, local.user_rotation_secrets)
}
