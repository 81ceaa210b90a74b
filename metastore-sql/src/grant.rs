//! Grants: the desired-state model, the actual-state model read from the catalogs, and the diff between
//! them as GRANT/REVOKE statements in a fixed, deterministic order.
//!
//! # Model
//!
//! A [`Grant`] names privileges on one kind of object ([`ObjectKind`]) inside a database (and, on
//! PostgreSQL, a schema). [`Objects`] says which objects:
//!
//! * [`Objects::All`] — MySQL/MariaDB database grants (`db.*`); PostgreSQL database and schema grants (the
//!   object itself); PostgreSQL tables/sequences: every existing one in the schema (`ON ALL TABLES IN
//!   SCHEMA`) **and** every one created later by the roles in [`GrantContext::default_privilege_roles`]
//!   (`ALTER DEFAULT PRIVILEGES FOR ROLE r IN SCHEMA s`), so tables that Hive's schematool creates later are
//!   covered.
//! * [`Objects::Future`] — PostgreSQL only: just the default privileges (future objects). With `schema`
//!   unset it means future objects in every schema (`ALTER DEFAULT PRIVILEGES FOR ROLE r ... ON TABLES`).
//! * [`Objects::Named`] — the listed tables (MySQL) or tables/sequences in the schema (PostgreSQL).
//!
//! Global privileges (`*.*`) cannot be expressed; when the server reports any, [`diff`] revokes them.
//!
//! # Authority
//!
//! The diff is authoritative for everything it can see for the grantee: privileges that the server reports
//! but the desired grants do not contain are revoked (including MySQL global privileges and PostgreSQL
//! default privileges of the managed roles); missing ones are granted. Things this model cannot express
//! (column-level and routine grants, role memberships, proxy grants, MySQL partial revokes, default
//! privileges of other roles, functions/types) are listed in [`ActualGrants::unmanaged`] and left alone.
//! Objects owned by the grantee itself are out of scope on PostgreSQL (the catalog queries skip them).
//!
//! # Order
//!
//! [`diff`] returns all REVOKEs first, then all GRANTs; within each group statements follow the order of
//! [`Target`] (MySQL: global, databases, tables; PostgreSQL: databases, schemas, all-objects, objects, default
//! privileges) with privileges in [`Privilege`] order. The same inputs always give the same statements.

use std::collections::{BTreeMap, BTreeSet};

use crate::engine::{Engine, ServerInfo};
use crate::ident::{self, IdentError, NameKind, QuoteError};
use crate::privilege::{self, ObjectKind, Privilege, PrivilegeError};
use crate::statements::Statement;

/// Which objects a grant covers; see the module documentation.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Objects {
    /// Every object of the kind (and, on PostgreSQL tables/sequences, future ones too).
    All,
    /// PostgreSQL tables/sequences: only objects created in the future (default privileges).
    Future,
    /// The listed tables or sequences.
    Named(Vec<String>),
}

/// One desired (or summarised actual) grant.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Grant {
    /// MySQL/MariaDB database, or PostgreSQL database (for schema-level and object grants: the database the
    /// schema lives in).
    pub database: String,
    /// PostgreSQL schema; `None` on MySQL/MariaDB and for PostgreSQL database grants.
    pub schema: Option<String>,
    /// What kind of object the privileges apply to.
    pub kind: ObjectKind,
    /// Which objects.
    pub objects: Objects,
    /// The privileges, normalised (see [`crate::privilege::normalize`]).
    pub privileges: BTreeSet<Privilege>,
    /// Whether the grantee may grant them on.
    pub with_grant_option: bool,
}

/// Who receives grants.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Grantee {
    /// A MySQL/MariaDB account `user@host`.
    Mysql {
        /// User part.
        user: String,
        /// Host part (`%` for any host).
        host: String,
    },
    /// A PostgreSQL role.
    Postgres {
        /// Role name.
        role: String,
    },
}

impl Grantee {
    /// Builds and validates a grantee for `engine`: `host` defaults to `%` on MySQL/MariaDB and must be
    /// `None` on PostgreSQL.
    pub fn new(engine: Engine, user: &str, host: Option<&str>) -> Result<Grantee, IdentError> {
        ident::validate(engine, NameKind::User, user)?;
        if engine.is_mysql_family() {
            let host = host.unwrap_or("%");
            ident::validate(engine, NameKind::Host, host)?;
            Ok(Grantee::Mysql {
                user: user.to_owned(),
                host: host.to_owned(),
            })
        } else {
            if let Some(h) = host {
                ident::validate(engine, NameKind::Host, h)?;
            }
            Ok(Grantee::Postgres {
                role: user.to_owned(),
            })
        }
    }

    /// The user or role name.
    pub fn user(&self) -> &str {
        match self {
            Grantee::Mysql { user, .. } => user,
            Grantee::Postgres { role } => role,
        }
    }

    /// The host part (MySQL/MariaDB only).
    pub fn host(&self) -> Option<&str> {
        match self {
            Grantee::Mysql { host, .. } => Some(host),
            Grantee::Postgres { .. } => None,
        }
    }

    /// The grantee as written in SQL: `` `user`@`host` `` or `"role"`.
    pub fn sql(&self) -> Result<String, QuoteError> {
        match self {
            Grantee::Mysql { user, host } => ident::mysql_account(user, host),
            Grantee::Postgres { role } => ident::quote_ident(Engine::Postgres, role),
        }
    }

