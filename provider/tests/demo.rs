//! `make demo`: what the kit is for, end to end on this machine, nothing but 127.0.0.1, everything torn down.
//!
//! A test target without the libtest harness (`harness = false` in Cargo.toml), so that `make demo` and CI run
//! the very same program on the build the tests use: `cargo test -p terraform-provider-logexaminer --test demo`
//! (`make test` runs it with the rest of the workspace's tests). In order:
//!
//! 1. throwaway MariaDB and PostgreSQL whose admins are not superusers, and moto (emulated AWS);
//! 2. `terraform apply`: a metastore user on each server with least-privilege grants, the passwords only in
//!    Secrets Manager; each user logs in with the password read from there, state and plan do not contain it,
//!    and a statement outside the grants is denied;
//! 3. the real rotation function (`bootstrap` of crate rotation-lambda) deployed to moto, which runs it under
//!    the launcher's local Lambda runtime API emulator (tools/lambda_emulator.py); rotation turned on by
//!    `logexaminer_secret_rotation`; the `logexaminer_rotate_secret` action rotating the MariaDB user through
//!    all four steps (new password logs in, the old one no longer does), then the `logexaminer_rollback_secret`
//!    action returning it to the previous password;
//! 4. the rotate action on the PostgreSQL user (alternating users) with a failure at testSecret, injected out of band
//!    in the database (a `reject` line for the clone user in pg_hba.conf, nothing in the function): it rolls
//!    back, the old password still logs in, AWSCURRENT is unchanged and the SNS notice is shown;
//! 5. drift (a REVOKE behind Terraform's back) found by plan and put right by apply;
//! 6. the tier policy keeping another team's lifecycle rule, and the parameter profile refusing the seed's
//!    `query_cache_size` and `"70"` mistakes with their diagnostics;
//! 7. destroy, and proof that no user and no secret is left.
//!
//! No password is ever printed: logins say which secret they used, never its value.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Write as _};
use std::path::{Path, PathBuf};
use std::process::{ExitCode, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail, ensure};
use serde_json::{Value, json};
use test_support::{MariaDb, Moto, Postgres, Provider, TfWorkdir, venv_python};

const MY_ADMIN_PW: &str = "demo-admin-pw-mariadb-0123456789abcd";
const PG_ADMIN_PW: &str = "demo-admin-pw-postgres-0123456789abc";
const MY_USER: &str = "metastore_rw";
const PG_USER: &str = "metastore_ro";
const BUCKET: &str = "logexaminer-demo-raw-logs";
const FOREIGN_RULE: &str = "security-team-tmp-cleanup";
const FUNCTION: &str = "logexaminer-rotation";

fn main() -> ExitCode {
    let start = Instant::now();
    let mut demo = Demo::default();
    let result = demo.run();
    println!();
    println!(
        "==================== summary ({:.0} s) ====================",
        start.elapsed().as_secs_f64()
    );
    for (ok, line) in &demo.summary {
        println!(" {} {line}", if *ok { "[ok]" } else { "[!!]" });
    }
    match result {
        Ok(()) => {
            println!("everything was local (127.0.0.1) and has been torn down.");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("\ndemo FAILED: {e:#}");
            ExitCode::FAILURE
        }
    }
}

#[derive(Default)]
struct Demo {
    step: usize,
    summary: Vec<(bool, String)>,
}

impl Demo {
    fn step(&mut self, title: &str) {
        self.step += 1;
        println!("\n==> {}. {title}", self.step);
    }

    fn done(&mut self, line: impl Into<String>) {
        let line = line.into();
        println!("    => {line}");
        self.summary.push((true, line));
    }

