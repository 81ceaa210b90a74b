//! The provider-facing API: a [`Provider`] with typed [`Resource`]s, [`DataSource`]s,
//! [`EphemeralResource`]s, [`Function`]s, actions ([`crate::action`]) and list
//! resources ([`crate::list`]). Each works with serde models; the
//! server (crate::server) does all encoding, planning defaults and protocol rules.

use std::sync::Arc;
use std::time::SystemTime;

use async_trait::async_trait;
use serde::Serialize;
use serde::de::DeserializeOwned;
use tokio::sync::watch;

use crate::action::DynAction;
use crate::diag::{DiagResult, Diagnostic, Diagnostics};
use crate::list::DynListResource;
use crate::model;
use crate::path::AttrPath;
use crate::schema::{IdentitySchema, Schema};
use crate::types::Type;
use crate::value::Value;

/// What every operation gets: the configured provider data and cancellation.
pub struct Ctx<D> {
    data: Option<Arc<D>>,
    stop: watch::Receiver<bool>,
}

impl<D> Clone for Ctx<D> {
    fn clone(&self) -> Self {
        Ctx {
            data: self.data.clone(),
            stop: self.stop.clone(),
        }
    }
}

impl<D> Ctx<D> {
    pub(crate) fn new(data: Option<Arc<D>>, stop: watch::Receiver<bool>) -> Self {
        Ctx { data, stop }
    }
    /// The data `Provider::configure` returned; an error diagnostic before configuration.
    pub fn data(&self) -> DiagResult<&D> {
        self.data.as_deref().ok_or_else(|| {
            Diagnostics::from(Diagnostic::error(
                "Provider not configured",
                "Terraform called an operation that needs the provider configuration before configuring the provider.",
            ))
        })
    }
    /// Resolves when Terraform asks the provider to stop (StopProvider).
    pub async fn stopped(&self) {
        let mut rx = self.stop.clone();
        while !*rx.borrow() {
            if rx.changed().await.is_err() {
                std::future::pending::<()>().await;
            }
        }
    }
    /// True once StopProvider was received.
    pub fn is_stopped(&self) -> bool {
        *self.stop.borrow()
    }
}

/// A configuration value with typed accessors.
#[derive(Debug, Clone)]
pub struct Config {
    value: Value,
}

impl Config {
    /// Wraps a value.
    pub fn new(value: Value) -> Self {
        Config { value }
    }
    /// The raw value.
    pub fn value(&self) -> &Value {
        &self.value
    }
    /// The value at `path`.
    pub fn get(&self, path: &AttrPath) -> &Value {
        self.value.get(path)
    }
    /// Decodes into `T`, unknown values read as null (skip checks on them).
    pub fn model<T: DeserializeOwned>(&self) -> DiagResult<T> {
        model::from_value_lenient(&self.value)
    }
    /// Decodes into `T` strictly: unknowns only into [`model::Tf`] fields.
    pub fn model_strict<T: DeserializeOwned>(&self) -> DiagResult<T> {
        model::from_value(&self.value)
    }
    /// True when the value at `path` is known (possibly null).
    pub fn is_known(&self, path: &AttrPath) -> bool {
        self.value.get(path).is_fully_known()
    }
}

/// The plan of one resource instance, for [`Resource::modify_plan`].
#[derive(Debug, Clone)]
pub struct Plan {
    /// Prior state (null on create).
    pub prior: Value,
    /// Configuration.
    pub config: Config,
    /// The planned state so far (defaults, unknown computed values already applied).
    pub planned: Value,
    /// Attributes whose change forces replacement.
    pub requires_replace: Vec<AttrPath>,
    /// Private data carried to apply.
    pub private: Vec<u8>,
    pub(crate) ty: Type,
}

impl Plan {
    /// True on create.
    pub fn is_create(&self) -> bool {
        self.prior.is_null()
    }
    /// Prior state as `T` (None on create).
    pub fn prior_model<T: DeserializeOwned>(&self) -> DiagResult<Option<T>> {
        if self.prior.is_null() {
            return Ok(None);
        }
        model::from_value(&self.prior).map(Some)
    }
    /// Sets a planned attribute.
    pub fn set(&mut self, path: &AttrPath, v: Value) {
        self.planned.set(path, v);
    }
    /// Replaces the planned state with `model` (encoded with the schema's type).
    pub fn set_model<T: Serialize>(&mut self, m: &T) -> DiagResult<()> {
        self.planned = model::to_value(m, &self.ty)?;
        Ok(())
    }
    /// Marks `path` as forcing replacement.
    pub fn require_replace(&mut self, path: AttrPath) {
        if !self.requires_replace.contains(&path) {
            self.requires_replace.push(path);
        }
    }
}

