//! The rotation function's logic against moto (Secrets Manager, SNS) and real MariaDB, Oracle MySQL and PostgreSQL servers:
//! full rotations per engine and strategy, every step twice, faults at each step (database stopped, admin
//! without privilege, Secrets Manager unreachable) after which the AWSCURRENT password logs in, a stale
//! AWSPENDING cleared, and the rollback event.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::{Context, Result, bail, ensure};
use async_trait::async_trait;
use aws_sdk_secretsmanager::config::Credentials;
use metastore_sql::client::TlsMode;
use metastore_sql::engine::Engine;
use metastore_sql::secret_shape::RdsSecret;
use rotation_lambda::binding::{Bindings, binding};
use rotation_lambda::notify::{Notice, Notifier, NotifyError, Outcome, SnsNotifier};
use rotation_lambda::secrets::{AWSCURRENT, AWSPENDING, AWSPREVIOUS, AwsSecretStore, SecretStore};
use rotation_lambda::sql::SqlDatabase;
use rotation_lambda::strategy::{STRATEGY_TAG, Strategy};
use rotation_lambda::{Config, Rotator, Step};
use serde_json::json;
use test_support::{FaultProxy, Moto, MysqlFamily, Postgres};

// ---------------------------------------------------------------------------------------------------------
// Rig

enum Server {
    My(MysqlFamily),
    Pg(Postgres),
}

impl Server {
    fn engine(&self) -> &'static str {
        match self {
            Server::My(m) => m.engine(),
            Server::Pg(_) => "postgres",
        }
    }

    fn port(&self) -> u16 {
        match self {
            Server::My(m) => m.port(),
            Server::Pg(p) => p.port(),
        }
    }

    fn admin(&self) -> (String, String) {
        match self {
            Server::My(m) => (m.admin_user().to_owned(), m.admin_password().to_owned()),
            Server::Pg(p) => (p.admin_user().to_owned(), p.admin_password().to_owned()),
        }
    }

    fn exec(&self, sql: &str) -> Result<String> {
        match self {
            Server::My(m) => m.exec(sql),
            Server::Pg(p) => p.exec(sql),
        }
    }

    fn logs_in(&self, user: &str, password: &str) -> bool {
        match self {
            Server::My(m) => m
                .exec_as(user, password, Some("metastore"), "SELECT 1;")
                .is_ok(),
            Server::Pg(p) => p
                .exec_as(user, password, Some("metastore"), "SELECT 1;")
                .is_ok(),
        }
    }

    fn stop(&mut self) -> Result<()> {
        match self {
            Server::My(m) => m.stop(),
            Server::Pg(p) => p.stop(),
        }
    }

    fn start_again(&mut self) -> Result<()> {
        match self {
            Server::My(m) => m.start_again(),
            Server::Pg(p) => p.start_again(),
        }
    }

    /// Creates `user` with `password` and privileges on database `metastore` (created once).
    fn create_user(&self, user: &str, password: &str) -> Result<()> {
        match self {
            Server::My(_) => self.exec(&format!(
                "CREATE DATABASE IF NOT EXISTS metastore; CREATE USER '{user}'@'%' IDENTIFIED BY '{password}'; \
                 GRANT SELECT, INSERT, UPDATE, DELETE, CREATE ON metastore.* TO '{user}'@'%';"
            ))?,
            Server::Pg(_) => {
                if !self.exec("SELECT 1 FROM pg_database WHERE datname = 'metastore';")?.contains('1') {
                    self.exec("CREATE DATABASE metastore;")?;
                }
                self.exec(&format!("CREATE ROLE \"{user}\" LOGIN PASSWORD '{password}';"))?;
                let (admin, admin_pw) = self.admin();
                if let Server::Pg(p) = self {
                    p.exec_as(&admin, &admin_pw, Some("metastore"), &format!("GRANT ALL ON SCHEMA public TO \"{user}\";"))?;
                }
                String::new()
            }
        };
        Ok(())
    }

    /// A user that may log in and read the catalog but not create users or change passwords of others.
    fn create_weak_admin(&self, user: &str, password: &str) -> Result<()> {
        match self {
            Server::My(_) => self.exec(&format!(
                "CREATE USER '{user}'@'%' IDENTIFIED BY '{password}'; GRANT SELECT ON mysql.* TO '{user}'@'%';"
            ))?,
            Server::Pg(_) => self.exec(&format!("CREATE ROLE \"{user}\" LOGIN PASSWORD '{password}';"))?,
        };
        Ok(())
    }

    /// Makes the server refuse the user's own password change (MariaDB read-only mode; PostgreSQL read-only
    /// transactions for the role), or undoes it.
    fn refuse_changes(&self, user: &str, on: bool) -> Result<()> {
        match self {
            Server::My(_) => self.exec(&format!("SET GLOBAL read_only = {};", u8::from(on)))?,
            Server::Pg(_) => self.exec(&format!(
                "ALTER ROLE \"{user}\" SET default_transaction_read_only = {};",
                if on { "on" } else { "off" }
            ))?,
        };
        Ok(())
    }
}

#[derive(Default)]
struct Captured(Mutex<Vec<Notice>>);

/// Keeps every notice for inspection.
struct Capture(Arc<Captured>);

