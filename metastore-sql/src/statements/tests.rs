use super::*;

fn mysql8() -> ServerInfo {
    ServerInfo::default_for(Engine::Mysql)
}

fn maria() -> ServerInfo {
    ServerInfo::default_for(Engine::Mariadb)
}

fn pg() -> ServerInfo {
    ServerInfo::default_for(Engine::Postgres)
}

fn user(engine: Engine, name: &str) -> Grantee {
    Grantee::new(engine, name, None).expect("grantee")
}

fn pw() -> Secret {
    Secret::new("Pw-1.abcdefghijklmnopqrstuvwxyz0123")
}

fn one(stmts: Vec<Statement>) -> Statement {
    assert_eq!(stmts.len(), 1, "{stmts:?}");
    stmts.into_iter().next().expect("one")
}

#[test]
fn mysql8_create_user_exact() {
    let opts = UserOptions {
        connection_limit: Some(10),
        valid_until: None,
        require_ssl: true,
    };
    let s = one(create_user(
        &mysql8(),
        &user(Engine::Mysql, "hive"),
        &Auth::Password(pw()),
        &opts,
    )
    .expect("create"));
    assert_eq!(
        s.sql,
        "CREATE USER `hive`@`%` IDENTIFIED BY 'Pw-1.abcdefghijklmnopqrstuvwxyz0123' REQUIRE SSL WITH MAX_USER_CONNECTIONS 10"
    );
    assert_eq!(
        s.redacted,
        "CREATE USER `hive`@`%` IDENTIFIED BY '***' REQUIRE SSL WITH MAX_USER_CONNECTIONS 10"
    );
    assert!(s.has_secret());
    assert_eq!(
        format!("{s:?}"),
        "Statement { sql: \"CREATE USER `hive`@`%` IDENTIFIED BY '***' REQUIRE SSL WITH MAX_USER_CONNECTIONS 10\", database: None }"
    );
    assert_eq!(s.to_string(), s.redacted);

    let iam = one(create_user(
        &mysql8(),
        &Grantee::new(Engine::Mysql, "hive@corp", Some("10.0.%")).expect("g"),
        &Auth::Iam,
        &UserOptions {
            require_ssl: true,
            ..UserOptions::default()
        },
    )
    .expect("iam"));
    assert_eq!(
        iam.sql,
        "CREATE USER `hive@corp`@`10.0.%` IDENTIFIED WITH AWSAuthenticationPlugin AS 'RDS' REQUIRE SSL"
    );
    assert!(!iam.has_secret());

    let quote = one(create_user(
        &maria(),
        &user(Engine::Mariadb, "o'k"),
        &Auth::Password(Secret::new("it's")),
        &UserOptions::default(),
    )
    .expect("q"));
    assert_eq!(
        quote.sql,
        "CREATE USER `o'k`@`%` IDENTIFIED BY 'it''s' REQUIRE NONE"
    );
    assert_eq!(
        quote.redacted,
        "CREATE USER `o'k`@`%` IDENTIFIED BY '***' REQUIRE NONE"
    );
}

#[test]
fn create_user_refusals_never_echo_the_password() {
    let g = user(Engine::Mysql, "hive");
    let err = create_user(
        &mysql8(),
        &g,
        &Auth::Password(Secret::new("bad\\pass")),
        &UserOptions::default(),
    )
    .expect_err("backslash");
    assert!(!err.to_string().contains("bad"), "{err}");
    for limit in [0u32, u32::MAX] {
        let opts = UserOptions {
            connection_limit: Some(limit),
            ..UserOptions::default()
        };
        assert_eq!(
            create_user(&mysql8(), &g, &Auth::Iam, &opts),
            Err(StatementError::ConnectionLimit(limit))
        );
    }
    let opts = UserOptions {
        valid_until: Some("2030-01-01T00:00:00Z".into()),
        ..UserOptions::default()
    };
    assert_eq!(
        create_user(&maria(), &g, &Auth::Iam, &opts),
        Err(StatementError::ValidUntilNotSupported(Engine::Mariadb))
    );
    assert!(matches!(
        create_user(&pg(), &g, &Auth::Iam, &UserOptions::default()),
        Err(StatementError::Grantee { .. })
    ));
    let too_long = Grantee::Mysql {
        user: "u".repeat(33),
        host: "%".into(),
    };
    assert!(matches!(
        create_user(&mysql8(), &too_long, &Auth::Iam, &UserOptions::default()),
        Err(StatementError::Ident(_))
    ));
}

