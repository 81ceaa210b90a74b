//! TLS of `metastore_sql::client` for real: a throwaway CA made at test time issues a server certificate for
//! `127.0.0.1` only; MariaDB 10.11, Oracle MySQL 9.7 and PostgreSQL 15 from the test rig serve it.
//!
//! * `verify-full` with that CA in `ca_bundle_pem` connects, and the session is encrypted;
//! * with another CA, or with no bundle (the built-in Amazon RDS CAs), it fails with a
//!   "did not verify" error, not a generic one;
//! * connecting by `localhost` (on the loopback too, but not on the certificate) fails as a host-name mismatch;
//! * nothing of the login is sent before the certificate is verified: an impostor listener on 127.0.0.1 that
//!   speaks the first steps of each protocol and asks for a clear-text password records what arrives after the
//!   TLS handshake. With `verify-full` the handshake never completes and nothing arrives; with `require` the
//!   same impostor receives the password itself (the risk the warning for `require` names).

use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, Result, bail, ensure};
use metastore_sql::client::{Client, ClientError, ConnectFailure, ConnectOptions, TlsMode};
use metastore_sql::{Engine, Secret};
use rustls::pki_types::pem::PemObject as _;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use test_support::{MariaDb, Mysql, Postgres, ServerCert, TestCa};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::TcpListener;

fn opts(engine: Engine, host: &str, port: u16, user: &str, pw: &str) -> ConnectOptions {
    ConnectOptions {
        engine,
        host: host.into(),
        port,
        database: None,
        username: user.into(),
        password: Secret::new(pw),
        tls: TlsMode::VerifyFull,
        ca_bundle_pem: None,
        connect_timeout: Duration::from_secs(10),
        lock_timeout: Duration::from_secs(60),
    }
}

fn expect_failure(
    res: Result<Client, ClientError>,
    want: ConnectFailure,
    what: &str,
) -> Result<String> {
    match res {
        Ok(_) => bail!("{what}: connected, expected {want:?}"),
        Err(e) => {
            let text = e.to_string();
            match &e {
                ClientError::Connect { failure, .. } if *failure == want => {}
                _ => bail!("{what}: expected {want:?}, got {e:?}: {text}"),
            }
            ensure!(text.contains("did not verify"), "{what}: {text}");
            ensure!(
                text.contains("before any user name or password was sent"),
                "{what}: {text}"
            );
            Ok(text)
        }
    }
}

/// The common checks against a TLS-serving server reached at 127.0.0.1:`port`.
async fn check_server(
    engine: Engine,
    port: u16,
    user: &str,
    pw: &str,
    ca: &TestCa,
    encrypted_sql: &str,
) -> Result<()> {
    // The right CA: connects, and the session is encrypted.
    let mut good = opts(engine, "127.0.0.1", port, user, pw);
    good.ca_bundle_pem = Some(ca.cert_pem().to_owned());
    let mut c = Client::connect(&good)
        .await
        .context("verify-full with the right CA")?;
    let rows = c.query(None, encrypted_sql, &[]).await?;
    let cipher = rows
        .first()
        .and_then(|r| r.get(1).or(r.first()))
        .cloned()
        .flatten()
        .unwrap_or_default();
    ensure!(!cipher.is_empty(), "session not encrypted: {rows:?}");
    c.close().await;

    // Another CA: refused before login, saying the certificate did not verify.
    let other = TestCa::new("lx some other CA")?;
    let mut wrong = good.clone();
    wrong.ca_bundle_pem = Some(other.cert_pem().to_owned());
    let text = expect_failure(
        Client::connect(&wrong).await,
        ConnectFailure::CertificateNotTrusted,
        "wrong CA",
    )?;
    ensure!(text.contains("127.0.0.1:"), "{text}");
    ensure!(!text.contains(pw), "{text}");

    // No bundle: only the built-in Amazon RDS CAs are trusted (not the test CA, not the public roots).
    let builtin = opts(engine, "127.0.0.1", port, user, pw);
    expect_failure(
        Client::connect(&builtin).await,
        ConnectFailure::CertificateNotTrusted,
        "built-in RDS roots",
    )?;

    // The right CA but a name not on the certificate (issued for 127.0.0.1 only): refused.
    let mut by_name = good.clone();
    by_name.host = "localhost".into();
    expect_failure(
        Client::connect(&by_name).await,
        ConnectFailure::HostNameMismatch,
        "host name not on the certificate",
    )?;

    // `require` encrypts without checking: connects whatever the CA.
    let mut require = wrong.clone();
    require.tls = TlsMode::Require;
    require.ca_bundle_pem = None;
    Client::connect(&require)
        .await
        .context("require")?
        .close()
        .await;
    Ok(())
}

