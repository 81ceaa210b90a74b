//! The rotation step machine: [`Rotator`] handles one event at a time over a [`SecretStore`], a [`Database`]
//! and a [`Notifier`].
//!
//! Steps (each idempotent, so Secrets Manager may repeat any of them):
//!
//! * `createSecret`: nothing to do when the version is already AWSCURRENT; otherwise reads AWSCURRENT, asks
//!   `GetRandomPassword` for a password and stores the AWSPENDING version with `PutSecretValue` under the
//!   rotation's token (same user for single-user, the other user of the pair for alternating users). A
//!   repeat finds the version already stored (in memory, by reading it, or through
//!   `ResourceExistsException`) and keeps it. A stale AWSPENDING
//!   label on another version (an earlier rotation that failed without cleaning up) moves to this version
//!   instead of blocking the rotation.
//! * `setSecret`: single-user: when the AWSPENDING password already logs in, nothing to do; otherwise the
//!   user logs in with AWSCURRENT (or AWSPREVIOUS when the database was left there) and changes its own
//!   password. Alternating users: the admin from `masterarn` creates or updates the other user (see
//!   [`crate::strategy`]); the current user is never touched.
//! * `testSecret`: logs in with AWSPENDING and runs `SELECT 1`.
//! * `finishSecret`: moves AWSCURRENT to the rotation's version (AWSPREVIOUS follows automatically).
//!
//! When `setSecret`, `testSecret` or `finishSecret` fails, [`crate::rollback`] puts things back before the
//! step fails, and a notice goes out.
//!
//! Secrets Manager calls are kept low by remembering, between the invocations of one rotation in a warm
//! process, what this process read and wrote: versions are immutable in Secrets Manager, so a remembered
//! value is always the value of that version; only labels can move, and every path that relies on a
//! remembered label falls back to asking again when the service disagrees. A warm single-user rotation makes
//! 5 calls (`DescribeSecret`, `GetSecretValue`, `GetRandomPassword`, `PutSecretValue`,
//! `UpdateSecretVersionStage`), plus one `GetSecretValue` when `RotateSecret` labelled the version before
//! `createSecret` (as the real service does); a cold process per step makes 11 (12).

use std::sync::Mutex;
use std::time::{Duration, Instant};

use metastore_sql::password::Secret;
use metastore_sql::secret_shape::RdsSecret;
use serde::Serialize;

use crate::binding::Binding;
use crate::config::Config;
use crate::db::{Database, DbError, DbErrorKind, Limits, Login};
use crate::error::RotationError;
use crate::event::{Event, RotationEvent, Step};
use crate::notify::{self, Notice, Notifier, Outcome, Sample};
use crate::secrets::{AWSCURRENT, AWSPENDING, AWSPREVIOUS, Description, SecretStore};
use crate::strategy::{self, STRATEGY_TAG, Strategy};

/// How many rotations a warm process remembers (one is in progress per secret).
const CACHE_ENTRIES: usize = 16;

/// What a process knows about one rotation (secret + token) between its steps.
#[derive(Clone, Debug)]
pub struct Rotation {
    /// The secret ID from the event.
    pub secret_id: String,
    /// The secret's ARN.
    pub arn: String,
    /// The rotation's version ID.
    pub token: String,
    /// The strategy (from the binding).
    pub strategy: Strategy,
    /// What this secret may touch.
    pub binding: Binding,
    /// The secret's labels as last seen (and as changed by this process since).
    pub description: Description,
    /// AWSCURRENT: version ID and value.
    pub current: Option<(String, RdsSecret)>,
    /// The AWSPENDING value of this rotation.
    pub pending: Option<RdsSecret>,
    /// This process stored the AWSPENDING value (so the database cannot have it yet unless `db_set`).
    pub pending_fresh: bool,
    /// This process put the AWSPENDING credentials into the database.
    pub db_set: bool,
    /// A password change was sent and the connection broke before the answer: the database may have it.
    pub db_change_unknown: bool,
    /// The state came from this process's memory rather than a fresh `DescribeSecret`.
    pub from_cache: bool,
}

