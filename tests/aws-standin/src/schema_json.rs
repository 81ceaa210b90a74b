//! Reads schemas in the `terraform providers schema -json` format into tfplugin schemas.

use serde_json::Value as Json;
use tfplugin::{Attribute, Block, NestedBlock, Nesting, Schema, Type};

type Loaded = (Schema, Vec<(String, Schema)>, Vec<(String, Schema)>);

/// Parses the JSON document; takes the first provider in `provider_schemas`.
pub(crate) fn load(bytes: &[u8]) -> Result<Loaded, String> {
    let doc: Json = serde_json::from_slice(bytes).map_err(|e| e.to_string())?;
    let ps = doc["provider_schemas"]
        .as_object()
        .and_then(|m| m.values().next())
        .ok_or("no provider_schemas in document")?;
    let provider = schema(&ps["provider"])?;
    let mut resources = Vec::new();
    if let Some(m) = ps["resource_schemas"].as_object() {
        for (k, v) in m {
            resources.push((k.clone(), schema(v)?));
        }
    }
    let mut data = Vec::new();
    if let Some(m) = ps["data_source_schemas"].as_object() {
        for (k, v) in m {
            data.push((k.clone(), schema(v)?));
        }
    }
    Ok((provider, resources, data))
}

fn schema(j: &Json) -> Result<Schema, String> {
    Ok(Schema {
        version: j["version"].as_i64().unwrap_or(0),
        block: block(&j["block"])?,
    })
}

fn flag(j: &Json, k: &str) -> bool {
    j[k].as_bool().unwrap_or(false)
}

fn block(j: &Json) -> Result<Block, String> {
    let mut b = Block::new(j["description"].as_str().unwrap_or(""));
    if let Some(attrs) = j["attributes"].as_object() {
        for (name, a) in attrs {
            let ty = Type::from_json(&a["type"]).map_err(|e| format!("{name}: {e}"))?;
            let mut at = Attribute::new(name, ty).describe(a["description"].as_str().unwrap_or(""));
            at.required = flag(a, "required");
            at.optional = flag(a, "optional");
            at.computed = flag(a, "computed");
            at.sensitive = flag(a, "sensitive");
            at.write_only = flag(a, "write_only");
            at.deprecated = flag(a, "deprecated");
            b = b.attr(at);
        }
    }
    if let Some(blocks) = j["block_types"].as_object() {
        for (name, nb) in blocks {
            let nesting = match nb["nesting_mode"].as_str().unwrap_or("list") {
                "single" | "group" => Nesting::Single,
                "set" => Nesting::Set,
                "map" => Nesting::Map,
                _ => Nesting::List,
            };
            b = b.block(NestedBlock::new(name, nesting, block(&nb["block"])?).items(
                nb["min_items"].as_i64().unwrap_or(0),
                nb["max_items"].as_i64().unwrap_or(0),
            ));
        }
    }
    Ok(b)
}
