//! Statement builders for user lifecycle, catalog locks and password rotation.
//!
//! Every builder validates its names, quotes them (see [`crate::ident`]) and returns [`Statement`]s whose
//! `redacted` text has each password or password verifier replaced by `'***'`; `Debug` and `Display` of a
//! [`Statement`] show only the redacted text. Statements are meant to run one by one, in order.
//!
//! Engine notes:
//!
//! * MySQL 8 / Aurora MySQL 3: `CREATE USER ... IDENTIFIED BY ... REQUIRE SSL|NONE WITH MAX_USER_CONNECTIONS n`;
//!   IAM: `IDENTIFIED WITH AWSAuthenticationPlugin AS 'RDS'` (the same on RDS for MariaDB). A user changes its
//!   own password with `ALTER USER USER() IDENTIFIED BY ...` (allowed without privileges; add `REPLACE` when the
//!   server sets `password_require_current`).
//! * MariaDB: the same account syntax; a user changes its own password with `SET PASSWORD = PASSWORD(...)`,
//!   because `ALTER USER CURRENT_USER()` needs the CREATE USER privilege there (checked on 10.11).
//! * PostgreSQL: `CREATE ROLE "u" LOGIN PASSWORD '<SCRAM verifier>' CONNECTION LIMIT n VALID UNTIL '...'`; the
//!   password itself never reaches the server (see [`crate::password::scram_sha256_verifier`]). IAM:
//!   `GRANT "rds_iam" TO "u"`. `require_ssl` cannot be set per role in SQL (it lives in `pg_hba.conf`, on RDS
//!   the `rds.force_ssl` parameter), so the PostgreSQL builders ignore it; check the server setting with
//!   [`crate::introspect::PG_FORCE_SSL_SQL`] and warn.
//! * Catalog locks: PostgreSQL `SELECT pg_advisory_xact_lock(<key>)` inside the transaction that changes the
//!   catalog (released at commit); MySQL/MariaDB `SELECT GET_LOCK('logexaminer_catalog', <seconds>)` (returns 1
//!   when taken, 0 on timeout) and `SELECT RELEASE_LOCK('logexaminer_catalog')`. Taking the lock before every
//!   CREATE/ALTER/DROP/GRANT/REVOKE serialises concurrent applies and avoids `tuple concurrently updated`.
//! * Alternating-users rotation: the clone is named `<user>_clone`; when that is longer than the engine allows,
//!   the user part is cut and a hash is added (see [`suffixed_name`]), deterministically. On MySQL/MariaDB the
//!   clone gets the user's `SHOW GRANTS` output rewritten to the clone ([`mysql_replay_grants`]); on PostgreSQL
//!   both users are members of one NOLOGIN owner role `<user>_owner` ([`owner_role_name`]) so that objects either
//!   creates stay usable by the other.

use std::fmt;

use sha2::{Digest, Sha256};

use crate::engine::{Engine, ServerInfo};
use crate::grant::Grantee;
use crate::ident::{self, IdentError, LengthUnit, NameKind, QuoteError};
use crate::introspect::{self, GrantLineKind, Level, ParseError};
use crate::password::{self, PasswordError, Secret};

/// One SQL statement. `sql` may contain a password; `redacted` never does. `Debug`/`Display` print `redacted`.
#[derive(Clone, PartialEq, Eq)]
pub struct Statement {
    /// The statement to send to the server.
    pub sql: String,
    /// The same statement with every password replaced by `'***'`, for logs and diagnostics.
    pub redacted: String,
    /// PostgreSQL: the database the statement must run in (schema objects and default privileges are per
    /// database). `None`: any connection to the server.
    pub database: Option<String>,
}

impl Statement {
    /// A statement without secrets (`redacted == sql`).
    pub fn plain(sql: impl Into<String>) -> Statement {
        let sql = sql.into();
        Statement {
            redacted: sql.clone(),
            sql,
            database: None,
        }
    }

    /// The same statement bound to a PostgreSQL database.
    pub fn in_database(mut self, database: Option<String>) -> Statement {
        self.database = database;
        self
    }

    /// True when `sql` carries a secret (so it must never be logged).
    pub fn has_secret(&self) -> bool {
        self.sql != self.redacted
    }
}

impl fmt::Debug for Statement {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Statement")
            .field("sql", &self.redacted)
            .field("database", &self.database)
            .finish()
    }
}

impl fmt::Display for Statement {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.redacted)
    }
}

/// The placeholder that replaces secrets in [`Statement::redacted`].
pub const REDACTED: &str = "'***'";

#[derive(Default)]
struct Sql {
    sql: String,
    redacted: String,
}

impl Sql {
    fn push(&mut self, s: &str) -> &mut Sql {
        self.sql.push_str(s);
        self.redacted.push_str(s);
        self
    }

    fn secret(&mut self, literal: &str) -> &mut Sql {
        self.sql.push_str(literal);
        self.redacted.push_str(REDACTED);
        self
    }

