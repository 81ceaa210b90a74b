//! `logexaminer_db_user`: a least-privilege database user on MySQL 8 / Aurora MySQL 3, MariaDB or PostgreSQL
//! whose password lives only in Secrets Manager.
//!
//! Order of this file: model and schema, validation and planning, create/read/update/delete/import, then
//! the helpers they share (credentials, connections, secrets, dropping).
//!
//! * Create: connect (fail fast when the database is unreachable), write the secret, create the user, grant.
//!   A failure after the secret exists undoes what was done (drop the user, delete the secret); when the undo
//!   itself fails the error carries the partial state so Terraform taints it and the next apply converges.
//! * Read: with `admin_secret_arn`, as the admin; otherwise as the user itself with the password from its
//!   secret (PostgreSQL shows every grant to any role; MySQL/MariaDB show an account its own grants). The
//!   grants in state stay as configured when the server agrees with them, so `ALL`, case and order never show
//!   as changes; otherwise the server's grants replace them and the plan shows the drift.
//! * Update: reads the user as the admin and runs only the differences; a new `password_version`, a missing
//!   secret or a user dropped outside Terraform lead to a new password (the user is recreated if needed).
//! * Delete: revokes and drops (PostgreSQL: `REASSIGN OWNED`/`DROP OWNED` per database as
//!   `on_delete_owned_objects` says), then deletes the secret. Terraform sends no write-only values when
//!   destroying, so with `admin_password_wo` the admin password must come from `LOGEXAMINER_DB_ADMIN_PASSWORD`.

use std::collections::BTreeMap;
use std::time::{SystemTime, UNIX_EPOCH};

use async_trait::async_trait;
use metastore_sql::client::{
    Bind, Client, ClientError, ConnectOptions, Inspect, TlsMode, UserAttributes,
};
use metastore_sql::grant::{self, ActualGrants, Grant, GrantContext, Grantee};
use metastore_sql::ident::{self, NameKind};
use metastore_sql::import_id::ImportId;
use metastore_sql::introspect;
use metastore_sql::statements::{self, Auth, OnDeleteOwned, UserOptions};
use metastore_sql::{Engine, RdsSecret, Secret, ServerInfo, Statement, password};
use rand::Rng;
use serde::{Deserialize, Serialize};
use tfplugin::schema::{check, int_between, one_of};
use tfplugin::{
    ApplyError, ApplyRequest, ApplyResult, AttrPath, Attribute, Block, Config, Ctx, DiagResult,
    Diagnostic, Diagnostics, IdentityAttribute, IdentitySchema, NestedBlock, Nesting, Plan,
    Resource, Schema, Type, Value,
};

use super::secret::{self, SecretError};
use super::user_rules::{self as rules, DEFAULT_SECRET_PREFIX};
use crate::config::ProviderData;
use crate::errors::{Action, failed};

/// Environment variable with the admin password for destroying users managed with `admin_password_wo`.
pub const ADMIN_PASSWORD_ENV: &str = "LOGEXAMINER_DB_ADMIN_PASSWORD";

/// The resource.
pub struct DbUser;

/// Reads null as the type's default: configuration decoded leniently (unknown values read as null)
/// must not fail on required fields that are not known yet.
fn null_default<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Default + Deserialize<'de>,
{
    Ok(Option::<T>::deserialize(d)?.unwrap_or_default())
}

/// `endpoint` block (Terraform reserves the block name `connection` for provisioners).
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct Endpoint {
    /// Server host.
    #[serde(default, deserialize_with = "null_default")]
    pub host: String,
    /// Server port.
    pub port: Option<i64>,
    /// Database to connect to.
    pub database: Option<String>,
    /// TLS mode.
    pub tls: Option<String>,
    /// CA bundle.
    pub ca_bundle_pem: Option<String>,
    /// Connect timeout (seconds).
    pub connect_timeout: Option<i64>,
}

/// `grant` block.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct GrantBlock {
    /// Database.
    #[serde(default, deserialize_with = "null_default")]
    pub database: String,
    /// PostgreSQL schema.
    pub schema: Option<String>,
    /// `database`, `schema`, `table` or `sequence` (inferred when unset).
    pub object_type: Option<String>,
    /// `["*"]`, `["(future)"]` or names.
    pub objects: Option<Vec<String>>,
    /// Privileges.
    #[serde(default, deserialize_with = "null_default")]
    pub privileges: Vec<String>,
    /// WITH GRANT OPTION.
    pub with_grant_option: Option<bool>,
}

/// The state (field names are attribute names). `admin_password_wo` is write-only: it is only present while
/// applying and prints as `***`.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct State {
    /// Import ID.
    pub id: Option<String>,
    /// Engine.
    #[serde(default, deserialize_with = "null_default")]
    pub engine: String,
    /// User name.
    #[serde(default, deserialize_with = "null_default")]
    pub username: String,
    /// MySQL/MariaDB account host.
    pub host: Option<String>,
    /// Endpoint.
    #[serde(default, deserialize_with = "null_default")]
    pub endpoint: Vec<Endpoint>,
    /// Admin secret.
    pub admin_secret_arn: Option<String>,
    /// Admin user name.
    pub admin_username: Option<String>,
    /// Admin password (write-only).
    pub admin_password_wo: Option<Secret>,
    /// Grants.
    #[serde(default, deserialize_with = "null_default")]
    pub grant: Vec<GrantBlock>,
    /// PostgreSQL default-privilege roles.
    pub default_privilege_roles: Option<Vec<String>>,
    /// IAM authentication.
    pub iam_authentication: Option<bool>,
    /// Connection limit.
    pub connection_limit: Option<i64>,
    /// PostgreSQL expiry.
    pub valid_until: Option<String>,
    /// Require TLS.
    pub require_ssl: Option<bool>,
    /// Bump for a new password.
    pub password_version: Option<i64>,
    /// Password length.
    pub password_length: Option<i64>,
    /// `provider` or `secretsmanager`.
    pub password_generator: Option<String>,
    /// Secret name.
    pub secret_name: Option<String>,
    /// Secret name prefix.
    pub secret_name_prefix: Option<String>,
    /// KMS key.
    pub kms_key_id: Option<String>,
    /// Secret tags.
    pub tags: Option<BTreeMap<String, String>>,
    /// Recovery window.
    pub recovery_window_in_days: Option<i64>,
    /// PostgreSQL owned-object policy.
    pub on_delete_owned_objects: Option<String>,
    /// Secret ARN.
    pub secret_arn: Option<String>,
    /// Secret version.
    pub secret_version_id: Option<String>,
}

const ENGINES: &[&str] = &["mysql", "mariadb", "postgres"];

fn name_validator(kind: NameKind) -> std::sync::Arc<dyn tfplugin::schema::Validator> {
    check(
        "Invalid name",
        "A name the engine stores exactly (length limits per engine, no control characters, no reserved names).",
        move |v| match v.as_str() {
            // The engine is checked in `validate`; here only rules common to all engines.
            Some("") => Err(format!("the {kind} must not be empty")),
            Some(s) if s.contains('\0') => Err(format!("the {kind} contains a NUL character")),
            _ => Ok(()),
        },
    )
}

fn endpoint_block() -> NestedBlock {
    NestedBlock::new(
        "endpoint",
        Nesting::List,
        Block::new("How to reach the database server. Changing `host` or `port` replaces the user.")
            .attr(Attribute::string("host").required().describe("Server host name or address (for RDS the instance or cluster endpoint; through a tunnel, the tunnel's local address)."))
            .attr(Attribute::number("port").optional_computed().use_state_for_unknown().validate(int_between(1, 65535)).describe("Server port; defaults to 3306 (MySQL, MariaDB) or 5432 (PostgreSQL)."))
            .attr(Attribute::string("database").describe("Database to connect to: PostgreSQL defaults to `postgres` and it is the database of the import ID; on MySQL/MariaDB it is optional. It is also the `dbname` written to the secret."))
            .attr(Attribute::string("tls").default("require").validate(one_of(&["require", "verify-full", "disable"])).describe("`require` encrypts without checking the certificate, `verify-full` also checks it against `ca_bundle_pem` (or the Mozilla roots) and the host name, `disable` is for local test servers only."))
            .attr(Attribute::string("ca_bundle_pem").describe("PEM certificates to trust for `verify-full`, e.g. the RDS regional CA bundle."))
            .attr(Attribute::number("connect_timeout").default(10).validate(int_between(1, 300)).describe("Seconds to wait for the connection (TCP, TLS and login) before failing with a hint about private subnets and tunnels.")),
    )
    .items(1, 1)
}

