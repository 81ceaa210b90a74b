//! Validation and quoting of names (users, hosts, roles, databases, schemas, tables) per engine.
//!
//! Every name that reaches SQL goes through [`validate`] first and is then written with [`quote_ident`],
//! [`mysql_account`] or [`quote_string`]; nothing is ever interpolated unquoted. The rules:
//!
//! * Empty names, NUL, ASCII/Unicode control characters and leading or trailing whitespace are rejected
//!   everywhere (MySQL silently drops trailing spaces of user names, so `"hive "` would become `"hive"`).
//! * Lengths are checked against the engine's exact limits so the server never truncates or refuses a name
//!   later: MySQL 8 user names 32 characters, MariaDB 10.6+ 128 (checked on 10.11: `mysql.global_priv.User` is
//!   `char(128)`), host names 255 on both (MySQL 8.0.17+, MariaDB 10.6+), database and table names 64
//!   characters; PostgreSQL identifiers 63 **bytes** (`NAMEDATALEN - 1`; PostgreSQL truncates longer
//!   identifiers silently, which would make the role name differ from the configured one).
//! * MySQL and MariaDB store names as utf8mb3, so characters outside the Basic Multilingual Plane are rejected.
//! * Host parts must be lower case (both servers lower-case them on store, which would show as a perpetual
//!   diff) and made of `a-z 0-9 . - _ % : /`.
//! * Names reserved by the engine or by Amazon RDS (`root`, `rdsadmin`, `postgres`, `rds_*`, `pg_*`, `public`,
//!   `mysql.*`, system databases and schemas) are rejected with the reason.
//!
//! Quoting is independent of session settings: MySQL identifiers and account parts use backticks with
//! doubled backticks (backslash is never special inside backticks, whatever `sql_mode` says); MySQL string
//! literals double `'` and refuse `\` (its meaning depends on `NO_BACKSLASH_ESCAPES`, so no spelling is safe
//! under both modes); PostgreSQL identifiers use double quotes with doubled `"`; PostgreSQL literals are
//! written as `E'...'` with `\` and `'` doubled, which reads the same whatever `standard_conforming_strings`
//! is. The connection character set is assumed to be UTF-8 (`utf8mb4` on MySQL), as the drivers set it.

use std::fmt;

use crate::engine::{Engine, ServerInfo};

/// What a name names.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum NameKind {
    /// A login user (MySQL account user part, PostgreSQL login role).
    User,
    /// The host part of a MySQL/MariaDB account.
    Host,
    /// A non-login role (PostgreSQL group role, MySQL role).
    Role,
    /// A database (MySQL schema).
    Database,
    /// A PostgreSQL schema.
    Schema,
    /// A table, view or sequence.
    Object,
}

impl fmt::Display for NameKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            NameKind::User => "user name",
            NameKind::Host => "host",
            NameKind::Role => "role name",
            NameKind::Database => "database name",
            NameKind::Schema => "schema name",
            NameKind::Object => "object name",
        })
    }
}

/// How a length limit is counted.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum LengthUnit {
    /// Unicode scalar values (MySQL, MariaDB).
    Characters,
    /// UTF-8 bytes (PostgreSQL).
    Bytes,
}

impl fmt::Display for LengthUnit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            LengthUnit::Characters => "characters",
            LengthUnit::Bytes => "bytes",
        })
    }
}

