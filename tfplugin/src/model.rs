//! Typed access to values with serde: resources declare plain Rust structs whose
//! field names are the attribute names, and never see msgpack.
//!
//! - `Option<T>` fields hold nullable attributes; nested blocks are `Vec<T>`
//!   (list/set) or `Option<T>` (single).
//! - Unknown values (only possible at validate and plan time) can be observed with
//!   [`Tf<T>`]; plain fields see them as null in lenient decoding ([`from_value_lenient`])
//!   and as an error in strict decoding ([`from_value`]).
//! - Encoding a struct back ([`to_value`]) is guided by the schema's type, so sets,
//!   numbers and absent attributes come out exactly as Terraform expects.

use std::collections::BTreeMap;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::Value as Json;

use crate::codec::json_type;
use crate::diag::{Diagnostic, Diagnostics};
use crate::types::Type;
use crate::value::{Number, Value};

const UNKNOWN_KEY: &str = "$tfplugin_unknown$";

/// A value that may be null or unknown, for fields that must tell the three apart.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum Tf<T> {
    /// Null.
    #[default]
    Null,
    /// Unknown until apply.
    Unknown,
    /// Known.
    Known(T),
}

impl<T> Tf<T> {
    /// The known value, if any.
    pub fn known(&self) -> Option<&T> {
        match self {
            Tf::Known(v) => Some(v),
            _ => None,
        }
    }
    /// True when unknown.
    pub fn is_unknown(&self) -> bool {
        matches!(self, Tf::Unknown)
    }
}

impl<T: Serialize> Serialize for Tf<T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Tf::Null => s.serialize_none(),
            Tf::Unknown => {
                let mut m = BTreeMap::new();
                m.insert(UNKNOWN_KEY, true);
                m.serialize(s)
            }
            Tf::Known(v) => v.serialize(s),
        }
    }
}

impl<'de, T: DeserializeOwned> Deserialize<'de> for Tf<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let j = Json::deserialize(d)?;
        if j.is_null() {
            return Ok(Tf::Null);
        }
        if is_unknown_marker(&j) {
            return Ok(Tf::Unknown);
        }
        serde_json::from_value(j)
            .map(Tf::Known)
            .map_err(serde::de::Error::custom)
    }
}

fn is_unknown_marker(j: &Json) -> bool {
    matches!(j, Json::Object(m) if m.len() == 1 && m.contains_key(UNKNOWN_KEY))
}

fn value_to_json(v: &Value, lenient: bool) -> Json {
    match v {
        Value::Null => Json::Null,
        Value::Unknown if lenient => Json::Null,
        Value::Unknown => {
            let mut m = serde_json::Map::new();
            m.insert(UNKNOWN_KEY.to_string(), Json::Bool(true));
            Json::Object(m)
        }
        Value::Bool(b) => Json::Bool(*b),
        Value::Number(n) => number_to_json(n),
        Value::String(s) => Json::String(s.clone()),
        Value::List(items) | Value::Set(items) => {
            Json::Array(items.iter().map(|x| value_to_json(x, lenient)).collect())
        }
        Value::Map(m) | Value::Object(m) => Json::Object(
            m.iter()
                .map(|(k, x)| (k.clone(), value_to_json(x, lenient)))
                .collect(),
        ),
        Value::Dynamic(_, inner) => value_to_json(inner, lenient),
    }
}

fn number_to_json(n: &Number) -> Json {
    if let Some(i) = n.as_i64() {
        return Json::from(i);
    }
    serde_json::Number::from_f64(n.as_f64())
        .map(Json::Number)
        .unwrap_or_else(|| Json::String(n.to_string()))
}

/// Decodes a value into `T`, keeping unknowns visible to [`Tf`] fields
/// (other field types fail on an unknown).
pub fn from_value<T: DeserializeOwned>(v: &Value) -> Result<T, Diagnostics> {
    decode(value_to_json(v, false))
}

/// Decodes a value into `T`, reading unknown values as null. For validation and
/// plan-time checks, which must skip what is not known yet.
pub fn from_value_lenient<T: DeserializeOwned>(v: &Value) -> Result<T, Diagnostics> {
    decode(value_to_json(v, true))
}

fn decode<T: DeserializeOwned>(j: Json) -> Result<T, Diagnostics> {
    serde_json::from_value(j).map_err(|e| {
        Diagnostics::from(Diagnostic::error(
            "Provider could not decode a value",
            format!("This is a bug in the provider: {e}"),
        ))
    })
}

/// Encodes `model` as a value of type `ty`.
pub fn to_value<T: Serialize>(model: &T, ty: &Type) -> Result<Value, Diagnostics> {
    let j = serde_json::to_value(model).map_err(|e| {
        Diagnostics::from(Diagnostic::error(
            "Provider could not encode a value",
            format!("This is a bug in the provider: {e}"),
        ))
    })?;
    json_to_value(&j, ty).map_err(|e| {
        Diagnostics::from(Diagnostic::error(
            "Provider produced a value that does not fit its schema",
            format!("This is a bug in the provider: {e}"),
        ))
    })
}

