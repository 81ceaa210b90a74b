//! Notices and metrics.
//!
//! * [`Notice`]: structured JSON about a rotation's success, failure or rollback, published to the SNS topic
//!   `NOTIFY_TOPIC_ARN` ([`SnsNotifier`]). It holds identifiers, the step, the strategy, what the rollback
//!   did and the error text (which never contains secrets: see [`crate::db::DbError::scrubbed`]), never a
//!   secret value.
//! * [`emf_line`]: a CloudWatch embedded-metric-format log line (one JSON object on stdout), from which
//!   CloudWatch extracts the metrics `StepDuration`, `SecretsManagerCalls`, `Failures` and `Rollbacks`.

use async_trait::async_trait;
use serde::Serialize;

/// What happened.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum Outcome {
    /// The rotation finished (finishSecret moved AWSCURRENT).
    RotationSucceeded,
    /// A step failed; nothing needed undoing or the undo was not possible (see `actions`).
    RotationFailed,
    /// A step failed and the database and labels were put back to AWSCURRENT.
    RotationRolledBack,
    /// A step failed after the database took the new password and could not be put back: AWSCURRENT was
    /// moved to the new version so that it matches the database.
    RotationRolledForward,
    /// A manual rollback event restored an earlier version.
    RollbackSucceeded,
    /// A manual rollback event failed.
    RollbackFailed,
}

impl Outcome {
    /// The name used in notices and metrics.
    pub const fn as_str(self) -> &'static str {
        match self {
            Outcome::RotationSucceeded => "RotationSucceeded",
            Outcome::RotationFailed => "RotationFailed",
            Outcome::RotationRolledBack => "RotationRolledBack",
            Outcome::RotationRolledForward => "RotationRolledForward",
            Outcome::RollbackSucceeded => "RollbackSucceeded",
            Outcome::RollbackFailed => "RollbackFailed",
        }
    }

    /// True for the failure outcomes.
    pub const fn is_failure(self) -> bool {
        !matches!(
            self,
            Outcome::RotationSucceeded | Outcome::RollbackSucceeded
        )
    }
}

/// A notice (no secret values).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Notice {
    /// What happened.
    pub outcome: Outcome,
    /// The secret's ARN (or the ID the event gave).
    pub secret_id: String,
    /// The rotation's version (token), or the version a rollback returned to.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version_id: Option<String>,
    /// The step that failed or finished.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub step: Option<String>,
    /// `single_user` or `alternating_users`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub strategy: Option<String>,
    /// The database engine.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub engine: Option<String>,
    /// `host:port` of the database.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub database: Option<String>,
    /// The user of AWSCURRENT after the event.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
    /// The error (the database's own message when it came from the database).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// What the function did to recover, in order.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub actions: Vec<String>,
    /// Milliseconds since the Unix epoch.
    pub timestamp_ms: u64,
    /// The SNS topic for this secret (its [`TOPIC_TAG`] tag), overriding `NOTIFY_TOPIC_ARN`. Not part of the
    /// message.
    #[serde(skip)]
    pub topic: Option<String>,
}

/// The secret tag naming the SNS topic for its notices (written by `logexaminer_secret_rotation`).
pub const TOPIC_TAG: &str = "logexaminer:rotation-notification-topic";

impl Notice {
    /// The SNS subject (at most 100 characters).
    pub fn subject(&self) -> String {
        let name = self.secret_id.rsplit(':').next().unwrap_or(&self.secret_id);
        let mut s = format!("{}: {}", self.outcome.as_str(), name);
        if s.len() > 100 {
            let mut cut = 97;
            while !s.is_char_boundary(cut) {
                cut -= 1;
            }
            s.truncate(cut);
            s.push_str("...");
        }
        s
    }

    /// The JSON message.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self)
            .unwrap_or_else(|_| format!("{{\"outcome\":\"{}\"}}", self.outcome.as_str()))
    }
}

/// A failed publish (logged, never masking the rotation's own result).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("publishing the notice to {topic} failed: {message}")]
pub struct NotifyError {
    /// The topic.
    pub topic: String,
    /// Why.
    pub message: String,
}

