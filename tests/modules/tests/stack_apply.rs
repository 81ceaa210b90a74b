//! The stack of module README examples (as `stack_plan.rs` builds it: every module's `## Usage`
//! block, wired through each other's outputs, plus the `logexaminer_db_user`s the secret-rotation
//! example binds) applied from an empty state in ONE pass, then planned again (no changes), then
//! destroyed (nothing left, in state, in the database or in moto).
//!
//! hashicorp/aws is the stand-in (tests/aws-standin), our provider talks to moto. What the two
//! providers share goes through test servers, switched on by the stand-in's test-only variables
//! (tests/aws-standin/src/external.rs):
//! - `AWS_STANDIN_RDS_SERVER`: a throwaway MySQL (the tests/support guard; TLS, certificate for
//!   127.0.0.1 from a test CA) stands for the RDS instance. The stand-in reports its address for
//!   every `aws_db_instance` and, creating the primary, creates the master user with the module's
//!   generated (ephemeral, write-only) password, as RDS would (with `ALL PRIVILEGES ... WITH GRANT
//!   OPTION`, broader than the fixed list RDS grants its master user). The metastore module's `port` is set to the server's port
//!   (an override file): the module gives its port to the users' endpoints, as users do.
//! - `AWS_STANDIN_FORWARD_ENDPOINT`: the module's master secret (`aws_secretsmanager_secret` and
//!   its version, whose RDS-shaped JSON holds the generated password) is created in moto too, where
//!   `logexaminer_db_user` reads it as its admin secret.
//!
//!   The rotation function's IAM role, the function (the real `bootstrap` of crate rotation-lambda,
//!   zipped beside the configuration), its Secrets Manager permission and the notification topic
//!   are created in moto too, where `logexaminer_secret_rotation` checks them and `RotateSecret`
//!   runs the function (moto's launcher runs `provided.*` functions on this machine), which then
//!   runs testSecret against the database.
//!
//! The users' endpoints and the rotation function trust the test CA (`ca_bundle_pem`,
//! `rds_ca_bundle_path`; `tls = "verify-full"` by default).
//!
//! The stand-in forwards no `VpcConfig` (its subnets and security groups are not in moto). The
//! raw-logs bucket is created in moto first (the stand-in's bucket is only on paper), as in
//! `complete_apply.rs`. Needs the `bootstrap` binary (`cargo build -p rotation-lambda --bin
//! bootstrap`; `make test` builds it): missing, the test fails.

use anyhow::{Context, Result, bail, ensure};
use module_tests::{AwsSchema, config_files, providers};
use serde_json::Value;
use test_support::{Moto, Mysql, Output, TestCa, TfWorkdir};

const DIR: &str = "examples/readme-stack";
const REGION: &str = "eu-west-1";
const BUCKET: &str = "logexaminer-raw-logs";

const MODULES: [&str; 6] = [
    "vpc",
    "eks-cluster",
    "eks-node-groups",
    "rds-metastore",
    "s3-logs",
    "secret-rotation",
];

/// What the README examples refer to but do not define (as in `stack_plan.rs`), with the test
/// CA for the users' endpoints and outputs the test checks.
const SCAFFOLD: &str = r#"terraform {
  required_providers {
    aws         = { source = "hashicorp/aws" }
    logexaminer = { source = "logexaminer/logexaminer" }
  }
}

provider "aws" {
  region = "eu-west-1"
}

provider "logexaminer" {
  region                      = "eu-west-1"
  s3_use_path_style           = true
  skip_credentials_validation = true
}

variable "eks_cluster_security_group_id" {
  type    = string
  default = "sg-0123456789abcdef0"
}

variable "database_ca_pem" {
  type = string
}

resource "logexaminer_db_user" "hive" {
  engine   = "mysql"
  username = "hive"

  endpoint {
    host          = module.metastore.db_instance_address
    port          = module.metastore.db_instance_port
    database      = module.metastore.db_name
    ca_bundle_pem = var.database_ca_pem
  }

  admin_secret_arn = module.metastore.master_user_secret_arn

  grant {
    database   = module.metastore.db_name
    privileges = ["SELECT", "INSERT", "UPDATE", "DELETE"]
  }
}

resource "logexaminer_db_user" "spark" {
  engine   = "mysql"
  username = "spark"

  endpoint {
    host          = module.metastore.db_instance_address
    port          = module.metastore.db_instance_port
    database      = module.metastore.db_name
    ca_bundle_pem = var.database_ca_pem
  }

  admin_secret_arn = module.metastore.master_user_secret_arn

  grant {
    database   = module.metastore.db_name
    privileges = ["SELECT"]
  }
}

output "master_user_secret_arn" {
  value = module.metastore.master_user_secret_arn
}