/// Converts JSON (as produced by serde) to a value of type `ty`.
pub fn json_to_value(j: &Json, ty: &Type) -> Result<Value, String> {
    if j.is_null() {
        return Ok(Value::Null);
    }
    if is_unknown_marker(j) {
        return Ok(Value::Unknown);
    }
    Ok(match ty {
        Type::Bool => Value::Bool(
            j.as_bool()
                .ok_or_else(|| format!("expected bool, got {j}"))?,
        ),
        Type::Number => match j {
            Json::Number(n) => Value::Number(
                Number::parse(&n.to_string()).ok_or_else(|| format!("bad number {n}"))?,
            ),
            Json::String(s) => {
                Value::Number(Number::parse(s).ok_or_else(|| format!("bad number {s:?}"))?)
            }
            _ => return Err(format!("expected number, got {j}")),
        },
        Type::String => match j {
            Json::String(s) => Value::String(s.clone()),
            _ => return Err(format!("expected string, got {j}")),
        },
        Type::List(et) | Type::Set(et) => {
            let arr = j
                .as_array()
                .ok_or_else(|| format!("expected list, got {j}"))?;
            let mut items = Vec::with_capacity(arr.len());
            for x in arr {
                let v = json_to_value(x, et)?;
                if matches!(ty, Type::Set(_)) && items.contains(&v) {
                    continue;
                }
                items.push(v);
            }
            if matches!(ty, Type::Set(_)) {
                Value::Set(items)
            } else {
                Value::List(items)
            }
        }
        Type::Tuple(ets) => {
            let arr = j
                .as_array()
                .ok_or_else(|| format!("expected tuple, got {j}"))?;
            Value::List(
                arr.iter()
                    .zip(ets)
                    .map(|(x, t)| json_to_value(x, t))
                    .collect::<Result<_, _>>()?,
            )
        }
        Type::Map(et) => {
            let obj = j
                .as_object()
                .ok_or_else(|| format!("expected map, got {j}"))?;
            Value::Map(
                obj.iter()
                    .map(|(k, x)| Ok((k.clone(), json_to_value(x, et)?)))
                    .collect::<Result<_, String>>()?,
            )
        }
        Type::Object(attrs, _) => {
            let obj = j
                .as_object()
                .ok_or_else(|| format!("expected object, got {j}"))?;
            if let Some(extra) = obj.keys().find(|k| !attrs.contains_key(*k)) {
                return Err(format!("attribute {extra:?} is not in the schema"));
            }
            let mut m = BTreeMap::new();
            for (k, at) in attrs {
                let v = match obj.get(k) {
                    Some(x) => json_to_value(x, at)?,
                    None => Value::Null,
                };
                m.insert(k.clone(), v);
            }
            Value::Object(m)
        }
        Type::Dynamic => {
            let v = json_to_value(j, &json_type(j))?;
            Value::Dynamic(json_type(j), Box::new(v))
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::{Deserialize, Serialize};

    #[derive(Debug, Serialize, Deserialize, PartialEq)]
    struct Grant {
        privileges: Vec<String>,
    }

    #[derive(Debug, Serialize, Deserialize, PartialEq)]
    struct M {
        name: String,
        count: Option<i64>,
        ratio: Option<f64>,
        id: Tf<String>,
        #[serde(default)]
        grant: Vec<Grant>,
    }

    fn ty() -> Type {
        Type::object([
            ("name", Type::String),
            ("count", Type::Number),
            ("ratio", Type::Number),
            ("id", Type::String),
            (
                "grant",
                Type::list(Type::object([("privileges", Type::set(Type::String))])),
            ),
            ("unused", Type::String),
        ])
    }

    #[test]
    fn typed_round_trip_with_unknown() {
        let m = M {
            name: "a".into(),
            count: None,
            ratio: Some(1.5),
            id: Tf::Unknown,
            grant: vec![Grant {
                privileges: vec!["SELECT".into(), "SELECT".into()],
            }],
        };
        let v = to_value(&m, &ty()).expect("encode");
        assert_eq!(v.attr("id"), &Value::Unknown);
        assert_eq!(v.attr("unused"), &Value::Null);
        // sets are de-duplicated
        assert_eq!(
            v.attr("grant"),
            &Value::List(vec![Value::Object(BTreeMap::from([(
                "privileges".to_string(),
                Value::Set(vec![Value::from("SELECT")])
            )]))])
        );
        let back: M = from_value(&v).expect("decode");
        assert_eq!(back.id, Tf::Unknown);
        assert_eq!(back.ratio, Some(1.5));
    }

    #[test]
    fn lenient_reads_unknown_as_null() {
        #[derive(Deserialize)]
        struct N {
            count: Option<i64>,
        }
        let v = Value::Object(BTreeMap::from([("count".to_string(), Value::Unknown)]));
        let n: N = from_value_lenient(&v).expect("decode");
        assert_eq!(n.count, None);
        assert!(from_value::<N>(&v).is_err());
    }

    #[test]
    fn extra_fields_are_a_bug_not_silently_dropped() {
        #[derive(Serialize)]
        struct X {
            nope: i64,
        }
        assert!(to_value(&X { nope: 1 }, &Type::object([("a", Type::String)])).is_err());
    }
}
