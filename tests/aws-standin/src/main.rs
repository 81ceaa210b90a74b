//! `terraform-provider-aws-standin`: a test-only provider registered as
//! `registry.terraform.io/hashicorp/aws` (hashicorp/aws itself cannot be downloaded
//! here). It serves the real aws schema, given as `terraform providers schema -json`
//! data in the file named by `AWS_STANDIN_SCHEMA` (rebuilt at test time from the npm
//! package `@cdktn/provider-aws` by `tools/aws_schema/extract.py`), so Terraform core
//! checks every attribute name and type in our modules.
//!
//! Behaviour: plan marks unset computed attributes unknown (the protocol layer's
//! default planning); apply fills unknowns with realistic fake values (IDs with their
//! type's prefix, ARNs, a bucket's name as its ID, one element in computed-only lists
//! of objects: see [`rules`] and [`fakes`]); read returns the state unchanged; delete
//! succeeds; import yields a state with `id` (and the attributes the ID is made of).
//! Data sources return their configuration with computed attributes invented
//! (`aws_iam_policy_document` renders its JSON).

mod fakes;
mod policy;
mod rules;
mod schema_json;

use std::sync::Arc;

use async_trait::async_trait;
use fakes::{Env, Faker, Filler};
use tfplugin::provider::{DynDataSource, DynResource, Plan, RawApply};
use tfplugin::{Config, Ctx, DiagResult, Diagnostics, Schema, Value};

struct Standin {
    provider: Schema,
    resources: Vec<(String, Schema)>,
    data_sources: Vec<(String, Schema)>,
    faker: Arc<Faker>,
}

/// What configure gives every operation: the environment fakes are built from.
struct Data {
    env: Env,
}

fn env_of(ctx: &Ctx<Data>) -> Env {
    ctx.data()
        .map(|d| d.env.clone())
        .unwrap_or_else(|_| Env::new(None, Default::default()))
}

struct StandinResource {
    name: &'static str,
    schema: Schema,
    faker: Arc<Faker>,
}

impl StandinResource {
    fn fill(&self, ctx: &Ctx<Data>, planned: &mut Value) {
        let env = env_of(ctx);
        Filler::new(&self.faker, &env, self.name, &self.schema.block).fill(planned);
    }
}

#[async_trait]
impl DynResource<Data> for StandinResource {
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
    async fn modify_plan(&self, _ctx: &Ctx<Data>, _plan: &mut Plan) -> Diagnostics {
        Diagnostics::new()
    }
    async fn create(
        &self,
        ctx: &Ctx<Data>,
        _config: Value,
        mut planned: Value,
        _p: Vec<u8>,
    ) -> RawApply {
        self.fill(ctx, &mut planned);
        RawApply {
            state: planned,
            diags: Diagnostics::new(),
        }
    }
    async fn update(
        &self,
        ctx: &Ctx<Data>,
        _prior: Value,
        _config: Value,
        mut planned: Value,
        _p: Vec<u8>,
    ) -> RawApply {
        self.fill(ctx, &mut planned);
        RawApply {
            state: planned,
            diags: Diagnostics::new(),
        }
    }
    async fn delete(&self, _ctx: &Ctx<Data>, _prior: Value) -> Diagnostics {
        Diagnostics::new()
    }
    async fn read(&self, _ctx: &Ctx<Data>, state: Value) -> DiagResult<Value> {
        Ok(state)
    }
    async fn import(
        &self,
        _ctx: &Ctx<Data>,
        id: &str,
        _identity: Option<&Value>,
    ) -> DiagResult<Value> {
        Ok(fakes::imported(self.name, &self.schema.block, id))
    }
}

struct StandinData {
    name: &'static str,
    schema: Schema,
    faker: Arc<Faker>,
}

#[async_trait]
impl DynDataSource<Data> for StandinData {
    fn type_name(&self) -> &'static str {
        self.name
    }
    fn schema(&self) -> Schema {
        self.schema.clone()
    }
    async fn validate(&self, _config: &Config) -> Diagnostics {
        Diagnostics::new()
    }
    async fn read(&self, ctx: &Ctx<Data>, config: Value) -> DiagResult<Value> {
        let mut v = config;
        fakes::mark_computed_unknown(&self.schema.block, &mut v);
        let env = env_of(ctx);
        Filler::new(&self.faker, &env, self.name, &self.schema.block).fill(&mut v);
        Ok(v)
    }
}

#[async_trait]
impl tfplugin::Provider for Standin {
    type Data = Data;
    fn schema(&self) -> Schema {
        self.provider.clone()
    }
    async fn configure(&self, _tf: &str, config: Config) -> DiagResult<Data> {
        Ok(Data {
            env: Env::from_config(config.value()),
        })
    }
    fn resources(&self) -> Vec<Arc<dyn DynResource<Data>>> {
        self.resources
            .iter()
            .map(|(n, s)| {
                let r: Arc<dyn DynResource<Data>> = Arc::new(StandinResource {
                    name: Box::leak(n.clone().into_boxed_str()),
                    schema: s.clone(),
                    faker: self.faker.clone(),
                });
                r
            })
            .collect()
    }
    fn data_sources(&self) -> Vec<Arc<dyn DynDataSource<Data>>> {
        self.data_sources
            .iter()
            .map(|(n, s)| {
                let r: Arc<dyn DynDataSource<Data>> = Arc::new(StandinData {
                    name: Box::leak(n.clone().into_boxed_str()),
                    schema: s.clone(),
                    faker: self.faker.clone(),
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
                faker: Arc::new(Faker::random()),
            },
        ),
        Err(e) => {
            eprintln!("cannot load aws schema from {path}: {e}");
            std::process::ExitCode::from(2)
        }
    }
}
