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
//!
//! Refusals: plan and apply check the [`constraints`] table, the AWS API rules that
//! matter to our modules, and fail with AWS's error code and message the way hashicorp/aws
//! reports them. Rules across resources read the [`world`] of what the stand-in has
//! created (in memory, and in the file `AWS_STANDIN_WORLD` names, if set).
//!
//! Test servers (off unless a test sets them, see [`external`]): `AWS_STANDIN_RDS_SERVER`
//! makes every `aws_db_instance` report a test database's address and creates the master user
//! there, as RDS does; `AWS_STANDIN_FORWARD_ENDPOINT` creates the Secrets Manager secrets and
//! versions, IAM roles, Lambda functions and permissions and SNS topics in moto too, where our
//! provider reads them (tests/modules/tests/stack_apply.rs).

mod constraints;
mod external;
mod fakes;
mod policy;
mod rules;
mod schema_json;
mod world;

use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use fakes::{Env, Faker, Filler};
use tfplugin::provider::{DynDataSource, DynResource, Plan, RawApply};
use tfplugin::{Config, Ctx, DiagResult, Diagnostics, Schema, Value};

struct Standin {
    provider: Schema,
    resources: Vec<(String, Schema)>,
    data_sources: Vec<(String, Schema)>,
    faker: Arc<Faker>,
    world: Arc<Mutex<world::World>>,
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
    world: Arc<Mutex<world::World>>,
}

impl StandinResource {
    /// Runs `f` on the world, then saves it to `AWS_STANDIN_WORLD` (if set).
    fn with_world<T>(&self, f: impl FnOnce(&mut world::World) -> T) -> Result<T, Diagnostics> {
        let mut w = self
            .world
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let out = f(&mut w);
        if let Some(path) = world::file() {
            world::save(&w, &path).map_err(|e| {
                Diagnostics::from(tfplugin::Diagnostic::error(
                    "aws stand-in: saving its world",
                    e,
                ))
            })?;
        }
        Ok(out)
    }

    /// Apply: the constraints (with the world), then the invented values, then the world,
    /// all under one lock so that concurrent applies count each other (quotas).
    fn apply(
        &self,
        ctx: &Ctx<Data>,
        config: &Value,
        mut planned: Value,
        creating: bool,
    ) -> RawApply {
        let env = env_of(ctx);
        let done = self.with_world(|w| {
            let mut diags =
                constraints::evaluate(self.name, &planned, config, w, constraints::Phase::Apply);
            if !diags.has_errors() {
                if let Err(e) = external_apply(self.name, &env, config, &mut planned, creating) {
                    diags.push(tfplugin::Diagnostic::error(
                        format!("aws stand-in: {} on the test servers", self.name),
                        e,
                    ));
                    return diags;
                }
                Filler::new(&self.faker, &env, self.name, &self.schema.block).fill(&mut planned);
                if creating {
                    let forwarded = external::forward_endpoint().and_then(|hp| match hp {
                        Some(hp) => {
                            external::create_after_fill(&hp, &env.region, self.name, &mut planned)
                        }
                        None => Ok(()),
                    });
                    if let Err(e) = forwarded {
                        diags.push(tfplugin::Diagnostic::error(
                            format!("aws stand-in: {} on the test servers", self.name),
                            e,
                        ));
                        return diags;
                    }
                }
                w.record(self.name, &planned);
            }
            diags
        });
        match done {
            Ok(diags) if diags.has_errors() => RawApply {
                state: Value::Null,
                diags,
            },
            Ok(diags) => RawApply {
                state: planned,
                diags,
            },
            Err(e) => RawApply {
                state: Value::Null,
                diags: e,
            },
        }
    }
}

