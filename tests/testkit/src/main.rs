//! `terraform-provider-testkit`: a small test-only provider that exercises every
//! feature of the `tfplugin` protocol layer under a real Terraform core:
//! computed and unknown values, defaults, validators, requires-replace,
//! write-only attributes, import, a data source, an ephemeral resource usable in a
//! provider block, a provider function, panics turned into diagnostics, an action
//! (`testkit_announce`, with progress and a failure switch) and a list resource for
//! `testkit_item` (discovery through `terraform query`).
//!
//! Objects live in a JSON file named by `TESTKIT_STORE` so reads work across the
//! provider processes Terraform starts.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;

use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use tfplugin::schema::{int_between, one_of};
use tfplugin::{
    Action, ApplyRequest, ApplyResult, Attribute, Block, Config, Ctx, DataSource, DiagResult,
    Diagnostic, Diagnostics, EphemeralResource, Function, FunctionError, IdentityAttribute,
    IdentitySchema, ListRequest, ListResource, ListSink, Listed, Opened, Param, Progress, Provider,
    Resource, Schema, Type, Value,
};

/// Provider data: the label from configuration and the store path.
struct Data {
    label: Option<String>,
    store: PathBuf,
}

struct Testkit;

#[derive(Deserialize)]
struct ProviderConfig {
    label: Option<String>,
}

