//! `logexaminer_rotate_secret`, `logexaminer_rollback_secret` and `logexaminer_check_login` with the
//! real rotation function: moto's launcher runs the function's `bootstrap` under the local Lambda
//! runtime API emulator when Secrets Manager rotates or the rollback action invokes it, against
//! throwaway MariaDB, Oracle MySQL and PostgreSQL servers, all under a real Terraform core.
//!
//! Per engine: a rotation through the action (progress, the new version, the new password logs in,
//! the old one no longer does for a single user, the login proved), a failure injected out of band
//! (PostgreSQL: the clone's login refused at testSecret; MariaDB: the user locked at setSecret) ending as "rolled back" with the function's reason, a non-zero
//! exit and AWSCURRENT unchanged and still logging in, a rollback after a good rotation restoring the
//! previous password on both sides. No password appears in any output, Terraform's TRACE log, the
//! function's log or state.

use std::path::PathBuf;

use anyhow::{Context, Result, ensure};
use serde_json::{Value, json};
use test_support::{Moto, MysqlFamily, Output, Postgres, Provider, RotationFunction, TfWorkdir};

const PG_ADMIN_PW: &str = "lx-admin-pw-rot-actions-0123456789ab";
const MY_ADMIN_PW: &str = "lx-admin-pw-rot-actions-ba9876543210";

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

fn provider_bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_terraform-provider-logexaminer"))
}

fn sm(moto: &Moto, op: &str, args: Value) -> Result<Value> {
    moto.call("secretsmanager", op, &args)
}

/// AWSCURRENT's version and password (never printed).
fn current(moto: &Moto, arn: &str) -> Result<(String, String)> {
    let r = sm(moto, "get_secret_value", json!({"SecretId": arn}))?;
    let v: Value = serde_json::from_str(r["SecretString"].as_str().context("SecretString")?)?;
    Ok((
        r["VersionId"].as_str().context("VersionId")?.to_owned(),
        v["password"].as_str().context("password")?.to_owned(),
    ))
}

fn invoke(wd: &TfWorkdir, action: &str) -> Result<Output> {
    wd.run(&[
        "apply",
        "-auto-approve",
        "-input=false",
        "-no-color",
        &format!("-invoke=action.{action}"),
    ])
}

struct Engine<'a> {
    name: &'a str,
    port: u16,
    admin_pw: &'a str,
    /// Runs SQL as `svc_rot` with a password: Ok when it logs in.
    login: &'a dyn Fn(&str, &str) -> Result<String>,
    /// Runs SQL as a user with a password.
    login_as: &'a dyn Fn(&str, &str, &str) -> Result<String>,
    /// Which secret the injected failure hits (`svc`: single user, `alt`: alternating users).
    fail_secret: &'a str,
    /// The account whose logins are refused.
    refused_account: &'a str,
    /// The step that then fails.
    fail_step: &'a str,
    /// Makes the database refuse `user`'s logins (out of band), or allows them again.
    refuse: &'a dyn Fn(&str, bool) -> Result<()>,
}

fn config(e: &Engine, admin_arn: &str, function_arn: Option<&str>) -> String {
    let database = if e.name == "postgres" {
        "\n    database = \"metastore\""
    } else {
        ""
    };
    let grants = if e.name == "postgres" {
        r#"
  grant {
    database   = "metastore"
    privileges = ["CONNECT"]
  }"#
    } else {
        r#"
  grant {
    database   = "metastore"
    privileges = ["SELECT"]
  }"#
    };
    let rotation = function_arn.map_or(String::new(), |f| {
        let mut out = String::new();
        for (name, strategy) in [("svc", "single_user"), ("alt", "alternating_users")] {
            out.push_str(&format!(
                r#"
resource "logexaminer_secret_rotation" "{name}" {{
  secret_id                = logexaminer_db_user.{name}.secret_arn
  rotation_function_arn    = "{f}"
  strategy                 = "{strategy}"
  automatically_after_days = 30
}}

action "logexaminer_rotate_secret" "{name}" {{
  config {{
    secret_id   = logexaminer_secret_rotation.{name}.secret_arn
    timeout     = "60s"
    check_login = true
    tls         = "disable"
  }}
}}

action "logexaminer_rollback_secret" "{name}" {{
  config {{
    secret_id   = logexaminer_secret_rotation.{name}.secret_arn
    check_login = true
    tls         = "disable"
  }}
}}
"#
            ));
        }
        out
    });
    let mut users = String::new();
    for name in ["svc", "alt"] {
        users.push_str(&format!(
            r#"
resource "logexaminer_db_user" "{name}" {{
  engine   = "{engine}"
  username = "{name}_rot"
  endpoint {{
    host = "127.0.0.1"
    port = {port}{database}
    tls  = "disable"
  }}
  admin_secret_arn        = "{admin_arn}"
  recovery_window_in_days = 0
{grants}
}}
output "{name}_binding" {{
  value = logexaminer_db_user.{name}.rotation_binding
}}
output "{name}_secret_arn" {{
  value = logexaminer_db_user.{name}.secret_arn
}}
"#,
            engine = e.name,
            port = e.port,
        ));
    }
    format!("{HEADER}{users}{rotation}")
}

