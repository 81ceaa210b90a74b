locals {
  create = var.create

  # Private subnet i takes network number i of size /(vpc + private_subnet_newbits); the last network number of
  # that size is kept for the public subnets, cut in /(... + public_subnet_newbits) pieces. try() keeps invalid
  # inputs (already reported by the variable validations) from adding evaluation errors.
  public_supernet = try(cidrsubnet(var.cidr, var.private_subnet_newbits, pow(2, var.private_subnet_newbits) - 1), null)

  private_cidrs = var.private_subnets != null ? var.private_subnets : try([for i, az in var.azs : cidrsubnet(var.cidr, var.private_subnet_newbits, i)], [])
  public_cidrs  = var.public_subnets != null ? var.public_subnets : try([for i, az in var.azs : cidrsubnet(local.public_supernet, var.public_subnet_newbits, i)], [])

  zones = {
    for i, az in var.azs : az => {
      index        = i
      private_cidr = try(local.private_cidrs[i], null)
      public_cidr  = try(local.public_cidrs[i], null)
    }
  }

  nat_azs = var.enable_nat_gateway ? (var.single_nat_gateway ? [var.azs[0]] : var.azs) : []

  # Pairs of subnets whose ranges overlap (AWS rejects the second subnet).
  all_subnet_cidrs = concat(local.private_cidrs, local.public_cidrs)
  subnet_overlaps = try([
    for pair in setproduct(range(length(local.all_subnet_cidrs)), range(length(local.all_subnet_cidrs))) :
    "${local.all_subnet_cidrs[pair[0]]} overlaps ${local.all_subnet_cidrs[pair[1]]}"
    if pair[0] < pair[1] && (
      cidrhost("${split("/", local.all_subnet_cidrs[pair[1]])[0]}/${split("/", local.all_subnet_cidrs[pair[0]])[1]}", 0) == cidrhost(local.all_subnet_cidrs[pair[0]], 0) ||
      cidrhost("${split("/", local.all_subnet_cidrs[pair[0]])[0]}/${split("/", local.all_subnet_cidrs[pair[1]])[1]}", 0) == cidrhost(local.all_subnet_cidrs[pair[1]], 0)
    )
  ], [])

  cluster_tags = var.eks_cluster_name == null ? {} : { "kubernetes.io/cluster/${var.eks_cluster_name}" = "shared" }

  region = try(data.aws_region.current[0].region, null)
}

data "aws_region" "current" {
  count = local.create ? 1 : 0
}

################################################################################
# VPC
################################################################################

resource "aws_vpc" "this" {
  count = local.create ? 1 : 0

  cidr_block           = var.cidr
  enable_dns_support   = true
  enable_dns_hostnames = true

  tags = merge({ Name = var.name }, var.tags, var.vpc_tags)

  lifecycle {
    precondition {
      condition     = length(local.subnet_overlaps) == 0
      error_message = "Subnet CIDR blocks must not overlap: ${join("; ", local.subnet_overlaps)}."
    }
  }
}

resource "aws_default_security_group" "this" {
  count = local.create && var.manage_default_security_group ? 1 : 0

  vpc_id = aws_vpc.this[0].id

  # No rules: nothing may rely on the default group.
  ingress = []
  egress  = []

  tags = merge({ Name = "${var.name}-default" }, var.tags, var.security_group_tags)
}

################################################################################
# Subnets
################################################################################

resource "aws_subnet" "public" {
  for_each = local.create ? local.zones : {}

  vpc_id                  = aws_vpc.this[0].id
  cidr_block              = each.value.public_cidr
  availability_zone       = each.key
  map_public_ip_on_launch = false

  tags = merge(
    { Name = "${var.name}-public-${each.key}" },
    var.tags,
    { "kubernetes.io/role/elb" = "1" },
    local.cluster_tags,
    var.public_subnet_tags,
  )
}

resource "aws_subnet" "private" {
  for_each = local.create ? local.zones : {}

  vpc_id            = aws_vpc.this[0].id
  cidr_block        = each.value.private_cidr
  availability_zone = each.key

  tags = merge(
    { Name = "${var.name}-private-${each.key}" },
    var.tags,
    { "kubernetes.io/role/internal-elb" = "1" },
    local.cluster_tags,
    var.private_subnet_tags,
  )
}

################################################################################
# Database subnets: no route out of the VPC
################################################################################

resource "aws_subnet" "database" {
  for_each = local.create ? { for i, az in var.azs : az => var.database_subnets[i] if i < length(var.database_subnets) } : {}

  vpc_id            = aws_vpc.this[0].id
  cidr_block        = each.value
  availability_zone = each.key

  tags = merge({ Name = "${var.name}-database-${each.key}" }, var.tags)
}

resource "aws_route_table" "database" {
  count = local.create && length(var.database_subnets) > 0 ? 1 : 0

  vpc_id = aws_vpc.this[0].id

  tags = merge({ Name = "${var.name}-database" }, var.tags)
}

resource "aws_route_table_association" "database" {
  for_each = aws_subnet.database

  subnet_id      = each.value.id
  route_table_id = aws_route_table.database[0].id
}

resource "aws_db_subnet_group" "database" {
  count = local.create && length(var.database_subnets) > 0 && var.create_database_subnet_group ? 1 : 0

  name        = var.name
  description = "Database subnets of ${var.name}"
  subnet_ids  = [for az in var.azs : aws_subnet.database[az].id]

  tags = merge({ Name = var.name }, var.tags)
}

################################################################################
# Internet gateway, NAT gateways
################################################################################

resource "aws_internet_gateway" "this" {
  count = local.create ? 1 : 0

  vpc_id = aws_vpc.this[0].id

  tags = merge({ Name = var.name }, var.tags)
}

