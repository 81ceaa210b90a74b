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
  description = "Name of the EKS cluster."
  type        = string
  default     = "logexaminer"
}

variable "kubernetes_version" {
  description = "Kubernetes version of the cluster."
  type        = string
  default     = "1.33"
}

variable "cluster_admin_role_arns" {
  description = "IAM roles given cluster-admin through EKS access entries, keyed by names you choose (the cluster's creator gets no implicit admin)."
  type        = map(string)
  default     = {}
  nullable    = false
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