#[async_trait]
impl Provider for Testkit {
    type Data = Data;
    fn schema(&self) -> Schema {
        Schema::new(
            Block::new("Test provider.")
                .attr(Attribute::string("label").describe(
                    "A label echoed by data sources (may come from an ephemeral value).",
                )),
        )
    }
    async fn configure(&self, _tf: &str, config: Config) -> DiagResult<Data> {
        let c: ProviderConfig = config.model()?;
        let store = std::env::var("TESTKIT_STORE")
            .map(PathBuf::from)
            .unwrap_or_else(|_| std::env::temp_dir().join("testkit-store.json"));
        Ok(Data {
            label: c.label,
            store,
        })
    }
    fn resources(&self) -> Vec<Arc<dyn tfplugin::provider::DynResource<Data>>> {
        vec![tfplugin::resource(Item)]
    }
    fn data_sources(&self) -> Vec<Arc<dyn tfplugin::provider::DynDataSource<Data>>> {
        vec![tfplugin::data_source(Echo)]
    }
    fn ephemeral_resources(&self) -> Vec<Arc<dyn tfplugin::provider::DynEphemeral<Data>>> {
        vec![tfplugin::ephemeral(Token)]
    }
    fn actions(&self) -> Vec<Arc<dyn tfplugin::action::DynAction<Data>>> {
        vec![tfplugin::action(Announce)]
    }
    fn list_resources(&self) -> Vec<Arc<dyn tfplugin::list::DynListResource<Data>>> {
        vec![tfplugin::list_resource(ItemList)]
    }
    fn functions(&self) -> Vec<Function> {
        vec![Function {
            name: "upper".into(),
            summary: "Upper-cases a string.".into(),
            description: "Returns the input in upper case.".into(),
            params: vec![Param {
                name: "input".into(),
                ty: Type::String,
                description: "Text.".into(),
                allow_null: false,
            }],
            returns: Type::String,
            call: Arc::new(
                |args: Vec<Value>| match args.first().and_then(Value::as_str) {
                    Some("fail") => Err(FunctionError {
                        text: "refusing to upper-case \"fail\"".into(),
                        argument: Some(0),
                    }),
                    Some(s) => Ok(Value::from(s.to_uppercase())),
                    None => Err(FunctionError {
                        text: "input must be a string".into(),
                        argument: Some(0),
                    }),
                },
            ),
        }]
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct ItemState {
    id: Option<String>,
    name: String,
    size: Option<i64>,
    ratio: Option<f64>,
    mode: Option<String>,
    tags: Option<BTreeMap<String, String>>,
    secret_wo: Option<String>,
    secret_wo_version: Option<i64>,
    secret_length: Option<i64>,
    revision: Option<i64>,
    panic_on_apply: Option<bool>,
}

struct Item;

fn load(path: &PathBuf) -> BTreeMap<String, ItemState> {
    std::fs::read(path)
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())
        .unwrap_or_default()
}

fn save(path: &PathBuf, m: &BTreeMap<String, ItemState>) -> DiagResult<()> {
    let b = serde_json::to_vec(m)
        .map_err(|e| Diagnostics::from(Diagnostic::error("store encode", e.to_string())))?;
    std::fs::write(path, b)
        .map_err(|e| Diagnostics::from(Diagnostic::error("store write", e.to_string())))
}

#[async_trait]
impl Resource<Data> for Item {
    type State = ItemState;
    fn type_name(&self) -> &'static str {
        "testkit_item"
    }
    fn schema(&self) -> Schema {
        Schema::new(
            Block::new("An item kept in a local JSON store.")
                .attr(
                    Attribute::string("id")
                        .computed()
                        .use_state_for_unknown()
                        .describe("Generated ID."),
                )
                .attr(
                    Attribute::string("name")
                        .required()
                        .requires_replace()
                        .describe("Name; changing it replaces the item."),
                )
                .attr(
                    Attribute::number("size")
                        .validate(int_between(0, 1000))
                        .describe("Size, 0..1000."),
                )
                .attr(Attribute::number("ratio").describe("Any number; must round-trip exactly."))
                .attr(
                    Attribute::string("mode")
                        .default("fast")
                        .validate(one_of(&["fast", "safe"]))
                        .describe("Mode."),
                )
                .attr(Attribute::new("tags", Type::map(Type::String)).describe("Tags."))
                .attr(
                    Attribute::string("secret_wo")
                        .write_only()
                        .describe("Write-only secret; never stored."),
                )
                .attr(
                    Attribute::number("secret_wo_version")
                        .describe("Bump to send the secret again."),
                )
                .attr(
                    Attribute::number("secret_length")
                        .computed()
                        .describe("Length of the last secret received."),
                )
                .attr(
                    Attribute::number("revision")
                        .computed()
                        .describe("Incremented on every update."),
                )
                .attr(Attribute::bool("panic_on_apply").describe("Test hook: panic during apply.")),
        )
    }
    fn identity_schema(&self) -> Option<IdentitySchema> {
        Some(item_identity_schema())
    }
    fn identity(&self, state: &ItemState) -> Option<Value> {
        state.id.as_deref().map(item_identity)
    }
    async fn validate(&self, config: &Config) -> Diagnostics {
        let mut d = Diagnostics::new();
        if let Ok(s) = config.model::<ItemState>()
            && s.name.contains(' ')
        {
            d.push(
                Diagnostic::error("Invalid name", "Names must not contain spaces.")
                    .at(tfplugin::AttrPath::attribute("name")),
            );
        }
        d
    }
    async fn create(
        &self,
        ctx: &Ctx<Data>,
        req: ApplyRequest<ItemState>,
    ) -> ApplyResult<ItemState> {
        let data = ctx.data()?;
        let mut s = req.config;
        if s.panic_on_apply == Some(true) {
            panic!("test hook asked for a panic");
        }
        let mut store = load(&data.store);
        let id = format!("item-{}-{}", s.name, store.len());
        s.id = Some(id.clone());
        s.secret_length = Some(s.secret_wo.as_ref().map(|x| x.len() as i64).unwrap_or(0));
        s.secret_wo = None;
        s.revision = Some(1);
        store.insert(id, s.clone());
        save(&data.store, &store)?;
        Ok(s)
    }
    async fn read(&self, ctx: &Ctx<Data>, state: ItemState) -> DiagResult<Option<ItemState>> {
        let data = ctx.data()?;
        let store = load(&data.store);
        Ok(state.id.as_ref().and_then(|id| store.get(id).cloned()))
    }
    async fn update(
        &self,
        ctx: &Ctx<Data>,
        prior: ItemState,
        req: ApplyRequest<ItemState>,
    ) -> ApplyResult<ItemState> {
        let data = ctx.data()?;
        let mut s = req.config;
        if s.panic_on_apply == Some(true) {
            panic!("test hook asked for a panic");
        }
        s.id = prior.id.clone();
        s.revision = Some(prior.revision.unwrap_or(0) + 1);
        s.secret_length = match &s.secret_wo {
            Some(x) if s.secret_wo_version != prior.secret_wo_version => Some(x.len() as i64),
            _ => prior.secret_length,
        };
        s.secret_wo = None;
        let mut store = load(&data.store);
        if let Some(id) = &s.id {
            store.insert(id.clone(), s.clone());
        }
        save(&data.store, &store)?;
        Ok(s)
    }
    async fn delete(&self, ctx: &Ctx<Data>, prior: ItemState) -> DiagResult<()> {
        let data = ctx.data()?;
        let mut store = load(&data.store);
        if let Some(id) = &prior.id {
            store.remove(id);
        }
        save(&data.store, &store)
    }
    async fn import(
        &self,
        ctx: &Ctx<Data>,
        id: &str,
        identity: Option<&Value>,
    ) -> DiagResult<ItemState> {
        let data = ctx.data()?;
        let id = match identity.and_then(|i| i.attr("id").as_str()) {
            Some(from_identity) => from_identity,
            None => id,
        };
        load(&data.store).get(id).cloned().ok_or_else(|| {
            Diagnostic::error("Cannot import", format!("no item with ID {id:?}")).into()
        })
    }
}

