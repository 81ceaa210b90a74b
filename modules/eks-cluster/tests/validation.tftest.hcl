# One run per validation rule of modules/eks-cluster: each input AWS would reject must fail at plan time.

mock_provider "aws" {
  mock_data "aws_partition" {
    defaults = {
      partition = "aws"
    }
  }

  mock_data "aws_caller_identity" {
    defaults = {
      account_id = "111122223333"
    }
  }

  mock_data "aws_region" {
    defaults = {
      region = "eu-west-1"
    }
  }
}

variables {
  name       = "logexaminer"
  vpc_id     = "vpc-0a1b2c3d4e5f60718"
  subnet_ids = ["subnet-0a000000000000001", "subnet-0b000000000000002"]
}

run "name_invalid" {
  command = plan

  variables {
    name = "_logexaminer"
  }

  expect_failures = [var.name]
}

run "name_too_long" {
  command = plan

  variables {
    name = "ccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc"
  }

  expect_failures = [var.name]
}

run "tags_aws_prefix" {
  command = plan

  variables {
    tags = { "aws:x" = "y" }
  }

  expect_failures = [var.tags]
}

run "kubernetes_version_invalid" {
  command = plan

  variables {
    kubernetes_version = "1.33.2"
  }

  expect_failures = [var.kubernetes_version]
}

run "support_type_invalid" {
  command = plan

  variables {
    support_type = "standard"
  }

  expect_failures = [var.support_type]
}

run "service_cidr_public_range" {
  command = plan

  variables {
    service_ipv4_cidr = "100.64.0.0/16"
  }

  expect_failures = [var.service_ipv4_cidr]
}

run "service_cidr_too_small" {
  command = plan

  variables {
    service_ipv4_cidr = "172.20.0.0/25"
  }

  expect_failures = [var.service_ipv4_cidr]
}

run "vpc_id_invalid" {
  command = plan

  variables {
    vpc_id = "vpc-xyz"
  }

  expect_failures = [var.vpc_id]
}

run "subnets_one" {
  command = plan

  variables {
    subnet_ids = ["subnet-0a000000000000001"]
  }

  expect_failures = [var.subnet_ids]
}

run "subnets_bad_id" {
  command = plan

  variables {
    subnet_ids = ["subnet-0a000000000000001", "sg-0b000000000000002"]
  }

  expect_failures = [var.subnet_ids]
}

run "subnets_repeated" {
  command = plan

  variables {
    subnet_ids = ["subnet-0a000000000000001", "subnet-0a000000000000001"]
  }

  expect_failures = [var.subnet_ids]
}

run "public_cidr_invalid" {
  command = plan

  variables {
    endpoint_public_access = true
    public_access_cidrs    = ["203.0.113.0/33"]
  }

  expect_failures = [var.public_access_cidrs]
}

run "public_cidrs_over_quota" {
  command = plan

  variables {
    endpoint_public_access = true
    public_access_cidrs    = [for i in range(41) : "203.0.${i}.0/24"]
  }

  expect_failures = [var.public_access_cidrs]
}

run "public_cidr_anywhere" {
  command = plan

  variables {
    endpoint_public_access = true
    public_access_cidrs    = ["0.0.0.0/0"]
  }

  expect_failures = [var.public_access_cidrs]
}

run "public_endpoint_without_cidrs" {
  command = plan

  variables {
    endpoint_public_access = true
  }

  expect_failures = [var.public_access_cidrs]
}

run "sg_rule_bad_key" {
  command = plan

  variables {
    security_group_ingress_rules = { "from/vpc" = { description = "x", cidr_ipv4 = "10.0.0.0/16" } }
  }

  expect_failures = [var.security_group_ingress_rules]
}

run "sg_rule_bad_protocol" {
  command = plan

  variables {
    security_group_ingress_rules = { vpc = { description = "x", ip_protocol = "-1", cidr_ipv4 = "10.0.0.0/16" } }
  }

  expect_failures = [var.security_group_ingress_rules]
}

run "sg_rule_bad_ports" {
  command = plan

  variables {
    security_group_ingress_rules = { vpc = { description = "x", from_port = 444, to_port = 443, cidr_ipv4 = "10.0.0.0/16" } }
  }

  expect_failures = [var.security_group_ingress_rules]
}

run "sg_rule_no_source" {
  command = plan

  variables {
    security_group_ingress_rules = { vpc = { description = "x" } }
  }

  expect_failures = [var.security_group_ingress_rules]
}

