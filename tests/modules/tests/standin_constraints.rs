//! The aws stand-in's constraint table under a real Terraform core and the real aws schema:
//! a configuration that breaks each row fails the way AWS fails it, with AWS's error code and
//! message (rows on one resource at plan, rows across resources at apply), and the rows AWS
//! only documents (it accepts the call) give a warning and do not stop the apply.
//!
//! One configuration holds every plan-time violation (Terraform reports each resource's
//! diagnostics), one holds every apply-time one; diagnostics are read from `-json` output.

use anyhow::{Context, Result, ensure};
use module_tests::{AwsSchema, providers};
use serde_json::Value;
use test_support::TfWorkdir;

const PROVIDER: &str = r#"
terraform {
  required_providers {
    aws = { source = "hashicorp/aws" }
  }
}

provider "aws" {
  region = "eu-west-1"
}
"#;

/// One resource per plan-time row, each breaking it.
const PLAN_TIME: &str = r#"
resource "aws_db_instance" "replica_with_managed_password" {
  identifier                  = "meta-r1"
  instance_class              = "db.r6g.large"
  replicate_source_db         = "meta"
  manage_master_user_password = true
}

resource "aws_db_instance" "replica_with_username" {
  identifier          = "meta-r2"
  instance_class      = "db.r6g.large"
  engine              = "mysql"
  replicate_source_db = "meta"
  username            = "admin"
}

resource "aws_db_instance" "multi_az_in_one_zone" {
  identifier        = "meta-maz"
  instance_class    = "db.r6g.large"
  engine            = "mysql"
  allocated_storage = 20
  username          = "admin"
  multi_az          = true
  availability_zone = "eu-west-1a"
}

resource "aws_db_instance" "monitoring_without_role" {
  identifier          = "meta-mon"
  instance_class      = "db.r6g.large"
  engine              = "mysql"
  allocated_storage   = 20
  username            = "admin"
  monitoring_interval = 60
}

resource "aws_cloudwatch_log_group" "odd_retention" {
  name              = "/lx/odd"
  retention_in_days = 10
}

resource "aws_sns_topic" "spaced" {
  name = "rotation notices"
}

resource "aws_db_parameter_group" "double_hyphen" {
  name   = "hive--metastore"
  family = "mysql8.0"
}

resource "aws_vpc" "too_big" {
  cidr_block = "10.0.0.0/8"
}

resource "aws_lambda_function" "too_long" {
  function_name = "rotate"
  role          = "arn:aws:iam::123456789012:role/rotate"
  runtime       = "provided.al2023"
  handler       = "bootstrap"
  filename      = "rotate.zip"
  timeout       = 901
}

resource "aws_iam_role" "long_name" {
  name               = "logexaminer-spark-executors-with-a-name-far-too-long-for-iam-roles"
  assume_role_policy = jsonencode({ Version = "2012-10-17", Statement = [{ Effect = "Allow", Action = "sts:AssumeRole", Principal = { Service = "eks.amazonaws.com" } }] })
}

resource "aws_secretsmanager_secret" "short_window" {
  name                    = "lx/short-window"
  recovery_window_in_days = 3
}

resource "aws_kms_key" "long_window" {
  deletion_window_in_days = 31
}

resource "aws_vpc_endpoint" "bare_name" {
  vpc_id       = "vpc-0123456789abcdef0"
  service_name = "secretsmanager"
}

resource "aws_security_group" "too_many_rules" {
  name = "too-many"
  ingress {
    from_port   = 443
    to_port     = 443
    protocol    = "tcp"
    cidr_blocks = [for i in range(61) : "10.${i}.0.0/16"]
  }
}

resource "aws_eks_node_group" "min_above_desired" {
  cluster_name    = "lx"
  node_group_name = "min-above-desired"
  node_role_arn   = "arn:aws:iam::123456789012:role/nodes"
  subnet_ids      = ["subnet-0123456789abcdef0"]
  instance_types  = ["m5.large"]
  scaling_config {
    min_size     = 2
    desired_size = 1
    max_size     = 10
  }
}

