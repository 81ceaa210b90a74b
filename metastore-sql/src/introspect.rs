//! Catalog queries that read the actual state, and pure parsers for their results.
//!
//! Every query returns text columns only (PostgreSQL casts with `::text`, MySQL with `CAST(... AS CHAR)`), so
//! a caller can fetch rows as [`Row`] (`Vec<Option<String>>`) with any driver. User-supplied values are bind
//! parameters (`$1` on PostgreSQL, `?` on MySQL/MariaDB), never spliced in; the only exception is
//! `SHOW GRANTS FOR`, which takes no parameters and is built with quoted names by [`show_grants_sql`].
//!
//! * MySQL/MariaDB: [`MYSQL_USER_SQL`] (account attributes from `mysql.user`; the columns used exist on MySQL 8
//!   and on MariaDB's `mysql.user` view) and `SHOW GRANTS FOR` parsed by [`parse_show_grants_line`] into
//!   [`mysql_actual`]. Both need `SELECT` on the `mysql` schema (RDS's master user has it). `SHOW GRANTS`
//!   covers database, table, global, role and proxy grants and partial revokes in one round trip; MariaDB
//!   prints `GRANT USAGE ON *.* TO ... IDENTIFIED BY PASSWORD '...' REQUIRE SSL WITH MAX_USER_CONNECTIONS n`
//!   as the first line, MySQL 8 prints no authentication clauses; both quote names with backticks (double
//!   quotes under `ANSI_QUOTES`), doubling the quote character, and print database patterns as stored
//!   (`hive\_db`).
//! * PostgreSQL: [`PG_ROLE_SQL`] and [`PG_MEMBERSHIPS_SQL`] (role attributes, `rolconnlimit`, `rolvaliduntil`
//!   in UTC, memberships such as `rds_iam`), and per database [`PG_DATABASE_PRIVILEGES_SQL`],
//!   [`PG_SCHEMA_PRIVILEGES_SQL`], [`PG_OBJECT_PRIVILEGES_SQL`], [`PG_OBJECT_INVENTORY_SQL`] and
//!   [`PG_DEFAULT_PRIVILEGES_SQL`] (all `aclexplode` over the catalog ACL columns), combined by [`pg_actual`].
//!   Objects the role owns are skipped: an owner's privileges are implicit and out of this crate's scope.

use std::collections::BTreeSet;

use crate::engine::{Engine, EngineError, ServerInfo};
use crate::grant::{ActualGrants, Grantee, SchemaKey, Target};
use crate::ident::{self, QuoteError};
use crate::privilege::{self, ObjectKind, Privilege};

/// One result row, every column as text (`None` for SQL NULL).
pub type Row = Vec<Option<String>>;

/// `SHOW GRANTS` output that could not be read.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ParseError {
    /// The line does not have the expected shape.
    #[error("cannot read SHOW GRANTS line {line:?}: {reason}")]
    Syntax {
        /// The line, cut before any `IDENTIFIED` clause so that no password hash is repeated.
        line: String,
        /// What was expected.
        reason: &'static str,
    },
    /// The line is for another account than the one asked about.
    #[error("SHOW GRANTS line {line:?} is for another account")]
    Account {
        /// The line, cut before any `IDENTIFIED` clause.
        line: String,
    },
}

/// Errors of this module.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum IntrospectError {
    /// `SHOW GRANTS` output could not be read.
    #[error(transparent)]
    Parse(#[from] ParseError),
    /// A row does not have the columns the query returns.
    #[error("unexpected row {row} from the {query} query: {reason}")]
    Row {
        /// Which query.
        query: &'static str,
        /// Zero-based row index.
        row: usize,
        /// What is wrong.
        reason: String,
    },
    /// The server version could not be read.
    #[error(transparent)]
    Engine(#[from] EngineError),
    /// A name cannot be quoted.
    #[error(transparent)]
    Quote(#[from] QuoteError),
    /// The grantee is for another engine.
    #[error("the user {0:?} is not an account of this engine")]
    Grantee(String),
}

/// Cuts a `SHOW GRANTS` line before `IDENTIFIED` or `PASSWORD` (MariaDB prints password hashes after them),
/// wherever and in whatever case the word appears: a line that fails to parse may have anything around it (a
/// tab, a newline, no space at all), and an error must never carry the hash. A name containing the word is
/// cut too; the error then shows less, never the hash.
pub(crate) fn redact_grant_line(line: &str) -> String {
    let upper = line.to_ascii_uppercase();
    let cut = ["IDENTIFIED", "PASSWORD"]
        .into_iter()
        .filter_map(|w| upper.find(w).map(|i| (i, w)))
        .min();
    match cut {
        // `to_ascii_uppercase` keeps byte offsets, and the match starts at an ASCII byte: a char boundary.
        Some((i, word)) => format!("{} {word} ...", line[..i].trim_end()),
        None => line.to_owned(),
    }
}

struct Rows<'a> {
    query: &'static str,
    rows: &'a [Row],
}

impl<'a> Rows<'a> {
    fn err(&self, row: usize, reason: impl Into<String>) -> IntrospectError {
        IntrospectError::Row {
            query: self.query,
            row,
            reason: reason.into(),
        }
    }

    fn iter(&self) -> impl Iterator<Item = (usize, Cols<'a, '_>)> + '_ {
        self.rows.iter().enumerate().map(move |(i, r)| {
            (
                i,
                Cols {
                    rows: self,
                    index: i,
                    row: r,
                },
            )
        })
    }
}

