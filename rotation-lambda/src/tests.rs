//! The step machine against in-memory fakes of Secrets Manager, a MariaDB-like database and SNS: every
//! step, repeats, cold and warm processes, both strategies, faults at each step and the rollback event.

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

use async_trait::async_trait;
use metastore_sql::introspect::{MYSQL_USER_SQL, Row};
use metastore_sql::password::Secret;
use metastore_sql::secret_shape::RdsSecret;
use metastore_sql::statements::Statement;

use crate::binding::{Bindings, binding};
use crate::config::Config;
use crate::db::{Database, DbError, DbErrorKind, Limits, Login, Session};
use crate::error::RotationError;
use crate::event::{Event, RollbackEvent, RotationEvent, Step};
use crate::notify::{Notice, Notifier, NotifyError, Outcome};
use crate::secrets::{
    AWSCURRENT, AWSPENDING, AWSPREVIOUS, Delivery, Description, SecretStore, SecretValue, SmError,
};
use crate::steps::Rotator;
use crate::strategy::{LOGIN_CHECK_SQL, MYSQL_HOSTS_SQL, STRATEGY_TAG, Strategy};
use metastore_sql::engine::Engine;

// -------------------------------------------------------------------------------------------------------
// Fake Secrets Manager

#[derive(Clone, Debug, Default)]
struct FakeVersion {
    value: Option<String>,
    stages: Vec<String>,
}

#[derive(Clone, Debug, Default)]
struct FakeSecret {
    name: String,
    versions: BTreeMap<String, FakeVersion>,
    tags: BTreeMap<String, String>,
}

#[derive(Default)]
struct FakeSm {
    secrets: Mutex<BTreeMap<String, FakeSecret>>,
    calls: AtomicU64,
    down: AtomicBool,
    /// When non-zero, the call with this number (counting from 1) fails as if the service were down.
    fail_call: AtomicU64,
    passwords: AtomicU64,
}

fn sm_err(op: &'static str, code: &str, message: &str) -> SmError {
    SmError {
        operation: op,
        code: Some(code.to_owned()),
        message: message.to_owned(),
        delivery: Delivery::Rejected,
    }
}

impl FakeSm {
    fn arn(name: &str) -> String {
        format!("arn:aws:secretsmanager:us-east-1:123456789012:secret:{name}-AbCdEf")
    }

    fn add(&self, name: &str, value: &str, tags: &[(&str, &str)]) -> String {
        let arn = FakeSm::arn(name);
        let mut s = FakeSecret {
            name: name.to_owned(),
            tags: tags
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
            ..FakeSecret::default()
        };
        s.versions.insert(
            "v0".to_owned(),
            FakeVersion {
                value: Some(value.to_owned()),
                stages: vec![AWSCURRENT.to_owned()],
            },
        );
        if let Ok(mut m) = self.secrets.lock() {
            m.insert(arn.clone(), s);
        }
        arn
    }

    fn with<T>(
        &self,
        op: &'static str,
        id: &str,
        f: impl FnOnce(&mut FakeSecret) -> Result<T, SmError>,
    ) -> Result<T, SmError> {
        let n = self.calls.fetch_add(1, Ordering::Relaxed) + 1;
        if self.down.load(Ordering::Relaxed) || n == self.fail_call.load(Ordering::Relaxed) {
            return Err(SmError {
                operation: op,
                code: None,
                message: "dispatch failure: connection refused".into(),
                delivery: Delivery::NotSent,
            });
        }
        let mut m = self.secrets.lock().expect("lock");
        let key = m
            .iter()
            .find(|(arn, s)| *arn == id || s.name == id)
            .map(|(arn, _)| arn.clone())
            .ok_or_else(|| {
                sm_err(
                    op,
                    "ResourceNotFoundException",
                    "Secrets Manager can't find the specified secret.",
                )
            })?;
        let s = m.get_mut(&key).expect("secret");
        f(s)
    }

    fn stage_holder(s: &FakeSecret, stage: &str) -> Option<String> {
        s.versions
            .iter()
            .find(|(_, v)| v.stages.iter().any(|x| x == stage))
            .map(|(k, _)| k.clone())
    }

    /// The value labelled `stage` (test inspection, not counted).
    fn value_at(&self, id: &str, stage: &str) -> Option<RdsSecret> {
        let m = self.secrets.lock().ok()?;
        let s = m.get(id)?;
        let holder = FakeSm::stage_holder(s, stage)?;
        RdsSecret::from_json(s.versions.get(&holder)?.value.as_deref()?).ok()
    }

    fn holder(&self, id: &str, stage: &str) -> Option<String> {
        let m = self.secrets.lock().ok()?;
        FakeSm::stage_holder(m.get(id)?, stage)
    }

    /// Adds a version the way RotateSecret does: labelled AWSPENDING, without a value.
    fn start_rotation(&self, id: &str, token: &str) {
        let mut m = self.secrets.lock().expect("lock");
        let s = m.get_mut(id).expect("secret");
        for v in s.versions.values_mut() {
            v.stages.retain(|x| x != AWSPENDING);
        }
        s.versions.insert(
            token.to_owned(),
            FakeVersion {
                value: None,
                stages: vec![AWSPENDING.to_owned()],
            },
        );
    }

    /// Puts a value labelled AWSPENDING on a version (a stale one from an earlier failed rotation).
    fn put_stale(&self, id: &str, token: &str, value: &str) {
        let mut m = self.secrets.lock().expect("lock");
        let s = m.get_mut(id).expect("secret");
        s.versions.insert(
            token.to_owned(),
            FakeVersion {
                value: Some(value.to_owned()),
                stages: vec![AWSPENDING.to_owned()],
            },
        );
    }
}

