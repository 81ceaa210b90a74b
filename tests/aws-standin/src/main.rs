//! `terraform-provider-aws-standin`: a test-only provider registered as
//! `registry.terraform.io/hashicorp/aws` (hashicorp/aws itself cannot be downloaded
//! here). It serves the real aws schema, given as `terraform providers schema -json`
//! data in the file named by `AWS_STANDIN_SCHEMA` (rebuilt at test time from the npm
//! package `@cdktn/provider-aws` by `tools/aws_schema/extract.py`), so Terraform core
//! checks every attribute name and type in our modules.
//!
//! Behaviour: plan marks unset computed attributes unknown (the protocol layer's
//! default planning); apply fills unknowns with deterministic fake values (IDs,
//! ARNs, zero numbers, empty collections); read returns the state unchanged; delete
//! succeeds; import yields a state with only `id` set.

mod schema_json;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use async_trait::async_trait;
use tfplugin::provider::{DynDataSource, DynResource, Plan, RawApply};
use tfplugin::{Config, Ctx, DiagResult, Diagnostic, Diagnostics, Schema, Type, Value};

struct Standin {
    provider: Schema,
    resources: Vec<(String, Schema)>,
    data_sources: Vec<(String, Schema)>,
}

static COUNTER: AtomicU64 = AtomicU64::new(1);

/// Replaces every unknown inside `v` (of type `ty`) by a fake known value.
fn fill(v: &mut Value, ty: &Type, type_name: &str, attr: &str) {
    match v {
        Value::Unknown => *v = fake(ty, type_name, attr),
        Value::Object(m) => {
            if let Type::Object(attrs, _) = ty {
                for (k, t) in attrs {
                    if let Some(x) = m.get_mut(k) {
                        fill(x, t, type_name, k);
                    }
                }
            }
        }
        Value::List(items) | Value::Set(items) => {
            let et = match ty {
                Type::List(e) | Type::Set(e) => (**e).clone(),
                _ => Type::Dynamic,
            };
            for it in items {
                fill(it, &et, type_name, attr);
            }
        }
        Value::Map(m) => {
            if let Type::Map(e) = ty {
                for x in m.values_mut() {
                    fill(x, e, type_name, attr);
                }
            }
        }
        _ => {}
    }
}

fn fake(ty: &Type, type_name: &str, attr: &str) -> Value {
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let short = type_name.trim_start_matches("aws_");
    match ty {
        Type::String if attr == "arn" || attr.ends_with("_arn") => Value::from(format!(
            "arn:aws:{}:us-east-1:123456789012:{short}/fake-{n}",
            short.split('_').next().unwrap_or("service")
        )),
        Type::String if attr == "id" || attr.ends_with("_id") => {
            Value::from(format!("{short}-fake-{n:08}"))
        }
        Type::String => Value::from(format!("fake-{attr}-{n}")),
        Type::Number => Value::from(0),
        Type::Bool => Value::Bool(false),
        Type::List(_) => Value::List(vec![]),
        Type::Set(_) => Value::Set(vec![]),
        Type::Map(_) => Value::Map(BTreeMap::new()),
        Type::Object(attrs, _) => Value::Object(
            attrs
                .iter()
                .map(|(k, t)| (k.clone(), fake(t, type_name, k)))
                .collect(),
        ),
        _ => Value::Null,
    }
}

struct StandinResource {
    name: &'static str,
    schema: Schema,
    ty: Type,
}

