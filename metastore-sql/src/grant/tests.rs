use super::*;
use crate::introspect;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

fn set(privs: &[Privilege]) -> BTreeSet<Privilege> {
    privs.iter().copied().collect()
}

fn mysql_ctx(server: ServerInfo) -> GrantContext {
    GrantContext {
        server,
        grantee: Grantee::new(server.engine, "hive", None).expect("grantee"),
        default_privilege_roles: vec![],
    }
}

fn pg_ctx(roles: &[&str]) -> GrantContext {
    GrantContext {
        server: ServerInfo::default_for(Engine::Postgres),
        grantee: Grantee::new(Engine::Postgres, "hive_ro", None).expect("grantee"),
        default_privilege_roles: roles.iter().map(|r| (*r).to_owned()).collect(),
    }
}

fn sqls(stmts: &[Statement]) -> Vec<String> {
    stmts.iter().map(|s| s.sql.clone()).collect()
}

fn db_grant(db: &str, privs: &[Privilege], go: bool) -> Grant {
    Grant {
        database: db.into(),
        schema: None,
        kind: ObjectKind::Database,
        objects: Objects::All,
        privileges: set(privs),
        with_grant_option: go,
    }
}

fn pg_grant(
    schema: Option<&str>,
    kind: ObjectKind,
    objects: Objects,
    privs: &[Privilege],
    go: bool,
) -> Grant {
    Grant {
        database: "metastore".into(),
        schema: schema.map(str::to_owned),
        kind,
        objects,
        privileges: set(privs),
        with_grant_option: go,
    }
}

#[test]
fn mysql8_grants_from_scratch_exact() {
    let server = ServerInfo::default_for(Engine::Mysql);
    let ctx = mysql_ctx(server);
    let all = privilege::normalize(&server, ObjectKind::Database, &["ALL"]).expect("all");
    let desired = vec![
        Grant {
            privileges: all,
            ..db_grant("hive_db", &[], false)
        },
        Grant {
            database: "other".into(),
            schema: None,
            kind: ObjectKind::Table,
            objects: Objects::Named(vec!["t1".into(), "t`2".into()]),
            privileges: set(&[Privilege::Select]),
            with_grant_option: true,
        },
    ];
    let got = diff(&desired, &ActualGrants::default(), &ctx).expect("diff");
    assert_eq!(
        sqls(&got),
        vec![
            "GRANT SELECT, INSERT, UPDATE, DELETE, REFERENCES, TRIGGER, CREATE, DROP, INDEX, ALTER, CREATE TEMPORARY TABLES, LOCK TABLES, CREATE VIEW, SHOW VIEW, CREATE ROUTINE, ALTER ROUTINE, EXECUTE, EVENT ON `hive\\_db`.* TO `hive`@`%`",
            "GRANT SELECT ON `other`.`t1` TO `hive`@`%` WITH GRANT OPTION",
            "GRANT SELECT ON `other`.`t``2` TO `hive`@`%` WITH GRANT OPTION",
        ]
    );
    assert!(got.iter().all(|s| s.database.is_none() && !s.has_secret()));
}

#[test]
fn mysql8_partial_revokes_keeps_database_names_literal() {
    let server = ServerInfo::default_for(Engine::Mysql).with_partial_revokes(true);
    let ctx = mysql_ctx(server);
    let got = diff(
        &[db_grant("hive_db", &[Privilege::Select], false)],
        &ActualGrants::default(),
        &ctx,
    )
    .expect("diff");
    assert_eq!(
        sqls(&got),
        vec!["GRANT SELECT ON `hive_db`.* TO `hive`@`%`"]
    );
    // And the server's answer reads back as in sync.
    let lines = vec![
        "GRANT USAGE ON *.* TO `hive`@`%`".to_owned(),
        "GRANT SELECT ON `hive_db`.* TO `hive`@`%`".to_owned(),
    ];
    let actual = introspect::mysql_actual(&server, &ctx.grantee, &lines).expect("parse");
    assert_eq!(
        diff(
            &[db_grant("hive_db", &[Privilege::Select], false)],
            &actual,
            &ctx
        )
        .expect("diff"),
        vec![]
    );
}

