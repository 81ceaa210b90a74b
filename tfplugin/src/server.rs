//! The tfplugin6 `Provider` gRPC service, generic over a [`Provider`].
//!
//! Every handler decodes with the cached schema types, runs the provider code
//! under panic protection (a panic becomes an error diagnostic with its message)
//! and under StopProvider cancellation, then encodes the result.

use std::collections::HashMap;
use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::sync::{Arc, RwLock};
use std::time::SystemTime;

use futures::FutureExt;
use futures::future::BoxFuture;
use tokio::sync::watch;
use tonic::codegen::BoxStream;
use tonic::{Request, Response, Status};

use crate::action::{DynAction, Progress};
use crate::diag::{Diagnostic, Diagnostics};
use crate::error::CodecError;
use crate::list::{DynListResource, ListEvent, ListRequest};
use crate::plan;
use crate::proto::{self, tfplugin6 as pb};
use crate::provider::{
    Config, Ctx, DynDataSource, DynEphemeral, DynResource, Function, Plan, Provider,
};
use crate::schema::{Schema, validate_value};
use crate::types::Type;
use crate::value::Value;

struct Typed<T: ?Sized> {
    imp: Arc<T>,
    schema: Schema,
    ty: Type,
}

/// Serves one [`Provider`] over tfplugin6.
pub struct ProviderService<P: Provider> {
    provider: Arc<P>,
    provider_ty: Type,
    provider_schema: Schema,
    resources: HashMap<&'static str, Typed<dyn DynResource<P::Data>>>,
    data_sources: HashMap<&'static str, Typed<dyn DynDataSource<P::Data>>>,
    ephemerals: HashMap<&'static str, Typed<dyn DynEphemeral<P::Data>>>,
    actions: HashMap<&'static str, Typed<dyn DynAction<P::Data>>>,
    lists: HashMap<&'static str, Typed<dyn DynListResource<P::Data>>>,
    functions: HashMap<String, Function>,
    schema_response: pb::get_provider_schema::Response,
    data: RwLock<Option<Arc<P::Data>>>,
    stop_tx: watch::Sender<bool>,
    stop_rx: watch::Receiver<bool>,
}

impl<P: Provider> ProviderService<P> {
    /// Builds the service; all schemas are computed once here.
    pub fn new(provider: P) -> Self {
        let provider_schema = provider.schema();
        let provider_ty = provider_schema.value_type();
        let mut resources = HashMap::new();
        for r in provider.resources() {
            let schema = r.schema();
            let ty = schema.value_type();
            resources.insert(r.type_name(), Typed { imp: r, schema, ty });
        }
        let mut data_sources = HashMap::new();
        for d in provider.data_sources() {
            let schema = d.schema();
            let ty = schema.value_type();
            data_sources.insert(d.type_name(), Typed { imp: d, schema, ty });
        }
        let mut ephemerals = HashMap::new();
        for e in provider.ephemeral_resources() {
            let schema = e.schema();
            let ty = schema.value_type();
            ephemerals.insert(e.type_name(), Typed { imp: e, schema, ty });
        }
        let mut actions = HashMap::new();
        for a in provider.actions() {
            let schema = a.schema();
            let ty = schema.value_type();
            actions.insert(a.type_name(), Typed { imp: a, schema, ty });
        }
        let mut lists = HashMap::new();
        for l in provider.list_resources() {
            let schema = l.schema();
            let ty = schema.value_type();
            lists.insert(l.type_name(), Typed { imp: l, schema, ty });
        }
        let functions: HashMap<String, Function> = provider
            .functions()
            .into_iter()
            .map(|f| (f.name.clone(), f))
            .collect();
        let schema_response = pb::get_provider_schema::Response {
            provider: Some(proto::schema(&provider_schema)),
            resource_schemas: resources
                .iter()
                .map(|(k, v)| (k.to_string(), proto::schema(&v.schema)))
                .collect(),
            data_source_schemas: data_sources
                .iter()
                .map(|(k, v)| (k.to_string(), proto::schema(&v.schema)))
                .collect(),
            ephemeral_resource_schemas: ephemerals
                .iter()
                .map(|(k, v)| (k.to_string(), proto::schema(&v.schema)))
                .collect(),
            functions: functions
                .iter()
                .map(|(k, f)| (k.clone(), function_proto(f)))
                .collect(),
            action_schemas: actions
                .iter()
                .map(|(k, v)| {
                    let schema = Some(proto::schema(&v.schema));
                    (k.to_string(), pb::ActionSchema { schema })
                })
                .collect(),
            list_resource_schemas: lists
                .iter()
                .map(|(k, v)| (k.to_string(), proto::schema(&v.schema)))
                .collect(),
            server_capabilities: Some(capabilities()),
            ..Default::default()
        };
        let (stop_tx, stop_rx) = watch::channel(false);
        ProviderService {
            provider: Arc::new(provider),
            provider_ty,
            provider_schema,
            resources,
            data_sources,
            ephemerals,
            actions,
            lists,
            functions,
            schema_response,
            data: RwLock::new(None),
            stop_tx,
            stop_rx,
        }
    }

    fn ctx(&self) -> Ctx<P::Data> {
        let data = self.data.read().ok().and_then(|g| g.clone());
        Ctx::new(data, self.stop_rx.clone())
    }

    fn resource(&self, name: &str) -> Result<&Typed<dyn DynResource<P::Data>>, Diagnostics> {
        self.resources
            .get(name)
            .ok_or_else(|| unknown_type("resource", name))
    }

    fn data_source(&self, name: &str) -> Result<&Typed<dyn DynDataSource<P::Data>>, Diagnostics> {
        self.data_sources
            .get(name)
            .ok_or_else(|| unknown_type("data source", name))
    }

    fn ephemeral(&self, name: &str) -> Result<&Typed<dyn DynEphemeral<P::Data>>, Diagnostics> {
        self.ephemerals
            .get(name)
            .ok_or_else(|| unknown_type("ephemeral resource", name))
    }

