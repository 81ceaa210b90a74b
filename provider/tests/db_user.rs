//! `logexaminer_db_user` and `logexaminer_db_credentials` through a real Terraform core, against a real
//! MariaDB 10.11 and PostgreSQL 15 started by the rig and moto for Secrets Manager.
//!
//! Admins are never superusers: MariaDB `lx_admin` has CREATE USER, SELECT on `mysql` and the metastore
//! privileges WITH GRANT OPTION; PostgreSQL `lx_admin` has CREATEROLE and owns the metastore database.
//! MySQL 8 is not installable here: its SQL is covered by the unit tests of `metastore-sql`.

use std::path::PathBuf;
use std::process::Command;
use std::time::Instant;

use anyhow::{Context, Result, bail, ensure};
use serde_json::{Value, json};
use test_support::{MariaDb, Moto, Postgres, Provider, TfWorkdir, venv_python};

const PG_ADMIN_PW: &str = "lx-admin-pw-0123456789abcdefghijkl";
const MY_ADMIN_PW: &str = "lx-admin-pw-9876543210zyxwvutsrqpo";

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

fn workdir(moto: &Moto, body: &str) -> Result<TfWorkdir> {
    let mut wd = TfWorkdir::new(&[("main.tf", &format!("{HEADER}{body}"))], &[provider()])?;
    wd.set_envs(moto.env());
    wd.init()?;
    Ok(wd)
}

fn rewrite(wd: &TfWorkdir, body: &str) -> Result<()> {
    wd.write_file("main.tf", &format!("{HEADER}{body}"))
}

/// A Secrets Manager call through boto3 against moto: `op` is the boto3 method, `args` its keyword
/// arguments. Returns the response without `ResponseMetadata`, or the error text as `Err`.
fn aws(moto: &Moto, op: &str, args: Value) -> Result<Value> {
    const SCRIPT: &str = r#"
import boto3, json, sys
c = boto3.client("secretsmanager", endpoint_url=sys.argv[1], region_name="us-east-1",
                 aws_access_key_id="test", aws_secret_access_key="test")
r = getattr(c, sys.argv[2])(**json.loads(sys.argv[3]))
r.pop("ResponseMetadata", None)
print(json.dumps(r, default=str))
"#;
    let out = Command::new(venv_python()?)
        .args(["-c", SCRIPT, &moto.endpoint(), op, &args.to_string()])
        .output()
        .context("running boto3")?;
    if !out.status.success() {
        bail!("{op} failed: {}", String::from_utf8_lossy(&out.stderr));
    }
    Ok(serde_json::from_slice(&out.stdout)?)
}

fn secret_json(moto: &Moto, arn: &str) -> Result<Value> {
    let r = aws(moto, "get_secret_value", json!({ "SecretId": arn }))?;
    let s = r["SecretString"].as_str().context("no SecretString")?;
    Ok(serde_json::from_str(s)?)
}

fn secret_gone(moto: &Moto, arn: &str) -> bool {
    match aws(moto, "describe_secret", json!({ "SecretId": arn })) {
        Err(e) => e.to_string().contains("ResourceNotFoundException"),
        Ok(d) => d.get("DeletedDate").is_some(),
    }
}

