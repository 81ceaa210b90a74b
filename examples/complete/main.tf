provider "aws" {
  region = var.region

  default_tags {
    tags = var.tags
  }
}

provider "logexaminer" {
  region = var.region
}

################################################################################
# Network
################################################################################

module "vpc" {
  source = "../../modules/vpc"

  name             = var.name
  cidr             = "10.42.0.0/16"
  azs              = var.azs
  eks_cluster_name = var.eks_cluster_name

  enable_nat_gateway  = true
  single_nat_gateway  = false
  interface_endpoints = ["secretsmanager", "sts", "ecr.api", "ecr.dkr", "logs"]

  flow_log = {
    enabled           = true
    traffic_type      = "REJECT"
    retention_in_days = 90
  }
}

################################################################################
# Raw logs
################################################################################

module "logs" {
  source = "../../modules/s3-logs"

  name = var.logs_bucket_name

  # Storage cost estimate for raw logs of about 512 KB kept two years.
  cost_estimate = {
    assumed_object_size_kb = 512
    retention_days         = 730
  }

  # The safe default tiers for raw logs, plus Spark event logs kept two years.
  tier_sets = [
    {
      name = "raw-logs"
      filter = {
        prefix = "raw/"
      }
      transitions = [
        { days = 30, storage_class = "STANDARD_IA" },
        { days = 90, storage_class = "GLACIER_IR" },
        { days = 180, storage_class = "DEEP_ARCHIVE" },
      ]
      noncurrent_transitions     = [{ noncurrent_days = 30, storage_class = "GLACIER_IR" }]
      noncurrent_expiration_days = 90
    },
    {
      name = "spark-events"
      filter = {
        prefix = "spark-events/"
      }
      transitions                = [{ days = 30, storage_class = "STANDARD_IA" }]
      expiration_days            = 730
      noncurrent_expiration_days = 30
    },
  ]
}

################################################################################
# Hive Metastore database
################################################################################

module "metastore" {
  source = "../../modules/rds-metastore"

  name           = "${var.name}-metastore"
  engine         = "mysql"
  engine_version = "8.0"
  instance_class = "db.r6g.large"

  vpc_id             = module.vpc.vpc_id
  subnet_ids         = module.vpc.private_subnet_ids
  availability_zones = var.azs
  # The cluster security group EKS attaches to the managed nodes (and the control plane).
  allowed_security_group_ids = [module.eks.cluster_security_group_id]

  multi_az           = true
  read_replica_count = 2
  # Replicas need a master password RDS does not manage: the module generates it write-only and keeps it only
  # in its own RDS-shaped secret (see the module's `master_password`).
  master_password = { mode = "generated" }

  create_metastore_users = var.create_metastore_users
  metastore_users = {
    hive = {
      username = "hive"
      grants = [{
        privileges = ["SELECT", "INSERT", "UPDATE", "DELETE", "CREATE", "ALTER", "INDEX", "DROP", "REFERENCES"]
      }]
    }
    hive_readonly = {
      username = "hive_ro"
      grants   = [{ privileges = ["SELECT"] }]
    }
  }
}

################################################################################
# Rotation of every metastore secret, with rollback notices
################################################################################

# The master secret (the module's generated mode, single user) and every metastore user's secret, rotated by the
# LogExaminer function inside the VPC; RotationFailed and RotationAbandoned events and the function's own
# rollback notices go to the module's SNS topic (subscribe your on-call to `rotation_notifications_topic_arn`).
module "rotation" {
  source = "../../modules/secret-rotation"

  name                        = "${var.name}-rotation"
  vpc_id                      = module.vpc.vpc_id
  subnet_ids                  = module.vpc.private_subnet_ids
  database_security_group_ids = { metastore = module.metastore.security_group_id }
  database_port               = 3306

  secrets = module.metastore.rotation_secrets
}

################################################################################
# EKS cluster and Pod Identity roles
################################################################################

module "eks" {
  source = "../../modules/eks-cluster"

  name               = var.eks_cluster_name
  kubernetes_version = var.kubernetes_version
  vpc_id             = module.vpc.vpc_id
  subnet_ids         = module.vpc.private_subnet_ids