run "sg_rule_two_sources" {
  command = plan

  variables {
    security_group_ingress_rules = { vpc = { description = "x", cidr_ipv4 = "10.0.0.0/16", prefix_list_id = "pl-0123456789abcdef0" } }
  }

  expect_failures = [var.security_group_ingress_rules]
}

run "sg_rule_bad_cidr" {
  command = plan

  variables {
    security_group_ingress_rules = { vpc = { description = "x", cidr_ipv4 = "10.0.0.0" } }
  }

  expect_failures = [var.security_group_ingress_rules]
}

run "sg_rule_anywhere" {
  command = plan

  variables {
    security_group_ingress_rules = { world = { description = "x", cidr_ipv4 = "0.0.0.0/0" } }
  }

  expect_failures = [var.security_group_ingress_rules]
}

run "sg_rule_bad_sg_id" {
  command = plan

  variables {
    security_group_ingress_rules = { bastion = { description = "x", referenced_security_group_id = "bastion" } }
  }

  expect_failures = [var.security_group_ingress_rules]
}

run "sg_rule_bad_prefix_list" {
  command = plan

  variables {
    security_group_ingress_rules = { office = { description = "x", prefix_list_id = "office" } }
  }

  expect_failures = [var.security_group_ingress_rules]
}

run "sg_rule_bad_description" {
  command = plan

  variables {
    security_group_ingress_rules = { vpc = { description = "API <vpc>", cidr_ipv4 = "10.0.0.0/16" } }
  }

  expect_failures = [var.security_group_ingress_rules]
}

run "additional_sg_invalid" {
  command = plan

  variables {
    additional_security_group_ids = ["0123456789abcdef0"]
  }

  expect_failures = [var.additional_security_group_ids]
}

run "log_type_invalid" {
  command = plan

  variables {
    enabled_log_types = ["api", "kubelet"]
  }

  expect_failures = [var.enabled_log_types]
}

run "log_type_repeated" {
  command = plan

  variables {
    enabled_log_types = ["api", "api"]
  }

  expect_failures = [var.enabled_log_types]
}

run "log_retention_invalid" {
  command = plan

  variables {
    log_retention_in_days = 10
  }

  expect_failures = [var.log_retention_in_days]
}

run "log_kms_alias" {
  command = plan

  variables {
    log_kms_key_arn = "arn:aws:kms:eu-west-1:111122223333:alias/logs"
  }

  expect_failures = [var.log_kms_key_arn]
}

run "kms_key_arn_invalid" {
  command = plan

  variables {
    create_kms_key = false
    kms_key_arn    = "0b3a7c1e-1111-2222-3333-444455556666"
  }

  expect_failures = [var.kms_key_arn]
}

run "kms_key_arn_missing" {
  command = plan

  variables {
    create_kms_key = false
  }

  expect_failures = [var.kms_key_arn]
}

run "kms_key_arn_with_created_key" {
  command = plan

  variables {
    kms_key_arn = "arn:aws:kms:eu-west-1:111122223333:key/0b3a7c1e-1111-2222-3333-444455556666"
  }

  expect_failures = [var.kms_key_arn]
}

run "kms_deletion_window_short" {
  command = plan

  variables {
    kms_key_deletion_window_in_days = 6
  }

  expect_failures = [var.kms_key_deletion_window_in_days]
}

run "iam_role_arn_invalid" {
  command = plan

  variables {
    create_iam_role = false
    iam_role_arn    = "eks-cluster"
  }

  expect_failures = [var.iam_role_arn]
}

run "iam_role_arn_missing" {
  command = plan

  variables {
    create_iam_role = false
  }

  expect_failures = [var.iam_role_arn]
}

run "permissions_boundary_invalid" {
  command = plan

  variables {
    iam_role_permissions_boundary = "arn:aws:iam::111122223333:role/boundary"
  }

  expect_failures = [var.iam_role_permissions_boundary]
}

run "access_entry_bad_key" {
  command = plan

  variables {
    access_entries = { "admins/x" = { principal_arn = "arn:aws:iam::111122223333:role/admins" } }
  }

  expect_failures = [var.access_entries]
}