#[test]
fn mariadb_show_grants_in_sync_gives_no_statements() {
    let server = ServerInfo::default_for(Engine::Mariadb);
    let ctx = GrantContext {
        grantee: Grantee::new(Engine::Mariadb, "ro", None).expect("grantee"),
        ..mysql_ctx(server)
    };
    // Captured from MariaDB 10.11.14.
    let lines: Vec<String> = [
        "GRANT USAGE ON *.* TO `ro`@`%` IDENTIFIED BY PASSWORD '*D821809F681A40A6E379B50D0463EFAE20BDD122' REQUIRE SSL WITH MAX_USER_CONNECTIONS 5",
        "GRANT SELECT, INSERT ON `hive\\_db`.* TO `ro`@`%`",
        "GRANT ALL PRIVILEGES ON `other`.* TO `ro`@`%`",
        "GRANT SELECT ON `hive_db`.`t1` TO `ro`@`%` WITH GRANT OPTION",
    ]
    .iter()
    .map(|s| (*s).to_owned())
    .collect();
    let actual = introspect::mysql_actual(&server, &ctx.grantee, &lines).expect("parse");
    let desired = vec![
        db_grant("hive_db", &[Privilege::Insert, Privilege::Select], false),
        Grant {
            privileges: privilege::normalize(&server, ObjectKind::Database, &["all privileges"])
                .expect("all"),
            ..db_grant("other", &[], false)
        },
        Grant {
            database: "hive_db".into(),
            schema: None,
            kind: ObjectKind::Table,
            objects: Objects::Named(vec!["t1".into()]),
            privileges: set(&[Privilege::Select]),
            with_grant_option: true,
        },
    ];
    assert_eq!(diff(&desired, &actual, &ctx).expect("diff"), vec![]);
    assert_eq!(actual.summarize(&ctx, &desired).expect("summary"), desired);
    let summary = actual.to_grants(&ctx);
    assert!(equivalent(&summary, &desired, &ctx).expect("eq"));
    assert_eq!(diff(&summary, &actual, &ctx).expect("diff"), vec![]);
}

#[test]
fn mysql_changes_revoke_first_then_grant() {
    let server = ServerInfo::default_for(Engine::Mysql);
    let ctx = mysql_ctx(server);
    let lines: Vec<String> = [
        "GRANT USAGE ON *.* TO `hive`@`%`",
        "GRANT PROCESS, BACKUP_ADMIN ON *.* TO `hive`@`%` WITH GRANT OPTION",
        "GRANT SELECT, INSERT ON `hive\\_db`.* TO `hive`@`%` WITH GRANT OPTION",
        "GRANT SELECT ON `hive_%`.* TO `hive`@`%`",
        "GRANT DELETE ON `hive_db`.`t1` TO `hive`@`%`",
    ]
    .iter()
    .map(|s| (*s).to_owned())
    .collect();
    let actual = introspect::mysql_actual(&server, &ctx.grantee, &lines).expect("parse");
    let desired = vec![db_grant(
        "hive_db",
        &[Privilege::Select, Privilege::Update],
        false,
    )];
    assert_eq!(
        sqls(&diff(&desired, &actual, &ctx).expect("diff")),
        vec![
            "REVOKE BACKUP_ADMIN, PROCESS ON *.* FROM `hive`@`%`",
            "REVOKE GRANT OPTION ON *.* FROM `hive`@`%`",
            "REVOKE INSERT ON `hive\\_db`.* FROM `hive`@`%`",
            "REVOKE GRANT OPTION ON `hive\\_db`.* FROM `hive`@`%`",
            "REVOKE SELECT ON `hive_%`.* FROM `hive`@`%`",
            "REVOKE DELETE ON `hive_db`.`t1` FROM `hive`@`%`",
            "GRANT UPDATE ON `hive\\_db`.* TO `hive`@`%`",
        ]
    );
    // Turning the grant option on re-grants the whole desired set WITH GRANT OPTION.
    let desired = vec![db_grant("hive_db", &[Privilege::Select], true)];
    let lines = vec!["GRANT SELECT ON `hive\\_db`.* TO `hive`@`%`".to_owned()];
    let actual = introspect::mysql_actual(&server, &ctx.grantee, &lines).expect("parse");
    assert_eq!(
        sqls(&diff(&desired, &actual, &ctx).expect("diff")),
        vec!["GRANT SELECT ON `hive\\_db`.* TO `hive`@`%` WITH GRANT OPTION"]
    );
}

#[test]
fn mysql_refuses_unsafe_global_names_and_never_grants_globally() {
    let ctx = mysql_ctx(ServerInfo::default_for(Engine::Mysql));
    let mut actual = ActualGrants::default();
    actual.global.insert("SELECT`; DROP".into());
    assert!(matches!(
        diff(&[], &actual, &ctx),
        Err(GrantError::GlobalPrivilegeName(_))
    ));
    // "*" or "*.*" as a database is refused before any SQL is written.
    for db in ["", "mysql", "a\0b"] {
        assert!(
            diff(
                &[db_grant(db, &[Privilege::Select], false)],
                &ActualGrants::default(),
                &ctx
            )
            .is_err(),
            "{db:?}"
        );
    }
}

