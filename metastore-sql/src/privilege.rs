//! Privilege names per engine and object kind: validation and normalisation.
//!
//! Input names are matched case-insensitively with runs of whitespace collapsed, so `select`, `SELECT` and
//! ` Select ` are the same privilege. `ALL` and `ALL PRIVILEGES` expand to the engine's exact set for the
//! object kind, and engine aliases map to one spelling (PostgreSQL `TEMP` is `TEMPORARY`, MariaDB
//! `DELETE VERSIONING ROWS` is `DELETE HISTORY`). The result is a [`BTreeSet`], so order never matters: a
//! configuration that says `ALL` and a server that reports the expanded list compare equal.
//!
//! Sets per engine and kind (what `ALL` expands to):
//!
//! | engine | kind | privileges |
//! |---|---|---|
//! | PostgreSQL | database | CREATE, CONNECT, TEMPORARY |
//! | PostgreSQL | schema | USAGE, CREATE |
//! | PostgreSQL | table (also views, foreign tables) | SELECT, INSERT, UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER, and MAINTAIN from PostgreSQL 17 |
//! | PostgreSQL | sequence | USAGE, SELECT, UPDATE |
//! | MySQL, MariaDB | database (`db.*`) | SELECT, INSERT, UPDATE, DELETE, CREATE, DROP, REFERENCES, INDEX, ALTER, CREATE TEMPORARY TABLES, LOCK TABLES, CREATE VIEW, SHOW VIEW, CREATE ROUTINE, ALTER ROUTINE, EXECUTE, EVENT, TRIGGER, and DELETE HISTORY on MariaDB |
//! | MySQL, MariaDB | table (`db.table`) | SELECT, INSERT, UPDATE, DELETE, CREATE, DROP, REFERENCES, INDEX, ALTER, CREATE VIEW, SHOW VIEW, TRIGGER, and DELETE HISTORY on MariaDB |
//!
//! `MAINTAIN` is accepted only when the server is PostgreSQL 17 or later, and `ALL` includes it there, because
//! that is what the server reports after `GRANT ALL`. `GRANT OPTION` is not a privilege here (use
//! `with_grant_option`), and MySQL's `USAGE` ("no privileges") is refused. Global (`*.*`) privileges do not
//! exist in this model at all.

use std::collections::BTreeSet;
use std::fmt;

use crate::engine::{Engine, ServerInfo};

/// One privilege, engine-neutral. The declaration order is the order statements list privileges in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Privilege {
    /// `SELECT`.
    Select,
    /// `INSERT`.
    Insert,
    /// `UPDATE`.
    Update,
    /// `DELETE`.
    Delete,
    /// PostgreSQL `TRUNCATE`.
    Truncate,
    /// `REFERENCES`.
    References,
    /// `TRIGGER`.
    Trigger,
    /// PostgreSQL 17 `MAINTAIN`.
    Maintain,
    /// PostgreSQL `USAGE` (schemas, sequences).
    Usage,
    /// `CREATE`.
    Create,
    /// PostgreSQL `CONNECT`.
    Connect,
    /// PostgreSQL `TEMPORARY` (alias `TEMP`).
    Temporary,
    /// MySQL `DROP`.
    Drop,
    /// MySQL `INDEX`.
    Index,
    /// MySQL `ALTER`.
    Alter,
    /// MySQL `CREATE TEMPORARY TABLES`.
    CreateTemporaryTables,
    /// MySQL `LOCK TABLES`.
    LockTables,
    /// MySQL `CREATE VIEW`.
    CreateView,
    /// MySQL `SHOW VIEW`.
    ShowView,
    /// MySQL `CREATE ROUTINE`.
    CreateRoutine,
    /// MySQL `ALTER ROUTINE`.
    AlterRoutine,
    /// MySQL `EXECUTE`.
    Execute,
    /// MySQL `EVENT`.
    Event,
    /// MariaDB `DELETE HISTORY` (alias `DELETE VERSIONING ROWS`).
    DeleteHistory,
}