    fn done(&mut self) -> Statement {
        Statement {
            sql: std::mem::take(&mut self.sql),
            redacted: std::mem::take(&mut self.redacted),
            database: None,
        }
    }
}

/// Errors of this module.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum StatementError {
    /// A name is invalid.
    #[error(transparent)]
    Ident(#[from] IdentError),
    /// A value cannot be quoted.
    #[error(transparent)]
    Quote(#[from] QuoteError),
    /// The password cannot be sent safely.
    #[error(transparent)]
    Password(#[from] PasswordError),
    /// `SHOW GRANTS` output could not be read.
    #[error(transparent)]
    Parse(#[from] ParseError),
    /// The grantee is for another engine.
    #[error("the user {user:?} is not a {engine} account")]
    Grantee {
        /// The engine.
        engine: Engine,
        /// The user name.
        user: String,
    },
    /// Connection limit out of range.
    #[error(
        "connection_limit {0} is out of range: use 1 to 2147483647, or leave it unset for no limit"
    )]
    ConnectionLimit(u32),
    /// `valid_until` on an engine without it.
    #[error("valid_until is a PostgreSQL setting; {0} has no equivalent")]
    ValidUntilNotSupported(Engine),
    /// `valid_until` is not a timestamp.
    #[error(
        "valid_until {0:?} is not a timestamp: use RFC 3339 with whole seconds (2030-01-31T23:59:59Z or 2030-01-31T23:59:59+02:00) or \"infinity\""
    )]
    ValidUntil(String),
    /// A source account's grants include something a clone must not receive.
    #[error("cannot copy the grants of {user:?} to its clone: {reason} (line: {line})")]
    Clone {
        /// The source user.
        user: String,
        /// Why.
        reason: &'static str,
        /// The offending `SHOW GRANTS` line (grant lines hold no secrets once parsed).
        line: String,
    },
    /// The current user of an alternating-users secret is neither the base user nor its clone.
    #[error("user {current:?} is neither {base:?} nor its clone {clone:?}")]
    NotAlternate {
        /// The user found in the secret.
        current: String,
        /// The base user.
        base: String,
        /// The clone name.
        clone: String,
    },
}

/// How the new user authenticates.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Auth {
    /// A password.
    Password(Secret),
    /// Amazon RDS IAM database authentication (MySQL/MariaDB `AWSAuthenticationPlugin`, PostgreSQL `rds_iam`).
    Iam,
}

/// Account settings besides authentication.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct UserOptions {
    /// Maximum simultaneous connections (`MAX_USER_CONNECTIONS` / `CONNECTION LIMIT`); `None` for no limit.
    pub connection_limit: Option<u32>,
    /// PostgreSQL: password expiry (RFC 3339, normalised by [`normalize_valid_until`]); `None` or `infinity`
    /// for none.
    pub valid_until: Option<String>,
    /// MySQL/MariaDB: `REQUIRE SSL`. Ignored on PostgreSQL (see the module documentation).
    pub require_ssl: bool,
}

fn check_grantee(server: &ServerInfo, grantee: &Grantee) -> Result<(), StatementError> {
    if !grantee.fits(server.engine) {
        return Err(StatementError::Grantee {
            engine: server.engine,
            user: grantee.user().to_owned(),
        });
    }
    ident::validate(server.engine, NameKind::User, grantee.user())?;
    if let Some(host) = grantee.host() {
        ident::validate(server.engine, NameKind::Host, host)?;
    }
    Ok(())
}

fn check_limit(limit: Option<u32>) -> Result<(), StatementError> {
    match limit {
        Some(n) if n == 0 || n > i32::MAX as u32 => Err(StatementError::ConnectionLimit(n)),
        _ => Ok(()),
    }
}

/// The PostgreSQL password clause value: a SCRAM verifier when possible, else the password as an `E''`
/// literal.
fn pg_password_literal(secret: &Secret) -> Result<String, StatementError> {
    password::validate(Engine::Postgres, secret)?;
    let value =
        password::new_scram_sha256_verifier(secret).unwrap_or_else(|| secret.expose().to_owned());
    Ok(ident::quote_string(Engine::Postgres, &value)?)
}

fn mysql_password_literal(engine: Engine, secret: &Secret) -> Result<String, StatementError> {
    password::validate(engine, secret)?;
    Ok(ident::quote_string(engine, secret.expose())?)
}

/// Creates the user. MySQL/MariaDB: one `CREATE USER` (with `REQUIRE SSL` or `REQUIRE NONE`, and
/// `WITH MAX_USER_CONNECTIONS n` when limited). PostgreSQL: `CREATE ROLE ... LOGIN ...`, plus
/// `GRANT "rds_iam" TO ...` for IAM.
pub fn create_user(
    server: &ServerInfo,
    grantee: &Grantee,
    auth: &Auth,
    options: &UserOptions,
) -> Result<Vec<Statement>, StatementError> {
    create_user_with(server, grantee, auth, options, true)
}