fn grant_block() -> NestedBlock {
    NestedBlock::new(
        "grant",
        Nesting::Set,
        Block::new("Privileges of the user. Authoritative: privileges the server reports but no block grants are revoked, missing ones granted. A set: order does not matter, and `ALL`, its expansion and the case of names compare equal.")
            .attr(Attribute::string("database").required().describe("The database (MySQL: the schema `db.*`; PostgreSQL: the database the schema lives in, or the database itself for `CONNECT`, `CREATE`, `TEMPORARY`)."))
            .attr(Attribute::string("schema").describe("PostgreSQL schema, for schema, table and sequence grants."))
            .attr(Attribute::string("object_type").validate(one_of(&["database", "schema", "table", "sequence"])).describe("What the privileges apply to. Inferred when unset: MySQL/MariaDB `database` (all objects) or `table` (named objects); PostgreSQL `database` without a schema and `table` with one. Write `schema` for `USAGE`/`CREATE` on a schema and `sequence` for sequences."))
            .attr(Attribute::new("objects", Type::list(Type::String)).describe("Unset or `[\"*\"]`: every object (on PostgreSQL also the tables and sequences the `default_privilege_roles` create later, through default privileges); `[\"(future)\"]`: only objects created later (PostgreSQL); otherwise the tables or sequences to grant on."))
            .attr(Attribute::new("privileges", Type::set(Type::String)).required().describe("Privilege names (any case), or `ALL`. Validated per engine and object type: MySQL/MariaDB database and table privileges (never global ones), PostgreSQL `CONNECT`, `CREATE`, `TEMPORARY`, `USAGE`, `SELECT`, `INSERT`, `UPDATE`, `DELETE`, `TRUNCATE`, `REFERENCES`, `TRIGGER`, `MAINTAIN` (17+)."))
            .attr(Attribute::bool("with_grant_option").describe("Whether the user may grant these privileges on (default false).")),
    )
}

/// The schema.
pub fn schema() -> Schema {
    Schema::new(
        Block::new("A least-privilege database user for the Hive Metastore on MySQL 8 / Aurora MySQL 3, MariaDB or PostgreSQL. The provider generates the password and writes it only to a Secrets Manager secret in the shape RDS rotation functions read; it never appears in plan, state or logs.")
            .attr(Attribute::string("id").computed().use_state_for_unknown().describe("The import ID: `postgres://HOST:PORT/DATABASE/ROLE` or `mysql://HOST:PORT/USER@HOST` (`mariadb://` for MariaDB) with names percent-encoded."))
            .attr(Attribute::string("engine").required().requires_replace().validate(one_of(ENGINES)).describe("`mysql` (MySQL 8.0+, Aurora MySQL 3), `mariadb` or `postgres` (PostgreSQL, Aurora PostgreSQL)."))
            .attr(Attribute::string("username").required().requires_replace().validate(name_validator(NameKind::User)).describe("User (role) name, stored exactly as written: quotes, spaces and Unicode are quoted safely; names the engine would truncate or misread (MySQL 8 over 32 characters, MariaDB over 128, PostgreSQL over 63 bytes, control characters, reserved names such as `root`, `rdsadmin`, `rds_*`, `pg_*`) are rejected."))
            .attr(Attribute::string("host").optional_computed().requires_replace().use_state_for_unknown().validate(name_validator(NameKind::Host)).describe("MySQL/MariaDB account host (`%` for any host, the default); lower case, `a-z 0-9 . - _ % : /`. Not used on PostgreSQL."))
            .attr(Attribute::string("admin_secret_arn").describe("ARN of a Secrets Manager secret with the admin's `username` and `password` (e.g. the one RDS creates with `manage_master_user_password`). It is also written to the user's secret as `masterarn`. Exactly one of this and `admin_username`."))
            .attr(Attribute::string("admin_username").describe("Admin user name, with `admin_password_wo`. Exactly one of this and `admin_secret_arn`. Refresh then reads as the user itself, and destroying needs the admin password in `LOGEXAMINER_DB_ADMIN_PASSWORD` (Terraform sends no write-only values when destroying)."))
            .attr(Attribute::string("admin_password_wo").write_only().sensitive().describe("Admin password (write-only, never stored; Terraform 1.11+). Pass it from an ephemeral value."))
            .attr(Attribute::new("default_privilege_roles", Type::list(Type::String)).optional_computed().use_state_for_unknown().describe("PostgreSQL: roles whose future tables and sequences `objects = [\"*\"]` grants cover (`ALTER DEFAULT PRIVILEGES FOR ROLE`), e.g. the role Hive's schematool runs as. The admin must be a member of each. Defaults to the admin."))
            .attr(Attribute::bool("iam_authentication").default(false).requires_replace().describe("Authenticate with Amazon RDS IAM instead of a password (MySQL/MariaDB `AWSAuthenticationPlugin`, PostgreSQL `rds_iam`). No password and no secret are created."))
            .attr(Attribute::number("connection_limit").validate(int_between(1, 2_147_483_647)).describe("Maximum simultaneous connections of the user (unset: no limit)."))
            .attr(Attribute::string("valid_until").describe("PostgreSQL: password expiry as RFC 3339 with whole seconds (`2030-01-31T23:59:59Z`), or `infinity`."))
            .attr(Attribute::bool("require_ssl").default(false).describe("Require TLS for the user's connections. MySQL/MariaDB: `REQUIRE SSL`. PostgreSQL cannot require it per role: it is enforced server-wide (on RDS `rds.force_ssl = 1`); apply fails when the server reports `rds.force_ssl = 0`."))
            .attr(Attribute::number("password_version").describe("Change it (any number) to generate a new password: the user's password and the secret are updated in one apply, and the old password stops working."))
            .attr(Attribute::number("password_length").default(32).validate(int_between(32, 128)).describe("Length of generated passwords (32 to 128). Passwords never contain `/ @ \" ' \\` or spaces."))
            .attr(Attribute::string("password_generator").default("provider").validate(one_of(&["provider", "secretsmanager"])).describe("`provider` generates passwords in the provider from the operating system's CSPRNG (letters, digits and `- . _ ~`); `secretsmanager` calls Secrets Manager's `GetRandomPassword`."))
            .attr(Attribute::string("secret_name").optional_computed().requires_replace().use_state_for_unknown().validate(check("Invalid secret name", "1-512 characters of letters, digits and / _ + = . @ -.", |v| match v.as_str() { Some(s) => rules::check_secret_name(s, false), None => Ok(()) })).describe("Name of the secret to create. Conflicts with `secret_name_prefix`; both unset: a unique name under `logexaminer/db-user/`."))
            .attr(Attribute::string("secret_name_prefix").requires_replace().validate(check("Invalid secret name prefix", "Letters, digits and / _ + = . @ -.", |v| match v.as_str() { Some(s) => rules::check_secret_name(s, true), None => Ok(()) })).describe("Creates a unique secret name beginning with this prefix."))
            .attr(Attribute::string("kms_key_id").describe("KMS key (ID, ARN or alias) that encrypts the secret; default `aws/secretsmanager`."))
            .attr(Attribute::new("tags", Type::map(Type::String)).describe("Tags of the secret (the provider's `default_tags` are added)."))
            .attr(Attribute::number("recovery_window_in_days").default(30).validate(check("Invalid recovery window", "0 (delete at once) or 7 to 30.", |v| match v.as_number().and_then(|n| n.as_i64()) { Some(0) | Some(7..=30) | None => Ok(()), Some(n) => Err(format!("{n} is neither 0 nor within 7..=30.")) })).describe("Days Secrets Manager keeps the deleted secret recoverable (7 to 30), or 0 to delete it at once."))
            .attr(Attribute::string("on_delete_owned_objects").default("fail").validate(one_of(&["reassign_to_admin", "drop", "fail"])).describe("PostgreSQL, on destroy, when the role owns objects: `reassign_to_admin` (`REASSIGN OWNED BY ... TO <admin>`), `drop` (`DROP OWNED`, dropping them) or `fail` (the default: stop with a list of the databases). Privileges are always revoked."))
            .attr(Attribute::string("secret_arn").computed().use_state_for_unknown().describe("ARN of the secret holding `engine, host, port, username, password, dbname` (+ `masterarn`)."))
            .attr(Attribute::string("secret_version_id").computed().use_state_for_unknown().describe("The secret version (AWSCURRENT) that holds the password; changes when a new password is written, also by rotation."))
            .block(endpoint_block())
            .block(grant_block()),
    )
}

/// The identity schema: the import ID and the secret's ARN.
pub fn identity_schema() -> IdentitySchema {
    IdentitySchema {
        version: 0,
        attributes: vec![
            IdentityAttribute {
                name: "id".into(),
                ty: Type::String,
                description: "The import ID URL (see `id`).".into(),
                required_for_import: true,
            },
            IdentityAttribute {
                name: "secret_arn".into(),
                ty: Type::String,
                description: "ARN of the user's secret, so the imported user keeps its secret."
                    .into(),
                required_for_import: false,
            },
        ],
    }
}

// ---------------------------------------------------------------------------------------------------------
// Validation

fn parse_engine(s: &str) -> DiagResult<Engine> {
    match s {
        "mysql" => Ok(Engine::Mysql),
        "mariadb" => Ok(Engine::Mariadb),
        "postgres" => Ok(Engine::Postgres),
        other => Err(Diagnostic::error(
            "Invalid engine",
            format!("{other:?} is not one of mysql, mariadb, postgres."),
        )
        .at(AttrPath::attribute("engine"))
        .into()),
    }
}