    fn run(&mut self) -> Result<()> {
        let provider_bin = PathBuf::from(env!("CARGO_BIN_EXE_terraform-provider-logexaminer"));
        // The rotation function: the `bootstrap` binary of crate rotation-lambda, built into the same target
        // directory (`make demo` and `cargo test --workspace` build it).
        let bootstrap = provider_bin.with_file_name("bootstrap");
        ensure!(
            bootstrap.is_file(),
            "{} is missing: build the rotation function first (`cargo build -p rotation-lambda --bin bootstrap`, which `make demo` runs)",
            bootstrap.display()
        );

        // ------------------------------------------------------------------ 1. servers
        self.step(
            "throwaway MariaDB and PostgreSQL (admins are NOT superusers) and moto, on 127.0.0.1",
        );
        let (my, pg, moto) = progress("starting MariaDB, PostgreSQL and moto", || {
            let my = thread::spawn(MariaDb::start);
            let pg = thread::spawn(Postgres::start);
            let moto = Moto::start()?;
            let my = my
                .join()
                .map_err(|_| anyhow::anyhow!("MariaDB start panicked"))??;
            let pg = pg
                .join()
                .map_err(|_| anyhow::anyhow!("PostgreSQL start panicked"))??;
            Ok((my, pg, moto))
        })?;
        setup_mariadb(&my)?;
        setup_postgres(&pg)?;
        println!(
            "    MariaDB    127.0.0.1:{}  admin lx_admin: {}",
            my.port(),
            my_admin_grants(&my)?
        );
        println!(
            "    PostgreSQL 127.0.0.1:{}  admin lx_admin: superuser={} createrole={} (owns database metastore)",
            pg.port(),
            pg.exec("SELECT rolsuper FROM pg_roles WHERE rolname = 'lx_admin'")?
                .trim(),
            pg.exec("SELECT rolcreaterole FROM pg_roles WHERE rolname = 'lx_admin'")?
                .trim(),
        );
        println!("    moto       {}", moto.endpoint());
        let aws = Aws(&moto);
        let admin_secret = |name: &str, engine: &str, port: u16, password: &str| {
            let value = json!({"engine": engine, "host": "127.0.0.1", "port": port, "username": "lx_admin",
                               "password": password, "dbname": "metastore"});
            (
                "secretsmanager",
                "create_secret",
                json!({"Name": name, "SecretString": value.to_string()}),
            )
        };
        let created = progress("admin secrets, SNS topic, SQS queue, bucket", || {
            moto.call_batch(&[
                admin_secret("demo/mariadb-admin", "mariadb", my.port(), MY_ADMIN_PW),
                admin_secret("demo/postgres-admin", "postgres", pg.port(), PG_ADMIN_PW),
                ("sns", "create_topic", json!({"Name": "metastore-rotation"})),
                ("sqs", "create_queue", json!({"QueueName": "rotation-notices"})),
                ("s3", "create_bucket", json!({"Bucket": BUCKET})),
                (
                    "s3",
                    "put_bucket_lifecycle_configuration",
                    json!({"Bucket": BUCKET, "LifecycleConfiguration": {"Rules": [
                        {"ID": FOREIGN_RULE, "Status": "Enabled", "Filter": {"Prefix": "tmp/"}, "Expiration": {"Days": 7}}]}}),
                ),
            ])
        })?;
        let text = |i: usize, key: &str| -> Result<String> {
            Ok(created[i][key]
                .as_str()
                .with_context(|| format!("no {key} in {}", created[i]))?
                .to_owned())
        };
        let (my_admin_arn, pg_admin_arn, topic_arn, queue_url) = (
            text(0, "ARN")?,
            text(1, "ARN")?,
            text(2, "TopicArn")?,
            text(3, "QueueUrl")?,
        );
        // arn:aws:sns:REGION:ACCOUNT:NAME -> the queue's ARN in the same account and region.
        let queue_arn = format!(
            "{}:rotation-notices",
            topic_arn
                .rsplit_once(':')
                .context("topic ARN")?
                .0
                .replace(":sns:", ":sqs:")
        );
        aws.call(
            "sns",
            "subscribe",
            json!({"TopicArn": topic_arn, "Protocol": "sqs", "Endpoint": queue_arn}),
        )?;
        println!(
            "    admin secrets demo/mariadb-admin and demo/postgres-admin (as RDS keeps them), SNS topic for rotation notices,\n    bucket {BUCKET} with lifecycle rule {FOREIGN_RULE} owned by another team"
        );
        self.done("MariaDB + PostgreSQL with non-superuser admins, and moto, started");

        // ------------------------------------------------------------------ 2. users
        self.step("terraform apply: metastore users on both servers, least-privilege grants, passwords only in Secrets Manager");
        let mut wd = TfWorkdir::new(&[], &[Provider::logexaminer(&provider_bin)])?;
        wd.set_envs(moto.env());
        wd.set_timeout(Duration::from_secs(600));
        let cfg = Config {
            my: my.port(),
            pg: pg.port(),
            my_admin_arn,
            pg_admin_arn,
            topic_arn: topic_arn.clone(),
        };
        wd.write_file("main.tf", &cfg.render(None, true))?;
        progress("terraform init", || wd.init())?;
        let out = stream(
            &wd,
            &["apply", "-auto-approve", "-input=false", "-no-color"],
        )?;
        ensure!(out.contains("Apply complete!"), "apply did not complete");
        let outputs = wd.output_json()?;
        let my_secret = outputs["mariadb_secret_arn"]["value"]
            .as_str()
            .context("mariadb secret")?
            .to_owned();
        let pg_secret = outputs["postgres_secret_arn"]["value"]
            .as_str()
            .context("postgres secret")?
            .to_owned();
        let snaps = aws.snapshot(None, &[&my_secret, &pg_secret])?;
        let (my_pw, pg_pw) = (snaps[0].password.clone(), snaps[1].password.clone());
        let tables = my.exec_as(
            MY_USER,
            &my_pw,
            Some("metastore"),
            "SELECT COUNT(*) FROM TBLS",
        )?;
        println!(
            "    {MY_USER}@MariaDB logged in with the password read from Secrets Manager ({} characters, not shown): SELECT COUNT(*) FROM TBLS -> {}",
            my_pw.len(),
            tables.trim()
        );
        let rows = pg.exec_as(
            PG_USER,
            &pg_pw,
            Some("metastore"),
            "SELECT COUNT(*) FROM hive.tbls",
        )?;
        println!(
            "    {PG_USER}@PostgreSQL logged in with the password read from Secrets Manager ({} characters, not shown): SELECT COUNT(*) FROM hive.tbls -> {}",
            pg_pw.len(),
            rows.trim()
        );
        let state = std::fs::read_to_string(wd.dir().join("terraform.tfstate"))
            .context("reading the state")?;
        let plan = wd.plan(&["-detailed-exitcode"])?;
        ensure!(
            plan.code() == Some(0),
            "second plan not empty:\n{}",
            plan.stdout
        );
        for (what, text) in [("state", &state), ("plan output", &plan.stdout)] {
            ensure!(
                !text.contains(&my_pw) && !text.contains(&pg_pw),
                "a password is in the {what}"
            );
        }
        println!(
            "    terraform.tfstate ({} bytes) and the plan output searched: neither password appears; plan: no changes",
            state.len()
        );
        let denied = my
            .exec_as(MY_USER, &my_pw, Some("metastore"), "DROP TABLE DBS")
            .err()
            .context("DROP TABLE was allowed")?;
        println!(
            "    {MY_USER}: DROP TABLE DBS -> denied: {}",
            first_line(&denied)
        );
        let denied = pg
            .exec_as(PG_USER, &pg_pw, Some("metastore"), "DELETE FROM hive.tbls")
            .err()
            .context("DELETE was allowed")?;
        println!(
            "    {PG_USER}: DELETE FROM hive.tbls -> denied: {}",
            first_line(&denied)
        );
        self.done("users created; they log in with the Secrets Manager password; it is in no state or plan; out-of-grant statements denied");

        // ------------------------------------------------------------------ 3. rotation
        self.step("rotation through the real rotation function, run by moto's local Lambda runtime API emulator");
        let bindings = json!({
            "mariadb": merge(&outputs["mariadb_binding"]["value"], "single_user")?,
            "postgres": merge(&outputs["postgres_binding"]["value"], "alternating_users")?,
        });
        let function_arn = progress(
            "packaging and deploying the function (bootstrap zip) to moto",
            || {
                // Beside the working directory, removed with it.
                aws.deploy_function(
                    &bootstrap,
                    &wd.dir().with_file_name("rotation.zip"),
                    &bindings,
                    &topic_arn,
                )
            },
        )?;
        println!(
            "    function {FUNCTION} (provided.al2023, bootstrap from {})",
            bootstrap.display()
        );
        wd.write_file("main.tf", &cfg.render(Some(&function_arn), true))?;
        stream(
            &wd,
            &["apply", "-auto-approve", "-input=false", "-no-color"],
        )?;
        println!("    rotation turned on for both secrets (logexaminer_secret_rotation)");
        let before = snaps[0].current.clone();
        let log_start = moto.lambda_log(FUNCTION).len();
        println!(
            "    terraform apply -invoke=action.logexaminer_rotate_secret.mariadb (RotateSecret, then the function's four steps followed to the end)"
        );
        stream(
            &wd,
            &[
                "apply",
                "-auto-approve",
                "-input=false",
                "-no-color",
                "-invoke=action.logexaminer_rotate_secret.mariadb",
            ],
        )?;
        let snap = aws.snapshot(None, &[&my_secret])?;
        println!("    the function's log (CloudWatch Logs stand-in) for this rotation:");
        for line in moto
            .lambda_log(FUNCTION)
            .get(log_start..)
            .unwrap_or_default()
            .lines()
        {
            println!("    | {}", log_line(line));
        }
        let (after, new_pw) = (snap[0].current.clone(), snap[0].password.clone());
        ensure!(
            after != before,
            "AWSCURRENT did not move: the rotation did not finish\n{}",
            moto.lambda_log(FUNCTION)
        );
        ensure!(new_pw != my_pw, "the password did not change");
        my.exec_as(MY_USER, &new_pw, Some("metastore"), "SELECT 1")?;
        let old = my.exec_as(MY_USER, &my_pw, Some("metastore"), "SELECT 1");
        ensure!(
            old.is_err(),
            "the old password still logs in after a single-user rotation"
        );
        println!(
            "    AWSCURRENT {} -> {}; the new password logs in, the old one is refused",
            short(&before),
            short(&after)
        );
        println!(
            "    terraform apply -invoke=action.logexaminer_rollback_secret.mariadb (back to AWSPREVIOUS, database password to match)"
        );
        stream(
            &wd,
            &[
                "apply",
                "-auto-approve",
                "-input=false",
                "-no-color",
                "-invoke=action.logexaminer_rollback_secret.mariadb",
            ],
        )?;
        let back = aws.snapshot(None, &[&my_secret])?;
        ensure!(
            back[0].current == before && back[0].password == my_pw,
            "the rollback action did not return AWSCURRENT to the previous version"
        );
        my.exec_as(MY_USER, &my_pw, Some("metastore"), "SELECT 1")
            .context("the previous password does not log in after the rollback action")?;
        println!(
            "    AWSCURRENT back to {}; the previous password logs in again",
            short(&before)
        );
        self.done("MariaDB user rotated by the real function through all four steps, then rolled back on demand (actions)");

        // ------------------------------------------------------------------ 4. failed rotation
        self.step("rotation with a failure injected at testSecret (the database refuses the new login): rollback");
        let clone = format!("{PG_USER}_clone");
        inject_pg_reject(&pg, &clone)?;
        println!(
            "    injected out of band: pg_hba.conf `host all {clone} 127.0.0.1/32 reject` (the function is unchanged)"
        );
        let pg_before = snaps[1].current.clone();
        println!(
            "    terraform apply -invoke=action.logexaminer_rotate_secret.postgres (alternating users)"
        );
        let (ok, _, err) = stream_status(
            &wd,
            &[
                "apply",
                "-auto-approve",
                "-input=false",
                "-no-color",
                "-invoke=action.logexaminer_rotate_secret.postgres",
            ],
        )?;
        ensure!(
            !ok && err.contains("Rotation rolled back") && err.contains("testSecret"),
            "the action should fail with the rollback at testSecret:\n{err}"
        );
        println!("    the action failed the apply, as it must; its diagnostic:");
        for line in err.lines().filter(|l| !l.trim().is_empty()).take(8) {
            println!("    | {}", line.trim());
        }
        let snap = aws.snapshot(None, &[&pg_secret])?;
        let pg_after = snap[0].current.clone();
        ensure!(
            pg_after == pg_before,
            "AWSCURRENT moved although testSecret failed"
        );
        ensure!(
            snap[0].password == pg_pw,
            "AWSCURRENT's password changed although testSecret failed"
        );
        let stages = snap[0].stages.clone();
        ensure!(
            !stages.to_string().contains("AWSPENDING"),
            "AWSPENDING left behind: {stages}"
        );
        pg.exec_as(PG_USER, &pg_pw, Some("metastore"), "SELECT 1")
            .context("the old password no longer logs in after the rollback")?;
        println!(
            "    AWSCURRENT unchanged ({}), no AWSPENDING left; the old password still logs in",
            short(&pg_after)
        );
        let notice = aws.notice(&queue_url)?;
        println!("    SNS notice received:");
        for line in serde_json::to_string_pretty(&notice)?.lines() {
            println!("    | {line}");
        }
        ensure!(
            notice.to_string().contains("RotationRolledBack"),
            "unexpected notice: {notice}"
        );
        ensure!(
            !notice.to_string().contains(&pg_pw),
            "the notice holds the password"
        );
        remove_pg_reject(&pg)?;
        self.done(
            "failed rotation rolled back: AWSCURRENT unchanged, old password works, notice sent",
        );

        // ------------------------------------------------------------------ 5. drift
        self.step("drift: an out-of-band REVOKE, found by plan and corrected by apply");
        my.exec_as(
            "lx_admin",
            MY_ADMIN_PW,
            None,
            &format!("REVOKE INSERT ON metastore.* FROM '{MY_USER}'@'%'"),
        )?;
        println!("    lx_admin ran: REVOKE INSERT ON metastore.* FROM '{MY_USER}'@'%'");
        let plan = wd.plan(&["-detailed-exitcode"])?;
        ensure!(
            plan.code() == Some(2),
            "plan did not see the drift:\n{}",
            plan.stdout
        );
        print_changes(&plan.stdout);
        stream(
            &wd,
            &["apply", "-auto-approve", "-input=false", "-no-color"],
        )?;
        let grants = my.exec("SHOW GRANTS FOR 'metastore_rw'@'%'")?;
        ensure!(
            grants.contains("INSERT"),
            "INSERT not granted back: {grants}"
        );
        let plan = wd.plan(&["-detailed-exitcode"])?;
        ensure!(
            plan.code() == Some(0),
            "plan after the fix not empty:\n{}",
            plan.stdout
        );
        self.done("REVOKE detected by plan, INSERT granted back by apply, plan clean again");

        // ------------------------------------------------------------------ 6. tier policy and profile
        self.step("tier policy on a shared bucket, and the parameter profile's checks");
        let rules = aws.call(
            "s3",
            "get_bucket_lifecycle_configuration",
            json!({"Bucket": BUCKET}),
        )?;
        let ids: Vec<&str> = rules["Rules"]
            .as_array()
            .context("rules")?
            .iter()
            .filter_map(|r| r["ID"].as_str())
            .collect();
        println!("    lifecycle rules on {BUCKET}: {}", ids.join(", "));
        ensure!(
            ids.contains(&FOREIGN_RULE) && ids.len() > 1,
            "rules: {ids:?}"
        );
        println!(
            "    parameter profile for mysql8.0: {} parameters",
            outputs["profile_parameter_count"]["value"]
        );
        let bad = TfWorkdir::new(
            &[("main.tf", BAD_PROFILE)],
            &[Provider::logexaminer(&provider_bin)],
        )?;
        bad.init()?;
        let out = bad.run(&["validate", "-no-color"])?;
        ensure!(!out.success(), "the seed's mistakes validated");
        for line in out.stderr.lines().filter(|l| !l.trim().is_empty()).take(24) {
            println!("    | {}", line.trim_end());
        }
        ensure!(
            out.stderr.contains("query_cache_size") && out.stderr.contains("\"70\""),
            "{}",
            out.stderr
        );
        self.done("tier policy added its rules and kept the security team's; query_cache_size and \"70\" refused at validate");

        // ------------------------------------------------------------------ 7. destroy
        self.step("terraform destroy, and proof that nothing is left");
        stream(
            &wd,
            &["destroy", "-auto-approve", "-input=false", "-no-color"],
        )?;
        let my_users = my.exec(&format!(
            "SELECT User FROM mysql.user WHERE User LIKE '{MY_USER}%'"
        ))?;
        let pg_users = pg.exec(&format!(
            "SELECT rolname FROM pg_roles WHERE rolname LIKE '{PG_USER}%'"
        ))?;
        let after_destroy = moto.call_batch(&[
            (
                "secretsmanager",
                "list_secrets",
                json!({"IncludePlannedDeletion": true}),
            ),
            (
                "s3",
                "get_bucket_lifecycle_configuration",
                json!({"Bucket": BUCKET}),
            ),
        ])?;
        let (secrets, rules) = (&after_destroy[0], &after_destroy[1]);
        let left: Vec<String> = secrets["SecretList"]
            .as_array()
            .context("secrets")?
            .iter()
            .filter_map(|s| s["Name"].as_str())
            .filter(|n| !n.starts_with("demo/"))
            .map(str::to_owned)
            .collect();
        println!(
            "    MariaDB users {MY_USER}*: [{}]",
            my_users.split_whitespace().collect::<Vec<_>>().join(", ")
        );
        println!(
            "    PostgreSQL roles {PG_USER}*: [{}]",
            pg_users.split_whitespace().collect::<Vec<_>>().join(", ")
        );
        println!("    secrets besides the demo's admin secrets: {left:?}");
        println!("    lifecycle rules left on {BUCKET}: {}", rules["Rules"]);
        ensure!(my_users.trim().is_empty(), "MariaDB users left: {my_users}");
        ensure!(
            pg_users.trim().is_empty(),
            "PostgreSQL roles left: {pg_users}"
        );
        ensure!(left.is_empty(), "secrets left: {left:?}");
        self.done(
            "destroyed: no metastore user on either server, no user secret in Secrets Manager",
        );
        Ok(())
    }
}