/// The inputs of create and update.
#[derive(Debug, Clone)]
pub struct ApplyRequest<S> {
    /// What to create/update to: the planned state (defaults applied, prior
    /// computed values kept, values still unknown read as null) with the
    /// write-only values from configuration put back in. The provider fills the
    /// nulls and must clear write-only fields in what it returns (the server
    /// nulls them anyway).
    pub config: S,
    /// The raw configuration (write-only values live here).
    pub config_value: Value,
    /// The planned state (computed attributes possibly unknown).
    pub planned: Value,
    /// Private data from plan.
    pub private: Vec<u8>,
}

/// A failed create/update. When `partial` is set, Terraform records that state
/// (tainted on create) so the next apply converges instead of duplicating work.
#[derive(Debug, Clone)]
pub struct ApplyError<S> {
    /// What went wrong.
    pub diags: Diagnostics,
    /// What exists despite the failure.
    pub partial: Option<S>,
}

impl<S> From<Diagnostics> for ApplyError<S> {
    fn from(diags: Diagnostics) -> Self {
        ApplyError {
            diags,
            partial: None,
        }
    }
}

impl<S> From<Diagnostic> for ApplyError<S> {
    fn from(d: Diagnostic) -> Self {
        ApplyError {
            diags: d.into(),
            partial: None,
        }
    }
}

/// Result of create/update.
pub type ApplyResult<S> = Result<S, ApplyError<S>>;

/// A managed resource type.
#[async_trait]
pub trait Resource<D: Send + Sync + 'static>: Send + Sync + 'static {
    /// The state model (field names = attribute names).
    type State: Serialize + DeserializeOwned + Send + Sync + Clone + 'static;

    /// Full type name, e.g. `logexaminer_db_user`.
    fn type_name(&self) -> &'static str;
    /// The schema.
    fn schema(&self) -> Schema;
    /// The identity schema, if the resource has an identity.
    fn identity_schema(&self) -> Option<IdentitySchema> {
        None
    }
    /// The identity of a state (an object of the identity schema).
    fn identity(&self, _state: &Self::State) -> Option<Value> {
        None
    }
    /// Cross-attribute validation beyond the schema's validators.
    async fn validate(&self, _config: &Config) -> Diagnostics {
        Diagnostics::new()
    }
    /// Adjusts the plan (computed values known at plan time, extra replacements).
    async fn modify_plan(&self, _ctx: &Ctx<D>, _plan: &mut Plan) -> Diagnostics {
        Diagnostics::new()
    }
    /// Creates the resource.
    async fn create(
        &self,
        ctx: &Ctx<D>,
        req: ApplyRequest<Self::State>,
    ) -> ApplyResult<Self::State>;
    /// Reads it; `None` when it no longer exists (removed from state).
    async fn read(&self, ctx: &Ctx<D>, state: Self::State) -> DiagResult<Option<Self::State>>;
    /// Updates it in place.
    async fn update(
        &self,
        ctx: &Ctx<D>,
        prior: Self::State,
        req: ApplyRequest<Self::State>,
    ) -> ApplyResult<Self::State>;
    /// Deletes it (absent is success).
    async fn delete(&self, ctx: &Ctx<D>, prior: Self::State) -> DiagResult<()>;
    /// Imports by ID (or identity); the result is then read.
    async fn import(
        &self,
        _ctx: &Ctx<D>,
        _id: &str,
        _identity: Option<&Value>,
    ) -> DiagResult<Self::State> {
        Err(Diagnostic::error(
            "Import not supported",
            format!("{} cannot be imported.", self.type_name()),
        )
        .into())
    }
}

/// A data source type.
#[async_trait]
pub trait DataSource<D: Send + Sync + 'static>: Send + Sync + 'static {
    /// The model (field names = attribute names).
    type Model: Serialize + DeserializeOwned + Send + Sync + 'static;
    /// Full type name.
    fn type_name(&self) -> &'static str;
    /// The schema.
    fn schema(&self) -> Schema;
    /// Cross-attribute validation.
    async fn validate(&self, _config: &Config) -> Diagnostics {
        Diagnostics::new()
    }
    /// Reads: returns the model with computed attributes filled.
    async fn read(&self, ctx: &Ctx<D>, config: Self::Model) -> DiagResult<Self::Model>;
}

