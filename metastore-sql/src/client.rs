//! Database I/O for the statements and catalog queries of this crate (cargo feature `client`), shared by
//! the `logexaminer_db_user` resource and the secret rotation Lambda.
//!
//! [`Client::connect`] opens one connection ([`sqlx`], TLS through rustls) within a deadline and reads the
//! [`ServerInfo`] (telling MariaDB from MySQL by its version string). On PostgreSQL, statements and catalog
//! queries that belong to another database of the same server open a second connection there on first use.
//!
//! [`Client::execute`] runs a list of [`Statement`]s in order, serialised against every other writer that
//! uses this crate:
//!
//! * PostgreSQL: consecutive statements for the same database run in one transaction that first takes
//!   `pg_advisory_xact_lock` ([`crate::statements::pg_catalog_lock`]) with a `lock_timeout`; a statement for
//!   another database commits the run before it (a role created in one transaction is invisible to other
//!   databases until it commits).
//! * MySQL/MariaDB: account statements commit implicitly, so there is no transaction; the session takes
//!   `GET_LOCK('logexaminer_catalog', ...)` first and releases it at the end, whatever happened.
//! * Deadlocks, serialization failures, lock-wait timeouts and PostgreSQL's `tuple concurrently updated`
//!   are retried a bounded number of times with jittered backoff (the whole transaction on PostgreSQL, the
//!   failed statement on MySQL, where earlier statements are already committed).
//!
//! Only [`Statement::redacted`] is ever logged (through `tracing`, at debug level), sqlx's own statement
//! logging is switched off, and a server error about a statement that carries a password is shown only
//! when it quotes no part of that password. Errors name the server (`host:port`) and keep the database's
//! own message and code.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::time::Duration;

use rand::Rng;
use sqlx::mysql::{MySqlConnectOptions, MySqlConnection, MySqlDatabaseError, MySqlSslMode};
use sqlx::postgres::{PgConnectOptions, PgConnection, PgSslMode};
use sqlx::{ConnectOptions as _, Connection, Executor as _, Row as _};

use crate::engine::{Engine, ServerInfo};
use crate::grant::{ActualGrants, Grantee};
use crate::introspect::{self, IntrospectError, MysqlUser, PgDependents, PgRole, PgRows, Row};
use crate::password::Secret;
use crate::statements::{self, Statement};

pub use crate::tls::TlsMode;

/// Where and how to connect. `Debug` hides the password.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConnectOptions {
    /// The engine family the caller expects. MySQL and MariaDB are told apart by the server's version; see
    /// [`Client::server_info`].
    pub engine: Engine,
    /// Server host name or address.
    pub host: String,
    /// Server port.
    pub port: u16,
    /// Database to connect to. PostgreSQL: `None` means `postgres`. MySQL/MariaDB: `None` connects without a
    /// default database.
    pub database: Option<String>,
    /// User name.
    pub username: String,
    /// Password.
    pub password: Secret,
    /// TLS mode.
    pub tls: TlsMode,
    /// PEM certificates `verify-full` trusts instead of the built-in Amazon RDS CAs
    /// ([`crate::tls::RDS_CA_BUNDLE_PEM`]): they replace them, they are not added.
    pub ca_bundle_pem: Option<String>,
    /// How long connecting (TCP, TLS, login) may take.
    pub connect_timeout: Duration,
    /// How long a statement may wait for a lock: the catalog lock (`GET_LOCK`, PostgreSQL `lock_timeout`
    /// around `pg_advisory_xact_lock`) and, on MySQL/MariaDB, metadata and row locks (the session's
    /// `lock_wait_timeout` and `innodb_lock_wait_timeout`, whose server defaults are a year and 50 s).
    /// Whole seconds, at least 1.
    pub lock_timeout: Duration,
}

impl ConnectOptions {
    /// The database a PostgreSQL connection uses by default.
    pub fn pg_database(&self) -> &str {
        self.database.as_deref().unwrap_or("postgres")
    }

    /// The same options for another user (e.g. to check that a new password works).
    pub fn as_user(&self, username: &str, password: Secret) -> ConnectOptions {
        ConnectOptions {
            username: username.to_owned(),
            password,
            ..self.clone()
        }
    }
}

/// The class of a connection failure, for choosing a hint.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ConnectFailure {
    /// The deadline passed (no answer: firewall, security group, private subnet, wrong host).
    Timeout,
    /// The address was refused or unreachable, or the name did not resolve.
    Network,
    /// `verify-full`: the server's certificate does not chain to the trusted CAs (or is expired, or not a
    /// server certificate). The handshake stopped before any credential was sent.
    CertificateNotTrusted,
    /// `verify-full`: the certificate is valid but does not name the host connected to. The handshake
    /// stopped before any credential was sent.
    HostNameMismatch,
    /// The server does not offer TLS at all.
    TlsUnsupported,
    /// TLS could not be negotiated for another reason (protocol versions, cipher suites, a malformed CA
    /// bundle).
    Tls,
    /// Anything else (protocol errors, server refusing for other reasons).
    Other,
}

/// The hint that follows a connection failure.
pub const fn connect_hint(failure: ConnectFailure) -> &'static str {
    match failure {
        ConnectFailure::Timeout | ConnectFailure::Network => {
            "check host and port, and that this machine can reach them: a database in a private subnet is only reachable from inside its VPC (run Terraform or the function there) or through a tunnel (SSM port forwarding or an SSH bastion) with host and port pointing at the tunnel's local end; security groups must allow this source"
        }
        ConnectFailure::CertificateNotTrusted => {
            "the server's TLS certificate did not verify: it is not signed by a trusted CA (the built-in Amazon RDS CAs, or only the certificates in ca_bundle_pem when that is set, which replace them), or it expired; the connection was closed before any user name or password was sent. Against RDS leave ca_bundle_pem unset; for another server pass the CA that issued its certificate in ca_bundle_pem. If you did not change anything, something else may be answering on this address"
        }
        ConnectFailure::HostNameMismatch => {
            "the server's TLS certificate did not verify: it is not issued for the host name connected to; the connection was closed before any user name or password was sent. Connect by a name on the certificate (for RDS the endpoint address of the instance, cluster or proxy, not an IP address or a CNAME of your own)"
        }
        ConnectFailure::TlsUnsupported => {
            "the server does not offer TLS: enable it on the server (RDS always offers it); tls = \"disable\" is only accepted for loopback hosts or with allow_plaintext = true"
        }
        ConnectFailure::Tls => {
            "the TLS handshake failed: check that ca_bundle_pem (if set) holds valid PEM certificates and that the server supports TLS 1.2 or 1.3"
        }
        ConnectFailure::Other => "check the endpoint, the engine and the TLS settings",
    }
}

/// Errors of this module. Messages never contain a password.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ClientError {
    /// No connection within the deadline.
    #[error(
        "cannot connect to {engine} at {host}:{port}: no answer within {} s; {}",
        .timeout.as_secs_f64(), connect_hint(ConnectFailure::Timeout)
    )]
    Timeout {
        /// Engine.
        engine: Engine,
        /// Host.
        host: String,
        /// Port.
        port: u16,
        /// The deadline.
        timeout: Duration,
    },
    /// The connection failed (network, TLS, protocol).
    #[error("cannot connect to {engine} at {host}:{port} (timeout {} s): {message}; {}", .timeout.as_secs_f64(), connect_hint(*.failure))]
    Connect {
        /// Engine.
        engine: Engine,
        /// Host.
        host: String,
        /// Port.
        port: u16,
        /// The deadline that applied.
        timeout: Duration,
        /// What kind of failure.
        failure: ConnectFailure,
        /// The driver's or server's message.
        message: String,
    },
    /// The server refused the login.
    #[error("{engine} at {host}:{port} refused the login of {username:?}: {message}")]
    Login {
        /// Engine.
        engine: Engine,
        /// Host.
        host: String,
        /// Port.
        port: u16,
        /// The user that tried to log in.
        username: String,
        /// The server's message.
        message: String,
    },
    /// The server accepted the credentials but this login may not open the database it named (MySQL error
    /// 1044, PostgreSQL SQLSTATE 42501 without CONNECT): not a password problem.
    #[error(
        "{engine} at {host}:{port} accepted the credentials of {username:?} but refused it access to database {database:?}: {message}; the password works: grant the user access to that database (PostgreSQL CONNECT, MySQL any privilege on it) or connect to another one"
    )]
    DatabaseAccess {
        /// Engine.
        engine: Engine,
        /// Host.
        host: String,
        /// Port.
        port: u16,
        /// The user that logged in.
        username: String,
        /// The database it may not open.
        database: String,
        /// The server's message.
        message: String,
    },
    /// The database named in the connection does not exist.
    #[error("{engine} at {host}:{port} has no database {database:?}: {message}")]
    UnknownDatabase {
        /// Engine.
        engine: Engine,
        /// Host.
        host: String,
        /// Port.
        port: u16,
        /// The database.
        database: String,
        /// The server's message.
        message: String,
    },
    /// The server is another engine than configured.
    #[error(
        "the server at {host}:{port} is {actual} (version {version}), not {expected}; set the engine to {actual}"
    )]
    EngineMismatch {
        /// Host.
        host: String,
        /// Port.
        port: u16,
        /// What the caller expected.
        expected: Engine,
        /// What the server is.
        actual: Engine,
        /// The version it reported.
        version: String,
    },
    /// A statement failed.
    #[error("{engine} at {host}:{port} refused `{statement}`{}: {message}{}", in_db(.database), code_suffix(.code))]
    Statement {
        /// Engine.
        engine: Engine,
        /// Host.
        host: String,
        /// Port.
        port: u16,
        /// The redacted statement.
        statement: String,
        /// The database it ran in (PostgreSQL).
        database: Option<String>,
        /// SQLSTATE, and the MySQL error number when there is one (`1045/28000`).
        code: Option<String>,
        /// The server's message (withheld when it quoted part of a password).
        message: String,
    },
    /// A catalog query failed.
    #[error("{engine} at {host}:{port}: reading {query}{} failed: {message}{}{}", in_db(.database), code_suffix(.code), catalog_hint(*.engine, .query, .code, .message))]
    Query {
        /// Engine.
        engine: Engine,
        /// Host.
        host: String,
        /// Port.
        port: u16,
        /// What was read.
        query: String,
        /// The database it ran in (PostgreSQL).
        database: Option<String>,
        /// SQLSTATE / error number.
        code: Option<String>,
        /// The server's message.
        message: String,
    },
    /// The catalog lock was not obtained in time.
    #[error(
        "{engine} at {host}:{port}: could not take the catalog lock ({lock}) within {} s; another apply or rotation holds it, try again",
        .waited.as_secs()
    )]
    Lock {
        /// Engine.
        engine: Engine,
        /// Host.
        host: String,
        /// Port.
        port: u16,
        /// The lock.
        lock: String,
        /// How long it waited.
        waited: Duration,
    },
    /// Retryable failures persisted.
    #[error("gave up after {attempts} attempts: {last}")]
    Retries {
        /// Attempts made.
        attempts: u32,
        /// The last failure.
        last: Box<ClientError>,
    },
    /// Catalog rows could not be read.
    #[error("{host}:{port}: {source}")]
    Introspect {
        /// Host.
        host: String,
        /// Port.
        port: u16,
        /// Why.
        source: IntrospectError,
    },
}