fn our_secret_names(moto: &Moto) -> Result<Vec<String>> {
    let r = aws(moto, "list_secrets", json!({ "MaxResults": 100 }))?;
    let mut names: Vec<String> = r["SecretList"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|s| s["Name"].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default();
    let mut token = r["NextToken"].as_str().map(str::to_owned);
    while let Some(t) = token {
        let r = aws(
            moto,
            "list_secrets",
            json!({ "MaxResults": 100, "NextToken": t }),
        )?;
        names.extend(
            r["SecretList"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|s| s["Name"].as_str().map(str::to_owned)),
        );
        token = r["NextToken"].as_str().map(str::to_owned);
    }
    names.retain(|n| n.starts_with("logexaminer/db-user/") || n.starts_with("test/"));
    Ok(names)
}

fn resource_attr(wd: &TfWorkdir, address: &str, attr: &str) -> Result<String> {
    let state = wd.show_json()?;
    let resources = state["values"]["root_module"]["resources"]
        .as_array()
        .context("no resources in state")?;
    let r = resources
        .iter()
        .find(|r| r["address"] == address)
        .with_context(|| format!("{address} not in state"))?;
    r["values"][attr]
        .as_str()
        .map(str::to_owned)
        .with_context(|| format!("{address}.{attr} is not a string: {}", r["values"][attr]))
}

fn plan_code(wd: &TfWorkdir) -> Result<(i32, String)> {
    let out = wd.plan(&["-detailed-exitcode"])?;
    Ok((out.code().unwrap_or(-1), out.stdout))
}

fn ensure_no_changes(wd: &TfWorkdir, what: &str) -> Result<()> {
    let (code, stdout) = plan_code(wd)?;
    ensure!(code == 0, "{what}: expected an empty plan, got:\n{stdout}");
    Ok(())
}

/// Terraform wraps diagnostics at 78 columns: compare with whitespace runs squashed to one space.
fn squash(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn count_hits(haystack: &str, needle: &str) -> usize {
    haystack.matches(needle).count()
}

/// Creates the PostgreSQL admin (CREATEROLE, owner of `metastore`), the metastore schema with tables and
/// a private schema.
fn pg_setup(pg: &Postgres) -> Result<()> {
    pg.exec(&format!(
        "CREATE ROLE lx_admin LOGIN CREATEROLE PASSWORD '{PG_ADMIN_PW}'; CREATE DATABASE metastore OWNER lx_admin;"
    ))?;
    pg.exec_as(
        "lx_admin",
        PG_ADMIN_PW,
        Some("metastore"),
        "CREATE SCHEMA hive; CREATE TABLE hive.tbls (id int); CREATE TABLE hive.dbs (id int); \
         INSERT INTO hive.tbls VALUES (1); CREATE SEQUENCE hive.seq; \
         CREATE SCHEMA private; CREATE TABLE private.secret (id int); INSERT INTO private.secret VALUES (42);",
    )?;
    Ok(())
}

/// Creates the MariaDB admin (no SUPER, no global ALL), the metastore database and another database.
fn my_setup(db: &MariaDb) -> Result<()> {
    db.exec(&format!(
        "CREATE DATABASE metastore; CREATE TABLE metastore.TBLS (id INT); INSERT INTO metastore.TBLS VALUES (1); \
         CREATE TABLE metastore.DBS (id INT); \
         CREATE DATABASE other; CREATE TABLE other.secret (id INT); INSERT INTO other.secret VALUES (42); \
         CREATE USER 'lx_admin'@'%' IDENTIFIED BY '{MY_ADMIN_PW}'; \
         GRANT CREATE USER ON *.* TO 'lx_admin'@'%'; \
         GRANT SELECT ON mysql.* TO 'lx_admin'@'%'; \
         GRANT ALL PRIVILEGES ON metastore.* TO 'lx_admin'@'%' WITH GRANT OPTION;"
    ))?;
    let grants = db.exec("SHOW GRANTS FOR 'lx_admin'@'%';")?;
    ensure!(
        !grants.contains("SUPER") && !grants.contains("ALL PRIVILEGES ON *.*"),
        "{grants}"
    );
    Ok(())
}

fn pg_config(pg: &Postgres, admin_arn: &str, username: &str, grants: &str, extra: &str) -> String {
    format!(
        r#"
resource "logexaminer_db_user" "ro" {{
  engine   = "postgres"
  username = "{username}"
  endpoint {{
    host     = "127.0.0.1"
    port     = {port}
    database = "metastore"
    tls      = "disable"
  }}
  admin_secret_arn        = "{admin_arn}"
  recovery_window_in_days = 0
{grants}
{extra}
}}
"#,
        port = pg.port()
    )
}

const PG_GRANTS_V1: &str = r#"
  grant {
    database   = "metastore"
    privileges = ["connect"]
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
    privileges = ["select", "Insert"]
  }
  grant {
    database    = "metastore"
    schema      = "hive"
    object_type = "sequence"
    privileges  = ["ALL"]
  }
"#;

const PG_GRANTS_V2: &str = r#"
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
    privileges = ["SELECT", "UPDATE"]
  }
"#;

#[test]
fn postgres_lifecycle_with_admin_secret() -> Result<()> {
    let moto = Moto::start()?;
    let pg = Postgres::start()?;
    pg_setup(&pg)?;
    let admin = aws(
        &moto,
        "create_secret",
        json!({"Name": "test/pg-master", "SecretString": json!({"username": "lx_admin", "password": PG_ADMIN_PW}).to_string()}),
    )?;
    let admin_arn = admin["ARN"].as_str().context("admin arn")?.to_owned();
    let body = pg_config(
        &pg,
        &admin_arn,
        "hive_ro",
        PG_GRANTS_V1,
        "  password_version = 1",
    );
    let mut wd = workdir(&moto, &body)?;

    // Create, with TRACE logs to search for the password afterwards.
    wd.set_env("TF_LOG", "TRACE");
    let plan_out = wd.plan_json()?;
    let started = Instant::now();
    let applied = wd.apply(&[])?;
    eprintln!("postgres create took {:?}", started.elapsed());
    wd.set_env("TF_LOG", "");
    let secret_arn = resource_attr(&wd, "logexaminer_db_user.ro", "secret_arn")?;
    let secret = secret_json(&moto, &secret_arn)?;
    let pw = secret["password"].as_str().context("password")?.to_owned();
    ensure!(pw.len() >= 32, "password too short");
    ensure!(
        !pw.contains(['/', '@', '"', '\'', '\\', ' ']),
        "excluded characters"
    );
    ensure!(
        secret["engine"] == "postgres" && secret["host"] == "127.0.0.1",
        "{}",
        secret["engine"]
    );
    ensure!(
        secret["port"] == pg.port()
            && secret["username"] == "hive_ro"
            && secret["dbname"] == "metastore"
    );
    ensure!(secret["masterarn"] == admin_arn.as_str());

    // The password is nowhere but in Secrets Manager.
    let state = wd.state_raw()?;
    let plan_text = plan_out.to_string();
    let log = format!("{}\n{}", applied.stdout, applied.stderr);
    ensure!(
        log.contains("TRACE") || log.contains("[TRACE]"),
        "TF_LOG=TRACE produced no trace output"
    );
    ensure!(
        log.contains("CREATE ROLE \\\"hive_ro\\\"") || log.contains("CREATE ROLE \"hive_ro\""),
        "statements are logged (redacted)"
    );
    for (what, text) in [
        ("state", &state),
        ("plan JSON", &plan_text),
        ("TRACE log", &log),
    ] {
        ensure!(
            count_hits(text, &pw) == 0,
            "the password appears in the {what}"
        );
    }
    ensure!(
        !state.contains(PG_ADMIN_PW) && !log.contains(PG_ADMIN_PW),
        "admin password leaked"
    );

    ensure_no_changes(&wd, "after create")?;

    // Exactly the granted privileges.
    let as_user = |sql: &str| pg.exec_as("hive_ro", &pw, Some("metastore"), sql);
    ensure!(as_user("SELECT id FROM hive.tbls;")?.trim() == "1");
    as_user("INSERT INTO hive.tbls VALUES (2);")?;
    as_user("SELECT nextval('hive.seq');")?;
    ensure!(
        as_user("SELECT * FROM private.secret;").is_err(),
        "private schema readable"
    );
    ensure!(
        as_user("DELETE FROM hive.tbls;").is_err(),
        "DELETE not granted"
    );
    ensure!(
        as_user("CREATE ROLE intruder;").is_err(),
        "CREATE ROLE allowed"
    );
    ensure!(
        as_user("CREATE TABLE hive.mine (id int);").is_err(),
        "CREATE on schema allowed"
    );
    // Tables schematool (here: the admin) creates later are covered by default privileges.
    pg.exec_as(
        "lx_admin",
        PG_ADMIN_PW,
        Some("metastore"),
        "CREATE TABLE hive.later (id int); INSERT INTO hive.later VALUES (7);",
    )?;
    ensure!(as_user("SELECT id FROM hive.later;")?.trim() == "7");
    ensure_no_changes(&wd, "after a new table")?;

    // Change grants.
    rewrite(
        &wd,
        &pg_config(
            &pg,
            &admin_arn,
            "hive_ro",
            PG_GRANTS_V2,
            "  password_version = 1",
        ),
    )?;
    wd.apply(&[])?;
    as_user("UPDATE hive.tbls SET id = id;")?;
    ensure!(
        as_user("INSERT INTO hive.tbls VALUES (3);").is_err(),
        "INSERT still granted"
    );
    ensure!(
        as_user("SELECT nextval('hive.seq');").is_err(),
        "sequence still granted"
    );
    ensure_no_changes(&wd, "after changing grants")?;

    // Out-of-band drift shows in the plan, and apply converges.
    pg.exec_as(
        "lx_admin",
        PG_ADMIN_PW,
        Some("metastore"),
        "REVOKE SELECT ON hive.tbls FROM hive_ro; GRANT DELETE ON hive.dbs TO hive_ro;",
    )?;
    let (code, stdout) = plan_code(&wd)?;
    ensure!(code == 2, "drift not detected:\n{stdout}");
    ensure!(
        stdout.contains("DELETE") || stdout.contains("grant"),
        "{stdout}"
    );
    wd.apply(&[])?;
    ensure!(
        as_user("SELECT id FROM hive.tbls;").is_ok(),
        "SELECT not restored"
    );
    ensure!(
        as_user("DELETE FROM hive.dbs;").is_err(),
        "DELETE not revoked"
    );
    ensure_no_changes(&wd, "after converging")?;

    // A new password: the old one stops working, the new one works.
    let version_before = resource_attr(&wd, "logexaminer_db_user.ro", "secret_version_id")?;
    rewrite(
        &wd,
        &pg_config(
            &pg,
            &admin_arn,
            "hive_ro",
            PG_GRANTS_V2,
            "  password_version = 2",
        ),
    )?;
    wd.apply(&[])?;
    let pw2 = secret_json(&moto, &secret_arn)?["password"]
        .as_str()
        .context("password")?
        .to_owned();
    ensure!(pw2 != pw, "password unchanged");
    ensure!(
        pg.exec_as("hive_ro", &pw, Some("metastore"), "SELECT 1;")
            .is_err(),
        "old password works"
    );
    ensure!(
        pg.exec_as("hive_ro", &pw2, Some("metastore"), "SELECT 1;")?
            .trim()
            == "1"
    );
    let version_after = resource_attr(&wd, "logexaminer_db_user.ro", "secret_version_id")?;
    ensure!(version_before != version_after, "secret version unchanged");
    ensure!(!wd.state_raw()?.contains(&pw2), "new password in state");
    ensure_no_changes(&wd, "after the new password")?;

    // Import: forget the resource, import it by URL with the secret ARN, and plan nothing.
    wd.run(&["state", "rm", "logexaminer_db_user.ro"])?;
    let id = format!(
        "postgres://127.0.0.1:{}/metastore/hive_ro?tls=disable&password_version=2&recovery_window_in_days=0&secret_arn={}",
        pg.port(),
        enc(&secret_arn)
    );
    wd.import("logexaminer_db_user.ro", &id)?;
    ensure_no_changes(&wd, "after import")?;
    ensure!(
        resource_attr(&wd, "logexaminer_db_user.ro", "admin_secret_arn")? == admin_arn,
        "masterarn not used"
    );

    // Import by resource identity (Terraform 1.12+ import block): the ID and the secret ARN.
    wd.run(&["state", "rm", "logexaminer_db_user.ro"])?;
    let with_identity = format!(
        "{}\nimport {{\n  to = logexaminer_db_user.ro\n  identity = {{\n    id         = \"postgres://127.0.0.1:{}/metastore/hive_ro?tls=disable&password_version=2&recovery_window_in_days=0\"\n    secret_arn = \"{secret_arn}\"\n  }}\n}}\n",
        pg_config(
            &pg,
            &admin_arn,
            "hive_ro",
            PG_GRANTS_V2,
            "  password_version = 2"
        ),
        pg.port()
    );
    rewrite(&wd, &with_identity)?;
    let planned = wd.plan(&["-detailed-exitcode"])?;
    let text = squash(&planned.stdout);
    ensure!(
        text.contains("1 to import, 0 to add, 0 to change, 0 to destroy"),
        "identity import plan:\n{}",
        planned.stdout
    );
    wd.apply(&[])?;
    ensure!(resource_attr(&wd, "logexaminer_db_user.ro", "secret_arn")? == secret_arn);
    rewrite(
        &wd,
        &pg_config(
            &pg,
            &admin_arn,
            "hive_ro",
            PG_GRANTS_V2,
            "  password_version = 2",
        ),
    )?;
    ensure_no_changes(&wd, "after importing by identity")?;

    // Destroy: role and secret gone.
    wd.destroy()?;
    let roles = pg.exec("SELECT count(*) FROM pg_roles WHERE rolname = 'hive_ro';")?;
    ensure!(roles.trim() == "0", "role still exists");
    ensure!(secret_gone(&moto, &secret_arn), "secret still exists");
    Ok(())
}

fn enc(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

fn my_config(db: &MariaDb, admin_arn: &str, grants: &str, extra: &str) -> String {
    format!(
        r#"
ephemeral "logexaminer_db_credentials" "admin" {{
  secret_id = "{admin_arn}"
}}

resource "logexaminer_db_user" "rw" {{
  engine   = "mariadb"
  username = "hive_rw"
  endpoint {{
    host     = "127.0.0.1"
    port     = {port}
    database = "metastore"
    tls      = "disable"
  }}
  admin_username          = "lx_admin"
  admin_password_wo       = ephemeral.logexaminer_db_credentials.admin.password
  recovery_window_in_days = 0
  connection_limit        = 20
{grants}
{extra}
}}
"#,
        port = db.port()
    )
}

const MY_GRANTS_V1: &str = r#"
  grant {
    database   = "metastore"
    privileges = ["select", "INSERT", "Update", "DELETE"]
  }
"#;

const MY_GRANTS_V2: &str = r#"
  grant {
    database   = "metastore"
    privileges = ["SELECT"]
  }
  grant {
    database   = "metastore"
    objects    = ["DBS"]
    privileges = ["INSERT", "UPDATE"]
  }
"#;

#[test]
fn mariadb_lifecycle_with_write_only_admin_password() -> Result<()> {
    let moto = Moto::start()?;
    let db = MariaDb::start()?;
    my_setup(&db)?;
    // The admin's password reaches Terraform only through the ephemeral resource.
    let admin = aws(
        &moto,
        "create_secret",
        json!({"Name": "test/mariadb-admin", "SecretString": json!({
            "engine": "mariadb", "host": "127.0.0.1", "port": db.port(),
            "username": "lx_admin", "password": MY_ADMIN_PW
        }).to_string()}),
    )?;
    let admin_arn = admin["ARN"].as_str().context("admin arn")?.to_owned();
    let mut wd = workdir(&moto, &my_config(&db, &admin_arn, MY_GRANTS_V1, ""))?;
    wd.set_env("TF_LOG", "TRACE");
    let plan_out = wd.plan_json()?;
    let applied = wd.apply(&[])?;
    wd.set_env("TF_LOG", "");
    let secret_arn = resource_attr(&wd, "logexaminer_db_user.rw", "secret_arn")?;
    let secret = secret_json(&moto, &secret_arn)?;
    let pw = secret["password"].as_str().context("password")?.to_owned();
    ensure!(
        secret["engine"] == "mariadb"
            && secret["username"] == "hive_rw"
            && secret["port"] == db.port()
    );
    ensure!(
        secret.get("masterarn").is_none(),
        "no masterarn without admin_secret_arn"
    );
    let state = wd.state_raw()?;
    let log = format!("{}\n{}", applied.stdout, applied.stderr);
    for (what, text) in [
        ("state", &state),
        ("plan JSON", &plan_out.to_string()),
        ("TRACE log", &log),
    ] {
        ensure!(
            count_hits(text, &pw) == 0,
            "the password appears in the {what}"
        );
        ensure!(
            count_hits(text, MY_ADMIN_PW) == 0,
            "the admin password appears in the {what}"
        );
    }
    ensure!(
        log.contains("CREATE USER `hive_rw`@`%` IDENTIFIED BY '***'"),
        "redacted statement not logged"
    );
    ensure_no_changes(&wd, "after create")?;

    // Exactly the granted privileges.
    let as_user = |sql: &str| db.exec_as("hive_rw", &pw, Some("metastore"), sql);
    ensure!(as_user("SELECT id FROM TBLS;")?.trim() == "1");
    as_user("INSERT INTO TBLS VALUES (2); DELETE FROM TBLS WHERE id = 2;")?;
    ensure!(
        as_user("SELECT id FROM other.secret;").is_err(),
        "other database readable"
    );
    ensure!(
        as_user("CREATE USER 'intruder'@'%';").is_err(),
        "CREATE USER allowed"
    );
    ensure!(as_user("DROP TABLE TBLS;").is_err(), "DROP allowed");
    let limit = db.exec("SELECT max_user_connections FROM mysql.user WHERE User = 'hive_rw';")?;
    ensure!(limit.trim() == "20", "{limit}");

    // Change grants (one database grant, one table grant).
    rewrite(&wd, &my_config(&db, &admin_arn, MY_GRANTS_V2, ""))?;
    wd.apply(&[])?;
    ensure!(
        as_user("DELETE FROM TBLS;").is_err(),
        "DELETE still granted"
    );
    as_user("INSERT INTO DBS VALUES (5);")?;
    ensure!(
        as_user("INSERT INTO TBLS VALUES (5);").is_err(),
        "INSERT on TBLS granted"
    );
    ensure_no_changes(&wd, "after changing grants")?;

    // Drift, seen by refresh as the user itself (no admin secret), then converged.
    db.exec("REVOKE UPDATE ON metastore.DBS FROM 'hive_rw'@'%'; GRANT DROP ON metastore.* TO 'hive_rw'@'%';")?;
    let (code, stdout) = plan_code(&wd)?;
    ensure!(code == 2, "drift not detected:\n{stdout}");
    wd.apply(&[])?;
    let grants = db.exec("SHOW GRANTS FOR 'hive_rw'@'%';")?;
    ensure!(
        !grants.contains("DROP") && grants.contains("UPDATE"),
        "{grants}"
    );
    ensure_no_changes(&wd, "after converging")?;

    // New password.
    rewrite(
        &wd,
        &my_config(&db, &admin_arn, MY_GRANTS_V2, "  password_version = 7"),
    )?;
    wd.apply(&[])?;
    let pw2 = secret_json(&moto, &secret_arn)?["password"]
        .as_str()
        .context("pw")?
        .to_owned();
    ensure!(pw2 != pw);
    ensure!(
        db.exec_as("hive_rw", &pw, None, "SELECT 1;").is_err(),
        "old password works"
    );
    ensure!(db.exec_as("hive_rw", &pw2, None, "SELECT 1;")?.trim() == "1");
    ensure_no_changes(&wd, "after the new password")?;

    // A user dropped outside Terraform is noticed and recreated.
    db.exec("DROP USER 'hive_rw'@'%';")?;
    let (code, stdout) = plan_code(&wd)?;
    ensure!(code == 2, "dropped user not noticed:\n{stdout}");
    wd.apply(&[])?;
    let pw3 = secret_json(&moto, &secret_arn)?["password"]
        .as_str()
        .context("pw")?
        .to_owned();
    ensure!(
        db.exec_as(
            "hive_rw",
            &pw3,
            Some("metastore"),
            "SELECT id FROM TBLS LIMIT 1;"
        )
        .is_ok()
    );
    ensure_no_changes(&wd, "after recreating")?;

    // Import by URL with the admin name and the secret as parameters.
    wd.run(&["state", "rm", "logexaminer_db_user.rw"])?;
    let id = format!(
        "mariadb://127.0.0.1:{}/hive_rw@%25?tls=disable&database=metastore&admin_username=lx_admin&password_version=7&recovery_window_in_days=0&secret_arn={}",
        db.port(),
        enc(&secret_arn)
    );
    wd.import("logexaminer_db_user.rw", &id)?;
    ensure_no_changes(&wd, "after import")?;

    // Destroy needs the admin password: Terraform sends no write-only values then.
    let refused = wd.run(&["destroy", "-auto-approve", "-no-color"])?;
    ensure!(
        !refused.success(),
        "destroy without the admin password succeeded"
    );
    ensure!(
        refused.stderr.contains("LOGEXAMINER_DB_ADMIN_PASSWORD"),
        "{}",
        refused.stderr
    );
    wd.set_env("LOGEXAMINER_DB_ADMIN_PASSWORD", MY_ADMIN_PW);
    wd.destroy()?;
    let left = db.exec("SELECT COUNT(*) FROM mysql.user WHERE User = 'hive_rw';")?;
    ensure!(left.trim() == "0", "user still exists");
    ensure!(secret_gone(&moto, &secret_arn), "secret still exists");
    Ok(())
}

#[test]
fn hostile_names_are_rejected_or_created_exactly() -> Result<()> {
    let moto = Moto::start()?;
    let pg = Postgres::start()?;
    pg_setup(&pg)?;
    let db = MariaDb::start()?;
    my_setup(&db)?;
    let pg_admin = aws(
        &moto,
        "create_secret",
        json!({"Name": "test/pg", "SecretString": json!({"username": "lx_admin", "password": PG_ADMIN_PW}).to_string()}),
    )?;
    let my_admin = aws(
        &moto,
        "create_secret",
        json!({"Name": "test/my", "SecretString": json!({"username": "lx_admin", "password": MY_ADMIN_PW}).to_string()}),
    )?;
    let pg_arn = pg_admin["ARN"].as_str().context("arn")?;
    let my_arn = my_admin["ARN"].as_str().context("arn")?;
    let user = |name: &str, engine: &str, port: u16, arn: &str, label: &str| {
        format!(
            r#"
resource "logexaminer_db_user" "{label}" {{
  engine   = "{engine}"
  username = {name}
  endpoint {{
    host     = "127.0.0.1"
    port     = {port}
    database = "metastore"
    tls      = "disable"
  }}
  admin_secret_arn        = "{arn}"
  recovery_window_in_days = 0
  grant {{
    database   = "metastore"
    privileges = ["{privilege}"]
  }}
}}
"#,
            name = serde_json::to_string(name).unwrap_or_default(),
            privilege = if engine == "postgres" {
                "CONNECT"
            } else {
                "SELECT"
            },
        )
    };

    // Rejected at validate, with the attribute and the reason.
    let long = "a".repeat(200);
    let rejected = [
        ("postgres", long.as_str(), "63 bytes"),
        ("mariadb", long.as_str(), "128 characters"),
        ("mariadb", "emoji😀", "Basic Multilingual Plane"),
        ("postgres", "pg_sneaky", "reserved"),
        ("mariadb", "root", "reserved"),
        ("postgres", "line\nbreak", "control character"),
        ("mariadb", "trailing ", "whitespace"),
    ];
    for (engine, name, reason) in rejected {
        let (port, arn) = if engine == "postgres" {
            (pg.port(), pg_arn)
        } else {
            (db.port(), my_arn)
        };
        let wd = workdir(&moto, &user(name, engine, port, arn, "bad"))?;
        let v = wd.validate_json()?;
        ensure!(v["valid"] == false, "{engine} {name:?} accepted");
        let text = v["diagnostics"].to_string();
        ensure!(
            text.contains(reason) && text.contains("username"),
            "{engine} {name:?}: {text}"
        );
    }

    // Created exactly as named, never executed as SQL.
    let pg_name = "Robert'); DROP TABLE hive.tbls; -- \"ü\" /* x */";
    let my_name = "we`ird'; DROP DATABASE metastore; -- ü \\ \"q\"";
    let body = format!(
        "{}{}",
        user(pg_name, "postgres", pg.port(), pg_arn, "pg"),
        user(my_name, "mariadb", db.port(), my_arn, "my")
    );
    let wd = workdir(&moto, &body)?;
    wd.apply(&[])?;
    ensure_no_changes(&wd, "hostile names")?;
    let pg_found = pg.exec(&format!(
        "SELECT rolname FROM pg_roles WHERE rolname = $n${pg_name}$n$;"
    ))?;
    ensure!(pg_found.trim_end_matches('\n') == pg_name, "{pg_found:?}");
    let tables = pg.exec_as(
        "lx_admin",
        PG_ADMIN_PW,
        Some("metastore"),
        "SELECT count(*) FROM hive.tbls;",
    )?;
    ensure!(tables.trim() == "1", "hive.tbls damaged");
    let hex: String = my_name.bytes().map(|b| format!("{b:02X}")).collect();
    let my_found = db.exec(&format!(
        "SELECT HEX(User) FROM mysql.user WHERE User = X'{hex}';"
    ))?;
    ensure!(my_found.trim() == hex, "{my_found:?} != {hex}");
    ensure!(db.exec("SHOW DATABASES LIKE 'metastore';")?.trim() == "metastore");
    // Both log in with the password from their secrets.
    let pg_secret = secret_json(
        &moto,
        &resource_attr(&wd, "logexaminer_db_user.pg", "secret_arn")?,
    )?;
    ensure!(pg_secret["username"] == pg_name);
    pg.exec_as(
        pg_name,
        pg_secret["password"].as_str().context("pw")?,
        Some("metastore"),
        "SELECT 1;",
    )?;
    let my_secret = secret_json(
        &moto,
        &resource_attr(&wd, "logexaminer_db_user.my", "secret_arn")?,
    )?;
    db.exec_as(
        my_name,
        my_secret["password"].as_str().context("pw")?,
        Some("metastore"),
        "SELECT 1;",
    )?;
    let id = resource_attr(&wd, "logexaminer_db_user.my", "id")?;
    ensure!(
        !id.contains('`') && !id.contains(' '),
        "import ID not encoded: {id}"
    );
    wd.destroy()?;
    ensure!(
        pg.exec("SELECT count(*) FROM pg_roles WHERE rolname LIKE 'Robert%';")?
            .trim()
            == "0"
    );
    Ok(())
}

#[test]
fn failures_are_undone_and_errors_are_clear() -> Result<()> {
    let moto = Moto::start()?;
    let pg = Postgres::start()?;
    pg_setup(&pg)?;
    let admin = aws(
        &moto,
        "create_secret",
        json!({"Name": "test/pg", "SecretString": json!({"username": "lx_admin", "password": PG_ADMIN_PW}).to_string()}),
    )?;
    let admin_arn = admin["ARN"].as_str().context("arn")?.to_owned();

    // Unreachable database: the error names host:port, the timeout and the hints; nothing is created.
    let body = pg_config(&pg, &admin_arn, "nowhere", "", "").replace(
        &format!("port     = {}", pg.port()),
        "port     = 9\n    connect_timeout = 2",
    );
    let wd = workdir(&moto, &body)?;
    let out = wd.run(&["apply", "-auto-approve", "-no-color"])?;
    ensure!(!out.success(), "apply against port 9 succeeded");
    let text = squash(&out.stderr);
    for needle in ["127.0.0.1:9", "(timeout 2 s)", "inside its VPC", "tunnel"] {
        ensure!(text.contains(needle), "missing {needle:?} in:\n{text}");
    }
    ensure!(
        our_secret_names(&moto)?
            .iter()
            .all(|n| n.starts_with("test/")),
        "secret left behind"
    );

    // The user exists already: the secret written first is deleted again, the existing role untouched.
    pg.exec("CREATE ROLE taken LOGIN PASSWORD 'taken-pw-0123456789';")?;
    let wd = workdir(
        &moto,
        &pg_config(&pg, &admin_arn, "taken", PG_GRANTS_V2, ""),
    )?;
    let out = wd.run(&["apply", "-auto-approve", "-no-color"])?;
    ensure!(!out.success(), "creating an existing role succeeded");
    ensure!(
        squash(&out.stderr).contains("already exists"),
        "{}",
        out.stderr
    );
    ensure!(
        our_secret_names(&moto)?
            .iter()
            .all(|n| n.starts_with("test/")),
        "secret left behind"
    );
    ensure!(
        pg.exec_as("taken", "taken-pw-0123456789", None, "SELECT 1;")?
            .trim()
            == "1",
        "existing role damaged"
    );
    ensure!(
        wd.state_raw().map(|s| !s.contains("taken")).unwrap_or(true),
        "failed create in state"
    );

    // The secret name is taken: no role is created.
    aws(
        &moto,
        "create_secret",
        json!({"Name": "test/taken-name", "SecretString": "{}"}),
    )?;
    let wd = workdir(
        &moto,
        &pg_config(
            &pg,
            &admin_arn,
            "fresh",
            PG_GRANTS_V2,
            "  secret_name = \"test/taken-name\"",
        ),
    )?;
    let out = wd.run(&["apply", "-auto-approve", "-no-color"])?;
    ensure!(
        !out.success() && squash(&out.stderr).contains("already exists"),
        "{}",
        out.stderr
    );
    ensure!(
        pg.exec("SELECT count(*) FROM pg_roles WHERE rolname = 'fresh';")?
            .trim()
            == "0"
    );

    // A grant fails after the role was created: the role is dropped and the secret deleted again.
    // A table in database `postgres` owned by the superuser: the admin cannot grant on it.
    pg.exec("CREATE TABLE IF NOT EXISTS locked_t (id int);")?;
    let grants = r#"
  grant {
    database   = "metastore"
    privileges = ["CONNECT"]
  }
  grant {
    database    = "postgres"
    schema      = "public"
    objects     = ["locked_t"]
    privileges  = ["SELECT"]
  }
"#;
    let wd = workdir(&moto, &pg_config(&pg, &admin_arn, "halfway", grants, ""))?;
    let out = wd.run(&["apply", "-auto-approve", "-no-color"])?;
    ensure!(!out.success(), "grant without rights succeeded");
    ensure!(
        squash(&out.stderr).contains("permission denied"),
        "{}",
        out.stderr
    );
    ensure!(
        pg.exec("SELECT count(*) FROM pg_roles WHERE rolname = 'halfway';")?
            .trim()
            == "0",
        "role not dropped"
    );
    ensure!(
        our_secret_names(&moto)?
            .iter()
            .all(|n| n.starts_with("test/")),
        "secret left behind"
    );

    // IAM authentication (PostgreSQL: membership in rds_iam, here created by hand) with an expiry written
    // with an offset: no password, no secret, and the configured spelling stays in state.
    pg.exec("CREATE ROLE rds_iam NOLOGIN;")?;
    let wd = workdir(
        &moto,
        &pg_config(
            &pg,
            &admin_arn,
            "iam_user",
            PG_GRANTS_V2,
            "  iam_authentication = true\n  valid_until = \"2031-01-01T02:00:00+02:00\"\n  connection_limit = 3",
        ),
    )?;
    wd.apply(&[])?;
    let member = pg.exec("SELECT count(*) FROM pg_auth_members m JOIN pg_roles r ON r.oid = m.roleid JOIN pg_roles u ON u.oid = m.member WHERE r.rolname = 'rds_iam' AND u.rolname = 'iam_user';")?;
    ensure!(member.trim() == "1", "not a member of rds_iam");
    let attrs = pg.exec("SELECT rolconnlimit, rolvaliduntil AT TIME ZONE 'UTC', rolpassword IS NULL FROM pg_authid WHERE rolname = 'iam_user';")?;
    ensure!(attrs.trim() == "3\t2031-01-01 00:00:00\tt", "{attrs:?}");
    ensure!(
        resource_attr(&wd, "logexaminer_db_user.ro", "secret_arn").is_err(),
        "a secret for an IAM user"
    );
    ensure_no_changes(&wd, "IAM user")?;
    wd.destroy()?;
    ensure!(
        pg.exec("SELECT count(*) FROM pg_roles WHERE rolname = 'iam_user';")?
            .trim()
            == "0"
    );

    // Import without the secret: the next apply gives the user a new password and a new secret (the
    // resource identity gains the secret ARN on the way).
    let wd = workdir(
        &moto,
        &pg_config(&pg, &admin_arn, "adopted", PG_GRANTS_V2, ""),
    )?;
    wd.apply(&[])?;
    let first_arn = resource_attr(&wd, "logexaminer_db_user.ro", "secret_arn")?;
    wd.run(&["state", "rm", "logexaminer_db_user.ro"])?;
    wd.import(
        "logexaminer_db_user.ro",
        &format!(
            "postgres://127.0.0.1:{}/metastore/adopted?tls=disable&recovery_window_in_days=0",
            pg.port()
        ),
    )?;
    let (code, stdout) = plan_code(&wd)?;
    ensure!(code == 2, "no new secret planned:\n{stdout}");
    wd.apply(&[])?;
    let new_arn = resource_attr(&wd, "logexaminer_db_user.ro", "secret_arn")?;
    ensure!(new_arn != first_arn, "the secret was not replaced");
    let pw = secret_json(&moto, &new_arn)?["password"]
        .as_str()
        .context("pw")?
        .to_owned();
    pg.exec_as("adopted", &pw, Some("metastore"), "SELECT 1;")?;
    ensure_no_changes(&wd, "after adopting")?;
    wd.destroy()?;
    aws(
        &moto,
        "delete_secret",
        json!({"SecretId": first_arn, "ForceDeleteWithoutRecovery": true}),
    )?;

    // on_delete_owned_objects: fail names the database, reassign_to_admin hands the table to the admin.
    let grants = r#"
  grant {
    database   = "metastore"
    privileges = ["CONNECT"]
  }
  grant {
    database    = "metastore"
    schema      = "hive"
    object_type = "schema"
    privileges  = ["USAGE", "CREATE"]
  }
"#;
    let wd = workdir(&moto, &pg_config(&pg, &admin_arn, "owner", grants, ""))?;
    wd.apply(&[])?;
    let arn = resource_attr(&wd, "logexaminer_db_user.ro", "secret_arn")?;
    let pw = secret_json(&moto, &arn)?["password"]
        .as_str()
        .context("pw")?
        .to_owned();
    pg.exec_as(
        "owner",
        &pw,
        Some("metastore"),
        "CREATE TABLE hive.owned (id int);",
    )?;
    let out = wd.run(&["destroy", "-auto-approve", "-no-color"])?;
    ensure!(!out.success(), "destroy with owned objects succeeded");
    let text = squash(&out.stderr);
    ensure!(
        text.contains("owns 1 object(s) in database \"metastore\"")
            && text.contains("reassign_to_admin"),
        "{text}"
    );
    rewrite(
        &wd,
        &pg_config(
            &pg,
            &admin_arn,
            "owner",
            grants,
            "  on_delete_owned_objects = \"reassign_to_admin\"",
        ),
    )?;
    wd.apply(&[])?;
    wd.destroy()?;
    let owner = pg.exec_as(
        "lx_admin",
        PG_ADMIN_PW,
        Some("metastore"),
        "SELECT tableowner FROM pg_tables WHERE tablename = 'owned';",
    )?;
    ensure!(owner.trim() == "lx_admin", "{owner}");
    ensure!(secret_gone(&moto, &arn));
    Ok(())
}

fn many_users(engine: &str, port: u16, admin_arn: &str, count: usize) -> String {
    let grants = if engine == "postgres" {
        r#"
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
    privileges = ["SELECT", "INSERT"]
  }"#
    } else {
        r#"
  grant {
    database   = "metastore"
    privileges = ["SELECT", "INSERT"]
  }"#
    };
    format!(
        r#"
resource "logexaminer_db_user" "load" {{
  count    = {count}
  engine   = "{engine}"
  username = "load_${{count.index}}"
  endpoint {{
    host     = "127.0.0.1"
    port     = {port}
    database = "metastore"
    tls      = "disable"
  }}
  admin_secret_arn        = "{admin_arn}"
  recovery_window_in_days = 0
{grants}
}}
"#
    )
}

enum Db {
    Pg(Postgres),
    My(MariaDb),
}

impl Db {
    fn start(engine: &str) -> Result<Db> {
        Ok(if engine == "postgres" {
            let pg = Postgres::start()?;
            pg_setup(&pg)?;
            Db::Pg(pg)
        } else {
            let my = MariaDb::start()?;
            my_setup(&my)?;
            Db::My(my)
        })
    }

    fn port(&self) -> u16 {
        match self {
            Db::Pg(p) => p.port(),
            Db::My(m) => m.port(),
        }
    }

    fn admin_password(&self) -> &'static str {
        match self {
            Db::Pg(_) => PG_ADMIN_PW,
            Db::My(_) => MY_ADMIN_PW,
        }
    }

    fn load_users(&self) -> Result<usize> {
        let out = match self {
            Db::Pg(p) => p.exec("SELECT count(*) FROM pg_roles WHERE rolname LIKE 'load\\_%';")?,
            Db::My(m) => m.exec("SELECT COUNT(*) FROM mysql.user WHERE User LIKE 'load\\_%';")?,
        };
        Ok(out.trim().parse()?)
    }
}

