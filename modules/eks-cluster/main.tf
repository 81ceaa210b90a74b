locals {
  create = var.create

  log_group_name = "/aws/eks/${var.name}/cluster"

  partition  = try(data.aws_partition.current[0].partition, "aws")
  account_id = try(data.aws_caller_identity.current[0].account_id, "")
  region     = try(data.aws_region.current[0].region, "")

  # Known at plan time (no resource attribute), so the Pod Identity trust policies are too.
  cluster_arn = "arn:${local.partition}:eks:${local.region}:${local.account_id}:cluster/${var.name}"

  cluster_role_arn = var.create_iam_role ? try(aws_iam_role.cluster[0].arn, null) : var.iam_role_arn
  kms_key_arn      = var.create_kms_key ? try(aws_kms_key.this[0].arn, null) : var.kms_key_arn

  security_group_ids = concat(
    var.create_security_group ? [try(aws_security_group.this[0].id, null)] : [],
    var.additional_security_group_ids,
  )

  # Keys come only from the user's map keys, so the plan never waits for ARNs or IDs.
  access_policy_associations = {
    for a in flatten([
      for ek, e in var.access_entries : [
        for ak, assoc in e.policy_associations : {
          key        = "${ek}/${ak}"
          entry      = ek
          policy_arn = assoc.policy_arn
          scope_type = assoc.access_scope.type
          namespaces = assoc.access_scope.namespaces
        }
      ]
    ]) : a.key => a
  }

  pod_identity_policy_attachments = {
    for a in flatten([
      for pk, p in var.pod_identities : [
        for ak, arn in p.policy_arns : { key = "${pk}/${ak}", identity = pk, policy_arn = arn }
      ]
    ]) : a.key => a
  }

  pod_identity_inline_policies = { for k, p in var.pod_identities : k => p if p.attach_policy_json }
}

data "aws_partition" "current" {
  count = local.create ? 1 : 0
}

data "aws_caller_identity" "current" {
  count = local.create ? 1 : 0
}

data "aws_region" "current" {
  count = local.create ? 1 : 0
}

################################################################################
# Control-plane log group, created before the cluster so EKS does not create an unmanaged one without retention
################################################################################

resource "aws_cloudwatch_log_group" "this" {
  count = local.create ? 1 : 0

  name              = local.log_group_name
  retention_in_days = var.log_retention_in_days
  kms_key_id        = var.log_kms_key_arn

  tags = merge({ Name = local.log_group_name }, var.tags)
}

################################################################################
# Cluster IAM role (Amazon EKS User Guide, "Amazon EKS cluster IAM role")
################################################################################

resource "aws_iam_role" "cluster" {
  count = local.create && var.create_iam_role ? 1 : 0

  name        = var.use_name_prefix ? null : "${var.name}-cluster"
  name_prefix = var.use_name_prefix ? "${substr(var.name, 0, 29)}-cluster-" : null
  description = "EKS control plane of ${var.name}"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid       = "EKSClusterAssumeRole"
      Effect    = "Allow"
      Action    = ["sts:AssumeRole", "sts:TagSession"]
      Principal = { Service = "eks.amazonaws.com" }
    }]
  })
  permissions_boundary  = var.iam_role_permissions_boundary
  force_detach_policies = true

  tags = merge({ Name = "${var.name}-cluster" }, var.tags)

  lifecycle {
    precondition {
      condition     = var.use_name_prefix || length("${var.name}-cluster") <= 64
      error_message = "The IAM role name ${var.name}-cluster is longer than 64 characters: use a shorter name or use_name_prefix = true."
    }
  }
}

resource "aws_iam_role_policy_attachment" "cluster" {
  count = local.create && var.create_iam_role ? 1 : 0

  role       = aws_iam_role.cluster[0].name
  policy_arn = "arn:${local.partition}:iam::aws:policy/AmazonEKSClusterPolicy"
}

# What EKS needs of the secrets key (Amazon EKS User Guide, "Encrypt Kubernetes secrets with KMS on existing
# clusters"): also for a given key whose key policy delegates to IAM.
resource "aws_iam_role_policy" "cluster_encryption" {
  count = local.create && var.create_iam_role ? 1 : 0

  name = "eks-secrets-encryption"
  role = aws_iam_role.cluster[0].id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid      = "UseSecretsKey"
      Effect   = "Allow"
      Action   = ["kms:Encrypt", "kms:Decrypt", "kms:ListGrants", "kms:DescribeKey"]
      Resource = local.kms_key_arn
    }]
  })
}