  access_entries = {
    for k, arn in var.cluster_admin_role_arns : k => {
      principal_arn = arn
      policy_associations = {
        admin = { policy_arn = "arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy" }
      }
    }
  }

  pod_identities = {
    spark = {
      namespace          = "spark"
      service_account    = "spark"
      attach_policy_json = true
      policy_json        = data.aws_iam_policy_document.spark.json
    }
    cluster-autoscaler = {
      namespace          = "kube-system"
      service_account    = "cluster-autoscaler"
      attach_policy_json = true
      policy_json        = data.aws_iam_policy_document.cluster_autoscaler.json
    }
  }
}

# Spark reads raw logs and writes its event logs, nothing else of the bucket, through the bucket's own key.
data "aws_iam_policy_document" "spark" {
  statement {
    sid       = "ListTheSparkPrefixes"
    actions   = ["s3:ListBucket"]
    resources = [module.logs.bucket_arn]

    condition {
      test     = "StringLike"
      variable = "s3:prefix"
      values   = ["raw/", "raw/*", "spark-events/", "spark-events/*"]
    }
  }

  statement {
    sid       = "ReadRawLogs"
    actions   = ["s3:GetObject"]
    resources = ["${module.logs.bucket_arn}/raw/*"]
  }

  statement {
    sid       = "WriteSparkEventLogs"
    actions   = ["s3:GetObject", "s3:PutObject", "s3:AbortMultipartUpload"]
    resources = ["${module.logs.bucket_arn}/spark-events/*"]
  }

  statement {
    sid       = "UseTheBucketKeyThroughS3"
    actions   = ["kms:Decrypt", "kms:GenerateDataKey"]
    resources = [module.logs.kms_key_arn]

    condition {
      test     = "StringEquals"
      variable = "kms:ViaService"
      values   = ["s3.${var.region}.amazonaws.com"]
    }
  }
}

# The cluster autoscaler's minimal permissions (its AWS cloud provider documentation): discover groups anywhere,
# change only the Auto Scaling groups tagged as this cluster's (modules/eks-node-groups puts the tag there).
data "aws_iam_policy_document" "cluster_autoscaler" {
  statement {
    sid = "Discover"
    actions = [
      "autoscaling:DescribeAutoScalingGroups",
      "autoscaling:DescribeAutoScalingInstances",
      "autoscaling:DescribeLaunchConfigurations",
      "autoscaling:DescribeScalingActivities",
      "autoscaling:DescribeTags",
      "ec2:DescribeImages",
      "ec2:DescribeInstanceTypes",
      "ec2:DescribeLaunchTemplateVersions",
      "ec2:GetInstanceTypesFromInstanceRequirements",
      "eks:DescribeNodegroup",
    ]
    resources = ["*"]
  }

  statement {
    sid       = "ScaleThisClustersGroups"
    actions   = ["autoscaling:SetDesiredCapacity", "autoscaling:TerminateInstanceInAutoScalingGroup"]
    resources = ["*"]

    condition {
      test     = "StringEquals"
      variable = "aws:ResourceTag/k8s.io/cluster-autoscaler/${var.eks_cluster_name}"
      values   = ["owned"]
    }
  }
}

################################################################################
# EKS node groups for Spark
################################################################################

module "node_groups" {
  source = "../../modules/eks-node-groups"

  cluster_name     = module.eks.cluster_name
  name             = var.name
  subnet_ids_by_az = module.vpc.private_subnet_ids_by_az
  one_group_per_az = true

  # The seed's layout: spot executors 0..50 over three instance types, on-demand system nodes 2..10.
  node_groups = {
    "spark-executor" = {
      instance_types = ["m5.large", "c5.xlarge", "r5.large"]
      capacity_type  = "SPOT"
      min_size       = 0
      max_size       = 50
      disk_size      = 100
      labels         = { "logexaminer.io/workload" = "spark-executor" }
      taints         = [{ key = "logexaminer.io/spark-executor", value = "true", effect = "NO_SCHEDULE" }]
    }
    system = {
      instance_types = ["m5.large"]
      min_size       = 2
      max_size       = 10
      labels         = { "logexaminer.io/workload" = "system" }
    }
  }
}
