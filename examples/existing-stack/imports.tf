# Objects created outside Terraform, imported into the modules on the next apply.
# `terraform plan` shows them as "will be imported"; nothing is re-created when the
# module inputs match the existing objects.

import {
  to = module.vpc.aws_vpc.this[0]
  id = var.existing_vpc_id
}

import {
  to = module.vpc.aws_internet_gateway.this[0]
  id = var.existing_internet_gateway_id
}

import {
  for_each = var.existing_public_subnets
  to       = module.vpc.aws_subnet.public[each.key]
  id       = each.value.id
}

import {
  for_each = var.existing_private_subnets
  to       = module.vpc.aws_subnet.private[each.key]
  id       = each.value.id
}
