//! `logexaminer_s3_tier_policy` and `logexaminer_s3_tier_cost` through a real Terraform core
//! against moto (with the rig's intelligent-tiering implementation): create, no-op plan,
//! foreign rules and configurations preserved, drift (changed and deleted out of band) shown
//! in the plan and converged, update, import with an empty plan, destroy leaving foreign rules;
//! and validation errors on their attribute, with the source line, at `terraform validate`.
//!
//! The other writer is played with raw, unsigned S3 calls to moto (`Moto::request`).

use std::path::PathBuf;

use anyhow::{Context, Result, ensure};
use serde_json::Value;
use test_support::{Moto, Provider, TfWorkdir};

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
provider "logexaminer" {
  s3_use_path_style           = true
  skip_credentials_validation = true
}
"#;

const ADDR: &str = "logexaminer_s3_tier_policy.logs";

fn main_tf(body: &str) -> String {
    format!("{HEADER}{body}")
}

/// A working directory talking to `moto` (or, without it, to nothing: validation and the data
/// source must not need AWS).
fn workdir(body: &str, moto: Option<&Moto>) -> Result<TfWorkdir> {
    let mut wd = TfWorkdir::new(&[("main.tf", &main_tf(body))], &[provider()])?;
    match moto {
        Some(m) => {
            wd.set_envs(m.env());
        }
        None => {
            wd.set_env("AWS_ACCESS_KEY_ID", "");
            wd.set_env("AWS_SECRET_ACCESS_KEY", "");
            wd.set_env("AWS_REGION", "us-east-1");
            wd.set_env("AWS_ENDPOINT_URL", "http://127.0.0.1:9");
        }
    }
    wd.init()?;
    Ok(wd)
}

/// One raw S3 call that must succeed; returns the body.
fn s3(moto: &Moto, method: &str, path: &str, body: &str) -> Result<String> {
    let resp = moto.request(method, path, body.as_bytes())?;
    ensure!(
        (200..300).contains(&resp.status),
        "{method} {path} answered {}: {}",
        resp.status,
        resp.body
    );
    Ok(resp.body)
}

fn lifecycle_xml(rules: &[&str]) -> String {
    format!(
        r#"<LifecycleConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/">{}</LifecycleConfiguration>"#,
        rules.concat()
    )
}

/// The foreign rule another team keeps on the bucket.
const TEAM_ARCHIVE: &str = "<Rule><ID>team-archive</ID><Filter><Prefix>archive/</Prefix></Filter><Status>Enabled</Status><Expiration><Days>3650</Days></Expiration></Rule>";
/// A foreign rule added later.
const TEAM_NEW: &str = "<Rule><ID>team-new</ID><Filter><Prefix>exports/</Prefix></Filter><Status>Enabled</Status><Expiration><Days>30</Days></Expiration></Rule>";

/// Our `raw` rule as apply writes it, with `glacier_days` for the second transition.
fn raw_rule(glacier_days: u32) -> String {
    format!(
        "<Rule><ID>logexaminer:raw:0</ID><Filter><Prefix>raw/</Prefix></Filter><Status>Enabled</Status>\
         <Transition><Days>30</Days><StorageClass>STANDARD_IA</StorageClass></Transition>\
         <Transition><Days>{glacier_days}</Days><StorageClass>GLACIER</StorageClass></Transition>\
         <Expiration><Days>400</Days></Expiration></Rule>"
    )
}

/// Whether the foreign `team-archive` rule is on the bucket exactly as it was written.
fn team_archive_intact(moto: &Moto, bucket: &str) -> Result<()> {
    let xml = s3(moto, "GET", &format!("/{bucket}?lifecycle"), "")?;
    let rule = xml
        .split("<Rule>")
        .find(|r| r.contains("<ID>team-archive</ID>"))
        .with_context(|| format!("team-archive is gone: {xml}"))?;
    ensure!(
        rule.contains("<Prefix>archive/</Prefix>")
            && rule.contains("<Days>3650</Days>")
            && rule.contains("<Status>Enabled</Status>"),
        "team-archive changed: {rule}"
    );
    Ok(())
}