#[test]
fn postgres_create_role_sends_a_verifier_not_the_password() {
    let opts = UserOptions {
        connection_limit: Some(5),
        valid_until: Some("2030-01-01T02:00:00+02:00".into()),
        require_ssl: true,
    };
    let s = one(create_user(
        &pg(),
        &user(Engine::Postgres, "hive_ro"),
        &Auth::Password(pw()),
        &opts,
    )
    .expect("create"));
    assert!(!s.sql.contains(pw().expose()), "{}", s.sql);
    assert!(
        s.sql
            .starts_with("CREATE ROLE \"hive_ro\" LOGIN PASSWORD E'SCRAM-SHA-256$4096:"),
        "{}",
        s.sql
    );
    assert!(
        s.sql
            .ends_with("' CONNECTION LIMIT 5 VALID UNTIL E'2030-01-01T00:00:00Z'"),
        "{}",
        s.sql
    );
    assert_eq!(
        s.redacted,
        "CREATE ROLE \"hive_ro\" LOGIN PASSWORD '***' CONNECTION LIMIT 5 VALID UNTIL E'2030-01-01T00:00:00Z'"
    );
    let iam = create_user(
        &pg(),
        &user(Engine::Postgres, "hive_iam"),
        &Auth::Iam,
        &UserOptions::default(),
    )
    .expect("iam");
    assert_eq!(
        iam.iter().map(|s| s.sql.as_str()).collect::<Vec<_>>(),
        vec![
            "CREATE ROLE \"hive_iam\" LOGIN",
            "GRANT \"rds_iam\" TO \"hive_iam\""
        ]
    );
    // Passwords PostgreSQL would SASLprep are sent as literals, still redacted.
    let s = one(set_password(
        &pg(),
        &user(Engine::Postgres, "x"),
        &Secret::new("pässwörd'\\"),
    )
    .expect("set"));
    assert_eq!(s.sql, "ALTER ROLE \"x\" PASSWORD E'pässwörd''\\\\'");
    assert_eq!(s.redacted, "ALTER ROLE \"x\" PASSWORD '***'");
    let none = UserOptions {
        valid_until: Some("infinity".into()),
        ..UserOptions::default()
    };
    let s = create_user(&pg(), &user(Engine::Postgres, "y"), &Auth::Iam, &none).expect("inf");
    assert_eq!(s[0].sql, "CREATE ROLE \"y\" LOGIN");
}