fn in_db(database: &Option<String>) -> String {
    match database {
        Some(d) => format!(" in database {d:?}"),
        None => String::new(),
    }
}

/// What the admin lacks when a MySQL/MariaDB catalog read is refused: reading `mysql.user` and another
/// account's `SHOW GRANTS` / `SHOW CREATE USER` needs `SELECT` on the `mysql` schema. The server says so in
/// terms of its own (1142 `ER_TABLEACCESS_DENIED_ERROR` "SELECT command denied ... for table `user`", 1044
/// `ER_DBACCESS_DENIED_ERROR` "Access denied ... to database 'mysql'", 1143 for a column, 1227
/// `ER_SPECIFIC_ACCESS_DENIED_ERROR`); this names the grant to add.
pub const MYSQL_CATALOG_HINT: &str = "the admin needs SELECT ON mysql.* (GRANT SELECT ON mysql.* TO the admin account): the provider reads mysql.user and the user's SHOW GRANTS / SHOW CREATE USER through it to compare the user's account and grants with the configuration";

/// True when a failed MySQL/MariaDB catalog read is the missing `SELECT ON mysql.*` (see
/// [`MYSQL_CATALOG_HINT`]).
pub fn is_mysql_catalog_denied(
    engine: Engine,
    query: &str,
    code: Option<&str>,
    message: &str,
) -> bool {
    let denied = code.is_some_and(|c| {
        ["1142", "1143", "1044", "1227"]
            .iter()
            .any(|n| c == *n || c.starts_with(&format!("{n}/")))
    });
    let catalog_read = matches!(query, "mysql.user" | "SHOW GRANTS" | "SHOW CREATE USER")
        || message.to_ascii_lowercase().contains("mysql");
    engine.is_mysql_family() && denied && catalog_read
}

fn catalog_hint(engine: Engine, query: &str, code: &Option<String>, message: &str) -> String {
    if is_mysql_catalog_denied(engine, query, code.as_deref(), message) {
        format!("; {MYSQL_CATALOG_HINT}")
    } else {
        String::new()
    }
}

fn code_suffix(code: &Option<String>) -> String {
    match code {
        Some(c) => format!(" (error {c})"),
        None => String::new(),
    }
}

impl ClientError {
    /// True when the server could not be reached at all (timeout or network/TLS failure).
    pub fn is_unreachable(&self) -> bool {
        matches!(
            self,
            ClientError::Timeout { .. } | ClientError::Connect { .. }
        )
    }

    /// True when the server refused the credentials (the password no longer works, the user is gone): never
    /// for a login that only may not open the database it named (see [`ClientError::is_database_access`]).
    pub fn is_login(&self) -> bool {
        matches!(self, ClientError::Login { .. })
    }

    /// True when the credentials worked but the login may not open the database it named.
    pub fn is_database_access(&self) -> bool {
        matches!(self, ClientError::DatabaseAccess { .. })
    }

    /// The (redacted) statement a [`ClientError::Statement`] failure is about, also inside
    /// [`ClientError::Retries`].
    pub fn statement(&self) -> Option<&str> {
        match self {
            ClientError::Statement { statement, .. } => Some(statement),
            ClientError::Retries { last, .. } => last.statement(),
            _ => None,
        }
    }

    /// The SQLSTATE / error-number text of a statement or query failure.
    pub fn code(&self) -> Option<&str> {
        match self {
            ClientError::Statement { code, .. } | ClientError::Query { code, .. } => {
                code.as_deref()
            }
            ClientError::Retries { last, .. } => last.code(),
            _ => None,
        }
    }
}

/// A database error reduced to what this module decides on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DbFailure {
    /// SQLSTATE.
    pub sqlstate: Option<String>,
    /// MySQL/MariaDB error number.
    pub number: Option<u16>,
    /// The server's message.
    pub message: String,
}

impl DbFailure {
    fn code_text(&self) -> Option<String> {
        match (&self.number, &self.sqlstate) {
            (Some(n), Some(s)) => Some(format!("{n}/{s}")),
            (Some(n), None) => Some(n.to_string()),
            (None, Some(s)) => Some(s.clone()),
            (None, None) => None,
        }
    }
}

/// What a server's refusal at connect means; see [`classify_connect_refusal`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ConnectRefusal {
    /// The credentials do not work: wrong or expired password, unknown user, login not allowed. Only this
    /// means a new password is needed.
    Credentials,
    /// The credentials work, but this login may not open the database it named.
    DatabaseAccess,
    /// The database named in the connection does not exist.
    UnknownDatabase,
}

/// Reads the server's error code at connect, never its message (which is localised):
///
/// * MySQL/MariaDB: 1045 `ER_ACCESS_DENIED_ERROR` (bad user or password), 1698
///   `ER_ACCESS_DENIED_NO_PASSWORD_ERROR` and 1862 `ER_MUST_CHANGE_PASSWORD_LOGIN` (expired password) are
///   [`ConnectRefusal::Credentials`]; 1044 `ER_DBACCESS_DENIED_ERROR` ("Access denied for user ... to
///   database ...", sent after the password was accepted) is [`ConnectRefusal::DatabaseAccess`]; 1049
///   `ER_BAD_DB_ERROR` is [`ConnectRefusal::UnknownDatabase`]. Without an error number, SQLSTATE 28000 is
///   read as credentials.
/// * PostgreSQL: SQLSTATE 28P01 `invalid_password` and 28000 `invalid_authorization_specification` are
///   credentials; 42501 `insufficient_privilege` ("permission denied for database", no CONNECT privilege,
///   checked after authentication) is database access; 3D000 `invalid_catalog_name` an unknown database.
pub fn classify_connect_refusal(engine: Engine, failure: &DbFailure) -> Option<ConnectRefusal> {
    if engine.is_mysql_family() {
        return match (failure.number, failure.sqlstate.as_deref()) {
            (Some(1045 | 1698 | 1862), _) => Some(ConnectRefusal::Credentials),
            (Some(1044), _) => Some(ConnectRefusal::DatabaseAccess),
            (Some(1049), _) => Some(ConnectRefusal::UnknownDatabase),
            (None, Some("28000")) => Some(ConnectRefusal::Credentials),
            _ => None,
        };
    }
    match failure.sqlstate.as_deref() {
        Some("28P01" | "28000") => Some(ConnectRefusal::Credentials),
        Some("42501") => Some(ConnectRefusal::DatabaseAccess),
        Some("3D000") => Some(ConnectRefusal::UnknownDatabase),
        _ => None,
    }
}

/// True when a failure is worth retrying: deadlocks and serialization failures (SQLSTATE 40001, 40P01;
/// MySQL 1213), lock-wait timeouts (MySQL 1205) and PostgreSQL's `tuple concurrently updated` (XX000), which
/// concurrent GRANTs on one object raise.
pub fn is_retryable(engine: Engine, failure: &DbFailure) -> bool {
    if engine.is_mysql_family() {
        return matches!(failure.number, Some(1213 | 1205))
            || failure.sqlstate.as_deref() == Some("40001");
    }
    match failure.sqlstate.as_deref() {
        Some("40001" | "40P01") => true,
        Some("XX000") => failure.message.contains("tuple concurrently updated"),
        _ => false,
    }
}

/// The parts of `statement.sql` that `statement.redacted` replaces with `'***'` (the secret literals),
/// without their quotes.
pub fn secret_literals(statement: &Statement) -> Vec<String> {
    let marker = statements::REDACTED;
    if !statement.has_secret() {
        return Vec::new();
    }
    let parts: Vec<&str> = statement.redacted.split(marker).collect();
    let mut out = Vec::new();
    let mut rest = statement.sql.as_str();
    for (i, part) in parts.iter().enumerate() {
        let Some(after) = rest.strip_prefix(part) else {
            // The texts do not line up: treat everything left as secret.
            out.push(rest.to_owned());
            return out;
        };
        rest = after;
        if i + 1 == parts.len() {
            break;
        }
        let next = parts[i + 1];
        let end = if next.is_empty() {
            rest.len()
        } else {
            match rest.find(next) {
                Some(e) => e,
                None => rest.len(),
            }
        };
        let literal = &rest[..end];
        let inner = literal
            .strip_prefix("E'")
            .or_else(|| literal.strip_prefix('\''))
            .unwrap_or(literal);
        let inner = inner.strip_suffix('\'').unwrap_or(inner);
        out.push(inner.to_owned());
        rest = &rest[end..];
    }
    out
}

/// The server's message for a failed `statement`, or a notice that it was withheld when it contains any
/// four consecutive characters of a secret the statement carries (MySQL quotes the text near a syntax
/// error, which could be part of the password).
pub fn scrub_message(statement: &Statement, message: &str) -> String {
    const WINDOW: usize = 4;
    for secret in secret_literals(statement) {
        let chars: Vec<char> = secret.chars().collect();
        let leaks = if chars.len() < WINDOW {
            !secret.is_empty() && message.contains(&secret)
        } else {
            chars
                .windows(WINDOW)
                .any(|w| message.contains(&w.iter().collect::<String>()))
        };
        if leaks {
            return "the server's message is withheld because it quotes part of the statement, which carries a password".to_owned();
        }
    }
    message.to_owned()
}

/// Splits statements into runs that execute in one PostgreSQL transaction each: consecutive statements for
/// the same database (`None` = the connection's database), in order.
pub fn pg_runs<'a>(
    statements: &'a [Statement],
    default_db: &str,
) -> Vec<(String, Vec<&'a Statement>)> {
    let mut out: Vec<(String, Vec<&Statement>)> = Vec::new();
    for s in statements {
        let db = s.database.as_deref().unwrap_or(default_db);
        match out.last_mut() {
            Some((d, run)) if d == db => run.push(s),
            _ => out.push((db.to_owned(), vec![s])),
        }
    }
    out
}

/// True when a `SHOW CREATE USER` line (MySQL 8 and MariaDB) says `ACCOUNT LOCK` outside quoted strings.
/// (MariaDB's `mysql.user` view has no `account_locked` column, so this is the one portable source.)
pub fn create_user_locked(line: &str) -> bool {
    let mut words: Vec<String> = Vec::new();
    let mut current = String::new();
    let mut quote: Option<char> = None;
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        match (quote, c) {
            (Some(q), '\\') if q != '`' => {
                chars.next();
            }
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '\'' | '"' | '`') => quote = Some(c),
            (None, c) if c.is_whitespace() => {
                if !current.is_empty() {
                    words.push(std::mem::take(&mut current).to_ascii_uppercase());
                }
            }
            (None, c) => current.push(c),
        }
    }
    if !current.is_empty() {
        words.push(current.to_ascii_uppercase());
    }
    words
        .windows(2)
        .any(|w| w[0] == "ACCOUNT" && w[1] == "LOCK")
}