/// Why a name was rejected.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Reason {
    /// The name is empty.
    Empty,
    /// The name contains a NUL character.
    Nul,
    /// The name contains a control character.
    ControlCharacter(char),
    /// The name starts or ends with whitespace.
    LeadingOrTrailingSpace,
    /// The name is longer than the engine allows.
    TooLong {
        /// The name's length.
        actual: usize,
        /// The engine's limit.
        limit: usize,
        /// How both are counted.
        unit: LengthUnit,
    },
    /// MySQL/MariaDB: a character outside the Basic Multilingual Plane.
    Supplementary(char),
    /// MySQL/MariaDB database name with a backslash.
    Backslash,
    /// A host with a character outside `a-z 0-9 . - _ % : /`.
    HostCharacter(char),
    /// A host with upper-case letters.
    HostUppercase,
    /// A name reserved by the engine or Amazon RDS; the text says by whom and why.
    Reserved(&'static str),
    /// The engine has no such kind of name.
    NotSupported(&'static str),
    /// A database, schema or object name that reads like a wildcard (`*`, `%`, `_`); the text says why
    /// and what to write instead.
    Wildcard(&'static str),
    /// A role name that PostgreSQL reads as a keyword or reserves (`PUBLIC`, `CURRENT_USER`, `pg_*`, ...),
    /// so it cannot name the role that owns objects; the text says why.
    NotARole(&'static str),
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Reason::Empty => f.write_str("must not be empty"),
            Reason::Nul => f.write_str("contains a NUL character, which no engine can store"),
            Reason::ControlCharacter(c) => write!(
                f,
                "contains the control character U+{:04X}; control characters are not accepted in names",
                u32::from(*c)
            ),
            Reason::LeadingOrTrailingSpace => f.write_str(
                "starts or ends with whitespace; MySQL drops trailing spaces silently and such names are easy to confuse, so they are rejected",
            ),
            Reason::TooLong {
                actual,
                limit,
                unit,
            } => write!(
                f,
                "is {actual} {unit} long but at most {limit} {unit} are allowed; the server would refuse or silently truncate it"
            ),
            Reason::Supplementary(c) => write!(
                f,
                "contains U+{:X}, outside the Basic Multilingual Plane; MySQL and MariaDB store names as utf8mb3 and refuse it",
                u32::from(*c)
            ),
            Reason::Backslash => f.write_str(
                "contains a backslash, the escape character of MySQL database-level grant patterns; such database names are not supported",
            ),
            Reason::HostCharacter(c) => write!(
                f,
                "contains {c:?}; a host may only use lower-case ASCII letters, digits and . - _ % : / (a host name, IP address, netmask or % pattern)"
            ),
            Reason::HostUppercase => f.write_str(
                "contains upper-case letters; MySQL and MariaDB store hosts in lower case, so write it in lower case",
            ),
            Reason::Reserved(why) => write!(f, "is reserved: {why}"),
            Reason::NotSupported(what) => f.write_str(what),
            Reason::Wildcard(what) => write!(f, "reads like a wildcard: {what}"),
            Reason::NotARole(what) => write!(f, "cannot name a role here: {what}"),
        }
    }
}

/// A rejected name.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("invalid {engine} {kind} {name:?}: {reason}")]
pub struct IdentError {
    /// The engine the name was checked for.
    pub engine: Engine,
    /// What the name names.
    pub kind: NameKind,
    /// The name as given (names are not secret).
    pub name: String,
    /// Why it was rejected.
    pub reason: Reason,
}

/// A value that cannot be written as a literal or identifier safely.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum QuoteError {
    /// NUL cannot be carried by any engine.
    #[error("the value contains a NUL character, which cannot be written in SQL")]
    Nul,
    /// MySQL/MariaDB string literal with a backslash.
    #[error(
        "the value contains a backslash, whose meaning in MySQL string literals depends on sql_mode (NO_BACKSLASH_ESCAPES); it cannot be written safely"
    )]
    Backslash,
}

/// The length limit for a kind of name on an engine, or `None` when the engine has no such names
/// (MySQL/MariaDB have no schemas inside databases; PostgreSQL roles have no host part).
pub const fn max_length(engine: Engine, kind: NameKind) -> Option<(usize, LengthUnit)> {
    use LengthUnit::{Bytes, Characters};
    match (engine, kind) {
        (Engine::Mysql, NameKind::User | NameKind::Role) => Some((32, Characters)),
        (Engine::Mariadb, NameKind::User | NameKind::Role) => Some((128, Characters)),
        (Engine::Mysql | Engine::Mariadb, NameKind::Host) => Some((255, Characters)),
        (Engine::Mysql | Engine::Mariadb, NameKind::Database | NameKind::Object) => {
            Some((64, Characters))
        }
        (Engine::Mysql | Engine::Mariadb, NameKind::Schema) => None,
        (Engine::Postgres, NameKind::Host) => None,
        (Engine::Postgres, _) => Some((63, Bytes)),
    }
}

/// The length of `name` in `unit`.
pub fn length_in(name: &str, unit: LengthUnit) -> usize {
    match unit {
        LengthUnit::Characters => name.chars().count(),
        LengthUnit::Bytes => name.len(),
    }
}

/// `(name or prefix, why it is reserved)`.
type ReservedList = &'static [(&'static str, &'static str)];

const MYSQL_USER_EXACT: ReservedList = &[
    ("root", "the server's superuser account"),
    ("rdsadmin", "Amazon RDS's management account"),
    ("rdsrepladmin", "Amazon RDS's replication account"),
    ("public", "PUBLIC is a role keyword"),
    ("none", "NONE is a role keyword"),
];
const MYSQL_USER_PREFIX: ReservedList = &[
    (
        "mysql.",
        "names starting with mysql. are MySQL system accounts",
    ),
    (
        "mariadb.",
        "names starting with mariadb. are MariaDB system accounts",
    ),
    (
        "rds_",
        "names starting with rds_ are reserved for Amazon RDS roles such as rds_superuser_role",
    ),
];
const PG_ROLE_EXACT: ReservedList = &[
    (
        "postgres",
        "the bootstrap superuser (and the usual RDS master user)",
    ),
    ("rdsadmin", "Amazon RDS's management role"),
    ("rdsrepladmin", "Amazon RDS's replication role"),
    ("rdstopmgr", "Amazon RDS's topology role"),
    ("public", "PUBLIC is the role every role belongs to"),
    ("none", "PostgreSQL reserves the role name none"),
    (
        "current_user",
        "CURRENT_USER is a role specification keyword",
    ),
    (
        "session_user",
        "SESSION_USER is a role specification keyword",
    ),
    (
        "current_role",
        "CURRENT_ROLE is a role specification keyword",
    ),
];
const PG_ROLE_PREFIX: ReservedList = &[
    (
        "pg_",
        "names starting with pg_ are reserved for PostgreSQL's predefined roles",
    ),
    (
        "rds_",
        "names starting with rds_ are reserved for Amazon RDS roles such as rds_superuser and rds_iam",
    ),
];
const MYSQL_DATABASE_EXACT: ReservedList = &[
    (
        "mysql",
        "system database; privileges on it control every account",
    ),
    ("information_schema", "system database"),
    ("performance_schema", "system database"),
    ("sys", "system database"),
];
const PG_DATABASE_EXACT: ReservedList = &[
    ("template0", "template database"),
    ("template1", "template database"),
    ("rdsadmin", "Amazon RDS's management database"),
];
const PG_SCHEMA_EXACT: ReservedList = &[
    ("information_schema", "system schema"),
    ("pg_catalog", "system schema"),
];
const PG_SCHEMA_PREFIX: ReservedList = &[(
    "pg_",
    "schema names starting with pg_ are reserved for PostgreSQL's system schemas",
)];

