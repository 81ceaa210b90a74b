//! The function's errors. Their text is what Lambda reports as `errorMessage` and what the failure notice
//! carries: it names the database's own error and the Secrets Manager error code, never a secret value.

use metastore_sql::secret_shape::SecretShapeError;

use crate::db::DbError;
use crate::event::{EventError, Step};
use crate::notify::Outcome;
use crate::secrets::SmError;
use crate::strategy::StrategyError;

/// Any failure of an invocation.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RotationError {
    /// The payload is not an event this function handles.
    #[error(transparent)]
    Event(#[from] EventError),
    /// A Secrets Manager call failed.
    #[error(transparent)]
    SecretsManager(#[from] SmError),
    /// The database failed or refused.
    #[error(transparent)]
    Database(Box<DbError>),
    /// A secret version is not RDS-shaped JSON.
    #[error("the {what} of secret {secret} is not usable: {source}")]
    Shape {
        /// The secret.
        secret: String,
        /// Which version, e.g. `AWSCURRENT version v1`.
        what: String,
        /// Why.
        source: SecretShapeError,
    },
    /// The secret is not bound to this function, or differs from its binding.
    #[error(transparent)]
    Binding(#[from] crate::binding::BindingError),
    /// Strategy-specific failure (missing masterarn, unexpected pending user, statement building).
    #[error(transparent)]
    Strategy(Box<StrategyError>),
    /// The rotation's version is not in a state this step accepts.
    #[error("version {token} of secret {secret} {reason}")]
    Version {
        /// The secret.
        secret: String,
        /// The version (ClientRequestToken).
        token: String,
        /// What is wrong.
        reason: String,
    },
    /// `finishSecret` could not prove that the AWSPENDING password logs in, so AWSCURRENT was not moved.
    #[error(
        "version {token} of secret {secret} was not made AWSCURRENT: {} ({cause})",
        if *login_refused { "its password does not log in (the database was put back to AWSCURRENT, or changed outside the rotation)" } else { "the database could not be reached to prove that its password logs in" }
    )]
    Unproven {
        /// The secret.
        secret: String,
        /// The version.
        token: String,
        /// The server refused the login (as opposed to: could not be reached).
        login_refused: bool,
        /// The login failure.
        cause: Box<DbError>,
    },
    /// A manual rollback cannot proceed.
    #[error("rollback of secret {secret}: {reason}")]
    Rollback {
        /// The secret.
        secret: String,
        /// What is wrong.
        reason: String,
    },
    /// A step failed; `outcome` and `actions` say what the function did about it.
    #[error("{step} failed for secret {secret}: {cause}. {}", summary(*outcome, actions))]
    StepFailed {
        /// The step.
        step: Step,
        /// The secret.
        secret: String,
        /// The original failure.
        cause: Box<RotationError>,
        /// What was done about it.
        outcome: Outcome,
        /// The recovery actions, in order.
        actions: Vec<String>,
    },
    /// A manual rollback event failed; `actions` say what was done and undone.
    #[error(
        "rollback of secret {secret} failed: {cause}. {}",
        summary(Outcome::RollbackFailed, actions)
    )]
    RollbackFailed {
        /// The secret.
        secret: String,
        /// The failure.
        cause: Box<RotationError>,
        /// What was done, in order.
        actions: Vec<String>,
    },
}

impl From<metastore_sql::engine::EngineError> for RotationError {
    fn from(e: metastore_sql::engine::EngineError) -> RotationError {
        RotationError::Strategy(Box::new(StrategyError::Engine(e)))
    }
}

impl From<StrategyError> for RotationError {
    fn from(e: StrategyError) -> RotationError {
        RotationError::Strategy(Box::new(e))
    }
}

impl From<DbError> for RotationError {
    fn from(e: DbError) -> RotationError {
        RotationError::Database(Box::new(e))
    }
}

fn summary(outcome: Outcome, actions: &[String]) -> String {
    let head = match outcome {
        Outcome::RotationRolledBack => "Rolled back",
        Outcome::RotationRolledForward => "Rolled forward",
        _ => "Nothing undone",
    };
    if actions.is_empty() {
        format!("{head}.")
    } else {
        format!("{head}: {}.", actions.join("; "))
    }
}

impl RotationError {
    /// The outcome to report for this error.
    pub fn outcome(&self) -> Outcome {
        match self {
            RotationError::StepFailed { outcome, .. } => *outcome,
            RotationError::RollbackFailed { .. } => Outcome::RollbackFailed,
            _ => Outcome::RotationFailed,
        }
    }

    /// The original cause (unwrapping [`RotationError::StepFailed`] and [`RotationError::RollbackFailed`]).
    pub fn root(&self) -> &RotationError {
        match self {
            RotationError::StepFailed { cause, .. }
            | RotationError::RollbackFailed { cause, .. } => cause.root(),
            other => other,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::DbErrorKind;

    #[test]
    fn step_failures_say_what_was_done() {
        let cause = RotationError::Database(Box::new(DbError {
            kind: DbErrorKind::Refused,
            user: "hive".into(),
            server: "db:3306".into(),
            message: "Access denied; you need (at least one of) the CREATE USER privilege(s) for this operation".into(),
            code: Some("1227".into()),
            statement: None,
        }));
        let e = RotationError::StepFailed {
            step: Step::Set,
            secret: "arn:s".into(),
            cause: Box::new(cause.clone()),
            outcome: Outcome::RotationRolledBack,
            actions: vec![
                "AWSCURRENT user left untouched".into(),
                "AWSPENDING removed from version t1".into(),
            ],
        };
        assert_eq!(
            e.to_string(),
            "setSecret failed for secret arn:s: the database refused a statement (user \"hive\" at db:3306): Access denied; you need (at least one of) the CREATE USER privilege(s) for this operation [1227]. Rolled back: AWSCURRENT user left untouched; AWSPENDING removed from version t1."
        );
        assert_eq!(e.outcome(), Outcome::RotationRolledBack);
        assert_eq!(e.root(), &cause);
        assert_eq!(cause.outcome(), Outcome::RotationFailed);
        let r = RotationError::RollbackFailed {
            secret: "arn:s".into(),
            cause: Box::new(cause),
            actions: vec![],
        };
        assert!(r.to_string().ends_with("[1227]. Nothing undone."), "{r}");
        assert_eq!(r.outcome(), Outcome::RollbackFailed);
    }
}
