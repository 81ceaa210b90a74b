//! List resources (protocol 6.9+, Terraform 1.14+): discovery of existing
//! objects of a managed resource type for `terraform query` (`list` blocks in
//! `*.tfquery.hcl`), whose results Terraform can turn into `import` blocks and
//! configuration (`-generate-config-out`).
//!
//! A list resource has the same type name as the managed resource it lists; that
//! resource must have an identity schema, since every result is an identity
//! (plus a display name and, when asked, the full resource object).

use std::sync::Arc;

use async_trait::async_trait;
use serde::Serialize;
use serde::de::DeserializeOwned;
use tokio::sync::mpsc;

use crate::diag::{Diagnostic, Diagnostics};
use crate::model;
use crate::provider::{Config, Ctx};
use crate::schema::Schema;
use crate::types::Type;
use crate::value::Value;

/// What Terraform asked for besides the configuration.
#[derive(Debug, Clone, Copy)]
pub struct ListRequest {
    /// The most results Terraform will read (it stops the stream after that).
    pub limit: i64,
    /// Whether each result should carry the full resource object.
    pub include_resource: bool,
}

/// One result of a listing.
#[derive(Debug, Clone)]
pub struct Listed<S> {
    /// The object's identity (an object of the resource's identity schema).
    pub identity: Value,
    /// A short human-readable name.
    pub display_name: String,
    /// The full resource object (only read when asked for).
    pub resource: Option<S>,
}

/// Where a listing sends its results. Sending stops (returns false) when
/// Terraform has read enough or went away: the listing should then return.
pub struct ListSink<S> {
    tx: mpsc::Sender<ListEvent>,
    resource_ty: Type,
    sent: i64,
    limit: i64,
    _state: std::marker::PhantomData<fn(&S)>,
}

/// A raw event of a listing, as the server streams it to Terraform.
#[derive(Debug)]
pub enum ListEvent {
    /// One result, already encoded.
    Item {
        /// The identity object.
        identity: Value,
        /// A human-readable name.
        display_name: String,
        /// The resource object, when asked for.
        resource: Option<Value>,
    },
    /// Warnings or errors (an error ends the listing).
    Diagnostics(Diagnostics),
}

impl<S: Serialize> ListSink<S> {
    /// Sends one result; false when no more results are wanted.
    pub async fn send(&mut self, item: Listed<S>) -> bool {
        if self.sent >= self.limit {
            return false;
        }
        let resource = match item
            .resource
            .as_ref()
            .map(|r| model::to_value(r, &self.resource_ty))
        {
            Some(Ok(v)) => Some(v),
            Some(Err(d)) => {
                let _ = self.tx.send(ListEvent::Diagnostics(d)).await;
                return false;
            }
            None => None,
        };
        self.sent += 1;
        self.tx
            .send(ListEvent::Item {
                identity: item.identity,
                display_name: item.display_name,
                resource,
            })
            .await
            .is_ok()
            && self.sent < self.limit
    }

    /// Sends a warning or error; an error ends the listing in Terraform.
    pub async fn diagnostic(&mut self, d: Diagnostic) -> bool {
        let fatal = d.is_error();
        self.tx.send(ListEvent::Diagnostics(d.into())).await.is_ok() && !fatal
    }
}

/// A list resource type.
#[async_trait]
pub trait ListResource<D: Send + Sync + 'static>: Send + Sync + 'static {
    /// The list configuration model (the `config` block of a `list` block).
    type Config: DeserializeOwned + Send + Sync + 'static;
    /// The listed resource's state model (as in its [`crate::Resource`]).
    type State: Serialize + Send + Sync + 'static;

    /// The managed resource type this lists (same name).
    fn type_name(&self) -> &'static str;
    /// The list configuration schema.
    fn schema(&self) -> Schema;
    /// Cross-attribute validation of the list configuration.
    async fn validate(&self, _config: &Config) -> Diagnostics {
        Diagnostics::new()
    }
    /// Lists: sends results to `sink` until done or `sink.send` returns false.
    /// Diagnostics returned end the listing (an error fails the query).
    async fn list(
        &self,
        ctx: &Ctx<D>,
        config: Self::Config,
        req: ListRequest,
        sink: &mut ListSink<Self::State>,
    ) -> Diagnostics;
}

/// A list resource as the server sees it.
#[async_trait]
pub trait DynListResource<D>: Send + Sync {
    /// Type name.
    fn type_name(&self) -> &'static str;
    /// Schema.
    fn schema(&self) -> Schema;
    /// Validate hook.
    async fn validate(&self, config: &Config) -> Diagnostics;
    /// Runs the listing, sending raw events to `tx`; `resource_ty` encodes objects.
    async fn list(
        &self,
        ctx: &Ctx<D>,
        config: Value,
        req: ListRequest,
        resource_ty: Type,
        tx: mpsc::Sender<ListEvent>,
    );
}

struct ListAdapter<L> {
    inner: L,
}

/// Wraps a typed list resource for [`crate::Provider::list_resources`].
pub fn list_resource<D, L>(l: L) -> Arc<dyn DynListResource<D>>
where
    D: Send + Sync + 'static,
    L: ListResource<D>,
{
    Arc::new(ListAdapter { inner: l })
}

#[async_trait]
impl<D, L> DynListResource<D> for ListAdapter<L>
where
    D: Send + Sync + 'static,
    L: ListResource<D>,
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
    async fn list(
        &self,
        ctx: &Ctx<D>,
        config: Value,
        req: ListRequest,
        resource_ty: Type,
        tx: mpsc::Sender<ListEvent>,
    ) {
        let cfg: L::Config = match model::from_value(&config) {
            Ok(c) => c,
            Err(d) => {
                let _ = tx.send(ListEvent::Diagnostics(d)).await;
                return;
            }
        };
        let mut sink = ListSink {
            tx: tx.clone(),
            resource_ty,
            sent: 0,
            limit: req.limit.max(0),
            _state: std::marker::PhantomData,
        };
        let diags = self.inner.list(ctx, cfg, req, &mut sink).await;
        if !diags.is_empty() {
            let _ = tx.send(ListEvent::Diagnostics(diags)).await;
        }
    }
}
