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

  vpc_id                     = module.vpc.vpc_id
  subnet_ids                 = module.vpc.private_subnet_ids
  availability_zones         = var.azs
  allowed_security_group_ids = compact([var.eks_cluster_security_group_id])

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
# EKS node groups for Spark
################################################################################

module "node_groups" {
  source = "../../modules/eks-node-groups"

  cluster_name     = var.eks_cluster_name
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
