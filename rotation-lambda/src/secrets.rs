//! Secrets Manager: the [`SecretStore`] operations the rotation needs, and [`AwsSecretStore`] over
//! aws-sdk-secretsmanager.
//!
//! Every call is counted ([`SecretStore::calls`]) for the metrics and the benchmark. Failures are
//! [`SmError`]s with the operation, the service's error code and message (never a secret value) and whether
//! the request can have reached the service ([`Delivery`]), which decides whether a rollback may assume
//! nothing changed.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use async_trait::async_trait;
use aws_sdk_secretsmanager::error::{ProvideErrorMetadata, SdkError};
use metastore_sql::password::Secret;

/// The label of the version in use.
pub const AWSCURRENT: &str = "AWSCURRENT";
/// The label of the version being rotated in.
pub const AWSPENDING: &str = "AWSPENDING";
/// The label of the version AWSCURRENT last moved away from.
pub const AWSPREVIOUS: &str = "AWSPREVIOUS";

/// `DescribeSecret`'s answer, reduced to what rotation needs.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Description {
    /// The secret's ARN.
    pub arn: String,
    /// The secret's name.
    pub name: String,
    /// Labels of every version that has one.
    pub versions: BTreeMap<String, Vec<String>>,
    /// Tags.
    pub tags: BTreeMap<String, String>,
    /// Whether rotation is turned on.
    pub rotation_enabled: bool,
}

impl Description {
    /// The version that holds `stage`.
    pub fn version_with(&self, stage: &str) -> Option<&str> {
        self.versions
            .iter()
            .find(|(_, stages)| stages.iter().any(|s| s == stage))
            .map(|(id, _)| id.as_str())
    }

    /// True when version `id` holds `stage`.
    pub fn has_stage(&self, id: &str, stage: &str) -> bool {
        self.versions
            .get(id)
            .is_some_and(|stages| stages.iter().any(|s| s == stage))
    }
}

/// One version's value (`Debug` hides it).
#[derive(Clone, PartialEq, Eq)]
pub struct SecretValue {
    /// The secret's ARN.
    pub arn: String,
    /// The version ID.
    pub version_id: String,
    /// The version's labels.
    pub stages: Vec<String>,
    /// The secret string.
    pub string: Secret,
}

impl fmt::Debug for SecretValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SecretValue")
            .field("arn", &self.arn)
            .field("version_id", &self.version_id)
            .field("stages", &self.stages)
            .field("string", &self.string)
            .finish()
    }
}

/// Whether a failed request can have changed anything.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Delivery {
    /// The request never reached the service (connection refused, DNS, bad endpoint).
    NotSent,
    /// The service answered with an error: nothing changed.
    Rejected,
    /// Unknown (timeout, lost or unreadable response): the change may have happened.
    Unknown,
}

/// A failed Secrets Manager call.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("Secrets Manager {operation} failed: {}{message}", code.as_deref().map(|c| format!("{c}: ")).unwrap_or_default())]
pub struct SmError {
    /// The API operation, e.g. `PutSecretValue`.
    pub operation: &'static str,
    /// The service's error code, e.g. `ResourceNotFoundException`.
    pub code: Option<String>,
    /// The service's message, or the transport error.
    pub message: String,
    /// Whether the request can have taken effect.
    pub delivery: Delivery,
}

impl SmError {
    /// True for `ResourceNotFoundException`.
    pub fn is_not_found(&self) -> bool {
        self.code.as_deref() == Some("ResourceNotFoundException")
    }

    /// True for `ResourceExistsException` (a version with this token exists with another value).
    pub fn is_exists(&self) -> bool {
        self.code.as_deref() == Some("ResourceExistsException")
    }

    /// True when the request certainly changed nothing.
    pub fn changed_nothing(&self) -> bool {
        self.delivery != Delivery::Unknown
    }
}

/// The Secrets Manager operations rotation uses.
#[async_trait]
pub trait SecretStore: Send + Sync {
    /// `DescribeSecret`.
    async fn describe(&self, secret_id: &str) -> Result<Description, SmError>;
    /// `GetSecretValue` by version ID and/or label.
    async fn get_value(
        &self,
        secret_id: &str,
        version_id: Option<&str>,
        stage: Option<&str>,
    ) -> Result<SecretValue, SmError>;
    /// `PutSecretValue` with `ClientRequestToken = token` and the label AWSPENDING (idempotent for the same
    /// value; `ResourceExistsException` when the version holds another value).
    async fn put_pending(
        &self,
        secret_id: &str,
        token: &str,
        value: &Secret,
    ) -> Result<(), SmError>;
    /// `UpdateSecretVersionStage`: moves `stage` to `to` (when set) and removes it from `from` (when set).
    async fn update_stage(
        &self,
        secret_id: &str,
        stage: &str,
        to: Option<&str>,
        from: Option<&str>,
    ) -> Result<(), SmError>;
    /// `GetRandomPassword` without spaces, with every character type, leaving out `exclude`.
    async fn random_password(&self, length: u32, exclude: &str) -> Result<Secret, SmError>;
    /// `TagResource` with one tag (used to record how a rotation ended badly; never a secret value).
    async fn tag(&self, secret_id: &str, key: &str, value: &str) -> Result<(), SmError>;
    /// How many calls were made so far.
    fn calls(&self) -> u64;
}

