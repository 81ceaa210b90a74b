//! Modules composed as users compose them. The root configuration is made of each module
//! README's usage example (the ```hcl block under `## Usage`), plus the `logexaminer_db_user`s
//! the secret-rotation example binds, created with the metastore's RDS-managed admin secret.
//! Every module then gets IDs, ARNs and endpoints that other resources compute at apply, and
//! `terraform plan` from an empty state must get through in ONE pass (no for_each or count
//! built from them), with every README example planned. A README example that stops planning,
//! or a module keyed by computed values, fails this test.
//!
//! The provider's rules reach the user through the modules: one plan of modules/s3-logs and
//! modules/rds-metastore instances, each with one mistake the provider (not the module) refuses,
//! must show the provider's diagnostic for each.

use anyhow::{Context, Result, bail, ensure};
use module_tests::{AwsSchema, config_files, providers};
use test_support::{Moto, Output, TfWorkdir};

const MODULES: [&str; 6] = [
    "vpc",
    "eks-cluster",
    "eks-node-groups",
    "rds-metastore",
    "s3-logs",
    "secret-rotation",
];

/// Test builds of the provider carry no rotation function zip unless `make lambda` ran first, so
/// the rotation example deploys a given package (a root override file merges it into the
/// README's module call; nothing else of the example changes).
const PACKAGE_OVERRIDE: &str = r#"module "secret_rotation" {
  package = {
    filename         = "rotation-lambda.zip"
    source_code_hash = "ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0="
  }
}
"#;

/// What the README examples refer to but do not define: the providers, the EKS cluster's
/// security group (an input of the stack) and the database users whose bindings the
/// secret-rotation example rotates.
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
  skip_credentials_validation = true
}

variable "eks_cluster_security_group_id" {
  type    = string
  default = "sg-0123456789abcdef0"
}

resource "logexaminer_db_user" "hive" {
  engine   = "mysql"
  username = "hive"

  endpoint {
    host     = module.metastore.db_instance_address
    port     = module.metastore.db_instance_port
    database = module.metastore.db_name
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
    host     = module.metastore.db_instance_address
    port     = module.metastore.db_instance_port
    database = module.metastore.db_name
  }

  admin_secret_arn = module.metastore.master_user_secret_arn

  grant {
    database   = module.metastore.db_name
    privileges = ["SELECT"]
  }
}

"#;

/// The ```hcl block under `## Usage` of a README.
fn usage_block(readme: &str) -> Option<String> {
    let usage = &readme[readme.find("## Usage")?..];
    let start = usage.find("```hcl\n")? + "```hcl\n".len();
    let len = usage[start..].find("\n```")?;
    Some(usage[start..start + len + 1].to_string())
}

fn tf(wd: &TfWorkdir, dir: &str, args: &[&str], ok: &[i32]) -> Result<Output> {
    let chdir = format!("-chdir={dir}");
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

/// The modules' `.tf` files (not their tests) plus `extra` files. Our provider's data sources that read
/// AWS during plan (`logexaminer_eks_node_group_scaling`) read moto, where the cluster does not exist yet,
/// as in a new account.
fn workdir(extra: Vec<(String, String)>, moto: &Moto) -> Result<(TfWorkdir, AwsSchema)> {
    let schema = AwsSchema::get()?;
    let mut files = config_files(&["modules"])?;
    files.retain(|(p, _)| p.ends_with(".tf") && !p.contains("/tests/"));
    files.extend(extra);
    let refs: Vec<(&str, &str)> = files
        .iter()
        .map(|(p, t)| (p.as_str(), t.as_str()))
        .collect();
    let mut wd = TfWorkdir::new(&refs, &providers()?)?;
    wd.set_envs(moto.env())
        .set_env("AWS_STANDIN_SCHEMA", schema.path().to_string_lossy())
        .set_env("AWS_REGION", "eu-west-1")
        .set_env("AWS_EC2_METADATA_DISABLED", "true");
    Ok((wd, schema))
}

#[test]
fn readme_examples_compose_into_a_stack_that_plans_in_one_pass() -> Result<()> {
    const DIR: &str = "examples/readme-stack";
    let root = test_support::repo_root();
    let mut extra = vec![
        (format!("{DIR}/scaffold.tf"), SCAFFOLD.to_string()),
        (
            format!("{DIR}/package_override.tf"),
            PACKAGE_OVERRIDE.to_string(),
        ),
    ];
    for m in MODULES {
        let path = root.join("modules").join(m).join("README.md");
        let readme = std::fs::read_to_string(&path)
            .with_context(|| format!("reading {}", path.display()))?;
        let block = usage_block(&readme)
            .with_context(|| format!("modules/{m}/README.md has no ```hcl block under ## Usage"))?;
        ensure!(
            block.contains(&format!("source = \"../../modules/{m}\"")),
            "the usage example of modules/{m} must use source = \"../../modules/{m}\""
        );
        extra.push((format!("{DIR}/readme_{}.tf", m.replace('-', "_")), block));
    }
    let moto = Moto::start()?;
    let (wd, _schema) = workdir(extra, &moto)?;

    tf(&wd, DIR, &["init", "-input=false", "-no-color"], &[0])?;
    // One pass from an empty state: exit code 2 means the plan succeeded with changes.
    let plan = tf(
        &wd,
        DIR,
        &["plan", "-detailed-exitcode", "-input=false", "-no-color"],
        &[0, 1, 2],
    )?;
    ensure!(
        plan.code() == Some(2),
        "the stack of README examples must plan in one pass from an empty state:\n--- stderr\n{}\n--- stdout\n{}",
        plan.stderr,
        plan.stdout
    );
    for address in [
        "module.vpc.aws_vpc.this[0]",
        "module.eks_cluster.aws_eks_cluster.this[0]",
        "module.eks_cluster.aws_eks_access_policy_association.this[\"spark-operators/edit\"]",
        "module.eks_cluster.aws_eks_pod_identity_association.this[\"spark\"]",
        "module.node_groups.aws_eks_node_group.this[\"spark-executor-eu-west-1a\"]",
        "module.metastore.aws_db_instance.this[0]",
        "module.metastore.aws_db_instance.replica[1]",
        "logexaminer_db_user.hive",
        "logexaminer_db_user.spark",
        "module.secret_rotation.aws_vpc_security_group_ingress_rule.database_from_function[\"metastore\"]",
        "module.secret_rotation.aws_vpc_security_group_egress_rule.to_database[\"metastore\"]",
        "module.secret_rotation.logexaminer_secret_rotation.this[\"hive\"]",
        "module.secret_rotation.logexaminer_secret_rotation.this[\"spark\"]",
        "module.logs.logexaminer_s3_tier_policy.this[0]",
    ] {
        ensure!(
            plan.stdout
                .contains(&format!("# {address} will be created")),
            "{address} must be planned for creation:\n{}",
            plan.stdout
        );
    }
    Ok(())
}

/// One module instance per mistake, each refused by the provider with its own diagnostic.
const MISTAKES: &str = r#"terraform {
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
  skip_credentials_validation = true
}