/// The answer of a successful invocation (no secret values).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Report {
    /// `createSecret` ... or `rollback`.
    pub event: String,
    /// The secret.
    pub secret_id: String,
    /// `ok`, `already current`, or an [`Outcome`] name.
    pub outcome: String,
    /// Extra information (e.g. a stale AWSPENDING cleared).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
    /// Secrets Manager calls made by this invocation.
    pub secrets_manager_calls: u64,
    /// Milliseconds spent.
    pub duration_ms: f64,
}

/// Per-invocation settings.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Invocation {
    /// Database time limits for this invocation.
    pub limits: Limits,
}

/// Handles rotation and rollback events.
pub struct Rotator<S, D, N> {
    pub(crate) sm: S,
    pub(crate) db: D,
    pub(crate) notifier: N,
    pub(crate) config: Config,
    cache: Mutex<Vec<Rotation>>,
    metrics: bool,
}

enum Done {
    Ok(Vec<String>),
    AlreadyCurrent,
    Finished,
}

impl<S: SecretStore, D: Database, N: Notifier> Rotator<S, D, N> {
    /// A rotator; embedded-metric-format lines go to stdout.
    pub fn new(sm: S, db: D, notifier: N, config: Config) -> Self {
        Rotator {
            sm,
            db,
            notifier,
            config,
            cache: Mutex::new(Vec::new()),
            metrics: true,
        }
    }

    /// Turns the embedded-metric-format lines on stdout on or off.
    pub fn with_metrics(mut self, on: bool) -> Self {
        self.metrics = on;
        self
    }

    /// The secret store (tests read its call counter).
    pub fn secret_store(&self) -> &S {
        &self.sm
    }

    /// The database.
    pub fn database(&self) -> &D {
        &self.db
    }

    /// Replaces the secret store, keeping what this process remembers (tests inject Secrets Manager faults
    /// between steps this way).
    pub fn with_secret_store<S2: SecretStore>(self, sm: S2) -> Rotator<S2, D, N> {
        Rotator {
            sm,
            db: self.db,
            notifier: self.notifier,
            config: self.config,
            cache: self.cache,
            metrics: self.metrics,
        }
    }

    /// Handles a raw Lambda payload; `remaining` is the time left in the invocation.
    pub async fn handle_payload(
        &self,
        payload: &serde_json::Value,
        remaining: Option<Duration>,
    ) -> Result<Report, RotationError> {
        let event = Event::parse(payload)?;
        self.handle(&event, remaining).await
    }

    /// Handles one event.
    pub async fn handle(
        &self,
        event: &Event,
        remaining: Option<Duration>,
    ) -> Result<Report, RotationError> {
        let started = Instant::now();
        let calls_before = self.sm.calls();
        let inv = Invocation {
            limits: self.config.limits_within(remaining),
        };
        let (name, strategy, result) = match event {
            Event::Rotation(ev) => {
                let (strategy, result) = self.rotate(ev, &inv).await;
                (ev.step.as_str(), strategy, result)
            }
            Event::Rollback(ev) => {
                self.forget_secret(&ev.secret_id);
                let (strategy, result) = self.rollback_event(ev, &inv).await;
                (
                    "rollback",
                    strategy,
                    result.map(|notes| (Outcome::RollbackSucceeded.as_str().to_owned(), notes)),
                )
            }
        };
        let calls = self.sm.calls().saturating_sub(calls_before);
        let duration_ms = started.elapsed().as_secs_f64() * 1000.0;
        let outcome_name = match &result {
            Ok((o, _)) => o.clone(),
            Err(e) => e.outcome().as_str().to_owned(),
        };
        if self.metrics {
            println!(
                "{}",
                notify::emf_line(&Sample {
                    namespace: &self.config.metrics_namespace,
                    step: name,
                    strategy: strategy.map_or("unknown", Strategy::as_str),
                    outcome: &outcome_name,
                    duration_ms,
                    secrets_manager_calls: calls,
                    timestamp_ms: notify::now_ms(),
                })
            );
        }
        match result {
            Ok((outcome, notes)) => Ok(Report {
                event: name.to_owned(),
                secret_id: event.secret_id().to_owned(),
                outcome,
                notes,
                secrets_manager_calls: calls,
                duration_ms,
            }),
            Err(e) => {
                tracing::error!(event = name, secret = event.secret_id(), error = %e, "invocation failed");
                Err(e)
            }
        }
    }