    /// True when this grantee belongs to `engine`'s family.
    pub fn fits(&self, engine: Engine) -> bool {
        matches!(self, Grantee::Mysql { .. }) == engine.is_mysql_family()
    }
}

/// Everything [`diff`] needs besides the two states.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GrantContext {
    /// The server (engine, version, `partial_revokes`).
    pub server: ServerInfo,
    /// Who receives the grants.
    pub grantee: Grantee,
    /// PostgreSQL: roles whose future tables/sequences [`Objects::All`] and [`Objects::Future`] cover
    /// (`ALTER DEFAULT PRIVILEGES FOR ROLE ...`), e.g. the admin role and the role Hive's schematool runs as.
    /// The connected role must be a member of each. Empty means default privileges are not managed.
    pub default_privilege_roles: Vec<String>,
}

/// A schema and object kind inside a PostgreSQL database (the unit "all tables in schema" works on).
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SchemaKey {
    /// Database.
    pub database: String,
    /// Schema.
    pub schema: String,
    /// [`ObjectKind::Table`] or [`ObjectKind::Sequence`].
    pub kind: ObjectKind,
}

/// One privilege-holding object, as the catalogs identify it. The variant order is statement order.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Target {
    /// MySQL/MariaDB database level, by its grant-table pattern (`_`/`%` escaped unless `partial_revokes`).
    MysqlDatabase {
        /// The pattern exactly as in `mysql.db.Db` / `SHOW GRANTS`.
        pattern: String,
    },
    /// MySQL/MariaDB table level.
    MysqlTable {
        /// Database (literal).
        database: String,
        /// Table.
        table: String,
    },
    /// PostgreSQL database object.
    PgDatabase {
        /// Database.
        database: String,
    },
    /// PostgreSQL schema object.
    PgSchema {
        /// Database.
        database: String,
        /// Schema.
        schema: String,
    },
    /// PostgreSQL table, view, materialized view or foreign table.
    PgTable {
        /// Database.
        database: String,
        /// Schema.
        schema: String,
        /// Relation name.
        name: String,
    },
    /// PostgreSQL sequence.
    PgSequence {
        /// Database.
        database: String,
        /// Schema.
        schema: String,
        /// Sequence name.
        name: String,
    },
    /// PostgreSQL default privileges of `owner` (for objects it creates later).
    PgDefault {
        /// Database.
        database: String,
        /// The role whose future objects are covered.
        owner: String,
        /// Schema, or `None` for every schema.
        schema: Option<String>,
        /// [`ObjectKind::Table`] or [`ObjectKind::Sequence`].
        kind: ObjectKind,
    },
}

impl Target {
    fn object(key: &SchemaKey, name: &str) -> Target {
        let (database, schema, name) = (key.database.clone(), key.schema.clone(), name.to_owned());
        if key.kind == ObjectKind::Sequence {
            Target::PgSequence {
                database,
                schema,
                name,
            }
        } else {
            Target::PgTable {
                database,
                schema,
                name,
            }
        }
    }

    fn schema_key(&self) -> Option<(SchemaKey, &str)> {
        let (database, schema, name, kind) = match self {
            Target::PgTable {
                database,
                schema,
                name,
            } => (database, schema, name, ObjectKind::Table),
            Target::PgSequence {
                database,
                schema,
                name,
            } => (database, schema, name, ObjectKind::Sequence),
            _ => return None,
        };
        Some((
            SchemaKey {
                database: database.clone(),
                schema: schema.clone(),
                kind,
            },
            name,
        ))
    }

    /// The PostgreSQL database a statement on this target must run in (`None` for cluster-wide objects and
    /// on MySQL/MariaDB).
    fn run_in(&self) -> Option<String> {
        match self {
            Target::PgSchema { database, .. }
            | Target::PgTable { database, .. }
            | Target::PgSequence { database, .. }
            | Target::PgDefault { database, .. } => Some(database.clone()),
            _ => None,
        }
    }
}

/// The privileges the server reports for one grantee.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ActualGrants {
    /// Privilege → held WITH GRANT OPTION, per target. On MySQL/MariaDB the flag is the level's GRANT OPTION
    /// and is the same for every privilege of a target.
    pub privileges: BTreeMap<Target, BTreeMap<Privilege, bool>>,
    /// MySQL/MariaDB levels that hold GRANT OPTION but no privilege.
    pub grant_option_only: BTreeSet<Target>,
    /// PostgreSQL: every table/sequence (not owned by the grantee) in the schemas that were inspected (an
    /// empty set for an inspected empty schema). Needed to tell "granted on all tables" from "granted on
    /// some"; for a schema that was not inspected, [`diff`] always emits the `ON ALL ... IN SCHEMA` grants.
    pub inventory: BTreeMap<SchemaKey, BTreeSet<String>>,
    /// MySQL/MariaDB global privileges other than USAGE, upper case as the server prints them. [`diff`]
    /// revokes them.
    pub global: BTreeSet<String>,
    /// MySQL/MariaDB: GRANT OPTION at the global level. [`diff`] revokes it.
    pub global_grant_option: bool,
    /// Grants this model cannot express, described for warnings (never touched by [`diff`]).
    pub unmanaged: Vec<String>,
}

