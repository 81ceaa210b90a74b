//! What each rotated secret may touch, fixed outside the secret itself.
//!
//! A rotated secret's JSON is writable by anyone with `secretsmanager:PutSecretValue` on it, and its tags by
//! anyone with `secretsmanager:TagResource`. If the function took the account to change from there, such a
//! writer could point the admin at another user's account, at the admin itself, or (alternating users) make
//! it copy a victim's grants into an account whose password the writer knows. So the account each secret
//! may rotate is *bound* when `logexaminer_db_user` creates it (its `rotation_binding` attribute: secret ARN,
//! engine, server host and port, database, username, admin secret ARN) and handed to the function in its own
//! configuration (`ROTATION_BINDINGS`, written by modules/secret-rotation), which only principals allowed
//! `lambda:UpdateFunctionConfiguration` can change. The strategy comes from the binding too.
//!
//! Every secret version the function reads (AWSCURRENT, AWSPENDING, AWSPREVIOUS, a rollback target) is
//! checked against the binding before anything is done with it; so is the admin secret and the secret's
//! strategy tag. A mismatch refuses the event, changing nothing, with an error that names the fields that
//! differ and never their values. A secret without a binding is refused: the function fails closed.

use std::collections::BTreeMap;

use metastore_sql::engine::Engine;
use metastore_sql::ident::{self, NameKind};
use metastore_sql::secret_shape::RdsSecret;
use metastore_sql::statements;
use serde::Deserialize;

use crate::strategy::Strategy;

/// The environment variable that carries the bindings.
pub const BINDINGS_VAR: &str = "ROTATION_BINDINGS";

/// The account one secret may rotate.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Binding {
    /// The secret's full ARN (as `DescribeSecret` returns it).
    pub secret_arn: String,
    /// The database engine.
    pub engine: Engine,
    /// The server's host name.
    pub host: String,
    /// The server's port.
    pub port: u16,
    /// The database the secret names (`dbname`), if any.
    pub dbname: Option<String>,
    /// The base user.
    pub username: String,
    /// The admin secret (alternating users only).
    pub admin_secret_arn: Option<String>,
    /// How the secret is rotated.
    pub strategy: Strategy,
    /// The users the secret may name: the base user, and its clone for alternating users.
    users: Vec<String>,
}

/// The bindings of one function, by secret ARN.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Bindings(BTreeMap<String, Binding>);

/// A binding that cannot be used or a secret that does not match its binding. Never contains a value from
/// the secret.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum BindingError {
    /// `ROTATION_BINDINGS` is not what this function accepts.
    #[error("{BINDINGS_VAR} is invalid: {0}")]
    Invalid(String),
    /// The secret has no binding.
    #[error(
        "secret {secret} is not bound to this function ({BINDINGS_VAR} has no entry for its ARN), so it is not rotated; nothing was changed"
    )]
    Unbound {
        /// The secret.
        secret: String,
    },
    /// A secret version, the admin secret or a tag differs from the binding.
    #[error(
        "the {what} of secret {secret} does not match the function's binding in: {}; nothing was changed",
        fields.join(", ")
    )]
    Mismatch {
        /// The secret.
        secret: String,
        /// Which value, e.g. `AWSPENDING version t1`.
        what: String,
        /// The fields that differ (names only).
        fields: Vec<&'static str>,
    },
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawBinding {
    secret_arn: String,
    engine: String,
    host: String,
    port: u16,
    #[serde(default)]
    dbname: Option<String>,
    username: String,
    #[serde(default)]
    admin_secret_arn: Option<String>,
    #[serde(default)]
    strategy: Option<String>,
}

fn is_secret_arn(s: &str) -> bool {
    let parts: Vec<&str> = s.splitn(7, ':').collect();
    parts.len() == 7
        && parts[0] == "arn"
        && parts[1].starts_with("aws")
        && parts[2] == "secretsmanager"
        && parts[6].len() > 1
        && parts[5] == "secret"
}

