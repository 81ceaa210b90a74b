//! `logexaminer_secret_rotation` and `logexaminer_rotation_function_package` through a real Terraform core
//! against moto. moto runs no function code (no Docker), so this tests the wiring: the preflight diagnostics
//! (function missing, no permission for Secrets Manager, secret not RDS-shaped, alternating users without
//! `masterarn`, topic missing), turning rotation on, switching from `automatically_after_days` to
//! `schedule_expression` in one apply, no drift on a second plan, the rollback trigger invoking the function,
//! import by ARN, and destroy turning rotation off. The function's logic is tested in `rotation-lambda/tests`.

use std::path::PathBuf;

use anyhow::{Context, Result, ensure};
use serde_json::{Value, json};
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
  skip_credentials_validation = true
}
"#;

/// A boto3 call against moto; returns the response without `ResponseMetadata`.
fn aws(moto: &Moto, service: &str, op: &str, args: Value) -> Result<Value> {
    moto.call(service, op, &args)
}

/// An empty but valid zip file.
const EMPTY_ZIP_HEX: &str = "504b0506000000000000000000000000000000000000";

struct Fixture {
    moto: Moto,
    function_arn: String,
    bare_function_arn: String,
    secret_arn: String,
    alt_secret_arn: String,
    bad_secret_arn: String,
    topic_arn: String,
}

fn fixture() -> Result<Fixture> {
    let moto = Moto::start()?;
    let role = aws(
        &moto,
        "iam",
        "create_role",
        json!({"RoleName": "rotation", "AssumeRolePolicyDocument": json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]}).to_string()}),
    )?;
    let role_arn = role["Role"]["Arn"].as_str().context("role ARN")?.to_owned();
    let function = |name: &str| -> Result<String> {
        let f = aws(
            &moto,
            "lambda",
            "create_function",
            json!({"FunctionName": name, "Runtime": "provided.al2023", "Handler": "bootstrap", "Role": role_arn,
                   "Code": {"ZipFile": EMPTY_ZIP_HEX}}),
        )?;
        Ok(f["FunctionArn"]
            .as_str()
            .context("function ARN")?
            .to_owned())
    };
    let function_arn = function("rotation")?;
    let bare_function_arn = function("no-permission")?;
    aws(
        &moto,
        "lambda",
        "add_permission",
        json!({"FunctionName": "rotation", "StatementId": "AllowSecretsManager", "Action": "lambda:InvokeFunction",
               "Principal": "secretsmanager.amazonaws.com"}),
    )?;
    let secret = |name: &str, value: Value| -> Result<String> {
        let s = aws(
            &moto,
            "secretsmanager",
            "create_secret",
            json!({"Name": name, "SecretString": value.as_str().map(str::to_owned).unwrap_or_else(|| value.to_string())}),
        )?;
        Ok(s["ARN"].as_str().context("secret ARN")?.to_owned())
    };
    let admin = secret(
        "metastore/admin",
        json!({"engine": "mariadb", "host": "db", "port": 3306, "username": "root", "password": "admin-pw-0123456789abcdefghijklmn"}),
    )?;
    let secret_arn = secret(
        "metastore/hive",
        json!({"engine": "mariadb", "host": "db", "port": 3306, "username": "hive", "password": "hive-pw-0123456789abcdefghijklmno", "dbname": "metastore", "masterarn": admin}),
    )?;
    let alt_secret_arn = secret(
        "metastore/spark",
        json!({"engine": "postgres", "host": "db", "port": 5432, "username": "spark", "password": "spark-pw-0123456789abcdefghijklmn"}),
    )?;
    let bad_secret_arn = secret("metastore/not-json", json!("hunter2-not-json"))?;
    let topic = aws(
        &moto,
        "sns",
        "create_topic",
        json!({"Name": "rotation-notices"}),
    )?;
    let topic_arn = topic["TopicArn"].as_str().context("topic ARN")?.to_owned();
    Ok(Fixture {
        moto,
        function_arn,
        bare_function_arn,
        secret_arn,
        alt_secret_arn,
        bad_secret_arn,
        topic_arn,
    })
}

fn workdir(fx: &Fixture, body: &str) -> Result<TfWorkdir> {
    let mut wd = TfWorkdir::new(&[("main.tf", &format!("{HEADER}{body}"))], &[provider()])?;
    wd.set_envs(fx.moto.env());
    wd.init()?;
    Ok(wd)
}