/// Errors of this module.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum GrantError {
    /// A name is invalid.
    #[error(transparent)]
    Ident(#[from] IdentError),
    /// A privilege does not apply.
    #[error(transparent)]
    Privilege(#[from] PrivilegeError),
    /// A value cannot be quoted.
    #[error(transparent)]
    Quote(#[from] QuoteError),
    /// The grant's fields do not fit together.
    #[error("invalid {engine} {kind} grant on {database:?}: {reason}")]
    Shape {
        /// The engine.
        engine: Engine,
        /// The object kind.
        kind: ObjectKind,
        /// The grant's database.
        database: String,
        /// What is wrong and what to do.
        reason: &'static str,
    },
    /// The grantee is for another engine than the server.
    #[error("the grantee {grantee:?} does not fit a {engine} server")]
    Grantee {
        /// The engine.
        engine: Engine,
        /// The grantee's name.
        grantee: String,
    },
    /// A MySQL global privilege name reported by the server that cannot be written back safely.
    #[error("the server reported a global privilege {0:?} that cannot be revoked automatically")]
    GlobalPrivilegeName(String),
}

impl Grant {
    /// Checks names, privileges and how the fields fit together for `server`.
    pub fn validate(&self, server: &ServerInfo) -> Result<(), GrantError> {
        let engine = server.engine;
        let shape = |reason| {
            Err(GrantError::Shape {
                engine,
                kind: self.kind,
                database: self.database.clone(),
                reason,
            })
        };
        ident::validate(engine, NameKind::Database, &self.database)?;
        let allowed = privilege::allowed(server, self.kind)?;
        if self.privileges.is_empty() {
            return Err(PrivilegeError::Empty.into());
        }
        if let Some(p) = self.privileges.iter().find(|p| !allowed.contains(p)) {
            let names: Vec<&str> = vec![p.sql_name()];
            return Err(privilege::normalize(server, self.kind, &names)
                .err()
                .unwrap_or(PrivilegeError::Empty)
                .into());
        }
        if let Some(schema) = &self.schema {
            ident::validate(engine, NameKind::Schema, schema)?;
        }
        if let Objects::Named(names) = &self.objects {
            if names.is_empty() {
                return shape("the list of objects is empty; name at least one or use \"*\"");
            }
            for n in names {
                ident::validate(engine, NameKind::Object, n)?;
            }
        }
        match (
            engine.is_mysql_family(),
            self.kind,
            &self.schema,
            &self.objects,
        ) {
            (true, ObjectKind::Database, None, Objects::All) => Ok(()),
            (true, ObjectKind::Database, _, _) => shape(
                "a database-level grant covers the whole database: objects must be \"*\" (name tables with object kind table)",
            ),
            (true, ObjectKind::Table, None, Objects::Named(_)) => Ok(()),
            (true, ObjectKind::Table, _, _) => shape(
                "a table-level grant needs a list of tables; for every table use a database-level grant",
            ),
            (false, ObjectKind::Database, None, Objects::All) => Ok(()),
            (false, ObjectKind::Database, _, _) => shape(
                "a database grant applies to the database itself: leave schema unset and use objects \"*\"",
            ),
            (false, ObjectKind::Schema, Some(_), Objects::All) => Ok(()),
            (false, ObjectKind::Schema, _, _) => shape(
                "a schema grant needs schema set and objects \"*\" (it applies to the schema itself)",
            ),
            (false, ObjectKind::Table | ObjectKind::Sequence, None, Objects::Future) => Ok(()),
            (false, ObjectKind::Table | ObjectKind::Sequence, Some(_), _) => Ok(()),
            (false, ObjectKind::Table | ObjectKind::Sequence, None, _) => shape(
                "table and sequence grants need a schema (only future-object grants may leave it unset)",
            ),
            (true, _, _, _) => shape("MySQL and MariaDB grant on databases and tables only"),
        }
    }
}

fn check_context(ctx: &GrantContext) -> Result<(), GrantError> {
    if !ctx.grantee.fits(ctx.server.engine) {
        return Err(GrantError::Grantee {
            engine: ctx.server.engine,
            grantee: ctx.grantee.user().to_owned(),
        });
    }
    for r in &ctx.default_privilege_roles {
        // The rule plan-time validation uses too: the RDS master `postgres` is accepted, PUBLIC and the
        // other role keywords and `pg_*` are not.
        ident::validate_default_privilege_role(ctx.server.engine, r)?;
    }
    Ok(())
}

type PrivMap = BTreeMap<Privilege, bool>;

fn merge_into(map: &mut PrivMap, privs: &BTreeSet<Privilege>, go: bool) {
    for p in privs {
        let e = map.entry(*p).or_insert(go);
        *e = *e || go;
    }
}

/// The desired state in target form.
#[derive(Debug, Default, PartialEq, Eq)]
struct Desired {
    levels: BTreeMap<Target, PrivMap>,
    all: BTreeMap<SchemaKey, PrivMap>,
}

fn expand(desired: &[Grant], ctx: &GrantContext) -> Result<Desired, GrantError> {
    check_context(ctx)?;
    let server = &ctx.server;
    let mut out = Desired::default();
    for g in desired {
        g.validate(server)?;
        let go = g.with_grant_option;
        if server.engine.is_mysql_family() {
            match (&g.kind, &g.objects) {
                (ObjectKind::Table, Objects::Named(tables)) => {
                    for t in tables {
                        let target = Target::MysqlTable {
                            database: g.database.clone(),
                            table: t.clone(),
                        };
                        merge_into(out.levels.entry(target).or_default(), &g.privileges, go);
                    }
                }
                _ => {
                    let target = Target::MysqlDatabase {
                        pattern: ident::mysql_database_pattern(server, &g.database),
                    };
                    merge_into(out.levels.entry(target).or_default(), &g.privileges, go);
                }
            }
            continue;
        }
        let database = g.database.clone();
        match (g.kind, &g.schema, &g.objects) {
            (ObjectKind::Database, _, _) => {
                let target = Target::PgDatabase { database };
                merge_into(out.levels.entry(target).or_default(), &g.privileges, go);
            }
            (ObjectKind::Schema, Some(schema), _) => {
                let target = Target::PgSchema {
                    database,
                    schema: schema.clone(),
                };
                merge_into(out.levels.entry(target).or_default(), &g.privileges, go);
            }
            (kind, schema, Objects::Future) => {
                if ctx.default_privilege_roles.is_empty() {
                    return Err(GrantError::Shape {
                        engine: server.engine,
                        kind,
                        database,
                        reason: "future-object grants need at least one default-privilege role (the role that will create the objects)",
                    });
                }
                for owner in &ctx.default_privilege_roles {
                    let target = Target::PgDefault {
                        database: database.clone(),
                        owner: owner.clone(),
                        schema: schema.clone(),
                        kind,
                    };
                    merge_into(out.levels.entry(target).or_default(), &g.privileges, go);
                }
            }
            (kind, Some(schema), Objects::All) => {
                let key = SchemaKey {
                    database: database.clone(),
                    schema: schema.clone(),
                    kind,
                };
                merge_into(out.all.entry(key).or_default(), &g.privileges, go);
                for owner in &ctx.default_privilege_roles {
                    let target = Target::PgDefault {
                        database: database.clone(),
                        owner: owner.clone(),
                        schema: Some(schema.clone()),
                        kind,
                    };
                    merge_into(out.levels.entry(target).or_default(), &g.privileges, go);
                }
            }
            (kind, Some(schema), Objects::Named(names)) => {
                let key = SchemaKey {
                    database: database.clone(),
                    schema: schema.clone(),
                    kind,
                };
                for n in names {
                    merge_into(
                        out.levels.entry(Target::object(&key, n)).or_default(),
                        &g.privileges,
                        go,
                    );
                }
            }
            // validate() rejects the remaining shapes.
            (kind, _, _) => {
                return Err(GrantError::Shape {
                    engine: server.engine,
                    kind,
                    database,
                    reason: "unsupported combination of schema and objects",
                });
            }
        }
    }
    if server.engine.is_mysql_family() {
        // MySQL holds GRANT OPTION per level, not per privilege: one grant WITH GRANT OPTION on a level
        // extends it to every privilege there.
        for privs in out.levels.values_mut() {
            if privs.values().any(|go| *go) {
                privs.values_mut().for_each(|go| *go = true);
            }
        }
    }
    Ok(out)
}

/// True when two lists of grants mean the same thing (same privileges on the same objects with the same grant
/// option), however they are split, ordered or spelled. Use it to keep the configured form in state when the
/// server agrees with it.
pub fn equivalent(a: &[Grant], b: &[Grant], ctx: &GrantContext) -> Result<bool, GrantError> {
    Ok(expand(a, ctx)? == expand(b, ctx)?)
}

// ---------------------------------------------------------------------------------------------------------
// Rendering

struct Render<'a> {
    ctx: &'a GrantContext,
    grantee: String,
}

impl Render<'_> {
    fn engine(&self) -> Engine {
        self.ctx.server.engine
    }

    fn q(&self, name: &str) -> Result<String, GrantError> {
        Ok(ident::quote_ident(self.engine(), name)?)
    }

    /// `ON ...` for a target (PostgreSQL default privileges are rendered separately).
    fn on(&self, target: &Target) -> Result<String, GrantError> {
        Ok(match target {
            Target::MysqlDatabase { pattern } => format!("ON {}.*", self.q(pattern)?),
            Target::MysqlTable { database, table } => {
                format!("ON {}.{}", self.q(database)?, self.q(table)?)
            }
            Target::PgDatabase { database } => format!("ON DATABASE {}", self.q(database)?),
            Target::PgSchema { schema, .. } => format!("ON SCHEMA {}", self.q(schema)?),
            Target::PgTable { schema, name, .. } => {
                format!("ON TABLE {}.{}", self.q(schema)?, self.q(name)?)
            }
            Target::PgSequence { schema, name, .. } => {
                format!("ON SEQUENCE {}.{}", self.q(schema)?, self.q(name)?)
            }
            Target::PgDefault { .. } => String::new(),
        })
    }

    fn on_all(&self, key: &SchemaKey) -> Result<String, GrantError> {
        let what = if key.kind == ObjectKind::Sequence {
            "SEQUENCES"
        } else {
            "TABLES"
        };
        Ok(format!("ON ALL {what} IN SCHEMA {}", self.q(&key.schema)?))
    }

    fn grant(
        &self,
        target: &Target,
        on: &str,
        privs: &BTreeSet<Privilege>,
        go: bool,
    ) -> Result<Statement, GrantError> {
        let list = privilege::sql_list(privs);
        let with = if go { " WITH GRANT OPTION" } else { "" };
        let sql = if let Target::PgDefault { .. } = target {
            format!(
                "{} GRANT {list} ON {} TO {}{with}",
                self.default_prefix(target)?,
                default_objects(target),
                self.grantee
            )
        } else {
            format!("GRANT {list} {on} TO {}{with}", self.grantee)
        };
        Ok(Statement::plain(sql).in_database(target.run_in()))
    }

    fn revoke(
        &self,
        target: &Target,
        on: &str,
        privs: &BTreeSet<Privilege>,
        option_only: bool,
    ) -> Result<Statement, GrantError> {
        let list = privilege::sql_list(privs);
        let mysql = self.engine().is_mysql_family();
        let what = match (option_only, mysql) {
            (true, true) => "GRANT OPTION".to_owned(),
            (true, false) => format!("GRANT OPTION FOR {list}"),
            (false, _) => list,
        };
        let sql = if let Target::PgDefault { .. } = target {
            format!(
                "{} REVOKE {what} ON {} FROM {}",
                self.default_prefix(target)?,
                default_objects(target),
                self.grantee
            )
        } else {
            format!("REVOKE {what} {on} FROM {}", self.grantee)
        };
        Ok(Statement::plain(sql).in_database(target.run_in()))
    }

    fn default_prefix(&self, target: &Target) -> Result<String, GrantError> {
        let Target::PgDefault { owner, schema, .. } = target else {
            return Ok(String::new());
        };
        let mut s = format!("ALTER DEFAULT PRIVILEGES FOR ROLE {}", self.q(owner)?);
        if let Some(schema) = schema {
            s.push_str(" IN SCHEMA ");
            s.push_str(&self.q(schema)?);
        }
        Ok(s)
    }
}