impl Binding {
    fn from_raw(key: &str, raw: RawBinding) -> Result<Binding, BindingError> {
        let bad = |what: String| BindingError::Invalid(format!("entry {key:?}: {what}"));
        if !is_secret_arn(&raw.secret_arn) {
            return Err(bad("secret_arn is not a Secrets Manager secret ARN".into()));
        }
        let engine = Engine::from_rds_engine(&raw.engine).map_err(|e| bad(e.to_string()))?;
        if raw.host.trim().is_empty() || raw.host.chars().any(char::is_whitespace) {
            return Err(bad("host is empty or has spaces".into()));
        }
        if raw.port == 0 {
            return Err(bad("port is 0".into()));
        }
        ident::validate(engine, NameKind::User, &raw.username).map_err(|e| bad(e.to_string()))?;
        let strategy = match raw.strategy.as_deref() {
            None => Strategy::SingleUser,
            Some(s) => Strategy::parse(s).ok_or_else(|| {
                bad(format!(
                    "strategy {s:?} is neither single_user nor alternating_users"
                ))
            })?,
        };
        if let Some(a) = &raw.admin_secret_arn
            && !is_secret_arn(a)
        {
            return Err(bad(
                "admin_secret_arn is not a Secrets Manager secret ARN".into()
            ));
        }
        let mut users = vec![raw.username.clone()];
        if strategy == Strategy::AlternatingUsers {
            if raw.admin_secret_arn.is_none() {
                return Err(bad(
                    "alternating_users needs admin_secret_arn (the admin that maintains the clone)"
                        .into(),
                ));
            }
            users.push(
                statements::clone_name(engine, &raw.username).map_err(|e| bad(e.to_string()))?,
            );
        }
        Ok(Binding {
            secret_arn: raw.secret_arn,
            engine,
            host: raw.host,
            port: raw.port,
            dbname: raw.dbname,
            username: raw.username,
            admin_secret_arn: raw.admin_secret_arn,
            strategy,
            users,
        })
    }

    /// The users this secret may name: the base user, and for alternating users its clone.
    pub fn users(&self) -> &[String] {
        &self.users
    }

    fn mismatch(&self, what: &str, fields: Vec<&'static str>) -> Result<(), BindingError> {
        if fields.is_empty() {
            return Ok(());
        }
        Err(BindingError::Mismatch {
            secret: self.secret_arn.clone(),
            what: what.to_owned(),
            fields,
        })
    }

    fn server_fields(&self, s: &RdsSecret, fields: &mut Vec<&'static str>) {
        if s.engine().ok() != Some(self.engine) {
            fields.push("engine");
        }
        if !s.host.eq_ignore_ascii_case(&self.host) {
            fields.push("host");
        }
        if s.port != self.port {
            fields.push("port");
        }
    }

    /// Checks one version of the rotated secret (`what` names it in the error).
    pub fn check_secret(&self, s: &RdsSecret, what: &str) -> Result<(), BindingError> {
        let mut fields = Vec::new();
        self.server_fields(s, &mut fields);
        if s.dbname != self.dbname {
            fields.push("dbname");
        }
        if !self.users.contains(&s.username) {
            fields.push("username");
        }
        if s.masterarn.as_deref().is_some_and(|m| !m.is_empty())
            && s.masterarn != self.admin_secret_arn
        {
            fields.push("masterarn");
        }
        if s.base_username
            .as_deref()
            .is_some_and(|b| !b.is_empty() && b != self.username)
        {
            fields.push("base_username");
        }
        self.mismatch(what, fields)
    }

    /// Checks the admin secret: same server, and not one of the rotated users.
    pub fn check_admin(&self, admin: &RdsSecret) -> Result<(), BindingError> {
        let mut fields = Vec::new();
        self.server_fields(admin, &mut fields);
        if self.users.contains(&admin.username) {
            fields.push("username (the admin is one of the rotated users)");
        }
        self.mismatch("admin secret", fields)
    }