/// [`create_user`] for an account that cannot log in yet: MySQL/MariaDB `... ACCOUNT LOCK` in the same
/// `CREATE USER` (MySQL 5.7.6+, MariaDB 10.4+), PostgreSQL `CREATE ROLE ... NOLOGIN`. Enable the login with
/// [`set_login`] once its password is stored and its grants are in place: a create interrupted in between
/// leaves an account nobody can log in to, which the next attempt recognises and takes over.
pub fn create_user_without_login(
    server: &ServerInfo,
    grantee: &Grantee,
    auth: &Auth,
    options: &UserOptions,
) -> Result<Vec<Statement>, StatementError> {
    create_user_with(server, grantee, auth, options, false)
}

fn create_user_with(
    server: &ServerInfo,
    grantee: &Grantee,
    auth: &Auth,
    options: &UserOptions,
    login: bool,
) -> Result<Vec<Statement>, StatementError> {
    check_grantee(server, grantee)?;
    check_limit(options.connection_limit)?;
    let engine = server.engine;
    let who = grantee.sql()?;
    let mut s = Sql::default();
    if engine.is_mysql_family() {
        if options.valid_until.is_some() {
            return Err(StatementError::ValidUntilNotSupported(engine));
        }
        s.push("CREATE USER ").push(&who);
        match auth {
            Auth::Password(secret) => {
                let lit = mysql_password_literal(engine, secret)?;
                s.push(" IDENTIFIED BY ").secret(&lit);
            }
            Auth::Iam => {
                s.push(" IDENTIFIED WITH AWSAuthenticationPlugin AS 'RDS'");
            }
        }
        s.push(if options.require_ssl {
            " REQUIRE SSL"
        } else {
            " REQUIRE NONE"
        });
        if let Some(n) = options.connection_limit {
            s.push(&format!(" WITH MAX_USER_CONNECTIONS {n}"));
        }
        if !login {
            s.push(" ACCOUNT LOCK");
        }
        return Ok(vec![s.done()]);
    }
    s.push("CREATE ROLE ")
        .push(&who)
        .push(if login { " LOGIN" } else { " NOLOGIN" });
    if let Auth::Password(secret) = auth {
        let lit = pg_password_literal(secret)?;
        s.push(" PASSWORD ").secret(&lit);
    }
    if let Some(n) = options.connection_limit {
        s.push(&format!(" CONNECTION LIMIT {n}"));
    }
    if let Some(v) = &options.valid_until {
        if let Some(v) = normalize_valid_until(v)? {
            s.push(" VALID UNTIL ")
                .push(&ident::quote_string(engine, &v)?);
        }
    }
    let mut out = vec![s.done()];
    if *auth == Auth::Iam {
        out.push(Statement::plain(format!("GRANT \"rds_iam\" TO {who}")));
    }
    Ok(out)
}

/// Brings connection limit, SSL requirement and expiry to `options` (explicit values, so the statement also
/// clears settings): MySQL/MariaDB `ALTER USER ... REQUIRE SSL|NONE WITH MAX_USER_CONNECTIONS n` (0 = no limit);
/// PostgreSQL `ALTER ROLE ... CONNECTION LIMIT n VALID UNTIL '...'` (-1 and `infinity` for none).
pub fn alter_user(
    server: &ServerInfo,
    grantee: &Grantee,
    options: &UserOptions,
) -> Result<Vec<Statement>, StatementError> {
    check_grantee(server, grantee)?;
    check_limit(options.connection_limit)?;
    let who = grantee.sql()?;
    if server.engine.is_mysql_family() {
        if options.valid_until.is_some() {
            return Err(StatementError::ValidUntilNotSupported(server.engine));
        }
        let ssl = if options.require_ssl { "SSL" } else { "NONE" };
        let limit = options.connection_limit.unwrap_or(0);
        return Ok(vec![Statement::plain(format!(
            "ALTER USER {who} REQUIRE {ssl} WITH MAX_USER_CONNECTIONS {limit}"
        ))]);
    }
    let limit = options.connection_limit.map_or(-1, i64::from);
    let until = match &options.valid_until {
        Some(v) => normalize_valid_until(v)?.unwrap_or_else(|| "infinity".to_owned()),
        None => "infinity".to_owned(),
    };
    Ok(vec![Statement::plain(format!(
        "ALTER ROLE {who} CONNECTION LIMIT {limit} VALID UNTIL {}",
        ident::quote_string(Engine::Postgres, &until)?
    ))])
}

/// Sets another user's password (admin connection): MySQL/MariaDB `ALTER USER ... IDENTIFIED BY ...`,
/// PostgreSQL `ALTER ROLE ... PASSWORD '<verifier>'`.
pub fn set_password(
    server: &ServerInfo,
    grantee: &Grantee,
    secret: &Secret,
) -> Result<Vec<Statement>, StatementError> {
    check_grantee(server, grantee)?;
    let who = grantee.sql()?;
    let mut s = Sql::default();
    if server.engine.is_mysql_family() {
        let lit = mysql_password_literal(server.engine, secret)?;
        s.push("ALTER USER ")
            .push(&who)
            .push(" IDENTIFIED BY ")
            .secret(&lit);
    } else {
        let lit = pg_password_literal(secret)?;
        s.push("ALTER ROLE ")
            .push(&who)
            .push(" PASSWORD ")
            .secret(&lit);
    }
    Ok(vec![s.done()])
}

