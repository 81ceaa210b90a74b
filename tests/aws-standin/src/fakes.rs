//! Invents realistic values for what a real AWS API would return: IDs with their
//! resource-type prefix (`vpc-…`, `subnet-…`, `sg-…`), ARNs built from the region and
//! account, a bucket's name as its ID, generated names from `name_prefix`, one element
//! in computed-only lists of objects (`aws_eks_node_group.resources`), and so on.
//!
//! What to invent is data ([`crate::rules`]); this module applies it. Templates take:
//! `{region}`, `{account}`, `{partition}`, `{type}` (the type without `aws_`),
//! `{attr:<path>}` (another top-level attribute, or a dotted path into it with list
//! indexes such as `tag.0.key`; it is invented first when still unknown; a null or
//! empty value makes the template fail so the next one is tried), `{id}` (= `{attr:id}`),
//! `{hex:N}`, `{HEX:N}`, `{digits:N}`, `{alnum:N}` (N random characters), `{uuid}`,
//! `{octet}` (1..=254) and `{stamp}` (26 digits, like Terraform's generated name suffix).
//!
//! Values without a rule get their type's default: `""`, `0`, `false`, an empty
//! collection, or (for a computed-only list or set of objects) one invented element.
//! Known values are never changed. Pure: no I/O; randomness comes from a seeded
//! [`Faker`] so tests are deterministic.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};

use tfplugin::{Attribute, Block, Number, Type, Value};

use crate::policy;
use crate::rules::{self, Fake};

/// What the fakes are made of: the configured region, the account, default tags.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Env {
    /// Region of the provider configuration.
    pub(crate) region: String,
    /// Account ID used in ARNs and owner IDs.
    pub(crate) account: String,
    /// Partition (`aws`, `aws-cn`, `aws-us-gov`), from the region.
    pub(crate) partition: String,
    /// `default_tags` of the provider configuration.
    pub(crate) default_tags: BTreeMap<String, String>,
}

/// The account ID of every fake ARN.
pub(crate) const ACCOUNT: &str = "123456789012";

impl Env {
    /// The environment for `region` (`None`: `us-east-1`) and `default_tags`.
    pub(crate) fn new(region: Option<&str>, default_tags: BTreeMap<String, String>) -> Self {
        let region = region
            .filter(|r| !r.is_empty())
            .unwrap_or("us-east-1")
            .to_string();
        let partition = if region.starts_with("cn-") {
            "aws-cn"
        } else if region.starts_with("us-gov-") {
            "aws-us-gov"
        } else {
            "aws"
        };
        Env {
            region,
            account: ACCOUNT.to_string(),
            partition: partition.to_string(),
            default_tags,
        }
    }

    /// The environment of a provider configuration value: `region` and `default_tags[0].tags`.
    pub(crate) fn from_config(config: &Value) -> Self {
        let mut tags = BTreeMap::new();
        let dt = match config.attr("default_tags") {
            Value::List(items) | Value::Set(items) => items.first().cloned(),
            v @ Value::Object(_) => Some(v.clone()),
            _ => None,
        };
        if let Some(Value::Map(m)) = dt.as_ref().map(|d| d.attr("tags")) {
            for (k, v) in m {
                if let Some(s) = v.as_str() {
                    tags.insert(k.clone(), s.to_string());
                }
            }
        }
        Env::new(config.attr("region").as_str(), tags)
    }
}

/// A source of random-looking characters: a seeded counter run through splitmix64.
#[derive(Debug)]
pub(crate) struct Faker {
    seed: u64,
    counter: AtomicU64,
}

const ALNUM: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

impl Faker {
    /// A faker whose output is fixed by `seed`.
    pub(crate) fn with_seed(seed: u64) -> Self {
        Faker {
            seed,
            counter: AtomicU64::new(0),
        }
    }

    /// A faker with a fresh random seed (IDs differ between provider processes, so a later
    /// apply never repeats an earlier one's IDs).
    pub(crate) fn random() -> Self {
        use std::hash::{BuildHasher, Hasher};
        let mut h = std::collections::hash_map::RandomState::new().build_hasher();
        h.write_u128(
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_nanos())
                .unwrap_or_default(),
        );
        h.write_u32(std::process::id());
        Self::with_seed(h.finish())
    }

    fn next(&self) -> u64 {
        let n = self.counter.fetch_add(1, Ordering::Relaxed);
        let mut z = self
            .seed
            .wrapping_add(n.wrapping_add(1).wrapping_mul(0x9E37_79B9_7F4A_7C15));
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn chars(&self, n: usize, alphabet: &[u8]) -> String {
        (0..n)
            .map(|_| {
                let i = usize::try_from(self.next() % alphabet.len() as u64).unwrap_or(0);
                char::from(alphabet[i])
            })
            .collect()
    }

    fn hex(&self, n: usize) -> String {
        self.chars(n, b"0123456789abcdef")
    }

    fn uuid(&self) -> String {
        let h = self.hex(32);
        format!(
            "{}-{}-{}-{}-{}",
            &h[0..8],
            &h[8..12],
            &h[12..16],
            &h[16..20],
            &h[20..32]
        )
    }

    fn octet(&self) -> String {
        (self.next() % 254 + 1).to_string()
    }
}

