//! `metastore_sql::client` against real servers from the test rig: a throwaway MariaDB 10.11, Oracle MySQL 9.7 and PostgreSQL
//! 15. Covers connecting (engine detection, login failures, unreachable servers), executing generated
//! statements, reading users back so the grant diff is empty, reading as the user itself, releasing and
//! dropping roles, and 20 concurrent writers on one database without lock errors.
//!
//! The MySQL-family scenario also runs on Oracle MySQL 9.7 (Debian sid's, from the rig's cached root);
//! RDS for MySQL 8.0 statements the 9.7 server cannot show stay covered by the statement builders' unit tests.

use std::time::{Duration, Instant};

use anyhow::{Context, Result, ensure};
use metastore_sql::client::{
    Client, ClientError, ConnectOptions, Inspect, TlsMode, UserAttributes,
};
use metastore_sql::grant::{self, Grant, GrantContext, Grantee, Objects};
use metastore_sql::privilege::{self, ObjectKind};
use metastore_sql::statements::{self, Auth, OnDeleteOwned, UserOptions};
use metastore_sql::{Engine, Secret, password};
use test_support::{MariaDb, Mysql, Postgres};

fn opts(engine: Engine, port: u16, db: Option<&str>, user: &str, pw: &str) -> ConnectOptions {
    ConnectOptions {
        engine,
        host: "127.0.0.1".into(),
        port,
        database: db.map(str::to_owned),
        username: user.into(),
        password: Secret::new(pw),
        tls: TlsMode::Disable,
        ca_bundle_pem: None,
        connect_timeout: Duration::from_secs(5),
        lock_timeout: Duration::from_secs(60),
    }
}

fn grant(
    engine: Engine,
    server: &metastore_sql::ServerInfo,
    db: &str,
    schema: Option<&str>,
    kind: ObjectKind,
    objects: Objects,
    privs: &[&str],
) -> Grant {
    let _ = engine;
    Grant {
        database: db.into(),
        schema: schema.map(str::to_owned),
        kind,
        objects,
        privileges: privilege::normalize(server, kind, privs).expect("privileges"),
        with_grant_option: false,
    }
}

async fn create(
    client: &mut Client,
    ctx: &GrantContext,
    pw: &Secret,
    grants: &[Grant],
    inspect: &Inspect,
) -> Result<()> {
    let server = client.server_info();
    let mut stmts = statements::create_user(
        &server,
        &ctx.grantee,
        &Auth::Password(pw.clone()),
        &UserOptions {
            connection_limit: Some(5),
            ..UserOptions::default()
        },
    )?;
    let empty = metastore_sql::ActualGrants::default();
    stmts.extend(grant::diff(grants, &empty, ctx)?);
    client.execute(&stmts).await?;
    let state = client
        .read_user(&ctx.grantee, inspect)
        .await?
        .context("user not found after create")?;
    let rest = grant::diff(grants, &state.grants, ctx)?;
    ensure!(rest.is_empty(), "diff after create: {rest:?}");
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mariadb_end_to_end() -> Result<()> {
    let db = MariaDb::start()?;
    mysql_family_end_to_end(Engine::Mariadb, db.port(), db.admin_password(), &|sql| {
        db.exec(sql)
    })
    .await
}

/// The MariaDB scenario on Oracle MySQL 9.7 (the rig's sid root; the closest server to RDS for MySQL
/// 8.4 available here): caching_sha2_password users created, read back, logged in over plain TCP.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mysql_end_to_end() -> Result<()> {
    let db = Mysql::start()?;
    mysql_family_end_to_end(Engine::Mysql, db.port(), db.admin_password(), &|sql| {
        db.exec(sql)
    })
    .await
    .with_context(|| format!("MySQL server log:\n{}", db.log()))
}

