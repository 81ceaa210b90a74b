//! DynamicValue codecs: MessagePack (what Terraform sends and expects for every
//! value) and JSON (raw state in `UpgradeResourceState`/`MoveResourceState`).
//!
//! Wire rules (cty's msgpack encoding):
//! - null is msgpack nil; an unknown value is an extension (type 0, or type 12 for a
//!   refined unknown whose refinements we drop);
//! - numbers are integers when exact in `i64`, float64 when exact in `f64`, and
//!   otherwise their decimal text as a string (so nothing is truncated);
//! - objects are maps keyed by attribute name in sorted order, sets and lists arrays;
//! - a value of type `dynamic` is a two-element array `[type JSON, value]`.

use std::collections::BTreeMap;

use serde_json::Value as Json;

use crate::error::CodecError;
use crate::types::Type;
use crate::value::{Number, Value};

const UNKNOWN_BYTES: [u8; 3] = [0xd4, 0, 0];

/// Encodes `v` of type `ty` as MessagePack.
pub fn to_msgpack(v: &Value, ty: &Type) -> Result<Vec<u8>, CodecError> {
    let mut out = Vec::with_capacity(64);
    encode(&mut out, v, ty)?;
    Ok(out)
}

/// Decodes MessagePack bytes as a value of type `ty`.
pub fn from_msgpack(b: &[u8], ty: &Type) -> Result<Value, CodecError> {
    let mut r = Reader { b, pos: 0 };
    let v = r.value(ty)?;
    if r.pos != b.len() {
        return Err(CodecError::new("trailing bytes after msgpack value"));
    }
    Ok(v)
}

fn err<T>(msg: impl Into<String>) -> Result<T, CodecError> {
    Err(CodecError::new(msg))
}

fn write_len(out: &mut Vec<u8>, len: usize, fix: u8, fix_max: usize, m16: u8, m32: u8) {
    if len <= fix_max {
        out.push(fix | len as u8);
    } else if len <= u16::MAX as usize {
        out.push(m16);
        out.extend_from_slice(&(len as u16).to_be_bytes());
    } else {
        out.push(m32);
        out.extend_from_slice(&(len as u32).to_be_bytes());
    }
}

fn write_str(out: &mut Vec<u8>, s: &str) {
    let len = s.len();
    if len < 32 {
        out.push(0xa0 | len as u8);
    } else if len <= u8::MAX as usize {
        out.push(0xd9);
        out.push(len as u8);
    } else if len <= u16::MAX as usize {
        out.push(0xda);
        out.extend_from_slice(&(len as u16).to_be_bytes());
    } else {
        out.push(0xdb);
        out.extend_from_slice(&(len as u32).to_be_bytes());
    }
    out.extend_from_slice(s.as_bytes());
}

fn write_int(out: &mut Vec<u8>, i: i64) {
    if (0..=127).contains(&i) {
        out.push(i as u8);
    } else if (-32..0).contains(&i) {
        out.push(i as i8 as u8);
    } else {
        out.push(0xd3);
        out.extend_from_slice(&i.to_be_bytes());
    }
}

fn write_number(out: &mut Vec<u8>, n: &Number) {
    if let Some(i) = n.as_i64() {
        write_int(out, i);
        return;
    }
    let f = n.as_f64();
    if f.is_finite() && Number::from(f) == *n {
        out.push(0xcb);
        out.extend_from_slice(&f.to_be_bytes());
    } else {
        write_str(out, n.as_str());
    }
}

