//! Pure rules of `logexaminer_db_user`: grant blocks to and from [`metastore_sql::Grant`]s, the import ID
//! with its optional query parameters, secret names and tags, and the small comparisons that keep plans
//! empty when nothing changed. No I/O.
//!
//! Grant blocks are a set. A block names `database`, optionally `schema`, `object_type` and `objects`, and
//! `privileges`:
//!
//! * `objects` unset or `["*"]`: every object (PostgreSQL tables and sequences: existing ones and those the
//!   default-privilege roles create later); `["(future)"]`: only objects created later (PostgreSQL default
//!   privileges); anything else: the named tables or sequences.
//! * `object_type` unset is inferred: MySQL/MariaDB `database` for all objects, `table` for named ones;
//!   PostgreSQL `database` without a schema, `table` with one (`schema` and `sequence` must be written).
//!
//! Blocks read back from the server are written in the shortest form (inferred `object_type` and `*`
//! objects left unset, `ALL` for a complete privilege set, grant option unset when false), so importing a
//! configuration written the same way plans no changes.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use metastore_sql::grant::{self, ActualGrants, Grant, GrantContext, Objects};
use metastore_sql::import_id::ImportId;
use metastore_sql::privilege::{self, ObjectKind};
use metastore_sql::{Engine, ServerInfo};
use percent_encoding::percent_decode_str;

use super::db_user::GrantBlock;

/// `objects` value for every object.
pub const ALL_OBJECTS: &str = "*";
/// `objects` value for objects created later (PostgreSQL default privileges only).
pub const FUTURE_OBJECTS: &str = "(future)";
/// `object_type` of blocks that only appear in state, for privileges this resource never grants (MySQL
/// global privileges): the plan then shows them being removed.
pub const GLOBAL_TYPE: &str = "global";
/// `object_type` of a block that only appears in state when the server differs from the grants in a way no
/// block can show; its privileges list the statements the next apply runs.
pub const PENDING_TYPE: &str = "pending";

/// True for blocks that only appear in state (see [`GLOBAL_TYPE`] and [`PENDING_TYPE`]).
pub fn state_only(b: &GrantBlock) -> bool {
    matches!(b.object_type.as_deref(), Some(GLOBAL_TYPE | PENDING_TYPE))
}

/// The server assumed when validating configuration (the real one is only known at apply): the newest
/// PostgreSQL this provider knows (so `MAINTAIN` is accepted), MySQL 8.0, MariaDB 10.11.
pub fn validation_server(engine: Engine) -> ServerInfo {
    match engine {
        Engine::Postgres => ServerInfo::new(Engine::Postgres, 17, 0),
        e => ServerInfo::default_for(e),
    }
}

/// Reads `objects`.
pub fn parse_objects(objects: Option<&[String]>) -> Result<Objects, String> {
    let Some(list) = objects else {
        return Ok(Objects::All);
    };
    let special = |o: &String| o == ALL_OBJECTS || o == FUTURE_OBJECTS;
    match list {
        [] => Err(
            "objects is empty: leave it unset (or [\"*\"]) for every object, or name tables"
                .to_owned(),
        ),
        [one] if one == ALL_OBJECTS => Ok(Objects::All),
        [one] if one == FUTURE_OBJECTS => Ok(Objects::Future),
        many if many.iter().any(special) => Err(format!(
            "{ALL_OBJECTS:?} and {FUTURE_OBJECTS:?} must be the only entry of objects"
        )),
        names => {
            let mut sorted = names.to_vec();
            sorted.sort();
            sorted.dedup();
            Ok(Objects::Named(sorted))
        }
    }
}

/// The object kind a block means when `object_type` is unset.
pub fn infer_kind(engine: Engine, schema: Option<&str>, objects: &Objects) -> ObjectKind {
    match (engine.is_mysql_family(), schema, objects) {
        (true, _, Objects::Named(_)) => ObjectKind::Table,
        (true, _, _) => ObjectKind::Database,
        (false, None, Objects::Future) => ObjectKind::Table,
        (false, None, _) => ObjectKind::Database,
        (false, Some(_), _) => ObjectKind::Table,
    }
}