#[test]
fn alter_and_drop_exact() {
    let m = user(Engine::Mysql, "hive");
    let p = user(Engine::Postgres, "hive");
    assert_eq!(
        one(alter_user(&mysql8(), &m, &UserOptions::default()).expect("a")).sql,
        "ALTER USER `hive`@`%` REQUIRE NONE WITH MAX_USER_CONNECTIONS 0"
    );
    assert_eq!(
        one(alter_user(
            &maria(),
            &m,
            &UserOptions {
                connection_limit: Some(3),
                require_ssl: true,
                ..UserOptions::default()
            }
        )
        .expect("a"))
        .sql,
        "ALTER USER `hive`@`%` REQUIRE SSL WITH MAX_USER_CONNECTIONS 3"
    );
    assert_eq!(
        one(alter_user(&pg(), &p, &UserOptions::default()).expect("a")).sql,
        "ALTER ROLE \"hive\" CONNECTION LIMIT -1 VALID UNTIL E'infinity'"
    );
    assert_eq!(
        one(alter_user(
            &pg(),
            &p,
            &UserOptions {
                connection_limit: Some(7),
                valid_until: Some("2031-06-30t12:00:00-05:30".into()),
                require_ssl: false
            }
        )
        .expect("a"))
        .sql,
        "ALTER ROLE \"hive\" CONNECTION LIMIT 7 VALID UNTIL E'2031-06-30T17:30:00Z'"
    );
    let s = one(set_password(&mysql8(), &m, &pw()).expect("pw"));
    assert_eq!(s.redacted, "ALTER USER `hive`@`%` IDENTIFIED BY '***'");
    assert_eq!(
        s.sql,
        format!("ALTER USER `hive`@`%` IDENTIFIED BY '{}'", pw().expose())
    );
    assert_eq!(
        one(drop_user(&mysql8(), &m).expect("d")).sql,
        "DROP USER IF EXISTS `hive`@`%`"
    );
    assert_eq!(
        one(drop_user(&pg(), &p).expect("d")).sql,
        "DROP ROLE IF EXISTS \"hive\""
    );
    assert_eq!(
        pg_prepare_drop("hive").expect("prep").sql,
        "GRANT \"hive\" TO CURRENT_USER"
    );
    let rel = pg_release_owned(
        "hive",
        "postgres",
        OnDeleteOwned::ReassignToAdmin,
        "metastore",
    )
    .expect("rel");
    assert_eq!(
        rel.iter()
            .map(|s| (s.sql.as_str(), s.database.as_deref()))
            .collect::<Vec<_>>(),
        vec![
            (
                "REASSIGN OWNED BY \"hive\" TO \"postgres\"",
                Some("metastore")
            ),
            ("DROP OWNED BY \"hive\"", Some("metastore")),
        ]
    );
    assert_eq!(
        pg_release_owned("hive", "postgres", OnDeleteOwned::Drop, "m")
            .expect("rel")
            .len(),
        1
    );
    for p in [
        OnDeleteOwned::ReassignToAdmin,
        OnDeleteOwned::Drop,
        OnDeleteOwned::Fail,
    ] {
        assert_eq!(OnDeleteOwned::parse(p.as_str()), Some(p));
    }
    assert_eq!(OnDeleteOwned::parse("cascade"), None);
}

#[test]
fn switching_authentication_exact() {
    let m = user(Engine::Mysql, "hive");
    assert_eq!(
        one(set_auth(&mysql8(), &m, &Auth::Iam).expect("iam")).sql,
        "ALTER USER `hive`@`%` IDENTIFIED WITH AWSAuthenticationPlugin AS 'RDS'"
    );
    assert_eq!(
        one(set_auth(&mysql8(), &m, &Auth::Password(pw())).expect("pw")).redacted,
        "ALTER USER `hive`@`%` IDENTIFIED WITH caching_sha2_password BY '***'"
    );
    assert_eq!(
        one(set_auth(&maria(), &m, &Auth::Password(pw())).expect("pw")).redacted,
        "ALTER USER `hive`@`%` IDENTIFIED VIA mysql_native_password USING PASSWORD('***')"
    );
    let p = user(Engine::Postgres, "hive");
    let to_iam = set_auth(&pg(), &p, &Auth::Iam).expect("iam");
    assert_eq!(
        to_iam.iter().map(|s| s.sql.as_str()).collect::<Vec<_>>(),
        vec![
            "GRANT \"rds_iam\" TO \"hive\"",
            "ALTER ROLE \"hive\" PASSWORD NULL"
        ]
    );
    let to_pw = set_auth(&pg(), &p, &Auth::Password(pw())).expect("pw");
    assert_eq!(to_pw[0].sql, "REVOKE \"rds_iam\" FROM \"hive\"");
    assert_eq!(to_pw[1].redacted, "ALTER ROLE \"hive\" PASSWORD '***'");
}