impl FakeSm {
    /// A tag of a secret (by ARN or name).
    fn tag_of(&self, id: &str, key: &str) -> Option<String> {
        let m = self.secrets.lock().ok()?;
        m.iter()
            .find(|(a, s)| *a == id || s.name == id)
            .and_then(|(_, s)| s.tags.get(key).cloned())
    }
}

#[async_trait]
impl SecretStore for FakeSm {
    async fn tag(&self, secret_id: &str, key: &str, value: &str) -> Result<(), SmError> {
        self.with("TagResource", secret_id, |s| {
            s.tags.insert(key.to_owned(), value.to_owned());
            Ok(())
        })
    }

    async fn describe(&self, secret_id: &str) -> Result<Description, SmError> {
        let mut arn = String::new();
        let d = self.with("DescribeSecret", secret_id, |s| {
            Ok(Description {
                arn: String::new(),
                name: s.name.clone(),
                versions: s
                    .versions
                    .iter()
                    .filter(|(_, v)| !v.stages.is_empty())
                    .map(|(k, v)| (k.clone(), v.stages.clone()))
                    .collect(),
                tags: s.tags.clone(),
                rotation_enabled: true,
            })
        })?;
        if let Ok(m) = self.secrets.lock() {
            arn = m
                .iter()
                .find(|(a, s)| *a == secret_id || s.name == secret_id)
                .map(|(a, _)| a.clone())
                .unwrap_or_default();
        }
        Ok(Description { arn, ..d })
    }

    async fn get_value(
        &self,
        secret_id: &str,
        version_id: Option<&str>,
        stage: Option<&str>,
    ) -> Result<SecretValue, SmError> {
        let op = "GetSecretValue";
        self.with(op, secret_id, |s| {
            let vid = match (version_id, stage) {
                (Some(v), _) => v.to_owned(),
                (None, st) => {
                    FakeSm::stage_holder(s, st.unwrap_or(AWSCURRENT)).ok_or_else(|| {
                        sm_err(
                            op,
                            "ResourceNotFoundException",
                            "no version with that label",
                        )
                    })?
                }
            };
            let v = s
                .versions
                .get(&vid)
                .ok_or_else(|| sm_err(op, "ResourceNotFoundException", "no such version"))?;
            if let Some(st) = stage {
                if !v.stages.iter().any(|x| x == st) {
                    return Err(sm_err(
                        op,
                        "ResourceNotFoundException",
                        "version lacks that label",
                    ));
                }
            }
            let value = v.value.clone().ok_or_else(|| {
                sm_err(op, "ResourceNotFoundException", "the version has no value")
            })?;
            Ok(SecretValue {
                arn: String::new(),
                version_id: vid,
                stages: v.stages.clone(),
                string: Secret::new(value),
            })
        })
    }

    async fn put_pending(
        &self,
        secret_id: &str,
        token: &str,
        value: &Secret,
    ) -> Result<(), SmError> {
        let op = "PutSecretValue";
        self.with(op, secret_id, |s| {
            if let Some(v) = s.versions.get(token) {
                match &v.value {
                    Some(existing) if existing == value.expose() => return Ok(()),
                    Some(_) => {
                        return Err(sm_err(
                            op,
                            "ResourceExistsException",
                            "You can't modify an existing version, you can only create a new version.",
                        ));
                    }
                    None => {}
                }
            }
            for v in s.versions.values_mut() {
                v.stages.retain(|x| x != AWSPENDING);
            }
            let v = s.versions.entry(token.to_owned()).or_default();
            v.value = Some(value.expose().to_owned());
            v.stages.push(AWSPENDING.to_owned());
            Ok(())
        })
    }

    async fn update_stage(
        &self,
        secret_id: &str,
        stage: &str,
        to: Option<&str>,
        from: Option<&str>,
    ) -> Result<(), SmError> {
        let op = "UpdateSecretVersionStage";
        self.with(op, secret_id, |s| {
            let holder = FakeSm::stage_holder(s, stage);
            if let Some(f) = from {
                if holder.as_deref() != Some(f) {
                    return Err(sm_err(op, "InvalidParameterException", "The parameter RemoveFromVersionId doesn't match."));
                }
            } else if to.is_some() && holder.is_some() && holder.as_deref() != to {
                return Err(sm_err(op, "InvalidParameterException", "The staging label is attached to another version; specify RemoveFromVersionId."));
            }
            if let Some(t) = to {
                if !s.versions.contains_key(t) {
                    return Err(sm_err(op, "ResourceNotFoundException", "no such version"));
                }
            }
            if let Some(h) = &holder {
                if let Some(v) = s.versions.get_mut(h) {
                    v.stages.retain(|x| x != stage);
                }
            }
            if let Some(t) = to {
                if stage == AWSCURRENT {
                    if let Some(h) = &holder {
                        for v in s.versions.values_mut() {
                            v.stages.retain(|x| x != AWSPREVIOUS);
                        }
                        if let Some(v) = s.versions.get_mut(h) {
                            v.stages.push(AWSPREVIOUS.to_owned());
                        }
                    }
                }
                if let Some(v) = s.versions.get_mut(t) {
                    v.stages.retain(|x| x != stage && !(stage == AWSCURRENT && x == AWSPREVIOUS));
                    v.stages.push(stage.to_owned());
                }
            }
            Ok(())
        })
    }

    async fn random_password(&self, length: u32, exclude: &str) -> Result<Secret, SmError> {
        self.calls.fetch_add(1, Ordering::Relaxed);
        if self.down.load(Ordering::Relaxed) {
            return Err(SmError {
                operation: "GetRandomPassword",
                code: None,
                message: "dispatch failure".into(),
                delivery: Delivery::NotSent,
            });
        }
        let n = self.passwords.fetch_add(1, Ordering::Relaxed);
        let mut p = format!("Pw{n}-xyzXYZ");
        while p.len() < length as usize {
            p.push('a');
        }
        assert!(!p.chars().any(|c| exclude.contains(c)));
        Ok(Secret::new(p))
    }