resource "aws_eks_node_group" "mixed_architectures" {
  cluster_name    = "lx"
  node_group_name = "mixed"
  node_role_arn   = "arn:aws:iam::123456789012:role/nodes"
  subnet_ids      = ["subnet-0123456789abcdef0"]
  ami_type        = "AL2023_ARM_64_STANDARD"
  instance_types  = ["m6g.large", "m5.large"]
  scaling_config {
    min_size     = 0
    desired_size = 0
    max_size     = 5
  }
}

resource "aws_s3_bucket" "bad_name" {
  bucket = "Raw_Logs"
}

resource "aws_eks_access_entry" "system_group" {
  cluster_name      = "lx"
  principal_arn     = "arn:aws:iam::123456789012:role/admins"
  kubernetes_groups = ["system:masters"]
}

resource "aws_eks_pod_identity_association" "bad_namespace" {
  cluster_name    = "lx"
  namespace       = "Spark_Jobs"
  service_account = "spark"
  role_arn        = "arn:aws:iam::123456789012:role/spark"
}

resource "aws_launch_template" "huge_user_data" {
  name      = "huge-user-data"
  user_data = base64encode(join("", [for i in range(1000) : "echo 0123456789abcdef\n"]))
}

resource "aws_kms_alias" "reserved" {
  name          = "alias/aws/logexaminer"
  target_key_id = "1234abcd-12ab-34cd-56ef-1234567890ab"
}

resource "aws_secretsmanager_secret_rotation" "too_rare" {
  secret_id           = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:x-AbCdEf"
  rotation_lambda_arn = "arn:aws:lambda:eu-west-1:123456789012:function:rotate"
  rotation_rules {
    automatically_after_days = 1001
  }
}

resource "aws_iam_policy" "not_json" {
  name   = "not-json"
  policy = "{\"Version\": \"2012-10-17\", "
}

resource "aws_iam_policy" "too_big" {
  name = "too-big"
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Action = "s3:GetObject", Resource = [for i in range(400) : "arn:aws:s3:::bucket-${i}/*"] }]
  })
}

resource "aws_iam_role_policy" "no_vendor" {
  name = "no-vendor"
  role = "spark"
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Action = ["GetObject"], Resource = "*" }]
  })
}
"#;

/// A warning-only row: an action that does not exist (IAM accepts it).
const PLAN_WARNING: &str = r#"
resource "aws_iam_role_policy" "typo" {
  name = "typo"
  role = "spark"
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Action = ["s3:GetObjekt"], Resource = "*" }]
  })
}
"#;

/// The rows across resources: AWS sees the other object when the call is made.
const APPLY_TIME: &str = r#"
resource "aws_db_instance" "source" {
  identifier                  = "meta"
  instance_class              = "db.r6g.large"
  engine                      = "mysql"
  allocated_storage           = 20
  username                    = "admin"
  manage_master_user_password = true
}

resource "aws_db_instance" "replica" {
  identifier          = "meta-replica"
  instance_class      = "db.r6g.large"
  replicate_source_db = aws_db_instance.source.identifier
}

resource "aws_vpc" "no_igw" {
  cidr_block = "10.1.0.0/16"
}

resource "aws_subnet" "no_igw" {
  vpc_id     = aws_vpc.no_igw.id
  cidr_block = "10.1.0.0/24"
}

resource "aws_eip" "no_igw" {
  domain = "vpc"
}

resource "aws_nat_gateway" "no_igw" {
  allocation_id     = aws_eip.no_igw.id
  subnet_id         = aws_subnet.no_igw.id
  connectivity_type = "public"
}

resource "aws_subnet" "outside" {
  vpc_id     = aws_vpc.no_igw.id
  cidr_block = "10.9.0.0/24"
}

resource "aws_subnet" "one_zone_a" {
  vpc_id            = aws_vpc.no_igw.id
  cidr_block        = "10.1.1.0/24"
  availability_zone = "eu-west-1a"
}

resource "aws_subnet" "one_zone_b" {
  vpc_id            = aws_vpc.no_igw.id
  cidr_block        = "10.1.2.0/24"
  availability_zone = "eu-west-1a"
}

