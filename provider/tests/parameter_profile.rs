//! `logexaminer_db_parameter_profile` through a real Terraform core: outputs for
//! MySQL 8.0 (old and new redo settings) and PostgreSQL, diagnostics on the
//! offending override with its source line, and no AWS credentials needed.

use std::path::PathBuf;

use anyhow::{Result, ensure};
use serde_json::Value;
use test_support::{Provider, TfWorkdir};

fn provider() -> Provider {
    Provider::logexaminer(PathBuf::from(env!(
        "CARGO_BIN_EXE_terraform-provider-logexaminer"
    )))
}

const HEADER: &str = r#"
terraform {
  required_providers {
    logexaminer = { source = "logexaminer/logexaminer" }
  }
}
provider "logexaminer" {}
"#;

fn workdir(body: &str) -> Result<TfWorkdir> {
    let mut wd = TfWorkdir::new(&[("main.tf", &format!("{HEADER}{body}"))], &[provider()])?;
    // No credentials and an unreachable endpoint: the data source must not need AWS.
    wd.set_env("AWS_ACCESS_KEY_ID", "");
    wd.set_env("AWS_SECRET_ACCESS_KEY", "");
    wd.set_env("AWS_ENDPOINT_URL", "http://127.0.0.1:9");
    wd.init()?;
    Ok(wd)
}

fn params(outputs: &Value, name: &str) -> Vec<(String, String, String)> {
    outputs[name]["value"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|p| {
                    (
                        p["name"].as_str().unwrap_or_default().to_string(),
                        p["value"].as_str().unwrap_or_default().to_string(),
                        p["apply_method"].as_str().unwrap_or_default().to_string(),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn profiles_for_mysql_and_postgres() -> Result<()> {
    let wd = workdir(
        r#"
data "logexaminer_db_parameter_profile" "new" {
  family         = "mysql8.0"
  engine_version = "8.0.39"
  instance_class = "db.r6g.large"
}
data "logexaminer_db_parameter_profile" "old" {
  family         = "mysql8.0"
  engine_version = "8.0.28"
  instance_class = "db.r6g.large"
}
data "logexaminer_db_parameter_profile" "pg" {
  family         = "postgres15"
  instance_class = "db.m6g.xlarge"
  overrides      = { log_min_duration_statement = "2000" }
}
output "new" { value = data.logexaminer_db_parameter_profile.new.parameters }
output "old" { value = data.logexaminer_db_parameter_profile.old.parameters }
output "pg" { value = data.logexaminer_db_parameter_profile.pg.parameters }
"#,
    )?;
    wd.apply(&[])?;
    let out = wd.output_json()?;
    let new = params(&out, "new");
    let old = params(&out, "old");
    let pg = params(&out, "pg");
    let has = |ps: &[(String, String, String)], n: &str| ps.iter().find(|p| p.0 == n).cloned();
    ensure!(
        has(&new, "innodb_buffer_pool_size").map(|p| p.1)
            == Some("{DBInstanceClassMemory*3/4}".into()),
        "{new:?}"
    );
    ensure!(
        has(&new, "innodb_redo_log_capacity").is_some(),
        "8.0.39 uses redo capacity"
    );
    ensure!(has(&new, "innodb_log_file_size").is_none());
    ensure!(
        has(&old, "innodb_log_file_size").is_some(),
        "8.0.28 uses log file size"
    );
    ensure!(has(&old, "innodb_redo_log_capacity").is_none());
    ensure!(has(&new, "query_cache_size").is_none());
    ensure!(
        has(&pg, "log_min_duration_statement").map(|p| p.1) == Some("2000".into()),
        "override applied: {pg:?}"
    );
    ensure!(has(&pg, "rds.force_ssl").map(|p| p.1) == Some("1".into()));
    ensure!(
        new.iter()
            .all(|p| p.2 == "immediate" || p.2 == "pending-reboot")
    );
    let out = wd.plan(&["-detailed-exitcode"])?;
    ensure!(
        out.code() == Some(0),
        "second plan not empty: {}",
        out.stdout
    );
    Ok(())
}

#[test]
fn bad_overrides_fail_at_plan_on_the_attribute() -> Result<()> {
    let wd = workdir(
        r#"
data "logexaminer_db_parameter_profile" "bad" {
  family         = "mysql8.0"
  instance_class = "db.r6g.large"
  overrides = {
    query_cache_size        = "1048576"
    innodb_buffer_pool_size = "70"
  }
}
"#,
    )?;
    let out = wd.run(&["plan", "-no-color"])?;
    ensure!(!out.success(), "plan must fail");
    let err = out.stderr;
    ensure!(err.contains("query_cache_size"), "{err}");
    ensure!(err.contains("removed"), "explains removal: {err}");
    ensure!(
        err.contains("innodb_buffer_pool_size = \"70\""),
        "source line: {err}"
    );
    ensure!(
        err.contains("DBInstanceClassMemory"),
        "suggests a formula: {err}"
    );
    let out = wd.run(&["validate", "-no-color"])?;
    ensure!(!out.success(), "validate must fail too: {}", out.stdout);
    Ok(())
}

#[test]
fn unknown_family_and_class_are_rejected() -> Result<()> {
    let wd = workdir(
        r#"
data "logexaminer_db_parameter_profile" "bad" {
  family         = "mysql5.7"
  instance_class = "db.r6g.lrage"
}
"#,
    )?;
    let out = wd.run(&["validate", "-no-color"])?;
    ensure!(!out.success());
    ensure!(out.stderr.contains("mysql5.7"), "{}", out.stderr);
    ensure!(out.stderr.contains("family"), "{}", out.stderr);
    Ok(())
}
