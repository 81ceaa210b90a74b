output "vpc_id" {
  description = "ID of the VPC."
  value       = module.vpc.vpc_id
}

output "private_subnet_ids" {
  description = "Private subnets (EKS nodes and RDS)."
  value       = module.vpc.private_subnet_ids
}

output "logs_bucket" {
  description = "Name of the raw-logs bucket."
  value       = module.logs.bucket_id
}

output "logs_estimated_monthly_cost_per_tb" {
  description = "Estimated monthly storage cost per TB of the raw-logs tiers."
  value       = module.logs.estimated_monthly_cost_per_tb
}

output "metastore_endpoint" {
  description = "Endpoint of the Hive Metastore database."
  value       = module.metastore.db_instance_endpoint
}

output "metastore_master_user_secret_arn" {
  description = "Secret holding the master user credentials: RDS-shaped, written write-only from a password our provider generates (the module's `generated` mode, which allows the read replicas)."
  value       = module.metastore.master_user_secret_arn
}

output "metastore_replicas" {
  description = "Read replicas of the metastore database."
  value       = module.metastore.replicas
}

output "node_groups" {
  description = "EKS node groups."
  value       = module.node_groups.node_groups
}

output "eks_cluster_name" {
  description = "Name of the EKS cluster."
  value       = module.eks.cluster_name
}

output "eks_cluster_endpoint" {
  description = "Private endpoint of the EKS API server."
  value       = module.eks.cluster_endpoint
}

output "pod_identity_role_arns" {
  description = "IAM roles of the Spark and cluster-autoscaler service accounts (EKS Pod Identity)."
  value       = module.eks.pod_identity_role_arns
}

output "rotation_function_arn" {
  description = "The rotation function of the metastore secrets."
  value       = module.rotation.function_arn
}

output "rotation_notifications_topic_arn" {
  description = "SNS topic of rotation failures and rollbacks (the function's notices and EventBridge's RotationFailed events)."
  value       = module.rotation.topic_arn
}