#[async_trait]
impl Notifier for Capture {
    async fn publish(&self, notice: &Notice) -> Result<(), NotifyError> {
        if let Ok(mut v) = self.0.0.lock() {
            v.push(notice.clone());
        }
        Ok(())
    }
}

struct Rig {
    moto: Moto,
    sdk: aws_config::SdkConfig,
    sm: aws_sdk_secretsmanager::Client,
    db: Server,
    notices: Arc<Captured>,
    /// What `user_secret` bound (the function's `ROTATION_BINDINGS`).
    bindings: Mutex<Bindings>,
}

type TestRotator = Rotator<AwsSecretStore, SqlDatabase, Capture>;

const P0: &str = "Initial-Password-0123456789abcdefgh";

async fn sdk_for(endpoint: &str) -> aws_config::SdkConfig {
    aws_config::defaults(aws_config::BehaviorVersion::latest())
        .http_client(rotation_lambda::http_client())
        .endpoint_url(endpoint)
        .region(aws_config::Region::new("us-east-1"))
        .credentials_provider(Credentials::new("test", "test", None, None, "test"))
        .load()
        .await
}

impl Rig {
    async fn start(db: Server) -> Result<Rig> {
        let moto = Moto::start()?;
        let sdk = sdk_for(&moto.endpoint()).await;
        let sm = aws_sdk_secretsmanager::Client::new(&sdk);
        Ok(Rig {
            moto,
            sdk,
            sm,
            db,
            notices: Arc::new(Captured::default()),
            bindings: Mutex::new(Bindings::default()),
        })
    }

    fn rotator(&self) -> TestRotator {
        let config = Config {
            tls: TlsMode::Disable,
            connect_timeout: Duration::from_secs(3),
            bindings: self.bindings.lock().map(|b| b.clone()).unwrap_or_default(),
            ..Config::default()
        };
        Rotator::new(
            AwsSecretStore::from_sdk_config(&self.sdk, None),
            SqlDatabase::new(TlsMode::Disable, None),
            Capture(self.notices.clone()),
            config,
        )
        .with_metrics(false)
    }

    fn secret_json(&self, user: &str, password: &str, masterarn: Option<&str>) -> String {
        let mut v = json!({
            "engine": self.db.engine(),
            "host": "127.0.0.1",
            "port": self.db.port(),
            "username": user,
            "password": password,
            "dbname": "metastore",
        });
        if let Some(m) = masterarn {
            v["masterarn"] = json!(m);
        }
        v.to_string()
    }

    async fn create_secret(&self, name: &str, value: &str, alternating: bool) -> Result<String> {
        let mut req = self.sm.create_secret().name(name).secret_string(value);
        if alternating {
            req = req.tags(
                aws_sdk_secretsmanager::types::Tag::builder()
                    .key(STRATEGY_TAG)
                    .value("alternating_users")
                    .build(),
            );
        }
        let out = req.send().await.context("CreateSecret")?;
        out.arn().map(str::to_owned).context("no ARN")
    }

    /// A user with a secret; alternating users also get an admin secret (`weak` admin: no privileges).
    async fn user_secret(&self, user: &str, alternating: bool, weak_admin: bool) -> Result<String> {
        self.db.create_user(user, P0)?;
        let masterarn = if alternating {
            let (admin, admin_pw) = if weak_admin {
                let name = format!("{user}_weak");
                let pw = "Weak-Admin-Password-0123456789abcd";
                self.db.create_weak_admin(&name, pw)?;
                (name, pw.to_owned())
            } else {
                self.db.admin()
            };
            Some(
                self.create_secret(
                    &format!("{user}/admin"),
                    &self.secret_json(&admin, &admin_pw, None),
                    false,
                )
                .await?,
            )
        } else {
            None
        };
        let arn = self
            .create_secret(
                user,
                &self.secret_json(user, P0, masterarn.as_deref()),
                alternating,
            )
            .await?;
        self.bind(&arn, user, masterarn.as_deref(), alternating)?;
        Ok(arn)
    }

    /// Binds `arn` to `user` on this server, as `logexaminer_db_user` + modules/secret-rotation do.
    fn bind(&self, arn: &str, user: &str, admin: Option<&str>, alternating: bool) -> Result<()> {
        let engine = Engine::from_rds_engine(self.db.engine())?;
        let strategy = if alternating {
            Strategy::AlternatingUsers
        } else {
            Strategy::SingleUser
        };
        let b = binding(
            arn,
            engine,
            "127.0.0.1",
            self.db.port(),
            Some("metastore"),
            user,
            admin,
            strategy,
        )?;
        self.bindings
            .lock()
            .map_err(|_| anyhow::anyhow!("bindings lock"))?
            .insert(b);
        Ok(())
    }

    async fn value(&self, arn: &str, stage: &str) -> Result<RdsSecret> {
        let out = self
            .sm
            .get_secret_value()
            .secret_id(arn)
            .version_stage(stage)
            .send()
            .await
            .with_context(|| format!("GetSecretValue {stage}"))?;
        RdsSecret::from_json(out.secret_string().context("no string")?).context("shape")
    }

