# Prove after every create or change that the user logs in with the password in Secrets Manager
# and holds its grants (read as the user itself).
resource "logexaminer_db_user" "hive" {
  engine   = "postgres"
  username = "hive"
  endpoint {
    host     = aws_db_instance.metastore.address
    database = "metastore"
  }
  admin_secret_arn = aws_db_instance.metastore.master_user_secret[0].secret_arn
  grant {
    database   = "metastore"
    schema     = "hive_metastore"
    privileges = ["SELECT", "INSERT", "UPDATE", "DELETE"]
  }

  lifecycle {
    action_trigger {
      events  = [after_create, after_update]
      actions = [action.logexaminer_check_login.hive]
    }
  }
}

action "logexaminer_check_login" "hive" {
  config {
    secret_id = logexaminer_db_user.hive.secret_arn
    grant {
      database   = "metastore"
      schema     = "hive_metastore"
      privileges = ["SELECT", "INSERT", "UPDATE", "DELETE"]
    }
  }
}