fn validate_state(s: &State, known: &dyn Fn(&AttrPath) -> bool) -> Diagnostics {
    let mut d = Diagnostics::new();
    let err = |d: &mut Diagnostics, path: AttrPath, summary: &str, detail: String| {
        d.push(Diagnostic::error(summary, detail).at(path));
    };
    let engine = match s.engine.as_str() {
        "mysql" => Some(Engine::Mysql),
        "mariadb" => Some(Engine::Mariadb),
        "postgres" => Some(Engine::Postgres),
        _ => None,
    };
    let admin_arn_set =
        s.admin_secret_arn.is_some() || !known(&AttrPath::attribute("admin_secret_arn"));
    let admin_user_set =
        s.admin_username.is_some() || !known(&AttrPath::attribute("admin_username"));
    match (admin_arn_set, admin_user_set) {
        (true, true) => err(&mut d, AttrPath::attribute("admin_username"), "Conflicting admin credentials", "Set exactly one of admin_secret_arn and admin_username (with admin_password_wo).".into()),
        (false, false) => err(&mut d, AttrPath::attribute("admin_secret_arn"), "Missing admin credentials", "Set admin_secret_arn (a secret with username and password, e.g. the RDS-managed master secret) or admin_username with admin_password_wo.".into()),
        _ => {}
    }
    if s.admin_username.is_some()
        && s.admin_password_wo.is_none()
        && known(&AttrPath::attribute("admin_password_wo"))
    {
        err(&mut d, AttrPath::attribute("admin_password_wo"), "Missing admin password", "admin_username needs admin_password_wo (pass it from an ephemeral value, e.g. ephemeral \"logexaminer_db_credentials\").".into());
    }
    if s.admin_password_wo.is_some()
        && s.admin_username.is_none()
        && known(&AttrPath::attribute("admin_username"))
    {
        err(
            &mut d,
            AttrPath::attribute("admin_password_wo"),
            "Admin password without admin user",
            "admin_password_wo is only used with admin_username.".into(),
        );
    }
    if s.secret_name.is_some() && s.secret_name_prefix.is_some() {
        err(
            &mut d,
            AttrPath::attribute("secret_name_prefix"),
            "Conflicting secret names",
            "Set at most one of secret_name and secret_name_prefix.".into(),
        );
    }
    if s.iam_authentication == Some(true) {
        for (attr, set) in [
            ("password_version", s.password_version.is_some()),
            ("secret_name", s.secret_name.is_some()),
            ("secret_name_prefix", s.secret_name_prefix.is_some()),
            ("kms_key_id", s.kms_key_id.is_some()),
        ] {
            if set {
                err(
                    &mut d,
                    AttrPath::attribute(attr),
                    "Not used with IAM authentication",
                    format!(
                        "{attr} configures the password secret, which is not created with iam_authentication = true."
                    ),
                );
            }
        }
    }
    let Some(engine) = engine else { return d };
    if known(&AttrPath::attribute("username"))
        && let Err(e) = ident::validate(engine, NameKind::User, &s.username)
    {
        err(
            &mut d,
            AttrPath::attribute("username"),
            "Invalid username",
            e.to_string(),
        );
    }
    match (&s.host, engine.is_mysql_family()) {
        (Some(h), true) => {
            if let Err(e) = ident::validate(engine, NameKind::Host, h) {
                err(&mut d, AttrPath::attribute("host"), "Invalid host", e.to_string());
            }
        }
        (Some(_), false) => err(&mut d, AttrPath::attribute("host"), "Host not used on PostgreSQL", "PostgreSQL roles have no host part; leave host unset (client addresses are controlled by pg_hba.conf or security groups).".into()),
        _ => {}
    }
    if s.valid_until.is_some() && engine != Engine::Postgres {
        err(
            &mut d,
            AttrPath::attribute("valid_until"),
            "valid_until is PostgreSQL only",
            format!(
                "{engine} has no password expiry per user in this resource; leave valid_until unset."
            ),
        );
    }
    if let Some(v) = &s.valid_until
        && let Err(e) = statements::normalize_valid_until(v)
    {
        err(
            &mut d,
            AttrPath::attribute("valid_until"),
            "Invalid valid_until",
            e.to_string(),
        );
    }
    if s.default_privilege_roles.is_some() && engine != Engine::Postgres {
        err(&mut d, AttrPath::attribute("default_privilege_roles"), "Default privileges are PostgreSQL only", "MySQL and MariaDB database grants (objects \"*\") cover future tables already; leave default_privilege_roles unset.".into());
    }
    if let Some(roles) = &s.default_privilege_roles {
        for r in roles {
            if let Err(e) = ident::validate(engine, NameKind::Role, r)
                && !matches!(e.reason, ident::Reason::Reserved(_))
            {
                err(
                    &mut d,
                    AttrPath::attribute("default_privilege_roles"),
                    "Invalid role",
                    e.to_string(),
                );
            }
        }
    }
    if let (Some(c), true) = (s.endpoint.first(), known(&AttrPath::attribute("endpoint"))) {
        if engine.is_mysql_family()
            && let Some(db) = &c.database
            && let Err(e) = ident::validate(engine, NameKind::Database, db)
        {
            err(
                &mut d,
                AttrPath::attribute("endpoint").index(0).attr("database"),
                "Invalid database",
                e.to_string(),
            );
        }
        if c.tls.as_deref() == Some("verify-full") && c.ca_bundle_pem.is_none() {
            d.push(Diagnostic::warning("verify-full without ca_bundle_pem", "The certificate is checked against the Mozilla roots, which do not include the RDS certificate authorities; pass the RDS CA bundle in ca_bundle_pem.").at(AttrPath::attribute("endpoint").index(0).attr("tls")));
        }
    }
    let server = rules::validation_server(engine);
    if known(&AttrPath::attribute("grant"))
        && let Err(errors) = rules::blocks_to_grants(&server, &s.grant)
    {
        for e in errors {
            err(&mut d, AttrPath::attribute("grant"), "Invalid grant", e);
        }
    }
    for b in &s.grant {
        if b.object_type.as_deref() == Some(rules::GLOBAL_TYPE)
            || b.object_type.as_deref() == Some(rules::PENDING_TYPE)
        {
            err(
                &mut d,
                AttrPath::attribute("grant"),
                "Invalid grant",
                "global privileges are never granted by this resource".into(),
            );
        }
    }
    if engine == Engine::Postgres && s.require_ssl == Some(true) {
        d.push(Diagnostic::warning(
            "require_ssl on PostgreSQL is server-wide",
            "PostgreSQL cannot require TLS for one role in SQL: it is enforced for all users by rds.force_ssl = 1 (RDS) or hostssl lines in pg_hba.conf. Apply checks rds.force_ssl and fails when RDS reports 0.",
        ).at(AttrPath::attribute("require_ssl")));
    }
    d
}

// ---------------------------------------------------------------------------------------------------------
// Helpers shared by the operations

struct Admin {
    username: String,
    password: Secret,
    /// The secret the credentials came from.
    source: Option<String>,
}

/// Admin credentials read from Secrets Manager, per secret ARN, for the life of the provider process (one
/// Terraform command): an apply of many users reads each admin secret once. A login failure evicts the
/// entry and reads the secret again (it may have been rotated).
type AdminCache = std::sync::Mutex<BTreeMap<String, (std::time::Instant, String, Secret)>>;

fn admin_cache() -> &'static AdminCache {
    static CACHE: std::sync::OnceLock<AdminCache> = std::sync::OnceLock::new();
    CACHE.get_or_init(|| std::sync::Mutex::new(BTreeMap::new()))
}

const ADMIN_CACHE_TTL: std::time::Duration = std::time::Duration::from_secs(300);

fn diag_at(e: impl std::fmt::Display, summary: &str, path: &str) -> Diagnostics {
    Diagnostic::error(summary, e.to_string())
        .at(AttrPath::attribute(path))
        .into()
}

fn user_label(s: &State) -> String {
    match &s.host {
        Some(h) => format!("{}@{h}", s.username),
        None => s.username.clone(),
    }
}

fn endpoint(s: &State) -> DiagResult<&Endpoint> {
    s.endpoint.first().ok_or_else(|| {
        Diagnostic::error(
            "Missing endpoint block",
            "Add an endpoint block with the server's host.",
        )
        .into()
    })
}

fn port_of(s: &State, engine: Engine) -> DiagResult<u16> {
    let c = endpoint(s)?;
    match c.port {
        None => Ok(engine.default_port()),
        Some(p) => u16::try_from(p)
            .ok()
            .filter(|p| *p != 0)
            .ok_or_else(|| diag_at(format!("{p} is not a TCP port"), "Invalid port", "endpoint")),
    }
}

fn connect_options(
    s: &State,
    engine: Engine,
    username: &str,
    password: Secret,
) -> DiagResult<ConnectOptions> {
    let c = endpoint(s)?;
    Ok(ConnectOptions {
        engine,
        host: c.host.clone(),
        port: port_of(s, engine)?,
        database: c.database.clone(),
        username: username.to_owned(),
        password,
        tls: TlsMode::parse(c.tls.as_deref().unwrap_or("require")).unwrap_or(TlsMode::Require),
        ca_bundle_pem: c.ca_bundle_pem.clone(),
        connect_timeout: rules::timeout(c.connect_timeout),
    })
}

fn import_id(s: &State, engine: Engine) -> Option<String> {
    let c = s.endpoint.first()?;
    let port = port_of(s, engine).ok()?;
    let id = ImportId {
        engine,
        host: c.host.clone(),
        port,
        database: (engine == Engine::Postgres)
            .then(|| c.database.clone().unwrap_or_else(|| "postgres".into())),
        user: s.username.clone(),
        user_host: engine
            .is_mysql_family()
            .then(|| s.host.clone().unwrap_or_else(|| "%".into())),
    };
    Some(id.to_string())
}