#[test]
fn validation_errors_explain_the_shape() {
    let mysql = ServerInfo::default_for(Engine::Mysql);
    let pg = ServerInfo::default_for(Engine::Postgres);
    let bad = [
        (
            mysql,
            Grant {
                schema: Some("s".into()),
                ..db_grant("d", &[Privilege::Select], false)
            },
        ),
        (
            mysql,
            Grant {
                objects: Objects::Named(vec!["t".into()]),
                ..db_grant("d", &[Privilege::Select], false)
            },
        ),
        (
            mysql,
            Grant {
                kind: ObjectKind::Table,
                ..db_grant("d", &[Privilege::Select], false)
            },
        ),
        (mysql, db_grant("d", &[Privilege::Truncate], false)),
        (mysql, db_grant("d", &[], false)),
        (
            pg,
            pg_grant(
                None,
                ObjectKind::Table,
                Objects::All,
                &[Privilege::Select],
                false,
            ),
        ),
        (
            pg,
            pg_grant(
                Some("s"),
                ObjectKind::Database,
                Objects::All,
                &[Privilege::Connect],
                false,
            ),
        ),
        (
            pg,
            pg_grant(
                Some("s"),
                ObjectKind::Schema,
                Objects::Future,
                &[Privilege::Usage],
                false,
            ),
        ),
        (
            pg,
            pg_grant(
                Some("s"),
                ObjectKind::Table,
                Objects::Named(vec![]),
                &[Privilege::Select],
                false,
            ),
        ),
        (
            pg,
            pg_grant(
                Some("s"),
                ObjectKind::Table,
                Objects::All,
                &[Privilege::Usage],
                false,
            ),
        ),
        (
            pg,
            pg_grant(
                Some("pg_catalog"),
                ObjectKind::Schema,
                Objects::All,
                &[Privilege::Usage],
                false,
            ),
        ),
        (
            pg,
            pg_grant(
                Some("s"),
                ObjectKind::Table,
                Objects::All,
                &[Privilege::Maintain],
                false,
            ),
        ),
    ];
    for (server, g) in bad {
        let err = g.validate(&server).expect_err("invalid");
        assert!(!err.to_string().is_empty());
    }
    let err = pg_grant(
        Some("s"),
        ObjectKind::Table,
        Objects::All,
        &[Privilege::Usage],
        false,
    )
    .validate(&pg)
    .expect_err("usage on table");
    assert_eq!(
        err.to_string(),
        "\"USAGE\" is not a postgres table privilege; allowed: SELECT, INSERT, UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER, ALL"
    );
    let pg17 = ServerInfo::new(Engine::Postgres, 17, 0);
    assert_eq!(
        pg_grant(
            Some("s"),
            ObjectKind::Table,
            Objects::All,
            &[Privilege::Maintain],
            false
        )
        .validate(&pg17),
        Ok(())
    );
    // Future grants need a default-privilege role; the grantee must fit the engine.
    let future = pg_grant(
        Some("s"),
        ObjectKind::Table,
        Objects::Future,
        &[Privilege::Select],
        false,
    );
    assert!(matches!(
        diff(&[future], &ActualGrants::default(), &pg_ctx(&[])),
        Err(GrantError::Shape { .. })
    ));
    let wrong = GrantContext {
        grantee: Grantee::new(Engine::Mysql, "u", None).expect("g"),
        ..pg_ctx(&[])
    };
    assert!(matches!(
        diff(&[], &ActualGrants::default(), &wrong),
        Err(GrantError::Grantee { .. })
    ));
}

fn hive_desired() -> Vec<Grant> {
    vec![
        pg_grant(
            None,
            ObjectKind::Database,
            Objects::All,
            &[Privilege::Connect],
            false,
        ),
        pg_grant(
            Some("hive"),
            ObjectKind::Schema,
            Objects::All,
            &[Privilege::Usage],
            false,
        ),
        pg_grant(
            Some("hive"),
            ObjectKind::Table,
            Objects::All,
            &[Privilege::Select],
            false,
        ),
        pg_grant(
            Some("hive"),
            ObjectKind::Sequence,
            Objects::Named(vec!["seq".into()]),
            &[Privilege::Usage, Privilege::Select],
            false,
        ),
    ]
}

fn key(schema: &str, kind: ObjectKind) -> SchemaKey {
    SchemaKey {
        database: "metastore".into(),
        schema: schema.into(),
        kind,
    }
}

fn table(schema: &str, name: &str) -> Target {
    Target::object(&key(schema, ObjectKind::Table), name)
}

fn in_sync_actual() -> ActualGrants {
    let mut a = ActualGrants::default();
    a.inventory.insert(
        key("hive", ObjectKind::Table),
        ["DBS", "TBLS"].iter().map(|s| (*s).to_owned()).collect(),
    );
    a.inventory
        .insert(key("hive", ObjectKind::Sequence), ["seq".to_owned()].into());
    let sel = BTreeMap::from([(Privilege::Select, false)]);
    a.privileges.insert(
        Target::PgDatabase {
            database: "metastore".into(),
        },
        BTreeMap::from([(Privilege::Connect, false)]),
    );
    a.privileges.insert(
        Target::PgSchema {
            database: "metastore".into(),
            schema: "hive".into(),
        },
        BTreeMap::from([(Privilege::Usage, false)]),
    );
    a.privileges.insert(table("hive", "DBS"), sel.clone());
    a.privileges.insert(table("hive", "TBLS"), sel.clone());
    a.privileges.insert(
        Target::object(&key("hive", ObjectKind::Sequence), "seq"),
        BTreeMap::from([(Privilege::Select, false), (Privilege::Usage, false)]),
    );
    a.privileges.insert(
        Target::PgDefault {
            database: "metastore".into(),
            owner: "hive_owner".into(),
            schema: Some("hive".into()),
            kind: ObjectKind::Table,
        },
        sel,
    );
    a
}

