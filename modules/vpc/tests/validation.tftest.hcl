# One run per validation rule of modules/vpc: each input AWS would reject must fail at plan time.

mock_provider "aws" {}

variables {
  name = "logexaminer"
  azs  = ["eu-west-1a", "eu-west-1b"]
}

run "name_too_long" {
  command = plan

  variables {
    name = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
  }

  expect_failures = [var.name]
}

run "name_bad_chars" {
  command = plan

  variables {
    name = "log examiner"
  }

  expect_failures = [var.name]
}

run "name_sg_prefix" {
  command = plan

  variables {
    name = "sg-logs"
  }

  expect_failures = [var.name]
}

run "tags_aws_prefix" {
  command = plan

  variables {
    tags = { "aws:cloudformation" = "x" }
  }

  expect_failures = [var.tags]
}

run "tags_too_many" {
  command = plan

  variables {
    tags = { for i in range(41) : "k${i}" => "v" }
  }

  expect_failures = [var.tags]
}

run "cidr_not_cidr" {
  command = plan

  variables {
    cidr = "10.0.0.0"
  }

  expect_failures = [var.cidr]
}

run "cidr_host_bits" {
  command = plan

  variables {
    cidr = "10.0.1.0/16"
  }

  expect_failures = [var.cidr]
}

run "cidr_too_large" {
  command = plan

  variables {
    cidr = "10.0.0.0/8"
  }

  expect_failures = [var.cidr]
}

run "cidr_too_small" {
  command = plan

  variables {
    cidr = "10.0.0.0/29"
  }

  expect_failures = [var.cidr]
}

run "cidr_reserved" {
  command = plan

  variables {
    cidr = "169.254.0.0/16"
  }

  expect_failures = [var.cidr]
}

run "azs_one" {
  command = plan

  variables {
    azs = ["eu-west-1a"]
  }

  expect_failures = [var.azs]
}

run "azs_seven" {
  command = plan

  variables {
    azs = ["us-east-1a", "us-east-1b", "us-east-1c", "us-east-1d", "us-east-1e", "us-east-1f", "us-east-1g"]
  }

  expect_failures = [var.azs]
}

run "azs_duplicate" {
  command = plan

  variables {
    azs = ["eu-west-1a", "eu-west-1a"]
  }

  expect_failures = [var.azs]
}

run "azs_zone_ids" {
  command = plan

  variables {
    azs = ["euw1-az1", "euw1-az2"]
  }

  expect_failures = [var.azs]
}

run "azs_two_regions" {
  command = plan

  variables {
    azs = ["eu-west-1a", "eu-central-1b"]
  }

  expect_failures = [var.azs]
}

run "private_newbits_range" {
  command = plan

  variables {
    private_subnet_newbits = 13
  }

  expect_failures = [var.private_subnet_newbits]
}

run "private_newbits_fraction" {
  command = plan

  variables {
    private_subnet_newbits = 2.5
  }

  expect_failures = [var.private_subnet_newbits]
}

run "private_newbits_beyond_28" {
  command = plan

  variables {
    cidr                   = "10.0.0.0/24"
    private_subnet_newbits = 6
  }

  expect_failures = [var.private_subnet_newbits]
}

run "private_newbits_too_few_networks" {
  command = plan

  variables {
    private_subnet_newbits = 1
  }

  expect_failures = [var.private_subnet_newbits]
}

run "public_newbits_range" {
  command = plan

  variables {
    public_subnet_newbits = 0
  }

  expect_failures = [var.public_subnet_newbits]
}

run "public_newbits_beyond_28" {
  command = plan

  variables {
    public_subnet_newbits = 10
  }

  expect_failures = [var.public_subnet_newbits]
}

run "public_newbits_too_few_networks" {
  command = plan

  variables {
    azs                   = ["eu-west-1a", "eu-west-1b", "eu-west-1c"]
    public_subnet_newbits = 1
  }

  expect_failures = [var.public_subnet_newbits]
}

run "private_subnets_count" {
  command = plan

  variables {
    private_subnets = ["10.0.0.0/19"]
  }

  expect_failures = [var.private_subnets]
}

run "private_subnets_not_cidr" {
  command = plan

  variables {
    private_subnets = ["10.0.0.0/19", "10.0.32.0"]
  }

  expect_failures = [var.private_subnets]
}

run "private_subnets_host_bits" {
  command = plan

  variables {
    private_subnets = ["10.0.0.0/19", "10.0.33.0/19"]
  }

  expect_failures = [var.private_subnets]
}

run "private_subnets_too_small" {
  command = plan

  variables {
    private_subnets = ["10.0.0.0/19", "10.0.32.0/29"]
  }

  expect_failures = [var.private_subnets]
}