fn db_error(action: Action, s: &State, e: &ClientError) -> Diagnostics {
    failed(action, "database", "user", &user_label(s), e).into()
}

fn secret_error(action: Action, id: &str, e: &SecretError) -> Diagnostics {
    failed(action, "Secrets Manager", "secret", id, e).into()
}

async fn sm(data: &ProviderData) -> DiagResult<aws_sdk_secretsmanager::Client> {
    data.secretsmanager().await
}

async fn admin_from_secret(
    client: &aws_sdk_secretsmanager::Client,
    arn: &str,
) -> DiagResult<Admin> {
    if let Ok(cache) = admin_cache().lock()
        && let Some((at, username, password)) = cache.get(arn)
        && at.elapsed() < ADMIN_CACHE_TTL
    {
        return Ok(Admin {
            username: username.clone(),
            password: password.clone(),
            source: Some(arn.to_owned()),
        });
    }
    let (value, _) = secret::get(client, arn, None, None)
        .await
        .map_err(|e| secret_error(Action::Reading, arn, &e))?;
    let (username, password) = secret::parse_credentials(&value).map_err(|e| {
        diag_at(
            format!("admin secret {arn}: {e}"),
            "Unusable admin secret",
            "admin_secret_arn",
        )
    })?;
    if let Ok(mut cache) = admin_cache().lock() {
        cache.insert(
            arn.to_owned(),
            (
                std::time::Instant::now(),
                username.clone(),
                password.clone(),
            ),
        );
    }
    Ok(Admin {
        username,
        password,
        source: Some(arn.to_owned()),
    })
}

fn forget_admin(arn: &str) {
    if let Ok(mut cache) = admin_cache().lock() {
        cache.remove(arn);
    }
}

/// Admin credentials while applying (configuration available).
async fn admin_for_apply(data: &ProviderData, s: &State) -> DiagResult<Admin> {
    if let Some(arn) = &s.admin_secret_arn {
        return admin_from_secret(&sm(data).await?, arn).await;
    }
    match (&s.admin_username, &s.admin_password_wo) {
        (Some(u), Some(p)) => Ok(Admin {
            username: u.clone(),
            password: p.clone(),
            source: None,
        }),
        _ => Err(diag_at(
            "Set admin_secret_arn, or admin_username with admin_password_wo.",
            "Missing admin credentials",
            "admin_username",
        )),
    }
}

/// Admin credentials while destroying (no configuration, so no write-only values).
async fn admin_for_delete(data: &ProviderData, s: &State) -> DiagResult<Admin> {
    if let Some(arn) = &s.admin_secret_arn {
        return admin_from_secret(&sm(data).await?, arn).await;
    }
    let env = std::env::var(ADMIN_PASSWORD_ENV)
        .ok()
        .filter(|p| !p.is_empty());
    match (&s.admin_username, env) {
        (Some(u), Some(p)) => Ok(Admin {
            username: u.clone(),
            password: Secret::new(p),
            source: None,
        }),
        _ => Err(Diagnostic::error(
            "Admin password needed to destroy the user",
            format!(
                "Terraform does not send write-only values (admin_password_wo) when destroying, so the provider cannot log in as {:?}. Run the destroy with the admin password in the environment variable {ADMIN_PASSWORD_ENV}, or switch the resource to admin_secret_arn (recommended) and apply before destroying.",
                s.admin_username.as_deref().unwrap_or("the admin")
            ),
        )
        .into()),
    }
}

/// Open connections kept for the life of the provider process (one Terraform command) and reused by the
/// operations that follow: an apply of many users then logs in a few times instead of once per user
/// (each login costs a round trip or more, and on PostgreSQL a SCRAM key derivation). Keyed by a hash of
/// everything that identifies the login, password included; a connection idle for longer than
/// [`POOL_IDLE`] is not reused, and one that saw an error is never returned.
type Pool = std::sync::Mutex<BTreeMap<[u8; 32], Vec<(std::time::Instant, Client)>>>;

fn pool() -> &'static Pool {
    static POOL: std::sync::OnceLock<Pool> = std::sync::OnceLock::new();
    POOL.get_or_init(|| std::sync::Mutex::new(BTreeMap::new()))
}

const POOL_IDLE: std::time::Duration = std::time::Duration::from_secs(30);
const POOL_MAX_PER_LOGIN: usize = 32;

fn pool_key(o: &ConnectOptions) -> [u8; 32] {
    use sha2::{Digest, Sha256};
    let mut h = Sha256::new();
    for part in [
        o.engine.as_str(),
        &o.host,
        &o.port.to_string(),
        o.database.as_deref().unwrap_or("\u{0}"),
        &o.username,
        o.password.expose(),
        o.tls.as_str(),
        o.ca_bundle_pem.as_deref().unwrap_or(""),
    ] {
        h.update(part.len().to_be_bytes());
        h.update(part.as_bytes());
    }
    h.update(o.connect_timeout.as_millis().to_be_bytes());
    h.finalize().into()
}

/// A pooled connection for `opts`, or a new one.
async fn checkout(opts: &ConnectOptions) -> Result<Client, ClientError> {
    let key = pool_key(opts);
    let reused = pool().lock().ok().and_then(|mut p| {
        let list = p.get_mut(&key)?;
        while let Some((since, c)) = list.pop() {
            if since.elapsed() < POOL_IDLE {
                return Some(c);
            }
        }
        None
    });
    match reused {
        Some(c) => Ok(c),
        None => Client::connect(opts).await,
    }
}

/// Returns a connection that finished its work without errors to the pool.
fn checkin(client: Client) {
    let key = pool_key(client.options());
    if let Ok(mut p) = pool().lock() {
        let list = p.entry(key).or_default();
        if list.len() < POOL_MAX_PER_LOGIN {
            list.push((std::time::Instant::now(), client));
        }
    }
}

/// Connects as the admin. When the admin's password from a cached secret is refused, the secret is read
/// again once (it may have been rotated since) and `admin` updated.
async fn connect(
    data: &ProviderData,
    s: &State,
    engine: Engine,
    admin: &mut Admin,
    action: Action,
) -> DiagResult<Client> {
    let opts = connect_options(s, engine, &admin.username, admin.password.clone())?;
    match checkout(&opts).await {
        Ok(c) => Ok(c),
        Err(e) if e.is_login() && admin.source.is_some() => {
            let arn = admin.source.clone().unwrap_or_default();
            forget_admin(&arn);
            *admin = admin_from_secret(&sm(data).await?, &arn).await?;
            let opts = connect_options(s, engine, &admin.username, admin.password.clone())?;
            checkout(&opts).await.map_err(|e| db_error(action, s, &e))
        }
        Err(e) => Err(db_error(action, s, &e)),
    }
}

fn grantee(s: &State, engine: Engine) -> DiagResult<Grantee> {
    let host = if engine.is_mysql_family() {
        Some(s.host.as_deref().unwrap_or("%"))
    } else {
        None
    };
    Grantee::new(engine, &s.username, host).map_err(|e| diag_at(e, "Invalid username", "username"))
}

fn roles_for(s: &State, engine: Engine, admin: &str) -> Vec<String> {
    if engine != Engine::Postgres {
        return Vec::new();
    }
    s.default_privilege_roles
        .clone()
        .unwrap_or_else(|| vec![admin.to_owned()])
}

fn grants_of(server: &ServerInfo, s: &State) -> DiagResult<Vec<Grant>> {
    rules::blocks_to_grants(server, &s.grant).map_err(|errors| {
        Diagnostics(
            errors
                .into_iter()
                .map(|e| Diagnostic::error("Invalid grant", e).at(AttrPath::attribute("grant")))
                .collect(),
        )
    })
}

fn inspect_for(grants: &[Grant], roles: &[String]) -> Inspect {
    let (databases, schemas) = rules::inspected(grants);
    Inspect {
        databases,
        schemas,
        default_privilege_roles: roles.to_vec(),
    }
}

fn user_options(s: &State, engine: Engine) -> UserOptions {
    UserOptions {
        connection_limit: s.connection_limit.and_then(|n| u32::try_from(n).ok()),
        valid_until: if engine == Engine::Postgres {
            s.valid_until.clone()
        } else {
            None
        },
        require_ssl: engine.is_mysql_family() && s.require_ssl == Some(true),
    }
}

fn is_iam(s: &State) -> bool {
    s.iam_authentication == Some(true)
}

async fn new_password(
    client: &aws_sdk_secretsmanager::Client,
    s: &State,
    engine: Engine,
) -> DiagResult<Secret> {
    let length = s.password_length.unwrap_or(32);
    let pw = if s.password_generator.as_deref() == Some("secretsmanager") {
        secret::random_password(client, length)
            .await
            .map_err(|e| secret_error(Action::Creating, "GetRandomPassword", &e))?
    } else {
        password::generate(usize::try_from(length).unwrap_or(32))
            .map_err(|e| diag_at(e, "Invalid password length", "password_length"))?
    };
    password::validate(engine, &pw)
        .map_err(|e| diag_at(e, "Unusable password", "password_generator"))?;
    Ok(pw)
}