struct Cols<'a, 'r> {
    rows: &'r Rows<'a>,
    index: usize,
    row: &'a Row,
}

impl<'a> Cols<'a, '_> {
    fn opt(&self, i: usize) -> Result<Option<&'a str>, IntrospectError> {
        match self.row.get(i) {
            Some(v) => Ok(v.as_deref()),
            None => Err(self
                .rows
                .err(self.index, format!("column {} is missing", i + 1))),
        }
    }

    fn req(&self, i: usize) -> Result<&'a str, IntrospectError> {
        self.opt(i)?.ok_or_else(|| {
            self.rows
                .err(self.index, format!("column {} is NULL", i + 1))
        })
    }

    fn boolean(&self, i: usize) -> Result<bool, IntrospectError> {
        match self.req(i)? {
            "true" | "t" | "1" | "Y" | "YES" => Ok(true),
            "false" | "f" | "0" | "N" | "NO" => Ok(false),
            other => Err(self.rows.err(
                self.index,
                format!("column {} is not a boolean: {other:?}", i + 1),
            )),
        }
    }

    fn int(&self, i: usize) -> Result<i64, IntrospectError> {
        let v = self.req(i)?;
        v.trim().parse().map_err(|_| {
            self.rows.err(
                self.index,
                format!("column {} is not a number: {v:?}", i + 1),
            )
        })
    }
}

// ---------------------------------------------------------------------------------------------------------
// Server facts

/// The query that reports the server version and (MySQL) `partial_revokes`: two text columns.
pub const fn server_info_sql(engine: Engine) -> &'static str {
    match engine {
        Engine::Mysql => "SELECT CAST(VERSION() AS CHAR), CAST(@@GLOBAL.partial_revokes AS CHAR)",
        Engine::Mariadb => "SELECT CAST(VERSION() AS CHAR), '0'",
        Engine::Postgres => "SELECT current_setting('server_version_num')::text, '0'::text",
    }
}

/// Reads the single row of [`server_info_sql`].
pub fn parse_server_info(engine: Engine, rows: &[Row]) -> Result<ServerInfo, IntrospectError> {
    let rows = Rows {
        query: "server version",
        rows,
    };
    let (_, cols) = rows.iter().next().ok_or_else(|| rows.err(0, "no row"))?;
    let info = ServerInfo::parse_version(engine, cols.req(0)?)?;
    Ok(info.with_partial_revokes(
        cols.opt(1)?
            .is_some_and(|v| v.trim() == "1" || v.eq_ignore_ascii_case("ON")),
    ))
}

/// PostgreSQL: `rds.force_ssl` (NULL off RDS, `0` or `1` on RDS).
pub const PG_FORCE_SSL_SQL: &str = "SELECT current_setting('rds.force_ssl', true)::text";

// ---------------------------------------------------------------------------------------------------------
// MySQL / MariaDB

/// MySQL/MariaDB account attributes; binds `?` = user, `?` = host. Columns: user, host, plugin, ssl_type,
/// max_user_connections, password_expired. No row when the account does not exist.
pub const MYSQL_USER_SQL: &str = "SELECT CAST(User AS CHAR), CAST(Host AS CHAR), CAST(plugin AS CHAR), \
CAST(ssl_type AS CHAR), CAST(max_user_connections AS CHAR), CAST(password_expired AS CHAR) \
FROM mysql.user WHERE User = ? AND Host = ?";

/// Account attributes read with [`MYSQL_USER_SQL`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MysqlUser {
    /// User part.
    pub user: String,
    /// Host part.
    pub host: String,
    /// Authentication plugin (`caching_sha2_password`, `mysql_native_password`, `AWSAuthenticationPlugin`, ...).
    pub plugin: String,
    /// `mysql.user.ssl_type`: empty (no requirement), `ANY` (REQUIRE SSL), `X509` or `SPECIFIED`.
    pub ssl_type: String,
    /// True when any TLS requirement is set (`ssl_type` not empty).
    pub require_ssl: bool,
    /// `MAX_USER_CONNECTIONS`, `None` for 0 (no limit).
    pub connection_limit: Option<u32>,
    /// True when the account authenticates with Amazon RDS IAM.
    pub iam: bool,
    /// True when the password is expired.
    pub password_expired: bool,
}

/// Reads the result of [`MYSQL_USER_SQL`]: `None` when the account does not exist.
pub fn parse_mysql_user(rows: &[Row]) -> Result<Option<MysqlUser>, IntrospectError> {
    let rows = Rows {
        query: "mysql.user",
        rows,
    };
    let Some((i, c)) = rows.iter().next() else {
        return Ok(None);
    };
    let plugin = c.opt(2)?.unwrap_or_default().to_owned();
    let ssl_type = c.opt(3)?.unwrap_or_default().trim().to_ascii_uppercase();
    let limit = c.int(4)?;
    let connection_limit = match u32::try_from(limit) {
        Ok(0) => None,
        Ok(n) => Some(n),
        Err(_) => return Err(rows.err(i, format!("max_user_connections {limit} is out of range"))),
    };
    Ok(Some(MysqlUser {
        user: c.req(0)?.to_owned(),
        host: c.req(1)?.to_owned(),
        iam: plugin.eq_ignore_ascii_case("AWSAuthenticationPlugin"),
        plugin,
        require_ssl: !ssl_type.is_empty(),
        ssl_type,
        connection_limit,
        password_expired: c.opt(5)?.is_some_and(|v| v.eq_ignore_ascii_case("Y")),
    }))
}

