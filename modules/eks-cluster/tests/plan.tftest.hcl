# Plan and mocked-apply assertions of modules/eks-cluster. Run from the module: terraform init && terraform test

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
  subnet_ids = ["subnet-0a000000000000001", "subnet-0b000000000000002", "subnet-0c000000000000003"]

  access_entries = {
    platform-admins = {
      principal_arn = "arn:aws:iam::111122223333:role/platform-admins"
      policy_associations = {
        admin = {
          policy_arn = "arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy"
        }
      }
    }
    spark-operators = {
      principal_arn     = "arn:aws:iam::111122223333:role/spark-operators"
      kubernetes_groups = ["spark-operators"]
      policy_associations = {
        edit = {
          policy_arn   = "arn:aws:eks::aws:cluster-access-policy/AmazonEKSEditPolicy"
          access_scope = { type = "namespace", namespaces = ["spark", "spark-history"] }
        }
        view = {
          policy_arn = "arn:aws:eks::aws:cluster-access-policy/AmazonEKSViewPolicy"
        }
      }
    }
  }

  pod_identities = {
    spark = {
      namespace          = "spark"
      service_account    = "spark-executor"
      attach_policy_json = true
      policy_json        = "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":[\"s3:GetObject\"],\"Resource\":[\"arn:aws:s3:::logexaminer-logs/*\"]}]}"
      policy_arns = {
        secrets = "arn:aws:iam::111122223333:policy/logexaminer-spark-secrets"
      }
    }
    history = {
      namespace       = "spark-history"
      service_account = "spark-history-server"
      policy_arns = {
        readonly = "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"
      }
    }
  }

  tags = {
    Project = "logexaminer"
  }
}