    fn action(&self, name: &str) -> Result<&Typed<dyn DynAction<P::Data>>, Diagnostics> {
        self.actions
            .get(name)
            .ok_or_else(|| unknown_type("action", name))
    }

    fn list(&self, name: &str) -> Result<&Typed<dyn DynListResource<P::Data>>, Diagnostics> {
        self.lists
            .get(name)
            .ok_or_else(|| unknown_type("list resource", name))
    }

    /// Decodes a configuration, runs the schema's validators, then the type's own
    /// validate hook (under panic protection).
    async fn validate_config<T: ?Sized + Send + Sync + 'static>(
        &self,
        found: Result<&Typed<T>, Diagnostics>,
        config: Option<&pb::DynamicValue>,
        hook: impl FnOnce(Arc<T>, Config) -> BoxFuture<'static, Diagnostics>,
    ) -> Vec<pb::Diagnostic> {
        let mut diags = Diagnostics::new();
        let decoded = found.and_then(|t| {
            proto::decode(config, &t.ty)
                .map(|v| (t, v))
                .map_err(codec_diag)
        });
        if let Some((t, v)) = merge(decoded, &mut diags) {
            validate_value(&t.schema.block, &v, &Default::default(), &mut diags);
            let fut = hook(t.imp.clone(), Config::new(v));
            let out = guarded(&self.stop_rx, "validation", async move { Ok(fut.await) }).await;
            if let Some(d) = merge(out, &mut diags) {
                diags.extend(d);
            }
        }
        proto::diagnostics(&diags)
    }
}

fn capabilities() -> pb::ServerCapabilities {
    pb::ServerCapabilities {
        plan_destroy: true,
        get_provider_schema_optional: true,
        move_resource_state: false,
        generate_resource_config: false,
    }
}

fn function_proto(f: &Function) -> pb::Function {
    pb::Function {
        parameters: f
            .params
            .iter()
            .map(|p| pb::function::Parameter {
                name: p.name.clone(),
                r#type: p.ty.to_json_bytes(),
                allow_null_value: p.allow_null,
                allow_unknown_values: false,
                description: p.description.clone(),
                description_kind: pb::StringKind::Markdown as i32,
            })
            .collect(),
        variadic_parameter: None,
        r#return: Some(pb::function::Return {
            r#type: f.returns.to_json_bytes(),
        }),
        summary: f.summary.clone(),
        description: f.description.clone(),
        description_kind: pb::StringKind::Markdown as i32,
        deprecation_message: String::new(),
    }
}

fn unknown_type(kind: &str, name: &str) -> Diagnostics {
    Diagnostic::error(
        format!("Unknown {kind} type"),
        format!("This provider has no {kind} type {name:?}."),
    )
    .into()
}

fn no_identity(type_name: &str) -> Diagnostics {
    Diagnostic::error(
        "List resource without identity",
        format!("{type_name} has a list resource but its managed resource has no identity schema; this is a bug in the provider."),
    )
    .into()
}

fn codec_diag(e: CodecError) -> Diagnostics {
    Diagnostic::error("Invalid value from Terraform", e.to_string()).into()
}

fn panic_message(p: Box<dyn std::any::Any + Send>) -> String {
    if let Some(s) = p.downcast_ref::<&str>() {
        (*s).to_string()
    } else if let Some(s) = p.downcast_ref::<String>() {
        s.clone()
    } else {
        "unknown panic".to_string()
    }
}

/// Runs provider code: a panic becomes an error diagnostic, StopProvider cancels.
async fn guarded<T, F>(stop: &watch::Receiver<bool>, op: &str, fut: F) -> Result<T, Diagnostics>
where
    F: Future<Output = Result<T, Diagnostics>>,
{
    let mut stop = stop.clone();
    let stopped = async move {
        while !*stop.borrow() {
            if stop.changed().await.is_err() {
                std::future::pending::<()>().await;
            }
        }
    };
    tokio::select! {
        r = AssertUnwindSafe(fut).catch_unwind() => match r {
            Ok(v) => v,
            Err(p) => {
                let msg = panic_message(p);
                tracing::error!(operation = op, panic = %msg, "provider panicked");
                Err(Diagnostic::error(
                    "Provider internal error",
                    format!("The provider crashed during {op}: {msg}. This is a bug; please report it."),
                ).into())
            }
        },
        () = stopped => Err(Diagnostic::error(
            "Operation cancelled",
            format!("Terraform asked the provider to stop during {op}."),
        ).into()),
    }
}

fn merge<T>(r: Result<T, Diagnostics>, diags: &mut Diagnostics) -> Option<T> {
    match r {
        Ok(v) => Some(v),
        Err(d) => {
            diags.extend(d);
            None
        }
    }
}

fn identity_data(v: Option<Value>, ty: Option<&Type>) -> Option<pb::ResourceIdentityData> {
    let (v, ty) = (v?, ty?);
    proto::encode(&v, ty)
        .ok()
        .map(|dv| pb::ResourceIdentityData {
            identity_data: Some(dv),
        })
}

fn timestamp(t: SystemTime) -> prost_types::Timestamp {
    let d = t.duration_since(SystemTime::UNIX_EPOCH).unwrap_or_default();
    prost_types::Timestamp {
        seconds: i64::try_from(d.as_secs()).unwrap_or(i64::MAX),
        nanos: i32::try_from(d.subsec_nanos()).unwrap_or(0),
    }
}