/// One block as a [`Grant`] for `server`, validated (names, privileges, shape).
pub fn block_to_grant(server: &ServerInfo, b: &GrantBlock) -> Result<Grant, String> {
    let objects = parse_objects(b.objects.as_deref())?;
    let kind = match b.object_type.as_deref() {
        None => infer_kind(server.engine, b.schema.as_deref(), &objects),
        Some(t) => ObjectKind::parse(t).ok_or_else(|| {
            format!("object_type {t:?} is not one of database, schema, table, sequence")
        })?,
    };
    let privileges =
        privilege::normalize(server, kind, &b.privileges).map_err(|e| e.to_string())?;
    let g = Grant {
        database: b.database.clone(),
        schema: b.schema.clone(),
        kind,
        objects,
        privileges,
        with_grant_option: b.with_grant_option.unwrap_or(false),
    };
    g.validate(server).map_err(|e| e.to_string())?;
    Ok(g)
}

/// A short description of a block for messages (sets have no stable index).
pub fn describe_block(b: &GrantBlock) -> String {
    let mut s = format!("grant on database {:?}", b.database);
    if let Some(schema) = &b.schema {
        s.push_str(&format!(", schema {schema:?}"));
    }
    if let Some(t) = &b.object_type {
        s.push_str(&format!(", object_type {t:?}"));
    }
    s
}

/// Every block as a [`Grant`]; the errors name the offending block.
pub fn blocks_to_grants(
    server: &ServerInfo,
    blocks: &[GrantBlock],
) -> Result<Vec<Grant>, Vec<String>> {
    let mut out = Vec::new();
    let mut errors = Vec::new();
    for b in blocks {
        match block_to_grant(server, b) {
            Ok(g) => out.push(g),
            Err(e) => errors.push(format!("{}: {e}", describe_block(b))),
        }
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors)
    }
}

/// The shortest block for a grant (see the module documentation).
pub fn grant_to_block(server: &ServerInfo, g: &Grant) -> GrantBlock {
    let objects = match &g.objects {
        Objects::All => None,
        Objects::Future => Some(vec![FUTURE_OBJECTS.to_owned()]),
        Objects::Named(n) => Some(n.clone()),
    };
    let inferred = infer_kind(server.engine, g.schema.as_deref(), &g.objects);
    let privileges = if privilege::is_all(server, g.kind, &g.privileges) {
        vec!["ALL".to_owned()]
    } else {
        privilege::canonical_names(&g.privileges)
            .into_iter()
            .map(str::to_owned)
            .collect()
    };
    GrantBlock {
        database: g.database.clone(),
        schema: g.schema.clone(),
        object_type: (inferred != g.kind).then(|| g.kind.as_str().to_owned()),
        objects,
        privileges,
        with_grant_option: g.with_grant_option.then_some(true),
    }
}

/// Blocks describing what the server has (for drift and import): the grants this model can express, plus
/// state-only blocks for MySQL global privileges and, when the blocks would otherwise look unchanged although
/// the diff is not empty, a `pending` block listing the statements the next apply runs.
pub fn actual_to_blocks(
    ctx: &GrantContext,
    actual: &ActualGrants,
    desired_blocks: &[GrantBlock],
    pending: &[String],
) -> Vec<GrantBlock> {
    let server = &ctx.server;
    let mut out: Vec<GrantBlock> = actual
        .to_grants(ctx)
        .iter()
        .map(|g| grant_to_block(server, g))
        .collect();
    if !actual.global.is_empty() || actual.global_grant_option {
        out.push(GrantBlock {
            database: "*".to_owned(),
            schema: None,
            object_type: Some(GLOBAL_TYPE.to_owned()),
            objects: None,
            privileges: if actual.global.is_empty() {
                vec!["USAGE".to_owned()]
            } else {
                actual.global.iter().cloned().collect()
            },
            with_grant_option: actual.global_grant_option.then_some(true),
        });
    }
    if !pending.is_empty() && same_blocks(&out, desired_blocks) {
        out.push(GrantBlock {
            database: "*".to_owned(),
            schema: None,
            object_type: Some(PENDING_TYPE.to_owned()),
            objects: None,
            privileges: pending.to_vec(),
            with_grant_option: None,
        });
    }
    out
}

/// A block as Terraform compares it (privileges are a set).
type BlockKey = (
    String,
    Option<String>,
    Option<String>,
    Option<Vec<String>>,
    BTreeSet<String>,
    Option<bool>,
);