run "defaults" {
  command = plan

  assert {
    condition     = aws_eks_cluster.this[0].access_config[0].authentication_mode == "API" && aws_eks_cluster.this[0].access_config[0].bootstrap_cluster_creator_admin_permissions == false
    error_message = "The cluster must use the access entry API only and give its creator no implicit admin."
  }

  assert {
    condition     = aws_eks_cluster.this[0].vpc_config[0].endpoint_private_access == true && aws_eks_cluster.this[0].vpc_config[0].endpoint_public_access == false
    error_message = "The API endpoint must be private only by default."
  }

  assert {
    condition     = aws_eks_cluster.this[0].vpc_config[0].subnet_ids == toset(["subnet-0a000000000000001", "subnet-0b000000000000002", "subnet-0c000000000000003"])
    error_message = "The control plane must use the given subnets."
  }

  assert {
    condition     = length(aws_eks_cluster.this[0].encryption_config) == 1 && aws_eks_cluster.this[0].encryption_config[0].resources == toset(["secrets"])
    error_message = "Kubernetes secrets must be envelope-encrypted."
  }

  assert {
    condition     = aws_kms_key.this[0].enable_key_rotation == true && aws_kms_key.this[0].deletion_window_in_days == 30 && aws_kms_alias.this[0].name == "alias/eks/logexaminer"
    error_message = "The module must create a rotated KMS key with the alias alias/eks/<name>."
  }

  assert {
    condition     = aws_eks_cluster.this[0].enabled_cluster_log_types == toset(["api", "audit", "authenticator"])
    error_message = "api, audit and authenticator logs must be on by default."
  }

  assert {
    condition     = aws_cloudwatch_log_group.this[0].name == "/aws/eks/logexaminer/cluster" && aws_cloudwatch_log_group.this[0].retention_in_days == 90
    error_message = "The log group must be /aws/eks/<name>/cluster with 90 days of retention."
  }

  assert {
    condition     = aws_eks_cluster.this[0].bootstrap_self_managed_addons == false && aws_eks_cluster.this[0].upgrade_policy[0].support_type == "STANDARD"
    error_message = "No unmanaged add-ons, standard support by default."
  }

  assert {
    condition     = aws_iam_role_policy_attachment.cluster[0].policy_arn == "arn:aws:iam::aws:policy/AmazonEKSClusterPolicy"
    error_message = "The cluster role needs AmazonEKSClusterPolicy."
  }

  assert {
    condition = (
      jsondecode(aws_iam_role.cluster[0].assume_role_policy).Statement[0].Principal.Service == "eks.amazonaws.com" &&
      aws_iam_role.cluster[0].name_prefix == "logexaminer-cluster-" &&
      aws_iam_role.cluster[0].permissions_boundary == null
    )
    error_message = "The cluster role must be trusted by eks.amazonaws.com and named by prefix."
  }

  assert {
    condition     = aws_security_group.this[0].vpc_id == "vpc-0a1b2c3d4e5f60718" && length(aws_vpc_security_group_ingress_rule.this) == 0
    error_message = "The additional security group must be in the VPC and have no rule by default."
  }

  assert {
    condition     = keys(aws_eks_access_entry.this) == ["platform-admins", "spark-operators"]
    error_message = "One access entry per key expected."
  }

  assert {
    condition     = aws_eks_access_entry.this["platform-admins"].type == "STANDARD" && aws_eks_access_entry.this["spark-operators"].kubernetes_groups == toset(["spark-operators"])
    error_message = "Access entries are STANDARD by default and carry their Kubernetes groups."
  }

  assert {
    condition     = keys(aws_eks_access_policy_association.this) == ["platform-admins/admin", "spark-operators/edit", "spark-operators/view"]
    error_message = "Associations must be keyed <entry>/<association>."
  }

  assert {
    condition = (
      aws_eks_access_policy_association.this["platform-admins/admin"].access_scope[0].type == "cluster" &&
      aws_eks_access_policy_association.this["platform-admins/admin"].policy_arn == "arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy" &&
      aws_eks_access_policy_association.this["spark-operators/edit"].access_scope[0].type == "namespace" &&
      aws_eks_access_policy_association.this["spark-operators/edit"].access_scope[0].namespaces == toset(["spark", "spark-history"]) &&
      aws_eks_access_policy_association.this["spark-operators/edit"].principal_arn == "arn:aws:iam::111122223333:role/spark-operators"
    )
    error_message = "Access scopes and policies must follow the input."
  }

  assert {
    condition     = keys(aws_eks_addon.this) == ["coredns", "eks-pod-identity-agent", "kube-proxy", "vpc-cni"]
    error_message = "vpc-cni, kube-proxy, coredns and eks-pod-identity-agent are the default add-ons."
  }

  assert {
    condition     = alltrue([for a in aws_eks_addon.this : a.resolve_conflicts_on_create == "OVERWRITE" && a.resolve_conflicts_on_update == "OVERWRITE"])
    error_message = "Add-ons overwrite conflicts unless told otherwise."
  }

  assert {
    condition     = keys(aws_iam_role.pod_identity) == ["history", "spark"] && keys(aws_eks_pod_identity_association.this) == ["history", "spark"]
    error_message = "One role and one association per Pod Identity."
  }

  assert {
    condition = alltrue([for r in aws_iam_role.pod_identity : (
      jsondecode(r.assume_role_policy).Statement[0].Principal.Service == "pods.eks.amazonaws.com" &&
      contains(jsondecode(r.assume_role_policy).Statement[0].Action, "sts:AssumeRole") &&
      contains(jsondecode(r.assume_role_policy).Statement[0].Action, "sts:TagSession")
    )])
    error_message = "Pod Identity roles must be trusted by pods.eks.amazonaws.com for sts:AssumeRole and sts:TagSession."
  }

  assert {
    condition = (
      jsondecode(aws_iam_role.pod_identity["spark"].assume_role_policy).Statement[0].Condition.StringEquals["aws:RequestTag/kubernetes-namespace"] == "spark" &&
      jsondecode(aws_iam_role.pod_identity["spark"].assume_role_policy).Statement[0].Condition.StringEquals["aws:RequestTag/kubernetes-service-account"] == "spark-executor" &&
      jsondecode(aws_iam_role.pod_identity["spark"].assume_role_policy).Statement[0].Condition.StringEquals["aws:RequestTag/eks-cluster-arn"] == "arn:aws:eks:eu-west-1:111122223333:cluster/logexaminer"
    )
    error_message = "A Pod Identity role must be assumable only for its cluster, namespace and service account."
  }

  assert {
    condition = (
      aws_eks_pod_identity_association.this["spark"].namespace == "spark" &&
      aws_eks_pod_identity_association.this["spark"].service_account == "spark-executor" &&
      aws_eks_pod_identity_association.this["history"].service_account == "spark-history-server"
    )
    error_message = "Associations must bind the namespace and service account."
  }

  assert {
    condition     = keys(aws_iam_role_policy.pod_identity) == ["spark"] && jsondecode(aws_iam_role_policy.pod_identity["spark"].policy).Statement[0].Action == ["s3:GetObject"]
    error_message = "Only identities with attach_policy_json get the inline policy."
  }

  assert {
    condition = (
      keys(aws_iam_role_policy_attachment.pod_identity) == ["history/readonly", "spark/secrets"] &&
      aws_iam_role_policy_attachment.pod_identity["spark/secrets"].policy_arn == "arn:aws:iam::111122223333:policy/logexaminer-spark-secrets"
    )
    error_message = "Managed policies must be attached per <identity>/<key>."
  }

  assert {
    condition     = aws_eks_cluster.this[0].tags["Project"] == "logexaminer" && aws_cloudwatch_log_group.this[0].tags["Project"] == "logexaminer"
    error_message = "Common tags must be applied."
  }
}