/// `SHOW GRANTS FOR `user`@`host``.
pub fn show_grants_sql(grantee: &Grantee) -> Result<String, IntrospectError> {
    match grantee {
        Grantee::Mysql { user, host } => Ok(format!(
            "SHOW GRANTS FOR {}",
            ident::mysql_account(user, host)?
        )),
        Grantee::Postgres { role } => Err(IntrospectError::Grantee(role.clone())),
    }
}

/// The object level of a privilege line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Level {
    /// `*.*`.
    Global,
    /// `db.*`, with the database pattern as printed (wildcards escaped unless `partial_revokes`).
    Database(String),
    /// `db.table` (or `db.routine` with an object type).
    Table {
        /// Database (literal).
        database: String,
        /// Table or routine name.
        table: String,
    },
    /// Anything else (`*`, a bare name relative to the current database).
    Other,
}

/// What a `SHOW GRANTS` line grants.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum GrantLineKind {
    /// Privileges on a level.
    Privileges {
        /// Privilege names, upper case, single-spaced (`ALL PRIVILEGES`, `CREATE TEMPORARY TABLES`, `BACKUP_ADMIN`).
        privileges: Vec<String>,
        /// True when any privilege has a column list (column-level grant).
        column_level: bool,
        /// `TABLE`, `FUNCTION`, `PROCEDURE`, `PACKAGE`, `PACKAGE BODY` when printed.
        object_type: Option<String>,
        /// The level.
        level: Level,
    },
    /// Role memberships (`GRANT `r`@`%` TO ...`).
    Roles(Vec<String>),
    /// `GRANT PROXY ON ...`.
    Proxy,
    /// MariaDB's `SET DEFAULT ROLE <role> FOR <account>` line (the role, or `NONE`).
    DefaultRole(String),
}

/// One parsed `SHOW GRANTS` line. Holds no password hash.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GrantLine {
    /// True for `REVOKE` lines (MySQL partial revokes).
    pub revoke: bool,
    /// What is granted.
    pub kind: GrantLineKind,
    /// Grantee user part.
    pub user: String,
    /// Grantee host part (`%` when the line omits it).
    pub host: String,
    /// Byte offset in the line where the grantee account starts (after `TO `/`FROM `).
    pub account_start: usize,
    /// `WITH GRANT OPTION`.
    pub with_grant_option: bool,
    /// `WITH ADMIN OPTION` (role grants).
    pub with_admin_option: bool,
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum Tok {
    Word(String),
    Ident(String),
    Str(String),
    Punct(char),
}

#[derive(Clone, Debug)]
struct Token {
    tok: Tok,
    start: usize,
}

fn tokenize(line: &str) -> Result<Vec<Token>, ParseError> {
    let syntax = |reason| ParseError::Syntax {
        line: redact_grant_line(line),
        reason,
    };
    let mut out = Vec::new();
    let mut chars = line.char_indices().peekable();
    while let Some(&(start, c)) = chars.peek() {
        if c.is_whitespace() {
            chars.next();
        } else if c == '`' || c == '"' || c == '\'' {
            chars.next();
            let mut value = String::new();
            loop {
                let Some((_, ch)) = chars.next() else {
                    return Err(syntax("unterminated quoted name or string"));
                };
                if c == '\'' && ch == '\\' {
                    let Some((_, esc)) = chars.next() else {
                        return Err(syntax("unterminated string"));
                    };
                    value.push(esc);
                } else if ch == c {
                    if chars.peek().is_some_and(|&(_, n)| n == c) {
                        chars.next();
                        value.push(c);
                    } else {
                        break;
                    }
                } else {
                    value.push(ch);
                }
            }
            let tok = if c == '\'' {
                Tok::Str(value)
            } else {
                Tok::Ident(value)
            };
            out.push(Token { tok, start });
        } else if c.is_alphanumeric() || c == '_' || c == '$' {
            let mut word = String::new();
            while let Some(&(_, ch)) = chars.peek() {
                if ch.is_alphanumeric() || ch == '_' || ch == '$' {
                    word.push(ch);
                    chars.next();
                } else {
                    break;
                }
            }
            out.push(Token {
                tok: Tok::Word(word),
                start,
            });
        } else if matches!(c, ',' | '.' | '*' | '@' | '(' | ')' | '=' | '%') {
            chars.next();
            out.push(Token {
                tok: Tok::Punct(c),
                start,
            });
        } else {
            return Err(syntax("unexpected character"));
        }
    }
    Ok(out)
}

fn is_word(t: Option<&Token>, w: &str) -> bool {
    matches!(t, Some(Token { tok: Tok::Word(x), .. }) if x.eq_ignore_ascii_case(w))
}

fn name_of(t: Option<&Token>) -> Option<String> {
    match t.map(|t| &t.tok) {
        Some(Tok::Ident(s) | Tok::Str(s) | Tok::Word(s)) => Some(s.clone()),
        _ => None,
    }
}

