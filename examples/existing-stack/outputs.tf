output "vpc_id" {
  description = "ID of the adopted VPC."
  value       = module.vpc.vpc_id
}

output "private_subnet_ids_by_az" {
  description = "Adopted private subnets keyed by availability zone."
  value       = module.vpc.private_subnet_ids_by_az
}

output "logs_bucket" {
  description = "Name of the adopted raw-logs bucket."
  value       = module.logs.bucket_id
}