    fn calls(&self) -> u64 {
        self.calls.load(Ordering::Relaxed)
    }
}

#[async_trait]
impl<T: SecretStore> SecretStore for std::sync::Arc<T> {
    async fn describe(&self, secret_id: &str) -> Result<Description, SmError> {
        (**self).describe(secret_id).await
    }
    async fn get_value(
        &self,
        secret_id: &str,
        version_id: Option<&str>,
        stage: Option<&str>,
    ) -> Result<SecretValue, SmError> {
        (**self).get_value(secret_id, version_id, stage).await
    }
    async fn put_pending(
        &self,
        secret_id: &str,
        token: &str,
        value: &Secret,
    ) -> Result<(), SmError> {
        (**self).put_pending(secret_id, token, value).await
    }
    async fn update_stage(
        &self,
        secret_id: &str,
        stage: &str,
        to: Option<&str>,
        from: Option<&str>,
    ) -> Result<(), SmError> {
        (**self).update_stage(secret_id, stage, to, from).await
    }
    async fn random_password(&self, length: u32, exclude: &str) -> Result<Secret, SmError> {
        (**self).random_password(length, exclude).await
    }
    async fn tag(&self, secret_id: &str, key: &str, value: &str) -> Result<(), SmError> {
        (**self).tag(secret_id, key, value).await
    }
    fn calls(&self) -> u64 {
        (**self).calls()
    }
}

// -------------------------------------------------------------------------------------------------------
// Fake MariaDB

#[derive(Default)]
struct FakeDb {
    users: Mutex<BTreeMap<String, String>>,
    grants: Mutex<BTreeMap<String, Vec<String>>>,
    /// Accounts locked with `ACCOUNT LOCK` (they cannot log in).
    locked: Mutex<std::collections::BTreeSet<String>>,
    up: AtomicBool,
    read_only: AtomicBool,
    admin_denied: AtomicBool,
}

impl FakeDb {
    fn new(users: &[(&str, &str)]) -> std::sync::Arc<FakeDb> {
        let db = FakeDb::default();
        db.up.store(true, Ordering::Relaxed);
        if let Ok(mut u) = db.users.lock() {
            for (name, pw) in users {
                u.insert((*name).to_owned(), (*pw).to_owned());
            }
        }
        std::sync::Arc::new(db)
    }

    fn password_of(&self, user: &str) -> Option<String> {
        self.users.lock().ok()?.get(user).cloned()
    }

    fn set(&self, user: &str, pw: &str) {
        if let Ok(mut u) = self.users.lock() {
            u.insert(user.to_owned(), pw.to_owned());
        }
    }
}

fn literal_after(sql: &str, marker: &str) -> Option<String> {
    let start = sql.find(marker)? + marker.len();
    let rest = &sql[start..];
    let q = rest.find('\'')? + 1;
    let end = rest[q..].find('\'')?;
    Some(rest[q..q + end].to_owned())
}

fn backticked(sql: &str) -> Option<String> {
    let start = sql.find('`')? + 1;
    let end = sql[start..].find('`')?;
    Some(sql[start..start + end].to_owned())
}

struct FakeSession {
    db: std::sync::Arc<FakeDb>,
    login: Login,
}

#[async_trait]
impl Database for std::sync::Arc<FakeDb> {
    async fn open(&self, login: &Login, _l: Limits) -> Result<Box<dyn Session>, DbError> {
        if !self.up.load(Ordering::Relaxed) {
            return Err(DbError::new(
                DbErrorKind::Unreachable,
                login,
                "Connection refused (os error 111)",
            ));
        }
        let locked = self
            .locked
            .lock()
            .is_ok_and(|l| l.contains(&login.username));
        match self.password_of(&login.username) {
            Some(p) if p == login.password.expose() && !locked => Ok(Box::new(FakeSession {
                db: self.clone(),
                login: login.clone(),
            })),
            _ => {
                let mut e = DbError::new(
                    DbErrorKind::Login,
                    login,
                    format!(
                        "Access denied for user '{}'@'localhost' (using password: YES)",
                        login.username
                    ),
                );
                e.code = Some("1045".into());
                Err(e)
            }
        }
    }
}

#[async_trait]
impl Session for FakeSession {
    async fn execute(&mut self, statements: &[Statement]) -> Result<(), DbError> {
        for st in statements {
            if !self.db.up.load(Ordering::Relaxed) {
                return Err(DbError::new(
                    DbErrorKind::Interrupted,
                    &self.login,
                    "broken pipe",
                ));
            }
            if self.db.read_only.load(Ordering::Relaxed) {
                let mut e = DbError::new(
                    DbErrorKind::Refused,
                    &self.login,
                    "The MariaDB server is running with the --read-only option so it cannot execute this statement",
                );
                e.code = Some("1290".into());
                return Err(e);
            }
            let sql = &st.sql;
            if sql.starts_with("SET PASSWORD") {
                let pw = literal_after(sql, "PASSWORD(").expect("literal");
                self.db.set(&self.login.username, &pw);
                continue;
            }
            let admin_stmt = sql.starts_with("ALTER USER")
                || sql.starts_with("CREATE USER")
                || sql.starts_with("GRANT");
            if admin_stmt && self.db.admin_denied.load(Ordering::Relaxed) {
                let mut e = DbError::new(
                    DbErrorKind::Refused,
                    &self.login,
                    "Access denied; you need (at least one of) the CREATE USER privilege(s) for this operation",
                );
                e.code = Some("1227".into());
                return Err(e);
            }
            let user = backticked(sql).unwrap_or_default();
            if sql.starts_with("ALTER USER") || sql.starts_with("CREATE USER") {
                if let Some(pw) = literal_after(sql, "IDENTIFIED BY") {
                    self.db.set(&user, &pw);
                }
                if let Ok(mut l) = self.db.locked.lock() {
                    if sql.ends_with("ACCOUNT LOCK") {
                        l.insert(user.clone());
                    } else if sql.ends_with("ACCOUNT UNLOCK") {
                        l.remove(&user);
                    }
                }
            } else if sql.starts_with("REVOKE") || sql.starts_with("SET DEFAULT ROLE") {
                let target = sql
                    .rsplit([' '])
                    .next()
                    .and_then(backticked)
                    .unwrap_or_default();
                if let Ok(mut g) = self.db.grants.lock() {
                    g.entry(target).or_default().clear();
                }
            } else if sql.starts_with("GRANT") {
                let target = sql
                    .rsplit(" TO ")
                    .next()
                    .and_then(backticked)
                    .unwrap_or_default();
                if let Ok(mut g) = self.db.grants.lock() {
                    g.entry(target).or_default().push(st.redacted.clone());
                }
            }
        }
        Ok(())
    }

