//! Import IDs for `logexaminer_db_user`: URLs that survive any legal name.
//!
//! * PostgreSQL: `postgres://<host>:<port>/<database>/<role>`, e.g. `postgres://db.example.com:5432/metastore/hive_ro`.
//! * MySQL/MariaDB: `mysql://<host>:<port>/<user>@<account host>` (or `mariadb://`), e.g.
//!   `mysql://db.example.com:3306/hive%40corp@%25` for the account `'hive@corp'@'%'`. `@<account host>` may be
//!   left out and then means `%`.
//!
//! Names are percent-encoded: every byte except ASCII letters, digits and `- . _ ~` is written as `%XX` (UTF-8),
//! so `/`, `@`, `%`, quotes, spaces and non-ASCII characters never break the structure. Parsing decodes the
//! parts, checks them with [`crate::ident::validate`], accepts `postgresql://` for `postgres://` and a missing
//! port (the engine's default), and takes IPv6 server addresses in brackets (`[::1]:5432`).

use std::fmt;
use std::str::FromStr;

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, percent_decode_str, utf8_percent_encode};

use crate::engine::Engine;
use crate::ident::{self, IdentError, NameKind};

/// Everything but RFC 3986 unreserved characters is encoded.
const COMPONENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// Errors of this module.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ImportIdError {
    /// The ID does not have the expected structure.
    #[error(
        "invalid import ID {id:?}: {reason}; expected postgres://HOST:PORT/DATABASE/ROLE or mysql://HOST:PORT/USER@HOST with names percent-encoded"
    )]
    Syntax {
        /// The ID as given.
        id: String,
        /// What is wrong.
        reason: &'static str,
    },
    /// A decoded name is invalid.
    #[error("invalid import ID {id:?}: {source}")]
    Name {
        /// The ID as given.
        id: String,
        /// Why the name is invalid.
        source: IdentError,
    },
}

/// A parsed import ID.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ImportId {
    /// The engine (from the scheme).
    pub engine: Engine,
    /// Server host name or address (IPv6 without brackets).
    pub host: String,
    /// Server port.
    pub port: u16,
    /// PostgreSQL: the database; `None` on MySQL/MariaDB.
    pub database: Option<String>,
    /// User or role name.
    pub user: String,
    /// MySQL/MariaDB: the account host; `None` on PostgreSQL.
    pub user_host: Option<String>,
}

fn encode(s: &str) -> String {
    utf8_percent_encode(s, COMPONENT).to_string()
}