/// [`SecretStore`] over aws-sdk-secretsmanager.
#[derive(Debug)]
pub struct AwsSecretStore {
    client: aws_sdk_secretsmanager::Client,
    calls: AtomicU64,
}

/// Per-attempt and whole-operation timeouts of Secrets Manager calls: short, so a wrong endpoint or a missing
/// VPC endpoint fails the step with time left to roll back.
pub const SM_CONNECT_TIMEOUT: Duration = Duration::from_secs(3);
/// See [`SM_CONNECT_TIMEOUT`].
pub const SM_OPERATION_TIMEOUT: Duration = Duration::from_secs(10);

impl AwsSecretStore {
    /// A store over `client`.
    pub fn new(client: aws_sdk_secretsmanager::Client) -> AwsSecretStore {
        AwsSecretStore {
            client,
            calls: AtomicU64::new(0),
        }
    }

    /// A client from the shared AWS configuration, with `endpoint` (`SECRETS_MANAGER_ENDPOINT`) when set and
    /// the timeouts above.
    pub fn from_sdk_config(sdk: &aws_config::SdkConfig, endpoint: Option<&str>) -> AwsSecretStore {
        let mut b = aws_sdk_secretsmanager::config::Builder::from(sdk).timeout_config(
            aws_config::timeout::TimeoutConfig::builder()
                .connect_timeout(SM_CONNECT_TIMEOUT)
                .operation_timeout(SM_OPERATION_TIMEOUT)
                .build(),
        );
        if let Some(e) = endpoint {
            b = b.endpoint_url(e);
        }
        AwsSecretStore::new(aws_sdk_secretsmanager::Client::from_conf(b.build()))
    }

    fn count(&self) {
        self.calls.fetch_add(1, Ordering::Relaxed);
    }
}

fn sm_error<E, R>(operation: &'static str, err: SdkError<E, R>) -> SmError
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
    R: fmt::Debug + Send + Sync + 'static,
{
    let (delivery, code, message) = match &err {
        SdkError::ServiceError(s) => (
            Delivery::Rejected,
            s.err().code().map(str::to_owned),
            s.err()
                .message()
                .map(str::to_owned)
                .unwrap_or_else(|| s.err().to_string()),
        ),
        SdkError::ConstructionFailure(_) => (Delivery::NotSent, None, chain(&err)),
        SdkError::DispatchFailure(d) if d.is_timeout() => (Delivery::Unknown, None, chain(&err)),
        SdkError::DispatchFailure(_) => (Delivery::NotSent, None, chain(&err)),
        _ => (Delivery::Unknown, None, chain(&err)),
    };
    SmError {
        operation,
        code,
        message,
        delivery,
    }
}

/// An error and its sources on one line.
pub fn chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut s = e.to_string();
    let mut cur = e.source();
    while let Some(c) = cur {
        let m = c.to_string();
        if !s.contains(&m) {
            s.push_str(": ");
            s.push_str(&m);
        }
        cur = c.source();
    }
    s
}