/// What opening an ephemeral resource yields.
#[derive(Debug, Clone)]
pub struct Opened<M> {
    /// The result value.
    pub result: M,
    /// Private data passed back on renew/close.
    pub private: Option<Vec<u8>>,
    /// When Terraform should call renew.
    pub renew_at: Option<SystemTime>,
}

/// An ephemeral resource type: values that never reach plan or state.
#[async_trait]
pub trait EphemeralResource<D: Send + Sync + 'static>: Send + Sync + 'static {
    /// The model.
    type Model: Serialize + DeserializeOwned + Send + Sync + 'static;
    /// Full type name.
    fn type_name(&self) -> &'static str;
    /// The schema.
    fn schema(&self) -> Schema;
    /// Cross-attribute validation.
    async fn validate(&self, _config: &Config) -> Diagnostics {
        Diagnostics::new()
    }
    /// Opens it.
    async fn open(&self, ctx: &Ctx<D>, config: Self::Model) -> DiagResult<Opened<Self::Model>>;
    /// Renews it; returns the next renewal time.
    async fn renew(
        &self,
        _ctx: &Ctx<D>,
        _private: Option<Vec<u8>>,
    ) -> DiagResult<Option<SystemTime>> {
        Ok(None)
    }
    /// Closes it.
    async fn close(&self, _ctx: &Ctx<D>, _private: Option<Vec<u8>>) -> DiagResult<()> {
        Ok(())
    }
}

/// A function parameter.
#[derive(Debug, Clone)]
pub struct Param {
    /// Name.
    pub name: String,
    /// Type constraint.
    pub ty: Type,
    /// Description.
    pub description: String,
    /// Whether null is accepted.
    pub allow_null: bool,
}

/// An error from a provider function.
#[derive(Debug, Clone)]
pub struct FunctionError {
    /// Message.
    pub text: String,
    /// Index of the offending argument.
    pub argument: Option<i64>,
}

type FunctionImpl = dyn Fn(Vec<Value>) -> Result<Value, FunctionError> + Send + Sync;

/// A provider-defined function (pure; called as `provider::logexaminer::name(...)`).
#[derive(Clone)]
pub struct Function {
    /// Name.
    pub name: String,
    /// One-line summary.
    pub summary: String,
    /// Description.
    pub description: String,
    /// Parameters.
    pub params: Vec<Param>,
    /// Return type.
    pub returns: Type,
    /// Implementation.
    pub call: Arc<FunctionImpl>,
}

/// A provider: schema, configuration and the types it serves.
#[async_trait]
pub trait Provider: Send + Sync + 'static {
    /// What `configure` produces and every operation receives (clients, settings).
    type Data: Send + Sync + 'static;
    /// The provider configuration schema.
    fn schema(&self) -> Schema;
    /// Cross-attribute validation of the provider configuration.
    async fn validate(&self, _config: &Config) -> Diagnostics {
        Diagnostics::new()
    }
    /// Configures the provider. Must not do network I/O that `terraform validate`
    /// would need (clients should be built lazily).
    async fn configure(&self, terraform_version: &str, config: Config) -> DiagResult<Self::Data>;
    /// Managed resource types.
    fn resources(&self) -> Vec<Arc<dyn DynResource<Self::Data>>>;
    /// Data source types.
    fn data_sources(&self) -> Vec<Arc<dyn DynDataSource<Self::Data>>>;
    /// Ephemeral resource types.
    fn ephemeral_resources(&self) -> Vec<Arc<dyn DynEphemeral<Self::Data>>> {
        Vec::new()
    }
    /// Functions.
    fn functions(&self) -> Vec<Function> {
        Vec::new()
    }
    /// Action types.
    fn actions(&self) -> Vec<Arc<dyn DynAction<Self::Data>>> {
        Vec::new()
    }
    /// List resource types (each lists a managed resource type of the same name,
    /// which must have an identity schema).
    fn list_resources(&self) -> Vec<Arc<dyn DynListResource<Self::Data>>> {
        Vec::new()
    }
}

// ---------------------------------------------------------------------------
// Type erasure: the server works with values; adapters decode/encode models.

/// Raw apply output.
pub struct RawApply {
    /// New state (null after delete).
    pub state: Value,
    /// Diagnostics.
    pub diags: Diagnostics,
}

