output "cluster_name" {
  description = "Name of the cluster (for modules/eks-node-groups `cluster_name`); known once the cluster exists, so dependants wait for it."
  value       = try(aws_eks_cluster.this[0].name, null)
}

output "cluster_arn" {
  description = "ARN of the cluster."
  value       = try(aws_eks_cluster.this[0].arn, null)
}

output "cluster_endpoint" {
  description = "Endpoint of the Kubernetes API server."
  value       = try(aws_eks_cluster.this[0].endpoint, null)
}

output "cluster_certificate_authority_data" {
  description = "Base64-encoded certificate of the cluster's certificate authority."
  value       = try(aws_eks_cluster.this[0].certificate_authority[0].data, null)
}

output "cluster_version" {
  description = "Kubernetes version of the control plane."
  value       = try(aws_eks_cluster.this[0].version, null)
}

output "cluster_platform_version" {
  description = "EKS platform version of the cluster."
  value       = try(aws_eks_cluster.this[0].platform_version, null)
}

output "cluster_oidc_issuer_url" {
  description = "URL of the cluster's OpenID Connect issuer (for IAM roles for service accounts, where Pod Identity does not fit)."
  value       = try(aws_eks_cluster.this[0].identity[0].oidc[0].issuer, null)
}

output "cluster_security_group_id" {
  description = "ID of the cluster security group EKS created (attached to the control plane and to managed nodes); allow it in the database security group."
  value       = try(aws_eks_cluster.this[0].vpc_config[0].cluster_security_group_id, null)
}

output "security_group_id" {
  description = "ID of the additional control-plane security group the module created."
  value       = try(aws_security_group.this[0].id, null)
}

output "iam_role_arn" {
  description = "ARN of the cluster IAM role (created or given)."
  value       = local.create ? local.cluster_role_arn : null
}

output "iam_role_name" {
  description = "Name of the created cluster IAM role."
  value       = try(aws_iam_role.cluster[0].name, null)
}

output "kms_key_arn" {
  description = "ARN of the KMS key encrypting Kubernetes secrets (created or given)."
  value       = local.create ? local.kms_key_arn : null
}

output "kms_key_alias" {
  description = "Alias of the created KMS key."
  value       = try(aws_kms_alias.this[0].name, null)
}

output "cloudwatch_log_group_name" {
  description = "Name of the control-plane log group."
  value       = try(aws_cloudwatch_log_group.this[0].name, null)
}

output "cloudwatch_log_group_arn" {
  description = "ARN of the control-plane log group."
  value       = try(aws_cloudwatch_log_group.this[0].arn, null)
}

output "access_entry_arns" {
  description = "ARNs of the access entries keyed like `access_entries`."
  value       = { for k, e in aws_eks_access_entry.this : k => e.access_entry_arn }
}

output "access_policy_association_keys" {
  description = "Keys (`<entry>/<association>`) of the access policy associations."
  value       = keys(aws_eks_access_policy_association.this)
}

output "addons" {
  description = "Managed add-ons keyed by name: ARN and version."
  value       = { for k, a in aws_eks_addon.this : k => { arn = a.arn, addon_version = a.addon_version } }
}

output "pod_identity_role_arns" {
  description = "ARNs of the Pod Identity IAM roles keyed like `pod_identities`."
  value       = { for k, r in aws_iam_role.pod_identity : k => r.arn }
}

output "pod_identity_role_names" {
  description = "Names of the Pod Identity IAM roles keyed like `pod_identities` (to attach more policies)."
  value       = { for k, r in aws_iam_role.pod_identity : k => r.name }
}

output "pod_identity_association_ids" {
  description = "IDs of the Pod Identity associations keyed like `pod_identities`."
  value       = { for k, a in aws_eks_pod_identity_association.this : k => a.association_id }
}