run "access_entry_bad_association_key" {
  command = plan

  variables {
    access_entries = { admins = { principal_arn = "arn:aws:iam::111122223333:role/admins", policy_associations = { "a/b" = { policy_arn = "arn:aws:eks::aws:cluster-access-policy/AmazonEKSViewPolicy" } } } }
  }

  expect_failures = [var.access_entries]
}

run "access_entry_sts_principal" {
  command = plan

  variables {
    access_entries = { admins = { principal_arn = "arn:aws:sts::111122223333:assumed-role/admins/alice" } }
  }

  expect_failures = [var.access_entries]
}

run "access_entry_repeated_principal" {
  command = plan

  variables {
    access_entries = {
      a = { principal_arn = "arn:aws:iam::111122223333:role/admins" }
      b = { principal_arn = "arn:aws:iam::111122223333:role/admins" }
    }
  }

  expect_failures = [var.access_entries]
}

run "access_entry_bad_type" {
  command = plan

  variables {
    access_entries = { admins = { principal_arn = "arn:aws:iam::111122223333:role/admins", type = "standard" } }
  }

  expect_failures = [var.access_entries]
}

run "access_entry_node_type_with_policy" {
  command = plan

  variables {
    access_entries = { nodes = { principal_arn = "arn:aws:iam::111122223333:role/nodes", type = "EC2_LINUX", policy_associations = { view = { policy_arn = "arn:aws:eks::aws:cluster-access-policy/AmazonEKSViewPolicy" } } } }
  }

  expect_failures = [var.access_entries]
}

run "access_entry_node_type_with_groups" {
  command = plan

  variables {
    access_entries = { nodes = { principal_arn = "arn:aws:iam::111122223333:role/nodes", type = "EC2_LINUX", kubernetes_groups = ["nodes"] } }
  }

  expect_failures = [var.access_entries]
}

run "access_entry_system_group" {
  command = plan

  variables {
    access_entries = { admins = { principal_arn = "arn:aws:iam::111122223333:role/admins", kubernetes_groups = ["system:masters"] } }
  }

  expect_failures = [var.access_entries]
}

run "access_entry_bad_policy_arn" {
  command = plan

  variables {
    access_entries = { admins = { principal_arn = "arn:aws:iam::111122223333:role/admins", policy_associations = { admin = { policy_arn = "arn:aws:iam::aws:policy/AdministratorAccess" } } } }
  }

  expect_failures = [var.access_entries]
}

run "access_scope_bad_type" {
  command = plan

  variables {
    access_entries = { admins = { principal_arn = "arn:aws:iam::111122223333:role/admins", policy_associations = { view = { policy_arn = "arn:aws:eks::aws:cluster-access-policy/AmazonEKSViewPolicy", access_scope = { type = "Cluster" } } } } }
  }

  expect_failures = [var.access_entries]
}

run "access_scope_namespace_without_namespaces" {
  command = plan

  variables {
    access_entries = { admins = { principal_arn = "arn:aws:iam::111122223333:role/admins", policy_associations = { view = { policy_arn = "arn:aws:eks::aws:cluster-access-policy/AmazonEKSViewPolicy", access_scope = { type = "namespace" } } } } }
  }

  expect_failures = [var.access_entries]
}

run "access_scope_cluster_with_namespaces" {
  command = plan

  variables {
    access_entries = { admins = { principal_arn = "arn:aws:iam::111122223333:role/admins", policy_associations = { view = { policy_arn = "arn:aws:eks::aws:cluster-access-policy/AmazonEKSViewPolicy", access_scope = { type = "cluster", namespaces = ["spark"] } } } } }
  }

  expect_failures = [var.access_entries]
}

run "access_scope_bad_namespace" {
  command = plan

  variables {
    access_entries = { admins = { principal_arn = "arn:aws:iam::111122223333:role/admins", policy_associations = { view = { policy_arn = "arn:aws:eks::aws:cluster-access-policy/AmazonEKSViewPolicy", access_scope = { type = "namespace", namespaces = ["Spark_Jobs"] } } } } }
  }

  expect_failures = [var.access_entries]
}

run "access_entry_bad_tags" {
  command = plan

  variables {
    access_entries = { admins = { principal_arn = "arn:aws:iam::111122223333:role/admins", tags = { "aws:owner" = "x" } } }
  }

  expect_failures = [var.access_entries]
}

run "addon_bad_name" {
  command = plan

  variables {
    addons = { "VPC CNI" = {} }
  }

  expect_failures = [var.addons]
}

