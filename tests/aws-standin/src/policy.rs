//! `aws_iam_policy_document`: renders the IAM policy JSON from the data source's
//! configuration, so roles and bucket policies built from it carry a real document.
//!
//! Follows hashicorp/aws's shape: `Version` (default `2012-10-17`), optional `Id`,
//! statements from `source_policy_documents` first, then the configured `statement`
//! blocks (one with the `Sid` of a source statement replaces it), then statements of
//! `override_policy_documents` replace or add by `Sid`. A single-element action,
//! resource or identifier list is written as a plain string, as AWS does. Keys keep
//! AWS's order (`Version`, `Statement`; `Sid`, `Effect`, `Action`, ...). Pure: no I/O.

use serde_json::Value as Json;
use tfplugin::Value;

/// A JSON value whose objects keep their key order.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Doc {
    /// A string.
    Str(String),
    /// Any other scalar, as JSON text.
    Raw(String),
    /// An array.
    Arr(Vec<Doc>),
    /// An object, keys in order.
    Obj(Vec<(String, Doc)>),
}

impl Doc {
    fn get(&self, key: &str) -> Option<&Doc> {
        match self {
            Doc::Obj(m) => m.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    fn as_str(&self) -> Option<&str> {
        match self {
            Doc::Str(s) => Some(s),
            _ => None,
        }
    }

    /// Compact JSON text.
    pub(crate) fn minified(&self) -> String {
        let mut out = String::new();
        self.write(&mut out, None, 0);
        out
    }

    /// JSON text indented by two spaces, as `json` of the real data source.
    pub(crate) fn pretty(&self) -> String {
        let mut out = String::new();
        self.write(&mut out, Some(2), 0);
        out
    }

    fn write(&self, out: &mut String, indent: Option<usize>, depth: usize) {
        let newline = |out: &mut String, d: usize| {
            if let Some(n) = indent {
                out.push('\n');
                out.push_str(&" ".repeat(n * d));
            }
        };
        match self {
            Doc::Str(s) => out.push_str(&serde_json::to_string(s).unwrap_or_default()),
            Doc::Raw(r) => out.push_str(r),
            Doc::Arr(items) if items.is_empty() => out.push_str("[]"),
            Doc::Obj(items) if items.is_empty() => out.push_str("{}"),
            Doc::Arr(items) => {
                out.push('[');
                for (i, it) in items.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    newline(out, depth + 1);
                    it.write(out, indent, depth + 1);
                }
                newline(out, depth);
                out.push(']');
            }
            Doc::Obj(items) => {
                out.push('{');
                for (i, (k, v)) in items.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    newline(out, depth + 1);
                    out.push_str(&serde_json::to_string(k).unwrap_or_default());
                    out.push(':');
                    if indent.is_some() {
                        out.push(' ');
                    }
                    v.write(out, indent, depth + 1);
                }
                newline(out, depth);
                out.push('}');
            }
        }
    }
}

impl From<&Json> for Doc {
    fn from(j: &Json) -> Self {
        match j {
            Json::String(s) => Doc::Str(s.clone()),
            Json::Array(a) => Doc::Arr(a.iter().map(Doc::from).collect()),
            Json::Object(m) => Doc::Obj(m.iter().map(|(k, v)| (k.clone(), Doc::from(v))).collect()),
            other => Doc::Raw(other.to_string()),
        }
    }
}

impl From<&str> for Doc {
    fn from(s: &str) -> Self {
        Doc::Str(s.to_string())
    }
}

/// Sets `key` in an ordered object, keeping the position of an existing key.
fn put(m: &mut Vec<(String, Doc)>, key: &str, v: Doc) {
    match m.iter_mut().find(|(k, _)| k == key) {
        Some(slot) => slot.1 = v,
        None => m.push((key.to_string(), v)),
    }
}

/// The policy document for the configuration `config` of an `aws_iam_policy_document`.
pub(crate) fn render(config: &Value) -> Doc {
    let mut statements: Vec<Doc> = Vec::new();
    for doc in strings(config.attr("source_policy_documents")) {
        for st in statements_of(&doc) {
            upsert(&mut statements, st);
        }
    }
    if let Value::List(blocks) | Value::Set(blocks) = config.attr("statement") {
        for b in blocks {
            upsert(&mut statements, statement(b));
        }
    }
    for doc in strings(config.attr("override_policy_documents")) {
        for st in statements_of(&doc) {
            upsert(&mut statements, st);
        }
    }
    let mut out = Vec::new();
    let version = config.attr("version").as_str().unwrap_or("2012-10-17");
    put(&mut out, "Version", version.into());
    if let Some(id) = config.attr("policy_id").as_str() {
        put(&mut out, "Id", id.into());
    }
    put(&mut out, "Statement", Doc::Arr(statements));
    Doc::Obj(out)
}