fn encode(out: &mut Vec<u8>, v: &Value, ty: &Type) -> Result<(), CodecError> {
    match v {
        Value::Null => {
            out.push(0xc0);
            return Ok(());
        }
        Value::Unknown => {
            out.extend_from_slice(&UNKNOWN_BYTES);
            return Ok(());
        }
        _ => {}
    }
    match (ty, v) {
        (Type::Dynamic, Value::Dynamic(t, inner)) => {
            out.push(0x92);
            write_str(out, &t.to_json().to_string());
            encode(out, inner, t)
        }
        (Type::Dynamic, other) => {
            let t = infer_type(other);
            out.push(0x92);
            write_str(out, &t.to_json().to_string());
            encode(out, other, &t)
        }
        (Type::Bool, Value::Bool(b)) => {
            out.push(if *b { 0xc3 } else { 0xc2 });
            Ok(())
        }
        (Type::Number, Value::Number(n)) => {
            write_number(out, n);
            Ok(())
        }
        (Type::String, Value::String(s)) => {
            write_str(out, s);
            Ok(())
        }
        (Type::List(et), Value::List(items)) | (Type::Set(et), Value::Set(items)) => {
            write_len(out, items.len(), 0x90, 15, 0xdc, 0xdd);
            for it in items {
                encode(out, it, et)?;
            }
            Ok(())
        }
        (Type::Set(et), Value::List(items)) | (Type::List(et), Value::Set(items)) => {
            write_len(out, items.len(), 0x90, 15, 0xdc, 0xdd);
            for it in items {
                encode(out, it, et)?;
            }
            Ok(())
        }
        (Type::Tuple(ets), Value::List(items)) => {
            if ets.len() != items.len() {
                return err("tuple length mismatch");
            }
            write_len(out, items.len(), 0x90, 15, 0xdc, 0xdd);
            for (it, et) in items.iter().zip(ets) {
                encode(out, it, et)?;
            }
            Ok(())
        }
        (Type::Map(et), Value::Map(m)) | (Type::Map(et), Value::Object(m)) => {
            write_len(out, m.len(), 0x80, 15, 0xde, 0xdf);
            for (k, it) in m {
                write_str(out, k);
                encode(out, it, et)?;
            }
            Ok(())
        }
        (Type::Object(attrs, _), Value::Object(m)) => {
            if let Some(extra) = m.keys().find(|k| !attrs.contains_key(*k)) {
                return err(format!("unexpected attribute {extra:?}"));
            }
            write_len(out, attrs.len(), 0x80, 15, 0xde, 0xdf);
            for (k, at) in attrs {
                write_str(out, k);
                encode(out, m.get(k).unwrap_or(&Value::Null), at)?;
            }
            Ok(())
        }
        (t, v) => err(format!(
            "value {} does not conform to type {}",
            describe(v),
            t.to_json()
        )),
    }
}

fn describe(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Unknown => "unknown",
        Value::Bool(_) => "bool",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::List(_) => "list",
        Value::Set(_) => "set",
        Value::Map(_) => "map",
        Value::Object(_) => "object",
        Value::Dynamic(..) => "dynamic",
    }
}

/// Best-effort type of a value (used for `dynamic` attributes).
pub fn infer_type(v: &Value) -> Type {
    match v {
        Value::Null | Value::Unknown => Type::Dynamic,
        Value::Bool(_) => Type::Bool,
        Value::Number(_) => Type::Number,
        Value::String(_) => Type::String,
        Value::List(items) => Type::Tuple(items.iter().map(infer_type).collect()),
        Value::Set(items) => Type::set(items.first().map(infer_type).unwrap_or(Type::Dynamic)),
        Value::Map(m) => Type::map(m.values().next().map(infer_type).unwrap_or(Type::Dynamic)),
        Value::Object(m) => Type::Object(
            m.iter().map(|(k, v)| (k.clone(), infer_type(v))).collect(),
            Default::default(),
        ),
        Value::Dynamic(t, _) => t.clone(),
    }
}