/// Parses one line of `SHOW GRANTS` output (MySQL 8 or MariaDB, any `sql_mode`).
pub fn parse_show_grants_line(line: &str) -> Result<GrantLine, ParseError> {
    let syntax = |reason| ParseError::Syntax {
        line: redact_grant_line(line),
        reason,
    };
    let toks = tokenize(line)?;
    if is_word(toks.first(), "SET")
        && is_word(toks.get(1), "DEFAULT")
        && is_word(toks.get(2), "ROLE")
    {
        // MariaDB prints `SET DEFAULT ROLE `r` FOR `u`@`h`` after the role grants of a user with a default
        // role.
        let role = name_of(toks.get(3)).ok_or_else(|| syntax("expected a role name"))?;
        if !is_word(toks.get(4), "FOR") {
            return Err(syntax("expected FOR after the default role"));
        }
        return grantee_part(&toks, 4, false, GrantLineKind::DefaultRole(role), &syntax);
    }
    let revoke = if is_word(toks.first(), "GRANT") {
        false
    } else if is_word(toks.first(), "REVOKE") {
        true
    } else {
        return Err(syntax("expected GRANT or REVOKE"));
    };
    let to_word = if revoke { "FROM" } else { "TO" };
    let to = toks
        .iter()
        .position(|t| matches!(&t.tok, Tok::Word(w) if w.eq_ignore_ascii_case(to_word)))
        .ok_or_else(|| syntax("no grantee (TO/FROM) found"))?;
    let head = &toks[1..to];
    let on = head
        .iter()
        .position(|t| matches!(&t.tok, Tok::Word(w) if w.eq_ignore_ascii_case("ON")));
    let kind = match on {
        Some(0) => return Err(syntax("no privilege before ON")),
        Some(on) if is_word(head.first(), "PROXY") && on == 1 => GrantLineKind::Proxy,
        Some(on) => {
            let mut privileges = Vec::new();
            let mut column_level = false;
            let mut current: Vec<String> = Vec::new();
            let mut i = 0;
            while i < on {
                match &head[i].tok {
                    Tok::Word(w) => current.push(w.to_ascii_uppercase()),
                    Tok::Punct(',') => {
                        if current.is_empty() {
                            return Err(syntax("empty privilege name"));
                        }
                        privileges.push(current.join(" "));
                        current.clear();
                    }
                    Tok::Punct('(') => {
                        column_level = true;
                        while i < on && !matches!(head[i].tok, Tok::Punct(')')) {
                            i += 1;
                        }
                    }
                    _ => return Err(syntax("unexpected token in privilege list")),
                }
                i += 1;
            }
            if current.is_empty() {
                return Err(syntax("empty privilege name"));
            }
            privileges.push(current.join(" "));
            let mut rest = &head[on + 1..];
            let mut object_type = None;
            if let Some(Token {
                tok: Tok::Word(w), ..
            }) = rest.first()
            {
                let upper = w.to_ascii_uppercase();
                let is_type = matches!(
                    upper.as_str(),
                    "TABLE" | "FUNCTION" | "PROCEDURE" | "PACKAGE"
                ) && !matches!(rest.get(1).map(|t| &t.tok), Some(Tok::Punct('.')));
                if is_type {
                    rest = &rest[1..];
                    if upper == "PACKAGE" && is_word(rest.first(), "BODY") {
                        rest = &rest[1..];
                        object_type = Some("PACKAGE BODY".to_owned());
                    } else {
                        object_type = Some(upper);
                    }
                }
            }
            let level = match rest.iter().map(|t| &t.tok).collect::<Vec<_>>().as_slice() {
                [Tok::Punct('*'), Tok::Punct('.'), Tok::Punct('*')] => Level::Global,
                [db, Tok::Punct('.'), Tok::Punct('*')] => match db {
                    Tok::Ident(d) | Tok::Word(d) => Level::Database(d.clone()),
                    _ => return Err(syntax("unexpected database name")),
                },
                [db, Tok::Punct('.'), table] => match (db, table) {
                    (Tok::Ident(d) | Tok::Word(d), Tok::Ident(t) | Tok::Word(t)) => Level::Table {
                        database: d.clone(),
                        table: t.clone(),
                    },
                    _ => return Err(syntax("unexpected table name")),
                },
                [_] => Level::Other,
                _ => return Err(syntax("unexpected privilege level")),
            };
            GrantLineKind::Privileges {
                privileges,
                column_level,
                object_type,
                level,
            }
        }
        None => {
            let mut roles = Vec::new();
            let mut i = 0;
            while i < head.len() {
                let name = name_of(head.get(i)).ok_or_else(|| syntax("expected a role name"))?;
                i += 1;
                if matches!(head.get(i).map(|t| &t.tok), Some(Tok::Punct('@'))) {
                    let host =
                        name_of(head.get(i + 1)).ok_or_else(|| syntax("expected a role host"))?;
                    roles.push(format!("{name}@{host}"));
                    i += 2;
                } else {
                    roles.push(name);
                }
                if matches!(head.get(i).map(|t| &t.tok), Some(Tok::Punct(','))) {
                    i += 1;
                }
            }
            if roles.is_empty() {
                return Err(syntax("nothing granted"));
            }
            GrantLineKind::Roles(roles)
        }
    };
    grantee_part(&toks, to, revoke, kind, &syntax)
}