fn describe(fx: &Fixture, arn: &str) -> Result<Value> {
    aws(
        &fx.moto,
        "secretsmanager",
        "describe_secret",
        json!({"SecretId": arn}),
    )
}

fn tag(d: &Value, key: &str) -> Option<String> {
    d["Tags"]
        .as_array()?
        .iter()
        .find_map(|t| (t["Key"] == key).then(|| t["Value"].as_str().map(str::to_owned))?)
}

#[test]
fn preflight_reports_each_problem_on_its_attribute() -> Result<()> {
    let fx = fixture()?;
    let body = format!(
        r#"
resource "logexaminer_secret_rotation" "no_function" {{
  secret_id                = "{secret}"
  rotation_function_arn    = "arn:aws:lambda:us-east-1:123456789012:function:missing"
  automatically_after_days = 30
}}
resource "logexaminer_secret_rotation" "no_permission" {{
  secret_id                = "{secret}"
  rotation_function_arn    = "{bare}"
  automatically_after_days = 30
}}
resource "logexaminer_secret_rotation" "bad_secret" {{
  secret_id                = "{bad}"
  rotation_function_arn    = "{function}"
  automatically_after_days = 30
}}
resource "logexaminer_secret_rotation" "no_masterarn" {{
  secret_id                = "{alt}"
  rotation_function_arn    = "{function}"
  strategy                 = "alternating_users"
  schedule_expression      = "rate(10 days)"
}}
resource "logexaminer_secret_rotation" "no_topic" {{
  secret_id                = "{secret}"
  rotation_function_arn    = "{function}"
  automatically_after_days = 30
  notification_topic_arn   = "arn:aws:sns:us-east-1:123456789012:missing"
}}
"#,
        secret = fx.secret_arn,
        bare = fx.bare_function_arn,
        bad = fx.bad_secret_arn,
        alt = fx.alt_secret_arn,
        function = fx.function_arn,
    );
    let wd = workdir(&fx, &body)?;
    let out = wd.run(&["plan", "-input=false", "-no-color"])?;
    ensure!(!out.success(), "plan must fail:\n{}", out.stdout);
    let text = format!("{}\n{}", out.stdout, out.stderr);
    for (summary, resource) in [
        ("Rotation function not found", "no_function"),
        (
            "Secrets Manager may not invoke the rotation function",
            "no_permission",
        ),
        ("Secret not usable for rotation", "bad_secret"),
        ("Alternating users need masterarn", "no_masterarn"),
        ("Notification topic not usable", "no_topic"),
    ] {
        let block = text
            .split("Error: ")
            .find(|b| b.starts_with(summary))
            .with_context(|| format!("no diagnostic {summary:?} in:\n{text}"))?;
        ensure!(
            block.contains(&format!("logexaminer_secret_rotation.{resource}")),
            "{summary} is not reported on {resource}:\n{block}"
        );
    }
    ensure!(
        !text.contains("hunter2"),
        "a secret value leaked into diagnostics:\n{text}"
    );
    // Nothing was turned on.
    let d = describe(&fx, &fx.secret_arn)?;
    ensure!(d["RotationEnabled"] != true, "{d}");
    Ok(())
}