/// Switches how an existing user authenticates. To IAM: MySQL/MariaDB `ALTER USER ... IDENTIFIED WITH
/// AWSAuthenticationPlugin AS 'RDS'`; PostgreSQL `GRANT "rds_iam"` and `PASSWORD NULL`. To a password: MySQL
/// `IDENTIFIED WITH caching_sha2_password BY ...`, MariaDB `IDENTIFIED VIA mysql_native_password USING
/// PASSWORD(...)`, PostgreSQL `REVOKE "rds_iam"` and a new password.
pub fn set_auth(
    server: &ServerInfo,
    grantee: &Grantee,
    auth: &Auth,
) -> Result<Vec<Statement>, StatementError> {
    check_grantee(server, grantee)?;
    let who = grantee.sql()?;
    let engine = server.engine;
    let mut s = Sql::default();
    match (engine, auth) {
        (Engine::Mysql | Engine::Mariadb, Auth::Iam) => Ok(vec![Statement::plain(format!(
            "ALTER USER {who} IDENTIFIED WITH AWSAuthenticationPlugin AS 'RDS'"
        ))]),
        (Engine::Mysql, Auth::Password(secret)) => {
            let lit = mysql_password_literal(engine, secret)?;
            s.push("ALTER USER ")
                .push(&who)
                .push(" IDENTIFIED WITH caching_sha2_password BY ")
                .secret(&lit);
            Ok(vec![s.done()])
        }
        (Engine::Mariadb, Auth::Password(secret)) => {
            let lit = mysql_password_literal(engine, secret)?;
            s.push("ALTER USER ")
                .push(&who)
                .push(" IDENTIFIED VIA mysql_native_password USING PASSWORD(")
                .secret(&lit)
                .push(")");
            Ok(vec![s.done()])
        }
        (Engine::Postgres, Auth::Iam) => Ok(vec![
            Statement::plain(format!("GRANT \"rds_iam\" TO {who}")),
            Statement::plain(format!("ALTER ROLE {who} PASSWORD NULL")),
        ]),
        (Engine::Postgres, Auth::Password(secret)) => {
            let lit = pg_password_literal(secret)?;
            s.push("ALTER ROLE ")
                .push(&who)
                .push(" PASSWORD ")
                .secret(&lit);
            Ok(vec![
                Statement::plain(format!("REVOKE \"rds_iam\" FROM {who}")),
                s.done(),
            ])
        }
    }
}

/// What to do with objects a PostgreSQL role owns when it is dropped.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum OnDeleteOwned {
    /// `REASSIGN OWNED BY u TO <admin>`, then `DROP OWNED BY u` (which then only revokes privileges).
    ReassignToAdmin,
    /// `DROP OWNED BY u`: drops the objects.
    Drop,
    /// Refuse when the role owns objects (checked by the caller with
    /// [`crate::introspect::PG_DEPENDENT_DATABASES_SQL`]); `DROP OWNED BY u` then only revokes privileges.
    Fail,
}

impl OnDeleteOwned {
    /// Reads `reassign_to_admin`, `drop` or `fail`.
    pub fn parse(value: &str) -> Option<OnDeleteOwned> {
        match value {
            "reassign_to_admin" => Some(OnDeleteOwned::ReassignToAdmin),
            "drop" => Some(OnDeleteOwned::Drop),
            "fail" => Some(OnDeleteOwned::Fail),
            _ => None,
        }
    }

    /// The configuration spelling.
    pub const fn as_str(self) -> &'static str {
        match self {
            OnDeleteOwned::ReassignToAdmin => "reassign_to_admin",
            OnDeleteOwned::Drop => "drop",
            OnDeleteOwned::Fail => "fail",
        }
    }
}

/// PostgreSQL, once before [`pg_release_owned`]: `GRANT "u" TO CURRENT_USER`. REASSIGN/DROP OWNED need the
/// admin to have the privileges of the role being dropped, which a CREATEROLE admin (and RDS's master) is not
/// given automatically.
pub fn pg_prepare_drop(role: &str) -> Result<Statement, StatementError> {
    ident::validate(Engine::Postgres, NameKind::User, role)?;
    Ok(Statement::plain(format!(
        "GRANT {} TO CURRENT_USER",
        ident::quote_ident(Engine::Postgres, role)?
    )))
}