/// The demo's Terraform configuration.
struct Config {
    my: u16,
    pg: u16,
    my_admin_arn: String,
    pg_admin_arn: String,
    topic_arn: String,
}

impl Config {
    fn render(&self, function_arn: Option<&str>, tier_policy: bool) -> String {
        let rotation = function_arn
            .map(|f| {
                format!(
                    r#"
resource "logexaminer_secret_rotation" "mariadb" {{
  secret_id                = logexaminer_db_user.mariadb.secret_arn
  rotation_function_arn    = "{f}"
  automatically_after_days = 30
  strategy                 = "single_user"
  notification_topic_arn   = "{topic}"
}}

resource "logexaminer_secret_rotation" "postgres" {{
  secret_id                = logexaminer_db_user.postgres.secret_arn
  rotation_function_arn    = "{f}"
  automatically_after_days = 30
  strategy                 = "alternating_users"
  notification_topic_arn   = "{topic}"
}}

# Day-2 operations, run with terraform apply -invoke=action.TYPE.NAME
action "logexaminer_rotate_secret" "mariadb" {{
  config {{
    secret_id   = logexaminer_secret_rotation.mariadb.secret_arn
    timeout     = "2m"
    check_login = true
    tls         = "disable"
  }}
}}

action "logexaminer_rollback_secret" "mariadb" {{
  config {{
    secret_id   = logexaminer_secret_rotation.mariadb.secret_arn
    check_login = true
    tls         = "disable"
  }}
}}

action "logexaminer_rotate_secret" "postgres" {{
  config {{
    secret_id = logexaminer_secret_rotation.postgres.secret_arn
    timeout   = "2m"
  }}
}}
"#,
                    topic = self.topic_arn
                )
            })
            .unwrap_or_default();
        let tiers = if tier_policy { TIER_POLICY } else { "" };
        format!(
            r#"
terraform {{
  required_providers {{
    logexaminer = {{ source = "logexaminer/logexaminer" }}
  }}
}}

provider "logexaminer" {{
  region                      = "us-east-1"
  s3_use_path_style           = true
  skip_credentials_validation = true
}}

# MariaDB: the metastore service's read-write user, no DDL.
resource "logexaminer_db_user" "mariadb" {{
  engine   = "mariadb"
  username = "{MY_USER}"
  endpoint {{
    host     = "127.0.0.1"
    port     = {my}
    database = "metastore"
    tls      = "disable"
  }}
  admin_secret_arn        = "{my_admin}"
  recovery_window_in_days = 0
  grant {{
    database   = "metastore"
    privileges = ["SELECT", "INSERT", "UPDATE", "DELETE"]
  }}
}}

# PostgreSQL: a read-only reporting user on the hive schema.
resource "logexaminer_db_user" "postgres" {{
  engine   = "postgres"
  username = "{PG_USER}"
  endpoint {{
    host     = "127.0.0.1"
    port     = {pg}
    database = "metastore"
    tls      = "disable"
  }}
  admin_secret_arn        = "{pg_admin}"
  recovery_window_in_days = 0
  grant {{
    database   = "metastore"
    privileges = ["CONNECT"]
  }}
  grant {{
    database    = "metastore"
    schema      = "hive"
    object_type = "schema"
    privileges  = ["USAGE"]
  }}
  grant {{
    database   = "metastore"
    schema     = "hive"
    privileges = ["SELECT"]
  }}
}}
{rotation}{tiers}
data "logexaminer_db_parameter_profile" "metastore" {{
  family         = "mysql8.0"
  engine_version = "8.0.39"
  instance_class = "db.r6g.large"
}}

output "mariadb_secret_arn" {{ value = logexaminer_db_user.mariadb.secret_arn }}
output "postgres_secret_arn" {{ value = logexaminer_db_user.postgres.secret_arn }}
output "mariadb_binding" {{ value = logexaminer_db_user.mariadb.rotation_binding }}
output "postgres_binding" {{ value = logexaminer_db_user.postgres.rotation_binding }}
output "profile_parameter_count" {{ value = length(data.logexaminer_db_parameter_profile.metastore.parameters) }}
"#,
            my = self.my,
            pg = self.pg,
            my_admin = self.my_admin_arn,
            pg_admin = self.pg_admin_arn,
        )
    }
}

