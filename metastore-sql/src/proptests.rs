//! Property tests of the parsers that read user or server input: import IDs, `valid_until`, `SHOW GRANTS`
//! lines (and `SHOW CREATE USER` with feature `client`) and the RDS secret JSON.
//!
//! Each property runs on arbitrary strings and on near-valid input (a valid shape with one part mutated,
//! multibyte, control characters, huge numbers, deep nesting) and asserts: no panic; where a renderer exists,
//! what parses renders back to the same value; errors never carry a password (or a password hash).

use proptest::prelude::*;
use serde_json::{Map, Value, json};

use crate::engine::{Engine, ServerInfo};
use crate::grant::Grantee;
use crate::import_id::ImportId;
use crate::introspect::{mysql_actual, parse_show_grants_line};
use crate::secret_shape::RdsSecret;
use crate::statements::normalize_valid_until;

fn config() -> ProptestConfig {
    ProptestConfig {
        cases: 3000,
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

/// Pieces that tend to break hand-written parsers: structure characters, quotes, escapes, multibyte,
/// control characters, huge numbers.
fn nasty() -> impl Strategy<Value = String> {
    prop_oneof![
        Just(String::new()),
        Just("%".to_owned()),
        Just("%2".to_owned()),
        Just("%zz".to_owned()),
        Just("%C3".to_owned()),
        Just("%ff%fe".to_owned()),
        Just("%00".to_owned()),
        Just("@".to_owned()),
        Just("/".to_owned()),
        Just(":".to_owned()),
        Just("[".to_owned()),
        Just("]".to_owned()),
        Just("?".to_owned()),
        Just("&".to_owned()),
        Just("=".to_owned()),
        Just("`".to_owned()),
        Just("'".to_owned()),
        Just("\"".to_owned()),
        Just("\\".to_owned()),
        Just("\u{0}".to_owned()),
        Just("\t".to_owned()),
        Just("\n".to_owned()),
        Just("é".to_owned()),
        Just("日本".to_owned()),
        Just("🦀".to_owned()),
        Just("\u{202e}".to_owned()),
        Just("１２".to_owned()),
        Just("99999999999999999999999".to_owned()),
        Just("-1".to_owned()),
        Just("65536".to_owned()),
        "[a-z0-9_]{0,8}",
        any::<String>(),
    ]
}

/// `base` with the byte range of one of its characters replaced by `piece` (or `piece` inserted).
fn mutate(base: &str, at: usize, piece: &str, replace: bool) -> String {
    let chars: Vec<(usize, char)> = base.char_indices().collect();
    if chars.is_empty() {
        return piece.to_owned();
    }
    let (i, c) = chars[at % chars.len()];
    let end = if replace { i + c.len_utf8() } else { i };
    format!("{}{piece}{}", &base[..i], &base[end..])
}

fn name() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => "[a-z][a-z0-9_]{0,15}",
        1 => "[a-zA-Z0-9 @/%:'`\"é日🦀._-]{1,20}",
        1 => any::<String>(),
    ]
}

fn import_id_text() -> impl Strategy<Value = String> {
    let scheme = prop_oneof![
        Just("postgres"),
        Just("postgresql"),
        Just("mysql"),
        Just("mariadb"),
        Just("MySQL"),
        Just("http"),
    ];
    let host = prop_oneof![
        Just("db.example.com".to_owned()),
        Just("[::1]".to_owned()),
        Just("[fe80::1%25eth0]".to_owned()),
        Just("127.0.0.1".to_owned()),
        "[a-z0-9.:\\[\\]-]{0,12}",
    ];
    let port = prop_oneof![
        Just(String::new()),
        (1u32..=65535).prop_map(|p| format!(":{p}")),
        Just(":0".to_owned()),
        Just(":65536".to_owned()),
        Just(":".to_owned()),
        Just(":99999999999999999999".to_owned()),
    ];
    (scheme, host, port, name(), name(), any::<bool>()).prop_map(
        |(scheme, host, port, a, b, encode)| {
            let enc = |s: &str| {
                if encode {
                    percent_encoding::utf8_percent_encode(s, percent_encoding::NON_ALPHANUMERIC)
                        .to_string()
                } else {
                    s.to_owned()
                }
            };
            if scheme.starts_with("postgres") {
                format!("{scheme}://{host}{port}/{}/{}", enc(&a), enc(&b))
            } else {
                format!("{scheme}://{host}{port}/{}@{}", enc(&a), enc(&b))
            }
        },
    )
}