################################################################################
# KMS key for envelope encryption of Kubernetes secrets
################################################################################

resource "aws_kms_key" "this" {
  count = local.create && var.create_kms_key ? 1 : 0

  description             = "Envelope encryption of Kubernetes secrets of the EKS cluster ${var.name}"
  key_usage               = "ENCRYPT_DECRYPT"
  enable_key_rotation     = true
  deletion_window_in_days = var.kms_key_deletion_window_in_days

  # Least privilege: the account (through IAM policies) administers the key but cannot use it; only the cluster
  # role encrypts and decrypts, and creates grants only for AWS resources (AWS KMS Developer Guide, "Key policies").
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Sid       = "KeyAdministration"
        Effect    = "Allow"
        Principal = { AWS = "arn:${local.partition}:iam::${local.account_id}:root" }
        Action = [
          "kms:Create*",
          "kms:Describe*",
          "kms:Enable*",
          "kms:List*",
          "kms:Put*",
          "kms:Update*",
          "kms:Revoke*",
          "kms:Disable*",
          "kms:Get*",
          "kms:Delete*",
          "kms:TagResource",
          "kms:UntagResource",
          "kms:ScheduleKeyDeletion",
          "kms:CancelKeyDeletion",
          "kms:RotateKeyOnDemand",
        ]
        Resource = "*"
      },
      {
        Sid       = "KeyUseByCluster"
        Effect    = "Allow"
        Principal = { AWS = local.cluster_role_arn }
        Action    = ["kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:DescribeKey"]
        Resource  = "*"
      },
      {
        Sid       = "GrantsForAWSResourcesByCluster"
        Effect    = "Allow"
        Principal = { AWS = local.cluster_role_arn }
        Action    = ["kms:CreateGrant", "kms:ListGrants", "kms:RevokeGrant"]
        Resource  = "*"
        Condition = { Bool = { "kms:GrantIsForAWSResource" = "true" } }
      },
    ]
  })

  tags = merge({ Name = "${var.name}-eks-secrets" }, var.tags)
}

resource "aws_kms_alias" "this" {
  count = local.create && var.create_kms_key ? 1 : 0

  name          = "alias/eks/${var.name}"
  target_key_id = aws_kms_key.this[0].key_id
}

################################################################################
# Additional control-plane security group (EKS adds its own cluster security group as well)
################################################################################

resource "aws_security_group" "this" {
  count = local.create && var.create_security_group ? 1 : 0

  name        = var.use_name_prefix ? null : "${var.name}-cluster"
  name_prefix = var.use_name_prefix ? "${var.name}-cluster-" : null
  description = "EKS control plane ${var.name}: additional rules, none from 0.0.0.0/0"
  vpc_id      = var.vpc_id

  tags = merge({ Name = "${var.name}-cluster" }, var.tags)

  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_vpc_security_group_ingress_rule" "this" {
  for_each = local.create && var.create_security_group ? var.security_group_ingress_rules : {}

  security_group_id            = aws_security_group.this[0].id
  description                  = each.value.description
  ip_protocol                  = each.value.ip_protocol
  from_port                    = each.value.from_port
  to_port                      = each.value.to_port
  cidr_ipv4                    = each.value.cidr_ipv4
  referenced_security_group_id = each.value.referenced_security_group_id
  prefix_list_id               = each.value.prefix_list_id

  tags = merge({ Name = "${var.name}-cluster-${each.key}" }, var.tags)
}

################################################################################
# Cluster
################################################################################

resource "aws_eks_cluster" "this" {
  count = local.create ? 1 : 0

  name                          = var.name
  role_arn                      = local.cluster_role_arn
  version                       = var.kubernetes_version
  enabled_cluster_log_types     = var.enabled_log_types
  bootstrap_self_managed_addons = var.bootstrap_self_managed_addons
  deletion_protection           = var.deletion_protection

  access_config {
    authentication_mode                         = "API"
    bootstrap_cluster_creator_admin_permissions = false
  }

  vpc_config {
    subnet_ids              = var.subnet_ids
    security_group_ids      = local.security_group_ids
    endpoint_private_access = true
    endpoint_public_access  = var.endpoint_public_access
    public_access_cidrs     = var.endpoint_public_access ? var.public_access_cidrs : null
  }

  encryption_config {
    resources = ["secrets"]

    provider {
      key_arn = local.kms_key_arn
    }
  }

  kubernetes_network_config {
    ip_family         = "ipv4"
    service_ipv4_cidr = var.service_ipv4_cidr
  }

  upgrade_policy {
    support_type = var.support_type
  }

  tags = merge({ Name = var.name }, var.tags)

  depends_on = [
    aws_cloudwatch_log_group.this,
    aws_iam_role_policy_attachment.cluster,
    aws_iam_role_policy.cluster_encryption,
    aws_kms_alias.this,
  ]
}