/// Runs the MySQL-family scenario against a server of `engine` on `port`, admin `root`/`admin_pw`;
/// `exec` runs SQL as the admin out of band (the rig's command-line client).
async fn mysql_family_end_to_end(
    engine: Engine,
    port: u16,
    admin_pw: &str,
    exec: &(dyn Fn(&str) -> Result<String> + Sync),
) -> Result<()> {
    exec(
        "CREATE DATABASE metastore; CREATE TABLE metastore.tbls (id INT); CREATE DATABASE other; CREATE TABLE other.secret (id INT); INSERT INTO other.secret VALUES (42);",
    )?;
    let admin = opts(engine, port, None, "root", admin_pw);

    // Engine detection and the errors that name the server.
    let other_engine = if engine == Engine::Mysql {
        Engine::Mariadb
    } else {
        Engine::Mysql
    };
    let wrong = opts(other_engine, port, None, "root", admin_pw);
    match Client::connect(&wrong).await {
        Err(ClientError::EngineMismatch { actual, .. }) => ensure!(actual == engine),
        other => anyhow::bail!("expected an engine mismatch, got {other:?}"),
    }
    let bad = opts(engine, port, None, "root", "not-the-password");
    let err = Client::connect(&bad).await.expect_err("bad password");
    ensure!(err.is_login(), "{err}");
    ensure!(!err.to_string().contains("not-the-password"));

    let mut client = Client::connect(&admin).await?;
    let server = client.server_info();
    ensure!(
        server.engine == engine && server.major >= if engine == Engine::Mysql { 8 } else { 10 },
        "{server:?}"
    );

    let ctx = GrantContext {
        server,
        grantee: Grantee::new(engine, "hive`ro'; --", Some("%"))?,
        default_privilege_roles: vec![],
    };
    let grants = vec![grant(
        engine,
        &server,
        "metastore",
        None,
        ObjectKind::Database,
        Objects::All,
        &["select", "INSERT", "Update", "DELETE"],
    )];
    let pw = password::generate(32)?;
    create(&mut client, &ctx, &pw, &grants, &Inspect::default()).await?;

    let state = client
        .read_user(&ctx.grantee, &Inspect::default())
        .await?
        .context("user")?;
    match &state.attributes {
        UserAttributes::Mysql(u) => {
            ensure!(u.user == "hive`ro'; --" && u.host == "%", "{u:?}");
            ensure!(u.connection_limit == Some(5), "{u:?}");
        }
        other => anyhow::bail!("unexpected attributes {other:?}"),
    }

    // The user logs in and reads its own grants, but not mysql.user.
    let as_user = opts(engine, port, Some("metastore"), "hive`ro'; --", pw.expose());
    Client::login_check(&as_user).await?;
    let mut me = Client::connect(&as_user).await?;
    let self_view = me
        .read_user(&ctx.grantee, &Inspect::default())
        .await?
        .context("self")?;
    // No access to mysql.user, but SHOW CREATE USER for itself gives the attributes.
    match &self_view.attributes {
        UserAttributes::Mysql(u) => {
            ensure!(u.connection_limit == Some(5) && !u.require_ssl, "{u:?}")
        }
        other => anyhow::bail!("attributes as the user itself: {other:?}"),
    }
    ensure!(grant::diff(&grants, &self_view.grants, &ctx)?.is_empty());
    let denied = me
        .query(None, "SELECT id FROM other.secret", &[])
        .await
        .expect_err("other database must be denied");
    ensure!(denied.to_string().contains("denied"), "{denied}");
    me.close().await;

    // Out-of-band change shows in the diff; executing it converges.
    exec(
        "REVOKE DELETE ON metastore.* FROM 'hive`ro''; --'@'%'; GRANT DROP ON metastore.* TO 'hive`ro''; --'@'%';",
    )?;
    let drift = client
        .read_user(&ctx.grantee, &Inspect::default())
        .await?
        .context("user")?;
    let fix = grant::diff(&grants, &drift.grants, &ctx)?;
    let texts: Vec<String> = fix.iter().map(|s| s.redacted.clone()).collect();
    ensure!(
        texts
            == vec![
                "REVOKE DROP ON `metastore`.* FROM `hive``ro'; --`@`%`".to_owned(),
                "GRANT DELETE ON `metastore`.* TO `hive``ro'; --`@`%`".to_owned()
            ],
        "{texts:?}"
    );
    client.execute(&fix).await?;
    let after = client
        .read_user(&ctx.grantee, &Inspect::default())
        .await?
        .context("user")?;
    ensure!(grant::diff(&grants, &after.grants, &ctx)?.is_empty());

    // A new password works, the old one no longer does.
    let pw2 = password::generate(40)?;
    client
        .execute(&statements::set_password(&server, &ctx.grantee, &pw2)?)
        .await?;
    Client::login_check(&as_user.as_user("hive`ro'; --", pw2.clone())).await?;
    ensure!(
        Client::login_check(&as_user)
            .await
            .expect_err("old")
            .is_login()
    );

    // Failing statements name the server and keep the server's message.
    let err = client
        .execute(&[metastore_sql::Statement::plain(
            "GRANT SELECT ON `nosuchdb`.`t` TO `nobody`@`%`",
        )])
        .await
        .expect_err("must fail");
    let text = err.to_string();
    ensure!(text.contains(&format!("127.0.0.1:{port}")), "{text}");
    ensure!(text.contains("GRANT SELECT ON `nosuchdb`"), "{text}");

    client
        .execute(&statements::drop_user(&server, &ctx.grantee)?)
        .await?;
    ensure!(
        client
            .read_user(&ctx.grantee, &Inspect::default())
            .await?
            .is_none()
    );

    // 20 writers at once on one database: the catalog lock serialises them.
    let started = Instant::now();
    let mut tasks = Vec::new();
    for i in 0..20 {
        let admin = admin.clone();
        tasks.push(tokio::spawn(async move {
            let mut c = Client::connect(&admin).await?;
            let server = c.server_info();
            let ctx = GrantContext {
                server,
                grantee: Grantee::new(engine, &format!("load_{i}"), None)?,
                default_privilege_roles: vec![],
            };
            let g = vec![grant(
                engine,
                &server,
                "metastore",
                None,
                ObjectKind::Database,
                Objects::All,
                &["SELECT", "INSERT"],
            )];
            create(
                &mut c,
                &ctx,
                &password::generate(32)?,
                &g,
                &Inspect::default(),
            )
            .await?;
            c.close().await;
            anyhow::Ok(())
        }));
    }
    for t in tasks {
        t.await??;
    }
    let count = exec("SELECT COUNT(*) FROM mysql.user WHERE User LIKE 'load\\_%';")?;
    ensure!(count.trim() == "20", "{count}");
    eprintln!("20 concurrent {engine} users in {:?}", started.elapsed());
    client.close().await;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_end_to_end() -> Result<()> {
    let pg = Postgres::start()?;
    // A non-superuser admin: CREATEROLE, owner of the database, schema and tables.
    pg.exec("CREATE ROLE lx_admin LOGIN CREATEROLE PASSWORD 'admin-pw-0123456789abcdefghij'; CREATE DATABASE metastore OWNER lx_admin; CREATE DATABASE other OWNER lx_admin;")?;
    pg.exec_as(
        "lx_admin",
        "admin-pw-0123456789abcdefghij",
        Some("metastore"),
        "CREATE SCHEMA hive; CREATE TABLE hive.tbls (id int); CREATE TABLE hive.dbs (id int); CREATE SEQUENCE hive.seq; CREATE SCHEMA private; CREATE TABLE private.secret (id int);",
    )?;
    pg.exec_as(
        "lx_admin",
        "admin-pw-0123456789abcdefghij",
        Some("other"),
        "CREATE SCHEMA s2; CREATE TABLE s2.t (id int);",
    )?;
    let admin = opts(
        Engine::Postgres,
        pg.port(),
        Some("metastore"),
        "lx_admin",
        "admin-pw-0123456789abcdefghij",
    );
    let unreachable = ConnectOptions {
        port: 9,
        connect_timeout: Duration::from_secs(2),
        lock_timeout: Duration::from_secs(60),
        ..admin.clone()
    };
    let err = Client::connect(&unreachable).await.expect_err("port 9");
    ensure!(err.is_unreachable(), "{err}");
    ensure!(err.to_string().contains("127.0.0.1:9"), "{err}");
    ensure!(err.to_string().contains("tunnel"), "{err}");

    let mut client = Client::connect(&admin).await?;
    let server = client.server_info();
    ensure!(
        server.engine == Engine::Postgres && server.major == 15,
        "{server:?}"
    );
    let role = "Hive \"ro\"; -- ü";
    let ctx = GrantContext {
        server,
        grantee: Grantee::new(Engine::Postgres, role, None)?,
        default_privilege_roles: vec!["lx_admin".into()],
    };
    let grants = vec![
        grant(
            Engine::Postgres,
            &server,
            "metastore",
            None,
            ObjectKind::Database,
            Objects::All,
            &["CONNECT"],
        ),
        grant(
            Engine::Postgres,
            &server,
            "metastore",
            Some("hive"),
            ObjectKind::Schema,
            Objects::All,
            &["USAGE"],
        ),
        grant(
            Engine::Postgres,
            &server,
            "metastore",
            Some("hive"),
            ObjectKind::Table,
            Objects::All,
            &["SELECT", "insert"],
        ),
        grant(
            Engine::Postgres,
            &server,
            "metastore",
            Some("hive"),
            ObjectKind::Sequence,
            Objects::All,
            &["ALL"],
        ),
        grant(
            Engine::Postgres,
            &server,
            "other",
            Some("s2"),
            ObjectKind::Schema,
            Objects::All,
            &["USAGE"],
        ),
        grant(
            Engine::Postgres,
            &server,
            "other",
            Some("s2"),
            ObjectKind::Table,
            Objects::Named(vec!["t".into()]),
            &["SELECT"],
        ),
    ];
    let inspect = Inspect {
        databases: vec!["other".into()],
        schemas: vec![
            ("metastore".into(), "hive".into()),
            ("other".into(), "s2".into()),
        ],
        default_privilege_roles: vec!["lx_admin".into()],
    };
    let pw = password::generate(32)?;
    create(&mut client, &ctx, &pw, &grants, &inspect).await?;

    // Tables created later by the admin are covered by default privileges.
    pg.exec_as(
        "lx_admin",
        "admin-pw-0123456789abcdefghij",
        Some("metastore"),
        "CREATE TABLE hive.later (id int); INSERT INTO hive.later VALUES (7);",
    )?;
    let seen = pg.exec_as(
        role,
        pw.expose(),
        Some("metastore"),
        "SELECT id FROM hive.later;",
    )?;
    ensure!(seen.trim() == "7", "{seen}");
    let denied = pg.exec_as(
        role,
        pw.expose(),
        Some("metastore"),
        "SELECT * FROM private.secret;",
    );
    ensure!(denied.is_err(), "private schema must be denied");
    let denied = pg.exec_as(role, pw.expose(), Some("metastore"), "CREATE ROLE x;");
    ensure!(denied.is_err(), "CREATE ROLE must be denied");
    let state = client
        .read_user(&ctx.grantee, &inspect)
        .await?
        .context("role")?;
    ensure!(grant::diff(&grants, &state.grants, &ctx)?.is_empty());
    match &state.attributes {
        UserAttributes::Postgres(r) => ensure!(r.connection_limit == Some(5) && r.name == role),
        other => anyhow::bail!("unexpected {other:?}"),
    }

    // Reading as the role itself gives the same grants.
    let mut me = Client::connect(&admin.as_user(role, pw.clone())).await?;
    let mine = me
        .read_user(&ctx.grantee, &inspect)
        .await?
        .context("self")?;
    ensure!(grant::diff(&grants, &mine.grants, &ctx)?.is_empty());
    me.close().await;

    // Drift and convergence.
    pg.exec_as(
        "lx_admin",
        "admin-pw-0123456789abcdefghij",
        Some("metastore"),
        &format!(
            "REVOKE INSERT ON hive.tbls FROM {q}; GRANT UPDATE ON hive.dbs TO {q};",
            q = "\"Hive \"\"ro\"\"; -- ü\""
        ),
    )?;
    let drift = client
        .read_user(&ctx.grantee, &inspect)
        .await?
        .context("role")?;
    let fix = grant::diff(&grants, &drift.grants, &ctx)?;
    ensure!(fix.len() == 2, "{fix:?}");
    client.execute(&fix).await?;
    let again = client
        .read_user(&ctx.grantee, &inspect)
        .await?
        .context("role")?;
    ensure!(grant::diff(&grants, &again.grants, &ctx)?.is_empty());

    // Release and drop: the role owns a table in `metastore`.
    pg.exec_as(
        "lx_admin",
        "admin-pw-0123456789abcdefghij",
        Some("metastore"),
        &format!(
            "GRANT CREATE ON SCHEMA hive TO {q};",
            q = "\"Hive \"\"ro\"\"; -- ü\""
        ),
    )?;
    pg.exec_as(
        role,
        pw.expose(),
        Some("metastore"),
        "CREATE TABLE hive.owned_by_user (id int);",
    )?;
    let deps = client.pg_dependents(role).await?;
    ensure!(
        deps.iter()
            .any(|d| d.database == "metastore" && d.owned > 0),
        "{deps:?}"
    );
    let mut stmts = vec![statements::pg_prepare_drop(role)?];
    for d in metastore_sql::introspect::databases_to_release(&deps, "metastore") {
        stmts.extend(statements::pg_release_owned(
            role,
            "lx_admin",
            OnDeleteOwned::ReassignToAdmin,
            &d,
        )?);
    }
    stmts.extend(statements::drop_user(&server, &ctx.grantee)?);
    client.execute(&stmts).await?;
    ensure!(client.read_user(&ctx.grantee, &inspect).await?.is_none());
    let owner = pg.exec_as(
        "lx_admin",
        "admin-pw-0123456789abcdefghij",
        Some("metastore"),
        "SELECT tableowner FROM pg_tables WHERE tablename = 'owned_by_user';",
    )?;
    ensure!(owner.trim() == "lx_admin", "{owner}");

    // 20 writers granting on the same schema at once: no `tuple concurrently updated`.
    let started = Instant::now();
    let mut tasks = Vec::new();
    for i in 0..20 {
        let admin = admin.clone();
        let inspect = inspect.clone();
        tasks.push(tokio::spawn(async move {
            let mut c = Client::connect(&admin).await?;
            let server = c.server_info();
            let ctx = GrantContext {
                server,
                grantee: Grantee::new(Engine::Postgres, &format!("load_{i}"), None)?,
                default_privilege_roles: vec!["lx_admin".into()],
            };
            let g = vec![
                grant(
                    Engine::Postgres,
                    &server,
                    "metastore",
                    None,
                    ObjectKind::Database,
                    Objects::All,
                    &["CONNECT"],
                ),
                grant(
                    Engine::Postgres,
                    &server,
                    "metastore",
                    Some("hive"),
                    ObjectKind::Schema,
                    Objects::All,
                    &["USAGE"],
                ),
                grant(
                    Engine::Postgres,
                    &server,
                    "metastore",
                    Some("hive"),
                    ObjectKind::Table,
                    Objects::All,
                    &["SELECT"],
                ),
            ];
            create(&mut c, &ctx, &password::generate(32)?, &g, &inspect).await?;
            c.close().await;
            anyhow::Ok(())
        }));
    }
    for t in tasks {
        t.await??;
    }
    let count = pg.exec("SELECT count(*) FROM pg_roles WHERE rolname LIKE 'load\\_%';")?;
    ensure!(count.trim() == "20", "{count}");
    eprintln!("20 concurrent PostgreSQL roles in {:?}", started.elapsed());
    client.close().await;
    Ok(())
}

/// Role and database-level catalog writes are cluster-wide, so writers connected to different databases
/// (and the provider and the rotation function) must meet on one lock: while another session holds the
/// catalog lock in `postgres`, a client connected to `metastore` waits for it, and fails after its
/// `lock_timeout` with an error naming the lock; once released, the same write goes through.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_catalog_lock_is_server_wide() -> Result<()> {
    use sqlx::Connection;
    let pg = Postgres::start()?;
    pg.exec("CREATE ROLE lx_admin LOGIN CREATEROLE PASSWORD 'admin-pw-0123456789abcdefghij'; CREATE DATABASE metastore OWNER lx_admin;")?;
    let url = format!(
        "postgres://lx_admin:admin-pw-0123456789abcdefghij@127.0.0.1:{}/{}",
        pg.port(),
        statements::PG_LOCK_DATABASE
    );
    let mut holder = sqlx::PgConnection::connect(&url).await?;
    sqlx::query(&format!(
        "SELECT pg_advisory_lock({})",
        statements::pg_catalog_lock_key()
    ))
    .execute(&mut holder)
    .await?;
    let mut admin = opts(
        Engine::Postgres,
        pg.port(),
        Some("metastore"),
        "lx_admin",
        "admin-pw-0123456789abcdefghij",
    );
    admin.lock_timeout = Duration::from_secs(1);
    let mut client = Client::connect(&admin).await?;
    let server = client.server_info();
    let grantee = Grantee::new(Engine::Postgres, "lock_probe", None)?;
    let create = statements::create_user(
        &server,
        &grantee,
        &Auth::Password(password::generate(32)?),
        &UserOptions::default(),
    )?;
    let started = Instant::now();
    let err = client
        .execute(&create)
        .await
        .err()
        .context("the write did not wait for the lock held in another database")?;
    ensure!(
        matches!(err, ClientError::Lock { .. }) && err.to_string().contains("postgres"),
        "{err}"
    );
    ensure!(
        started.elapsed() >= Duration::from_millis(900),
        "{:?}",
        started.elapsed()
    );
    let none = pg.exec("SELECT count(*) FROM pg_roles WHERE rolname = 'lock_probe';")?;
    ensure!(none.trim() == "0", "{none}");
    holder.close().await?;
    client.execute(&create).await?;
    let one = pg.exec("SELECT count(*) FROM pg_roles WHERE rolname = 'lock_probe';")?;
    ensure!(one.trim() == "1", "{one}");
    client.close().await;
    Ok(())
}

