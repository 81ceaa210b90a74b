# This file is maintained automatically by "terraform init".
# Manual edits may be lost in future updates.

provider "registry.terraform.io/hashicorp/aws" {
  version     = "6.66.0"
  constraints = ">= 6.0.0, < 7.0.0"
  hashes = [
    "h1:4GnyX8DumHqaXU/2mvxH7vnbz2ybcMDSIWJTIyG+mwc=",
  ]
}

provider "registry.terraform.io/logexaminer/logexaminer" {
  version     = "0.1.0"
  constraints = ">= 0.1.0"
  hashes = [
    "h1:xfTX3mWAJAWLmvM+khQcf3p9thYnJ2kXlln4vlqjLK0=",
  ]
}