    async fn holder(&self, arn: &str, stage: &str) -> Result<Option<String>> {
        let d = self
            .sm
            .describe_secret()
            .secret_id(arn)
            .send()
            .await
            .context("DescribeSecret")?;
        Ok(d.version_ids_to_stages().and_then(|m| {
            m.iter()
                .find(|(_, s)| s.iter().any(|x| x == stage))
                .map(|(k, _)| k.clone())
        }))
    }

    async fn current_logs_in(&self, arn: &str) -> Result<bool> {
        let c = self.value(arn, AWSCURRENT).await?;
        Ok(self.db.logs_in(&c.username, c.password.expose()))
    }

    async fn step<S: SecretStore>(
        &self,
        r: &Rotator<S, SqlDatabase, Capture>,
        arn: &str,
        token: &str,
        step: Step,
    ) -> Result<rotation_lambda::Report, rotation_lambda::RotationError> {
        r.handle_payload(
            &json!({"SecretId": arn, "ClientRequestToken": token, "Step": step.as_str()}),
            Some(Duration::from_secs(30)),
        )
        .await
    }

    async fn rotate(&self, r: &TestRotator, arn: &str, token: &str) -> Result<()> {
        for step in Step::ALL {
            self.step(r, arn, token, step)
                .await
                .with_context(|| format!("{step}"))?;
        }
        Ok(())
    }

    fn assert_no_secrets(&self, texts: &[String], secrets: &[&str]) {
        let notices: Vec<String> = self
            .notices
            .0
            .lock()
            .map(|v| v.iter().map(Notice::to_json).collect())
            .unwrap_or_default();
        for t in texts.iter().chain(notices.iter()) {
            for s in secrets {
                assert!(!t.contains(s), "a secret leaked into: {t}");
            }
        }
    }
}

fn token(n: u32) -> String {
    format!("00000000-0000-4000-8000-{n:012}")
}

// ---------------------------------------------------------------------------------------------------------
// Scenarios, run for both engines

async fn full_rotations(rig: &Rig) -> Result<()> {
    // Single user: the new password logs in, the old one does not; every step twice.
    let arn = rig.user_secret("single1", false, false).await?;
    let r = rig.rotator();
    for step in Step::ALL {
        for _ in 0..2 {
            rig.step(&r, &arn, &token(1), step)
                .await
                .with_context(|| format!("{step}"))?;
        }
    }
    let cur = rig.value(&arn, AWSCURRENT).await?;
    assert_eq!(cur.username, "single1");
    assert_ne!(cur.password.expose(), P0);
    assert_eq!(cur.password.len(), 32);
    assert!(
        rig.db.logs_in("single1", cur.password.expose()),
        "new password logs in"
    );
    assert!(
        !rig.db.logs_in("single1", P0),
        "old password no longer logs in"
    );
    assert!(rig.holder(&arn, AWSPREVIOUS).await?.is_some());
    assert!(
        r.secret_store().calls() <= 8 + 4,
        "{} Secrets Manager calls for a warm rotation with every step repeated",
        r.secret_store().calls()
    );

    // A warm rotation without repeats makes at most 8 calls (5 here).
    let r = rig.rotator();
    rig.rotate(&r, &arn, &token(2)).await?;
    assert_eq!(r.secret_store().calls(), 5);
    assert!(rig.current_logs_in(&arn).await?);

    // Cold: a new process for each step, each step twice.
    for step in Step::ALL {
        for _ in 0..2 {
            rig.step(&rig.rotator(), &arn, &token(3), step)
                .await
                .with_context(|| format!("cold {step}"))?;
        }
    }
    assert!(rig.current_logs_in(&arn).await?);

    // Alternating users: the clone is created with the user's privileges; the old user keeps working.
    let arn = rig.user_secret("alt1", true, false).await?;
    let r = rig.rotator();
    for step in Step::ALL {
        for _ in 0..2 {
            rig.step(&r, &arn, &token(4), step)
                .await
                .with_context(|| format!("alternating {step}"))?;
        }
    }
    let cur = rig.value(&arn, AWSCURRENT).await?;
    assert_eq!(cur.username, "alt1_clone");
    assert!(rig.current_logs_in(&arn).await?);
    assert!(rig.db.logs_in("alt1", P0), "the previous user is untouched");
    // Back to the base user with a new password.
    rig.rotate(&r, &arn, &token(5)).await?;
    let cur = rig.value(&arn, AWSCURRENT).await?;
    assert_eq!(cur.username, "alt1");
    assert_ne!(cur.password.expose(), P0);
    assert!(rig.current_logs_in(&arn).await?);
    let prev = rig.value(&arn, AWSPREVIOUS).await?;
    assert!(
        rig.db.logs_in(&prev.username, prev.password.expose()),
        "the clone keeps working"
    );
    Ok(())
}