struct Reader<'a> {
    b: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    fn byte(&mut self) -> Result<u8, CodecError> {
        let v = *self
            .b
            .get(self.pos)
            .ok_or_else(|| CodecError::new("truncated msgpack"))?;
        self.pos += 1;
        Ok(v)
    }
    fn take(&mut self, n: usize) -> Result<&'a [u8], CodecError> {
        let end = self
            .pos
            .checked_add(n)
            .filter(|e| *e <= self.b.len())
            .ok_or_else(|| CodecError::new("truncated msgpack"))?;
        let s = &self.b[self.pos..end];
        self.pos = end;
        Ok(s)
    }
    fn be(&mut self, n: usize) -> Result<u64, CodecError> {
        let mut v = 0u64;
        for b in self.take(n)? {
            v = (v << 8) | u64::from(*b);
        }
        Ok(v)
    }

    /// Reads one msgpack item generically.
    fn item(&mut self) -> Result<Raw<'a>, CodecError> {
        let m = self.byte()?;
        Ok(match m {
            0x00..=0x7f => Raw::Int(i128::from(m)),
            0xe0..=0xff => Raw::Int(i128::from(m as i8)),
            0x80..=0x8f => Raw::Map(usize::from(m & 0x0f)),
            0x90..=0x9f => Raw::Array(usize::from(m & 0x0f)),
            0xa0..=0xbf => Raw::Str(self.take(usize::from(m & 0x1f))?),
            0xc0 => Raw::Nil,
            0xc2 => Raw::Bool(false),
            0xc3 => Raw::Bool(true),
            0xc4 => {
                let n = self.be(1)? as usize;
                Raw::Str(self.take(n)?)
            }
            0xc5 => {
                let n = self.be(2)? as usize;
                Raw::Str(self.take(n)?)
            }
            0xc6 => {
                let n = self.be(4)? as usize;
                Raw::Str(self.take(n)?)
            }
            0xc7..=0xc9 => {
                let n = self.be(1 << (m - 0xc7))? as usize;
                let _ty = self.byte()?;
                self.take(n)?;
                Raw::Ext
            }
            0xca => Raw::Float(f64::from(f32::from_bits(self.be(4)? as u32))),
            0xcb => Raw::Float(f64::from_bits(self.be(8)?)),
            0xcc => Raw::Int(i128::from(self.be(1)?)),
            0xcd => Raw::Int(i128::from(self.be(2)?)),
            0xce => Raw::Int(i128::from(self.be(4)?)),
            0xcf => Raw::Int(i128::from(self.be(8)?)),
            0xd0 => Raw::Int(i128::from(self.be(1)? as u8 as i8)),
            0xd1 => Raw::Int(i128::from(self.be(2)? as u16 as i16)),
            0xd2 => Raw::Int(i128::from(self.be(4)? as u32 as i32)),
            0xd3 => Raw::Int(i128::from(self.be(8)? as i64)),
            0xd4..=0xd8 => {
                let _ty = self.byte()?;
                self.take(1 << (m - 0xd4))?;
                Raw::Ext
            }
            0xd9 => {
                let n = self.be(1)? as usize;
                Raw::Str(self.take(n)?)
            }
            0xda => {
                let n = self.be(2)? as usize;
                Raw::Str(self.take(n)?)
            }
            0xdb => {
                let n = self.be(4)? as usize;
                Raw::Str(self.take(n)?)
            }
            0xdc => Raw::Array(self.be(2)? as usize),
            0xdd => Raw::Array(self.be(4)? as usize),
            0xde => Raw::Map(self.be(2)? as usize),
            0xdf => Raw::Map(self.be(4)? as usize),
            0xc1 => return err("invalid msgpack marker 0xc1"),
        })
    }

    fn string(&mut self) -> Result<String, CodecError> {
        match self.item()? {
            Raw::Str(s) => String::from_utf8(s.to_vec())
                .map_err(|_| CodecError::new("msgpack string is not UTF-8")),
            _ => err("expected a msgpack string"),
        }
    }

    fn value(&mut self, ty: &Type) -> Result<Value, CodecError> {
        let raw = self.item()?;
        match raw {
            Raw::Nil => return Ok(Value::Null),
            Raw::Ext => return Ok(Value::Unknown),
            _ => {}
        }
        match ty {
            Type::Dynamic => {
                let Raw::Array(2) = raw else {
                    return err("dynamic value must be [type, value]");
                };
                let tj = self.string()?;
                let t = Type::from_json_bytes(tj.as_bytes())?;
                let inner = self.value(&t)?;
                Ok(Value::Dynamic(t, Box::new(inner)))
            }
            Type::Bool => match raw {
                Raw::Bool(b) => Ok(Value::Bool(b)),
                _ => err("expected bool"),
            },
            Type::Number => match raw {
                Raw::Int(i) => Ok(Value::Number(
                    Number::parse(&i.to_string()).ok_or_else(|| CodecError::new("bad int"))?,
                )),
                Raw::Float(f) => Ok(Value::Number(Number::from(f))),
                Raw::Str(s) => {
                    let t = std::str::from_utf8(s).map_err(|_| CodecError::new("bad number"))?;
                    Number::parse(t)
                        .map(Value::Number)
                        .ok_or_else(|| CodecError::new(format!("bad number {t:?}")))
                }
                _ => err("expected number"),
            },
            Type::String => match raw {
                Raw::Str(s) => Ok(Value::String(
                    String::from_utf8(s.to_vec())
                        .map_err(|_| CodecError::new("msgpack string is not UTF-8"))?,
                )),
                _ => err("expected string"),
            },
            Type::List(et) | Type::Set(et) => {
                let Raw::Array(n) = raw else {
                    return err("expected array");
                };
                let mut items = Vec::with_capacity(n.min(4096));
                for _ in 0..n {
                    items.push(self.value(et)?);
                }
                Ok(if matches!(ty, Type::Set(_)) {
                    Value::Set(items)
                } else {
                    Value::List(items)
                })
            }
            Type::Tuple(ets) => {
                let Raw::Array(n) = raw else {
                    return err("expected array");
                };
                if n != ets.len() {
                    return err("tuple length mismatch");
                }
                let mut items = Vec::with_capacity(n);
                for et in ets {
                    items.push(self.value(et)?);
                }
                Ok(Value::List(items))
            }
            Type::Map(et) => {
                let Raw::Map(n) = raw else {
                    return err("expected map");
                };
                let mut m = BTreeMap::new();
                for _ in 0..n {
                    let k = self.string()?;
                    m.insert(k, self.value(et)?);
                }
                Ok(Value::Map(m))
            }
            Type::Object(attrs, _) => {
                let Raw::Map(n) = raw else {
                    return err("expected object");
                };
                let mut m = BTreeMap::new();
                for _ in 0..n {
                    let k = self.string()?;
                    let at = attrs
                        .get(&k)
                        .ok_or_else(|| CodecError::new(format!("unexpected attribute {k:?}")))?;
                    m.insert(k, self.value(at)?);
                }
                for k in attrs.keys() {
                    m.entry(k.clone()).or_insert(Value::Null);
                }
                Ok(Value::Object(m))
            }
        }
    }
}

