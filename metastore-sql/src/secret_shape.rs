//! The RDS-shaped secret JSON: `engine, host, port, username, password, dbname` (+ `masterarn`).
//!
//! This is the shape AWS rotation functions and RDS-managed secrets use, and the one `logexaminer_db_user`
//! writes. Reading is tolerant: `port` may be a number or a string, `dbname` may be missing (RDS writes none
//! for MySQL master secrets), and every other field (`dbClusterIdentifier`, `dbInstanceIdentifier`, anything
//! else) is kept in order and written back unchanged. `engine` keeps its spelling (`aurora-postgresql` stays
//! `aurora-postgresql`); [`RdsSecret::engine`] maps it to an [`Engine`].
//!
//! `base_username` is this project's addition for alternating-users rotation: the user the secret started
//! with, so the rotation function can always tell the user from its clone even when the clone name had to be
//! shortened (see [`crate::statements::alternate_username`]).
//!
//! `Debug` prints the password as `***`. Error messages name fields, never values.

use std::fmt;

use serde_json::{Map, Value};

use crate::engine::{Engine, EngineError};
use crate::password::Secret;

/// Errors of this module (never containing secret values).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SecretShapeError {
    /// The text is not JSON.
    #[error("the secret is not valid JSON (line {line}, column {column})")]
    Json {
        /// Line of the syntax error.
        line: usize,
        /// Column of the syntax error.
        column: usize,
    },
    /// The JSON is not an object.
    #[error("the secret is not a JSON object")]
    NotObject,
    /// A required field is missing or empty.
    #[error(
        "the secret has no {0:?} field (an RDS-shaped secret needs engine, host, port, username and password)"
    )]
    Missing(&'static str),
    /// A field has the wrong type.
    #[error("the secret's {field:?} field must be {expected}")]
    Type {
        /// The field.
        field: &'static str,
        /// What it must be.
        expected: &'static str,
    },
    /// The port is out of range.
    #[error("the secret's \"port\" field is not a TCP port (1-65535)")]
    Port,
    /// The engine is not supported.
    #[error(transparent)]
    Engine(#[from] EngineError),
}

/// The secret's content.
#[derive(Clone, PartialEq, Eq)]
pub struct RdsSecret {
    /// Engine as written (`mysql`, `mariadb`, `postgres`, `aurora-mysql`, `aurora-postgresql`, ...).
    pub engine: String,
    /// Endpoint host.
    pub host: String,
    /// Endpoint port.
    pub port: u16,
    /// User name.
    pub username: String,
    /// Password.
    pub password: Secret,
    /// Database to connect to.
    pub dbname: Option<String>,
    /// ARN of the secret holding the admin ("master") credentials, for alternating-users rotation.
    pub masterarn: Option<String>,
    /// `dbClusterIdentifier` (RDS writes it for Aurora).
    pub db_cluster_identifier: Option<String>,
    /// `dbInstanceIdentifier` (RDS writes it for instances).
    pub db_instance_identifier: Option<String>,
    /// The user the secret was created for (alternating-users rotation).
    pub base_username: Option<String>,
    /// Every other field, in the order found.
    pub extra: Map<String, Value>,
}

const KNOWN: [&str; 10] = [
    "engine",
    "host",
    "port",
    "username",
    "password",
    "dbname",
    "masterarn",
    "dbClusterIdentifier",
    "dbInstanceIdentifier",
    "base_username",
];

fn string_field(
    map: &Map<String, Value>,
    field: &'static str,
) -> Result<Option<String>, SecretShapeError> {
    match map.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(SecretShapeError::Type {
            field,
            expected: "a string",
        }),
    }
}

fn required(map: &Map<String, Value>, field: &'static str) -> Result<String, SecretShapeError> {
    match string_field(map, field)? {
        Some(s) if !s.trim().is_empty() => Ok(s),
        _ => Err(SecretShapeError::Missing(field)),
    }
}

impl RdsSecret {
    /// Parses the secret string.
    pub fn from_json(text: &str) -> Result<RdsSecret, SecretShapeError> {
        let value: Value = serde_json::from_str(text).map_err(|e| SecretShapeError::Json {
            line: e.line(),
            column: e.column(),
        })?;
        RdsSecret::from_value(value)
    }

