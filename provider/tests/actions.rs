//! The day-2 actions through a real Terraform core against moto and real databases:
//! `logexaminer_check_login` on PostgreSQL, MariaDB and Oracle MySQL (after create through `action_trigger`, on demand with `-invoke`, failing
//! on a revoked privilege, never printing the password) and the refusals of
//! `logexaminer_rotate_secret` / `logexaminer_rollback_secret` (missing secret, no rotation function,
//! a rotation in progress, nothing to roll back to), each changing nothing, and a bounded wait.
//! Rotations that run the real function are in `rotation_actions.rs`.

use std::path::PathBuf;

use anyhow::{Context, Result, ensure};
use serde_json::{Value, json};
use test_support::{Moto, MysqlFamily, Output, Postgres, Provider, TfWorkdir};

const PG_ADMIN_PW: &str = "lx-admin-pw-actions-0123456789abcdef";
const MY_ADMIN_PW: &str = "lx-admin-pw-actions-fedcba9876543210";

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

fn provider() -> Provider {
    Provider::logexaminer(PathBuf::from(env!(
        "CARGO_BIN_EXE_terraform-provider-logexaminer"
    )))
}

fn workdir(moto: &Moto, body: &str) -> Result<TfWorkdir> {
    let mut wd = TfWorkdir::new(&[("main.tf", &format!("{HEADER}{body}"))], &[provider()])?;
    wd.set_envs(moto.env());
    wd.init()?;
    Ok(wd)
}

fn sm(moto: &Moto, op: &str, args: Value) -> Result<Value> {
    moto.call("secretsmanager", op, &args)
}

fn admin_secret(moto: &Moto, engine: &str, port: u16, password: &str) -> Result<String> {
    let value = json!({"engine": engine, "host": "127.0.0.1", "port": port, "username": "lx_admin", "password": password});
    let r = sm(
        moto,
        "create_secret",
        json!({"Name": format!("test/admin-{engine}"), "SecretString": value.to_string()}),
    )?;
    Ok(r["ARN"].as_str().context("ARN")?.to_owned())
}

fn user_config(engine: &str, port: u16, admin_arn: &str, grants: &str) -> String {
    let database = if engine == "postgres" {
        "\n    database = \"metastore\""
    } else {
        ""
    };
    format!(
        r#"
resource "logexaminer_db_user" "svc" {{
  engine   = "{engine}"
  username = "hive_svc"
  endpoint {{
    host = "127.0.0.1"
    port = {port}{database}
    tls  = "disable"
  }}
  admin_secret_arn        = "{admin_arn}"
  recovery_window_in_days = 0
{grants}
  lifecycle {{
    action_trigger {{
      events  = [after_create, after_update]
      actions = [action.logexaminer_check_login.svc]
    }}
  }}
}}

action "logexaminer_check_login" "svc" {{
  config {{
    secret_id = logexaminer_db_user.svc.secret_arn
    tls       = "disable"
{grants}
  }}
}}
"#
    )
}

const PG_GRANTS: &str = r#"
    grant {
      database   = "metastore"
      privileges = ["CONNECT"]
    }
    grant {
      database    = "metastore"
      schema      = "hive"
      object_type = "schema"
      privileges  = ["USAGE"]
    }
    grant {
      database   = "metastore"
      schema     = "hive"
      privileges = ["SELECT", "INSERT", "UPDATE"]
    }
"#;

const MY_GRANTS: &str = r#"
    grant {
      database   = "metastore"
      privileges = ["SELECT", "INSERT", "UPDATE"]
    }
"#;

fn everything(out: &[&Output], wd: &TfWorkdir) -> Result<String> {
    let mut all: String = out
        .iter()
        .map(|o| format!("{}\n{}\n", o.stdout, o.stderr))
        .collect();
    all.push_str(&wd.state_raw()?);
    Ok(all)
}