/// Account attributes from the one line of `SHOW CREATE USER` (MySQL 8 and MariaDB), which an account may
/// run for itself without access to `mysql.user`: `REQUIRE` (anything but `NONE` requires TLS),
/// `MAX_USER_CONNECTIONS` (0: no limit) and the `AWSAuthenticationPlugin` plugin. Quoted strings (the
/// password hash) are skipped, never interpreted or returned. `None` when the line is no `CREATE USER`.
pub fn parse_create_user(line: &str, user: &str, host: &str) -> Option<MysqlUser> {
    let mut words: Vec<String> = Vec::new();
    let mut quoted: Vec<String> = Vec::new();
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\'' | '"' | '`' => {
                let mut value = String::new();
                while let Some(ch) = chars.next() {
                    if ch == '\\' && c != '`' {
                        chars.next();
                    } else if ch == c {
                        if chars.peek() == Some(&c) {
                            chars.next();
                            value.push(c);
                        } else {
                            break;
                        }
                    } else {
                        value.push(ch);
                    }
                }
                if c != '`' && value.len() <= 64 {
                    quoted.push(value);
                }
            }
            c if c.is_alphanumeric() || c == '_' => {
                let mut w = String::from(c);
                while let Some(&n) = chars.peek() {
                    if n.is_alphanumeric() || n == '_' {
                        w.push(n);
                        chars.next();
                    } else {
                        break;
                    }
                }
                words.push(w.to_ascii_uppercase());
            }
            _ => {}
        }
    }
    if words.first().map(String::as_str) != Some("CREATE")
        || words.get(1).map(String::as_str) != Some("USER")
    {
        return None;
    }
    let after = |w: &str| {
        words
            .iter()
            .position(|x| x == w)
            .and_then(|i| words.get(i + 1).cloned())
    };
    let ssl_type = match after("REQUIRE").as_deref() {
        None | Some("NONE") => String::new(),
        Some("SSL") => "ANY".to_owned(),
        Some("X509") => "X509".to_owned(),
        Some(_) => "SPECIFIED".to_owned(),
    };
    let connection_limit = after("MAX_USER_CONNECTIONS")
        .and_then(|n| n.parse::<u32>().ok())
        .filter(|n| *n > 0);
    let iam = words
        .iter()
        .chain(quoted.iter())
        .any(|w| w.eq_ignore_ascii_case("AWSAuthenticationPlugin"));
    Some(MysqlUser {
        user: user.to_owned(),
        host: host.to_owned(),
        plugin: if iam {
            "AWSAuthenticationPlugin".to_owned()
        } else {
            String::new()
        },
        require_ssl: !ssl_type.is_empty(),
        ssl_type,
        connection_limit,
        iam,
        password_expired: words
            .windows(2)
            .any(|w| w[0] == "PASSWORD" && w[1] == "EXPIRE")
            && !words.windows(3).any(|w| {
                w[0] == "PASSWORD"
                    && w[1] == "EXPIRE"
                    && matches!(w[2].as_str(), "DEFAULT" | "NEVER" | "INTERVAL")
            }),
    })
}

/// Tells MariaDB from MySQL by the version text (`10.11.6-MariaDB`, `5.5.5-10.6.19-MariaDB-log`).
pub fn mysql_family_engine(version: &str) -> Engine {
    if version.to_ascii_lowercase().contains("mariadb") {
        Engine::Mariadb
    } else {
        Engine::Mysql
    }
}

/// The backoff before retry `attempt` (1-based): 40 ms doubling up to 1.3 s, plus up to 50% jitter.
pub fn backoff(attempt: u32) -> Duration {
    let base = 40u64.saturating_mul(1u64 << attempt.saturating_sub(1).min(5));
    let jitter = rand::rng().random_range(0..=base / 2);
    Duration::from_millis(base + jitter)
}

/// How many times a retryable failure is tried in all.
pub const MAX_ATTEMPTS: u32 = 8;

/// The pause before trying a retryable failure again, or `None` when it may not be retried: after
/// [`MAX_ATTEMPTS`], or when the pause would end past `budget` (the call's
/// [`ConnectOptions::lock_timeout`], counted from the call's start; `elapsed` is the time since then).
/// A lock-wait timeout has itself waited the whole `lock_timeout`, so it is never retried, and one
/// [`Client::execute`] stays within about twice `lock_timeout` (the catalog lock, then one statement's
/// wait), which the rotation function sizes to fit the invocation.
pub fn retry_delay(attempt: u32, elapsed: Duration, budget: Duration) -> Option<Duration> {
    if attempt >= MAX_ATTEMPTS {
        return None;
    }
    let delay = backoff(attempt);
    (elapsed + delay < budget).then_some(delay)
}
/// The default of [`ConnectOptions::lock_timeout`].
pub const LOCK_TIMEOUT: Duration = Duration::from_secs(60);

/// [`ConnectOptions::lock_timeout`] in whole seconds, at least 1.
fn lock_seconds(opts: &ConnectOptions) -> u64 {
    opts.lock_timeout.as_secs().max(1)
}

/// MySQL/MariaDB: bounds every lock wait of the session (metadata locks wait `lock_wait_timeout`, a year by
/// default, so an `ALTER USER` behind a long transaction could hang the caller with no bound).
pub fn mysql_session_limits(seconds: u64) -> String {
    format!("SET SESSION lock_wait_timeout = {seconds}, innodb_lock_wait_timeout = {seconds}")
}

/// What [`Client::read_user`] inspects beyond the user itself (PostgreSQL; ignored on MySQL/MariaDB).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Inspect {
    /// Databases to read schema, object and default privileges in, besides the connection's database and
    /// every database where the role has dependencies (found in `pg_shdepend`).
    pub databases: Vec<String>,
    /// `(database, schema)` pairs whose tables and sequences are listed, so that "granted on all tables" can
    /// be told from "granted on some" (see [`PgRows::inspected_schemas`]). Schemas where the role holds any
    /// privilege are added automatically.
    pub schemas: Vec<(String, String)>,
    /// Roles whose default privileges are managed (see [`crate::GrantContext::default_privilege_roles`]).
    pub default_privilege_roles: Vec<String>,
}

/// Account attributes as far as the connection may read them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum UserAttributes {
    /// MySQL/MariaDB `mysql.user` row.
    Mysql(MysqlUser),
    /// PostgreSQL role.
    Postgres(PgRole),
    /// The connection may not read them (MySQL without `SELECT` on `mysql.user`, e.g. when reading as the
    /// user itself); the grants were still read.
    Unreadable,
}

/// A user as the server has it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UserState {
    /// Attributes.
    pub attributes: UserAttributes,
    /// Grants.
    pub grants: ActualGrants,
}

/// A bind parameter for [`Client::query`].
#[derive(Clone, Copy, Debug)]
pub enum Bind<'a> {
    /// A text value (`?` / `$n`).
    Text(&'a str),
    /// A PostgreSQL `text[]`.
    TextArray(&'a [String]),
}

enum Conn {
    Mysql(MySqlConnection),
    Postgres(PgConnection),
}

/// An open connection (plus, on PostgreSQL, connections to further databases opened on demand).
pub struct Client {
    opts: ConnectOptions,
    server: ServerInfo,
    version: String,
    main: Conn,
    others: BTreeMap<String, PgConnection>,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("engine", &self.server.engine)
            .field("host", &self.opts.host)
            .field("port", &self.opts.port)
            .field("username", &self.opts.username)
            .field("version", &self.version)
            .finish_non_exhaustive()
    }
}

fn db_failure(err: &sqlx::Error) -> Option<DbFailure> {
    let sqlx::Error::Database(db) = err else {
        return None;
    };
    let number = db
        .try_downcast_ref::<MySqlDatabaseError>()
        .map(MySqlDatabaseError::number);
    Some(DbFailure {
        sqlstate: db.code().map(|c| c.into_owned()),
        number,
        message: db.message().to_owned(),
    })
}

/// The rustls error inside a sqlx error, if any: sqlx reports handshake failures as I/O errors carrying it.
fn rustls_error(err: &sqlx::Error) -> Option<&rustls::Error> {
    match err {
        sqlx::Error::Io(e) => e.get_ref()?.downcast_ref::<rustls::Error>(),
        sqlx::Error::Tls(e) => e.downcast_ref::<rustls::Error>(),
        _ => None,
    }
}

fn failure_message(err: &sqlx::Error) -> String {
    if let Some(e) = rustls_error(err) {
        return format!("TLS: {e}");
    }
    match err {
        sqlx::Error::Database(db) => db.message().to_owned(),
        sqlx::Error::Io(e) => e.to_string(),
        sqlx::Error::Tls(e) => format!("TLS: {e}"),
        other => other.to_string(),
    }
}

fn connect_failure(err: &sqlx::Error) -> ConnectFailure {
    if let Some(e) = rustls_error(err) {
        return match e {
            rustls::Error::InvalidCertificate(
                rustls::CertificateError::NotValidForName
                | rustls::CertificateError::NotValidForNameContext { .. },
            ) => ConnectFailure::HostNameMismatch,
            rustls::Error::InvalidCertificate(_) => ConnectFailure::CertificateNotTrusted,
            _ => ConnectFailure::Tls,
        };
    }
    match err {
        sqlx::Error::Io(_) => ConnectFailure::Network,
        sqlx::Error::Tls(e) if e.to_string().contains("does not support TLS") => {
            ConnectFailure::TlsUnsupported
        }
        sqlx::Error::Tls(_) => ConnectFailure::Tls,
        sqlx::Error::Protocol(m) if m.to_ascii_lowercase().contains("tls") || m.contains("SSL") => {
            ConnectFailure::Tls
        }
        _ => ConnectFailure::Other,
    }
}

/// The PEM roots handed to the driver: for `verify-full` the caller's bundle or the built-in RDS CAs (the
/// driver trusts nothing else: see [`crate::tls`]); the other modes check no chain.
fn root_certs(opts: &ConnectOptions) -> Option<Vec<u8>> {
    match opts.tls {
        TlsMode::VerifyFull => Some(
            crate::tls::trusted_roots_pem(opts.ca_bundle_pem.as_deref())
                .as_bytes()
                .to_vec(),
        ),
        TlsMode::Require | TlsMode::Disable => None,
    }
}

