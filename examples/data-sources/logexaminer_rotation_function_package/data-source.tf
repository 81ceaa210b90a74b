# The rotation function's zip for this provider version, for aws_lambda_function.
data "logexaminer_rotation_function_package" "this" {
  output_directory = "${path.root}/.terraform/logexaminer"
}

resource "aws_lambda_function" "rotation" {
  function_name    = "logexaminer-rotation"
  role             = "arn:aws:iam::123456789012:role/logexaminer-rotation"
  filename         = data.logexaminer_rotation_function_package.this.output_path
  source_code_hash = data.logexaminer_rotation_function_package.this.source_code_hash
  runtime          = data.logexaminer_rotation_function_package.this.runtime
  handler          = data.logexaminer_rotation_function_package.this.handler
  architectures    = [data.logexaminer_rotation_function_package.this.architecture]
  timeout          = 30
}