fn secret_value(
    s: &State,
    engine: Engine,
    password: Secret,
    keep: Option<&RdsSecret>,
) -> DiagResult<Secret> {
    let c = endpoint(s)?;
    let base = RdsSecret {
        engine: engine.as_str().to_owned(),
        host: c.host.clone(),
        port: port_of(s, engine)?,
        username: s.username.clone(),
        password: password.clone(),
        dbname: c
            .database
            .clone()
            .or_else(|| (engine == Engine::Postgres).then(|| "postgres".to_owned())),
        masterarn: s.admin_secret_arn.clone(),
        db_cluster_identifier: None,
        db_instance_identifier: None,
        base_username: Some(s.username.clone()),
        extra: serde_json::Map::new(),
    };
    let out = match keep {
        Some(old) => RdsSecret {
            db_cluster_identifier: old.db_cluster_identifier.clone(),
            db_instance_identifier: old.db_instance_identifier.clone(),
            extra: old.extra.clone(),
            ..base
        },
        None => base,
    };
    Ok(Secret::new(out.to_json()))
}

fn secret_description(s: &State) -> String {
    let host = s
        .endpoint
        .first()
        .map(|c| c.host.as_str())
        .unwrap_or_default();
    format!(
        "Credentials of database user {:?} on {host} (managed by Terraform: logexaminer_db_user)",
        user_label(s)
    )
}

fn new_secret_name(s: &State) -> String {
    if let Some(n) = &s.secret_name {
        return n.clone();
    }
    let prefix = s
        .secret_name_prefix
        .as_deref()
        .unwrap_or(DEFAULT_SECRET_PREFIX);
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    rules::unique_secret_name(prefix, now, rand::rng().random())
}

/// Drops the user everywhere: PostgreSQL releases owned objects and privileges in every database first.
async fn drop_everywhere(
    client: &mut Client,
    engine: Engine,
    grantee: &Grantee,
    admin: &str,
    policy: OnDeleteOwned,
) -> Result<(), String> {
    let server = client.server_info();
    let mut stmts: Vec<Statement> = Vec::new();
    if engine == Engine::Postgres {
        let role = grantee.user();
        let exists = !client
            .query(None, introspect::PG_ROLE_SQL, &[Bind::Text(role)])
            .await
            .map_err(|e| e.to_string())?
            .is_empty();
        if !exists {
            return Ok(());
        }
        let deps = client
            .pg_dependents(role)
            .await
            .map_err(|e| e.to_string())?;
        let owning: Vec<String> = deps
            .iter()
            .filter(|d| d.owned > 0)
            .map(|d| {
                if d.database.is_empty() {
                    format!("{} cluster-wide object(s) such as databases", d.owned)
                } else {
                    format!("{} object(s) in database {:?}", d.owned, d.database)
                }
            })
            .collect();
        if policy == OnDeleteOwned::Fail && !owning.is_empty() {
            return Err(format!(
                "role {role:?} owns {}; set on_delete_owned_objects = \"reassign_to_admin\" (objects go to {admin:?}) or \"drop\" (objects are dropped), apply, and destroy again",
                owning.join(", ")
            ));
        }
        stmts.push(statements::pg_prepare_drop(role).map_err(|e| e.to_string())?);
        let current = client.options().pg_database().to_owned();
        for db in introspect::databases_to_release(&deps, &current) {
            stmts.extend(
                statements::pg_release_owned(role, admin, policy, &db)
                    .map_err(|e| e.to_string())?,
            );
        }
    }
    stmts.extend(statements::drop_user(&server, grantee).map_err(|e| e.to_string())?);
    client.execute(&stmts).await.map_err(|e| e.to_string())
}

fn policy_of(s: &State) -> OnDeleteOwned {
    s.on_delete_owned_objects
        .as_deref()
        .and_then(OnDeleteOwned::parse)
        .unwrap_or(OnDeleteOwned::Fail)
}

/// Sets the attributes read from the server.
fn apply_attributes(s: &mut State, attrs: &UserAttributes) {
    match attrs {
        UserAttributes::Mysql(u) => {
            s.connection_limit = u.connection_limit.map(i64::from);
            s.require_ssl = Some(u.require_ssl);
            s.iam_authentication = Some(u.iam);
        }
        UserAttributes::Postgres(r) => {
            s.connection_limit = r.connection_limit.map(i64::from);
            s.valid_until =
                rules::keep_valid_until(s.valid_until.as_deref(), r.valid_until.as_deref());
            s.iam_authentication = Some(r.iam);
        }
        UserAttributes::Unreadable => {}
    }
}

fn attributes_differ(s: &State, attrs: &UserAttributes, prior: &State) -> bool {
    match attrs {
        UserAttributes::Mysql(u) => {
            u.connection_limit.map(i64::from) != s.connection_limit
                || u.require_ssl != (s.require_ssl == Some(true))
        }
        UserAttributes::Postgres(r) => {
            let want = s
                .valid_until
                .as_deref()
                .and_then(|v| statements::normalize_valid_until(v).ok().flatten());
            r.connection_limit.map(i64::from) != s.connection_limit || r.valid_until != want
        }
        UserAttributes::Unreadable => {
            s.connection_limit != prior.connection_limit
                || s.require_ssl != prior.require_ssl
                || s.valid_until != prior.valid_until
        }
    }
}

async fn check_force_ssl(client: &mut Client, s: &State, engine: Engine) -> DiagResult<()> {
    if engine != Engine::Postgres || s.require_ssl != Some(true) {
        return Ok(());
    }
    match client.pg_force_ssl().await {
        Ok(Some(false)) => Err(diag_at(
            "require_ssl = true, but this server reports rds.force_ssl = 0, so the user could connect without TLS. Set rds.force_ssl = 1 in the DB parameter group (logexaminer_db_parameter_profile does) or set require_ssl = false.",
            "TLS is not enforced by the server",
            "require_ssl",
        )),
        Ok(_) => Ok(()),
        Err(e) => Err(db_error(Action::Reading, s, &e)),
    }
}

// ---------------------------------------------------------------------------------------------------------
// The resource

#[async_trait]
impl Resource<ProviderData> for DbUser {
    type State = State;