    // ---------------------------------------------------------------------------------------------------
    // Memory of rotations in progress

    fn take_cached(&self, secret_id: &str, token: &str) -> Option<Rotation> {
        let mut cache = self.cache.lock().ok()?;
        let i = cache
            .iter()
            .position(|r| r.token == token && (r.secret_id == secret_id || r.arn == secret_id))?;
        let mut r = cache.remove(i);
        r.from_cache = true;
        Some(r)
    }

    fn remember(&self, rot: Rotation) {
        if let Ok(mut cache) = self.cache.lock() {
            cache.retain(|r| r.arn != rot.arn);
            if cache.len() >= CACHE_ENTRIES {
                cache.remove(0);
            }
            cache.push(rot);
        }
    }

    pub(crate) fn forget_secret(&self, secret_id: &str) {
        if let Ok(mut cache) = self.cache.lock() {
            cache.retain(|r| r.arn != secret_id && r.secret_id != secret_id);
        }
    }

    // ---------------------------------------------------------------------------------------------------
    // Steps

    async fn rotate(
        &self,
        ev: &RotationEvent,
        inv: &Invocation,
    ) -> (
        Option<Strategy>,
        Result<(String, Vec<String>), RotationError>,
    ) {
        let mut password = None;
        let mut rot = match self.take_cached(&ev.secret_id, &ev.token) {
            Some(r) => r,
            None => match self.load(ev, &mut password).await {
                Ok(r) => r,
                Err(e) => {
                    let err = RotationError::StepFailed {
                        step: ev.step,
                        secret: ev.secret_id.clone(),
                        cause: Box::new(e),
                        outcome: Outcome::RotationFailed,
                        actions: vec!["nothing was changed".to_owned()],
                    };
                    self.publish(self.notice(
                        Outcome::RotationFailed,
                        &ev.secret_id,
                        None,
                        Some(ev.step),
                        Some(&err),
                        &[],
                    ))
                    .await;
                    return (None, Err(err));
                }
            },
        };
        let strategy = Some(rot.strategy);
        let result = match self.check_version(ev.step, &rot) {
            Ok(true) => Ok(Done::AlreadyCurrent),
            Ok(false) => match ev.step {
                Step::Create => self.create(&mut rot, password).await.map(Done::Ok),
                Step::Set => self.set(&mut rot, inv).await.map(|()| Done::Ok(vec![])),
                Step::Test => self.test(&mut rot, inv).await.map(|()| Done::Ok(vec![])),
                Step::Finish => self.finish(&mut rot, inv).await.map(|()| Done::Finished),
            },
            Err(e) => Err(e),
        };
        match result {
            Ok(Done::Ok(notes)) => {
                self.remember(rot);
                (strategy, Ok(("ok".to_owned(), notes)))
            }
            Ok(Done::AlreadyCurrent) => (strategy, Ok(("already current".to_owned(), vec![]))),
            Ok(Done::Finished) => {
                let n = self.notice(
                    Outcome::RotationSucceeded,
                    &rot.arn,
                    Some(&rot),
                    Some(Step::Finish),
                    None,
                    &[],
                );
                self.publish(n).await;
                (
                    strategy,
                    Ok((Outcome::RotationSucceeded.as_str().to_owned(), vec![])),
                )
            }
            Err(cause) => {
                let (outcome, actions) = match (ev.step, &cause) {
                    (_, RotationError::Version { .. }) | (Step::Create, _) => (
                        Outcome::RotationFailed,
                        vec!["nothing was changed".to_owned()],
                    ),
                    _ => self.undo(&mut rot, ev.step, &cause, inv).await,
                };
                let err = RotationError::StepFailed {
                    step: ev.step,
                    secret: rot.arn.clone(),
                    cause: Box::new(cause),
                    outcome,
                    actions: actions.clone(),
                };
                let n = self.notice(
                    outcome,
                    &rot.arn,
                    Some(&rot),
                    Some(ev.step),
                    Some(&err),
                    &actions,
                );
                self.publish(n).await;
                if outcome == Outcome::RotationFailed && ev.step != Step::Create {
                    // Keep what we know for a retry of the same step.
                    self.remember(rot);
                }
                (strategy, Err(err))
            }
        }
    }

