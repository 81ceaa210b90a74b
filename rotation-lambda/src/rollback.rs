//! Putting things back.
//!
//! **After a failed step** (`setSecret`, `testSecret`, or `finishSecret` when Secrets Manager refused the
//! label move), before the step fails:
//!
//! * Single user: the function finds out which password the database has by logging in. AWSCURRENT works:
//!   nothing to undo in the database. AWSPENDING works: the user sets its password back to AWSCURRENT and the
//!   function checks that AWSCURRENT logs in again. Either way AWSPENDING is then removed, so the next
//!   rotation starts clean (outcome `RotationRolledBack`). When the database has the new password and cannot
//!   be put back (or cannot be reached after `setSecret` succeeded), AWSCURRENT is moved to the new version
//!   instead, so that the secret matches the database (`RotationRolledForward`). When neither is known
//!   (unreachable before anything was sent), nothing changed and AWSPENDING is removed.
//! * Alternating users: the current user was never touched, so its AWSCURRENT credentials work; AWSPENDING
//!   is removed.
//!
//! Then a notice goes out and the step fails with the original error (the database's own message).
//!
//! **The manual rollback event** `{"Action":"rollback","SecretId":...}` returns to AWSPREVIOUS (or the given
//! `VersionId`): it first makes the database accept that version's password (the user itself for a
//! single-user secret; the bound admin for the other user of an alternating pair), checks the login, and only then moves
//! AWSCURRENT (Secrets Manager moves AWSPREVIOUS to the version AWSCURRENT left). If moving the label fails,
//! the database is put back as it was.

use metastore_sql::engine::Engine;
use metastore_sql::grant::Grantee;
use metastore_sql::introspect::{self, Row};
use metastore_sql::secret_shape::RdsSecret;

use crate::binding::Binding;
use crate::db::{Database, DbErrorKind, Login, Session};
use crate::error::RotationError;
use crate::event::{RollbackEvent, Step};
use crate::notify::{Notifier, Outcome};
use crate::secrets::{AWSCURRENT, AWSPENDING, AWSPREVIOUS, Delivery, SecretStore};
use crate::steps::{Invocation, Rotation, Rotator};
use crate::strategy::{self, MysqlAlternate, PgAlternate, Strategy, StrategyError};

fn first_column(rows: Vec<Row>) -> Vec<String> {
    rows.into_iter()
        .filter_map(|r| r.into_iter().next().flatten())
        .collect()
}

/// MySQL/MariaDB: the hosts of `user`'s accounts.
pub(crate) async fn mysql_hosts(
    session: &mut dyn Session,
    user: &str,
) -> Result<Vec<String>, RotationError> {
    Ok(first_column(
        session.query(strategy::MYSQL_HOSTS_SQL, &[user]).await?,
    ))
}