fn mysql_options(opts: &ConnectOptions) -> MySqlConnectOptions {
    let mut o = MySqlConnectOptions::new()
        .host(&opts.host)
        .port(opts.port)
        .username(&opts.username)
        .password(opts.password.expose())
        .ssl_mode(match opts.tls {
            TlsMode::Require => MySqlSslMode::Required,
            TlsMode::VerifyFull => MySqlSslMode::VerifyIdentity,
            TlsMode::Disable => MySqlSslMode::Disabled,
        })
        .charset("utf8mb4")
        // The handshake already selects utf8mb4; skip sqlx's `SET sql_mode=..., time_zone=..., NAMES ...`
        // round trip (the statements here depend on neither: see crate::ident on quoting).
        .pipes_as_concat(false)
        .no_engine_substitution(false)
        .timezone(None)
        .set_names(false)
        .statement_cache_capacity(16)
        .disable_statement_logging();
    if let Some(db) = &opts.database {
        o = o.database(db);
    }
    if let Some(pem) = root_certs(opts) {
        o = o.ssl_ca_from_pem(pem);
    }
    o
}

fn pg_options(opts: &ConnectOptions, database: &str) -> PgConnectOptions {
    let mut o = PgConnectOptions::new()
        .host(&opts.host)
        .port(opts.port)
        .username(&opts.username)
        .password(opts.password.expose())
        .database(database)
        .ssl_mode(match opts.tls {
            TlsMode::Require => PgSslMode::Require,
            TlsMode::VerifyFull => PgSslMode::VerifyFull,
            TlsMode::Disable => PgSslMode::Disable,
        })
        .application_name("logexaminer")
        .statement_cache_capacity(16)
        .disable_statement_logging();
    if let Some(pem) = root_certs(opts) {
        o = o.ssl_root_cert_from_pem(pem);
    }
    o
}

fn map_connect_error(
    opts: &ConnectOptions,
    database: Option<&str>,
    err: sqlx::Error,
) -> ClientError {
    if let Some(f) = db_failure(&err) {
        match classify_connect_refusal(opts.engine, &f) {
            Some(ConnectRefusal::Credentials) => {
                return ClientError::Login {
                    engine: opts.engine,
                    host: opts.host.clone(),
                    port: opts.port,
                    username: opts.username.clone(),
                    message: f.message,
                };
            }
            Some(ConnectRefusal::DatabaseAccess) => {
                return ClientError::DatabaseAccess {
                    engine: opts.engine,
                    host: opts.host.clone(),
                    port: opts.port,
                    username: opts.username.clone(),
                    database: database.unwrap_or_default().to_owned(),
                    message: f.message,
                };
            }
            Some(ConnectRefusal::UnknownDatabase) => {
                return ClientError::UnknownDatabase {
                    engine: opts.engine,
                    host: opts.host.clone(),
                    port: opts.port,
                    database: database.unwrap_or_default().to_owned(),
                    message: f.message,
                };
            }
            None => {}
        }
    }
    ClientError::Connect {
        engine: opts.engine,
        host: opts.host.clone(),
        port: opts.port,
        timeout: opts.connect_timeout,
        failure: connect_failure(&err),
        message: failure_message(&err),
    }
}

async fn open_pg(opts: &ConnectOptions, database: &str) -> Result<PgConnection, ClientError> {
    let o = pg_options(opts, database);
    match tokio::time::timeout(opts.connect_timeout, PgConnection::connect_with(&o)).await {
        Err(_) => Err(ClientError::Timeout {
            engine: opts.engine,
            host: opts.host.clone(),
            port: opts.port,
            timeout: opts.connect_timeout,
        }),
        Ok(Err(e)) => Err(map_connect_error(opts, Some(database), e)),
        Ok(Ok(c)) => Ok(c),
    }
}

async fn open_mysql(opts: &ConnectOptions) -> Result<MySqlConnection, ClientError> {
    let o = mysql_options(opts);
    match tokio::time::timeout(opts.connect_timeout, MySqlConnection::connect_with(&o)).await {
        Err(_) => Err(ClientError::Timeout {
            engine: opts.engine,
            host: opts.host.clone(),
            port: opts.port,
            timeout: opts.connect_timeout,
        }),
        Ok(Err(e)) => Err(map_connect_error(opts, opts.database.as_deref(), e)),
        Ok(Ok(mut c)) => {
            let sql = mysql_session_limits(lock_seconds(opts));
            match mysql_exec(&mut c, sql).await {
                Ok(()) => Ok(c),
                Err(e) => Err(map_connect_error(opts, opts.database.as_deref(), e)),
            }
        }
    }
}

/// A boxed `Send` future. The driver calls are boxed with explicit lifetimes: awaiting sqlx's generic
/// executor futures directly inside these async methods trips rustc's higher-ranked `Send` inference
/// (rust-lang/rust#102211) for callers that need `Send` futures (tokio::spawn, async-trait).
type BoxFut<'a, T> = std::pin::Pin<Box<dyn std::future::Future<Output = T> + Send + 'a>>;

/// An owned bind value.
#[derive(Clone, Debug)]
enum OwnedBind {
    Text(String),
    TextArray(Vec<String>),
}

fn owned_binds(binds: &[Bind<'_>]) -> Vec<OwnedBind> {
    binds
        .iter()
        .map(|b| match b {
            Bind::Text(t) => OwnedBind::Text((*t).to_owned()),
            Bind::TextArray(a) => OwnedBind::TextArray(a.to_vec()),
        })
        .collect()
}

fn mysql_fetch(
    conn: &mut MySqlConnection,
    sql: String,
    binds: Vec<OwnedBind>,
) -> BoxFut<'_, Result<Vec<Row>, sqlx::Error>> {
    Box::pin(async move {
        let rows = if binds.is_empty() {
            conn.fetch_all(sqlx::raw_sql(&sql)).await?
        } else {
            let mut q = sqlx::query(&sql);
            for b in binds {
                q = match b {
                    OwnedBind::Text(t) => q.bind(t),
                    OwnedBind::TextArray(a) => q.bind(a.join(",")),
                };
            }
            conn.fetch_all(q).await?
        };
        Ok(rows.iter().map(mysql_row).collect())
    })
}

fn pg_fetch(
    conn: &mut PgConnection,
    sql: String,
    binds: Vec<OwnedBind>,
) -> BoxFut<'_, Result<Vec<Row>, sqlx::Error>> {
    Box::pin(async move {
        let rows = if binds.is_empty() {
            conn.fetch_all(sqlx::raw_sql(&sql)).await?
        } else {
            let mut q = sqlx::query(&sql);
            for b in binds {
                q = match b {
                    OwnedBind::Text(t) => q.bind(t),
                    OwnedBind::TextArray(a) => q.bind(a),
                };
            }
            conn.fetch_all(q).await?
        };
        Ok(rows.iter().map(pg_row).collect())
    })
}

fn mysql_exec(conn: &mut MySqlConnection, sql: String) -> BoxFut<'_, Result<(), sqlx::Error>> {
    Box::pin(async move {
        conn.execute(sqlx::raw_sql(&sql)).await?;
        Ok(())
    })
}

fn pg_exec(conn: &mut PgConnection, sql: String) -> BoxFut<'_, Result<(), sqlx::Error>> {
    Box::pin(async move {
        conn.execute(sqlx::raw_sql(&sql)).await?;
        Ok(())
    })
}

/// Runs `body` (`BEGIN; ...; COMMIT` as one simple query: a single round trip, so the catalog lock is never
/// held while waiting for the client). After a failure the transaction is aborted: `ROLLBACK` ends it.
fn pg_atomic(conn: &mut PgConnection, body: String) -> BoxFut<'_, Result<(), sqlx::Error>> {
    Box::pin(async move {
        match conn.execute(sqlx::raw_sql(&body)).await {
            Ok(_) => Ok(()),
            Err(e) => {
                let _ = conn.execute(sqlx::raw_sql("ROLLBACK")).await;
                Err(e)
            }
        }
    })
}

/// Replays `sqls` one by one in a transaction that is always rolled back, to find which statement fails
/// and why (a simple query with several statements reports the error, not the statement).
fn pg_locate(
    conn: &mut PgConnection,
    sqls: Vec<String>,
) -> BoxFut<'_, Option<(usize, sqlx::Error)>> {
    Box::pin(async move {
        let mut tx = conn.begin().await.ok()?;
        let mut found = None;
        for (i, sql) in sqls.iter().enumerate() {
            if let Err(e) = tx.execute(sqlx::raw_sql(sql)).await {
                found = Some((i, e));
                break;
            }
        }
        let _ = tx.rollback().await;
        found
    })
}

/// A stand-in statement for a whole run, for errors that cannot be tied to one statement: its redacted text
/// names the statements, and its secrets are known so that the server's message can be scrubbed.
fn batch_label(run: &[&Statement]) -> Statement {
    let join = |f: fn(&Statement) -> &str| run.iter().map(|s| f(s)).collect::<Vec<_>>().join("; ");
    Statement {
        sql: join(|s| &s.sql),
        redacted: join(|s| &s.redacted),
        database: None,
    }
}

fn ident_account(user: &str, host: &str) -> Result<String, IntrospectError> {
    crate::ident::mysql_account(user, host).map_err(IntrospectError::Quote)
}

fn mysql_row(row: &sqlx::mysql::MySqlRow) -> Row {
    (0..row.len())
        .map(|i| match row.try_get::<Option<String>, _>(i) {
            Ok(v) => v,
            Err(_) => row
                .try_get_unchecked::<Option<Vec<u8>>, _>(i)
                .ok()
                .flatten()
                .map(|b| String::from_utf8_lossy(&b).into_owned()),
        })
        .collect()
}

fn pg_row(row: &sqlx::postgres::PgRow) -> Row {
    (0..row.len())
        .map(|i| row.try_get::<Option<String>, _>(i).ok().flatten())
        .collect()
}

impl Client {
    /// Connects within `opts.connect_timeout` and reads the server version (and MySQL's `partial_revokes`).
    /// A MySQL-family server answers as what it is: a MariaDB server reached with `engine = Mysql` gives
    /// [`ClientError::EngineMismatch`], and the reverse too.
    pub async fn connect(opts: &ConnectOptions) -> Result<Client, ClientError> {
        tracing::debug!(
            engine = %opts.engine,
            host = %opts.host,
            port = opts.port,
            username = %opts.username,
            tls = %opts.tls,
            "connecting to the database"
        );
        let main = match opts.engine {
            Engine::Postgres => Conn::Postgres(open_pg(opts, opts.pg_database()).await?),
            Engine::Mysql | Engine::Mariadb => Conn::Mysql(open_mysql(opts).await?),
        };
        let mut client = Client {
            opts: opts.clone(),
            server: ServerInfo::default_for(opts.engine),
            version: String::new(),
            main,
            others: BTreeMap::new(),
        };
        client.load_server_info().await?;
        Ok(client)
    }

    /// Connects as `opts` and runs `SELECT 1`: proves that the credentials work (e.g. a new password).
    pub async fn login_check(opts: &ConnectOptions) -> Result<(), ClientError> {
        let mut c = Client::connect(opts).await?;
        c.query(None, "SELECT 1", &[]).await?;
        c.close().await;
        Ok(())
    }