/// Where `{attr:…}` references are read.
trait Lookup {
    /// The value at dotted `path` (first segment a top-level attribute).
    fn value(&mut self, path: &str) -> Value;
}

/// Reads a fully filled object.
struct Fixed<'a>(&'a BTreeMap<String, Value>);

impl Lookup for Fixed<'_> {
    fn value(&mut self, path: &str) -> Value {
        at_path(self.0, path)
    }
}

/// The value at a dotted path (`tag.0.key`) of an object's attributes.
fn at_path(obj: &BTreeMap<String, Value>, path: &str) -> Value {
    let mut parts = path.split('.');
    let Some(first) = parts.next() else {
        return Value::Null;
    };
    let mut cur = obj.get(first).cloned().unwrap_or(Value::Null);
    for p in parts {
        cur = match (&cur, p.parse::<usize>()) {
            (Value::List(items) | Value::Set(items), Ok(i)) => {
                items.get(i).cloned().unwrap_or(Value::Null)
            }
            (Value::Object(m) | Value::Map(m), _) => m.get(p).cloned().unwrap_or(Value::Null),
            _ => Value::Null,
        };
    }
    cur
}

/// A scalar value as template text; `None` for null, unknown, empty or non-scalar values.
fn text_of(v: &Value) -> Option<String> {
    let s = match v {
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        Value::Bool(b) => b.to_string(),
        _ => return None,
    };
    (!s.is_empty()).then_some(s)
}

/// Fills the unknown values of one resource or data source object.
pub(crate) struct Filler<'a> {
    faker: &'a Faker,
    env: &'a Env,
    type_name: &'a str,
    block: &'a Block,
}

impl<'a> Filler<'a> {
    /// A filler for objects of `type_name` with schema `block`.
    pub(crate) fn new(
        faker: &'a Faker,
        env: &'a Env,
        type_name: &'a str,
        block: &'a Block,
    ) -> Self {
        Filler {
            faker,
            env,
            type_name,
            block,
        }
    }

    /// Replaces every unknown inside `value` (an object of the block) by an invented value.
    pub(crate) fn fill(&self, value: &mut Value) {
        let Value::Object(obj) = value else { return };
        let names: Vec<String> = self
            .block
            .attributes
            .iter()
            .map(|a| a.name.clone())
            .collect();
        let mut visiting = Vec::new();
        for n in &names {
            self.resolve(obj, n, &mut visiting);
        }
        let snapshot = obj.clone();
        let mut lookup = Fixed(&snapshot);
        for a in &self.block.attributes {
            if let Some(v) = obj.get_mut(&a.name) {
                self.fill_value(v, &a.ty, &a.name, computed_only(a), &mut lookup);
            }
        }
        for b in &self.block.blocks {
            if let Some(v) = obj.get_mut(&b.name) {
                self.fill_block(&b.block, v, &b.name, &b.value_type(), &mut lookup);
            }
        }
    }

    /// Invents top-level attribute `name` if unknown, first inventing what its rule refers to.
    fn resolve(&self, obj: &mut BTreeMap<String, Value>, name: &str, visiting: &mut Vec<String>) {
        if !obj.get(name).is_some_and(Value::is_unknown) || visiting.iter().any(|v| v == name) {
            return;
        }
        let Some(attr) = self.block.attribute(name) else {
            return;
        };
        visiting.push(name.to_string());
        let v = {
            let mut lookup = Resolving {
                filler: self,
                obj: &mut *obj,
                visiting: &mut *visiting,
            };
            self.invent(&attr.ty, name, computed_only(attr), &mut lookup)
        };
        visiting.pop();
        obj.insert(name.to_string(), v);
    }

    fn fill_block(
        &self,
        block: &Block,
        v: &mut Value,
        path: &str,
        ty: &Type,
        lookup: &mut dyn Lookup,
    ) {
        match v {
            Value::Unknown => *v = self.invent(ty, path, false, lookup),
            Value::List(items) | Value::Set(items) => {
                for it in items {
                    self.fill_block_object(block, it, path, lookup);
                }
            }
            Value::Map(m) => {
                for it in m.values_mut() {
                    self.fill_block_object(block, it, path, lookup);
                }
            }
            Value::Object(_) => self.fill_block_object(block, v, path, lookup),
            _ => {}
        }
    }

    fn fill_block_object(&self, block: &Block, v: &mut Value, path: &str, lookup: &mut dyn Lookup) {
        if v.is_unknown() {
            *v = self.invent(&block.value_type(), path, false, lookup);
            return;
        }
        let Value::Object(m) = v else { return };
        for a in &block.attributes {
            if let Some(x) = m.get_mut(&a.name) {
                let p = format!("{path}.{}", a.name);
                self.fill_value(x, &a.ty, &p, computed_only(a), lookup);
            }
        }
        for b in &block.blocks {
            if let Some(x) = m.get_mut(&b.name) {
                let p = format!("{path}.{}", b.name);
                self.fill_block(&b.block, x, &p, &b.value_type(), lookup);
            }
        }
    }