#[test]
fn postgres_grants_from_scratch_exact() {
    let ctx = pg_ctx(&["hive_owner"]);
    let mut actual = ActualGrants::default();
    actual
        .inventory
        .insert(key("hive", ObjectKind::Table), ["DBS".to_owned()].into());
    actual
        .inventory
        .insert(key("hive", ObjectKind::Sequence), ["seq".to_owned()].into());
    let got = diff(&hive_desired(), &actual, &ctx).expect("diff");
    assert_eq!(
        sqls(&got),
        vec![
            "GRANT CONNECT ON DATABASE \"metastore\" TO \"hive_ro\"",
            "GRANT USAGE ON SCHEMA \"hive\" TO \"hive_ro\"",
            "GRANT SELECT ON ALL TABLES IN SCHEMA \"hive\" TO \"hive_ro\"",
            "GRANT SELECT, USAGE ON SEQUENCE \"hive\".\"seq\" TO \"hive_ro\"",
            "ALTER DEFAULT PRIVILEGES FOR ROLE \"hive_owner\" IN SCHEMA \"hive\" GRANT SELECT ON TABLES TO \"hive_ro\"",
        ]
    );
    assert_eq!(got[0].database, None);
    assert!(
        got[1..]
            .iter()
            .all(|s| s.database.as_deref() == Some("metastore"))
    );
}

#[test]
fn postgres_uninspected_schema_still_gets_all_tables_grant() {
    let ctx = pg_ctx(&[]);
    let desired = vec![pg_grant(
        Some("hive"),
        ObjectKind::Table,
        Objects::All,
        &[Privilege::Select],
        false,
    )];
    assert_eq!(
        sqls(&diff(&desired, &ActualGrants::default(), &ctx).expect("diff")),
        vec!["GRANT SELECT ON ALL TABLES IN SCHEMA \"hive\" TO \"hive_ro\""]
    );
    // Inspected and empty: nothing to do, no perpetual diff.
    let mut empty = ActualGrants::default();
    empty
        .inventory
        .insert(key("hive", ObjectKind::Table), BTreeSet::new());
    assert_eq!(diff(&desired, &empty, &ctx).expect("diff"), vec![]);
    assert_eq!(empty.summarize(&ctx, &desired).expect("summary"), desired);
}

#[test]
fn postgres_in_sync_is_empty_and_summarizes_to_desired() {
    let ctx = pg_ctx(&["hive_owner"]);
    let actual = in_sync_actual();
    let desired = hive_desired();
    assert_eq!(diff(&desired, &actual, &ctx).expect("diff"), vec![]);
    assert_eq!(actual.summarize(&ctx, &desired).expect("summary"), desired);
    let summary = actual.to_grants(&ctx);
    assert!(
        equivalent(&summary, &desired, &ctx).expect("eq"),
        "{summary:#?}"
    );
    // Aliases, order and splitting do not matter.
    let mut shuffled = desired.clone();
    shuffled.reverse();
    shuffled.push(pg_grant(
        Some("hive"),
        ObjectKind::Table,
        Objects::All,
        &[Privilege::Select],
        false,
    ));
    assert_eq!(diff(&shuffled, &actual, &ctx).expect("diff"), vec![]);
    assert!(equivalent(&shuffled, &desired, &ctx).expect("eq"));
}