/// The grantee after the token at `to` (`TO`, `FROM` or `FOR`) and the options after it.
fn grantee_part(
    toks: &[Token],
    to: usize,
    revoke: bool,
    kind: GrantLineKind,
    syntax: &dyn Fn(&'static str) -> ParseError,
) -> Result<GrantLine, ParseError> {
    let account = toks
        .get(to + 1)
        .ok_or_else(|| syntax("no grantee after TO/FROM"))?;
    let user = name_of(Some(account)).ok_or_else(|| syntax("unexpected grantee"))?;
    let mut next = to + 2;
    let host = if matches!(toks.get(next).map(|t| &t.tok), Some(Tok::Punct('@'))) {
        let host = match toks.get(next + 1).map(|t| &t.tok) {
            Some(Tok::Ident(h) | Tok::Str(h) | Tok::Word(h)) => h.clone(),
            Some(Tok::Punct('%')) => "%".to_owned(),
            _ => return Err(syntax("unexpected grantee host")),
        };
        next += 2;
        host
    } else {
        "%".to_owned()
    };
    let tail = &toks[next.min(toks.len())..];
    let pair = |a: &str, b: &str| {
        tail.windows(2)
            .any(|w| is_word(w.first(), a) && is_word(w.get(1), b))
    };
    Ok(GrantLine {
        revoke,
        kind,
        user,
        host,
        account_start: account.start,
        with_grant_option: pair("GRANT", "OPTION"),
        with_admin_option: pair("ADMIN", "OPTION"),
    })
}

fn map_privileges(
    server: &ServerInfo,
    kind: ObjectKind,
    names: &[String],
) -> (BTreeSet<Privilege>, bool) {
    let mut out = BTreeSet::new();
    let mut unknown = false;
    let Ok(allowed) = privilege::allowed(server, kind) else {
        return (out, true);
    };
    for n in names {
        let n = privilege::normalise_name(n);
        match n.as_str() {
            "ALL PRIVILEGES" | "ALL" => out.extend(allowed.iter().copied()),
            "USAGE" => {}
            _ => match Privilege::from_server_name(&n) {
                Some(p) if allowed.contains(&p) => {
                    out.insert(p);
                }
                _ => unknown = true,
            },
        }
    }
    (out, unknown)
}

/// Builds the actual state of `grantee` from its `SHOW GRANTS` lines.
pub fn mysql_actual(
    server: &ServerInfo,
    grantee: &Grantee,
    lines: &[String],
) -> Result<ActualGrants, IntrospectError> {
    let Grantee::Mysql { user, host } = grantee else {
        return Err(IntrospectError::Grantee(grantee.user().to_owned()));
    };
    let mut out = ActualGrants::default();
    for line in lines {
        let g = parse_show_grants_line(line)?;
        if &g.user != user || &g.host != host {
            return Err(ParseError::Account {
                line: redact_grant_line(line),
            }
            .into());
        }
        let note = |what: &str| format!("{what}: {}", redact_grant_line(line));
        let GrantLineKind::Privileges {
            privileges,
            column_level,
            object_type,
            level,
        } = &g.kind
        else {
            let what = match g.kind {
                GrantLineKind::Proxy => "proxy grant",
                GrantLineKind::DefaultRole(_) => "default role",
                _ => "role grant",
            };
            out.unmanaged.push(note(what));
            continue;
        };
        if g.revoke {
            out.unmanaged.push(note("partial revoke"));
            continue;
        }
        if *column_level || object_type.as_deref().is_some_and(|t| t != "TABLE") {
            out.unmanaged.push(note("column or routine grant"));
            continue;
        }
        let (target, kind) = match level {
            Level::Global => {
                for p in privileges {
                    match p.as_str() {
                        "USAGE" => {}
                        "ALL" => {
                            out.global.insert("ALL PRIVILEGES".to_owned());
                        }
                        _ => {
                            out.global.insert(p.clone());
                        }
                    }
                }
                out.global_grant_option |= g.with_grant_option;
                continue;
            }
            Level::Database(pattern) => (
                Target::MysqlDatabase {
                    pattern: pattern.clone(),
                },
                ObjectKind::Database,
            ),
            Level::Table { database, table } => (
                Target::MysqlTable {
                    database: database.clone(),
                    table: table.clone(),
                },
                ObjectKind::Table,
            ),
            Level::Other => {
                out.unmanaged.push(note("grant on an unqualified level"));
                continue;
            }
        };
        let (set, unknown) = map_privileges(server, kind, privileges);
        if unknown {
            out.unmanaged
                .push(note("privileges this crate does not know"));
        }
        if set.is_empty() {
            if g.with_grant_option {
                out.grant_option_only.insert(target);
            }
            continue;
        }
        let entry = out.privileges.entry(target).or_default();
        for p in set {
            let v = entry.entry(p).or_insert(g.with_grant_option);
            *v = *v || g.with_grant_option;
        }
    }
    Ok(out)
}

// ---------------------------------------------------------------------------------------------------------
// PostgreSQL

/// Role attributes; binds `$1` = role. Columns: rolname, rolcanlogin, rolconnlimit, rolvaliduntil (UTC
/// `YYYY-MM-DDTHH:MM:SSZ`, `infinity` or NULL), rolsuper, rolinherit, rolcreaterole, rolcreatedb. No row when
/// the role does not exist.
pub const PG_ROLE_SQL: &str = "SELECT r.rolname::text, r.rolcanlogin::text, r.rolconnlimit::text, \
CASE WHEN r.rolvaliduntil IS NULL THEN NULL WHEN r.rolvaliduntil = 'infinity' THEN 'infinity' \
ELSE to_char(r.rolvaliduntil AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"') END, \
r.rolsuper::text, r.rolinherit::text, r.rolcreaterole::text, r.rolcreatedb::text \
FROM pg_catalog.pg_roles r WHERE r.rolname = $1";

/// Roles the role is a member of; binds `$1` = role. Columns: role name, admin_option.
pub const PG_MEMBERSHIPS_SQL: &str = "SELECT g.rolname::text, m.admin_option::text \
FROM pg_catalog.pg_auth_members m \
JOIN pg_catalog.pg_roles g ON g.oid = m.roleid \
JOIN pg_catalog.pg_roles u ON u.oid = m.member \
WHERE u.rolname = $1 ORDER BY 1";

/// Privileges on databases (cluster-wide); binds `$1` = role. Columns: database, privilege, grantable.
pub const PG_DATABASE_PRIVILEGES_SQL: &str = "SELECT d.datname::text, a.privilege_type::text, a.is_grantable::text \
FROM pg_catalog.pg_database d CROSS JOIN LATERAL pg_catalog.aclexplode(d.datacl) a \
WHERE a.grantee = (SELECT oid FROM pg_catalog.pg_roles WHERE rolname = $1) AND d.datdba <> a.grantee \
ORDER BY 1, 2";

/// Privileges on schemas of the current database; binds `$1` = role. Columns: database, schema, privilege,
/// grantable.
pub const PG_SCHEMA_PRIVILEGES_SQL: &str = "SELECT current_database()::text, n.nspname::text, a.privilege_type::text, \
a.is_grantable::text \
FROM pg_catalog.pg_namespace n CROSS JOIN LATERAL pg_catalog.aclexplode(n.nspacl) a \
WHERE a.grantee = (SELECT oid FROM pg_catalog.pg_roles WHERE rolname = $1) AND n.nspowner <> a.grantee \
ORDER BY 2, 3";

/// Privileges on tables, views, materialized views, foreign tables and sequences of the current database
/// (system schemas excluded); binds `$1` = role. Columns: database, schema, name, `table` or `sequence`,
/// privilege, grantable.
pub const PG_OBJECT_PRIVILEGES_SQL: &str = "SELECT current_database()::text, n.nspname::text, c.relname::text, \
CASE WHEN c.relkind = 'S' THEN 'sequence' ELSE 'table' END, a.privilege_type::text, a.is_grantable::text \
FROM pg_catalog.pg_class c \
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace \
CROSS JOIN LATERAL pg_catalog.aclexplode(c.relacl) a \
WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f', 'S') \
AND a.grantee = (SELECT oid FROM pg_catalog.pg_roles WHERE rolname = $1) AND c.relowner <> a.grantee \
AND n.nspname <> 'information_schema' AND left(n.nspname, 3) <> 'pg_' \
ORDER BY 2, 3, 5";

/// Every table-like object and sequence in the given schemas of the current database that the role does not
/// own; binds `$1` = schema names (`text[]`), `$2` = role. Columns: database, schema, name, `table` or
/// `sequence`.
pub const PG_OBJECT_INVENTORY_SQL: &str = "SELECT current_database()::text, n.nspname::text, c.relname::text, \
CASE WHEN c.relkind = 'S' THEN 'sequence' ELSE 'table' END \
FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace \
WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f', 'S') AND n.nspname = ANY($1::text[]) \
AND c.relowner <> COALESCE((SELECT oid FROM pg_catalog.pg_roles WHERE rolname = $2), 0) \
ORDER BY 2, 3";

/// Default privileges granted to the role in the current database; binds `$1` = role. Columns: database,
/// owner role, schema (NULL for every schema), object type (`r` tables, `S` sequences, `f` functions, `T`
/// types, `n` schemas), privilege, grantable.
pub const PG_DEFAULT_PRIVILEGES_SQL: &str = "SELECT current_database()::text, \
pg_catalog.pg_get_userbyid(d.defaclrole)::text, n.nspname::text, d.defaclobjtype::text, \
a.privilege_type::text, a.is_grantable::text \
FROM pg_catalog.pg_default_acl d \
LEFT JOIN pg_catalog.pg_namespace n ON n.oid = d.defaclnamespace \
CROSS JOIN LATERAL pg_catalog.aclexplode(d.defaclacl) a \
WHERE a.grantee = (SELECT oid FROM pg_catalog.pg_roles WHERE rolname = $1) \
ORDER BY 2, 3, 4, 5";

/// Where a role still has dependencies (before `DROP ROLE`); binds `$1` = role. Columns: database (empty for
/// cluster-wide objects such as owned databases), objects owned, other dependencies (privileges, default
/// privileges, policies).
pub const PG_DEPENDENT_DATABASES_SQL: &str = "SELECT COALESCE(d.datname, '')::text, \
(count(*) FILTER (WHERE s.deptype = 'o'))::text, (count(*) FILTER (WHERE s.deptype <> 'o'))::text \
FROM pg_catalog.pg_shdepend s LEFT JOIN pg_catalog.pg_database d ON d.oid = s.dbid \
WHERE s.refclassid = 'pg_catalog.pg_authid'::regclass \
AND s.refobjid = (SELECT oid FROM pg_catalog.pg_roles WHERE rolname = $1) \
GROUP BY 1 ORDER BY 1";

/// Role attributes read with [`PG_ROLE_SQL`] and [`PG_MEMBERSHIPS_SQL`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PgRole {
    /// Role name.
    pub name: String,
    /// LOGIN.
    pub can_login: bool,
    /// CONNECTION LIMIT; `None` for -1 (no limit).
    pub connection_limit: Option<u32>,
    /// VALID UNTIL in UTC (`YYYY-MM-DDTHH:MM:SSZ`); `None` for none or `infinity` (see
    /// [`crate::statements::normalize_valid_until`]).
    pub valid_until: Option<String>,
    /// SUPERUSER (never changed by this crate).
    pub superuser: bool,
    /// INHERIT.
    pub inherit: bool,
    /// CREATEROLE.
    pub create_role: bool,
    /// CREATEDB.
    pub create_db: bool,
    /// Roles it is a member of, with the admin option.
    pub member_of: Vec<(String, bool)>,
    /// Member of `rds_iam` (IAM authentication).
    pub iam: bool,
}

