//! The [`MariaDb`], [`Mysql`] and [`Postgres`] guards: start, run SQL as admin and as a created user,
//! survive a simulated outage, and leave nothing behind.

use std::net::TcpStream;

use anyhow::Result;
use test_support::{MariaDb, Mysql, MysqlFamily, Postgres, TestCa};

fn listening(port: u16) -> bool {
    TcpStream::connect(("127.0.0.1", port)).is_ok()
}

#[test]
fn mariadb_runs_sql_and_survives_an_outage() -> Result<()> {
    let mut db = MariaDb::start()?;
    assert_eq!(db.host(), "127.0.0.1");
    assert_eq!(db.admin_user(), "root");
    assert_eq!(db.exec("SELECT 1;")?, "1\n");
    assert_eq!(
        db.exec("SELECT 'a', 2 UNION ALL SELECT 'b', 3;")?,
        "a\t2\nb\t3\n"
    );

    // No anonymous accounts, and root needs its password.
    assert_eq!(
        db.exec("SELECT COUNT(*) FROM mysql.global_priv WHERE User = '';")?,
        "0\n"
    );
    let wrong_root = db.exec_as("root", "wrong", None, "SELECT 1;");
    assert!(wrong_root.is_err());

    db.exec(
        "CREATE DATABASE app; CREATE USER 'app'@'%' IDENTIFIED BY 's3cret'; \
         GRANT ALL ON app.* TO 'app'@'%';",
    )?;
    assert_eq!(
        db.exec_as(
            "app",
            "s3cret",
            Some("app"),
            "SELECT CURRENT_USER(), DATABASE();"
        )?,
        "app@%\tapp\n"
    );
    let denied = db
        .exec_as("app", "nope", None, "SELECT 1;")
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
    assert!(denied.contains("Access denied"), "{denied}");
    assert!(
        !denied.contains("nope"),
        "password leaked into the error: {denied}"
    );

    let debug = format!("{db:?}");
    assert!(!debug.contains(db.admin_password()), "{debug}");

    db.exec("CREATE TABLE app.t (x INT); INSERT INTO app.t VALUES (7);")?;
    db.stop()?;
    assert!(!db.is_running());
    assert!(db.exec("SELECT 1;").is_err());
    db.start_again()?;
    assert_eq!(db.exec("SELECT x FROM app.t;")?, "7\n");

    let (port, dir) = (db.port(), db.dir().to_path_buf());
    drop(db);
    assert!(!listening(port), "MariaDB still listens on {port}");
    assert!(!dir.exists(), "{} still exists", dir.display());
    Ok(())
}

#[test]
fn postgres_runs_sql_and_survives_an_outage() -> Result<()> {
    let mut db = Postgres::start()?;
    assert_eq!(db.host(), "127.0.0.1");
    assert_eq!(db.admin_user(), "postgres");
    assert_eq!(db.exec("SELECT 1;")?, "1\n");
    assert_eq!(
        db.exec("SELECT 'a', 2 UNION ALL SELECT 'b', 3;")?,
        "a\t2\nb\t3\n"
    );
    assert!(db.exec_as("postgres", "wrong", None, "SELECT 1;").is_err());

    db.exec("CREATE ROLE app LOGIN PASSWORD 's3cret'; CREATE DATABASE app OWNER app;")?;
    assert_eq!(
        db.exec_as(
            "app",
            "s3cret",
            Some("app"),
            "SELECT current_user, current_database();"
        )?,
        "app\tapp\n"
    );
    let denied = db
        .exec_as("app", "nope", Some("app"), "SELECT 1;")
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
    assert!(
        denied.contains("password authentication failed"),
        "{denied}"
    );

    let failed = db
        .exec("SELECT 1/0;")
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
    assert!(failed.contains("division by zero"), "{failed}");

    let debug = format!("{db:?}");
    assert!(!debug.contains(db.admin_password()), "{debug}");

    db.exec_as(
        "app",
        "s3cret",
        Some("app"),
        "CREATE TABLE t (x int); INSERT INTO t VALUES (7);",
    )?;
    db.stop()?;
    assert!(!db.is_running());
    assert!(db.exec("SELECT 1;").is_err());
    db.start_again()?;
    assert_eq!(
        db.exec_as("app", "s3cret", Some("app"), "SELECT x FROM t;")?,
        "7\n"
    );

    let (port, dir) = (db.port(), db.dir().to_path_buf());
    drop(db);
    assert!(!listening(port), "PostgreSQL still listens on {port}");
    assert!(!dir.exists(), "{} still exists", dir.display());
    Ok(())
}