resource "aws_db_subnet_group" "one_zone" {
  name       = "one-zone"
  subnet_ids = [aws_subnet.one_zone_a.id, aws_subnet.one_zone_b.id]
}

resource "aws_eks_cluster" "one_zone" {
  name     = "one-zone"
  role_arn = "arn:aws:iam::123456789012:role/eks-cluster"
  vpc_config {
    subnet_ids = [aws_subnet.one_zone_a.id, aws_subnet.one_zone_b.id]
  }
}

resource "aws_security_group" "busy" {
  name = "busy"
}

resource "aws_vpc_security_group_ingress_rule" "busy" {
  count             = 61
  security_group_id = aws_security_group.busy.id
  ip_protocol       = "tcp"
  from_port         = 443
  to_port           = 443
  cidr_ipv4         = "10.${count.index}.0.0/16"
}
"#;

/// A NAT gateway in a subnet routed only locally: AWS creates it (a warning here).
const APPLY_WARNING: &str = r#"
resource "aws_vpc" "this" {
  cidr_block = "10.2.0.0/16"
}

resource "aws_internet_gateway" "this" {
  vpc_id = aws_vpc.this.id
}

resource "aws_subnet" "private" {
  vpc_id     = aws_vpc.this.id
  cidr_block = "10.2.0.0/24"
}

resource "aws_route_table" "private" {
  vpc_id = aws_vpc.this.id
}

resource "aws_route_table_association" "private" {
  subnet_id      = aws_subnet.private.id
  route_table_id = aws_route_table.private.id
}

resource "aws_eip" "nat" {
  domain = "vpc"
}

resource "aws_nat_gateway" "misplaced" {
  allocation_id     = aws_eip.nat.id
  subnet_id         = aws_subnet.private.id
  connectivity_type = "public"
  depends_on        = [aws_internet_gateway.this, aws_route_table_association.private]
}
"#;

/// `(severity, summary + detail)` of each diagnostic in Terraform's `-json` output.
fn diagnostics(stdout: &str) -> Vec<(String, String)> {
    stdout
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .filter_map(|j| {
            let d = j.get("diagnostic")?;
            Some((
                d["severity"].as_str().unwrap_or("").to_string(),
                format!(
                    "{} | {}",
                    d["summary"].as_str().unwrap_or(""),
                    d["detail"].as_str().unwrap_or("")
                ),
            ))
        })
        .collect()
}

fn expect(diags: &[(String, String)], severity: &str, row: &str, text: &str) -> Result<()> {
    ensure!(
        diags
            .iter()
            .any(|(s, d)| s == severity && d.contains(row) && d.contains(text)),
        "want {severity} of {row} with {text:?}; got:\n{diags:#?}"
    );
    Ok(())
}

fn workdir(schema: &AwsSchema, body: &str) -> Result<TfWorkdir> {
    let main = format!("{PROVIDER}{body}");
    let mut wd = TfWorkdir::new(&[("main.tf", main.as_str())], &providers()?)?;
    let world = wd.dir().join("standin-world.json");
    wd.set_env("AWS_STANDIN_SCHEMA", schema.path().to_string_lossy())
        .set_env("AWS_STANDIN_WORLD", world.to_string_lossy());
    let init = wd.run(&["init", "-input=false", "-no-color"])?;
    ensure!(init.code() == Some(0), "init failed:\n{}", init.stderr);
    Ok(wd)
}

fn schema() -> Result<AwsSchema> {
    AwsSchema::covering(&["aws_secretsmanager_secret_rotation", "aws_iam_policy"])
}

