//! `examples/complete` applied for real: the hashicorp/aws resources by the stand-in (which
//! invents realistic IDs, so the modules' ID validations run on apply), our provider against
//! moto (the raw-logs bucket is created in moto first, since the stand-in's bucket is only on
//! paper; the stand-in forwards the master secret, the rotation function, its role and topic to
//! moto, where `logexaminer_secret_rotation` checks and configures them). Then a second plan must
//! show no changes, and destroy must remove the tier policy's lifecycle rules from the bucket and
//! leave no rotation behind.

use anyhow::{Context, Result, bail, ensure};
use module_tests::{AwsSchema, config_files, providers};
use serde_json::Value;
use test_support::{Moto, Output, TfWorkdir};

const BUCKET: &str = "logexaminer-raw-logs-example";
const REGION: &str = "eu-west-1";
const DIR: &str = "-chdir=examples/complete";

/// Points our provider at moto: path-style S3 and no STS check (merged into the example's
/// `provider "logexaminer"` block as a Terraform override file).
const MOTO_OVERRIDE: &str = r#"provider "logexaminer" {
  region                      = var.region
  s3_use_path_style           = true
  skip_credentials_validation = true
}
"#;

fn checked(out: Output, what: &str, ok: &[i32]) -> Result<Output> {
    match out.code() {
        Some(c) if ok.contains(&c) => Ok(out),
        _ => bail!(
            "terraform {what} failed ({}):\n--- stderr\n{}\n--- stdout\n{}",
            out.status,
            out.stderr,
            out.stdout
        ),
    }
}

fn tf(wd: &TfWorkdir, args: &[&str], ok: &[i32]) -> Result<Output> {
    let mut all = vec![DIR];
    all.extend_from_slice(args);
    let out = wd.run(&all)?;
    checked(out, &args.join(" "), ok)
}

fn is_id(s: &str, prefix: &str) -> bool {
    s.strip_prefix(prefix).is_some_and(|r| {
        r.len() == 17
            && r.chars()
                .all(|c| c.is_ascii_digit() || ('a'..='f').contains(&c))
    })
}

fn lifecycle_rule_ids(moto: &Moto) -> Result<Vec<String>> {
    let resp = moto.request("GET", &format!("/{BUCKET}?lifecycle"), b"")?;
    if resp.status == 404 {
        return Ok(Vec::new());
    }
    ensure!(
        resp.status == 200,
        "GET lifecycle: {} {}",
        resp.status,
        resp.body
    );
    Ok(resp
        .body
        .split("<ID>")
        .skip(1)
        .filter_map(|s| s.split("</ID>").next())
        .map(str::to_string)
        .collect())
}

