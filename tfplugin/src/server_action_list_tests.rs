//! Server-level tests of actions and list resources: the streams Terraform reads.

use std::collections::BTreeMap;

use async_trait::async_trait;
use futures::StreamExt;
use serde::{Deserialize, Serialize};
use tonic::Request;

use super::*;
use crate::action::{Action, action};
use crate::list::{ListResource, ListSink, Listed, list_resource};
use crate::provider::{ApplyRequest, ApplyResult, DynDataSource, DynResource};
use crate::schema::{Attribute, Block, IdentityAttribute, IdentitySchema};
use crate::{DiagResult, resource};
use pb::provider_server::Provider as _;

struct P {
    identity: bool,
}

#[derive(Clone, Serialize, Deserialize)]
struct Thing {
    id: Option<String>,
    size: Option<i64>,
}

struct R {
    identity: bool,
}

#[async_trait]
impl crate::Resource<()> for R {
    type State = Thing;
    fn type_name(&self) -> &'static str {
        "t_thing"
    }
    fn schema(&self) -> Schema {
        Schema::new(
            Block::new("thing")
                .attr(Attribute::string("id").computed())
                .attr(Attribute::number("size")),
        )
    }
    fn identity_schema(&self) -> Option<IdentitySchema> {
        self.identity.then(|| IdentitySchema {
            version: 0,
            attributes: vec![IdentityAttribute {
                name: "id".into(),
                ty: Type::String,
                description: "ID.".into(),
                required_for_import: true,
            }],
        })
    }
    async fn create(&self, _c: &Ctx<()>, req: ApplyRequest<Thing>) -> ApplyResult<Thing> {
        Ok(req.config)
    }
    async fn read(&self, _c: &Ctx<()>, s: Thing) -> DiagResult<Option<Thing>> {
        Ok(Some(s))
    }
    async fn update(&self, _c: &Ctx<()>, _p: Thing, r: ApplyRequest<Thing>) -> ApplyResult<Thing> {
        Ok(r.config)
    }
    async fn delete(&self, _c: &Ctx<()>, _p: Thing) -> DiagResult<()> {
        Ok(())
    }
}

#[derive(Deserialize)]
struct Steps {
    steps: i64,
    fail: Option<bool>,
}

struct Count;

#[async_trait]
impl Action<()> for Count {
    type Model = Steps;
    fn type_name(&self) -> &'static str {
        "t_count"
    }
    fn schema(&self) -> Schema {
        Schema::new(
            Block::new("counts")
                .attr(
                    Attribute::number("steps")
                        .required()
                        .validate(crate::schema::int_between(0, 10)),
                )
                .attr(Attribute::bool("fail")),
        )
    }
    async fn validate(&self, config: &Config) -> Diagnostics {
        let mut d = Diagnostics::new();
        if config.get(&crate::AttrPath::attribute("fail")) == &Value::from(true)
            && config.get(&crate::AttrPath::attribute("steps")) == &Value::from(0i64)
        {
            d.push(
                Diagnostic::error("Nothing to fail", "fail needs steps")
                    .at(crate::AttrPath::attribute("fail")),
            );
        }
        d
    }
    async fn invoke(&self, _ctx: &Ctx<()>, m: Steps, progress: &Progress) -> Diagnostics {
        for i in 1..=m.steps {
            progress.report(format!("step {i} of {}", m.steps)).await;
        }
        if m.steps == 7 {
            panic!("seven is unlucky");
        }
        if m.fail == Some(true) {
            return Diagnostic::error("Action failed", "asked to fail").into();
        }
        Diagnostics::new()
    }
}

#[derive(Deserialize)]
struct ListCfg {
    prefix: Option<String>,
}

struct Lister;