/// Adds `st`, replacing an earlier statement with the same non-empty `Sid`.
fn upsert(statements: &mut Vec<Doc>, st: Doc) {
    let sid = st
        .get("Sid")
        .and_then(Doc::as_str)
        .unwrap_or("")
        .to_string();
    if !sid.is_empty()
        && let Some(slot) = statements
            .iter_mut()
            .find(|s| s.get("Sid").and_then(Doc::as_str) == Some(sid.as_str()))
    {
        *slot = st;
        return;
    }
    statements.push(st);
}

/// The statements of a policy JSON text (none when it does not parse).
fn statements_of(doc: &str) -> Vec<Doc> {
    match serde_json::from_str::<Json>(doc) {
        Ok(Json::Object(m)) => match m.get("Statement") {
            Some(Json::Array(a)) => a.iter().map(Doc::from).collect(),
            Some(s @ Json::Object(_)) => vec![Doc::from(s)],
            _ => Vec::new(),
        },
        _ => Vec::new(),
    }
}

fn statement(b: &Value) -> Doc {
    let mut m = Vec::new();
    if let Some(sid) = b.attr("sid").as_str()
        && !sid.is_empty()
    {
        put(&mut m, "Sid", sid.into());
    }
    put(
        &mut m,
        "Effect",
        b.attr("effect").as_str().unwrap_or("Allow").into(),
    );
    for (attr, key) in [
        ("actions", "Action"),
        ("not_actions", "NotAction"),
        ("resources", "Resource"),
        ("not_resources", "NotResource"),
    ] {
        if let Some(v) = string_or_list(b.attr(attr)) {
            put(&mut m, key, v);
        }
    }
    for (attr, key) in [
        ("principals", "Principal"),
        ("not_principals", "NotPrincipal"),
    ] {
        if let Some(p) = principals(b.attr(attr)) {
            put(&mut m, key, p);
        }
    }
    if let Some(c) = conditions(b.attr("condition")) {
        put(&mut m, "Condition", c);
    }
    Doc::Obj(m)
}

/// `{"<type>": <identifiers>}`; the wildcard principal `type = "*"` with `["*"]` is `"*"`.
fn principals(v: &Value) -> Option<Doc> {
    let blocks = elements(v);
    if blocks.is_empty() {
        return None;
    }
    let mut m: Vec<(String, Doc)> = Vec::new();
    for p in blocks {
        let ty = p.attr("type").as_str().unwrap_or("AWS").to_string();
        let ids = strings(p.attr("identifiers"));
        if ty == "*" && ids == ["*"] {
            return Some("*".into());
        }
        if !m.iter().any(|(k, _)| *k == ty) {
            m.push((ty.clone(), Doc::Arr(Vec::new())));
        }
        if let Some((_, Doc::Arr(a))) = m.iter_mut().find(|(k, _)| *k == ty) {
            a.extend(ids.iter().map(|s| Doc::from(s.as_str())));
        }
    }
    for (_, v) in m.iter_mut() {
        collapse(v);
    }
    Some(Doc::Obj(m))
}

/// `{"<test>": {"<variable>": <values>}}`.
fn conditions(v: &Value) -> Option<Doc> {
    let blocks = elements(v);
    if blocks.is_empty() {
        return None;
    }
    let mut m: Vec<(String, Doc)> = Vec::new();
    for c in blocks {
        let test = c.attr("test").as_str().unwrap_or_default().to_string();
        let variable = c.attr("variable").as_str().unwrap_or_default();
        let mut values = Doc::Arr(
            strings(c.attr("values"))
                .iter()
                .map(|s| Doc::from(s.as_str()))
                .collect(),
        );
        collapse(&mut values);
        if !m.iter().any(|(k, _)| *k == test) {
            m.push((test.clone(), Doc::Obj(Vec::new())));
        }
        if let Some((_, Doc::Obj(inner))) = m.iter_mut().find(|(k, _)| *k == test) {
            put(inner, variable, values);
        }
    }
    Some(Doc::Obj(m))
}

fn elements(v: &Value) -> &[Value] {
    match v {
        Value::List(items) | Value::Set(items) => items,
        _ => &[],
    }
}

fn strings(v: &Value) -> Vec<String> {
    elements(v)
        .iter()
        .filter_map(|x| x.as_str().map(str::to_string))
        .collect()
}