fn check_import_id(text: &str) -> Result<(), TestCaseError> {
    if let Ok(id) = ImportId::parse(text) {
        let rendered = id.to_string();
        let again = ImportId::parse(&rendered);
        prop_assert_eq!(
            again.as_ref(),
            Ok(&id),
            "{:?} parsed, rendered as {:?}",
            text,
            rendered
        );
    }
    Ok(())
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn import_id_any_string(s in any::<String>()) {
        check_import_id(&s)?;
    }

    #[test]
    fn import_id_near_valid(
        base in import_id_text(),
        at in any::<usize>(),
        piece in nasty(),
        replace in any::<bool>(),
        mutated in any::<bool>(),
    ) {
        let text = if mutated { mutate(&base, at, &piece, replace) } else { base };
        check_import_id(&text)?;
    }

    #[test]
    fn import_id_display_parses_back(
        pg in any::<bool>(),
        maria in any::<bool>(),
        host in prop_oneof![Just("db.example.com".to_owned()), Just("::1".to_owned()), "[a-z0-9.:-]{1,12}"],
        port in 1u16..,
        a in name(),
        b in name(),
    ) {
        let engine = match (pg, maria) {
            (true, _) => Engine::Postgres,
            (false, true) => Engine::Mariadb,
            (false, false) => Engine::Mysql,
        };
        let id = ImportId {
            engine,
            host,
            port,
            database: pg.then(|| a.clone()),
            user: if pg { b.clone() } else { a.clone() },
            user_host: (!pg).then(|| b.clone()),
        };
        // Every ID that parses must print back to itself; one built by hand may hold names the parser
        // refuses, and that must be an error, not a panic.
        let rendered = id.to_string();
        if let Ok(parsed) = ImportId::parse(&rendered) {
            prop_assert_eq!(&parsed, &id, "rendered as {:?}", rendered);
        }
    }

    #[test]
    fn valid_until_any_string(s in any::<String>()) {
        if let Ok(Some(n)) = normalize_valid_until(&s) {
            prop_assert_eq!(normalize_valid_until(&n), Ok(Some(n.clone())));
        }
    }

    #[test]
    fn valid_until_near_valid(
        year in prop_oneof![0i64..=10000, Just(9999i64), Just(1i64), Just(0i64)],
        month in 0i64..=13,
        day in 0i64..=32,
        hour in 0i64..=24,
        minute in 0i64..=60,
        second in 0i64..=60,
        sep in prop_oneof![Just("T"), Just("t"), Just(" "), Just("x"), Just("é")],
        offset in prop_oneof![
            Just("Z".to_owned()),
            Just("z".to_owned()),
            Just(String::new()),
            Just("+１２:00".to_owned()),
            Just("+00:00:00".to_owned()),
            (any::<bool>(), 0i64..=25, 0i64..=61).prop_map(|(neg, h, m)| {
                format!("{}{h:02}:{m:02}", if neg { '-' } else { '+' })
            }),
        ],
        at in any::<usize>(),
        piece in nasty(),
        mutated in any::<bool>(),
        padded in any::<bool>(),
    ) {
        let mut text = format!("{year:04}-{month:02}-{day:02}{sep}{hour:02}:{minute:02}:{second:02}{offset}");
        if mutated {
            text = mutate(&text, at, &piece, true);
        }
        if padded {
            text = format!(" \t{text}\n");
        }
        if let Ok(Some(n)) = normalize_valid_until(&text) {
            prop_assert_eq!(n.len(), 20);
            prop_assert_eq!(normalize_valid_until(&n), Ok(Some(n.clone())));
        }
    }
}

fn grant_line() -> impl Strategy<Value = String> {
    let privs = prop_oneof![
        Just("SELECT"),
        Just("SELECT, INSERT"),
        Just("ALL PRIVILEGES"),
        Just("USAGE"),
        Just("SELECT (`a`, `b`), UPDATE (`b`)"),
        Just("EXECUTE, ALTER ROUTINE"),
        Just("PROXY"),
        Just("FUTURE_PRIV"),
    ];
    let object = prop_oneof![
        Just("*.*"),
        Just("`db`.*"),
        Just("`hive\\_db`.*"),
        Just("`db`.`t`"),
        Just("PROCEDURE `db`.`p`"),
        Just("FUNCTION `db`.`f`"),
        Just("''@''"),
        Just("\"ansi\".\"t\""),
    ];
    let tail = prop_oneof![
        Just(""),
        Just(" WITH GRANT OPTION"),
        Just(" IDENTIFIED BY PASSWORD '*D821809F681A40A6E379B50D0463EFAE20BDD122'"),
        Just(" REQUIRE SSL WITH MAX_USER_CONNECTIONS 5"),
        Just(" WITH MAX_USER_CONNECTIONS 99999999999999999999999"),
    ];
    let shape = prop_oneof![
        (privs, object, tail).prop_map(|(p, o, t)| format!("GRANT {p} ON {o} TO `u1`@`%`{t}")),
        Just("GRANT `reader` TO `u1`@`%` WITH ADMIN OPTION".to_owned()),
        Just("GRANT `r1`@`%`,`r2`@`%` TO `u1`@`%`".to_owned()),
        Just("REVOKE INSERT ON `world`.* FROM `u1`@`%`".to_owned()),
        Just("GRANT INSERT ON `we``ird'db\"x;--`.`t``a'b\\c` TO `u1`@`%`".to_owned()),
    ];
    (shape, any::<usize>(), nasty(), any::<bool>(), 0u8..3).prop_map(
        |(line, at, piece, replace, how)| match how {
            0 => line,
            1 => mutate(&line, at, &piece, replace),
            // Cut anywhere (on a character boundary): unterminated quotes, lists and clauses.
            _ => {
                let cut = line
                    .char_indices()
                    .map(|(i, _)| i)
                    .nth(at % line.chars().count().max(1))
                    .unwrap_or(0);
                line[..cut].to_owned()
            }
        },
    )
}