async fn clone_has_the_privileges(rig: &Rig) -> Result<()> {
    let arn = rig.user_secret("alt2", true, false).await?;
    match &rig.db {
        Server::My(m) => {
            m.exec("CREATE TABLE metastore.t_alt2 (id INT);")?;
        }
        Server::Pg(p) => {
            p.exec_as(
                "alt2",
                P0,
                Some("metastore"),
                "CREATE TABLE t_alt2 (id int);",
            )?;
        }
    }
    let r = rig.rotator();
    rig.rotate(&r, &arn, &token(10)).await?;
    let cur = rig.value(&arn, AWSCURRENT).await?;
    assert_eq!(cur.username, "alt2_clone");
    let sql = match rig.db {
        Server::My(_) => {
            "INSERT INTO metastore.t_alt2 VALUES (1); SELECT count(*) FROM metastore.t_alt2;"
        }
        Server::Pg(_) => "INSERT INTO t_alt2 VALUES (1); SELECT count(*) FROM t_alt2;",
    };
    let out = match &rig.db {
        Server::My(m) => m.exec_as(&cur.username, cur.password.expose(), Some("metastore"), sql)?,
        Server::Pg(p) => p.exec_as(&cur.username, cur.password.expose(), Some("metastore"), sql)?,
    };
    assert!(
        out.trim().ends_with('1'),
        "the clone uses the user's table: {out}"
    );
    if let Server::Pg(p) = &rig.db {
        // Objects the clone creates belong to the base user, so both can use them.
        p.exec_as(
            &cur.username,
            cur.password.expose(),
            Some("metastore"),
            "CREATE TABLE t_by_clone (id int);",
        )?;
        let out = p.exec_as(
            "alt2",
            P0,
            Some("metastore"),
            "SELECT pg_get_userbyid(relowner) FROM pg_class WHERE relname = 't_by_clone';",
        )?;
        assert_eq!(out.trim(), "alt2");
        let members = p.exec("SELECT count(*) FROM pg_auth_members m JOIN pg_roles r ON r.oid = m.roleid WHERE r.rolname = 'alt2_owner';")?;
        assert_eq!(
            members.trim(),
            "1",
            "the clone is a member of the owner role"
        );
    }
    Ok(())
}

async fn database_stopped_at_each_step(rig: &mut Rig) -> Result<()> {
    for (i, failing) in [Step::Set, Step::Test].into_iter().enumerate() {
        for alternating in [false, true] {
            let user = format!("down{i}{}", if alternating { "a" } else { "s" });
            let arn = rig.user_secret(&user, alternating, false).await?;
            let r = rig.rotator();
            let t = token(20 + i as u32 * 2 + u32::from(alternating));
            for step in Step::ALL {
                if step == failing {
                    rig.db.stop()?;
                    let err = rig.step(&r, &arn, &t, step).await;
                    rig.db.start_again()?;
                    let err = match err {
                        Err(e) => e,
                        Ok(rep) => bail!("{failing} succeeded with the database stopped: {rep:?}"),
                    };
                    let text = err.to_string();
                    assert!(
                        text.contains("cannot connect")
                            || text.contains("Connection refused")
                            || text.contains("connection refused"),
                        "{user}: {text}"
                    );
                    assert!(
                        rig.current_logs_in(&arn).await?,
                        "{user} after {failing}: {text}"
                    );
                    let pending = rig.holder(&arn, AWSPENDING).await?;
                    let current = rig.holder(&arn, AWSCURRENT).await?;
                    assert!(
                        pending.is_none() || pending == current,
                        "{user}: AWSPENDING left on {pending:?}: {text}"
                    );
                    break;
                }
                rig.step(&r, &arn, &t, step)
                    .await
                    .with_context(|| format!("{user} {step}"))?;
            }
            // The next rotation works.
            rig.rotate(
                &rig.rotator(),
                &arn,
                &token(40 + i as u32 * 2 + u32::from(alternating)),
            )
            .await?;
            assert!(rig.current_logs_in(&arn).await?);
        }
    }
    // createSecret never touches the database: it succeeds while it is down. finishSecret proves that the
    // AWSPENDING password logs in before moving AWSCURRENT: with the database down it moves nothing and keeps
    // AWSPENDING, and Secrets Manager's retry completes the rotation once the database is back.
    for (i, quiet) in [Step::Create, Step::Finish].into_iter().enumerate() {
        let user = format!("quiet{i}");
        let arn = rig.user_secret(&user, false, false).await?;
        let r = rig.rotator();
        let t = token(80 + i as u32);
        for step in Step::ALL {
            if step == quiet {
                rig.db.stop()?;
                let before = rig.holder(&arn, AWSCURRENT).await?;
                let result = rig.step(&r, &arn, &t, step).await;
                rig.db.start_again()?;
                if step == Step::Finish {
                    let err = result
                        .err()
                        .context("finishSecret moved AWSCURRENT unproven")?;
                    assert!(err.to_string().contains("was not made AWSCURRENT"), "{err}");
                    assert_eq!(rig.holder(&arn, AWSCURRENT).await?, before);
                    assert_eq!(rig.holder(&arn, AWSPENDING).await?, Some(t.clone()));
                    rig.step(&r, &arn, &t, step)
                        .await
                        .context("finishSecret retried with the database back")?;
                } else {
                    result.with_context(|| format!("{step} with the database down"))?;
                }
            } else {
                rig.step(&r, &arn, &t, step)
                    .await
                    .with_context(|| format!("{user} {step}"))?;
            }
        }
        assert!(rig.current_logs_in(&arn).await?, "{user}");
        assert!(
            !rig.db.logs_in(&user, P0),
            "{user}: the old password still works"
        );
    }
    Ok(())
}