#[test]
fn plan_refuses_what_aws_refuses_on_one_resource() -> Result<()> {
    let schema = schema()?;
    let wd = workdir(&schema, PLAN_TIME)?;
    let out = wd.run(&["plan", "-json", "-input=false", "-no-color"])?;
    ensure!(
        out.code() == Some(1),
        "plan must fail: {}\n{}",
        out.status,
        out.stderr
    );
    let d = diagnostics(&out.stdout);
    let cases = [
        (
            "rds.replica-managed-password",
            "api error InvalidParameterValue: ManageMasterUserPassword isn't supported for read replica",
        ),
        (
            "rds.replica-inherits-master-user-and-db-name",
            "api error InvalidParameterCombination: The parameter MasterUsername is not valid for a read replica",
        ),
        (
            "rds.multi-az-with-availability-zone",
            "operation error RDS: CreateDBInstance, https response error StatusCode: 400, api error InvalidParameterCombination: Requesting a specific availability zone is not valid for Multi-AZ instances.",
        ),
        (
            "rds.enhanced-monitoring-role",
            "api error InvalidParameterCombination: A MonitoringRoleARN value is required if you specify a MonitoringInterval value other than 0.",
        ),
        (
            "logs.retention-in-days",
            "api error InvalidParameterException: 1 validation error detected: Value '10' at 'retentionInDays' failed to satisfy constraint",
        ),
        (
            "sns.topic-name",
            "api error InvalidParameter: Invalid parameter: Topic Name",
        ),
        (
            "rds.parameter-group-name",
            "api error InvalidParameterValue: The parameter DBParameterGroupName is not a valid identifier.",
        ),
        (
            "vpc.cidr-block-size",
            "api error InvalidVpc.Range: The CIDR '10.0.0.0/8' is invalid.",
        ),
        (
            "lambda.timeout-and-memory",
            "api error ValidationException: 1 validation error detected: Value '901' at 'timeout'",
        ),
        (
            "iam.role-name",
            "api error ValidationError: 1 validation error detected: Value 'logexaminer-spark-executors-with-a-name-far-too-long-for-iam-roles' at 'roleName'",
        ),
        (
            "secretsmanager.secret-name-and-recovery-window",
            "api error InvalidParameterException: The RecoveryWindowInDays value must be between 7 and 30 days (inclusive).",
        ),
        (
            "kms.deletion-window",
            "api error ValidationException: 1 validation error detected: Value '31' at 'pendingWindowInDays'",
        ),
        (
            "vpc.endpoint-service-name",
            "api error InvalidServiceName: The Vpc Endpoint Service 'secretsmanager' does not exist",
        ),
        (
            "vpc.security-group-inline-rules-per-group",
            "api error RulesPerSecurityGroupLimitExceeded: The maximum number of rules per security group has been reached.",
        ),
        (
            "eks.node-group-scaling",
            "api error InvalidParameterException: minSize can't be greater than desiredSize",
        ),
        (
            "eks.node-group-one-architecture",
            "api error InvalidParameterException: Instance types m6g.large (arm64) and m5.large (x86_64) have different architectures",
        ),
        (
            "eks.node-group-ami-type-architecture",
            "api error InvalidParameterException: [m5.large] is not a valid instance type for requested amiType AL2023_ARM_64_STANDARD",
        ),
        (
            "s3.bucket-name",
            "api error InvalidBucketName: The specified bucket is not valid.",
        ),
        (
            "eks.access-entry-kubernetes-groups",
            "api error InvalidParameterException: The kubernetes group name system:masters is invalid",
        ),
        (
            "eks.pod-identity-names",
            "api error InvalidParameterException: Namespace Spark_Jobs is not a valid Kubernetes namespace name",
        ),
        (
            "ec2.launch-template-user-data-size",
            "api error InvalidUserData.Malformed: User data is limited to 16384 bytes",
        ),
        (
            "kms.alias-name",
            "api error InvalidAliasNameException: Alias alias/aws/logexaminer begins with the reserved prefix alias/aws/",
        ),
        (
            "secretsmanager.rotation-rules",
            "Value '1001' at 'rotationRules.automaticallyAfterDays' failed to satisfy constraint: Member must have value less than or equal to 1000",
        ),
        (
            "iam.policy-json.aws_iam_policy",
            "api error MalformedPolicyDocument: Syntax errors in policy.",
        ),
        (
            "iam.policy-size.aws_iam_policy",
            "api error LimitExceeded: Cannot exceed quota for PolicySize: 6144",
        ),
        (
            "iam.action-vendor.aws_iam_role_policy",
            "api error MalformedPolicyDocument: Actions/Conditions must be prefaced by a vendor",
        ),
    ];
    for (row, text) in cases {
        expect(&d, "error", row, text)?;
    }
    Ok(())
}