run "mocked_apply" {
  command = apply

  override_resource {
    target = aws_eks_cluster.this
    values = {
      vpc_config = {
        cluster_security_group_id = "sg-0eks000000000cafe"
      }
    }
  }

  assert {
    condition     = output.cluster_security_group_id == "sg-0eks000000000cafe"
    error_message = "The EKS-created cluster security group must be an output."
  }

  assert {
    condition     = aws_eks_cluster.this[0].encryption_config[0].provider[0].key_arn == aws_kms_key.this[0].arn && output.kms_key_arn == aws_kms_key.this[0].arn
    error_message = "Secrets must be encrypted with the created key."
  }

  assert {
    condition = (
      jsondecode(aws_kms_key.this[0].policy).Statement[0].Principal.AWS == "arn:aws:iam::111122223333:root" &&
      !contains(jsondecode(aws_kms_key.this[0].policy).Statement[0].Action, "kms:Decrypt") &&
      jsondecode(aws_kms_key.this[0].policy).Statement[1].Principal.AWS == aws_iam_role.cluster[0].arn &&
      contains(jsondecode(aws_kms_key.this[0].policy).Statement[1].Action, "kms:Decrypt") &&
      jsondecode(aws_kms_key.this[0].policy).Statement[2].Condition.Bool["kms:GrantIsForAWSResource"] == "true" &&
      length(jsondecode(aws_kms_key.this[0].policy).Statement) == 3
    )
    error_message = "The key policy must let the account administer the key and only the cluster role use it."
  }

  assert {
    condition     = jsondecode(aws_iam_role_policy.cluster_encryption[0].policy).Statement[0].Resource == aws_kms_key.this[0].arn
    error_message = "The cluster role's encryption policy must name the key."
  }

  assert {
    condition     = output.security_group_id == aws_security_group.this[0].id && contains(aws_eks_cluster.this[0].vpc_config[0].security_group_ids, aws_security_group.this[0].id)
    error_message = "The additional security group must be attached to the control plane and be an output."
  }

  assert {
    condition     = keys(output.pod_identity_role_arns) == ["history", "spark"] && output.pod_identity_role_arns["spark"] == aws_iam_role.pod_identity["spark"].arn
    error_message = "Pod Identity role ARNs must be output by key."
  }

  assert {
    condition     = output.cloudwatch_log_group_name == "/aws/eks/logexaminer/cluster" && output.access_policy_association_keys == ["platform-admins/admin", "spark-operators/edit", "spark-operators/view"]
    error_message = "Outputs must name the log group and the associations."
  }
}