    fn type_name(&self) -> &'static str {
        "logexaminer_db_user"
    }

    fn schema(&self) -> Schema {
        schema()
    }

    fn identity_schema(&self) -> Option<IdentitySchema> {
        Some(identity_schema())
    }

    fn identity(&self, state: &State) -> Option<Value> {
        let id = state.id.clone()?;
        let mut m = BTreeMap::new();
        m.insert("id".to_owned(), Value::from(id));
        m.insert(
            "secret_arn".to_owned(),
            state
                .secret_arn
                .clone()
                .map(Value::from)
                .unwrap_or(Value::Null),
        );
        Some(Value::Object(m))
    }

    async fn validate(&self, config: &Config) -> Diagnostics {
        let s: State = match config.model() {
            Ok(s) => s,
            Err(d) => return d,
        };
        let known = |p: &AttrPath| config.is_known(p);
        validate_state(&s, &known)
    }

    async fn modify_plan(&self, _ctx: &Ctx<ProviderData>, plan: &mut Plan) -> Diagnostics {
        let d = Diagnostics::new();
        if plan.planned.is_null() {
            return d;
        }
        let Ok(cfg) = plan.config.model::<State>() else {
            return d;
        };
        let engine = match cfg.engine.as_str() {
            "mysql" => Engine::Mysql,
            "mariadb" => Engine::Mariadb,
            "postgres" => Engine::Postgres,
            _ => return d,
        };
        let config = plan.config.clone();
        let known = |p: &AttrPath| config.is_known(p);
        // Account host: `%` by default on MySQL/MariaDB, none on PostgreSQL.
        if cfg.host.is_none() && known(&AttrPath::attribute("host")) {
            let v = if engine.is_mysql_family() {
                Value::from("%")
            } else {
                Value::Null
            };
            plan.set(&AttrPath::attribute("host"), v);
        }
        // Port: the engine's default.
        let port_path = AttrPath::attribute("endpoint").index(0).attr("port");
        if cfg.endpoint.first().is_some_and(|c| c.port.is_none()) && known(&port_path) {
            plan.set(&port_path, Value::from(i64::from(engine.default_port())));
        }
        let planned: State = match tfplugin::model::from_value_lenient(&plan.planned) {
            Ok(p) => p,
            Err(_) => return d,
        };
        let id_inputs_known = known(&AttrPath::attribute("username"))
            && known(&AttrPath::attribute("host"))
            && known(&AttrPath::attribute("endpoint"));
        if id_inputs_known {
            if let Some(id) = import_id(&planned, engine) {
                plan.set(&AttrPath::attribute("id"), Value::from(id));
            }
        } else {
            plan.set(&AttrPath::attribute("id"), Value::Unknown);
        }
        if engine != Engine::Postgres && cfg.default_privilege_roles.is_none() {
            plan.set(&AttrPath::attribute("default_privilege_roles"), Value::Null);
        }
        let Ok(Some(prior)) = plan.prior_model::<State>() else {
            return d;
        };
        // Replacement: another server.
        if let (Some(p), Some(c)) = (prior.endpoint.first(), planned.endpoint.first()) {
            if p.host != c.host {
                plan.require_replace(AttrPath::attribute("endpoint").index(0).attr("host"));
            }
            if p.port != c.port && c.port.is_some() {
                plan.require_replace(port_path.clone());
            }
        }
        if engine == Engine::Postgres
            && cfg.default_privilege_roles.is_none()
            && (prior.admin_secret_arn != cfg.admin_secret_arn
                || prior.admin_username != cfg.admin_username)
        {
            // Defaults to the admin, which may have changed.
            plan.set(
                &AttrPath::attribute("default_privilege_roles"),
                Value::Unknown,
            );
        }
        if is_iam(&cfg) {
            return d;
        }
        let secret_missing = prior.secret_version_id.is_none() || prior.secret_arn.is_none();
        let rotate = cfg.password_version != prior.password_version || secret_missing;
        let content = prior.endpoint.first().map(|c| &c.database)
            != planned.endpoint.first().map(|c| &c.database)
            || prior.admin_secret_arn != cfg.admin_secret_arn
            || prior.kms_key_id != cfg.kms_key_id;
        if rotate || content {
            plan.set(&AttrPath::attribute("secret_version_id"), Value::Unknown);
        }
        if secret_missing {
            plan.set(&AttrPath::attribute("secret_arn"), Value::Unknown);
            if cfg.secret_name.is_none() {
                plan.set(&AttrPath::attribute("secret_name"), Value::Unknown);
            }
        }
        d
    }

    async fn create(
        &self,
        ctx: &Ctx<ProviderData>,
        req: ApplyRequest<State>,
    ) -> ApplyResult<State> {
        let data = ctx.data()?;
        let mut st = req.config;
        let engine = parse_engine(&st.engine)?;
        let sm_client = sm(data).await?;
        let mut admin = admin_for_apply(data, &st).await?;
        let mut client = connect(data, &st, engine, &mut admin, Action::Creating).await?;
        check_force_ssl(&mut client, &st, engine).await?;
        let server = client.server_info();
        let grantee = grantee(&st, engine)?;
        st.host = grantee.host().map(str::to_owned);
        let roles = roles_for(&st, engine, &admin.username);
        let gctx = GrantContext {
            server,
            grantee: grantee.clone(),
            default_privilege_roles: roles.clone(),
        };
        let grants = grants_of(&server, &st)?;
        let options = user_options(&st, engine);
        let password = if is_iam(&st) {
            None
        } else {
            Some(new_password(&sm_client, &st, engine).await?)
        };
        let auth = match &password {
            Some(p) => Auth::Password(p.clone()),
            None => Auth::Iam,
        };
        let label = user_label(&st);
        let user_stmts = statements::create_user(&server, &grantee, &auth, &options)
            .map_err(|e| failed(Action::Creating, "database", "user", &label, e))?;
        let grant_stmts = grant::diff(&grants, &ActualGrants::default(), &gctx)
            .map_err(|e| failed(Action::Creating, "database", "user", &label, e))?;
        st.default_privilege_roles = (engine == Engine::Postgres).then_some(roles);
        st.id = import_id(&st, engine);
        st.admin_password_wo = None;

        // 1. The secret (nothing to undo if this fails).
        if let Some(pw) = &password {
            let name = new_secret_name(&st);
            let value = secret_value(&st, engine, pw.clone(), None)?;
            let tags = data.merged_tags(st.tags.as_ref());
            let created = secret::create(
                &sm_client,
                &name,
                &secret_description(&st),
                st.kms_key_id.as_deref(),
                &tags,
                &value,
            )
            .await
            .map_err(|e| secret_error(Action::Creating, &name, &e))?;
            st.secret_name = Some(name);
            st.secret_arn = Some(created.arn);
            st.secret_version_id = Some(created.version_id);
        }

        // 2. The user and its grants, in one go (on PostgreSQL one transaction per database). If creating the
        // user itself fails, it was not created by us (it may exist already): only the secret is undone.
        // If a later statement fails, the user is dropped and the secret deleted; if that fails too, the
        // partial state is kept so Terraform taints it and the next apply replaces it.
        let first = user_stmts.first().map(|s| s.redacted.clone());
        let mut all = user_stmts;
        all.extend(grant_stmts);
        if let Err(e) = client.execute(&all).await {
            let mut diags = db_error(Action::Creating, &st, &e);
            let user_refused = e.statement().is_some() && e.statement() == first.as_deref();
            let mut undo_failed = false;
            if !user_refused && e.statement().is_some() {
                if let Err(u) = drop_everywhere(
                    &mut client,
                    engine,
                    &grantee,
                    &admin.username,
                    OnDeleteOwned::Fail,
                )
                .await
                {
                    undo_failed = true;
                    diags.push(failed(Action::RollingBack, "database", "user", &label, u));
                }
            } else if !user_refused {
                diags.push(Diagnostic::warning(
                    "The user may exist",
                    format!("The connection failed while creating {label:?}; if the user was created, drop it or import it before applying again."),
                ));
            }
            if !undo_failed
                && let Some(arn) = &st.secret_arn
                && let Err(u) = secret::delete(&sm_client, arn, 0).await
            {
                diags.push(Diagnostic::error(
                    "Could not delete the new secret",
                    format!("Deleting the secret {arn} after the failure failed too: {u}. Delete it by hand (aws secretsmanager delete-secret --force-delete-without-recovery --secret-id {arn})."),
                ));
            }
            client.close().await;
            return Err(ApplyError {
                diags,
                partial: undo_failed.then_some(st),
            });
        }
        checkin(client);
        Ok(st)
    }

    async fn read(&self, ctx: &Ctx<ProviderData>, state: State) -> DiagResult<Option<State>> {
        let data = ctx.data()?;
        let mut st = state;
        let engine = parse_engine(&st.engine)?;
        let sm_client = sm(data).await?;

        // The secret: existence, name, tags, current version.
        let mut own_secret: Option<RdsSecret> = None;
        if let Some(arn) = st.secret_arn.clone() {
            match secret::describe(&sm_client, &arn).await {
                Ok(info) if !info.deleted => {
                    st.secret_name = Some(info.name);
                    // A configured alias and the key ARN Secrets Manager reports cannot be compared: keep
                    // the configured value; report a non-default key only when none is configured.
                    if st.kms_key_id.is_none() {
                        st.kms_key_id = info
                            .kms_key_id
                            .filter(|k| !k.contains("aws/secretsmanager"));
                    }
                    st.tags =
                        rules::own_tags(&info.tags, &data.settings.default_tags, st.tags.as_ref());
                    st.secret_version_id = info.current_version.or(st.secret_version_id);
                    if st.admin_secret_arn.is_none()
                        && let Ok((value, _)) = secret::get(&sm_client, &arn, None, None).await
                    {
                        own_secret = RdsSecret::from_json(value.expose()).ok();
                    }
                }
                Ok(_) | Err(SecretError::NotFound(_)) => {
                    // Gone (or scheduled for deletion): the next apply writes a new password and secret.
                    st.secret_version_id = None;
                }
                Err(e) => return Err(secret_error(Action::Reading, &arn, &e)),
            }
        }

        // Who reads: the admin from its secret, else the user itself.
        let (who, self_mode) = if let Some(arn) = &st.admin_secret_arn {
            (admin_from_secret(&sm_client, arn).await?, false)
        } else {
            match own_secret {
                Some(sec) if sec.username == st.username => (
                    Admin {
                        username: sec.username.clone(),
                        password: sec.password.clone(),
                        source: None,
                    },
                    true,
                ),
                // Nothing to log in with (IAM user, or no secret): keep the state as it is.
                _ => return Ok(Some(st)),
            }
        };
        let mut who = who;
        let mut client = if self_mode {
            let opts = connect_options(&st, engine, &who.username, who.password.clone())?;
            match checkout(&opts).await {
                Ok(c) => c,
                Err(e) if e.is_login() => {
                    // The password in the secret no longer works (or the user is gone): the next apply
                    // sets a new password with the admin, recreating the user if needed.
                    st.secret_version_id = None;
                    return Ok(Some(st));
                }
                Err(e) => return Err(db_error(Action::Reading, &st, &e)),
            }
        } else {
            connect(data, &st, engine, &mut who, Action::Reading).await?
        };
        let server = client.server_info();
        let grantee = grantee(&st, engine)?;
        let admin_name = if self_mode {
            st.admin_username.clone().unwrap_or_default()
        } else {
            who.username.clone()
        };
        let roles = roles_for(&st, engine, &admin_name);
        let gctx = GrantContext {
            server,
            grantee: grantee.clone(),
            default_privilege_roles: roles.clone(),
        };
        let managed: Vec<GrantBlock> = st
            .grant
            .iter()
            .filter(|b| !rules::state_only(b))
            .cloned()
            .collect();
        let desired = rules::blocks_to_grants(&server, &managed).unwrap_or_default();
        let inspect = inspect_for(&desired, &roles);
        let user = client
            .read_user(&grantee, &inspect)
            .await
            .map_err(|e| db_error(Action::Reading, &st, &e))?;
        checkin(client);
        let Some(user) = user else {
            return Ok(None);
        };
        apply_attributes(&mut st, &user.attributes);
        let pending = grant::diff(&desired, &user.grants, &gctx).unwrap_or_default();
        if !pending.is_empty() {
            st.grant = rules::actual_to_blocks(
                &gctx,
                &user.grants,
                &managed,
                &rules::pending_texts(&pending),
            );
        }
        if engine == Engine::Postgres && !roles.is_empty() && roles.iter().all(|r| !r.is_empty()) {
            st.default_privilege_roles = Some(roles);
        }
        st.id = import_id(&st, engine);
        Ok(Some(st))
    }

    async fn update(
        &self,
        ctx: &Ctx<ProviderData>,
        prior: State,
        req: ApplyRequest<State>,
    ) -> ApplyResult<State> {
        let data = ctx.data()?;
        let mut st = req.config;
        let engine = parse_engine(&st.engine)?;
        let sm_client = sm(data).await?;
        let mut admin = admin_for_apply(data, &st).await?;
        let mut client = connect(data, &st, engine, &mut admin, Action::Updating).await?;
        check_force_ssl(&mut client, &st, engine).await?;
        let server = client.server_info();
        let grantee = grantee(&st, engine)?;
        st.host = grantee.host().map(str::to_owned);
        let roles = roles_for(&st, engine, &admin.username);
        let gctx = GrantContext {
            server,
            grantee: grantee.clone(),
            default_privilege_roles: roles.clone(),
        };
        let grants = grants_of(&server, &st)?;
        let prior_managed: Vec<GrantBlock> = prior
            .grant
            .iter()
            .filter(|b| !rules::state_only(b))
            .cloned()
            .collect();
        let prior_grants = rules::blocks_to_grants(&server, &prior_managed).unwrap_or_default();
        let mut all = grants.clone();
        all.extend(prior_grants);
        let inspect = inspect_for(&all, &roles);
        let label = user_label(&st);
        let fail = |e: &dyn std::fmt::Display| -> ApplyError<State> {
            failed(Action::Updating, "database", "user", &label, e).into()
        };
        let actual = client
            .read_user(&grantee, &inspect)
            .await
            .map_err(|e| db_error(Action::Updating, &st, &e))?;
        // Computed values must come back as planned: fill only what the plan left unknown.
        let planned_unknown = |name: &str| req.planned.attr(name).is_unknown();
        if planned_unknown("default_privilege_roles") {
            st.default_privilege_roles = (engine == Engine::Postgres).then_some(roles);
        }
        st.id = import_id(&st, engine);
        st.admin_password_wo = None;
        st.secret_arn = prior.secret_arn.clone();
        st.secret_version_id = prior.secret_version_id.clone();

        // Is the secret still there?
        let mut old_secret: Option<RdsSecret> = None;
        let mut secret_missing = true;
        if let Some(arn) = &prior.secret_arn {
            match secret::get(&sm_client, arn, None, None).await {
                Ok((value, version)) => {
                    secret_missing = false;
                    st.secret_version_id = Some(version);
                    old_secret = RdsSecret::from_json(value.expose()).ok();
                }
                Err(SecretError::NotFound(_)) => {}
                Err(e) => return Err(secret_error(Action::Reading, arn, &e).into()),
            }
        }
        let iam = is_iam(&st);
        if !iam && secret_missing && !planned_unknown("secret_arn") {
            return Err(Diagnostic::error(
                "The secret disappeared after the plan",
                format!(
                    "The secret {} of {label:?} no longer exists, but the plan kept it. Nothing was changed: run terraform apply again, and the new plan creates a new secret with a new password.",
                    prior.secret_arn.as_deref().unwrap_or_default()
                ),
            )
            .into());
        }
        let rotate = !iam
            && (st.password_version != prior.password_version
                || prior.secret_version_id.is_none()
                || secret_missing
                || actual.is_none());
        let password = if rotate {
            Some(new_password(&sm_client, &st, engine).await?)
        } else {
            None
        };

        // Phase 1: a user dropped outside Terraform is created again (with the new password).
        let created_now = actual.is_none();
        if created_now {
            let auth = match &password {
                Some(p) => Auth::Password(p.clone()),
                None => Auth::Iam,
            };
            let stmts =
                statements::create_user(&server, &grantee, &auth, &user_options(&st, engine))
                    .map_err(|e| fail(&e))?;
            client
                .execute(&stmts)
                .await
                .map_err(|e| ApplyError::from(db_error(Action::Updating, &st, &e)))?;
        }

        // Phase 2: attributes and grants.
        let mut stmts: Vec<Statement> = Vec::new();
        let empty = ActualGrants::default();
        let actual_grants = actual.as_ref().map_or(&empty, |u| &u.grants);
        if let Some(u) = &actual
            && attributes_differ(&st, &u.attributes, &prior)
        {
            stmts.extend(
                statements::alter_user(&server, &grantee, &user_options(&st, engine))
                    .map_err(|e| fail(&e))?,
            );
        }
        stmts.extend(grant::diff(&grants, actual_grants, &gctx).map_err(|e| fail(&e))?);
        if let Err(e) = client.execute(&stmts).await {
            client.close().await;
            let partial = created_now.then(|| {
                // The user exists again but its password is not in the secret yet: rotate next time.
                let mut p = prior.clone();
                p.secret_version_id = None;
                p
            });
            return Err(ApplyError {
                diags: db_error(Action::Updating, &st, &e),
                partial,
            });
        }

        // Phase 3: the password (existing user) and the secret.
        if let Some(pw) = &password {
            if !created_now {
                let stmts =
                    statements::set_password(&server, &grantee, pw).map_err(|e| fail(&e))?;
                client
                    .execute(&stmts)
                    .await
                    .map_err(|e| ApplyError::from(db_error(Action::Updating, &st, &e)))?;
            }
            let value = secret_value(&st, engine, pw.clone(), old_secret.as_ref())?;
            let written = if secret_missing {
                // The configured name, or (planned unknown) a new unique one.
                let name = new_secret_name(&st);
                let tags = data.merged_tags(st.tags.as_ref());
                secret::create(
                    &sm_client,
                    &name,
                    &secret_description(&st),
                    st.kms_key_id.as_deref(),
                    &tags,
                    &value,
                )
                .await
                .map(|c| {
                    st.secret_name = Some(name.clone());
                    st.secret_arn = Some(c.arn);
                    c.version_id
                })
                .map_err(|e| secret_error(Action::Creating, &name, &e))
            } else {
                let arn = st.secret_arn.clone().unwrap_or_default();
                secret::put(&sm_client, &arn, &value)
                    .await
                    .map_err(|e| secret_error(Action::Updating, &arn, &e))
            };
            match written {
                Ok(version) => st.secret_version_id = Some(version),
                Err(mut diags) => {
                    // Put the old password back so the secret keeps working.
                    let restored = match &old_secret {
                        Some(old) if !created_now && old.username == st.username => {
                            match statements::set_password(&server, &grantee, &old.password) {
                                Ok(s) => client.execute(&s).await.is_ok(),
                                Err(_) => false,
                            }
                        }
                        _ => false,
                    };
                    client.close().await;
                    if restored {
                        return Err(diags.into());
                    }
                    diags.push(Diagnostic::error(
                        "The new password is not in the secret",
                        "The database has a new password that could not be written to Secrets Manager, and the old one could not be restored. The next apply generates and writes another password.",
                    ));
                    let mut partial = st.clone();
                    partial.password_version = prior.password_version;
                    partial.secret_version_id = None;
                    return Err(ApplyError {
                        diags,
                        partial: Some(partial),
                    });
                }
            }
        } else if !iam && !secret_missing {
            // Same password; rewrite the secret when what it says about the connection changed.
            let content_changed = prior.endpoint.first().map(|c| &c.database)
                != st.endpoint.first().map(|c| &c.database)
                || prior.admin_secret_arn != st.admin_secret_arn;
            if let (true, Some(old), Some(arn)) =
                (content_changed, &old_secret, st.secret_arn.clone())
            {
                let value = secret_value(&st, engine, old.password.clone(), Some(old))?;
                let version = secret::put(&sm_client, &arn, &value)
                    .await
                    .map_err(|e| secret_error(Action::Updating, &arn, &e))?;
                st.secret_version_id = Some(version);
            }
        }
        checkin(client);

        // Secret settings.
        if let (false, Some(arn)) = (iam, st.secret_arn.clone()) {
            if !secret_missing {
                let old_tags = data.merged_tags(prior.tags.as_ref());
                let new_tags = data.merged_tags(st.tags.as_ref());
                if old_tags != new_tags {
                    secret::retag(&sm_client, &arn, &old_tags, &new_tags)
                        .await
                        .map_err(|e| secret_error(Action::Updating, &arn, &e))?;
                }
                if prior.kms_key_id != st.kms_key_id {
                    secret::set_kms_key(&sm_client, &arn, st.kms_key_id.as_deref())
                        .await
                        .map_err(|e| secret_error(Action::Updating, &arn, &e))?;
                }
            }
            if let Ok(info) = secret::describe(&sm_client, &arn).await {
                st.secret_version_id = info.current_version.or(st.secret_version_id);
            }
        }
        if !planned_unknown("secret_version_id") {
            // Refresh records a version written outside the plan (e.g. by rotation) next time.
            st.secret_version_id = prior.secret_version_id.clone();
        }
        Ok(st)
    }

    async fn delete(&self, ctx: &Ctx<ProviderData>, prior: State) -> DiagResult<()> {
        let data = ctx.data()?;
        let engine = parse_engine(&prior.engine)?;
        let mut admin = admin_for_delete(data, &prior).await?;
        let mut client = connect(data, &prior, engine, &mut admin, Action::Deleting).await?;
        let grantee = grantee(&prior, engine)?;
        let result = drop_everywhere(
            &mut client,
            engine,
            &grantee,
            &admin.username,
            policy_of(&prior),
        )
        .await;
        match &result {
            Ok(()) => checkin(client),
            Err(_) => client.close().await,
        }
        if let Err(e) = result {
            return Err(
                failed(Action::Deleting, "database", "user", &user_label(&prior), e).into(),
            );
        }
        if let Some(arn) = &prior.secret_arn {
            let sm_client = sm(data).await?;
            secret::delete(&sm_client, arn, prior.recovery_window_in_days.unwrap_or(30))
                .await
                .map_err(|e| secret_error(Action::Deleting, arn, &e))?;
        }
        Ok(())
    }

    async fn import(
        &self,
        ctx: &Ctx<ProviderData>,
        id: &str,
        identity: Option<&Value>,
    ) -> DiagResult<State> {
        let data = ctx.data()?;
        let (text, identity_secret) = match identity {
            Some(v) if !v.is_null() => (
                v.attr("id").as_str().unwrap_or(id).to_owned(),
                v.attr("secret_arn").as_str().map(str::to_owned),
            ),
            _ => (id.to_owned(), None),
        };
        let spec = rules::parse_import(&text).map_err(|e| {
            Diagnostics::from(Diagnostic::error(
                "Invalid import ID",
                format!("{e}. Optional query parameters: {} (percent-encoded), e.g. postgres://db.example.com:5432/metastore/hive_ro?tls=verify-full&admin_secret_arn=arn%3Aaws%3A...", rules::IMPORT_PARAMETERS.join(", ")),
            ))
        })?;
        let engine = spec.id.engine;
        let secret_arn = identity_secret.or(spec.secret_arn.clone());
        let mut admin_secret_arn = spec.admin_secret_arn.clone();
        if admin_secret_arn.is_none() && spec.admin_username.is_none() {
            // The user's secret names the admin secret (masterarn) when it was created with one.
            if let Some(arn) = &secret_arn {
                let client = sm(data).await?;
                if let Ok((value, _)) = secret::get(&client, arn, None, None).await {
                    admin_secret_arn = RdsSecret::from_json(value.expose())
                        .ok()
                        .and_then(|s| s.masterarn);
                }
            }
        }
        let database = if engine == Engine::Postgres {
            spec.id.database.clone()
        } else {
            spec.database.clone()
        };
        Ok(State {
            id: Some(spec.id.to_string()),
            engine: engine.as_str().to_owned(),
            username: spec.id.user.clone(),
            host: spec.id.user_host.clone(),
            endpoint: vec![Endpoint {
                host: spec.id.host.clone(),
                port: Some(i64::from(spec.id.port)),
                database,
                tls: Some(spec.tls.clone().unwrap_or_else(|| "require".into())),
                ca_bundle_pem: None,
                connect_timeout: Some(spec.connect_timeout.unwrap_or(10)),
            }],
            admin_secret_arn,
            admin_username: spec.admin_username.clone(),
            admin_password_wo: None,
            grant: Vec::new(),
            default_privilege_roles: None,
            iam_authentication: Some(false),
            connection_limit: None,
            valid_until: None,
            require_ssl: Some(false),
            password_version: spec.password_version,
            password_length: Some(spec.password_length.unwrap_or(32)),
            password_generator: Some(
                spec.password_generator
                    .clone()
                    .unwrap_or_else(|| "provider".into()),
            ),
            secret_name: None,
            secret_name_prefix: None,
            kms_key_id: None,
            tags: None,
            recovery_window_in_days: Some(spec.recovery_window_in_days.unwrap_or(30)),
            on_delete_owned_objects: Some(
                spec.on_delete_owned_objects
                    .clone()
                    .unwrap_or_else(|| "fail".into()),
            ),
            // Read replaces this placeholder with the version Secrets Manager reports (or clears it when
            // the secret is gone, which plans a new password).
            secret_version_id: secret_arn.as_ref().map(|_| String::new()),
            secret_arn,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_attribute_is_described() {
        let s = schema();
        assert!(
            s.block.undocumented("").is_empty(),
            "{:?}",
            s.block.undocumented("")
        );
    }

    fn base() -> State {
        State {
            id: None,
            engine: "postgres".into(),
            username: "hive_ro".into(),
            host: None,
            endpoint: vec![Endpoint {
                host: "db".into(),
                port: None,
                database: Some("metastore".into()),
                tls: Some("require".into()),
                ca_bundle_pem: None,
                connect_timeout: Some(10),
            }],
            admin_secret_arn: Some("arn:aws:secretsmanager:us-east-1:1:secret:admin".into()),
            admin_username: None,
            admin_password_wo: None,
            grant: vec![GrantBlock {
                database: "metastore".into(),
                schema: Some("hive".into()),
                object_type: None,
                objects: None,
                privileges: vec!["SELECT".into()],
                with_grant_option: None,
            }],
            default_privilege_roles: None,
            iam_authentication: Some(false),
            connection_limit: None,
            valid_until: None,
            require_ssl: Some(false),
            password_version: None,
            password_length: Some(32),
            password_generator: Some("provider".into()),
            secret_name: None,
            secret_name_prefix: None,
            kms_key_id: None,
            tags: None,
            recovery_window_in_days: Some(30),
            on_delete_owned_objects: Some("fail".into()),
            secret_arn: None,
            secret_version_id: None,
        }
    }

    fn errors(s: &State) -> Vec<(String, String)> {
        validate_state(s, &|_| true)
            .iter()
            .filter(|d| d.is_error())
            .map(|d| {
                (
                    d.path.as_ref().map(|p| p.to_string()).unwrap_or_default(),
                    d.summary.clone(),
                )
            })
            .collect()
    }

    #[test]
    fn validation_catches_bad_configuration_with_paths() {
        assert!(errors(&base()).is_empty(), "{:?}", errors(&base()));
        type Change = Box<dyn Fn(&mut State)>;
        let cases: Vec<(Change, &str, &str)> = vec![
            (
                Box::new(|s| s.admin_username = Some("a".into())),
                "admin_username",
                "Conflicting admin credentials",
            ),
            (
                Box::new(|s| s.admin_secret_arn = None),
                "admin_secret_arn",
                "Missing admin credentials",
            ),
            (
                Box::new(|s| s.username = "x".repeat(200)),
                "username",
                "Invalid username",
            ),
            (
                Box::new(|s| s.username = "pg_evil".into()),
                "username",
                "Invalid username",
            ),
            (
                Box::new(|s| s.host = Some("%".into())),
                "host",
                "Host not used on PostgreSQL",
            ),
            (
                Box::new(|s| s.valid_until = Some("tomorrow".into())),
                "valid_until",
                "Invalid valid_until",
            ),
            (
                Box::new(|s| s.grant[0].privileges = vec!["SELEKT".into()]),
                "grant",
                "Invalid grant",
            ),
            (
                Box::new(|s| {
                    s.secret_name = Some("a".into());
                    s.secret_name_prefix = Some("b".into());
                }),
                "secret_name_prefix",
                "Conflicting secret names",
            ),
            (
                Box::new(|s| {
                    s.iam_authentication = Some(true);
                    s.password_version = Some(1);
                }),
                "password_version",
                "Not used with IAM authentication",
            ),
        ];
        for (change, path, summary) in cases {
            let mut s = base();
            change(&mut s);
            let e = errors(&s);
            assert!(
                e.iter().any(|(p, m)| p == path && m == summary),
                "{path} {summary}: {e:?}"
            );
        }
        let mut maria = base();
        maria.engine = "mariadb".into();
        maria.grant[0].schema = None;
        maria.username = "hive`; DROP USER root; --".into();
        assert!(errors(&maria).is_empty(), "{:?}", errors(&maria));
        maria.host = Some("10.0.%".into());
        assert!(errors(&maria).is_empty());
        maria.host = Some("Bad Host".into());
        assert!(errors(&maria).iter().any(|(p, _)| p == "host"));
        maria.host = None;
        maria.valid_until = Some("2030-01-01T00:00:00Z".into());
        assert!(
            errors(&maria)
                .iter()
                .any(|(p, m)| p == "valid_until" && m == "valid_until is PostgreSQL only")
        );
    }

    #[test]
    fn import_ids_and_secret_values() {
        let mut s = base();
        assert_eq!(
            import_id(&s, Engine::Postgres).as_deref(),
            Some("postgres://db:5432/metastore/hive_ro")
        );
        s.engine = "mariadb".into();
        s.username = "hive@corp".into();
        s.host = Some("%".into());
        assert_eq!(
            import_id(&s, Engine::Mariadb).as_deref(),
            Some("mariadb://db:3306/hive%40corp@%25")
        );
        let v = secret_value(
            &s,
            Engine::Mariadb,
            Secret::new("pw-0123456789abcdefghijklmnopqrstu"),
            None,
        )
        .expect("value");
        let parsed = RdsSecret::from_json(v.expose()).expect("rds shape");
        assert_eq!(parsed.engine, "mariadb");
        assert_eq!(parsed.port, 3306);
        assert_eq!(parsed.username, "hive@corp");
        assert_eq!(parsed.dbname.as_deref(), Some("metastore"));
        assert_eq!(
            parsed.masterarn.as_deref(),
            Some("arn:aws:secretsmanager:us-east-1:1:secret:admin")
        );
        assert!(!format!("{s:?}").contains("pw-0123456789"));
    }
}