    /// Checks the secret's strategy tag (absent or empty: the binding decides).
    pub fn check_tag(&self, tag: Option<&str>) -> Result<(), BindingError> {
        let fields = match tag.map(str::trim).filter(|t| !t.is_empty()) {
            Some(t) if Strategy::parse(t) != Some(self.strategy) => {
                vec![crate::strategy::STRATEGY_TAG]
            }
            _ => vec![],
        };
        self.mismatch("tags", fields)
    }
}

impl Bindings {
    /// Reads `ROTATION_BINDINGS`: a JSON object whose values are bindings (keys are free-form names), as
    /// modules/secret-rotation writes it from `logexaminer_db_user.rotation_binding` plus the strategy.
    pub fn parse(json: &str) -> Result<Bindings, BindingError> {
        let raw: BTreeMap<String, RawBinding> = serde_json::from_str(json).map_err(|e| {
            BindingError::Invalid(format!(
                "expected a JSON object of bindings (line {}, column {})",
                e.line(),
                e.column()
            ))
        })?;
        let mut out = BTreeMap::new();
        for (key, r) in raw {
            let b = Binding::from_raw(&key, r)?;
            if out.contains_key(&b.secret_arn) {
                return Err(BindingError::Invalid(format!(
                    "entry {key:?}: secret {} is bound twice",
                    b.secret_arn
                )));
            }
            out.insert(b.secret_arn.clone(), b);
        }
        Ok(Bindings(out))
    }

    /// Adds or replaces a binding (tests and embedders).
    pub fn insert(&mut self, b: Binding) {
        self.0.insert(b.secret_arn.clone(), b);
    }

    /// The binding of the secret with this ARN.
    pub fn get(&self, arn: &str) -> Result<&Binding, BindingError> {
        self.0.get(arn).ok_or_else(|| BindingError::Unbound {
            secret: arn.to_owned(),
        })
    }