fn default_objects(target: &Target) -> &'static str {
    match target {
        Target::PgDefault {
            kind: ObjectKind::Sequence,
            ..
        } => "SEQUENCES",
        _ => "TABLES",
    }
}

fn global_name_ok(name: &str) -> bool {
    !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_' || b == b' ')
}

#[derive(Default)]
struct Plan {
    revokes: Vec<Statement>,
    grants: Vec<Statement>,
}

/// The GRANT/REVOKE statements that turn `actual` into `desired` for `ctx.grantee`: revokes first, then
/// grants, in a fixed order (see the module documentation). Empty when the two agree.
pub fn diff(
    desired: &[Grant],
    actual: &ActualGrants,
    ctx: &GrantContext,
) -> Result<Vec<Statement>, GrantError> {
    let want = expand(desired, ctx)?;
    let r = Render {
        ctx,
        grantee: ctx.grantee.sql()?,
    };
    let mut plan = Plan::default();
    if ctx.server.engine.is_mysql_family() {
        diff_mysql(&want, actual, &r, &mut plan)?;
    } else {
        diff_pg(&want, actual, &r, &mut plan)?;
    }
    plan.revokes.extend(plan.grants);
    Ok(plan.revokes)
}

fn diff_mysql(
    want: &Desired,
    actual: &ActualGrants,
    r: &Render<'_>,
    plan: &mut Plan,
) -> Result<(), GrantError> {
    if !actual.global.is_empty() {
        if let Some(bad) = actual.global.iter().find(|n| !global_name_ok(n)) {
            return Err(GrantError::GlobalPrivilegeName(bad.clone()));
        }
        let names: Vec<&str> = actual.global.iter().map(String::as_str).collect();
        plan.revokes.push(Statement::plain(format!(
            "REVOKE {} ON *.* FROM {}",
            names.join(", "),
            r.grantee
        )));
    }
    if actual.global_grant_option {
        plan.revokes.push(Statement::plain(format!(
            "REVOKE GRANT OPTION ON *.* FROM {}",
            r.grantee
        )));
    }
    let empty = PrivMap::new();
    let targets: BTreeSet<&Target> = want
        .levels
        .keys()
        .chain(actual.privileges.keys())
        .chain(actual.grant_option_only.iter())
        .filter(|t| matches!(t, Target::MysqlDatabase { .. } | Target::MysqlTable { .. }))
        .collect();
    for target in targets {
        let d = want.levels.get(target).unwrap_or(&empty);
        let a = actual.privileges.get(target).unwrap_or(&empty);
        let d_go = d.values().any(|g| *g);
        let a_go = a.values().any(|g| *g) || actual.grant_option_only.contains(target);
        let on = r.on(target)?;
        let extra: BTreeSet<Privilege> = a.keys().filter(|p| !d.contains_key(p)).copied().collect();
        if !extra.is_empty() {
            plan.revokes.push(r.revoke(target, &on, &extra, false)?);
        }
        if a_go && !d_go {
            plan.revokes
                .push(r.revoke(target, &on, &BTreeSet::new(), true)?);
        }
        let missing: BTreeSet<Privilege> =
            d.keys().filter(|p| !a.contains_key(p)).copied().collect();
        if d_go && !a_go {
            let all: BTreeSet<Privilege> = d.keys().copied().collect();
            plan.grants.push(r.grant(target, &on, &all, true)?);
        } else if !missing.is_empty() {
            plan.grants.push(r.grant(target, &on, &missing, d_go)?);
        }
    }
    Ok(())
}