const TIER_POLICY: &str = r#"
resource "logexaminer_s3_tier_policy" "raw_logs" {
  bucket = "logexaminer-demo-raw-logs"
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
      days          = 180
      storage_class = "DEEP_ARCHIVE"
    }
    expiration_days = 730
  }
}
"#;

/// The seed configuration's mistakes: a parameter MySQL 8.0 removed and a buffer pool of 70 bytes.
const BAD_PROFILE: &str = r#"
terraform {
  required_providers {
    logexaminer = { source = "logexaminer/logexaminer" }
  }
}

data "logexaminer_db_parameter_profile" "seed" {
  family         = "mysql8.0"
  instance_class = "db.r6g.large"
  overrides = {
    query_cache_size        = "1048576"
    innodb_buffer_pool_size = "70"
  }
}
"#;

fn setup_mariadb(my: &MariaDb) -> Result<()> {
    my.exec(&format!(
        "CREATE DATABASE metastore; CREATE TABLE metastore.TBLS (id INT); INSERT INTO metastore.TBLS VALUES (1), (2); \
         CREATE TABLE metastore.DBS (id INT); \
         CREATE USER 'lx_admin'@'%' IDENTIFIED BY '{MY_ADMIN_PW}'; \
         GRANT CREATE USER ON *.* TO 'lx_admin'@'%'; \
         GRANT SELECT ON mysql.* TO 'lx_admin'@'%'; \
         GRANT ALL PRIVILEGES ON metastore.* TO 'lx_admin'@'%' WITH GRANT OPTION;"
    ))?;
    Ok(())
}

