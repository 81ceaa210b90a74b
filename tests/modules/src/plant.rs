//! Plants one mistake into a module file and says which diagnostic `terraform validate` must
//! report for it, and on which line.
//!
//! Works on files formatted by `terraform fmt` (checked by `make hcl-test`): top-level blocks
//! open at column 0 and close with a `}` line, their arguments and nested blocks are indented by
//! exactly two spaces. Pure: text in, text out.

/// A top-level `resource` or `data` block: its labels and lines (0-based, inclusive).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Span {
    /// `resource` or `data`.
    pub kind: String,
    /// The type label, e.g. `aws_vpc`.
    pub type_name: String,
    /// The name label, e.g. `this`.
    pub name: String,
    /// Line of `resource "t" "n" {`.
    pub first: usize,
    /// Line of the closing `}`.
    pub last: usize,
}

/// Which mistake was planted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// An argument name with a letter missing.
    MisspelledArgument,
    /// A nested block type (or `dynamic` label) with a letter missing.
    MisspelledBlock,
    /// A list where the schema wants a string.
    WrongType,
    /// A resource attribute reference with a letter missing.
    MisspelledReference,
}

/// The file with its mistake, and what Terraform must say about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Planted {
    /// The mistake.
    pub kind: Kind,
    /// The whole file after the change.
    pub text: String,
    /// 1-based line of the change (where the diagnostic must point).
    pub line: usize,
    /// The diagnostic summary Terraform gives.
    pub summary: &'static str,
    /// Text the diagnostic detail must contain.
    pub detail: String,
    /// What was changed, for messages: `aws_vpc.this: cidr_block -> cidr_blok`.
    pub what: String,
}

/// Meta-arguments, not schema arguments.
const META: &[&str] = &["count", "for_each", "provider", "depends_on"];
/// Meta-blocks, not schema blocks.
const META_BLOCKS: &[&str] = &[
    "lifecycle",
    "provisioner",
    "connection",
    "dynamic",
    "content",
];

/// The top-level `resource` and `data` blocks of a formatted file.
pub fn top_blocks(text: &str) -> Vec<Span> {
    let lines: Vec<&str> = text.lines().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        if let Some((kind, type_name, name)) = block_header(lines[i])
            && let Some(off) = lines[i + 1..].iter().position(|l| *l == "}")
        {
            out.push(Span {
                kind: kind.to_string(),
                type_name: type_name.to_string(),
                name: name.to_string(),
                first: i,
                last: i + 1 + off,
            });
            i += 1 + off;
        }
        i += 1;
    }
    out
}

/// `resource "t" "n" {` -> ("resource", "t", "n").
fn block_header(line: &str) -> Option<(&str, &str, &str)> {
    let (kind, rest) = line.split_once(' ')?;
    if kind != "resource" && kind != "data" {
        return None;
    }
    let rest = rest.strip_suffix(" {")?;
    let mut labels = rest.split(' ');
    let t = labels.next()?.strip_prefix('"')?.strip_suffix('"')?;
    let n = labels.next()?.strip_prefix('"')?.strip_suffix('"')?;
    labels.next().is_none().then_some((kind, t, n))
}

/// `  name = value` at depth one -> (name, value text).
fn argument(line: &str) -> Option<(&str, &str)> {
    let body = line.strip_prefix("  ")?;
    if body.starts_with(' ') {
        return None;
    }
    let (name, value) = body.split_once('=')?;
    let name = name.trim_end();
    (is_ident(name) && !value.starts_with('=')).then_some((name, value))
}

/// `  name {` or `  dynamic "name" {` at depth one -> (name, is_dynamic).
fn nested_block(line: &str) -> Option<(&str, bool)> {
    let body = line.strip_prefix("  ")?.strip_suffix(" {")?;
    if let Some(label) = body.strip_prefix("dynamic \"") {
        let name = label.strip_suffix('"')?;
        return is_ident(name).then_some((name, true));
    }
    (is_ident(body) && !META_BLOCKS.contains(&body)).then_some((body, false))
}