fn reserved(engine: Engine, kind: NameKind, name: &str) -> Option<&'static str> {
    let lower = name.to_lowercase();
    let (exact, prefix): (ReservedList, ReservedList) = match (engine, kind) {
        (Engine::Mysql | Engine::Mariadb, NameKind::User | NameKind::Role) => {
            (MYSQL_USER_EXACT, MYSQL_USER_PREFIX)
        }
        (Engine::Postgres, NameKind::User | NameKind::Role) => (PG_ROLE_EXACT, PG_ROLE_PREFIX),
        (Engine::Mysql | Engine::Mariadb, NameKind::Database) => (MYSQL_DATABASE_EXACT, &[]),
        (Engine::Postgres, NameKind::Database) => (PG_DATABASE_EXACT, &[]),
        (Engine::Postgres, NameKind::Schema) => (PG_SCHEMA_EXACT, PG_SCHEMA_PREFIX),
        _ => (&[], &[]),
    };
    exact
        .iter()
        .find(|(n, _)| *n == lower)
        .or_else(|| prefix.iter().find(|(p, _)| lower.starts_with(p)))
        .map(|(_, why)| *why)
}

/// Checks `name` as a `kind` name for `engine`; see the module documentation for the rules.
pub fn validate(engine: Engine, kind: NameKind, name: &str) -> Result<(), IdentError> {
    let fail = |reason| {
        Err(IdentError {
            engine,
            kind,
            name: name.to_owned(),
            reason,
        })
    };
    let Some((limit, unit)) = max_length(engine, kind) else {
        return fail(Reason::NotSupported(match kind {
            NameKind::Schema => {
                "MySQL and MariaDB have no schemas inside a database; leave schema unset"
            }
            _ => "PostgreSQL roles have no host part; leave host unset",
        }));
    };
    if name.is_empty() {
        return fail(Reason::Empty);
    }
    if name.contains('\0') {
        return fail(Reason::Nul);
    }
    if let Some(c) = name.chars().find(|c| c.is_control()) {
        return fail(Reason::ControlCharacter(c));
    }
    if name.starts_with(char::is_whitespace) || name.ends_with(char::is_whitespace) {
        return fail(Reason::LeadingOrTrailingSpace);
    }
    if engine.is_mysql_family() {
        if let Some(c) = name.chars().find(|c| u32::from(*c) > 0xFFFF) {
            return fail(Reason::Supplementary(c));
        }
        if kind == NameKind::Host {
            if let Some(c) = name.chars().find(|c| !is_host_char(*c)) {
                return fail(if c.is_ascii_uppercase() {
                    Reason::HostUppercase
                } else {
                    Reason::HostCharacter(c)
                });
            }
        }
        if kind == NameKind::Database && name.contains('\\') {
            return fail(Reason::Backslash);
        }
    }
    let actual = length_in(name, unit);
    if actual > limit {
        return fail(Reason::TooLong {
            actual,
            limit,
            unit,
        });
    }
    if let Some(why) = wildcard(engine, kind, name) {
        return fail(Reason::Wildcard(why));
    }
    if let Some(why) = reserved(engine, kind, name) {
        return fail(Reason::Reserved(why));
    }
    Ok(())
}