# Keyed by zone (known at plan time), so a zone's address stays when zones are added or single_nat_gateway changes.
resource "aws_eip" "nat" {
  for_each = local.create ? toset([for az in local.nat_azs : az if !contains(keys(var.nat_eip_allocation_ids), az)]) : toset([])

  domain = "vpc"

  tags = merge({ Name = "${var.name}-nat-${each.key}" }, var.tags, var.nat_gateway_tags)

  depends_on = [aws_internet_gateway.this]
}

resource "aws_nat_gateway" "this" {
  for_each = local.create ? toset(local.nat_azs) : toset([])

  allocation_id     = contains(keys(var.nat_eip_allocation_ids), each.key) ? var.nat_eip_allocation_ids[each.key] : aws_eip.nat[each.key].id
  subnet_id         = aws_subnet.public[each.key].id
  connectivity_type = "public"

  tags = merge({ Name = "${var.name}-${each.key}" }, var.tags, var.nat_gateway_tags)

  depends_on = [aws_internet_gateway.this]

  lifecycle {
    precondition {
      condition     = alltrue([for az in keys(var.nat_eip_allocation_ids) : contains(local.nat_azs, az)])
      error_message = "nat_eip_allocation_ids names zones without a NAT gateway (${join(", ", [for az in keys(var.nat_eip_allocation_ids) : az if !contains(local.nat_azs, az)])}): with single_nat_gateway only ${try(var.azs[0], "the first zone")} has one."
    }
  }
}

################################################################################
# Route tables
################################################################################

resource "aws_route_table" "public" {
  count = local.create ? 1 : 0

  vpc_id = aws_vpc.this[0].id

  tags = merge({ Name = "${var.name}-public" }, var.tags)
}

resource "aws_route" "public_internet_gateway" {
  count = local.create ? 1 : 0

  route_table_id         = aws_route_table.public[0].id
  destination_cidr_block = "0.0.0.0/0"
  gateway_id             = aws_internet_gateway.this[0].id
}

resource "aws_route_table_association" "public" {
  for_each = local.create ? local.zones : {}

  subnet_id      = aws_subnet.public[each.key].id
  route_table_id = aws_route_table.public[0].id
}

resource "aws_route_table" "private" {
  for_each = local.create ? local.zones : {}

  vpc_id = aws_vpc.this[0].id

  tags = merge({ Name = "${var.name}-private-${each.key}" }, var.tags)
}

resource "aws_route" "private_nat_gateway" {
  for_each = local.create && var.enable_nat_gateway ? local.zones : {}

  route_table_id         = aws_route_table.private[each.key].id
  destination_cidr_block = "0.0.0.0/0"
  nat_gateway_id         = aws_nat_gateway.this[var.single_nat_gateway ? var.azs[0] : each.key].id
}

resource "aws_route_table_association" "private" {
  for_each = local.create ? local.zones : {}

  subnet_id      = aws_subnet.private[each.key].id
  route_table_id = aws_route_table.private[each.key].id
}

################################################################################
# Strict security group: HTTPS within the VPC in, HTTPS out, nothing else
################################################################################

resource "aws_security_group" "this" {
  count = local.create && var.create_security_group ? 1 : 0

  name        = var.use_name_prefix ? null : var.name
  name_prefix = var.use_name_prefix ? "${var.name}-" : null
  description = var.security_group_description
  vpc_id      = aws_vpc.this[0].id

  tags = merge({ Name = var.name }, var.tags, var.security_group_tags)

  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_vpc_security_group_ingress_rule" "https_from_vpc" {
  count = local.create && var.create_security_group ? 1 : 0

  security_group_id = aws_security_group.this[0].id
  description       = "HTTPS from within the VPC"
  ip_protocol       = "tcp"
  from_port         = 443
  to_port           = 443
  cidr_ipv4         = aws_vpc.this[0].cidr_block

  tags = merge({ Name = "${var.name}-https-in" }, var.tags, var.security_group_tags)
}

resource "aws_vpc_security_group_egress_rule" "https_out" {
  count = local.create && var.create_security_group ? 1 : 0

  security_group_id = aws_security_group.this[0].id
  description       = "HTTPS to anywhere"
  ip_protocol       = "tcp"
  from_port         = 443
  to_port           = 443
  cidr_ipv4         = "0.0.0.0/0"

  tags = merge({ Name = "${var.name}-https-out" }, var.tags, var.security_group_tags)
}

################################################################################
# VPC endpoints
################################################################################

resource "aws_vpc_endpoint" "s3" {
  count = local.create && var.enable_s3_endpoint ? 1 : 0

  vpc_id            = aws_vpc.this[0].id
  service_name      = "com.amazonaws.${local.region}.s3"
  vpc_endpoint_type = "Gateway"
  route_table_ids   = concat([for az in var.azs : aws_route_table.private[az].id], [aws_route_table.public[0].id], aws_route_table.database[*].id)

  tags = merge({ Name = "${var.name}-s3" }, var.tags, var.endpoint_tags)
}

resource "aws_vpc_endpoint" "interface" {
  for_each = local.create ? var.interface_endpoints : toset([])

  vpc_id              = aws_vpc.this[0].id
  service_name        = "com.amazonaws.${local.region}.${each.key}"
  vpc_endpoint_type   = "Interface"
  subnet_ids          = [for az in var.azs : aws_subnet.private[az].id]
  security_group_ids  = [aws_security_group.this[0].id]
  private_dns_enabled = true

  tags = merge({ Name = "${var.name}-${replace(each.key, ".", "-")}" }, var.tags, var.endpoint_tags)
}