    async fn load_server_info(&mut self) -> Result<(), ClientError> {
        let engine = self.opts.engine;
        if engine == Engine::Postgres {
            // The server reports its version at startup; ask only when the driver did not keep it.
            let reported = match &self.main {
                Conn::Postgres(c) => c.server_version_num(),
                Conn::Mysql(_) => None,
            };
            let rows = match reported {
                Some(num) => vec![vec![Some(num.to_string()), Some("0".to_owned())]],
                None => {
                    self.query(None, introspect::server_info_sql(Engine::Postgres), &[])
                        .await?
                }
            };
            self.server = introspect::parse_server_info(Engine::Postgres, &rows)
                .map_err(|e| self.introspect_error(e))?;
            self.version = rows
                .first()
                .and_then(|r| r.first().cloned().flatten())
                .unwrap_or_default();
            return Ok(());
        }
        let rows = self
            .query(None, "SELECT CAST(VERSION() AS CHAR)", &[])
            .await?;
        let version = rows
            .first()
            .and_then(|r| r.first().cloned().flatten())
            .unwrap_or_default();
        let actual = mysql_family_engine(&version);
        if actual != engine {
            return Err(ClientError::EngineMismatch {
                host: self.opts.host.clone(),
                port: self.opts.port,
                expected: engine,
                actual,
                version,
            });
        }
        // MariaDB's query would only repeat the version; MySQL's adds `partial_revokes`.
        let rows = if actual == Engine::Mariadb {
            vec![vec![Some(version.clone()), Some("0".to_owned())]]
        } else {
            self.query(None, introspect::server_info_sql(actual), &[])
                .await?
        };
        self.server =
            introspect::parse_server_info(actual, &rows).map_err(|e| self.introspect_error(e))?;
        self.version = version;
        Ok(())
    }

    /// The server's engine, version and `partial_revokes`, read at connect.
    pub fn server_info(&self) -> ServerInfo {
        self.server
    }

    /// The version text the server reported.
    pub fn version(&self) -> &str {
        &self.version
    }

    /// The options this client connected with.
    pub fn options(&self) -> &ConnectOptions {
        &self.opts
    }

    /// Closes every connection.
    pub async fn close(self) {
        match self.main {
            Conn::Mysql(c) => {
                let _ = c.close().await;
            }
            Conn::Postgres(c) => {
                let _ = c.close().await;
            }
        }
        for (_, c) in self.others {
            let _ = c.close().await;
        }
    }

    fn introspect_error(&self, source: IntrospectError) -> ClientError {
        ClientError::Introspect {
            host: self.opts.host.clone(),
            port: self.opts.port,
            source,
        }
    }

    fn query_error(&self, query: &str, database: Option<&str>, err: &sqlx::Error) -> ClientError {
        let f = db_failure(err);
        ClientError::Query {
            engine: self.server.engine,
            host: self.opts.host.clone(),
            port: self.opts.port,
            query: query.to_owned(),
            database: database.map(str::to_owned),
            code: f.as_ref().and_then(DbFailure::code_text),
            message: f.map(|f| f.message).unwrap_or_else(|| failure_message(err)),
        }
    }

    fn statement_error(
        &self,
        stmt: &Statement,
        database: Option<&str>,
        err: &sqlx::Error,
    ) -> ClientError {
        let f = db_failure(err);
        let message = f
            .as_ref()
            .map(|f| f.message.clone())
            .unwrap_or_else(|| failure_message(err));
        ClientError::Statement {
            engine: self.server.engine,
            host: self.opts.host.clone(),
            port: self.opts.port,
            statement: stmt.redacted.clone(),
            database: database.map(str::to_owned),
            code: f.as_ref().and_then(DbFailure::code_text),
            message: scrub_message(stmt, &message),
        }
    }

    async fn pg_conn(&mut self, database: Option<&str>) -> Result<&mut PgConnection, ClientError> {
        let main_db = self.opts.pg_database().to_owned();
        let db = database.unwrap_or(&main_db);
        if db == main_db {
            return match &mut self.main {
                Conn::Postgres(c) => Ok(c),
                Conn::Mysql(_) => Err(ClientError::Connect {
                    engine: self.opts.engine,
                    host: self.opts.host.clone(),
                    port: self.opts.port,
                    timeout: self.opts.connect_timeout,
                    failure: ConnectFailure::Other,
                    message: "not a PostgreSQL connection".to_owned(),
                }),
            };
        }
        if !self.others.contains_key(db) {
            let c = open_pg(&self.opts, db).await?;
            self.others.insert(db.to_owned(), c);
        }
        match self.others.get_mut(db) {
            Some(c) => Ok(c),
            None => Err(ClientError::UnknownDatabase {
                engine: self.opts.engine,
                host: self.opts.host.clone(),
                port: self.opts.port,
                database: db.to_owned(),
                message: "no connection".to_owned(),
            }),
        }
    }

