//! Actions (protocol 6.10+, Terraform 1.14+): operations a user runs on demand
//! (`terraform apply -invoke=action.TYPE.NAME`) or that Terraform runs around a
//! resource's lifecycle (`lifecycle { action_trigger { ... } }`).
//!
//! An action has a configuration schema, is validated and planned with that
//! configuration (which may hold unknown values until apply) and, when invoked,
//! streams progress messages to Terraform and completes with diagnostics: any
//! error diagnostic fails the apply.

use std::sync::Arc;

use async_trait::async_trait;
use serde::de::DeserializeOwned;
use tokio::sync::mpsc;

use crate::diag::{DiagResult, Diagnostics};
use crate::model;
use crate::provider::{Config, Ctx};
use crate::schema::Schema;
use crate::value::Value;

/// Where an invoked action reports progress. Each message becomes one line in
/// Terraform's output while the action runs.
#[derive(Debug, Clone)]
pub struct Progress {
    tx: mpsc::Sender<String>,
}

impl Progress {
    /// A progress sink and the receiver the server streams from.
    pub(crate) fn channel() -> (Progress, mpsc::Receiver<String>) {
        let (tx, rx) = mpsc::channel(64);
        (Progress { tx }, rx)
    }

    /// Sends one progress message. Never fails: when Terraform stopped listening
    /// the message is dropped (the invocation is then being cancelled anyway).
    pub async fn report(&self, message: impl Into<String>) {
        let message = message.into();
        tracing::info!(progress = %message, "action progress");
        let _ = self.tx.send(message).await;
    }

    /// A sink that discards messages (for unit tests of action code).
    pub fn discard() -> Progress {
        let (tx, mut rx) = mpsc::channel::<String>(8);
        tokio::spawn(async move { while rx.recv().await.is_some() {} });
        Progress { tx }
    }
}

/// An action type.
#[async_trait]
pub trait Action<D: Send + Sync + 'static>: Send + Sync + 'static {
    /// The configuration model (field names = attribute names), decoded strictly
    /// at invoke time, when every value is known.
    type Model: DeserializeOwned + Send + Sync + 'static;

    /// Full type name, e.g. `logexaminer_rotate_secret`.
    fn type_name(&self) -> &'static str;
    /// The configuration schema.
    fn schema(&self) -> Schema;
    /// Cross-attribute validation beyond the schema's validators. Values may be
    /// unknown: check only what is known.
    async fn validate(&self, _config: &Config) -> Diagnostics {
        Diagnostics::new()
    }
    /// Plan-time checks with the provider configured (values may still be unknown).
    /// Must not change anything.
    async fn plan(&self, _ctx: &Ctx<D>, _config: &Config) -> Diagnostics {
        Diagnostics::new()
    }
    /// Runs the action. Progress goes to `progress`; the returned diagnostics
    /// complete the invocation (an error fails the apply).
    async fn invoke(&self, ctx: &Ctx<D>, config: Self::Model, progress: &Progress) -> Diagnostics;
}

/// An action as the server sees it. Implemented for every [`Action`] via [`action`].
#[async_trait]
pub trait DynAction<D>: Send + Sync {
    /// Type name.
    fn type_name(&self) -> &'static str;
    /// Schema.
    fn schema(&self) -> Schema;
    /// Validate hook.
    async fn validate(&self, config: &Config) -> Diagnostics;
    /// Plan hook.
    async fn plan(&self, ctx: &Ctx<D>, config: &Config) -> Diagnostics;
    /// Invoke with a decoded configuration value.
    async fn invoke(&self, ctx: &Ctx<D>, config: Value, progress: &Progress) -> Diagnostics;
}

struct ActionAdapter<A> {
    inner: A,
}

/// Wraps a typed action for [`crate::Provider::actions`].
pub fn action<D, A>(a: A) -> Arc<dyn DynAction<D>>
where
    D: Send + Sync + 'static,
    A: Action<D>,
{
    Arc::new(ActionAdapter { inner: a })
}

#[async_trait]
impl<D, A> DynAction<D> for ActionAdapter<A>
where
    D: Send + Sync + 'static,
    A: Action<D>,
{
    fn type_name(&self) -> &'static str {
        self.inner.type_name()
    }
    fn schema(&self) -> Schema {
        self.inner.schema()
    }
    async fn validate(&self, config: &Config) -> Diagnostics {
        self.inner.validate(config).await
    }
    async fn plan(&self, ctx: &Ctx<D>, config: &Config) -> Diagnostics {
        self.inner.plan(ctx, config).await
    }
    async fn invoke(&self, ctx: &Ctx<D>, config: Value, progress: &Progress) -> Diagnostics {
        let decoded: DiagResult<A::Model> = model::from_value(&config);
        match decoded {
            Ok(m) => self.inner.invoke(ctx, m, progress).await,
            Err(d) => d,
        }
    }
}