/// The IDs of the bucket's lifecycle rules, in order (empty when it has no configuration).
fn rule_ids(moto: &Moto, bucket: &str) -> Result<Vec<String>> {
    let resp = moto.request("GET", &format!("/{bucket}?lifecycle"), b"")?;
    if resp.status == 404 && resp.body.contains("NoSuchLifecycleConfiguration") {
        return Ok(Vec::new());
    }
    ensure!(resp.status == 200, "GET lifecycle: {}", resp.body);
    Ok(tag_values(&resp.body, "ID"))
}

fn tag_values(xml: &str, tag: &str) -> Vec<String> {
    let open = format!("<{tag}>");
    let close = format!("</{tag}>");
    xml.split(&open)
        .skip(1)
        .filter_map(|s| s.split(&close).next().map(str::to_owned))
        .collect()
}

/// The IDs of the bucket's intelligent-tiering configurations.
fn tiering_ids(moto: &Moto, bucket: &str) -> Result<Vec<String>> {
    let body = s3(moto, "GET", &format!("/{bucket}?intelligent-tiering"), "")?;
    Ok(tag_values(&body, "Id"))
}

fn plan_code(wd: &TfWorkdir) -> Result<(i32, String)> {
    let out = wd.plan(&["-detailed-exitcode"])?;
    Ok((out.code().unwrap_or(-1), out.stdout))
}

fn ensure_no_changes(wd: &TfWorkdir, when: &str) -> Result<()> {
    let (code, out) = plan_code(wd)?;
    ensure!(code == 0, "{when}: the plan is not empty:\n{out}");
    Ok(())
}

const POLICY_V1: &str = r#"
resource "logexaminer_s3_tier_policy" "logs" {
  bucket = "lx-logs"

  tier_set {
    name = "raw"
    filter {
      prefix = "raw/"
    }
    transition {
      days          = 30
      storage_class = "STANDARD_IA"
    }
    transition {
      days          = 120
      storage_class = "GLACIER"
    }
    expiration_days = 400
  }

  tier_set {
    name = "tmp"
    filter {
      prefix = "tmp/"
    }
    expiration_days = 7
  }

  assumed_object_size_kb = 1024
}
"#;

/// v1 with the IA transition at day 45 and a tier set filtered by tags that aborts uploads
/// (its abort goes to a second, prefix-only rule).
const POLICY_V2_BODY: &str = r#"
  bucket = "lx-logs"

  tier_set {
    name = "raw"
    filter {
      prefix = "raw/"
    }
    transition {
      days          = 45
      storage_class = "STANDARD_IA"
    }
    transition {
      days          = 120
      storage_class = "GLACIER"
    }
    expiration_days = 400
  }

  tier_set {
    name = "tmp"
    filter {
      prefix = "tmp/"
    }
    expiration_days = 7
  }

  tier_set {
    name = "audit"
    filter {
      prefix = "events/"
      tags   = { class = "audit" }
    }
    expiration_days                 = 90
    abort_incomplete_multipart_days = 3
  }
"#;