const HASH: &str = "*D821809F681A40A6E379B50D0463EFAE20BDD122";

fn check_grants(lines: &[String]) -> Result<(), TestCaseError> {
    for line in lines {
        let _ = parse_show_grants_line(line);
    }
    let server = ServerInfo::new(Engine::Mariadb, 10, 11);
    let grantee = Grantee::Mysql {
        user: "u1".to_owned(),
        host: "%".to_owned(),
    };
    if let Err(e) = mysql_actual(&server, &grantee, lines) {
        let text = e.to_string();
        prop_assert!(
            !text.contains("D821809F681A40A6E379B50D0463EFAE20BDD122"),
            "the error shows the password hash: {}",
            text
        );
    }
    let mysql = ServerInfo::new(Engine::Mysql, 8, 0);
    let _ = mysql_actual(&mysql, &grantee, lines);
    Ok(())
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn show_grants_any_string(s in any::<String>()) {
        check_grants(&[s])?;
    }

    #[test]
    fn show_grants_near_valid(lines in prop::collection::vec(grant_line(), 1..4)) {
        check_grants(&lines)?;
    }

    /// `IDENTIFIED` after any whitespace (MariaDB prints one space, but a line is what the server sends)
    /// and a line that fails to parse for another reason: the hash stays out of the error.
    #[test]
    fn show_grants_error_hides_hash(
        ws in prop_oneof![Just(" "), Just("\t"), Just("  "), Just("\n"), Just(" \t ")],
        ws2 in prop_oneof![Just(" "), Just("\t"), Just("\n")],
        kw in prop_oneof![Just("IDENTIFIED"), Just("identified"), Just("Identified")],
        broken in prop_oneof![
            Just("GRANT SELECT ON `db`.* TO `u1`@`%`"),
            Just("GRANT SELECT ON `db`.* TO `other`@`%`"),
            Just("GRANT SELECT ON `db`.* `u1`@`%`"),
            Just("GRANT SELECT ON `db`.`t`.`x` TO `u1`@`%`"),
            Just("GRANT FROB ON `db`.* TO `u1`@`%`"),
            Just("GRANT USAGE ON *.* TO `u1`@`%` JUNK"),
        ],
    ) {
        let line = format!("{broken}{ws}{kw}{ws2}BY PASSWORD '{HASH}'");
        check_grants(&[line])?;
    }
}

fn leaf() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>()
            .prop_map(|f| serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)),
        any::<String>().prop_map(Value::String),
        nasty().prop_map(Value::String),
    ]
}