#[test]
fn postgres_drift_is_repaired() {
    let ctx = pg_ctx(&["hive_owner"]);
    let mut actual = in_sync_actual();
    // A new table without SELECT, an out-of-band INSERT on TBLS, a grant option on DBS, an extra default.
    actual
        .inventory
        .get_mut(&key("hive", ObjectKind::Table))
        .expect("inv")
        .insert("NEW".into());
    actual
        .privileges
        .get_mut(&table("hive", "TBLS"))
        .expect("t")
        .insert(Privilege::Insert, false);
    actual
        .privileges
        .get_mut(&table("hive", "DBS"))
        .expect("t")
        .insert(Privilege::Select, true);
    actual
        .privileges
        .get_mut(&Target::PgDefault {
            database: "metastore".into(),
            owner: "hive_owner".into(),
            schema: Some("hive".into()),
            kind: ObjectKind::Table,
        })
        .expect("d")
        .insert(Privilege::Truncate, false);
    // A default privilege of a role this resource does not manage is left alone.
    actual.privileges.insert(
        Target::PgDefault {
            database: "metastore".into(),
            owner: "someone_else".into(),
            schema: Some("hive".into()),
            kind: ObjectKind::Table,
        },
        BTreeMap::from([(Privilege::Delete, false)]),
    );
    assert_eq!(
        sqls(&diff(&hive_desired(), &actual, &ctx).expect("diff")),
        vec![
            "REVOKE GRANT OPTION FOR SELECT ON TABLE \"hive\".\"DBS\" FROM \"hive_ro\"",
            "REVOKE INSERT ON TABLE \"hive\".\"TBLS\" FROM \"hive_ro\"",
            "ALTER DEFAULT PRIVILEGES FOR ROLE \"hive_owner\" IN SCHEMA \"hive\" REVOKE TRUNCATE ON TABLES FROM \"hive_ro\"",
            "GRANT SELECT ON ALL TABLES IN SCHEMA \"hive\" TO \"hive_ro\"",
        ]
    );
    // The drift shows in the summary, so Terraform plans an update.
    let summary = actual.summarize(&ctx, &hive_desired()).expect("summary");
    assert!(!equivalent(&summary, &hive_desired(), &ctx).expect("eq"));
}

#[test]
fn postgres_removing_a_grant_revokes_on_all_tables_and_defaults() {
    let ctx = pg_ctx(&["hive_owner"]);
    let actual = in_sync_actual();
    let desired = vec![pg_grant(
        None,
        ObjectKind::Database,
        Objects::All,
        &[Privilege::Connect],
        false,
    )];
    assert_eq!(
        sqls(&diff(&desired, &actual, &ctx).expect("diff")),
        vec![
            "REVOKE USAGE ON SCHEMA \"hive\" FROM \"hive_ro\"",
            "REVOKE SELECT ON ALL TABLES IN SCHEMA \"hive\" FROM \"hive_ro\"",
            "REVOKE SELECT, USAGE ON SEQUENCE \"hive\".\"seq\" FROM \"hive_ro\"",
            "ALTER DEFAULT PRIVILEGES FOR ROLE \"hive_owner\" IN SCHEMA \"hive\" REVOKE SELECT ON TABLES FROM \"hive_ro\"",
        ]
    );
}

#[test]
fn postgres_future_only_and_global_defaults() {
    let ctx = pg_ctx(&["admin", "hive_owner"]);
    let desired = vec![
        pg_grant(
            None,
            ObjectKind::Table,
            Objects::Future,
            &[Privilege::Select],
            false,
        ),
        pg_grant(
            Some("s"),
            ObjectKind::Sequence,
            Objects::Future,
            &[Privilege::Usage],
            true,
        ),
    ];
    let got = diff(&desired, &ActualGrants::default(), &ctx).expect("diff");
    assert_eq!(
        sqls(&got),
        vec![
            "ALTER DEFAULT PRIVILEGES FOR ROLE \"admin\" GRANT SELECT ON TABLES TO \"hive_ro\"",
            "ALTER DEFAULT PRIVILEGES FOR ROLE \"admin\" IN SCHEMA \"s\" GRANT USAGE ON SEQUENCES TO \"hive_ro\" WITH GRANT OPTION",
            "ALTER DEFAULT PRIVILEGES FOR ROLE \"hive_owner\" GRANT SELECT ON TABLES TO \"hive_ro\"",
            "ALTER DEFAULT PRIVILEGES FOR ROLE \"hive_owner\" IN SCHEMA \"s\" GRANT USAGE ON SEQUENCES TO \"hive_ro\" WITH GRANT OPTION",
        ]
    );
}

#[test]
fn hostile_names_are_quoted_in_grants() {
    let ctx = GrantContext {
        grantee: Grantee::new(Engine::Postgres, "ro\"le; DROP", None).expect("grantee"),
        ..pg_ctx(&["own'er"])
    };
    let desired = vec![pg_grant(
        Some("sch\"ema"),
        ObjectKind::Table,
        Objects::Named(vec!["t;--".into()]),
        &[Privilege::Select],
        false,
    )];
    assert_eq!(
        sqls(&diff(&desired, &ActualGrants::default(), &ctx).expect("diff")),
        vec!["GRANT SELECT ON TABLE \"sch\"\"ema\".\"t;--\" TO \"ro\"\"le; DROP\""]
    );
    let mctx = GrantContext {
        grantee: Grantee::new(Engine::Mysql, "h`o'st", Some("10.%")).expect("grantee"),
        ..mysql_ctx(ServerInfo::default_for(Engine::Mysql))
    };
    assert_eq!(
        sqls(
            &diff(
                &[db_grant("we`ird%db", &[Privilege::Select], false)],
                &ActualGrants::default(),
                &mctx
            )
            .expect("diff")
        ),
        vec!["GRANT SELECT ON `we``ird\\%db`.* TO `h``o'st`@`10.%`"]
    );
}