/// A resource as the server sees it. Implemented for every [`Resource`] via [`resource`].
#[async_trait]
pub trait DynResource<D>: Send + Sync {
    /// Type name.
    fn type_name(&self) -> &'static str;
    /// Schema.
    fn schema(&self) -> Schema;
    /// Identity schema.
    fn identity_schema(&self) -> Option<IdentitySchema>;
    /// Identity of a state value.
    fn identity_of(&self, state: &Value) -> Option<Value>;
    /// Validate hook.
    async fn validate(&self, config: &Config) -> Diagnostics;
    /// Plan hook.
    async fn modify_plan(&self, ctx: &Ctx<D>, plan: &mut Plan) -> Diagnostics;
    /// Create.
    async fn create(
        &self,
        ctx: &Ctx<D>,
        config: Value,
        planned: Value,
        private: Vec<u8>,
    ) -> RawApply;
    /// Update.
    async fn update(
        &self,
        ctx: &Ctx<D>,
        prior: Value,
        config: Value,
        planned: Value,
        private: Vec<u8>,
    ) -> RawApply;
    /// Delete.
    async fn delete(&self, ctx: &Ctx<D>, prior: Value) -> Diagnostics;
    /// Read; `Value::Null` when gone.
    async fn read(&self, ctx: &Ctx<D>, state: Value) -> DiagResult<Value>;
    /// Import.
    async fn import(&self, ctx: &Ctx<D>, id: &str, identity: Option<&Value>) -> DiagResult<Value>;
}

struct ResourceAdapter<R> {
    inner: R,
    ty: Type,
    schema: Schema,
}

/// Wraps a typed resource for [`Provider::resources`].
pub fn resource<D, R>(r: R) -> Arc<dyn DynResource<D>>
where
    D: Send + Sync + 'static,
    R: Resource<D>,
{
    let schema = r.schema();
    let ty = schema.value_type();
    Arc::new(ResourceAdapter {
        inner: r,
        ty,
        schema,
    })
}

impl<R> ResourceAdapter<R> {
    fn encode<S: Serialize>(&self, s: &S) -> DiagResult<Value> {
        model::to_value(s, &self.ty)
    }
    fn finish<S: Serialize>(&self, r: Result<S, ApplyError<S>>, fallback: Value) -> RawApply {
        match r {
            Ok(s) => match self.encode(&s) {
                Ok(state) => RawApply {
                    state,
                    diags: Diagnostics::new(),
                },
                Err(diags) => RawApply {
                    state: fallback,
                    diags,
                },
            },
            Err(e) => {
                let state = match e.partial.as_ref().map(|p| self.encode(p)) {
                    Some(Ok(v)) => v,
                    _ => fallback,
                };
                RawApply {
                    state,
                    diags: e.diags,
                }
            }
        }
    }
}

#[async_trait]
impl<D, R> DynResource<D> for ResourceAdapter<R>
where
    D: Send + Sync + 'static,
    R: Resource<D>,
{
    fn type_name(&self) -> &'static str {
        self.inner.type_name()
    }
    fn schema(&self) -> Schema {
        self.inner.schema()
    }
    fn identity_schema(&self) -> Option<IdentitySchema> {
        self.inner.identity_schema()
    }
    fn identity_of(&self, state: &Value) -> Option<Value> {
        if state.is_null() || !state.is_fully_known() {
            return None;
        }
        let s: R::State = model::from_value(state).ok()?;
        self.inner.identity(&s)
    }
    async fn validate(&self, config: &Config) -> Diagnostics {
        self.inner.validate(config).await
    }
    async fn modify_plan(&self, ctx: &Ctx<D>, plan: &mut Plan) -> Diagnostics {
        plan.ty = self.ty.clone();
        self.inner.modify_plan(ctx, plan).await
    }
    async fn create(
        &self,
        ctx: &Ctx<D>,
        config: Value,
        planned: Value,
        private: Vec<u8>,
    ) -> RawApply {
        let working = crate::plan::with_write_only(&self.schema.block, &planned, &config);
        let cfg: R::State = match model::from_value_lenient(&working) {
            Ok(c) => c,
            Err(diags) => {
                return RawApply {
                    state: Value::Null,
                    diags,
                };
            }
        };
        let req = ApplyRequest {
            config: cfg,
            config_value: config,
            planned,
            private,
        };
        let r = self.inner.create(ctx, req).await;
        self.finish(r, Value::Null)
    }
    async fn update(
        &self,
        ctx: &Ctx<D>,
        prior: Value,
        config: Value,
        planned: Value,
        private: Vec<u8>,
    ) -> RawApply {
        let decoded = model::from_value::<R::State>(&prior).and_then(|p| {
            let working = crate::plan::with_write_only(&self.schema.block, &planned, &config);
            model::from_value_lenient::<R::State>(&working).map(|c| (p, c))
        });
        let (p, cfg) = match decoded {
            Ok(x) => x,
            Err(diags) => {
                return RawApply {
                    state: prior,
                    diags,
                };
            }
        };
        let req = ApplyRequest {
            config: cfg,
            config_value: config,
            planned,
            private,
        };
        let r = self.inner.update(ctx, p, req).await;
        self.finish(r, prior)
    }
    async fn delete(&self, ctx: &Ctx<D>, prior: Value) -> Diagnostics {
        match model::from_value::<R::State>(&prior) {
            Ok(p) => match self.inner.delete(ctx, p).await {
                Ok(()) => Diagnostics::new(),
                Err(d) => d,
            },
            Err(d) => d,
        }
    }
    async fn read(&self, ctx: &Ctx<D>, state: Value) -> DiagResult<Value> {
        let s: R::State = model::from_value(&state)?;
        match self.inner.read(ctx, s).await? {
            Some(n) => self.encode(&n),
            None => Ok(Value::Null),
        }
    }
    async fn import(&self, ctx: &Ctx<D>, id: &str, identity: Option<&Value>) -> DiagResult<Value> {
        let s = self.inner.import(ctx, id, identity).await?;
        self.encode(&s)
    }
}