#[test]
fn locks_exact() {
    assert_eq!(pg_catalog_lock_key(), -5_414_673_526_159_993_728);
    assert_eq!(
        pg_catalog_lock().sql,
        "SELECT pg_advisory_xact_lock(-5414673526159993728)"
    );
    assert_eq!(
        mysql_catalog_lock(30).sql,
        "SELECT GET_LOCK('logexaminer_catalog', 30)"
    );
    assert_eq!(
        mysql_catalog_unlock().sql,
        "SELECT RELEASE_LOCK('logexaminer_catalog')"
    );
}

#[test]
fn own_password_rotation_exact() {
    let new = Secret::new("New-pass.0123456789abcdefghijklmnop");
    let cur = Secret::new("Old-pass.0123456789abcdefghijklmnop");
    let s = one(set_own_password(&mysql8(), &new, Some(&cur)).expect("mysql"));
    assert_eq!(
        s.sql,
        "ALTER USER USER() IDENTIFIED BY 'New-pass.0123456789abcdefghijklmnop' REPLACE 'Old-pass.0123456789abcdefghijklmnop'"
    );
    assert_eq!(
        s.redacted,
        "ALTER USER USER() IDENTIFIED BY '***' REPLACE '***'"
    );
    assert_eq!(
        one(set_own_password(&mysql8(), &new, None).expect("m")).redacted,
        "ALTER USER USER() IDENTIFIED BY '***'"
    );
    let s = one(set_own_password(&maria(), &new, Some(&cur)).expect("maria"));
    assert_eq!(
        s.sql,
        "SET PASSWORD = PASSWORD('New-pass.0123456789abcdefghijklmnop')"
    );
    assert_eq!(s.redacted, "SET PASSWORD = PASSWORD('***')");
    let s = one(set_own_password(&pg(), &new, None).expect("pg"));
    assert!(
        s.sql
            .starts_with("ALTER ROLE CURRENT_USER PASSWORD E'SCRAM-SHA-256$4096:")
    );
    assert!(!s.sql.contains(new.expose()));
    assert_eq!(s.redacted, "ALTER ROLE CURRENT_USER PASSWORD '***'");
}

#[test]
fn clone_names_respect_limits() {
    assert_eq!(clone_name(Engine::Mysql, "hive").expect("c"), "hive_clone");
    let fits = "a".repeat(26);
    assert_eq!(
        clone_name(Engine::Mysql, &fits).expect("c"),
        format!("{fits}_clone")
    );
    let long = "a".repeat(27);
    let c = clone_name(Engine::Mysql, &long).expect("c");
    assert_eq!(c, format!("{}_cc0616e6_clone", "a".repeat(17)));
    assert_eq!(c.chars().count(), 32);
    assert_eq!(
        clone_name(Engine::Mariadb, &long).expect("c"),
        format!("{long}_clone")
    );
    let wide = "é".repeat(31);
    let c = clone_name(Engine::Postgres, &wide).expect("c");
    assert_eq!(c, format!("{}_f299f682_clone", "é".repeat(24)));
    assert_eq!(c.len(), 63);
    assert_eq!(owner_role_name("hive").expect("o"), "hive_owner");
    // Deterministic, and different long names sharing a prefix differ.
    let other = format!("{}b", "a".repeat(26));
    assert_ne!(
        clone_name(Engine::Mysql, &other).expect("c"),
        clone_name(Engine::Mysql, &long).expect("c")
    );
    assert_eq!(
        clone_name(Engine::Mysql, &long).expect("c"),
        clone_name(Engine::Mysql, &long).expect("c")
    );
    for engine in Engine::ALL {
        for base in ["x", "hive_metastore_reader", &"u".repeat(63)] {
            if ident::validate(engine, NameKind::User, base).is_ok() {
                let c = clone_name(engine, base).expect("clone");
                assert_eq!(ident::validate(engine, NameKind::User, &c), Ok(()));
                assert_ne!(c, base);
            }
        }
    }
}