#[test]
fn lifecycle_rules_next_to_foreign_rules() -> Result<()> {
    let moto = Moto::start()?;
    s3(&moto, "PUT", "/lx-logs", "")?;
    s3(
        &moto,
        "PUT",
        "/lx-logs?lifecycle",
        &lifecycle_xml(&[TEAM_ARCHIVE]),
    )?;
    let wd = workdir(POLICY_V1, Some(&moto))?;

    // The estimate is known at plan time.
    let plan = wd.plan_json()?;
    let after = &plan["resource_changes"][0]["change"]["after"];
    let cost = after["estimated_monthly_cost_per_tb"]
        .as_f64()
        .with_context(|| format!("cost not known at plan time: {after}"))?;
    ensure!(cost > 0.0, "{cost}");
    ensure!(after["id"] == "lx-logs", "{after}");

    // Create: our rules next to the foreign one.
    wd.apply(&[])?;
    ensure!(
        rule_ids(&moto, "lx-logs")? == ["team-archive", "logexaminer:raw:0", "logexaminer:tmp:0"],
        "{:?}",
        rule_ids(&moto, "lx-logs")?
    );
    let state = wd.state_raw()?;
    ensure!(
        state.contains("\"transition_default_minimum_object_size\": \"all_storage_classes_128K\""),
        "the bucket's setting is read into state:\n{state}"
    );
    ensure_no_changes(&wd, "after create")?;
    team_archive_intact(&moto, "lx-logs")?;

    // Drift 1: our rule changed out of band.
    s3(
        &moto,
        "PUT",
        "/lx-logs?lifecycle",
        &lifecycle_xml(&[
            TEAM_ARCHIVE,
            &raw_rule(150),
            "<Rule><ID>logexaminer:tmp:0</ID><Filter><Prefix>tmp/</Prefix></Filter><Status>Enabled</Status><Expiration><Days>7</Days></Expiration></Rule>",
        ]),
    )?;
    let (code, out) = plan_code(&wd)?;
    ensure!(code == 2, "drift not detected:\n{out}");
    ensure!(
        out.contains("150 -> 120"),
        "plan shows the change back:\n{out}"
    );
    wd.apply(&[])?;
    let xml = s3(&moto, "GET", "/lx-logs?lifecycle", "")?;
    ensure!(
        xml.contains("<Days>120</Days>") && !xml.contains("<Days>150</Days>"),
        "{xml}"
    );
    ensure_no_changes(&wd, "after converging a change")?;
    team_archive_intact(&moto, "lx-logs")?;

    // Drift 2: our tmp rule deleted while another team added a rule of its own.
    s3(
        &moto,
        "PUT",
        "/lx-logs?lifecycle",
        &lifecycle_xml(&[TEAM_ARCHIVE, &raw_rule(120), TEAM_NEW]),
    )?;
    let (code, out) = plan_code(&wd)?;
    ensure!(code == 2, "deletion not detected:\n{out}");
    ensure!(out.contains("tmp"), "{out}");
    wd.apply(&[])?;
    ensure!(
        rule_ids(&moto, "lx-logs")?
            == [
                "team-archive",
                "logexaminer:raw:0",
                "logexaminer:tmp:0",
                "team-new"
            ],
        "{:?}",
        rule_ids(&moto, "lx-logs")?
    );
    ensure_no_changes(&wd, "after converging a deletion")?;
    team_archive_intact(&moto, "lx-logs")?;

    // Update: new days, a new tier set whose abort needs its own rule.
    wd.write_file(
        "main.tf",
        &main_tf(&format!(
            "resource \"logexaminer_s3_tier_policy\" \"logs\" {{{POLICY_V2_BODY}\n  assumed_object_size_kb = 1024\n}}\n"
        )),
    )?;
    let (code, out) = plan_code(&wd)?;
    ensure!(code == 2 && out.contains("30 -> 45"), "{out}");
    wd.apply(&[])?;
    let ids = rule_ids(&moto, "lx-logs")?;
    ensure!(
        ids == [
            "team-archive",
            "logexaminer:raw:0",
            "logexaminer:tmp:0",
            "logexaminer:audit:0",
            "logexaminer:audit:1",
            "team-new"
        ],
        "{ids:?}"
    );
    let xml = s3(&moto, "GET", "/lx-logs?lifecycle", "")?;
    ensure!(xml.contains("<Days>45</Days>"), "{xml}");
    ensure!(
        xml.contains("<Key>class</Key>"),
        "tag filter written: {xml}"
    );
    ensure_no_changes(&wd, "after update")?;
    team_archive_intact(&moto, "lx-logs")?;

    // Import by bucket name gives an empty plan (the estimate inputs, which are not stored on
    // the bucket, are left out of this configuration).
    wd.run(&["state", "rm", ADDR])?;
    wd.write_file(
        "main.tf",
        &main_tf(&format!(
            "resource \"logexaminer_s3_tier_policy\" \"logs\" {{{POLICY_V2_BODY}}}\n"
        )),
    )?;
    wd.import(ADDR, "lx-logs")?;
    ensure_no_changes(&wd, "after import")?;
    team_archive_intact(&moto, "lx-logs")?;

    // Destroy leaves the foreign rules.
    wd.destroy()?;
    ensure!(
        rule_ids(&moto, "lx-logs")? == ["team-archive", "team-new"],
        "{:?}",
        rule_ids(&moto, "lx-logs")?
    );
    team_archive_intact(&moto, "lx-logs")?;

    // Importing a bucket without our rules is refused with a reason.
    let out = wd.run(&["import", "-no-color", ADDR, "lx-logs"])?;
    ensure!(!out.success(), "import of nothing must fail");
    ensure!(out.stderr.contains("Nothing to import"), "{}", out.stderr);
    Ok(())
}