#[tonic::async_trait]
impl<P: Provider> pb::provider_server::Provider for ProviderService<P> {
    async fn get_metadata(
        &self,
        _req: Request<pb::get_metadata::Request>,
    ) -> Result<Response<pb::get_metadata::Response>, Status> {
        use pb::get_metadata as m;
        Ok(Response::new(m::Response {
            server_capabilities: Some(capabilities()),
            diagnostics: vec![],
            data_sources: self
                .data_sources
                .keys()
                .map(|k| m::DataSourceMetadata {
                    type_name: k.to_string(),
                })
                .collect(),
            resources: self
                .resources
                .keys()
                .map(|k| m::ResourceMetadata {
                    type_name: k.to_string(),
                })
                .collect(),
            functions: self
                .functions
                .keys()
                .map(|k| m::FunctionMetadata { name: k.clone() })
                .collect(),
            ephemeral_resources: self
                .ephemerals
                .keys()
                .map(|k| m::EphemeralMetadata {
                    type_name: k.to_string(),
                })
                .collect(),
            actions: self
                .actions
                .keys()
                .map(|k| m::ActionMetadata {
                    type_name: k.to_string(),
                })
                .collect(),
            list_resources: self
                .lists
                .keys()
                .map(|k| m::ListResourceMetadata {
                    type_name: k.to_string(),
                })
                .collect(),
            ..Default::default()
        }))
    }

    async fn get_provider_schema(
        &self,
        _req: Request<pb::get_provider_schema::Request>,
    ) -> Result<Response<pb::get_provider_schema::Response>, Status> {
        Ok(Response::new(self.schema_response.clone()))
    }

    async fn get_resource_identity_schemas(
        &self,
        _req: Request<pb::get_resource_identity_schemas::Request>,
    ) -> Result<Response<pb::get_resource_identity_schemas::Response>, Status> {
        Ok(Response::new(pb::get_resource_identity_schemas::Response {
            identity_schemas: self
                .resources
                .iter()
                .filter_map(|(k, r)| {
                    r.imp
                        .identity_schema()
                        .map(|s| (k.to_string(), proto::identity_schema(&s)))
                })
                .collect(),
            diagnostics: vec![],
        }))
    }

    async fn get_functions(
        &self,
        _req: Request<pb::get_functions::Request>,
    ) -> Result<Response<pb::get_functions::Response>, Status> {
        Ok(Response::new(pb::get_functions::Response {
            functions: self.schema_response.functions.clone(),
            diagnostics: vec![],
        }))
    }

    async fn validate_provider_config(
        &self,
        req: Request<pb::validate_provider_config::Request>,
    ) -> Result<Response<pb::validate_provider_config::Response>, Status> {
        let req = req.into_inner();
        let mut diags = Diagnostics::new();
        if let Some(v) = merge(
            proto::decode(req.config.as_ref(), &self.provider_ty).map_err(codec_diag),
            &mut diags,
        ) {
            validate_value(
                &self.provider_schema.block,
                &v,
                &Default::default(),
                &mut diags,
            );
            let cfg = Config::new(v);
            let p = self.provider.clone();
            let r = guarded(&self.stop_rx, "provider validation", async move {
                Ok(p.validate(&cfg).await)
            })
            .await;
            if let Some(d) = merge(r, &mut diags) {
                diags.extend(d);
            }
        }
        Ok(Response::new(pb::validate_provider_config::Response {
            diagnostics: proto::diagnostics(&diags),
        }))
    }

    async fn configure_provider(
        &self,
        req: Request<pb::configure_provider::Request>,
    ) -> Result<Response<pb::configure_provider::Response>, Status> {
        let req = req.into_inner();
        let mut diags = Diagnostics::new();
        if let Some(v) = merge(
            proto::decode(req.config.as_ref(), &self.provider_ty).map_err(codec_diag),
            &mut diags,
        ) {
            let p = self.provider.clone();
            let tf = req.terraform_version.clone();
            let r = guarded(&self.stop_rx, "provider configuration", async move {
                p.configure(&tf, Config::new(v)).await
            })
            .await;
            if let Some(data) = merge(r, &mut diags)
                && let Ok(mut g) = self.data.write()
            {
                *g = Some(Arc::new(data));
            }
        }
        Ok(Response::new(pb::configure_provider::Response {
            diagnostics: proto::diagnostics(&diags),
        }))
    }

    async fn validate_resource_config(
        &self,
        req: Request<pb::validate_resource_config::Request>,
    ) -> Result<Response<pb::validate_resource_config::Response>, Status> {
        let req = req.into_inner();
        let diagnostics = self
            .validate_config(
                self.resource(&req.type_name),
                req.config.as_ref(),
                |imp, cfg| Box::pin(async move { imp.validate(&cfg).await }),
            )
            .await;
        Ok(Response::new(pb::validate_resource_config::Response {
            diagnostics,
        }))
    }

    async fn validate_data_resource_config(
        &self,
        req: Request<pb::validate_data_resource_config::Request>,
    ) -> Result<Response<pb::validate_data_resource_config::Response>, Status> {
        let req = req.into_inner();
        let diagnostics = self
            .validate_config(
                self.data_source(&req.type_name),
                req.config.as_ref(),
                |imp, cfg| Box::pin(async move { imp.validate(&cfg).await }),
            )
            .await;
        Ok(Response::new(pb::validate_data_resource_config::Response {
            diagnostics,
        }))
    }

    async fn validate_ephemeral_resource_config(
        &self,
        req: Request<pb::validate_ephemeral_resource_config::Request>,
    ) -> Result<Response<pb::validate_ephemeral_resource_config::Response>, Status> {
        let req = req.into_inner();
        let diagnostics = self
            .validate_config(
                self.ephemeral(&req.type_name),
                req.config.as_ref(),
                |imp, cfg| Box::pin(async move { imp.validate(&cfg).await }),
            )
            .await;
        Ok(Response::new(
            pb::validate_ephemeral_resource_config::Response { diagnostics },
        ))
    }

