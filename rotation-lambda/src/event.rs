//! The events the function handles, read from the Lambda payload.
//!
//! * Secrets Manager's rotation event `{"SecretId": ..., "ClientRequestToken": ..., "Step": ...}` with the
//!   steps `createSecret`, `setSecret`, `testSecret` and `finishSecret` (extra fields such as
//!   `RotationToken` are ignored).
//! * Our manual rollback event `{"Action": "rollback", "SecretId": ...}`, optionally with `"VersionId"`
//!   naming the version to return to (default: the one labelled `AWSPREVIOUS`).
//!
//! Parsing is pure; errors name the field and never echo values other than the step or action name.

use std::fmt;

use serde_json::Value;

/// One rotation step.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Step {
    /// `createSecret`: store a new AWSPENDING version.
    Create,
    /// `setSecret`: put the AWSPENDING credentials into the database.
    Set,
    /// `testSecret`: log in with the AWSPENDING credentials.
    Test,
    /// `finishSecret`: move AWSCURRENT to the AWSPENDING version.
    Finish,
}

impl Step {
    /// Every step, in the order Secrets Manager runs them.
    pub const ALL: [Step; 4] = [Step::Create, Step::Set, Step::Test, Step::Finish];

    /// The name Secrets Manager uses (`createSecret`, ...).
    pub const fn as_str(self) -> &'static str {
        match self {
            Step::Create => "createSecret",
            Step::Set => "setSecret",
            Step::Test => "testSecret",
            Step::Finish => "finishSecret",
        }
    }

    /// Reads a step name as Secrets Manager writes it.
    pub fn parse(name: &str) -> Option<Step> {
        Step::ALL.into_iter().find(|s| s.as_str() == name)
    }
}

impl fmt::Display for Step {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A rotation step request from Secrets Manager.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RotationEvent {
    /// ARN (or name) of the secret.
    pub secret_id: String,
    /// The version ID of the rotation (`ClientRequestToken`).
    pub token: String,
    /// The step.
    pub step: Step,
}

/// A manual rollback request: return AWSCURRENT and the database password to an earlier version.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RollbackEvent {
    /// ARN (or name) of the secret.
    pub secret_id: String,
    /// The version to return to; `None` for the one labelled AWSPREVIOUS.
    pub version_id: Option<String>,
}

/// Any event this function handles.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Event {
    /// A rotation step.
    Rotation(RotationEvent),
    /// A manual rollback.
    Rollback(RollbackEvent),
}

/// Why a payload is not an event this function handles.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum EventError {
    /// The payload is not a JSON object.
    #[error("the event is not a JSON object")]
    NotObject,
    /// A required field is missing, empty or not a string.
    #[error("the event has no {0:?} string field")]
    Missing(&'static str),
    /// The step is none of the four.
    #[error(
        "unknown rotation step {0:?}: expected createSecret, setSecret, testSecret or finishSecret"
    )]
    Step(String),
    /// The action is not `rollback`.
    #[error("unknown action {0:?}: the only action is \"rollback\"")]
    Action(String),
}

fn text(map: &serde_json::Map<String, Value>, field: &'static str) -> Result<String, EventError> {
    match map.get(field) {
        Some(Value::String(s)) if !s.trim().is_empty() => Ok(s.clone()),
        _ => Err(EventError::Missing(field)),
    }
}

fn cut(s: &str) -> String {
    s.chars().take(64).collect()
}

impl Event {
    /// Reads a Lambda payload.
    pub fn parse(payload: &Value) -> Result<Event, EventError> {
        let Value::Object(map) = payload else {
            return Err(EventError::NotObject);
        };
        if let Some(action) = map.get("Action") {
            let action = action.as_str().ok_or(EventError::Missing("Action"))?;
            if !action.eq_ignore_ascii_case("rollback") {
                return Err(EventError::Action(cut(action)));
            }
            let version_id = match map.get("VersionId") {
                None | Some(Value::Null) => None,
                Some(Value::String(s)) if !s.trim().is_empty() => Some(s.clone()),
                Some(_) => return Err(EventError::Missing("VersionId")),
            };
            return Ok(Event::Rollback(RollbackEvent {
                secret_id: text(map, "SecretId")?,
                version_id,
            }));
        }
        let step_name = text(map, "Step")?;
        let step = Step::parse(&step_name).ok_or_else(|| EventError::Step(cut(&step_name)))?;
        Ok(Event::Rotation(RotationEvent {
            secret_id: text(map, "SecretId")?,
            token: text(map, "ClientRequestToken")?,
            step,
        }))
    }

    /// The secret the event is about.
    pub fn secret_id(&self) -> &str {
        match self {
            Event::Rotation(r) => &r.secret_id,
            Event::Rollback(r) => &r.secret_id,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn reads_rotation_and_rollback_events() {
        let cases = [
            (
                json!({"SecretId": "arn:s", "ClientRequestToken": "t-1", "Step": "createSecret"}),
                Ok(Event::Rotation(RotationEvent {
                    secret_id: "arn:s".into(),
                    token: "t-1".into(),
                    step: Step::Create,
                })),
            ),
            (
                json!({"SecretId": "arn:s", "ClientRequestToken": "t-1", "Step": "finishSecret", "RotationToken": "x"}),
                Ok(Event::Rotation(RotationEvent {
                    secret_id: "arn:s".into(),
                    token: "t-1".into(),
                    step: Step::Finish,
                })),
            ),
            (
                json!({"Action": "rollback", "SecretId": "arn:s"}),
                Ok(Event::Rollback(RollbackEvent {
                    secret_id: "arn:s".into(),
                    version_id: None,
                })),
            ),
            (
                json!({"Action": "Rollback", "SecretId": "arn:s", "VersionId": "v0"}),
                Ok(Event::Rollback(RollbackEvent {
                    secret_id: "arn:s".into(),
                    version_id: Some("v0".into()),
                })),
            ),
            (json!([1]), Err(EventError::NotObject)),
            (
                json!({"SecretId": "arn:s", "Step": "setSecret"}),
                Err(EventError::Missing("ClientRequestToken")),
            ),
            (
                json!({"SecretId": "arn:s", "ClientRequestToken": "t", "Step": "dropSecret"}),
                Err(EventError::Step("dropSecret".into())),
            ),
            (
                json!({"ClientRequestToken": "t", "Step": "testSecret"}),
                Err(EventError::Missing("SecretId")),
            ),
            (
                json!({"Action": "rotate", "SecretId": "arn:s"}),
                Err(EventError::Action("rotate".into())),
            ),
            (
                json!({"Action": "rollback"}),
                Err(EventError::Missing("SecretId")),
            ),
            (
                json!({"Action": "rollback", "SecretId": "s", "VersionId": 3}),
                Err(EventError::Missing("VersionId")),
            ),
            (
                json!({"SecretId": " ", "ClientRequestToken": "t", "Step": "testSecret"}),
                Err(EventError::Missing("SecretId")),
            ),
        ];
        for (payload, want) in cases {
            assert_eq!(Event::parse(&payload), want, "{payload}");
        }
    }

    #[test]
    fn step_names_round_trip() {
        for step in Step::ALL {
            assert_eq!(Step::parse(step.as_str()), Some(step));
            assert_eq!(step.to_string(), step.as_str());
        }
        assert_eq!(Step::parse("CreateSecret"), None);
        assert_eq!(
            Event::parse(&serde_json::json!({"SecretId": "s", "ClientRequestToken": "t", "Step": "x".repeat(500)}))
                .map_err(|e| e.to_string().len() < 200),
            Err(true)
        );
    }
}