// ------------------------------------------------------------------------------------------------------
// Property tests: apply the generated statements to a model of the server and check convergence.

fn strip(q: &str) -> String {
    q.trim_matches(|c| c == '"' || c == '`').to_owned()
}

fn privs_of(list: &str) -> Vec<Privilege> {
    list.split(", ")
        .map(|p| Privilege::from_server_name(p).expect("privilege"))
        .collect()
}

/// Applies one of our PostgreSQL statements (simple names only) to the model.
fn apply_pg(a: &mut ActualGrants, s: &Statement) {
    let db = s.database.clone().unwrap_or_default();
    let mut sql = s.sql.as_str();
    let mut default: Option<(String, Option<String>)> = None;
    if let Some(rest) = sql.strip_prefix("ALTER DEFAULT PRIVILEGES FOR ROLE ") {
        let (role, rest) = rest.split_once(' ').expect("role");
        let (schema, rest) = match rest.strip_prefix("IN SCHEMA ") {
            Some(r) => {
                let (s, r) = r.split_once(' ').expect("schema");
                (Some(strip(s)), r)
            }
            None => (None, rest),
        };
        default = Some((strip(role), schema));
        sql = rest;
    }
    let (grant, rest) = if let Some(r) = sql.strip_prefix("GRANT ") {
        (true, r)
    } else {
        (false, sql.strip_prefix("REVOKE ").expect("verb"))
    };
    let (option_only, rest) = match rest.strip_prefix("GRANT OPTION FOR ") {
        Some(r) => (true, r),
        None => (false, rest),
    };
    let (list, rest) = rest.split_once(" ON ").expect("on");
    let privs = privs_of(list);
    let sep = if grant { " TO " } else { " FROM " };
    let (on, tail) = rest.split_once(sep).expect("to/from");
    let go = tail.ends_with(" WITH GRANT OPTION");
    let mut targets = Vec::new();
    if let Some((owner, schema)) = default {
        let kind = if on == "SEQUENCES" {
            ObjectKind::Sequence
        } else {
            ObjectKind::Table
        };
        targets.push(Target::PgDefault {
            database: db.clone(),
            owner,
            schema,
            kind,
        });
    } else if let Some(d) = on.strip_prefix("DATABASE ") {
        targets.push(Target::PgDatabase { database: strip(d) });
    } else if let Some(sc) = on.strip_prefix("SCHEMA ") {
        targets.push(Target::PgSchema {
            database: db.clone(),
            schema: strip(sc),
        });
    } else if let Some(r) = on
        .strip_prefix("ALL TABLES IN SCHEMA ")
        .map(|r| (r, ObjectKind::Table))
        .or_else(|| {
            on.strip_prefix("ALL SEQUENCES IN SCHEMA ")
                .map(|r| (r, ObjectKind::Sequence))
        })
    {
        let k = SchemaKey {
            database: db.clone(),
            schema: strip(r.0),
            kind: r.1,
        };
        for name in a.inventory.get(&k).cloned().unwrap_or_default() {
            targets.push(Target::object(&k, &name));
        }
    } else {
        let (kind, obj) = match on.strip_prefix("TABLE ") {
            Some(o) => (ObjectKind::Table, o),
            None => (
                ObjectKind::Sequence,
                on.strip_prefix("SEQUENCE ").expect("object"),
            ),
        };
        let (sc, name) = obj.split_once('.').expect("qualified");
        let k = SchemaKey {
            database: db.clone(),
            schema: strip(sc),
            kind,
        };
        targets.push(Target::object(&k, &strip(name)));
    }
    for t in targets {
        let map = a.privileges.entry(t.clone()).or_default();
        for p in &privs {
            if grant {
                let v = map.entry(*p).or_insert(go);
                *v = *v || go;
            } else if option_only {
                if let Some(v) = map.get_mut(p) {
                    *v = false;
                }
            } else {
                map.remove(p);
            }
        }
        if map.is_empty() {
            a.privileges.remove(&t);
        }
    }
}

fn random_privs(rng: &mut StdRng, from: &[Privilege]) -> BTreeSet<Privilege> {
    let mut out = BTreeSet::new();
    while out.is_empty() {
        for p in from {
            if rng.random_bool(0.4) {
                out.insert(*p);
            }
        }
    }
    out
}