    async fn upgrade_resource_state(
        &self,
        req: Request<pb::upgrade_resource_state::Request>,
    ) -> Result<Response<pb::upgrade_resource_state::Response>, Status> {
        let req = req.into_inner();
        let mut diags = Diagnostics::new();
        let mut upgraded = None;
        if let Some(r) = merge(self.resource(&req.type_name), &mut diags) {
            if req.version > r.schema.version {
                diags.push(Diagnostic::error(
                    "State from a newer provider",
                    format!(
                        "The state of this {} was written with schema version {}, newer than this provider's {}. Upgrade the provider.",
                        req.type_name, req.version, r.schema.version
                    ),
                ));
            } else {
                let v = proto::decode_raw_json(req.raw_state.as_ref(), &r.ty)
                    .and_then(|v| proto::encode(&v, &r.ty))
                    .map_err(codec_diag);
                upgraded = merge(v, &mut diags);
            }
        }
        Ok(Response::new(pb::upgrade_resource_state::Response {
            upgraded_state: upgraded,
            diagnostics: proto::diagnostics(&diags),
        }))
    }

    async fn upgrade_resource_identity(
        &self,
        req: Request<pb::upgrade_resource_identity::Request>,
    ) -> Result<Response<pb::upgrade_resource_identity::Response>, Status> {
        let req = req.into_inner();
        let mut diags = Diagnostics::new();
        let mut out = None;
        if let Some(r) = merge(self.resource(&req.type_name), &mut diags) {
            match r.imp.identity_schema() {
                Some(s) => {
                    let ty = s.value_type();
                    let v = proto::decode_raw_json(req.raw_identity.as_ref(), &ty)
                        .and_then(|v| proto::encode(&v, &ty))
                        .map_err(codec_diag);
                    out = merge(v, &mut diags).map(|dv| pb::ResourceIdentityData {
                        identity_data: Some(dv),
                    });
                }
                None => diags.push(Diagnostic::error(
                    "No identity",
                    format!("{} has no resource identity.", req.type_name),
                )),
            }
        }
        Ok(Response::new(pb::upgrade_resource_identity::Response {
            upgraded_identity: out,
            diagnostics: proto::diagnostics(&diags),
        }))
    }

    async fn read_resource(
        &self,
        req: Request<pb::read_resource::Request>,
    ) -> Result<Response<pb::read_resource::Response>, Status> {
        let req = req.into_inner();
        let mut diags = Diagnostics::new();
        let mut resp = pb::read_resource::Response {
            private: req.private.clone(),
            ..Default::default()
        };
        let r = self.resource(&req.type_name).and_then(|r| {
            proto::decode(req.current_state.as_ref(), &r.ty)
                .map(|v| (r, v))
                .map_err(codec_diag)
        });
        if let Some((r, state)) = merge(r, &mut diags) {
            let imp = r.imp.clone();
            let ctx = self.ctx();
            let prior = state.clone();
            let out = guarded(
                &self.stop_rx,
                "read",
                async move { imp.read(&ctx, state).await },
            )
            .await;
            let new_state = merge(out, &mut diags).unwrap_or(prior);
            let id_ty = r.imp.identity_schema().map(|s| s.value_type());
            resp.new_identity = identity_data(r.imp.identity_of(&new_state), id_ty.as_ref());
            resp.new_state = merge(
                proto::encode(&new_state, &r.ty).map_err(codec_diag),
                &mut diags,
            );
        }
        resp.diagnostics = proto::diagnostics(&diags);
        Ok(Response::new(resp))
    }

    async fn plan_resource_change(
        &self,
        req: Request<pb::plan_resource_change::Request>,
    ) -> Result<Response<pb::plan_resource_change::Response>, Status> {
        let req = req.into_inner();
        let mut diags = Diagnostics::new();
        let mut resp = pb::plan_resource_change::Response::default();
        let decoded = self.resource(&req.type_name).and_then(|r| {
            let d = |x: Option<&pb::DynamicValue>| proto::decode(x, &r.ty).map_err(codec_diag);
            Ok((
                r,
                d(req.prior_state.as_ref())?,
                d(req.proposed_new_state.as_ref())?,
                d(req.config.as_ref())?,
            ))
        });
        if let Some((r, prior, proposed, config)) = merge(decoded, &mut diags) {
            let planned = if proposed.is_null() {
                // destroy plan (plan_destroy capability)
                Value::Null
            } else {
                let planned = plan::plan_computed(&r.schema.block, &proposed, &config, &prior);
                let mut p = Plan {
                    requires_replace: plan::requires_replace(&r.schema.block, &prior, &planned),
                    prior,
                    config: Config::new(config),
                    planned,
                    private: req.prior_private.clone(),
                    ty: r.ty.clone(),
                };
                let imp = r.imp.clone();
                let ctx = self.ctx();
                let out = guarded(&self.stop_rx, "plan", async move {
                    let d = imp.modify_plan(&ctx, &mut p).await;
                    Ok((p, d))
                })
                .await;
                match merge(out, &mut diags) {
                    Some((p, d)) => {
                        diags.extend(d);
                        let mut planned = p.planned;
                        plan::null_write_only(&r.schema.block, &mut planned);
                        resp.requires_replace =
                            p.requires_replace.iter().map(proto::attr_path).collect();
                        resp.planned_private = p.private;
                        planned
                    }
                    None => proposed,
                }
            };
            let id_ty = r.imp.identity_schema().map(|s| s.value_type());
            resp.planned_identity = identity_data(r.imp.identity_of(&planned), id_ty.as_ref())
                .or(req.prior_identity.clone());
            resp.planned_state = merge(
                proto::encode(&planned, &r.ty).map_err(codec_diag),
                &mut diags,
            );
        }
        resp.diagnostics = proto::diagnostics(&diags);
        Ok(Response::new(resp))
    }