/// Per-privilege diff of one simple PostgreSQL target (database, schema, default privileges).
fn diff_pg_level(
    target: &Target,
    d: &PrivMap,
    a: &PrivMap,
    r: &Render<'_>,
    plan: &mut Plan,
) -> Result<(), GrantError> {
    let on = r.on(target)?;
    let revoke: BTreeSet<Privilege> = a.keys().filter(|p| !d.contains_key(p)).copied().collect();
    let revoke_go: BTreeSet<Privilege> = a
        .iter()
        .filter(|(p, go)| **go && d.get(p) == Some(&false))
        .map(|(p, _)| *p)
        .collect();
    let mut grant: BTreeMap<bool, BTreeSet<Privilege>> = BTreeMap::new();
    for (p, go) in d {
        let have = a.get(p);
        if have.is_none() || (*go && have == Some(&false)) {
            grant.entry(*go).or_default().insert(*p);
        }
    }
    if !revoke.is_empty() {
        plan.revokes.push(r.revoke(target, &on, &revoke, false)?);
    }
    if !revoke_go.is_empty() {
        plan.revokes.push(r.revoke(target, &on, &revoke_go, true)?);
    }
    for (go, privs) in grant {
        plan.grants.push(r.grant(target, &on, &privs, go)?);
    }
    Ok(())
}