/// Alternating users, on an admin session: creates or updates `pending`'s user from `current`'s (see
/// [`crate::strategy`]).
pub(crate) async fn alternate_in_session(
    session: &mut dyn Session,
    binding: &Binding,
    current: &RdsSecret,
    pending: &RdsSecret,
) -> Result<(), RotationError> {
    let engine = current.engine()?;
    if engine.is_mysql_family() {
        let hosts = mysql_hosts(session, &current.username).await?;
        if hosts.is_empty() {
            return Err(StrategyError::NoAccount(current.username.clone()).into());
        }
        for host in hosts {
            let rows = session
                .query(introspect::MYSQL_USER_SQL, &[&current.username, &host])
                .await?;
            let source = introspect::parse_mysql_user(&rows)
                .map_err(StrategyError::from)?
                .ok_or_else(|| StrategyError::NoAccount(current.username.clone()))?;
            let grantee = Grantee::new(engine, &current.username, Some(&host))
                .map_err(StrategyError::from)?;
            let sql = introspect::show_grants_sql(&grantee).map_err(StrategyError::from)?;
            let source_grants = first_column(session.query(&sql, &[]).await?);
            let target_exists = !session
                .query(introspect::MYSQL_USER_SQL, &[&pending.username, &host])
                .await?
                .is_empty();
            let target_grants = if target_exists {
                let target = Grantee::new(engine, &pending.username, Some(&host))
                    .map_err(StrategyError::from)?;
                let sql = introspect::show_grants_sql(&target).map_err(StrategyError::from)?;
                first_column(session.query(&sql, &[]).await?)
            } else {
                Vec::new()
            };
            let found = MysqlAlternate {
                source,
                source_grants,
                target_exists,
                target_grants,
            };
            let statements = strategy::mysql_alternate_statements(
                engine,
                &found,
                &pending.username,
                &pending.password,
            )?;
            session.execute(&statements).await?;
        }
    } else {
        let base = binding.username.clone();
        let owner =
            metastore_sql::statements::owner_role_name(&base).map_err(StrategyError::from)?;
        let owner_exists = !session
            .query(strategy::PG_ROLE_EXISTS_SQL, &[&owner])
            .await?
            .is_empty();
        let target_exists = !session
            .query(strategy::PG_ROLE_EXISTS_SQL, &[&pending.username])
            .await?
            .is_empty();
        let statements = strategy::pg_alternate_statements(
            &base,
            &pending.username,
            PgAlternate {
                target_exists,
                owner_exists,
            },
            &pending.password,
        )?;
        session.execute(&statements).await?;
    }
    Ok(())
}

impl<S: SecretStore, D: Database, N: Notifier> Rotator<S, D, N> {
    async fn remove_pending(&self, rot: &Rotation, actions: &mut Vec<String>) -> bool {
        match self
            .sm
            .update_stage(&rot.arn, AWSPENDING, None, Some(&rot.token))
            .await
        {
            Ok(()) => {
                actions.push(format!("AWSPENDING removed from version {}", rot.token));
                true
            }
            Err(e) => {
                actions.push(format!(
                    "removing AWSPENDING from version {} failed ({e}); the next createSecret clears it",
                    rot.token
                ));
                false
            }
        }
    }

    /// The last step of an undo once the database accepts AWSCURRENT: removes AWSPENDING. Only when that
    /// worked is the rotation rolled back; otherwise the undo is unfinished and reported as failed (a repeat
    /// of finishSecret then finds a pending password that does not log in and refuses it, and the next
    /// createSecret clears the label).
    async fn finish_undo(&self, rot: &Rotation, actions: &mut Vec<String>) -> Outcome {
        if self.remove_pending(rot, actions).await {
            Outcome::RotationRolledBack
        } else {
            Outcome::RotationFailed
        }
    }

    async fn roll_forward(&self, rot: &Rotation, actions: &mut Vec<String>) -> Outcome {
        let from = rot
            .current
            .as_ref()
            .map(|(v, _)| v.clone())
            .or_else(|| rot.description.version_with(AWSCURRENT).map(str::to_owned));
        match self
            .sm
            .update_stage(&rot.arn, AWSCURRENT, Some(&rot.token), from.as_deref())
            .await
        {
            Ok(()) => {
                actions.push(format!(
                    "AWSCURRENT moved to version {} so that the secret matches the database",
                    rot.token
                ));
                Outcome::RotationRolledForward
            }
            Err(e) => {
                actions.push(format!(
                    "moving AWSCURRENT to version {} failed ({e}); the database may have the AWSPENDING password",
                    rot.token
                ));
                Outcome::RotationFailed
            }
        }
    }