impl Privilege {
    /// The SQL keyword(s), upper case, as written in GRANT/REVOKE.
    pub const fn sql_name(self) -> &'static str {
        match self {
            Privilege::Select => "SELECT",
            Privilege::Insert => "INSERT",
            Privilege::Update => "UPDATE",
            Privilege::Delete => "DELETE",
            Privilege::Truncate => "TRUNCATE",
            Privilege::References => "REFERENCES",
            Privilege::Trigger => "TRIGGER",
            Privilege::Maintain => "MAINTAIN",
            Privilege::Usage => "USAGE",
            Privilege::Create => "CREATE",
            Privilege::Connect => "CONNECT",
            Privilege::Temporary => "TEMPORARY",
            Privilege::Drop => "DROP",
            Privilege::Index => "INDEX",
            Privilege::Alter => "ALTER",
            Privilege::CreateTemporaryTables => "CREATE TEMPORARY TABLES",
            Privilege::LockTables => "LOCK TABLES",
            Privilege::CreateView => "CREATE VIEW",
            Privilege::ShowView => "SHOW VIEW",
            Privilege::CreateRoutine => "CREATE ROUTINE",
            Privilege::AlterRoutine => "ALTER ROUTINE",
            Privilege::Execute => "EXECUTE",
            Privilege::Event => "EVENT",
            Privilege::DeleteHistory => "DELETE HISTORY",
        }
    }

    /// Reads one normalised (upper-case, single-spaced) name, including aliases, without checking that it
    /// applies anywhere (catalogs and `SHOW GRANTS` use these spellings). `ALL` is not a privilege and gives
    /// `None`.
    pub(crate) fn from_server_name(name: &str) -> Option<Privilege> {
        Some(match name {
            "SELECT" => Privilege::Select,
            "INSERT" => Privilege::Insert,
            "UPDATE" => Privilege::Update,
            "DELETE" => Privilege::Delete,
            "TRUNCATE" => Privilege::Truncate,
            "REFERENCES" => Privilege::References,
            "TRIGGER" => Privilege::Trigger,
            "MAINTAIN" => Privilege::Maintain,
            "USAGE" => Privilege::Usage,
            "CREATE" => Privilege::Create,
            "CONNECT" => Privilege::Connect,
            "TEMPORARY" | "TEMP" => Privilege::Temporary,
            "DROP" => Privilege::Drop,
            "INDEX" => Privilege::Index,
            "ALTER" => Privilege::Alter,
            "CREATE TEMPORARY TABLES" => Privilege::CreateTemporaryTables,
            "LOCK TABLES" => Privilege::LockTables,
            "CREATE VIEW" => Privilege::CreateView,
            "SHOW VIEW" => Privilege::ShowView,
            "CREATE ROUTINE" => Privilege::CreateRoutine,
            "ALTER ROUTINE" => Privilege::AlterRoutine,
            "EXECUTE" => Privilege::Execute,
            "EVENT" => Privilege::Event,
            "DELETE HISTORY" | "DELETE VERSIONING ROWS" => Privilege::DeleteHistory,
            _ => return None,
        })
    }
}

impl fmt::Display for Privilege {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.sql_name())
    }
}

/// What a grant applies to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ObjectKind {
    /// A database (MySQL: `db.*`, every object in it; PostgreSQL: the database object itself).
    Database,
    /// A PostgreSQL schema.
    Schema,
    /// Tables (MySQL: named tables; PostgreSQL: tables, views, materialized views, foreign tables).
    Table,
    /// PostgreSQL sequences.
    Sequence,
}

impl ObjectKind {
    /// Lower-case name used in configuration and messages.
    pub const fn as_str(self) -> &'static str {
        match self {
            ObjectKind::Database => "database",
            ObjectKind::Schema => "schema",
            ObjectKind::Table => "table",
            ObjectKind::Sequence => "sequence",
        }
    }

    /// Reads `database`, `schema`, `table` or `sequence` (ASCII case ignored).
    pub fn parse(name: &str) -> Option<ObjectKind> {
        match name.trim().to_ascii_lowercase().as_str() {
            "database" => Some(ObjectKind::Database),
            "schema" => Some(ObjectKind::Schema),
            "table" => Some(ObjectKind::Table),
            "sequence" => Some(ObjectKind::Sequence),
            _ => None,
        }
    }
}