/// Reads [`PG_ROLE_SQL`] and [`PG_MEMBERSHIPS_SQL`] results; `None` when the role does not exist.
pub fn parse_pg_role(
    role_rows: &[Row],
    membership_rows: &[Row],
) -> Result<Option<PgRole>, IntrospectError> {
    let rows = Rows {
        query: "pg_roles",
        rows: role_rows,
    };
    let Some((i, c)) = rows.iter().next() else {
        return Ok(None);
    };
    let limit = c.int(2)?;
    let connection_limit = if limit < 0 {
        None
    } else {
        Some(u32::try_from(limit).map_err(|_| rows.err(i, "connection limit out of range"))?)
    };
    let valid_until = c
        .opt(3)?
        .filter(|v| !v.eq_ignore_ascii_case("infinity") && !v.is_empty())
        .map(str::to_owned);
    let members = Rows {
        query: "pg_auth_members",
        rows: membership_rows,
    };
    let mut member_of = Vec::new();
    for (_, m) in members.iter() {
        member_of.push((m.req(0)?.to_owned(), m.boolean(1)?));
    }
    Ok(Some(PgRole {
        name: c.req(0)?.to_owned(),
        can_login: c.boolean(1)?,
        connection_limit,
        valid_until,
        superuser: c.boolean(4)?,
        inherit: c.boolean(5)?,
        create_role: c.boolean(6)?,
        create_db: c.boolean(7)?,
        iam: member_of.iter().any(|(r, _)| r == "rds_iam"),
        member_of,
    }))
}