enum Raw<'a> {
    Nil,
    Bool(bool),
    Int(i128),
    Float(f64),
    Str(&'a [u8]),
    Array(usize),
    Map(usize),
    Ext,
}

/// Decodes JSON (raw state) as a value of type `ty`. Unknown values cannot
/// appear in JSON; attributes missing from the JSON become null and attributes
/// the type does not know are dropped (they belonged to an older schema).
pub fn from_json(j: &Json, ty: &Type) -> Result<Value, CodecError> {
    if j.is_null() {
        return Ok(Value::Null);
    }
    Ok(match ty {
        Type::Dynamic => {
            // State JSON stores dynamic values as {"value": ..., "type": ...}.
            match (j.get("type"), j.get("value")) {
                (Some(t), Some(v)) => {
                    let t = Type::from_json(t)?;
                    let inner = from_json(v, &t)?;
                    Value::Dynamic(t, Box::new(inner))
                }
                _ => {
                    let t = json_type(j);
                    Value::Dynamic(t.clone(), Box::new(from_json(j, &t)?))
                }
            }
        }
        Type::Bool => Value::Bool(
            j.as_bool()
                .ok_or_else(|| CodecError::new("expected bool"))?,
        ),
        Type::Number => match j {
            Json::Number(n) => Value::Number(
                Number::parse(&n.to_string()).ok_or_else(|| CodecError::new("bad number"))?,
            ),
            Json::String(s) => Value::Number(
                Number::parse(s).ok_or_else(|| CodecError::new(format!("bad number {s:?}")))?,
            ),
            _ => return err("expected number"),
        },
        Type::String => match j {
            Json::String(s) => Value::String(s.clone()),
            Json::Number(n) => Value::String(n.to_string()),
            Json::Bool(b) => Value::String(b.to_string()),
            _ => return err("expected string"),
        },
        Type::List(et) | Type::Set(et) => {
            let arr = j
                .as_array()
                .ok_or_else(|| CodecError::new("expected array"))?;
            let items = arr
                .iter()
                .map(|x| from_json(x, et))
                .collect::<Result<Vec<_>, _>>()?;
            if matches!(ty, Type::Set(_)) {
                Value::Set(items)
            } else {
                Value::List(items)
            }
        }
        Type::Tuple(ets) => {
            let arr = j
                .as_array()
                .ok_or_else(|| CodecError::new("expected array"))?;
            Value::List(
                arr.iter()
                    .zip(ets)
                    .map(|(x, t)| from_json(x, t))
                    .collect::<Result<Vec<_>, _>>()?,
            )
        }
        Type::Map(et) => {
            let obj = j
                .as_object()
                .ok_or_else(|| CodecError::new("expected map"))?;
            Value::Map(
                obj.iter()
                    .map(|(k, v)| Ok((k.clone(), from_json(v, et)?)))
                    .collect::<Result<_, CodecError>>()?,
            )
        }
        Type::Object(attrs, _) => {
            let obj = j
                .as_object()
                .ok_or_else(|| CodecError::new("expected object"))?;
            let mut m = BTreeMap::new();
            for (k, at) in attrs {
                let v = match obj.get(k) {
                    Some(x) => from_json(x, at)?,
                    None => Value::Null,
                };
                m.insert(k.clone(), v);
            }
            Value::Object(m)
        }
    })
}

