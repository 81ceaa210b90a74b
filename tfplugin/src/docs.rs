//! Registry-style Markdown docs generated from schemas (the descriptions declared
//! in code are the single source), in the layout of the Terraform registry:
//! `index.md`, `resources/<name>.md`, `data-sources/<name>.md`,
//! `ephemeral-resources/<name>.md`, `functions/<name>.md`.

use std::fmt::Write as _;

use crate::schema::{Attribute, Block, Nesting, Schema};
use crate::types::Type;

/// What a page documents.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Managed resource.
    Resource,
    /// Data source.
    DataSource,
    /// Ephemeral resource.
    Ephemeral,
    /// Action.
    Action,
    /// The provider itself.
    Provider,
}

impl Kind {
    /// Registry subcategory heading word.
    fn noun(self) -> &'static str {
        match self {
            Kind::Resource => "Resource",
            Kind::DataSource => "Data Source",
            Kind::Ephemeral => "Ephemeral Resource",
            Kind::Action => "Action",
            Kind::Provider => "Provider",
        }
    }
}

/// Terraform type expression for docs.
pub fn type_expr(t: &Type) -> String {
    match t {
        Type::Bool => "Boolean".into(),
        Type::Number => "Number".into(),
        Type::String => "String".into(),
        Type::Dynamic => "Dynamic".into(),
        Type::List(e) => format!("List of {}", type_expr(e)),
        Type::Set(e) => format!("Set of {}", type_expr(e)),
        Type::Map(e) => format!("Map of {}", type_expr(e)),
        Type::Object(attrs, _) => format!(
            "Object ({})",
            attrs
                .iter()
                .map(|(k, v)| format!("`{k}`: {}", type_expr(v)))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        Type::Tuple(ts) => format!(
            "Tuple ({})",
            ts.iter().map(type_expr).collect::<Vec<_>>().join(", ")
        ),
    }
}

fn flags(a: &Attribute) -> String {
    let mut f = vec![type_expr(&a.ty)];
    if a.sensitive {
        f.push("Sensitive".into());
    }
    if a.write_only {
        f.push("Write-only: never stored in plan or state".into());
    }
    if a.requires_replace {
        f.push("Forces replacement".into());
    }
    if a.deprecated {
        f.push("Deprecated".into());
    }
    f.join(", ")
}

fn attr_line(out: &mut String, a: &Attribute) {
    let _ = write!(
        out,
        "- `{}` ({}) {}",
        a.name,
        flags(a),
        a.description.trim()
    );
    for v in &a.validators {
        let _ = write!(out, " {}", v.describe());
    }
    if let Some(d) = &a.default {
        let shown = match d {
            crate::Value::String(s) => format!("`\"{s}\"`"),
            crate::Value::Number(n) => format!("`{n}`"),
            crate::Value::Bool(b) => format!("`{b}`"),
            _ => "set".into(),
        };
        let _ = write!(out, " Defaults to {shown}.");
    }
    out.push('\n');
}

fn block_section(out: &mut String, b: &Block, anchor: &str, nested: &mut Vec<(String, Block)>) {
    for title in ["Required", "Optional", "Read-Only"] {
        let attrs: Vec<&Attribute> = b
            .attributes
            .iter()
            .filter(|a| match title {
                "Required" => a.required,
                "Optional" => a.optional,
                _ => a.computed && !a.optional,
            })
            .collect();
        let blocks: Vec<_> = b
            .blocks
            .iter()
            .filter(|nb| match title {
                "Required" => nb.min_items > 0,
                "Optional" => nb.min_items == 0,
                _ => false,
            })
            .collect();
        if attrs.is_empty() && blocks.is_empty() {
            continue;
        }
        let _ = writeln!(out, "### {title}\n");
        for a in attrs {
            attr_line(out, a);
        }
        for nb in blocks {
            let mode = match nb.nesting {
                Nesting::Single => "Block".to_string(),
                Nesting::List => "Block List".to_string(),
                Nesting::Set => "Block Set".to_string(),
                Nesting::Map => "Block Map".to_string(),
            };
            let limits = match (nb.min_items, nb.max_items) {
                (0, 0) => String::new(),
                (min, 0) => format!(", Min: {min}"),
                (0, max) => format!(", Max: {max}"),
                (min, max) => format!(", Min: {min}, Max: {max}"),
            };
            let path = if anchor.is_empty() {
                nb.name.clone()
            } else {
                format!("{anchor}.{}", nb.name)
            };
            let _ = writeln!(
                out,
                "- `{}` ({mode}{limits}) {} (see [below for nested schema](#nestedblock--{}))",
                nb.name,
                nb.block.description.trim(),
                path.replace('.', "--")
            );
            nested.push((path, nb.block.clone()));
        }
        out.push('\n');
    }
}

/// Renders one page. `name` is the full type name (or provider name), `example`
/// an HCL example (from `examples/`), `notes` extra Markdown placed after the schema.
pub fn render(
    kind: Kind,
    name: &str,
    schema: &Schema,
    example: Option<&str>,
    notes: Option<&str>,
) -> String {
    let mut out = String::new();
    let short = name.split_once('_').map(|x| x.1).unwrap_or(name);
    let _ = writeln!(
        out,
        "---\npage_title: \"{name} {} - logexaminer\"\nsubcategory: \"\"\ndescription: |-\n  {}\n---\n",
        kind.noun(),
        first_sentence(&schema.block.description)
    );
    let title = if kind == Kind::Provider {
        format!("{name} Provider")
    } else {
        format!("{name} ({})", kind.noun())
    };
    let _ = writeln!(out, "# {title}\n\n{}\n", schema.block.description.trim());
    if let Some(ex) = example {
        let _ = writeln!(
            out,
            "## Example Usage\n\n```terraform\n{}\n```\n",
            ex.trim_end()
        );
    }
    let _ = writeln!(
        out,
        "<!-- generated from the provider's schema ({short}); do not edit by hand -->"
    );
    let _ = writeln!(out, "## Schema\n");
    let mut nested = Vec::new();
    block_section(&mut out, &schema.block, "", &mut nested);
    let mut i = 0;
    while i < nested.len() {
        let (path, b) = nested[i].clone();
        let _ = writeln!(
            out,
            "<a id=\"nestedblock--{}\"></a>\n### Nested Schema for `{path}`\n",
            path.replace('.', "--")
        );
        let mut more = Vec::new();
        block_section(&mut out, &b, &path, &mut more);
        nested.extend(more);
        i += 1;
    }
    if let Some(n) = notes {
        let _ = writeln!(out, "{}\n", demote_headings(n.trim_end()));
    }
    while out.ends_with("\n\n") {
        out.pop();
    }
    out
}

/// Pushes every Markdown heading of `notes` one level down (outside code fences),
/// so hand-written notes nest under the page title.
fn demote_headings(notes: &str) -> String {
    let mut fenced = false;
    let mut out = String::with_capacity(notes.len() + 16);
    for line in notes.lines() {
        if line.trim_start().starts_with("```") {
            fenced = !fenced;
        }
        if !fenced && line.starts_with('#') {
            out.push('#');
        }
        out.push_str(line);
        out.push('\n');
    }
    out.trim_end().to_string()
}

fn first_sentence(s: &str) -> String {
    let s = s.trim();
    match s.find(". ") {
        Some(i) => s[..=i].to_string(),
        None => s.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::NestedBlock;

    #[test]
    fn renders_sections_and_nested_blocks() {
        let s = Schema::new(
            Block::new("Thing. More.")
                .attr(Attribute::string("name").required().describe("Name."))
                .attr(Attribute::string("pw").write_only().describe("Password."))
                .attr(Attribute::string("id").computed().describe("ID."))
                .block(
                    NestedBlock::new(
                        "grant",
                        Nesting::List,
                        Block::new("A grant.")
                            .attr(Attribute::string("db").required().describe("DB.")),
                    )
                    .items(1, 0),
                ),
        );
        let md = render(
            Kind::Resource,
            "x_thing",
            &s,
            Some("resource \"x_thing\" \"a\" {}"),
            None,
        );
        assert!(md.contains("# x_thing (Resource)"));
        assert!(md.contains("### Required\n\n- `name` (String) Name."));
        assert!(
            md.contains("- `pw` (String, Write-only: never stored in plan or state) Password.")
        );
        assert!(md.contains("### Read-Only\n\n- `id` (String) ID."));
        assert!(md.contains("### Nested Schema for `grant`"));
        assert!(md.contains("description: |-\n  Thing."));
        let with_notes = render(
            Kind::Resource,
            "x_thing",
            &s,
            None,
            Some("# Rules\n```sh\n# not a heading\n```"),
        );
        assert!(with_notes.contains("## Rules\n```sh\n# not a heading\n```"));
    }
}
