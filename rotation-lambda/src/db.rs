//! The database operations rotation needs, as the small [`Database`]/[`Session`] traits, so the step machine
//! is tested with a fake and runs in production over `metastore_sql::client` ([`crate::sql`]).
//!
//! A [`DbError`] carries the database's own error text and code (what an operator needs), never a password:
//! the step machine also scrubs every password in play from it before it goes anywhere
//! ([`DbError::scrubbed`]).

use std::fmt;
use std::time::Duration;

use async_trait::async_trait;
use metastore_sql::engine::{Engine, EngineError};
use metastore_sql::introspect::Row;
use metastore_sql::password::Secret;
use metastore_sql::secret_shape::RdsSecret;
use metastore_sql::statements::Statement;

/// Where and as whom to log in (`Debug` hides the password).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Login {
    /// The engine.
    pub engine: Engine,
    /// Host.
    pub host: String,
    /// Port.
    pub port: u16,
    /// Database to connect to (`None`: the engine's default for the user).
    pub dbname: Option<String>,
    /// User.
    pub username: String,
    /// Password.
    pub password: Secret,
}

impl Login {
    /// The login a secret describes.
    pub fn from_secret(secret: &RdsSecret) -> Result<Login, EngineError> {
        Ok(Login {
            engine: secret.engine()?,
            host: secret.host.clone(),
            port: secret.port,
            dbname: secret.dbname.clone().filter(|d| !d.is_empty()),
            username: secret.username.clone(),
            password: secret.password.clone(),
        })
    }

    /// `host:port`.
    pub fn server(&self) -> String {
        format!("{}:{}", self.host, self.port)
    }
}

/// What kind of database failure this is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum DbErrorKind {
    /// The server could not be reached (refused, timeout, DNS, TLS handshake).
    Unreachable,
    /// The server refused the login (wrong password, unknown user, locked account).
    Login,
    /// The server refused a statement (missing privilege, read-only, syntax, ...).
    Refused,
    /// The connection broke while a statement ran: it may or may not have taken effect.
    Interrupted,
}

impl DbErrorKind {
    fn phrase(self) -> &'static str {
        match self {
            DbErrorKind::Unreachable => "cannot reach the database",
            DbErrorKind::Login => "the database refused the login",
            DbErrorKind::Refused => "the database refused a statement",
            DbErrorKind::Interrupted => "the connection broke during a statement",
        }
    }
}

/// A database failure, in the database's own words.
#[derive(Clone, PartialEq, Eq, thiserror::Error)]
pub struct DbError {
    /// The kind.
    pub kind: DbErrorKind,
    /// The user the session was for.
    pub user: String,
    /// `host:port`.
    pub server: String,
    /// The database's (or driver's) message.
    pub message: String,
    /// MySQL error number or PostgreSQL SQLSTATE.
    pub code: Option<String>,
    /// The redacted statement that failed, if any.
    pub statement: Option<String>,
}

impl fmt::Debug for DbError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl fmt::Display for DbError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} (user {:?} at {}): {}",
            self.kind.phrase(),
            self.user,
            self.server,
            self.message
        )?;
        if let Some(code) = &self.code {
            write!(f, " [{code}]")?;
        }
        if let Some(s) = &self.statement {
            write!(f, " while running: {s}")?;
        }
        Ok(())
    }
}

impl DbError {
    /// A new error for `login`.
    pub fn new(kind: DbErrorKind, login: &Login, message: impl Into<String>) -> DbError {
        DbError {
            kind,
            user: login.username.clone(),
            server: login.server(),
            message: message.into(),
            code: None,
            statement: None,
        }
    }

    /// The same error with every occurrence of the given secrets replaced by `***` (servers sometimes quote
    /// the statement they refused).
    pub fn scrubbed(mut self, secrets: &[&Secret]) -> DbError {
        for s in secrets {
            let v = s.expose();
            if v.len() >= 4 {
                self.message = self.message.replace(v, "***");
                if let Some(st) = &mut self.statement {
                    *st = st.replace(v, "***");
                }
            }
        }
        self
    }

    /// True when nothing can have changed on the server (the failure came before or instead of the change).
    pub fn changed_nothing(&self) -> bool {
        self.kind != DbErrorKind::Interrupted
    }
}

/// The time limits of one session, derived from the time left in the invocation
/// ([`crate::Config::limits_within`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Connecting and the login handshake.
    pub connect: Duration,
    /// Any lock wait of a statement (catalog lock, metadata and row locks).
    pub lock: Duration,
}

/// Opens sessions.
#[async_trait]
pub trait Database: Send + Sync {
    /// Logs in; `limits` bound connecting and every lock wait of the session.
    async fn open(&self, login: &Login, limits: Limits) -> Result<Box<dyn Session>, DbError>;
}

/// One logged-in session.
#[async_trait]
pub trait Session: Send {
    /// Runs the statements in order, stopping at the first failure.
    async fn execute(&mut self, statements: &[Statement]) -> Result<(), DbError>;
    /// Runs a query whose columns are all text; `binds` fill `?` (MySQL) or `$n` (PostgreSQL).
    async fn query(&mut self, sql: &str, binds: &[&str]) -> Result<Vec<Row>, DbError>;
    /// Closes the session (errors ignored).
    async fn close(self: Box<Self>);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_name_the_server_error_and_hide_secrets() {
        let secret = RdsSecret::from_json(
            r#"{"engine":"mariadb","host":"db","port":3306,"username":"hive","password":"Sup3r-secret-value"}"#,
        )
        .expect("secret");
        let login = Login::from_secret(&secret).expect("login");
        assert!(!format!("{login:?}").contains("Sup3r"));
        let mut e = DbError::new(
            DbErrorKind::Refused,
            &login,
            "You have an error in your SQL syntax near 'Sup3r-secret-value')' at line 1",
        );
        e.code = Some("1064".into());
        e.statement = Some("SET PASSWORD = PASSWORD('***')".into());
        let e = e.scrubbed(&[&login.password]);
        let text = e.to_string();
        assert_eq!(
            text,
            "the database refused a statement (user \"hive\" at db:3306): You have an error in your SQL syntax near '***')' at line 1 [1064] while running: SET PASSWORD = PASSWORD('***')"
        );
        assert!(e.changed_nothing());
        let i = DbError::new(DbErrorKind::Interrupted, &login, "broken pipe");
        assert!(!i.changed_nothing());
    }
}