async fn refused_changes(rig: &Rig) -> Result<()> {
    // Single user: the server refuses the password change.
    let arn = rig.user_secret("refused1", false, false).await?;
    let r = rig.rotator();
    rig.step(&r, &arn, &token(50), Step::Create).await?;
    rig.db.refuse_changes("refused1", true)?;
    let err = rig.step(&r, &arn, &token(50), Step::Set).await;
    rig.db.refuse_changes("refused1", false)?;
    let err = err
        .err()
        .context("setSecret succeeded on a read-only server")?;
    let text = err.to_string();
    let own_words = match rig.db {
        Server::My(_) => "read-only",
        Server::Pg(_) => "read-only transaction",
    };
    assert!(text.contains(own_words), "the database's own error: {text}");
    assert_eq!(err.outcome(), Outcome::RotationRolledBack, "{text}");
    assert!(rig.current_logs_in(&arn).await?);
    assert_eq!(rig.holder(&arn, AWSPENDING).await?, None);
    let pending_pw = rig
        .sm
        .get_secret_value()
        .secret_id(&arn)
        .version_id(token(50))
        .send()
        .await?;
    let pending_pw = RdsSecret::from_json(pending_pw.secret_string().unwrap_or_default())?;
    rig.assert_no_secrets(&[text], &[P0, pending_pw.password.expose()]);

    // Alternating users: the admin lacks the privilege to create the clone.
    let arn = rig.user_secret("refused2", true, true).await?;
    let r = rig.rotator();
    rig.step(&r, &arn, &token(51), Step::Create).await?;
    let err = rig
        .step(&r, &arn, &token(51), Step::Set)
        .await
        .err()
        .context("weak admin succeeded")?;
    let text = err.to_string();
    let own_words = match rig.db {
        Server::My(_) => "CREATE USER",
        Server::Pg(_) => "permission denied",
    };
    assert!(text.contains(own_words), "the database's own error: {text}");
    assert_eq!(err.outcome(), Outcome::RotationRolledBack, "{text}");
    assert!(rig.current_logs_in(&arn).await?);
    assert_eq!(rig.value(&arn, AWSCURRENT).await?.username, "refused2");
    assert_eq!(rig.holder(&arn, AWSPENDING).await?, None);
    Ok(())
}

async fn secrets_manager_unreachable(rig: &Rig) -> Result<()> {
    let dead = sdk_for("http://127.0.0.1:9").await;
    // createSecret: nothing changed.
    let arn = rig.user_secret("smdown1", false, false).await?;
    let r = rig
        .rotator()
        .with_secret_store(AwsSecretStore::from_sdk_config(&dead, None));
    let err = rig
        .step(&r, &arn, &token(60), Step::Create)
        .await
        .err()
        .context("create succeeded")?;
    assert!(err.to_string().contains("Secrets Manager"), "{err}");
    assert!(rig.current_logs_in(&arn).await?);
    // setSecret in a fresh process: fails before touching the database.
    let r = rig.rotator();
    rig.step(&r, &arn, &token(61), Step::Create).await?;
    let cold = rig
        .rotator()
        .with_secret_store(AwsSecretStore::from_sdk_config(&dead, None));
    assert!(rig.step(&cold, &arn, &token(61), Step::Set).await.is_err());
    assert!(rig.current_logs_in(&arn).await?);
    // finishSecret with the endpoint wrong: the database goes back to AWSCURRENT.
    for step in [Step::Set, Step::Test] {
        rig.step(&r, &arn, &token(61), step).await?;
    }
    let r = r.with_secret_store(AwsSecretStore::from_sdk_config(&dead, None));
    let err = rig
        .step(&r, &arn, &token(61), Step::Finish)
        .await
        .err()
        .context("finish succeeded")?;
    assert!(
        err.to_string()
            .contains("database password set back to AWSCURRENT"),
        "{err}"
    );
    assert!(rig.current_logs_in(&arn).await?);
    // The AWSPENDING label could not be removed: the next createSecret clears it.
    assert_eq!(rig.holder(&arn, AWSPENDING).await?, Some(token(61)));
    let r = rig.rotator();
    let report = rig.step(&r, &arn, &token(62), Step::Create).await?;
    assert!(
        report.notes.iter().any(|n| n.contains("stale AWSPENDING")),
        "{report:?}"
    );
    assert_eq!(rig.holder(&arn, AWSPENDING).await?, Some(token(62)));
    for step in [Step::Set, Step::Test, Step::Finish] {
        rig.step(&r, &arn, &token(62), step).await?;
    }
    assert!(rig.current_logs_in(&arn).await?);
    Ok(())
}