/// What only Oracle MySQL has, on the rig's MySQL 9.7: `partial_revokes=ON` (database grants then name the
/// database literally, so `_` is no wildcard), `REQUIRE SSL` with `ACCOUNT LOCK` in one `CREATE USER`,
/// caching_sha2_password logins over TLS and over plain TCP (RSA key exchange), role grants in MySQL's
/// `SHOW GRANTS` format. RDS for MySQL 8.0/8.4 behave the same for all of these (`partial_revokes` is a
/// parameter-group setting there, OFF by default).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mysql_only_features() -> Result<()> {
    let db = Mysql::start()?;
    db.exec(
        "SET PERSIST partial_revokes = ON; CREATE DATABASE hive_meta; CREATE TABLE hive_meta.t (id INT); \
         CREATE DATABASE hiveXmeta; CREATE TABLE hiveXmeta.t (id INT); INSERT INTO hiveXmeta.t VALUES (1);",
    )?;
    let admin = opts(Engine::Mysql, db.port(), None, "root", db.admin_password());
    let mut client = Client::connect(&admin).await?;
    let server = client.server_info();
    ensure!(
        server.engine == Engine::Mysql && server.partial_revokes,
        "{server:?}"
    );
    ensure!(server.literal_database_grants());

    let ctx = GrantContext {
        server,
        grantee: Grantee::new(Engine::Mysql, "hive_ssl", Some("%"))?,
        default_privilege_roles: vec![],
    };
    let grants = vec![grant(
        Engine::Mysql,
        &server,
        "hive_meta",
        None,
        ObjectKind::Database,
        Objects::All,
        &["SELECT"],
    )];
    let pw = password::generate(32)?;
    let mut stmts = statements::create_user_without_login(
        &server,
        &ctx.grantee,
        &Auth::Password(pw.clone()),
        &UserOptions {
            require_ssl: true,
            connection_limit: Some(3),
            ..UserOptions::default()
        },
    )?;
    stmts.extend(grant::diff(
        &grants,
        &metastore_sql::ActualGrants::default(),
        &ctx,
    )?);
    client.execute(&stmts).await?;
    ensure!(client.mysql_account_locked("hive_ssl", "%").await?);
    let state = client
        .read_user(&ctx.grantee, &Inspect::default())
        .await?
        .context("user")?;
    match &state.attributes {
        UserAttributes::Mysql(u) => ensure!(
            u.require_ssl && u.connection_limit == Some(3) && u.plugin == "caching_sha2_password",
            "{u:?}"
        ),
        other => anyhow::bail!("unexpected attributes {other:?}"),
    }
    let rest = grant::diff(&grants, &state.grants, &ctx)?;
    ensure!(
        rest.is_empty(),
        "diff after create with partial_revokes: {rest:?}"
    );

    // Locked: no login even with the right password.
    let as_user = ConnectOptions {
        tls: TlsMode::Require,
        ..opts(Engine::Mysql, db.port(), None, "hive_ssl", pw.expose())
    };
    ensure!(
        Client::login_check(&as_user).await.is_err(),
        "locked account logged in"
    );
    client
        .execute(&[statements::set_login(&server, &ctx.grantee, true)?])
        .await?;
    ensure!(!client.mysql_account_locked("hive_ssl", "%").await?);

    // REQUIRE SSL: over TLS it logs in (caching_sha2_password full authentication over TLS), without TLS not.
    Client::login_check(&as_user).await?;
    let plain = ConnectOptions {
        tls: TlsMode::Disable,
        ..as_user.clone()
    };
    ensure!(
        Client::login_check(&plain).await.is_err(),
        "REQUIRE SSL user logged in without TLS"
    );

    // Literal database grants: `hive_meta` does not cover `hiveXmeta`.
    let mut me = Client::connect(&ConnectOptions {
        database: Some("hive_meta".into()),
        ..as_user.clone()
    })
    .await?;
    me.query(None, "SELECT id FROM hive_meta.t", &[]).await?;
    let denied = me
        .query(None, "SELECT id FROM hiveXmeta.t", &[])
        .await
        .expect_err("`_` must not match `X` with partial_revokes");
    ensure!(denied.to_string().contains("denied"), "{denied}");
    me.close().await;

    // Plain TCP, no TLS: caching_sha2_password full authentication through the server's RSA key, and again
    // from the server's cache.
    let plain_user = Grantee::new(Engine::Mysql, "hive_plain", Some("%"))?;
    let pw2 = password::generate(32)?;
    client
        .execute(&statements::create_user(
            &server,
            &plain_user,
            &Auth::Password(pw2.clone()),
            &UserOptions::default(),
        )?)
        .await?;
    let plain_login = opts(Engine::Mysql, db.port(), None, "hive_plain", pw2.expose());
    Client::login_check(&plain_login).await?;
    Client::login_check(&plain_login).await?;

    // Role grants in MySQL's SHOW GRANTS format: read back, not mistaken for privileges.
    db.exec("CREATE ROLE 'meta_reader'; GRANT SELECT ON hiveXmeta.* TO 'meta_reader'; GRANT 'meta_reader' TO 'hive_ssl'@'%';")?;
    let lines = client.show_grants(&ctx.grantee).await?.context("grants")?;
    ensure!(
        lines
            .iter()
            .any(|l| l.starts_with("GRANT `meta_reader`@`%` TO `hive_ssl`@`%`")),
        "{lines:?}"
    );
    let with_role = client
        .read_user(&ctx.grantee, &Inspect::default())
        .await?
        .context("user")?;
    ensure!(
        grant::diff(&grants, &with_role.grants, &ctx)?.is_empty(),
        "a role grant changed the managed grants: {:?}",
        with_role.grants
    );

    client
        .execute(&statements::drop_user(&server, &ctx.grantee)?)
        .await?;
    client
        .execute(&statements::drop_user(&server, &plain_user)?)
        .await?;
    ensure!(
        client
            .read_user(&ctx.grantee, &Inspect::default())
            .await?
            .is_none()
    );
    client.close().await;
    Ok(())
}

