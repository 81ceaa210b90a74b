//! Settings from the function's environment, read once at start (pure: the caller passes a lookup).
//!
//! | Variable | Default | Meaning |
//! |---|---|---|
//! | `SECRETS_MANAGER_ENDPOINT` | (SDK default) | Secrets Manager endpoint URL, e.g. a VPC endpoint's DNS name |
//! | `EXCLUDE_CHARACTERS` | `/@"'\` | characters `GetRandomPassword` leaves out (spaces and `\` are always left out) |
//! | `PASSWORD_LENGTH` | 32 | length of new passwords (32 to 1024) |
//! | `DB_CONNECT_TIMEOUT_SECONDS` | 5 | database connect timeout (1 to 60); also capped at a third of the time left in the invocation |
//! | `DB_TLS` | `verify-full` | `verify-full` (certificate chain and host name checked before the login is sent), `require` (encrypted, certificate not checked: logs a warning at start) or `disable` (only for loopback hosts unless `ALLOW_PLAINTEXT=true`) |
//! | `RDS_CA_BUNDLE` | (built-in) | PEM file whose certificates `verify-full` trusts *instead of* the Amazon RDS CAs built into the function (`metastore_sql::tls::RDS_CA_BUNDLE_PEM`); only with `DB_TLS=verify-full` |
//! | `ALLOW_PLAINTEXT` | `false` | `true` allows `DB_TLS=disable` to hosts that are not loopback addresses |
//! | `NOTIFY_TOPIC_ARN` | (none) | SNS topic for success, failure and rollback notices |
//! | `ROTATION_BINDINGS` | (none: every secret is refused) | JSON object of [`crate::binding::Binding`]s: the secrets this function may rotate, the account and admin of each, and its strategy |
//! | `METRICS_NAMESPACE` | `LogExaminer/SecretRotation` | CloudWatch namespace of the embedded-metric-format lines |

use std::path::PathBuf;
use std::time::Duration;

use crate::binding::{BINDINGS_VAR, Bindings};

/// Default length of generated passwords.
pub const DEFAULT_PASSWORD_LENGTH: u32 = 32;
/// Shortest allowed `PASSWORD_LENGTH`.
pub const MIN_PASSWORD_LENGTH: u32 = 32;
/// Longest allowed `PASSWORD_LENGTH`.
pub const MAX_PASSWORD_LENGTH: u32 = 1024;
/// Default database connect timeout.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// The longest lock wait of a database statement.
pub const MAX_LOCK_WAIT: Duration = Duration::from_secs(60);
/// Default CloudWatch namespace.
pub const DEFAULT_NAMESPACE: &str = "LogExaminer/SecretRotation";

pub use metastore_sql::client::TlsMode;

/// The function's settings.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Config {
    /// Secrets Manager endpoint override.
    pub secrets_manager_endpoint: Option<String>,
    /// `ExcludeCharacters` for `GetRandomPassword`.
    pub exclude_characters: String,
    /// Length of new passwords.
    pub password_length: u32,
    /// Database connect timeout.
    pub connect_timeout: Duration,
    /// TLS to the database.
    pub tls: TlsMode,
    /// A CA bundle (PEM file) replacing the built-in Amazon RDS CAs.
    pub ca_bundle: Option<PathBuf>,
    /// Whether `disable` may be used towards hosts that are not loopback addresses.
    pub allow_plaintext: bool,
    /// SNS topic for notices.
    pub notify_topic_arn: Option<String>,
    /// The secrets this function may rotate and what each may touch.
    pub bindings: Bindings,
    /// CloudWatch metrics namespace.
    pub metrics_namespace: String,
}

impl Default for Config {
    fn default() -> Config {
        Config {
            secrets_manager_endpoint: None,
            exclude_characters: metastore_sql::password::AWS_EXCLUDE_CHARACTERS.to_owned(),
            password_length: DEFAULT_PASSWORD_LENGTH,
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            tls: TlsMode::DEFAULT,
            ca_bundle: None,
            allow_plaintext: false,
            notify_topic_arn: None,
            bindings: Bindings::default(),
            metrics_namespace: DEFAULT_NAMESPACE.to_owned(),
        }
    }
}

/// A setting that cannot be used.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// A variable has a value outside what it accepts.
    #[error("environment variable {name} is invalid: {reason}")]
    Invalid {
        /// The variable.
        name: &'static str,
        /// What it accepts.
        reason: String,
    },
}

fn invalid(name: &'static str, reason: impl Into<String>) -> ConfigError {
    ConfigError::Invalid {
        name,
        reason: reason.into(),
    }
}