#[test]
fn rotation_lifecycle_switch_schedule_rollback_import_destroy() -> Result<()> {
    let fx = fixture()?;
    let config = |schedule: &str, trigger: Option<&str>| {
        format!(
            r#"
resource "logexaminer_secret_rotation" "hive" {{
  secret_id              = "{secret}"
  rotation_function_arn  = "{function}"
  {schedule}
  duration               = "3h"
  strategy               = "alternating_users"
  notification_topic_arn = "{topic}"
  {trigger}
}}
output "status" {{ value = logexaminer_secret_rotation.hive.last_rotation_status }}
output "next"   {{ value = logexaminer_secret_rotation.hive.next_rotation_date }}
"#,
            secret = fx.secret_arn,
            function = fx.function_arn,
            topic = fx.topic_arn,
            trigger = trigger
                .map(|t| format!("rollback_trigger = \"{t}\""))
                .unwrap_or_default(),
        )
    };
    let wd = workdir(&fx, &config("automatically_after_days = 30", None))?;
    wd.apply(&[])?;
    let d = describe(&fx, &fx.secret_arn)?;
    ensure!(d["RotationEnabled"] == true, "rotation not enabled: {d}");
    ensure!(d["RotationLambdaARN"] == fx.function_arn.as_str(), "{d}");
    ensure!(d["RotationRules"]["AutomaticallyAfterDays"] == 30, "{d}");
    ensure!(d["RotationRules"]["Duration"] == "3h", "{d}");
    ensure!(
        tag(&d, "logexaminer:rotation-strategy").as_deref() == Some("alternating_users"),
        "{d}"
    );
    ensure!(
        tag(&d, "logexaminer:rotation-notification-topic").as_deref()
            == Some(fx.topic_arn.as_str()),
        "{d}"
    );
    let outputs = wd.output_json()?;
    // moto stamps LastRotatedDate on every RotateSecret; the service only when a rotation completes.
    ensure!(
        outputs["status"]["value"] == "never_rotated" || outputs["status"]["value"] == "succeeded",
        "{outputs}"
    );
    ensure!(outputs["next"]["value"].is_string(), "{outputs}");
    // rotate_immediately = false: the throwaway AWSPENDING of the configuration test is gone.
    let versions = d["VersionIdsToStages"].as_object().context("versions")?;
    ensure!(versions.len() == 1, "{d}");
    let clean = wd.plan(&["-detailed-exitcode"])?;
    ensure!(
        clean.code() == Some(0),
        "second plan not empty:\n{}",
        clean.stdout
    );

    // Switch to a schedule expression in one apply.
    wd.write_file(
        "main.tf",
        &format!(
            "{HEADER}{}",
            config("schedule_expression = \"rate(10 days)\"", None)
        ),
    )?;
    wd.apply(&[])?;
    let d = describe(&fx, &fx.secret_arn)?;
    ensure!(
        d["RotationRules"]["ScheduleExpression"] == "rate(10 days)",
        "{d}"
    );
    ensure!(
        d["RotationRules"]
            .get("AutomaticallyAfterDays")
            .is_none_or(|v| v != 30),
        "{d}"
    );
    let clean = wd.plan(&["-detailed-exitcode"])?;
    ensure!(
        clean.code() == Some(0),
        "plan after the switch not empty:\n{}",
        clean.stdout
    );

    // The rollback trigger invokes the function. moto runs no code and logs no invocation, but its
    // "simple" Lambda backend answers from a queue of canned results: queue one, apply, and the next
    // invocation no longer gets it, so exactly the provider's invocation consumed it.
    let queued = fx.moto.request(
        "POST",
        "/moto-api/static/lambda-simple/response",
        json!({"results": ["consumed-by-the-provider"], "region": "us-east-1"})
            .to_string()
            .as_bytes(),
    )?;
    ensure!(queued.status == 201, "queueing a Lambda result: {queued:?}");
    wd.write_file(
        "main.tf",
        &format!(
            "{HEADER}{}",
            config(
                "schedule_expression = \"rate(10 days)\"",
                Some("2024-06-01")
            )
        ),
    )?;
    wd.apply(&[])?;
    let probe = aws(
        &fx.moto,
        "lambda",
        "invoke",
        json!({"FunctionName": "rotation", "Payload": "{\"probe\":1}"}),
    )?;
    ensure!(
        probe["Payload"] == "{\"probe\":1}",
        "the queued result was not consumed by the rollback invocation: {probe}"
    );
    let clean = wd.plan(&["-detailed-exitcode"])?;
    ensure!(
        clean.code() == Some(0),
        "plan after rollback not empty:\n{}",
        clean.stdout
    );
    // Unchanged trigger: no invocation.
    fx.moto.request(
        "POST",
        "/moto-api/static/lambda-simple/response",
        json!({"results": ["still-queued"], "region": "us-east-1"})
            .to_string()
            .as_bytes(),
    )?;
    wd.apply(&[])?;
    let probe = aws(
        &fx.moto,
        "lambda",
        "invoke",
        json!({"FunctionName": "rotation", "Payload": "{}"}),
    )?;
    ensure!(
        probe["Payload"] == "still-queued",
        "an unchanged trigger invoked the function: {probe}"
    );

    // Import by ARN into a fresh working directory.
    let wd2 = workdir(
        &fx,
        &config("schedule_expression = \"rate(10 days)\"", None),
    )?;
    wd2.import("logexaminer_secret_rotation.hive", &fx.secret_arn)?;
    let state = wd2.state_raw()?;
    ensure!(
        state.contains("alternating_users") && state.contains("rate(10 days)"),
        "{state}"
    );
    let after_import = wd2.plan(&["-detailed-exitcode"])?;
    ensure!(
        after_import.code() == Some(0),
        "plan after import not empty:\n{}",
        after_import.stdout
    );

    wd.destroy()?;
    let d = describe(&fx, &fx.secret_arn)?;
    ensure!(d["RotationEnabled"] != true, "rotation still on: {d}");
    ensure!(tag(&d, "logexaminer:rotation-strategy").is_none(), "{d}");
    Ok(())
}