#[test]
fn complete_example_applies_plans_clean_and_destroys() -> Result<()> {
    let schema = AwsSchema::get()?;
    let providers = providers()?;
    let moto = Moto::start()?;

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

    let mut files = config_files(&["modules", "examples/complete"])?;
    files.retain(|(p, _)| p.ends_with(".tf"));
    files.push((
        "examples/complete/moto_override.tf".into(),
        MOTO_OVERRIDE.into(),
    ));
    let refs: Vec<(&str, &str)> = files
        .iter()
        .map(|(p, t)| (p.as_str(), t.as_str()))
        .collect();
    let mut wd = TfWorkdir::new(&refs, &providers)?;
    wd.set_envs(moto.env())
        .set_env("AWS_STANDIN_SCHEMA", schema.path().to_string_lossy())
        .set_env("AWS_STANDIN_FORWARD_ENDPOINT", moto.endpoint())
        .set_env(
            "AWS_STANDIN_FORWARD_PYTHON",
            test_support::repo_root()
                .join(".tools/venv/bin/python")
                .to_string_lossy(),
        );

    tf(&wd, &["init", "-input=false", "-no-color"], &[0])?;
    let applied = tf(
        &wd,
        &["apply", "-auto-approve", "-input=false", "-no-color"],
        &[0],
    )
    .with_context(|| format!("moto log:\n{}", moto.log()))?;
    ensure!(
        applied.stdout.contains("Apply complete!"),
        "{}",
        applied.stdout
    );

    let out = tf(&wd, &["output", "-json", "-no-color"], &[0])?;
    let outputs: Value = serde_json::from_str(&out.stdout).context("terraform output -json")?;
    let value = |name: &str| outputs[name]["value"].clone();

    let vpc_id = value("vpc_id");
    ensure!(
        vpc_id.as_str().is_some_and(|s| is_id(s, "vpc-")),
        "vpc_id {vpc_id}"
    );
    let subnets = value("private_subnet_ids");
    let subnets = subnets.as_array().cloned().unwrap_or_default();
    ensure!(
        subnets.len() == 3
            && subnets
                .iter()
                .all(|s| s.as_str().is_some_and(|s| is_id(s, "subnet-"))),
        "private_subnet_ids {subnets:?}"
    );
    ensure!(
        value("logs_bucket") == BUCKET,
        "logs_bucket {}",
        value("logs_bucket")
    );
    let cost = value("logs_estimated_monthly_cost_per_tb");
    ensure!(
        cost.as_f64().is_some_and(|c| c > 0.0),
        "the tier policy's estimate must come from our provider: {cost}"
    );
    // Replicas need a master password RDS does not manage (the stand-in refuses replicas of a
    // managed-password source, as RDS does): the module's own RDS-shaped secret holds it.
    let secret = value("metastore_master_user_secret_arn");
    ensure!(
        secret.as_str().is_some_and(|s| s.starts_with(&format!(
            "arn:aws:secretsmanager:{REGION}:123456789012:secret:logexaminer-metastore/master-"
        ))),
        "metastore_master_user_secret_arn {secret}"
    );
    // The generated master password is write-only: neither the instance nor the secret version
    // keeps it (or any password) in state.
    let state: Value = serde_json::from_str(
        &std::fs::read_to_string(wd.dir().join("examples/complete/terraform.tfstate"))
            .context("reading the state")?,
    )?;
    let attrs = |ty: &str, name: &str| -> Vec<Value> {
        state["resources"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|r| r["type"] == ty && r["name"] == name && r["module"] == "module.metastore")
            .flat_map(|r| r["instances"].as_array().cloned().unwrap_or_default())
            .map(|i| i["attributes"].clone())
            .collect()
    };
    let primary = attrs("aws_db_instance", "this");
    let version = attrs("aws_secretsmanager_secret_version", "master");
    ensure!(
        primary.len() == 1 && version.len() == 1,
        "one primary and one master secret version expected in state"
    );
    ensure!(
        primary[0]["password_wo"].is_null()
            && primary[0]["password"].is_null()
            && primary[0]["password_wo_version"] == 1
            && primary[0]["manage_master_user_password"] != true,
        "the primary must hold no password in state: {}",
        primary[0]
    );
    ensure!(
        version[0]["secret_string_wo"].is_null()
            && version[0]["secret_string"]
                .as_str()
                .is_none_or(str::is_empty)
            && version[0]["secret_string_wo_version"] == 1,
        "the master secret version must hold no secret string in state: {}",
        version[0]
    );

    let replicas = value("metastore_replicas");
    let zones: Vec<&str> = replicas
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|r| r["availability_zone"].as_str())
                .collect()
        })
        .unwrap_or_default();
    ensure!(
        zones == ["eu-west-1b", "eu-west-1c"],
        "two metastore replicas in the second and third zones expected: {replicas}"
    );
    let groups = value("node_groups");
    let groups = groups.as_object().cloned().unwrap_or_default();
    ensure!(groups.len() == 6, "six node groups expected: {groups:?}");
    for (k, g) in &groups {
        let asgs = g["autoscaling_group_names"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        ensure!(
            asgs.len() == 1 && asgs[0].as_str().is_some_and(|s| s.starts_with("eks-")),
            "node group {k}: autoscaling_group_names {asgs:?}"
        );
    }

    // The master secret is rotated by the function in moto, its failures go to the topic.
    let secret_arn = secret.as_str().unwrap_or_default().to_owned();
    let described = moto.call(
        "secretsmanager",
        "describe_secret",
        &serde_json::json!({ "SecretId": secret_arn, "__region": REGION }),
    )?;
    let function = value("rotation_function_arn");
    ensure!(
        described["RotationEnabled"] == true
            && described["RotationLambdaARN"] == function
            && function
                .as_str()
                .is_some_and(|f| f.contains(":function:logexaminer-rotation")),
        "the master secret must be rotated by the example's function: {described}"
    );
    ensure!(
        value("rotation_notifications_topic_arn")
            .as_str()
            .is_some_and(|t| t.starts_with(&format!("arn:aws:sns:{REGION}:"))),
        "rotation_notifications_topic_arn {}",
        value("rotation_notifications_topic_arn")
    );
    let roles = value("pod_identity_role_arns");
    ensure!(
        roles.as_object().is_some_and(|r| r.len() == 2
            && r.contains_key("spark")
            && r.contains_key("cluster-autoscaler")),
        "pod_identity_role_arns {roles}"
    );

    let ids = lifecycle_rule_ids(&moto)?;
    ensure!(
        ids.iter().any(|i| i.starts_with("logexaminer:raw-logs:"))
            && ids
                .iter()
                .any(|i| i.starts_with("logexaminer:spark-events:")),
        "the tier policy's rules must be on the bucket in moto: {ids:?}"
    );

    let plan = tf(
        &wd,
        &["plan", "-detailed-exitcode", "-input=false", "-no-color"],
        &[0, 2],
    )?;
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
    let left = lifecycle_rule_ids(&moto)?;
    ensure!(
        !left.iter().any(|i| i.starts_with("logexaminer:")),
        "destroy must remove the tier policy's rules: {left:?}"
    );
    let state = std::fs::read_to_string(wd.dir().join("examples/complete/terraform.tfstate"))
        .context("reading the state")?;
    let state: Value = serde_json::from_str(&state)?;
    ensure!(
        state["resources"]
            .as_array()
            .is_none_or(|r| r.iter().all(|x| x["mode"] == "data")),
        "destroy must leave no managed resources in state"
    );
    Ok(())
}