    /// Fills unknowns inside an attribute value of type `ty`.
    fn fill_value(
        &self,
        v: &mut Value,
        ty: &Type,
        path: &str,
        computed_only: bool,
        lookup: &mut dyn Lookup,
    ) {
        match v {
            Value::Unknown => *v = self.invent(ty, path, computed_only, lookup),
            Value::Object(m) => {
                if let Type::Object(attrs, _) = ty {
                    for (k, t) in attrs {
                        if let Some(x) = m.get_mut(k) {
                            self.fill_value(x, t, &format!("{path}.{k}"), computed_only, lookup);
                        }
                    }
                }
            }
            Value::List(items) | Value::Set(items) => {
                if let Type::List(e) | Type::Set(e) = ty {
                    for it in items {
                        self.fill_value(it, e, path, computed_only, lookup);
                    }
                }
            }
            Value::Map(m) => {
                if let Type::Map(e) = ty {
                    for it in m.values_mut() {
                        self.fill_value(it, e, path, computed_only, lookup);
                    }
                }
            }
            _ => {}
        }
    }

    /// A new value of type `ty` for the attribute at dotted `path`.
    fn invent(&self, ty: &Type, path: &str, computed_only: bool, lookup: &mut dyn Lookup) -> Value {
        if let Some(fake) = rules::find(self.type_name, path) {
            match fake {
                Fake::Text(templates) => {
                    for t in *templates {
                        if let Some(s) = self.render(t, lookup) {
                            return convert(s, ty);
                        }
                    }
                }
                Fake::Strings(items) => {
                    let vals = items.iter().map(|s| Value::from(*s)).collect();
                    return match ty {
                        Type::Set(_) => Value::Set(vals),
                        Type::List(_) => Value::List(vals),
                        _ => convert(items.first().copied().unwrap_or("").to_string(), ty),
                    };
                }
                Fake::Empty => return empty(ty),
                Fake::TagsAll => {
                    let mut m: BTreeMap<String, Value> = self
                        .env
                        .default_tags
                        .iter()
                        .map(|(k, v)| (k.clone(), Value::from(v.as_str())))
                        .collect();
                    if let Value::Map(tags) = lookup.value("tags") {
                        m.extend(tags);
                    }
                    return Value::Map(m);
                }
                Fake::PolicyJson | Fake::PolicyJsonMinified => {
                    let doc = policy::render(&Value::Object(
                        [
                            "statement",
                            "source_policy_documents",
                            "override_policy_documents",
                            "version",
                            "policy_id",
                        ]
                        .iter()
                        .map(|k| (k.to_string(), lookup.value(k)))
                        .collect(),
                    ));
                    return Value::from(if *fake == Fake::PolicyJson {
                        doc.pretty()
                    } else {
                        doc.minified()
                    });
                }
            }
        }
        self.default_of(ty, path, computed_only, lookup)
    }

    /// The value of an attribute no rule covers.
    fn default_of(
        &self,
        ty: &Type,
        path: &str,
        computed_only: bool,
        lookup: &mut dyn Lookup,
    ) -> Value {
        match ty {
            Type::String => Value::from(""),
            Type::Number => Value::from(0),
            Type::Bool => Value::Bool(false),
            Type::List(e) | Type::Set(e) if computed_only && matches!(**e, Type::Object(..)) => {
                let one = vec![self.invent(e, path, true, lookup)];
                if matches!(ty, Type::Set(_)) {
                    Value::Set(one)
                } else {
                    Value::List(one)
                }
            }
            Type::Object(attrs, _) => Value::Object(
                attrs
                    .iter()
                    .map(|(k, t)| {
                        (
                            k.clone(),
                            self.invent(t, &format!("{path}.{k}"), computed_only, lookup),
                        )
                    })
                    .collect(),
            ),
            _ => empty(ty),
        }
    }

    /// Renders one template; `None` when a reference is null, unknown or empty.
    fn render(&self, template: &str, lookup: &mut dyn Lookup) -> Option<String> {
        let mut out = String::new();
        let mut rest = template;
        while let Some(start) = rest.find('{') {
            out.push_str(&rest[..start]);
            let after = &rest[start + 1..];
            let end = after.find('}')?;
            out.push_str(&self.placeholder(&after[..end], lookup)?);
            rest = &after[end + 1..];
        }
        out.push_str(rest);
        Some(out)
    }

    fn placeholder(&self, p: &str, lookup: &mut dyn Lookup) -> Option<String> {
        let f = self.faker;
        let count = |prefix: &str| -> Option<usize> { p.strip_prefix(prefix)?.parse().ok() };
        Some(match p {
            "region" => self.env.region.clone(),
            "account" => self.env.account.clone(),
            "partition" => self.env.partition.clone(),
            "type" => self.type_name.trim_start_matches("aws_").replace('_', "-"),
            "id" => text_of(&lookup.value("id"))?,
            "uuid" => f.uuid(),
            "octet" => f.octet(),
            "stamp" => f.chars(26, b"0123456789"),
            _ => {
                if let Some(path) = p.strip_prefix("attr:") {
                    text_of(&lookup.value(path))?
                } else if let Some(n) = count("hex:") {
                    f.hex(n)
                } else if let Some(n) = count("HEX:") {
                    f.hex(n).to_uppercase()
                } else if let Some(n) = count("digits:") {
                    f.chars(n, b"0123456789")
                } else if let Some(n) = count("alnum:") {
                    f.chars(n, ALNUM)
                } else {
                    return None;
                }
            }
        })
    }
}