impl Config {
    /// Reads the settings through `lookup` (normally `std::env::var(..).ok()`); empty values count as unset.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Config, ConfigError> {
        let get = |name: &str| lookup(name).filter(|v| !v.trim().is_empty());
        let mut c = Config::default();
        if let Some(url) = get("SECRETS_MANAGER_ENDPOINT") {
            let url = url.trim().to_owned();
            if !(url.starts_with("https://") || url.starts_with("http://")) {
                return Err(invalid(
                    "SECRETS_MANAGER_ENDPOINT",
                    "expected an http(s) URL such as https://secretsmanager.eu-west-1.amazonaws.com",
                ));
            }
            c.secrets_manager_endpoint = Some(url);
        }
        if let Some(chars) = lookup("EXCLUDE_CHARACTERS") {
            // Empty is allowed here: it means "exclude nothing but spaces".
            if chars.chars().count() > 4096 {
                return Err(invalid("EXCLUDE_CHARACTERS", "at most 4096 characters"));
            }
            c.exclude_characters = chars;
        }
        // MySQL/MariaDB string literals cannot carry `\` under every sql_mode, so the statements refuse
        // passwords with one: a password Secrets Manager generated with it could never be set. Always excluded.
        if !c.exclude_characters.contains('\\') {
            c.exclude_characters.push('\\');
        }
        if let Some(len) = get("PASSWORD_LENGTH") {
            c.password_length = len
                .trim()
                .parse::<u32>()
                .ok()
                .filter(|n| (MIN_PASSWORD_LENGTH..=MAX_PASSWORD_LENGTH).contains(n))
                .ok_or_else(|| {
                    invalid(
                        "PASSWORD_LENGTH",
                        format!("expected a whole number from {MIN_PASSWORD_LENGTH} to {MAX_PASSWORD_LENGTH}"),
                    )
                })?;
        }
        if let Some(secs) = get("DB_CONNECT_TIMEOUT_SECONDS") {
            let secs = secs
                .trim()
                .parse::<u64>()
                .ok()
                .filter(|n| (1..=60).contains(n))
                .ok_or_else(|| {
                    invalid(
                        "DB_CONNECT_TIMEOUT_SECONDS",
                        "expected a whole number of seconds from 1 to 60",
                    )
                })?;
            c.connect_timeout = Duration::from_secs(secs);
        }
        c.ca_bundle = get("RDS_CA_BUNDLE").map(|p| PathBuf::from(p.trim()));
        c.tls = match get("DB_TLS") {
            Some(v) => TlsMode::parse(v.trim())
                .ok_or_else(|| invalid("DB_TLS", "expected verify-full, require or disable"))?,
            None => TlsMode::DEFAULT,
        };
        if c.ca_bundle.is_some() && c.tls != TlsMode::VerifyFull {
            return Err(invalid(
                "RDS_CA_BUNDLE",
                format!(
                    "a CA bundle is only used by DB_TLS=verify-full (DB_TLS={} checks no certificate): set DB_TLS=verify-full or unset RDS_CA_BUNDLE",
                    c.tls
                ),
            ));
        }
        if let Some(v) = get("ALLOW_PLAINTEXT") {
            c.allow_plaintext = match v.trim().to_ascii_lowercase().as_str() {
                "true" => true,
                "false" => false,
                _ => return Err(invalid("ALLOW_PLAINTEXT", "expected true or false")),
            };
        }
        if let Some(arn) = get("NOTIFY_TOPIC_ARN") {
            let arn = arn.trim().to_owned();
            if !arn.starts_with("arn:") || !arn.contains(":sns:") {
                return Err(invalid(
                    "NOTIFY_TOPIC_ARN",
                    "expected an SNS topic ARN (arn:aws:sns:REGION:ACCOUNT:NAME)",
                ));
            }
            c.notify_topic_arn = Some(arn);
        }
        if let Some(json) = get(BINDINGS_VAR) {
            c.bindings =
                Bindings::parse(&json).map_err(|e| invalid(BINDINGS_VAR, e.to_string()))?;
        }
        if let Some(ns) = get("METRICS_NAMESPACE") {
            let ns = ns.trim().to_owned();
            if ns.len() > 255 || ns.starts_with("AWS/") {
                return Err(invalid(
                    "METRICS_NAMESPACE",
                    "at most 255 characters and not starting with AWS/",
                ));
            }
            c.metrics_namespace = ns;
        }
        Ok(c)
    }

    /// The database time limits when `remaining` is the time left in the invocation: the connect timeout
    /// below, and a lock-wait limit that leaves, after two waits (a step and its undo), time for a rollback's
    /// connection and the notice: `(remaining - 2 x connect - 2 s) / 2`, between 1 s and 60 s.
    pub fn limits_within(&self, remaining: Option<Duration>) -> crate::db::Limits {
        let connect = self.connect_timeout_within(remaining);
        let lock = match remaining {
            Some(left) => (left.saturating_sub(connect * 2 + Duration::from_secs(2)) / 2)
                .clamp(Duration::from_secs(1), MAX_LOCK_WAIT),
            None => MAX_LOCK_WAIT,
        };
        crate::db::Limits { connect, lock }
    }

    /// Warnings about the TLS settings to log at start (not errors: the function still runs).
    pub fn tls_warnings(&self) -> Vec<&'static str> {
        let mut out = Vec::new();
        if self.tls == TlsMode::Require {
            out.push("DB_TLS=require does not check the database server's certificate: whoever answers on the secret's host and port receives the admin login (and, with caching_sha2_password or a server asking for a clear-text password, the admin password itself). Use DB_TLS=verify-full (the default; the Amazon RDS CAs are built in).");
        }
        if self.allow_plaintext && self.tls == TlsMode::Disable {
            out.push("DB_TLS=disable with ALLOW_PLAINTEXT=true: database passwords cross the network in clear text.");
        }
        out
    }

    /// The connect timeout to use when `remaining` is the time left in the invocation: the configured one,
    /// but at most a third of what is left (at least 250 ms), so a network fault becomes a clear failure
    /// with time left to roll back and notify.
    pub fn connect_timeout_within(&self, remaining: Option<Duration>) -> Duration {
        match remaining {
            Some(left) => self
                .connect_timeout
                .min(left / 3)
                .max(Duration::from_millis(250)),
            None => self.connect_timeout,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn read(vars: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let map: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        Config::from_lookup(|k| map.get(k).cloned())
    }

    #[test]
    fn defaults() {
        let c = read(&[]).expect("defaults");
        assert_eq!(c, Config::default());
        assert_eq!(c.exclude_characters, "/@\"'\\");
        assert_eq!(c.password_length, 32);
        assert_eq!(c.connect_timeout, Duration::from_secs(5));
        assert_eq!(c.tls, TlsMode::VerifyFull);
        assert!(!c.allow_plaintext);
        assert_eq!(c.ca_bundle, None);
        assert!(c.tls_warnings().is_empty());
        assert!(c.bindings.is_empty());
    }

    #[test]
    fn tls_rules() {
        // require: allowed, with a warning naming the risk.
        let c = read(&[("DB_TLS", "require")]).expect("require");
        assert_eq!(c.tls, TlsMode::Require);
        let w = c.tls_warnings();
        assert!(w.len() == 1 && w[0].contains("admin password"), "{w:?}");
        // A CA bundle only with verify-full (explicit or default).
        for tls in ["require", "disable"] {
            let err = read(&[("DB_TLS", tls), ("RDS_CA_BUNDLE", "/opt/ca.pem")])
                .expect_err("bundle without verify-full");
            assert!(err.to_string().contains("RDS_CA_BUNDLE"), "{err}");
            assert!(err.to_string().contains("verify-full"), "{err}");
        }
        let c = read(&[("RDS_CA_BUNDLE", "/opt/ca.pem")]).expect("bundle");
        assert_eq!(c.tls, TlsMode::VerifyFull);
        let c =
            read(&[("DB_TLS", "verify-full"), ("RDS_CA_BUNDLE", "/opt/ca.pem")]).expect("bundle");
        assert_eq!(c.tls, TlsMode::VerifyFull);
        // ALLOW_PLAINTEXT.
        let c = read(&[("DB_TLS", "disable"), ("ALLOW_PLAINTEXT", "TRUE")]).expect("plaintext");
        assert!(c.allow_plaintext);
        assert_eq!(c.tls_warnings().len(), 1);
        assert!(
            !read(&[("ALLOW_PLAINTEXT", "false")])
                .expect("false")
                .allow_plaintext
        );
        let err = read(&[("ALLOW_PLAINTEXT", "yes")]).expect_err("yes");
        assert!(err.to_string().contains("ALLOW_PLAINTEXT"), "{err}");
    }

    #[test]
    fn reads_every_variable() {
        let c = read(&[
            (
                "SECRETS_MANAGER_ENDPOINT",
                "https://vpce-1.secretsmanager.eu-west-1.vpce.amazonaws.com",
            ),
            ("EXCLUDE_CHARACTERS", "/@\"'\\:;"),
            ("PASSWORD_LENGTH", "48"),
            ("DB_CONNECT_TIMEOUT_SECONDS", "3"),
            ("RDS_CA_BUNDLE", "/opt/rds/global-bundle.pem"),
            (
                "NOTIFY_TOPIC_ARN",
                "arn:aws:sns:eu-west-1:123456789012:rotation",
            ),
            (
                "ROTATION_BINDINGS",
                r#"{"hive":{"secret_arn":"arn:aws:secretsmanager:eu-west-1:123456789012:secret:hive-AbCdEf","engine":"mysql","host":"db","port":3306,"username":"hive"}}"#,
            ),
            ("METRICS_NAMESPACE", "Custom/Rotation"),
        ])
        .expect("config");
        assert_eq!(
            c.secrets_manager_endpoint.as_deref(),
            Some("https://vpce-1.secretsmanager.eu-west-1.vpce.amazonaws.com")
        );
        assert_eq!(c.exclude_characters, "/@\"'\\:;");
        assert_eq!(c.password_length, 48);
        assert_eq!(c.connect_timeout, Duration::from_secs(3));
        assert_eq!(c.tls, TlsMode::VerifyFull);
        assert_eq!(
            c.ca_bundle.as_deref(),
            Some(std::path::Path::new("/opt/rds/global-bundle.pem"))
        );
        assert_eq!(
            c.bindings
                .get("arn:aws:secretsmanager:eu-west-1:123456789012:secret:hive-AbCdEf")
                .map(|b| b.strategy),
            Ok(crate::strategy::Strategy::SingleUser)
        );
        assert_eq!(c.metrics_namespace, "Custom/Rotation");
        assert_eq!(
            read(&[("DB_TLS", "disable")]).expect("tls").tls,
            TlsMode::Disable
        );
        assert_eq!(
            read(&[("EXCLUDE_CHARACTERS", "")])
                .expect("empty")
                .exclude_characters,
            "\\",
            "a backslash is always excluded (MySQL could not set such a password)"
        );
        assert_eq!(
            read(&[("EXCLUDE_CHARACTERS", ":;")])
                .expect("custom")
                .exclude_characters,
            ":;\\"
        );
    }

    #[test]
    fn rejects_bad_values_naming_the_variable() {
        let cases: [(&str, &str, &str); 10] = [
            (
                "SECRETS_MANAGER_ENDPOINT",
                "secretsmanager.local",
                "SECRETS_MANAGER_ENDPOINT",
            ),
            ("PASSWORD_LENGTH", "16", "PASSWORD_LENGTH"),
            ("PASSWORD_LENGTH", "abc", "PASSWORD_LENGTH"),
            (
                "DB_CONNECT_TIMEOUT_SECONDS",
                "0",
                "DB_CONNECT_TIMEOUT_SECONDS",
            ),
            (
                "DB_CONNECT_TIMEOUT_SECONDS",
                "900",
                "DB_CONNECT_TIMEOUT_SECONDS",
            ),
            ("DB_TLS", "sometimes", "DB_TLS"),
            ("DB_TLS", "verify-ca", "DB_TLS"),
            ("NOTIFY_TOPIC_ARN", "rotation-topic", "NOTIFY_TOPIC_ARN"),
            ("ROTATION_BINDINGS", "[]", "ROTATION_BINDINGS"),
            (
                "ROTATION_BINDINGS",
                r#"{"a":{"secret_arn":"x","engine":"mysql","host":"h","port":1,"username":"u"}}"#,
                "ROTATION_BINDINGS",
            ),
        ];
        for (name, value, mention) in cases {
            let err = read(&[(name, value)]).expect_err(name);
            assert!(err.to_string().contains(mention), "{name}={value}: {err}");
        }
    }

    #[test]
    fn lock_waits_leave_time_for_rollback_and_notice() {
        let c = Config::default();
        let cases = [
            (None, 60),
            (Some(Duration::from_secs(30)), 9),
            (Some(Duration::from_secs(900)), 60),
            (Some(Duration::from_secs(3)), 1),
        ];
        for (remaining, want) in cases {
            let l = c.limits_within(remaining);
            assert_eq!(l.lock, Duration::from_secs(want), "{remaining:?}");
            if let Some(left) = remaining.filter(|l| *l >= Duration::from_secs(10)) {
                assert!(l.lock * 2 + l.connect * 2 < left, "{remaining:?}: {l:?}");
            }
        }
    }

    #[test]
    fn connect_timeout_stays_well_under_the_deadline() {
        let c = Config::default();
        let cases = [
            (None, Duration::from_secs(5)),
            (Some(Duration::from_secs(30)), Duration::from_secs(5)),
            (Some(Duration::from_secs(6)), Duration::from_secs(2)),
            (Some(Duration::from_millis(300)), Duration::from_millis(250)),
        ];
        for (remaining, want) in cases {
            assert_eq!(c.connect_timeout_within(remaining), want, "{remaining:?}");
        }
    }
}
