//! Declarative schemas: a resource declares its attributes and nested blocks once,
//! with descriptions, flags (required/optional/computed/sensitive/write-only),
//! validators, defaults and plan modifiers (requires-replace, use-state-for-unknown).
//! The server derives the wire schema, validation and default planning from it.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;

use crate::diag::{Diagnostic, Diagnostics};
use crate::path::AttrPath;
use crate::types::Type;
use crate::value::Value;

/// Checks one known, non-null attribute value.
pub trait Validator: Send + Sync {
    /// Adds diagnostics for `value` found at `path`.
    fn validate(&self, value: &Value, path: &AttrPath, diags: &mut Diagnostics);
    /// One line for generated docs (e.g. "one of `a`, `b`").
    fn describe(&self) -> String;
}

/// A validator from a closure returning `Err(detail)` for bad values.
pub struct FnValidator<F> {
    summary: String,
    doc: String,
    check: F,
}

impl<F> Validator for FnValidator<F>
where
    F: Fn(&Value) -> Result<(), String> + Send + Sync,
{
    fn validate(&self, value: &Value, path: &AttrPath, diags: &mut Diagnostics) {
        if let Err(detail) = (self.check)(value) {
            diags.push(Diagnostic::error(self.summary.clone(), detail).at(path.clone()));
        }
    }
    fn describe(&self) -> String {
        self.doc.clone()
    }
}

/// Builds a validator from a closure. `summary` is the diagnostic summary,
/// `doc` the one-line rule shown in docs.
pub fn check<F>(summary: &str, doc: &str, f: F) -> Arc<dyn Validator>
where
    F: Fn(&Value) -> Result<(), String> + Send + Sync + 'static,
{
    Arc::new(FnValidator {
        summary: summary.to_string(),
        doc: doc.to_string(),
        check: f,
    })
}