/// What the test servers of [`external`] get on apply (before the fakes fill the rest).
fn external_apply(
    name: &str,
    env: &Env,
    config: &Value,
    planned: &mut Value,
    creating: bool,
) -> Result<(), String> {
    match name {
        "aws_db_instance" => {
            if let Some(server) = external::rds_server()? {
                if planned.attr("address").is_unknown() {
                    planned.set(
                        &tfplugin::AttrPath::attribute("address"),
                        Value::String(server.host.clone()),
                    );
                }
                if planned.attr("port").is_unknown() {
                    planned.set(
                        &tfplugin::AttrPath::attribute("port"),
                        Value::Number(tfplugin::Number::from(i64::from(server.port))),
                    );
                }
                if creating {
                    server.create_master(planned, config)?;
                }
            }
        }
        "aws_secretsmanager_secret" if creating => {
            if let Some(hp) = external::forward_endpoint()? {
                external::create_secret(&hp, &env.region, planned)?;
            }
        }
        "aws_secretsmanager_secret_version" if creating => {
            if let Some(hp) = external::forward_endpoint()? {
                external::put_secret_value(&hp, &env.region, planned, config)?;
            }
        }
        _ => {}
    }
    Ok(())
}

/// What the test servers of [`external`] lose on delete.
fn external_delete(name: &str, env: &Env, prior: &Value) -> Result<(), String> {
    match name {
        "aws_db_instance" => {
            if let Some(server) = external::rds_server()? {
                server.drop_master(prior)?;
            }
        }
        "aws_secretsmanager_secret" => {
            if let Some(hp) = external::forward_endpoint()? {
                external::delete_secret(&hp, &env.region, prior)?;
            }
        }
        _ => {
            if let Some(hp) = external::forward_endpoint()? {
                external::delete_forwarded(&hp, &env.region, name, prior)?;
            }
        }
    }
    Ok(())
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
    async fn modify_plan(&self, _ctx: &Ctx<Data>, plan: &mut Plan) -> Diagnostics {
        constraints::evaluate(
            self.name,
            &plan.planned,
            plan.config.value(),
            &world::World::default(),
            constraints::Phase::Plan,
        )
    }
    async fn create(
        &self,
        ctx: &Ctx<Data>,
        config: Value,
        planned: Value,
        _p: Vec<u8>,
    ) -> RawApply {
        self.apply(ctx, &config, planned, true)
    }
    async fn update(
        &self,
        ctx: &Ctx<Data>,
        _prior: Value,
        config: Value,
        planned: Value,
        _p: Vec<u8>,
    ) -> RawApply {
        self.apply(ctx, &config, planned, false)
    }
    async fn delete(&self, ctx: &Ctx<Data>, prior: Value) -> Diagnostics {
        if let Err(e) = external_delete(self.name, &env_of(ctx), &prior) {
            return Diagnostics::from(tfplugin::Diagnostic::error(
                format!("aws stand-in: deleting {} on the test servers", self.name),
                e,
            ));
        }
        match self.with_world(|w| w.forget(self.name, &prior)) {
            Ok(()) => Diagnostics::new(),
            Err(e) => e,
        }
    }
    async fn read(&self, _ctx: &Ctx<Data>, state: Value) -> DiagResult<Value> {
        self.with_world(|w| w.record(self.name, &state))?;
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
                    world: self.world.clone(),
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
    let world = match world::file() {
        Some(p) => match world::load(&p) {
            Ok(w) => w,
            Err(e) => {
                eprintln!("AWS_STANDIN_WORLD: {e}");
                return std::process::ExitCode::from(2);
            }
        },
        None => world::World::default(),
    };
    match loaded {
        Ok((provider, resources, data_sources)) => tfplugin::serve(
            "provider.terraform-provider-aws",
            Standin {
                provider,
                resources,
                data_sources,
                faker: Arc::new(Faker::random()),
                world: Arc::new(Mutex::new(world)),
            },
        ),
        Err(e) => {
            eprintln!("cannot load aws schema from {path}: {e}");
            std::process::ExitCode::from(2)
        }
    }
}
