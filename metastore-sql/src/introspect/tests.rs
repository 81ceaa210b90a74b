use super::*;
use std::collections::BTreeMap;

fn row(cols: &[Option<&str>]) -> Row {
    cols.iter().map(|c| c.map(str::to_owned)).collect()
}

fn lines(ls: &[&str]) -> Vec<String> {
    ls.iter().map(|s| (*s).to_owned()).collect()
}

#[test]
fn parses_mariadb_lines_including_hostile_names() {
    // Captured from MariaDB 10.11.14 (raw output).
    let l = "GRANT INSERT ON `we``ird'db\"x;--`.`t``a'b\\c` TO `h``o'st\"il\\e;--`@`ho``s't\\%`";
    let g = parse_show_grants_line(l).expect("parse");
    assert_eq!(g.user, "h`o'st\"il\\e;--");
    assert_eq!(g.host, "ho`s't\\%");
    assert_eq!(
        g.kind,
        GrantLineKind::Privileges {
            privileges: vec!["INSERT".into()],
            column_level: false,
            object_type: None,
            level: Level::Table {
                database: "we`ird'db\"x;--".into(),
                table: "t`a'b\\c".into()
            },
        }
    );
    assert_eq!(&l[g.account_start..g.account_start + 4], "`h``");
    // The same under sql_mode=ANSI_QUOTES.
    let ansi = "GRANT INSERT ON \"we`ird'db\"\"x;--\".\"t`a'b\\c\" TO \"h`o'st\"\"il\\e;--\"@\"ho`s't\\%\"";
    let a = parse_show_grants_line(ansi).expect("ansi");
    assert_eq!(
        (a.user.as_str(), a.host.as_str(), &a.kind),
        (g.user.as_str(), g.host.as_str(), &g.kind)
    );
    let usage = parse_show_grants_line(
        "GRANT USAGE ON *.* TO `ro`@`%` IDENTIFIED BY PASSWORD '*D821809F681A40A6E379B50D0463EFAE20BDD122' REQUIRE SSL WITH MAX_USER_CONNECTIONS 5",
    )
    .expect("usage");
    assert!(!usage.with_grant_option);
    assert!(matches!(
        usage.kind,
        GrantLineKind::Privileges {
            level: Level::Global,
            ..
        }
    ));
    let db =
        parse_show_grants_line("GRANT SELECT, INSERT ON `hive\\_db`.* TO `ro`@`%`").expect("db");
    assert!(
        matches!(&db.kind, GrantLineKind::Privileges { level: Level::Database(p), .. } if p == "hive\\_db")
    );
    let role =
        parse_show_grants_line("GRANT `reader` TO `ro`@`%` WITH ADMIN OPTION").expect("role");
    assert_eq!(role.kind, GrantLineKind::Roles(vec!["reader".into()]));
    assert!(role.with_admin_option);
}