fn my_admin_grants(my: &MariaDb) -> Result<String> {
    let grants = my.exec("SHOW GRANTS FOR 'lx_admin'@'%'")?;
    ensure!(
        !grants.contains("SUPER") && !grants.contains("ALL PRIVILEGES ON *.*"),
        "{grants}"
    );
    Ok("CREATE USER, SELECT on mysql.*, ALL on metastore.* WITH GRANT OPTION (no SUPER, nothing else global)".into())
}

fn setup_postgres(pg: &Postgres) -> Result<()> {
    pg.exec(&format!(
        "CREATE ROLE lx_admin LOGIN CREATEROLE PASSWORD '{PG_ADMIN_PW}'; CREATE DATABASE metastore OWNER lx_admin;"
    ))?;
    pg.exec_as(
        "lx_admin",
        PG_ADMIN_PW,
        Some("metastore"),
        "CREATE SCHEMA hive; CREATE TABLE hive.tbls (id int); INSERT INTO hive.tbls VALUES (1), (2), (3);",
    )?;
    Ok(())
}

const HBA_MARK: &str = "# logexaminer demo: injected failure";

/// pg_hba.conf is read top down, first match wins: the reject line goes first.
fn inject_pg_reject(pg: &Postgres, user: &str) -> Result<()> {
    let path = pg.dir().join("data/pg_hba.conf");
    let hba =
        std::fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))?;
    std::fs::write(
        &path,
        format!("host all {user} 127.0.0.1/32 reject {HBA_MARK}\n{hba}"),
    )
    .with_context(|| format!("writing {}", path.display()))?;
    pg.exec("SELECT pg_reload_conf()")?;
    Ok(())
}