    /// The number of bound secrets.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// True when no secret is bound.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// Builds one binding from its parts, validating them as [`Bindings::parse`] does.
#[allow(clippy::too_many_arguments)]
pub fn binding(
    secret_arn: &str,
    engine: Engine,
    host: &str,
    port: u16,
    dbname: Option<&str>,
    username: &str,
    admin_secret_arn: Option<&str>,
    strategy: Strategy,
) -> Result<Binding, BindingError> {
    Binding::from_raw(
        "binding",
        RawBinding {
            secret_arn: secret_arn.to_owned(),
            engine: engine.as_str().to_owned(),
            host: host.to_owned(),
            port,
            dbname: dbname.map(str::to_owned),
            username: username.to_owned(),
            admin_secret_arn: admin_secret_arn.map(str::to_owned),
            strategy: Some(strategy.as_str().to_owned()),
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use metastore_sql::password::Secret;

    const ARN: &str = "arn:aws:secretsmanager:eu-west-1:111122223333:secret:metastore/hive-AbCdEf";
    const ADMIN: &str =
        "arn:aws:secretsmanager:eu-west-1:111122223333:secret:metastore/admin-GhIjKl";

    fn secret(user: &str) -> RdsSecret {
        RdsSecret::from_json(&format!(
            r#"{{"engine":"mysql","host":"db.example","port":3306,"username":"{user}","password":"Pw-0123456789abcdefghijklmnopqrstuv","dbname":"metastore","masterarn":"{ADMIN}","base_username":"hive"}}"#
        ))
        .expect("secret")
    }

    fn bound(strategy: Strategy) -> Binding {
        binding(
            ARN,
            Engine::Mysql,
            "db.example",
            3306,
            Some("metastore"),
            "hive",
            Some(ADMIN),
            strategy,
        )
        .expect("binding")
    }

    fn fields(r: Result<(), BindingError>) -> Vec<&'static str> {
        match r {
            Err(BindingError::Mismatch { fields, .. }) => fields,
            other => panic!("expected a mismatch, got {other:?}"),
        }
    }

    #[test]
    fn parses_the_module_format_and_fails_closed() {
        let json = format!(
            r#"{{"hive":{{"secret_arn":"{ARN}","engine":"mysql","host":"db.example","port":3306,"dbname":"metastore","username":"hive","admin_secret_arn":"{ADMIN}","strategy":"alternating_users"}}}}"#
        );
        let b = Bindings::parse(&json).expect("parse");
        assert_eq!(b.len(), 1);
        let hive = b.get(ARN).expect("bound");
        assert_eq!(hive.users(), ["hive".to_owned(), "hive_clone".to_owned()]);
        assert_eq!(hive.strategy, Strategy::AlternatingUsers);
        let err = b.get(ADMIN).expect_err("unbound");
        assert!(err.to_string().contains("not bound"), "{err}");
        assert!(Bindings::parse("").is_err());
        assert!(Bindings::parse("[]").is_err());
        for bad in [
            r#"{"a":{"secret_arn":"nope","engine":"mysql","host":"h","port":1,"username":"u"}}"#,
            r#"{"a":{"secret_arn":"arn:aws:secretsmanager:r:1:secret:x","engine":"oracle","host":"h","port":1,"username":"u"}}"#,
            r#"{"a":{"secret_arn":"arn:aws:secretsmanager:r:1:secret:x","engine":"mysql","host":"h","port":1,"username":"root"}}"#,
            r#"{"a":{"secret_arn":"arn:aws:secretsmanager:r:1:secret:x","engine":"mysql","host":"h","port":1,"username":"u","strategy":"alternating_users"}}"#,
            r#"{"a":{"secret_arn":"arn:aws:secretsmanager:r:1:secret:x","engine":"mysql","host":"h","port":1,"username":"u","extra":1}}"#,
            r#"{"a":{"secret_arn":"arn:aws:secretsmanager:r:1:secret:x","engine":"mysql","host":"h","port":1,"username":"u"},"b":{"secret_arn":"arn:aws:secretsmanager:r:1:secret:x","engine":"mysql","host":"h","port":1,"username":"v"}}"#,
        ] {
            assert!(Bindings::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn every_hijack_is_named_by_field_never_by_value() {
        let b = bound(Strategy::AlternatingUsers);
        b.check_secret(&secret("hive"), "AWSCURRENT").expect("base");
        b.check_secret(&secret("hive_clone"), "AWSPENDING")
            .expect("clone");
        let mut victim = secret("victim");
        assert_eq!(fields(b.check_secret(&victim, "x")), ["username"]);
        victim.username = "admin".into();
        victim.host = "other.example".into();
        victim.port = 3307;
        victim.dbname = Some("mysql".into());
        victim.masterarn = Some(ARN.into());
        victim.base_username = Some("victim".into());
        let err = b.check_secret(&victim, "AWSPENDING version t1");
        let text = err.clone().expect_err("mismatch").to_string();
        assert_eq!(
            fields(err),
            [
                "host",
                "port",
                "dbname",
                "username",
                "masterarn",
                "base_username"
            ]
        );
        for value in ["victim", "admin", "other.example", "3307", "mysql"] {
            assert!(!text.contains(value), "{value} in {text}");
        }
        let single = bound(Strategy::SingleUser);
        assert_eq!(
            fields(single.check_secret(&secret("hive_clone"), "x")),
            ["username"]
        );
    }

    #[test]
    fn admin_and_tag_checks() {
        let b = bound(Strategy::AlternatingUsers);
        let mut admin = secret("admin");
        admin.password = Secret::new("Admin-0123456789abcdefghijklmnopqrstu");
        b.check_admin(&admin).expect("admin");
        admin.username = "hive_clone".into();
        assert_eq!(fields(b.check_admin(&admin)).len(), 1);
        admin.username = "admin".into();
        admin.host = "elsewhere".into();
        assert_eq!(fields(b.check_admin(&admin)), ["host"]);
        b.check_tag(None).expect("no tag");
        b.check_tag(Some("alternating_users")).expect("same");
        assert_eq!(
            fields(b.check_tag(Some("single_user"))),
            [crate::strategy::STRATEGY_TAG]
        );
        assert_eq!(
            fields(b.check_tag(Some("junk"))),
            [crate::strategy::STRATEGY_TAG]
        );
    }
}