    async fn apply_resource_change(
        &self,
        req: Request<pb::apply_resource_change::Request>,
    ) -> Result<Response<pb::apply_resource_change::Response>, Status> {
        let req = req.into_inner();
        let mut diags = Diagnostics::new();
        let mut resp = pb::apply_resource_change::Response::default();
        let decoded = self.resource(&req.type_name).and_then(|r| {
            let d = |x: Option<&pb::DynamicValue>| proto::decode(x, &r.ty).map_err(codec_diag);
            Ok((
                r,
                d(req.prior_state.as_ref())?,
                d(req.planned_state.as_ref())?,
                d(req.config.as_ref())?,
            ))
        });
        if let Some((r, prior, planned, config)) = merge(decoded, &mut diags) {
            let imp = r.imp.clone();
            let ctx = self.ctx();
            let private = req.planned_private.clone();
            let prior_c = prior.clone();
            let out = guarded(&self.stop_rx, "apply", async move {
                Ok(if planned.is_null() {
                    let d = imp.delete(&ctx, prior).await;
                    (Value::Null, d)
                } else if prior.is_null() {
                    let a = imp.create(&ctx, config, planned, private).await;
                    (a.state, a.diags)
                } else {
                    let a = imp.update(&ctx, prior, config, planned, private).await;
                    (a.state, a.diags)
                })
            })
            .await;
            let mut new_state = match merge(out, &mut diags) {
                Some((s, d)) => {
                    diags.extend(d);
                    s
                }
                None => prior_c,
            };
            plan::null_write_only(&r.schema.block, &mut new_state);
            let id_ty = r.imp.identity_schema().map(|s| s.value_type());
            resp.new_identity = identity_data(r.imp.identity_of(&new_state), id_ty.as_ref());
            resp.new_state = merge(
                proto::encode(&new_state, &r.ty).map_err(codec_diag),
                &mut diags,
            );
        }
        resp.diagnostics = proto::diagnostics(&diags);
        Ok(Response::new(resp))
    }

    async fn import_resource_state(
        &self,
        req: Request<pb::import_resource_state::Request>,
    ) -> Result<Response<pb::import_resource_state::Response>, Status> {
        let req = req.into_inner();
        let mut diags = Diagnostics::new();
        let mut resp = pb::import_resource_state::Response::default();
        if let Some(r) = merge(self.resource(&req.type_name), &mut diags) {
            let id_ty = r.imp.identity_schema().map(|s| s.value_type());
            let identity = match (&req.identity, &id_ty) {
                (Some(i), Some(t)) => merge(
                    proto::decode(i.identity_data.as_ref(), t).map_err(codec_diag),
                    &mut diags,
                ),
                _ => None,
            };
            let imp = r.imp.clone();
            let ctx = self.ctx();
            let id = req.id.clone();
            let out = guarded(&self.stop_rx, "import", async move {
                imp.import(&ctx, &id, identity.as_ref()).await
            })
            .await;
            if let Some(state) = merge(out, &mut diags)
                && let Some(dv) =
                    merge(proto::encode(&state, &r.ty).map_err(codec_diag), &mut diags)
            {
                resp.imported_resources
                    .push(pb::import_resource_state::ImportedResource {
                        type_name: req.type_name.clone(),
                        state: Some(dv),
                        private: vec![],
                        identity: identity_data(r.imp.identity_of(&state), id_ty.as_ref()),
                    });
            }
        }
        resp.diagnostics = proto::diagnostics(&diags);
        Ok(Response::new(resp))
    }

    async fn read_data_source(
        &self,
        req: Request<pb::read_data_source::Request>,
    ) -> Result<Response<pb::read_data_source::Response>, Status> {
        let req = req.into_inner();
        let mut diags = Diagnostics::new();
        let mut resp = pb::read_data_source::Response::default();
        let r = self.data_source(&req.type_name).and_then(|d| {
            proto::decode(req.config.as_ref(), &d.ty)
                .map(|v| (d, v))
                .map_err(codec_diag)
        });
        if let Some((d, cfg)) = merge(r, &mut diags) {
            validate_value(&d.schema.block, &cfg, &Default::default(), &mut diags);
            if !diags.has_errors() {
                let imp = d.imp.clone();
                let ctx = self.ctx();
                let out = guarded(&self.stop_rx, "data source read", async move {
                    imp.read(&ctx, cfg).await
                })
                .await;
                if let Some(v) = merge(out, &mut diags) {
                    resp.state = merge(proto::encode(&v, &d.ty).map_err(codec_diag), &mut diags);
                }
            }
        }
        resp.diagnostics = proto::diagnostics(&diags);
        Ok(Response::new(resp))
    }

    async fn open_ephemeral_resource(
        &self,
        req: Request<pb::open_ephemeral_resource::Request>,
    ) -> Result<Response<pb::open_ephemeral_resource::Response>, Status> {
        let req = req.into_inner();
        let mut diags = Diagnostics::new();
        let mut resp = pb::open_ephemeral_resource::Response::default();
        let r = self.ephemeral(&req.type_name).and_then(|d| {
            proto::decode(req.config.as_ref(), &d.ty)
                .map(|v| (d, v))
                .map_err(codec_diag)
        });
        if let Some((e, cfg)) = merge(r, &mut diags) {
            let imp = e.imp.clone();
            let ctx = self.ctx();
            let out = guarded(&self.stop_rx, "ephemeral open", async move {
                imp.open(&ctx, cfg).await
            })
            .await;
            if let Some(o) = merge(out, &mut diags) {
                resp.result = merge(
                    proto::encode(&o.result, &e.ty).map_err(codec_diag),
                    &mut diags,
                );
                resp.private = o.private;
                resp.renew_at = o.renew_at.map(timestamp);
            }
        }
        resp.diagnostics = proto::diagnostics(&diags);
        Ok(Response::new(resp))
    }

    async fn renew_ephemeral_resource(
        &self,
        req: Request<pb::renew_ephemeral_resource::Request>,
    ) -> Result<Response<pb::renew_ephemeral_resource::Response>, Status> {
        let req = req.into_inner();
        let mut diags = Diagnostics::new();
        let mut resp = pb::renew_ephemeral_resource::Response {
            private: req.private.clone(),
            ..Default::default()
        };
        let r = self.ephemeral(&req.type_name);
        if let Some(e) = merge(r, &mut diags) {
            let imp = e.imp.clone();
            let ctx = self.ctx();
            let private = req.private.clone();
            let out = guarded(&self.stop_rx, "ephemeral renew", async move {
                imp.renew(&ctx, private).await
            })
            .await;
            if let Some(at) = merge(out, &mut diags) {
                resp.renew_at = at.map(timestamp);
            }
        }
        resp.diagnostics = proto::diagnostics(&diags);
        Ok(Response::new(resp))
    }

