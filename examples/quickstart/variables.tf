variable "region" {
  description = "AWS region."
  type        = string
  default     = "us-east-1"
}

variable "raw_logs_bucket" {
  description = "Name of the existing S3 bucket that receives raw logs."
  type        = string
}

variable "metastore_instance_class" {
  description = "RDS instance class of the Hive Metastore database."
  type        = string
  default     = "db.r6g.large"
}

variable "local_emulator" {
  description = "Set true when running against a local AWS emulator (path-style S3, no STS check)."
  type        = bool
  default     = false
}