    async fn query(&mut self, sql: &str, binds: &[&str]) -> Result<Vec<Row>, DbError> {
        if !self.db.up.load(Ordering::Relaxed) {
            return Err(DbError::new(
                DbErrorKind::Unreachable,
                &self.login,
                "broken pipe",
            ));
        }
        let exists = |u: &str| self.db.password_of(u).is_some();
        if sql == LOGIN_CHECK_SQL {
            return Ok(vec![vec![Some("1".into())]]);
        }
        if sql == MYSQL_HOSTS_SQL {
            return Ok(if exists(binds[0]) {
                vec![vec![Some("%".into())]]
            } else {
                vec![]
            });
        }
        if sql == MYSQL_USER_SQL {
            return Ok(if exists(binds[0]) {
                vec![
                    ["", "%", "mysql_native_password", "", "0", "N"]
                        .iter()
                        .enumerate()
                        .map(|(i, v)| {
                            Some(if i == 0 {
                                binds[0].to_owned()
                            } else {
                                (*v).to_owned()
                            })
                        })
                        .collect(),
                ]
            } else {
                vec![]
            });
        }
        if let Some(rest) = sql.strip_prefix("SHOW GRANTS FOR ") {
            let user = backticked(rest).unwrap_or_default();
            return Ok(vec![
                vec![Some(format!(
                    "GRANT USAGE ON *.* TO `{user}`@`%` IDENTIFIED BY PASSWORD '*0123'"
                ))],
                vec![Some(format!(
                    "GRANT SELECT, INSERT, UPDATE, DELETE ON `metastore`.* TO `{user}`@`%`"
                ))],
            ]);
        }
        Ok(vec![])
    }

    async fn close(self: Box<Self>) {}
}

// -------------------------------------------------------------------------------------------------------
// Fake SNS

#[derive(Default)]
struct Notices(Mutex<Vec<Notice>>);

#[async_trait]
impl Notifier for std::sync::Arc<Notices> {
    async fn publish(&self, notice: &Notice) -> Result<(), NotifyError> {
        self.0.lock().expect("lock").push(notice.clone());
        Ok(())
    }
}

impl Notices {
    fn outcomes(&self) -> Vec<Outcome> {
        self.0
            .lock()
            .expect("lock")
            .iter()
            .map(|n| n.outcome)
            .collect()
    }
}

// -------------------------------------------------------------------------------------------------------
// Scenario helpers

const P0: &str = "Initial-Password-0123456789abcdefgh";
const ADMIN_PW: &str = "Admin-Password-0123456789abcdefghij";

struct World {
    sm: std::sync::Arc<FakeSm>,
    db: std::sync::Arc<FakeDb>,
    notices: std::sync::Arc<Notices>,
    arn: String,
    bindings: Bindings,
}

fn bindings_of(arn: &str, admin: Option<&str>, strategy: Strategy) -> Bindings {
    let mut b = Bindings::default();
    b.insert(
        binding(
            arn,
            Engine::Mariadb,
            "db",
            3306,
            Some("metastore"),
            "hive",
            admin,
            strategy,
        )
        .expect("binding"),
    );
    b
}

type TestRotator = Rotator<std::sync::Arc<FakeSm>, std::sync::Arc<FakeDb>, std::sync::Arc<Notices>>;

