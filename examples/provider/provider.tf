terraform {
  required_providers {
    logexaminer = {
      source  = "logexaminer/logexaminer"
      version = "~> 0.1"
    }
  }
}

provider "logexaminer" {
  region = "us-east-1"

  default_tags {
    tags = {
      platform = "logexaminer"
    }
  }
}