#[test]
fn parses_mysql8_lines() {
    let cases: Vec<(&str, GrantLineKind, bool, bool)> = vec![
        (
            "GRANT SELECT, INSERT ON *.* TO `u1`@`%`",
            GrantLineKind::Privileges {
                privileges: vec!["SELECT".into(), "INSERT".into()],
                column_level: false,
                object_type: None,
                level: Level::Global,
            },
            false,
            false,
        ),
        (
            "GRANT APPLICATION_PASSWORD_ADMIN,AUDIT_ADMIN,BACKUP_ADMIN ON *.* TO `u1`@`%` WITH GRANT OPTION",
            GrantLineKind::Privileges {
                privileges: vec![
                    "APPLICATION_PASSWORD_ADMIN".into(),
                    "AUDIT_ADMIN".into(),
                    "BACKUP_ADMIN".into(),
                ],
                column_level: false,
                object_type: None,
                level: Level::Global,
            },
            false,
            true,
        ),
        (
            "REVOKE INSERT ON `world`.* FROM `u1`@`%`",
            GrantLineKind::Privileges {
                privileges: vec!["INSERT".into()],
                column_level: false,
                object_type: None,
                level: Level::Database("world".into()),
            },
            true,
            false,
        ),
        (
            "GRANT `r1`@`%`,`r2`@`%` TO `u1`@`%`",
            GrantLineKind::Roles(vec!["r1@%".into(), "r2@%".into()]),
            false,
            false,
        ),
        (
            "GRANT SELECT (`a`, `b`), UPDATE (`b`) ON `db`.`t` TO `u1`@`%`",
            GrantLineKind::Privileges {
                privileges: vec!["SELECT".into(), "UPDATE".into()],
                column_level: true,
                object_type: None,
                level: Level::Table {
                    database: "db".into(),
                    table: "t".into(),
                },
            },
            false,
            false,
        ),
        (
            "GRANT EXECUTE, ALTER ROUTINE ON PROCEDURE `db`.`p` TO `u1`@`%`",
            GrantLineKind::Privileges {
                privileges: vec!["EXECUTE".into(), "ALTER ROUTINE".into()],
                column_level: false,
                object_type: Some("PROCEDURE".into()),
                level: Level::Table {
                    database: "db".into(),
                    table: "p".into(),
                },
            },
            false,
            false,
        ),
        (
            "GRANT PROXY ON ''@'' TO 'u1'@'%' WITH GRANT OPTION",
            GrantLineKind::Proxy,
            false,
            true,
        ),
        (
            "GRANT `rds_superuser_role`@`%` TO `u1`@`%`",
            GrantLineKind::Roles(vec!["rds_superuser_role@%".into()]),
            false,
            false,
        ),
    ];
    for (line, kind, revoke, go) in cases {
        let g = parse_show_grants_line(line).expect(line);
        assert_eq!(
            (g.kind, g.revoke, g.with_grant_option),
            (kind, revoke, go),
            "{line}"
        );
        assert_eq!((g.user.as_str(), g.host.as_str()), ("u1", "%"), "{line}");
    }
}

#[test]
fn parse_errors_never_repeat_password_hashes() {
    for bad in [
        "SELECT 1",
        "GRANT SELECT ON `db`.* `u`@`%` IDENTIFIED BY PASSWORD '*ABCDEF'",
        "GRANT ON `db`.* TO `u`@`%`",
        "GRANT SELECT ON `db TO `u`@`%`",
        "GRANT SELECT ON `db`.* TO",
        "GRANT SELECT ON `db`.`t`.`x` TO `u`@`%` IDENTIFIED BY PASSWORD '*ABCDEF'",
    ] {
        let err = parse_show_grants_line(bad).expect_err(bad);
        assert!(!err.to_string().contains("ABCDEF"), "{err}");
    }
}

#[test]
fn mysql_actual_sorts_lines_into_the_model() {
    let server = ServerInfo::default_for(Engine::Mysql);
    let grantee = Grantee::new(Engine::Mysql, "u1", None).expect("g");
    let actual = mysql_actual(
        &server,
        &grantee,
        &lines(&[
            "GRANT USAGE ON *.* TO `u1`@`%`",
            "GRANT RELOAD, PROCESS ON *.* TO `u1`@`%`",
            "GRANT ALL PRIVILEGES ON `hive\\_db`.* TO `u1`@`%` WITH GRANT OPTION",
            "GRANT SELECT, FUTURE_PRIV ON `other`.`t` TO `u1`@`%`",
            "GRANT USAGE ON `odd`.* TO `u1`@`%` WITH GRANT OPTION",
            "GRANT SELECT (`a`) ON `db`.`t` TO `u1`@`%`",
            "GRANT EXECUTE ON FUNCTION `db`.`f` TO `u1`@`%`",
            "GRANT `r1`@`%` TO `u1`@`%`",
            "REVOKE INSERT ON `world`.* FROM `u1`@`%`",
        ]),
    )
    .expect("actual");
    assert_eq!(
        actual.global,
        ["PROCESS".to_owned(), "RELOAD".to_owned()].into()
    );
    assert!(!actual.global_grant_option);
    let db = &actual.privileges[&Target::MysqlDatabase {
        pattern: "hive\\_db".into(),
    }];
    assert_eq!(db.len(), 18);
    assert!(db.values().all(|go| *go));
    assert_eq!(
        actual.privileges[&Target::MysqlTable {
            database: "other".into(),
            table: "t".into()
        }],
        BTreeMap::from([(Privilege::Select, false)])
    );
    assert!(actual.grant_option_only.contains(&Target::MysqlDatabase {
        pattern: "odd".into()
    }));
    assert_eq!(actual.unmanaged.len(), 5, "{:#?}", actual.unmanaged);
    let err = mysql_actual(
        &server,
        &grantee,
        &lines(&["GRANT SELECT ON `d`.* TO `other`@`%`"]),
    )
    .expect_err("account");
    assert!(matches!(
        err,
        IntrospectError::Parse(ParseError::Account { .. })
    ));
}

