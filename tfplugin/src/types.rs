//! Terraform's type system (cty types) and their JSON encoding, as used in schemas
//! (`Schema.Attribute.type`) and for dynamically-typed values.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value as Json;

use crate::error::CodecError;

/// A Terraform (cty) type.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Type {
    /// `bool`
    Bool,
    /// `number` (arbitrary precision)
    Number,
    /// `string`
    String,
    /// `dynamic`: the type is carried with the value.
    Dynamic,
    /// `list(T)`
    List(Box<Type>),
    /// `set(T)`
    Set(Box<Type>),
    /// `map(T)`
    Map(Box<Type>),
    /// `object({...})`, with the names of optional attributes (type constraints only).
    Object(BTreeMap<String, Type>, BTreeSet<String>),
    /// `tuple([...])`
    Tuple(Vec<Type>),
}

impl Type {
    /// `list(elem)`
    pub fn list(elem: Type) -> Type {
        Type::List(Box::new(elem))
    }
    /// `set(elem)`
    pub fn set(elem: Type) -> Type {
        Type::Set(Box::new(elem))
    }
    /// `map(elem)`
    pub fn map(elem: Type) -> Type {
        Type::Map(Box::new(elem))
    }
    /// `object({...})` from `(name, type)` pairs.
    pub fn object<I, S>(attrs: I) -> Type
    where
        I: IntoIterator<Item = (S, Type)>,
        S: Into<String>,
    {
        Type::Object(
            attrs.into_iter().map(|(k, v)| (k.into(), v)).collect(),
            BTreeSet::new(),
        )
    }

    /// The JSON form Terraform uses on the wire (`"string"`, `["list","string"]`, ...).
    pub fn to_json(&self) -> Json {
        match self {
            Type::Bool => Json::from("bool"),
            Type::Number => Json::from("number"),
            Type::String => Json::from("string"),
            Type::Dynamic => Json::from("dynamic"),
            Type::List(e) => Json::Array(vec![Json::from("list"), e.to_json()]),
            Type::Set(e) => Json::Array(vec![Json::from("set"), e.to_json()]),
            Type::Map(e) => Json::Array(vec![Json::from("map"), e.to_json()]),
            Type::Object(attrs, optional) => {
                let mut m = serde_json::Map::new();
                for (k, t) in attrs {
                    m.insert(k.clone(), t.to_json());
                }
                let mut v = vec![Json::from("object"), Json::Object(m)];
                if !optional.is_empty() {
                    v.push(Json::Array(
                        optional.iter().map(|s| Json::from(s.as_str())).collect(),
                    ));
                }
                Json::Array(v)
            }
            Type::Tuple(elems) => Json::Array(vec![
                Json::from("tuple"),
                Json::Array(elems.iter().map(Type::to_json).collect()),
            ]),
        }
    }

    /// The JSON bytes of [`Type::to_json`].
    pub fn to_json_bytes(&self) -> Vec<u8> {
        self.to_json().to_string().into_bytes()
    }

    /// Parses the JSON form.
    pub fn from_json(j: &Json) -> Result<Type, CodecError> {
        let bad = || CodecError::new(format!("invalid type JSON: {j}"));
        match j {
            Json::String(s) => match s.as_str() {
                "bool" => Ok(Type::Bool),
                "number" => Ok(Type::Number),
                "string" => Ok(Type::String),
                "dynamic" => Ok(Type::Dynamic),
                _ => Err(bad()),
            },
            Json::Array(parts) => {
                let kind = parts.first().and_then(Json::as_str).ok_or_else(bad)?;
                let arg = parts.get(1).ok_or_else(bad)?;
                match kind {
                    "list" => Ok(Type::list(Type::from_json(arg)?)),
                    "set" => Ok(Type::set(Type::from_json(arg)?)),
                    "map" => Ok(Type::map(Type::from_json(arg)?)),
                    "object" => {
                        let obj = arg.as_object().ok_or_else(bad)?;
                        let mut attrs = BTreeMap::new();
                        for (k, v) in obj {
                            attrs.insert(k.clone(), Type::from_json(v)?);
                        }
                        let mut optional = BTreeSet::new();
                        if let Some(Json::Array(opts)) = parts.get(2) {
                            for o in opts {
                                optional.insert(o.as_str().ok_or_else(bad)?.to_string());
                            }
                        }
                        Ok(Type::Object(attrs, optional))
                    }
                    "tuple" => {
                        let elems = arg.as_array().ok_or_else(bad)?;
                        Ok(Type::Tuple(
                            elems
                                .iter()
                                .map(Type::from_json)
                                .collect::<Result<_, _>>()?,
                        ))
                    }
                    _ => Err(bad()),
                }
            }
            _ => Err(bad()),
        }
    }

    /// Parses JSON bytes.
    pub fn from_json_bytes(b: &[u8]) -> Result<Type, CodecError> {
        let j: Json = serde_json::from_slice(b)
            .map_err(|e| CodecError::new(format!("invalid type JSON: {e}")))?;
        Type::from_json(&j)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_round_trip() {
        let t = Type::object([
            ("a", Type::String),
            ("b", Type::list(Type::Number)),
            ("c", Type::map(Type::set(Type::Bool))),
            ("d", Type::Tuple(vec![Type::Dynamic, Type::String])),
        ]);
        let j = t.to_json();
        assert_eq!(
            j.to_string(),
            r#"["object",{"a":"string","b":["list","number"],"c":["map",["set","bool"]],"d":["tuple",["dynamic","string"]]}]"#
        );
        assert_eq!(Type::from_json(&j).ok(), Some(t));
    }

    #[test]
    fn rejects_garbage() {
        assert!(Type::from_json_bytes(br#"["frob","x"]"#).is_err());
        assert!(Type::from_json_bytes(br#""strng""#).is_err());
    }
}