fn block_key(b: &GrantBlock) -> BlockKey {
    (
        b.database.clone(),
        b.schema.clone(),
        b.object_type.clone(),
        b.objects.clone(),
        b.privileges.iter().cloned().collect(),
        b.with_grant_option,
    )
}

/// True when two block lists are the same set of blocks (what Terraform compares).
pub fn same_blocks(a: &[GrantBlock], b: &[GrantBlock]) -> bool {
    let ka: BTreeSet<_> = a.iter().map(block_key).collect();
    let kb: BTreeSet<_> = b.iter().map(block_key).collect();
    ka == kb
}

/// `(database, schema)` pairs of table and sequence grants, and the databases they name (PostgreSQL
/// catalogs to inspect).
pub fn inspected(grants: &[Grant]) -> (Vec<String>, Vec<(String, String)>) {
    let mut dbs: Vec<String> = Vec::new();
    let mut schemas: Vec<(String, String)> = Vec::new();
    for g in grants {
        if !dbs.contains(&g.database) {
            dbs.push(g.database.clone());
        }
        if let (Some(s), ObjectKind::Table | ObjectKind::Sequence) = (&g.schema, g.kind) {
            let pair = (g.database.clone(), s.clone());
            if !schemas.contains(&pair) {
                schemas.push(pair);
            }
        }
    }
    (dbs, schemas)
}

/// An import ID with its optional query parameters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportSpec {
    /// The URL part.
    pub id: ImportId,
    /// `tls`.
    pub tls: Option<String>,
    /// `allow_plaintext`.
    pub allow_plaintext: Option<bool>,
    /// `database` (MySQL/MariaDB: the connection's database).
    pub database: Option<String>,
    /// `admin_username`.
    pub admin_username: Option<String>,
    /// `admin_secret_arn`.
    pub admin_secret_arn: Option<String>,
    /// `secret_arn`.
    pub secret_arn: Option<String>,
    /// `connect_timeout` in seconds.
    pub connect_timeout: Option<i64>,
    /// `password_version`.
    pub password_version: Option<i64>,
    /// `recovery_window_in_days`.
    pub recovery_window_in_days: Option<i64>,
    /// `on_delete_owned_objects`.
    pub on_delete_owned_objects: Option<String>,
    /// `password_length`.
    pub password_length: Option<i64>,
    /// `password_generator`.
    pub password_generator: Option<String>,
}

/// Query parameters the import ID accepts: settings that exist only in configuration, so that the plan
/// after an import is empty when they are not the defaults.
pub const IMPORT_PARAMETERS: &[&str] = &[
    "tls",
    "allow_plaintext",
    "database",
    "admin_username",
    "admin_secret_arn",
    "secret_arn",
    "connect_timeout",
    "password_version",
    "recovery_window_in_days",
    "on_delete_owned_objects",
    "password_length",
    "password_generator",
];

fn int_param(name: &str, v: &str, ok: impl Fn(i64) -> bool, rule: &str) -> Result<i64, String> {
    v.parse::<i64>()
        .ok()
        .filter(|n| ok(*n))
        .ok_or_else(|| format!("{name}={v:?} must be {rule}"))
}