/// Where notices go.
#[async_trait]
pub trait Notifier: Send + Sync {
    /// Publishes one notice.
    async fn publish(&self, notice: &Notice) -> Result<(), NotifyError>;
}

/// No topic configured: notices are only logged.
#[derive(Clone, Copy, Debug, Default)]
pub struct LogOnly;

#[async_trait]
impl Notifier for LogOnly {
    async fn publish(&self, _notice: &Notice) -> Result<(), NotifyError> {
        Ok(())
    }
}

/// Publishes to SNS: to the notice's own topic (the secret's [`TOPIC_TAG`] tag) or else the default topic
/// (`NOTIFY_TOPIC_ARN`); without either the notice is only logged. The client is built on first use (most
/// invocations publish nothing).
#[derive(Debug)]
pub struct SnsNotifier {
    default_topic: Option<String>,
    sdk: aws_config::SdkConfig,
    client: tokio::sync::OnceCell<aws_sdk_sns::Client>,
}

impl SnsNotifier {
    /// A notifier with `default_topic` (`NOTIFY_TOPIC_ARN`).
    pub fn new(sdk: aws_config::SdkConfig, default_topic: Option<String>) -> SnsNotifier {
        SnsNotifier {
            default_topic,
            sdk,
            client: tokio::sync::OnceCell::new(),
        }
    }
}

#[async_trait]
impl Notifier for SnsNotifier {
    async fn publish(&self, notice: &Notice) -> Result<(), NotifyError> {
        let Some(topic) = notice.topic.as_ref().or(self.default_topic.as_ref()) else {
            return Ok(());
        };
        let err = |message: String| NotifyError {
            topic: topic.clone(),
            message,
        };
        let client = self
            .client
            .get_or_init(|| async {
                let conf = aws_sdk_sns::config::Builder::from(&self.sdk)
                    .timeout_config(
                        aws_config::timeout::TimeoutConfig::builder()
                            .connect_timeout(std::time::Duration::from_secs(3))
                            .operation_timeout(std::time::Duration::from_secs(8))
                            .build(),
                    )
                    .build();
                aws_sdk_sns::Client::from_conf(conf)
            })
            .await;
        let attribute = aws_sdk_sns::types::MessageAttributeValue::builder()
            .data_type("String")
            .string_value(notice.outcome.as_str())
            .build()
            .map_err(|e| err(e.to_string()))?;
        client
            .publish()
            .topic_arn(topic)
            .subject(notice.subject())
            .message(notice.to_json())
            .message_attributes("outcome", attribute)
            .send()
            .await
            .map_err(|e| err(crate::secrets::chain(&e)))?;
        Ok(())
    }
}

/// One metric sample for [`emf_line`].
#[derive(Clone, Debug, PartialEq)]
pub struct Sample<'a> {
    /// CloudWatch namespace.
    pub namespace: &'a str,
    /// `createSecret` ... or `rollback`.
    pub step: &'a str,
    /// `single_user` / `alternating_users` / `unknown`.
    pub strategy: &'a str,
    /// Outcome of the step (`ok`, or an [`Outcome`] name).
    pub outcome: &'a str,
    /// How long the step took.
    pub duration_ms: f64,
    /// Secrets Manager calls the step made.
    pub secrets_manager_calls: u64,
    /// Milliseconds since the Unix epoch.
    pub timestamp_ms: u64,
}

/// A CloudWatch embedded-metric-format line: dimensions `Step` and `Strategy`, metrics `StepDuration`
/// (milliseconds), `SecretsManagerCalls`, `Failures` and `Rollbacks` (counts); `Outcome` as a property.
pub fn emf_line(s: &Sample<'_>) -> String {
    let failed = u8::from(
        s.outcome != "ok"
            && s.outcome != Outcome::RotationSucceeded.as_str()
            && s.outcome != Outcome::RollbackSucceeded.as_str(),
    );
    let rolled = u8::from(
        s.outcome == Outcome::RotationRolledBack.as_str()
            || s.outcome == Outcome::RotationRolledForward.as_str()
            || s.outcome == Outcome::RollbackSucceeded.as_str(),
    );
    serde_json::json!({
        "_aws": {
            "Timestamp": s.timestamp_ms,
            "CloudWatchMetrics": [{
                "Namespace": s.namespace,
                "Dimensions": [["Step", "Strategy"]],
                "Metrics": [
                    {"Name": "StepDuration", "Unit": "Milliseconds"},
                    {"Name": "SecretsManagerCalls", "Unit": "Count"},
                    {"Name": "Failures", "Unit": "Count"},
                    {"Name": "Rollbacks", "Unit": "Count"}
                ]
            }]
        },
        "Step": s.step,
        "Strategy": s.strategy,
        "Outcome": s.outcome,
        "StepDuration": (s.duration_ms * 1000.0).round() / 1000.0,
        "SecretsManagerCalls": s.secrets_manager_calls,
        "Failures": failed,
        "Rollbacks": rolled,
    })
    .to_string()
}

