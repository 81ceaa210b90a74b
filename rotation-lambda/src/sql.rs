//! [`SqlDatabase`]: the [`Database`] the function runs on, an adapter over `metastore_sql::client` (sqlx, TLS
//! through rustls, the catalog lock around every change).

use async_trait::async_trait;
use metastore_sql::client::{Bind, Client, ClientError, ConnectOptions, TlsMode};
use metastore_sql::introspect::Row;
use metastore_sql::statements::Statement;

use crate::db::{Database, DbError, DbErrorKind, Limits, Login, Session};

/// Connects with `metastore_sql::client`.
#[derive(Clone, Debug)]
pub struct SqlDatabase {
    tls: TlsMode,
    ca_bundle_pem: Option<String>,
    allow_plaintext: bool,
}

impl SqlDatabase {
    /// A database adapter with these TLS settings (`ca_bundle_pem`: PEM certificates that replace the
    /// built-in Amazon RDS CAs for `verify-full`). `disable` is refused for hosts that are not loopback
    /// addresses unless [`SqlDatabase::allow_plaintext`] says otherwise.
    pub fn new(tls: TlsMode, ca_bundle_pem: Option<String>) -> SqlDatabase {
        SqlDatabase {
            tls,
            ca_bundle_pem,
            allow_plaintext: false,
        }
    }

    /// The same adapter, allowing `disable` towards any host when `allow` (`ALLOW_PLAINTEXT=true`).
    pub fn allow_plaintext(mut self, allow: bool) -> SqlDatabase {
        self.allow_plaintext = allow;
        self
    }
}

fn kind_of(e: &ClientError) -> DbErrorKind {
    match e {
        ClientError::Timeout { .. } | ClientError::Connect { .. } => DbErrorKind::Unreachable,
        ClientError::Login { .. } => DbErrorKind::Login,
        // A statement error without a server error code is a transport failure: the statement may have run.
        ClientError::Statement { code: None, .. } => DbErrorKind::Interrupted,
        _ => DbErrorKind::Refused,
    }
}

/// The client's message already names the server, the redacted statement and the code.
fn db_error(login: &Login, e: &ClientError) -> DbError {
    DbError::new(kind_of(e), login, e.to_string())
}

#[async_trait]
impl Database for SqlDatabase {
    async fn open(&self, login: &Login, limits: Limits) -> Result<Box<dyn Session>, DbError> {
        let findings = metastore_sql::tls::check_settings(metastore_sql::tls::TlsSettings {
            mode: self.tls,
            host: &login.host,
            ca_bundle_given: false,
            allow_plaintext: self.allow_plaintext,
        });
        if findings.contains(&metastore_sql::tls::TlsFinding::PlaintextToRemoteHost) {
            // Refused before any connection: nothing was sent, nothing changed.
            return Err(DbError::new(
                DbErrorKind::Unreachable,
                login,
                "not connecting: DB_TLS=disable is only allowed for loopback hosts (localhost, 127.0.0.0/8, ::1) unless ALLOW_PLAINTEXT=true; without TLS the password would cross the network in clear text",
            ));
        }
        let opts = ConnectOptions {
            engine: login.engine,
            host: login.host.clone(),
            port: login.port,
            database: login.dbname.clone(),
            username: login.username.clone(),
            password: login.password.clone(),
            tls: self.tls,
            ca_bundle_pem: self.ca_bundle_pem.clone(),
            connect_timeout: limits.connect,
            lock_timeout: limits.lock,
        };
        match Client::connect(&opts).await {
            Ok(client) => Ok(Box::new(SqlSession {
                client,
                login: login.clone(),
            })),
            Err(e) => Err(db_error(login, &e)),
        }
    }
}

struct SqlSession {
    client: Client,
    login: Login,
}

#[async_trait]
impl Session for SqlSession {
    async fn execute(&mut self, statements: &[Statement]) -> Result<(), DbError> {
        self.client
            .execute(statements)
            .await
            .map_err(|e| db_error(&self.login, &e))
    }

    async fn query(&mut self, sql: &str, binds: &[&str]) -> Result<Vec<Row>, DbError> {
        let binds: Vec<Bind<'_>> = binds.iter().map(|b| Bind::Text(b)).collect();
        self.client
            .query(None, sql, &binds)
            .await
            .map_err(|e| db_error(&self.login, &e))
    }

    async fn close(self: Box<Self>) {
        self.client.close().await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use metastore_sql::{Engine, Secret};

    fn login(host: &str) -> Login {
        Login {
            engine: Engine::Postgres,
            host: host.into(),
            port: 5432,
            dbname: None,
            username: "hive".into(),
            password: Secret::new("pw-that-must-not-leave"),
        }
    }

    #[tokio::test]
    async fn plaintext_to_a_remote_host_is_refused_before_connecting() {
        let db = SqlDatabase::new(TlsMode::Disable, None);
        // Refused without any network I/O (the address is never dialled).
        let err = match db
            .open(
                &login("db.abc.eu-west-1.rds.amazonaws.com"),
                Limits {
                    connect: std::time::Duration::from_secs(1),
                    lock: std::time::Duration::from_secs(1),
                },
            )
            .await
        {
            Ok(_) => panic!("connected in clear text to a remote host"),
            Err(e) => e,
        };
        let text = err.to_string();
        assert!(text.contains("ALLOW_PLAINTEXT"), "{text}");
        assert!(!text.contains("pw-that-must-not-leave"), "{text}");
    }
}