/// Parses `URL[?name=value&...]` (values percent-encoded).
pub fn parse_import(text: &str) -> Result<ImportSpec, String> {
    let (url, query) = match text.split_once('?') {
        Some((u, q)) => (u, Some(q)),
        None => (text, None),
    };
    let id = ImportId::parse(url).map_err(|e| e.to_string())?;
    let mut spec = ImportSpec {
        id,
        tls: None,
        allow_plaintext: None,
        database: None,
        admin_username: None,
        admin_secret_arn: None,
        secret_arn: None,
        connect_timeout: None,
        password_version: None,
        recovery_window_in_days: None,
        on_delete_owned_objects: None,
        password_length: None,
        password_generator: None,
    };
    let mut seen: BTreeSet<&str> = BTreeSet::new();
    for pair in query.unwrap_or("").split('&').filter(|p| !p.is_empty()) {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        if IMPORT_PARAMETERS.contains(&k) && !seen.insert(k) {
            return Err(format!(
                "import parameter {k:?} is given more than once; give each parameter at most once"
            ));
        }
        let v = percent_decode_str(v)
            .decode_utf8()
            .map_err(|_| format!("import parameter {k:?} is not UTF-8 after percent-decoding"))?
            .into_owned();
        if v.is_empty() {
            return Err(format!("import parameter {k:?} has no value"));
        }
        match k {
            "tls" => {
                if !matches!(v.as_str(), "require" | "verify-full" | "disable") {
                    return Err(format!("tls={v:?} must be require, verify-full or disable"));
                }
                spec.tls = Some(v);
            }
            "database" if spec.id.engine == metastore_sql::Engine::Postgres => {
                return Err(format!(
                    "import parameter \"database\" is for MySQL/MariaDB; a PostgreSQL import ID names its database in the path (postgres://HOST:PORT/DATABASE/ROLE), here {:?}",
                    spec.id.database.as_deref().unwrap_or_default()
                ));
            }
            "allow_plaintext" => {
                spec.allow_plaintext = Some(match v.as_str() {
                    "true" => true,
                    "false" => false,
                    _ => return Err(format!("allow_plaintext={v:?} must be true or false")),
                });
            }
            "database" => spec.database = Some(v),
            "admin_username" => spec.admin_username = Some(v),
            "admin_secret_arn" => spec.admin_secret_arn = Some(v),
            "secret_arn" => spec.secret_arn = Some(v),
            "connect_timeout" => {
                spec.connect_timeout = Some(int_param(
                    k,
                    &v,
                    |n| (1..=300).contains(&n),
                    "1 to 300 seconds",
                )?);
            }
            "password_version" => {
                spec.password_version = Some(int_param(k, &v, |_| true, "a whole number")?);
            }
            "recovery_window_in_days" => {
                spec.recovery_window_in_days = Some(int_param(
                    k,
                    &v,
                    |n| n == 0 || (7..=30).contains(&n),
                    "0 or 7 to 30",
                )?);
            }
            "password_length" => {
                spec.password_length =
                    Some(int_param(k, &v, |n| (32..=128).contains(&n), "32 to 128")?);
            }
            "on_delete_owned_objects" => {
                if !matches!(v.as_str(), "reassign_to_admin" | "drop" | "fail") {
                    return Err(format!(
                        "on_delete_owned_objects={v:?} must be reassign_to_admin, drop or fail"
                    ));
                }
                spec.on_delete_owned_objects = Some(v);
            }
            "password_generator" => {
                if !matches!(v.as_str(), "provider" | "secretsmanager") {
                    return Err(format!(
                        "password_generator={v:?} must be provider or secretsmanager"
                    ));
                }
                spec.password_generator = Some(v);
            }
            other => {
                return Err(format!(
                    "unknown import parameter {other:?}; known: {}",
                    IMPORT_PARAMETERS.join(", ")
                ));
            }
        }
    }
    Ok(spec)
}

/// Checks a Secrets Manager secret name: 1-512 characters of `A-Z a-z 0-9 / _ + = . @ -`, not ending in a
/// hyphen followed by six characters (Secrets Manager's own ARN suffix would make it ambiguous).
pub fn check_secret_name(name: &str, prefix: bool) -> Result<(), String> {
    let limit = if prefix { 512 - 25 } else { 512 };
    if name.is_empty() || name.chars().count() > limit {
        return Err(format!("must be 1 to {limit} characters long"));
    }
    if let Some(c) = name
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || "/_+=.@-".contains(*c)))
    {
        return Err(format!(
            "contains {c:?}; secret names may only use letters, digits and / _ + = . @ -"
        ));
    }
    if !prefix {
        let b = name.as_bytes();
        if b.len() >= 7 && b[b.len() - 7] == b'-' {
            return Err("ends with a hyphen followed by six characters, which Secrets Manager confuses with the random suffix of its ARNs".to_owned());
        }
    }
    Ok(())
}

/// The default `secret_name_prefix`.
pub const DEFAULT_SECRET_PREFIX: &str = "logexaminer/db-user/";

/// A unique secret name: `prefix` followed by the Unix time and 8 random hex digits (`_` between them).
pub fn unique_secret_name(prefix: &str, unix_seconds: u64, random: u32) -> String {
    format!("{prefix}{unix_seconds}_{random:08x}")
}

/// Tags `logexaminer_secret_rotation` keeps on the secret (strategy, notification topic): that resource owns
/// them, so the user's `tags` neither adopt nor remove them (else enabling rotation would show as drift here
/// and the next apply of the user would untag the secret, leaving the function with no strategy to check).
pub const ROTATION_TAG_PREFIX: &str = "logexaminer:rotation-";