run "existing_key_role_and_public_endpoint" {
  command = plan

  variables {
    create_kms_key                = false
    kms_key_arn                   = "arn:aws:kms:eu-west-1:111122223333:key/0b3a7c1e-1111-2222-3333-444455556666"
    create_iam_role               = false
    iam_role_arn                  = "arn:aws:iam::111122223333:role/eks-cluster"
    create_security_group         = false
    additional_security_group_ids = ["sg-0123456789abcdef0"]
    endpoint_public_access        = true
    public_access_cidrs           = ["203.0.113.0/24"]
    enabled_log_types             = ["api", "audit", "authenticator", "controllerManager", "scheduler"]
    log_retention_in_days         = 365
    kubernetes_version            = "1.33"
    service_ipv4_cidr             = "172.20.0.0/16"
    support_type                  = "EXTENDED"
    access_entries                = {}
    pod_identities                = {}
    addons = {
      vpc-cni = { addon_version = "v1.19.5-eksbuild.1", resolve_conflicts_on_update = "PRESERVE" }
    }
  }

  assert {
    condition     = length(aws_kms_key.this) == 0 && length(aws_kms_alias.this) == 0 && aws_eks_cluster.this[0].encryption_config[0].provider[0].key_arn == "arn:aws:kms:eu-west-1:111122223333:key/0b3a7c1e-1111-2222-3333-444455556666"
    error_message = "A given key must be used and none created."
  }

  assert {
    condition     = length(aws_iam_role.cluster) == 0 && aws_eks_cluster.this[0].role_arn == "arn:aws:iam::111122223333:role/eks-cluster"
    error_message = "A given role must be used and none created."
  }

  assert {
    condition = (
      length(aws_security_group.this) == 0 &&
      aws_eks_cluster.this[0].vpc_config[0].security_group_ids == toset(["sg-0123456789abcdef0"]) &&
      aws_eks_cluster.this[0].vpc_config[0].endpoint_public_access == true &&
      aws_eks_cluster.this[0].vpc_config[0].endpoint_private_access == true &&
      aws_eks_cluster.this[0].vpc_config[0].public_access_cidrs == toset(["203.0.113.0/24"])
    )
    error_message = "The public endpoint must be limited to the given CIDR blocks, the private one stays on."
  }

  assert {
    condition     = length(aws_eks_cluster.this[0].enabled_cluster_log_types) == 5 && aws_cloudwatch_log_group.this[0].retention_in_days == 365
    error_message = "Log types and retention must follow the input."
  }

  assert {
    condition = (
      aws_eks_cluster.this[0].version == "1.33" &&
      aws_eks_cluster.this[0].kubernetes_network_config[0].service_ipv4_cidr == "172.20.0.0/16" &&
      aws_eks_cluster.this[0].upgrade_policy[0].support_type == "EXTENDED"
    )
    error_message = "Version, service CIDR and support type must follow the input."
  }

  assert {
    condition     = keys(aws_eks_addon.this) == ["vpc-cni"] && aws_eks_addon.this["vpc-cni"].addon_version == "v1.19.5-eksbuild.1" && aws_eks_addon.this["vpc-cni"].resolve_conflicts_on_update == "PRESERVE"
    error_message = "Add-ons must follow the input."
  }

  assert {
    condition     = length(aws_eks_access_entry.this) == 0 && length(aws_iam_role.pod_identity) == 0
    error_message = "No access entries or Pod Identities unless asked."
  }
}

run "security_group_rules_and_fixed_names" {
  command = plan

  variables {
    use_name_prefix               = false
    iam_role_permissions_boundary = "arn:aws:iam::111122223333:policy/boundary"
    security_group_ingress_rules = {
      vpc = {
        description = "Kubernetes API from the VPC"
        cidr_ipv4   = "10.42.0.0/16"
      }
      bastion = {
        description                  = "Kubernetes API from the bastion"
        referenced_security_group_id = "sg-0123456789abcdef0"
      }
    }
  }

  assert {
    condition = (
      keys(aws_vpc_security_group_ingress_rule.this) == ["bastion", "vpc"] &&
      aws_vpc_security_group_ingress_rule.this["vpc"].cidr_ipv4 == "10.42.0.0/16" &&
      aws_vpc_security_group_ingress_rule.this["vpc"].from_port == 443 &&
      aws_vpc_security_group_ingress_rule.this["vpc"].to_port == 443 &&
      aws_vpc_security_group_ingress_rule.this["vpc"].ip_protocol == "tcp" &&
      aws_vpc_security_group_ingress_rule.this["bastion"].referenced_security_group_id == "sg-0123456789abcdef0"
    )
    error_message = "Ingress rules must follow the input, on tcp/443 by default."
  }

  assert {
    condition = (
      aws_iam_role.cluster[0].name == "logexaminer-cluster" &&
      aws_security_group.this[0].name == "logexaminer-cluster" &&
      aws_iam_role.cluster[0].permissions_boundary == "arn:aws:iam::111122223333:policy/boundary" &&
      alltrue([for r in aws_iam_role.pod_identity : r.permissions_boundary == "arn:aws:iam::111122223333:policy/boundary"])
    )
    error_message = "Fixed names and the permissions boundary must be used."
  }
}

run "create_false" {
  command = plan

  variables {
    create = false
  }

  assert {
    condition = (
      length(aws_eks_cluster.this) == 0 && length(aws_kms_key.this) == 0 && length(aws_iam_role.cluster) == 0 &&
      length(aws_cloudwatch_log_group.this) == 0 && length(aws_security_group.this) == 0 &&
      length(aws_eks_access_entry.this) == 0 && length(aws_eks_addon.this) == 0 && length(aws_iam_role.pod_identity) == 0
    )
    error_message = "create = false must create nothing."
  }
}
