# Rotate the Hive metastore user's secret every 30 days with the LogExaminer rotation function
# (deployed e.g. by modules/secret-rotation), alternating between hive and hive_clone.
resource "logexaminer_secret_rotation" "hive" {
  secret_id                = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:metastore/hive-AbCdEf"
  rotation_function_arn    = "arn:aws:lambda:eu-west-1:123456789012:function:logexaminer-rotation"
  automatically_after_days = 30
  duration                 = "3h"
  strategy                 = "alternating_users"
  notification_topic_arn   = "arn:aws:sns:eu-west-1:123456789012:logexaminer-rotation-notices"

  # Change this value to roll back to AWSPREVIOUS (labels and database password).
  rollback_trigger = "2024-06-01"
}

output "next_rotation" {
  value = logexaminer_secret_rotation.hive.next_rotation_date
}