/// A data source as the server sees it.
#[async_trait]
pub trait DynDataSource<D>: Send + Sync {
    /// Type name.
    fn type_name(&self) -> &'static str;
    /// Schema.
    fn schema(&self) -> Schema;
    /// Validate hook.
    async fn validate(&self, config: &Config) -> Diagnostics;
    /// Read.
    async fn read(&self, ctx: &Ctx<D>, config: Value) -> DiagResult<Value>;
}

struct DataSourceAdapter<T> {
    inner: T,
    ty: Type,
}

/// Wraps a typed data source for [`Provider::data_sources`].
pub fn data_source<D, T>(d: T) -> Arc<dyn DynDataSource<D>>
where
    D: Send + Sync + 'static,
    T: DataSource<D>,
{
    let ty = d.schema().value_type();
    Arc::new(DataSourceAdapter { inner: d, ty })
}

#[async_trait]
impl<D, T> DynDataSource<D> for DataSourceAdapter<T>
where
    D: Send + Sync + 'static,
    T: DataSource<D>,
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
    async fn read(&self, ctx: &Ctx<D>, config: Value) -> DiagResult<Value> {
        let m: T::Model = model::from_value(&config)?;
        let out = self.inner.read(ctx, m).await?;
        model::to_value(&out, &self.ty)
    }
}

/// An ephemeral resource as the server sees it.
#[async_trait]
pub trait DynEphemeral<D>: Send + Sync {
    /// Type name.
    fn type_name(&self) -> &'static str;
    /// Schema.
    fn schema(&self) -> Schema;
    /// Validate hook.
    async fn validate(&self, config: &Config) -> Diagnostics;
    /// Open.
    async fn open(&self, ctx: &Ctx<D>, config: Value) -> DiagResult<Opened<Value>>;
    /// Renew.
    async fn renew(&self, ctx: &Ctx<D>, private: Option<Vec<u8>>)
    -> DiagResult<Option<SystemTime>>;
    /// Close.
    async fn close(&self, ctx: &Ctx<D>, private: Option<Vec<u8>>) -> DiagResult<()>;
}

struct EphemeralAdapter<T> {
    inner: T,
    ty: Type,
}

/// Wraps a typed ephemeral resource for [`Provider::ephemeral_resources`].
pub fn ephemeral<D, T>(e: T) -> Arc<dyn DynEphemeral<D>>
where
    D: Send + Sync + 'static,
    T: EphemeralResource<D>,
{
    let ty = e.schema().value_type();
    Arc::new(EphemeralAdapter { inner: e, ty })
}

#[async_trait]
impl<D, T> DynEphemeral<D> for EphemeralAdapter<T>
where
    D: Send + Sync + 'static,
    T: EphemeralResource<D>,
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
    async fn open(&self, ctx: &Ctx<D>, config: Value) -> DiagResult<Opened<Value>> {
        let m: T::Model = model::from_value(&config)?;
        let o = self.inner.open(ctx, m).await?;
        Ok(Opened {
            result: model::to_value(&o.result, &self.ty)?,
            private: o.private,
            renew_at: o.renew_at,
        })
    }
    async fn renew(
        &self,
        ctx: &Ctx<D>,
        private: Option<Vec<u8>>,
    ) -> DiagResult<Option<SystemTime>> {
        self.inner.renew(ctx, private).await
    }
    async fn close(&self, ctx: &Ctx<D>, private: Option<Vec<u8>>) -> DiagResult<()> {
        self.inner.close(ctx, private).await
    }
}