#[async_trait]
impl DynResource<()> for StandinResource {
    fn type_name(&self) -> &'static str {
        self.name
    }
    fn schema(&self) -> Schema {
        self.schema.clone()
    }
    fn identity_schema(&self) -> Option<tfplugin::IdentitySchema> {
        None
    }
    fn identity_of(&self, _state: &Value) -> Option<Value> {
        None
    }
    async fn validate(&self, _config: &Config) -> Diagnostics {
        Diagnostics::new()
    }
    async fn modify_plan(&self, _ctx: &Ctx<()>, _plan: &mut Plan) -> Diagnostics {
        Diagnostics::new()
    }
    async fn create(
        &self,
        _ctx: &Ctx<()>,
        _config: Value,
        mut planned: Value,
        _p: Vec<u8>,
    ) -> RawApply {
        fill(&mut planned, &self.ty, self.name, "");
        RawApply {
            state: planned,
            diags: Diagnostics::new(),
        }
    }
    async fn update(
        &self,
        _ctx: &Ctx<()>,
        _prior: Value,
        _config: Value,
        mut planned: Value,
        _p: Vec<u8>,
    ) -> RawApply {
        fill(&mut planned, &self.ty, self.name, "");
        RawApply {
            state: planned,
            diags: Diagnostics::new(),
        }
    }
    async fn delete(&self, _ctx: &Ctx<()>, _prior: Value) -> Diagnostics {
        Diagnostics::new()
    }
    async fn read(&self, _ctx: &Ctx<()>, state: Value) -> DiagResult<Value> {
        Ok(state)
    }
    async fn import(
        &self,
        _ctx: &Ctx<()>,
        id: &str,
        _identity: Option<&Value>,
    ) -> DiagResult<Value> {
        let Type::Object(attrs, _) = &self.ty else {
            return Err(Diagnostic::error("bad schema", "not an object").into());
        };
        let mut m: BTreeMap<String, Value> =
            attrs.keys().map(|k| (k.clone(), Value::Null)).collect();
        m.insert("id".into(), Value::from(id));
        Ok(Value::Object(m))
    }
}

struct StandinData {
    name: &'static str,
    schema: Schema,
    ty: Type,
}

#[async_trait]
impl DynDataSource<()> for StandinData {
    fn type_name(&self) -> &'static str {
        self.name
    }
    fn schema(&self) -> Schema {
        self.schema.clone()
    }
    async fn validate(&self, _config: &Config) -> Diagnostics {
        Diagnostics::new()
    }
    async fn read(&self, _ctx: &Ctx<()>, config: Value) -> DiagResult<Value> {
        let mut v = config;
        mark_computed_unknown(&self.schema.block, &mut v);
        fill(&mut v, &self.ty, self.name, "");
        Ok(v)
    }
}

fn mark_computed_unknown(b: &tfplugin::Block, v: &mut Value) {
    let Value::Object(m) = v else { return };
    for a in &b.attributes {
        if a.computed && m.get(&a.name).is_none_or(Value::is_null) {
            m.insert(a.name.clone(), Value::Unknown);
        }
    }
}

#[async_trait]
impl tfplugin::Provider for Standin {
    type Data = ();
    fn schema(&self) -> Schema {
        self.provider.clone()
    }
    async fn configure(&self, _tf: &str, _config: Config) -> DiagResult<()> {
        Ok(())
    }
    fn resources(&self) -> Vec<Arc<dyn DynResource<()>>> {
        self.resources
            .iter()
            .map(|(n, s)| {
                let r: Arc<dyn DynResource<()>> = Arc::new(StandinResource {
                    name: Box::leak(n.clone().into_boxed_str()),
                    ty: s.value_type(),
                    schema: s.clone(),
                });
                r
            })
            .collect()
    }
    fn data_sources(&self) -> Vec<Arc<dyn DynDataSource<()>>> {
        self.data_sources
            .iter()
            .map(|(n, s)| {
                let r: Arc<dyn DynDataSource<()>> = Arc::new(StandinData {
                    name: Box::leak(n.clone().into_boxed_str()),
                    ty: s.value_type(),
                    schema: s.clone(),
                });
                r
            })
            .collect()
    }
}

fn main() -> std::process::ExitCode {
    let path = match std::env::var("AWS_STANDIN_SCHEMA") {
        Ok(p) => p,
        Err(_) => {
            eprintln!(
                "AWS_STANDIN_SCHEMA must name the extracted aws schema JSON (tools/aws_schema/extract.py)"
            );
            return std::process::ExitCode::from(2);
        }
    };
    let loaded = std::fs::read(&path)
        .map_err(|e| e.to_string())
        .and_then(|b| schema_json::load(&b));
    match loaded {
        Ok((provider, resources, data_sources)) => tfplugin::serve(
            "provider.terraform-provider-aws",
            Standin {
                provider,
                resources,
                data_sources,
            },
        ),
        Err(e) => {
            eprintln!("cannot load aws schema from {path}: {e}");
            std::process::ExitCode::from(2)
        }
    }
}
