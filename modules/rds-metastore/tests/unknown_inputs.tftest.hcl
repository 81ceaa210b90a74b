# One-pass plan of modules/rds-metastore when the VPC, subnets, allowed security group and KMS key come from other
# resources (unknown at plan time), with replicas and metastore users.

mock_provider "aws" {}

# The real logexaminer provider (its ephemeral `logexaminer_password` cannot be mocked: Terraform's mock providers
# have no ephemeral resources); its data source and resources are overridden, so nothing calls AWS.
provider "logexaminer" {
  region                      = "eu-west-1"
  skip_credentials_validation = true
}

override_data {
  target = module.metastore.data.logexaminer_db_parameter_profile.this
  values = {
    parameters = [
      { name = "innodb_buffer_pool_size", value = "{DBInstanceClassMemory*3/4}", apply_method = "pending-reboot" },
      { name = "transaction_isolation", value = "READ-COMMITTED", apply_method = "immediate" },
    ]
    warnings = []
  }
}

override_resource {
  target = module.metastore.logexaminer_db_user.this
}

run "plans_with_unknown_network_and_key" {
  command = plan

  module {
    source = "./tests/unknown-inputs"
  }

  assert {
    condition     = output.replica_count == 2 && output.user_keys == ["hive"]
    error_message = "The replicas and the metastore user must be planned while the network IDs and key are unknown."
  }
}