#[test]
fn mysql_user_rows() {
    let rows = vec![row(&[
        Some("hive"),
        Some("%"),
        Some("caching_sha2_password"),
        Some("ANY"),
        Some("10"),
        Some("N"),
    ])];
    let u = parse_mysql_user(&rows).expect("parse").expect("exists");
    assert_eq!(
        (u.require_ssl, u.connection_limit, u.iam, u.password_expired),
        (true, Some(10), false, false)
    );
    let rows = vec![row(&[
        Some("iam"),
        Some("%"),
        Some("AWSAuthenticationPlugin"),
        Some(""),
        Some("0"),
        Some("N"),
    ])];
    let u = parse_mysql_user(&rows).expect("parse").expect("exists");
    assert_eq!(
        (u.require_ssl, u.connection_limit, u.iam),
        (false, None, true)
    );
    assert_eq!(parse_mysql_user(&[]).expect("none"), None);
    assert!(parse_mysql_user(&[row(&[Some("a"), Some("%"), None, None, Some("x")])]).is_err());
    assert_eq!(
        show_grants_sql(&Grantee::new(Engine::Mariadb, "a`b", Some("10.%")).expect("g"))
            .expect("sql"),
        "SHOW GRANTS FOR `a``b`@`10.%`"
    );
}

#[test]
fn server_info_rows() {
    let m = parse_server_info(
        Engine::Mysql,
        &[row(&[Some("8.0.mysql_aurora.3.05.2"), Some("1")])],
    )
    .expect("m");
    assert_eq!((m.major, m.partial_revokes), (8, true));
    let p = parse_server_info(Engine::Postgres, &[row(&[Some("170002"), Some("0")])]).expect("p");
    assert_eq!((p.major, p.minor, p.partial_revokes), (17, 2, false));
    assert!(parse_server_info(Engine::Mariadb, &[]).is_err());
    for e in Engine::ALL {
        assert!(server_info_sql(e).starts_with("SELECT "));
    }
}

#[test]
fn pg_role_rows() {
    let role = vec![row(&[
        Some("hive_ro"),
        Some("true"),
        Some("-1"),
        Some("infinity"),
        Some("false"),
        Some("true"),
        Some("false"),
        Some("false"),
    ])];
    let members = vec![
        row(&[Some("rds_iam"), Some("false")]),
        row(&[Some("hive_owner"), Some("false")]),
    ];
    let r = parse_pg_role(&role, &members)
        .expect("parse")
        .expect("exists");
    assert_eq!(
        (
            r.can_login,
            r.connection_limit,
            r.valid_until.clone(),
            r.iam
        ),
        (true, None, None, true)
    );
    assert_eq!(r.member_of.len(), 2);
    let role = vec![row(&[
        Some("x"),
        Some("t"),
        Some("5"),
        Some("2030-01-01T00:00:00Z"),
        Some("f"),
        Some("t"),
        Some("f"),
        Some("f"),
    ])];
    let r = parse_pg_role(&role, &[]).expect("parse").expect("exists");
    assert_eq!(
        (r.connection_limit, r.valid_until.as_deref(), r.iam),
        (Some(5), Some("2030-01-01T00:00:00Z"), false)
    );
    assert_eq!(parse_pg_role(&[], &[]).expect("none"), None);
    assert!(parse_pg_role(&[row(&[Some("x"), Some("maybe")])], &[]).is_err());
}