################################################################################
# Access entries (authentication mode API) and their access policies
################################################################################

resource "aws_eks_access_entry" "this" {
  for_each = local.create ? var.access_entries : {}

  cluster_name      = aws_eks_cluster.this[0].name
  principal_arn     = each.value.principal_arn
  type              = each.value.type
  kubernetes_groups = length(each.value.kubernetes_groups) > 0 ? each.value.kubernetes_groups : null

  tags = merge(var.tags, each.value.tags)
}

resource "aws_eks_access_policy_association" "this" {
  for_each = local.create ? local.access_policy_associations : {}

  cluster_name  = aws_eks_cluster.this[0].name
  principal_arn = aws_eks_access_entry.this[each.value.entry].principal_arn
  policy_arn    = each.value.policy_arn

  access_scope {
    type       = each.value.scope_type
    namespaces = each.value.scope_type == "namespace" ? each.value.namespaces : null
  }
}

################################################################################
# Managed add-ons
################################################################################

resource "aws_eks_addon" "this" {
  for_each = local.create ? var.addons : {}

  cluster_name                = aws_eks_cluster.this[0].name
  addon_name                  = each.key
  addon_version               = each.value.addon_version
  resolve_conflicts_on_create = each.value.resolve_conflicts_on_create
  resolve_conflicts_on_update = each.value.resolve_conflicts_on_update
  configuration_values        = each.value.configuration_values
  service_account_role_arn    = each.value.service_account_role_arn

  tags = var.tags
}

################################################################################
# EKS Pod Identity: a role per service account, trusted by the Pod Identity service for this cluster, namespace
# and service account only (Amazon EKS User Guide, "Create IAM role with trust policy required by EKS Pod
# Identity"; the conditions use the session tags EKS Pod Identity sets)
################################################################################

resource "aws_iam_role" "pod_identity" {
  for_each = local.create ? var.pod_identities : {}

  name        = var.use_name_prefix ? null : substr("${var.name}-${each.key}", 0, 64)
  name_prefix = var.use_name_prefix ? "${substr("${var.name}-${each.key}", 0, 37)}-" : null
  description = "EKS Pod Identity of ${each.value.namespace}/${each.value.service_account} on ${var.name}"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid       = "AllowEksAuthToAssumeRoleForPodIdentity"
      Effect    = "Allow"
      Principal = { Service = "pods.eks.amazonaws.com" }
      Action    = ["sts:AssumeRole", "sts:TagSession"]
      Condition = {
        StringEquals = {
          "aws:RequestTag/eks-cluster-arn"            = local.cluster_arn
          "aws:RequestTag/kubernetes-namespace"       = each.value.namespace
          "aws:RequestTag/kubernetes-service-account" = each.value.service_account
        }
      }
    }]
  })
  permissions_boundary  = var.iam_role_permissions_boundary
  force_detach_policies = true

  tags = merge({ Name = "${var.name}-${each.key}" }, var.tags, each.value.tags)

  lifecycle {
    # Checked again at apply, when a policy document unknown at plan time is known.
    precondition {
      condition     = each.value.attach_policy_json == (each.value.policy_json != null)
      error_message = "pod_identities[\"${each.key}\"]: set attach_policy_json = true exactly when policy_json is given."
    }
  }
}

resource "aws_iam_role_policy" "pod_identity" {
  for_each = local.create ? local.pod_identity_inline_policies : {}

  name   = "pod-identity"
  role   = aws_iam_role.pod_identity[each.key].id
  policy = each.value.policy_json
}

resource "aws_iam_role_policy_attachment" "pod_identity" {
  for_each = local.create ? local.pod_identity_policy_attachments : {}

  role       = aws_iam_role.pod_identity[each.value.identity].name
  policy_arn = each.value.policy_arn
}

resource "aws_eks_pod_identity_association" "this" {
  for_each = local.create ? var.pod_identities : {}

  cluster_name    = aws_eks_cluster.this[0].name
  namespace       = each.value.namespace
  service_account = each.value.service_account
  role_arn        = aws_iam_role.pod_identity[each.key].arn

  tags = merge(var.tags, each.value.tags)
}