/// Creates the user through Terraform, proves the login after create, then after an out-of-band REVOKE
/// the on-demand check fails naming what is missing. The password appears nowhere.
fn check_login_flow(
    moto: &Moto,
    engine: &str,
    port: u16,
    admin_arn: &str,
    grants: &str,
    revoke: &dyn Fn() -> Result<String>,
) -> Result<()> {
    let wd = workdir(moto, &user_config(engine, port, admin_arn, grants))?;
    let created = wd.apply(&[])?;
    ensure!(
        created.stdout.contains("hive_svc@127.0.0.1:")
            && created
                .stdout
                .contains("logs in and holds the expected privileges"),
        "{engine}: the triggered check should report the login:\n{}",
        created.stdout
    );
    let arn = {
        let state = wd.show_json()?;
        state["values"]["root_module"]["resources"][0]["values"]["secret_arn"]
            .as_str()
            .context("secret_arn")?
            .to_owned()
    };
    let again = wd.apply(&["-invoke=action.logexaminer_check_login.svc"])?;
    ensure!(again.stdout.contains("logs in"), "{}", again.stdout);

    revoke()?;
    let failed = wd.run(&[
        "apply",
        "-auto-approve",
        "-input=false",
        "-no-color",
        "-invoke=action.logexaminer_check_login.svc",
    ])?;
    ensure!(
        failed.code() == Some(1)
            && failed.stderr.contains("Privileges missing")
            && failed.stderr.contains("GRANT")
            && failed.stderr.contains("INSERT"),
        "{engine}: a revoked privilege must fail the check:\n{}\n{}",
        failed.stdout,
        failed.stderr
    );

    let secret = sm(moto, "get_secret_value", json!({"SecretId": arn}))?;
    let value: Value =
        serde_json::from_str(secret["SecretString"].as_str().context("SecretString")?)?;
    let password = value["password"].as_str().context("password")?;
    let all = everything(&[&created, &again, &failed], &wd)?;
    ensure!(
        !all.contains(password),
        "{engine}: the password leaked into output or state"
    );
    wd.destroy()?;
    Ok(())
}

#[test]
fn postgres_check_login_after_create_and_on_demand() -> Result<()> {
    let moto = Moto::start()?;
    let pg = Postgres::start()?;
    pg.exec(&format!(
        "CREATE ROLE lx_admin LOGIN CREATEROLE PASSWORD '{PG_ADMIN_PW}'; CREATE DATABASE metastore OWNER lx_admin;"
    ))?;
    pg.exec_as(
        "lx_admin",
        PG_ADMIN_PW,
        Some("metastore"),
        "CREATE SCHEMA hive; CREATE TABLE hive.tbls (id int); CREATE TABLE hive.dbs (id int);",
    )?;
    let admin = admin_secret(&moto, "postgres", pg.port(), PG_ADMIN_PW)?;
    check_login_flow(&moto, "postgres", pg.port(), &admin, PG_GRANTS, &|| {
        pg.exec_as(
            "lx_admin",
            PG_ADMIN_PW,
            Some("metastore"),
            "REVOKE INSERT ON hive.tbls FROM hive_svc;",
        )
    })
}

fn mysql_family_check_login(engine: &str) -> Result<()> {
    let moto = Moto::start()?;
    let db = MysqlFamily::start(engine)?;
    db.exec(&format!(
        "CREATE DATABASE metastore; CREATE TABLE metastore.TBLS (id INT); \
         CREATE USER 'lx_admin'@'%' IDENTIFIED BY '{MY_ADMIN_PW}'; \
         GRANT CREATE USER ON *.* TO 'lx_admin'@'%'; GRANT SELECT ON mysql.* TO 'lx_admin'@'%'; \
         GRANT ALL PRIVILEGES ON metastore.* TO 'lx_admin'@'%' WITH GRANT OPTION;"
    ))?;
    let admin = admin_secret(&moto, engine, db.port(), MY_ADMIN_PW)?;
    check_login_flow(&moto, engine, db.port(), &admin, MY_GRANTS, &|| {
        db.exec("REVOKE INSERT ON metastore.* FROM 'hive_svc'@'%';")
    })
}

#[test]
fn mariadb_check_login_after_create_and_on_demand() -> Result<()> {
    mysql_family_check_login("mariadb")
}

#[test]
fn mysql_check_login_after_create_and_on_demand() -> Result<()> {
    mysql_family_check_login("mysql")
}

fn rds_secret(moto: &Moto, name: &str) -> Result<String> {
    let value = json!({"engine": "postgres", "host": "127.0.0.1", "port": 5432, "username": "u", "password": "never-shown-7f3a"});
    let r = sm(
        moto,
        "create_secret",
        json!({"Name": name, "SecretString": value.to_string()}),
    )?;
    Ok(r["ARN"].as_str().context("ARN")?.to_owned())
}

fn versions(moto: &Moto, arn: &str) -> Result<Value> {
    let r = sm(
        moto,
        "list_secret_version_ids",
        json!({"SecretId": arn, "IncludeDeprecated": true}),
    )?;
    let mut v: Vec<(String, Value)> = r["Versions"]
        .as_array()
        .context("Versions")?
        .iter()
        .map(|v| {
            (
                v["VersionId"].as_str().unwrap_or_default().to_owned(),
                v["VersionStages"].clone(),
            )
        })
        .collect();
    v.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(json!(v))
}

fn invoke_fails(wd: &TfWorkdir, action: &str, summary: &str) -> Result<()> {
    let out = wd.run(&[
        "apply",
        "-auto-approve",
        "-input=false",
        "-no-color",
        &format!("-invoke=action.{action}"),
    ])?;
    ensure!(
        out.code() == Some(1) && out.stderr.contains(summary),
        "{action}: expected {summary:?}:\n{}\n{}",
        out.stdout,
        out.stderr
    );
    ensure!(!out.stdout.contains("never-shown") && !out.stderr.contains("never-shown"));
    Ok(())
}