/// A statement stuck behind another session's metadata lock (MySQL error 1205 once the session's
/// `lock_wait_timeout` passes) fails after about one `lock_timeout`, not after a retry per attempt: a lock
/// wait has used the whole budget already (the rotation function sizes that budget to fit its invocation).
/// Once the other session lets go, the same statement goes through.
async fn lock_waits_stay_within_the_budget(
    engine: Engine,
    port: u16,
    admin_password: &str,
    exec: &dyn Fn(&str) -> Result<String>,
) -> Result<()> {
    use sqlx::Connection;
    exec(
        "CREATE DATABASE lockdb; CREATE TABLE lockdb.t (id INT PRIMARY KEY); INSERT INTO lockdb.t VALUES (1);",
    )?;
    let url = format!("mysql://root:{admin_password}@127.0.0.1:{port}/lockdb");
    let mut holder = sqlx::MySqlConnection::connect(&url).await?;
    let mut tx = holder.begin().await?;
    sqlx::query("SELECT id FROM t FOR UPDATE")
        .fetch_all(&mut *tx)
        .await?;

    let mut admin = opts(engine, port, None, "root", admin_password);
    admin.lock_timeout = Duration::from_secs(1);
    let mut client = Client::connect(&admin).await?;
    let alter = [statements::Statement::plain(
        "ALTER TABLE lockdb.t ADD COLUMN c INT",
    )];
    let started = Instant::now();
    let err = client
        .execute(&alter)
        .await
        .err()
        .context("the ALTER did not wait for the other session's metadata lock")?;
    let waited = started.elapsed();
    ensure!(
        err.to_string().contains("1205") || err.to_string().contains("ock wait timeout"),
        "{err}"
    );
    ensure!(
        waited >= Duration::from_millis(900) && waited < Duration::from_secs(4),
        "one lock wait of 1 s expected, waited {waited:?}: {err}"
    );
    tx.rollback().await?;
    client.execute(&alter).await?;
    let cols = exec(
        "SELECT count(*) FROM information_schema.columns WHERE table_schema = 'lockdb' AND table_name = 't';",
    )?;
    ensure!(cols.trim() == "2", "{cols}");
    client.close().await;
    holder.close().await?;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mariadb_lock_waits_stay_within_the_budget() -> Result<()> {
    let db = MariaDb::start()?;
    lock_waits_stay_within_the_budget(Engine::Mariadb, db.port(), db.admin_password(), &|sql| {
        db.exec(sql)
    })
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mysql_lock_waits_stay_within_the_budget() -> Result<()> {
    let db = Mysql::start()?;
    lock_waits_stay_within_the_budget(Engine::Mysql, db.port(), db.admin_password(), &|sql| {
        db.exec(sql)
    })
    .await
    .with_context(|| format!("MySQL server log:\n{}", db.log()))
}