#[async_trait]
impl SecretStore for AwsSecretStore {
    async fn describe(&self, secret_id: &str) -> Result<Description, SmError> {
        self.count();
        let out = self
            .client
            .describe_secret()
            .secret_id(secret_id)
            .send()
            .await
            .map_err(|e| sm_error("DescribeSecret", e))?;
        Ok(Description {
            arn: out.arn().unwrap_or(secret_id).to_owned(),
            name: out.name().unwrap_or_default().to_owned(),
            versions: out
                .version_ids_to_stages()
                .map(|m| m.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
                .unwrap_or_default(),
            tags: out
                .tags()
                .iter()
                .filter_map(|t| {
                    Some((
                        t.key()?.to_owned(),
                        t.value().unwrap_or_default().to_owned(),
                    ))
                })
                .collect(),
            rotation_enabled: out.rotation_enabled().unwrap_or(false),
        })
    }

    async fn get_value(
        &self,
        secret_id: &str,
        version_id: Option<&str>,
        stage: Option<&str>,
    ) -> Result<SecretValue, SmError> {
        self.count();
        let out = self
            .client
            .get_secret_value()
            .secret_id(secret_id)
            .set_version_id(version_id.map(str::to_owned))
            .set_version_stage(stage.map(str::to_owned))
            .send()
            .await
            .map_err(|e| sm_error("GetSecretValue", e))?;
        let Some(string) = out.secret_string() else {
            return Err(SmError {
                operation: "GetSecretValue",
                code: None,
                message: format!(
                    "version {} has no SecretString (binary secrets are not database credentials)",
                    out.version_id().unwrap_or("?")
                ),
                delivery: Delivery::Rejected,
            });
        };
        Ok(SecretValue {
            arn: out.arn().unwrap_or(secret_id).to_owned(),
            version_id: out.version_id().unwrap_or_default().to_owned(),
            stages: out.version_stages().to_vec(),
            string: Secret::new(string),
        })
    }

    async fn put_pending(
        &self,
        secret_id: &str,
        token: &str,
        value: &Secret,
    ) -> Result<(), SmError> {
        self.count();
        self.client
            .put_secret_value()
            .secret_id(secret_id)
            .client_request_token(token)
            .secret_string(value.expose())
            .version_stages(AWSPENDING)
            .send()
            .await
            .map_err(|e| sm_error("PutSecretValue", e))?;
        Ok(())
    }

    async fn update_stage(
        &self,
        secret_id: &str,
        stage: &str,
        to: Option<&str>,
        from: Option<&str>,
    ) -> Result<(), SmError> {
        self.count();
        self.client
            .update_secret_version_stage()
            .secret_id(secret_id)
            .version_stage(stage)
            .set_move_to_version_id(to.map(str::to_owned))
            .set_remove_from_version_id(from.map(str::to_owned))
            .send()
            .await
            .map_err(|e| sm_error("UpdateSecretVersionStage", e))?;
        Ok(())
    }

    async fn tag(&self, secret_id: &str, key: &str, value: &str) -> Result<(), SmError> {
        self.count();
        let tag = aws_sdk_secretsmanager::types::Tag::builder()
            .key(key)
            .value(value)
            .build();
        self.client
            .tag_resource()
            .secret_id(secret_id)
            .tags(tag)
            .send()
            .await
            .map_err(|e| sm_error("TagResource", e))?;
        Ok(())
    }

    async fn random_password(&self, length: u32, exclude: &str) -> Result<Secret, SmError> {
        self.count();
        let mut req = self
            .client
            .get_random_password()
            .password_length(i64::from(length))
            .include_space(false)
            .require_each_included_type(true);
        if !exclude.is_empty() {
            req = req.exclude_characters(exclude);
        }
        let out = req
            .send()
            .await
            .map_err(|e| sm_error("GetRandomPassword", e))?;
        out.random_password()
            .map(Secret::new)
            .ok_or_else(|| SmError {
                operation: "GetRandomPassword",
                code: None,
                message: "the answer has no RandomPassword".to_owned(),
                delivery: Delivery::Rejected,
            })
    }

    fn calls(&self) -> u64 {
        self.calls.load(Ordering::Relaxed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn description_lookups() {
        let d = Description {
            versions: [
                ("v1".to_owned(), vec![AWSPREVIOUS.to_owned()]),
                ("v2".to_owned(), vec![AWSCURRENT.to_owned()]),
                ("v3".to_owned(), vec![AWSPENDING.to_owned()]),
            ]
            .into(),
            ..Description::default()
        };
        assert_eq!(d.version_with(AWSCURRENT), Some("v2"));
        assert_eq!(d.version_with(AWSPENDING), Some("v3"));
        assert_eq!(d.version_with("OTHER"), None);
        assert!(d.has_stage("v1", AWSPREVIOUS));
        assert!(!d.has_stage("v1", AWSCURRENT));
        assert!(!d.has_stage("v9", AWSCURRENT));
    }

    #[test]
    fn errors_and_debug_never_show_values() {
        let v = SecretValue {
            arn: "arn".into(),
            version_id: "v".into(),
            stages: vec![],
            string: Secret::new("{\"password\":\"hunter2\"}"),
        };
        assert!(!format!("{v:?}").contains("hunter2"));
        let e = SmError {
            operation: "PutSecretValue",
            code: Some("ResourceExistsException".into()),
            message: "A version with this token exists".into(),
            delivery: Delivery::Rejected,
        };
        assert!(e.is_exists() && !e.is_not_found() && e.changed_nothing());
        assert_eq!(
            e.to_string(),
            "Secrets Manager PutSecretValue failed: ResourceExistsException: A version with this token exists"
        );
        let e = SmError {
            code: None,
            delivery: Delivery::Unknown,
            message: "timeout".into(),
            ..e
        };
        assert_eq!(
            e.to_string(),
            "Secrets Manager PutSecretValue failed: timeout"
        );
        assert!(!e.changed_nothing());
    }
}
