//! The function's database login path with TLS for real: PostgreSQL, MariaDB and Oracle MySQL (caching_sha2_password
//! over TLS) from the test rig serve a
//! certificate from a throwaway CA issued for 127.0.0.1. `verify-full` with that CA as the bundle (what
//! `RDS_CA_BUNDLE` loads) logs in; with the built-in RDS CAs only, or another CA, it is refused before the
//! login with an error saying the certificate did not verify; `disable` works for the loopback test servers.

use std::time::Duration;

use anyhow::{Result, bail, ensure};
use metastore_sql::client::TlsMode;
use metastore_sql::{Engine, Secret};
use rotation_lambda::db::{Database, DbErrorKind, Limits, Login};
use rotation_lambda::sql::SqlDatabase;
use test_support::{MariaDb, Mysql, Postgres, TestCa};

async fn check(engine: Engine, port: u16, user: &str, pw: &str, ca: &TestCa) -> Result<()> {
    let login = Login {
        engine,
        host: "127.0.0.1".into(),
        port,
        dbname: None,
        username: user.into(),
        password: Secret::new(pw),
    };
    let t = Limits {
        connect: Duration::from_secs(10),
        lock: Duration::from_secs(10),
    };
    let good = SqlDatabase::new(TlsMode::VerifyFull, Some(ca.cert_pem().to_owned()));
    let session = good.open(&login, t).await?;
    session.close().await;

    let other = TestCa::new("lx another CA")?;
    for (what, db) in [
        (
            "built-in RDS CAs",
            SqlDatabase::new(TlsMode::VerifyFull, None),
        ),
        (
            "another CA",
            SqlDatabase::new(TlsMode::VerifyFull, Some(other.cert_pem().to_owned())),
        ),
    ] {
        match db.open(&login, t).await {
            Ok(_) => bail!("{engine} {what}: connected"),
            Err(e) => {
                let text = e.to_string();
                ensure!(e.kind == DbErrorKind::Unreachable, "{what}: {text}");
                ensure!(text.contains("did not verify"), "{what}: {text}");
                ensure!(!text.contains(pw), "{what}: {text}");
            }
        }
    }
    // Loopback test servers may still be reached without TLS.
    let plain = SqlDatabase::new(TlsMode::Disable, None);
    plain.open(&login, t).await?.close().await;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lambda_verify_full_against_tls_servers() -> Result<()> {
    let ca = TestCa::new("lx lambda test CA")?;
    let cert = ca.issue_server(&["127.0.0.1"])?;
    let pg = Postgres::start_tls(&cert)?;
    check(
        Engine::Postgres,
        pg.port(),
        pg.admin_user(),
        pg.admin_password(),
        &ca,
    )
    .await?;
    let maria = MariaDb::start_tls(&cert, ca.cert_pem())?;
    check(
        Engine::Mariadb,
        maria.port(),
        maria.admin_user(),
        maria.admin_password(),
        &ca,
    )
    .await?;
    drop(maria);
    // MySQL: the first login of a caching_sha2_password account is a full authentication, sent inside TLS
    // here; the plaintext login at the end of `check` goes through the server's RSA key instead.
    let mysql = Mysql::start_tls(&cert, ca.cert_pem())?;
    check(
        Engine::Mysql,
        mysql.port(),
        mysql.admin_user(),
        mysql.admin_password(),
        &ca,
    )
    .await
}