/// Database, schema and object names that read like a wildcard, with what to write instead.
///
/// MySQL's grant-target grammar (MySQL 8.0/8.4 Reference Manual, 15.7.1.6 "GRANT Statement"; MariaDB's
/// GRANT page says the same) is `priv_level: { * | *.* | db_name.* | db_name.tbl_name | tbl_name |
/// db_name.routine_name }`, and "the `_` and `%` wildcards are permitted when specifying database names in
/// GRANT statements that grant privileges at the database level (GRANT ... ON db_name.*)", with `\` as
/// their escape. So in a grant target:
///
/// * `*` stands for every database (`*.*`) or every table (`db.*`): a database, schema or object named with a
///   `*` is refused everywhere (quoted, `` `*`.* `` would name a database literally called `*`, which is never
///   what was meant; MariaDB then answers error 1044 for it).
/// * `%` matches any string and `_` one character in a database-level grant: names made only of them
///   (`%`, `_`, `__`, `_%`) read as a pattern on every engine and are refused; inside a real name
///   (`hive_db`, `50%_off`) they are escaped by [`mysql_database_pattern`], so the grant names exactly that
///   database, and are accepted.
/// * `\` is the escape character: already refused in MySQL database names ([`Reason::Backslash`]).
fn wildcard(engine: Engine, kind: NameKind, name: &str) -> Option<&'static str> {
    if !matches!(
        kind,
        NameKind::Database | NameKind::Schema | NameKind::Object
    ) {
        return None;
    }
    if name.contains('*') {
        return Some(match kind {
            NameKind::Database => {
                "`*` means every database in a grant target (GRANT ... ON *.*), but a quoted name only ever names one database literally called so; write the exact name of the database, with one grant block per database (global privileges are never granted by this resource)"
            }
            NameKind::Schema => {
                "`*` is not a pattern in schema names; write the exact schema name, with one grant block per schema"
            }
            _ => {
                "`*` is not a pattern in object names; for every object leave objects unset (or write [\"*\"] as its only entry), otherwise list the exact table or sequence names"
            }
        });
    }
    if name.chars().all(|c| matches!(c, '_' | '%')) {
        return Some(match (engine.is_mysql_family(), kind) {
            (true, NameKind::Database) => {
                "`%` matches any database and `_` any one character in MySQL/MariaDB database-level grants (GRANT ... ON `%`.*), but this resource grants on exact names only; write the exact name of the database, with one grant block per database"
            }
            _ => {
                "a name made only of `_` and `%` reads as a pattern (`_` matches any one character, `%` any string), but names are always taken literally; write the exact name of an existing database, schema or object"
            }
        });
    }
    None
}

/// The role keywords of PostgreSQL's `RoleSpec` grammar and the names it reserves, which can never be the
/// role that owns objects: `PUBLIC` (quoted or not, PostgreSQL reads `public` as the PUBLIC pseudo-role),
/// `NONE`, `CURRENT_USER`, `SESSION_USER`, `CURRENT_ROLE`.
const PG_ROLE_KEYWORDS: &[&str] = &[
    "public",
    "none",
    "current_user",
    "session_user",
    "current_role",
];

/// Checks a role named as the owner of PostgreSQL default privileges (`ALTER DEFAULT PRIVILEGES FOR ROLE
/// <role>`): the admin by default, or the roles in `default_privilege_roles`. The same rules as
/// [`validate`] for [`NameKind::Role`], except that the RDS master `postgres` is accepted (it owns the
/// objects it creates, and the admin is often that user); refused with [`Reason::NotARole`]: the role
/// keywords (`public`, `none`, `current_user`, `session_user`, `current_role`, in any case) and PostgreSQL's
/// predefined `pg_*` roles, which own no objects. `rds_*` and the RDS management roles stay refused as
/// reserved. MySQL and MariaDB have no default privileges ([`Reason::NotSupported`]).
pub fn validate_default_privilege_role(engine: Engine, name: &str) -> Result<(), IdentError> {
    let fail = |reason| {
        Err(IdentError {
            engine,
            kind: NameKind::Role,
            name: name.to_owned(),
            reason,
        })
    };
    if engine.is_mysql_family() {
        return fail(Reason::NotSupported(
            "MySQL and MariaDB have no default privileges; database grants (objects \"*\") already cover future tables",
        ));
    }
    let lower = name.to_lowercase();
    if PG_ROLE_KEYWORDS.contains(&lower.as_str()) {
        return fail(Reason::NotARole(
            "PostgreSQL reads public as the PUBLIC pseudo-role (every role), none as no role and current_user/session_user/current_role as whoever runs the statement; name the role that creates the tables, e.g. the admin or the role Hive's schematool logs in as",
        ));
    }
    if lower.starts_with("pg_") {
        return fail(Reason::NotARole(
            "names starting with pg_ are PostgreSQL's predefined roles, which never own tables; name the role that creates the tables, e.g. the admin or the role Hive's schematool logs in as",
        ));
    }
    match validate(engine, NameKind::Role, name) {
        Err(e) if lower == "postgres" && matches!(e.reason, Reason::Reserved(_)) => Ok(()),
        other => other,
    }
}

/// Checks the database a connection opens (`endpoint.database`, the `dbname` of the secret, the
/// `database` of an import ID): [`validate`] for [`NameKind::Database`], so a connection never opens a
/// database that no grant could name (system databases, templates, wildcards).
pub fn validate_connection_database(engine: Engine, name: &str) -> Result<(), IdentError> {
    validate(engine, NameKind::Database, name)
}

fn is_host_char(c: char) -> bool {
    c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '.' | '-' | '_' | '%' | ':' | '/')
}

/// Quotes an identifier: `` `name` `` with doubled backticks on MySQL/MariaDB, `"name"` with doubled double
/// quotes on PostgreSQL. The result is always exactly one identifier token naming `name`.
pub fn quote_ident(engine: Engine, name: &str) -> Result<String, QuoteError> {
    if name.contains('\0') {
        return Err(QuoteError::Nul);
    }
    let q = if engine.is_mysql_family() { '`' } else { '"' };
    let mut out = String::with_capacity(name.len() + 2);
    out.push(q);
    for c in name.chars() {
        if c == q {
            out.push(q);
        }
        out.push(c);
    }
    out.push(q);
    Ok(out)
}