#[test]
fn alternating_username() {
    assert_eq!(
        alternate_username(Engine::Mysql, "hive", None).expect("a"),
        "hive_clone"
    );
    assert_eq!(
        alternate_username(Engine::Mysql, "hive_clone", None).expect("a"),
        "hive"
    );
    let long = "a".repeat(27);
    let c = clone_name(Engine::Mysql, &long).expect("c");
    assert_eq!(
        alternate_username(Engine::Mysql, &long, Some(&long)).expect("a"),
        c
    );
    assert_eq!(
        alternate_username(Engine::Mysql, &c, Some(&long)).expect("a"),
        long
    );
    assert!(matches!(
        alternate_username(Engine::Postgres, "someone", Some("hive")),
        Err(StatementError::NotAlternate { .. })
    ));
}

#[test]
fn replay_grants_to_clone() {
    let source = user(Engine::Mariadb, "ro");
    let clone = user(Engine::Mariadb, "ro_clone");
    let lines: Vec<String> = [
        "GRANT USAGE ON *.* TO `ro`@`%` IDENTIFIED BY PASSWORD '*D821809F681A40A6E379B50D0463EFAE20BDD122' REQUIRE SSL WITH MAX_USER_CONNECTIONS 5",
        "GRANT SELECT, INSERT ON `hive\\_db`.* TO `ro`@`%`",
        "GRANT ALL PRIVILEGES ON `other`.* TO `ro`@`%`",
        "GRANT SELECT ON `hive_db`.`t1` TO `ro`@`%` WITH GRANT OPTION",
        "GRANT `reader` TO `ro`@`%` WITH ADMIN OPTION",
        "SET DEFAULT ROLE `reader` FOR `ro`@`%`",
    ]
    .iter()
    .map(|s| (*s).to_owned())
    .collect();
    let out = mysql_replay_grants(&maria(), &lines, &source, &clone).expect("replay");
    assert_eq!(
        out.iter().map(|s| s.sql.as_str()).collect::<Vec<_>>(),
        vec![
            "GRANT SELECT, INSERT ON `hive\\_db`.* TO `ro_clone`@`%`",
            "GRANT ALL PRIVILEGES ON `other`.* TO `ro_clone`@`%`",
            "GRANT SELECT ON `hive_db`.`t1` TO `ro_clone`@`%` WITH GRANT OPTION",
            "GRANT `reader` TO `ro_clone`@`%` WITH ADMIN OPTION",
            "SET DEFAULT ROLE `reader` FOR `ro_clone`@`%`",
        ]
    );
    assert!(
        out.iter()
            .all(|s| !s.sql.contains("IDENTIFIED") && !s.sql.contains("D821809F"))
    );
    // MySQL 8 output with a hostile account name.
    let src = Grantee::new(Engine::Mysql, "h`o'st", Some("10.%")).expect("g");
    let dst = Grantee::new(Engine::Mysql, "h`o'st_clone", Some("10.%")).expect("g");
    let out = mysql_replay_grants(
        &mysql8(),
        &[
            "GRANT USAGE ON *.* TO `h``o'st`@`10.%`".to_owned(),
            "GRANT SELECT ON `d`.* TO `h``o'st`@`10.%`".to_owned(),
        ],
        &src,
        &dst,
    )
    .expect("replay");
    assert_eq!(
        out[0].sql,
        "GRANT SELECT ON `d`.* TO `h``o'st_clone`@`10.%`"
    );
    // Global privileges and partial revokes are never copied; lines for another account are refused.
    for bad in [
        "GRANT SELECT ON *.* TO `ro`@`%` IDENTIFIED BY PASSWORD '*D821809F681A40A6E379B50D0463EFAE20BDD122'",
        "REVOKE INSERT ON `mysql`.* FROM `ro`@`%`",
        "GRANT SELECT ON `d`.* TO `other`@`%`",
    ] {
        let err = mysql_replay_grants(&maria(), &[bad.to_owned()], &source, &clone).expect_err(bad);
        assert!(!err.to_string().contains("D821809F"), "{err}");
    }
}