fn is_ident(s: &str) -> bool {
    !s.is_empty()
        && s.chars()
            .next()
            .is_some_and(|c| c.is_ascii_lowercase() || c == '_')
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

/// A plausible misspelling of `name` (one letter dropped) that `taken` does not accept.
pub fn misspell(name: &str, taken: &dyn Fn(&str) -> bool) -> String {
    let chars: Vec<char> = name.chars().collect();
    let mut candidates = Vec::new();
    if chars.len() > 3 {
        for drop in (1..chars.len() - 1).rev() {
            if chars[drop] != '_' && chars[drop - 1] != '_' {
                candidates.push(
                    chars
                        .iter()
                        .enumerate()
                        .filter(|(i, _)| *i != drop)
                        .map(|(_, c)| c)
                        .collect::<String>(),
                );
            }
        }
    }
    candidates.push(format!("{name}x"));
    candidates
        .into_iter()
        .find(|c| !taken(c) && c != name)
        .unwrap_or_else(|| format!("{name}_misspelled"))
}

fn replace_line(text: &str, index: usize, new_line: &str) -> String {
    let mut out: Vec<String> = text.lines().map(str::to_string).collect();
    if let Some(slot) = out.get_mut(index) {
        *slot = new_line.to_string();
    }
    let mut joined = out.join("\n");
    if text.ends_with('\n') {
        joined.push('\n');
    }
    joined
}

/// Misspells the first schema argument of the block.
pub fn misspelled_argument(
    text: &str,
    span: &Span,
    taken: &dyn Fn(&str) -> bool,
) -> Option<Planted> {
    let lines: Vec<&str> = text.lines().collect();
    for (i, line) in lines
        .iter()
        .enumerate()
        .take(span.last)
        .skip(span.first + 1)
    {
        let Some((name, _)) = argument(line) else {
            continue;
        };
        if META.contains(&name) {
            continue;
        }
        let new = misspell(name, taken);
        let new_line = line.replacen(name, &new, 1);
        return Some(Planted {
            kind: Kind::MisspelledArgument,
            text: replace_line(text, i, &new_line),
            line: i + 1,
            summary: "Unsupported argument",
            detail: format!("\"{new}\""),
            what: format!("{}.{}: {name} -> {new}", span.type_name, span.name),
        });
    }
    None
}

/// Misspells the first nested block type of the block (a plain block, else a `dynamic` label).
pub fn misspelled_block(text: &str, span: &Span, taken: &dyn Fn(&str) -> bool) -> Option<Planted> {
    let lines: Vec<&str> = text.lines().collect();
    let found = (span.first + 1..span.last)
        .filter_map(|i| nested_block(lines[i]).map(|(n, d)| (i, n, d)))
        .min_by_key(|(i, _, dynamic)| (*dynamic, *i))?;
    let (i, name, dynamic) = found;
    let new = misspell(name, taken);
    let new_line = if dynamic {
        lines[i].replacen(&format!("\"{name}\""), &format!("\"{new}\""), 1)
    } else {
        lines[i].replacen(name, &new, 1)
    };
    Some(Planted {
        kind: Kind::MisspelledBlock,
        text: replace_line(text, i, &new_line),
        line: i + 1,
        summary: "Unsupported block type",
        detail: format!("\"{new}\""),
        what: format!("{}.{}: block {name} -> {new}", span.type_name, span.name),
    })
}

/// True when brackets and quotes of a one-line expression are balanced.
fn one_line_expression(value: &str) -> bool {
    let mut depth = 0i32;
    let mut in_string = false;
    let mut escaped = false;
    for c in value.chars() {
        if in_string {
            match (escaped, c) {
                (true, _) => escaped = false,
                (false, '\\') => escaped = true,
                (false, '"') => in_string = false,
                _ => {}
            }
            continue;
        }
        match c {
            '"' => in_string = true,
            '(' | '[' | '{' => depth += 1,
            ')' | ']' | '}' => depth -= 1,
            _ => {}
        }
    }
    depth == 0 && !in_string && !value.trim_end().ends_with("<<EOT")
}

/// Gives the first one-line string argument of the block a list value.
pub fn wrong_type(text: &str, span: &Span, is_string: &dyn Fn(&str) -> bool) -> Option<Planted> {
    let lines: Vec<&str> = text.lines().collect();
    for (i, line) in lines
        .iter()
        .enumerate()
        .take(span.last)
        .skip(span.first + 1)
    {
        let Some((name, value)) = argument(line) else {
            continue;
        };
        if META.contains(&name) || !is_string(name) || !one_line_expression(value) {
            continue;
        }
        let eq = line.find('=')?;
        let new_line = format!("{}= [\"wrong\", \"type\"]", &line[..eq]);
        return Some(Planted {
            kind: Kind::WrongType,
            text: replace_line(text, i, &new_line),
            line: i + 1,
            summary: "Incorrect attribute value type",
            detail: format!("\"{name}\": string required"),
            what: format!(
                "{}.{}: {name} = [\"wrong\", \"type\"]",
                span.type_name, span.name
            ),
        });
    }
    None
}

/// Misspells the attribute of the first reference `<type>.<name>[...].<attribute>` to one of
/// `types` (managed resource types), outside comments.
pub fn misspelled_reference(
    text: &str,
    types: &[&str],
    taken: &dyn Fn(&str, &str) -> bool,
) -> Option<Planted> {
    for (i, line) in text.lines().enumerate() {
        let code = line.split('#').next().unwrap_or(line);
        let mut best: Option<(usize, &str, usize, usize)> = None;
        for t in types {
            let mut from = 0;
            while let Some(off) = code[from..].find(&format!("{t}.")) {
                let at = from + off;
                from = at + 1;
                let prev = code[..at].chars().last();
                if prev
                    .is_some_and(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.' || c == '"')
                {
                    continue;
                }
                if let Some((attr_start, attr_end)) = attribute_after(code, at + t.len() + 1)
                    && best.is_none_or(|b| at < b.0)
                {
                    best = Some((at, t, attr_start, attr_end));
                }
            }
        }
        if let Some((_, t, start, end)) = best {
            let attr = &code[start..end];
            let new = misspell(attr, &|c| taken(t, c));
            let new_line = format!("{}{new}{}", &line[..start], &line[end..]);
            return Some(Planted {
                kind: Kind::MisspelledReference,
                text: replace_line(text, i, &new_line),
                line: i + 1,
                summary: "Unsupported attribute",
                detail: format!("\"{new}\""),
                what: format!("reference {t}.…{attr} -> {new}"),
            });
        }
    }
    None
}

/// After `<type>.`: the name, `[...]` indexes, then `.<attribute>`; the attribute's byte range.
fn attribute_after(code: &str, start: usize) -> Option<(usize, usize)> {
    let bytes = code.as_bytes();
    let ident_end = |from: usize| {
        let mut j = from;
        while j < bytes.len()
            && (bytes[j].is_ascii_alphanumeric() || bytes[j] == b'_' || bytes[j] == b'-')
        {
            j += 1;
        }
        j
    };
    let mut j = ident_end(start);
    if j == start {
        return None;
    }
    while j < bytes.len() && bytes[j] == b'[' {
        let close = code[j..].find(']')?;
        j += close + 1;
    }
    if j >= bytes.len() || bytes[j] != b'.' {
        return None;
    }
    let attr_start = j + 1;
    let attr_end = ident_end(attr_start);
    (attr_end > attr_start && bytes[attr_start].is_ascii_lowercase())
        .then_some((attr_start, attr_end))
}

#[cfg(test)]
mod tests {
    use super::*;

    const MAIN: &str = r#"locals {
  x = 1
}

# resource "aws_vpc" "commented" {
resource "aws_vpc" "this" {
  count = var.create ? 1 : 0

  cidr_block           = var.cidr
  enable_dns_support   = true
  instance_tenancy     = "default"

  tags = merge(
    { Name = var.name },
    var.tags,
  )

  lifecycle {
    create_before_destroy = true
  }
}

data "aws_region" "current" {}

resource "aws_launch_template" "this" {
  name = "x"

  dynamic "tag_specifications" {
    for_each = toset(["instance"])

    content {
      resource_type = tag_specifications.value
    }
  }

  metadata_options {
    http_tokens = "required"
  }
}

output "id" {
  value = try(aws_vpc.this[0].id, null) # aws_vpc.this[0].arn
}
"#;

    fn none(_: &str) -> bool {
        false
    }

    #[test]
    fn finds_top_level_blocks() {
        let spans = top_blocks(MAIN);
        let got: Vec<(&str, &str, &str, usize, usize)> = spans
            .iter()
            .map(|s| {
                (
                    s.kind.as_str(),
                    s.type_name.as_str(),
                    s.name.as_str(),
                    s.first,
                    s.last,
                )
            })
            .collect();
        assert_eq!(
            got,
            [
                ("resource", "aws_vpc", "this", 5, 20),
                ("resource", "aws_launch_template", "this", 24, 38),
            ],
            "the one-line data block has no closing line of its own and is skipped"
        );
    }

    #[test]
    fn misspellings_drop_a_letter_and_avoid_real_names() {
        let cases: [(&str, &[&str], &str); 4] = [
            ("cidr_block", &[], "cidr_blok"),
            ("cidr_block", &["cidr_blok"], "cidr_blck"),
            ("tags", &[], "tas"),
            ("id", &[], "idx"),
        ];
        for (name, taken, want) in cases {
            let taken_fn = |c: &str| taken.contains(&c);
            assert_eq!(misspell(name, &taken_fn), want, "{name}");
        }
    }

    #[test]
    fn plants_a_misspelled_argument_after_meta_arguments() {
        let spans = top_blocks(MAIN);
        let p = misspelled_argument(MAIN, &spans[0], &none).expect("an argument");
        assert_eq!(p.line, 9);
        assert_eq!(
            p.text.lines().nth(8),
            Some("  cidr_blok           = var.cidr")
        );
        assert_eq!(
            (p.summary, p.detail.as_str()),
            ("Unsupported argument", "\"cidr_blok\"")
        );
        assert_eq!(p.text.lines().count(), MAIN.lines().count());
        assert!(p.text.ends_with('\n'));
    }

    #[test]
    fn plants_a_misspelled_block_preferring_plain_blocks() {
        let spans = top_blocks(MAIN);
        let p = misspelled_block(MAIN, &spans[1], &none).expect("a block");
        assert_eq!(p.line, 36);
        assert_eq!(p.text.lines().nth(35), Some("  metadata_optios {"));
        assert_eq!(p.summary, "Unsupported block type");
        let only_dynamic = MAIN.replace(
            "  metadata_options {\n    http_tokens = \"required\"\n  }\n",
            "",
        );
        let spans = top_blocks(&only_dynamic);
        let p = misspelled_block(&only_dynamic, &spans[1], &none).expect("a dynamic block");
        assert_eq!(
            p.text.lines().nth(27),
            Some("  dynamic \"tag_specificatios\" {")
        );
        assert!(
            misspelled_block(MAIN, &spans[0], &none).is_none(),
            "lifecycle is not a schema block"
        );
    }

    #[test]
    fn plants_a_wrong_type_on_a_one_line_string_argument() {
        let spans = top_blocks(MAIN);
        let is_string = |n: &str| n == "cidr_block" || n == "tags";
        let p = wrong_type(MAIN, &spans[0], &is_string).expect("a string argument");
        assert_eq!(p.line, 9);
        assert_eq!(
            p.text.lines().nth(8),
            Some("  cidr_block           = [\"wrong\", \"type\"]")
        );
        assert_eq!(p.detail, "\"cidr_block\": string required");
        let only_tags = |n: &str| n == "tags";
        assert!(
            wrong_type(MAIN, &spans[0], &only_tags).is_none(),
            "multi-line values are left alone"
        );
    }

    #[test]
    fn plants_a_misspelled_reference_outside_comments() {
        let p = misspelled_reference(MAIN, &["aws_vpc", "aws_launch_template"], &|_, _| false)
            .expect("a reference");
        assert_eq!(p.line, 42);
        assert_eq!(
            p.text.lines().nth(41),
            Some("  value = try(aws_vpc.this[0].idx, null) # aws_vpc.this[0].arn")
        );
        assert_eq!(p.summary, "Unsupported attribute");
        assert!(misspelled_reference(MAIN, &["aws_subnet"], &|_, _| false).is_none());
        assert!(
            misspelled_reference(
                "x = \"aws_vpc.this.id\"\ny = xaws_vpc.this.id\n",
                &["aws_vpc"],
                &|_, _| false
            )
            .is_none()
        );
    }

    #[test]
    fn one_line_expressions() {
        let cases = [
            (" var.cidr", true),
            (" merge(", false),
            (" \"a(b\"", true),
            (" {", false),
            (" [\"x\", \"]\"]", true),
        ];
        for (value, want) in cases {
            assert_eq!(one_line_expression(value), want, "{value}");
        }
    }
}