/// Quotes a string literal. MySQL/MariaDB: `'...'` with `'` doubled; a backslash is refused because its
/// meaning depends on `NO_BACKSLASH_ESCAPES`. PostgreSQL: `E'...'` with `\` and `'` doubled, which reads the
/// same with `standard_conforming_strings` on or off.
pub fn quote_string(engine: Engine, value: &str) -> Result<String, QuoteError> {
    if value.contains('\0') {
        return Err(QuoteError::Nul);
    }
    let mut out = String::with_capacity(value.len() + 3);
    if engine.is_mysql_family() {
        if value.contains('\\') {
            return Err(QuoteError::Backslash);
        }
        out.push('\'');
    } else {
        out.push_str("E'");
    }
    for c in value.chars() {
        match c {
            '\'' => out.push_str("''"),
            '\\' => out.push_str("\\\\"),
            _ => out.push(c),
        }
    }
    out.push('\'');
    Ok(out)
}

/// Writes a MySQL/MariaDB account name as `` `user`@`host` `` (both parts backtick-quoted; accepted by
/// `CREATE USER`, `GRANT`, `SHOW GRANTS FOR` and friends on both servers, under every `sql_mode`).
pub fn mysql_account(user: &str, host: &str) -> Result<String, QuoteError> {
    Ok(format!(
        "{}@{}",
        quote_ident(Engine::Mysql, user)?,
        quote_ident(Engine::Mysql, host)?
    ))
}