fn server_cert(ca: &TestCa) -> Result<ServerCert> {
    ca.issue_server(&["127.0.0.1"])
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mariadb_verify_full_checks_chain_and_name() -> Result<()> {
    let ca = TestCa::new("lx test CA (MariaDB)")?;
    let db = MariaDb::start_tls(&server_cert(&ca)?, ca.cert_pem())?;
    check_server(
        Engine::Mariadb,
        db.port(),
        db.admin_user(),
        db.admin_password(),
        &ca,
        "SHOW SESSION STATUS LIKE 'Ssl_cipher'",
    )
    .await
    .with_context(|| format!("server log:\n{}", db.log()))
}

/// Oracle MySQL 9.7 with the rig's CA (`--ssl-ca`/`--ssl-cert`/`--ssl-key` replace the certificate
/// `mysqld --initialize` generates): caching_sha2_password logs in over the verified session.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mysql_verify_full_checks_chain_and_name() -> Result<()> {
    let ca = TestCa::new("lx test CA (MySQL)")?;
    let db = Mysql::start_tls(&server_cert(&ca)?, ca.cert_pem())?;
    check_server(
        Engine::Mysql,
        db.port(),
        db.admin_user(),
        db.admin_password(),
        &ca,
        "SHOW SESSION STATUS LIKE 'Ssl_cipher'",
    )
    .await
    .with_context(|| format!("server log:\n{}", db.log()))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_verify_full_checks_chain_and_name() -> Result<()> {
    let ca = TestCa::new("lx test CA (PostgreSQL)")?;
    let db = Postgres::start_tls(&server_cert(&ca)?)?;
    check_server(
        Engine::Postgres,
        db.port(),
        db.admin_user(),
        db.admin_password(),
        &ca,
        "SELECT coalesce(version, '') FROM pg_stat_ssl WHERE pid = pg_backend_pid()",
    )
    .await
    .with_context(|| format!("server log:\n{}", db.log()))
}

/// What an impostor listener saw of one connection.
#[derive(Debug)]
struct Seen {
    /// Whether the TLS handshake completed.
    handshake_completed: bool,
    /// Everything that arrived after it (decrypted).
    after_handshake: Vec<u8>,
}

/// The protocol the impostor speaks before TLS.
#[derive(Clone, Copy, Debug)]
enum Impostor {
    /// PostgreSQL: SSLRequest -> 'S' -> TLS -> StartupMessage -> AuthenticationCleartextPassword.
    Postgres,
    /// MySQL: a handshake offering TLS and `mysql_clear_password` -> SSLRequest -> TLS -> HandshakeResponse.
    Mysql,
}

/// A MySQL 8.0.18 initial handshake (sqlx's own test vector) with `mysql_clear_password` as the plugin.
const MYSQL_HANDSHAKE: &[u8] = b"\n8.0.18\x00\x19\x00\x00\x00\x114aB0c\x06g\x00\xff\xff\xff\x02\x00\xff\xc7\x15\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00tL\x03s\x0f[4\rl4. \x00mysql_clear_password\x00";

/// Serves one connection on 127.0.0.1 with `cert` (signed by a CA the client may or may not trust).
async fn impostor(
    kind: Impostor,
    cert: &ServerCert,
) -> Result<(u16, tokio::task::JoinHandle<Seen>)> {
    let certs = CertificateDer::pem_slice_iter(cert.cert_pem.as_bytes())
        .collect::<Result<Vec<_>, _>>()
        .context("impostor certificate")?;
    let key = PrivateKeyDer::from_pem_slice(cert.key_pem.as_bytes()).context("impostor key")?;
    let config = rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::aws_lc_rs::default_provider(),
    ))
    .with_safe_default_protocol_versions()?
    .with_no_client_auth()
    .with_single_cert(certs, key)?;
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let port = listener.local_addr()?.port();
    let task = tokio::spawn(async move {
        let mut seen = Seen {
            handshake_completed: false,
            after_handshake: Vec::new(),
        };
        let Ok((mut tcp, _)) = listener.accept().await else {
            return seen;
        };
        match kind {
            Impostor::Postgres => {
                let mut req = [0u8; 8];
                if tcp.read_exact(&mut req).await.is_err() || tcp.write_all(b"S").await.is_err() {
                    return seen;
                }
            }
            Impostor::Mysql => {
                let mut packet = vec![MYSQL_HANDSHAKE.len() as u8, 0, 0, 0];
                packet.extend_from_slice(MYSQL_HANDSHAKE);
                let mut ssl_request = [0u8; 36];
                if tcp.write_all(&packet).await.is_err()
                    || tcp.read_exact(&mut ssl_request).await.is_err()
                {
                    return seen;
                }
            }
        }
        let Ok(mut tls) = acceptor.accept(tcp).await else {
            return seen;
        };
        seen.handshake_completed = true;
        let mut buf = vec![0u8; 4096];
        // Whatever the client sends first (PostgreSQL's StartupMessage, MySQL's HandshakeResponse, which with
        // mysql_clear_password carries the password).
        if let Ok(Ok(n)) = tokio::time::timeout(Duration::from_secs(5), tls.read(&mut buf)).await {
            seen.after_handshake.extend_from_slice(&buf[..n]);
        }
        if matches!(kind, Impostor::Postgres) {
            // AuthenticationCleartextPassword: the client answers with the password.
            let ask = [b'R', 0, 0, 0, 8, 0, 0, 0, 3];
            if tls.write_all(&ask).await.is_ok() && tls.flush().await.is_ok() {
                if let Ok(Ok(n)) =
                    tokio::time::timeout(Duration::from_secs(5), tls.read(&mut buf)).await
                {
                    seen.after_handshake.extend_from_slice(&buf[..n]);
                }
            }
        }
        seen
    });
    Ok((port, task))
}