#[test]
fn postgres_alternating_roles_exact() {
    assert_eq!(
        pg_create_owner_role("hive_owner").expect("o").sql,
        "CREATE ROLE \"hive_owner\" NOLOGIN"
    );
    assert_eq!(
        pg_grant_membership("hive_owner", "hive_clone")
            .expect("m")
            .sql,
        "GRANT \"hive_owner\" TO \"hive_clone\""
    );
    assert_eq!(
        pg_set_session_role("hive", "it's").expect("s").sql,
        "ALTER ROLE \"hive\" SET role = E'it''s'"
    );
}

#[test]
fn valid_until_normalisation() {
    let ok = [
        ("2030-01-31T23:59:59Z", Some("2030-01-31T23:59:59Z")),
        ("2030-01-31T23:59:59+02:00", Some("2030-01-31T21:59:59Z")),
        ("2030-01-01T00:30:00+01:00", Some("2029-12-31T23:30:00Z")),
        ("2024-02-28T23:00:00-01:00", Some("2024-02-29T00:00:00Z")),
        ("2024-02-29 12:00:00z", Some("2024-02-29T12:00:00Z")),
        ("infinity", None),
        (" Infinity ", None),
    ];
    for (input, want) in ok {
        assert_eq!(
            normalize_valid_until(input).expect(input).as_deref(),
            want,
            "{input}"
        );
    }
    for bad in [
        "2023-02-29T00:00:00Z",
        "2030-13-01T00:00:00Z",
        "2030-01-01T24:00:00Z",
        "2030-01-01T00:00:00",
        "2030-01-01T00:00:00.5Z",
        "tomorrow",
        "2030-01-01T00:00:00+24:00",
        "2030-1-01T00:00:00Z",
    ] {
        assert_eq!(
            normalize_valid_until(bad),
            Err(StatementError::ValidUntil(bad.into())),
            "{bad}"
        );
    }
}

#[test]
fn valid_until_never_panics_on_multibyte_input() {
    // Full-width digits, accents and emoji where the offset, the separators or the digits belong: each is
    // an error, none a panic (slicing inside a multibyte character).
    let cases = [
        "2030-01-01T00:00:00+０１:00",
        "2030-01-01T00:00:00+０:00",
        "2030-01-01T00:00:00+é:00",
        "2030-01-01T00:00:00é",
        "2030-01-01T00:00:0é",
        "2030-01-01T00:00:00+01:0é",
        "2030-01-01T00:00:00+01é00",
        "2030-01-01T00:00:00😀",
        "2030-01-01T00:00:00+😀",
        "２０３０-01-01T00:00:00Z",
        "2030-01-01T00:00:00Ｚ",
        "2030-01-01T００:00:00Z",
        "😀😀😀😀😀😀😀😀",
        "2030-01-01T00:00:00+01:00\u{0301}",
    ];
    for bad in cases {
        assert_eq!(
            normalize_valid_until(bad),
            Err(StatementError::ValidUntil(bad.into())),
            "{bad}"
        );
    }
    // Every prefix of every case, and random strings over a hostile alphabet: no panic, and every accepted
    // value normalises to the canonical ASCII form.
    use rand::rngs::StdRng;
    use rand::{Rng, SeedableRng};
    let alphabet: Vec<char> = "0123456789-+:TZz .é０１😀\u{0301}".chars().collect();
    let mut rng = StdRng::seed_from_u64(0x7a11d);
    let mut inputs: Vec<String> = Vec::new();
    for c in cases {
        for (i, _) in c.char_indices() {
            inputs.push(c[..i].to_owned());
        }
    }
    for _ in 0..20_000 {
        let mut s: Vec<char> = "2030-01-01T00:00:00+01:00".chars().collect();
        for _ in 0..rng.random_range(1..4) {
            let i = rng.random_range(0..s.len());
            s[i] = alphabet[rng.random_range(0..alphabet.len())];
        }
        inputs.push(s.into_iter().collect());
    }
    for input in inputs {
        if let Ok(Some(v)) = normalize_valid_until(&input) {
            assert!(
                v.is_ascii() && v.len() == 20 && v.ends_with('Z'),
                "{input:?} -> {v}"
            );
        }
    }
}
