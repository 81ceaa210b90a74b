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

/// The type of an attribute: its `type`, or for a nested attribute (`nested_type`, as
/// plugin-framework resources declare) the equivalent object collection type.
fn attribute_type(a: &Json) -> Result<Type, String> {
    let Some(nested) = a.get("nested_type") else {
        return Type::from_json(&a["type"]).map_err(|e| e.to_string());
    };
    let mut attrs = std::collections::BTreeMap::new();
    if let Some(m) = nested["attributes"].as_object() {
        for (name, inner) in m {
            attrs.insert(
                name.clone(),
                attribute_type(inner).map_err(|e| format!("{name}: {e}"))?,
            );
        }
    }
    let obj = Type::Object(attrs, Default::default());
    Ok(match nested["nesting_mode"].as_str().unwrap_or("single") {
        "list" => Type::list(obj),
        "set" => Type::set(obj),
        "map" => Type::map(obj),
        _ => obj,
    })
}

fn block(j: &Json) -> Result<Block, String> {
    let mut b = Block::new(j["description"].as_str().unwrap_or(""));
    if let Some(attrs) = j["attributes"].as_object() {
        for (name, a) in attrs {
            let ty = attribute_type(a).map_err(|e| format!("{name}: {e}"))?;
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loads_attributes_blocks_and_nested_attributes() {
        let doc = serde_json::json!({
            "format_version": "1.0",
            "provider_schemas": {"registry.terraform.io/hashicorp/aws": {
                "provider": {"version": 0, "block": {"attributes": {
                    "region": {"type": "string", "optional": true}
                }}},
                "resource_schemas": {"aws_x": {"version": 2, "block": {
                    "attributes": {
                        "id": {"type": "string", "optional": true, "computed": true},
                        "pw": {"type": "string", "optional": true, "sensitive": true, "write_only": true},
                        "rules": {"nested_type": {"nesting_mode": "list", "attributes": {
                            "n": {"type": "number", "required": true}
                        }}, "optional": true}
                    },
                    "block_types": {"tag": {"nesting_mode": "set", "min_items": 1, "max_items": 3,
                        "block": {"attributes": {"key": {"type": "string", "required": true}}}}}
                }}},
                "data_source_schemas": {"aws_y": {"version": 0, "block": {}}}
            }}
        });
        let bytes = serde_json::to_vec(&doc).unwrap_or_default();
        let loaded = load(&bytes);
        let Ok((provider, resources, data)) = loaded else {
            panic!("load failed: {loaded:?}", loaded = loaded.err());
        };
        assert!(provider.block.attribute("region").is_some());
        assert_eq!(data.len(), 1);
        let (name, x) = &resources[0];
        assert_eq!((name.as_str(), x.version), ("aws_x", 2));
        let id = x
            .block
            .attribute("id")
            .map(|a| (a.optional, a.computed, a.required));
        assert_eq!(id, Some((true, true, false)));
        let pw = x.block.attribute("pw").map(|a| (a.sensitive, a.write_only));
        assert_eq!(pw, Some((true, true)));
        assert_eq!(
            x.block.attribute("rules").map(|a| a.ty.clone()),
            Some(Type::list(Type::object([("n", Type::Number)])))
        );
        let tag = &x.block.blocks[0];
        assert_eq!(
            (tag.name.as_str(), tag.nesting, tag.min_items, tag.max_items),
            ("tag", Nesting::Set, 1, 3)
        );
    }

    #[test]
    fn rejects_documents_without_a_provider() {
        assert!(load(b"{}").is_err());
        assert!(load(b"not json").is_err());
    }
}
