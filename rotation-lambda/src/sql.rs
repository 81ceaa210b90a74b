//! [`SqlDatabase`]: the [`Database`] the function runs on, an adapter over `metastore_sql::client` (sqlx, TLS
//! through rustls, the catalog lock around every change).

use std::time::Duration;

use async_trait::async_trait;
use metastore_sql::client::{Bind, Client, ClientError, ConnectOptions, TlsMode};
use metastore_sql::introspect::Row;
use metastore_sql::statements::Statement;

use crate::db::{Database, DbError, DbErrorKind, Login, Session};

/// Connects with `metastore_sql::client`.
#[derive(Clone, Debug)]
pub struct SqlDatabase {
    tls: TlsMode,
    ca_bundle_pem: Option<String>,
}

impl SqlDatabase {
    /// A database adapter with these TLS settings (`ca_bundle_pem`: the RDS CA bundle's text).
    pub fn new(tls: TlsMode, ca_bundle_pem: Option<String>) -> SqlDatabase {
        SqlDatabase { tls, ca_bundle_pem }
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
    async fn open(
        &self,
        login: &Login,
        connect_timeout: Duration,
    ) -> Result<Box<dyn Session>, DbError> {
        let opts = ConnectOptions {
            engine: login.engine,
            host: login.host.clone(),
            port: login.port,
            database: login.dbname.clone(),
            username: login.username.clone(),
            password: login.password.clone(),
            tls: self.tls,
            ca_bundle_pem: self.ca_bundle_pem.clone(),
            connect_timeout,
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
