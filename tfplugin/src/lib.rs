//! `tfplugin`: our implementation of Terraform's plugin protocol 6 (tfplugin6)
//! on tonic + prost, as spoken by Terraform 1.15.
//!
//! It knows nothing of AWS. A provider implements [`Provider`] with typed
//! [`Resource`]s, [`DataSource`]s, [`EphemeralResource`]s, [`Function`]s,
//! [`Action`]s and [`ListResource`]s whose
//! schemas are declared once ([`schema`]); [`serve`] runs the go-plugin handshake
//! (AutoMTLS), serves gRPC and handles values, planning rules, diagnostics, panics,
//! cancellation and logging.
//!
//! Layout: `types`/`value`/`codec` (cty types, values, msgpack/JSON), `model`
//! (serde bridge), `schema` (declarative schemas), `plan` (protocol planning rules),
//! `provider` (the traits), `action` and `list` (actions and list resources), `server` (the gRPC service), `serve` (process entry),
//! `proto` (generated code and conversions, private), `log` (hclog JSON logs).

pub mod action;
pub mod codec;
pub mod diag;
pub mod docs;
pub mod error;
pub mod list;
pub mod log;
pub mod model;
pub mod path;
pub mod plan;
mod proto;
pub mod provider;
pub mod schema;
pub mod serve;
pub mod server;
pub mod types;
pub mod value;

pub use action::{Action, Progress, action};
pub use diag::{DiagResult, Diagnostic, Diagnostics, Severity};
pub use list::{ListRequest, ListResource, ListSink, Listed, list_resource};
pub use model::Tf;
pub use path::{AttrPath, PathStep};
pub use provider::{
    ApplyError, ApplyRequest, ApplyResult, Config, Ctx, DataSource, EphemeralResource, Function,
    FunctionError, Opened, Param, Plan, Provider, Resource, data_source, ephemeral, resource,
};
pub use schema::{
    Attribute, Block, IdentityAttribute, IdentitySchema, NestedBlock, Nesting, Schema,
};
pub use serve::serve;
pub use types::Type;
pub use value::{Number, Value};

#[doc(hidden)]
pub mod testing;