fn diff_pg(
    want: &Desired,
    actual: &ActualGrants,
    r: &Render<'_>,
    plan: &mut Plan,
) -> Result<(), GrantError> {
    let empty = PrivMap::new();
    let managed: BTreeSet<&str> = r
        .ctx
        .default_privilege_roles
        .iter()
        .map(String::as_str)
        .collect();
    // Simple targets first (database, schema), default privileges last; objects are grouped by schema.
    let mut simple: BTreeSet<&Target> = BTreeSet::new();
    let mut keys: BTreeSet<SchemaKey> = want.all.keys().cloned().collect();
    for t in want.levels.keys().chain(actual.privileges.keys()) {
        match t {
            Target::PgDatabase { .. } | Target::PgSchema { .. } => {
                simple.insert(t);
            }
            Target::PgDefault { owner, .. } if managed.contains(owner.as_str()) => {
                simple.insert(t);
            }
            Target::PgTable { .. } | Target::PgSequence { .. } => {
                if let Some((k, _)) = t.schema_key() {
                    keys.insert(k);
                }
            }
            _ => {}
        }
    }
    let (defaults, levels): (Vec<&Target>, Vec<&Target>) = simple
        .into_iter()
        .partition(|t| matches!(t, Target::PgDefault { .. }));
    for t in &levels {
        let d = want.levels.get(*t).unwrap_or(&empty);
        let a = actual.privileges.get(*t).unwrap_or(&empty);
        diff_pg_level(t, d, a, r, plan)?;
    }
    for key in &keys {
        diff_pg_schema_objects(key, want, actual, r, plan)?;
    }
    for t in &defaults {
        let d = want.levels.get(*t).unwrap_or(&empty);
        let a = actual.privileges.get(*t).unwrap_or(&empty);
        diff_pg_level(t, d, a, r, plan)?;
    }
    Ok(())
}