/// Results of the per-database PostgreSQL privilege queries (any may be empty; rows from several databases
/// may be concatenated).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PgRows {
    /// [`PG_DATABASE_PRIVILEGES_SQL`].
    pub database_privileges: Vec<Row>,
    /// [`PG_SCHEMA_PRIVILEGES_SQL`].
    pub schema_privileges: Vec<Row>,
    /// [`PG_OBJECT_PRIVILEGES_SQL`].
    pub object_privileges: Vec<Row>,
    /// [`PG_OBJECT_INVENTORY_SQL`] for the schemas the desired grants mention.
    pub inventory: Vec<Row>,
    /// The `(database, schema)` pairs [`PG_OBJECT_INVENTORY_SQL`] was run for, so that an empty schema is
    /// known to be empty rather than not inspected.
    pub inspected_schemas: Vec<(String, String)>,
    /// [`PG_DEFAULT_PRIVILEGES_SQL`].
    pub default_privileges: Vec<Row>,
}

fn object_kind(
    c: &Cols<'_, '_>,
    i: usize,
    rows: &Rows<'_>,
    index: usize,
) -> Result<ObjectKind, IntrospectError> {
    match c.req(i)? {
        "table" => Ok(ObjectKind::Table),
        "sequence" => Ok(ObjectKind::Sequence),
        other => Err(rows.err(index, format!("unknown object kind {other:?}"))),
    }
}

