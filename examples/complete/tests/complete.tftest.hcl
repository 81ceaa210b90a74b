# The whole stack planned and applied against mocked providers: module wiring, cross-module values and the
# validations that only run once IDs are known. Run from examples/complete: terraform init && terraform test

mock_provider "aws" {
  mock_data "aws_region" {
    defaults = {
      region = "eu-west-1"
    }
  }

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

  mock_data "aws_iam_policy_document" {
    defaults = {
      json = "{\"Version\":\"2012-10-17\",\"Statement\":[]}"
    }
  }

  # IDs in AWS formats: the modules validate the IDs they are given.
  mock_resource "aws_vpc" {
    defaults = {
      id  = "vpc-0123456789abcdef0"
      arn = "arn:aws:ec2:eu-west-1:111122223333:vpc/vpc-0123456789abcdef0"
    }
  }

  mock_resource "aws_subnet" {
    defaults = {
      id = "subnet-0123456789abcdef0"
    }
  }

  mock_resource "aws_security_group" {
    defaults = {
      id = "sg-0123456789abcdef0"
    }
  }

  mock_resource "aws_s3_bucket" {
    defaults = {
      id  = "logexaminer-raw-logs-example"
      arn = "arn:aws:s3:::logexaminer-raw-logs-example"
    }
  }

  mock_resource "aws_secretsmanager_secret" {
    defaults = {
      arn = "arn:aws:secretsmanager:eu-west-1:111122223333:secret:logexaminer-metastore/master-AbCdEf"
    }
  }

  mock_resource "aws_lambda_function" {
    defaults = {
      arn = "arn:aws:lambda:eu-west-1:111122223333:function:logexaminer-rotation"
    }
  }

  mock_resource "aws_sns_topic" {
    defaults = {
      arn = "arn:aws:sns:eu-west-1:111122223333:logexaminer-rotation"
    }
  }

  mock_resource "aws_kms_key" {
    defaults = {
      arn = "arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"
    }
  }

  mock_resource "aws_eks_node_group" {
    defaults = {
      resources = [{
        autoscaling_groups              = [{ name = "eks-logexaminer-asg" }]
        remote_access_security_group_id = ""
      }]
    }
  }

  # The cluster security group EKS creates (allowed into the database, which validates the ID).
  mock_resource "aws_eks_cluster" {
    defaults = {
      vpc_config = {
        cluster_security_group_id = "sg-0fedcba9876543210"
      }
    }
  }

  mock_resource "aws_db_instance" {
    defaults = {
      master_user_secret = [{
        kms_key_id    = "arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"
        secret_arn    = "arn:aws:secretsmanager:eu-west-1:111122223333:secret:rds!db-0123-AbCdEf"
        secret_status = "active"
      }]
    }
  }
}

# The real logexaminer provider (its ephemeral `logexaminer_password` cannot be mocked: Terraform's mock providers
# have no ephemeral resources); its data source and resources are overridden, so nothing calls AWS.
provider "logexaminer" {
  region                      = "eu-west-1"
  skip_credentials_validation = true
}

override_data {
  target = module.metastore.data.logexaminer_db_parameter_profile.this
  values = {
    parameters = [
      { name = "innodb_buffer_pool_size", value = "{DBInstanceClassMemory*3/4}", apply_method = "pending-reboot" },
      { name = "innodb_redo_log_capacity", value = "2147483648", apply_method = "immediate" },
    ]
    warnings = []
  }
}

override_resource {
  target = module.metastore.logexaminer_db_user.this
  values = {
    secret_arn = "arn:aws:secretsmanager:eu-west-1:111122223333:secret:logexaminer-metastore/hive-AbCdEf"
    rotation_binding = jsonencode({
      secret_arn       = "arn:aws:secretsmanager:eu-west-1:111122223333:secret:logexaminer-metastore/hive-AbCdEf"
      engine           = "mysql"
      host             = "logexaminer-metastore.abcdefghijkl.eu-west-1.rds.amazonaws.com"
      port             = 3306
      dbname           = "metastore"
      username         = "hive"
      admin_secret_arn = "arn:aws:secretsmanager:eu-west-1:111122223333:secret:logexaminer-metastore/master-AbCdEf"
    })
  }
}

override_resource {
  target = module.logs.logexaminer_s3_tier_policy.this
}

# Distinct private subnet IDs (the EKS cluster refuses a repeated subnet; the mock default gives every subnet one ID).
override_resource {
  target = module.vpc.aws_subnet.private["eu-west-1a"]
  values = {
    id = "subnet-0a000000000000001"
  }
}

override_resource {
  target = module.vpc.aws_subnet.private["eu-west-1b"]
  values = {
    id = "subnet-0b000000000000002"
  }
}

override_resource {
  target = module.vpc.aws_subnet.private["eu-west-1c"]
  values = {
    id = "subnet-0c000000000000003"
  }
}

# Node group sizes: none read from EKS here, so the initial sizes apply.
override_data {
  target = module.node_groups.data.logexaminer_eks_node_group_scaling.this[0]
  values = {
    desired_sizes = {}
  }
}

override_data {
  target = module.rotation.data.logexaminer_rotation_function_package.this[0]
  values = {
    output_path      = "rotation-lambda.zip"
    source_code_hash = "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="
    runtime          = "provided.al2023"
    handler          = "bootstrap"
    architecture     = "x86_64"
  }
}

override_resource {
  target = module.rotation.logexaminer_secret_rotation.this
}

variables {
  cluster_admin_role_arns = { platform = "arn:aws:iam::111122223333:role/platform-admins" }
}

run "plan" {
  command = plan

  assert {
    condition     = length(module.vpc.nat_gateway_ids) == 3 && length(module.vpc.interface_endpoint_ids) == 5
    error_message = "Three NAT gateways and five interface endpoints expected."
  }

  assert {
    condition     = [for r in module.metastore.replicas : r.availability_zone] == ["eu-west-1b", "eu-west-1c"]
    error_message = "Two replicas, in the second and third zones."
  }

  assert {
    condition     = length(module.node_groups.node_groups) == 6
    error_message = "Two node group kinds in three zones."
  }

  assert {
    condition     = keys(module.eks.pod_identity_role_arns) == ["cluster-autoscaler", "spark"]
    error_message = "Spark and the cluster autoscaler get Pod Identity roles."
  }

  assert {
    condition     = keys(module.rotation.rotations) == ["master"]
    error_message = "The master secret is rotated (and every user's, once created)."
  }
}

run "apply" {
  command = apply

  assert {
    condition     = output.vpc_id == "vpc-0123456789abcdef0" && output.private_subnet_ids == ["subnet-0a000000000000001", "subnet-0b000000000000002", "subnet-0c000000000000003"]
    error_message = "The VPC outputs must flow through."
  }

  assert {
    condition     = output.logs_bucket == "logexaminer-raw-logs-example"
    error_message = "The bucket name must flow through."
  }

  assert {
    condition     = alltrue([for ng in output.node_groups : ng.autoscaling_group_names == ["eks-logexaminer-asg"]])
    error_message = "Node groups must report their Auto Scaling groups."
  }
}

run "with_metastore_users" {
  command = apply

  variables {
    create_metastore_users = true
  }

  assert {
    condition     = length(module.metastore.metastore_user_secret_arns) == 2
    error_message = "Both metastore users must be created with their secrets."
  }

  assert {
    condition     = keys(module.rotation.rotations) == ["hive", "hive_readonly", "master"]
    error_message = "Every metastore secret must be rotated."
  }
}
