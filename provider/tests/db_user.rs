//! `logexaminer_db_user` and `logexaminer_db_credentials` through a real Terraform core, against a real
//! MariaDB 10.11, Oracle MySQL 9.7 and PostgreSQL 15 started by the rig and moto for Secrets Manager.
//! Every MySQL-family suite runs on both MariaDB (`engine = "mariadb"`) and MySQL (`engine = "mysql"`).
//!
//! Admins are never superusers: the MySQL-family `lx_admin` is shaped like RDS's master user (CREATE USER,
//! SELECT on `mysql`, the metastore privileges WITH GRANT OPTION, no SUPER); PostgreSQL `lx_admin` has
//! CREATEROLE and owns the metastore database.
//!
//! MySQL 9.7 stands in for RDS for MySQL 8.0/8.4: what these suites use behaves the same there
//! (caching_sha2_password is the default plugin from 8.0, `mysql.role_edges` holds role grants from 8.0,
//! user names are at most 32 characters from 5.7.8), except where a test says otherwise.

use std::path::PathBuf;
use std::time::Instant;

use anyhow::{Context, Result, bail, ensure};
use serde_json::{Value, json};
use test_support::{Moto, MyServer, MysqlFamily, Postgres, Provider, TestCa, TfWorkdir};

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
    moto.call("secretsmanager", op, &args)
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