impl fmt::Display for ObjectKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Errors of this module.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PrivilegeError {
    /// The engine has no grants on this kind of object.
    #[error("{engine} has no {kind}-level grants; use {hint}")]
    KindNotSupported {
        /// The engine.
        engine: Engine,
        /// The object kind asked for.
        kind: ObjectKind,
        /// What to use instead.
        hint: &'static str,
    },
    /// A name that is no privilege of this engine and kind.
    #[error("{name:?} is not a {engine} {kind} privilege{note}; allowed: {}", .allowed.join(", "))]
    Unknown {
        /// The name as given.
        name: String,
        /// The engine.
        engine: Engine,
        /// The object kind.
        kind: ObjectKind,
        /// Extra explanation (may be empty).
        note: &'static str,
        /// The names that are accepted, `ALL` included.
        allowed: Vec<&'static str>,
    },
    /// The list is empty.
    #[error("the privilege list is empty; name at least one privilege (or ALL)")]
    Empty,
}

const PG_DATABASE: &[Privilege] = &[Privilege::Create, Privilege::Connect, Privilege::Temporary];
const PG_SCHEMA: &[Privilege] = &[Privilege::Usage, Privilege::Create];
const PG_TABLE: &[Privilege] = &[
    Privilege::Select,
    Privilege::Insert,
    Privilege::Update,
    Privilege::Delete,
    Privilege::Truncate,
    Privilege::References,
    Privilege::Trigger,
];
const PG17_TABLE: &[Privilege] = &[
    Privilege::Select,
    Privilege::Insert,
    Privilege::Update,
    Privilege::Delete,
    Privilege::Truncate,
    Privilege::References,
    Privilege::Trigger,
    Privilege::Maintain,
];
const PG_SEQUENCE: &[Privilege] = &[Privilege::Select, Privilege::Update, Privilege::Usage];
const MYSQL_DATABASE: &[Privilege] = &[
    Privilege::Select,
    Privilege::Insert,
    Privilege::Update,
    Privilege::Delete,
    Privilege::References,
    Privilege::Trigger,
    Privilege::Create,
    Privilege::Drop,
    Privilege::Index,
    Privilege::Alter,
    Privilege::CreateTemporaryTables,
    Privilege::LockTables,
    Privilege::CreateView,
    Privilege::ShowView,
    Privilege::CreateRoutine,
    Privilege::AlterRoutine,
    Privilege::Execute,
    Privilege::Event,
];
const MARIADB_DATABASE: &[Privilege] = &[
    Privilege::Select,
    Privilege::Insert,
    Privilege::Update,
    Privilege::Delete,
    Privilege::References,
    Privilege::Trigger,
    Privilege::Create,
    Privilege::Drop,
    Privilege::Index,
    Privilege::Alter,
    Privilege::CreateTemporaryTables,
    Privilege::LockTables,
    Privilege::CreateView,
    Privilege::ShowView,
    Privilege::CreateRoutine,
    Privilege::AlterRoutine,
    Privilege::Execute,
    Privilege::Event,
    Privilege::DeleteHistory,
];
const MYSQL_TABLE: &[Privilege] = &[
    Privilege::Select,
    Privilege::Insert,
    Privilege::Update,
    Privilege::Delete,
    Privilege::References,
    Privilege::Trigger,
    Privilege::Create,
    Privilege::Drop,
    Privilege::Index,
    Privilege::Alter,
    Privilege::CreateView,
    Privilege::ShowView,
];
const MARIADB_TABLE: &[Privilege] = &[
    Privilege::Select,
    Privilege::Insert,
    Privilege::Update,
    Privilege::Delete,
    Privilege::References,
    Privilege::Trigger,
    Privilege::Create,
    Privilege::Drop,
    Privilege::Index,
    Privilege::Alter,
    Privilege::CreateView,
    Privilege::ShowView,
    Privilege::DeleteHistory,
];

/// The exact privilege set of `kind` on `server` (what `ALL` means there), in statement order.
pub fn allowed(
    server: &ServerInfo,
    kind: ObjectKind,
) -> Result<&'static [Privilege], PrivilegeError> {
    let not = |hint| PrivilegeError::KindNotSupported {
        engine: server.engine,
        kind,
        hint,
    };
    match (server.engine, kind) {
        (Engine::Postgres, ObjectKind::Database) => Ok(PG_DATABASE),
        (Engine::Postgres, ObjectKind::Schema) => Ok(PG_SCHEMA),
        (Engine::Postgres, ObjectKind::Table) if server.major >= 17 => Ok(PG17_TABLE),
        (Engine::Postgres, ObjectKind::Table) => Ok(PG_TABLE),
        (Engine::Postgres, ObjectKind::Sequence) => Ok(PG_SEQUENCE),
        (Engine::Mysql, ObjectKind::Database) => Ok(MYSQL_DATABASE),
        (Engine::Mariadb, ObjectKind::Database) => Ok(MARIADB_DATABASE),
        (Engine::Mysql, ObjectKind::Table) => Ok(MYSQL_TABLE),
        (Engine::Mariadb, ObjectKind::Table) => Ok(MARIADB_TABLE),
        (Engine::Mysql | Engine::Mariadb, ObjectKind::Schema) => Err(not(
            "database (a MySQL database is what other engines call a schema)",
        )),
        (Engine::Mysql | Engine::Mariadb, ObjectKind::Sequence) => {
            Err(not("table (MariaDB sequences are granted like tables)"))
        }
    }
}

