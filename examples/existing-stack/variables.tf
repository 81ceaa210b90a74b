variable "region" {
  description = "AWS region of the existing stack."
  type        = string
  default     = "eu-west-1"
}

variable "name" {
  description = "Name of the stack."
  type        = string
  default     = "analytics"
}

variable "azs" {
  description = "Availability zones of the existing subnets, in order."
  type        = list(string)
  default     = ["eu-west-1a", "eu-west-1b"]
}

variable "existing_vpc_id" {
  description = "ID of the VPC created outside Terraform, imported into modules/vpc."
  type        = string
  default     = "vpc-0a1b2c3d4e5f60718"
}

variable "existing_vpc_cidr" {
  description = "CIDR block of the existing VPC (must match, or the VPC would be replaced)."
  type        = string
  default     = "10.20.0.0/16"
}

variable "existing_internet_gateway_id" {
  description = "ID of the existing internet gateway of the VPC."
  type        = string
  default     = "igw-0a1b2c3d4e5f60718"
}

variable "existing_public_subnets" {
  description = "Existing public subnets keyed by availability zone: ID and CIDR block."
  type = map(object({
    id   = string
    cidr = string
  }))
  default = {
    "eu-west-1a" = { id = "subnet-0a1b2c3d4e5f60711", cidr = "10.20.0.0/24" }
    "eu-west-1b" = { id = "subnet-0a1b2c3d4e5f60712", cidr = "10.20.1.0/24" }
  }
}

variable "existing_private_subnets" {
  description = "Existing private subnets keyed by availability zone: ID and CIDR block."
  type = map(object({
    id   = string
    cidr = string
  }))
  default = {
    "eu-west-1a" = { id = "subnet-0a1b2c3d4e5f60721", cidr = "10.20.32.0/19" }
    "eu-west-1b" = { id = "subnet-0a1b2c3d4e5f60722", cidr = "10.20.64.0/19" }
  }
}

variable "logs_bucket_name" {
  description = "Name of the raw-logs bucket this stack already manages (as `aws_s3_bucket.logs`)."
  type        = string
  default     = "analytics-raw-logs-example"
}

variable "existing_kms_key_arn" {
  description = "KMS key that already encrypts the bucket."
  type        = string
  default     = "arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"
}