async fn rollback_event(rig: &Rig) -> Result<()> {
    for alternating in [false, true] {
        let user = if alternating { "rb_alt" } else { "rb_single" };
        let arn = rig.user_secret(user, alternating, false).await?;
        let r = rig.rotator();
        let before = rig
            .holder(&arn, AWSCURRENT)
            .await?
            .context("no AWSCURRENT")?;
        rig.rotate(&r, &arn, &token(70)).await?;
        assert!(rig.current_logs_in(&arn).await?);
        let report = r
            .handle_payload(
                &json!({"Action": "rollback", "SecretId": arn}),
                Some(Duration::from_secs(30)),
            )
            .await?;
        assert_eq!(report.outcome, "RollbackSucceeded");
        assert_eq!(rig.holder(&arn, AWSCURRENT).await?, Some(before.clone()));
        assert_eq!(rig.holder(&arn, AWSPREVIOUS).await?, Some(token(70)));
        let cur = rig.value(&arn, AWSCURRENT).await?;
        assert_eq!(cur.username, user);
        assert_eq!(cur.password.expose(), P0);
        assert!(
            rig.db.logs_in(user, P0),
            "the previous password works again"
        );
        // A later rotation starts cleanly.
        rig.rotate(&rig.rotator(), &arn, &token(71)).await?;
        assert!(rig.current_logs_in(&arn).await?);
    }
    Ok(())
}

/// Asserts that `result` is a refusal because a secret differs from its binding in `field`, without naming
/// any of `values`.
fn refused_by_binding<T: std::fmt::Debug>(
    result: Result<T, rotation_lambda::RotationError>,
    field: &str,
    values: &[&str],
) -> Result<()> {
    let err = match result {
        Ok(r) => bail!("a hijacked secret was accepted: {r:?}"),
        Err(e) => e,
    };
    let text = err.to_string();
    assert!(
        text.contains("does not match the function's binding") && text.contains(field),
        "expected a binding refusal naming {field}: {text}"
    );
    for v in values {
        assert!(
            !text.contains(v),
            "the refusal names the value {v:?}: {text}"
        );
    }
    Ok(())
}

/// A writer of one rotated secret (PutSecretValue, TagResource) tries to make the function change another
/// account's password: every attempt is refused, changing nothing, and the victims still log in.
async fn hijacks_are_refused(rig: &Rig) -> Result<()> {
    const STOLEN: &str = "Attacker-Chosen-Password-0123456789ab";
    rig.db.create_user("victim", P0)?;
    let (admin, admin_pw) = rig.db.admin();
    let put = |arn: String, value: String, stage: Option<&'static str>| async move {
        let mut req = rig
            .sm
            .put_secret_value()
            .secret_id(arn)
            .secret_string(value);
        if let Some(s) = stage {
            req = req.version_stages(s);
        }
        req.send().await.context("PutSecretValue")
    };
    let victims_intact = |what: &str| {
        assert!(
            rig.db.logs_in("victim", P0),
            "{what}: the victim's password changed"
        );
        assert!(
            rig.db.logs_in(&admin, &admin_pw),
            "{what}: the admin's password changed"
        );
    };

    // 1. Single user: the attacker's secret names another user, then the admin.
    for (n, target) in [("victim", "hj_single1"), (admin.as_str(), "hj_single2")] {
        let arn = rig.user_secret(target, false, false).await?;
        put(arn.clone(), rig.secret_json(n, STOLEN, None), None).await?;
        let r = rig.rotator();
        refused_by_binding(
            rig.step(&r, &arn, &token(90), Step::Create).await,
            "username",
            &[n, STOLEN],
        )?;
        victims_intact(target);
    }

    // 2. Alternating users: the secret names the victim (the admin would copy its grants into a clone
    //    whose password the attacker reads), or swaps masterarn for another admin secret.
    let arn = rig.user_secret("hj_alt", true, false).await?;
    let other_admin = rig
        .create_secret(
            "hj_other_admin",
            &rig.secret_json(&admin, &admin_pw, None),
            false,
        )
        .await?;
    put(
        arn.clone(),
        rig.secret_json("victim", STOLEN, Some(&other_admin)),
        None,
    )
    .await?;
    let r = rig.rotator();
    refused_by_binding(
        rig.step(&r, &arn, &token(91), Step::Create).await,
        "username",
        &["victim"],
    )?;
    let current = rig.value(&arn, AWSCURRENT).await?;
    put(
        arn.clone(),
        rig.secret_json("hj_alt", P0, Some(&other_admin)),
        None,
    )
    .await?;
    refused_by_binding(
        rig.step(&rig.rotator(), &arn, &token(92), Step::Create)
            .await,
        "masterarn",
        &[&other_admin],
    )?;
    assert_eq!(current.username, "victim");
    victims_intact("alternating");
    let clone_exists = match &rig.db {
        Server::My(m) => m.exec("SELECT count(*) FROM mysql.user WHERE User = 'victim_clone';")?,
        Server::Pg(p) => p.exec("SELECT count(*) FROM pg_roles WHERE rolname = 'victim_clone';")?,
    };
    assert_eq!(
        clone_exists.trim(),
        "0",
        "a clone of the victim was created"
    );

    // 3. The strategy tag flipped in the middle of a rotation.
    let arn = rig.user_secret("hj_tag", false, false).await?;
    let r = rig.rotator();
    rig.step(&r, &arn, &token(93), Step::Create).await?;
    rig.sm
        .tag_resource()
        .secret_id(&arn)
        .tags(
            aws_sdk_secretsmanager::types::Tag::builder()
                .key(STRATEGY_TAG)
                .value("alternating_users")
                .build(),
        )
        .send()
        .await
        .context("TagResource")?;
    refused_by_binding(
        rig.step(&rig.rotator(), &arn, &token(93), Step::Set).await,
        STRATEGY_TAG,
        &[],
    )?;
    assert!(
        rig.db.logs_in("hj_tag", P0),
        "the tagged user's password changed"
    );

    // 4. The manual rollback event to a version the attacker wrote.
    let arn = rig.user_secret("hj_rb", false, false).await?;
    put(
        arn.clone(),
        rig.secret_json("victim", STOLEN, None),
        Some("ATTACK"),
    )
    .await?;
    let d = rig.sm.describe_secret().secret_id(&arn).send().await?;
    let planted = d
        .version_ids_to_stages()
        .and_then(|m| {
            m.iter()
                .find(|(_, s)| s.iter().any(|x| x == "ATTACK"))
                .map(|(k, _)| k.clone())
        })
        .context("planted version")?;
    let result = rig
        .rotator()
        .handle_payload(
            &json!({"Action": "rollback", "SecretId": arn, "VersionId": planted}),
            Some(Duration::from_secs(30)),
        )
        .await;
    refused_by_binding(result, "username", &["victim", STOLEN])?;
    assert!(rig.db.logs_in("hj_rb", P0));
    victims_intact("rollback");

    // 5. A secret the function is not bound to is refused outright.
    let stray = rig
        .create_secret("hj_stray", &rig.secret_json("victim", STOLEN, None), false)
        .await?;
    let err = rig
        .step(&rig.rotator(), &stray, &token(94), Step::Create)
        .await
        .err()
        .context("an unbound secret was rotated")?;
    assert!(err.to_string().contains("not bound"), "{err}");
    victims_intact("unbound");
    let refusals = rig
        .notices
        .0
        .lock()
        .map(|v| {
            v.iter()
                .filter(|n| n.outcome == Outcome::RotationFailed)
                .count()
        })
        .unwrap_or(0);
    assert!(
        refusals >= 5,
        "every refusal sends a RotationFailed notice ({refusals})"
    );
    Ok(())
}