async fn impostor_case(kind: Impostor, engine: Engine) -> Result<()> {
    let impostor_ca = TestCa::new("lx impostor CA")?;
    let cert = impostor_ca.issue_server(&["127.0.0.1"])?;
    let trusted = TestCa::new("lx the CA the client trusts")?;
    let password = "the-admin-password-0123456789";
    let contains =
        |hay: &[u8], needle: &str| hay.windows(needle.len()).any(|w| w == needle.as_bytes());

    // verify-full (the client trusts another CA): the handshake fails, nothing follows it.
    for bundle in [Some(trusted.cert_pem().to_owned()), None] {
        let (port, task) = impostor(kind, &cert).await?;
        let mut o = opts(engine, "127.0.0.1", port, "admin", password);
        o.ca_bundle_pem = bundle.clone();
        let res = Client::connect(&o).await;
        let seen = tokio::time::timeout(Duration::from_secs(20), task).await??;
        expect_failure(
            res,
            ConnectFailure::CertificateNotTrusted,
            &format!(
                "{kind:?} impostor, verify-full, bundle given: {}",
                bundle.is_some()
            ),
        )?;
        ensure!(
            !seen.handshake_completed && seen.after_handshake.is_empty(),
            "{kind:?}: the impostor saw {seen:?}"
        );
    }

    // require: the same impostor completes the handshake and receives the login with the password.
    let (port, task) = impostor(kind, &cert).await?;
    let mut o = opts(engine, "127.0.0.1", port, "admin", password);
    o.tls = TlsMode::Require;
    let res = Client::connect(&o).await;
    let seen = tokio::time::timeout(Duration::from_secs(20), task).await??;
    ensure!(res.is_err(), "the impostor never lets the client in");
    ensure!(seen.handshake_completed, "{kind:?} require: {seen:?}");
    ensure!(
        contains(&seen.after_handshake, "admin") && contains(&seen.after_handshake, password),
        "{kind:?} require: the impostor should have received the user name and password (this is what verify-full prevents): {:?}",
        String::from_utf8_lossy(&seen.after_handshake)
    );
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_verify_full_sends_nothing_to_an_impostor() -> Result<()> {
    impostor_case(Impostor::Postgres, Engine::Postgres).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mysql_verify_full_sends_nothing_to_an_impostor() -> Result<()> {
    impostor_case(Impostor::Mysql, Engine::Mysql).await
}
