# Plans the adoption against mocked providers: imports into module addresses, inputs matching the existing objects.
# Run from examples/existing-stack: terraform init && terraform test

mock_provider "aws" {
  mock_data "aws_region" {
    defaults = {
      region = "eu-west-1"
    }
  }

  mock_data "aws_iam_policy_document" {
    defaults = {
      json = "{\"Version\":\"2012-10-17\",\"Statement\":[]}"
    }
  }
}

mock_provider "logexaminer" {}

# Mock providers cannot import: the imported objects are given as overrides.
override_resource {
  target = module.vpc.aws_vpc.this
  values = {
    id         = "vpc-0a1b2c3d4e5f60718"
    cidr_block = "10.20.0.0/16"
  }
}

override_resource {
  target = module.vpc.aws_internet_gateway.this
  values = {
    id = "igw-0a1b2c3d4e5f60718"
  }
}

override_resource {
  target = module.vpc.aws_subnet.public
  values = {
    id = "subnet-0a1b2c3d4e5f60711"
  }
}

override_resource {
  target = module.vpc.aws_subnet.private
  values = {
    id = "subnet-0a1b2c3d4e5f60721"
  }
}

run "adopt" {
  command = plan

  assert {
    condition     = module.vpc.public_subnet_cidr_blocks == ["10.20.0.0/24", "10.20.1.0/24"] && module.vpc.private_subnet_cidr_blocks == ["10.20.32.0/19", "10.20.64.0/19"]
    error_message = "The module must keep the existing subnet CIDR blocks."
  }

  assert {
    condition     = length(module.vpc.nat_gateway_ids) == 1
    error_message = "The adopted VPC gets one NAT gateway."
  }
}