#[test]
fn pg_actual_from_rows() {
    let server = ServerInfo::default_for(Engine::Postgres);
    let rows = PgRows {
        database_privileges: vec![row(&[Some("metastore"), Some("CONNECT"), Some("false")])],
        schema_privileges: vec![row(&[
            Some("metastore"),
            Some("hive"),
            Some("USAGE"),
            Some("true"),
        ])],
        object_privileges: vec![
            row(&[
                Some("metastore"),
                Some("hive"),
                Some("DBS"),
                Some("table"),
                Some("SELECT"),
                Some("false"),
            ]),
            row(&[
                Some("metastore"),
                Some("hive"),
                Some("DBS"),
                Some("table"),
                Some("MAINTAIN"),
                Some("false"),
            ]),
            row(&[
                Some("metastore"),
                Some("hive"),
                Some("seq"),
                Some("sequence"),
                Some("USAGE"),
                Some("false"),
            ]),
        ],
        inventory: vec![row(&[
            Some("metastore"),
            Some("hive"),
            Some("DBS"),
            Some("table"),
        ])],
        inspected_schemas: vec![
            ("metastore".into(), "hive".into()),
            ("metastore".into(), "empty".into()),
        ],
        default_privileges: vec![
            row(&[
                Some("metastore"),
                Some("hive_owner"),
                Some("hive"),
                Some("r"),
                Some("SELECT"),
                Some("false"),
            ]),
            row(&[
                Some("metastore"),
                Some("hive_owner"),
                None,
                Some("S"),
                Some("USAGE"),
                Some("false"),
            ]),
            row(&[
                Some("metastore"),
                Some("hive_owner"),
                Some("hive"),
                Some("f"),
                Some("EXECUTE"),
                Some("false"),
            ]),
            row(&[
                Some("metastore"),
                Some("stranger"),
                Some("hive"),
                Some("r"),
                Some("SELECT"),
                Some("false"),
            ]),
        ],
    };
    let a = pg_actual(&server, &rows, &["hive_owner".to_owned()]).expect("actual");
    assert_eq!(
        a.privileges[&Target::PgDatabase {
            database: "metastore".into()
        }],
        BTreeMap::from([(Privilege::Connect, false)])
    );
    assert_eq!(
        a.privileges[&Target::PgSchema {
            database: "metastore".into(),
            schema: "hive".into()
        }],
        BTreeMap::from([(Privilege::Usage, true)])
    );
    assert_eq!(
        a.privileges[&Target::PgTable {
            database: "metastore".into(),
            schema: "hive".into(),
            name: "DBS".into()
        }],
        BTreeMap::from([(Privilege::Select, false)])
    );
    assert!(a.privileges.contains_key(&Target::PgDefault {
        database: "metastore".into(),
        owner: "hive_owner".into(),
        schema: None,
        kind: ObjectKind::Sequence
    }));
    // MAINTAIN on a server believed to be 15, function defaults and a stranger's defaults are not managed.
    assert_eq!(a.unmanaged.len(), 3, "{:#?}", a.unmanaged);
    assert_eq!(a.inventory.len(), 4);
    assert!(
        a.inventory[&SchemaKey {
            database: "metastore".into(),
            schema: "empty".into(),
            kind: ObjectKind::Table
        }]
            .is_empty()
    );
    let bad = PgRows {
        object_privileges: vec![row(&[
            Some("m"),
            Some("s"),
            Some("t"),
            Some("index"),
            Some("SELECT"),
            Some("false"),
        ])],
        ..PgRows::default()
    };
    assert!(pg_actual(&server, &bad, &[]).is_err());
}

#[test]
fn pg_dependents_rows() {
    let got = parse_pg_dependents(&[
        row(&[Some(""), Some("1"), Some("0")]),
        row(&[Some("metastore"), Some("3"), Some("7")]),
    ])
    .expect("parse");
    assert_eq!(
        got[1],
        PgDependents {
            database: "metastore".into(),
            owned: 3,
            other: 7
        }
    );
    assert!(parse_pg_dependents(&[row(&[Some("x"), Some("-1"), Some("0")])]).is_err());
    assert_eq!(
        databases_to_release(&got, "postgres"),
        vec!["metastore".to_owned()]
    );
    let shared_only = vec![PgDependents {
        database: String::new(),
        owned: 0,
        other: 1,
    }];
    assert_eq!(
        databases_to_release(&shared_only, "postgres"),
        vec!["postgres".to_owned()]
    );
    let with_current = vec![
        shared_only[0].clone(),
        PgDependents {
            database: "postgres".into(),
            owned: 1,
            other: 0,
        },
    ];
    assert_eq!(
        databases_to_release(&with_current, "postgres"),
        vec!["postgres".to_owned()]
    );
}