impl ImportId {
    /// Parses an import ID.
    pub fn parse(id: &str) -> Result<ImportId, ImportIdError> {
        let syntax = |reason| ImportIdError::Syntax {
            id: id.to_owned(),
            reason,
        };
        let (scheme, rest) = id
            .split_once("://")
            .ok_or_else(|| syntax("missing scheme"))?;
        let engine = match scheme.to_ascii_lowercase().as_str() {
            "postgres" | "postgresql" => Engine::Postgres,
            "mysql" => Engine::Mysql,
            "mariadb" => Engine::Mariadb,
            _ => return Err(syntax("the scheme must be postgres, mysql or mariadb")),
        };
        let (authority, path) = rest.split_once('/').ok_or_else(|| syntax("missing path"))?;
        let (host, port) = if let Some(v6) = authority.strip_prefix('[') {
            let (h, after) = v6
                .split_once(']')
                .ok_or_else(|| syntax("unclosed [ in the host"))?;
            match after {
                "" => (h, None),
                p => (
                    h,
                    Some(p.strip_prefix(':').ok_or_else(|| syntax("bad port"))?),
                ),
            }
        } else {
            match authority.rsplit_once(':') {
                Some((h, p)) => (h, Some(p)),
                None => (authority, None),
            }
        };
        // Brackets only around an IPv6 address: a stray `[` or `]` would print as an ID that does not parse
        // back (found by the property tests: `postgres://]::1/a/a`).
        if host.is_empty() || host.contains(['@', '/', '%', ' ', '[', ']']) {
            return Err(syntax("bad server host"));
        }
        let port = match port {
            None => engine.default_port(),
            Some(p) => p
                .parse::<u16>()
                .ok()
                .filter(|p| *p != 0)
                .ok_or_else(|| syntax("the port must be 1-65535"))?,
        };
        let decode = |s: &str| -> Result<String, ImportIdError> {
            if s.is_empty() {
                return Err(syntax("empty name"));
            }
            percent_decode_str(s)
                .decode_utf8()
                .map(|c| c.into_owned())
                .map_err(|_| syntax("a name is not valid UTF-8 after percent-decoding"))
        };
        let check = |kind, name: &str| {
            ident::validate(engine, kind, name).map_err(|source| ImportIdError::Name {
                id: id.to_owned(),
                source,
            })
        };
        let out = if engine == Engine::Postgres {
            let (db, role) = path
                .split_once('/')
                .ok_or_else(|| syntax("a PostgreSQL ID needs DATABASE/ROLE"))?;
            if role.contains('/') {
                return Err(syntax("too many / in the path (encode / in names as %2F)"));
            }
            let (database, user) = (decode(db)?, decode(role)?);
            // The rule configuration applies to endpoint.database.
            ident::validate_connection_database(engine, &database).map_err(|source| {
                ImportIdError::Name {
                    id: id.to_owned(),
                    source,
                }
            })?;
            check(NameKind::User, &user)?;
            ImportId {
                engine,
                host: host.to_owned(),
                port,
                database: Some(database),
                user,
                user_host: None,
            }
        } else {
            if path.contains('/') {
                return Err(syntax("too many / in the path (encode / in names as %2F)"));
            }
            let (user, user_host) = match path.split_once('@') {
                Some((u, h)) if !h.contains('@') => (decode(u)?, decode(h)?),
                Some(_) => return Err(syntax("more than one @ (encode @ in names as %40)")),
                None => (decode(path)?, "%".to_owned()),
            };
            check(NameKind::User, &user)?;
            check(NameKind::Host, &user_host)?;
            ImportId {
                engine,
                host: host.to_owned(),
                port,
                database: None,
                user,
                user_host: Some(user_host),
            }
        };
        Ok(out)
    }
}

impl fmt::Display for ImportId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let host = if self.host.contains(':') {
            format!("[{}]", self.host)
        } else {
            self.host.clone()
        };
        write!(f, "{}://{host}:{}/", self.engine.as_str(), self.port)?;
        match (&self.database, &self.user_host) {
            (Some(db), _) if self.engine == Engine::Postgres => {
                write!(f, "{}/{}", encode(db), encode(&self.user))
            }
            (_, Some(h)) => write!(f, "{}@{}", encode(&self.user), encode(h)),
            _ => write!(f, "{}@%25", encode(&self.user)),
        }
    }
}

impl FromStr for ImportId {
    type Err = ImportIdError;