/// Builds the actual PostgreSQL state from [`PgRows`]. Default privileges of roles outside
/// `default_privilege_roles`, and of object types other than tables and sequences, go to
/// [`ActualGrants::unmanaged`].
pub fn pg_actual(
    server: &ServerInfo,
    rows: &PgRows,
    default_privilege_roles: &[String],
) -> Result<ActualGrants, IntrospectError> {
    let mut out = ActualGrants::default();
    let add = |out: &mut ActualGrants,
               target: Target,
               kind: ObjectKind,
               name: &str,
               go: bool,
               what: String| {
        let allowed = privilege::allowed(server, kind).unwrap_or(&[]);
        match Privilege::from_server_name(&privilege::normalise_name(name)) {
            Some(p) if allowed.contains(&p) => {
                let v = out
                    .privileges
                    .entry(target)
                    .or_default()
                    .entry(p)
                    .or_insert(go);
                *v = *v || go;
            }
            _ => out.unmanaged.push(format!("{name} on {what}")),
        }
    };
    let r = Rows {
        query: "database privileges",
        rows: &rows.database_privileges,
    };
    for (_, c) in r.iter() {
        let database = c.req(0)?;
        add(
            &mut out,
            Target::PgDatabase {
                database: database.to_owned(),
            },
            ObjectKind::Database,
            c.req(1)?,
            c.boolean(2)?,
            format!("database {database:?}"),
        );
    }
    let r = Rows {
        query: "schema privileges",
        rows: &rows.schema_privileges,
    };
    for (_, c) in r.iter() {
        let (database, schema) = (c.req(0)?, c.req(1)?);
        add(
            &mut out,
            Target::PgSchema {
                database: database.to_owned(),
                schema: schema.to_owned(),
            },
            ObjectKind::Schema,
            c.req(2)?,
            c.boolean(3)?,
            format!("schema {schema:?} in {database:?}"),
        );
    }
    let r = Rows {
        query: "object privileges",
        rows: &rows.object_privileges,
    };
    for (i, c) in r.iter() {
        let kind = object_kind(&c, 3, &r, i)?;
        let key = SchemaKey {
            database: c.req(0)?.to_owned(),
            schema: c.req(1)?.to_owned(),
            kind,
        };
        let name = c.req(2)?;
        let what = format!("{kind} {:?}.{name:?} in {:?}", key.schema, key.database);
        let target = match kind {
            ObjectKind::Sequence => Target::PgSequence {
                database: key.database,
                schema: key.schema,
                name: name.to_owned(),
            },
            _ => Target::PgTable {
                database: key.database,
                schema: key.schema,
                name: name.to_owned(),
            },
        };
        add(&mut out, target, kind, c.req(4)?, c.boolean(5)?, what);
    }
    for (database, schema) in &rows.inspected_schemas {
        for kind in [ObjectKind::Table, ObjectKind::Sequence] {
            out.inventory
                .entry(SchemaKey {
                    database: database.clone(),
                    schema: schema.clone(),
                    kind,
                })
                .or_default();
        }
    }
    let r = Rows {
        query: "object inventory",
        rows: &rows.inventory,
    };
    for (i, c) in r.iter() {
        let key = SchemaKey {
            database: c.req(0)?.to_owned(),
            schema: c.req(1)?.to_owned(),
            kind: object_kind(&c, 3, &r, i)?,
        };
        out.inventory
            .entry(key)
            .or_default()
            .insert(c.req(2)?.to_owned());
    }
    let r = Rows {
        query: "default privileges",
        rows: &rows.default_privileges,
    };
    for (_, c) in r.iter() {
        let (database, owner, schema) = (c.req(0)?, c.req(1)?, c.opt(2)?);
        let objtype = c.req(3)?;
        let (privilege, go) = (c.req(4)?, c.boolean(5)?);
        let where_ = match schema {
            Some(s) => format!("schema {s:?}"),
            None => "every schema".to_owned(),
        };
        let kind = match objtype {
            "r" => Some(ObjectKind::Table),
            "S" => Some(ObjectKind::Sequence),
            _ => None,
        };
        match kind {
            Some(kind) if default_privilege_roles.iter().any(|r| r == owner) => add(
                &mut out,
                Target::PgDefault {
                    database: database.to_owned(),
                    owner: owner.to_owned(),
                    schema: schema.map(str::to_owned),
                    kind,
                },
                kind,
                privilege,
                go,
                format!("future {kind}s of {owner:?} in {where_}"),
            ),
            _ => out.unmanaged.push(format!(
                "default privilege {privilege} on future objects of type {objtype:?} created by {owner:?} in {where_} of {database:?}"
            )),
        }
    }
    Ok(out)
}

/// One row of [`PG_DEPENDENT_DATABASES_SQL`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PgDependents {
    /// The database; empty for cluster-wide objects (owned databases, tablespaces).
    pub database: String,
    /// Objects the role owns there.
    pub owned: u64,
    /// Other dependencies (privileges granted to it, default privileges, policies).
    pub other: u64,
}

/// The databases to run [`crate::statements::pg_release_owned`] in before `DROP ROLE`: every database with
/// dependencies, plus `current_database` when the role holds privileges on cluster-wide objects (a `GRANT
/// CONNECT ON DATABASE` is recorded as cluster-wide; `DROP OWNED` in any one database revokes it). Objects the
/// role owns cluster-wide (databases, tablespaces) are not released this way; `DROP ROLE` then fails and names
/// them.
pub fn databases_to_release(dependents: &[PgDependents], current_database: &str) -> Vec<String> {
    let mut out: Vec<String> = dependents
        .iter()
        .filter(|d| !d.database.is_empty())
        .map(|d| d.database.clone())
        .collect();
    let shared = dependents
        .iter()
        .any(|d| d.database.is_empty() && d.other > 0);
    if shared && !out.iter().any(|d| d == current_database) {
        out.push(current_database.to_owned());
    }
    out
}

/// Reads [`PG_DEPENDENT_DATABASES_SQL`] results.
pub fn parse_pg_dependents(rows: &[Row]) -> Result<Vec<PgDependents>, IntrospectError> {
    let r = Rows {
        query: "pg_shdepend",
        rows,
    };
    let mut out = Vec::new();
    for (i, c) in r.iter() {
        let count = |col| -> Result<u64, IntrospectError> {
            u64::try_from(c.int(col)?).map_err(|_| r.err(i, "negative count"))
        };
        out.push(PgDependents {
            database: c.req(0)?.to_owned(),
            owned: count(1)?,
            other: count(2)?,
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests;