#[test]
fn queries_bind_parameters_instead_of_splicing_names() {
    for q in [
        PG_ROLE_SQL,
        PG_MEMBERSHIPS_SQL,
        PG_DATABASE_PRIVILEGES_SQL,
        PG_SCHEMA_PRIVILEGES_SQL,
        PG_OBJECT_PRIVILEGES_SQL,
        PG_DEFAULT_PRIVILEGES_SQL,
        PG_DEPENDENT_DATABASES_SQL,
    ] {
        assert!(q.contains("rolname = $1"), "{q}");
    }
    assert!(
        PG_OBJECT_INVENTORY_SQL.contains("ANY($1::text[])")
            && PG_OBJECT_INVENTORY_SQL.contains("rolname = $2")
    );
    assert!(MYSQL_USER_SQL.ends_with("WHERE User = ? AND Host = ?"));
}

#[test]
fn mariadb_default_role_lines_are_understood() {
    let g = parse_show_grants_line("SET DEFAULT ROLE `reader` FOR `u1`@`%`").expect("line");
    assert_eq!(g.kind, GrantLineKind::DefaultRole("reader".into()));
    assert_eq!((g.user.as_str(), g.host.as_str()), ("u1", "%"));
    assert!(!g.revoke && !g.with_grant_option);
    let g = parse_show_grants_line("SET DEFAULT ROLE `we``ird` FOR `u``1`@`10.%`").expect("quoted");
    assert_eq!(g.kind, GrantLineKind::DefaultRole("we`ird".into()));
    assert_eq!((g.user.as_str(), g.host.as_str()), ("u`1", "10.%"));
    for bad in [
        "SET DEFAULT ROLE",
        "SET DEFAULT ROLE `r`",
        "SET DEFAULT ROLE `r` TO `u`@`%`",
    ] {
        assert!(parse_show_grants_line(bad).is_err(), "{bad}");
    }
    // Refresh reads a user with a default role without failing; the line is reported, not managed.
    let server = ServerInfo::default_for(Engine::Mariadb);
    let grantee = Grantee::new(Engine::Mariadb, "u1", None).expect("g");
    let actual = mysql_actual(
        &server,
        &grantee,
        &lines(&[
            "GRANT USAGE ON *.* TO `u1`@`%`",
            "GRANT `reader` TO `u1`@`%`",
            "SET DEFAULT ROLE `reader` FOR `u1`@`%`",
        ]),
    )
    .expect("actual");
    assert!(
        actual
            .unmanaged
            .iter()
            .any(|n| n.starts_with("default role")),
        "{:?}",
        actual.unmanaged
    );
    // Another account's line is still refused.
    assert!(
        mysql_actual(
            &server,
            &grantee,
            &lines(&["SET DEFAULT ROLE `reader` FOR `u2`@`%`"])
        )
        .is_err()
    );
}

/// Regression (property tests): the password hash after `IDENTIFIED` followed by a tab, a newline or two
/// spaces, or glued to the word before, reached the error text; the cut now takes the word anywhere.
#[test]
fn redaction_takes_any_whitespace_around_identified() {
    let hash = "*D821809F681A40A6E379B50D0463EFAE20BDD122";
    for sep in [
        " IDENTIFIED\tBY",
        "\tIDENTIFIED BY",
        "  identified\nBY",
        " Identified  BY",
        "-1IDENTIFIED BY",
        " IxENTIFIED BY",
    ] {
        let line = format!("GRANT SELECT ON `db`.* TO `other`@`%`{sep} PASSWORD '{hash}'");
        let red = redact_grant_line(&line);
        assert!(!red.contains(hash), "{red}");
        assert!(red.ends_with(" ..."), "{red}");
        let server = ServerInfo::new(Engine::Mariadb, 10, 11);
        let grantee = Grantee::Mysql {
            user: "u1".into(),
            host: "%".into(),
        };
        let e = mysql_actual(&server, &grantee, &[line]).expect_err("other account");
        assert!(!e.to_string().contains(hash), "{e}");
    }
    assert_eq!(
        redact_grant_line("GRANT SELECT ON `db`.* TO `u`@`%`"),
        "GRANT SELECT ON `db`.* TO `u`@`%`"
    );
}