fn json_value() -> impl Strategy<Value = Value> {
    leaf().prop_recursive(4, 32, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::btree_map(any::<String>(), inner, 0..4)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// A password that no other part of the generated input contains by accident.
fn password() -> impl Strategy<Value = String> {
    prop_oneof![
        "[A-Za-z0-9]{12,24}".prop_map(|s| format!("pw-{s}")),
        "\\PC{8,16}".prop_map(|s| format!("pw-{s}-é🦀")),
    ]
}

fn valid_secret(pw: String) -> Map<String, Value> {
    let Value::Object(map) = json!({
        "engine": "mysql",
        "host": "db.example.com",
        "port": 3306,
        "username": "hive_rw",
        "password": pw,
        "dbname": "metastore",
        "masterarn": "arn:aws:secretsmanager:us-east-1:123456789012:secret:admin-AbCdEf",
        "dbInstanceIdentifier": "metastore",
        "extra": {"kept": [1, 2, 3]},
    }) else {
        return Map::new();
    };
    map
}

const FIELDS: [&str; 10] = [
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

fn check_secret(text: &str, pw: Option<&str>) -> Result<(), TestCaseError> {
    match RdsSecret::from_json(text) {
        Ok(s) => {
            let again = RdsSecret::from_json(&s.to_json());
            prop_assert_eq!(again.as_ref(), Ok(&s), "round trip of {:?}", text);
            if let Some(pw) = pw {
                prop_assert!(!format!("{s:?}").contains(pw), "Debug shows the password");
            }
        }
        Err(e) => {
            if let Some(pw) = pw {
                let shown = format!("{e} {e:?}");
                prop_assert!(
                    !shown.contains(pw),
                    "the error shows the password: {}",
                    shown
                );
            }
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn secret_any_string(s in any::<String>()) {
        check_secret(&s, None)?;
    }

    #[test]
    fn secret_any_json(v in json_value()) {
        check_secret(&v.to_string(), None)?;
    }

    /// A valid secret with one field replaced by any JSON value (or removed): a password still in the input
    /// never shows in the error.
    #[test]
    fn secret_one_field_mutated(
        pw in password(),
        field in prop::sample::select(FIELDS.to_vec()),
        value in prop::option::of(json_value()),
        port in prop_oneof![
            Just(json!(0)), Just(json!(65536)), Just(json!(-1)), Just(json!("3306")),
            Just(json!(" 3306")), Just(json!("３３０６")), Just(json!(1e300)), Just(json!(3306.5)),
            Just(json!(u64::MAX)), Just(json!("99999999999999999999999999")),
        ],
        port_too in any::<bool>(),
    ) {
        let mut map = valid_secret(pw.clone());
        match value {
            Some(v) => map.insert(field.to_owned(), v),
            None => map.remove(field),
        };
        if port_too && field != "port" {
            map.insert("port".to_owned(), port);
        }
        let keeps_pw = field != "password";
        check_secret(&Value::Object(map).to_string(), keeps_pw.then_some(pw.as_str()))?;
    }

    /// The secret text cut or with a character changed: a syntax error must not quote the password.
    #[test]
    fn secret_text_mutated(pw in password(), at in any::<usize>(), piece in nasty(), replace in any::<bool>()) {
        let text = Value::Object(valid_secret(pw.clone())).to_string();
        let mutated = mutate(&text, at, &piece, replace);
        if let Err(e) = RdsSecret::from_json(&mutated) {
            let shown = format!("{e} {e:?}");
            prop_assert!(!shown.contains(&pw), "the error shows the password: {}", shown);
        }
    }

    /// Deep nesting in an extra field: the JSON parser's recursion limit answers, nothing overflows the stack.
    #[test]
    fn secret_deep_nesting(depth in 1usize..20_000, object in any::<bool>()) {
        let (open, close) = if object { ("{\"a\":", "}") } else { ("[", "]") };
        let nested = format!("{}1{}", open.repeat(depth), close.repeat(depth));
        let text = format!(
            "{{\"engine\":\"postgres\",\"host\":\"h\",\"port\":5432,\"username\":\"u\",\"password\":\"pw-secret-123\",\"x\":{nested}}}"
        );
        check_secret(&text, Some("pw-secret-123"))?;
    }
}

#[cfg(feature = "client")]
mod client {
    use proptest::prelude::*;

    use super::{config, mutate, nasty};
    use crate::client::parse_create_user;

    fn create_user_line() -> impl Strategy<Value = String> {
        prop_oneof![
            Just("CREATE USER `hive_rw`@`%` IDENTIFIED BY PASSWORD '*D821809F681A40A6E379B50D0463EFAE20BDD122' REQUIRE SSL WITH MAX_USER_CONNECTIONS 5".to_owned()),
            Just("CREATE USER `a`@`%` IDENTIFIED WITH 'caching_sha2_password' AS '$A$005$x\\'y' REQUIRE NONE PASSWORD EXPIRE DEFAULT ACCOUNT UNLOCK".to_owned()),
            Just("CREATE USER `i`@`%` IDENTIFIED WITH 'AWSAuthenticationPlugin' AS 'RDS'".to_owned()),
            Just("CREATE USER `u`@`%` WITH MAX_USER_CONNECTIONS 99999999999999999999999".to_owned()),
        ]
    }

    proptest! {
        #![proptest_config(config())]

        #[test]
        fn create_user_any_string(s in any::<String>()) {
            let _ = parse_create_user(&s, "u", "%");
        }

        #[test]
        fn create_user_near_valid(
            base in create_user_line(),
            at in any::<usize>(),
            piece in nasty(),
            replace in any::<bool>(),
        ) {
            let line = mutate(&base, at, &piece, replace);
            let _ = parse_create_user(&line, "hive_rw", "%");
            let _ = parse_create_user(&line, "a", "%");
        }
    }
}