/// Milliseconds since the Unix epoch.
pub fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn notice() -> Notice {
        Notice {
            outcome: Outcome::RotationRolledBack,
            secret_id: "arn:aws:secretsmanager:eu-west-1:123456789012:secret:metastore/hive-AbCdEf"
                .into(),
            version_id: Some("token-1".into()),
            step: Some("testSecret".into()),
            strategy: Some("single_user".into()),
            engine: Some("mariadb".into()),
            database: Some("db:3306".into()),
            username: Some("hive".into()),
            error: Some(
                "the database refused the login (user \"hive\" at db:3306): Access denied [1045]"
                    .into(),
            ),
            actions: vec![
                "database password set back to AWSCURRENT".into(),
                "AWSPENDING removed".into(),
            ],
            timestamp_ms: 1_700_000_000_000,
            topic: Some("arn:aws:sns:eu-west-1:123456789012:rotation".into()),
        }
    }

    #[test]
    fn notice_json_has_identifiers_and_no_values() {
        let n = notice();
        let v: serde_json::Value = serde_json::from_str(&n.to_json()).expect("json");
        assert_eq!(v["outcome"], "RotationRolledBack");
        assert_eq!(v["step"], "testSecret");
        assert_eq!(v["actions"][1], "AWSPENDING removed");
        assert_eq!(v["timestamp_ms"], 1_700_000_000_000u64);
        assert!(v.get("password").is_none());
        assert!(v.get("topic").is_none());
        assert!(v.get("topic").is_none());
        assert_eq!(n.subject(), "RotationRolledBack: metastore/hive-AbCdEf");
        let short = Notice {
            version_id: None,
            step: None,
            strategy: None,
            engine: None,
            database: None,
            username: None,
            error: None,
            actions: vec![],
            ..n
        };
        let v: serde_json::Value = serde_json::from_str(&short.to_json()).expect("json");
        assert_eq!(v.as_object().map(|o| o.len()), Some(3), "{v}");
        let long = Notice {
            secret_id: format!("arn:x:{}", "é".repeat(80)),
            ..short
        };
        assert!(long.subject().len() <= 100);
    }

    #[test]
    fn emf_lines_carry_metrics_and_dimensions() {
        let cases = [
            ("ok", 0, 0),
            ("RotationSucceeded", 0, 0),
            ("RotationFailed", 1, 0),
            ("RotationRolledBack", 1, 1),
            ("RotationRolledForward", 1, 1),
            ("RollbackSucceeded", 0, 1),
            ("RollbackFailed", 1, 0),
        ];
        for (outcome, failures, rollbacks) in cases {
            let line = emf_line(&Sample {
                namespace: "LogExaminer/SecretRotation",
                step: "setSecret",
                strategy: "single_user",
                outcome,
                duration_ms: 12.345_678,
                secrets_manager_calls: 2,
                timestamp_ms: 42,
            });
            assert!(!line.contains('\n'));
            let v: serde_json::Value = serde_json::from_str(&line).expect("json");
            assert_eq!(v["_aws"]["Timestamp"], 42);
            assert_eq!(
                v["_aws"]["CloudWatchMetrics"][0]["Dimensions"][0][0],
                "Step"
            );
            assert_eq!(v["Step"], "setSecret");
            assert_eq!(v["StepDuration"], 12.346);
            assert_eq!(v["SecretsManagerCalls"], 2);
            assert_eq!(v["Failures"], failures, "{outcome}");
            assert_eq!(v["Rollbacks"], rollbacks, "{outcome}");
        }
    }
}