    async fn close_ephemeral_resource(
        &self,
        req: Request<pb::close_ephemeral_resource::Request>,
    ) -> Result<Response<pb::close_ephemeral_resource::Response>, Status> {
        let req = req.into_inner();
        let mut diags = Diagnostics::new();
        let r = self.ephemeral(&req.type_name);
        if let Some(e) = merge(r, &mut diags) {
            let imp = e.imp.clone();
            let ctx = self.ctx();
            let private = req.private.clone();
            let out = guarded(&self.stop_rx, "ephemeral close", async move {
                imp.close(&ctx, private).await
            })
            .await;
            merge(out, &mut diags);
        }
        Ok(Response::new(pb::close_ephemeral_resource::Response {
            diagnostics: proto::diagnostics(&diags),
        }))
    }

    async fn call_function(
        &self,
        req: Request<pb::call_function::Request>,
    ) -> Result<Response<pb::call_function::Response>, Status> {
        let req = req.into_inner();
        let fail = |text: String, argument: Option<i64>| {
            Ok(Response::new(pb::call_function::Response {
                result: None,
                error: Some(pb::FunctionError {
                    text,
                    function_argument: argument,
                }),
            }))
        };
        let Some(f) = self.functions.get(&req.name) else {
            return fail(format!("no function named {:?}", req.name), None);
        };
        let mut args = Vec::with_capacity(req.arguments.len());
        for (i, (a, p)) in req.arguments.iter().zip(&f.params).enumerate() {
            match proto::decode(Some(a), &p.ty) {
                Ok(v) => args.push(v),
                Err(e) => return fail(e.to_string(), Some(i as i64)),
            }
        }
        let call = f.call.clone();
        let out = std::panic::catch_unwind(AssertUnwindSafe(move || call(args)));
        match out {
            Ok(Ok(v)) => match proto::encode(&v, &f.returns) {
                Ok(dv) => Ok(Response::new(pb::call_function::Response {
                    result: Some(dv),
                    error: None,
                })),
                Err(e) => fail(e.to_string(), None),
            },
            Ok(Err(e)) => fail(e.text, e.argument),
            Err(p) => fail(
                format!("provider function panicked: {}", panic_message(p)),
                None,
            ),
        }
    }

    async fn validate_action_config(
        &self,
        req: Request<pb::validate_action_config::Request>,
    ) -> Result<Response<pb::validate_action_config::Response>, Status> {
        let req = req.into_inner();
        let diagnostics = self
            .validate_config(
                self.action(&req.type_name),
                req.config.as_ref(),
                |imp, cfg| Box::pin(async move { imp.validate(&cfg).await }),
            )
            .await;
        Ok(Response::new(pb::validate_action_config::Response {
            diagnostics,
        }))
    }

    async fn plan_action(
        &self,
        req: Request<pb::plan_action::Request>,
    ) -> Result<Response<pb::plan_action::Response>, Status> {
        let req = req.into_inner();
        let mut diags = Diagnostics::new();
        let found = self.action(&req.action_type).and_then(|a| {
            proto::decode(req.config.as_ref(), &a.ty)
                .map(|v| (a, v))
                .map_err(codec_diag)
        });
        if let Some((a, v)) = merge(found, &mut diags) {
            validate_value(&a.schema.block, &v, &Default::default(), &mut diags);
            if !diags.has_errors() {
                let imp = a.imp.clone();
                let ctx = self.ctx();
                let cfg = Config::new(v);
                let out = guarded(&self.stop_rx, "action plan", async move {
                    Ok(imp.plan(&ctx, &cfg).await)
                })
                .await;
                if let Some(d) = merge(out, &mut diags) {
                    diags.extend(d);
                }
            }
        }
        Ok(Response::new(pb::plan_action::Response {
            diagnostics: proto::diagnostics(&diags),
            deferred: None,
        }))
    }