#[derive(Serialize, Deserialize)]
struct EchoModel {
    input: String,
    output: Option<String>,
    provider_label: Option<String>,
}

struct Echo;

#[async_trait]
impl DataSource<Data> for Echo {
    type Model = EchoModel;
    fn type_name(&self) -> &'static str {
        "testkit_echo"
    }
    fn schema(&self) -> Schema {
        Schema::new(
            Block::new("Echoes its input.")
                .attr(Attribute::string("input").required().describe("Input."))
                .attr(
                    Attribute::string("output")
                        .computed()
                        .describe("The input."),
                )
                .attr(
                    Attribute::string("provider_label")
                        .computed()
                        .describe("The provider's label."),
                ),
        )
    }
    async fn read(&self, ctx: &Ctx<Data>, mut m: EchoModel) -> DiagResult<EchoModel> {
        m.output = Some(m.input.clone());
        m.provider_label = ctx.data()?.label.clone();
        Ok(m)
    }
}

#[derive(Serialize, Deserialize)]
struct TokenModel {
    seed: String,
    token: Option<String>,
}

struct Token;

#[async_trait]
impl EphemeralResource<Data> for Token {
    type Model = TokenModel;
    fn type_name(&self) -> &'static str {
        "testkit_token"
    }
    fn schema(&self) -> Schema {
        Schema::new(
            Block::new("A token derived from a seed, never stored.")
                .attr(Attribute::string("seed").required().describe("Seed."))
                .attr(
                    Attribute::string("token")
                        .computed()
                        .sensitive()
                        .describe("Token."),
                ),
        )
    }
    async fn open(&self, _ctx: &Ctx<Data>, mut m: TokenModel) -> DiagResult<Opened<TokenModel>> {
        m.token = Some(format!("tok-{}", m.seed));
        Ok(Opened {
            result: m,
            private: Some(b"opened".to_vec()),
            renew_at: None,
        })
    }
}

fn item_identity_schema() -> IdentitySchema {
    IdentitySchema {
        version: 0,
        attributes: vec![IdentityAttribute {
            name: "id".into(),
            ty: Type::String,
            description: "The item's ID.".into(),
            required_for_import: true,
        }],
    }
}