    fn from_str(s: &str) -> Result<ImportId, ImportIdError> {
        ImportId::parse(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::rngs::StdRng;
    use rand::{Rng, SeedableRng};

    #[test]
    fn examples_from_the_issue() {
        let pg = ImportId::parse("postgres://host:5432/metastore/hive_ro").expect("pg");
        assert_eq!(
            pg,
            ImportId {
                engine: Engine::Postgres,
                host: "host".into(),
                port: 5432,
                database: Some("metastore".into()),
                user: "hive_ro".into(),
                user_host: None,
            }
        );
        assert_eq!(pg.to_string(), "postgres://host:5432/metastore/hive_ro");
        let my = ImportId::parse("mysql://host:3306/hive%40corp@%25").expect("mysql");
        assert_eq!(my.user, "hive@corp");
        assert_eq!(my.user_host.as_deref(), Some("%"));
        assert_eq!(my.database, None);
        assert_eq!(my.to_string(), "mysql://host:3306/hive%40corp@%25");
    }

    /// Regression (property tests): a stray bracket in the server host parsed, and printed back as an ID that
    /// does not parse.
    #[test]
    fn stray_brackets_in_the_host_are_refused() {
        for id in [
            "postgres://]::1/a/a",
            "postgres://[[x]:5/a/a",
            "mysql://a]b:3306/u@%25",
            "mysql://a[b/u",
        ] {
            let e = ImportId::parse(id).expect_err(id);
            assert!(e.to_string().contains("bad server host"), "{id}: {e}");
        }
        let v6 = ImportId::parse("postgres://[::1]:5/a/a").expect("v6");
        assert_eq!(ImportId::parse(&v6.to_string()), Ok(v6));
    }

    #[test]
    fn defaults_and_variants() {
        let a = ImportId::parse("postgresql://db/metastore/u").expect("a");
        assert_eq!((a.engine, a.port), (Engine::Postgres, 5432));
        let b = ImportId::parse("mariadb://[::1]:3307/u").expect("b");
        assert_eq!(
            (b.host.as_str(), b.port, b.user_host.as_deref()),
            ("::1", 3307, Some("%"))
        );
        assert_eq!(b.to_string(), "mariadb://[::1]:3307/u@%25");
        assert_eq!(ImportId::parse(&b.to_string()), Ok(b));
    }

    #[test]
    fn malformed_ids_are_rejected_with_the_expected_form() {
        for id in [
            "host:5432/db/u",
            "oracle://h:1/db/u",
            "postgres://h:0/db/u",
            "postgres://h:99999/db/u",
            "postgres://h:5432/db",
            "postgres://h:5432/db/u/extra",
            "postgres://h:5432//u",
            "mysql://h:3306/a@b@c",
            "mysql://h:3306/u@%ZZ",
            "mysql://h:3306/%FF@%25",
            "postgres://[::1:5432/db/u",
            "mysql://:3306/u",
        ] {
            let err = ImportId::parse(id).expect_err(id);
            assert!(err.to_string().contains("invalid import ID"), "{id}: {err}");
        }
        let err = ImportId::parse("postgres://h:5432/db/pg_monitor").expect_err("reserved");
        assert!(matches!(err, ImportIdError::Name { .. }), "{err}");
        let err = ImportId::parse("mysql://h:3306/u@MyHost").expect_err("uppercase host");
        assert!(matches!(err, ImportIdError::Name { .. }), "{err}");
    }

    #[test]
    fn hostile_names_round_trip() {
        let fragments = [
            "'", "\"", "`", "\\", ";", "--", "/*", "@", "/", "%", "%25", "?", "#", ":", "é", "名",
            "+", "&", "=", "a", "b", "~", ".", "-", "_",
        ];
        let mut rng = StdRng::seed_from_u64(11);
        let mut checked = 0;
        for _ in 0..3000 {
            let mut name = String::new();
            for _ in 0..rng.random_range(1..6) {
                name.push_str(fragments[rng.random_range(0..fragments.len())]);
            }
            for engine in Engine::ALL {
                if ident::validate(engine, NameKind::User, &name).is_err() {
                    continue;
                }
                let id = ImportId {
                    engine,
                    host: "db.example.com".into(),
                    port: 6543,
                    database: (engine == Engine::Postgres).then(|| format!("{name}db")),
                    user: name.clone(),
                    user_host: engine.is_mysql_family().then(|| "10.0.%".to_owned()),
                };
                if let Some(db) = &id.database {
                    if ident::validate(engine, NameKind::Database, db).is_err() {
                        continue;
                    }
                }
                let text = id.to_string();
                let path = &text[text.find(":6543/").expect("port") + 6..];
                assert!(!path.contains(['\'', '"', ' ', '`', ';']), "{text}");
                if engine == Engine::Postgres {
                    assert_eq!(
                        (path.matches('/').count(), path.matches('@').count()),
                        (1, 0),
                        "{text}"
                    );
                } else {
                    assert_eq!(
                        (path.matches('/').count(), path.matches('@').count()),
                        (0, 1),
                        "{text}"
                    );
                }
                assert_eq!(ImportId::parse(&text), Ok(id.clone()), "{text}");
                checked += 1;
            }
        }
        assert!(checked > 3000, "{checked}");
    }
}
