//! Pure rules for following a rotation through the secret's staging labels, used by the
//! `logexaminer_rotate_secret` and `logexaminer_rollback_secret` actions.
//!
//! Secrets Manager moves a rotation through labels on versions (Secrets Manager user guide, "How
//! rotation works"): `createSecret` puts a new version labelled `AWSPENDING` (its ID is the
//! rotation's client request token), `finishSecret` moves `AWSCURRENT` onto it (the old current
//! version becomes `AWSPREVIOUS`). The LogExaminer function, when `setSecret` or `testSecret` fails,
//! puts the database back and removes `AWSPENDING` from the new version, leaving `AWSCURRENT` where
//! it was; it records why in the [`OUTCOME_TAG`] tag of the secret (`metastore_sql::outcome_tag`).

use std::collections::BTreeMap;

pub use metastore_sql::outcome_tag::{OUTCOME_TAG, recorded_reason};

/// Label names.
pub const CURRENT: &str = "AWSCURRENT";
/// The label of the version being rotated to.
pub const PENDING: &str = "AWSPENDING";
/// The label of the version before the current one.
pub const PREVIOUS: &str = "AWSPREVIOUS";

/// Versions (ID to labels), as `ListSecretVersionIds` (with deprecated versions) or
/// `DescribeSecret` return them.
pub type Stages = BTreeMap<String, Vec<String>>;

/// The version carrying `label`, if any.
pub fn version_with(stages: &Stages, label: &str) -> Option<String> {
    stages
        .iter()
        .find(|(_, labels)| labels.iter().any(|l| l == label))
        .map(|(id, _)| id.clone())
}

/// Why a rotation cannot start now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// Rotation is not configured on the secret.
    NoFunction,
    /// `AWSPENDING` sits on a version other than `AWSCURRENT`'s: a rotation is in progress (or was
    /// left unfinished), and Secrets Manager refuses to start another.
    InProgress {
        /// The pending version.
        version: String,
    },
    /// The secret has no `AWSCURRENT` version.
    NoCurrent,
    /// A rollback needs an `AWSPREVIOUS` version (none yet: never rotated).
    NoPrevious,
}

impl Refusal {
    /// What to tell the user, with what to do.
    pub fn explain(&self, secret: &str) -> (String, String) {
        match self {
            Refusal::NoFunction => (
                "Secret has no rotation function".into(),
                format!(
                    "{secret} has no rotation function configured. Turn rotation on with the logexaminer_secret_rotation resource (modules/secret-rotation) first."
                ),
            ),
            Refusal::InProgress { version } => (
                "A rotation is already in progress".into(),
                format!(
                    "{secret} has AWSPENDING on version {version}, which is not the current version: a rotation is in progress or was left unfinished. Wait for it to end, or inspect it (aws secretsmanager list-secret-version-ids --secret-id {secret}) and roll it back with the logexaminer_rollback_secret action."
                ),
            ),
            Refusal::NoCurrent => (
                "Secret has no current version".into(),
                format!("{secret} has no version labelled AWSCURRENT; put a value first."),
            ),
            Refusal::NoPrevious => (
                "Nothing to roll back to".into(),
                format!(
                    "{secret} has no version labelled AWSPREVIOUS (it was never rotated), so there is no earlier password to return to."
                ),
            ),
        }
    }
}

/// Whether a rotation may start, given the secret's labels and whether a function is configured.
pub fn may_start(stages: &Stages, has_function: bool) -> Result<String, Refusal> {
    if !has_function {
        return Err(Refusal::NoFunction);
    }
    let current = version_with(stages, CURRENT).ok_or(Refusal::NoCurrent)?;
    match version_with(stages, PENDING) {
        Some(p) if p != current => Err(Refusal::InProgress { version: p }),
        _ => Ok(current),
    }
}

/// Where a rotation to version `token` stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RotationState {
    /// `createSecret` has not made the version yet.
    Waiting,
    /// The version exists and is pending (`setSecret`, `testSecret`, `finishSecret` to come).
    Pending,
    /// `AWSCURRENT` is on the new version.
    Rotated,
    /// The version exists without `AWSPENDING`, and `AWSCURRENT` stayed where it was.
    RolledBack,
    /// `AWSCURRENT` moved to another version than the one before or the new one.
    Superseded {
        /// Where `AWSCURRENT` is now.
        current: String,
    },
}