#[test]
fn postgres_diff_converges_and_summaries_are_faithful() {
    let server = ServerInfo::default_for(Engine::Postgres);
    let mut rng = StdRng::seed_from_u64(2024);
    let schemas = ["s1", "s2"];
    let tables = ["t1", "t2", "t3"];
    let table_privs = privilege::allowed(&server, ObjectKind::Table).expect("t");
    let seq_privs = privilege::allowed(&server, ObjectKind::Sequence).expect("s");
    for round in 0..400 {
        let roles: Vec<&str> = if round % 3 == 0 {
            vec![]
        } else {
            vec!["owner"]
        };
        let ctx = pg_ctx(&roles);
        // The server: inventory and random privileges.
        let mut actual = ActualGrants::default();
        for s in schemas {
            let inv: BTreeSet<String> = tables
                .iter()
                .filter(|_| rng.random_bool(0.7))
                .map(|t| (*t).to_owned())
                .collect();
            actual
                .inventory
                .insert(key(s, ObjectKind::Table), inv.clone());
            actual
                .inventory
                .insert(key(s, ObjectKind::Sequence), ["q1".to_owned()].into());
            for t in &inv {
                if rng.random_bool(0.5) {
                    let m = random_privs(&mut rng, table_privs)
                        .into_iter()
                        .map(|p| (p, rng.random_bool(0.2)))
                        .collect();
                    actual.privileges.insert(table(s, t), m);
                }
            }
            if rng.random_bool(0.5) {
                actual.privileges.insert(
                    Target::PgSchema {
                        database: "metastore".into(),
                        schema: s.into(),
                    },
                    BTreeMap::from([(Privilege::Usage, rng.random_bool(0.3))]),
                );
            }
            if !roles.is_empty() && rng.random_bool(0.5) {
                let m = random_privs(&mut rng, table_privs)
                    .into_iter()
                    .map(|p| (p, false))
                    .collect();
                actual.privileges.insert(
                    Target::PgDefault {
                        database: "metastore".into(),
                        owner: "owner".into(),
                        schema: Some(s.into()),
                        kind: ObjectKind::Table,
                    },
                    m,
                );
            }
        }
        if rng.random_bool(0.5) {
            actual.privileges.insert(
                Target::PgDatabase {
                    database: "metastore".into(),
                },
                BTreeMap::from([(Privilege::Temporary, false)]),
            );
        }
        // The configuration: random grants.
        let mut desired = Vec::new();
        for _ in 0..rng.random_range(0..5) {
            let s = schemas[rng.random_range(0..2)];
            let go = rng.random_bool(0.2);
            let g = match rng.random_range(0..6) {
                0 => pg_grant(
                    None,
                    ObjectKind::Database,
                    Objects::All,
                    &random_privs(
                        &mut rng,
                        &[Privilege::Connect, Privilege::Temporary, Privilege::Create],
                    )
                    .into_iter()
                    .collect::<Vec<_>>(),
                    go,
                ),
                1 => pg_grant(
                    Some(s),
                    ObjectKind::Schema,
                    Objects::All,
                    &[Privilege::Usage],
                    go,
                ),
                2 => pg_grant(
                    Some(s),
                    ObjectKind::Table,
                    Objects::All,
                    &random_privs(&mut rng, table_privs)
                        .into_iter()
                        .collect::<Vec<_>>(),
                    go,
                ),
                3 if !roles.is_empty() => pg_grant(
                    Some(s),
                    ObjectKind::Table,
                    Objects::Future,
                    &random_privs(&mut rng, table_privs)
                        .into_iter()
                        .collect::<Vec<_>>(),
                    go,
                ),
                4 => {
                    let inv = actual.inventory[&key(s, ObjectKind::Table)].clone();
                    let Some(t) = inv.into_iter().next() else {
                        continue;
                    };
                    pg_grant(
                        Some(s),
                        ObjectKind::Table,
                        Objects::Named(vec![t]),
                        &random_privs(&mut rng, table_privs)
                            .into_iter()
                            .collect::<Vec<_>>(),
                        go,
                    )
                }
                _ => pg_grant(
                    Some(s),
                    ObjectKind::Sequence,
                    Objects::All,
                    &random_privs(&mut rng, seq_privs)
                        .into_iter()
                        .collect::<Vec<_>>(),
                    go,
                ),
            };
            desired.push(g);
        }
        let stmts = diff(&desired, &actual, &ctx).expect("diff");
        let mut after = actual.clone();
        for s in &stmts {
            apply_pg(&mut after, s);
        }
        let again = diff(&desired, &after, &ctx).expect("diff after");
        assert_eq!(
            again,
            vec![],
            "round {round}: {desired:#?}\nfirst: {stmts:#?}"
        );
        assert_eq!(after.summarize(&ctx, &desired).expect("summary"), desired);
        // What import would store describes the server exactly.
        for state in [&actual, &after] {
            let summary = state.to_grants(&ctx);
            assert_eq!(
                diff(&summary, state, &ctx).expect("summary diff"),
                vec![],
                "round {round}: {summary:#?}"
            );
        }
        // Deterministic.
        assert_eq!(diff(&desired, &actual, &ctx).expect("diff"), stmts);
    }
}