/// PostgreSQL, in **each** database where the role owns objects or holds privileges (see
/// [`crate::introspect::PG_DEPENDENT_DATABASES_SQL`]): `REASSIGN OWNED BY "u" TO "admin"` (for
/// [`OnDeleteOwned::ReassignToAdmin`]) and `DROP OWNED BY "u"`. The statements carry `database`.
pub fn pg_release_owned(
    role: &str,
    admin: &str,
    policy: OnDeleteOwned,
    database: &str,
) -> Result<Vec<Statement>, StatementError> {
    ident::validate(Engine::Postgres, NameKind::User, role)?;
    ident::validate(Engine::Postgres, NameKind::Database, database)?;
    let q = |n: &str| ident::quote_ident(Engine::Postgres, n);
    let mut out = Vec::new();
    if policy == OnDeleteOwned::ReassignToAdmin {
        out.push(Statement::plain(format!(
            "REASSIGN OWNED BY {} TO {}",
            q(role)?,
            q(admin)?
        )));
    }
    out.push(Statement::plain(format!("DROP OWNED BY {}", q(role)?)));
    Ok(out
        .into_iter()
        .map(|s| s.in_database(Some(database.to_owned())))
        .collect())
}

/// Drops the user: MySQL/MariaDB `DROP USER IF EXISTS` (also removes its grants); PostgreSQL
/// `DROP ROLE IF EXISTS` (after [`pg_release_owned`] in every database).
pub fn drop_user(server: &ServerInfo, grantee: &Grantee) -> Result<Vec<Statement>, StatementError> {
    check_grantee(server, grantee)?;
    let who = grantee.sql()?;
    Ok(vec![Statement::plain(if server.engine.is_mysql_family() {
        format!("DROP USER IF EXISTS {who}")
    } else {
        format!("DROP ROLE IF EXISTS {who}")
    })])
}

/// The name of the MySQL/MariaDB user-level lock that serialises catalog changes.
pub const MYSQL_LOCK_NAME: &str = "logexaminer_catalog";

/// The PostgreSQL advisory-lock key that serialises catalog changes: the first 8 bytes of
/// SHA-256(`"logexaminer_catalog"`), big-endian, as a signed 64-bit integer. Stable across releases.
pub fn pg_catalog_lock_key() -> i64 {
    let digest = Sha256::digest(MYSQL_LOCK_NAME.as_bytes());
    let mut b = [0u8; 8];
    b.copy_from_slice(&digest[..8]);
    i64::from_be_bytes(b)
}

/// PostgreSQL: `SELECT pg_advisory_xact_lock(<key>)`. Run it first inside the transaction that changes the
/// catalog; it is released at COMMIT or ROLLBACK.
pub fn pg_catalog_lock() -> Statement {
    Statement::plain(format!(
        "SELECT pg_advisory_xact_lock({})",
        pg_catalog_lock_key()
    ))
}

/// PostgreSQL: the database whose advisory lock serialises catalog writes across the whole server. Advisory
/// locks are per database, but roles, memberships and database-level grants are cluster-wide, so writers in
/// different databases (and the provider and the rotation function) must meet on one lock. Every PostgreSQL
/// server has this database (RDS and Aurora create it).
pub const PG_LOCK_DATABASE: &str = "postgres";

/// PostgreSQL: takes the server-wide catalog lock for the session (`pg_advisory_lock` on
/// [`pg_catalog_lock_key`], run in [`PG_LOCK_DATABASE`]), waiting at most `timeout_seconds`; release it with
/// [`pg_catalog_unlock`] (or by closing the session).
pub fn pg_catalog_session_lock(timeout_seconds: u64) -> Statement {
    Statement::plain(format!(
        "SET lock_timeout = '{}s'; SELECT pg_advisory_lock({}); RESET lock_timeout",
        timeout_seconds.max(1),
        pg_catalog_lock_key()
    ))
}

/// PostgreSQL: releases [`pg_catalog_session_lock`].
pub fn pg_catalog_unlock() -> Statement {
    Statement::plain(format!(
        "SELECT pg_advisory_unlock({})",
        pg_catalog_lock_key()
    ))
}

/// MySQL/MariaDB: `SELECT GET_LOCK('logexaminer_catalog', <timeout>)`; the result is 1 when taken, 0 on timeout.
/// The lock belongs to the session: release it with [`mysql_catalog_unlock`] (or by closing the session).
pub fn mysql_catalog_lock(timeout_seconds: u32) -> Statement {
    Statement::plain(format!(
        "SELECT GET_LOCK('{MYSQL_LOCK_NAME}', {timeout_seconds})"
    ))
}

/// MySQL/MariaDB: `SELECT RELEASE_LOCK('logexaminer_catalog')`.
pub fn mysql_catalog_unlock() -> Statement {
    Statement::plain(format!("SELECT RELEASE_LOCK('{MYSQL_LOCK_NAME}')"))
}