    /// Runs a catalog query with bind parameters and returns every column as text. `database` selects the
    /// PostgreSQL database (`None`: the connection's); it is ignored on MySQL/MariaDB. Queries without
    /// bind parameters run as plain text (so `SHOW GRANTS` works everywhere).
    pub async fn query(
        &mut self,
        database: Option<&str>,
        sql: &str,
        binds: &[Bind<'_>],
    ) -> Result<Vec<Row>, ClientError> {
        self.query_named(sql, database, sql, binds).await
    }

    async fn query_named(
        &mut self,
        what: &str,
        database: Option<&str>,
        sql: &str,
        binds: &[Bind<'_>],
    ) -> Result<Vec<Row>, ClientError> {
        let binds = owned_binds(binds);
        let result = match &mut self.main {
            Conn::Mysql(c) => mysql_fetch(c, sql.to_owned(), binds).await,
            Conn::Postgres(_) => {
                let conn = self.pg_conn(database).await?;
                pg_fetch(conn, sql.to_owned(), binds).await
            }
        };
        result.map_err(|e| self.query_error(what, database, &e))
    }

    /// Runs `statements` in order under the catalog lock, in transactions where the engine has them, retrying
    /// deadlocks and concurrent-update failures (see the module documentation). Logs only redacted texts.
    pub async fn execute(&mut self, statements: &[Statement]) -> Result<(), ClientError> {
        if statements.is_empty() {
            return Ok(());
        }
        if self.server.engine.is_mysql_family() {
            self.execute_mysql(statements).await
        } else {
            self.pg_lock_cluster().await?;
            let result = self.execute_pg(statements).await;
            self.pg_unlock_cluster().await;
            result
        }
    }

    /// Takes the server-wide catalog lock in [`statements::PG_LOCK_DATABASE`] for this session.
    async fn pg_lock_cluster(&mut self) -> Result<(), ClientError> {
        let seconds = lock_seconds(&self.opts);
        let lock = statements::pg_catalog_session_lock(seconds);
        tracing::debug!(database = statements::PG_LOCK_DATABASE, sql = %lock.redacted, "executing");
        let err = {
            let conn = self.pg_conn(Some(statements::PG_LOCK_DATABASE)).await?;
            match pg_exec(conn, lock.sql.clone()).await {
                Ok(()) => return Ok(()),
                Err(e) => {
                    let _ = pg_exec(conn, "RESET lock_timeout".to_owned()).await;
                    e
                }
            }
        };
        if db_failure(&err).is_some_and(|f| f.sqlstate.as_deref() == Some("55P03")) {
            return Err(ClientError::Lock {
                engine: Engine::Postgres,
                host: self.opts.host.clone(),
                port: self.opts.port,
                lock: format!(
                    "pg_advisory_lock({}) in database {}",
                    statements::pg_catalog_lock_key(),
                    statements::PG_LOCK_DATABASE
                ),
                waited: Duration::from_secs(seconds),
            });
        }
        Err(self.query_error("the catalog lock", Some(statements::PG_LOCK_DATABASE), &err))
    }

    async fn pg_unlock_cluster(&mut self) {
        let unlock = statements::pg_catalog_unlock();
        if let Ok(conn) = self.pg_conn(Some(statements::PG_LOCK_DATABASE)).await
            && let Err(e) = pg_exec(conn, unlock.sql).await
        {
            tracing::warn!(error = %failure_message(&e), "releasing the catalog lock failed; it ends with the session");
        }
    }

    async fn execute_pg(&mut self, statements: &[Statement]) -> Result<(), ClientError> {
        let default_db = self.opts.pg_database().to_owned();
        let started = std::time::Instant::now();
        for (db, run) in pg_runs(statements, &default_db) {
            let mut attempt = 1;
            loop {
                let result = self.pg_run(&db, &run).await;
                let delay = match &result {
                    Err((_, true)) => {
                        retry_delay(attempt, started.elapsed(), self.opts.lock_timeout)
                    }
                    _ => None,
                };
                match result {
                    Ok(()) => break,
                    Err((e, true)) if delay.is_some() => {
                        tracing::debug!(attempt, error = %e, "retrying a PostgreSQL transaction");
                        tokio::time::sleep(delay.unwrap_or_default()).await;
                        attempt += 1;
                    }
                    Err((e, retry)) if retry => {
                        return Err(ClientError::Retries {
                            attempts: attempt,
                            last: Box::new(e),
                        });
                    }
                    Err((e, _)) => return Err(e),
                }
            }
        }
        Ok(())
    }

    async fn pg_run(&mut self, db: &str, run: &[&Statement]) -> Result<(), (ClientError, bool)> {
        let lock_timeout = Statement::plain(format!(
            "SET LOCAL lock_timeout = '{}s'",
            lock_seconds(&self.opts)
        ));
        let lock = statements::pg_catalog_lock();
        let all: Vec<&Statement> = [&lock_timeout, &lock]
            .into_iter()
            .chain(run.iter().copied())
            .collect();
        for s in &all {
            tracing::debug!(database = %db, sql = %s.redacted, "executing");
        }
        let sqls: Vec<String> = all.iter().map(|s| s.sql.clone()).collect();
        let body = format!("BEGIN;\n{};\nCOMMIT", sqls.join(";\n"));
        let conn = self.pg_conn(Some(db)).await.map_err(|e| (e, false))?;
        let Err(err) = pg_atomic(conn, body).await else {
            return Ok(());
        };
        let failure = db_failure(&err);
        if failure
            .as_ref()
            .is_some_and(|f| is_retryable(Engine::Postgres, f))
        {
            let e = self.statement_error(&batch_label(run), Some(db), &err);
            return Err((e, true));
        }
        if failure
            .as_ref()
            .is_some_and(|f| f.sqlstate.as_deref() == Some("55P03"))
        {
            return Err((
                ClientError::Lock {
                    engine: Engine::Postgres,
                    host: self.opts.host.clone(),
                    port: self.opts.port,
                    lock: format!(
                        "pg_advisory_xact_lock({}) or a lock the statements wait for",
                        statements::pg_catalog_lock_key()
                    ),
                    waited: Duration::from_secs(lock_seconds(&self.opts)),
                },
                false,
            ));
        }
        // Name the statement that fails (its own error, from a replay that is rolled back).
        let conn = self.pg_conn(Some(db)).await.map_err(|e| (e, false))?;
        let e = match pg_locate(conn, sqls).await {
            Some((i, located)) => match all.get(i) {
                Some(s) => self.statement_error(s, Some(db), &located),
                None => self.statement_error(&batch_label(run), Some(db), &err),
            },
            None => self.statement_error(&batch_label(run), Some(db), &err),
        };
        Err((e, false))
    }

    async fn execute_mysql(&mut self, statements: &[Statement]) -> Result<(), ClientError> {
        let started = std::time::Instant::now();
        let waited = lock_seconds(&self.opts);
        let lock = statements::mysql_catalog_lock(u32::try_from(waited).unwrap_or(u32::MAX));
        tracing::debug!(sql = %lock.redacted, "executing");
        let rows = self
            .query_named("the catalog lock", None, &lock.sql, &[])
            .await?;
        let taken = rows
            .first()
            .and_then(|r| r.first().cloned().flatten())
            .is_some_and(|v| v.trim() == "1");
        if !taken {
            return Err(ClientError::Lock {
                engine: self.server.engine,
                host: self.opts.host.clone(),
                port: self.opts.port,
                lock: format!("GET_LOCK('{}')", statements::MYSQL_LOCK_NAME),
                waited: Duration::from_secs(waited),
            });
        }
        let result = self.execute_mysql_locked(statements, started).await;
        let unlock = statements::mysql_catalog_unlock();
        tracing::debug!(sql = %unlock.redacted, "executing");
        if let Conn::Mysql(c) = &mut self.main {
            let _ = mysql_exec(c, unlock.sql.clone()).await;
        }
        result
    }

    async fn execute_mysql_locked(
        &mut self,
        statements: &[Statement],
        started: std::time::Instant,
    ) -> Result<(), ClientError> {
        for s in statements {
            let mut attempt = 1;
            loop {
                tracing::debug!(sql = %s.redacted, "executing");
                let r = match &mut self.main {
                    Conn::Mysql(c) => mysql_exec(c, s.sql.clone()).await,
                    Conn::Postgres(_) => Ok(()),
                };
                let Err(e) = r else { break };
                let retry = db_failure(&e).is_some_and(|f| is_retryable(self.server.engine, &f));
                let err = self.statement_error(s, None, &e);
                let delay = retry
                    .then(|| retry_delay(attempt, started.elapsed(), self.opts.lock_timeout))
                    .flatten();
                if let Some(delay) = delay {
                    tracing::debug!(attempt, error = %err, "retrying a statement");
                    tokio::time::sleep(delay).await;
                    attempt += 1;
                    continue;
                }
                if retry {
                    return Err(ClientError::Retries {
                        attempts: attempt,
                        last: Box::new(err),
                    });
                }
                return Err(err);
            }
        }
        Ok(())
    }

    /// `SHOW GRANTS FOR` the account, one line per row; `None` when the account does not exist.
    pub async fn show_grants(
        &mut self,
        grantee: &Grantee,
    ) -> Result<Option<Vec<String>>, ClientError> {
        let sql = introspect::show_grants_sql(grantee).map_err(|e| self.introspect_error(e))?;
        match self.query_named("SHOW GRANTS", None, &sql, &[]).await {
            Ok(rows) => Ok(Some(
                rows.into_iter()
                    .filter_map(|r| r.into_iter().next().flatten())
                    .collect(),
            )),
            // ER_NONEXISTING_GRANT: "There is no such grant defined for user".
            Err(e) if e.code().is_some_and(|c| c.starts_with("1141")) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// MySQL/MariaDB: whether the account is locked (`ACCOUNT LOCK`), from `SHOW CREATE USER`.
    pub async fn mysql_account_locked(
        &mut self,
        user: &str,
        host: &str,
    ) -> Result<bool, ClientError> {
        let account = ident_account(user, host).map_err(|e| self.introspect_error(e))?;
        let rows = self
            .query_named(
                "SHOW CREATE USER",
                None,
                &format!("SHOW CREATE USER {account}"),
                &[],
            )
            .await?;
        Ok(rows
            .first()
            .and_then(|r| r.first().cloned().flatten())
            .is_some_and(|line| create_user_locked(&line)))
    }

    /// Reads a user's attributes and grants; `None` when the user does not exist. On PostgreSQL the catalog
    /// queries run in the connection's database, the [`Inspect::databases`] and every database where the role
    /// has dependencies (databases that no longer exist are skipped).
    pub async fn read_user(
        &mut self,
        grantee: &Grantee,
        inspect: &Inspect,
    ) -> Result<Option<UserState>, ClientError> {
        if self.server.engine.is_mysql_family() {
            self.read_mysql_user(grantee).await
        } else {
            self.read_pg_user(grantee, inspect).await
        }
    }

    async fn read_mysql_user(
        &mut self,
        grantee: &Grantee,
    ) -> Result<Option<UserState>, ClientError> {
        let (Some(host), user) = (grantee.host(), grantee.user()) else {
            return Err(self.introspect_error(IntrospectError::Grantee(grantee.user().to_owned())));
        };
        let attrs = match self
            .query_named(
                "mysql.user",
                None,
                introspect::MYSQL_USER_SQL,
                &[Bind::Text(user), Bind::Text(host)],
            )
            .await
        {
            Ok(rows) => {
                match introspect::parse_mysql_user(&rows).map_err(|e| self.introspect_error(e))? {
                    Some(u) => UserAttributes::Mysql(u),
                    None => return Ok(None),
                }
            }
            // 1142: SELECT command denied (no access to mysql.user). An account may still show its own
            // CREATE USER statement.
            Err(e) if e.code().is_some_and(|c| c.starts_with("1142")) => {
                let account = ident_account(user, host).map_err(|e| self.introspect_error(e))?;
                match self
                    .query_named(
                        "SHOW CREATE USER",
                        None,
                        &format!("SHOW CREATE USER {account}"),
                        &[],
                    )
                    .await
                {
                    Ok(rows) => rows
                        .first()
                        .and_then(|r| r.first().cloned().flatten())
                        .and_then(|line| parse_create_user(&line, user, host))
                        .map_or(UserAttributes::Unreadable, UserAttributes::Mysql),
                    Err(_) => UserAttributes::Unreadable,
                }
            }
            Err(e) => return Err(e),
        };
        let Some(lines) = self.show_grants(grantee).await? else {
            return Ok(None);
        };
        let grants = introspect::mysql_actual(&self.server, grantee, &lines)
            .map_err(|e| self.introspect_error(e))?;
        Ok(Some(UserState {
            attributes: attrs,
            grants,
        }))
    }

    /// PostgreSQL: where the role owns objects or holds privileges ([`introspect::PG_DEPENDENT_DATABASES_SQL`]).
    pub async fn pg_dependents(&mut self, role: &str) -> Result<Vec<PgDependents>, ClientError> {
        let rows = self
            .query_named(
                "role dependencies",
                None,
                introspect::PG_DEPENDENT_DATABASES_SQL,
                &[Bind::Text(role)],
            )
            .await?;
        introspect::parse_pg_dependents(&rows).map_err(|e| self.introspect_error(e))
    }

    async fn read_pg_user(
        &mut self,
        grantee: &Grantee,
        inspect: &Inspect,
    ) -> Result<Option<UserState>, ClientError> {
        let role = grantee.user().to_owned();
        let bind = [Bind::Text(&role)];
        let role_rows = self
            .query_named("pg_roles", None, introspect::PG_ROLE_SQL, &bind)
            .await?;
        let member_rows = self
            .query_named(
                "role memberships",
                None,
                introspect::PG_MEMBERSHIPS_SQL,
                &bind,
            )
            .await?;
        let Some(attrs) = introspect::parse_pg_role(&role_rows, &member_rows)
            .map_err(|e| self.introspect_error(e))?
        else {
            return Ok(None);
        };
        let dependents = self.pg_dependents(&role).await?;
        let mut databases: Vec<String> = vec![self.opts.pg_database().to_owned()];
        for d in inspect
            .databases
            .iter()
            .chain(dependents.iter().map(|d| &d.database))
        {
            if !d.is_empty() && !databases.contains(d) {
                databases.push(d.clone());
            }
        }
        let mut rows = PgRows {
            database_privileges: self
                .query_named(
                    "database privileges",
                    None,
                    introspect::PG_DATABASE_PRIVILEGES_SQL,
                    &bind,
                )
                .await?,
            ..PgRows::default()
        };
        for db in &databases {
            let d = Some(db.as_str());
            let schema_rows = match self
                .query_named(
                    "schema privileges",
                    d,
                    introspect::PG_SCHEMA_PRIVILEGES_SQL,
                    &bind,
                )
                .await
            {
                Ok(r) => r,
                // Gone, or not open to this login (e.g. the user itself without CONNECT there).
                Err(ClientError::UnknownDatabase { .. } | ClientError::DatabaseAccess { .. }) => {
                    continue;
                }
                Err(e) => return Err(e),
            };
            let object_rows = self
                .query_named(
                    "object privileges",
                    d,
                    introspect::PG_OBJECT_PRIVILEGES_SQL,
                    &bind,
                )
                .await?;
            let default_rows = self
                .query_named(
                    "default privileges",
                    d,
                    introspect::PG_DEFAULT_PRIVILEGES_SQL,
                    &bind,
                )
                .await?;
            let mut schemas: BTreeSet<String> = inspect
                .schemas
                .iter()
                .filter(|(sdb, _)| sdb == db)
                .map(|(_, s)| s.clone())
                .collect();
            for r in schema_rows.iter().chain(object_rows.iter()) {
                if let Some(Some(s)) = r.get(1) {
                    schemas.insert(s.clone());
                }
            }
            for r in &default_rows {
                if let Some(Some(s)) = r.get(2) {
                    schemas.insert(s.clone());
                }
            }
            let schema_list: Vec<String> = schemas.into_iter().collect();
            if !schema_list.is_empty() {
                let inv = self
                    .query_named(
                        "object inventory",
                        d,
                        introspect::PG_OBJECT_INVENTORY_SQL,
                        &[Bind::TextArray(&schema_list), Bind::Text(&role)],
                    )
                    .await?;
                rows.inventory.extend(inv);
                rows.inspected_schemas
                    .extend(schema_list.iter().map(|s| (db.clone(), s.clone())));
            }
            rows.schema_privileges.extend(schema_rows);
            rows.object_privileges.extend(object_rows);
            rows.default_privileges.extend(default_rows);
        }
        let grants = introspect::pg_actual(&self.server, &rows, &inspect.default_privilege_roles)
            .map_err(|e| self.introspect_error(e))?;
        Ok(Some(UserState {
            attributes: UserAttributes::Postgres(attrs),
            grants,
        }))
    }

    /// PostgreSQL: `rds.force_ssl` as the server reports it (`None` off RDS).
    pub async fn pg_force_ssl(&mut self) -> Result<Option<bool>, ClientError> {
        let rows = self
            .query_named("rds.force_ssl", None, introspect::PG_FORCE_SSL_SQL, &[])
            .await?;
        Ok(rows
            .first()
            .and_then(|r| r.first().cloned().flatten())
            .map(|v| v.trim() == "1" || v.eq_ignore_ascii_case("on")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn account_lock_is_read_outside_quotes() {
        assert!(create_user_locked(
            "CREATE USER `u`@`%` IDENTIFIED BY PASSWORD '*AB' REQUIRE NONE PASSWORD EXPIRE DEFAULT ACCOUNT LOCK"
        ));
        assert!(create_user_locked(
            "CREATE USER 'u'@'%' IDENTIFIED VIA mysql_native_password ACCOUNT LOCK"
        ));
        assert!(!create_user_locked(
            "CREATE USER `u`@`%` IDENTIFIED BY PASSWORD '*AB' REQUIRE NONE PASSWORD EXPIRE DEFAULT ACCOUNT UNLOCK"
        ));
        // A name or hash that reads `ACCOUNT LOCK` is not the clause.
        assert!(!create_user_locked(
            "CREATE USER `ACCOUNT LOCK`@`%` IDENTIFIED BY PASSWORD 'ACCOUNT LOCK'"
        ));
        assert!(!create_user_locked("CREATE USER `a`` ACCOUNT LOCK`@`%`"));
    }

    fn failure(sqlstate: Option<&str>, number: Option<u16>, message: &str) -> DbFailure {
        DbFailure {
            sqlstate: sqlstate.map(str::to_owned),
            number,
            message: message.to_owned(),
        }
    }

    #[test]
    fn connect_refusals_are_classified_by_code() {
        use ConnectRefusal::{Credentials, DatabaseAccess, UnknownDatabase};
        let cases = [
            // MySQL/MariaDB: the error number decides.
            (
                Engine::Mariadb,
                failure(
                    Some("28000"),
                    Some(1045),
                    "Access denied for user 'u'@'localhost' (using password: YES)",
                ),
                Some(Credentials),
            ),
            (
                Engine::Mysql,
                failure(Some("28000"), Some(1698), "Access denied for user 'u'@'h'"),
                Some(Credentials),
            ),
            (
                Engine::Mysql,
                failure(
                    Some("HY000"),
                    Some(1862),
                    "Your password has expired. To log in you must change it",
                ),
                Some(Credentials),
            ),
            (
                Engine::Mariadb,
                failure(
                    Some("42000"),
                    Some(1044),
                    "Access denied for user 'u'@'%' to database 'metastore'",
                ),
                Some(DatabaseAccess),
            ),
            (
                Engine::Mysql,
                failure(Some("42000"), Some(1044), "Access denied"),
                Some(DatabaseAccess),
            ),
            (
                Engine::Mysql,
                failure(Some("42000"), Some(1049), "Unknown database 'x'"),
                Some(UnknownDatabase),
            ),
            (
                Engine::Mysql,
                failure(Some("28000"), None, "denied"),
                Some(Credentials),
            ),
            (
                Engine::Mysql,
                failure(Some("HY000"), Some(1040), "Too many connections"),
                None,
            ),
            // PostgreSQL: the SQLSTATE decides; the message is never read.
            (
                Engine::Postgres,
                failure(
                    Some("28P01"),
                    None,
                    "password authentication failed for user \"u\"",
                ),
                Some(Credentials),
            ),
            (
                Engine::Postgres,
                failure(Some("28000"), None, "role \"u\" is not permitted to log in"),
                Some(Credentials),
            ),
            (
                Engine::Postgres,
                failure(
                    Some("42501"),
                    None,
                    "permission denied for database \"metastore\"",
                ),
                Some(DatabaseAccess),
            ),
            (
                Engine::Postgres,
                failure(Some("42501"), None, "Zugriff verweigert"),
                Some(DatabaseAccess),
            ),
            (
                Engine::Postgres,
                failure(Some("3D000"), None, "database \"x\" does not exist"),
                Some(UnknownDatabase),
            ),
            (
                Engine::Postgres,
                failure(Some("53300"), None, "too many connections for role \"u\""),
                None,
            ),
            // A MySQL number on PostgreSQL (or the reverse) means nothing.
            (Engine::Postgres, failure(None, Some(1045), "x"), None),
            (Engine::Mariadb, failure(Some("28P01"), None, "x"), None),
        ];
        for (engine, f, want) in cases {
            assert_eq!(classify_connect_refusal(engine, &f), want, "{engine} {f:?}");
        }
        let access = ClientError::DatabaseAccess {
            engine: Engine::Mariadb,
            host: "db".into(),
            port: 3306,
            username: "u".into(),
            database: "metastore".into(),
            message: "Access denied".into(),
        };
        assert!(access.is_database_access() && !access.is_login());
        assert!(
            access.to_string().contains("the password works"),
            "{access}"
        );
    }

    #[test]
    fn retryable_failures() {
        let cases = [
            (
                Engine::Postgres,
                failure(Some("40001"), None, "could not serialize access"),
                true,
            ),
            (
                Engine::Postgres,
                failure(Some("40P01"), None, "deadlock detected"),
                true,
            ),
            (
                Engine::Postgres,
                failure(Some("XX000"), None, "tuple concurrently updated"),
                true,
            ),
            (
                Engine::Postgres,
                failure(Some("XX000"), None, "cache lookup failed"),
                false,
            ),
            (
                Engine::Postgres,
                failure(Some("42501"), None, "permission denied"),
                false,
            ),
            (
                Engine::Postgres,
                failure(Some("42710"), None, "role \"x\" already exists"),
                false,
            ),
            (
                Engine::Mariadb,
                failure(Some("40001"), Some(1213), "Deadlock found"),
                true,
            ),
            (
                Engine::Mysql,
                failure(Some("HY000"), Some(1205), "Lock wait timeout exceeded"),
                true,
            ),
            (
                Engine::Mysql,
                failure(Some("HY000"), Some(1396), "Operation CREATE USER failed"),
                false,
            ),
            (
                Engine::Mariadb,
                failure(Some("42000"), Some(1044), "Access denied"),
                false,
            ),
        ];
        for (engine, f, want) in cases {
            assert_eq!(is_retryable(engine, &f), want, "{engine} {f:?}");
        }
    }

    #[test]
    fn secret_literals_are_found_between_the_redacted_parts() {
        let s = Statement {
            sql: "CREATE USER `a`@`%` IDENTIFIED BY 'Pw-123456789' REQUIRE NONE".into(),
            redacted: "CREATE USER `a`@`%` IDENTIFIED BY '***' REQUIRE NONE".into(),
            database: None,
        };
        assert_eq!(secret_literals(&s), vec!["Pw-123456789".to_owned()]);
        let pg = Statement {
            sql: "ALTER ROLE \"a\" PASSWORD E'SCRAM-SHA-256$4096:abc'".into(),
            redacted: "ALTER ROLE \"a\" PASSWORD '***'".into(),
            database: None,
        };
        assert_eq!(
            secret_literals(&pg),
            vec!["SCRAM-SHA-256$4096:abc".to_owned()]
        );
        let two = Statement {
            sql: "ALTER USER USER() IDENTIFIED BY 'new-secret-1' REPLACE 'old-secret-2'".into(),
            redacted: "ALTER USER USER() IDENTIFIED BY '***' REPLACE '***'".into(),
            database: None,
        };
        assert_eq!(
            secret_literals(&two),
            vec!["new-secret-1".to_owned(), "old-secret-2".to_owned()]
        );
        assert!(secret_literals(&Statement::plain("DROP USER `a`@`%`")).is_empty());
    }

    #[test]
    fn messages_quoting_a_password_are_withheld() {
        let s = Statement {
            sql: "CREATE USER `a`@`%` IDENTIFIED BY 'Xy7-secretpart' REQUIRE NONE".into(),
            redacted: "CREATE USER `a`@`%` IDENTIFIED BY '***' REQUIRE NONE".into(),
            database: None,
        };
        let leak = "You have an error in your SQL syntax; check the manual near 'retpart' REQUIRE NONE' at line 1";
        let out = scrub_message(&s, leak);
        assert!(!out.contains("retpart"), "{out}");
        assert!(out.contains("withheld"));
        let fine = "Operation CREATE USER failed for 'a'@'%'";
        assert_eq!(scrub_message(&s, fine), fine);
        let plain = Statement::plain("GRANT SELECT ON `db`.* TO `a`@`%`");
        assert_eq!(scrub_message(&plain, leak), leak);
    }

    #[test]
    fn batch_errors_are_scrubbed_too() {
        let create = Statement {
            sql: "CREATE ROLE \"a\" LOGIN PASSWORD E'SCRAM-SHA-256$4096:c2FsdA==$abcd:efgh'".into(),
            redacted: "CREATE ROLE \"a\" LOGIN PASSWORD '***'".into(),
            database: None,
        };
        let grant = Statement::plain("GRANT CONNECT ON DATABASE \"m\" TO \"a\"");
        let label = batch_label(&[&create, &grant]);
        assert_eq!(
            label.redacted,
            "CREATE ROLE \"a\" LOGIN PASSWORD '***'; GRANT CONNECT ON DATABASE \"m\" TO \"a\""
        );
        let leak = "syntax error at or near \"c2FsdA==$abcd\"";
        assert!(scrub_message(&label, leak).contains("withheld"));
        let fine = "permission denied for database m";
        assert_eq!(scrub_message(&label, fine), fine);
    }

    #[test]
    fn pg_runs_split_by_database_in_order() {
        let st =
            |sql: &str, db: Option<&str>| Statement::plain(sql).in_database(db.map(str::to_owned));
        let list = vec![
            st("CREATE ROLE a", None),
            st("GRANT CONNECT", Some("meta")),
            st("GRANT USAGE", Some("other")),
            st("GRANT SELECT", Some("other")),
            st("ALTER DEFAULT", Some("meta")),
        ];
        let runs = pg_runs(&list, "meta");
        let shape: Vec<(String, Vec<String>)> = runs
            .into_iter()
            .map(|(d, r)| (d, r.into_iter().map(|s| s.sql.clone()).collect()))
            .collect();
        assert_eq!(
            shape,
            vec![
                (
                    "meta".to_owned(),
                    vec!["CREATE ROLE a".to_owned(), "GRANT CONNECT".to_owned()]
                ),
                (
                    "other".to_owned(),
                    vec!["GRANT USAGE".to_owned(), "GRANT SELECT".to_owned()]
                ),
                ("meta".to_owned(), vec!["ALTER DEFAULT".to_owned()]),
            ]
        );
        assert!(pg_runs(&[], "meta").is_empty());
    }

    #[test]
    fn create_user_lines_give_attributes() {
        let maria = "CREATE USER `hive_rw`@`%` IDENTIFIED BY PASSWORD '*ABCDEF0123' REQUIRE SSL WITH MAX_USER_CONNECTIONS 20";
        let u = parse_create_user(maria, "hive_rw", "%").expect("mariadb");
        assert!(u.require_ssl && u.ssl_type == "ANY");
        assert_eq!(u.connection_limit, Some(20));
        assert!(!u.iam && !u.password_expired);
        let mysql = "CREATE USER `a`@`%` IDENTIFIED WITH 'caching_sha2_password' AS '$A$005$x''REQUIRE SSL\\' WITH MAX_USER_CONNECTIONS 0' REQUIRE NONE PASSWORD EXPIRE DEFAULT ACCOUNT UNLOCK";
        let u = parse_create_user(mysql, "a", "%").expect("mysql");
        assert!(!u.require_ssl, "REQUIRE inside the hash must not count");
        assert_eq!(u.connection_limit, None);
        assert!(!u.password_expired);
        let iam = "CREATE USER `i`@`%` IDENTIFIED WITH 'AWSAuthenticationPlugin' AS 'RDS' REQUIRE NONE WITH MAX_USER_CONNECTIONS 3";
        let u = parse_create_user(iam, "i", "%").expect("iam");
        assert!(u.iam);
        assert_eq!(u.connection_limit, Some(3));
        let maria_iam = "CREATE USER `i`@`%` IDENTIFIED VIA AWSAuthenticationPlugin USING 'RDS'";
        assert!(
            parse_create_user(maria_iam, "i", "%")
                .expect("maria iam")
                .iam
        );
        let expired = "CREATE USER `e`@`%` IDENTIFIED BY PASSWORD '*AA' PASSWORD EXPIRE";
        assert!(
            parse_create_user(expired, "e", "%")
                .expect("expired")
                .password_expired
        );
        assert_eq!(
            parse_create_user("GRANT USAGE ON *.* TO `a`@`%`", "a", "%"),
            None
        );
    }

    #[test]
    fn mariadb_is_told_from_mysql() {
        let cases = [
            ("10.11.14-MariaDB-0+deb12u2", Engine::Mariadb),
            ("5.5.5-10.6.19-MariaDB-log", Engine::Mariadb),
            ("8.0.36", Engine::Mysql),
            ("8.0.mysql_aurora.3.05.2", Engine::Mysql),
        ];
        for (v, want) in cases {
            assert_eq!(mysql_family_engine(v), want, "{v}");
        }
    }

    #[test]
    fn retries_stay_within_the_lock_budget() {
        let budget = Duration::from_secs(10);
        // Early failures (deadlocks) are retried with a pause that ends inside the budget.
        let d = retry_delay(1, Duration::ZERO, budget).expect("first retry");
        assert!(d < budget);
        // A lock-wait timeout has waited the whole budget already: never again.
        assert_eq!(retry_delay(1, budget, budget), None);
        assert_eq!(
            retry_delay(2, budget - Duration::from_millis(10), budget),
            None
        );
        // Never more than MAX_ATTEMPTS tries, however much time is left.
        assert_eq!(retry_delay(MAX_ATTEMPTS, Duration::ZERO, budget), None);
        assert!(retry_delay(MAX_ATTEMPTS - 1, Duration::ZERO, budget).is_some());
    }

    #[test]
    fn backoff_grows_and_is_bounded() {
        for attempt in 1..=10 {
            let d = backoff(attempt);
            let base = 40u64 << (attempt - 1).min(5);
            assert!(d >= Duration::from_millis(base), "{attempt}: {d:?}");
            assert!(
                d <= Duration::from_millis(base + base / 2),
                "{attempt}: {d:?}"
            );
        }
        assert!(backoff(10) <= Duration::from_millis(1920));
    }

    /// Issue 9: an admin without SELECT ON mysql.* gets an error that names that grant and says what for.
    #[test]
    fn missing_mysql_select_names_the_grant() {
        let query = |engine, query: &str, code: &str, message: &str| ClientError::Query {
            engine,
            host: "db".into(),
            port: 3306,
            query: query.into(),
            database: None,
            code: Some(code.into()),
            message: message.into(),
        };
        for (engine, q, code, message) in [
            (
                Engine::Mysql,
                "SHOW GRANTS",
                "1142/42000",
                "SELECT command denied to user 'adm'@'10.0.0.1' for table `user`",
            ),
            (
                Engine::Mariadb,
                "SHOW GRANTS",
                "1044/42000",
                "Access denied for user 'adm'@'%' to database 'mysql'",
            ),
            (
                Engine::Mariadb,
                "mysql.user",
                "1142/42000",
                "SELECT command denied to user 'adm'@'localhost' for table `mysql`.`user`",
            ),
            (
                Engine::Mysql,
                "SHOW CREATE USER",
                "1227/42000",
                "Access denied; you need (at least one of) the SYSTEM_USER privilege(s)",
            ),
        ] {
            let e = query(engine, q, code, message);
            assert!(is_mysql_catalog_denied(engine, q, Some(code), message));
            let text = e.to_string();
            assert!(text.contains("needs SELECT ON mysql.*"), "{text}");
            assert!(text.contains("SHOW GRANTS"), "{text}");
            assert!(text.contains(message), "{text}");
        }
        // Not this problem: another error number, another engine, another query.
        for (engine, q, code, message) in [
            (
                Engine::Mysql,
                "SHOW GRANTS",
                "1146/42S02",
                "Table 'mysql.user' doesn't exist",
            ),
            (
                Engine::Postgres,
                "pg_roles",
                "42501",
                "permission denied for table pg_authid",
            ),
            (
                Engine::Mysql,
                "server version",
                "1142/42000",
                "SELECT command denied for table `t`",
            ),
        ] {
            assert!(!is_mysql_catalog_denied(engine, q, Some(code), message));
            assert!(
                !query(engine, q, code, message)
                    .to_string()
                    .contains("mysql.*")
            );
        }
        assert!(!is_mysql_catalog_denied(
            Engine::Mysql,
            "SHOW GRANTS",
            None,
            "denied"
        ));
    }

    #[test]
    fn errors_name_the_server_and_hint_without_secrets() {
        let e = ClientError::Timeout {
            engine: Engine::Postgres,
            host: "10.0.1.5".into(),
            port: 5432,
            timeout: Duration::from_secs(10),
        };
        let text = e.to_string();
        assert!(text.contains("10.0.1.5:5432"), "{text}");
        assert!(text.contains("10 s"), "{text}");
        assert!(text.contains("private subnet"), "{text}");
        assert!(text.contains("tunnel"), "{text}");
        assert!(e.is_unreachable());
        let opts = ConnectOptions {
            engine: Engine::Mariadb,
            host: "db".into(),
            port: 3306,
            database: None,
            username: "admin".into(),
            password: Secret::new("do-not-print-me-0123456789abcdef"),
            tls: TlsMode::Require,
            ca_bundle_pem: None,
            connect_timeout: Duration::from_secs(5),
            lock_timeout: LOCK_TIMEOUT,
        };
        let debug = format!("{opts:?}");
        assert!(!debug.contains("do-not-print-me"), "{debug}");
        let tls = ClientError::Connect {
            engine: Engine::Mariadb,
            host: "db".into(),
            port: 3306,
            timeout: Duration::from_secs(5),
            failure: ConnectFailure::Tls,
            message: "TLS: handshake failed".into(),
        };
        assert!(tls.to_string().contains("ca_bundle_pem"), "{tls}");
        let st = ClientError::Statement {
            engine: Engine::Postgres,
            host: "db".into(),
            port: 5432,
            statement: "GRANT SELECT ON TABLE \"s\".\"t\" TO \"u\"".into(),
            database: Some("meta".into()),
            code: Some("42501".into()),
            message: "permission denied for table t".into(),
        };
        assert_eq!(
            st.to_string(),
            "postgres at db:5432 refused `GRANT SELECT ON TABLE \"s\".\"t\" TO \"u\"` in database \"meta\": permission denied for table t (error 42501)"
        );
        assert_eq!(st.code(), Some("42501"));
    }

    #[test]
    fn certificate_failures_are_told_apart() {
        let io = |e: rustls::Error| {
            sqlx::Error::Io(std::io::Error::new(std::io::ErrorKind::InvalidData, e))
        };
        let untrusted = io(rustls::Error::InvalidCertificate(
            rustls::CertificateError::UnknownIssuer,
        ));
        assert_eq!(
            connect_failure(&untrusted),
            ConnectFailure::CertificateNotTrusted
        );
        assert!(failure_message(&untrusted).starts_with("TLS: "));
        let expired = io(rustls::Error::InvalidCertificate(
            rustls::CertificateError::Expired,
        ));
        assert_eq!(
            connect_failure(&expired),
            ConnectFailure::CertificateNotTrusted
        );
        let name = io(rustls::Error::InvalidCertificate(
            rustls::CertificateError::NotValidForName,
        ));
        assert_eq!(connect_failure(&name), ConnectFailure::HostNameMismatch);
        let other = io(rustls::Error::HandshakeNotComplete);
        assert_eq!(connect_failure(&other), ConnectFailure::Tls);
        let refused = sqlx::Error::Io(std::io::ErrorKind::ConnectionRefused.into());
        assert_eq!(connect_failure(&refused), ConnectFailure::Network);
        let plain = sqlx::Error::Tls("server does not support TLS".into());
        assert_eq!(connect_failure(&plain), ConnectFailure::TlsUnsupported);
        for f in [
            ConnectFailure::CertificateNotTrusted,
            ConnectFailure::HostNameMismatch,
        ] {
            let hint = connect_hint(f);
            assert!(hint.contains("did not verify"), "{hint}");
            assert!(
                hint.contains("before any user name or password was sent"),
                "{hint}"
            );
        }
    }

    #[test]
    fn every_built_in_rds_certificate_is_a_usable_trust_anchor() {
        use rustls::pki_types::CertificateDer;
        use rustls::pki_types::pem::PemObject as _;
        let mut store = rustls::RootCertStore::empty();
        let mut n = 0;
        for cert in CertificateDer::pem_slice_iter(crate::tls::RDS_CA_BUNDLE_PEM.as_bytes()) {
            let cert = cert.expect("a PEM certificate");
            store.add(cert).expect("accepted as a trust anchor");
            n += 1;
        }
        assert_eq!((n, store.len()), (120, 120));
    }

    #[test]
    fn verify_full_trusts_the_built_in_or_the_given_bundle_only() {
        let mut opts = ConnectOptions {
            engine: Engine::Postgres,
            host: "db".into(),
            port: 5432,
            database: None,
            username: "admin".into(),
            password: Secret::new("x"),
            tls: TlsMode::VerifyFull,
            ca_bundle_pem: None,
            connect_timeout: Duration::from_secs(5),
            lock_timeout: LOCK_TIMEOUT,
        };
        assert_eq!(
            root_certs(&opts).as_deref(),
            Some(crate::tls::RDS_CA_BUNDLE_PEM.as_bytes())
        );
        let mine = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";
        opts.ca_bundle_pem = Some(mine.into());
        assert_eq!(root_certs(&opts).as_deref(), Some(mine.as_bytes()));
        opts.tls = TlsMode::Require;
        assert_eq!(root_certs(&opts), None);
    }
}
