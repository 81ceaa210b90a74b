variable "region" {
  description = "AWS region of the stack."
  type        = string
  default     = "eu-west-1"
}

variable "name" {
  description = "Name of the stack, used for the VPC, node groups and database."
  type        = string
  default     = "logexaminer"
}

variable "azs" {
  description = "Availability zones of the stack (in `region`)."
  type        = list(string)
  default     = ["eu-west-1a", "eu-west-1b", "eu-west-1c"]
}

variable "eks_cluster_name" {
  description = "Name of the existing EKS cluster the node groups join."
  type        = string
  default     = "logexaminer"
}

variable "eks_cluster_security_group_id" {
  description = "Security group of the EKS cluster (attached to the nodes of managed node groups); allowed into the metastore database. Null allows nothing yet."
  type        = string
  default     = null
}

variable "logs_bucket_name" {
  description = "Name of the raw-logs bucket (globally unique)."
  type        = string
  default     = "logexaminer-raw-logs-example"
}

variable "create_metastore_users" {
  description = "Whether to create the Hive Metastore database users (the provider must reach the database: run inside the VPC or through a tunnel)."
  type        = bool
  default     = false
}

variable "tags" {
  description = "Tags of every resource."
  type        = map(string)
  default = {
    Project     = "logexaminer"
    Environment = "example"
  }
}