/// A list of strings, or the single string; `None` for null or empty.
fn string_or_list(v: &Value) -> Option<Doc> {
    let items = strings(v);
    if items.is_empty() {
        return None;
    }
    let mut out = Doc::Arr(items.iter().map(|s| Doc::from(s.as_str())).collect());
    collapse(&mut out);
    Some(out)
}

/// A one-element array becomes its element.
fn collapse(v: &mut Doc) {
    if let Doc::Arr(a) = v
        && a.len() == 1
    {
        *v = a.remove(0);
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use serde_json::json;

    /// The document as a serde_json value (key order aside).
    fn value_of(d: &Doc) -> Json {
        serde_json::from_str(&d.minified()).unwrap_or(Json::Null)
    }

    fn obj(pairs: &[(&str, Value)]) -> Value {
        Value::Object(
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.clone()))
                .collect::<BTreeMap<_, _>>(),
        )
    }

    fn set(items: &[&str]) -> Value {
        Value::Set(items.iter().map(|s| Value::from(*s)).collect())
    }

    #[test]
    fn renders_statements_principals_and_conditions() {
        let config = obj(&[
            (
                "statement",
                Value::List(vec![obj(&[
                    ("sid", Value::from("DenyInsecureTransport")),
                    ("effect", Value::from("Deny")),
                    ("actions", set(&["s3:*"])),
                    ("resources", set(&["arn:aws:s3:::b", "arn:aws:s3:::b/*"])),
                    (
                        "principals",
                        Value::Set(vec![obj(&[
                            ("type", Value::from("*")),
                            ("identifiers", set(&["*"])),
                        ])]),
                    ),
                    (
                        "condition",
                        Value::Set(vec![obj(&[
                            ("test", Value::from("Bool")),
                            ("variable", Value::from("aws:SecureTransport")),
                            ("values", Value::List(vec![Value::from("false")])),
                        ])]),
                    ),
                ])]),
            ),
            ("source_policy_documents", Value::Null),
        ]);
        let want = json!({
            "Version": "2012-10-17",
            "Statement": [{
                "Sid": "DenyInsecureTransport",
                "Effect": "Deny",
                "Action": "s3:*",
                "Resource": ["arn:aws:s3:::b", "arn:aws:s3:::b/*"],
                "Principal": "*",
                "Condition": {"Bool": {"aws:SecureTransport": "false"}}
            }]
        });
        let doc = render(&config);
        assert_eq!(value_of(&doc), want);
        assert!(
            doc.minified().starts_with(r#"{"Version":"2012-10-17","Statement":[{"Sid":"DenyInsecureTransport","Effect":"Deny","Action":"s3:*","Resource":["#),
            "{}",
            doc.minified()
        );
        assert_eq!(value_of(&Doc::from(&json!(null))), Json::Null);
    }

    #[test]
    fn sources_come_first_and_sids_replace() {
        let source = r#"{"Version":"2012-10-17","Statement":[{"Sid":"A","Effect":"Allow","Action":"s3:GetObject"},{"Sid":"B","Effect":"Allow","Action":"s3:PutObject"}]}"#;
        let config = obj(&[
            (
                "source_policy_documents",
                Value::List(vec![Value::from(source)]),
            ),
            (
                "statement",
                Value::List(vec![obj(&[
                    ("sid", Value::from("B")),
                    ("effect", Value::Null),
                    ("actions", set(&["s3:ListBucket"])),
                    (
                        "principals",
                        Value::Set(vec![obj(&[
                            ("type", Value::from("Service")),
                            ("identifiers", set(&["ec2.amazonaws.com"])),
                        ])]),
                    ),
                ])]),
            ),
            ("policy_id", Value::from("p1")),
        ]);
        let got = value_of(&render(&config));
        assert_eq!(got["Id"], json!("p1"));
        let sids: Vec<&str> = got["Statement"]
            .as_array()
            .map(|a| a.iter().filter_map(|s| s["Sid"].as_str()).collect())
            .unwrap_or_default();
        assert_eq!(sids, ["A", "B"]);
        assert_eq!(got["Statement"][1]["Action"], json!("s3:ListBucket"));
        assert_eq!(got["Statement"][1]["Effect"], json!("Allow"));
        assert_eq!(
            got["Statement"][1]["Principal"],
            json!({"Service": "ec2.amazonaws.com"})
        );
    }

    #[test]
    fn empty_configuration_gives_an_empty_document() {
        let doc = render(&obj(&[]));
        assert_eq!(doc.minified(), r#"{"Version":"2012-10-17","Statement":[]}"#);
        assert_eq!(
            doc.pretty(),
            "{\n  \"Version\": \"2012-10-17\",\n  \"Statement\": []\n}"
        );
    }
}
