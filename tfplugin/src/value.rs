//! Terraform values: null, unknown or known, of any [`Type`](crate::Type).
//!
//! Numbers keep their exact decimal text, so `1.5`, `2^63` or `0.1` round-trip
//! unchanged instead of being truncated to `i64` or rounded through `f64`.

use std::collections::BTreeMap;
use std::fmt;

use crate::path::{AttrPath, PathStep};
use crate::types::Type;

/// An arbitrary-precision number, stored as canonical decimal text.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Number(String);

impl Number {
    /// Parses decimal text (`-12`, `1.5`, `1e300`); returns `None` for anything else.
    pub fn parse(s: &str) -> Option<Number> {
        let t = s.trim();
        let ok = !t.is_empty()
            && t.chars().all(|c| c.is_ascii_digit() || "+-.eE".contains(c))
            && t.chars().any(|c| c.is_ascii_digit())
            && t.parse::<f64>().is_ok();
        ok.then(|| Number(canonical(t)))
    }
    /// The decimal text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
    /// The value as `i64` when it is an integer in range.
    pub fn as_i64(&self) -> Option<i64> {
        self.0.parse::<i64>().ok()
    }
    /// The value as `f64` (may round).
    pub fn as_f64(&self) -> f64 {
        self.0.parse::<f64>().unwrap_or(f64::NAN)
    }
}

fn canonical(t: &str) -> String {
    let t = t.strip_prefix('+').unwrap_or(t);
    if let Ok(i) = t.parse::<i64>() {
        return i.to_string();
    }
    if !t.contains(['e', 'E']) && t.contains('.') {
        let trimmed = t.trim_end_matches('0').trim_end_matches('.');
        if let Ok(i) = trimmed.parse::<i64>() {
            return i.to_string();
        }
        return trimmed.to_string();
    }
    t.to_string()
}

impl From<i64> for Number {
    fn from(v: i64) -> Self {
        Number(v.to_string())
    }
}
impl From<u64> for Number {
    fn from(v: u64) -> Self {
        Number(v.to_string())
    }
}
impl From<f64> for Number {
    fn from(v: f64) -> Self {
        if v.fract() == 0.0 && v.abs() < 9.0e15 {
            Number((v as i64).to_string())
        } else {
            // `{}` on f64 prints the shortest text that round-trips.
            Number(format!("{v}"))
        }
    }
}
impl fmt::Display for Number {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}
impl fmt::Debug for Number {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A Terraform value. Collections and objects hold their element values;
/// `Unknown` stands for a value only known after apply (refinements are dropped).
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// Null of any type.
    Null,
    /// Not yet known.
    Unknown,
    /// `bool`
    Bool(bool),
    /// `number`
    Number(Number),
    /// `string`
    String(String),
    /// `list(T)` or `tuple`
    List(Vec<Value>),
    /// `set(T)`
    Set(Vec<Value>),
    /// `map(T)`
    Map(BTreeMap<String, Value>),
    /// `object({...})`
    Object(BTreeMap<String, Value>),
    /// A value of a dynamically-typed attribute: its concrete type travels with it.
    Dynamic(Type, Box<Value>),
}