    /// `DescribeSecret`; for `createSecret` also, concurrently, AWSCURRENT's value and a new password
    /// (`password`), which that step needs in any case: one round trip instead of three.
    async fn load(
        &self,
        ev: &RotationEvent,
        password: &mut Option<Secret>,
    ) -> Result<Rotation, RotationError> {
        let (description, current) = if ev.step == Step::Create {
            let (d, c, p) = tokio::join!(
                self.sm.describe(&ev.secret_id),
                self.sm.get_value(&ev.secret_id, None, Some(AWSCURRENT)),
                self.sm
                    .random_password(self.config.password_length, &self.config.exclude_characters),
            );
            // A failed password request is retried by the step itself.
            *password = p.ok();
            (d?, Some(c?))
        } else {
            (self.sm.describe(&ev.secret_id).await?, None)
        };
        let binding = self.bound(&description)?;
        let mut rot = Rotation {
            secret_id: ev.secret_id.clone(),
            arn: description.arn.clone(),
            token: ev.token.clone(),
            strategy: binding.strategy,
            binding,
            description,
            current: None,
            pending: None,
            pending_fresh: false,
            db_set: false,
            db_change_unknown: false,
            from_cache: false,
        };
        if let Some(v) = current {
            let s = self.parse(
                &rot,
                format!("AWSCURRENT version {}", v.version_id),
                &v.string,
            )?;
            rot.current = Some((v.version_id, s));
        }
        Ok(rot)
    }

    /// The binding of the described secret, after checking its strategy tag against it.
    pub(crate) fn bound(&self, description: &Description) -> Result<Binding, RotationError> {
        let binding = self.config.bindings.get(&description.arn)?;
        binding.check_tag(description.tags.get(STRATEGY_TAG).map(String::as_str))?;
        Ok(binding.clone())
    }

    /// `Ok(true)` when the version is already AWSCURRENT (nothing to do), `Ok(false)` to proceed.
    fn check_version(&self, step: Step, rot: &Rotation) -> Result<bool, RotationError> {
        let d = &rot.description;
        if d.has_stage(&rot.token, AWSCURRENT) {
            return Ok(true);
        }
        if d.has_stage(&rot.token, AWSPENDING) {
            return Ok(false);
        }
        let reason = if d.versions.contains_key(&rot.token) {
            "has neither AWSPENDING nor AWSCURRENT: it was rolled back or abandoned; start a new rotation".to_owned()
        } else if step == Step::Create {
            return Ok(false);
        } else {
            format!(
                "has no AWSPENDING label (it was rolled back, or createSecret never ran for it), so {step} has nothing to work on"
            )
        };
        Err(RotationError::Version {
            secret: rot.arn.clone(),
            token: rot.token.clone(),
            reason,
        })
    }

    fn parse(
        &self,
        rot: &Rotation,
        what: String,
        value: &Secret,
    ) -> Result<RdsSecret, RotationError> {
        let s = RdsSecret::from_json(value.expose()).map_err(|source| RotationError::Shape {
            secret: rot.arn.clone(),
            what: what.clone(),
            source,
        })?;
        rot.binding.check_secret(&s, &what)?;
        Ok(s)
    }

    pub(crate) async fn current(&self, rot: &mut Rotation) -> Result<RdsSecret, RotationError> {
        if let Some((_, s)) = &rot.current {
            return Ok(s.clone());
        }
        let v = self.sm.get_value(&rot.arn, None, Some(AWSCURRENT)).await?;
        let s = self.parse(
            rot,
            format!("AWSCURRENT version {}", v.version_id),
            &v.string,
        )?;
        rot.current = Some((v.version_id, s.clone()));
        Ok(s)
    }

    pub(crate) async fn pending(&self, rot: &mut Rotation) -> Result<RdsSecret, RotationError> {
        if let Some(s) = &rot.pending {
            return Ok(s.clone());
        }
        let v = self
            .sm
            .get_value(&rot.arn, Some(&rot.token), Some(AWSPENDING))
            .await?;
        let s = self.parse(rot, format!("AWSPENDING version {}", rot.token), &v.string)?;
        rot.pending = Some(s.clone());
        Ok(s)
    }

