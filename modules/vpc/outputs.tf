output "vpc_id" {
  description = "ID of the VPC."
  value       = try(aws_vpc.this[0].id, null)
}

output "vpc_arn" {
  description = "ARN of the VPC."
  value       = try(aws_vpc.this[0].arn, null)
}

output "vpc_cidr_block" {
  description = "CIDR block of the VPC."
  value       = try(aws_vpc.this[0].cidr_block, null)
}

output "azs" {
  description = "Availability zones of the subnets, in input order."
  value       = var.azs
}

output "public_subnet_ids" {
  description = "IDs of the public subnets, in the order of `azs`."
  value       = [for az in var.azs : aws_subnet.public[az].id if contains(keys(aws_subnet.public), az)]
}

output "public_subnet_cidr_blocks" {
  description = "CIDR blocks of the public subnets, in the order of `azs`."
  value       = [for az in var.azs : aws_subnet.public[az].cidr_block if contains(keys(aws_subnet.public), az)]
}

output "private_subnet_ids" {
  description = "IDs of the private subnets, in the order of `azs`."
  value       = [for az in var.azs : aws_subnet.private[az].id if contains(keys(aws_subnet.private), az)]
}

output "private_subnet_ids_by_az" {
  description = "IDs of the private subnets keyed by availability zone (keys are known at plan time, for `for_each` in other modules)."
  value       = { for az, s in aws_subnet.private : az => s.id }
}

output "private_subnet_cidr_blocks" {
  description = "CIDR blocks of the private subnets, in the order of `azs`."
  value       = [for az in var.azs : aws_subnet.private[az].cidr_block if contains(keys(aws_subnet.private), az)]
}

output "public_route_table_id" {
  description = "ID of the public route table."
  value       = try(aws_route_table.public[0].id, null)
}

output "private_route_table_ids" {
  description = "IDs of the private route tables (one per availability zone), in the order of `azs`."
  value       = [for az in var.azs : aws_route_table.private[az].id if contains(keys(aws_route_table.private), az)]
}

output "internet_gateway_id" {
  description = "ID of the internet gateway."
  value       = try(aws_internet_gateway.this[0].id, null)
}

output "nat_gateway_ids" {
  description = "IDs of the NAT gateways keyed by availability zone (one, or one per zone)."
  value       = { for az, n in aws_nat_gateway.this : az => n.id }
}

output "nat_public_ips" {
  description = "Public IP addresses of the NAT gateways (their own or the given Elastic IPs), keyed by availability zone."
  value       = { for az, n in aws_nat_gateway.this : az => n.public_ip }
}

output "security_group_id" {
  description = "ID of the strict security group (HTTPS within the VPC in, HTTPS out)."
  value       = try(aws_security_group.this[0].id, null)
}

output "s3_endpoint_id" {
  description = "ID of the S3 gateway endpoint."
  value       = try(aws_vpc_endpoint.s3[0].id, null)
}

output "interface_endpoint_ids" {
  description = "IDs of the interface endpoints keyed by service (`sts`, `ecr.api`, ...)."
  value       = { for k, e in aws_vpc_endpoint.interface : k => e.id }
}

output "flow_log_id" {
  description = "ID of the flow log."
  value       = try(aws_flow_log.this[0].id, null)
}

output "flow_log_cloudwatch_log_group_arn" {
  description = "ARN of the CloudWatch log group the module created for the flow log."
  value       = try(aws_cloudwatch_log_group.flow_log[0].arn, null)
}

output "database_subnet_ids" {
  description = "IDs of the database subnets, in the order of `azs` (empty without `database_subnets`)."
  value       = [for az in var.azs : aws_subnet.database[az].id if contains(keys(aws_subnet.database), az)]
}

output "database_subnet_group_name" {
  description = "Name of the DB subnet group on the database subnets (null without one)."
  value       = try(aws_db_subnet_group.database[0].name, null)
}