    /// Reads an already parsed JSON value.
    pub fn from_value(value: Value) -> Result<RdsSecret, SecretShapeError> {
        let Value::Object(map) = value else {
            return Err(SecretShapeError::NotObject);
        };
        let port = match map.get("port") {
            None | Some(Value::Null) => return Err(SecretShapeError::Missing("port")),
            Some(Value::Number(n)) => n.as_u64().ok_or(SecretShapeError::Port)?,
            Some(Value::String(s)) => s
                .trim()
                .parse::<u64>()
                .map_err(|_| SecretShapeError::Port)?,
            Some(_) => {
                return Err(SecretShapeError::Type {
                    field: "port",
                    expected: "a number or a string of digits",
                });
            }
        };
        let port = u16::try_from(port)
            .ok()
            .filter(|p| *p != 0)
            .ok_or(SecretShapeError::Port)?;
        let password = match map.get("password") {
            Some(Value::String(s)) if !s.is_empty() => Secret::new(s.clone()),
            None | Some(Value::Null) | Some(Value::String(_)) => {
                return Err(SecretShapeError::Missing("password"));
            }
            Some(_) => {
                return Err(SecretShapeError::Type {
                    field: "password",
                    expected: "a string",
                });
            }
        };
        let secret = RdsSecret {
            engine: required(&map, "engine")?,
            host: required(&map, "host")?,
            port,
            username: required(&map, "username")?,
            password,
            dbname: string_field(&map, "dbname")?,
            masterarn: string_field(&map, "masterarn")?,
            db_cluster_identifier: string_field(&map, "dbClusterIdentifier")?,
            db_instance_identifier: string_field(&map, "dbInstanceIdentifier")?,
            base_username: string_field(&map, "base_username")?,
            extra: map
                .into_iter()
                .filter(|(k, _)| !KNOWN.contains(&k.as_str()))
                .collect(),
        };
        secret.engine()?;
        Ok(secret)
    }

    /// The engine family.
    pub fn engine(&self) -> Result<Engine, EngineError> {
        Engine::from_rds_engine(&self.engine)
    }

    fn fields(&self) -> Vec<(&str, Value)> {
        let mut out: Vec<(&str, Value)> = vec![
            ("engine", Value::String(self.engine.clone())),
            ("host", Value::String(self.host.clone())),
            ("port", Value::from(self.port)),
            ("username", Value::String(self.username.clone())),
            ("password", Value::String(self.password.expose().to_owned())),
        ];
        let optional = [
            ("dbname", &self.dbname),
            ("masterarn", &self.masterarn),
            ("dbClusterIdentifier", &self.db_cluster_identifier),
            ("dbInstanceIdentifier", &self.db_instance_identifier),
            ("base_username", &self.base_username),
        ];
        for (k, v) in optional {
            if let Some(v) = v {
                out.push((k, Value::String(v.clone())));
            }
        }
        for (k, v) in &self.extra {
            out.push((k.as_str(), v.clone()));
        }
        out
    }

    /// The JSON object (contains the password: only for writing the secret). Key order follows
    /// `serde_json`'s map (sorted unless its `preserve_order` feature is on); [`RdsSecret::to_json`] always
    /// writes the RDS order.
    pub fn to_value(&self) -> Value {
        Value::Object(
            self.fields()
                .into_iter()
                .map(|(k, v)| (k.to_owned(), v))
                .collect(),
        )
    }

    /// The secret string in RDS field order: `engine, host, port, username, password, dbname, masterarn`, the
    /// other known fields, then extra fields as found (contains the password: only for writing the secret).
    pub fn to_json(&self) -> String {
        let mut out = String::from("{");
        for (i, (k, v)) in self.fields().into_iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            out.push_str(&Value::String(k.to_owned()).to_string());
            out.push(':');
            out.push_str(&v.to_string());
        }
        out.push('}');
        out
    }

    /// A copy with another user name and password, other fields kept (the AWSPENDING version of a rotation).
    pub fn with_credentials(&self, username: &str, password: Secret) -> RdsSecret {
        RdsSecret {
            username: username.to_owned(),
            password,
            ..self.clone()
        }
    }
}

impl fmt::Debug for RdsSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RdsSecret")
            .field("engine", &self.engine)
            .field("host", &self.host)
            .field("port", &self.port)
            .field("username", &self.username)
            .field("password", &self.password)
            .field("dbname", &self.dbname)
            .field("masterarn", &self.masterarn)
            .field("db_cluster_identifier", &self.db_cluster_identifier)
            .field("db_instance_identifier", &self.db_instance_identifier)
            .field("base_username", &self.base_username)
            .field("extra_fields", &self.extra.keys().collect::<Vec<_>>())
            .finish()
    }
}

impl serde::Serialize for RdsSecret {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let fields = self.fields();
        let mut map = serializer.serialize_map(Some(fields.len()))?;
        for (k, v) in &fields {
            map.serialize_entry(k, v)?;
        }
        map.end()
    }
}

impl<'de> serde::Deserialize<'de> for RdsSecret {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<RdsSecret, D::Error> {
        let value = Value::deserialize(deserializer)?;
        RdsSecret::from_value(value).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const RDS_MANAGED: &str = r#"{"engine":"aurora-postgresql","host":"c.cluster-x.eu-west-1.rds.amazonaws.com","port":"5432","username":"postgres","password":"pw-Secret.1","dbClusterIdentifier":"c","dbname":"postgres","unknownField":{"nested":[1,2]}}"#;