fn remove_pg_reject(pg: &Postgres) -> Result<()> {
    let path = pg.dir().join("data/pg_hba.conf");
    let hba = std::fs::read_to_string(&path)?;
    let kept: String = hba
        .lines()
        .filter(|l| !l.contains(HBA_MARK))
        .map(|l| format!("{l}\n"))
        .collect();
    std::fs::write(&path, kept)?;
    pg.exec("SELECT pg_reload_conf()")?;
    Ok(())
}

/// A secret as Secrets Manager has it.
struct Snap {
    /// The AWSCURRENT version.
    current: String,
    /// Its password (never printed).
    password: String,
    /// VersionIdsToStages.
    stages: Value,
}

/// AWS calls through moto (boto3 in the rig's venv).
struct Aws<'a>(&'a Moto);

impl Aws<'_> {
    fn call(&self, service: &str, op: &str, args: Value) -> Result<Value> {
        self.0.call(service, op, &args)
    }

    /// Runs `first` (if any), then reads each secret's AWSCURRENT version, its password and all stages, in one
    /// boto3 process.
    fn snapshot(&self, first: Option<(&str, &str, Value)>, secrets: &[&str]) -> Result<Vec<Snap>> {
        let mut calls: Vec<(&str, &str, Value)> = first.into_iter().collect();
        let skip = calls.len();
        for secret in secrets {
            calls.push((
                "secretsmanager",
                "describe_secret",
                json!({"SecretId": secret}),
            ));
            calls.push((
                "secretsmanager",
                "get_secret_value",
                json!({"SecretId": secret, "VersionStage": "AWSCURRENT"}),
            ));
        }
        let out = self.0.call_batch(&calls)?;
        out[skip..]
            .chunks(2)
            .map(|pair| {
                let stages = pair[0]["VersionIdsToStages"].clone();
                let value: Value = serde_json::from_str(
                    pair[1]["SecretString"]
                        .as_str()
                        .context("no SecretString")?,
                )?;
                Ok(Snap {
                    current: pair[1]["VersionId"]
                        .as_str()
                        .context("no VersionId")?
                        .to_owned(),
                    password: value["password"]
                        .as_str()
                        .context("no password")?
                        .to_owned(),
                    stages,
                })
            })
            .collect()
    }

    /// Zips `bootstrap` (its debug sections stripped: half the size to upload and unpack) into `zip` and
    /// creates the function from it.
    fn deploy_function(
        &self,
        bootstrap: &Path,
        zip: &Path,
        bindings: &Value,
        topic_arn: &str,
    ) -> Result<String> {
        let stripped = zip.with_file_name("bootstrap");
        let status = std::process::Command::new("strip")
            .arg("--strip-debug")
            .arg("-o")
            .arg(&stripped)
            .arg(bootstrap)
            .status()
            .context("running strip (binutils, which the Rust toolchain's linker needs anyway)")?;
        ensure!(status.success(), "strip {} failed", bootstrap.display());
        let status = std::process::Command::new(venv_python()?)
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
        let env: BTreeMap<&str, String> = BTreeMap::from([
            ("ROTATION_BINDINGS", bindings.to_string()),
            ("NOTIFY_TOPIC_ARN", topic_arn.to_owned()),
            // The demo's servers listen on loopback without TLS; against RDS the function verifies TLS.
            ("DB_TLS", "disable".to_owned()),
            ("ALLOW_PLAINTEXT", "true".to_owned()),
            ("RUST_LOG", "info".to_owned()),
        ]);
        // arn:aws:sns:REGION:ACCOUNT:NAME -> the role's ARN in that account.
        let account = topic_arn
            .split(':')
            .nth(4)
            .context("account in the topic ARN")?;
        let out = self.0.call_batch(&[
            (
                "iam",
                "create_role",
                json!({"RoleName": "metastore-rotation", "AssumeRolePolicyDocument": json!({"Version": "2012-10-17",
                    "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]}).to_string()}),
            ),
            (
                "lambda",
                "create_function",
                json!({"FunctionName": FUNCTION, "Runtime": "provided.al2023", "Handler": "bootstrap",
                       "Role": format!("arn:aws:iam::{account}:role/metastore-rotation"), "Timeout": 60, "MemorySize": 256,
                       "Environment": {"Variables": env},
                       "Code": {"ZipFilePath": zip.to_string_lossy()}}),
            ),
            (
                "lambda",
                "add_permission",
                json!({"FunctionName": FUNCTION, "StatementId": "AllowSecretsManager", "Action": "lambda:InvokeFunction",
                       "Principal": "secretsmanager.amazonaws.com"}),
            ),
        ])?;
        Ok(out[1]["FunctionArn"]
            .as_str()
            .context("function ARN")?
            .to_owned())
    }

    /// The first rotation notice delivered to the queue (SNS wraps it in its envelope).
    fn notice(&self, queue_url: &str) -> Result<Value> {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let r = self.call(
                "sqs",
                "receive_message",
                json!({"QueueUrl": queue_url, "MaxNumberOfMessages": 10, "WaitTimeSeconds": 1}),
            )?;
            if let Some(messages) = r["Messages"].as_array() {
                for m in messages {
                    let body: Value = serde_json::from_str(m["Body"].as_str().unwrap_or("{}"))?;
                    let inner = body["Message"].as_str().unwrap_or_default();
                    let notice: Value =
                        serde_json::from_str(inner).unwrap_or(Value::String(inner.to_owned()));
                    if notice.to_string().contains("RolledBack")
                        || notice.to_string().contains("Failed")
                    {
                        return Ok(notice);
                    }
                }
            }
            if Instant::now() > deadline {
                bail!("no rotation notice arrived on the queue within 20 s");
            }
        }
    }
}

fn merge(binding: &Value, strategy: &str) -> Result<Value> {
    let mut b: Value = serde_json::from_str(binding.as_str().context("binding is not a string")?)?;
    b["strategy"] = json!(strategy);
    Ok(b)
}

/// Runs `f` while printing a progress line every few seconds.
fn progress<T>(what: &str, f: impl FnOnce() -> Result<T>) -> Result<T> {
    let start = Instant::now();
    println!("    {what} ...");
    let _ = std::io::stdout().flush();
    let stop = Arc::new(AtomicBool::new(false));
    let ticker = {
        let stop = Arc::clone(&stop);
        let what = what.to_owned();
        thread::spawn(move || {
            let mut n = 0;
            while !stop.load(Ordering::Relaxed) {
                thread::sleep(Duration::from_millis(250));
                n += 1;
                if n % 20 == 0 && !stop.load(Ordering::Relaxed) {
                    println!("    ... {what}: {} s", start.elapsed().as_secs());
                }
            }
        })
    };
    let result = f();
    stop.store(true, Ordering::Relaxed);
    let _ = ticker.join();
    println!(
        "    {what}: {} in {:.1} s",
        if result.is_ok() { "done" } else { "FAILED" },
        start.elapsed().as_secs_f64()
    );
    result
}

/// Runs terraform with its progress lines (creating, modifying, destroying, complete) shown as they come.
fn stream(wd: &TfWorkdir, args: &[&str]) -> Result<String> {
    let (ok, out, err) = stream_status(wd, args)?;
    if !ok {
        bail!("terraform {} failed:\n{out}\n{err}", args.join(" "));
    }
    Ok(out)
}

/// Like [`stream`], returning whether Terraform succeeded with its stdout and stderr.
fn stream_status(wd: &TfWorkdir, args: &[&str]) -> Result<(bool, String, String)> {
    let start = Instant::now();
    println!("    terraform {}", args[0]);
    let mut child = wd
        .command(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .context("starting terraform")?;
    let stderr = child.stderr.take().context("stderr")?;
    let err = Arc::new(Mutex::new(String::new()));
    let err_reader = {
        let err = Arc::clone(&err);
        thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if let Ok(mut e) = err.lock() {
                    e.push_str(&line);
                    e.push('\n');
                }
            }
        })
    };
    let mut out = String::new();
    for line in BufReader::new(child.stdout.take().context("stdout")?)
        .lines()
        .map_while(Result::ok)
    {
        if line.contains(": Creating...")
            || line.contains(": Modifying...")
            || line.contains(": Destroying...")
            || line.contains("complete after")
            || line.contains("Still ")
            || line.starts_with("Apply complete!")
            || line.starts_with("Destroy complete!")
            || line.starts_with("Plan:")
            || line.starts_with("Action ")
        {
            println!("    | {line}");
        }
        out.push_str(&line);
        out.push('\n');
    }
    let status = child.wait().context("waiting for terraform")?;
    let _ = err_reader.join();
    let err = err.lock().map(|e| e.clone()).unwrap_or_default();
    println!(
        "    terraform {}: {:.1} s{}",
        args[0],
        start.elapsed().as_secs_f64(),
        if status.success() { "" } else { " (failed)" }
    );
    Ok((status.success(), out, err))
}

