# Resources this stack managed before adopting modules/s3-logs. `moved` keeps them
# in state under their new addresses: no destroy, no re-create.

moved {
  from = aws_s3_bucket.logs
  to   = module.logs.aws_s3_bucket.this[0]
}

moved {
  from = aws_s3_bucket_versioning.logs
  to   = module.logs.aws_s3_bucket_versioning.this[0]
}

moved {
  from = aws_s3_bucket_server_side_encryption_configuration.logs
  to   = module.logs.aws_s3_bucket_server_side_encryption_configuration.this[0]
}

moved {
  from = aws_s3_bucket_public_access_block.logs
  to   = module.logs.aws_s3_bucket_public_access_block.this[0]
}

# The old lifecycle configuration is replaced by the module's logexaminer_s3_tier_policy, which only manages
# rules with its own `logexaminer:` ID prefix. Forget the old resource without deleting its rules; remove them
# from the bucket by hand once the tier policy is in place.
removed {
  from = aws_s3_bucket_lifecycle_configuration.logs

  lifecycle {
    destroy = false
  }
}