#[async_trait]
impl ListResource<()> for Lister {
    type Config = ListCfg;
    type State = Thing;
    fn type_name(&self) -> &'static str {
        "t_thing"
    }
    fn schema(&self) -> Schema {
        Schema::new(Block::new("list things").attr(Attribute::string("prefix")))
    }
    async fn list(
        &self,
        _ctx: &Ctx<()>,
        cfg: ListCfg,
        _req: crate::ListRequest,
        sink: &mut ListSink<Thing>,
    ) -> Diagnostics {
        let prefix = cfg.prefix.unwrap_or_default();
        if prefix == "bad" {
            return Diagnostic::error("Listing failed", "bad prefix").into();
        }
        for i in 0..5 {
            let id = format!("{prefix}{i}");
            let identity = Value::Object(BTreeMap::from([(
                "id".to_string(),
                Value::from(id.as_str()),
            )]));
            let more = sink
                .send(Listed {
                    identity,
                    display_name: format!("thing {id}"),
                    resource: Some(Thing {
                        id: Some(id.clone()),
                        size: Some(i),
                    }),
                })
                .await;
            if !more {
                break;
            }
        }
        Diagnostics::new()
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
        vec![resource(R {
            identity: self.identity,
        })]
    }
    fn data_sources(&self) -> Vec<Arc<dyn DynDataSource<()>>> {
        vec![]
    }
    fn actions(&self) -> Vec<Arc<dyn DynAction<()>>> {
        vec![action(Count)]
    }
    fn list_resources(&self) -> Vec<Arc<dyn DynListResource<()>>> {
        vec![list_resource(Lister)]
    }
}

fn svc(identity: bool) -> ProviderService<P> {
    ProviderService::new(P { identity })
}

fn steps(svc: &ProviderService<P>, steps: Value, fail: Value) -> pb::DynamicValue {
    let v = Value::Object(BTreeMap::from([
        ("steps".to_string(), steps),
        ("fail".to_string(), fail),
    ]));
    proto::encode(&v, &svc.actions["t_count"].ty).expect("encode")
}

async fn invoke(
    svc: &ProviderService<P>,
    config: pb::DynamicValue,
) -> (Vec<String>, Vec<pb::Diagnostic>) {
    let stream = svc
        .invoke_action(Request::new(pb::invoke_action::Request {
            action_type: "t_count".into(),
            config: Some(config),
            client_capabilities: None,
        }))
        .await
        .expect("rpc")
        .into_inner();
    let events: Vec<_> = stream.collect().await;
    let mut progress = Vec::new();
    let mut completed = None;
    for e in events {
        match e.expect("event").r#type {
            Some(pb::invoke_action::event::Type::Progress(p)) => {
                assert!(completed.is_none(), "progress after completion");
                progress.push(p.message);
            }
            Some(pb::invoke_action::event::Type::Completed(c)) => {
                assert!(completed.is_none(), "two completions");
                completed = Some(c.diagnostics);
            }
            None => panic!("empty event"),
        }
    }
    (progress, completed.expect("a completion event"))
}

#[tokio::test]
async fn schema_and_metadata_carry_actions_and_list_resources() {
    let svc = svc(true);
    let schema = svc
        .get_provider_schema(Request::new(pb::get_provider_schema::Request {}))
        .await
        .expect("rpc")
        .into_inner();
    assert!(schema.action_schemas.contains_key("t_count"));
    assert!(schema.list_resource_schemas.contains_key("t_thing"));
    let meta = svc
        .get_metadata(Request::new(pb::get_metadata::Request {}))
        .await
        .expect("rpc")
        .into_inner();
    assert_eq!(meta.actions.len(), 1);
    assert_eq!(meta.list_resources.len(), 1);
}

#[tokio::test]
async fn invoke_streams_progress_in_order_then_completes() {
    let svc = svc(true);
    let cfg = steps(&svc, Value::from(3i64), Value::Null);
    let (progress, diags) = invoke(&svc, cfg).await;
    assert_eq!(progress, ["step 1 of 3", "step 2 of 3", "step 3 of 3"]);
    assert!(diags.is_empty(), "{diags:?}");
}

#[tokio::test]
async fn failing_and_panicking_actions_complete_with_errors() {
    let svc = svc(true);
    let (progress, diags) = invoke(&svc, steps(&svc, Value::from(2i64), Value::from(true))).await;
    assert_eq!(progress.len(), 2);
    assert_eq!(diags.len(), 1);
    assert_eq!(diags[0].summary, "Action failed");

    let (progress, diags) = invoke(&svc, steps(&svc, Value::from(7i64), Value::Null)).await;
    assert_eq!(
        progress.len(),
        7,
        "progress sent before the panic is delivered"
    );
    assert_eq!(diags[0].summary, "Provider internal error");
    assert!(diags[0].detail.contains("seven is unlucky"));
}