fn diff_pg_schema_objects(
    key: &SchemaKey,
    want: &Desired,
    actual: &ActualGrants,
    r: &Render<'_>,
    plan: &mut Plan,
) -> Result<(), GrantError> {
    let empty = PrivMap::new();
    let d_all = want.all.get(key).unwrap_or(&empty);
    let mut objects: BTreeSet<String> = actual.inventory.get(key).cloned().unwrap_or_default();
    for t in want.levels.keys().chain(actual.privileges.keys()) {
        if let Some((k, name)) = t.schema_key() {
            if &k == key {
                objects.insert(name.to_owned());
            }
        }
    }
    // Effective desired and actual privileges per object.
    let mut effective: BTreeMap<&str, PrivMap> = BTreeMap::new();
    let mut held: BTreeMap<&str, &PrivMap> = BTreeMap::new();
    for o in &objects {
        let t = Target::object(key, o);
        let mut e = d_all.clone();
        if let Some(named) = want.levels.get(&t) {
            for (p, go) in named {
                let v = e.entry(*p).or_insert(*go);
                *v = *v || *go;
            }
        }
        effective.insert(o, e);
        held.insert(o, actual.privileges.get(&t).unwrap_or(&empty));
    }
    let needs = |e: &PrivMap, a: &PrivMap, p: &Privilege| -> bool {
        matches!(
            (e.get(p), a.get(p)),
            (Some(_), None) | (Some(true), Some(false))
        )
    };
    // GRANT ... ON ALL ... IN SCHEMA for desired-for-all privileges that some object lacks.
    let inspected = actual.inventory.contains_key(key);
    let mut grant_all: BTreeMap<bool, BTreeSet<Privilege>> = BTreeMap::new();
    for (p, go) in d_all {
        if !inspected
            || objects
                .iter()
                .any(|o| needs(&effective[o.as_str()], held[o.as_str()], p))
        {
            grant_all.entry(*go).or_default().insert(*p);
        }
    }
    // REVOKE ... ON ALL ... IN SCHEMA for privileges no object should have and several do.
    let mut revoke_all: BTreeSet<Privilege> = BTreeSet::new();
    let held_privs: BTreeSet<Privilege> = held.values().flat_map(|a| a.keys().copied()).collect();
    for p in held_privs {
        let wanted_somewhere = effective.values().any(|e| e.contains_key(&p));
        let holders = held.values().filter(|a| a.contains_key(&p)).count();
        if !wanted_somewhere && holders >= 2 {
            revoke_all.insert(p);
        }
    }
    if !revoke_all.is_empty() {
        let stmt = r.revoke(
            &Target::object(key, ""),
            &r.on_all(key)?,
            &revoke_all,
            false,
        )?;
        plan.revokes.push(stmt);
    }
    for o in &objects {
        let t = Target::object(key, o);
        let on = r.on(&t)?;
        let e = &effective[o.as_str()];
        let a = held[o.as_str()];
        let revoke: BTreeSet<Privilege> = a
            .keys()
            .filter(|p| !e.contains_key(p) && !revoke_all.contains(p))
            .copied()
            .collect();
        let revoke_go: BTreeSet<Privilege> = a
            .iter()
            .filter(|(p, go)| **go && e.get(p) == Some(&false))
            .map(|(p, _)| *p)
            .collect();
        if !revoke.is_empty() {
            plan.revokes.push(r.revoke(&t, &on, &revoke, false)?);
        }
        if !revoke_go.is_empty() {
            plan.revokes.push(r.revoke(&t, &on, &revoke_go, true)?);
        }
    }
    for (go, privs) in &grant_all {
        let stmt = r.grant(&Target::object(key, ""), &r.on_all(key)?, privs, *go)?;
        plan.grants.push(stmt);
    }
    for o in &objects {
        let t = Target::object(key, o);
        let e = &effective[o.as_str()];
        let a = held[o.as_str()];
        let mut grant: BTreeMap<bool, BTreeSet<Privilege>> = BTreeMap::new();
        for (p, go) in e {
            if !needs(e, a, p) {
                continue;
            }
            let covered = d_all.get(p).is_some_and(|all_go| *all_go || !*go);
            if !covered {
                grant.entry(*go).or_default().insert(*p);
            }
        }
        for (go, privs) in grant {
            plan.grants.push(r.grant(&t, &r.on(&t)?, &privs, go)?);
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------------------
// Summaries

fn split_by_go(map: &PrivMap) -> BTreeMap<bool, BTreeSet<Privilege>> {
    let mut out: BTreeMap<bool, BTreeSet<Privilege>> = BTreeMap::new();
    for (p, go) in map {
        out.entry(*go).or_default().insert(*p);
    }
    out
}

impl ActualGrants {
    /// True when nothing at all was found.
    pub fn is_empty(&self) -> bool {
        self.privileges.is_empty()
            && self.grant_option_only.is_empty()
            && self.global.is_empty()
            && !self.global_grant_option
            && self.unmanaged.is_empty()
    }

    /// Adds what another inspection found (e.g. another PostgreSQL database of the same cluster).
    pub fn merge(&mut self, other: ActualGrants) {
        for (t, privs) in other.privileges {
            let e = self.privileges.entry(t).or_default();
            for (p, go) in privs {
                let v = e.entry(p).or_insert(go);
                *v = *v || go;
            }
        }
        self.grant_option_only.extend(other.grant_option_only);
        for (k, names) in other.inventory {
            self.inventory.entry(k).or_default().extend(names);
        }
        self.global.extend(other.global);
        self.global_grant_option |= other.global_grant_option;
        for u in other.unmanaged {
            if !self.unmanaged.contains(&u) {
                self.unmanaged.push(u);
            }
        }
    }

    /// Describes the actual state as grants (for import and for showing drift). Deterministic. MySQL global
    /// privileges and GRANT-OPTION-only levels have no grant form; see [`ActualGrants::global`].
    pub fn to_grants(&self, ctx: &GrantContext) -> Vec<Grant> {
        let server = &ctx.server;
        let mut out = Vec::new();
        if server.engine.is_mysql_family() {
            let mut tables: BTreeMap<(String, BTreeSet<Privilege>, bool), Vec<String>> =
                BTreeMap::new();
            for (t, privs) in &self.privileges {
                let go = privs.values().any(|g| *g);
                let set: BTreeSet<Privilege> = privs.keys().copied().collect();
                match t {
                    Target::MysqlDatabase { pattern } => out.push(Grant {
                        database: ident::mysql_pattern_database(server, pattern)
                            .unwrap_or_else(|| pattern.clone()),
                        schema: None,
                        kind: ObjectKind::Database,
                        objects: Objects::All,
                        privileges: set,
                        with_grant_option: go,
                    }),
                    Target::MysqlTable { database, table } => {
                        tables
                            .entry((database.clone(), set, go))
                            .or_default()
                            .push(table.clone());
                    }
                    _ => {}
                }
            }
            for ((database, privileges, go), names) in tables {
                out.push(Grant {
                    database,
                    schema: None,
                    kind: ObjectKind::Table,
                    objects: Objects::Named(names),
                    privileges,
                    with_grant_option: go,
                });
            }
            return out;
        }
        let managed: Vec<&str> = ctx
            .default_privilege_roles
            .iter()
            .map(String::as_str)
            .collect();
        let mut keys: BTreeSet<SchemaKey> = self.inventory.keys().cloned().collect();
        for t in self.privileges.keys() {
            match t {
                Target::PgDatabase { database } => {
                    for (go, privileges) in split_by_go(&self.privileges[t]) {
                        out.push(Grant {
                            database: database.clone(),
                            schema: None,
                            kind: ObjectKind::Database,
                            objects: Objects::All,
                            privileges,
                            with_grant_option: go,
                        });
                    }
                }
                Target::PgSchema { database, schema } => {
                    for (go, privileges) in split_by_go(&self.privileges[t]) {
                        out.push(Grant {
                            database: database.clone(),
                            schema: Some(schema.clone()),
                            kind: ObjectKind::Schema,
                            objects: Objects::All,
                            privileges,
                            with_grant_option: go,
                        });
                    }
                }
                Target::PgDefault {
                    database,
                    owner,
                    schema: Some(schema),
                    kind,
                } if managed.contains(&owner.as_str()) => {
                    keys.insert(SchemaKey {
                        database: database.clone(),
                        schema: schema.clone(),
                        kind: *kind,
                    });
                }
                Target::PgDefault {
                    database,
                    owner,
                    schema: None,
                    kind,
                } if managed.contains(&owner.as_str()) => {
                    for (go, privileges) in split_by_go(&self.privileges[t]) {
                        out.push(Grant {
                            database: database.clone(),
                            schema: None,
                            kind: *kind,
                            objects: Objects::Future,
                            privileges,
                            with_grant_option: go,
                        });
                    }
                }
                _ => {
                    if let Some((k, _)) = t.schema_key() {
                        keys.insert(k);
                    }
                }
            }
        }
        let empty = PrivMap::new();
        for key in keys {
            let mut objects: BTreeSet<String> =
                self.inventory.get(&key).cloned().unwrap_or_default();
            for t in self.privileges.keys() {
                if let Some((k, name)) = t.schema_key() {
                    if k == key {
                        objects.insert(name.to_owned());
                    }
                }
            }
            let held: Vec<(&String, &PrivMap)> = objects
                .iter()
                .map(|o| {
                    (
                        o,
                        self.privileges
                            .get(&Target::object(&key, o))
                            .unwrap_or(&empty),
                    )
                })
                .collect();
            let defaults: Vec<&PrivMap> = managed
                .iter()
                .map(|owner| {
                    self.privileges
                        .get(&Target::PgDefault {
                            database: key.database.clone(),
                            owner: (*owner).to_owned(),
                            schema: Some(key.schema.clone()),
                            kind: key.kind,
                        })
                        .unwrap_or(&empty)
                })
                .collect();
            let Ok(kind_set) = privilege::allowed(server, key.kind) else {
                continue;
            };
            let mut all = PrivMap::new();
            let mut future = PrivMap::new();
            for p in kind_set {
                let on_objects = held.iter().all(|(_, a)| a.contains_key(p));
                let on_defaults = defaults.iter().all(|d| d.contains_key(p));
                let go = held.iter().all(|(_, a)| a.get(p) == Some(&true))
                    && defaults.iter().all(|d| d.get(p) == Some(&true));
                let default_go = defaults.iter().any(|d| d.get(p) == Some(&true));
                if on_objects && on_defaults && !(held.is_empty() && defaults.is_empty()) {
                    all.insert(*p, go);
                    if !go && default_go {
                        // The default privileges carry the grant option although not every object does.
                        future.insert(*p, true);
                    }
                } else if defaults.iter().any(|d| d.contains_key(p)) {
                    future.insert(*p, default_go);
                }
            }
            for (go, privileges) in split_by_go(&all) {
                out.push(Grant {
                    database: key.database.clone(),
                    schema: Some(key.schema.clone()),
                    kind: key.kind,
                    objects: Objects::All,
                    privileges,
                    with_grant_option: go,
                });
            }
            for (go, privileges) in split_by_go(&future) {
                out.push(Grant {
                    database: key.database.clone(),
                    schema: Some(key.schema.clone()),
                    kind: key.kind,
                    objects: Objects::Future,
                    privileges,
                    with_grant_option: go,
                });
            }
            let mut named: BTreeMap<(BTreeSet<Privilege>, bool), Vec<String>> = BTreeMap::new();
            for (o, a) in held {
                let mut rest = PrivMap::new();
                for (p, go) in a {
                    match all.get(p) {
                        Some(all_go) if *all_go || !*go => {}
                        _ => {
                            rest.insert(*p, *go);
                        }
                    }
                }
                for (go, privs) in split_by_go(&rest) {
                    named.entry((privs, go)).or_default().push(o.clone());
                }
            }
            for ((privileges, go), names) in named {
                out.push(Grant {
                    database: key.database.clone(),
                    schema: Some(key.schema.clone()),
                    kind: key.kind,
                    objects: Objects::Named(names),
                    privileges,
                    with_grant_option: go,
                });
            }
        }
        out
    }

    /// For reading state back: `desired` itself when the server agrees with it ([`diff`] is empty), so
    /// aliases, ordering and how grants are split never show as changes; otherwise [`ActualGrants::to_grants`],
    /// which differs from `desired` and so shows the drift.
    pub fn summarize(
        &self,
        ctx: &GrantContext,
        desired: &[Grant],
    ) -> Result<Vec<Grant>, GrantError> {
        if diff(desired, self, ctx)?.is_empty() {
            Ok(desired.to_vec())
        } else {
            Ok(self.to_grants(ctx))
        }
    }
}

#[cfg(test)]
mod tests;