fn flow(moto: &Moto, e: &Engine) -> Result<()> {
    let admin = sm(
        moto,
        "create_secret",
        json!({"Name": format!("test/admin-{}", e.name), "SecretString": json!({"engine": e.name, "host": "127.0.0.1",
               "port": e.port, "username": "lx_admin", "password": e.admin_pw, "dbname": "metastore"}).to_string()}),
    )?;
    let admin_arn = admin["ARN"].as_str().context("ARN")?.to_owned();
    let mut wd = TfWorkdir::new(&[], &[Provider::logexaminer(provider_bin())])?;
    wd.set_envs(moto.env());
    let tf_log = wd.dir().join("terraform.log");
    wd.set_env("TF_LOG", "TRACE");
    wd.set_env("TF_LOG_PATH", tf_log.to_string_lossy().to_string());
    wd.write_file("main.tf", &config(e, &admin_arn, None))?;
    wd.init()?;
    wd.apply(&[])?;
    let outputs = wd.output_json()?;
    let arn_of = |name: &str| -> Result<String> {
        Ok(outputs[format!("{name}_secret_arn")]["value"]
            .as_str()
            .context("secret_arn")?
            .to_owned())
    };
    let binding_of = |name: &str, strategy: &str| -> Result<Value> {
        let mut b: Value = serde_json::from_str(
            outputs[format!("{name}_binding")]["value"]
                .as_str()
                .context("binding")?,
        )?;
        b["strategy"] = json!(strategy);
        Ok(b)
    };
    let arn = arn_of("svc")?;
    let alt_arn = arn_of("alt")?;
    let bindings = json!({
        "svc": binding_of("svc", "single_user")?,
        "alt": binding_of("alt", "alternating_users")?,
    });
    let bootstrap = test_support::bootstrap_beside(&provider_bin())?;
    let function = RotationFunction {
        name: &format!("rotation-{}", e.name),
        bootstrap: &bootstrap,
        workdir: &wd.dir(),
        bindings,
        topic_arn: None,
        plaintext: true,
    }
    .deploy(moto)?;
    wd.write_file("main.tf", &config(e, &admin_arn, Some(&function)))?;
    wd.apply(&[])?;
    let mut outputs: Vec<Output> = Vec::new();

    // 1. A rotation through the action.
    let (v0, p0) = current(moto, &arn)?;
    let out = invoke(&wd, "logexaminer_rotate_secret.svc")?;
    ensure!(
        out.success(),
        "{}: rotate failed:\n{}\n{}\n{}",
        e.name,
        out.stdout,
        out.stderr,
        moto.lambda_log(&format!("rotation-{}", e.name))
    );
    let (v1, p1) = current(moto, &arn)?;
    ensure!(v1 != v0 && p1 != p0, "{}: AWSCURRENT did not move", e.name);
    for line in [
        format!("Starting a rotation of {arn} (AWSCURRENT is version {v0})"),
        format!("Rotated: AWSCURRENT is now version {v1}"),
        "AWSCURRENT logs in as svc_rot@127.0.0.1:".to_owned(),
    ] {
        ensure!(
            out.stdout.contains(&line),
            "{}: progress {line:?} missing:\n{}",
            e.name,
            out.stdout
        );
    }
    (e.login)(&p1, "SELECT 1").context("the new password does not log in")?;
    ensure!(
        (e.login)(&p0, "SELECT 1").is_err(),
        "{}: the old password still logs in after a single-user rotation",
        e.name
    );
    outputs.push(out);

    // 2. A failure injected out of band (the database refuses a login the step needs): rolled back,
    // with the step and the database's reason, AWSCURRENT unchanged and still logging in.
    let failing_arn = if e.fail_secret == "svc" {
        &arn
    } else {
        &alt_arn
    };
    let (fv, fp) = current(moto, failing_arn)?;
    (e.refuse)(e.refused_account, true)?;
    let out = invoke(&wd, &format!("logexaminer_rotate_secret.{}", e.fail_secret))?;
    (e.refuse)(e.refused_account, false)?;
    ensure!(
        out.code() == Some(1)
            && out.stderr.contains("Rotation rolled back")
            && out
                .stderr
                .contains(&format!("rolled back: {}", e.fail_step)),
        "{}: expected a rollback at {}:\n{}\n{}",
        e.name,
        e.fail_step,
        out.stdout,
        out.stderr
    );
    let (fv2, fp2) = current(moto, failing_arn)?;
    ensure!(
        fv2 == fv && fp2 == fp,
        "{}: AWSCURRENT changed although the rotation rolled back",
        e.name
    );
    let who = if e.fail_secret == "svc" {
        "svc_rot"
    } else {
        "alt_rot"
    };
    (e.login_as)(who, &fp, "SELECT 1")
        .context("AWSCURRENT no longer logs in after the rollback")?;
    outputs.push(out);

    // 3. A rollback after the good rotation: the previous password again, on both sides.
    let out = invoke(&wd, "logexaminer_rollback_secret.svc")?;
    ensure!(
        out.success()
            && out
                .stdout
                .contains(&format!("Rolled back: AWSCURRENT is version {v0}")),
        "{}: rollback failed:\n{}\n{}",
        e.name,
        out.stdout,
        out.stderr
    );
    let (v3, p3) = current(moto, &arn)?;
    ensure!(
        v3 == v0 && p3 == p0,
        "{}: AWSCURRENT is not the previous version",
        e.name
    );
    (e.login)(&p0, "SELECT 1")
        .context("the previous password does not log in after the rollback")?;
    outputs.push(out);

    // Nothing secret anywhere.
    let mut all: String = outputs
        .iter()
        .map(|o| format!("{}\n{}", o.stdout, o.stderr))
        .collect();
    all.push_str(&wd.state_raw()?);
    // Terraform's and the provider's TRACE log, and the function's log.
    all.push_str(&std::fs::read_to_string(&tf_log).context("TF_LOG_PATH")?);
    all.push_str(&moto.lambda_log(&format!("rotation-{}", e.name)));
    for (what, pw) in [
        ("first", &p0),
        ("rotated", &p1),
        ("admin", &e.admin_pw.to_owned()),
    ] {
        ensure!(
            !all.contains(pw.as_str()),
            "{}: the {what} password leaked",
            e.name
        );
    }
    wd.destroy()?;
    Ok(())
}

