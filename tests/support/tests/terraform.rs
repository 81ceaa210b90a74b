//! The [`TfWorkdir`] guard: a full init/validate/plan/apply/show/destroy cycle with the builtin
//! `terraform_data`, installation of a provider from the filesystem mirror, and failures.

use std::path::PathBuf;

use anyhow::Result;
use test_support::{Moto, Provider, TfWorkdir};

const CONFIG: &str = r#"
variable "greeting" {
  type    = string
  default = "hello"
}

resource "terraform_data" "first" {
  input = var.greeting
}

resource "terraform_data" "second" {
  input = "${terraform_data.first.output}-again"
}

output "second" {
  value = terraform_data.second.output
}
"#;

#[test]
fn terraform_data_lifecycle() -> Result<()> {
    let tf = TfWorkdir::new(&[("main.tf", CONFIG)], &[])?;
    tf.init()?;

    let validated = tf.validate_json()?;
    assert_eq!(validated["valid"], true, "{validated}");

    let plan = tf.plan_json()?;
    let changes = plan["resource_changes"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|c| (c["address"].to_string(), c["change"]["actions"].to_string()))
                .collect::<Vec<_>>()
        })
        .unwrap_or_default();
    assert_eq!(
        changes,
        [
            (r#""terraform_data.first""#.into(), r#"["create"]"#.into()),
            (r#""terraform_data.second""#.into(), r#"["create"]"#.into()),
        ],
        "{plan}"
    );
    // The second resource's input is unknown until the first one exists.
    assert_eq!(
        plan["resource_changes"][1]["change"]["after_unknown"]["input"],
        true
    );

    let applied = tf.apply(&["-var", "greeting=hi"])?;
    assert!(
        applied
            .stdout
            .contains("Apply complete! Resources: 2 added"),
        "{}",
        applied.stdout
    );
    assert_eq!(tf.output_json()?["second"]["value"], "hi-again");
    let state = tf.show_json()?;
    assert_eq!(
        state["values"]["root_module"]["resources"][1]["values"]["output"],
        "hi-again"
    );
    assert!(tf.state_raw()?.contains("hi-again"));

    // Same variables: nothing to do (exit 0 under -detailed-exitcode); new ones: changes (2).
    let same = tf.plan(&["-detailed-exitcode", "-var", "greeting=hi"])?;
    assert_eq!(same.code(), Some(0), "{}", same.stdout);
    let changed = tf.plan(&["-detailed-exitcode"])?;
    assert_eq!(changed.code(), Some(2), "{}", changed.stdout);

    tf.destroy()?;
    assert_eq!(tf.show_json()?.get("values"), None);
    Ok(())
}

#[test]
fn errors_show_the_source_line_and_never_prompt() -> Result<()> {
    let tf = TfWorkdir::new(
        &[(
            "main.tf",
            "variable \"needed\" {\n  type = string\n}\n\noutput \"x\" {\n  value = var.needed\n}\n",
        )],
        &[],
    )?;
    tf.init()?;
    // TF_INPUT=0 and an empty stdin: a missing variable fails instead of waiting for input.
    let missing = tf.run(&["plan", "-no-color"])?;
    assert_eq!(missing.code(), Some(1));
    assert!(
        missing.stderr.contains("No value for required variable"),
        "{}",
        missing.stderr
    );
    assert!(tf.plan(&[]).is_err());

    tf.write_file("main.tf", "output \"x\" {\n  value = nosuch.thing\n}\n")?;
    let validated = tf.validate_json()?;
    assert_eq!(validated["valid"], false);
    let failed = tf.run(&["validate", "-no-color"])?;
    assert!(
        failed.stderr.contains("value = nosuch.thing"),
        "{}",
        failed.stderr
    );
    Ok(())
}

#[test]
fn providers_install_from_the_mirror_with_a_lock_file() -> Result<()> {
    // Init only hashes the binary: any executable file will do as a stand-in.
    let scratch = tempfile::tempdir()?;
    let fake = scratch.path().join("terraform-provider-logexaminer");
    std::fs::write(&fake, "#!/bin/sh\nexit 1\n")?;
    let config = r#"
terraform {
  required_providers {
    logexaminer = {
      source  = "logexaminer/logexaminer"
      version = "0.1.0"
    }
  }
}
"#;
    let tf = TfWorkdir::new(&[("versions.tf", config)], &[Provider::logexaminer(&fake)])?;
    let init = tf.init()?;
    assert!(
        init.stdout
            .contains("Installed logexaminer/logexaminer v0.1.0"),
        "{}",
        init.stdout
    );
    let lock = std::fs::read_to_string(tf.dir().join(".terraform.lock.hcl"))?;
    assert!(
        lock.contains(r#"provider "registry.terraform.io/logexaminer/logexaminer""#),
        "{lock}"
    );
    assert!(
        lock.lines()
            .any(|l| l.trim_start().starts_with("version") && l.ends_with("\"0.1.0\"")),
        "{lock}"
    );

    let missing = TfWorkdir::new(
        &[],
        &[Provider::logexaminer(PathBuf::from(
            "/nonexistent/provider",
        ))],
    );
    assert!(missing.is_err());
    Ok(())
}

#[test]
fn extra_environment_reaches_terraform() -> Result<()> {
    let moto = Moto::start()?;
    let config = r#"
resource "terraform_data" "env" {
  provisioner "local-exec" {
    command = "printf '%s %s' \"$AWS_ENDPOINT_URL\" \"$AWS_REGION\" > seen.txt"
  }
}
"#;
    let mut tf = TfWorkdir::new(&[("main.tf", config)], &[])?;
    tf.set_envs(moto.env());
    tf.init()?;
    tf.apply(&[])?;
    let seen = std::fs::read_to_string(tf.dir().join("seen.txt"))?;
    assert_eq!(seen, format!("{} us-east-1", moto.endpoint()));
    Ok(())
}