/// Creates the MySQL-family admin (no SUPER, no global ALL), the metastore database and another database.
fn my_setup(db: &MyServer) -> Result<()> {
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

fn my_config_for(
    engine: &str,
    db: &MyServer,
    admin_arn: &str,
    grants: &str,
    extra: &str,
) -> String {
    format!(
        r#"
ephemeral "logexaminer_db_credentials" "admin" {{
  secret_id = "{admin_arn}"
}}

resource "logexaminer_db_user" "rw" {{
  engine   = "{engine}"
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
    let db = MysqlFamily::start("mariadb")?;
    my_lifecycle(&db)
}

/// The MariaDB lifecycle on Oracle MySQL 9.7 (engine = "mysql"): caching_sha2_password users, MySQL's
/// SHOW GRANTS format, an RDS-shaped admin without SUPER.
#[test]
fn mysql_lifecycle_with_write_only_admin_password() -> Result<()> {
    let db = MysqlFamily::start("mysql")?;
    my_lifecycle(&db).with_context(|| format!("MySQL server log:\n{}", db.log()))
}

fn my_lifecycle(db: &MyServer) -> Result<()> {
    let engine = db.engine();
    let moto = Moto::start()?;
    my_setup(db)?;
    // The admin's password reaches Terraform only through the ephemeral resource.
    let admin = aws(
        &moto,
        "create_secret",
        json!({"Name": format!("test/{engine}-admin"), "SecretString": json!({
            "engine": engine, "host": "127.0.0.1", "port": db.port(),
            "username": "lx_admin", "password": MY_ADMIN_PW
        }).to_string()}),
    )?;
    let admin_arn = admin["ARN"].as_str().context("admin arn")?.to_owned();
    let mut wd = workdir(
        &moto,
        &my_config_for(engine, db, &admin_arn, MY_GRANTS_V1, ""),
    )?;
    wd.set_env("TF_LOG", "TRACE");
    let plan_out = wd.plan_json()?;
    let applied = wd.apply(&[])?;
    wd.set_env("TF_LOG", "");
    let secret_arn = resource_attr(&wd, "logexaminer_db_user.rw", "secret_arn")?;
    let secret = secret_json(&moto, &secret_arn)?;
    let pw = secret["password"].as_str().context("password")?.to_owned();
    ensure!(
        secret["engine"] == engine
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
    rewrite(
        &wd,
        &my_config_for(engine, db, &admin_arn, MY_GRANTS_V2, ""),
    )?;
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
        &my_config_for(
            engine,
            db,
            &admin_arn,
            MY_GRANTS_V2,
            "  password_version = 7",
        ),
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
        "{engine}://127.0.0.1:{}/hive_rw@%25?tls=disable&database=metastore&admin_username=lx_admin&password_version=7&recovery_window_in_days=0&secret_arn={}",
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

/// Hostile user names on PostgreSQL, MariaDB and Oracle MySQL at once: each engine's limits are refused at
/// validate with the attribute and the reason, and names full of quotes and SQL are created exactly as
/// written, never executed. MySQL's name is exactly 32 characters (33 bytes): its limit counts characters.
#[test]
fn hostile_names_are_rejected_or_created_exactly() -> Result<()> {
    let moto = Moto::start()?;
    let pg = Postgres::start()?;
    pg_setup(&pg)?;
    let maria = MysqlFamily::start("mariadb")?;
    my_setup(&maria)?;
    let mysql = MysqlFamily::start("mysql")?;
    my_setup(&mysql)?;
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
    let server = |engine: &str| -> (u16, &str) {
        match engine {
            "postgres" => (pg.port(), pg_arn),
            "mysql" => (mysql.port(), my_arn),
            _ => (maria.port(), my_arn),
        }
    };

    // Rejected at validate, with the attribute and the reason.
    let long = "a".repeat(200);
    let mysql_long = "a".repeat(33);
    let rejected = [
        ("postgres", long.as_str(), "63 bytes"),
        ("mariadb", long.as_str(), "128 characters"),
        ("mysql", mysql_long.as_str(), "at most 32"),
        ("mariadb", "emoji😀", "Basic Multilingual Plane"),
        ("mysql", "emoji😀", "Basic Multilingual Plane"),
        ("postgres", "pg_sneaky", "reserved"),
        ("mariadb", "root", "reserved"),
        ("mysql", "root", "reserved"),
        ("mysql", "rdsadmin", "reserved"),
        ("postgres", "line\nbreak", "control character"),
        ("mariadb", "trailing ", "whitespace"),
        ("mysql", "trailing ", "whitespace"),
    ];
    for (engine, name, reason) in rejected {
        let (port, arn) = server(engine);
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
    let maria_name = "we`ird'; DROP DATABASE metastore; -- ü \\ \"q\"";
    let mysql_name = "we`ird'; DROP DATABASE m;-- ü\\\"q";
    ensure!(mysql_name.chars().count() == 32 && mysql_name.len() == 33);
    let body = format!(
        "{}{}{}",
        user(pg_name, "postgres", pg.port(), pg_arn, "pg"),
        user(maria_name, "mariadb", maria.port(), my_arn, "maria"),
        user(mysql_name, "mysql", mysql.port(), my_arn, "mysql"),
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
    for (db, name, label) in [(&maria, maria_name, "maria"), (&mysql, mysql_name, "mysql")] {
        let engine = db.engine();
        let hex: String = name.bytes().map(|b| format!("{b:02X}")).collect();
        let found = db.exec(&format!(
            "SELECT HEX(User) FROM mysql.user WHERE User = X'{hex}';"
        ))?;
        ensure!(found.trim() == hex, "{engine}: {found:?} != {hex}");
        ensure!(
            db.exec("SHOW DATABASES LIKE 'metastore';")?.trim() == "metastore",
            "{engine}: metastore dropped"
        );
        // It logs in with the password from its secret.
        let address = format!("logexaminer_db_user.{label}");
        let secret = secret_json(&moto, &resource_attr(&wd, &address, "secret_arn")?)?;
        ensure!(
            secret["username"] == name,
            "{engine}: {}",
            secret["username"]
        );
        db.exec_as(
            name,
            secret["password"].as_str().context("pw")?,
            Some("metastore"),
            "SELECT 1;",
        )?;
        let id = resource_attr(&wd, &address, "id")?;
        ensure!(
            !id.contains('`') && !id.contains(' '),
            "{engine}: import ID not encoded: {id}"
        );
    }
    wd.destroy()?;
    ensure!(
        pg.exec("SELECT count(*) FROM pg_roles WHERE rolname LIKE 'Robert%';")?
            .trim()
            == "0"
    );
    for db in [&maria, &mysql] {
        let left = db.exec("SELECT count(*) FROM mysql.user WHERE User LIKE 'we%';")?;
        ensure!(left.trim() == "0", "{}: {left} users left", db.engine());
    }
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

/// Failure atomicity on a MySQL-family server, where CREATE USER and GRANT commit implicitly (no transaction
/// can undo them): an unreachable server creates nothing; an existing user is left untouched and the secret
/// written first is deleted again; a taken secret name creates no user; a grant refused after the user was
/// created drops the user and deletes the secret.
fn my_failures_are_undone(engine: &str) -> Result<()> {
    let moto = Moto::start()?;
    let db = MysqlFamily::start(engine)?;
    my_setup(&db)?;
    let admin = aws(
        &moto,
        "create_secret",
        json!({"Name": format!("test/{engine}-admin"), "SecretString": json!({"username": "lx_admin", "password": MY_ADMIN_PW}).to_string()}),
    )?;
    let admin_arn = admin["ARN"].as_str().context("arn")?.to_owned();
    let config = |username: &str, endpoint_extra: &str, grants: &str, extra: &str| {
        format!(
            r#"
resource "logexaminer_db_user" "my" {{
  engine   = "{engine}"
  username = "{username}"
  endpoint {{
    host     = "127.0.0.1"
    port     = {port}
    database = "metastore"
    tls      = "disable"
{endpoint_extra}
  }}
  admin_secret_arn        = "{admin_arn}"
  recovery_window_in_days = 0
{grants}
{extra}
}}
"#,
            port = if endpoint_extra.is_empty() {
                db.port()
            } else {
                9
            },
        )
    };
    let no_secrets_left = |what: &str| -> Result<()> {
        ensure!(
            our_secret_names(&moto)?
                .iter()
                .all(|n| n.starts_with("test/")),
            "{engine}: {what}: secret left behind"
        );
        Ok(())
    };
    let users = |name: &str| -> Result<String> {
        Ok(db
            .exec(&format!(
                "SELECT COUNT(*) FROM mysql.user WHERE User = '{name}';"
            ))?
            .trim()
            .to_owned())
    };

    // Unreachable server: the error names host:port and the timeout; nothing is created.
    let wd = workdir(
        &moto,
        &config("nowhere", "    connect_timeout = 2", MY_GRANTS_V1, ""),
    )?;
    let out = wd.run(&["apply", "-auto-approve", "-no-color"])?;
    ensure!(!out.success(), "{engine}: apply against port 9 succeeded");
    let text = squash(&out.stderr);
    for needle in ["127.0.0.1:9", "(timeout 2 s)"] {
        ensure!(
            text.contains(needle),
            "{engine}: missing {needle:?} in:\n{text}"
        );
    }
    no_secrets_left("unreachable")?;

    // The user exists already: the secret written first is deleted again, the existing user untouched.
    db.exec("CREATE USER 'taken'@'%' IDENTIFIED BY 'taken-pw-0123456789'; GRANT SELECT ON metastore.* TO 'taken'@'%';")?;
    let wd = workdir(&moto, &config("taken", "", MY_GRANTS_V2, ""))?;
    let out = wd.run(&["apply", "-auto-approve", "-no-color"])?;
    ensure!(
        !out.success(),
        "{engine}: creating an existing user succeeded"
    );
    ensure!(
        squash(&out.stderr).contains("already exists"),
        "{engine}: {}",
        out.stderr
    );
    no_secrets_left("existing user")?;
    ensure!(
        db.exec_as(
            "taken",
            "taken-pw-0123456789",
            Some("metastore"),
            "SELECT id FROM TBLS;"
        )?
        .trim()
            == "1",
        "{engine}: existing user damaged"
    );
    let grants = db.exec("SHOW GRANTS FOR 'taken'@'%';")?;
    ensure!(
        !grants.contains("INSERT"),
        "{engine}: existing user got grants: {grants}"
    );
    ensure!(
        wd.state_raw().map(|s| !s.contains("taken")).unwrap_or(true),
        "{engine}: failed create in state"
    );

    // The secret name is taken: no user is created.
    aws(
        &moto,
        "create_secret",
        json!({"Name": format!("test/{engine}-taken-name"), "SecretString": "{}"}),
    )?;
    let wd = workdir(
        &moto,
        &config(
            "fresh",
            "",
            MY_GRANTS_V2,
            &format!("  secret_name = \"test/{engine}-taken-name\""),
        ),
    )?;
    let out = wd.run(&["apply", "-auto-approve", "-no-color"])?;
    ensure!(
        !out.success() && squash(&out.stderr).contains("already exists"),
        "{engine}: {}",
        out.stderr
    );
    ensure!(users("fresh")? == "0", "{engine}: user created");

    // A grant refused after the user was created (the admin holds nothing on `other`): the user is
    // dropped and the secret deleted again.
    let refused = r#"
  grant {
    database   = "metastore"
    privileges = ["SELECT"]
  }
  grant {
    database   = "other"
    privileges = ["SELECT"]
  }
"#;
    let wd = workdir(&moto, &config("halfway", "", refused, ""))?;
    let out = wd.run(&["apply", "-auto-approve", "-no-color"])?;
    ensure!(!out.success(), "{engine}: grant without rights succeeded");
    ensure!(
        squash(&out.stderr).to_lowercase().contains("denied"),
        "{engine}: {}",
        out.stderr
    );
    ensure!(users("halfway")? == "0", "{engine}: user not dropped");
    no_secrets_left("refused grant")?;
    ensure!(
        db.exec("SELECT id FROM other.secret;")?.trim() == "42",
        "{engine}: other database damaged"
    );
    Ok(())
}

#[test]
fn mariadb_failures_are_undone() -> Result<()> {
    my_failures_are_undone("mariadb")
}

#[test]
fn mysql_failures_are_undone() -> Result<()> {
    my_failures_are_undone("mysql")
}

/// TLS through the provider against a MySQL-family server serving a certificate from the rig's [`TestCa`]
/// (`endpoint.tls = "verify-full"`, `ca_bundle_pem`): the admin may log in over TLS only (`REQUIRE SSL`), so a
/// plaintext apply is refused by the server, a bundle of another CA is refused by the provider before any
/// login is sent, and the rig's CA creates a `REQUIRE SSL` user whose refresh plans nothing. On MySQL the
/// logins are caching_sha2_password over TLS (full authentication sends the password inside the TLS session,
/// no RSA key exchange); RDS for MySQL 8.0/8.4 behaves the same with the RDS CA bundle built into the
/// provider instead of `ca_bundle_pem`.
fn my_verify_full_with_the_rig_ca(engine: &str) -> Result<()> {
    let ca = TestCa::new(&format!("lx test CA ({engine})"))?;
    let db = MysqlFamily::start_tls(engine, &ca.issue_server(&["127.0.0.1"])?, ca.cert_pem())?;
    my_setup(&db)?;
    db.exec("ALTER USER 'lx_admin'@'%' REQUIRE SSL;")?;
    let moto = Moto::start()?;
    let admin = aws(
        &moto,
        "create_secret",
        json!({"Name": format!("test/{engine}-tls-admin"), "SecretString": json!({"username": "lx_admin", "password": MY_ADMIN_PW}).to_string()}),
    )?;
    let admin_arn = admin["ARN"].as_str().context("arn")?.to_owned();
    let config = |tls: &str, bundle: Option<&str>| -> Result<String> {
        let bundle = match bundle {
            Some(pem) => format!("    ca_bundle_pem = {}", serde_json::to_string(pem)?),
            None => String::new(),
        };
        Ok(format!(
            r#"
resource "logexaminer_db_user" "tls" {{
  engine   = "{engine}"
  username = "hive_tls"
  endpoint {{
    host     = "127.0.0.1"
    port     = {port}
    database = "metastore"
    tls      = "{tls}"
{bundle}
  }}
  admin_secret_arn        = "{admin_arn}"
  recovery_window_in_days = 0
  require_ssl             = true
  grant {{
    database   = "metastore"
    privileges = ["SELECT"]
  }}
}}
"#,
            port = db.port(),
        ))
    };
    let nothing_created = |what: &str| -> Result<()> {
        let users = db.exec("SELECT COUNT(*) FROM mysql.user WHERE User = 'hive_tls';")?;
        ensure!(users.trim() == "0", "{engine}: {what}: user created");
        ensure!(
            our_secret_names(&moto)?
                .iter()
                .all(|n| n.starts_with("test/")),
            "{engine}: {what}: secret left behind"
        );
        Ok(())
    };

    // Plaintext: the server refuses the admin.
    let wd = workdir(&moto, &config("disable", None)?)?;
    let out = wd.run(&["apply", "-auto-approve", "-no-color"])?;
    ensure!(!out.success(), "{engine}: plaintext admin login accepted");
    ensure!(
        squash(&out.stderr).contains("denied"),
        "{engine}: {}",
        out.stderr
    );
    nothing_created("plaintext")?;

    // Another CA: the certificate does not verify, nothing of the login is sent.
    let other = TestCa::new("another CA")?;
    let wd = workdir(&moto, &config("verify-full", Some(other.cert_pem()))?)?;
    let out = wd.run(&["apply", "-auto-approve", "-no-color"])?;
    ensure!(
        !out.success(),
        "{engine}: a certificate of another CA accepted"
    );
    let text = squash(&out.stderr);
    ensure!(
        text.contains("did not verify")
            && text.contains("before any user name or password was sent"),
        "{engine}: {text}"
    );
    nothing_created("another CA")?;

    // The rig's CA.
    let wd = workdir(&moto, &config("verify-full", Some(ca.cert_pem()))?)?;
    wd.apply(&[])?;
    let ssl_type = db.exec("SELECT ssl_type FROM mysql.user WHERE User = 'hive_tls';")?;
    ensure!(ssl_type.trim() == "ANY", "{engine}: ssl_type {ssl_type:?}");
    let secret = secret_json(
        &moto,
        &resource_attr(&wd, "logexaminer_db_user.tls", "secret_arn")?,
    )?;
    let pw = secret["password"].as_str().context("password")?.to_owned();
    ensure!(
        count_hits(&wd.state_raw()?, &pw) == 0,
        "{engine}: the password is in the state"
    );
    ensure_no_changes(&wd, &format!("{engine}: verify-full"))?;
    // The user logs in with its secret over TLS (the rig's `mariadb` client encrypts by default).
    let cipher = db.exec_as(
        "hive_tls",
        &pw,
        Some("metastore"),
        "SHOW SESSION STATUS LIKE 'Ssl_cipher';",
    )?;
    ensure!(
        cipher.starts_with("Ssl_cipher\t") && cipher.trim().len() > "Ssl_cipher".len(),
        "{engine}: not encrypted: {cipher:?}"
    );
    wd.destroy()?;
    nothing_created("destroy")?;
    Ok(())
}

#[test]
fn mariadb_verify_full_with_the_rig_ca() -> Result<()> {
    my_verify_full_with_the_rig_ca("mariadb")
}

#[test]
fn mysql_caching_sha2_over_verify_full_with_the_rig_ca() -> Result<()> {
    my_verify_full_with_the_rig_ca("mysql")
}

/// A database whose name holds `_`, a wildcard in MySQL's database-level grants unless `partial_revokes` is on
/// (then names are literal, and an escape would become part of the name). The provider reads the setting at
/// connect: the user reads `meta_store` and not `metaXstore` (which the unescaped pattern would match), `SHOW
/// GRANTS` holds the spelling the server expects, and the next plan is empty; out-of-band drift in MySQL's
/// SHOW GRANTS format (roles, partial revokes) is read and converged. `partial_revokes` is off by
/// default on MySQL 9.7 as on RDS for MySQL 8.0/8.4 (a parameter-group setting there); MariaDB has no such
/// setting.
fn my_wildcard_database_names(engine: &str, partial_revokes: bool) -> Result<()> {
    let db = MysqlFamily::start(engine)?;
    my_setup(&db)?;
    let admin_pattern = if partial_revokes {
        db.exec("SET PERSIST partial_revokes = ON;")?;
        "`meta_store`"
    } else {
        "`meta\\_store`"
    };
    db.exec(&format!(
        "CREATE DATABASE meta_store; CREATE TABLE meta_store.t (id INT); INSERT INTO meta_store.t VALUES (1); \
         CREATE DATABASE metaXstore; CREATE TABLE metaXstore.t (id INT); INSERT INTO metaXstore.t VALUES (2); \
         GRANT ALL PRIVILEGES ON {admin_pattern}.* TO 'lx_admin'@'%' WITH GRANT OPTION;"
    ))?;
    let moto = Moto::start()?;
    let admin = aws(
        &moto,
        "create_secret",
        json!({"Name": format!("test/{engine}-wild-admin"), "SecretString": json!({"username": "lx_admin", "password": MY_ADMIN_PW}).to_string()}),
    )?;
    let admin_arn = admin["ARN"].as_str().context("arn")?;
    let body = format!(
        r#"
resource "logexaminer_db_user" "wild" {{
  engine   = "{engine}"
  username = "wild"
  endpoint {{
    host     = "127.0.0.1"
    port     = {port}
    database = "metastore"
    tls      = "disable"
  }}
  admin_secret_arn        = "{admin_arn}"
  recovery_window_in_days = 0
  grant {{
    database   = "meta_store"
    privileges = ["SELECT"]
  }}
}}
"#,
        port = db.port()
    );
    let what = format!("{engine} (partial_revokes {partial_revokes})");
    let wd = workdir(&moto, &body)?;
    wd.apply(&[])?;
    let pw = secret_json(
        &moto,
        &resource_attr(&wd, "logexaminer_db_user.wild", "secret_arn")?,
    )?["password"]
        .as_str()
        .context("password")?
        .to_owned();
    ensure!(
        db.exec_as("wild", &pw, None, "SELECT id FROM meta_store.t;")?
            .trim()
            == "1",
        "{what}: meta_store not readable"
    );
    ensure!(
        db.exec_as("wild", &pw, None, "SELECT id FROM metaXstore.t;")
            .is_err(),
        "{what}: the grant matched metaXstore"
    );
    // The client's batch output escapes backslashes: undo that.
    let grants = db
        .exec("SHOW GRANTS FOR 'wild'@'%';")?
        .replace("\\\\", "\\");
    let want = if partial_revokes {
        "ON `meta_store`.*"
    } else {
        "ON `meta\\_store`.*"
    };
    ensure!(grants.contains(want), "{what}: {grants}");
    ensure_no_changes(&wd, &what)?;

    // Out of band: a database privilege beyond the configuration (drift, revoked), a role (MySQL prints
    // `GRANT `r_extra`@`%` TO ...`, MariaDB `GRANT `r_extra` TO ...`: left alone, as the `grant` blocks do
    // not manage roles) and, with partial_revokes, a global SELECT with a partial revoke on `mysql` (drift; the
    // revoke goes with it). The admin holds global SELECT WITH GRANT OPTION then, as RDS's master user does.
    let mut oob = format!(
        "CREATE ROLE r_extra; GRANT SELECT ON metaXstore.* TO r_extra; GRANT r_extra TO 'wild'@'%'; \
         GRANT INSERT ON {admin_pattern}.* TO 'wild'@'%';"
    );
    if partial_revokes {
        oob += "GRANT SELECT ON *.* TO 'lx_admin'@'%' WITH GRANT OPTION; \
                GRANT SELECT ON *.* TO 'wild'@'%'; REVOKE SELECT ON mysql.* FROM 'wild'@'%';";
    }
    db.exec(&oob)?;
    let before = db.exec("SHOW GRANTS FOR 'wild'@'%';")?;
    ensure!(before.contains("r_extra"), "{what}: {before}");
    ensure!(
        !partial_revokes || before.contains("REVOKE SELECT ON `mysql`.*"),
        "{what}: {before}"
    );
    let (code, stdout) = plan_code(&wd)?;
    ensure!(
        code == 2 && stdout.contains("INSERT") && (!partial_revokes || stdout.contains("global")),
        "{what}: drift not planned:\n{stdout}"
    );
    wd.apply(&[])?;
    let after = db.exec("SHOW GRANTS FOR 'wild'@'%';")?;
    ensure!(
        !after.contains("INSERT") && !after.contains("REVOKE") && after.contains("r_extra"),
        "{what}: after apply: {after}"
    );
    ensure!(
        after
            .lines()
            .filter(|l| l.contains(" ON *.* "))
            .all(|l| l.starts_with("GRANT USAGE ON *.*")),
        "{what}: a global privilege is left: {after}"
    );
    ensure_no_changes(&wd, &format!("{what}: after converging"))?;
    wd.destroy()?;
    Ok(())
}

#[test]
fn mariadb_wildcard_database_names() -> Result<()> {
    my_wildcard_database_names("mariadb", false)
}

#[test]
fn mysql_wildcard_database_names() -> Result<()> {
    my_wildcard_database_names("mysql", false)
}

#[test]
fn mysql_partial_revokes_database_names() -> Result<()> {
    my_wildcard_database_names("mysql", true)
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
    My(MysqlFamily),
}

impl Db {
    fn start(engine: &str) -> Result<Db> {
        Ok(if engine == "postgres" {
            let pg = Postgres::start()?;
            pg_setup(&pg)?;
            Db::Pg(pg)
        } else {
            let my = MysqlFamily::start(engine)?;
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

    /// Every `load_N` user (N < count) holds exactly the grants of [`many_users`], read from the catalogs:
    /// nothing missing, nothing extra, nothing grantable, no other database or object.
    fn ensure_exact_load_grants(&self, count: usize) -> Result<()> {
        fn sorted(mut v: Vec<String>) -> Vec<String> {
            v.sort();
            v
        }
        let lines = |out: String| -> Vec<String> {
            sorted(
                out.lines()
                    .filter(|l| !l.is_empty())
                    .map(str::to_owned)
                    .collect(),
            )
        };
        let want = |f: &dyn Fn(usize) -> String| sorted((0..count).map(f).collect());
        match self {
            Db::My(m) => {
                let schema = lines(m.exec(
                    "SELECT CONCAT(GRANTEE, '|', TABLE_SCHEMA, '|', \
                     GROUP_CONCAT(PRIVILEGE_TYPE ORDER BY PRIVILEGE_TYPE), '|', IS_GRANTABLE) \
                     FROM information_schema.SCHEMA_PRIVILEGES WHERE GRANTEE LIKE '''load\\_%' \
                     GROUP BY GRANTEE, TABLE_SCHEMA, IS_GRANTABLE;",
                )?);
                let expected = want(&|i| format!("'load_{i}'@'%'|metastore|INSERT,SELECT|NO"));
                ensure!(schema == expected, "database grants differ: {schema:#?}");
                let extra = m.exec(&format!(
                    "SELECT (SELECT COUNT(*) FROM information_schema.USER_PRIVILEGES \
                       WHERE GRANTEE LIKE '''load\\_%' AND PRIVILEGE_TYPE <> 'USAGE') \
                     + (SELECT COUNT(*) FROM information_schema.TABLE_PRIVILEGES WHERE GRANTEE LIKE '''load\\_%') \
                     + (SELECT COUNT(*) FROM information_schema.COLUMN_PRIVILEGES WHERE GRANTEE LIKE '''load\\_%') \
                     + (SELECT COUNT(*) FROM mysql.procs_priv WHERE User LIKE 'load\\_%') \
                     + {roles};",
                    // Role grants: MariaDB's mysql.roles_mapping, MySQL's (8.0+) mysql.role_edges.
                    roles = if m.engine() == "mysql" {
                        "(SELECT COUNT(*) FROM mysql.role_edges WHERE TO_USER LIKE 'load\\_%')"
                    } else {
                        "(SELECT COUNT(*) FROM mysql.roles_mapping WHERE User LIKE 'load\\_%')"
                    },
                ))?;
                ensure!(
                    extra.trim() == "0",
                    "{} grants beyond the configuration",
                    extra.trim()
                );
            }
            Db::Pg(p) => {
                let in_meta = |sql: &str| {
                    p.exec_as(p.admin_user(), p.admin_password(), Some("metastore"), sql)
                };
                let dbs = lines(p.exec(
                    "SELECT r.rolname || '|' || d.datname || '|' || a.privilege_type || '|' || a.is_grantable \
                     FROM pg_database d CROSS JOIN LATERAL aclexplode(d.datacl) a \
                     JOIN pg_roles r ON r.oid = a.grantee WHERE r.rolname LIKE 'load\\_%';",
                )?);
                let expected = want(&|i| format!("load_{i}|metastore|CONNECT|false"));
                ensure!(dbs == expected, "database grants differ: {dbs:#?}");
                let schemas = lines(in_meta(
                    "SELECT r.rolname || '|' || n.nspname || '|' || a.privilege_type || '|' || a.is_grantable \
                     FROM pg_namespace n CROSS JOIN LATERAL aclexplode(n.nspacl) a \
                     JOIN pg_roles r ON r.oid = a.grantee WHERE r.rolname LIKE 'load\\_%';",
                )?);
                let expected = want(&|i| format!("load_{i}|hive|USAGE|false"));
                ensure!(schemas == expected, "schema grants differ: {schemas:#?}");
                let tables = lines(in_meta(
                    "SELECT grantee || '|' || string_agg(table_schema || '.' || table_name || ':' \
                     || privilege_type || ':' || is_grantable, ',' \
                     ORDER BY table_schema, table_name, privilege_type) \
                     FROM information_schema.role_table_grants WHERE grantee LIKE 'load\\_%' GROUP BY grantee;",
                )?);
                let expected = want(&|i| {
                    format!(
                        "load_{i}|hive.dbs:INSERT:NO,hive.dbs:SELECT:NO,hive.tbls:INSERT:NO,hive.tbls:SELECT:NO"
                    )
                });
                ensure!(tables == expected, "table grants differ: {tables:#?}");
                let members = p.exec(
                    "SELECT count(*) FROM pg_auth_members m JOIN pg_roles r ON r.oid = m.member \
                     WHERE r.rolname LIKE 'load\\_%';",
                )?;
                ensure!(members.trim() == "0", "{} role memberships", members.trim());
            }
        }
        Ok(())
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
    // Outcomes, not the absence of some error text: the apply exited 0 (checked by `apply`) with no
    // diagnostic at all, and every user exists with exactly its configured grants in the catalogs.
    ensure!(
        !out.stdout.contains("Error:") && !out.stderr.contains("Error:"),
        "the parallel apply reported errors: {}{}",
        out.stdout,
        out.stderr
    );
    db.ensure_exact_load_grants(100)?;
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

#[test]
fn hundred_mysql_users_with_parallelism_20() -> Result<()> {
    hundred_users("mysql")
}

/// A service user granted only another database than `endpoint.database`, managed with a write-only admin
/// password (so refresh logs in as the user itself).
fn service_user_config(engine: &str, port: u16, admin_arn: &str, grants: &str) -> String {
    format!(
        r#"
ephemeral "logexaminer_db_credentials" "admin" {{
  secret_id = "{admin_arn}"
}}

resource "logexaminer_db_user" "svc" {{
  engine   = "{engine}"
  username = "svc_other"
  endpoint {{
    host     = "127.0.0.1"
    port     = {port}
    database = "metastore"
    tls      = "disable"
  }}
  admin_username          = "lx_admin"
  admin_password_wo       = ephemeral.logexaminer_db_credentials.admin.password
  recovery_window_in_days = 0
{grants}
}}
"#
    )
}

/// Refresh tells "this login cannot open endpoint.database" (MySQL 1044, PostgreSQL 42501) from "the
/// password no longer works" (1045, 28P01): no password is planned for a user whose grants exclude the
/// connection database, and a password changed outside Terraform is still noticed.
fn refresh_keeps_the_password_of(engine: &str) -> Result<()> {
    let moto = Moto::start()?;
    let (pg, my) = if engine == "postgres" {
        let pg = Postgres::start()?;
        pg_setup(&pg)?;
        pg.exec("CREATE DATABASE other OWNER lx_admin; REVOKE CONNECT ON DATABASE metastore FROM PUBLIC;")?;
        pg.exec_as(
            "lx_admin",
            PG_ADMIN_PW,
            Some("other"),
            "CREATE SCHEMA app; CREATE TABLE app.t (id int); INSERT INTO app.t VALUES (7);",
        )?;
        (Some(pg), None)
    } else {
        let db = MysqlFamily::start(engine)?;
        my_setup(&db)?;
        db.exec("GRANT SELECT ON other.* TO 'lx_admin'@'%' WITH GRANT OPTION;")?;
        (None, Some(db))
    };
    let (port, admin_pw) = match (&pg, &my) {
        (Some(p), _) => (p.port(), PG_ADMIN_PW),
        (_, Some(m)) => (m.port(), MY_ADMIN_PW),
        _ => bail!("no database"),
    };
    let admin = aws(
        &moto,
        "create_secret",
        json!({"Name": format!("test/{engine}-admin"), "SecretString": json!({
            "engine": engine, "host": "127.0.0.1", "port": port,
            "username": "lx_admin", "password": admin_pw
        }).to_string()}),
    )?;
    let admin_arn = admin["ARN"].as_str().context("admin arn")?.to_owned();
    let grants = if engine == "postgres" {
        r#"
  grant {
    database   = "other"
    privileges = ["CONNECT"]
  }
  grant {
    database    = "other"
    schema      = "app"
    object_type = "schema"
    privileges  = ["USAGE"]
  }
  grant {
    database   = "other"
    schema     = "app"
    privileges = ["SELECT"]
  }"#
    } else {
        r#"
  grant {
    database   = "other"
    privileges = ["SELECT"]
  }"#
    };
    let wd = workdir(
        &moto,
        &service_user_config(engine, port, &admin_arn, grants),
    )?;
    wd.apply(&[])?;
    let secret_arn = resource_attr(&wd, "logexaminer_db_user.svc", "secret_arn")?;
    let version = resource_attr(&wd, "logexaminer_db_user.svc", "secret_version_id")?;
    let pw = secret_json(&moto, &secret_arn)?["password"]
        .as_str()
        .context("password")?
        .to_owned();

    // The situation is real: the user may not open the connection database, but its own one works.
    let (denied, works) = match (&pg, &my) {
        (Some(p), _) => (
            p.exec_as("svc_other", &pw, Some("metastore"), "SELECT 1;"),
            p.exec_as("svc_other", &pw, Some("other"), "SELECT id FROM app.t;")?,
        ),
        (_, Some(m)) => (
            m.exec_as("svc_other", &pw, Some("metastore"), "SELECT 1;"),
            m.exec_as("svc_other", &pw, None, "SELECT id FROM other.secret;")?,
        ),
        _ => bail!("no database"),
    };
    ensure!(denied.is_err(), "{engine}: the user may open metastore");
    ensure!(
        works.trim() == "7" || works.trim() == "42",
        "{engine}: {works}"
    );

    // Refresh does not take the refusal for a dead password: plans stay empty, the password stays.
    ensure_no_changes(&wd, &format!("{engine}: second plan"))?;
    ensure_no_changes(&wd, &format!("{engine}: third plan"))?;
    wd.apply(&[])?;
    ensure!(
        resource_attr(&wd, "logexaminer_db_user.svc", "secret_version_id")? == version,
        "{engine}: a new secret version was written"
    );
    ensure!(
        secret_json(&moto, &secret_arn)?["password"] == pw.as_str(),
        "{engine}: the password changed"
    );

    // A password that really stopped working is still noticed and replaced.
    match (&pg, &my) {
        (Some(p), _) => {
            p.exec("ALTER ROLE svc_other PASSWORD 'changed-outside-0123456789abcdef';")?
        }
        (_, Some(m)) => {
            m.exec("ALTER USER 'svc_other'@'%' IDENTIFIED BY 'changed-outside-0123456789abcdef';")?
        }
        _ => bail!("no database"),
    };
    let (code, stdout) = plan_code(&wd)?;
    ensure!(
        code == 2 && stdout.contains("secret_version_id"),
        "{engine}: dead password not noticed:\n{stdout}"
    );
    wd.apply(&[])?;
    let pw2 = secret_json(&moto, &secret_arn)?["password"]
        .as_str()
        .context("password")?
        .to_owned();
    ensure!(pw2 != pw, "{engine}: password not replaced");
    ensure_no_changes(&wd, &format!("{engine}: after the new password"))?;

    let mut wd = wd;
    wd.set_env("LOGEXAMINER_DB_ADMIN_PASSWORD", admin_pw);
    wd.destroy()?;
    Ok(())
}

#[test]
fn mariadb_refresh_tells_database_access_from_a_dead_password() -> Result<()> {
    refresh_keeps_the_password_of("mariadb")
}

#[test]
fn mysql_refresh_tells_database_access_from_a_dead_password() -> Result<()> {
    refresh_keeps_the_password_of("mysql")
}

#[test]
fn postgres_refresh_tells_database_access_from_a_dead_password() -> Result<()> {
    refresh_keeps_the_password_of("postgres")
}

/// The TLS rules as a real Terraform reports them from `terraform validate` (no server needed): `require`
/// warns naming the risk, `disable` to a remote host without `allow_plaintext` and `ca_bundle_pem` without
/// `verify-full` are errors, `verify-full` (the default) and `disable` on a loopback host pass quietly.
#[test]
fn tls_rules_at_validate() -> Result<()> {
    let user = |endpoint: &str| {
        format!(
            r#"
resource "logexaminer_db_user" "u" {{
  engine   = "postgres"
  username = "hive"
  endpoint {{
    database = "metastore"
{endpoint}
  }}
  admin_secret_arn = "arn:aws:secretsmanager:eu-west-1:111122223333:secret:admin-AbCdEf"
  grant {{
    database   = "metastore"
    privileges = ["CONNECT"]
  }}
}}
"#
        )
    };
    let pem = "-----BEGIN CERTIFICATE-----\\nMIIB\\n-----END CERTIFICATE-----\\n";
    // (case, endpoint attributes, expected (severity, summary) or none)
    type Case<'a> = (&'a str, String, Option<(&'a str, &'a str)>);
    let cases: [Case<'_>; 6] = [
        ("default", r#"    host = "db.example.com""#.into(), None),
        (
            "require",
            "    host = \"db.example.com\"\n    tls = \"require\"".into(),
            Some(("warning", "does not check the server certificate")),
        ),
        (
            "disable remote",
            "    host = \"db.example.com\"\n    tls = \"disable\"".into(),
            Some(("error", "not a loopback address")),
        ),
        (
            "disable remote allowed",
            "    host = \"db.example.com\"\n    tls = \"disable\"\n    allow_plaintext = true"
                .into(),
            None,
        ),
        (
            "disable loopback",
            "    host = \"127.0.0.1\"\n    tls = \"disable\"".into(),
            None,
        ),
        (
            "bundle without verify-full",
            format!(
                "    host = \"127.0.0.1\"\n    tls = \"disable\"\n    ca_bundle_pem = \"{pem}\""
            ),
            Some(("error", "ca_bundle_pem needs tls")),
        ),
    ];
    for (what, endpoint, want) in cases {
        let wd = TfWorkdir::new(
            &[("main.tf", &format!("{HEADER}{}", user(&endpoint)))],
            &[provider()],
        )?;
        wd.init()?;
        let v = wd.validate_json()?;
        let diags = v["diagnostics"].as_array().cloned().unwrap_or_default();
        let ours: Vec<&Value> = diags
            .iter()
            .filter(|d| {
                let s = d["summary"].as_str().unwrap_or_default();
                s.contains("tls") || s.contains("ca_bundle_pem")
            })
            .collect();
        match want {
            None => {
                ensure!(v["valid"] == true, "{what}: {v}");
                ensure!(ours.is_empty(), "{what}: {ours:?}");
            }
            Some((severity, summary)) => {
                ensure!(
                    ours.iter().any(|d| d["severity"] == severity
                        && d["summary"].as_str().unwrap_or_default().contains(summary)),
                    "{what}: {v}"
                );
                ensure!(v["valid"] == (severity == "warning"), "{what}: {v}");
                if severity == "warning" {
                    let detail = ours
                        .iter()
                        .map(|d| d["detail"].as_str().unwrap_or_default())
                        .collect::<String>();
                    ensure!(detail.contains("admin password"), "{what}: {detail}");
                }
            }
        }
    }
    Ok(())
}

/// Values that reach SQL are judged at `terraform validate` by the rules the statement builders use, with the
/// attribute path: a database name that reads like a wildcard on MariaDB/MySQL, and PUBLIC (or another name
/// PostgreSQL does not take as a role) among the default-privilege roles, while the RDS master `postgres`
/// stays allowed.
#[test]
fn values_apply_would_refuse_fail_at_validate_with_their_path() -> Result<()> {
    let user = |engine: &str, grant_db: &str, roles: &str| {
        let privilege = if engine == "postgres" {
            "CONNECT"
        } else {
            "SELECT"
        };
        format!(
            r#"
resource "logexaminer_db_user" "u" {{
  engine   = "{engine}"
  username = "hive"
  endpoint {{
    host     = "db.example.com"
    database = "metastore"
  }}
  admin_secret_arn = "arn:aws:secretsmanager:eu-west-1:111122223333:secret:admin-AbCdEf"
  grant {{
    database   = "{grant_db}"
    privileges = ["{privilege}"]
  }}
  {roles}
}}
"#
        )
    };
    // (case, config, expected text in an error that points at the attribute, or none)
    type Case<'a> = (&'a str, String, Option<(&'a str, &'a str)>);
    let cases: [Case<'_>; 6] = [
        (
            "mysql star",
            user("mysql", "*", ""),
            Some(("database", "*")),
        ),
        (
            "mariadb percent",
            user("mariadb", "%", ""),
            Some(("database", "%")),
        ),
        ("mysql exact", user("mysql", "metastore", ""), None),
        (
            "postgres public",
            user(
                "postgres",
                "metastore",
                r#"default_privilege_roles = ["public"]"#,
            ),
            Some(("default_privilege_roles", "public")),
        ),
        (
            "postgres current_user",
            user(
                "postgres",
                "metastore",
                r#"default_privilege_roles = ["current_user"]"#,
            ),
            Some(("default_privilege_roles", "current_user")),
        ),
        (
            "postgres master",
            user(
                "postgres",
                "metastore",
                r#"default_privilege_roles = ["postgres"]"#,
            ),
            None,
        ),
    ];
    for (what, config, want) in cases {
        let wd = TfWorkdir::new(&[("main.tf", &format!("{HEADER}{config}"))], &[provider()])?;
        wd.init()?;
        let v = wd.validate_json()?;
        let errors: Vec<Value> = v["diagnostics"]
            .as_array()
            .cloned()
            .unwrap_or_default()
            .into_iter()
            .filter(|d| d["severity"] == "error")
            .collect();
        match want {
            None => ensure!(v["valid"] == true, "{what}: {v}"),
            Some((attr, value)) => {
                ensure!(v["valid"] == false, "{what}: validate accepted it: {v}");
                ensure!(
                    errors.iter().any(|d| {
                        let text = format!("{} {}", d["summary"], d["detail"]);
                        let path = d["snippet"]["code"].to_string();
                        text.contains(value) && (text.contains(attr) || path.contains(attr))
                    }),
                    "{what}: no error naming {attr} and {value:?}: {errors:#?}"
                );
                ensure!(
                    errors.iter().all(|d| !d["range"].is_null()),
                    "{what}: an error without a source range (attribute path): {errors:#?}"
                );
            }
        }
    }
    Ok(())
}

/// A user whose secret is rotated with alternating users (simulated here as the rotation function leaves
/// it after one rotation: `<user>_clone` with the user's grants holds AWSCURRENT; on PostgreSQL both are
/// members of `<user>_owner`). Changing `endpoint.database` rewrites the secret with the clone's user and
/// password, so it stays one working login; destroy drops the clone (and the owner role) with the user.
fn alternating_companions_follow_the_user(engine: &str) -> Result<()> {
    const CLONE_PW: &str = "Clone-Password-0123456789abcdefghij";
    let moto = Moto::start()?;
    let (pg, my) = if engine == "postgres" {
        let pg = Postgres::start()?;
        pg_setup(&pg)?;
        pg.exec("CREATE DATABASE meta2 OWNER lx_admin;")?;
        (Some(pg), None)
    } else {
        let db = MysqlFamily::start(engine)?;
        my_setup(&db)?;
        db.exec("CREATE DATABASE meta2; GRANT ALL PRIVILEGES ON meta2.* TO 'lx_admin'@'%' WITH GRANT OPTION;")?;
        (None, Some(db))
    };
    let (port, admin_pw) = match (&pg, &my) {
        (Some(p), _) => (p.port(), PG_ADMIN_PW),
        (_, Some(m)) => (m.port(), MY_ADMIN_PW),
        _ => bail!("no database"),
    };
    let exec = |sql: &str| -> Result<String> {
        match (&pg, &my) {
            (Some(p), _) => p.exec(sql),
            (_, Some(m)) => m.exec(sql),
            _ => bail!("no database"),
        }
    };
    let admin = aws(
        &moto,
        "create_secret",
        json!({"Name": format!("test/{engine}-alt-admin"), "SecretString": json!({
            "engine": engine, "host": "127.0.0.1", "port": port,
            "username": "lx_admin", "password": admin_pw
        }).to_string()}),
    )?;
    let admin_arn = admin["ARN"].as_str().context("admin arn")?.to_owned();
    let config = |database: &str| {
        format!(
            r#"
resource "logexaminer_db_user" "alt" {{
  engine   = "{engine}"
  username = "alt"
  endpoint {{
    host     = "127.0.0.1"
    port     = {port}
    database = "{database}"
    tls      = "disable"
  }}
  admin_secret_arn        = "{admin_arn}"
  recovery_window_in_days = 0
  grant {{
    database   = "metastore"
    privileges = ["CONNECT"]
  }}
}}
"#
        )
        .replace(
            "privileges = [\"CONNECT\"]",
            if engine == "postgres" {
                "privileges = [\"CONNECT\"]"
            } else {
                "privileges = [\"SELECT\"]"
            },
        )
    };
    let wd = workdir(&moto, &config("metastore"))?;
    wd.apply(&[])?;
    let secret_arn = resource_attr(&wd, "logexaminer_db_user.alt", "secret_arn")?;
    let binding: Value = serde_json::from_str(&resource_attr(
        &wd,
        "logexaminer_db_user.alt",
        "rotation_binding",
    )?)?;
    ensure!(
        binding["secret_arn"] == secret_arn.as_str()
            && binding["username"] == "alt"
            && binding["admin_secret_arn"] == admin_arn.as_str()
            && binding["dbname"] == "metastore",
        "{binding}"
    );
    // One alternating rotation, as the function leaves it.
    if engine == "postgres" {
        exec(&format!(
            "CREATE ROLE alt_owner NOLOGIN; CREATE ROLE alt_clone LOGIN PASSWORD '{CLONE_PW}'; \
             GRANT alt_owner TO alt; GRANT alt_owner TO alt_clone; GRANT alt TO alt_clone; \
             GRANT CONNECT ON DATABASE metastore TO alt_clone;"
        ))?;
    } else {
        exec(&format!(
            "CREATE USER 'alt_clone'@'%' IDENTIFIED BY '{CLONE_PW}'; GRANT SELECT ON metastore.* TO 'alt_clone'@'%';"
        ))?;
    }
    let mut rotated = secret_json(&moto, &secret_arn)?;
    rotated["username"] = json!("alt_clone");
    rotated["password"] = json!(CLONE_PW);
    rotated["base_username"] = json!("alt");
    aws(
        &moto,
        "put_secret_value",
        json!({"SecretId": secret_arn, "SecretString": rotated.to_string()}),
    )?;
    // The connection database changes: the secret keeps the clone's login.
    rewrite(&wd, &config("meta2"))?;
    wd.apply(&[])?;
    let after = secret_json(&moto, &secret_arn)?;
    ensure!(
        after["username"] == "alt_clone"
            && after["password"] == CLONE_PW
            && after["dbname"] == "meta2",
        "the secret must stay the clone's working login: user {} dbname {}",
        after["username"],
        after["dbname"]
    );
    // Destroy drops the pair.
    wd.destroy()?;
    let left = if engine == "postgres" {
        exec("SELECT count(*) FROM pg_roles WHERE rolname IN ('alt', 'alt_clone', 'alt_owner');")?
    } else {
        exec("SELECT count(*) FROM mysql.user WHERE User IN ('alt', 'alt_clone');")?
    };
    ensure!(left.trim() == "0", "accounts left after destroy: {left}");
    ensure!(secret_gone(&moto, &secret_arn), "secret left after destroy");
    Ok(())
}

#[test]
fn mariadb_alternating_companions_follow_the_user() -> Result<()> {
    alternating_companions_follow_the_user("mariadb")
}

#[test]
fn mysql_alternating_companions_follow_the_user() -> Result<()> {
    alternating_companions_follow_the_user("mysql")
}

#[test]
fn postgres_alternating_companions_follow_the_user() -> Result<()> {
    alternating_companions_follow_the_user("postgres")
}
