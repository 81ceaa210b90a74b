//! Schema-driven planning: from Terraform's proposed new state, derive the planned
//! state the way the protocol requires.
//!
//! Protocol rules applied here:
//! - a non-null configuration value is kept exactly;
//! - a computed attribute left null in configuration gets its default, or keeps
//!   the prior value when nothing changed (or when it is `use_state_for_unknown`),
//!   or becomes unknown;
//! - write-only attributes are always null in plan and state;
//! - attributes and blocks marked requires-replace that changed are reported.

use crate::path::AttrPath;
use crate::schema::{Block, Nesting};
use crate::value::Value;

/// Sets every write-only attribute in `v` (of `block`) to null.
pub fn null_write_only(block: &Block, v: &mut Value) {
    let Value::Object(m) = v else { return };
    for a in &block.attributes {
        if a.write_only {
            m.insert(a.name.clone(), Value::Null);
        }
    }
    for b in &block.blocks {
        if let Some(child) = m.get_mut(&b.name) {
            for_each_element(child, |e| null_write_only(&b.block, e));
        }
    }
}

fn for_each_element(v: &mut Value, mut f: impl FnMut(&mut Value)) {
    match v {
        Value::List(items) | Value::Set(items) => items.iter_mut().for_each(f),
        Value::Map(m) => m.values_mut().for_each(f),
        Value::Object(_) => f(v),
        _ => {}
    }
}

/// The planned state with the write-only values of `config` put back in (and any
/// remaining unknowns left for the provider to fill): what create/update work from.
pub fn with_write_only(block: &Block, planned: &Value, config: &Value) -> Value {
    let mut out = planned.clone();
    copy_write_only(block, &mut out, config);
    out
}

fn copy_write_only(block: &Block, out: &mut Value, config: &Value) {
    let Value::Object(m) = out else { return };
    for a in &block.attributes {
        if a.write_only {
            m.insert(a.name.clone(), config.attr(&a.name).clone());
        }
    }
    for b in &block.blocks {
        let cfg = config.attr(&b.name);
        match (m.get_mut(&b.name), cfg) {
            (
                Some(Value::List(items) | Value::Set(items)),
                Value::List(citems) | Value::Set(citems),
            ) => {
                for (it, c) in items.iter_mut().zip(citems) {
                    copy_write_only(&b.block, it, c);
                }
            }
            (Some(Value::Map(items)), Value::Map(citems)) => {
                for (k, it) in items.iter_mut() {
                    if let Some(c) = citems.get(k) {
                        copy_write_only(&b.block, it, c);
                    }
                }
            }
            (Some(it @ Value::Object(_)), c @ Value::Object(_)) => copy_write_only(&b.block, it, c),
            _ => {}
        }
    }
}

/// Computes the planned state for a create (`prior` null) or an update.
pub fn plan_computed(block: &Block, proposed: &Value, config: &Value, prior: &Value) -> Value {
    let mut planned = proposed.clone();
    null_write_only(block, &mut planned);
    let mut prior_cmp = prior.clone();
    null_write_only(block, &mut prior_cmp);
    let changed = !prior.is_null() && planned != prior_cmp;
    fill(block, &mut planned, config, prior, prior.is_null(), changed);
    planned
}

fn fill(
    block: &Block,
    planned: &mut Value,
    config: &Value,
    prior: &Value,
    create: bool,
    changed: bool,
) {
    let Value::Object(m) = planned else { return };
    for a in &block.attributes {
        if !a.computed || a.write_only {
            continue;
        }
        let cfg = config.attr(&a.name);
        if !cfg.is_null() {
            continue;
        }
        let prior_v = prior.attr(&a.name);
        let v = if let Some(d) = &a.default {
            d.clone()
        } else if create || prior.is_null() {
            Value::Unknown
        } else if a.use_state_for_unknown || !changed {
            prior_v.clone()
        } else {
            Value::Unknown
        };
        m.insert(a.name.clone(), v);
    }
    for b in &block.blocks {
        let Some(child) = m.get_mut(&b.name) else {
            continue;
        };
        let cfg = config.attr(&b.name);
        let pri = prior.attr(&b.name);
        match (b.nesting, child) {
            (Nesting::Single, c @ Value::Object(_)) => fill(&b.block, c, cfg, pri, create, changed),
            (Nesting::List | Nesting::Set, Value::List(items) | Value::Set(items)) => {
                for (i, it) in items.iter_mut().enumerate() {
                    let ci = element(cfg, i);
                    let pi = element(pri, i);
                    fill(&b.block, it, ci, pi, create, changed);
                }
            }
            (Nesting::Map, Value::Map(items)) => {
                for (k, it) in items.iter_mut() {
                    let ci = map_element(cfg, k);
                    let pi = map_element(pri, k);
                    fill(&b.block, it, ci, pi, create, changed);
                }
            }
            _ => {}
        }
    }
}