const TEAM_IT: &str = r#"<IntelligentTieringConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Id>team-it</Id><Status>Enabled</Status><Tiering><Days>365</Days><AccessTier>DEEP_ARCHIVE_ACCESS</AccessTier></Tiering></IntelligentTieringConfiguration>"#;

fn tiering_policy(with_cold: bool) -> String {
    let cold = if with_cold {
        r#"
  intelligent_tiering {
    name = "cold"
    filter {
      prefix = "cold/"
      tags   = { tier = "cold" }
    }
    deep_archive_access_days = 365
  }
"#
    } else {
        ""
    };
    format!(
        r#"
resource "logexaminer_s3_tier_policy" "logs" {{
  bucket = "lx-tiering"

  tier_set {{
    name = "all"
    transition {{
      days          = 0
      storage_class = "INTELLIGENT_TIERING"
    }}
    expiration_days = 730
  }}

  intelligent_tiering {{
    name = "logs"
    filter {{
      prefix = "logs/"
    }}
    archive_access_days      = 90
    deep_archive_access_days = 180
  }}
{cold}}}
"#
    )
}

#[test]
fn intelligent_tiering_configurations() -> Result<()> {
    let moto = Moto::start()?;
    s3(&moto, "PUT", "/lx-tiering", "")?;
    s3(
        &moto,
        "PUT",
        "/lx-tiering?intelligent-tiering&id=team-it",
        TEAM_IT,
    )?;
    let wd = workdir(&tiering_policy(true), Some(&moto))?;
    wd.apply(&[])?;
    ensure!(
        tiering_ids(&moto, "lx-tiering")? == ["logexaminer-cold", "logexaminer-logs", "team-it"],
        "{:?}",
        tiering_ids(&moto, "lx-tiering")?
    );
    let cold = s3(
        &moto,
        "GET",
        "/lx-tiering?intelligent-tiering&id=logexaminer-cold",
        "",
    )?;
    ensure!(
        cold.contains("<And>")
            && cold.contains("<Prefix>cold/</Prefix>")
            && cold.contains("<Key>tier</Key>"),
        "{cold}"
    );
    ensure!(rule_ids(&moto, "lx-tiering")? == ["logexaminer:all:0"]);
    ensure_no_changes(&wd, "after create")?;

    // Drift: a configuration changed out of band.
    s3(
        &moto,
        "PUT",
        "/lx-tiering?intelligent-tiering&id=logexaminer-cold",
        &cold.replace("<Days>365</Days>", "<Days>400</Days>"),
    )?;
    let (code, out) = plan_code(&wd)?;
    ensure!(code == 2, "drift not detected:\n{out}");
    ensure!(out.contains("400 -> 365"), "{out}");
    wd.apply(&[])?;
    let cold_now = s3(
        &moto,
        "GET",
        "/lx-tiering?intelligent-tiering&id=logexaminer-cold",
        "",
    )?;
    ensure!(cold_now.contains("<Days>365</Days>"), "{cold_now}");
    ensure_no_changes(&wd, "after converging a change")?;

    // Drift: a configuration deleted out of band.
    s3(
        &moto,
        "DELETE",
        "/lx-tiering?intelligent-tiering&id=logexaminer-logs",
        "",
    )?;
    let (code, out) = plan_code(&wd)?;
    ensure!(code == 2, "deletion not detected:\n{out}");
    ensure!(out.contains("+ intelligent_tiering {"), "{out}");
    wd.apply(&[])?;
    ensure!(
        tiering_ids(&moto, "lx-tiering")? == ["logexaminer-cold", "logexaminer-logs", "team-it"]
    );
    ensure_no_changes(&wd, "after converging a deletion")?;

    // Update: one block removed; its configuration goes, the others stay.
    wd.write_file("main.tf", &main_tf(&tiering_policy(false)))?;
    wd.apply(&[])?;
    ensure!(
        tiering_ids(&moto, "lx-tiering")? == ["logexaminer-logs", "team-it"],
        "{:?}",
        tiering_ids(&moto, "lx-tiering")?
    );
    ensure_no_changes(&wd, "after update")?;

    // Import reads the configurations back.
    wd.run(&["state", "rm", ADDR])?;
    wd.import(ADDR, "lx-tiering")?;
    ensure_no_changes(&wd, "after import")?;

    // Destroy: the foreign configuration and the bucket stay; with no rule left, the lifecycle
    // configuration is deleted.
    wd.destroy()?;
    ensure!(
        tiering_ids(&moto, "lx-tiering")? == ["team-it"],
        "{:?}",
        tiering_ids(&moto, "lx-tiering")?
    );
    let resp = moto.request("GET", "/lx-tiering?lifecycle", b"")?;
    ensure!(
        resp.status == 404 && resp.body.contains("NoSuchLifecycleConfiguration"),
        "{}: {}",
        resp.status,
        resp.body
    );
    Ok(())
}

