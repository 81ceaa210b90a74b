//! Attribute paths: where in a configuration a diagnostic points.

use std::fmt;

/// One step of an [`AttrPath`].
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum PathStep {
    /// An object attribute or nested block by name.
    Attr(String),
    /// A list/set element by position.
    Index(i64),
    /// A map element by key.
    Key(String),
}

/// A path from the root of a resource's value to one attribute or element,
/// e.g. `tier_set[1].transition[0].storage_class`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct AttrPath(Vec<PathStep>);

impl AttrPath {
    /// The empty path (the whole value).
    pub fn root() -> Self {
        AttrPath(Vec::new())
    }
    /// A path with a single attribute step.
    pub fn attribute(name: impl Into<String>) -> Self {
        AttrPath(vec![PathStep::Attr(name.into())])
    }
    /// A path made of the given steps.
    pub fn from_steps(steps: Vec<PathStep>) -> Self {
        AttrPath(steps)
    }
    /// This path extended by an attribute.
    pub fn attr(mut self, name: impl Into<String>) -> Self {
        self.0.push(PathStep::Attr(name.into()));
        self
    }
    /// This path extended by a list index.
    pub fn index(mut self, i: i64) -> Self {
        self.0.push(PathStep::Index(i));
        self
    }
    /// This path extended by a map key.
    pub fn key(mut self, k: impl Into<String>) -> Self {
        self.0.push(PathStep::Key(k.into()));
        self
    }
    /// The steps.
    pub fn steps(&self) -> &[PathStep] {
        &self.0
    }
    /// True for the root path.
    pub fn is_root(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Display for AttrPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, s) in self.0.iter().enumerate() {
            match s {
                PathStep::Attr(a) if i == 0 => write!(f, "{a}")?,
                PathStep::Attr(a) => write!(f, ".{a}")?,
                PathStep::Index(n) => write!(f, "[{n}]")?,
                PathStep::Key(k) => write!(f, "[{k:?}]")?,
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display() {
        let p = AttrPath::attribute("tier_set")
            .index(1)
            .attr("transition")
            .key("k");
        assert_eq!(p.to_string(), "tier_set[1].transition[\"k\"]");
    }
}