fn apply_mysql(a: &mut ActualGrants, s: &Statement) {
    let sql = s.sql.as_str();
    if let Some(rest) = sql.strip_prefix("REVOKE ") {
        let (what, rest) = rest.split_once(" ON ").expect("on");
        let (lvl, _) = rest.split_once(" FROM ").expect("from");
        if lvl == "*.*" {
            if what == "GRANT OPTION" {
                a.global_grant_option = false;
            } else {
                a.global.clear();
            }
            return;
        }
        let t = mysql_target(lvl);
        if what == "GRANT OPTION" {
            a.grant_option_only.remove(&t);
            if let Some(m) = a.privileges.get_mut(&t) {
                m.values_mut().for_each(|v| *v = false);
            }
            return;
        }
        let m = a.privileges.entry(t.clone()).or_default();
        let go = m.values().any(|v| *v);
        for p in privs_of(what) {
            m.remove(&p);
        }
        if m.is_empty() {
            a.privileges.remove(&t);
            if go {
                a.grant_option_only.insert(t);
            }
        }
        return;
    }
    let rest = sql.strip_prefix("GRANT ").expect("grant");
    let (what, rest) = rest.split_once(" ON ").expect("on");
    let (lvl, tail) = rest.split_once(" TO ").expect("to");
    assert_ne!(lvl, "*.*", "never grant globally: {sql}");
    let t = mysql_target(lvl);
    let go = tail.ends_with(" WITH GRANT OPTION") || a.grant_option_only.remove(&t);
    let m = a.privileges.entry(t).or_default();
    let go = go || m.values().any(|v| *v);
    for p in privs_of(what) {
        m.insert(p, go);
    }
    m.values_mut().for_each(|v| *v = go);
}

fn mysql_target(lvl: &str) -> Target {
    let (db, obj) = lvl.split_once('.').expect("level");
    if obj == "*" {
        Target::MysqlDatabase { pattern: strip(db) }
    } else {
        Target::MysqlTable {
            database: strip(db),
            table: strip(obj),
        }
    }
}

#[test]
fn mysql_diff_converges_and_summaries_are_faithful() {
    let mut rng = StdRng::seed_from_u64(99);
    for round in 0..400 {
        let server = match round % 3 {
            0 => ServerInfo::default_for(Engine::Mysql),
            1 => ServerInfo::default_for(Engine::Mysql).with_partial_revokes(true),
            _ => ServerInfo::default_for(Engine::Mariadb),
        };
        let ctx = mysql_ctx(server);
        let dbp = privilege::allowed(&server, ObjectKind::Database).expect("db");
        let tp = privilege::allowed(&server, ObjectKind::Table).expect("t");
        let dbs = ["app_db", "other"];
        let mut actual = ActualGrants::default();
        for db in dbs {
            if rng.random_bool(0.5) {
                let go = rng.random_bool(0.3);
                let m = random_privs(&mut rng, dbp)
                    .into_iter()
                    .map(|p| (p, go))
                    .collect();
                actual.privileges.insert(
                    Target::MysqlDatabase {
                        pattern: ident::mysql_database_pattern(&server, db),
                    },
                    m,
                );
            }
            if rng.random_bool(0.4) {
                let go = rng.random_bool(0.3);
                let m = random_privs(&mut rng, tp)
                    .into_iter()
                    .map(|p| (p, go))
                    .collect();
                actual.privileges.insert(
                    Target::MysqlTable {
                        database: db.into(),
                        table: "t1".into(),
                    },
                    m,
                );
            }
        }
        if rng.random_bool(0.2) {
            actual.global.insert("PROCESS".into());
            actual.global_grant_option = rng.random_bool(0.5);
        }
        let mut desired = Vec::new();
        for _ in 0..rng.random_range(0..4) {
            let db = dbs[rng.random_range(0..2)];
            let go = rng.random_bool(0.3);
            if rng.random_bool(0.5) {
                desired.push(db_grant(
                    db,
                    &random_privs(&mut rng, dbp).into_iter().collect::<Vec<_>>(),
                    go,
                ));
            } else {
                desired.push(Grant {
                    database: db.into(),
                    schema: None,
                    kind: ObjectKind::Table,
                    objects: Objects::Named(vec!["t1".into(), "t2".into()]),
                    privileges: random_privs(&mut rng, tp),
                    with_grant_option: go,
                });
            }
        }
        let stmts = diff(&desired, &actual, &ctx).expect("diff");
        let mut after = actual.clone();
        for s in &stmts {
            apply_mysql(&mut after, s);
        }
        assert_eq!(
            diff(&desired, &after, &ctx).expect("again"),
            vec![],
            "round {round}: {desired:#?}\n{stmts:#?}"
        );
        assert_eq!(after.summarize(&ctx, &desired).expect("summary"), desired);
        let summary = after.to_grants(&ctx);
        assert_eq!(
            diff(&summary, &after, &ctx).expect("summary diff"),
            vec![],
            "round {round}"
        );
        assert!(
            equivalent(&summary, &desired, &ctx).expect("eq"),
            "round {round}: {summary:#?}\n{desired:#?}\n{after:#?}"
        );
    }
}