/// Single-user rotation, run as the user itself: MySQL `ALTER USER USER() IDENTIFIED BY '<new>'` (with
/// `REPLACE '<current>'` when `current` is given, for servers with `password_require_current`); MariaDB
/// `SET PASSWORD = PASSWORD('<new>')`; PostgreSQL `ALTER ROLE CURRENT_USER PASSWORD '<verifier>'`.
pub fn set_own_password(
    server: &ServerInfo,
    new: &Secret,
    current: Option<&Secret>,
) -> Result<Vec<Statement>, StatementError> {
    let engine = server.engine;
    let mut s = Sql::default();
    match engine {
        Engine::Mysql => {
            let lit = mysql_password_literal(engine, new)?;
            s.push("ALTER USER USER() IDENTIFIED BY ").secret(&lit);
            if let Some(cur) = current {
                let cur = mysql_password_literal(engine, cur)?;
                s.push(" REPLACE ").secret(&cur);
            }
        }
        Engine::Mariadb => {
            let lit = mysql_password_literal(engine, new)?;
            s.push("SET PASSWORD = PASSWORD(").secret(&lit).push(")");
        }
        Engine::Postgres => {
            let lit = pg_password_literal(new)?;
            s.push("ALTER ROLE CURRENT_USER PASSWORD ").secret(&lit);
        }
    }
    Ok(vec![s.done()])
}

/// `<base><suffix>` when that fits the engine's user-name limit, else a cut-down `base` followed by `_`, the
/// first 8 hex digits of SHA-256(`base`) and `suffix` (e.g. MySQL, 32 characters:
/// `a_very_long_metas_1f0e3dad_clone`). Deterministic, so every run finds the same name; different long names
/// sharing a prefix still differ by the hash.
pub fn suffixed_name(engine: Engine, base: &str, suffix: &str) -> Result<String, StatementError> {
    ident::validate(engine, NameKind::User, base)?;
    let (limit, unit) =
        ident::max_length(engine, NameKind::User).unwrap_or((63, LengthUnit::Bytes));
    let direct = format!("{base}{suffix}");
    let name = if ident::length_in(&direct, unit) <= limit {
        direct
    } else {
        let digest = Sha256::digest(base.as_bytes());
        let hash: String = digest[..4].iter().map(|b| format!("{b:02x}")).collect();
        let tail = format!("_{hash}{suffix}");
        let budget = limit.saturating_sub(ident::length_in(&tail, unit));
        let mut prefix = String::new();
        for c in base.chars() {
            let mut next = prefix.clone();
            next.push(c);
            if ident::length_in(&next, unit) > budget {
                break;
            }
            prefix = next;
        }
        format!("{prefix}{tail}")
    };
    ident::validate(engine, NameKind::User, &name)?;
    Ok(name)
}

/// The alternating-users clone of `base`: [`suffixed_name`] with `_clone`.
pub fn clone_name(engine: Engine, base: &str) -> Result<String, StatementError> {
    suffixed_name(engine, base, "_clone")
}

/// PostgreSQL alternating users: the NOLOGIN role both users belong to, [`suffixed_name`] with `_owner`.
pub fn owner_role_name(base: &str) -> Result<String, StatementError> {
    suffixed_name(Engine::Postgres, base, "_owner")
}

/// The user the next alternating rotation switches to. With `base` known (recommended; see
/// [`crate::secret_shape::RdsSecret::base_username`]): the clone when `current` is the base, the base when
/// `current` is the clone, an error otherwise. Without it, the AWS convention: strip a trailing `_clone`, or
/// append one ([`clone_name`]); that cannot undo a shortened clone name.
pub fn alternate_username(
    engine: Engine,
    current: &str,
    base: Option<&str>,
) -> Result<String, StatementError> {
    if let Some(base) = base {
        let clone = clone_name(engine, base)?;
        return if current == base {
            Ok(clone)
        } else if current == clone {
            Ok(base.to_owned())
        } else {
            Err(StatementError::NotAlternate {
                current: current.to_owned(),
                base: base.to_owned(),
                clone,
            })
        };
    }
    if let Some(stripped) = current.strip_suffix("_clone") {
        if !stripped.is_empty() {
            ident::validate(engine, NameKind::User, stripped)?;
            return Ok(stripped.to_owned());
        }
    }
    clone_name(engine, current)
}