    /// Puts things back after `step` failed with `cause`; returns the outcome and what was done.
    pub(crate) async fn undo(
        &self,
        rot: &mut Rotation,
        step: Step,
        cause: &RotationError,
        inv: &Invocation,
    ) -> (Outcome, Vec<String>) {
        let mut actions = Vec::new();
        if let RotationError::SecretsManager(e) = cause {
            if step == Step::Finish && e.delivery == Delivery::Unknown {
                actions.push(
                    "the label move may have happened (no answer from Secrets Manager); nothing undone"
                        .to_owned(),
                );
                return (Outcome::RotationFailed, actions);
            }
        }
        if let RotationError::Unproven { login_refused, .. } = cause {
            if !login_refused {
                actions.push(
                    "AWSCURRENT not moved and AWSPENDING kept, so that finishSecret can be retried once the database is reachable"
                        .to_owned(),
                );
                return (Outcome::RotationFailed, actions);
            }
        }
        if rot.strategy == Strategy::AlternatingUsers {
            actions.push("the AWSCURRENT user was not changed".to_owned());
            let removed = self.remove_pending(rot, &mut actions).await;
            return (
                if removed {
                    Outcome::RotationRolledBack
                } else {
                    Outcome::RotationFailed
                },
                actions,
            );
        }
        // Single user: we need both versions; a failure before they were read changed nothing in the database
        // in this invocation.
        let current = match self.current(rot).await {
            Ok(c) => c,
            Err(e) => {
                actions.push(format!("AWSCURRENT could not be read ({e}); AWSPENDING kept so that the rotation can be retried"));
                return (Outcome::RotationFailed, actions);
            }
        };
        let pending = match self.pending(rot).await {
            Ok(p) => p,
            Err(e) => {
                actions.push(format!("AWSPENDING could not be read ({e}); AWSPENDING kept so that the rotation can be retried"));
                return (Outcome::RotationFailed, actions);
            }
        };
        let secrets = [&current.password, &pending.password];
        let (Ok(current_login), Ok(pending_login)) =
            (Login::from_secret(&current), Login::from_secret(&pending))
        else {
            actions.push("the secret names an unsupported engine; nothing undone".to_owned());
            return (Outcome::RotationFailed, actions);
        };
        let unreachable = match self.login_check(&current_login, inv).await {
            Ok(()) => {
                actions.push("the AWSCURRENT password still logs in".to_owned());
                return (self.finish_undo(rot, &mut actions).await, actions);
            }
            Err(e) if e.kind == DbErrorKind::Login => {
                match self.login_check(&pending_login, inv).await {
                    Ok(()) => None,
                    Err(e2) if e2.kind == DbErrorKind::Login => {
                        actions.push(format!(
                        "neither the AWSCURRENT nor the AWSPENDING password logs in ({}); labels left as they are",
                        e2.scrubbed(&secrets)
                    ));
                        return (Outcome::RotationFailed, actions);
                    }
                    Err(e2) => Some(e2),
                }
            }
            Err(e) => Some(e),
        };
        if let Some(e) = unreachable {
            let e = e.scrubbed(&secrets);
            let never_changed = step == Step::Set && !rot.db_set && !rot.db_change_unknown;
            if never_changed {
                actions.push(format!(
                    "the database cannot be checked ({e}), but this rotation never changed its password"
                ));
                return (self.finish_undo(rot, &mut actions).await, actions);
            }
            if step == Step::Set && !rot.db_set {
                actions.push(format!(
                    "the database cannot be checked ({e}) and may have the AWSPENDING password; AWSPENDING kept so that the rotation can be retried"
                ));
                return (Outcome::RotationFailed, actions);
            }
            actions.push(format!(
                "the database cannot be checked ({e}); it has had the AWSPENDING password since setSecret"
            ));
            let outcome = self.roll_forward(rot, &mut actions).await;
            return (outcome, actions);
        }
        // The database has the AWSPENDING password: set it back.
        let engine = match current.engine() {
            Ok(e) => e,
            Err(e) => {
                actions.push(format!("{e}; nothing undone"));
                return (Outcome::RotationFailed, actions);
            }
        };
        let restored = self
            .set_own_password(&pending_login, engine, &current, &pending, inv)
            .await
            .and(
                self.login_check(&current_login, inv)
                    .await
                    .map_err(|e| RotationError::from(e.scrubbed(&secrets))),
            );
        match restored {
            Ok(()) => {
                rot.db_set = false;
                actions.push("database password set back to AWSCURRENT".to_owned());
                (self.finish_undo(rot, &mut actions).await, actions)
            }
            Err(e) => {
                actions.push(format!(
                    "setting the database password back to AWSCURRENT failed ({e})"
                ));
                let outcome = self.roll_forward(rot, &mut actions).await;
                (outcome, actions)
            }
        }
    }

