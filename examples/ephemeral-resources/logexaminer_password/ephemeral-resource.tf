# A master password that never reaches plan or state: generated when Terraform opens the ephemeral resource,
# written only into write-only attributes. Raise the version to set a new one in both places at once.
ephemeral "logexaminer_password" "master" {
  length = 32
}

resource "aws_db_instance" "metastore" {
  identifier          = "logexaminer-metastore"
  engine              = "mysql"
  instance_class      = "db.r6g.large"
  allocated_storage   = 100
  username            = "hive_admin"
  password_wo         = ephemeral.logexaminer_password.master.result
  password_wo_version = 1
}

resource "aws_secretsmanager_secret" "master" {
  name = "logexaminer-metastore/master"
}

resource "aws_secretsmanager_secret_version" "master" {
  secret_id = aws_secretsmanager_secret.master.id
  secret_string_wo = jsonencode({
    engine   = "mysql"
    host     = aws_db_instance.metastore.address
    port     = aws_db_instance.metastore.port
    username = "hive_admin"
    password = ephemeral.logexaminer_password.master.result
    dbname   = "metastore"
  })
  secret_string_wo_version = 1
}