fn hundred_users(engine: &str) -> Result<()> {
    let moto = Moto::start()?;
    let db = Db::start(engine)?;
    let admin = aws(
        &moto,
        "create_secret",
        json!({"Name": "test/admin", "SecretString": json!({"username": "lx_admin", "password": db.admin_password()}).to_string()}),
    )?;
    let arn = admin["ARN"].as_str().context("arn")?.to_owned();
    let wd = workdir(&moto, &many_users(engine, db.port(), &arn, 100))?;
    let started = Instant::now();
    let out = wd.apply(&["-parallelism=20"])?;
    eprintln!(
        "{engine}: 100 users with -parallelism=20 in {:?}",
        started.elapsed()
    );
    let text = format!("{}{}", out.stdout, out.stderr);
    for bad in [
        "tuple concurrently updated",
        "deadlock",
        "Deadlock",
        "gave up",
    ] {
        ensure!(!text.contains(bad), "{bad} in output");
    }
    let secrets = our_secret_names(&moto)?;
    ensure!(
        secrets
            .iter()
            .filter(|n| n.starts_with("logexaminer/db-user/"))
            .count()
            == 100,
        "{} secrets",
        secrets.len()
    );
    ensure!(db.load_users()? == 100, "{} users", db.load_users()?);
    ensure_no_changes(&wd, "after 100 users")?;
    let started = Instant::now();
    let out = wd.run(&["destroy", "-auto-approve", "-no-color", "-parallelism=20"])?;
    ensure!(out.success(), "destroy failed: {}", out.stderr);
    eprintln!("{engine}: destroyed 100 users in {:?}", started.elapsed());
    ensure!(db.load_users()? == 0, "users left");
    ensure!(
        our_secret_names(&moto)?
            .iter()
            .all(|n| n.starts_with("test/")),
        "secrets left"
    );
    Ok(())
}

#[test]
fn hundred_postgres_users_with_parallelism_20() -> Result<()> {
    hundred_users("postgres")
}

#[test]
fn hundred_mariadb_users_with_parallelism_20() -> Result<()> {
    hundred_users("mariadb")
}
