# Plan and mocked-apply assertions of modules/vpc. Run from modules/vpc: terraform init && terraform test

mock_provider "aws" {
  mock_data "aws_region" {
    defaults = {
      region = "eu-west-1"
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
}

variables {
  name             = "logexaminer"
  azs              = ["eu-west-1a", "eu-west-1b", "eu-west-1c"]
  eks_cluster_name = "logexaminer"
  tags = {
    Project = "logexaminer"
  }
}

run "defaults_nat_per_az" {
  command = plan

  assert {
    condition     = aws_vpc.this[0].cidr_block == "10.0.0.0/16" && aws_vpc.this[0].enable_dns_hostnames && aws_vpc.this[0].enable_dns_support
    error_message = "VPC must use 10.0.0.0/16 with DNS support and hostnames."
  }

  assert {
    condition     = length(aws_nat_gateway.this) == 3 && length(aws_eip.nat) == 3
    error_message = "One NAT gateway and one EIP per availability zone expected by default."
  }

  assert {
    condition     = [for az in var.azs : aws_subnet.private[az].cidr_block] == ["10.0.0.0/19", "10.0.32.0/19", "10.0.64.0/19"]
    error_message = "Private subnets must be the first /19 networks of the VPC, in zone order."
  }

  assert {
    condition     = [for az in var.azs : aws_subnet.public[az].cidr_block] == ["10.0.224.0/24", "10.0.225.0/24", "10.0.226.0/24"]
    error_message = "Public subnets must be /24 networks in the reserved last /19."
  }

  assert {
    condition     = alltrue([for az in var.azs : aws_subnet.private[az].availability_zone == az && aws_subnet.public[az].availability_zone == az])
    error_message = "Each subnet must be in the zone of its key."
  }

  assert {
    condition = alltrue([for az in var.azs : (
      aws_subnet.private[az].tags["kubernetes.io/role/internal-elb"] == "1" &&
      aws_subnet.private[az].tags["kubernetes.io/cluster/logexaminer"] == "shared" &&
      aws_subnet.private[az].tags["Name"] == "logexaminer-private-${az}" &&
      aws_subnet.private[az].tags["Project"] == "logexaminer" &&
      !contains(keys(aws_subnet.private[az].tags), "kubernetes.io/role/elb")
    )])
    error_message = "Private subnets must carry the internal-elb role, cluster, Name and common tags, and not the public elb role."
  }

  assert {
    condition = alltrue([for az in var.azs : (
      aws_subnet.public[az].tags["kubernetes.io/role/elb"] == "1" &&
      aws_subnet.public[az].tags["kubernetes.io/cluster/logexaminer"] == "shared" &&
      !contains(keys(aws_subnet.public[az].tags), "kubernetes.io/role/internal-elb") &&
      aws_subnet.public[az].map_public_ip_on_launch == false
    )])
    error_message = "Public subnets must carry the elb role and cluster tags and not map public IPs on launch."
  }

  assert {
    condition     = length(aws_route.private_nat_gateway) == 3 && alltrue([for r in aws_route.private_nat_gateway : r.destination_cidr_block == "0.0.0.0/0"])
    error_message = "Each private route table needs a default route through a NAT gateway."
  }

  assert {
    condition     = aws_route.public_internet_gateway[0].destination_cidr_block == "0.0.0.0/0" && length(aws_route_table_association.public) == 3 && length(aws_route_table_association.private) == 3
    error_message = "Public default route and one association per subnet expected."
  }

  assert {
    condition     = aws_security_group.this[0].name_prefix == "logexaminer-"
    error_message = "The security group must use name_prefix by default."
  }

  assert {
    condition = (
      aws_vpc_security_group_ingress_rule.https_from_vpc[0].ip_protocol == "tcp" &&
      aws_vpc_security_group_ingress_rule.https_from_vpc[0].from_port == 443 &&
      aws_vpc_security_group_ingress_rule.https_from_vpc[0].to_port == 443 &&
      aws_vpc_security_group_ingress_rule.https_from_vpc[0].cidr_ipv4 == "10.0.0.0/16" &&
      aws_vpc_security_group_ingress_rule.https_from_vpc[0].cidr_ipv6 == null &&
      aws_vpc_security_group_ingress_rule.https_from_vpc[0].referenced_security_group_id == null
    )
    error_message = "The only ingress rule must be HTTPS (tcp/443) from the VPC CIDR block."
  }

  assert {
    condition = (
      aws_vpc_security_group_egress_rule.https_out[0].ip_protocol == "tcp" &&
      aws_vpc_security_group_egress_rule.https_out[0].from_port == 443 &&
      aws_vpc_security_group_egress_rule.https_out[0].to_port == 443 &&
      aws_vpc_security_group_egress_rule.https_out[0].cidr_ipv4 == "0.0.0.0/0"
    )
    error_message = "The only egress rule must be HTTPS (tcp/443) to anywhere."
  }

  assert {
    condition     = length(aws_vpc_security_group_ingress_rule.https_from_vpc) == 1 && length(aws_vpc_security_group_egress_rule.https_out) == 1
    error_message = "Exactly one ingress and one egress rule expected."
  }

  assert {
    condition     = length(aws_default_security_group.this[0].ingress) == 0 && length(aws_default_security_group.this[0].egress) == 0
    error_message = "The default security group must have no rules."
  }

  assert {
    condition     = aws_vpc_endpoint.s3[0].vpc_endpoint_type == "Gateway" && aws_vpc_endpoint.s3[0].service_name == "com.amazonaws.eu-west-1.s3"
    error_message = "An S3 gateway endpoint is expected by default."
  }

  assert {
    condition     = length(aws_vpc_endpoint.interface) == 0 && length(aws_flow_log.this) == 0 && length(aws_iam_role.flow_log) == 0
    error_message = "No interface endpoints and no flow log by default."
  }

  assert {
    condition     = length(output.private_subnet_ids_by_az) == 3 && output.azs == var.azs
    error_message = "private_subnet_ids_by_az must be keyed by the three zones."
  }
}

run "nat_per_az_routes_to_own_zone" {
  command   = apply
  state_key = "nat_per_az_routes_to_own_zone"

  assert {
    condition     = alltrue([for az in var.azs : aws_route.private_nat_gateway[az].nat_gateway_id == aws_nat_gateway.this[az].id])
    error_message = "With one NAT gateway per zone, each private route table must use the NAT gateway of its own zone."
  }

  assert {
    condition     = alltrue([for az in var.azs : aws_nat_gateway.this[az].subnet_id == aws_subnet.public[az].id && aws_nat_gateway.this[az].allocation_id == aws_eip.nat[az].id])
    error_message = "Each NAT gateway must sit in the public subnet of its zone with its own EIP."
  }

  assert {
    condition     = toset(aws_vpc_endpoint.s3[0].route_table_ids) == toset(concat([for az in var.azs : aws_route_table.private[az].id], [aws_route_table.public[0].id]))
    error_message = "The S3 gateway endpoint must be on every route table."
  }
}

run "single_nat_gateway" {
  command   = apply
  state_key = "single_nat_gateway"

  variables {
    single_nat_gateway = true
  }

  assert {
    condition     = length(aws_nat_gateway.this) == 1 && length(aws_eip.nat) == 1 && keys(aws_nat_gateway.this) == ["eu-west-1a"]
    error_message = "single_nat_gateway must create exactly one NAT gateway, in the first zone."
  }

  assert {
    condition     = alltrue([for az in var.azs : aws_route.private_nat_gateway[az].nat_gateway_id == aws_nat_gateway.this["eu-west-1a"].id])
    error_message = "All private route tables must route through the single NAT gateway."
  }
}

run "given_nat_eips_replace_the_modules_own" {
  command   = apply
  state_key = "given_nat_eips"

  variables {
    nat_eip_allocation_ids = { "eu-west-1b" = "eipalloc-0b000000000000001" }
  }

  assert {
    condition     = keys(aws_eip.nat) == ["eu-west-1a", "eu-west-1c"] && aws_nat_gateway.this["eu-west-1b"].allocation_id == "eipalloc-0b000000000000001"
    error_message = "A zone with a given Elastic IP must use it and create none of its own."
  }

  assert {
    condition     = aws_nat_gateway.this["eu-west-1a"].allocation_id == aws_eip.nat["eu-west-1a"].id
    error_message = "The other zones keep their own Elastic IPs."
  }
}

run "nat_eip_for_a_zone_without_nat_gateway" {
  command = plan

  variables {
    single_nat_gateway     = true
    nat_eip_allocation_ids = { "eu-west-1b" = "eipalloc-0b000000000000001" }
  }

  expect_failures = [aws_nat_gateway.this]
}

run "no_nat_gateway" {
  command = plan

  variables {
    enable_nat_gateway = false
  }

  assert {
    condition     = length(aws_nat_gateway.this) == 0 && length(aws_eip.nat) == 0 && length(aws_route.private_nat_gateway) == 0
    error_message = "enable_nat_gateway = false must create no NAT gateway, EIP or private default route."
  }

  assert {
    condition     = length(aws_route_table.private) == 3 && length(aws_internet_gateway.this) == 1
    error_message = "Private route tables and the internet gateway remain without NAT."
  }
}

run "explicit_subnets_and_two_zones" {
  command = plan

  variables {
    cidr            = "172.20.0.0/20"
    azs             = ["us-east-1a", "us-east-1b"]
    private_subnets = ["172.20.0.0/22", "172.20.4.0/22"]
    public_subnets  = ["172.20.8.0/26", "172.20.8.64/26"]
  }

  assert {
    condition     = aws_subnet.private["us-east-1b"].cidr_block == "172.20.4.0/22" && aws_subnet.public["us-east-1b"].cidr_block == "172.20.8.64/26"
    error_message = "Explicit subnet CIDR blocks must be used as given."
  }

  assert {
    condition     = length(aws_nat_gateway.this) == 2
    error_message = "Two zones, two NAT gateways."
  }
}

run "interface_endpoints" {
  command   = apply
  state_key = "interface_endpoints"

  variables {
    interface_endpoints = ["secretsmanager", "sts", "ecr.api", "ecr.dkr", "logs"]
  }

  assert {
    condition     = length(aws_vpc_endpoint.interface) == 5
    error_message = "Five interface endpoints expected."
  }

  assert {
    condition = alltrue([for k, e in aws_vpc_endpoint.interface : (
      e.service_name == "com.amazonaws.eu-west-1.${k}" &&
      e.vpc_endpoint_type == "Interface" &&
      e.private_dns_enabled == true &&
      length(e.subnet_ids) == 3
    )])
    error_message = "Interface endpoints must be private-DNS Interface endpoints in the three private subnets."
  }

  assert {
    condition     = aws_vpc_endpoint.interface["ecr.dkr"].tags["Name"] == "logexaminer-ecr-dkr"
    error_message = "Endpoint Name tags must replace dots."
  }
}

# Private nodes without a NAT route to these services: Session Manager (tunnels to the database), KMS, EKS and
# EKS Pod Identity (eks-auth).
run "interface_endpoints_for_session_manager_and_pod_identity" {
  command   = apply
  state_key = "interface_endpoints_ssm"

  variables {
    interface_endpoints = ["ssm", "ssmmessages", "ec2messages", "eks-auth", "eks", "kms", "sts"]
  }

  assert {
    condition = (
      length(aws_vpc_endpoint.interface) == 7 &&
      aws_vpc_endpoint.interface["eks-auth"].service_name == "com.amazonaws.eu-west-1.eks-auth" &&
      aws_vpc_endpoint.interface["ssmmessages"].service_name == "com.amazonaws.eu-west-1.ssmmessages" &&
      alltrue([for e in aws_vpc_endpoint.interface : e.private_dns_enabled && e.vpc_endpoint_type == "Interface"])
    )
    error_message = "The Session Manager, KMS, EKS and Pod Identity endpoints must be private-DNS Interface endpoints."
  }
}

run "flow_log_to_cloudwatch" {
  command = plan

  variables {
    flow_log = {
      enabled           = true
      retention_in_days = 90
    }
  }

  assert {
    condition     = length(aws_flow_log.this) == 1 && aws_flow_log.this[0].log_destination_type == "cloud-watch-logs" && aws_flow_log.this[0].traffic_type == "ALL"
    error_message = "A flow log to CloudWatch Logs expected."
  }

  assert {
    condition     = aws_cloudwatch_log_group.flow_log[0].name == "/aws/vpc-flow-log/logexaminer" && aws_cloudwatch_log_group.flow_log[0].retention_in_days == 90
    error_message = "The log group name and retention must follow the inputs."
  }

  assert {
    condition     = length(aws_iam_role.flow_log) == 1 && length(aws_iam_role_policy.flow_log) == 1
    error_message = "CloudWatch flow logs need a role."
  }
}

run "flow_log_to_s3" {
  command = plan

  variables {
    flow_log = {
      enabled          = true
      destination_type = "s3"
      destination_arn  = "arn:aws:s3:::logexaminer-flow-logs/vpc"
    }
  }

  assert {
    condition     = aws_flow_log.this[0].log_destination == "arn:aws:s3:::logexaminer-flow-logs/vpc" && aws_flow_log.this[0].iam_role_arn == null
    error_message = "S3 flow logs go to the given ARN without a role."
  }

  assert {
    condition     = length(aws_cloudwatch_log_group.flow_log) == 0 && length(aws_iam_role.flow_log) == 0
    error_message = "No log group or role for S3 flow logs."
  }
}

run "fixed_security_group_name" {
  command = plan

  variables {
    use_name_prefix               = false
    manage_default_security_group = false
    enable_s3_endpoint            = false
  }

  assert {
    condition     = aws_security_group.this[0].name == "logexaminer"
    error_message = "use_name_prefix = false must set the name."
  }

  assert {
    condition     = length(aws_default_security_group.this) == 0 && length(aws_vpc_endpoint.s3) == 0
    error_message = "Optional resources must follow their flags."
  }
}

run "create_false" {
  command = plan

  variables {
    create = false
  }

  assert {
    condition = (
      length(aws_vpc.this) == 0 && length(aws_subnet.private) == 0 && length(aws_subnet.public) == 0 &&
      length(aws_nat_gateway.this) == 0 && length(aws_security_group.this) == 0 && length(aws_vpc_endpoint.s3) == 0
    )
    error_message = "create = false must create nothing."
  }

  assert {
    condition     = output.vpc_id == null && output.private_subnet_ids == []
    error_message = "Outputs must be null or empty when nothing is created."
  }
}

run "database_subnets" {
  command   = apply
  state_key = "database_subnets"

  variables {
    database_subnets = ["10.0.192.0/24", "10.0.193.0/24", "10.0.194.0/24"]
  }

  assert {
    condition = (
      length(aws_subnet.database) == 3 &&
      aws_subnet.database["eu-west-1b"].cidr_block == "10.0.193.0/24" &&
      aws_subnet.database["eu-west-1b"].availability_zone == "eu-west-1b" &&
      length(aws_route_table_association.database) == 3
    )
    error_message = "One database subnet per zone, each associated with the database route table."
  }

  assert {
    condition     = length(aws_route_table.database) == 1 && length([for r in aws_route.private_nat_gateway : r if r.route_table_id == aws_route_table.database[0].id]) == 0
    error_message = "The database route table must have no NAT route."
  }

  assert {
    condition     = length(aws_vpc_endpoint.s3[0].route_table_ids) == 5
    error_message = "The S3 gateway endpoint must reach the database route table too (3 private, 1 public, 1 database)."
  }

  assert {
    condition     = aws_db_subnet_group.database[0].name == "logexaminer" && length(aws_db_subnet_group.database[0].subnet_ids) == 3
    error_message = "A DB subnet group on the three database subnets expected."
  }
}

run "no_database_subnets_by_default" {
  command = plan

  assert {
    condition     = length(aws_subnet.database) == 0 && length(aws_route_table.database) == 0 && length(aws_db_subnet_group.database) == 0 && output.database_subnet_group_name == null
    error_message = "Database subnets are opt-in."
  }
}