/// The string must be one of `allowed`.
pub fn one_of(allowed: &'static [&'static str]) -> Arc<dyn Validator> {
    let doc = format!(
        "One of {}.",
        allowed
            .iter()
            .map(|a| format!("`{a}`"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    check("Invalid value", &doc.clone(), move |v| match v.as_str() {
        Some(s) if allowed.contains(&s) => Ok(()),
        Some(s) => Err(format!("{s:?} is not allowed. {doc}")),
        None => Ok(()),
    })
}

/// The number must be an integer within `[min, max]`.
pub fn int_between(min: i64, max: i64) -> Arc<dyn Validator> {
    check(
        "Value out of range",
        &format!("An integer from {min} to {max}."),
        move |v| match v.as_number() {
            Some(n) => match n.as_i64() {
                Some(i) if (min..=max).contains(&i) => Ok(()),
                Some(i) => Err(format!("{i} is outside {min}..={max}.")),
                None => Err(format!("{n} is not a whole number from {min} to {max}.")),
            },
            None => Ok(()),
        },
    )
}

/// The string's length (in characters) must be within `[min, max]`.
pub fn length_between(min: usize, max: usize) -> Arc<dyn Validator> {
    check(
        "Invalid length",
        &format!("Between {min} and {max} characters."),
        move |v| match v.as_str() {
            Some(s) => {
                let n = s.chars().count();
                if (min..=max).contains(&n) {
                    Ok(())
                } else {
                    Err(format!(
                        "The value has {n} characters; it must have between {min} and {max}."
                    ))
                }
            }
            None => Ok(()),
        },
    )
}

/// How a nested block repeats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Nesting {
    /// At most one block; value is an object or null.
    Single,
    /// Ordered blocks; value is a list of objects.
    List,
    /// Unordered blocks; value is a set of objects.
    Set,
    /// Labelled blocks; value is a map of objects.
    Map,
}

/// One attribute of a block.
#[derive(Clone)]
pub struct Attribute {
    /// Name.
    pub name: String,
    /// Type.
    pub ty: Type,
    /// Markdown description (required for generated docs).
    pub description: String,
    /// Must be set in configuration.
    pub required: bool,
    /// May be set in configuration.
    pub optional: bool,
    /// Set by the provider.
    pub computed: bool,
    /// Redacted in plan output.
    pub sensitive: bool,
    /// Accepted in configuration, never stored in plan or state.
    pub write_only: bool,
    /// Deprecated.
    pub deprecated: bool,
    /// Changing it replaces the resource.
    pub requires_replace: bool,
    /// On update, keep the prior value instead of marking it unknown.
    pub use_state_for_unknown: bool,
    /// Value planned when configuration leaves it null (makes it computed).
    pub default: Option<Value>,
    /// Checks run on known, non-null values at validate time.
    pub validators: Vec<Arc<dyn Validator>>,
}

impl fmt::Debug for Attribute {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Attribute")
            .field("name", &self.name)
            .field("ty", &self.ty)
            .finish_non_exhaustive()
    }
}

impl Attribute {
    /// An attribute of type `ty` (optional until said otherwise).
    pub fn new(name: &str, ty: Type) -> Self {
        Attribute {
            name: name.to_string(),
            ty,
            description: String::new(),
            required: false,
            optional: true,
            computed: false,
            sensitive: false,
            write_only: false,
            deprecated: false,
            requires_replace: false,
            use_state_for_unknown: false,
            default: None,
            validators: Vec::new(),
        }
    }
    /// A string attribute.
    pub fn string(name: &str) -> Self {
        Self::new(name, Type::String)
    }
    /// A number attribute.
    pub fn number(name: &str) -> Self {
        Self::new(name, Type::Number)
    }
    /// A bool attribute.
    pub fn bool(name: &str) -> Self {
        Self::new(name, Type::Bool)
    }
    /// Sets the description.
    pub fn describe(mut self, d: &str) -> Self {
        self.description = d.to_string();
        self
    }
    /// Required in configuration.
    pub fn required(mut self) -> Self {
        self.required = true;
        self.optional = false;
        self.computed = false;
        self
    }
    /// Optional in configuration.
    pub fn optional(mut self) -> Self {
        self.required = false;
        self.optional = true;
        self
    }
    /// Computed only (not settable).
    pub fn computed(mut self) -> Self {
        self.required = false;
        self.optional = false;
        self.computed = true;
        self
    }
    /// Optional and computed.
    pub fn optional_computed(mut self) -> Self {
        self.required = false;
        self.optional = true;
        self.computed = true;
        self
    }
    /// Sensitive.
    pub fn sensitive(mut self) -> Self {
        self.sensitive = true;
        self
    }
    /// Write-only (implies sensitive handling: never in plan or state).
    pub fn write_only(mut self) -> Self {
        self.write_only = true;
        self.computed = false;
        self
    }
    /// Deprecated.
    pub fn deprecated(mut self) -> Self {
        self.deprecated = true;
        self
    }
    /// Changing it forces replacement.
    pub fn requires_replace(mut self) -> Self {
        self.requires_replace = true;
        self
    }
    /// Keep prior state value on update instead of unknown.
    pub fn use_state_for_unknown(mut self) -> Self {
        self.use_state_for_unknown = true;
        self
    }
    /// Default when configuration leaves it null (the attribute becomes optional+computed).
    pub fn default(mut self, v: impl Into<Value>) -> Self {
        self.default = Some(v.into());
        self.optional = true;
        self.required = false;
        self.computed = true;
        self
    }
    /// Adds a validator.
    pub fn validate(mut self, v: Arc<dyn Validator>) -> Self {
        self.validators.push(v);
        self
    }
}

/// A nested block type.
#[derive(Debug, Clone)]
pub struct NestedBlock {
    /// Block type name.
    pub name: String,
    /// The block's own schema.
    pub block: Block,
    /// How it repeats.
    pub nesting: Nesting,
    /// Minimum number of blocks.
    pub min_items: i64,
    /// Maximum number of blocks (0 = unlimited).
    pub max_items: i64,
    /// Changing any of it replaces the resource.
    pub requires_replace: bool,
}

impl NestedBlock {
    /// A nested block.
    pub fn new(name: &str, nesting: Nesting, block: Block) -> Self {
        NestedBlock {
            name: name.to_string(),
            block,
            nesting,
            min_items: 0,
            max_items: 0,
            requires_replace: false,
        }
    }
    /// Sets min/max item counts.
    pub fn items(mut self, min: i64, max: i64) -> Self {
        self.min_items = min;
        self.max_items = max;
        self
    }
    /// Changing it forces replacement.
    pub fn requires_replace(mut self) -> Self {
        self.requires_replace = true;
        self
    }
    /// The value type of the block collection.
    pub fn value_type(&self) -> Type {
        let obj = self.block.value_type();
        match self.nesting {
            Nesting::Single => obj,
            Nesting::List => Type::list(obj),
            Nesting::Set => Type::set(obj),
            Nesting::Map => Type::map(obj),
        }
    }
}

/// A block: attributes plus nested blocks.
#[derive(Debug, Clone, Default)]
pub struct Block {
    /// Attributes.
    pub attributes: Vec<Attribute>,
    /// Nested block types.
    pub blocks: Vec<NestedBlock>,
    /// Markdown description.
    pub description: String,
    /// Deprecated.
    pub deprecated: bool,
}

impl Block {
    /// An empty block with a description.
    pub fn new(description: &str) -> Self {
        Block {
            description: description.to_string(),
            ..Default::default()
        }
    }
    /// Adds an attribute.
    pub fn attr(mut self, a: Attribute) -> Self {
        self.attributes.push(a);
        self
    }
    /// Adds a nested block.
    pub fn block(mut self, b: NestedBlock) -> Self {
        self.blocks.push(b);
        self
    }
    /// The object type of this block's value.
    pub fn value_type(&self) -> Type {
        let mut m = BTreeMap::new();
        for a in &self.attributes {
            m.insert(a.name.clone(), a.ty.clone());
        }
        for b in &self.blocks {
            m.insert(b.name.clone(), b.value_type());
        }
        Type::Object(m, Default::default())
    }
    /// Finds an attribute.
    pub fn attribute(&self, name: &str) -> Option<&Attribute> {
        self.attributes.iter().find(|a| a.name == name)
    }
    /// Names of attributes or blocks lacking a description (for the docs test).
    pub fn undocumented(&self, prefix: &str) -> Vec<String> {
        let mut out = Vec::new();
        for a in &self.attributes {
            if a.description.trim().is_empty() {
                out.push(format!("{prefix}{}", a.name));
            }
        }
        for b in &self.blocks {
            if b.block.description.trim().is_empty() {
                out.push(format!("{prefix}{}", b.name));
            }
            out.extend(b.block.undocumented(&format!("{prefix}{}.", b.name)));
        }
        out
    }
}

/// A versioned schema for a provider, resource, data source or ephemeral resource.
#[derive(Debug, Clone, Default)]
pub struct Schema {
    /// Schema version (state upgrades key on it).
    pub version: i64,
    /// Top-level block.
    pub block: Block,
}

impl Schema {
    /// A version-0 schema.
    pub fn new(block: Block) -> Self {
        Schema { version: 0, block }
    }
    /// The object type of values of this schema.
    pub fn value_type(&self) -> Type {
        self.block.value_type()
    }
}

/// One attribute of a resource identity.
#[derive(Debug, Clone)]
pub struct IdentityAttribute {
    /// Name.
    pub name: String,
    /// Type.
    pub ty: Type,
    /// Description.
    pub description: String,
    /// Must be given to import by identity.
    pub required_for_import: bool,
}

/// A resource identity schema.
#[derive(Debug, Clone, Default)]
pub struct IdentitySchema {
    /// Identity version.
    pub version: i64,
    /// Attributes.
    pub attributes: Vec<IdentityAttribute>,
}

impl IdentitySchema {
    /// The object type of identity values.
    pub fn value_type(&self) -> Type {
        Type::Object(
            self.attributes
                .iter()
                .map(|a| (a.name.clone(), a.ty.clone()))
                .collect(),
            Default::default(),
        )
    }
}

/// Runs every attribute validator on the known, non-null values of `value`.
pub fn validate_value(block: &Block, value: &Value, path: &AttrPath, diags: &mut Diagnostics) {
    if !matches!(value, Value::Object(_)) {
        return;
    }
    for a in &block.attributes {
        let v = value.attr(&a.name);
        if v.is_null() || v.is_unknown() {
            continue;
        }
        let p = path.clone().attr(&a.name);
        for val in &a.validators {
            val.validate(v, &p, diags);
        }
    }
    for b in &block.blocks {
        let v = value.attr(&b.name);
        let p = path.clone().attr(&b.name);
        match v {
            Value::List(items) | Value::Set(items) => {
                for (i, it) in items.iter().enumerate() {
                    validate_value(&b.block, it, &p.clone().index(i as i64), diags);
                }
            }
            Value::Map(m) => {
                for (k, it) in m {
                    validate_value(&b.block, it, &p.clone().key(k), diags);
                }
            }
            Value::Object(_) => validate_value(&b.block, v, &p, diags),
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validators_report_paths() {
        let block = Block::new("x")
            .attr(
                Attribute::string("tls")
                    .validate(one_of(&["require", "disable"]))
                    .describe("d"),
            )
            .block(NestedBlock::new(
                "grant",
                Nesting::List,
                Block::new("g").attr(Attribute::number("n").validate(int_between(1, 5))),
            ));
        let v = Value::Object(BTreeMap::from([
            ("tls".to_string(), Value::from("bogus")),
            (
                "grant".to_string(),
                Value::List(vec![
                    Value::Object(BTreeMap::from([("n".to_string(), Value::from(3))])),
                    Value::Object(BTreeMap::from([("n".to_string(), Value::from(9))])),
                ]),
            ),
        ]));
        let mut d = Diagnostics::new();
        validate_value(&block, &v, &AttrPath::root(), &mut d);
        let paths: Vec<String> = d
            .iter()
            .filter_map(|x| x.path.as_ref().map(|p| p.to_string()))
            .collect();
        assert_eq!(paths, vec!["tls".to_string(), "grant[1].n".to_string()]);
        assert!(d.0[0].detail.contains("`require`"));
        assert_eq!(block.undocumented(""), vec!["grant.n".to_string()]);
    }
}