    async fn previous(&self, rot: &Rotation) -> Result<Option<RdsSecret>, RotationError> {
        match self.sm.get_value(&rot.arn, None, Some(AWSPREVIOUS)).await {
            Ok(v) => Ok(Some(self.parse(
                rot,
                format!("AWSPREVIOUS version {}", v.version_id),
                &v.string,
            )?)),
            Err(e) if e.is_not_found() => Ok(None),
            Err(e) => Err(e.into()),
        }
    }

    async fn create(
        &self,
        rot: &mut Rotation,
        password: Option<Secret>,
    ) -> Result<Vec<String>, RotationError> {
        if rot.pending.is_some() {
            // A repeat in the same process: the version is stored already.
            return Ok(vec![format!("version {} was already stored", rot.token)]);
        }
        let current = self.current(rot).await?;
        if rot.description.has_stage(&rot.token, AWSPENDING) {
            // RotateSecret labels the version before calling us; it has a value only on a repeat.
            match self.pending(rot).await {
                Ok(existing) => {
                    strategy::check_pending(
                        rot.strategy,
                        &rot.binding.username,
                        &current,
                        &existing,
                    )?;
                    return Ok(vec![format!("version {} was already stored", rot.token)]);
                }
                Err(RotationError::SecretsManager(e)) if e.is_not_found() => {}
                Err(e) => return Err(e),
            }
        }
        let stale = rot
            .description
            .version_with(AWSPENDING)
            .filter(|v| *v != rot.token)
            .map(str::to_owned);
        let password = match password {
            Some(p) => p,
            None => {
                self.sm
                    .random_password(self.config.password_length, &self.config.exclude_characters)
                    .await?
            }
        };
        let pending =
            strategy::pending_secret(rot.strategy, &rot.binding.username, &current, password)?;
        let mut notes = Vec::new();
        match self
            .sm
            .put_pending(&rot.arn, &rot.token, &Secret::new(pending.to_json()))
            .await
        {
            Ok(()) => {
                rot.pending = Some(pending);
                rot.pending_fresh = true;
            }
            Err(e) if e.is_exists() => {
                // A repeat: the version was stored by an earlier attempt; keep it.
                let existing = self.pending(rot).await?;
                strategy::check_pending(rot.strategy, &rot.binding.username, &current, &existing)?;
                rot.pending_fresh = false;
                notes.push(format!("version {} was already stored", rot.token));
            }
            Err(e) => return Err(e.into()),
        }
        if let Some(v) = stale {
            // PutSecretValue moved the label; record it.
            if let Some(stages) = rot.description.versions.get_mut(&v) {
                stages.retain(|s| s != AWSPENDING);
            }
            let note = format!("stale AWSPENDING label moved off version {v}");
            tracing::warn!(secret = %rot.arn, "{note}");
            notes.push(note);
        }
        rot.description
            .versions
            .entry(rot.token.clone())
            .or_default()
            .push(AWSPENDING.to_owned());
        rot.description
            .versions
            .entry(rot.token.clone())
            .and_modify(|s| s.dedup());
        Ok(notes)
    }

    async fn set(&self, rot: &mut Rotation, inv: &Invocation) -> Result<(), RotationError> {
        let current = self.current(rot).await?;
        let pending = self.pending(rot).await?;
        strategy::check_pending(rot.strategy, &rot.binding.username, &current, &pending)?;
        match rot.strategy {
            Strategy::SingleUser => self.set_single(rot, &current, &pending, inv).await,
            Strategy::AlternatingUsers => self.set_alternating(rot, &current, &pending, inv).await,
        }
    }

