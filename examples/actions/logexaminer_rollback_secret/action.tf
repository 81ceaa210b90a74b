# Return to the previous password, in Secrets Manager and in the database:
#   terraform apply -invoke=action.logexaminer_rollback_secret.hive
action "logexaminer_rollback_secret" "hive" {
  config {
    secret_id   = logexaminer_db_user.hive.secret_arn
    check_login = true
  }
}
