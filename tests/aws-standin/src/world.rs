//! What the stand-in has created so far, for the constraints that span resources (a read
//! replica and its source, a NAT gateway and its VPC's internet gateway, the rules of one
//! security group).
//!
//! Terraform starts a provider process for each walk (validate, plan, apply), so the
//! world lives in memory for one process and, when `AWS_STANDIN_WORLD` names a file, is
//! loaded from and saved to that file (tests set it to a file in their own temporary
//! directory; nothing is ever written beside the configuration). Resources enter the world
//! on create, update and read (refresh), and leave it on delete. A cross-resource check
//! only refuses what the world knows: an object it has not seen is not a violation.

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde_json::{Map, Value as Json};
use tfplugin::Value;

/// One resource the stand-in holds: its type and attributes (as JSON, unknowns as null).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Record {
    /// Resource type.
    pub(crate) ty: String,
    /// Attributes.
    pub(crate) attrs: Json,
}

impl Record {
    /// A top-level string attribute.
    pub(crate) fn str(&self, name: &str) -> Option<&str> {
        self.attrs.get(name).and_then(Json::as_str)
    }
    /// A top-level bool attribute.
    pub(crate) fn bool(&self, name: &str) -> Option<bool> {
        self.attrs.get(name).and_then(Json::as_bool)
    }
}

/// The resources the stand-in holds, keyed by `type/id`.
#[derive(Debug, Default, Clone, PartialEq)]
pub(crate) struct World {
    records: BTreeMap<String, Record>,
}

/// Converts a Terraform value to JSON (unknown becomes null).
pub(crate) fn to_json(v: &Value) -> Json {
    match v {
        Value::Null | Value::Unknown => Json::Null,
        Value::Bool(b) => Json::Bool(*b),
        Value::Number(n) => n
            .as_i64()
            .map(Json::from)
            .unwrap_or_else(|| Json::from(n.as_f64())),
        Value::String(s) => Json::String(s.clone()),
        Value::List(items) | Value::Set(items) => Json::Array(items.iter().map(to_json).collect()),
        Value::Map(m) | Value::Object(m) => Json::Object(
            m.iter()
                .map(|(k, v)| (k.clone(), to_json(v)))
                .collect::<Map<_, _>>(),
        ),
        Value::Dynamic(_, inner) => to_json(inner),
    }
}

impl World {
    /// Records (or replaces) a resource; ignored while its `id` is not known.
    pub(crate) fn record(&mut self, ty: &str, state: &Value) {
        let Some(id) = state.attr("id").as_str() else {
            return;
        };
        self.records.insert(
            format!("{ty}/{id}"),
            Record {
                ty: ty.to_string(),
                attrs: to_json(state),
            },
        );
    }

    /// Forgets a resource.
    pub(crate) fn forget(&mut self, ty: &str, state: &Value) {
        if let Some(id) = state.attr("id").as_str() {
            self.records.remove(&format!("{ty}/{id}"));
        }
    }

    /// Every resource of type `ty`.
    pub(crate) fn of_type<'a, 'b>(&'a self, ty: &'b str) -> impl Iterator<Item = &'a Record> + 'b
    where
        'a: 'b,
    {
        self.records.values().filter(move |r| r.ty == ty)
    }

    /// The resource of type `ty` whose attribute `attr` is `value`.
    pub(crate) fn find(&self, ty: &str, attr: &str, value: &str) -> Option<&Record> {
        self.of_type(ty).find(|r| r.str(attr) == Some(value))
    }

    /// The world as JSON (for the file).
    fn to_file(&self) -> Json {
        Json::Object(
            self.records
                .iter()
                .map(|(k, r)| {
                    (
                        k.clone(),
                        serde_json::json!({"type": r.ty, "attributes": r.attrs}),
                    )
                })
                .collect(),
        )
    }

    /// A world read back from [`World::to_file`]'s JSON; entries of another shape are skipped.
    fn from_file(j: &Json) -> World {
        let mut w = World::default();
        if let Some(m) = j.as_object() {
            for (k, v) in m {
                if let (Some(ty), Some(attrs)) =
                    (v.get("type").and_then(Json::as_str), v.get("attributes"))
                {
                    w.records.insert(
                        k.clone(),
                        Record {
                            ty: ty.to_string(),
                            attrs: attrs.clone(),
                        },
                    );
                }
            }
        }
        w
    }
}

/// Where the world persists between provider processes (`AWS_STANDIN_WORLD`), if anywhere.
pub(crate) fn file() -> Option<PathBuf> {
    std::env::var_os("AWS_STANDIN_WORLD")
        .filter(|p| !p.is_empty())
        .map(PathBuf::from)
}

/// Loads the world from `path` (an absent file is an empty world).
pub(crate) fn load(path: &std::path::Path) -> Result<World, String> {
    match std::fs::read(path) {
        Ok(bytes) => serde_json::from_slice::<Json>(&bytes)
            .map(|j| World::from_file(&j))
            .map_err(|e| format!("reading {}: {e}", path.display())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(World::default()),
        Err(e) => Err(format!("reading {}: {e}", path.display())),
    }
}

/// Saves the world to `path` (written beside it and renamed, so a reader never sees half).
pub(crate) fn save(world: &World, path: &std::path::Path) -> Result<(), String> {
    let tmp = path.with_extension("tmp");
    let text = serde_json::to_vec_pretty(&world.to_file()).map_err(|e| e.to_string())?;
    std::fs::write(&tmp, text).map_err(|e| format!("writing {}: {e}", tmp.display()))?;
    std::fs::rename(&tmp, path).map_err(|e| format!("renaming to {}: {e}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn obj(pairs: &[(&str, Value)]) -> Value {
        Value::Object(
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.clone()))
                .collect(),
        )
    }

    #[test]
    fn records_finds_forgets_and_round_trips_through_the_file() {
        let mut w = World::default();
        let subnet = obj(&[("id", "subnet-1".into()), ("vpc_id", "vpc-1".into())]);
        w.record("aws_subnet", &subnet);
        w.record("aws_subnet", &obj(&[("id", Value::Unknown)]));
        assert_eq!(
            w.find("aws_subnet", "id", "subnet-1")
                .and_then(|r| r.str("vpc_id")),
            Some("vpc-1")
        );
        assert_eq!(w.of_type("aws_subnet").count(), 1);

        let dir = std::env::temp_dir().join(format!("standin-world-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let path = dir.join("world.json");
        save(&w, &path).expect("save");
        assert_eq!(load(&path).expect("load"), w);
        std::fs::remove_dir_all(&dir).expect("cleanup");

        w.forget("aws_subnet", &subnet);
        assert!(w.find("aws_subnet", "id", "subnet-1").is_none());
        assert_eq!(
            load(std::path::Path::new("/nonexistent/world.json")).expect("absent is empty"),
            World::default()
        );
    }
}