/// Reads the object being filled, inventing a still-unknown top-level attribute first.
struct Resolving<'f, 'o> {
    filler: &'f Filler<'f>,
    obj: &'o mut BTreeMap<String, Value>,
    visiting: &'o mut Vec<String>,
}

impl Lookup for Resolving<'_, '_> {
    fn value(&mut self, path: &str) -> Value {
        let first = path.split('.').next().unwrap_or(path);
        self.filler.resolve(self.obj, first, self.visiting);
        at_path(self.obj, path)
    }
}

fn computed_only(a: &Attribute) -> bool {
    a.computed && !a.optional && !a.required
}

/// The empty value of a type: `""`, `0`, `false`, an empty collection, or null.
fn empty(ty: &Type) -> Value {
    match ty {
        Type::String => Value::from(""),
        Type::Number => Value::from(0),
        Type::Bool => Value::Bool(false),
        Type::List(_) => Value::List(vec![]),
        Type::Set(_) => Value::Set(vec![]),
        Type::Map(_) => Value::Map(BTreeMap::new()),
        _ => Value::Null,
    }
}

/// Template text as a value of `ty` (a collection type gets one element).
fn convert(s: String, ty: &Type) -> Value {
    match ty {
        Type::String => Value::String(s),
        Type::Number => Number::parse(&s).map_or(Value::from(0), Value::Number),
        Type::Bool => Value::Bool(s == "true"),
        Type::List(e) => Value::List(vec![convert(s, e)]),
        Type::Set(e) => Value::Set(vec![convert(s, e)]),
        _ => Value::Null,
    }
}

/// Marks every computed attribute left null in a data source configuration unknown, so
/// [`Filler::fill`] invents it (nested blocks included).
pub(crate) fn mark_computed_unknown(block: &Block, v: &mut Value) {
    let Value::Object(m) = v else { return };
    for a in &block.attributes {
        if a.computed && m.get(&a.name).is_none_or(Value::is_null) {
            m.insert(a.name.clone(), Value::Unknown);
        }
    }
    for b in &block.blocks {
        if let Some(Value::List(items) | Value::Set(items)) = m.get_mut(&b.name) {
            for it in items {
                mark_computed_unknown(&b.block, it);
            }
        } else if let Some(child @ Value::Object(_)) = m.get_mut(&b.name) {
            mark_computed_unknown(&b.block, child);
        }
    }
}

/// The state of an imported object: `id`, and the attributes the type's `id` rule is
/// built from when that rule only joins attributes with literal separators (a bucket's
/// name, `<cluster>:<node group>`). Everything else is null until the next plan.
pub(crate) fn imported(type_name: &str, block: &Block, id: &str) -> Value {
    let mut m: BTreeMap<String, Value> = block
        .attributes
        .iter()
        .map(|a| a.name.clone())
        .chain(block.blocks.iter().map(|b| b.name.clone()))
        .map(|k| (k, Value::Null))
        .collect();
    if let Some(Fake::Text(templates)) = rules::find(type_name, "id")
        && let Some(first) = templates.first()
        && let Some(parts) = split_by_template(first, id)
    {
        for (name, value) in parts {
            if block.attribute(&name).is_some_and(|a| a.ty == Type::String) {
                m.insert(name, Value::from(value));
            }
        }
    }
    m.insert("id".into(), Value::from(id));
    Value::Object(m)
}

