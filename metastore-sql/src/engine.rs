//! Database engines and the server facts that change the SQL this crate writes.
//!
//! [`Engine::Mysql`] means MySQL 8.0 and later, including Aurora MySQL 3; [`Engine::Mariadb`] means MariaDB
//! 10.6 and later (tested against 10.11); [`Engine::Postgres`] means PostgreSQL 13 and later, including Aurora
//! PostgreSQL. [`ServerInfo`] carries what differs between servers of one engine: the major version
//! (PostgreSQL 17 added the `MAINTAIN` table privilege) and MySQL's `partial_revokes` setting (when it is on,
//! `%` and `_` in database-level grants are literal characters instead of wildcards).

use std::fmt;
use std::str::FromStr;

/// Errors of this module.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum EngineError {
    /// The engine name is none of the supported ones.
    #[error(
        "unsupported database engine {0:?}: expected one of mysql, mariadb, postgres (RDS also writes aurora-mysql, aurora-postgresql)"
    )]
    Unknown(String),
    /// A server version string could not be read.
    #[error("cannot read the {engine} server version from {version:?}")]
    BadVersion {
        /// The engine the version belongs to.
        engine: Engine,
        /// The version text as the server reported it.
        version: String,
    },
}

/// A database engine family.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Engine {
    /// MySQL 8.0+ and Aurora MySQL 3.
    Mysql,
    /// MariaDB 10.6+.
    Mariadb,
    /// PostgreSQL and Aurora PostgreSQL.
    Postgres,
}

impl Engine {
    /// All engines, in a fixed order.
    pub const ALL: [Engine; 3] = [Engine::Mysql, Engine::Mariadb, Engine::Postgres];

    /// The canonical lower-case name (`mysql`, `mariadb`, `postgres`), as used in resource configuration and
    /// in the secret JSON this crate writes.
    pub const fn as_str(self) -> &'static str {
        match self {
            Engine::Mysql => "mysql",
            Engine::Mariadb => "mariadb",
            Engine::Postgres => "postgres",
        }
    }

    /// True for MySQL and MariaDB, which share account names (`user@host`), backtick quoting and grant levels.
    pub const fn is_mysql_family(self) -> bool {
        matches!(self, Engine::Mysql | Engine::Mariadb)
    }

    /// The engine's usual TCP port.
    pub const fn default_port(self) -> u16 {
        match self {
            Engine::Mysql | Engine::Mariadb => 3306,
            Engine::Postgres => 5432,
        }
    }

    /// Reads an engine name as it appears in configuration or in an RDS-shaped secret: `mysql`, `mariadb`,
    /// `postgres`, `postgresql`, `aurora-mysql`, `aurora` (Aurora MySQL 1) and `aurora-postgresql`.
    /// Matching ignores ASCII case and surrounding whitespace.
    pub fn from_rds_engine(name: &str) -> Result<Engine, EngineError> {
        match name.trim().to_ascii_lowercase().as_str() {
            "mysql" | "aurora-mysql" | "aurora" => Ok(Engine::Mysql),
            "mariadb" => Ok(Engine::Mariadb),
            "postgres" | "postgresql" | "aurora-postgresql" => Ok(Engine::Postgres),
            _ => Err(EngineError::Unknown(name.to_owned())),
        }
    }
}

impl fmt::Display for Engine {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Engine {
    type Err = EngineError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Engine::from_rds_engine(s)
    }
}

/// Facts about one server that change the generated SQL.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ServerInfo {
    /// The engine family.
    pub engine: Engine,
    /// Major version (8 for MySQL 8.0, 10 for MariaDB 10.11, 15 for PostgreSQL 15.4).
    pub major: u32,
    /// Minor version (0 for MySQL 8.0, 11 for MariaDB 10.11, 4 for PostgreSQL 15.4).
    pub minor: u32,
    /// MySQL only: the value of `@@GLOBAL.partial_revokes`. When it is on, the server compares database names
    /// in database-level grants literally, so this crate must not escape `_` and `%` in them. Always false
    /// for MariaDB and PostgreSQL.
    pub partial_revokes: bool,
}

impl ServerInfo {
    /// A server of `engine` at `major.minor`, with `partial_revokes` off.
    pub const fn new(engine: Engine, major: u32, minor: u32) -> ServerInfo {
        ServerInfo {
            engine,
            major,
            minor,
            partial_revokes: false,
        }
    }

    /// The versions this project targets when the real one is not known yet (plan time): MySQL 8.0,
    /// MariaDB 10.11, PostgreSQL 15.
    pub const fn default_for(engine: Engine) -> ServerInfo {
        match engine {
            Engine::Mysql => ServerInfo::new(Engine::Mysql, 8, 0),
            Engine::Mariadb => ServerInfo::new(Engine::Mariadb, 10, 11),
            Engine::Postgres => ServerInfo::new(Engine::Postgres, 15, 0),
        }
    }