/// The resource changes of a plan (from the first `#` line to the `Plan:` line).
fn print_changes(plan: &str) {
    let mut on = false;
    for line in plan.lines() {
        on |= line.trim_start().starts_with("# ");
        if on && !line.trim().is_empty() {
            println!("    | {}", line.trim_end());
        }
        if line.starts_with("Plan:") {
            break;
        }
    }
}

/// A line of the function's log, shortened: its metric lines (CloudWatch embedded metric format, one JSON
/// object per step) as `step: outcome, duration, calls`.
fn log_line(line: &str) -> String {
    if let Ok(v) = serde_json::from_str::<Value>(line)
        && let Some(step) = v["Step"].as_str()
    {
        return format!(
            "{step}: {} in {:.0} ms, {} Secrets Manager calls",
            v["Outcome"].as_str().unwrap_or("?"),
            v["StepDuration"].as_f64().unwrap_or_default(),
            v["SecretsManagerCalls"]
        );
    }
    shorten(line.trim(), 110)
}

fn first_line(e: &anyhow::Error) -> String {
    let text = format!("{e:#}");
    text.lines()
        .find(|l| l.contains("ERROR") || l.contains("denied"))
        .unwrap_or_else(|| text.lines().last().unwrap_or_default())
        .trim()
        .to_owned()
}

fn short(version: &str) -> &str {
    version.get(..8).unwrap_or(version)
}

fn shorten(line: &str, max: usize) -> String {
    if line.chars().count() <= max {
        line.to_owned()
    } else {
        format!("{}...", line.chars().take(max).collect::<String>())
    }
}