impl Value {
    /// True for `Null`.
    pub fn is_null(&self) -> bool {
        matches!(self, Value::Null)
    }
    /// True for `Unknown`.
    pub fn is_unknown(&self) -> bool {
        matches!(self, Value::Unknown)
    }
    /// True when no unknown value appears anywhere inside.
    pub fn is_fully_known(&self) -> bool {
        match self {
            Value::Unknown => false,
            Value::List(v) | Value::Set(v) => v.iter().all(Value::is_fully_known),
            Value::Map(m) | Value::Object(m) => m.values().all(Value::is_fully_known),
            Value::Dynamic(_, v) => v.is_fully_known(),
            _ => true,
        }
    }
    /// Paths of every unknown value inside (depth-first; an unknown collection is one path).
    pub fn unknown_paths(&self) -> Vec<AttrPath> {
        let mut out = Vec::new();
        collect_unknown(self, AttrPath::root(), &mut out);
        out
    }
    /// The string, if this is a known string.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::String(s) => Some(s),
            _ => None,
        }
    }
    /// The number, if this is a known number.
    pub fn as_number(&self) -> Option<&Number> {
        match self {
            Value::Number(n) => Some(n),
            _ => None,
        }
    }
    /// The bool, if known.
    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Value::Bool(b) => Some(*b),
            _ => None,
        }
    }
    /// Attribute `name` of an object (`Null` when absent or not an object).
    pub fn attr(&self, name: &str) -> &Value {
        match self {
            Value::Object(m) => m.get(name).unwrap_or(&Value::Null),
            _ => &Value::Null,
        }
    }

    /// The value at `path` (`Null` where the path leads nowhere; `Unknown` below an unknown).
    pub fn get(&self, path: &AttrPath) -> &Value {
        let mut cur = self;
        for step in path.steps() {
            cur = match (cur, step) {
                (Value::Unknown, _) => return &Value::Unknown,
                (Value::Object(m), PathStep::Attr(a)) => m.get(a).unwrap_or(&Value::Null),
                (Value::Map(m), PathStep::Key(k)) => m.get(k).unwrap_or(&Value::Null),
                (Value::List(v), PathStep::Index(i)) | (Value::Set(v), PathStep::Index(i)) => {
                    usize::try_from(*i)
                        .ok()
                        .and_then(|i| v.get(i))
                        .unwrap_or(&Value::Null)
                }
                _ => return &Value::Null,
            };
        }
        cur
    }

    /// A mutable reference to the value at `path`, if the path exists.
    pub fn get_mut(&mut self, path: &AttrPath) -> Option<&mut Value> {
        let mut cur = self;
        for step in path.steps() {
            cur = match (cur, step) {
                (Value::Object(m), PathStep::Attr(a)) => m.get_mut(a)?,
                (Value::Map(m), PathStep::Key(k)) => m.get_mut(k)?,
                (Value::List(v), PathStep::Index(i)) | (Value::Set(v), PathStep::Index(i)) => {
                    v.get_mut(usize::try_from(*i).ok()?)?
                }
                _ => return None,
            };
        }
        Some(cur)
    }

    /// Sets the value at `path`, creating object attributes along the way.
    /// Returns false when the path does not lead into this value.
    pub fn set(&mut self, path: &AttrPath, v: Value) -> bool {
        let steps = path.steps();
        let Some((last, parent)) = steps.split_last() else {
            *self = v;
            return true;
        };
        let parent_path = AttrPath::from_steps(parent.to_vec());
        let Some(target) = self.get_mut(&parent_path) else {
            return false;
        };
        match (target, last) {
            (Value::Object(m), PathStep::Attr(a)) => {
                m.insert(a.clone(), v);
                true
            }
            (Value::Map(m), PathStep::Key(k)) => {
                m.insert(k.clone(), v);
                true
            }
            (Value::List(l), PathStep::Index(i)) | (Value::Set(l), PathStep::Index(i)) => {
                match usize::try_from(*i).ok().and_then(|i| l.get_mut(i)) {
                    Some(slot) => {
                        *slot = v;
                        true
                    }
                    None => false,
                }
            }
            _ => false,
        }
    }
}

fn collect_unknown(v: &Value, at: AttrPath, out: &mut Vec<AttrPath>) {
    match v {
        Value::Unknown => out.push(at),
        Value::List(items) | Value::Set(items) => {
            for (i, it) in items.iter().enumerate() {
                collect_unknown(it, at.clone().index(i as i64), out);
            }
        }
        Value::Map(m) => {
            for (k, it) in m {
                collect_unknown(it, at.clone().key(k), out);
            }
        }
        Value::Object(m) => {
            for (k, it) in m {
                collect_unknown(it, at.clone().attr(k), out);
            }
        }
        Value::Dynamic(_, inner) => collect_unknown(inner, at, out),
        _ => {}
    }
}

impl From<&str> for Value {
    fn from(s: &str) -> Self {
        Value::String(s.to_string())
    }
}
impl From<String> for Value {
    fn from(s: String) -> Self {
        Value::String(s)
    }
}
impl From<bool> for Value {
    fn from(b: bool) -> Self {
        Value::Bool(b)
    }
}
impl From<i64> for Value {
    fn from(n: i64) -> Self {
        Value::Number(n.into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_keep_precision() {
        assert_eq!(Number::parse("1.5").map(|n| n.0), Some("1.5".to_string()));
        assert_eq!(Number::parse("1.50").map(|n| n.0), Some("1.5".to_string()));
        assert_eq!(Number::parse("2.0").map(|n| n.0), Some("2".to_string()));
        assert_eq!(
            Number::parse("123456789012345678901234567890").map(|n| n.0),
            Some("123456789012345678901234567890".to_string())
        );
        assert_eq!(Number::parse("abc"), None);
        assert_eq!(Number::parse(""), None);
        assert_eq!(Number::from(1.5f64).as_str(), "1.5");
        assert_eq!(Number::from(0.1f64).as_str(), "0.1");
        assert_eq!(Number::from(3.0f64).as_str(), "3");
    }

    #[test]
    fn get_and_set_by_path() {
        let mut v = Value::Object(BTreeMap::from([(
            "a".to_string(),
            Value::List(vec![Value::Object(BTreeMap::new())]),
        )]));
        let p = AttrPath::root().attr("a").index(0).attr("b");
        assert!(v.set(&p, Value::from("x")));
        assert_eq!(v.get(&p), &Value::from("x"));
        assert_eq!(v.get(&AttrPath::root().attr("zz")), &Value::Null);
        assert!(!v.set(&AttrPath::root().attr("q").attr("r"), Value::Null));
        assert!(!Value::Unknown.is_fully_known());
        assert_eq!(Value::Unknown.get(&p), &Value::Unknown);
        v.set(
            &AttrPath::root().attr("a").index(0).attr("c"),
            Value::Unknown,
        );
        assert_eq!(
            v.unknown_paths(),
            vec![AttrPath::root().attr("a").index(0).attr("c")]
        );
    }
}