/// The resource's own tags from what the secret carries: default tags the configuration did not set
/// itself, [`OWNER_TAG`] and the rotation's tags ([`ROTATION_TAG_PREFIX`]) are removed; `None` when nothing
/// remains and the prior state had none.
pub fn own_tags(
    described: &BTreeMap<String, String>,
    defaults: &BTreeMap<String, String>,
    prior: Option<&BTreeMap<String, String>>,
) -> Option<BTreeMap<String, String>> {
    let own: BTreeMap<String, String> = described
        .iter()
        .filter(|(k, _)| k.as_str() != OWNER_TAG && !k.starts_with(ROTATION_TAG_PREFIX))
        .filter(|(k, v)| prior.is_some_and(|p| p.contains_key(*k)) || defaults.get(*k) != Some(*v))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    if own.is_empty() && prior.is_none_or(BTreeMap::is_empty) {
        prior.cloned()
    } else {
        Some(own)
    }
}

/// The `valid_until` to keep in state: the configured spelling when it means the server's value, else the
/// server's.
pub fn keep_valid_until(prior: Option<&str>, actual: Option<&str>) -> Option<String> {
    match prior {
        Some(p)
            if metastore_sql::statements::normalize_valid_until(p)
                .ok()
                .flatten()
                .as_deref()
                == actual =>
        {
            Some(p.to_owned())
        }
        _ => actual.map(str::to_owned),
    }
}

/// The databases refresh tries, in order, when it logs in as the user itself (`None`: no default database).
///
/// A refusal to open a database is not a dead password, so the login must not depend on the user being
/// granted `endpoint.database`:
///
/// * MySQL/MariaDB: no default database at all (grants are read from the server's catalog, which needs none),
///   so error 1044 "access denied to database" cannot happen and 1045 always means the password.
/// * PostgreSQL: every login opens a database. `endpoint.database` (default `postgres`) first; when the
///   server refuses it with SQLSTATE 42501 (no CONNECT), the databases the grants give CONNECT on, then the
///   maintenance database `postgres` (never a template).
pub fn self_login_databases(
    engine: Engine,
    endpoint_database: Option<&str>,
    blocks: &[GrantBlock],
) -> Vec<Option<String>> {
    if engine.is_mysql_family() {
        return vec![None];
    }
    let server = validation_server(engine);
    let mut out: Vec<Option<String>> =
        vec![Some(endpoint_database.unwrap_or("postgres").to_owned())];
    let connect = blocks
        .iter()
        .filter(|b| !state_only(b))
        .filter_map(|b| block_to_grant(&server, b).ok())
        .filter(|g| {
            g.kind == ObjectKind::Database
                && g.privileges.contains(&metastore_sql::Privilege::Connect)
        })
        .map(|g| Some(g.database));
    for db in connect.chain([Some("postgres".to_owned())]) {
        if !out.contains(&db) {
            out.push(db);
        }
    }
    out
}

/// The connect timeout in state, as a duration.
pub fn timeout(seconds: Option<i64>) -> Duration {
    Duration::from_secs(seconds.filter(|s| *s > 0).unwrap_or(10) as u64)
}

/// The tag `logexaminer_db_user` writes on each secret it creates: the resource it belongs to (a hash of its
/// import ID, which names engine, server, user and host). A create interrupted by a crash finds its own
/// secret by it on the next apply. Never part of `tags` in state.
pub const OWNER_TAG: &str = "logexaminer:db-user";

/// The [`OWNER_TAG`] value for the resource with this import ID.
pub fn owner_tag_value(import_id: &str) -> String {
    use sha2::{Digest, Sha256};
    let digest = Sha256::digest(import_id.as_bytes());
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    format!("sha256:{hex}")
}

/// Default of `endpoint.lock_timeout`, seconds.
pub const DEFAULT_LOCK_TIMEOUT_SECONDS: i64 = 60;
/// Largest `endpoint.lock_timeout`, seconds.
pub const MAX_LOCK_TIMEOUT_SECONDS: i64 = 3600;