/// MySQL/MariaDB alternating users: rewrites the source account's `SHOW GRANTS` lines so they grant the same to
/// `clone` (which must exist already: [`create_user`]). The `GRANT USAGE ON *.*` line is skipped (its
/// authentication, TLS and limit clauses come from [`create_user`], never from the source's password hash);
/// every other line is kept as the server printed it up to the account, which is replaced, and
/// `WITH GRANT OPTION` / `WITH ADMIN OPTION` are kept. Global privileges and partial revokes are refused: this
/// crate never copies `*.*` grants.
pub fn mysql_replay_grants(
    server: &ServerInfo,
    lines: &[String],
    source: &Grantee,
    clone: &Grantee,
) -> Result<Vec<Statement>, StatementError> {
    check_grantee(server, source)?;
    check_grantee(server, clone)?;
    let clone_sql = clone.sql()?;
    let mut out = Vec::new();
    for line in lines {
        let parsed = introspect::parse_show_grants_line(line)?;
        if parsed.user != source.user() || Some(parsed.host.as_str()) != source.host() {
            return Err(ParseError::Account {
                line: introspect::redact_grant_line(line),
            }
            .into());
        }
        let refuse = |reason| {
            Err(StatementError::Clone {
                user: source.user().to_owned(),
                reason,
                line: introspect::redact_grant_line(line),
            })
        };
        if parsed.revoke {
            return refuse("partial revokes exist only with global privileges");
        }
        if let GrantLineKind::Privileges {
            privileges, level, ..
        } = &parsed.kind
        {
            if *level == Level::Global {
                if privileges.iter().all(|p| p == "USAGE") && !parsed.with_grant_option {
                    continue;
                }
                return refuse("global (*.*) privileges are never copied");
            }
        }
        let mut sql = String::with_capacity(line.len());
        sql.push_str(&line[..parsed.account_start]);
        sql.push_str(&clone_sql);
        if parsed.with_grant_option {
            sql.push_str(" WITH GRANT OPTION");
        }
        if parsed.with_admin_option {
            sql.push_str(" WITH ADMIN OPTION");
        }
        out.push(Statement::plain(sql));
    }
    Ok(out)
}

/// Enables or disables the account's login: MySQL/MariaDB `ALTER USER ... ACCOUNT UNLOCK` / `ACCOUNT LOCK`,
/// PostgreSQL `ALTER ROLE ... LOGIN` / `NOLOGIN`. See [`create_user_without_login`].
pub fn set_login(
    server: &ServerInfo,
    grantee: &Grantee,
    enabled: bool,
) -> Result<Statement, StatementError> {
    check_grantee(server, grantee)?;
    let who = grantee.sql()?;
    Ok(Statement::plain(
        match (server.engine.is_mysql_family(), enabled) {
            (true, true) => format!("ALTER USER {who} ACCOUNT UNLOCK"),
            (true, false) => format!("ALTER USER {who} ACCOUNT LOCK"),
            (false, true) => format!("ALTER ROLE {who} LOGIN"),
            (false, false) => format!("ALTER ROLE {who} NOLOGIN"),
        },
    ))
}

/// MySQL/MariaDB alternating users: what the clone holds beyond the source, as `REVOKE` statements, so that
/// replaying the source's grants ([`mysql_replay_grants`]) leaves the clone with exactly the source's grants.
/// A clone line counts as the source's when the source has a line with the same text up to the account and
/// the same `WITH GRANT OPTION` / `WITH ADMIN OPTION`; the others are revoked whole (privileges with
/// `GRANT OPTION`, roles, MariaDB's default role), and the replay grants back what the source has.
pub fn mysql_revoke_extra(
    server: &ServerInfo,
    clone_lines: &[String],
    source_lines: &[String],
    source: &Grantee,
    clone: &Grantee,
) -> Result<Vec<Statement>, StatementError> {
    check_grantee(server, source)?;
    check_grantee(server, clone)?;
    let clone_sql = clone.sql()?;
    let key = |line: &str,
               who: &Grantee|
     -> Result<(String, bool, bool, GrantLineKind), StatementError> {
        let g = introspect::parse_show_grants_line(line)?;
        if g.user != who.user() || Some(g.host.as_str()) != who.host() {
            return Err(ParseError::Account {
                line: introspect::redact_grant_line(line),
            }
            .into());
        }
        let head = line.get(..g.account_start).unwrap_or_default().to_owned();
        Ok((head, g.with_grant_option, g.with_admin_option, g.kind))
    };
    let mut have = std::collections::BTreeSet::new();
    for line in source_lines {
        let (head, wgo, wao, _) = key(line, source)?;
        have.insert((head, wgo, wao));
    }
    let mut out = Vec::new();
    for line in clone_lines {
        let (head, wgo, wao, kind) = key(line, clone)?;
        if have.contains(&(head.clone(), wgo, wao)) {
            continue;
        }
        match kind {
            GrantLineKind::Privileges {
                ref privileges,
                ref level,
                ..
            } if *level == Level::Global && privileges.iter().all(|p| p == "USAGE") && !wgo => {
                // Every account has it.
            }
            GrantLineKind::DefaultRole(_) => {
                out.push(Statement::plain(format!(
                    "SET DEFAULT ROLE NONE FOR {clone_sql}"
                )));
            }
            _ => {
                // `GRANT <what> TO ` -> `REVOKE <what>[, GRANT OPTION] FROM <clone>`.
                let what = head
                    .trim_end()
                    .strip_suffix("TO")
                    .and_then(|h| h.strip_prefix("GRANT "))
                    .map(str::trim)
                    .filter(|w| !w.is_empty())
                    .ok_or_else(|| StatementError::Clone {
                        user: clone.user().to_owned(),
                        reason: "a grant line of the clone cannot be turned into a REVOKE",
                        line: introspect::redact_grant_line(line),
                    })?;
                let what = match (&kind, wgo) {
                    (GrantLineKind::Privileges { .. }, true) => match what.split_once(" ON ") {
                        Some((privs, on)) => format!("{privs}, GRANT OPTION ON {on}"),
                        None => what.to_owned(),
                    },
                    _ => what.to_owned(),
                };
                out.push(Statement::plain(format!("REVOKE {what} FROM {clone_sql}")));
            }
        }
    }
    Ok(out)
}