run "addon_bad_version" {
  command = plan

  variables {
    addons = { vpc-cni = { addon_version = "1.19.5" } }
  }

  expect_failures = [var.addons]
}

run "addon_preserve_on_create" {
  command = plan

  variables {
    addons = { vpc-cni = { resolve_conflicts_on_create = "PRESERVE" } }
  }

  expect_failures = [var.addons]
}

run "addon_bad_resolve_on_update" {
  command = plan

  variables {
    addons = { vpc-cni = { resolve_conflicts_on_update = "overwrite" } }
  }

  expect_failures = [var.addons]
}

run "addon_bad_configuration" {
  command = plan

  variables {
    addons = { coredns = { configuration_values = "replicaCount: 3" } }
  }

  expect_failures = [var.addons]
}

run "addon_bad_role_arn" {
  command = plan

  variables {
    addons = { vpc-cni = { service_account_role_arn = "vpc-cni" } }
  }

  expect_failures = [var.addons]
}

run "pod_identity_bad_key" {
  command = plan

  variables {
    pod_identities = { "spark/exec" = { namespace = "spark", service_account = "spark" } }
  }

  expect_failures = [var.pod_identities]
}

run "pod_identity_bad_namespace" {
  command = plan

  variables {
    pod_identities = { spark = { namespace = "Spark", service_account = "spark" } }
  }

  expect_failures = [var.pod_identities]
}

run "pod_identity_namespace_too_long" {
  command = plan

  variables {
    pod_identities = { spark = { namespace = "nnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnn", service_account = "spark" } }
  }

  expect_failures = [var.pod_identities]
}

run "pod_identity_bad_service_account" {
  command = plan

  variables {
    pod_identities = { spark = { namespace = "spark", service_account = "spark_executor" } }
  }

  expect_failures = [var.pod_identities]
}

run "pod_identity_repeated_service_account" {
  command = plan

  variables {
    pod_identities = {
      a = { namespace = "spark", service_account = "spark" }
      b = { namespace = "spark", service_account = "spark" }
    }
  }

  expect_failures = [var.pod_identities]
}

run "pod_identity_bad_policy_arn" {
  command = plan

  variables {
    pod_identities = { spark = { namespace = "spark", service_account = "spark", policy_arns = { s3 = "AmazonS3ReadOnlyAccess" } } }
  }

  expect_failures = [var.pod_identities]
}

run "pod_identity_too_many_policies" {
  command = plan

  variables {
    pod_identities = { spark = { namespace = "spark", service_account = "spark", policy_arns = { for i in range(21) : "p${i}" => "arn:aws:iam::111122223333:policy/p${i}" } } }
  }

  expect_failures = [var.pod_identities]
}

run "pod_identity_json_without_flag" {
  command = plan

  variables {
    pod_identities = { spark = { namespace = "spark", service_account = "spark", policy_json = "{\"Version\":\"2012-10-17\",\"Statement\":[]}" } }
  }

  expect_failures = [var.pod_identities]
}

run "pod_identity_flag_without_json" {
  command = plan

  variables {
    pod_identities = { spark = { namespace = "spark", service_account = "spark", attach_policy_json = true } }
  }

  expect_failures = [var.pod_identities]
}

run "pod_identity_bad_json" {
  command = plan

  variables {
    pod_identities = { spark = { namespace = "spark", service_account = "spark", attach_policy_json = true, policy_json = "s3:GetObject" } }
  }

  expect_failures = [var.pod_identities]
}

run "pod_identity_json_too_long" {
  command = plan

  variables {
    pod_identities = { spark = { namespace = "spark", service_account = "spark", attach_policy_json = true, policy_json = jsonencode({ Version = "2012-10-17", Statement = [{ Effect = "Allow", Action = "s3:GetObject", Resource = [for i in range(400) : "arn:aws:s3:::logexaminer-logs/prefix-${i}/*"] }] }) } }
  }

  expect_failures = [var.pod_identities]
}

run "pod_identity_bad_tags" {
  command = plan

  variables {
    pod_identities = { spark = { namespace = "spark", service_account = "spark", tags = { "aws:owner" = "x" } } }
  }

  expect_failures = [var.pod_identities]
}

run "cluster_role_name_too_long" {
  command = plan

  variables {
    name            = "cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc"
    use_name_prefix = false
  }

  expect_failures = [aws_iam_role.cluster]
}