/// `endpoint.lock_timeout` as a duration (unset: the default; out of range: clamped, validation refuses it).
pub fn lock_timeout(seconds: Option<i64>) -> Duration {
    let s = seconds
        .unwrap_or(DEFAULT_LOCK_TIMEOUT_SECONDS)
        .clamp(1, MAX_LOCK_TIMEOUT_SECONDS);
    Duration::from_secs(s.unsigned_abs())
}

/// The statements of a diff, as shown in a `pending` block.
pub fn pending_texts(stmts: &[metastore_sql::Statement]) -> Vec<String> {
    stmts.iter().map(|s| s.redacted.clone()).collect()
}

/// True when `diff(desired, actual)` is empty.
pub fn in_sync(desired: &[Grant], actual: &ActualGrants, ctx: &GrantContext) -> bool {
    grant::diff(desired, actual, ctx).is_ok_and(|d| d.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;
    use metastore_sql::grant::Grantee;

    fn block(
        db: &str,
        schema: Option<&str>,
        ty: Option<&str>,
        objects: Option<&[&str]>,
        privs: &[&str],
    ) -> GrantBlock {
        GrantBlock {
            database: db.into(),
            schema: schema.map(str::to_owned),
            object_type: ty.map(str::to_owned),
            objects: objects.map(|o| o.iter().map(|s| (*s).to_owned()).collect()),
            privileges: privs.iter().map(|s| (*s).to_owned()).collect(),
            with_grant_option: None,
        }
    }

    #[test]
    fn objects_parse() {
        assert_eq!(parse_objects(None), Ok(Objects::All));
        assert_eq!(parse_objects(Some(&["*".into()])), Ok(Objects::All));
        assert_eq!(
            parse_objects(Some(&["(future)".into()])),
            Ok(Objects::Future)
        );
        assert_eq!(
            parse_objects(Some(&["b".into(), "a".into(), "b".into()])),
            Ok(Objects::Named(vec!["a".into(), "b".into()]))
        );
        assert!(parse_objects(Some(&[])).is_err());
        assert!(parse_objects(Some(&["*".into(), "a".into()])).is_err());
    }

    #[test]
    fn kinds_are_inferred() {
        let named = Objects::Named(vec!["t".into()]);
        let cases = [
            (Engine::Mariadb, None, Objects::All, ObjectKind::Database),
            (Engine::Mysql, None, named.clone(), ObjectKind::Table),
            (Engine::Postgres, None, Objects::All, ObjectKind::Database),
            (Engine::Postgres, None, Objects::Future, ObjectKind::Table),
            (
                Engine::Postgres,
                Some("hive"),
                Objects::All,
                ObjectKind::Table,
            ),
            (Engine::Postgres, Some("hive"), named, ObjectKind::Table),
        ];
        for (engine, schema, objects, want) in cases {
            assert_eq!(
                infer_kind(engine, schema, &objects),
                want,
                "{engine} {schema:?} {objects:?}"
            );
        }
    }

    #[test]
    fn blocks_convert_and_report_errors() {
        let server = validation_server(Engine::Postgres);
        let g = block_to_grant(
            &server,
            &block("m", Some("hive"), Some("schema"), None, &["usage"]),
        )
        .expect("schema");
        assert_eq!(g.kind, ObjectKind::Schema);
        let err = blocks_to_grants(
            &server,
            &[
                block("m", None, None, None, &["CONNECT"]),
                block("m", Some("hive"), None, None, &["SELEC"]),
                block("m", None, Some("view"), None, &["SELECT"]),
            ],
        )
        .expect_err("two bad blocks");
        assert_eq!(err.len(), 2, "{err:?}");
        assert!(
            err[0].contains("schema \"hive\"") && err[0].contains("SELEC"),
            "{err:?}"
        );
        assert!(err[1].contains("object_type \"view\""), "{err:?}");
        let maria = validation_server(Engine::Mariadb);
        assert!(block_to_grant(&maria, &block("m", Some("s"), None, None, &["SELECT"])).is_err());
        assert!(block_to_grant(&maria, &block("m", None, None, None, &["USAGE"])).is_err());
    }

    #[test]
    fn blocks_round_trip_in_shortest_form() {
        let cases: Vec<(Engine, GrantBlock)> = vec![
            (
                Engine::Mariadb,
                block("metastore", None, None, None, &["ALL"]),
            ),
            (
                Engine::Mariadb,
                block("metastore", None, None, None, &["SELECT", "DELETE"]),
            ),
            (
                Engine::Mariadb,
                block("metastore", None, None, Some(&["a", "b"]), &["SELECT"]),
            ),
            (Engine::Postgres, block("m", None, None, None, &["CONNECT"])),
            (
                Engine::Postgres,
                block("m", Some("hive"), Some("schema"), None, &["USAGE"]),
            ),
            (
                Engine::Postgres,
                block("m", Some("hive"), None, None, &["SELECT", "INSERT"]),
            ),
            (
                Engine::Postgres,
                block("m", Some("hive"), Some("sequence"), None, &["ALL"]),
            ),
            (
                Engine::Postgres,
                block("m", Some("hive"), None, Some(&["(future)"]), &["SELECT"]),
            ),
        ];
        for (engine, b) in cases {
            let server = ServerInfo::default_for(engine);
            let g = block_to_grant(&server, &b).expect("valid");
            assert_eq!(grant_to_block(&server, &g), b, "{engine}");
        }
        // Other spellings of the same grant come back in the shortest form.
        let server = ServerInfo::default_for(Engine::Postgres);
        let long = GrantBlock {
            object_type: Some("table".into()),
            objects: Some(vec!["*".into()]),
            with_grant_option: Some(false),
            ..block("m", Some("hive"), None, None, &["select", " Insert "])
        };
        let g = block_to_grant(&server, &long).expect("valid");
        assert_eq!(
            grant_to_block(&server, &g),
            block("m", Some("hive"), None, None, &["SELECT", "INSERT"])
        );
    }

    #[test]
    fn global_privileges_and_unexplained_drift_show_in_state() {
        let server = ServerInfo::default_for(Engine::Mariadb);
        let ctx = GrantContext {
            server,
            grantee: Grantee::new(Engine::Mariadb, "u", None).expect("grantee"),
            default_privilege_roles: vec![],
        };
        let desired = vec![block("m", None, None, None, &["SELECT"])];
        let mut actual = ActualGrants::default();
        actual.global.insert("PROCESS".into());
        let blocks = actual_to_blocks(&ctx, &actual, &desired, &[]);
        assert_eq!(blocks.len(), 1);
        assert_eq!(blocks[0].object_type.as_deref(), Some(GLOBAL_TYPE));
        assert_eq!(blocks[0].privileges, vec!["PROCESS".to_owned()]);
        let empty = ActualGrants::default();
        let pending = vec!["GRANT SELECT ON `m`.* TO `u`@`%`".to_owned()];
        let blocks = actual_to_blocks(&ctx, &empty, &[], &pending);
        assert_eq!(blocks.len(), 1);
        assert_eq!(blocks[0].object_type.as_deref(), Some(PENDING_TYPE));
        assert!(same_blocks(
            &[block("a", None, None, None, &["X", "Y"])],
            &[block("a", None, None, None, &["Y", "X"])]
        ));
        assert!(!same_blocks(&[block("a", None, None, None, &["X"])], &[]));
    }

    #[test]
    fn import_ids_with_parameters() {
        let s = parse_import("mysql://db.example.com:3306/hive%40corp@%25?tls=disable&database=metastore&secret_arn=arn%3Aaws%3Asecretsmanager%3Aus-east-1%3A1%3Asecret%3Ax-AbCdEf")
            .expect("parse");
        assert_eq!(s.id.user, "hive@corp");
        assert_eq!(s.tls.as_deref(), Some("disable"));
        assert_eq!(s.database.as_deref(), Some("metastore"));
        assert_eq!(
            s.secret_arn.as_deref(),
            Some("arn:aws:secretsmanager:us-east-1:1:secret:x-AbCdEf")
        );
        let more = parse_import("postgres://h:5432/m/u?password_version=3&recovery_window_in_days=0&on_delete_owned_objects=drop")
            .expect("more");
        assert_eq!(more.password_version, Some(3));
        assert_eq!(more.recovery_window_in_days, Some(0));
        assert_eq!(more.on_delete_owned_objects.as_deref(), Some("drop"));
        let plain = parse_import("postgres://h:5432/m/u").expect("plain");
        assert_eq!(plain.tls, None);
        assert_eq!(plain.id.database.as_deref(), Some("m"));
        for bad in [
            "postgres://h:5432/m/u?tls=prefer",
            "postgres://h:5432/m/u?nope=1",
            "postgres://h:5432/m/u?tls=",
            "postgres://h:5432/m/u?connect_timeout=0",
            "postgres://h:5432/m/u?recovery_window_in_days=3",
            "postgres://h:5432/m/u?on_delete_owned_objects=keep",
            "nonsense",
        ] {
            assert!(parse_import(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn self_login_never_needs_the_endpoint_database() {
        let grants = vec![
            block("other", None, None, None, &["CONNECT"]),
            block("third", None, None, None, &["ALL"]),
            block("m", Some("hive"), None, None, &["SELECT"]),
            block("temp_only", None, None, None, &["TEMPORARY"]),
        ];
        for engine in [Engine::Mysql, Engine::Mariadb] {
            assert_eq!(
                self_login_databases(engine, Some("metastore"), &grants),
                vec![None]
            );
        }
        let some = |s: &str| Some(s.to_owned());
        assert_eq!(
            self_login_databases(Engine::Postgres, Some("metastore"), &grants),
            vec![
                some("metastore"),
                some("other"),
                some("third"),
                some("postgres")
            ]
        );
        assert_eq!(
            self_login_databases(Engine::Postgres, None, &[]),
            vec![some("postgres")]
        );
    }

    #[test]
    fn secret_names() {
        assert!(check_secret_name("logexaminer/db-user/hive", false).is_ok());
        assert!(check_secret_name("bad name", false).is_err());
        assert!(check_secret_name("x-abcdef", false).is_err());
        assert!(check_secret_name("", true).is_err());
        let n = unique_secret_name(DEFAULT_SECRET_PREFIX, 1_700_000_000, 0xab);
        assert_eq!(n, "logexaminer/db-user/1700000000_000000ab");
        assert!(check_secret_name(&n, false).is_ok());
    }

    #[test]
    fn tags_and_expiry_keep_their_configured_form() {
        let described: BTreeMap<String, String> = [("team", "data"), ("env", "prod")]
            .iter()
            .map(|(k, v)| ((*k).into(), (*v).into()))
            .collect();
        let defaults: BTreeMap<String, String> = [("env".to_owned(), "prod".to_owned())].into();
        let own = own_tags(&described, &defaults, None).expect("own");
        assert_eq!(own.keys().collect::<Vec<_>>(), vec!["team"]);
        let prior: BTreeMap<String, String> = [("env".to_owned(), "prod".to_owned())].into();
        assert_eq!(
            own_tags(&described, &defaults, Some(&prior)).map(|t| t.len()),
            Some(2)
        );
        assert_eq!(own_tags(&defaults, &defaults, None), None);
        // Tags of logexaminer_secret_rotation are not the user's.
        let rotated: BTreeMap<String, String> = [
            ("team", "data"),
            ("logexaminer:rotation-strategy", "alternating_users"),
            (
                "logexaminer:rotation-notification-topic",
                "arn:aws:sns:us-east-1:1:t",
            ),
        ]
        .iter()
        .map(|(k, v)| ((*k).into(), (*v).into()))
        .collect();
        let own = own_tags(&rotated, &BTreeMap::new(), None).expect("own");
        assert_eq!(own.keys().collect::<Vec<_>>(), vec!["team"]);
        for tag in [
            crate::secretsmanager::secret_rotation::STRATEGY_TAG,
            crate::secretsmanager::secret_rotation::TOPIC_TAG,
        ] {
            assert!(tag.starts_with(ROTATION_TAG_PREFIX), "{tag}");
        }

        assert_eq!(
            keep_valid_until(
                Some("2030-01-01T02:00:00+02:00"),
                Some("2030-01-01T00:00:00Z")
            )
            .as_deref(),
            Some("2030-01-01T02:00:00+02:00")
        );
        assert_eq!(
            keep_valid_until(Some("2030-01-01T00:00:00Z"), Some("2031-01-01T00:00:00Z")).as_deref(),
            Some("2031-01-01T00:00:00Z")
        );
        assert_eq!(keep_valid_until(None, None), None);
        assert_eq!(
            keep_valid_until(Some("infinity"), None).as_deref(),
            Some("infinity")
        );
        assert_eq!(
            keep_valid_until(None, Some("2031-01-01T00:00:00Z")).as_deref(),
            Some("2031-01-01T00:00:00Z")
        );
    }
}