#[test]
fn rotation_actions_refuse_without_changing_anything() -> Result<()> {
    let moto = Moto::start()?;
    let plain = rds_secret(&moto, "test/no-rotation")?;
    let busy = rds_secret(&moto, "test/busy")?;
    // A rotation left unfinished: AWSPENDING on a version that is not AWSCURRENT, with a function set.
    let role = moto.call(
        "iam",
        "create_role",
        &json!({"RoleName": "r", "AssumeRolePolicyDocument": "{}"}),
    )?;
    let function = moto.call(
        "lambda",
        "create_function",
        &json!({"FunctionName": "rot", "Runtime": "provided.al2023", "Handler": "bootstrap",
                "Role": role["Role"]["Arn"], "Code": {"ZipFile": "504b0506000000000000000000000000000000000000"}}),
    )?;
    sm(
        &moto,
        "rotate_secret",
        json!({"SecretId": busy, "RotationLambdaARN": function["FunctionArn"],
               "RotationRules": {"AutomaticallyAfterDays": 30}, "RotateImmediately": false}),
    )?;
    sm(
        &moto,
        "put_secret_value",
        json!({"SecretId": busy, "ClientRequestToken": "00000000-0000-4000-8000-00000000beef",
               "SecretString": "{}", "VersionStages": ["AWSPENDING"]}),
    )?;
    // Rotation configured and settled, never rotated: nothing to roll back to.
    let settled = rds_secret(&moto, "test/settled")?;
    sm(
        &moto,
        "rotate_secret",
        json!({"SecretId": settled, "RotationLambdaARN": function["FunctionArn"],
               "RotationRules": {"AutomaticallyAfterDays": 30}, "RotateImmediately": false}),
    )?;
    let state = |m: &Moto| -> Result<Value> {
        Ok(json!([
            versions(m, &plain)?,
            versions(m, &busy)?,
            versions(m, &settled)?
        ]))
    };
    let before = state(&moto)?;

    let wd = workdir(
        &moto,
        &format!(
            r#"
action "logexaminer_rotate_secret" "missing" {{
  config {{
    secret_id = "test/does-not-exist"
  }}
}}
action "logexaminer_rotate_secret" "plain" {{
  config {{
    secret_id = "{plain}"
  }}
}}
action "logexaminer_rotate_secret" "busy" {{
  config {{
    secret_id = "{busy}"
    timeout   = "30s"
  }}
}}
action "logexaminer_rollback_secret" "never_rotated" {{
  config {{
    secret_id = "{busy}"
  }}
}}
action "logexaminer_rollback_secret" "settled" {{
  config {{
    secret_id = "{settled}"
  }}
}}
action "logexaminer_rotate_secret" "stuck" {{
  config {{
    secret_id = "{settled}"
    timeout   = "3s"
  }}
}}
"#
        ),
    )?;
    invoke_fails(&wd, "logexaminer_rotate_secret.missing", "Secret not found")?;
    invoke_fails(
        &wd,
        "logexaminer_rotate_secret.plain",
        "Secret has no rotation function",
    )?;
    invoke_fails(
        &wd,
        "logexaminer_rotate_secret.busy",
        "A rotation is already in progress",
    )?;
    invoke_fails(
        &wd,
        "logexaminer_rollback_secret.never_rotated",
        "A rotation is already in progress",
    )?;
    invoke_fails(
        &wd,
        "logexaminer_rollback_secret.settled",
        "Nothing to roll back to",
    )?;
    ensure!(
        state(&moto)? == before,
        "a refused action changed the secrets"
    );
    // A function that never finishes the rotation (this one has no code): the wait is bounded and
    // says what it waited for.
    invoke_fails(&wd, "logexaminer_rotate_secret.stuck", "Rotation timed out")?;
    let out = wd.run(&[
        "apply",
        "-auto-approve",
        "-input=false",
        "-no-color",
        "-invoke=action.logexaminer_rotate_secret.stuck",
    ])?;
    ensure!(
        out.stderr.contains("A rotation is already in progress"),
        "the unfinished rotation must block the next one:\n{}",
        out.stderr
    );
    let bad = workdir(
        &moto,
        &format!(
            r#"
action "logexaminer_rotate_secret" "bad_timeout" {{
  config {{
    secret_id = "{plain}"
    timeout   = "soon"
  }}
}}
"#
        ),
    )?;
    let v = bad.validate_json()?;
    ensure!(
        v["valid"] == false && v.to_string().contains("is not a duration"),
        "{v}"
    );
    Ok(())
}