output "user_secret_arns" {
  value = { hive = logexaminer_db_user.hive.secret_arn, spark = logexaminer_db_user.spark.secret_arn }
}

output "vpc_id" {
  value = module.vpc.vpc_id
}
"#;

/// The rotation function is the real one (`bootstrap` of crate rotation-lambda, zipped beside
/// the configuration); it trusts the test CA (a path on this machine: moto's launcher runs it here).
fn rotation_override(ca_path: &str) -> String {
    format!(
        r#"module "secret_rotation" {{
  package = {{
    filename         = "rotation-lambda.zip"
    source_code_hash = filebase64sha256("rotation-lambda.zip")
  }}
  rds_ca_bundle_path = "{ca_path}"
}}
"#
    )
}

/// `bootstrap` (debug sections stripped) zipped as `zip`, as Lambda's `provided.*` runtimes take it.
fn zip_bootstrap(
    bootstrap: &std::path::Path,
    dir: &std::path::Path,
    zip: &std::path::Path,
) -> Result<()> {
    let stripped = dir.join("bootstrap");
    let status = std::process::Command::new("strip")
        .arg("--strip-debug")
        .arg("-o")
        .arg(&stripped)
        .arg(bootstrap)
        .status()
        .context("running strip (binutils)")?;
    ensure!(status.success(), "strip {} failed", bootstrap.display());
    let status = std::process::Command::new(venv_python())
        .args([
            "-c",
            "import sys, zipfile\n\
             with zipfile.ZipFile(sys.argv[2], 'w', zipfile.ZIP_STORED) as z:\n\
             \x20   z.write(sys.argv[1], 'bootstrap')",
        ])
        .arg(&stripped)
        .arg(zip)
        .status()
        .context("zipping bootstrap")?;
    ensure!(status.success(), "zipping bootstrap failed");
    Ok(())
}

fn venv_python() -> std::path::PathBuf {
    test_support::repo_root().join(".tools/venv/bin/python")
}

/// The ```hcl block under `## Usage` of a README.
fn usage_block(readme: &str) -> Option<String> {
    let usage = &readme[readme.find("## Usage")?..];
    let start = usage.find("```hcl\n")? + "```hcl\n".len();
    let len = usage[start..].find("\n```")?;
    Some(usage[start..start + len + 1].to_string())
}

fn tf(wd: &TfWorkdir, args: &[&str], ok: &[i32]) -> Result<Output> {
    let chdir = format!("-chdir={DIR}");
    let mut all = vec![chdir.as_str()];
    all.extend_from_slice(args);
    let out = wd.run(&all)?;
    match out.code() {
        Some(c) if ok.contains(&c) => Ok(out),
        _ => bail!(
            "terraform {} failed ({}):\n--- stderr\n{}\n--- stdout\n{}",
            args.join(" "),
            out.status,
            out.stderr,
            out.stdout
        ),
    }
}

/// `GetSecretValue` in the stack's region (moto's boto3 helper works in us-east-1): the secret
/// string, or `None` when moto has no such secret.
fn secret_string(moto: &Moto, arn: &str) -> Result<Option<String>> {
    const SCRIPT: &str = r#"
import boto3, sys
c = boto3.client("secretsmanager", endpoint_url=sys.argv[1], region_name=sys.argv[2],
                 aws_access_key_id="test", aws_secret_access_key="test")
try:
    sys.stdout.write(c.get_secret_value(SecretId=sys.argv[3])["SecretString"])
except c.exceptions.ResourceNotFoundException:
    sys.exit(3)
"#;
    let python = venv_python();
    let out = std::process::Command::new(&python)
        .args(["-c", SCRIPT, &moto.endpoint(), REGION, arn])
        .output()
        .with_context(|| format!("running {}", python.display()))?;
    match out.status.code() {
        Some(0) => Ok(Some(String::from_utf8(out.stdout)?)),
        Some(3) => Ok(None),
        _ => bail!(
            "get_secret_value {arn}: {}",
            String::from_utf8_lossy(&out.stderr)
        ),
    }
}

