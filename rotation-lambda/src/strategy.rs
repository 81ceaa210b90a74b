//! Rotation strategies and the SQL each one runs (pure: no I/O; the statements come from `metastore_sql`).
//!
//! * [`Strategy::SingleUser`]: the user changes its own password (`setSecret` logs in with the AWSCURRENT
//!   password). Short outage risk: between `setSecret` and `finishSecret` clients holding AWSCURRENT fail.
//! * [`Strategy::AlternatingUsers`]: the admin whose secret the binding names maintains two users, the base
//!   user and `<user>_clone` ([`metastore_sql::statements::clone_name`], shortened with a hash when the
//!   engine's limit requires). Each rotation sets a new password on the user that is *not* current, so the
//!   AWSCURRENT credentials keep working throughout. The pending secret records `base_username` so the pair is
//!   recognised even when the clone name was shortened.
//!   - MySQL/MariaDB: the other user is created with the current user's host, TLS requirement and connection
//!     limit, and receives the current user's `SHOW GRANTS` (replayed by
//!     [`metastore_sql::statements::mysql_replay_grants`]; global privileges are refused).
//!   - PostgreSQL: both users are members of one NOLOGIN owner role `<base>_owner`; the clone is also a
//!     member of the base user and its sessions run `SET ROLE <base>` (`ALTER ROLE ... SET role`), so objects
//!     either user creates belong to the base user and stay usable by both, and the base user's existing
//!     objects and privileges apply to the clone unchanged.
//!
//! The strategy of a secret comes from its binding ([`crate::binding`]); the tag [`STRATEGY_TAG`] (written
//! by `logexaminer_secret_rotation`) must agree with it, else the event is refused.

use std::fmt;

use metastore_sql::engine::{Engine, ServerInfo};
use metastore_sql::grant::Grantee;
use metastore_sql::introspect::MysqlUser;
use metastore_sql::password::{self, PasswordError, Secret};
use metastore_sql::secret_shape::RdsSecret;
use metastore_sql::statements::{self, Auth, Statement, StatementError, UserOptions};

/// The secret tag that names the strategy (checked against the binding).
pub const STRATEGY_TAG: &str = "logexaminer:rotation-strategy";

/// MySQL/MariaDB: the hosts of a user's accounts; binds `?` = user. One text column.
pub const MYSQL_HOSTS_SQL: &str =
    "SELECT CAST(Host AS CHAR) FROM mysql.user WHERE User = ? ORDER BY Host";

/// PostgreSQL: whether a role exists; binds `$1` = role. One row when it does.
pub const PG_ROLE_EXISTS_SQL: &str =
    "SELECT rolname::text FROM pg_catalog.pg_roles WHERE rolname = $1";

/// The query every login check runs.
pub const LOGIN_CHECK_SQL: &str = "SELECT 1";

/// How a secret is rotated.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Strategy {
    /// The user changes its own password.
    SingleUser,
    /// An admin alternates between the user and its clone.
    AlternatingUsers,
}

impl Strategy {
    /// Reads `single_user` or `alternating_users` (also `-` for `_`, any case).
    pub fn parse(value: &str) -> Option<Strategy> {
        match value.trim().to_ascii_lowercase().replace('-', "_").as_str() {
            "single_user" => Some(Strategy::SingleUser),
            "alternating_users" => Some(Strategy::AlternatingUsers),
            _ => None,
        }
    }

    /// The configuration spelling.
    pub const fn as_str(self) -> &'static str {
        match self {
            Strategy::SingleUser => "single_user",
            Strategy::AlternatingUsers => "alternating_users",
        }
    }
}