/// Upper-cases `name` and collapses runs of whitespace to one space.
pub fn normalise_name(name: &str) -> String {
    name.split_whitespace()
        .map(str::to_ascii_uppercase)
        .collect::<Vec<_>>()
        .join(" ")
}

/// Validates and normalises a list of privilege names for `kind` on `server`: case and spacing are ignored,
/// aliases are mapped, `ALL` / `ALL PRIVILEGES` expand to [`allowed`]. Unknown names give an error listing
/// what is allowed.
pub fn normalize<S: AsRef<str>>(
    server: &ServerInfo,
    kind: ObjectKind,
    names: &[S],
) -> Result<BTreeSet<Privilege>, PrivilegeError> {
    let set = allowed(server, kind)?;
    if names.is_empty() {
        return Err(PrivilegeError::Empty);
    }
    let mut out = BTreeSet::new();
    for raw in names {
        let name = normalise_name(raw.as_ref());
        if name == "ALL" || name == "ALL PRIVILEGES" {
            out.extend(set.iter().copied());
            continue;
        }
        match Privilege::from_server_name(&name) {
            Some(p) if set.contains(&p) => {
                out.insert(p);
            }
            found => {
                let note = match (found, name.as_str()) {
                    (_, "GRANT OPTION") => " (set with_grant_option instead)",
                    (Some(Privilege::Usage), _) if server.engine.is_mysql_family() => {
                        " (USAGE means \"no privileges\" in MySQL; leave the grant out instead)"
                    }
                    (Some(Privilege::Maintain), _) if server.engine == Engine::Postgres => {
                        " (MAINTAIN needs PostgreSQL 17 or later)"
                    }
                    _ => "",
                };
                let mut allowed_names: Vec<&'static str> =
                    set.iter().map(|p| p.sql_name()).collect();
                allowed_names.push("ALL");
                return Err(PrivilegeError::Unknown {
                    name: raw.as_ref().to_owned(),
                    engine: server.engine,
                    kind,
                    note,
                    allowed: allowed_names,
                });
            }
        }
    }
    Ok(out)
}

/// True when `set` is the whole of [`allowed`] for `kind` (what the server prints as `ALL PRIVILEGES`).
pub fn is_all(server: &ServerInfo, kind: ObjectKind, set: &BTreeSet<Privilege>) -> bool {
    allowed(server, kind)
        .is_ok_and(|all| all.len() == set.len() && all.iter().all(|p| set.contains(p)))
}

/// The canonical upper-case names of `set`, in statement order.
pub fn canonical_names(set: &BTreeSet<Privilege>) -> Vec<&'static str> {
    set.iter().map(|p| p.sql_name()).collect()
}

