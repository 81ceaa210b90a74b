# Credentials of a metastore user, read from the secret logexaminer_db_user wrote, for a provider
# that talks to the database. Nothing of it is stored in plan or state.
ephemeral "logexaminer_db_credentials" "hive" {
  secret_id = logexaminer_db_user.hive.secret_arn
}

provider "postgresql" {
  host     = ephemeral.logexaminer_db_credentials.hive.host
  port     = ephemeral.logexaminer_db_credentials.hive.port
  database = ephemeral.logexaminer_db_credentials.hive.dbname
  username = ephemeral.logexaminer_db_credentials.hive.username
  password = ephemeral.logexaminer_db_credentials.hive.password
}

# The RDS-managed master secret has only username and password: enough for admin_password_wo.
ephemeral "logexaminer_db_credentials" "master" {
  secret_id = aws_db_instance.metastore.master_user_secret[0].secret_arn
}