/// Oracle MySQL 9.7 from the sid root: a caching_sha2_password user logs in over plain TCP with
/// bookworm's `mariadb` client, both before the server has cached its password (full authentication,
/// RSA key exchange) and after; also after a restart, which empties that cache.
#[test]
fn mysql_runs_sql_and_survives_an_outage() -> Result<()> {
    let mut db = Mysql::start()?;
    assert_eq!(db.host(), "127.0.0.1");
    assert_eq!(db.admin_user(), "root");
    let version = db.exec("SELECT @@version_comment, @@version;")?;
    assert!(version.contains("(Debian)"), "{version}");
    assert!(!version.to_lowercase().contains("mariadb"), "{version}");
    assert_eq!(
        db.exec("SELECT 'a', 2 UNION ALL SELECT 'b', 3;")?,
        "a\t2\nb\t3\n"
    );
    assert!(db.exec_as("root", "wrong", None, "SELECT 1;").is_err());

    db.exec(
        "CREATE DATABASE app; CREATE USER 'app'@'%' IDENTIFIED BY 's3cret'; \
         GRANT ALL ON app.* TO 'app'@'%';",
    )?;
    assert_eq!(
        db.exec("SELECT plugin FROM mysql.user WHERE User = 'app';")?,
        "caching_sha2_password\n"
    );
    for _ in 0..2 {
        assert_eq!(
            db.exec_as(
                "app",
                "s3cret",
                Some("app"),
                "SELECT CURRENT_USER(), DATABASE();"
            )?,
            "app@%\tapp\n"
        );
    }
    let denied = db
        .exec_as("app", "nope", None, "SELECT 1;")
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
    assert!(denied.contains("Access denied"), "{denied}");
    assert!(
        !denied.contains("nope"),
        "password leaked into the error: {denied}"
    );

    let debug = format!("{db:?}");
    assert!(!debug.contains(db.admin_password()), "{debug}");

    db.exec("CREATE TABLE app.t (x INT); INSERT INTO app.t VALUES (7);")?;
    db.stop()?;
    assert!(!db.is_running());
    assert!(db.exec("SELECT 1;").is_err());
    db.start_again()?;
    assert_eq!(
        db.exec_as("app", "s3cret", None, "SELECT x FROM app.t;")?,
        "7\n"
    );

    let (port, dir) = (db.port(), db.dir().to_path_buf());
    drop(db);
    assert!(!listening(port), "MySQL still listens on {port}");
    assert!(!dir.exists(), "{} still exists", dir.display());
    Ok(())
}

/// [`MysqlFamily`] picks the guard by engine name (and refuses others); [`Mysql::start_tls`] serves the
/// certificate the rig's CA issued, not the one `mysqld --initialize` generated, and the rig's client
/// session is encrypted.
#[test]
fn mysql_family_by_engine_with_tls() -> Result<()> {
    let refused = MysqlFamily::start("oracle")
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
    assert!(refused.contains("not a MySQL-family engine"), "{refused}");

    let ca = TestCa::new("lx support CA")?;
    let db = MysqlFamily::start_tls("mysql", &ca.issue_server(&["127.0.0.1"])?, ca.cert_pem())?;
    assert_eq!(db.engine(), "mysql");
    assert!(db.tls());
    assert!(matches!(db, MysqlFamily::Mysql(_)));
    let served = db.exec("SHOW GLOBAL STATUS LIKE 'Current_tls_cert';")?;
    let ours = db.dir().join("server-cert.pem");
    assert_eq!(
        served.trim_end(),
        format!("Current_tls_cert\t{}", ours.display())
    );
    let cipher = db.exec("SHOW SESSION STATUS LIKE 'Ssl_cipher';")?;
    assert!(
        cipher.trim_end().len() > "Ssl_cipher\t".len(),
        "not encrypted: {cipher:?}"
    );
    let debug = format!("{db:?}");
    assert!(!debug.contains(db.admin_password()), "{debug}");
    Ok(())
}