/// `DescribeSecret` in the stack's region, as JSON.
fn describe_secret(moto: &Moto, arn: &str) -> Result<Value> {
    const SCRIPT: &str = r#"
import boto3, json, sys
c = boto3.client("secretsmanager", endpoint_url=sys.argv[1], region_name=sys.argv[2],
                 aws_access_key_id="test", aws_secret_access_key="test")
r = c.describe_secret(SecretId=sys.argv[3])
r.pop("ResponseMetadata", None)
print(json.dumps(r, default=str))
"#;
    let out = std::process::Command::new(venv_python())
        .args(["-c", SCRIPT, &moto.endpoint(), REGION, arn])
        .output()
        .context("running boto3")?;
    ensure!(
        out.status.success(),
        "describe_secret {arn}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).context("describe_secret output")
}

/// Whether moto has the Lambda function `name` (in the stack's region).
fn function_exists(name: &str, moto: &Moto) -> Result<bool> {
    const SCRIPT: &str = r#"
import boto3, sys
c = boto3.client("lambda", endpoint_url=sys.argv[1], region_name=sys.argv[2],
                 aws_access_key_id="test", aws_secret_access_key="test")
try:
    c.get_function(FunctionName=sys.argv[3])
except c.exceptions.ResourceNotFoundException:
    sys.exit(3)
"#;
    let out = std::process::Command::new(venv_python())
        .args(["-c", SCRIPT, &moto.endpoint(), REGION, name])
        .output()
        .context("running boto3")?;
    match out.status.code() {
        Some(0) => Ok(true),
        Some(3) => Ok(false),
        _ => bail!(
            "get_function {name}: {}",
            String::from_utf8_lossy(&out.stderr)
        ),
    }
}

fn users(db: &Mysql) -> Result<Vec<String>> {
    Ok(db
        .exec("SELECT User FROM mysql.user ORDER BY User;")?
        .lines()
        .map(str::to_string)
        .collect())
}

#[test]
fn readme_stack_applies_in_one_pass_plans_clean_and_destroys() -> Result<()> {
    let schema = AwsSchema::get()?;
    let moto = Moto::start()?;
    let ca = TestCa::new("stack-apply")?;
    let db = Mysql::start_tls(&ca.issue_server(&["127.0.0.1"])?, ca.cert_pem())?;

    let create = moto.request(
        "PUT",
        &format!("/{BUCKET}"),
        format!(
            "<CreateBucketConfiguration xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><LocationConstraint>{REGION}</LocationConstraint></CreateBucketConfiguration>"
        )
        .as_bytes(),
    )?;
    ensure!(
        create.status == 200,
        "creating the bucket in moto: {create:?}"
    );

    let root = test_support::repo_root();
    let mut files = config_files(&["modules"])?;
    files.retain(|(p, _)| p.ends_with(".tf") && !p.contains("/tests/"));
    files.push((format!("{DIR}/scaffold.tf"), SCAFFOLD.to_string()));
    let ca_file = tempfile::NamedTempFile::new()?;
    std::fs::write(ca_file.path(), ca.cert_pem())?;
    files.push((
        format!("{DIR}/rotation_override.tf"),
        rotation_override(&ca_file.path().to_string_lossy()),
    ));
    files.push((
        format!("{DIR}/metastore_override.tf"),
        format!("module \"metastore\" {{\n  port = {}\n}}\n", db.port()),
    ));
    for m in MODULES {
        let path = root.join("modules").join(m).join("README.md");
        let readme = std::fs::read_to_string(&path)
            .with_context(|| format!("reading {}", path.display()))?;
        let block = usage_block(&readme)
            .with_context(|| format!("modules/{m}/README.md has no ```hcl block under ## Usage"))?;
        files.push((format!("{DIR}/readme_{}.tf", m.replace('-', "_")), block));
    }
    let refs: Vec<(&str, &str)> = files
        .iter()
        .map(|(p, t)| (p.as_str(), t.as_str()))
        .collect();
    let providers = providers()?;
    let mut wd = TfWorkdir::new(&refs, &providers)?;
    let bootstrap = module_tests::target_debug_dir()?.join("bootstrap");
    ensure!(
        bootstrap.is_file(),
        "{} is missing: build the rotation function first (`cargo build -p rotation-lambda --bin bootstrap`)",
        bootstrap.display()
    );
    zip_bootstrap(
        &bootstrap,
        &wd.dir().join(".."),
        &wd.dir().join(DIR).join("rotation-lambda.zip"),
    )?;

    // The stand-in's test servers: the database (admin login in a file of the test's own
    // directory) and moto for the secrets.
    let server = wd.dir().join("../rds-server.json");
    std::fs::write(
        &server,
        serde_json::json!({
            "host": "127.0.0.1",
            "port": db.port(),
            "admin_user": db.admin_user(),
            "admin_password": db.admin_password(),
        })
        .to_string(),
    )?;
    wd.set_envs(moto.env())
        .set_env("AWS_STANDIN_SCHEMA", schema.path().to_string_lossy())
        .set_env("AWS_STANDIN_RDS_SERVER", server.to_string_lossy())
        .set_env("AWS_STANDIN_FORWARD_ENDPOINT", moto.endpoint())
        .set_env(
            "AWS_STANDIN_FORWARD_PYTHON",
            venv_python().to_string_lossy(),
        )
        .set_env("TF_VAR_database_ca_pem", ca.cert_pem());

    tf(&wd, &["init", "-input=false", "-no-color"], &[0])?;
    let applied = tf(
        &wd,
        &["apply", "-auto-approve", "-input=false", "-no-color"],
        &[0],
    )
    .with_context(|| format!("moto log:\n{}\nMySQL log:\n{}", moto.log(), db.log()))?;
    ensure!(
        applied.stdout.contains("Apply complete!"),
        "{}",
        applied.stdout
    );

    let out = tf(&wd, &["output", "-json", "-no-color"], &[0])?;
    let outputs: Value = serde_json::from_str(&out.stdout).context("terraform output -json")?;
    let value = |name: &str| outputs[name]["value"].clone();

    // The master secret the module wrote (in moto, through the stand-in) names the database
    // and the generated password, which logs in as the master user the "RDS instance" created.
    let master_arn = value("master_user_secret_arn");
    let master_arn = master_arn
        .as_str()
        .context("master_user_secret_arn output")?;
    let master: Value = serde_json::from_str(
        &secret_string(&moto, master_arn)?.context("the master secret must be in moto")?,
    )?;
    ensure!(
        master["host"] == "127.0.0.1" && master["port"] == db.port(),
        "the master secret must name the database: host {} port {}",
        master["host"],
        master["port"]
    );
    let master_user = master["username"].as_str().context("username")?;
    let master_password = master["password"].as_str().context("password")?;
    db.exec_as(master_user, master_password, None, "SELECT 1;")
        .context("the master user must log in with the secret's password")?;

    // Each database user exists with the password of its own secret (our provider's, in moto).
    let mut passwords = vec![master_password.to_string()];
    let arns = value("user_secret_arns");
    for user in ["hive", "spark"] {
        let arn = arns[user].as_str().context("user_secret_arns")?;
        let secret: Value = serde_json::from_str(
            &secret_string(&moto, arn)?.with_context(|| format!("{user}'s secret in moto"))?,
        )?;
        ensure!(
            secret["username"] == user,
            "{user}'s secret: {}",
            secret["username"]
        );
        let password = secret["password"].as_str().context("password")?;
        db.exec_as(user, password, None, "SELECT 1;")
            .with_context(|| format!("{user} must log in with its secret's password"))?;
        passwords.push(password.to_string());
        // Rotation is on, with the module's function, which Secrets Manager (moto) ran once:
        // testSecret, as when rotation is turned on without rotating immediately.
        let described = describe_secret(&moto, arn)?;
        ensure!(
            described["RotationEnabled"] == true
                && described["RotationLambdaARN"]
                    .as_str()
                    .is_some_and(|a| a.ends_with(":function:logexaminer-rotation")),
            "{user}'s secret must rotate with the module's function: {described}"
        );
    }
    ensure!(
        function_exists("logexaminer-rotation", &moto)?,
        "the rotation function must be in moto"
    );
    let log = moto.lambda_log("logexaminer-rotation");
    // One metrics line per step the function ran (its embedded metric format).
    let ok_tests = log
        .lines()
        .filter(|l| l.contains("\"Step\":\"testSecret\"") && l.contains("\"Outcome\":\"ok\""))
        .count();
    ensure!(
        ok_tests == 2 && !log.contains("invocation failed"),
        "the rotation function must have run testSecret for both secrets, without failing:\n{log}"
    );

    // No password reaches state, plan or Terraform's output.
    let state = std::fs::read_to_string(wd.dir().join(DIR).join("terraform.tfstate"))
        .context("reading the state")?;
    let plan = tf(
        &wd,
        &["plan", "-detailed-exitcode", "-input=false", "-no-color"],
        &[0, 2],
    )?;
    for p in &passwords {
        ensure!(
            !state.contains(p.as_str())
                && !applied.stdout.contains(p.as_str())
                && !applied.stderr.contains(p.as_str())
                && !plan.stdout.contains(p.as_str()),
            "a database password reached state, plan or output"
        );
    }
    ensure!(
        plan.code() == Some(0),
        "the second plan must show no changes:\n{}",
        plan.stdout
    );

    tf(
        &wd,
        &["destroy", "-auto-approve", "-input=false", "-no-color"],
        &[0],
    )?;
    let left = users(&db)?;
    for u in ["hive", "spark", master_user] {
        ensure!(
            !left.iter().any(|l| l == u),
            "destroy must drop {u}: {left:?}"
        );
    }
    ensure!(
        secret_string(&moto, master_arn)?.is_none(),
        "destroy must delete the master secret in moto"
    );
    ensure!(
        !function_exists("logexaminer-rotation", &moto)?,
        "destroy must delete the rotation function in moto"
    );
    let state: Value = serde_json::from_str(
        &std::fs::read_to_string(wd.dir().join(DIR).join("terraform.tfstate"))
            .context("reading the state")?,
    )?;
    ensure!(
        state["resources"]
            .as_array()
            .is_none_or(|r| r.iter().all(|x| x["mode"] == "data")),
        "destroy must leave no managed resources in state"
    );
    Ok(())
}
