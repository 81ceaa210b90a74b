//! Generated protobuf code (kept private to the crate) and the conversions between
//! it and our types ("toproto"/"fromproto").

#[allow(
    missing_docs,
    unreachable_pub,
    dead_code,
    clippy::all,
    clippy::pedantic
)]
pub(crate) mod tfplugin6 {
    tonic::include_proto!("tfplugin6");
}

#[allow(
    missing_docs,
    unreachable_pub,
    dead_code,
    clippy::all,
    clippy::pedantic
)]
pub(crate) mod goplugin {
    tonic::include_proto!("plugin");
}

#[allow(
    missing_docs,
    unreachable_pub,
    dead_code,
    clippy::all,
    clippy::pedantic
)]
pub(crate) mod health {
    tonic::include_proto!("grpc.health.v1");
}

use crate::codec;
use crate::diag::{Diagnostic, Diagnostics, Severity};
use crate::error::CodecError;
use crate::path::{AttrPath, PathStep};
use crate::schema::{Attribute, Block, IdentitySchema, NestedBlock, Nesting, Schema};
use crate::types::Type;
use crate::value::Value;

use tfplugin6 as pb;

pub(crate) fn diagnostic(d: &Diagnostic) -> pb::Diagnostic {
    pb::Diagnostic {
        severity: match d.severity {
            Severity::Error => pb::diagnostic::Severity::Error as i32,
            Severity::Warning => pb::diagnostic::Severity::Warning as i32,
        },
        summary: d.summary.clone(),
        detail: d.detail.clone(),
        attribute: d.path.as_ref().filter(|p| !p.is_root()).map(attr_path),
    }
}

pub(crate) fn diagnostics(ds: &Diagnostics) -> Vec<pb::Diagnostic> {
    ds.iter().map(diagnostic).collect()
}

pub(crate) fn attr_path(p: &AttrPath) -> pb::AttributePath {
    use pb::attribute_path::step::Selector;
    pb::AttributePath {
        steps: p
            .steps()
            .iter()
            .map(|s| pb::attribute_path::Step {
                selector: Some(match s {
                    PathStep::Attr(a) => Selector::AttributeName(a.clone()),
                    PathStep::Index(i) => Selector::ElementKeyInt(*i),
                    PathStep::Key(k) => Selector::ElementKeyString(k.clone()),
                }),
            })
            .collect(),
    }
}

fn kind() -> i32 {
    pb::StringKind::Markdown as i32
}

fn attribute(a: &Attribute) -> pb::schema::Attribute {
    pb::schema::Attribute {
        name: a.name.clone(),
        r#type: a.ty.to_json_bytes(),
        nested_type: None,
        description: a.description.clone(),
        required: a.required,
        optional: a.optional,
        computed: a.computed,
        sensitive: a.sensitive,
        description_kind: kind(),
        deprecated: a.deprecated,
        write_only: a.write_only,
    }
}

fn nested(b: &NestedBlock) -> pb::schema::NestedBlock {
    use pb::schema::nested_block::NestingMode;
    pb::schema::NestedBlock {
        type_name: b.name.clone(),
        block: Some(block(&b.block, 0)),
        nesting: match b.nesting {
            Nesting::Single => NestingMode::Single,
            Nesting::List => NestingMode::List,
            Nesting::Set => NestingMode::Set,
            Nesting::Map => NestingMode::Map,
        } as i32,
        min_items: b.min_items,
        max_items: b.max_items,
    }
}

fn block(b: &Block, version: i64) -> pb::schema::Block {
    pb::schema::Block {
        version,
        attributes: b.attributes.iter().map(attribute).collect(),
        block_types: b.blocks.iter().map(nested).collect(),
        description: b.description.clone(),
        description_kind: kind(),
        deprecated: b.deprecated,
    }
}

pub(crate) fn schema(s: &Schema) -> pb::Schema {
    pb::Schema {
        version: s.version,
        block: Some(block(&s.block, s.version)),
    }
}

pub(crate) fn identity_schema(s: &IdentitySchema) -> pb::ResourceIdentitySchema {
    pb::ResourceIdentitySchema {
        version: s.version,
        identity_attributes: s
            .attributes
            .iter()
            .map(|a| pb::resource_identity_schema::IdentityAttribute {
                name: a.name.clone(),
                r#type: a.ty.to_json_bytes(),
                required_for_import: a.required_for_import,
                optional_for_import: !a.required_for_import,
                description: a.description.clone(),
            })
            .collect(),
    }
}

/// Decodes a DynamicValue (msgpack preferred, JSON accepted). An absent value is null.
pub(crate) fn decode(dv: Option<&pb::DynamicValue>, ty: &Type) -> Result<Value, CodecError> {
    let Some(dv) = dv else {
        return Ok(Value::Null);
    };
    if !dv.msgpack.is_empty() {
        return codec::from_msgpack(&dv.msgpack, ty);
    }
    if !dv.json.is_empty() {
        let j: serde_json::Value = serde_json::from_slice(&dv.json)
            .map_err(|e| CodecError::new(format!("invalid JSON value: {e}")))?;
        return codec::from_json(&j, ty);
    }
    Ok(Value::Null)
}

pub(crate) fn encode(v: &Value, ty: &Type) -> Result<pb::DynamicValue, CodecError> {
    Ok(pb::DynamicValue {
        msgpack: codec::to_msgpack(v, ty)?,
        json: Vec::new(),
    })
}

pub(crate) fn decode_raw_json(raw: Option<&pb::RawState>, ty: &Type) -> Result<Value, CodecError> {
    match raw {
        Some(r) if !r.json.is_empty() => {
            let j: serde_json::Value = serde_json::from_slice(&r.json)
                .map_err(|e| CodecError::new(format!("invalid state JSON: {e}")))?;
            codec::from_json(&j, ty)
        }
        Some(r) if !r.flatmap.is_empty() => Err(CodecError::new(
            "legacy flatmap state is not supported by this provider",
        )),
        _ => Ok(Value::Null),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schema_to_proto_keeps_flags() {
        let s = Schema::new(
            Block::new("d")
                .attr(Attribute::string("a").required().describe("x"))
                .attr(Attribute::string("pw").write_only().describe("p"))
                .block(NestedBlock::new("b", Nesting::List, Block::new("b")).items(1, 3)),
        );
        let p = schema(&s);
        let b = p.block.as_ref().expect("block");
        assert!(b.attributes[0].required);
        assert!(b.attributes[1].write_only);
        assert_eq!(b.attributes[0].r#type, b"\"string\"".to_vec());
        assert_eq!(b.block_types[0].max_items, 3);
        let d = diagnostic(&Diagnostic::error("s", "d").at(AttrPath::attribute("a").index(2)));
        assert_eq!(d.attribute.map(|a| a.steps.len()), Some(2));
    }
}