    async fn invoke_action(
        &self,
        req: Request<pb::invoke_action::Request>,
    ) -> Result<Response<BoxStream<pb::invoke_action::Event>>, Status> {
        use pb::invoke_action::{Event, event};
        let req = req.into_inner();
        let (tx, rx) = tokio::sync::mpsc::channel::<Result<Event, Status>>(16);
        let completed = |diags: &Diagnostics| Event {
            r#type: Some(event::Type::Completed(event::Completed {
                diagnostics: proto::diagnostics(diags),
            })),
        };
        let found = self.action(&req.action_type).and_then(|a| {
            let v = proto::decode(req.config.as_ref(), &a.ty).map_err(codec_diag)?;
            if v.is_fully_known() {
                Ok((a.imp.clone(), v))
            } else {
                Err(Diagnostic::error(
                    "Action configuration not known",
                    "Terraform invoked the action before every configuration value was known.",
                )
                .into())
            }
        });
        match found {
            Err(diags) => {
                let _ = tx.send(Ok(completed(&diags))).await;
            }
            Ok((imp, cfg)) => {
                let ctx = self.ctx();
                let stop = self.stop_rx.clone();
                let name = req.action_type.clone();
                tokio::spawn(async move {
                    let (progress, mut messages) = Progress::channel();
                    let work = guarded(&stop, "action invoke", async move {
                        Ok(imp.invoke(&ctx, cfg, &progress).await)
                    });
                    tokio::pin!(work);
                    let outcome = loop {
                        tokio::select! {
                            Some(message) = messages.recv() => {
                                let ev = Event {
                                    r#type: Some(event::Type::Progress(event::Progress { message })),
                                };
                                if tx.send(Ok(ev)).await.is_err() {
                                    tracing::warn!(action = %name, "Terraform stopped reading action progress");
                                }
                            }
                            r = &mut work => break r,
                        }
                    };
                    while let Ok(message) = messages.try_recv() {
                        let ev = Event {
                            r#type: Some(event::Type::Progress(event::Progress { message })),
                        };
                        let _ = tx.send(Ok(ev)).await;
                    }
                    let diags = outcome.unwrap_or_else(|d| d);
                    let _ = tx.send(Ok(completed(&diags))).await;
                });
            }
        }
        Ok(Response::new(Box::pin(
            tokio_stream::wrappers::ReceiverStream::new(rx),
        )))
    }

    async fn validate_list_resource_config(
        &self,
        req: Request<pb::validate_list_resource_config::Request>,
    ) -> Result<Response<pb::validate_list_resource_config::Response>, Status> {
        let req = req.into_inner();
        let mut diagnostics = self
            .validate_config(
                self.list(&req.type_name),
                req.config.as_ref(),
                |imp, cfg| Box::pin(async move { imp.validate(&cfg).await }),
            )
            .await;
        if let Ok(r) = self.resource(&req.type_name)
            && r.imp.identity_schema().is_none()
        {
            diagnostics.extend(proto::diagnostics(&no_identity(&req.type_name)));
        }
        Ok(Response::new(pb::validate_list_resource_config::Response {
            diagnostics,
        }))
    }

    async fn list_resource(
        &self,
        req: Request<pb::list_resource::Request>,
    ) -> Result<Response<BoxStream<pb::list_resource::Event>>, Status> {
        use pb::list_resource::Event;
        let req = req.into_inner();
        let (out_tx, out_rx) = tokio::sync::mpsc::channel::<Result<Event, Status>>(16);
        let diag_event = |d: &Diagnostics| Event {
            diagnostic: proto::diagnostics(d),
            ..Default::default()
        };
        let found = self.list(&req.type_name).and_then(|l| {
            let r = self.resource(&req.type_name)?;
            let id_ty = r
                .imp
                .identity_schema()
                .map(|s| s.value_type())
                .ok_or_else(|| no_identity(&req.type_name))?;
            let v = proto::decode(req.config.as_ref(), &l.ty).map_err(codec_diag)?;
            if !v.is_fully_known() {
                return Err(Diagnostic::error(
                    "List configuration not known",
                    "Every value of a list block's configuration must be known.",
                )
                .into());
            }
            Ok((l.imp.clone(), v, r.ty.clone(), id_ty))
        });
        match found {
            Err(d) => {
                let _ = out_tx.send(Ok(diag_event(&d))).await;
            }
            Ok((imp, cfg, resource_ty, id_ty)) => {
                let ctx = self.ctx();
                let stop = self.stop_rx.clone();
                let list_req = ListRequest {
                    limit: req.limit,
                    include_resource: req.include_resource_object,
                };
                let (tx, mut events) = tokio::sync::mpsc::channel::<ListEvent>(16);
                let rty = resource_ty.clone();
                tokio::spawn(async move {
                    let work = guarded(&stop, "list", async move {
                        imp.list(&ctx, cfg, list_req, rty, tx).await;
                        Ok(())
                    });
                    let fwd_tx = out_tx.clone();
                    let forward = async move {
                        while let Some(ev) = events.recv().await {
                            let out = match ev {
                                ListEvent::Diagnostics(d) => diag_event(&d),
                                ListEvent::Item {
                                    identity,
                                    display_name,
                                    resource,
                                } => match proto::encode(&identity, &id_ty) {
                                    Err(e) => diag_event(&codec_diag(e)),
                                    Ok(dv) => Event {
                                        identity: Some(pb::ResourceIdentityData {
                                            identity_data: Some(dv),
                                        }),
                                        display_name,
                                        resource_object: resource
                                            .filter(|_| list_req.include_resource)
                                            .and_then(|r| proto::encode(&r, &resource_ty).ok()),
                                        diagnostic: vec![],
                                    },
                                },
                            };
                            if fwd_tx.send(Ok(out)).await.is_err() {
                                break;
                            }
                        }
                    };
                    let (r, ()) = tokio::join!(work, forward);
                    if let Err(d) = r {
                        let _ = out_tx.send(Ok(diag_event(&d))).await;
                    }
                });
            }
        }
        Ok(Response::new(Box::pin(
            tokio_stream::wrappers::ReceiverStream::new(out_rx),
        )))
    }

    async fn stop_provider(
        &self,
        _req: Request<pb::stop_provider::Request>,
    ) -> Result<Response<pb::stop_provider::Response>, Status> {
        tracing::info!("StopProvider received: cancelling in-flight operations");
        let _ = self.stop_tx.send(true);
        Ok(Response::new(pb::stop_provider::Response {
            error: String::new(),
        }))
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use async_trait::async_trait;
    use serde::{Deserialize, Serialize};

    use super::*;
    use crate::provider::{ApplyRequest, ApplyResult, DynDataSource, DynResource};
    use crate::schema::{Attribute, Block};
    use crate::{DiagResult, resource};
    use pb::provider_server::Provider as _;

    struct P;
    #[derive(Clone, Serialize, Deserialize)]
    struct S {
        id: Option<String>,
        mode: Option<String>,
        pw: Option<String>,
    }
    struct R;

    #[async_trait]
    impl crate::Resource<()> for R {
        type State = S;
        fn type_name(&self) -> &'static str {
            "t_r"
        }
        fn schema(&self) -> Schema {
            Schema::new(
                Block::new("r")
                    .attr(Attribute::string("id").computed())
                    .attr(Attribute::string("mode").required())
                    .attr(Attribute::string("pw").write_only()),
            )
        }
        async fn create(&self, _c: &Ctx<()>, req: ApplyRequest<S>) -> ApplyResult<S> {
            let mut s = req.config;
            match s.mode.as_deref() {
                Some("panic") => panic!("boom at create"),
                Some("hang") => {
                    tokio::time::sleep(Duration::from_secs(3600)).await;
                }
                _ => {}
            }
            assert_eq!(s.pw.as_deref(), Some("sekrit"));
            s.id = Some("x".into());
            Ok(s)
        }
        async fn read(&self, _c: &Ctx<()>, s: S) -> DiagResult<Option<S>> {
            Ok(Some(s))
        }
        async fn update(&self, _c: &Ctx<()>, _p: S, r: ApplyRequest<S>) -> ApplyResult<S> {
            Ok(r.config)
        }
        async fn delete(&self, _c: &Ctx<()>, _p: S) -> DiagResult<()> {
            Ok(())
        }
    }

    #[async_trait]
    impl Provider for P {
        type Data = ();
        fn schema(&self) -> Schema {
            Schema::new(Block::new("p"))
        }
        async fn configure(&self, _v: &str, _c: Config) -> DiagResult<()> {
            Ok(())
        }
        fn resources(&self) -> Vec<Arc<dyn DynResource<()>>> {
            vec![resource(R)]
        }
        fn data_sources(&self) -> Vec<Arc<dyn DynDataSource<()>>> {
            vec![]
        }
    }

    fn obj(mode: &str) -> Value {
        Value::Object(
            [
                ("id".to_string(), Value::Null),
                ("mode".to_string(), Value::from(mode)),
                ("pw".to_string(), Value::from("sekrit")),
            ]
            .into_iter()
            .collect(),
        )
    }

    fn apply_req(svc: &ProviderService<P>, mode: &str) -> pb::apply_resource_change::Request {
        let ty = &svc.resources["t_r"].ty;
        let mut planned = obj(mode);
        planned.set(&crate::AttrPath::attribute("id"), Value::Unknown);
        planned.set(&crate::AttrPath::attribute("pw"), Value::Null);
        pb::apply_resource_change::Request {
            type_name: "t_r".into(),
            prior_state: Some(proto::encode(&Value::Null, ty).expect("enc")),
            planned_state: Some(proto::encode(&planned, ty).expect("enc")),
            config: Some(proto::encode(&obj(mode), ty).expect("enc")),
            ..Default::default()
        }
    }

    async fn configured() -> ProviderService<P> {
        let svc = ProviderService::new(P);
        let r = svc
            .configure_provider(Request::new(pb::configure_provider::Request::default()))
            .await
            .expect("configure");
        assert!(r.into_inner().diagnostics.is_empty());
        svc
    }

    #[tokio::test]
    async fn apply_creates_and_strips_write_only() {
        let svc = configured().await;
        let resp = svc
            .apply_resource_change(Request::new(apply_req(&svc, "ok")))
            .await
            .expect("rpc")
            .into_inner();
        assert!(resp.diagnostics.is_empty(), "{:?}", resp.diagnostics);
        let ty = &svc.resources["t_r"].ty;
        let st = proto::decode(resp.new_state.as_ref(), ty).expect("dec");
        assert_eq!(st.attr("id"), &Value::from("x"));
        assert_eq!(st.attr("pw"), &Value::Null);
    }

    #[tokio::test]
    async fn panic_becomes_error_diagnostic() {
        let svc = configured().await;
        let resp = svc
            .apply_resource_change(Request::new(apply_req(&svc, "panic")))
            .await
            .expect("rpc")
            .into_inner();
        assert_eq!(resp.diagnostics.len(), 1);
        assert_eq!(resp.diagnostics[0].summary, "Provider internal error");
        assert!(resp.diagnostics[0].detail.contains("boom at create"));
    }

    #[tokio::test]
    async fn stop_provider_cancels_in_flight_work() {
        let svc = Arc::new(configured().await);
        let s2 = svc.clone();
        let req = apply_req(&svc, "hang");
        let task = tokio::spawn(async move { s2.apply_resource_change(Request::new(req)).await });
        tokio::time::sleep(Duration::from_millis(50)).await;
        svc.stop_provider(Request::new(pb::stop_provider::Request {}))
            .await
            .expect("stop");
        let resp = tokio::time::timeout(Duration::from_secs(5), task)
            .await
            .expect("cancelled in time")
            .expect("join")
            .expect("rpc")
            .into_inner();
        assert_eq!(resp.diagnostics[0].summary, "Operation cancelled");
    }

    #[tokio::test]
    async fn unknown_type_and_unimplemented_rpcs() {
        let svc = configured().await;
        let resp = svc
            .read_resource(Request::new(pb::read_resource::Request {
                type_name: "nope".into(),
                ..Default::default()
            }))
            .await
            .expect("rpc")
            .into_inner();
        assert_eq!(resp.diagnostics[0].summary, "Unknown resource type");
        let st = svc
            .move_resource_state(Request::new(pb::move_resource_state::Request::default()))
            .await
            .expect_err("unimplemented");
        assert_eq!(st.code(), tonic::Code::Unimplemented);
    }

    #[tokio::test]
    async fn plan_marks_computed_unknown_and_nulls_write_only() {
        let svc = configured().await;
        let ty = svc.resources["t_r"].ty.clone();
        let resp = svc
            .plan_resource_change(Request::new(pb::plan_resource_change::Request {
                type_name: "t_r".into(),
                prior_state: Some(proto::encode(&Value::Null, &ty).expect("enc")),
                proposed_new_state: Some(proto::encode(&obj("ok"), &ty).expect("enc")),
                config: Some(proto::encode(&obj("ok"), &ty).expect("enc")),
                ..Default::default()
            }))
            .await
            .expect("rpc")
            .into_inner();
        let planned = proto::decode(resp.planned_state.as_ref(), &ty).expect("dec");
        assert_eq!(planned.attr("id"), &Value::Unknown);
        assert_eq!(planned.attr("pw"), &Value::Null);
        let schema = svc
            .get_provider_schema(Request::new(pb::get_provider_schema::Request {}))
            .await
            .expect("rpc")
            .into_inner();
        let caps = schema.server_capabilities.expect("caps");
        assert!(caps.plan_destroy && caps.get_provider_schema_optional);
    }
}

#[cfg(test)]
#[path = "server_action_list_tests.rs"]
mod action_list_tests;