/// MariaDB and Oracle MySQL: single user locked out of band, so setSecret (logged in as the user)
/// fails for good and the function rolls back.
fn mysql_family(engine: &str) -> Result<()> {
    let moto = Moto::start()?;
    let db = MysqlFamily::start(engine)?;
    db.exec(&format!(
        "CREATE DATABASE metastore; CREATE USER 'lx_admin'@'%' IDENTIFIED BY '{MY_ADMIN_PW}'; \
         GRANT CREATE USER ON *.* TO 'lx_admin'@'%'; GRANT SELECT ON mysql.* TO 'lx_admin'@'%'; \
         GRANT ALL PRIVILEGES ON metastore.* TO 'lx_admin'@'%' WITH GRANT OPTION;"
    ))?;
    let login = |pw: &str, sql: &str| db.exec_as("svc_rot", pw, Some("metastore"), sql);
    let login_as = |u: &str, pw: &str, sql: &str| db.exec_as(u, pw, Some("metastore"), sql);
    // A locked account refuses every login; the function's ALTER USER ... IDENTIFIED BY keeps the lock.
    let refuse = |user: &str, on: bool| -> Result<()> {
        let lock = if on { "LOCK" } else { "UNLOCK" };
        db.exec(&format!("ALTER USER '{user}'@'%' ACCOUNT {lock};"))
            .map(|_| ())
    };
    flow(
        &moto,
        &Engine {
            name: engine,
            port: db.port(),
            admin_pw: MY_ADMIN_PW,
            login: &login,
            login_as: &login_as,
            // Single user: the function sets the new password logged in as the user, which the lock
            // refuses for good (not a network error that Secrets Manager would retry).
            fail_secret: "svc",
            refused_account: "svc_rot",
            fail_step: "setSecret",
            refuse: &refuse,
        },
    )
}

#[test]
fn mariadb_rotate_rollback_and_a_failed_rotation() -> Result<()> {
    mysql_family("mariadb")
}

#[test]
fn mysql_rotate_rollback_and_a_failed_rotation() -> Result<()> {
    mysql_family("mysql")
}

#[test]
fn postgres_rotate_rollback_and_a_failed_rotation() -> Result<()> {
    let moto = Moto::start()?;
    let pg = Postgres::start()?;
    pg.exec(&format!(
        "CREATE ROLE lx_admin LOGIN CREATEROLE PASSWORD '{PG_ADMIN_PW}'; CREATE DATABASE metastore OWNER lx_admin;"
    ))?;
    let login = |pw: &str, sql: &str| pg.exec_as("svc_rot", pw, Some("metastore"), sql);
    let login_as = |u: &str, pw: &str, sql: &str| pg.exec_as(u, pw, Some("metastore"), sql);
    const MARK: &str = "# rotation_actions: injected failure";
    let refuse = |user: &str, on: bool| -> Result<()> {
        let path = pg.dir().join("data/pg_hba.conf");
        let hba = std::fs::read_to_string(&path)?;
        let kept: String = hba
            .lines()
            .filter(|l| !l.contains(MARK))
            .map(|l| format!("{l}\n"))
            .collect();
        let new = if on {
            format!("host all {user} 127.0.0.1/32 reject {MARK}\n{kept}")
        } else {
            kept
        };
        std::fs::write(&path, new)?;
        pg.exec("SELECT pg_reload_conf()").map(|_| ())
    };
    flow(
        &moto,
        &Engine {
            name: "postgres",
            port: pg.port(),
            admin_pw: PG_ADMIN_PW,
            login: &login,
            login_as: &login_as,
            // Alternating users: the admin prepares the clone, then testSecret logs in as the clone,
            // which pg_hba.conf rejects.
            fail_secret: "alt",
            refused_account: "alt_rot_clone",
            fail_step: "testSecret",
            refuse: &refuse,
        },
    )
}