    #[test]
    fn reads_rds_managed_shape_and_keeps_extras() {
        let s = RdsSecret::from_json(RDS_MANAGED).expect("parse");
        assert_eq!(s.engine().expect("engine"), Engine::Postgres);
        assert_eq!(s.port, 5432);
        assert_eq!(s.username, "postgres");
        assert_eq!(s.password.expose(), "pw-Secret.1");
        assert_eq!(s.db_cluster_identifier.as_deref(), Some("c"));
        assert_eq!(s.extra.len(), 1);
        let back = s.to_value();
        assert_eq!(back["engine"], "aurora-postgresql");
        assert_eq!(back["port"], 5432);
        assert_eq!(back["unknownField"]["nested"][1], 2);
        assert_eq!(back["dbClusterIdentifier"], "c");
        let again = RdsSecret::from_json(&s.to_json()).expect("round trip");
        assert_eq!(again, s);
    }

    #[test]
    fn writes_fields_in_rds_order() {
        let s = RdsSecret {
            engine: "mariadb".into(),
            host: "db".into(),
            port: 3306,
            username: "hive".into(),
            password: Secret::new("p"),
            dbname: Some("metastore".into()),
            masterarn: Some("arn:aws:secretsmanager:eu-west-1:1:secret:m".into()),
            db_cluster_identifier: None,
            db_instance_identifier: None,
            base_username: None,
            extra: Map::new(),
        };
        assert_eq!(
            s.to_json(),
            r#"{"engine":"mariadb","host":"db","port":3306,"username":"hive","password":"p","dbname":"metastore","masterarn":"arn:aws:secretsmanager:eu-west-1:1:secret:m"}"#
        );
        let serde_text = serde_json::to_string(&s).expect("serialize");
        assert_eq!(serde_text, s.to_json());
        let de: RdsSecret = serde_json::from_str(&serde_text).expect("deserialize");
        assert_eq!(de, s);
        let pending = s.with_credentials("hive_clone", Secret::new("q"));
        assert_eq!(pending.username, "hive_clone");
        assert_eq!(pending.masterarn, s.masterarn);
    }

    #[test]
    fn debug_and_errors_hide_the_password() {
        let s = RdsSecret::from_json(RDS_MANAGED).expect("parse");
        let dbg = format!("{s:?}");
        assert!(!dbg.contains("pw-Secret.1"), "{dbg}");
        assert!(dbg.contains("password: ***"), "{dbg}");
        let cases: [(&str, SecretShapeError); 8] = [
            (
                "not json pw-Secret",
                SecretShapeError::Json { line: 1, column: 2 },
            ),
            ("[1]", SecretShapeError::NotObject),
            (
                r#"{"engine":"mysql","host":"h","port":3306,"username":"u"}"#,
                SecretShapeError::Missing("password"),
            ),
            (
                r#"{"engine":"mysql","host":"h","port":3306,"username":"u","password":42}"#,
                SecretShapeError::Type {
                    field: "password",
                    expected: "a string",
                },
            ),
            (
                r#"{"engine":"mysql","host":"h","port":"x","username":"u","password":"pw-Secret"}"#,
                SecretShapeError::Port,
            ),
            (
                r#"{"engine":"mysql","host":"h","port":70000,"username":"u","password":"pw-Secret"}"#,
                SecretShapeError::Port,
            ),
            (
                r#"{"engine":"mysql","host":"","port":1,"username":"u","password":"pw-Secret"}"#,
                SecretShapeError::Missing("host"),
            ),
            (
                r#"{"engine":"oracle","host":"h","port":1,"username":"u","password":"pw-Secret"}"#,
                SecretShapeError::Engine(EngineError::Unknown("oracle".into())),
            ),
        ];
        for (text, want) in cases {
            let err = RdsSecret::from_json(text).expect_err(text);
            assert_eq!(err, want, "{text}");
            assert!(!err.to_string().contains("pw-Secret"), "{err}");
        }
    }

    #[test]
    fn port_number_forms() {
        for (port, want) in [
            ("3306", 3306u16),
            ("\"3306\"", 3306),
            ("\" 5432 \"", 5432),
            ("3306.0", 0),
        ] {
            let text = format!(
                r#"{{"engine":"mysql","host":"h","port":{port},"username":"u","password":"p"}}"#
            );
            match RdsSecret::from_json(&text) {
                Ok(s) => assert_eq!(s.port, want, "{port}"),
                Err(e) => assert_eq!((want, e), (0, SecretShapeError::Port), "{port}"),
            }
        }
    }
}
