# Rotate the Hive service user's password now (after an incident, after someone left):
#   terraform apply -invoke=action.logexaminer_rotate_secret.hive
action "logexaminer_rotate_secret" "hive" {
  config {
    secret_id   = logexaminer_db_user.hive.secret_arn
    timeout     = "10m"
    check_login = true
  }
}