/// PostgreSQL: `CREATE ROLE "<owner>" NOLOGIN` for the alternating-users owner role (check existence first with
/// [`crate::introspect::PG_ROLE_SQL`]; PostgreSQL has no `IF NOT EXISTS` here).
pub fn pg_create_owner_role(owner: &str) -> Result<Statement, StatementError> {
    ident::validate(Engine::Postgres, NameKind::Role, owner)?;
    Ok(Statement::plain(format!(
        "CREATE ROLE {} NOLOGIN",
        ident::quote_ident(Engine::Postgres, owner)?
    )))
}

/// PostgreSQL: `GRANT "<role>" TO "<member>"` (membership; idempotent, a repeat only raises a notice).
pub fn pg_grant_membership(role: &str, member: &str) -> Result<Statement, StatementError> {
    ident::validate(Engine::Postgres, NameKind::Role, role)?;
    ident::validate(Engine::Postgres, NameKind::User, member)?;
    Ok(Statement::plain(format!(
        "GRANT {} TO {}",
        ident::quote_ident(Engine::Postgres, role)?,
        ident::quote_ident(Engine::Postgres, member)?
    )))
}

/// PostgreSQL: `ALTER ROLE "<user>" SET role = E'<owner>'`, so every session of the user acts as the owner role
/// and objects it creates belong to that role (usable by both alternating users). Privileges must then be
/// granted to the owner role.
pub fn pg_set_session_role(user: &str, owner: &str) -> Result<Statement, StatementError> {
    ident::validate(Engine::Postgres, NameKind::User, user)?;
    ident::validate(Engine::Postgres, NameKind::Role, owner)?;
    Ok(Statement::plain(format!(
        "ALTER ROLE {} SET role = {}",
        ident::quote_ident(Engine::Postgres, user)?,
        ident::quote_string(Engine::Postgres, owner)?
    )))
}

fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

/// Normalises a PostgreSQL `valid_until`: an RFC 3339 timestamp with whole seconds and a `Z` or `±HH:MM`
/// offset becomes UTC `YYYY-MM-DDTHH:MM:SSZ` — the form [`crate::introspect::PgRole`] reads back, so
/// configuration and server compare equal; `infinity` becomes `None` (no expiry, as an unset value).
pub fn normalize_valid_until(value: &str) -> Result<Option<String>, StatementError> {
    let bad = || StatementError::ValidUntil(value.to_owned());
    let v = value.trim();
    if v.eq_ignore_ascii_case("infinity") {
        return Ok(None);
    }
    let b = v.as_bytes();
    if b.len() < 20
        || b[4] != b'-'
        || b[7] != b'-'
        || !matches!(b[10], b'T' | b't' | b' ')
        || b[13] != b':'
        || b[16] != b':'
    {
        return Err(bad());
    }
    let num = |r: std::ops::Range<usize>| -> Result<i64, StatementError> {
        let s = v.get(r).ok_or_else(bad)?;
        if s.bytes().all(|c| c.is_ascii_digit()) {
            s.parse().map_err(|_| bad())
        } else {
            Err(bad())
        }
    };
    let (year, month, day) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let (hour, minute, second) = (num(11..13)?, num(14..16)?, num(17..19)?);
    // Byte comparisons and `get` only: a multibyte character (e.g. a full-width digit in the offset) must
    // give an error, never a slice inside a character.
    let rest = v.get(19..).ok_or_else(bad)?;
    let offset_minutes = match rest.as_bytes() {
        b"Z" | b"z" => 0,
        [sign @ (b'+' | b'-'), _, _, b':', _, _] => {
            let h = num(20..22)?;
            let m = num(23..25)?;
            if h > 23 || m > 59 {
                return Err(bad());
            }
            let sign = if *sign == b'-' { -1 } else { 1 };
            sign * (h * 60 + m)
        }
        _ => return Err(bad()),
    };
    let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    let dim = [
        31,
        if leap { 29 } else { 28 },
        31,
        30,
        31,
        30,
        31,
        31,
        30,
        31,
        30,
        31,
    ];
    if !(1..=12).contains(&month)
        || day < 1
        || day > dim[(month - 1) as usize]
        || hour > 23
        || minute > 59
        || second > 59
    {
        return Err(bad());
    }
    let total = days_from_civil(year, month, day) * 86_400 + hour * 3600 + minute * 60 + second
        - offset_minutes * 60;
    let days = total.div_euclid(86_400);
    let secs = total.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    if !(1..=9999).contains(&y) {
        return Err(bad());
    }
    Ok(Some(format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        secs / 3600,
        (secs / 60) % 60,
        secs % 60
    )))
}

#[cfg(test)]
mod tests;