#[test]
fn package_data_source_writes_the_zip() -> Result<()> {
    let fx = fixture()?;
    let dir = tempfile_dir()?;
    let body = format!(
        r#"
data "logexaminer_rotation_function_package" "this" {{
  output_directory = "{dir}"
}}
output "path" {{ value = data.logexaminer_rotation_function_package.this.output_path }}
output "hash" {{ value = data.logexaminer_rotation_function_package.this.source_code_hash }}
output "runtime" {{ value = data.logexaminer_rotation_function_package.this.runtime }}
"#,
        dir = dir.display()
    );
    let wd = workdir(&fx, &body)?;
    let embedded =
        terraform_provider_logexaminer::secretsmanager::rotation_function_package::PACKAGE;
    // No quiet second path: this test is about the real package, so a provider built without it fails here.
    ensure!(
        !embedded.is_empty(),
        "the provider was built without the rotation function package: run `make lambda` (writes \
         dist/rotation-lambda.zip, which provider/build.rs embeds) and then the tests again; `make test` does both"
    );
    ensure!(
        embedded.starts_with(b"PK\x03\x04")
            && embedded
                .windows(b"bootstrap".len())
                .any(|w| w == b"bootstrap"),
        "the embedded package is not a zip holding the `bootstrap` binary ({} bytes)",
        embedded.len()
    );
    wd.apply(&[])?;
    let o = wd.output_json()?;
    let path = o["path"]["value"].as_str().context("path")?;
    let bytes = std::fs::read(path)?;
    ensure!(
        bytes == embedded,
        "written zip differs from the embedded one"
    );
    let (b64, _) =
        terraform_provider_logexaminer::secretsmanager::rotation_function_package::digests(&bytes);
    ensure!(o["hash"]["value"] == b64.as_str(), "{o}");
    ensure!(o["runtime"]["value"] == "provided.al2023", "{o}");
    let _ = std::fs::remove_dir_all(&dir);
    Ok(())
}

fn tempfile_dir() -> Result<PathBuf> {
    let dir = std::env::temp_dir().join(format!("lx-rotation-pkg-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    Ok(dir)
}

/// `rollback_trigger` still works but warns at validate, on the attribute, naming the action that replaces it;
/// a configuration without it gets no such warning.
#[test]
fn rollback_trigger_is_deprecated_in_favour_of_the_action() -> Result<()> {
    let body = |extra: &str| {
        format!(
            r#"
resource "logexaminer_secret_rotation" "r" {{
  secret_id                = "arn:aws:secretsmanager:us-east-1:123456789012:secret:hive-AbCdEf"
  rotation_function_arn    = "arn:aws:lambda:us-east-1:123456789012:function:rotate"
  automatically_after_days = 30
  {extra}
}}
"#
        )
    };
    for (extra, deprecated) in [(r#"rollback_trigger = "1""#, true), ("", false)] {
        let wd = TfWorkdir::new(
            &[("main.tf", &format!("{HEADER}{}", body(extra)))],
            &[provider()],
        )?;
        wd.init()?;
        let v = wd.validate_json()?;
        ensure!(v["valid"] == true, "{v}");
        let ours: Vec<Value> = v["diagnostics"]
            .as_array()
            .cloned()
            .unwrap_or_default()
            .into_iter()
            .filter(|d| d["summary"] == "rollback_trigger is deprecated")
            .collect();
        if deprecated {
            ensure!(ours.len() == 1, "one deprecation warning expected: {v}");
            let d = &ours[0];
            ensure!(d["severity"] == "warning", "{d}");
            ensure!(
                d["detail"]
                    .as_str()
                    .is_some_and(|t| t.contains("logexaminer_rollback_secret")
                        && t.contains("-invoke=action.logexaminer_rollback_secret")),
                "{d}"
            );
            ensure!(
                d["snippet"]["code"]
                    .as_str()
                    .is_some_and(|c| c.contains("rollback_trigger")),
                "the warning must point at the attribute: {d}"
            );
        } else {
            ensure!(ours.is_empty(), "no warning without rollback_trigger: {v}");
        }
    }
    Ok(())
}