    async fn set_single(
        &self,
        rot: &mut Rotation,
        current: &RdsSecret,
        pending: &RdsSecret,
        inv: &Invocation,
    ) -> Result<(), RotationError> {
        let secrets = [&current.password, &pending.password];
        let pending_login = Login::from_secret(pending)?;
        if !rot.pending_fresh || rot.db_set {
            match self.login_check(&pending_login, inv).await {
                Ok(()) => {
                    rot.db_set = true;
                    return Ok(());
                }
                Err(e) if e.kind == DbErrorKind::Login => {}
                Err(e) => return Err(e.scrubbed(&secrets).into()),
            }
        }
        let engine = current.engine()?;
        let current_login = Login::from_secret(current)?;
        let (mut session, used) = match self.db.open(&current_login, inv.limits).await {
            Ok(s) => (s, current.password.clone()),
            Err(e) if e.kind == DbErrorKind::Login => {
                // The database may have been left on AWSPREVIOUS (an earlier rollback of the labels only).
                let prev = self.previous(rot).await?;
                match prev.filter(|p| p.username == current.username) {
                    Some(p) => {
                        let login = Login::from_secret(&p)?;
                        match self.db.open(&login, inv.limits).await {
                            Ok(s) => (s, p.password.clone()),
                            Err(_) => return Err(e.scrubbed(&secrets).into()),
                        }
                    }
                    None => return Err(e.scrubbed(&secrets).into()),
                }
            }
            Err(e) => return Err(e.scrubbed(&secrets).into()),
        };
        let statements = strategy::single_user_statements(engine, &pending.password, &used)?;
        let result = session.execute(&statements).await;
        session.close().await;
        match result {
            Ok(()) => {
                rot.db_set = true;
                Ok(())
            }
            Err(e) => {
                if !e.changed_nothing() {
                    rot.db_change_unknown = true;
                }
                Err(e
                    .scrubbed(&[&current.password, &pending.password, &used])
                    .into())
            }
        }
    }

    /// The admin credentials of an alternating-users secret: the admin secret the binding names (never the
    /// `masterarn` of the secret itself), checked against the binding.
    pub(crate) async fn admin(&self, binding: &Binding) -> Result<RdsSecret, RotationError> {
        let arn = binding
            .admin_secret_arn
            .as_deref()
            .ok_or(strategy::StrategyError::NoMasterArn)?;
        let v = self.sm.get_value(arn, None, Some(AWSCURRENT)).await?;
        let admin =
            RdsSecret::from_json(v.string.expose()).map_err(|source| RotationError::Shape {
                secret: arn.to_owned(),
                what: format!("admin secret's AWSCURRENT version {}", v.version_id),
                source,
            })?;
        binding.check_admin(&admin)?;
        Ok(admin)
    }

    /// The admin's login. MySQL/MariaDB: no default database (account statements need none, and the admin
    /// may lack access to the one its secret names); PostgreSQL: the admin secret's database, else `postgres`.
    pub(crate) fn admin_login(
        admin: &RdsSecret,
        _user: &RdsSecret,
    ) -> Result<Login, RotationError> {
        let mut login = Login::from_secret(admin)?;
        if login.engine.is_mysql_family() {
            login.dbname = None;
        }
        Ok(login)
    }

    async fn set_alternating(
        &self,
        rot: &mut Rotation,
        current: &RdsSecret,
        pending: &RdsSecret,
        inv: &Invocation,
    ) -> Result<(), RotationError> {
        let admin = self.admin(&rot.binding).await?;
        let secrets = [&current.password, &pending.password, &admin.password];
        let login = Self::admin_login(&admin, current)?;
        let mut session = self
            .db
            .open(&login, inv.limits)
            .await
            .map_err(|e| e.scrubbed(&secrets))?;
        let result =
            crate::rollback::alternate_in_session(&mut *session, &rot.binding, current, pending)
                .await;
        session.close().await;
        match result {
            Ok(()) => {
                rot.db_set = true;
                Ok(())
            }
            Err(RotationError::Database(e)) => Err((*e).scrubbed(&secrets).into()),
            Err(e) => Err(e),
        }
    }

    async fn test(&self, rot: &mut Rotation, inv: &Invocation) -> Result<(), RotationError> {
        let pending = self.pending(rot).await?;
        let login = Login::from_secret(&pending)?;
        self.login_check(&login, inv)
            .await
            .map_err(|e| e.scrubbed(&[&pending.password]).into())
    }