/// Joins privilege names for a GRANT/REVOKE statement (`SELECT, INSERT`).
pub(crate) fn sql_list<'a>(privs: impl IntoIterator<Item = &'a Privilege>) -> String {
    privs
        .into_iter()
        .map(|p| p.sql_name())
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pg(major: u32) -> ServerInfo {
        ServerInfo::new(Engine::Postgres, major, 0)
    }

    #[test]
    fn all_expands_to_exact_sets() {
        let cases: [(ServerInfo, ObjectKind, usize); 10] = [
            (pg(15), ObjectKind::Database, 3),
            (pg(15), ObjectKind::Schema, 2),
            (pg(15), ObjectKind::Table, 7),
            (pg(17), ObjectKind::Table, 8),
            (pg(15), ObjectKind::Sequence, 3),
            (
                ServerInfo::default_for(Engine::Mysql),
                ObjectKind::Database,
                18,
            ),
            (
                ServerInfo::default_for(Engine::Mariadb),
                ObjectKind::Database,
                19,
            ),
            (
                ServerInfo::default_for(Engine::Mysql),
                ObjectKind::Table,
                12,
            ),
            (
                ServerInfo::default_for(Engine::Mariadb),
                ObjectKind::Table,
                13,
            ),
            (pg(16), ObjectKind::Table, 7),
        ];
        for (server, kind, n) in cases {
            for spelling in ["ALL", "all privileges", "  All   Privileges "] {
                let set = normalize(&server, kind, &[spelling]).expect("all");
                assert_eq!(set.len(), n, "{server:?} {kind} {spelling}");
                assert!(is_all(&server, kind, &set));
            }
        }
        let pg17 = normalize(&pg(17), ObjectKind::Table, &["ALL"]).expect("all");
        assert!(pg17.contains(&Privilege::Maintain));
    }

    #[test]
    fn case_order_and_aliases_do_not_matter() {
        let a = normalize(&pg(15), ObjectKind::Database, &["connect", "TEMP"]).expect("a");
        let b = normalize(
            &pg(15),
            ObjectKind::Database,
            &["TEMPORARY", "Connect", "connect"],
        )
        .expect("b");
        assert_eq!(a, b);
        assert_eq!(canonical_names(&a), vec!["CONNECT", "TEMPORARY"]);
        let maria = ServerInfo::default_for(Engine::Mariadb);
        let h = normalize(&maria, ObjectKind::Table, &["delete   versioning rows"]).expect("h");
        assert_eq!(h, BTreeSet::from([Privilege::DeleteHistory]));
        let all_explicit: Vec<&str> = allowed(&maria, ObjectKind::Database)
            .expect("set")
            .iter()
            .rev()
            .map(|p| p.sql_name())
            .collect();
        assert_eq!(
            normalize(&maria, ObjectKind::Database, &all_explicit).expect("explicit"),
            normalize(&maria, ObjectKind::Database, &["ALL"]).expect("all")
        );
    }

    #[test]
    fn unknown_and_misplaced_names_list_what_is_allowed() {
        let err =
            normalize(&pg(15), ObjectKind::Schema, &["SELECT"]).expect_err("select on schema");
        assert_eq!(
            err.to_string(),
            "\"SELECT\" is not a postgres schema privilege; allowed: USAGE, CREATE, ALL"
        );
        let err = normalize(&pg(15), ObjectKind::Table, &["maintain"]).expect_err("pg15 maintain");
        assert!(
            err.to_string().contains("MAINTAIN needs PostgreSQL 17"),
            "{err}"
        );
        let mysql = ServerInfo::default_for(Engine::Mysql);
        let err = normalize(&mysql, ObjectKind::Database, &["usage"]).expect_err("usage");
        assert!(err.to_string().contains("no privileges"), "{err}");
        let err = normalize(&mysql, ObjectKind::Database, &["grant option"]).expect_err("go");
        assert!(err.to_string().contains("with_grant_option"), "{err}");
        let err =
            normalize(&mysql, ObjectKind::Table, &["DELETE HISTORY"]).expect_err("mariadb only");
        assert!(
            err.to_string().contains("not a mysql table privilege"),
            "{err}"
        );
        let err = normalize(&mysql, ObjectKind::Table, &["EXECUTE"]).expect_err("not table-level");
        assert!(matches!(err, PrivilegeError::Unknown { .. }));
        assert!(matches!(
            normalize(&mysql, ObjectKind::Schema, &["SELECT"]),
            Err(PrivilegeError::KindNotSupported { .. })
        ));
        assert_eq!(
            normalize::<&str>(&mysql, ObjectKind::Database, &[]),
            Err(PrivilegeError::Empty)
        );
        assert!(normalize(&mysql, ObjectKind::Database, &["SUPER"]).is_err());
        assert!(normalize(&mysql, ObjectKind::Database, &["FILE"]).is_err());
    }

    #[test]
    fn object_kind_names() {
        for k in [
            ObjectKind::Database,
            ObjectKind::Schema,
            ObjectKind::Table,
            ObjectKind::Sequence,
        ] {
            assert_eq!(ObjectKind::parse(k.as_str()), Some(k));
            assert_eq!(ObjectKind::parse(&k.as_str().to_uppercase()), Some(k));
        }
        assert_eq!(ObjectKind::parse("view"), None);
    }
}