fn element(v: &Value, i: usize) -> &Value {
    match v {
        Value::List(items) | Value::Set(items) => items.get(i).unwrap_or(&Value::Null),
        _ => &Value::Null,
    }
}

fn map_element<'a>(v: &'a Value, k: &str) -> &'a Value {
    match v {
        Value::Map(m) => m.get(k).unwrap_or(&Value::Null),
        _ => &Value::Null,
    }
}

/// Paths of requires-replace attributes/blocks whose planned value differs from prior.
pub fn requires_replace(block: &Block, prior: &Value, planned: &Value) -> Vec<AttrPath> {
    let mut out = Vec::new();
    if prior.is_null() || planned.is_null() {
        return out;
    }
    for a in &block.attributes {
        if a.requires_replace && prior.attr(&a.name) != planned.attr(&a.name) {
            out.push(AttrPath::attribute(&a.name));
        }
    }
    for b in &block.blocks {
        if b.requires_replace && prior.attr(&b.name) != planned.attr(&b.name) {
            out.push(AttrPath::attribute(&b.name));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::schema::{Attribute, NestedBlock};

    fn obj(pairs: &[(&str, Value)]) -> Value {
        Value::Object(
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.clone()))
                .collect(),
        )
    }

    fn block() -> Block {
        Block::new("t")
            .attr(Attribute::string("name").required().requires_replace())
            .attr(Attribute::string("id").computed().use_state_for_unknown())
            .attr(Attribute::string("version").computed())
            .attr(Attribute::string("mode").default("fast"))
            .attr(Attribute::string("pw").write_only())
            .block(NestedBlock::new(
                "rule",
                Nesting::List,
                Block::new("r").attr(Attribute::string("rid").computed()),
            ))
    }

    #[test]
    fn create_marks_computed_unknown_and_applies_defaults() {
        let cfg = obj(&[
            ("name", Value::from("a")),
            ("pw", Value::from("secret")),
            ("rule", Value::List(vec![obj(&[("rid", Value::Null)])])),
        ]);
        let planned = plan_computed(&block(), &cfg, &cfg, &Value::Null);
        assert_eq!(planned.attr("id"), &Value::Unknown);
        assert_eq!(planned.attr("mode"), &Value::from("fast"));
        assert_eq!(planned.attr("pw"), &Value::Null);
        assert_eq!(
            planned.get(&AttrPath::attribute("rule").index(0).attr("rid")),
            &Value::Unknown
        );
    }

    #[test]
    fn update_keeps_or_unknowns_computed() {
        let prior = obj(&[
            ("name", Value::from("a")),
            ("id", Value::from("i-1")),
            ("version", Value::from("v1")),
            ("mode", Value::from("fast")),
            ("pw", Value::Null),
            ("rule", Value::List(vec![])),
        ]);
        // no change: everything kept
        let cfg = obj(&[("name", Value::from("a")), ("rule", Value::List(vec![]))]);
        let mut proposed = prior.clone();
        if let Value::Object(m) = &mut proposed {
            m.insert("pw".into(), Value::from("new-secret"));
        }
        let planned = plan_computed(&block(), &proposed, &cfg, &prior);
        assert_eq!(planned, prior);
        // a change: version unknown, id kept (use_state_for_unknown)
        let mut proposed = prior.clone();
        if let Value::Object(m) = &mut proposed {
            m.insert("name".into(), Value::from("b"));
        }
        let cfg = obj(&[("name", Value::from("b")), ("rule", Value::List(vec![]))]);
        let planned = plan_computed(&block(), &proposed, &cfg, &prior);
        assert_eq!(planned.attr("version"), &Value::Unknown);
        assert_eq!(planned.attr("id"), &Value::from("i-1"));
        let rr = requires_replace(&block(), &prior, &planned);
        assert_eq!(rr, vec![AttrPath::attribute("name")]);
        let _ = BTreeMap::<String, Value>::new();
    }
}