#[tokio::test]
async fn unknown_config_is_validated_and_planned_but_never_invoked() {
    let svc = svc(true);
    let cfg = steps(&svc, Value::Unknown, Value::Unknown);
    let v = svc
        .validate_action_config(Request::new(pb::validate_action_config::Request {
            type_name: "t_count".into(),
            config: Some(cfg.clone()),
        }))
        .await
        .expect("rpc")
        .into_inner();
    assert!(v.diagnostics.is_empty(), "{:?}", v.diagnostics);
    let p = svc
        .plan_action(Request::new(pb::plan_action::Request {
            action_type: "t_count".into(),
            config: Some(cfg.clone()),
            client_capabilities: None,
        }))
        .await
        .expect("rpc")
        .into_inner();
    assert!(p.diagnostics.is_empty(), "{:?}", p.diagnostics);
    let (progress, diags) = invoke(&svc, cfg).await;
    assert!(progress.is_empty());
    assert_eq!(diags[0].summary, "Action configuration not known");
}

#[tokio::test]
async fn validation_reports_attribute_paths() {
    let svc = svc(true);
    for (cfg, attr) in [
        (steps(&svc, Value::from(11i64), Value::Null), "steps"),
        (steps(&svc, Value::from(0i64), Value::from(true)), "fail"),
    ] {
        let v = svc
            .validate_action_config(Request::new(pb::validate_action_config::Request {
                type_name: "t_count".into(),
                config: Some(cfg),
            }))
            .await
            .expect("rpc")
            .into_inner();
        assert_eq!(v.diagnostics.len(), 1, "{:?}", v.diagnostics);
        let path = v.diagnostics[0].attribute.as_ref().expect("path");
        let step = path.steps[0].selector.as_ref().expect("step");
        assert_eq!(
            step,
            &pb::attribute_path::step::Selector::AttributeName(attr.into())
        );
    }
}

async fn list(
    svc: &ProviderService<P>,
    prefix: &str,
    limit: i64,
    include: bool,
) -> Vec<pb::list_resource::Event> {
    let cfg = Value::Object(BTreeMap::from([(
        "prefix".to_string(),
        Value::from(prefix),
    )]));
    let stream = svc
        .list_resource(Request::new(pb::list_resource::Request {
            type_name: "t_thing".into(),
            config: Some(proto::encode(&cfg, &svc.lists["t_thing"].ty).expect("encode")),
            include_resource_object: include,
            limit,
        }))
        .await
        .expect("rpc")
        .into_inner();
    stream.map(|e| e.expect("event")).collect().await
}

#[tokio::test]
async fn list_streams_identities_up_to_the_limit() {
    let svc = svc(true);
    let events = list(&svc, "a", 3, true).await;
    assert_eq!(events.len(), 3);
    let id_ty = Type::object([("id", Type::String)]);
    let r_ty = &svc.resources["t_thing"].ty;
    for (i, e) in events.iter().enumerate() {
        assert!(e.diagnostic.is_empty());
        assert_eq!(e.display_name, format!("thing a{i}"));
        let ident = e.identity.as_ref().and_then(|i| i.identity_data.as_ref());
        let ident = proto::decode(ident, &id_ty).expect("identity");
        assert_eq!(ident.attr("id"), &Value::from(format!("a{i}").as_str()));
        let obj = proto::decode(e.resource_object.as_ref(), r_ty).expect("object");
        assert_eq!(obj.attr("size"), &Value::from(i as i64));
    }
    let events = list(&svc, "b", 100, false).await;
    assert_eq!(events.len(), 5);
    assert!(events.iter().all(|e| e.resource_object.is_none()));
}

#[tokio::test]
async fn list_errors_arrive_as_diagnostic_events() {
    let events = list(&svc(true), "bad", 10, false).await;
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].diagnostic[0].summary, "Listing failed");

    let events = list(&svc(false), "a", 10, false).await;
    assert_eq!(events.len(), 1);
    assert_eq!(
        events[0].diagnostic[0].summary,
        "List resource without identity"
    );
}