fn diagnostics(v: &Value) -> Vec<(String, String, String, String)> {
    v["diagnostics"]
        .as_array()
        .map(|ds| {
            ds.iter()
                .map(|d| {
                    let s = |x: &Value| x.as_str().unwrap_or_default().to_owned();
                    (
                        s(&d["severity"]),
                        s(&d["summary"]),
                        s(&d["detail"]),
                        s(&d["snippet"]["code"]),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn resource_example_is_valid_and_priced_at_plan_time() -> Result<()> {
    let example = std::fs::read_to_string(
        PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("../examples/resources/logexaminer_s3_tier_policy/resource.tf"),
    )?;
    // Planning a create calls no AWS API: no endpoint is reachable here.
    let wd = workdir(&example, None)?;
    let v = wd.validate_json()?;
    ensure!(v["valid"] == true, "{v}");
    let plan = wd.plan_json()?;
    let after = &plan["resource_changes"][0]["change"]["after"];
    ensure!(
        after["estimated_monthly_cost_per_tb"]
            .as_f64()
            .is_some_and(|c| c > 0.0),
        "{after}"
    );
    ensure!(
        plan["planned_values"]["outputs"]["raw_logs_monthly_cost_per_tb"]["value"]
            == after["estimated_monthly_cost_per_tb"],
        "{}",
        plan["planned_values"]["outputs"]
    );
    Ok(())
}

#[test]
fn invalid_policies_fail_validate_on_the_offending_line() -> Result<()> {
    // The policy of issue 6: INTELLIGENT_TIERING at day 1, then STANDARD_IA at day 30.
    let issue_policy = r#"
resource "logexaminer_s3_tier_policy" "logs" {
  bucket = "lx-logs"
  tier_set {
    name = "logs"
    transition {
      days          = 1
      storage_class = "INTELLIGENT_TIERING"
    }
    transition {
      days          = 30
      storage_class = "STANDARD_IA"
    }
  }
}
"#;
    let wd = workdir(issue_policy, None)?;
    let line = main_tf(issue_policy)
        .lines()
        .position(|l| l.contains("\"STANDARD_IA\""))
        .map(|i| i + 1)
        .context("line")?;
    let out = wd.run(&["validate", "-no-color"])?;
    ensure!(!out.success(), "validate must fail:\n{}", out.stdout);
    let err = &out.stderr;
    for want in [
        "Unsupported storage class transition",
        "INTELLIGENT_TIERING -> STANDARD_IA is not a supported S3 lifecycle transition",
        "Use STANDARD_IA first, then INTELLIGENT_TIERING",
        "Rule `transition_graph`",
        // Terraform renders the offending source line.
        "storage_class = \"STANDARD_IA\"",
        &format!("on main.tf line {line}"),
    ] {
        ensure!(err.contains(want), "missing {want:?} in:\n{err}");
    }

    // More errors, each on its own attribute; unknown values are not errors.
    let wd = workdir(
        r#"
variable "class" {
  type    = string
  default = "ONEZONE_IA"
}
resource "logexaminer_s3_tier_policy" "logs" {
  bucket = "lx-logs"
  tier_set {
    name = "a"
    filter {
      prefix = "a/"
    }
    transition {
      days          = 10
      storage_class = "STANDARD_IA"
    }
    expiration_days = 5
  }
  tier_set {
    name = "a"
    filter {
      prefix = "b/"
    }
    transition {
      days          = 60
      storage_class = var.class
    }
    expiration_days = 400
  }
  intelligent_tiering {
    name                = "cold"
    archive_access_days = 30
  }
}
"#,
        None,
    )?;
    let v = wd.validate_json()?;
    ensure!(v["valid"] == false, "{v}");
    let ds = diagnostics(&v);
    let has = |summary_or_detail: &str, code: &str| {
        ds.iter().any(|(sev, s, d, c)| {
            sev == "error"
                && (s.contains(summary_or_detail) || d.contains(summary_or_detail))
                && c.contains(code)
        })
    };
    for (what, line) in [
        ("Rule `ia_minimum_days`", "days          = 10"),
        ("Rule `expiration_after_transitions`", "expiration_days = 5"),
        ("Rule `unique_name`", "name = \"a\""),
        ("Rule `archive_access_days`", "archive_access_days = 30"),
    ] {
        ensure!(has(what, line), "no error {what:?} on {line:?}: {ds:#?}");
    }
    ensure!(
        !ds.iter().any(|(_, _, _, code)| code.contains("var.class")),
        "var.class is unknown at validate: no finding about it: {ds:#?}"
    );

    // The same variable, known at plan time, is checked then.
    let wd = workdir(
        r#"
variable "class" {
  type = string
}
resource "logexaminer_s3_tier_policy" "logs" {
  bucket = "lx-logs"
  tier_set {
    name = "a"
    transition {
      days          = 30
      storage_class = "ONEZONE_IA"
    }
    transition {
      days          = 90
      storage_class = var.class
    }
    expiration_days = 400
  }
}
"#,
        None,
    )?;
    let out = wd.run(&["validate", "-no-color"])?;
    ensure!(out.success(), "unknown at validate: {}", out.stderr);
    let out = wd.run(&["plan", "-no-color", "-var", "class=GLACIER_IR"])?;
    ensure!(!out.success(), "plan must fail");
    ensure!(
        out.stderr.contains("ONEZONE_IA -> GLACIER_IR")
            && out.stderr.contains("storage_class = var.class"),
        "{}",
        out.stderr
    );
    Ok(())
}

#[test]
fn cost_data_source_compares_policies_without_aws() -> Result<()> {
    let example = std::fs::read_to_string(
        PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("../examples/data-sources/logexaminer_s3_tier_cost/data-source.tf"),
    )?;
    let wd = workdir(
        &format!(
            r#"{example}
output "cold_breakdown" {{
  value = data.logexaminer_s3_tier_cost.cold.breakdown
}}
output "cold_prices" {{
  value = [data.logexaminer_s3_tier_cost.cold.price_region, data.logexaminer_s3_tier_cost.cold.prices_as_of]
}}
"#
        ),
        None,
    )?;
    wd.apply(&[])?;
    let out = wd.output_json()?;
    let warm = out["monthly_cost_per_tb"]["value"]["warm"]
        .as_f64()
        .context("warm")?;
    let cold = out["monthly_cost_per_tb"]["value"]["cold"]
        .as_f64()
        .context("cold")?;
    // The example of the docs: 127.63 USD for the cold policy.
    ensure!(cold == 127.63, "{out}");
    ensure!(warm > 0.0 && warm != cold, "{out}");
    let lines = out["cold_breakdown"]["value"]
        .as_array()
        .context("breakdown")?;
    ensure!(
        lines.iter().any(|l| l["item"]
            .as_str()
            .is_some_and(|i| i.starts_with("tier_set logs:") && i.contains("GLACIER"))),
        "{lines:?}"
    );
    ensure!(
        out["cold_prices"]["value"][0] == "us-east-1",
        "{}",
        out["cold_prices"]
    );

    // No lifetime: an error on assumed_object_size_kb.
    wd.write_file(
        "main.tf",
        &main_tf(
            r#"
data "logexaminer_s3_tier_cost" "bad" {
  tier_set {
    name = "logs"
    transition {
      days          = 30
      storage_class = "STANDARD_IA"
    }
  }
  assumed_object_size_kb = 1024
}
"#,
        ),
    )?;
    let out = wd.run(&["validate", "-no-color"])?;
    ensure!(!out.success(), "validate must fail");
    ensure!(
        out.stderr.contains("Cannot estimate the monthly cost")
            && out.stderr.contains("assumed_object_size_kb = 1024"),
        "{}",
        out.stderr
    );
    Ok(())
}