    /// Moves AWSCURRENT to this rotation's version, after proving that its password logs in: a repeat of
    /// `finishSecret` after an undo (which put the database back to AWSCURRENT but could not remove the
    /// AWSPENDING label) must never point AWSCURRENT at a password the database no longer accepts.
    async fn finish(&self, rot: &mut Rotation, inv: &Invocation) -> Result<(), RotationError> {
        let pending = self.pending(rot).await?;
        let login = Login::from_secret(&pending)?;
        if let Err(e) = self.login_check(&login, inv).await {
            let e = e.scrubbed(&[&pending.password]);
            return Err(RotationError::Unproven {
                secret: rot.arn.clone(),
                token: rot.token.clone(),
                login_refused: e.kind == DbErrorKind::Login,
                cause: Box::new(e),
            });
        }
        let from = rot.description.version_with(AWSCURRENT).map(str::to_owned);
        match self
            .sm
            .update_stage(&rot.arn, AWSCURRENT, Some(&rot.token), from.as_deref())
            .await
        {
            Ok(()) => Ok(()),
            Err(e) if rot.from_cache && e.delivery == crate::secrets::Delivery::Rejected => {
                // The remembered labels may be out of date: look again once.
                let d = self.sm.describe(&rot.arn).await?;
                rot.description = d;
                rot.from_cache = false;
                if rot.description.has_stage(&rot.token, AWSCURRENT) {
                    return Ok(());
                }
                let from = rot.description.version_with(AWSCURRENT).map(str::to_owned);
                self.sm
                    .update_stage(&rot.arn, AWSCURRENT, Some(&rot.token), from.as_deref())
                    .await
                    .map_err(Into::into)
            }
            Err(e) => Err(e.into()),
        }
    }

    // ---------------------------------------------------------------------------------------------------
    // Helpers shared with rollback

    /// Logs in and runs `SELECT 1`.
    pub(crate) async fn login_check(&self, login: &Login, inv: &Invocation) -> Result<(), DbError> {
        let mut s = self.db.open(login, inv.limits).await?;
        let r = s.query(strategy::LOGIN_CHECK_SQL, &[]).await;
        s.close().await;
        r.map(|_| ())
    }

    pub(crate) fn notice(
        &self,
        outcome: Outcome,
        secret_id: &str,
        rot: Option<&Rotation>,
        step: Option<Step>,
        error: Option<&RotationError>,
        actions: &[String],
    ) -> Notice {
        let current = rot.and_then(|r| r.current.as_ref().map(|(_, s)| s));
        let user = match (outcome, rot) {
            (Outcome::RotationSucceeded | Outcome::RotationRolledForward, Some(r)) => {
                r.pending.as_ref().or(current).map(|s| s.username.clone())
            }
            _ => current.map(|s| s.username.clone()),
        };
        Notice {
            outcome,
            secret_id: secret_id.to_owned(),
            version_id: rot.map(|r| r.token.clone()),
            step: step.map(|s| s.as_str().to_owned()),
            strategy: rot.map(|r| r.strategy.as_str().to_owned()),
            engine: current.map(|s| s.engine.clone()),
            database: current.map(|s| format!("{}:{}", s.host, s.port)),
            username: user,
            error: error.map(|e| e.root().to_string()),
            actions: actions.to_vec(),
            timestamp_ms: notify::now_ms(),
            topic: rot.and_then(|r| r.description.tags.get(notify::TOPIC_TAG).cloned()),
        }
    }

    pub(crate) async fn publish(&self, notice: Notice) {
        tracing::info!(notice = %notice.to_json(), "notice");
        if notice.outcome.is_failure()
            && let Some(version) = &notice.version_id
        {
            // Read by the provider's logexaminer_rotate_secret action to say why a rotation ended.
            let value = metastore_sql::outcome_tag::outcome_tag(
                notice.outcome.as_str(),
                version,
                notice.step.as_deref().unwrap_or("-"),
                notice.error.as_deref().unwrap_or("no error text"),
            );
            if let Err(e) = self
                .sm
                .tag(
                    &notice.secret_id,
                    metastore_sql::outcome_tag::OUTCOME_TAG,
                    &value,
                )
                .await
            {
                tracing::warn!(error = %e, "outcome tag not written");
            }
        }
        if let Err(e) = self.notifier.publish(&notice).await {
            tracing::warn!(error = %e, "notice not published");
        }
    }
}