run "private_subnets_outside_vpc" {
  command = plan

  variables {
    private_subnets = ["10.0.0.0/19", "10.1.0.0/19"]
  }

  expect_failures = [var.private_subnets]
}

run "public_subnets_count" {
  command = plan

  variables {
    public_subnets = ["10.0.224.0/24", "10.0.225.0/24", "10.0.226.0/24"]
  }

  expect_failures = [var.public_subnets]
}

run "public_subnets_not_cidr" {
  command = plan

  variables {
    public_subnets = ["10.0.224.0/24", "10.0.225.0/33"]
  }

  expect_failures = [var.public_subnets]
}

run "public_subnets_host_bits" {
  command = plan

  variables {
    public_subnets = ["10.0.224.0/24", "10.0.225.1/24"]
  }

  expect_failures = [var.public_subnets]
}

run "public_subnets_outside_vpc" {
  command = plan

  variables {
    public_subnets = ["10.0.224.0/24", "192.168.0.0/24"]
  }

  expect_failures = [var.public_subnets]
}

run "subnets_overlap" {
  command = plan

  variables {
    private_subnets = ["10.0.0.0/19", "10.0.32.0/19"]
    public_subnets  = ["10.0.224.0/24", "10.0.0.0/24"]
  }

  expect_failures = [aws_vpc.this]
}

run "eks_cluster_name_invalid" {
  command = plan

  variables {
    eks_cluster_name = "-bad name"
  }

  expect_failures = [var.eks_cluster_name]
}

run "security_group_description_chars" {
  command = plan

  variables {
    security_group_description = "HTTPS only \u00e9"
  }

  expect_failures = [var.security_group_description]
}

run "interface_endpoint_unknown" {
  command = plan

  variables {
    interface_endpoints = ["ec2"]
  }

  expect_failures = [var.interface_endpoints]
}

run "interface_endpoint_without_sg" {
  command = plan

  variables {
    interface_endpoints   = ["sts"]
    create_security_group = false
  }

  expect_failures = [var.interface_endpoints]
}

run "flow_log_destination_type" {
  command = plan

  variables {
    flow_log = { enabled = true, destination_type = "kinesis-data-firehose" }
  }

  expect_failures = [var.flow_log]
}

run "flow_log_s3_needs_arn" {
  command = plan

  variables {
    flow_log = { enabled = true, destination_type = "s3" }
  }

  expect_failures = [var.flow_log]
}

run "flow_log_bad_s3_arn" {
  command = plan

  variables {
    flow_log = { enabled = true, destination_type = "s3", destination_arn = "arn:aws:s3:::Bad_Bucket" }
  }

  expect_failures = [var.flow_log]
}

run "flow_log_bad_log_group_arn" {
  command = plan

  variables {
    flow_log = { enabled = true, destination_arn = "arn:aws:s3:::bucket" }
  }

  expect_failures = [var.flow_log]
}

run "flow_log_traffic_type" {
  command = plan

  variables {
    flow_log = { enabled = true, traffic_type = "all" }
  }

  expect_failures = [var.flow_log]
}

run "flow_log_aggregation_interval" {
  command = plan

  variables {
    flow_log = { enabled = true, max_aggregation_interval = 300 }
  }

  expect_failures = [var.flow_log]
}

run "flow_log_retention" {
  command = plan

  variables {
    flow_log = { enabled = true, retention_in_days = 45 }
  }

  expect_failures = [var.flow_log]
}

run "flow_log_kms_alias" {
  command = plan

  variables {
    flow_log = { enabled = true, kms_key_arn = "alias/logs" }
  }

  expect_failures = [var.flow_log]
}

run "database_subnets_one_per_zone" {
  command = plan

  variables {
    database_subnets = ["10.0.192.0/24"]
  }

  expect_failures = [var.database_subnets]
}

run "database_subnets_size" {
  command = plan

  variables {
    database_subnets = ["10.0.192.0/29", "10.0.193.0/24", "10.0.194.0/24"]
  }

  expect_failures = [var.database_subnets]
}

run "nat_eip_allocation_id_invalid" {
  command = plan

  variables {
    nat_eip_allocation_ids = { "eu-west-1a" = "eip-0123" }
  }

  expect_failures = [var.nat_eip_allocation_ids]
}

run "nat_eip_for_an_unknown_zone" {
  command = plan

  variables {
    nat_eip_allocation_ids = { "us-east-1a" = "eipalloc-0a000000000000001" }
  }

  expect_failures = [var.nat_eip_allocation_ids]
}

run "nat_eip_given_twice" {
  command = plan

  variables {
    nat_eip_allocation_ids = { "eu-west-1a" = "eipalloc-0a000000000000001", "eu-west-1b" = "eipalloc-0a000000000000001" }
  }

  expect_failures = [var.nat_eip_allocation_ids]
}