    /// The same server with `partial_revokes` set (ignored unless the engine is MySQL).
    pub const fn with_partial_revokes(self, on: bool) -> ServerInfo {
        ServerInfo {
            partial_revokes: on && matches!(self.engine, Engine::Mysql),
            ..self
        }
    }

    /// Reads the version the server reports: MySQL `SELECT VERSION()` (`8.0.36`, `8.0.mysql_aurora.3.05.2`),
    /// MariaDB (`10.11.14-MariaDB-0+deb12u2`, or `5.5.5-10.11.6-MariaDB` as seen through the MySQL protocol),
    /// PostgreSQL `server_version_num` (`150004`), `SHOW server_version` (`15.4 (Debian 15.4-1)`) or
    /// `SELECT version()` (`PostgreSQL 15.4 on x86_64...`).
    pub fn parse_version(engine: Engine, version: &str) -> Result<ServerInfo, EngineError> {
        let bad = || EngineError::BadVersion {
            engine,
            version: version.to_owned(),
        };
        let mut text = version.trim();
        if engine == Engine::Postgres {
            if let Some(rest) = text.strip_prefix("PostgreSQL ") {
                text = rest;
            }
            if !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()) {
                let num: u32 = text.parse().map_err(|_| bad())?;
                return if num >= 100_000 {
                    Ok(ServerInfo::new(engine, num / 10_000, num % 10_000))
                } else {
                    Err(bad())
                };
            }
        }
        if engine == Engine::Mariadb {
            if let Some(rest) = text.strip_prefix("5.5.5-") {
                text = rest;
            }
        }
        let mut parts = text.split(|c: char| !c.is_ascii_digit());
        let major: u32 = parts
            .next()
            .filter(|p| !p.is_empty())
            .and_then(|p| p.parse().ok())
            .ok_or_else(bad)?;
        let minor: u32 = parts.next().and_then(|p| p.parse().ok()).unwrap_or(0);
        Ok(ServerInfo::new(engine, major, minor))
    }

    /// True when database names in MySQL database-level grants are compared literally (MySQL with
    /// `partial_revokes` on). Otherwise `_` and `%` are wildcards there and must be escaped.
    pub const fn literal_database_grants(&self) -> bool {
        matches!(self.engine, Engine::Mysql) && self.partial_revokes
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn engine_names_map_from_rds() {
        let cases = [
            ("mysql", Engine::Mysql),
            ("aurora-mysql", Engine::Mysql),
            ("aurora", Engine::Mysql),
            ("MariaDB", Engine::Mariadb),
            ("postgres", Engine::Postgres),
            ("postgresql", Engine::Postgres),
            (" aurora-postgresql ", Engine::Postgres),
        ];
        for (name, want) in cases {
            assert_eq!(Engine::from_rds_engine(name), Ok(want), "{name}");
            assert_eq!(name.parse::<Engine>(), Ok(want), "{name}");
        }
        assert_eq!(
            Engine::from_rds_engine("oracle-ee"),
            Err(EngineError::Unknown("oracle-ee".into()))
        );
        for e in Engine::ALL {
            assert_eq!(Engine::from_rds_engine(e.as_str()), Ok(e));
            assert_eq!(e.to_string(), e.as_str());
        }
    }

    #[test]
    fn versions_parse() {
        let cases = [
            (Engine::Mysql, "8.0.36", 8, 0),
            (Engine::Mysql, "8.0.mysql_aurora.3.05.2", 8, 0),
            (Engine::Mysql, "8.4.3", 8, 4),
            (Engine::Mariadb, "10.11.14-MariaDB-0+deb12u2", 10, 11),
            (Engine::Mariadb, "5.5.5-10.6.19-MariaDB-log", 10, 6),
            (Engine::Postgres, "150004", 15, 4),
            (Engine::Postgres, "170002", 17, 2),
            (Engine::Postgres, "15.18 (Debian 15.18-0+deb12u1)", 15, 18),
            (
                Engine::Postgres,
                "PostgreSQL 16.3 on x86_64-pc-linux-gnu, compiled by gcc",
                16,
                3,
            ),
        ];
        for (engine, text, major, minor) in cases {
            let info = ServerInfo::parse_version(engine, text).expect(text);
            assert_eq!((info.major, info.minor), (major, minor), "{text}");
            assert!(!info.partial_revokes);
        }
        assert!(ServerInfo::parse_version(Engine::Mysql, "garbage").is_err());
        assert!(ServerInfo::parse_version(Engine::Postgres, "").is_err());
    }

    #[test]
    fn partial_revokes_only_applies_to_mysql() {
        let m = ServerInfo::default_for(Engine::Mysql).with_partial_revokes(true);
        assert!(m.literal_database_grants());
        let maria = ServerInfo::default_for(Engine::Mariadb).with_partial_revokes(true);
        assert!(!maria.partial_revokes);
        assert!(!maria.literal_database_grants());
        assert!(!ServerInfo::default_for(Engine::Mysql).literal_database_grants());
    }
}