module "intelligent_tiering_to_standard_ia" {
  source = "../../modules/s3-logs"

  name = "lx-it-to-ia"
  tier_sets = [{
    name        = "a"
    transitions = [{ days = 1, storage_class = "INTELLIGENT_TIERING" }, { days = 30, storage_class = "STANDARD_IA" }]
  }]
}

module "standard_ia_before_30_days" {
  source = "../../modules/s3-logs"

  name      = "lx-ia-early"
  tier_sets = [{ name = "a", transitions = [{ days = 10, storage_class = "STANDARD_IA" }] }]
}

module "intelligent_tiering_archive_too_soon" {
  source = "../../modules/s3-logs"

  name                = "lx-archive-early"
  intelligent_tiering = [{ name = "a", archive_access_days = 30 }]
}

module "query_cache_on_mysql8" {
  source = "../../modules/rds-metastore"

  name                = "lx-query-cache"
  engine              = "mysql"
  engine_version      = "8.0"
  instance_class      = "db.r6g.large"
  vpc_id              = "vpc-0123456789abcdef0"
  subnet_ids          = ["subnet-0a000000000000001", "subnet-0b000000000000002"]
  availability_zones  = ["eu-west-1a", "eu-west-1b"]
  parameter_overrides = { query_cache_size = "0" }
}
"#;

#[test]
fn provider_diagnostics_reach_module_users() -> Result<()> {
    const DIR: &str = "examples/provider-rules";
    let moto = Moto::start()?;
    let (wd, _schema) = workdir(
        vec![(format!("{DIR}/main.tf"), MISTAKES.to_string())],
        &moto,
    )?;
    tf(&wd, DIR, &["init", "-input=false", "-no-color"], &[0])?;
    let plan = tf(&wd, DIR, &["plan", "-input=false", "-no-color"], &[0, 1])?;
    ensure!(
        plan.code() == Some(1),
        "the plan must fail:\n{}",
        plan.stdout
    );
    let diags = format!("{}\n{}", plan.stderr, plan.stdout);
    // Each provider diagnostic, with the module call it comes from.
    let expected: &[(&str, &[&str])] = &[
        (
            "module.intelligent_tiering_to_standard_ia",
            &["INTELLIGENT_TIERING", "STANDARD_IA"],
        ),
        ("module.standard_ia_before_30_days", &["STANDARD_IA", "30"]),
        (
            "module.intelligent_tiering_archive_too_soon",
            &["archive_access_days"],
        ),
        (
            "module.query_cache_on_mysql8",
            &["`query_cache_size` does not exist in mysql8.0"],
        ),
    ];
    let blocks: Vec<&str> = diags.split("Error: ").skip(1).collect();
    for (module, needles) in expected {
        ensure!(
            blocks
                .iter()
                .any(|b| b.contains(module) && needles.iter().all(|n| b.contains(n))),
            "no provider diagnostic from {module} naming {needles:?}:\n{diags}"
        );
    }
    ensure!(
        !diags.contains("Invalid value for variable"),
        "the modules must not repeat the provider's rules in variable validations:\n{diags}"
    );
    Ok(())
}