/// Classifies the labels seen while following a rotation from `before` (the `AWSCURRENT` version
/// when it started) to `token`. `stages` must include versions without labels
/// (`ListSecretVersionIds` with `IncludeDeprecated`), so that a rolled-back version is told from
/// one not created yet.
pub fn rotation_state(stages: &Stages, before: &str, token: &str) -> RotationState {
    let current = version_with(stages, CURRENT);
    if current.as_deref() == Some(token) {
        return RotationState::Rotated;
    }
    if let Some(c) = current.as_deref()
        && c != before
    {
        return RotationState::Superseded { current: c.into() };
    }
    match stages.get(token) {
        None => RotationState::Waiting,
        Some(labels) if labels.iter().any(|l| l == PENDING) => RotationState::Pending,
        Some(_) => RotationState::RolledBack,
    }
}

/// Whether a manual rollback may start: `(current, previous)` versions.
pub fn may_roll_back(stages: &Stages, has_function: bool) -> Result<(String, String), Refusal> {
    let current = may_start(stages, has_function)?;
    match version_with(stages, PREVIOUS) {
        Some(previous) if previous != current => Ok((current, previous)),
        _ => Err(Refusal::NoPrevious),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stages(pairs: &[(&str, &[&str])]) -> Stages {
        pairs
            .iter()
            .map(|(v, l)| (v.to_string(), l.iter().map(|s| s.to_string()).collect()))
            .collect()
    }

    #[test]
    fn a_rotation_starts_only_from_a_settled_secret_with_a_function() {
        let settled = stages(&[("v1", &[CURRENT]), ("v0", &[PREVIOUS])]);
        assert_eq!(may_start(&settled, true), Ok("v1".into()));
        assert_eq!(may_start(&settled, false), Err(Refusal::NoFunction));
        // A completed rotation may leave AWSPENDING on the current version: that is settled.
        let leftover = stages(&[("v1", &[CURRENT, PENDING])]);
        assert_eq!(may_start(&leftover, true), Ok("v1".into()));
        let busy = stages(&[("v1", &[CURRENT]), ("v2", &[PENDING])]);
        assert_eq!(
            may_start(&busy, true),
            Err(Refusal::InProgress {
                version: "v2".into()
            })
        );
        assert_eq!(may_start(&stages(&[]), true), Err(Refusal::NoCurrent));
    }

    #[test]
    fn rotation_states_follow_the_labels() {
        let before = "v1";
        let t = "v2";
        let s = |p: &[(&str, &[&str])]| rotation_state(&stages(p), before, t);
        assert_eq!(s(&[("v1", &[CURRENT])]), RotationState::Waiting);
        assert_eq!(
            s(&[("v1", &[CURRENT]), ("v2", &[PENDING])]),
            RotationState::Pending
        );
        assert_eq!(
            s(&[("v1", &[PREVIOUS]), ("v2", &[CURRENT, PENDING])]),
            RotationState::Rotated
        );
        assert_eq!(
            s(&[("v1", &[CURRENT]), ("v2", &[])]),
            RotationState::RolledBack
        );
        assert_eq!(
            s(&[("v1", &[PREVIOUS]), ("v3", &[CURRENT]), ("v2", &[])]),
            RotationState::Superseded {
                current: "v3".into()
            }
        );
    }

    #[test]
    fn rollback_needs_a_previous_version() {
        let ok = stages(&[("v2", &[CURRENT]), ("v1", &[PREVIOUS])]);
        assert_eq!(may_roll_back(&ok, true), Ok(("v2".into(), "v1".into())));
        let fresh = stages(&[("v1", &[CURRENT])]);
        assert_eq!(may_roll_back(&fresh, true), Err(Refusal::NoPrevious));
        assert_eq!(may_roll_back(&ok, false), Err(Refusal::NoFunction));
    }
}
