terraform {
  # Actions (action blocks, action_trigger) need Terraform 1.14.
  required_version = ">= 1.14"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 6.0, < 7.0"
    }
    logexaminer = {
      source  = "logexaminer/logexaminer"
      version = ">= 0.1.0"
    }
  }
}