    /// Single user: logs in as `as_login` and changes the password to `to`'s (`from` is the password in use,
    /// for MySQL's `REPLACE`).
    async fn set_own_password(
        &self,
        as_login: &Login,
        engine: Engine,
        to: &RdsSecret,
        from: &RdsSecret,
        inv: &Invocation,
    ) -> Result<(), RotationError> {
        let secrets = [&to.password, &from.password];
        let statements = strategy::single_user_statements(engine, &to.password, &from.password)?;
        let mut s = self
            .db
            .open(as_login, inv.limits)
            .await
            .map_err(|e| e.scrubbed(&secrets))?;
        let r = s.execute(&statements).await;
        s.close().await;
        r.map_err(|e| e.scrubbed(&secrets).into())
    }

    /// The manual rollback event. Returns notes on success.
    pub(crate) async fn rollback_event(
        &self,
        ev: &RollbackEvent,
        inv: &Invocation,
    ) -> (Option<Strategy>, Result<Vec<String>, RotationError>) {
        let mut actions = Vec::new();
        let mut strategy = None;
        let mut topic = None;
        let result = self
            .rollback_inner(ev, inv, &mut actions, &mut strategy, &mut topic)
            .await;
        let outcome = if result.is_ok() {
            Outcome::RollbackSucceeded
        } else {
            Outcome::RollbackFailed
        };
        let result = result.map_err(|cause| RotationError::RollbackFailed {
            secret: ev.secret_id.clone(),
            cause: Box::new(cause),
            actions: actions.clone(),
        });
        let mut notice = self.notice(
            outcome,
            &ev.secret_id,
            None,
            None,
            result.as_ref().err(),
            &actions,
        );
        notice.version_id = ev.version_id.clone();
        notice.strategy = strategy.map(|s| s.as_str().to_owned());
        notice.topic = topic;
        if let Ok(notes) = &result {
            notice.username = notes
                .iter()
                .find_map(|n| n.strip_prefix("user: ").map(str::to_owned));
        }
        self.publish(notice).await;
        (strategy, result.map(|_| actions))
    }

    /// One version's value, checked against the binding.
    async fn version_value(
        &self,
        binding: &Binding,
        vid: &str,
        label: &str,
    ) -> Result<RdsSecret, RotationError> {
        let arn = &binding.secret_arn;
        let what = format!("{label} version {vid}");
        let v = self.sm.get_value(arn, Some(vid), None).await?;
        let s = RdsSecret::from_json(v.string.expose()).map_err(|source| RotationError::Shape {
            secret: arn.clone(),
            what: what.clone(),
            source,
        })?;
        binding.check_secret(&s, &what)?;
        Ok(s)
    }

