data "logexaminer_db_parameter_profile" "metastore" {
  family         = "mysql8.0"
  engine_version = "8.0.39"
  instance_class = "db.r6g.large"

  overrides = {
    long_query_time = "2"
  }
}

resource "aws_db_parameter_group" "metastore" {
  name   = "hive-metastore"
  family = "mysql8.0"

  dynamic "parameter" {
    for_each = data.logexaminer_db_parameter_profile.metastore.parameters
    content {
      name         = parameter.value.name
      value        = parameter.value.value
      apply_method = parameter.value.apply_method
    }
  }
}