fn item_identity(id: &str) -> Value {
    Value::Object(BTreeMap::from([("id".to_string(), Value::from(id))]))
}

#[derive(Deserialize)]
struct ItemListConfig {
    name_prefix: Option<String>,
}

/// Lists the items of the store (discovery for `terraform query`).
struct ItemList;

#[async_trait]
impl ListResource<Data> for ItemList {
    type Config = ItemListConfig;
    type State = ItemState;
    fn type_name(&self) -> &'static str {
        "testkit_item"
    }
    fn schema(&self) -> Schema {
        Schema::new(Block::new("Lists the items in the store.").attr(
            Attribute::string("name_prefix").describe("Only items whose name starts with this."),
        ))
    }
    async fn list(
        &self,
        ctx: &Ctx<Data>,
        config: ItemListConfig,
        req: ListRequest,
        sink: &mut ListSink<ItemState>,
    ) -> Diagnostics {
        let data = match ctx.data() {
            Ok(d) => d,
            Err(d) => return d,
        };
        let prefix = config.name_prefix.unwrap_or_default();
        for (id, item) in load(&data.store) {
            if !item.name.starts_with(&prefix) {
                continue;
            }
            let listed = Listed {
                identity: item_identity(&id),
                display_name: format!("item {}", item.name),
                resource: req.include_resource.then_some(item),
            };
            if !sink.send(listed).await {
                break;
            }
        }
        Diagnostics::new()
    }
}

#[derive(Deserialize)]
struct AnnounceConfig {
    message: String,
    steps: Option<i64>,
    fail: Option<bool>,
}

/// Announces a message: one progress line per step, and a line appended to
/// `announcements.log` beside the store, so tests see what ran with which values.
struct Announce;

#[async_trait]
impl Action<Data> for Announce {
    type Model = AnnounceConfig;
    fn type_name(&self) -> &'static str {
        "testkit_announce"
    }
    fn schema(&self) -> Schema {
        Schema::new(
            Block::new("Announces a message, with progress.")
                .attr(
                    Attribute::string("message")
                        .required()
                        .describe("What to announce."),
                )
                .attr(
                    Attribute::number("steps")
                        .validate(int_between(1, 10))
                        .describe("Progress steps, 1..10 (default 1)."),
                )
                .attr(Attribute::bool("fail").describe("Test hook: fail after the progress.")),
        )
    }
    async fn validate(&self, config: &Config) -> Diagnostics {
        let mut d = Diagnostics::new();
        let path = tfplugin::AttrPath::attribute("message");
        if config
            .get(&path)
            .as_str()
            .is_some_and(|m| m.trim().is_empty())
        {
            d.push(Diagnostic::error("Empty message", "Say something.").at(path));
        }
        d
    }
    async fn invoke(
        &self,
        ctx: &Ctx<Data>,
        config: AnnounceConfig,
        progress: &Progress,
    ) -> Diagnostics {
        let data = match ctx.data() {
            Ok(d) => d,
            Err(d) => return d,
        };
        let steps = config.steps.unwrap_or(1);
        for i in 1..=steps {
            progress
                .report(format!(
                    "announcing {:?}: step {i} of {steps}",
                    config.message
                ))
                .await;
        }
        if config.fail == Some(true) {
            return Diagnostic::error(
                "Announcement failed",
                format!("The announcement {:?} was asked to fail.", config.message),
            )
            .into();
        }
        let log = data.store.with_file_name("announcements.log");
        let line = format!("{}\n", config.message);
        let written = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&log)
            .and_then(|mut f| std::io::Write::write_all(&mut f, line.as_bytes()));
        match written {
            Ok(()) => Diagnostics::new(),
            Err(e) => Diagnostic::error("Cannot record the announcement", e.to_string()).into(),
        }
    }
}

fn main() -> std::process::ExitCode {
    tfplugin::serve("provider.testkit", Testkit)
}