/// Splits `id` along a template made only of `{attr:<name>}` references and literal
/// separators; `None` when the template has other placeholders or `id` does not fit.
pub(crate) fn split_by_template(template: &str, id: &str) -> Option<Vec<(String, String)>> {
    // Segments: literal text, then reference, alternating (literal may be empty).
    let mut literals = Vec::new();
    let mut refs = Vec::new();
    let mut rest = template;
    while let Some(start) = rest.find('{') {
        literals.push(&rest[..start]);
        let after = &rest[start + 1..];
        let end = after.find('}')?;
        let name = after[..end].strip_prefix("attr:")?;
        if name.contains('.') {
            return None;
        }
        refs.push(name);
        rest = &after[end + 1..];
    }
    literals.push(rest);
    if refs.is_empty() {
        return None;
    }
    let mut s = id.strip_prefix(literals[0])?;
    let mut out = Vec::new();
    for (i, name) in refs.iter().enumerate() {
        let sep = literals[i + 1];
        let last = i + 1 == refs.len();
        let (value, tail) = if last {
            (s.strip_suffix(sep)?, "")
        } else {
            if sep.is_empty() {
                return None;
            }
            let at = s.find(sep)?;
            (&s[..at], &s[at + sep.len()..])
        };
        if value.is_empty() {
            return None;
        }
        out.push(((*name).to_string(), value.to_string()));
        s = tail;
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use tfplugin::{NestedBlock, Nesting};

    use super::*;

    fn env() -> Env {
        Env::new(
            Some("eu-west-1"),
            BTreeMap::from([("Project".to_string(), "lx".to_string())]),
        )
    }

    fn obj(pairs: &[(&str, Value)]) -> Value {
        Value::Object(
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.clone()))
                .collect(),
        )
    }

    fn s(v: &Value, path: &str) -> String {
        match v {
            Value::Object(m) => at_path(m, path)
                .as_str()
                .unwrap_or("<not a string>")
                .to_string(),
            _ => "<not an object>".to_string(),
        }
    }

    fn regex_like(s: &str, prefix: &str, alphabet: &str, n: usize) -> bool {
        s.strip_prefix(prefix)
            .is_some_and(|r| r.len() == n && r.chars().all(|c| alphabet.contains(c)))
    }

    const HEX: &str = "0123456789abcdef";

    /// The placeholder names a template uses, for checking the rule table.
    fn placeholders(template: &str) -> Vec<&str> {
        let mut out = Vec::new();
        let mut rest = template;
        while let Some(start) = rest.find('{') {
            let after = &rest[start + 1..];
            match after.find('}') {
                Some(end) => {
                    out.push(&after[..end]);
                    rest = &after[end + 1..];
                }
                None => {
                    out.push(after);
                    break;
                }
            }
        }
        out
    }

    /// True for the placeholders [`Filler`] understands.
    fn placeholder_known(p: &str) -> bool {
        let counted = |prefix: &str| {
            p.strip_prefix(prefix)
                .is_some_and(|n| n.parse::<usize>().is_ok_and(|n| (1..=64).contains(&n)))
        };
        matches!(
            p,
            "region" | "account" | "partition" | "type" | "id" | "uuid" | "octet" | "stamp"
        ) || p.strip_prefix("attr:").is_some_and(|a| !a.is_empty())
            || counted("hex:")
            || counted("HEX:")
            || counted("digits:")
            || counted("alnum:")
    }

    fn fill(type_name: &str, block: &Block, mut v: Value) -> Value {
        let faker = Faker::with_seed(7);
        let env = env();
        Filler::new(&faker, &env, type_name, block).fill(&mut v);
        v
    }

    fn ec2_block() -> Block {
        Block::new("b")
            .attr(Attribute::string("id").optional_computed())
            .attr(Attribute::string("arn").computed())
            .attr(Attribute::string("owner_id").computed())
            .attr(Attribute::string("vpc_id").optional_computed())
            .attr(Attribute::string("default_security_group_id").computed())
            .attr(Attribute::string("ipv6_association_id").computed())
            .attr(Attribute::string("availability_zone").optional_computed())
            .attr(Attribute::string("cidr_block").optional_computed())
            .attr(Attribute::number("port").optional_computed())
            .attr(Attribute::bool("enable_dns_support").optional_computed())
            .attr(Attribute::new("tags", Type::map(Type::String)))
            .attr(Attribute::new("tags_all", Type::map(Type::String)).optional_computed())
    }

    #[test]
    fn ids_arns_and_generic_attributes_by_type() {
        let cases: [(&str, &str, &str); 5] = [
            (
                "aws_vpc",
                "vpc-",
                "arn:aws:ec2:eu-west-1:123456789012:vpc/vpc-",
            ),
            (
                "aws_subnet",
                "subnet-",
                "arn:aws:ec2:eu-west-1:123456789012:subnet/subnet-",
            ),
            (
                "aws_security_group",
                "sg-",
                "arn:aws:ec2:eu-west-1:123456789012:security-group/sg-",
            ),
            (
                "aws_internet_gateway",
                "igw-",
                "arn:aws:ec2:eu-west-1:123456789012:internet-gateway/igw-",
            ),
            (
                "aws_nat_gateway",
                "nat-",
                "arn:aws:ec2:eu-west-1:123456789012:natgateway/nat-",
            ),
        ];
        for (ty, id_prefix, arn_prefix) in cases {
            let v = obj(&[
                ("id", Value::Unknown),
                ("arn", Value::Unknown),
                ("owner_id", Value::Unknown),
                ("vpc_id", Value::Unknown),
                ("default_security_group_id", Value::Unknown),
                ("ipv6_association_id", Value::Unknown),
                ("availability_zone", Value::Unknown),
                ("cidr_block", Value::from("10.1.0.0/24")),
                ("port", Value::Unknown),
                ("enable_dns_support", Value::Unknown),
                (
                    "tags",
                    Value::Map(BTreeMap::from([("Name".to_string(), Value::from("x"))])),
                ),
                ("tags_all", Value::Unknown),
            ]);
            let out = fill(ty, &ec2_block(), v);
            let id = s(&out, "id");
            assert!(regex_like(&id, id_prefix, HEX, 17), "{ty}: id {id}");
            assert_eq!(
                s(&out, "arn"),
                format!("{arn_prefix}{}", &id[id_prefix.len()..]),
                "{ty}"
            );
            assert_eq!(s(&out, "owner_id"), "123456789012", "{ty}");
            assert!(regex_like(&s(&out, "vpc_id"), "vpc-", HEX, 17), "{ty}");
            assert!(
                regex_like(&s(&out, "default_security_group_id"), "sg-", HEX, 17),
                "{ty}"
            );
            assert_eq!(s(&out, "ipv6_association_id"), "", "{ty}");
            assert_eq!(s(&out, "availability_zone"), "eu-west-1a", "{ty}");
            assert_eq!(
                s(&out, "cidr_block"),
                "10.1.0.0/24",
                "{ty}: known values stay"
            );
            assert_eq!(out.attr("port"), &Value::from(0), "{ty}");
            assert_eq!(out.attr("enable_dns_support"), &Value::Bool(false), "{ty}");
            assert_eq!(
                out.attr("tags_all"),
                &Value::Map(BTreeMap::from([
                    ("Name".to_string(), Value::from("x")),
                    ("Project".to_string(), Value::from("lx")),
                ])),
                "{ty}: default_tags merged with tags"
            );
        }
    }

    fn bucket_block() -> Block {
        Block::new("b")
            .attr(Attribute::string("id").optional_computed())
            .attr(Attribute::string("arn").computed())
            .attr(Attribute::string("bucket").optional_computed())
            .attr(Attribute::string("bucket_prefix").optional_computed())
            .attr(Attribute::string("bucket_regional_domain_name").computed())
    }

    #[test]
    fn bucket_ids_are_bucket_names_even_when_generated() {
        let named = fill(
            "aws_s3_bucket",
            &bucket_block(),
            obj(&[
                ("id", Value::Unknown),
                ("arn", Value::Unknown),
                ("bucket", Value::from("raw-logs")),
                ("bucket_prefix", Value::Unknown),
                ("bucket_regional_domain_name", Value::Unknown),
            ]),
        );
        assert_eq!(s(&named, "id"), "raw-logs");
        assert_eq!(s(&named, "arn"), "arn:aws:s3:::raw-logs");
        assert_eq!(s(&named, "bucket_prefix"), "");
        assert_eq!(
            s(&named, "bucket_regional_domain_name"),
            "raw-logs.s3.eu-west-1.amazonaws.com"
        );

        let prefixed = fill(
            "aws_s3_bucket",
            &bucket_block(),
            obj(&[
                ("id", Value::Unknown),
                ("arn", Value::Unknown),
                ("bucket", Value::Unknown),
                ("bucket_prefix", Value::from("raw-")),
                ("bucket_regional_domain_name", Value::Unknown),
            ]),
        );
        let bucket = s(&prefixed, "bucket");
        assert!(regex_like(&bucket, "raw-", "0123456789", 26), "{bucket}");
        assert_eq!(s(&prefixed, "id"), bucket);
        assert_eq!(s(&prefixed, "arn"), format!("arn:aws:s3:::{bucket}"));

        let unnamed = fill(
            "aws_s3_bucket",
            &bucket_block(),
            obj(&[("bucket", Value::Unknown), ("bucket_prefix", Value::Null)]),
        );
        assert!(regex_like(
            &s(&unnamed, "bucket"),
            "terraform-",
            "0123456789",
            26
        ));

        let child_block = Block::new("c")
            .attr(Attribute::string("id").optional_computed())
            .attr(Attribute::string("bucket").required());
        let child = fill(
            "aws_s3_bucket_versioning",
            &child_block,
            obj(&[("id", Value::Unknown), ("bucket", Value::from("raw-logs"))]),
        );
        assert_eq!(s(&child, "id"), "raw-logs");
    }

    #[test]
    fn computed_only_lists_of_objects_get_one_element() {
        let asg = Type::object([("name", Type::String)]);
        let resources = Type::list(Type::object([
            ("autoscaling_groups", Type::list(asg)),
            ("remote_access_security_group_id", Type::String),
        ]));
        let block = Block::new("ng")
            .attr(Attribute::string("id").optional_computed())
            .attr(Attribute::string("cluster_name").required())
            .attr(Attribute::string("node_group_name").optional_computed())
            .attr(Attribute::string("node_group_name_prefix").optional_computed())
            .attr(Attribute::new("resources", resources).computed())
            .attr(
                Attribute::new(
                    "optional_objects",
                    Type::set(Type::object([("x", Type::String)])),
                )
                .optional_computed(),
            )
            .block(NestedBlock::new(
                "launch_template",
                Nesting::List,
                Block::new("lt")
                    .attr(Attribute::string("id").optional_computed())
                    .attr(Attribute::string("version").required()),
            ));
        let out = fill(
            "aws_eks_node_group",
            &block,
            obj(&[
                ("id", Value::Unknown),
                ("cluster_name", Value::from("lx")),
                ("node_group_name", Value::Unknown),
                ("node_group_name_prefix", Value::from("lx-spark-")),
                ("resources", Value::Unknown),
                ("optional_objects", Value::Unknown),
                (
                    "launch_template",
                    Value::List(vec![obj(&[
                        ("id", Value::from("lt-0123456789abcdef0")),
                        ("version", Value::from("1")),
                    ])]),
                ),
            ]),
        );
        let name = s(&out, "node_group_name");
        assert!(regex_like(&name, "lx-spark-", "0123456789", 26), "{name}");
        assert_eq!(s(&out, "id"), format!("lx:{name}"));
        let asg_name = s(&out, "resources.0.autoscaling_groups.0.name");
        assert!(asg_name.starts_with(&format!("eks-{name}-")), "{asg_name}");
        assert_eq!(
            asg_name.len(),
            format!("eks-{name}-").len() + 36,
            "{asg_name}"
        );
        assert_eq!(s(&out, "resources.0.remote_access_security_group_id"), "");
        assert_eq!(out.attr("optional_objects"), &Value::Set(vec![]));
        assert_eq!(s(&out, "launch_template.0.id"), "lt-0123456789abcdef0");
    }

    #[test]
    fn nested_rules_refer_to_top_level_attributes() {
        let secret = Type::list(Type::object([
            ("kms_key_id", Type::String),
            ("secret_arn", Type::String),
            ("secret_status", Type::String),
        ]));
        let block = Block::new("db")
            .attr(Attribute::string("id").optional_computed())
            .attr(Attribute::string("resource_id").computed())
            .attr(Attribute::string("identifier").optional_computed())
            .attr(Attribute::string("address").computed())
            .attr(Attribute::string("endpoint").computed())
            .attr(Attribute::number("port").optional_computed())
            .attr(Attribute::new("master_user_secret", secret).computed())
            .attr(
                Attribute::new(
                    "listener_endpoint",
                    Type::list(Type::object([("address", Type::String)])),
                )
                .computed(),
            );
        let out = fill(
            "aws_db_instance",
            &block,
            obj(&[
                ("id", Value::Unknown),
                ("resource_id", Value::Unknown),
                ("identifier", Value::from("meta")),
                ("address", Value::Unknown),
                ("endpoint", Value::Unknown),
                ("port", Value::from(3306)),
                ("master_user_secret", Value::Unknown),
                ("listener_endpoint", Value::Unknown),
            ]),
        );
        let id = s(&out, "id");
        assert!(regex_like(&id, "db-", "0123456789ABCDEF", 26), "{id}");
        assert_eq!(s(&out, "resource_id"), id);
        let address = s(&out, "address");
        assert!(
            address.starts_with("meta.c") && address.ends_with(".eu-west-1.rds.amazonaws.com"),
            "{address}"
        );
        assert_eq!(s(&out, "endpoint"), format!("{address}:3306"));
        let arn = s(&out, "master_user_secret.0.secret_arn");
        let want = format!("arn:aws:secretsmanager:eu-west-1:123456789012:secret:rds!{id}-");
        assert!(
            arn.starts_with(&want) && arn.len() == want.len() + 6,
            "{arn}"
        );
        assert!(
            s(&out, "master_user_secret.0.kms_key_id")
                .starts_with("arn:aws:kms:eu-west-1:123456789012:key/")
        );
        assert_eq!(s(&out, "master_user_secret.0.secret_status"), "active");
        assert_eq!(out.attr("listener_endpoint"), &Value::List(vec![]));
    }

    #[test]
    fn kms_key_arns_match_the_aws_format() {
        let block = Block::new("k")
            .attr(Attribute::string("id").optional_computed())
            .attr(Attribute::string("key_id").computed())
            .attr(Attribute::string("arn").computed());
        let out = fill(
            "aws_kms_key",
            &block,
            obj(&[
                ("id", Value::Unknown),
                ("key_id", Value::Unknown),
                ("arn", Value::Unknown),
            ]),
        );
        let id = s(&out, "id");
        let groups: Vec<usize> = id.split('-').map(str::len).collect();
        assert_eq!(groups, [8, 4, 4, 4, 12], "{id}");
        assert!(id.chars().all(|c| c == '-' || HEX.contains(c)), "{id}");
        assert_eq!(s(&out, "key_id"), id);
        assert_eq!(
            s(&out, "arn"),
            format!("arn:aws:kms:eu-west-1:123456789012:key/{id}")
        );
    }

    #[test]
    fn data_sources_get_region_partition_account_and_policy_json() {
        let faker = Faker::with_seed(1);
        let env = Env::new(Some("cn-north-1"), BTreeMap::new());
        let region = Block::new("r")
            .attr(Attribute::string("region").optional_computed())
            .attr(Attribute::string("id").optional_computed());
        let mut v = obj(&[("region", Value::Null), ("id", Value::Null)]);
        mark_computed_unknown(&region, &mut v);
        Filler::new(&faker, &env, "aws_region", &region).fill(&mut v);
        assert_eq!(s(&v, "region"), "cn-north-1");
        let part = Block::new("p")
            .attr(Attribute::string("partition").computed())
            .attr(Attribute::string("dns_suffix").computed());
        let mut v = obj(&[("partition", Value::Null), ("dns_suffix", Value::Null)]);
        mark_computed_unknown(&part, &mut v);
        Filler::new(&faker, &env, "aws_partition", &part).fill(&mut v);
        assert_eq!(s(&v, "partition"), "aws-cn");
        let doc = Block::new("d")
            .attr(Attribute::string("json").computed())
            .attr(Attribute::string("minified_json").computed());
        let mut v = obj(&[("json", Value::Null), ("minified_json", Value::Null)]);
        mark_computed_unknown(&doc, &mut v);
        Filler::new(&faker, &env, "aws_iam_policy_document", &doc).fill(&mut v);
        assert_eq!(
            s(&v, "minified_json"),
            r#"{"Version":"2012-10-17","Statement":[]}"#
        );
        assert!(
            s(&v, "json").contains("\n  \"Statement\": []"),
            "{}",
            s(&v, "json")
        );
    }

    #[test]
    fn env_from_provider_configuration() {
        let cfg = obj(&[
            ("region", Value::from("us-gov-west-1")),
            (
                "default_tags",
                Value::List(vec![obj(&[(
                    "tags",
                    Value::Map(BTreeMap::from([("Env".to_string(), Value::from("test"))])),
                )])]),
            ),
        ]);
        let env = Env::from_config(&cfg);
        assert_eq!(env.region, "us-gov-west-1");
        assert_eq!(env.partition, "aws-us-gov");
        assert_eq!(
            env.default_tags.get("Env").map(String::as_str),
            Some("test")
        );
        let empty = Env::from_config(&obj(&[]));
        assert_eq!(
            (empty.region.as_str(), empty.partition.as_str()),
            ("us-east-1", "aws")
        );
    }

    #[test]
    fn fakes_are_unique_and_seeded() {
        let a = Faker::with_seed(3);
        let b = Faker::with_seed(3);
        let ids: Vec<String> = (0..200).map(|_| a.hex(17)).collect();
        let again: Vec<String> = (0..200).map(|_| b.hex(17)).collect();
        assert_eq!(ids, again, "same seed, same sequence");
        let mut dedup = ids.clone();
        dedup.sort();
        dedup.dedup();
        assert_eq!(dedup.len(), ids.len());
        assert_ne!(Faker::with_seed(4).hex(17), ids[0]);
        let octets: Vec<u64> = (0..500).filter_map(|_| a.octet().parse().ok()).collect();
        assert_eq!(octets.len(), 500);
        assert!(octets.iter().all(|o| (1..=254).contains(o)));
    }

    #[test]
    fn import_ids_split_back_into_attributes() {
        type Case = (
            &'static str,
            &'static str,
            Option<Vec<(&'static str, &'static str)>>,
        );
        let cases: [Case; 6] = [
            (
                "{attr:bucket}",
                "raw-logs",
                Some(vec![("bucket", "raw-logs")]),
            ),
            (
                "{attr:cluster_name}:{attr:node_group_name}",
                "lx:spark-a",
                Some(vec![("cluster_name", "lx"), ("node_group_name", "spark-a")]),
            ),
            ("{attr:role}:{attr:name}", "no-separator", None),
            ("vpc-{hex:17}", "vpc-0123", None),
            ("{attr:tag.0.key}", "x", None),
            ("{attr:a}{attr:b}", "ab", None),
        ];
        for (template, id, want) in cases {
            let want = want.map(|v| {
                v.into_iter()
                    .map(|(k, v)| (k.to_string(), v.to_string()))
                    .collect::<Vec<_>>()
            });
            assert_eq!(split_by_template(template, id), want, "{template} / {id}");
        }
        let block = Block::new("ng")
            .attr(Attribute::string("id").optional_computed())
            .attr(Attribute::string("cluster_name").required())
            .attr(Attribute::string("node_group_name").optional_computed())
            .attr(Attribute::string("arn").computed());
        let v = imported("aws_eks_node_group", &block, "lx:spark-a");
        assert_eq!(s(&v, "cluster_name"), "lx");
        assert_eq!(s(&v, "node_group_name"), "spark-a");
        assert_eq!(s(&v, "id"), "lx:spark-a");
        assert_eq!(v.attr("arn"), &Value::Null);
        let vpc = imported("aws_vpc", &ec2_block(), "vpc-0a1b2c3d4e5f60718");
        assert_eq!(s(&vpc, "id"), "vpc-0a1b2c3d4e5f60718");
        assert_eq!(vpc.attr("cidr_block"), &Value::Null);
    }

    #[test]
    fn every_rule_template_is_well_formed() {
        for rule in rules::RULES {
            if let Fake::Text(templates) = rule.fake {
                assert!(!templates.is_empty(), "{} {}", rule.types, rule.attr);
                for t in templates {
                    assert_eq!(t.matches('{').count(), t.matches('}').count(), "{t}");
                    for p in placeholders(t) {
                        assert!(placeholder_known(p), "unknown placeholder {{{p}}} in {t:?}");
                    }
                }
            }
        }
    }
}