    async fn rollback_inner(
        &self,
        ev: &RollbackEvent,
        inv: &Invocation,
        actions: &mut Vec<String>,
        strategy_out: &mut Option<Strategy>,
        topic_out: &mut Option<String>,
    ) -> Result<Vec<String>, RotationError> {
        let fail = |reason: String| RotationError::Rollback {
            secret: ev.secret_id.clone(),
            reason,
        };
        let d = self.sm.describe(&ev.secret_id).await?;
        let binding = self.bound(&d)?;
        *strategy_out = Some(binding.strategy);
        *topic_out = d.tags.get(crate::notify::TOPIC_TAG).cloned();
        let cur_vid = d
            .version_with(AWSCURRENT)
            .ok_or_else(|| fail("no version is labelled AWSCURRENT".to_owned()))?
            .to_owned();
        let target_vid = match &ev.version_id {
            Some(v) if d.versions.contains_key(v) => v.clone(),
            Some(v) => return Err(fail(format!("version {v} does not exist or has no label"))),
            None => d
                .version_with(AWSPREVIOUS)
                .ok_or_else(|| {
                    fail(
                        "no version is labelled AWSPREVIOUS, so there is nothing to return to"
                            .to_owned(),
                    )
                })?
                .to_owned(),
        };
        if target_vid == cur_vid {
            actions.push(format!("version {cur_vid} is already AWSCURRENT"));
            return Ok(vec![]);
        }
        let current = self.version_value(&binding, &cur_vid, "AWSCURRENT").await?;
        let target = self.version_value(&binding, &target_vid, "target").await?;
        let engine = target.engine()?;
        let secrets = [&current.password, &target.password];
        let target_login = Login::from_secret(&target)?;
        let current_login = Login::from_secret(&current)?;
        // 1. The database must accept the target version's password.
        let mut changed_db = false;
        match self.login_check(&target_login, inv).await {
            Ok(()) => actions.push(format!(
                "the password of version {target_vid} already logs in as {:?}",
                target.username
            )),
            Err(e) if e.kind == DbErrorKind::Login => {
                if target.username == current.username {
                    self.set_own_password(&current_login, engine, &target, &current, inv)
                        .await?;
                } else {
                    let admin = self.admin(&binding).await?;
                    let login = Self::admin_login(&admin, &target)?;
                    let all = [&current.password, &target.password, &admin.password];
                    let mut s = self
                        .db
                        .open(&login, inv.limits)
                        .await
                        .map_err(|e| e.scrubbed(&all))?;
                    let hosts = if engine.is_mysql_family() {
                        mysql_hosts(&mut *s, &target.username).await
                    } else {
                        Ok(vec![])
                    };
                    let r = match hosts {
                        Ok(hosts) => match strategy::admin_set_password(
                            engine,
                            &target.username,
                            &hosts,
                            &target.password,
                        ) {
                            Ok(st) => s.execute(&st).await.map_err(|e| e.scrubbed(&all).into()),
                            Err(e) => Err(e.into()),
                        },
                        Err(e) => Err(e),
                    };
                    s.close().await;
                    r?;
                }
                changed_db = true;
                self.login_check(&target_login, inv)
                    .await
                    .map_err(|e| e.scrubbed(&secrets))?;
                actions.push(format!(
                    "database password of {:?} set to version {target_vid}",
                    target.username
                ));
            }
            Err(e) => return Err(e.scrubbed(&secrets).into()),
        }
        // 2. Labels.
        match self
            .sm
            .update_stage(&d.arn, AWSCURRENT, Some(&target_vid), Some(&cur_vid))
            .await
        {
            Ok(()) => actions.push(format!(
                "AWSCURRENT moved from version {cur_vid} back to {target_vid}"
            )),
            Err(e) => {
                if changed_db && target.username == current.username && e.changed_nothing() {
                    match self
                        .set_own_password(&target_login, engine, &current, &target, inv)
                        .await
                    {
                        Ok(()) => {
                            actions.push("database password put back to AWSCURRENT".to_owned())
                        }
                        Err(e2) => actions
                            .push(format!("putting the database password back failed ({e2})")),
                    }
                }
                return Err(e.into());
            }
        }
        // AWSPREVIOUS follows AWSCURRENT's old version on AWS; make sure (emulators differ) and clear a stale
        // AWSPENDING left on a version that is not current.
        let after = self.sm.describe(&d.arn).await?;
        if !after.has_stage(&cur_vid, AWSPREVIOUS) {
            let from = after.version_with(AWSPREVIOUS).map(str::to_owned);
            self.sm
                .update_stage(&d.arn, AWSPREVIOUS, Some(&cur_vid), from.as_deref())
                .await?;
        }
        actions.push(format!("AWSPREVIOUS is version {cur_vid}"));
        if let Some(p) = after.version_with(AWSPENDING) {
            if p != target_vid {
                let p = p.to_owned();
                self.sm
                    .update_stage(&d.arn, AWSPENDING, None, Some(&p))
                    .await?;
                actions.push(format!("stale AWSPENDING removed from version {p}"));
            }
        }
        Ok(vec![format!("user: {}", target.username)])
    }
}