/// Secrets Manager failing at each call of a rotation in turn (the call and the SDK's retries answered
/// `500`, through a fault proxy in front of moto), with Secrets Manager's own retry of a failed step: after
/// every sequence AWSCURRENT logs in, and the next rotation completes.
async fn secrets_manager_failing_at_each_call(rig: &Rig) -> Result<()> {
    let upstream = rig.moto.endpoint().trim_start_matches("http://").to_owned();
    let proxy = FaultProxy::start(&upstream)?;
    let sdk = sdk_for(&proxy.endpoint()).await;
    for alternating in [false, true] {
        let kind = if alternating { "a" } else { "s" };
        let arn = rig
            .user_secret(&format!("fault{kind}"), alternating, false)
            .await?;
        proxy.reset();
        let r = rig
            .rotator()
            .with_secret_store(AwsSecretStore::from_sdk_config(&sdk, None));
        rig.rotate(&r, &arn, &token(100)).await?;
        let total = proxy.calls();
        ensure!(total >= 5, "{total} calls for a rotation");
        let mut injected = 0;
        for n in 1..=total {
            let user = format!("fault{kind}{n}");
            let arn = rig.user_secret(&user, alternating, false).await?;
            proxy.reset();
            proxy.fail_call(n);
            let warm = rig
                .rotator()
                .with_secret_store(AwsSecretStore::from_sdk_config(&sdk, None));
            let t = token(200 + n as u32);
            let mut failed = false;
            'steps: for step in Step::ALL {
                for _attempt in 0..2 {
                    match rig.step(&warm, &arn, &t, step).await {
                        Ok(_) => continue 'steps,
                        Err(_) => failed = true,
                    }
                }
                break;
            }
            proxy.fail_call(0);
            ensure!(proxy.injected() >= 1, "{user}: call {n} was never failed");
            injected += u32::from(failed);
            ensure!(
                rig.current_logs_in(&arn).await?,
                "{user}: AWSCURRENT does not log in after call {n}/{total} failed (a step failed: {failed})"
            );
            rig.rotate(&rig.rotator(), &arn, &token(300 + n as u32))
                .await
                .with_context(|| format!("{user}: the next rotation"))?;
            ensure!(
                rig.current_logs_in(&arn).await?,
                "{user}: after the next rotation"
            );
        }
        // Some faults fail no step (a password request is retried by createSecret itself); most do.
        ensure!(injected >= 1, "no injected fault failed a step");
        eprintln!(
            "alternating={alternating}: {injected} of {total} faults failed a step; AWSCURRENT always logged in"
        );
    }
    Ok(())
}

async fn notices_reach_sns(rig: &Rig) -> Result<()> {
    let sns = aws_sdk_sns::Client::new(&rig.sdk);
    let topic = sns.create_topic().name("rotation").send().await?;
    let topic = topic.topic_arn().context("no topic ARN")?.to_owned();
    let n = SnsNotifier::new(rig.sdk.clone(), Some(topic));
    let notices = rig.notices.0.lock().map(|v| v.clone()).unwrap_or_default();
    let first = notices.first().context("no notice captured")?;
    n.publish(first).await?;
    let outcomes: Vec<Outcome> = notices.iter().map(|n| n.outcome).collect();
    assert!(
        outcomes.contains(&Outcome::RotationSucceeded),
        "{outcomes:?}"
    );
    assert!(
        outcomes.contains(&Outcome::RotationRolledBack),
        "{outcomes:?}"
    );
    assert!(
        outcomes.contains(&Outcome::RollbackSucceeded),
        "{outcomes:?}"
    );
    let _ = &rig.moto;
    Ok(())
}