impl World {
    fn single() -> World {
        let sm = std::sync::Arc::new(FakeSm::default());
        let arn = sm.add(
            "metastore/hive",
            &format!(r#"{{"engine":"mariadb","host":"db","port":3306,"username":"hive","password":"{P0}","dbname":"metastore"}}"#),
            &[],
        );
        World {
            sm,
            db: FakeDb::new(&[("hive", P0), ("root", ADMIN_PW)]),
            notices: std::sync::Arc::new(Notices::default()),
            bindings: bindings_of(&arn, None, Strategy::SingleUser),
            arn,
        }
    }

    fn alternating() -> World {
        let sm = std::sync::Arc::new(FakeSm::default());
        let admin = sm.add(
            "metastore/admin",
            &format!(r#"{{"engine":"mariadb","host":"db","port":3306,"username":"root","password":"{ADMIN_PW}"}}"#),
            &[],
        );
        let arn = sm.add(
            "metastore/hive",
            &format!(r#"{{"engine":"mariadb","host":"db","port":3306,"username":"hive","password":"{P0}","dbname":"metastore","masterarn":"{admin}"}}"#),
            &[(STRATEGY_TAG, "alternating_users")],
        );
        World {
            sm,
            db: FakeDb::new(&[("hive", P0), ("root", ADMIN_PW)]),
            notices: std::sync::Arc::new(Notices::default()),
            bindings: bindings_of(&arn, Some(&admin), Strategy::AlternatingUsers),
            arn,
        }
    }

    fn rotator(&self) -> TestRotator {
        Rotator::new(
            self.sm.clone(),
            self.db.clone(),
            self.notices.clone(),
            Config {
                bindings: self.bindings.clone(),
                ..Config::default()
            },
        )
        .with_metrics(false)
    }

    fn event(&self, token: &str, step: Step) -> Event {
        Event::Rotation(RotationEvent {
            secret_id: self.arn.clone(),
            token: token.to_owned(),
            step,
        })
    }

    fn current(&self) -> RdsSecret {
        self.sm.value_at(&self.arn, AWSCURRENT).expect("AWSCURRENT")
    }

    /// True when the AWSCURRENT credentials log in to the fake database.
    fn current_logs_in(&self) -> bool {
        let c = self.current();
        self.db.password_of(&c.username).as_deref() == Some(c.password.expose())
    }

    /// Every notice and error text so far, to check that no password leaks.
    fn assert_no_secret_in(&self, texts: &[String]) {
        let mut all: Vec<String> = texts.to_vec();
        all.extend(
            self.notices
                .0
                .lock()
                .expect("lock")
                .iter()
                .map(Notice::to_json),
        );
        let users = self.db.users.lock().expect("lock").clone();
        for text in &all {
            for pw in users.values().map(String::as_str).chain([P0, ADMIN_PW]) {
                assert!(!text.contains(pw), "secret leaked in {text}");
            }
            assert!(
                !text.contains("Pw1-") && !text.contains("Pw0-"),
                "generated password leaked in {text}"
            );
        }
    }
}

async fn run(
    r: &TestRotator,
    w: &World,
    token: &str,
    step: Step,
) -> Result<crate::steps::Report, RotationError> {
    r.handle(&w.event(token, step), Some(Duration::from_secs(30)))
        .await
}

async fn rotate_all(r: &TestRotator, w: &World, token: &str) {
    for step in Step::ALL {
        run(r, w, token, step)
            .await
            .unwrap_or_else(|e| panic!("{step}: {e}"));
    }
}

// -------------------------------------------------------------------------------------------------------
// Tests

#[tokio::test]
async fn single_user_warm_rotation_uses_five_calls() {
    let w = World::single();
    let r = w.rotator();
    rotate_all(&r, &w, "t1").await;
    let cur = w.current();
    assert_eq!(cur.username, "hive");
    assert_ne!(cur.password.expose(), P0);
    assert_eq!(
        w.db.password_of("hive").as_deref(),
        Some(cur.password.expose())
    );
    assert_eq!(w.sm.holder(&w.arn, AWSCURRENT).as_deref(), Some("t1"));
    assert_eq!(w.sm.holder(&w.arn, AWSPREVIOUS).as_deref(), Some("v0"));
    assert_eq!(w.sm.calls(), 5, "warm single-user rotation");
    assert_eq!(w.notices.outcomes(), [Outcome::RotationSucceeded]);
    // Fields other than the password are kept.
    assert_eq!(cur.dbname.as_deref(), Some("metastore"));
    assert_eq!(cur.password.len(), 32);
}

#[tokio::test]
async fn every_step_twice_is_idempotent_warm_and_cold() {
    for cold in [false, true] {
        let w = World::single();
        let warm = w.rotator();
        for step in Step::ALL {
            for _ in 0..2 {
                let fresh = w.rotator();
                let r = if cold { &fresh } else { &warm };
                let report = run(r, &w, "t1", step)
                    .await
                    .unwrap_or_else(|e| panic!("{step}: {e}"));
                assert!(
                    ["ok", "already current", "RotationSucceeded"]
                        .contains(&report.outcome.as_str()),
                    "{report:?}"
                );
            }
        }
        let cur = w.current();
        assert_eq!(
            w.db.password_of("hive").as_deref(),
            Some(cur.password.expose()),
            "cold={cold}"
        );
        assert_eq!(
            w.notices.outcomes(),
            [Outcome::RotationSucceeded],
            "cold={cold}"
        );
    }
}

#[tokio::test]
async fn cold_process_per_step_makes_twelve_calls() {
    let w = World::single();
    for step in Step::ALL {
        let r = w.rotator();
        run(&r, &w, "t1", step)
            .await
            .unwrap_or_else(|e| panic!("{step}: {e}"));
    }
    assert!(w.current_logs_in());
    // finishSecret reads the AWSPENDING value to prove that it logs in before moving AWSCURRENT.
    assert_eq!(w.sm.calls(), 12);
}

#[tokio::test]
async fn create_fills_a_version_started_by_rotate_secret_and_clears_a_stale_pending() {
    let w = World::single();
    w.sm.start_rotation(&w.arn, "t1");
    let r = w.rotator();
    rotate_all(&r, &w, "t1").await;
    assert!(w.current_logs_in());

    // A stale AWSPENDING from a failed rotation on another version.
    let stale = w
        .current()
        .with_credentials("hive", Secret::new("Stale-Password-0123456789abcdefghijk"));
    w.sm.put_stale(&w.arn, "stale", &stale.to_json());
    let report = run(&r, &w, "t2", Step::Create).await.expect("create");
    assert!(
        report.notes.iter().any(|n| n.contains("stale AWSPENDING")),
        "{report:?}"
    );
    assert_eq!(w.sm.holder(&w.arn, AWSPENDING).as_deref(), Some("t2"));
    for step in [Step::Set, Step::Test, Step::Finish] {
        run(&r, &w, "t2", step).await.expect("step");
    }
    assert_eq!(w.sm.holder(&w.arn, AWSCURRENT).as_deref(), Some("t2"));
    assert!(w.current_logs_in());
}

#[tokio::test]
async fn alternating_users_switch_between_user_and_clone() {
    let w = World::alternating();
    let r = w.rotator();
    rotate_all(&r, &w, "t1").await;
    let cur = w.current();
    assert_eq!(cur.username, "hive_clone");
    assert_eq!(cur.base_username.as_deref(), Some("hive"));
    assert!(w.current_logs_in());
    // The previous user was not touched.
    assert_eq!(w.db.password_of("hive").as_deref(), Some(P0));
    let grants =
        w.db.grants
            .lock()
            .expect("lock")
            .get("hive_clone")
            .cloned()
            .unwrap_or_default();
    assert_eq!(
        grants,
        ["GRANT SELECT, INSERT, UPDATE, DELETE ON `metastore`.* TO `hive_clone`@`%`"]
    );
    assert!(w.sm.calls() <= 8, "{} calls", w.sm.calls());
    // The next rotation returns to the base user with a new password; the clone keeps working meanwhile.
    rotate_all(&r, &w, "t2").await;
    let cur = w.current();
    assert_eq!(cur.username, "hive");
    assert_ne!(cur.password.expose(), P0);
    assert!(w.current_logs_in());
}

#[tokio::test]
async fn set_secret_refused_rolls_back_and_names_the_database_error() {
    let w = World::single();
    let r = w.rotator();
    run(&r, &w, "t1", Step::Create).await.expect("create");
    w.db.read_only.store(true, Ordering::Relaxed);
    let err = run(&r, &w, "t1", Step::Set).await.expect_err("read-only");
    let text = err.to_string();
    assert!(
        text.contains("--read-only option") && text.contains("[1290]"),
        "{text}"
    );
    assert!(text.contains("AWSPENDING removed"), "{text}");
    assert_eq!(err.outcome(), Outcome::RotationRolledBack);
    assert_eq!(w.db.password_of("hive").as_deref(), Some(P0));
    assert!(w.current_logs_in());
    assert_eq!(w.sm.holder(&w.arn, AWSPENDING), None);
    assert_eq!(w.notices.outcomes(), [Outcome::RotationRolledBack]);
    // Why, for the provider's rotate action: in the secret's tag, about this version, no secret in it.
    let tag = w.sm.tag_of(&w.arn, metastore_sql::outcome_tag::OUTCOME_TAG);
    let reason = metastore_sql::outcome_tag::recorded_reason(tag.as_deref(), "t1")
        .unwrap_or_else(|| panic!("no outcome tag for t1: {tag:?}"));
    assert!(
        reason.starts_with("setSecret: ") && reason.contains("read-only"),
        "{reason}"
    );
    w.assert_no_secret_in(&[reason]);
    // A retry of the step is refused clearly instead of re-applying.
    w.db.read_only.store(false, Ordering::Relaxed);
    let retry = run(&r, &w, "t1", Step::Set).await.expect_err("rolled back");
    assert!(retry.to_string().contains("was rolled back"), "{retry}");
    w.assert_no_secret_in(&[text, retry.to_string()]);
    // A new rotation works.
    rotate_all(&r, &w, "t2").await;
    assert!(w.current_logs_in());
}

#[tokio::test]
async fn test_secret_failure_puts_the_database_back() {
    let w = World::single();
    let r = w.rotator();
    for step in [Step::Create, Step::Set] {
        run(&r, &w, "t1", step).await.expect("step");
    }
    // Something else puts the old password back: AWSPENDING no longer logs in.
    w.db.set("hive", P0);
    let err = run(&r, &w, "t1", Step::Test).await.expect_err("test");
    assert_eq!(err.outcome(), Outcome::RotationRolledBack, "{err}");
    assert!(err.to_string().contains("Access denied"), "{err}");
    assert!(w.current_logs_in());
    assert_eq!(w.sm.holder(&w.arn, AWSPENDING), None);
}

#[tokio::test]
async fn database_down_at_each_step_leaves_awscurrent_working() {
    for failing in [Step::Set, Step::Test] {
        for cold in [false, true] {
            let w = World::single();
            let warm = w.rotator();
            for step in Step::ALL {
                let fresh = w.rotator();
                let r = if cold { &fresh } else { &warm };
                if step == failing {
                    w.db.up.store(false, Ordering::Relaxed);
                    let err = run(r, &w, "t1", step).await.expect_err("down");
                    assert!(err.to_string().contains("Connection refused"), "{err}");
                    w.db.up.store(true, Ordering::Relaxed);
                    assert!(w.current_logs_in(), "{failing} cold={cold}: {err}");
                    let expected = if failing == Step::Set {
                        Outcome::RotationRolledBack
                    } else {
                        Outcome::RotationRolledForward
                    };
                    assert_eq!(err.outcome(), expected, "{failing} cold={cold}: {err}");
                    break;
                }
                run(r, &w, "t1", step).await.expect("step");
            }
        }
    }
}

#[tokio::test]
async fn secrets_manager_down_at_finish_restores_the_database_and_next_create_cleans_up() {
    let w = World::single();
    let r = w.rotator();
    for step in [Step::Create, Step::Set, Step::Test] {
        run(&r, &w, "t1", step).await.expect("step");
    }
    w.sm.down.store(true, Ordering::Relaxed);
    let err = run(&r, &w, "t1", Step::Finish).await.expect_err("down");
    assert!(err.to_string().contains("connection refused"), "{err}");
    assert!(
        err.to_string()
            .contains("database password set back to AWSCURRENT"),
        "{err}"
    );
    w.sm.down.store(false, Ordering::Relaxed);
    assert!(w.current_logs_in());
    // The AWSPENDING label could not be removed; the next rotation clears it.
    assert_eq!(w.sm.holder(&w.arn, AWSPENDING).as_deref(), Some("t1"));
    let report = run(&r, &w, "t2", Step::Create).await.expect("create");
    assert!(
        report.notes.iter().any(|n| n.contains("stale")),
        "{report:?}"
    );
    for step in [Step::Set, Step::Test, Step::Finish] {
        run(&r, &w, "t2", step).await.expect("step");
    }
    assert!(w.current_logs_in());
}

#[tokio::test]
async fn secrets_manager_down_at_every_step() {
    // Warm process (Secrets Manager runs the four steps back to back, so Lambda reuses the environment):
    // createSecret fails having changed nothing; setSecret and testSecret need no Secrets Manager call; a
    // failing finishSecret puts the database back. In every case AWSCURRENT logs in afterwards.
    for failing in Step::ALL {
        let w = World::single();
        let r = w.rotator();
        for step in Step::ALL {
            w.sm.down.store(step == failing, Ordering::Relaxed);
            let result = run(&r, &w, "t1", step).await;
            w.sm.down.store(false, Ordering::Relaxed);
            match (step == failing, step) {
                (true, Step::Create | Step::Finish) => {
                    let err = result.expect_err("down");
                    assert!(err.to_string().contains("connection refused"), "{err}");
                    assert!(w.current_logs_in(), "{failing}: {err}");
                    break;
                }
                _ => {
                    result.unwrap_or_else(|e| panic!("{failing}/{step}: {e}"));
                }
            }
        }
        assert!(w.current_logs_in(), "{failing}");
    }
    // A fresh process at setSecret cannot read the versions: it fails before touching the database.
    let w = World::single();
    run(&w.rotator(), &w, "t1", Step::Create)
        .await
        .expect("create");
    w.sm.down.store(true, Ordering::Relaxed);
    let err = run(&w.rotator(), &w, "t1", Step::Set)
        .await
        .expect_err("down");
    w.sm.down.store(false, Ordering::Relaxed);
    assert!(w.current_logs_in(), "{err}");
    // A fresh process at testSecret cannot learn the AWSPENDING password either: AWSPENDING stays so that
    // Secrets Manager's retry of the step completes the rotation.
    run(&w.rotator(), &w, "t1", Step::Set).await.expect("set");
    w.sm.down.store(true, Ordering::Relaxed);
    let err = run(&w.rotator(), &w, "t1", Step::Test)
        .await
        .expect_err("down");
    w.sm.down.store(false, Ordering::Relaxed);
    assert_eq!(err.outcome(), Outcome::RotationFailed, "{err}");
    assert_eq!(w.sm.holder(&w.arn, AWSPENDING).as_deref(), Some("t1"));
    for step in [Step::Test, Step::Finish] {
        run(&w.rotator(), &w, "t1", step).await.expect("retry");
    }
    assert!(w.current_logs_in());
}

#[tokio::test]
async fn alternating_admin_without_privilege_leaves_the_current_user_alone() {
    let w = World::alternating();
    let r = w.rotator();
    run(&r, &w, "t1", Step::Create).await.expect("create");
    w.db.admin_denied.store(true, Ordering::Relaxed);
    let err = run(&r, &w, "t1", Step::Set).await.expect_err("denied");
    let text = err.to_string();
    assert!(
        text.contains("CREATE USER privilege") && text.contains("[1227]"),
        "{text}"
    );
    assert_eq!(err.outcome(), Outcome::RotationRolledBack);
    assert!(w.current_logs_in());
    assert_eq!(w.current().username, "hive");
    assert_eq!(w.sm.holder(&w.arn, AWSPENDING), None);
    w.assert_no_secret_in(&[text]);
}

#[tokio::test]
async fn rollback_event_restores_password_and_labels() {
    let w = World::single();
    let r = w.rotator();
    rotate_all(&r, &w, "t1").await;
    let rotated = w.current();
    let report = r
        .handle(
            &Event::Rollback(RollbackEvent {
                secret_id: w.arn.clone(),
                version_id: None,
            }),
            None,
        )
        .await
        .expect("rollback");
    assert_eq!(report.outcome, "RollbackSucceeded");
    assert_eq!(w.sm.holder(&w.arn, AWSCURRENT).as_deref(), Some("v0"));
    assert_eq!(w.sm.holder(&w.arn, AWSPREVIOUS).as_deref(), Some("t1"));
    assert_eq!(w.db.password_of("hive").as_deref(), Some(P0));
    assert_ne!(rotated.password.expose(), P0);
    assert!(w.current_logs_in());
    assert_eq!(
        w.notices.outcomes(),
        [Outcome::RotationSucceeded, Outcome::RollbackSucceeded]
    );
    // With nothing earlier to return to, the event fails clearly.
    let w2 = World::single();
    let err = w2
        .rotator()
        .handle(
            &Event::Rollback(RollbackEvent {
                secret_id: w2.arn.clone(),
                version_id: None,
            }),
            None,
        )
        .await
        .expect_err("no previous");
    assert!(err.to_string().contains("AWSPREVIOUS"), "{err}");
}

#[tokio::test]
async fn rollback_event_for_alternating_users_returns_to_the_previous_user() {
    let w = World::alternating();
    let r = w.rotator();
    rotate_all(&r, &w, "t1").await;
    assert_eq!(w.current().username, "hive_clone");
    r.handle(
        &Event::Rollback(RollbackEvent {
            secret_id: w.arn.clone(),
            version_id: None,
        }),
        None,
    )
    .await
    .expect("rollback");
    assert_eq!(w.current().username, "hive");
    assert!(w.current_logs_in());
    // When the previous user's password was changed meanwhile, the admin sets it back.
    rotate_all(&r, &w, "t2").await; // the clone gets a new password; AWSPREVIOUS is hive's v0 again
    assert_eq!(w.current().username, "hive_clone");
    assert_eq!(w.sm.holder(&w.arn, AWSPREVIOUS).as_deref(), Some("v0"));
    w.db.set("hive", "Someone-Else-Changed-It-0123456789abc");
    r.handle(
        &Event::Rollback(RollbackEvent {
            secret_id: w.arn.clone(),
            version_id: None,
        }),
        None,
    )
    .await
    .expect("rollback");
    assert_eq!(w.current().username, "hive");
    assert_eq!(w.db.password_of("hive").as_deref(), Some(P0));
    assert!(w.current_logs_in());
}

#[tokio::test]
async fn rollback_event_with_the_database_down_moves_no_labels() {
    let w = World::single();
    let r = w.rotator();
    rotate_all(&r, &w, "t1").await;
    w.db.up.store(false, Ordering::Relaxed);
    let err = r
        .handle(
            &Event::Rollback(RollbackEvent {
                secret_id: w.arn.clone(),
                version_id: None,
            }),
            None,
        )
        .await
        .expect_err("down");
    assert_eq!(err.outcome(), Outcome::RollbackFailed);
    assert_eq!(w.sm.holder(&w.arn, AWSCURRENT).as_deref(), Some("t1"));
    w.db.up.store(true, Ordering::Relaxed);
    assert!(w.current_logs_in());
}

#[tokio::test]
async fn payload_errors_and_unknown_versions() {
    let w = World::single();
    let r = w.rotator();
    let err = r
        .handle_payload(&serde_json::json!({"Step": "createSecret"}), None)
        .await
        .expect_err("bad payload");
    assert!(matches!(err, RotationError::Event(_)), "{err}");
    let err = run(&r, &w, "never-created", Step::Set)
        .await
        .expect_err("unknown version");
    assert!(err.to_string().contains("createSecret never ran"), "{err}");
    assert!(w.current_logs_in());
    let err = r
        .handle(
            &Event::Rotation(RotationEvent {
                secret_id: "missing".into(),
                token: "t".into(),
                step: Step::Create,
            }),
            None,
        )
        .await
        .expect_err("missing secret");
    assert!(
        err.to_string().contains("ResourceNotFoundException"),
        "{err}"
    );
}

#[tokio::test]
async fn finish_repeated_after_an_unfinished_undo_never_moves_awscurrent_to_a_dead_password() {
    for cold in [false, true] {
        let w = World::single();
        let r = w.rotator();
        for step in [Step::Create, Step::Set, Step::Test] {
            run(&r, &w, "t1", step).await.expect("step");
        }
        // finishSecret fails; the undo puts the database back but cannot remove AWSPENDING.
        w.sm.down.store(true, Ordering::Relaxed);
        let err = run(&r, &w, "t1", Step::Finish).await.expect_err("down");
        w.sm.down.store(false, Ordering::Relaxed);
        assert_eq!(
            err.outcome(),
            Outcome::RotationFailed,
            "an undo that could not remove AWSPENDING is not a rollback: {err}"
        );
        assert!(w.current_logs_in());
        assert_eq!(w.sm.holder(&w.arn, AWSPENDING).as_deref(), Some("t1"));
        // Secrets Manager delivers the same finishSecret again (to this process or a new one).
        let again = if cold { w.rotator() } else { r };
        let err = run(&again, &w, "t1", Step::Finish)
            .await
            .expect_err("the pending password no longer logs in");
        assert!(err.to_string().contains("was not made AWSCURRENT"), "{err}");
        assert_eq!(err.outcome(), Outcome::RotationRolledBack, "{err}");
        assert_ne!(w.sm.holder(&w.arn, AWSCURRENT).as_deref(), Some("t1"));
        assert!(w.current_logs_in(), "cold={cold}: AWSCURRENT must log in");
        assert_eq!(w.sm.holder(&w.arn, AWSPENDING), None);
        w.assert_no_secret_in(&[err.to_string()]);
    }
}

#[tokio::test]
async fn secrets_manager_failing_at_each_call_of_each_step_leaves_awscurrent_working() {
    for alternating in [false, true] {
        for cold in [false, true] {
            let world = || {
                if alternating {
                    World::alternating()
                } else {
                    World::single()
                }
            };
            // The calls a clean rotation makes.
            let clean = world();
            let r = clean.rotator();
            for step in Step::ALL {
                let fresh;
                let rr: &TestRotator = if cold {
                    fresh = clean.rotator();
                    &fresh
                } else {
                    &r
                };
                run(rr, &clean, "t1", step).await.expect("clean");
            }
            let total = clean.sm.calls();
            assert!(total >= 5, "{total}");
            for n in 1..=total {
                let w = world();
                w.sm.fail_call.store(n, Ordering::Relaxed);
                let warm = w.rotator();
                let label =
                    format!("alternating={alternating} cold={cold} failing call {n}/{total}");
                // Secrets Manager retries a failed step; after a second failure the rotation stops.
                'steps: for step in Step::ALL {
                    for _attempt in 0..2 {
                        let fresh;
                        let r: &TestRotator = if cold {
                            fresh = w.rotator();
                            &fresh
                        } else {
                            &warm
                        };
                        if run(r, &w, "t1", step).await.is_ok() {
                            continue 'steps;
                        }
                    }
                    break;
                }
                assert!(w.current_logs_in(), "{label}: AWSCURRENT does not log in");
                // The next rotation completes, and its result logs in.
                let next = w.rotator();
                rotate_all(&next, &w, "t2").await;
                assert!(w.current_logs_in(), "{label}: after the next rotation");
            }
        }
    }
}