/// The spelling of `database` in a MySQL/MariaDB database-level grant (`GRANT ... ON <pattern>.*`) and in
/// `mysql.db.Db`: `_` and `%` are wildcards there, so they are escaped with `\` — except on MySQL with
/// `partial_revokes` on, where the server compares the name literally and an escape would become part of it.
pub fn mysql_database_pattern(server: &ServerInfo, database: &str) -> String {
    if server.literal_database_grants() {
        return database.to_owned();
    }
    let mut out = String::with_capacity(database.len() + 4);
    for c in database.chars() {
        if matches!(c, '_' | '%' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// The database a grant pattern names exactly, or `None` when the pattern contains an unescaped wildcard and
/// so covers several databases (a grant this crate never writes).
pub fn mysql_pattern_database(server: &ServerInfo, pattern: &str) -> Option<String> {
    if server.literal_database_grants() {
        return Some(pattern.to_owned());
    }
    let mut out = String::with_capacity(pattern.len());
    let mut chars = pattern.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => out.push(chars.next()?),
            '_' | '%' => return None,
            _ => out.push(c),
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::rngs::StdRng;
    use rand::{Rng, SeedableRng};

    fn reason(engine: Engine, kind: NameKind, name: &str) -> Option<Reason> {
        validate(engine, kind, name).err().map(|e| e.reason)
    }

    #[test]
    fn exact_length_limits() {
        let cases = [
            (Engine::Mysql, NameKind::User, 32, LengthUnit::Characters),
            (Engine::Mariadb, NameKind::User, 128, LengthUnit::Characters),
            (Engine::Mysql, NameKind::Host, 255, LengthUnit::Characters),
            (Engine::Mariadb, NameKind::Host, 255, LengthUnit::Characters),
            (
                Engine::Mysql,
                NameKind::Database,
                64,
                LengthUnit::Characters,
            ),
            (
                Engine::Mariadb,
                NameKind::Object,
                64,
                LengthUnit::Characters,
            ),
            (Engine::Postgres, NameKind::User, 63, LengthUnit::Bytes),
            (Engine::Postgres, NameKind::Schema, 63, LengthUnit::Bytes),
            (Engine::Postgres, NameKind::Object, 63, LengthUnit::Bytes),
        ];
        for (engine, kind, limit, unit) in cases {
            assert_eq!(max_length(engine, kind), Some((limit, unit)));
            let ok = "a".repeat(limit);
            assert_eq!(
                validate(engine, kind, &ok),
                Ok(()),
                "{engine} {kind} {limit}"
            );
            let long = "a".repeat(limit + 1);
            assert_eq!(
                reason(engine, kind, &long),
                Some(Reason::TooLong {
                    actual: limit + 1,
                    limit,
                    unit
                })
            );
        }
    }

    #[test]
    fn postgres_counts_bytes_mysql_counts_characters() {
        // 32 two-byte characters: 64 bytes (too long for PostgreSQL), 32 characters (fine for MySQL).
        let name = "é".repeat(32);
        assert!(matches!(
            reason(Engine::Postgres, NameKind::User, &name),
            Some(Reason::TooLong {
                actual: 64,
                limit: 63,
                unit: LengthUnit::Bytes
            })
        ));
        assert_eq!(validate(Engine::Mysql, NameKind::User, &name), Ok(()));
        assert_eq!(
            validate(Engine::Postgres, NameKind::User, &"é".repeat(31)),
            Ok(())
        );
    }

    #[test]
    fn basic_rejections() {
        for engine in Engine::ALL {
            assert_eq!(reason(engine, NameKind::User, ""), Some(Reason::Empty));
            assert_eq!(reason(engine, NameKind::User, "a\0b"), Some(Reason::Nul));
            assert_eq!(
                reason(engine, NameKind::User, "a\nb"),
                Some(Reason::ControlCharacter('\n'))
            );
            assert_eq!(
                reason(engine, NameKind::User, " hive"),
                Some(Reason::LeadingOrTrailingSpace)
            );
            assert_eq!(
                reason(engine, NameKind::User, "hive "),
                Some(Reason::LeadingOrTrailingSpace)
            );
            assert_eq!(validate(engine, NameKind::User, "hive ro"), Ok(()));
        }
        assert_eq!(
            reason(Engine::Mysql, NameKind::User, "emoji😀"),
            Some(Reason::Supplementary('😀'))
        );
        assert_eq!(
            validate(Engine::Postgres, NameKind::User, "emoji😀"),
            Ok(())
        );
        assert_eq!(
            reason(Engine::Mariadb, NameKind::Database, "a\\b"),
            Some(Reason::Backslash)
        );
        assert_eq!(validate(Engine::Mariadb, NameKind::Object, "a\\b"), Ok(()));
        assert!(matches!(
            reason(Engine::Mysql, NameKind::Schema, "s"),
            Some(Reason::NotSupported(_))
        ));
        assert!(matches!(
            reason(Engine::Postgres, NameKind::Host, "%"),
            Some(Reason::NotSupported(_))
        ));
    }

    #[test]
    fn hosts() {
        for host in [
            "%",
            "localhost",
            "10.0.%",
            "192.168.0.0/255.255.255.0",
            "::1",
            "db-1.example.com",
            "h_st",
        ] {
            assert_eq!(
                validate(Engine::Mysql, NameKind::Host, host),
                Ok(()),
                "{host}"
            );
        }
        assert_eq!(
            reason(Engine::Mysql, NameKind::Host, "MyHost"),
            Some(Reason::HostUppercase)
        );
        assert_eq!(
            reason(Engine::Mariadb, NameKind::Host, "h'x"),
            Some(Reason::HostCharacter('\''))
        );
        assert_eq!(
            reason(Engine::Mariadb, NameKind::Host, "hôst"),
            Some(Reason::HostCharacter('ô'))
        );
    }

    #[test]
    fn reserved_names() {
        let rejected = [
            (Engine::Mysql, NameKind::User, "root"),
            (Engine::Mysql, NameKind::User, "ROOT"),
            (Engine::Mysql, NameKind::User, "rdsadmin"),
            (Engine::Mysql, NameKind::User, "mysql.sys"),
            (Engine::Mariadb, NameKind::User, "mariadb.sys"),
            (Engine::Mysql, NameKind::User, "rds_superuser_role"),
            (Engine::Postgres, NameKind::User, "postgres"),
            (Engine::Postgres, NameKind::User, "rds_superuser"),
            (Engine::Postgres, NameKind::User, "rds_iam"),
            (Engine::Postgres, NameKind::User, "public"),
            (Engine::Postgres, NameKind::User, "PUBLIC"),
            (Engine::Postgres, NameKind::User, "pg_monitor"),
            (Engine::Postgres, NameKind::User, "current_user"),
            (Engine::Postgres, NameKind::Role, "none"),
            (Engine::Mysql, NameKind::Database, "mysql"),
            (Engine::Mariadb, NameKind::Database, "performance_schema"),
            (Engine::Postgres, NameKind::Database, "template1"),
            (Engine::Postgres, NameKind::Schema, "pg_catalog"),
            (Engine::Postgres, NameKind::Schema, "pg_toast"),
            (Engine::Postgres, NameKind::Schema, "information_schema"),
        ];
        for (engine, kind, name) in rejected {
            let err = validate(engine, kind, name).expect_err(name);
            assert!(matches!(err.reason, Reason::Reserved(_)), "{name}: {err}");
            assert!(err.to_string().contains("is reserved"), "{err}");
        }
        for (engine, kind, name) in [
            (Engine::Postgres, NameKind::User, "hive_ro"),
            (Engine::Postgres, NameKind::Schema, "public"),
            (Engine::Postgres, NameKind::Database, "metastore"),
            (Engine::Mysql, NameKind::User, "hive@corp"),
            (Engine::Mysql, NameKind::User, "rdsx"),
        ] {
            assert_eq!(validate(engine, kind, name), Ok(()), "{name}");
        }
    }

    #[test]
    fn grant_targets_that_read_like_wildcards() {
        let refused = [
            (Engine::Mariadb, NameKind::Database, "*"),
            (Engine::Mysql, NameKind::Database, "*"),
            (Engine::Mysql, NameKind::Database, "*.*"),
            (Engine::Mysql, NameKind::Database, "hive*"),
            (Engine::Mariadb, NameKind::Database, "%"),
            (Engine::Mariadb, NameKind::Database, "_"),
            (Engine::Mariadb, NameKind::Database, "__"),
            (Engine::Mariadb, NameKind::Database, "_%"),
            (Engine::Mysql, NameKind::Object, "*"),
            (Engine::Postgres, NameKind::Database, "*"),
            (Engine::Postgres, NameKind::Database, "%"),
            (Engine::Postgres, NameKind::Database, "_"),
            (Engine::Postgres, NameKind::Schema, "*"),
            (Engine::Postgres, NameKind::Schema, "%"),
            (Engine::Postgres, NameKind::Object, "tbl*"),
        ];
        for (engine, kind, name) in refused {
            let err = validate(engine, kind, name).expect_err(name);
            assert!(matches!(err.reason, Reason::Wildcard(_)), "{name}: {err}");
            assert!(err.to_string().contains("wildcard"), "{err}");
        }
        for (engine, kind, name) in [
            (Engine::Mariadb, NameKind::Database, "hive_db"),
            (Engine::Mysql, NameKind::Database, "we`ird%db"),
            (Engine::Mysql, NameKind::Database, "50%_off"),
            (Engine::Mysql, NameKind::Database, "a`b"),
            (Engine::Mysql, NameKind::Database, "_hive"),
            (Engine::Mysql, NameKind::Object, "50%_off"),
            (Engine::Postgres, NameKind::Database, "50%_off"),
            (Engine::Postgres, NameKind::Schema, "hive_%"),
            // Users, hosts and roles are not grant targets: `%` is the any-host of accounts.
            (Engine::Mysql, NameKind::Host, "%"),
            (Engine::Mysql, NameKind::User, "*"),
        ] {
            assert_eq!(validate(engine, kind, name), Ok(()), "{name}");
        }
    }

    #[test]
    fn default_privilege_roles() {
        for name in [
            "public",
            "PUBLIC",
            "Public",
            "none",
            "NONE",
            "current_user",
            "session_user",
            "current_role",
            "CURRENT_USER",
            "pg_read_all_data",
            "pg_monitor",
            "PG_x",
        ] {
            let err = validate_default_privilege_role(Engine::Postgres, name).expect_err(name);
            assert!(matches!(err.reason, Reason::NotARole(_)), "{name}: {err}");
        }
        for name in ["rds_superuser", "rdsadmin", "", "a\0", " x"] {
            assert!(
                validate_default_privilege_role(Engine::Postgres, name).is_err(),
                "{name}"
            );
        }
        for name in [
            "postgres",
            "POSTGRES",
            "lx_admin",
            "hive_owner",
            "Robert'); --",
        ] {
            assert_eq!(
                validate_default_privilege_role(Engine::Postgres, name),
                Ok(()),
                "{name}"
            );
        }
        assert!(matches!(
            validate_default_privilege_role(Engine::Mariadb, "lx_admin").map_err(|e| e.reason),
            Err(Reason::NotSupported(_))
        ));
        assert!(validate_connection_database(Engine::Postgres, "template1").is_err());
        assert!(validate_connection_database(Engine::Mysql, "*").is_err());
        assert_eq!(
            validate_connection_database(Engine::Postgres, "postgres"),
            Ok(())
        );
    }

    #[test]
    fn error_text_names_everything() {
        let err = validate(Engine::Mysql, NameKind::User, &"x".repeat(33)).expect_err("too long");
        let text = err.to_string();
        assert!(text.starts_with("invalid mysql user name \"xxx"), "{text}");
        assert!(text.contains("33 characters long but at most 32"), "{text}");
    }

    #[test]
    fn quoting_exact() {
        assert_eq!(quote_ident(Engine::Mysql, "a`b").as_deref(), Ok("`a``b`"));
        assert_eq!(
            quote_ident(Engine::Mariadb, "it's \\ \"x\"").as_deref(),
            Ok("`it's \\ \"x\"`")
        );
        assert_eq!(
            quote_ident(Engine::Postgres, "a\"b").as_deref(),
            Ok("\"a\"\"b\"")
        );
        assert_eq!(quote_ident(Engine::Postgres, "a\0"), Err(QuoteError::Nul));
        assert_eq!(
            quote_string(Engine::Mysql, "it's").as_deref(),
            Ok("'it''s'")
        );
        assert_eq!(
            quote_string(Engine::Mysql, "a\\b"),
            Err(QuoteError::Backslash)
        );
        assert_eq!(
            quote_string(Engine::Postgres, "it's \\n").as_deref(),
            Ok("E'it''s \\\\n'")
        );
        assert_eq!(
            mysql_account("hive@corp", "%").as_deref(),
            Ok("`hive@corp`@`%`")
        );
    }

    #[test]
    fn database_patterns() {
        let off = ServerInfo::default_for(Engine::Mysql);
        let on = off.with_partial_revokes(true);
        let maria = ServerInfo::default_for(Engine::Mariadb).with_partial_revokes(true);
        assert_eq!(mysql_database_pattern(&off, "hive_db%"), "hive\\_db\\%");
        assert_eq!(mysql_database_pattern(&maria, "hive_db"), "hive\\_db");
        assert_eq!(mysql_database_pattern(&on, "hive_db"), "hive_db");
        assert_eq!(
            mysql_pattern_database(&off, "hive\\_db").as_deref(),
            Some("hive_db")
        );
        assert_eq!(mysql_pattern_database(&off, "hive_db"), None);
        assert_eq!(mysql_pattern_database(&off, "hive%"), None);
        assert_eq!(
            mysql_pattern_database(&on, "hive_db").as_deref(),
            Some("hive_db")
        );
        for name in ["a_b", "50%_off", "plain", "ünï_x"] {
            for s in [off, on, maria] {
                let p = mysql_database_pattern(&s, name);
                assert_eq!(mysql_pattern_database(&s, &p).as_deref(), Some(name));
            }
        }
    }

    /// A reference lexer for one quoted token: returns the decoded content and the rest of the input.
    fn lex_quoted<'a>(
        input: &'a str,
        open: &str,
        close: char,
        backslash_escapes: bool,
    ) -> Option<(String, &'a str)> {
        let mut rest = input.strip_prefix(open)?;
        let mut out = String::new();
        loop {
            let c = rest.chars().next()?;
            rest = &rest[c.len_utf8()..];
            if backslash_escapes && c == '\\' {
                let n = rest.chars().next()?;
                rest = &rest[n.len_utf8()..];
                out.push(n);
            } else if c == close {
                if let Some(r) = rest.strip_prefix(close) {
                    out.push(close);
                    rest = r;
                } else {
                    return Some((out, rest));
                }
            } else {
                out.push(c);
            }
        }
    }

    fn hostile_strings() -> Vec<String> {
        let fragments = [
            "'",
            "\"",
            "`",
            "\\",
            ";",
            "--",
            "/*",
            "*/",
            "#",
            "%",
            "_",
            "$$",
            "$tag$",
            "é",
            "名前",
            "ü",
            " ",
            "DROP TABLE x",
            "0x41",
            "\\'",
            "''",
            "``",
            "\"\"",
            "@",
            "/",
            "*",
            "N'",
            "E'",
            "\u{200b}",
            "\t",
            "\r\n",
            "\0",
            "😀",
            "a",
            "hive",
            "X'41'",
        ];
        let mut rng = StdRng::seed_from_u64(0x5eed);
        let mut out: Vec<String> = fragments.iter().map(|s| (*s).to_owned()).collect();
        for _ in 0..4000 {
            let n = rng.random_range(1..8);
            let mut s = String::new();
            for _ in 0..n {
                s.push_str(fragments[rng.random_range(0..fragments.len())]);
            }
            out.push(s);
        }
        out.push("x".repeat(200));
        out.push(format!("{}';DROP USER root;--", "a".repeat(190)));
        out
    }

    #[test]
    fn hostile_names_are_rejected_or_round_trip_through_quoting() {
        let kinds = [
            NameKind::User,
            NameKind::Role,
            NameKind::Database,
            NameKind::Object,
            NameKind::Schema,
            NameKind::Host,
        ];
        let mut accepted = 0usize;
        let mut rejected = 0usize;
        for name in hostile_strings() {
            for engine in Engine::ALL {
                for kind in kinds {
                    match validate(engine, kind, &name) {
                        Err(e) => {
                            rejected += 1;
                            assert!(!e.to_string().is_empty());
                        }
                        Ok(()) => {
                            accepted += 1;
                            let quoted = quote_ident(engine, &name).expect("validated names quote");
                            let (open, close) = if engine.is_mysql_family() {
                                ("`", '`')
                            } else {
                                ("\"", '"')
                            };
                            let (decoded, rest) =
                                lex_quoted(&quoted, open, close, false).expect("one token");
                            assert_eq!(decoded, name, "{engine} {kind}: {quoted}");
                            assert!(
                                rest.is_empty(),
                                "{engine} {kind}: token ended early in {quoted}"
                            );
                        }
                    }
                }
                // String literals: PostgreSQL E'' always round-trips; MySQL refuses backslashes.
                if name.contains('\0') {
                    continue;
                }
                match quote_string(engine, &name) {
                    Ok(lit) => {
                        let (decoded, rest) = if engine.is_mysql_family() {
                            // Same result whether or not backslashes are escapes (there are none).
                            let a = lex_quoted(&lit, "'", '\'', false).expect("literal");
                            let b = lex_quoted(&lit, "'", '\'', true).expect("literal");
                            assert_eq!(a, b);
                            a
                        } else {
                            lex_quoted(&lit, "E'", '\'', true).expect("literal")
                        };
                        assert_eq!(decoded, name);
                        assert!(rest.is_empty());
                    }
                    Err(e) => {
                        assert!(engine.is_mysql_family() && name.contains('\\'), "{e}");
                    }
                }
            }
        }
        assert!(
            accepted > 1000 && rejected > 1000,
            "accepted {accepted}, rejected {rejected}"
        );
    }

    #[test]
    fn hostile_examples_from_the_issue() {
        // Quotes, backticks, semicolons and comments are accepted and quoted exactly.
        let name = "h`o'st\"il;--/*x*/";
        for engine in Engine::ALL {
            assert_eq!(validate(engine, NameKind::User, name), Ok(()));
        }
        assert_eq!(
            quote_ident(Engine::Mysql, name).as_deref(),
            Ok("`h``o'st\"il;--/*x*/`")
        );
        assert_eq!(
            quote_ident(Engine::Postgres, name).as_deref(),
            Ok("\"h`o'st\"\"il;--/*x*/\"")
        );
        // 200 characters: too long everywhere.
        let long = "u".repeat(200);
        for engine in Engine::ALL {
            assert!(matches!(
                reason(engine, NameKind::User, &long),
                Some(Reason::TooLong { .. })
            ));
        }
        // Unicode within limits is fine.
        assert_eq!(validate(Engine::Mariadb, NameKind::User, "ünï"), Ok(()));
        assert_eq!(validate(Engine::Postgres, NameKind::User, "名前"), Ok(()));
    }
}