/// The type a JSON value has when read without a schema (objects, tuples).
pub(crate) fn json_type(j: &Json) -> Type {
    match j {
        Json::Bool(_) => Type::Bool,
        Json::Number(_) => Type::Number,
        Json::String(_) => Type::String,
        Json::Array(a) => Type::Tuple(a.iter().map(json_type).collect()),
        Json::Object(o) => Type::Object(
            o.iter().map(|(k, v)| (k.clone(), json_type(v))).collect(),
            Default::default(),
        ),
        Json::Null => Type::Dynamic,
    }
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
    fn round_trips_all_shapes() {
        let ty = Type::object([
            ("s", Type::String),
            ("n", Type::Number),
            ("f", Type::Number),
            ("big", Type::Number),
            ("b", Type::Bool),
            ("l", Type::list(Type::String)),
            ("set", Type::set(Type::Number)),
            ("m", Type::map(Type::Bool)),
            ("u", Type::String),
            ("z", Type::String),
            ("d", Type::Dynamic),
        ]);
        let long = "x".repeat(70_000);
        let v = obj(&[
            ("s", Value::from(long.as_str())),
            ("n", Value::from(-7)),
            ("f", Value::Number(Number::from(1.5))),
            (
                "big",
                Value::Number(
                    Number::parse("123456789012345678901234567890.25")
                        .unwrap_or_else(|| Number::from(0i64)),
                ),
            ),
            ("b", Value::Bool(true)),
            ("l", Value::List(vec![Value::from("a"), Value::Unknown])),
            (
                "set",
                Value::Set(vec![Value::from(1), Value::from(300_000)]),
            ),
            (
                "m",
                Value::Map(BTreeMap::from([("k".to_string(), Value::Bool(false))])),
            ),
            ("u", Value::Unknown),
            ("z", Value::Null),
            (
                "d",
                Value::Dynamic(Type::list(Type::String), Box::new(Value::List(vec![]))),
            ),
        ]);
        let bytes = to_msgpack(&v, &ty).expect("encode");
        let back = from_msgpack(&bytes, &ty).expect("decode");
        assert_eq!(back, v);
    }

    #[test]
    fn number_encodings_follow_cty() {
        let b = to_msgpack(&Value::from(5), &Type::Number).expect("encode");
        assert_eq!(b, vec![5]);
        let b = to_msgpack(&Value::Number(Number::from(1.5)), &Type::Number).expect("encode");
        assert_eq!(b[0], 0xcb);
        let b = to_msgpack(&Value::Number(Number::from(0.1)), &Type::Number).expect("encode");
        assert_eq!(b[0], 0xcb);
        assert_eq!(
            from_msgpack(&b, &Type::Number).expect("decode"),
            Value::Number(Number::from(0.1))
        );
        // a number too precise for f64 travels as a string
        let n = Number::parse("0.1000000000000000000001").expect("parse");
        let b = to_msgpack(&Value::Number(n.clone()), &Type::Number).expect("encode");
        assert_eq!(b[0] & 0xe0, 0xa0);
        assert_eq!(
            from_msgpack(&b, &Type::Number).expect("decode"),
            Value::Number(n)
        );
    }

    #[test]
    fn refined_unknown_is_tolerated() {
        // ext type 12 (refined unknown) with a 3-byte payload: fixmap{1: true}
        let bytes = [0xc7, 3, 12, 0x81, 0x01, 0xc3];
        assert_eq!(
            from_msgpack(&bytes, &Type::String).expect("decode"),
            Value::Unknown
        );
    }

    #[test]
    fn object_missing_attrs_become_null_and_extra_is_rejected() {
        let ty = Type::object([("a", Type::String), ("b", Type::String)]);
        let bytes = [0x81, 0xa1, b'a', 0xa1, b'x'];
        let v = from_msgpack(&bytes, &ty).expect("decode");
        assert_eq!(v, obj(&[("a", Value::from("x")), ("b", Value::Null)]));
        let bad = [0x81, 0xa1, b'q', 0xa1, b'x'];
        assert!(from_msgpack(&bad, &ty).is_err());
        assert!(from_msgpack(&[0x81], &ty).is_err());
    }

    #[test]
    fn json_state_decodes() {
        let ty = Type::object([("a", Type::Number), ("b", Type::list(Type::String))]);
        let j: Json = serde_json::from_str(r#"{"a": 1.5, "b": ["x"], "old": 1}"#).expect("json");
        let v = from_json(&j, &ty).expect("decode");
        assert_eq!(
            v,
            obj(&[
                ("a", Value::Number(Number::from(1.5))),
                ("b", Value::List(vec![Value::from("x")]))
            ])
        );
    }
}