async fn all_scenarios(mut rig: Rig) -> Result<()> {
    full_rotations(&rig).await.context("full rotations")?;
    clone_has_the_privileges(&rig)
        .await
        .context("clone privileges")?;
    refused_changes(&rig).await.context("refused changes")?;
    secrets_manager_unreachable(&rig)
        .await
        .context("Secrets Manager unreachable")?;
    rollback_event(&rig).await.context("rollback event")?;
    hijacks_are_refused(&rig).await.context("hijacks")?;
    secrets_manager_failing_at_each_call(&rig)
        .await
        .context("Secrets Manager failing at each call")?;
    database_stopped_at_each_step(&mut rig)
        .await
        .context("database stopped")?;
    notices_reach_sns(&rig).await.context("SNS")?;
    if let Server::My(m) = &rig.db
        && m.engine() == "mysql"
    {
        // Single-user rotation never uses MySQL's dual passwords (docs/guides/security-model.md): after
        // every scenario above (repeats, faults, rollback) no account holds a secondary password.
        let dual = m.exec(
            "SELECT COUNT(*) FROM mysql.user \
             WHERE JSON_CONTAINS_PATH(User_attributes, 'one', '$.additional_password');",
        )?;
        ensure!(
            dual.trim() == "0",
            "{} accounts with a secondary password",
            dual.trim()
        );
    }
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mariadb_rotation() -> Result<()> {
    let rig = Rig::start(Server::My(MysqlFamily::start("mariadb")?)).await?;
    all_scenarios(rig).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mysql_rotation() -> Result<()> {
    let rig = Rig::start(Server::My(MysqlFamily::start("mysql")?)).await?;
    all_scenarios(rig).await
}

/// The behaviour of MySQL's dual passwords that docs/guides/security-model.md gives as the reasons single-user
/// rotation does not use them, checked on MySQL 9.7 (the same since 8.0.14, so on RDS for MySQL 8.0/8.4):
/// an account needs `APPLICATION_PASSWORD_ADMIN` to retain its own old password; repeating `RETAIN CURRENT
/// PASSWORD` (a retried `setSecret`) loses the old password; a change without the clause keeps the secondary
/// password; the account cannot read its own secondary-password state.
#[test]
fn mysql_dual_passwords_behave_as_the_security_model_says() -> Result<()> {
    const A: &str = "Dual-Password-A-0123456789abcdef";
    const B: &str = "Dual-Password-B-0123456789abcdef";
    const C: &str = "Dual-Password-C-0123456789abcdef";
    let db = MysqlFamily::start("mysql")?;
    db.exec(&format!(
        "CREATE DATABASE metastore; CREATE USER 'dual'@'%' IDENTIFIED BY '{A}'; \
         GRANT SELECT ON metastore.* TO 'dual'@'%';"
    ))?;
    let logs_in = |pw: &str| db.exec_as("dual", pw, None, "SELECT 1;").is_ok();
    let retain = |current: &str, new: &str| {
        db.exec_as(
            "dual",
            current,
            None,
            &format!("ALTER USER CURRENT_USER() IDENTIFIED BY '{new}' RETAIN CURRENT PASSWORD;"),
        )
    };

    // Without APPLICATION_PASSWORD_ADMIN the user cannot keep its own old password.
    let refused = retain(A, B)
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
    ensure!(refused.contains("APPLICATION_PASSWORD_ADMIN"), "{refused}");
    ensure!(
        logs_in(A) && !logs_in(B),
        "the refused change changed something"
    );

    // With it, both passwords work...
    db.exec("GRANT APPLICATION_PASSWORD_ADMIN ON *.* TO 'dual'@'%';")?;
    retain(A, B)?;
    ensure!(
        logs_in(A) && logs_in(B),
        "RETAIN CURRENT PASSWORD: both should log in"
    );
    // ...until the same step runs again (logging in with the old password, as a retried setSecret does):
    // the new password becomes the secondary one, the old one is gone.
    retain(A, B)?;
    ensure!(
        logs_in(B) && !logs_in(A),
        "a repeated RETAIN kept the old password"
    );

    // A change without the clause leaves the secondary password in place; DISCARD OLD PASSWORD drops it.
    db.exec(&format!("ALTER USER 'dual'@'%' IDENTIFIED BY '{C}';"))?;
    ensure!(
        logs_in(C) && logs_in(B),
        "the secondary password was dropped by a plain change"
    );
    let own = db.exec_as(
        "dual",
        C,
        None,
        "SELECT User_attributes FROM mysql.user WHERE User = 'dual';",
    );
    ensure!(own.is_err(), "the user reads mysql.user: {own:?}");
    db.exec("ALTER USER 'dual'@'%' DISCARD OLD PASSWORD;")?;
    ensure!(
        logs_in(C) && !logs_in(B),
        "DISCARD OLD PASSWORD kept the secondary password"
    );
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_rotation() -> Result<()> {
    let rig = Rig::start(Server::Pg(Postgres::start()?)).await?;
    all_scenarios(rig).await
}