#[test]
fn plan_warns_of_actions_that_do_not_exist() -> Result<()> {
    let schema = schema()?;
    let wd = workdir(&schema, PLAN_WARNING)?;
    let out = wd.run(&["plan", "-json", "-input=false", "-no-color"])?;
    ensure!(
        out.code() == Some(0),
        "IAM accepts an unknown action, so plan succeeds: {}\n{}",
        out.status,
        out.stdout
    );
    expect(
        &diagnostics(&out.stdout),
        "warning",
        "iam.action-exists.aws_iam_role_policy",
        "the action s3:GetObjekt does not exist",
    )
}

#[test]
fn apply_refuses_what_aws_refuses_across_resources() -> Result<()> {
    let schema = schema()?;
    let wd = workdir(&schema, APPLY_TIME)?;
    let plan = wd.run(&["plan", "-input=false", "-no-color"])?;
    ensure!(
        plan.code() == Some(0),
        "rows across resources do not stop the plan:\n{}",
        plan.stderr
    );
    let out = wd.run(&[
        "apply",
        "-auto-approve",
        "-json",
        "-input=false",
        "-no-color",
    ])?;
    ensure!(out.code() == Some(1), "apply must fail: {}", out.status);
    let d = diagnostics(&out.stdout);
    expect(
        &d,
        "error",
        "rds.replica-of-managed-password-source",
        "creating aws_db_instance: operation error RDS: CreateDBInstanceReadReplica, https response error StatusCode: 400, api error InvalidParameterValue: Creating read replicas for source instance with engine mysql where ManageMasterUserPassword is enabled is not supported.",
    )?;
    expect(
        &d,
        "error",
        "vpc.nat-gateway-needs-internet-gateway",
        "api error Gateway.NotAttached: Network vpc-",
    )?;
    expect(
        &d,
        "error",
        "vpc.security-group-ingress-rules-per-group",
        "api error RulesPerSecurityGroupLimitExceeded",
    )?;
    expect(
        &d,
        "error",
        "vpc.subnet-cidr-block",
        "api error InvalidSubnet.Range: The CIDR '10.9.0.0/24' is invalid.",
    )?;
    expect(
        &d,
        "error",
        "rds.subnet-group-two-azs",
        "api error DBSubnetGroupDoesNotCoverEnoughAZs: The DB subnet group doesn't meet Availability Zone (AZ) coverage requirement. Current AZ coverage: eu-west-1a.",
    )?;
    expect(
        &d,
        "error",
        "eks.cluster-subnets-two-azs",
        "api error InvalidParameterException: Subnets specified must be in at least two different AZs",
    )?;
    let refused_rules = d
        .iter()
        .filter(|(s, t)| s == "error" && t.contains("vpc.security-group-ingress-rules-per-group"))
        .count();
    ensure!(
        refused_rules == 1,
        "60 rules fit in a group, the 61st is refused: {refused_rules} refused"
    );
    // The refused objects are not in state; the others are.
    let state = wd.state_raw().context("reading the state")?;
    ensure!(state.contains("\"source\"") && !state.contains("\"replica\""));
    Ok(())
}

#[test]
fn apply_warns_of_a_nat_gateway_in_a_private_subnet() -> Result<()> {
    let schema = schema()?;
    let wd = workdir(&schema, APPLY_WARNING)?;
    let out = wd.run(&[
        "apply",
        "-auto-approve",
        "-json",
        "-input=false",
        "-no-color",
    ])?;
    ensure!(
        out.code() == Some(0),
        "AWS creates it, so apply succeeds: {}\n{}",
        out.status,
        out.stdout
    );
    expect(
        &diagnostics(&out.stdout),
        "warning",
        "vpc.nat-gateway-in-public-subnet",
        "has no route to an internet gateway",
    )
}
