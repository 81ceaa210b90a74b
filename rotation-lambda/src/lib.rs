//! A Secrets Manager rotation function for metastore database users (MySQL, MariaDB, PostgreSQL) that
//! rolls back.
//!
//! The binary `bootstrap` runs on `lambda_runtime` (the `provided.al2023` runtime) and hands each event to a
//! [`steps::Rotator`]:
//!
//! * [`event`] — the rotation event `{SecretId, ClientRequestToken, Step}` and the manual rollback event
//!   `{"Action":"rollback","SecretId":...}`;
//! * [`steps`] — createSecret / setSecret / testSecret / finishSecret, each idempotent, with a stale
//!   AWSPENDING cleared at createSecret;
//! * [`strategy`] — single user and alternating users (admin from `masterarn`, `<user>_clone`, PostgreSQL
//!   owner role), pure SQL planning on `metastore_sql`;
//! * [`rollback`] — putting the database and the labels back when a step fails, and the manual rollback;
//! * [`notify`] — SNS notices without secret values and CloudWatch embedded-metric-format lines;
//! * [`secrets`] — the Secrets Manager calls (counted), [`db`] — the database traits, [`sql`] — their
//!   implementation over `metastore_sql::client`;
//! * [`binding`] — the account each secret may rotate, fixed in the function's configuration (see the
//!   module for the threat model);
//! * [`config`] — settings from the environment.
//!
//! No error text, log line or notice contains a password: values travel in
//! [`metastore_sql::password::Secret`], statements are logged redacted, and database errors are scrubbed of
//! every password in play.

pub mod binding;
pub mod config;
pub mod db;
pub mod error;
pub mod event;
pub mod notify;
pub mod rollback;
pub mod secrets;
pub mod sql;
pub mod steps;
pub mod strategy;

#[cfg(test)]
mod proptests;
#[cfg(test)]
mod tests;

pub use config::Config;
pub use error::RotationError;
pub use event::{Event, Step};
pub use steps::{Report, Rotator};

/// The rotator the function runs.
pub type LambdaRotator = Rotator<secrets::AwsSecretStore, sql::SqlDatabase, notify::SnsNotifier>;

/// A failure before the first event (configuration, CA bundle).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StartError {
    /// A setting is invalid.
    #[error(transparent)]
    Config(#[from] config::ConfigError),
    /// The CA bundle cannot be read.
    #[error("cannot read RDS_CA_BUNDLE {path}: {source}")]
    CaBundle {
        /// The path.
        path: String,
        /// Why.
        source: std::io::Error,
    },
}

/// The HTTPS client for every AWS call: rustls on aws-lc-rs (the crypto provider sqlx uses too), certificates
/// from the system store, loaded on first use.
pub fn http_client() -> aws_sdk_secretsmanager::config::SharedHttpClient {
    use aws_smithy_http_client::tls::{self, rustls_provider::CryptoMode};
    aws_smithy_http_client::Builder::new()
        .tls_provider(tls::Provider::Rustls(CryptoMode::AwsLc))
        .build_https()
}

/// The shared AWS configuration from the environment (region, credentials, `AWS_ENDPOINT_URL`) with
/// [`http_client`].
pub async fn sdk_config() -> aws_config::SdkConfig {
    aws_config::defaults(aws_config::BehaviorVersion::latest())
        .http_client(http_client())
        .load()
        .await
}

/// Builds the function's rotator from its settings (no network I/O: AWS clients connect on first use).
pub async fn build(config: Config) -> Result<LambdaRotator, StartError> {
    let ca_bundle_pem = match &config.ca_bundle {
        Some(p) => Some(
            std::fs::read_to_string(p).map_err(|source| StartError::CaBundle {
                path: p.display().to_string(),
                source,
            })?,
        ),
        None => None,
    };
    let sdk = sdk_config().await;
    let sm =
        secrets::AwsSecretStore::from_sdk_config(&sdk, config.secrets_manager_endpoint.as_deref());
    let notifier = notify::SnsNotifier::new(sdk.clone(), config.notify_topic_arn.clone());
    for warning in config.tls_warnings() {
        tracing::warn!("{warning}");
    }
    let db =
        sql::SqlDatabase::new(config.tls, ca_bundle_pem).allow_plaintext(config.allow_plaintext);
    Ok(Rotator::new(sm, db, notifier, config))
}
