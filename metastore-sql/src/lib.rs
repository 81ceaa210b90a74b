//! Pure SQL logic for metastore database users, shared by the `logexaminer_db_user` resource and the secret
//! rotation Lambda.
//!
//! Nothing here does I/O or is async: the callers run the statements and catalog queries this crate writes,
//! and hand the rows back to its parsers.
//!
//! * [`engine`] — MySQL 8 / Aurora MySQL 3, MariaDB, PostgreSQL, and the server facts that change SQL.
//! * [`ident`] — name validation (exact length limits, reserved names) and quoting of identifiers and literals.
//! * [`privilege`] — privilege sets per engine and object kind, with `ALL` and aliases normalised.
//! * [`grant`] — desired and actual grants and the GRANT/REVOKE diff (PostgreSQL default privileges included).
//! * [`introspect`] — catalog queries and parsers (`SHOW GRANTS`, `mysql.user`, `aclexplode` over the catalogs).
//! * [`statements`] — create/alter/drop users, catalog locks, rotation (own password, alternating clones).
//! * [`password`] — the [`password::Secret`] holder, password generation and SCRAM verifiers.
//! * [`secret_shape`] — the RDS-shaped secret JSON.
//! * [`import_id`] — percent-encoded URL import IDs.
//! * [`tls`] — TLS modes and rules, and the Amazon RDS CA certificates built in as `verify-full`'s default roots.
//! * `client` (cargo feature `client`) — the database I/O that runs all of the above: connect with TLS and a
//!   deadline, execute statements under the catalog lock with bounded retries, read a user's state.
//!
//! Secrets only leave a [`password::Secret`] through [`password::Secret::expose`]; statement builders return
//! [`statements::Statement`]s whose `Debug`/`Display` show a redacted text, and no error message of this crate
//! contains a password.

#[cfg(feature = "client")]
pub mod client;
pub mod engine;
pub mod grant;
pub mod ident;
pub mod import_id;
pub mod introspect;
pub mod outcome_tag;
pub mod password;
pub mod privilege;
pub mod secret_shape;
pub mod statements;
pub mod tls;

#[cfg(test)]
mod proptests;

pub use engine::{Engine, ServerInfo};
pub use grant::{ActualGrants, Grant, GrantContext, Grantee, Objects};
pub use password::Secret;
pub use privilege::{ObjectKind, Privilege};
pub use secret_shape::RdsSecret;
pub use statements::Statement;

/// Any error of this crate, for callers that handle them in one place.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// See [`engine::EngineError`].
    #[error(transparent)]
    Engine(#[from] engine::EngineError),
    /// See [`ident::IdentError`].
    #[error(transparent)]
    Ident(#[from] ident::IdentError),
    /// See [`ident::QuoteError`].
    #[error(transparent)]
    Quote(#[from] ident::QuoteError),
    /// See [`privilege::PrivilegeError`].
    #[error(transparent)]
    Privilege(#[from] privilege::PrivilegeError),
    /// See [`grant::GrantError`].
    #[error(transparent)]
    Grant(#[from] grant::GrantError),
    /// See [`introspect::IntrospectError`].
    #[error(transparent)]
    Introspect(#[from] introspect::IntrospectError),
    /// See [`introspect::ParseError`].
    #[error(transparent)]
    Parse(#[from] introspect::ParseError),
    /// See [`statements::StatementError`].
    #[error(transparent)]
    Statement(#[from] statements::StatementError),
    /// See [`password::PasswordError`].
    #[error(transparent)]
    Password(#[from] password::PasswordError),
    /// See [`secret_shape::SecretShapeError`].
    #[error(transparent)]
    SecretShape(#[from] secret_shape::SecretShapeError),
    /// See [`import_id::ImportIdError`].
    #[error(transparent)]
    ImportId(#[from] import_id::ImportIdError),
}