impl fmt::Display for Strategy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Errors of this module (never containing passwords).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum StrategyError {
    /// Alternating users without `masterarn`.
    #[error(
        "alternating_users rotation needs an admin secret: the function's binding for this secret has no admin_secret_arn"
    )]
    NoMasterArn,
    /// The MySQL user has no account.
    #[error("user {0:?} has no account in mysql.user, so its clone cannot copy it")]
    NoAccount(String),
    /// The pending secret is for another user than the strategy expects.
    #[error(
        "the AWSPENDING version is for user {pending:?} but the AWSCURRENT version for {current:?}, which {strategy} rotation does not produce"
    )]
    UserMismatch {
        /// The strategy.
        strategy: Strategy,
        /// User of AWSCURRENT.
        current: String,
        /// User of AWSPENDING.
        pending: String,
    },
    /// The engine name in the secret is not supported.
    #[error(transparent)]
    Engine(#[from] metastore_sql::engine::EngineError),
    /// A password cannot be used.
    #[error(transparent)]
    Password(#[from] PasswordError),
    /// A statement could not be built.
    #[error(transparent)]
    Statement(#[from] StatementError),
    /// A name is invalid.
    #[error(transparent)]
    Ident(#[from] metastore_sql::ident::IdentError),
    /// A catalog answer could not be read.
    #[error(transparent)]
    Introspect(#[from] metastore_sql::introspect::IntrospectError),
}

/// The AWSPENDING secret built from AWSCURRENT and a new password: the same user for single-user rotation,
/// the other user of the pair of `base` (the bound user, see [`crate::binding`]; `base_username` recorded)
/// for alternating users. Every other field is kept.
pub fn pending_secret(
    strategy: Strategy,
    base: &str,
    current: &RdsSecret,
    password: Secret,
) -> Result<RdsSecret, StrategyError> {
    let engine = current.engine()?;
    password::validate(engine, &password)?;
    match strategy {
        Strategy::SingleUser => Ok(current.with_credentials(&current.username, password)),
        Strategy::AlternatingUsers => {
            let next = statements::alternate_username(engine, &current.username, Some(base))?;
            let mut pending = current.with_credentials(&next, password);
            pending.base_username = Some(base.to_owned());
            Ok(pending)
        }
    }
}

/// Checks that a pending secret (possibly written by an earlier attempt) is what `strategy` produces from
/// `current`: same user for single-user, the other user of `base`'s pair for alternating users (never the
/// current user: the admin would then change the password that AWSCURRENT's clients are using).
pub fn check_pending(
    strategy: Strategy,
    base: &str,
    current: &RdsSecret,
    pending: &RdsSecret,
) -> Result<(), StrategyError> {
    let engine = current.engine()?;
    let ok = match strategy {
        Strategy::SingleUser => pending.username == current.username,
        Strategy::AlternatingUsers => {
            pending.username != current.username
                && statements::alternate_username(engine, &current.username, Some(base))
                    .is_ok_and(|next| next == pending.username)
        }
    };
    if ok {
        Ok(())
    } else {
        Err(StrategyError::UserMismatch {
            strategy,
            current: current.username.clone(),
            pending: pending.username.clone(),
        })
    }
}

/// Single-user `setSecret`: the statements the user runs on its own session to change its password from
/// `current` to `new` (MySQL adds `REPLACE '<current>'`, accepted whether or not the server requires it).
pub fn single_user_statements(
    engine: Engine,
    new: &Secret,
    current: &Secret,
) -> Result<Vec<Statement>, StrategyError> {
    let server = ServerInfo::default_for(engine);
    let current = (engine == Engine::Mysql).then_some(current);
    Ok(statements::set_own_password(&server, new, current)?)
}

/// What the admin found about the target user of an alternating MySQL/MariaDB rotation on one host.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MysqlAlternate {
    /// The current user's account on this host (attributes copied to a new target account).
    pub source: MysqlUser,
    /// The current user's `SHOW GRANTS` lines.
    pub source_grants: Vec<String>,
    /// Whether the target account exists already.
    pub target_exists: bool,
    /// The target's `SHOW GRANTS` lines when it exists (what it holds beyond the source is revoked).
    pub target_grants: Vec<String>,
}

/// Alternating users on MySQL/MariaDB, run by the admin for one host, so that a target whose password works
/// has exactly the source's grants:
/// * a missing target is created `ACCOUNT LOCK`ed (same TLS requirement and connection limit as the source);
/// * what an existing target holds beyond the source is revoked;
/// * the source's grants are replayed on it;
/// * an existing target gets the new password;
/// * the target is unlocked last (also healing one left locked by an interrupted attempt).
pub fn mysql_alternate_statements(
    engine: Engine,
    found: &MysqlAlternate,
    target_user: &str,
    password: &Secret,
) -> Result<Vec<Statement>, StrategyError> {
    let server = ServerInfo::default_for(engine);
    let host = found.source.host.as_str();
    let source = Grantee::new(engine, &found.source.user, Some(host))?;
    let target = Grantee::new(engine, target_user, Some(host))?;
    let mut out = Vec::new();
    let options = UserOptions {
        connection_limit: found.source.connection_limit,
        valid_until: None,
        require_ssl: found.source.require_ssl,
    };
    if found.target_exists {
        out.extend(statements::mysql_revoke_extra(
            &server,
            &found.target_grants,
            &found.source_grants,
            &source,
            &target,
        )?);
    } else {
        // Locked from the first moment (`CREATE USER ... ACCOUNT LOCK`).
        out.extend(statements::create_user_without_login(
            &server,
            &target,
            &Auth::Password(password.clone()),
            &options,
        )?);
    }
    out.extend(statements::mysql_replay_grants(
        &server,
        &found.source_grants,
        &source,
        &target,
    )?);
    if found.target_exists {
        out.extend(statements::set_password(&server, &target, password)?);
    }
    out.push(statements::set_login(&server, &target, true)?);
    Ok(out)
}

/// What the admin found about the roles of an alternating PostgreSQL rotation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PgAlternate {
    /// Whether the target role exists.
    pub target_exists: bool,
    /// Whether the owner role exists.
    pub owner_exists: bool,
}

/// Alternating users on PostgreSQL, run by the admin: the owner role (created when missing), the target role
/// (created when missing, else its password set), the target's membership in the owner role and, for the
/// clone, membership in the base user plus `SET role` to it (see the module documentation). The current user
/// is left untouched.
pub fn pg_alternate_statements(
    base: &str,
    target: &str,
    found: PgAlternate,
    password: &Secret,
) -> Result<Vec<Statement>, StrategyError> {
    let server = ServerInfo::default_for(Engine::Postgres);
    let owner = statements::owner_role_name(base)?;
    let grantee = Grantee::new(Engine::Postgres, target, None)?;
    let mut out = Vec::new();
    if !found.owner_exists {
        out.push(statements::pg_create_owner_role(&owner)?);
    }
    if found.target_exists {
        out.extend(statements::set_password(&server, &grantee, password)?);
    } else {
        out.extend(statements::create_user(
            &server,
            &grantee,
            &Auth::Password(password.clone()),
            &UserOptions::default(),
        )?);
    }
    out.push(statements::pg_grant_membership(&owner, target)?);
    if target != base {
        out.push(statements::pg_grant_membership(base, target)?);
        out.push(statements::pg_set_session_role(target, base)?);
    }
    Ok(out)
}

/// The admin's statements to put an alternating user's password back (rollback event): a plain
/// `ALTER USER`/`ALTER ROLE ... PASSWORD` on every given host.
pub fn admin_set_password(
    engine: Engine,
    user: &str,
    hosts: &[String],
    password: &Secret,
) -> Result<Vec<Statement>, StrategyError> {
    let server = ServerInfo::default_for(engine);
    let mut out = Vec::new();
    if engine.is_mysql_family() {
        for host in hosts {
            let g = Grantee::new(engine, user, Some(host))?;
            out.extend(statements::set_password(&server, &g, password)?);
        }
    } else {
        let g = Grantee::new(engine, user, None)?;
        out.extend(statements::set_password(&server, &g, password)?);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secret(engine: &str, user: &str, base: Option<&str>, master: bool) -> RdsSecret {
        let mut text = format!(
            r#"{{"engine":"{engine}","host":"db.example","port":3306,"username":"{user}","password":"Old-password-1234567890abcdefghij","dbname":"metastore""#
        );
        if master {
            text.push_str(r#","masterarn":"arn:aws:secretsmanager:eu-west-1:1:secret:admin""#);
        }
        if let Some(b) = base {
            text.push_str(&format!(r#","base_username":"{b}""#));
        }
        text.push('}');
        RdsSecret::from_json(&text).expect("secret")
    }

    fn pw() -> Secret {
        Secret::new("New-password-1234567890abcdefghij")
    }

    #[test]
    fn parses_strategies() {
        assert_eq!(Strategy::parse("single_user"), Some(Strategy::SingleUser));
        assert_eq!(
            Strategy::parse(" Alternating-Users "),
            Some(Strategy::AlternatingUsers)
        );
        assert_eq!(Strategy::parse("multi_user"), None);
    }

    #[test]
    fn pending_secret_per_strategy() {
        // (strategy, engine, current user, base_username, masterarn) -> pending user, base_username
        type Case<'a> = (
            Strategy,
            &'a str,
            &'a str,
            Option<&'a str>,
            bool,
            Result<(&'a str, Option<&'a str>), StrategyError>,
        );
        let cases: [Case<'_>; 6] = [
            (
                Strategy::SingleUser,
                "mariadb",
                "hive",
                None,
                false,
                Ok(("hive", None)),
            ),
            (
                Strategy::SingleUser,
                "postgres",
                "hive",
                None,
                true,
                Ok(("hive", None)),
            ),
            (
                Strategy::AlternatingUsers,
                "mariadb",
                "hive",
                None,
                true,
                Ok(("hive_clone", Some("hive"))),
            ),
            (
                Strategy::AlternatingUsers,
                "mariadb",
                "hive_clone",
                None,
                true,
                Ok(("hive", Some("hive"))),
            ),
            (
                Strategy::AlternatingUsers,
                "postgres",
                "hive_clone",
                Some("hive"),
                true,
                Ok(("hive", Some("hive"))),
            ),
            (
                Strategy::AlternatingUsers,
                "mysql",
                "a_very_long_metastore_user_name",
                None,
                true,
                Ok((
                    "a_very_long_metas_d4ad7f43_clone",
                    Some("a_very_long_metastore_user_name"),
                )),
            ),
        ];
        for (strategy, engine, user, base, master, want) in cases {
            let current = secret(engine, user, base, master);
            // The bound user: the base of the pair.
            let bound = base.unwrap_or(user.strip_suffix("_clone").unwrap_or(user));
            let got = pending_secret(strategy, bound, &current, pw());
            match (got, want) {
                (Ok(p), Ok((want_user, want_base))) => {
                    if want_user.len() == 32 && want_user.contains("_clone") {
                        // Shortened clone names: the exact hash comes from metastore_sql.
                        let expected = statements::clone_name(Engine::Mysql, user).expect("clone");
                        assert_eq!(p.username, expected);
                        assert!(p.username.len() <= 32);
                    } else {
                        assert_eq!(p.username, want_user, "{strategy} {engine} {user}");
                    }
                    assert_eq!(p.base_username.as_deref(), want_base);
                    assert_eq!(p.password.expose(), pw().expose());
                    assert_eq!(p.host, current.host);
                    assert_eq!(p.dbname, current.dbname);
                    assert_eq!(p.masterarn, current.masterarn);
                    check_pending(strategy, bound, &current, &p).expect("consistent");
                    // The next rotation of an alternating pair comes back to the base user.
                    if strategy == Strategy::AlternatingUsers {
                        let again = pending_secret(strategy, bound, &p, pw()).expect("again");
                        assert_eq!(again.username, current.username);
                    }
                }
                (Err(e), Err(w)) => assert_eq!(e, w),
                (got, want) => panic!("{strategy} {engine} {user}: got {got:?}, want {want:?}"),
            }
        }
    }

    #[test]
    fn rejects_unsafe_passwords_and_foreign_pending_users() {
        let current = secret("mariadb", "hive", None, true);
        let err = pending_secret(
            Strategy::SingleUser,
            "hive",
            &current,
            Secret::new("Back\\slash-password-12345678901234"),
        )
        .expect_err("backslash");
        assert!(!err.to_string().contains("slash-password"), "{err}");
        let other = current.with_credentials("root", pw());
        assert!(check_pending(Strategy::SingleUser, "hive", &current, &other).is_err());
        assert!(check_pending(Strategy::AlternatingUsers, "hive", &current, &other).is_err());
        // Alternating users never rotate the current user in place.
        let same = current.with_credentials("hive", pw());
        assert!(check_pending(Strategy::SingleUser, "hive", &current, &same).is_ok());
        assert!(check_pending(Strategy::AlternatingUsers, "hive", &current, &same).is_err());
    }

    #[test]
    fn single_user_sql_per_engine() {
        let cases = [
            (Engine::Mariadb, "SET PASSWORD = PASSWORD('***')"),
            (
                Engine::Mysql,
                "ALTER USER USER() IDENTIFIED BY '***' REPLACE '***'",
            ),
            (Engine::Postgres, "ALTER ROLE CURRENT_USER PASSWORD '***'"),
        ];
        for (engine, want) in cases {
            let s = single_user_statements(
                engine,
                &pw(),
                &Secret::new("Old-password-1234567890abcdefghij"),
            )
            .expect("statements");
            assert_eq!(s.len(), 1);
            assert_eq!(s[0].redacted, want);
            assert!(!s[0].to_string().contains("New-password"));
        }
    }

    fn mysql_user(user: &str, host: &str) -> MysqlUser {
        MysqlUser {
            user: user.into(),
            host: host.into(),
            plugin: "mysql_native_password".into(),
            ssl_type: "ANY".into(),
            require_ssl: true,
            connection_limit: Some(20),
            iam: false,
            password_expired: false,
        }
    }

    #[test]
    fn mysql_alternate_creates_or_updates_the_other_user() {
        let grants = vec![
            "GRANT USAGE ON *.* TO `hive`@`%` IDENTIFIED BY PASSWORD '*ABC'".to_owned(),
            "GRANT SELECT, INSERT ON `metastore`.* TO `hive`@`%`".to_owned(),
        ];
        let found = MysqlAlternate {
            source: mysql_user("hive", "%"),
            source_grants: grants.clone(),
            target_exists: false,
            target_grants: vec![],
        };
        let s = mysql_alternate_statements(Engine::Mariadb, &found, "hive_clone", &pw())
            .expect("create");
        let red: Vec<&str> = s.iter().map(|s| s.redacted.as_str()).collect();
        // Created locked: its password works only once its grants are in place.
        assert_eq!(
            red,
            [
                "CREATE USER `hive_clone`@`%` IDENTIFIED BY '***' REQUIRE SSL WITH MAX_USER_CONNECTIONS 20 ACCOUNT LOCK",
                "GRANT SELECT, INSERT ON `metastore`.* TO `hive_clone`@`%`",
                "ALTER USER `hive_clone`@`%` ACCOUNT UNLOCK",
            ]
        );
        // An existing clone loses what the base no longer has (a table grant, a role, a wider database
        // grant, a grant option, a default role), keeps what it shares, then gets the replay.
        let found = MysqlAlternate {
            target_exists: true,
            target_grants: vec![
                "GRANT USAGE ON *.* TO `hive_clone`@`%` IDENTIFIED BY PASSWORD '*DEF'".to_owned(),
                "GRANT SELECT, INSERT ON `metastore`.* TO `hive_clone`@`%`".to_owned(),
                "GRANT SELECT ON `other`.`t1` TO `hive_clone`@`%` WITH GRANT OPTION".to_owned(),
                "GRANT ALL PRIVILEGES ON `old`.* TO `hive_clone`@`%`".to_owned(),
                "GRANT `reader` TO `hive_clone`@`%`".to_owned(),
                "SET DEFAULT ROLE `reader` FOR `hive_clone`@`%`".to_owned(),
            ],
            ..found
        };
        let s = mysql_alternate_statements(Engine::Mariadb, &found, "hive_clone", &pw())
            .expect("update");
        let red: Vec<&str> = s.iter().map(|s| s.redacted.as_str()).collect();
        assert_eq!(
            red,
            [
                "REVOKE SELECT, GRANT OPTION ON `other`.`t1` FROM `hive_clone`@`%`",
                "REVOKE ALL PRIVILEGES ON `old`.* FROM `hive_clone`@`%`",
                "REVOKE `reader` FROM `hive_clone`@`%`",
                "SET DEFAULT ROLE NONE FOR `hive_clone`@`%`",
                "GRANT SELECT, INSERT ON `metastore`.* TO `hive_clone`@`%`",
                "ALTER USER `hive_clone`@`%` IDENTIFIED BY '***'",
                "ALTER USER `hive_clone`@`%` ACCOUNT UNLOCK",
            ]
        );
        // Another account's line among the clone's is refused, not revoked.
        let foreign = MysqlAlternate {
            target_grants: vec!["GRANT SELECT ON `x`.* TO `victim`@`%`".to_owned()],
            ..found.clone()
        };
        assert!(
            mysql_alternate_statements(Engine::Mariadb, &foreign, "hive_clone", &pw()).is_err()
        );
        let global = MysqlAlternate {
            source_grants: vec!["GRANT SUPER ON *.* TO `hive`@`%`".to_owned()],
            ..found
        };
        let err = mysql_alternate_statements(Engine::Mariadb, &global, "hive_clone", &pw())
            .expect_err("global");
        assert!(err.to_string().contains("global"), "{err}");
    }

    #[test]
    fn pg_alternate_statements_cover_owner_role_and_session_role() {
        let s = pg_alternate_statements(
            "hive",
            "hive_clone",
            PgAlternate {
                target_exists: false,
                owner_exists: false,
            },
            &pw(),
        )
        .expect("first");
        let red: Vec<&str> = s.iter().map(|s| s.redacted.as_str()).collect();
        assert_eq!(
            red,
            [
                "CREATE ROLE \"hive_owner\" NOLOGIN",
                "CREATE ROLE \"hive_clone\" LOGIN PASSWORD '***'",
                "GRANT \"hive_owner\" TO \"hive_clone\"",
                "GRANT \"hive\" TO \"hive_clone\"",
                "ALTER ROLE \"hive_clone\" SET role = E'hive'",
            ]
        );
        assert!(s.iter().all(|s| !s.sql.contains("New-password")));
        let s = pg_alternate_statements(
            "hive",
            "hive",
            PgAlternate {
                target_exists: true,
                owner_exists: true,
            },
            &pw(),
        )
        .expect("back to base");
        let red: Vec<&str> = s.iter().map(|s| s.redacted.as_str()).collect();
        assert_eq!(
            red,
            [
                "ALTER ROLE \"hive\" PASSWORD '***'",
                "GRANT \"hive_owner\" TO \"hive\"",
            ]
        );
    }

    #[test]
    fn admin_password_reset_per_host() {
        let s = admin_set_password(
            Engine::Mariadb,
            "hive_clone",
            &["%".to_owned(), "10.0.0.%".to_owned()],
            &pw(),
        )
        .expect("mysql");
        assert_eq!(s.len(), 2);
        assert_eq!(
            s[1].redacted,
            "ALTER USER `hive_clone`@`10.0.0.%` IDENTIFIED BY '***'"
        );
        let s = admin_set_password(Engine::Postgres, "hive", &[], &pw()).expect("pg");
        assert_eq!(s[0].redacted, "ALTER ROLE \"hive\" PASSWORD '***'");
    }
}
