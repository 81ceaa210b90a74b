#!/usr/bin/env python3
"""Generate the Requirements / Providers / Resources / Inputs / Outputs tables of module READMEs from the code.

Reads the `*.tf` files of each directory (not its subdirectories), parses the top-level `terraform`,
`resource`, `data`, `module`, `variable` and `output` blocks with a small HCL scanner (strings, heredocs,
interpolations, comments and brackets are understood; expressions are kept as source text), and writes the tables
between the markers `<!-- BEGIN_TF_DOCS -->` and `<!-- END_TF_DOCS -->` of the directory's README.md.

Usage:
    gen_module_docs.py [--check] [DIR ...]

Without DIR, every directory under `modules/` and `examples/` with a README.md holding the markers is processed.
`--check` writes nothing and exits 1 naming each README whose tables are stale (or that lacks the markers).
"""

from __future__ import annotations

import argparse
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

BEGIN = "<!-- BEGIN_TF_DOCS -->"
END = "<!-- END_TF_DOCS -->"
REPO_ROOT = Path(__file__).resolve().parents[1]


class HclError(Exception):
    """The scanner met text it cannot make sense of; the message has file and line."""


# --------------------------------------------------------------------------------------------------------------
# Scanner
# --------------------------------------------------------------------------------------------------------------

IDENT_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*")
HEREDOC_RE = re.compile(r"<<(-?)([A-Za-z_][A-Za-z0-9_]*)\n")


class Scanner:
    """Walks HCL source skipping over strings, heredocs and comments, tracking bracket depth."""

    def __init__(self, text: str, path: str) -> None:
        self.text = text
        self.path = path

    def line_of(self, pos: int) -> int:
        return self.text.count("\n", 0, pos) + 1

    def err(self, pos: int, msg: str) -> HclError:
        return HclError(f"{self.path}:{self.line_of(pos)}: {msg}")

    def skip_string(self, pos: int) -> int:
        """`pos` at the opening quote; returns the index after the closing quote."""
        i = pos + 1
        t = self.text
        while i < len(t):
            c = t[i]
            if c == "\\":
                i += 2
                continue
            if c == '"':
                return i + 1
            if c == "\n":
                raise self.err(pos, "unterminated string")
            if t.startswith("${", i) or t.startswith("%{", i):
                i = self.skip_brackets(i + 1)
                continue
            i += 1
        raise self.err(pos, "unterminated string")

    def skip_heredoc(self, pos: int) -> int:
        m = HEREDOC_RE.match(self.text, pos)
        if not m:
            raise self.err(pos, "bad heredoc")
        end_re = re.compile(r"^[ \t]*" + re.escape(m.group(2)) + r"[ \t]*$", re.M)
        e = end_re.search(self.text, m.end())
        if not e:
            raise self.err(pos, f"unterminated heredoc {m.group(2)}")
        return e.end()

    def skip_comment(self, pos: int) -> int | None:
        t = self.text
        if t.startswith("#", pos) or t.startswith("//", pos):
            e = t.find("\n", pos)
            return len(t) if e < 0 else e
        if t.startswith("/*", pos):
            e = t.find("*/", pos + 2)
            if e < 0:
                raise self.err(pos, "unterminated comment")
            return e + 2
        return None

    def skip_brackets(self, pos: int) -> int:
        """`pos` at an opening bracket; returns the index after its matching closing bracket."""
        pairs = {"{": "}", "[": "]", "(": ")"}
        stack = [pairs[self.text[pos]]]
        i = pos + 1
        t = self.text
        while i < len(t):
            c = t[i]
            j = self.skip_comment(i)
            if j is not None:
                i = j
                continue
            if c == '"':
                i = self.skip_string(i)
                continue
            if t.startswith("<<", i) and HEREDOC_RE.match(t, i):
                i = self.skip_heredoc(i)
                continue
            if c in pairs:
                stack.append(pairs[c])
            elif c in ")]}":
                if not stack or stack[-1] != c:
                    raise self.err(i, f"unbalanced {c!r}")
                stack.pop()
                if not stack:
                    return i + 1
            i += 1
        raise self.err(pos, "unbalanced brackets")

    def skip_ws(self, pos: int, newlines: bool = True) -> int:
        t = self.text
        while pos < len(t):
            j = self.skip_comment(pos)
            if j is not None:
                pos = j
                continue
            if t[pos] in " \t\r" or (newlines and t[pos] == "\n"):
                pos += 1
                continue
            break
        return pos

    def expression_end(self, pos: int) -> int:
        """End of an attribute's expression starting at `pos`: the first newline outside brackets/strings."""
        t = self.text
        i = pos
        while i < len(t):
            c = t[i]
            if c == "\n":
                # A trailing operator or an open conditional continues on the next line only inside brackets;
                # top-level expressions end at the newline.
                return i
            j = self.skip_comment(i)
            if j is not None:
                i = j
                continue
            if c == '"':
                i = self.skip_string(i)
            elif t.startswith("<<", i) and HEREDOC_RE.match(t, i):
                i = self.skip_heredoc(i)
            elif c in "{[(":
                i = self.skip_brackets(i)
            else:
                i += 1
        return i


@dataclass
class Item:
    """A body item: an attribute (`value` is source text) or a block (`labels`, `body` items)."""

    name: str
    line: int
    value: str | None = None
    labels: list[str] = field(default_factory=list)
    body: list["Item"] = field(default_factory=list)

    def attr(self, name: str) -> str | None:
        for it in self.body:
            if it.value is not None and it.name == name:
                return it.value
        return None

    def blocks(self, name: str) -> list["Item"]:
        return [it for it in self.body if it.value is None and it.name == name]


def parse_body(sc: Scanner, start: int, end: int) -> list[Item]:
    """Items of the body text between `start` and `end` (exclusive of the braces)."""
    items: list[Item] = []
    t = sc.text
    pos = start
    while True:
        pos = sc.skip_ws(pos)
        if pos >= end:
            return items
        m = IDENT_RE.match(t, pos)
        if not m:
            raise sc.err(pos, f"expected an attribute or block, found {t[pos:pos + 20]!r}")
        name = m.group(0)
        line = sc.line_of(pos)
        pos = sc.skip_ws(m.end(), newlines=False)
        if t.startswith("=", pos) and not t.startswith("==", pos):
            vstart = sc.skip_ws(pos + 1, newlines=False)
            vend = sc.expression_end(vstart)
            items.append(Item(name, line, value=t[vstart:vend].strip()))
            pos = vend
            continue
        labels = []
        while t.startswith('"', pos) or IDENT_RE.match(t, pos):
            if t[pos] == '"':
                e = sc.skip_string(pos)
                labels.append(t[pos + 1 : e - 1])
                pos = sc.skip_ws(e, newlines=False)
            else:
                lm = IDENT_RE.match(t, pos)
                assert lm is not None
                labels.append(lm.group(0))
                pos = sc.skip_ws(lm.end(), newlines=False)
        if not t.startswith("{", pos):
            raise sc.err(pos, f"expected '{{' after block {name}")
        close = sc.skip_brackets(pos)
        items.append(Item(name, line, labels=labels, body=parse_body(sc, pos + 1, close - 1)))
        pos = close


def parse_file(path: Path) -> list[Item]:
    text = path.read_text()
    sc = Scanner(text, str(path))
    return parse_body(sc, 0, len(text))


# --------------------------------------------------------------------------------------------------------------
# Values
# --------------------------------------------------------------------------------------------------------------

ESCAPES = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\"}


def string_value(expr: str) -> str | None:
    """The text of a literal string or heredoc expression (interpolations kept as written), else None."""
    expr = expr.strip()
    m = HEREDOC_RE.match(expr + ("\n" if "\n" not in expr else ""))
    if m:
        lines = expr.split("\n")[1:-1]
        if m.group(1) == "-":
            indents = [len(ln) - len(ln.lstrip()) for ln in lines if ln.strip()]
            cut = min(indents) if indents else 0
            lines = [ln[cut:] for ln in lines]
        return "\n".join(lines).strip()
    if len(expr) >= 2 and expr[0] == '"' and expr[-1] == '"':
        out = []
        i = 1
        while i < len(expr) - 1:
            c = expr[i]
            if c == "\\" and i + 1 < len(expr) - 1:
                out.append(ESCAPES.get(expr[i + 1], expr[i + 1]))
                i += 2
                continue
            out.append(c)
            i += 1
        return "".join(out)
    return None


def dedent_expr(expr: str) -> str:
    """Re-indent a multi-line expression so its closing line starts at column 0."""
    lines = expr.split("\n")
    if len(lines) == 1:
        return expr
    rest = lines[1:]
    indents = [len(ln) - len(ln.lstrip()) for ln in rest if ln.strip()]
    cut = min(indents) if indents else 0
    return "\n".join([lines[0]] + [ln[cut:] for ln in rest])


def md_cell(text: str) -> str:
    """A description as one table cell: lines of a paragraph are joined, blank lines become <br>."""
    paragraphs = [" ".join(p.split()) for p in re.split(r"\n\s*\n", text.strip())]
    return "<br>".join(paragraphs).replace("|", "\\|")


def md_code(expr: str) -> str:
    expr = dedent_expr(expr)
    if "\n" in expr:
        html = expr.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("|", "&#124;")
        return "<pre>" + html.replace("\n", "<br>") + "</pre>"
    return "`" + expr.replace("|", "\\|") + "`"


# --------------------------------------------------------------------------------------------------------------
# Rendering
# --------------------------------------------------------------------------------------------------------------


@dataclass
class ModuleDoc:
    """What the README tables show."""

    required_version: str | None = None
    providers: dict[str, tuple[str, str]] = field(default_factory=dict)  # name -> (source, version)
    resources: list[tuple[str, str]] = field(default_factory=list)  # (address, kind)
    modules: list[tuple[str, str]] = field(default_factory=list)  # (name, source)
    variables: list[Item] = field(default_factory=list)
    outputs: list[Item] = field(default_factory=list)


def collect(directory: Path) -> ModuleDoc:
    doc = ModuleDoc()
    files = sorted(directory.glob("*.tf"))
    if not files:
        raise HclError(f"{directory}: no .tf files")
    for f in files:
        for it in parse_file(f):
            if it.name == "terraform":
                rv = it.attr("required_version")
                if rv is not None:
                    doc.required_version = string_value(rv)
                for rp in it.blocks("required_providers"):
                    for p in rp.body:
                        if p.value is None:
                            continue
                        src = re.search(r'source\s*=\s*"([^"]*)"', p.value)
                        ver = re.search(r'version\s*=\s*"([^"]*)"', p.value)
                        doc.providers[p.name] = (src.group(1) if src else "", ver.group(1) if ver else "")
            elif it.name in ("resource", "data") and len(it.labels) == 2:
                prefix = "data." if it.name == "data" else ""
                doc.resources.append((f"{prefix}{it.labels[0]}.{it.labels[1]}", "data source" if it.name == "data" else "resource"))
            elif it.name == "module" and it.labels:
                src = it.attr("source")
                doc.modules.append((it.labels[0], string_value(src) if src else ""))
            elif it.name == "variable" and it.labels:
                doc.variables.append(it)
            elif it.name == "output" and it.labels:
                doc.outputs.append(it)
    return doc


def render(doc: ModuleDoc) -> str:
    out: list[str] = []
    out.append("## Requirements\n")
    out.append("| Name | Version |")
    out.append("|------|---------|")
    if doc.required_version:
        out.append(f"| terraform | `{doc.required_version}` |")
    for name, (src, ver) in sorted(doc.providers.items()):
        out.append(f"| {name} ({src}) | `{ver}` |")
    out.append("")
    if doc.modules:
        out.append("## Modules\n")
        out.append("| Name | Source |")
        out.append("|------|--------|")
        for name, src in sorted(doc.modules):
            out.append(f"| {name} | `{src}` |")
        out.append("")
    if doc.resources:
        out.append("## Resources\n")
        out.append("| Name | Type |")
        out.append("|------|------|")
        for addr, kind in sorted(doc.resources):
            out.append(f"| `{addr}` | {kind} |")
        out.append("")
    out.append("## Inputs\n")
    if doc.variables:
        out.append("| Name | Description | Type | Default | Required |")
        out.append("|------|-------------|------|---------|:--------:|")
        for v in sorted(doc.variables, key=lambda x: x.labels[0]):
            desc_expr = v.attr("description")
            desc = string_value(desc_expr) if desc_expr else None
            if not desc:
                raise HclError(f"variable {v.labels[0]} (line {v.line}) has no literal description")
            typ = v.attr("type") or "any"
            default = v.attr("default")
            required = default is None
            out.append(
                f"| {v.labels[0]} | {md_cell(desc)} | {md_code(typ)} | "
                f"{'n/a' if required else md_code(default)} | {'yes' if required else 'no'} |"
            )
    else:
        out.append("No inputs.")
    out.append("")
    out.append("## Outputs\n")
    if doc.outputs:
        out.append("| Name | Description |")
        out.append("|------|-------------|")
        for o in sorted(doc.outputs, key=lambda x: x.labels[0]):
            desc_expr = o.attr("description")
            desc = string_value(desc_expr) if desc_expr else None
            if not desc:
                raise HclError(f"output {o.labels[0]} (line {o.line}) has no literal description")
            out.append(f"| {o.labels[0]} | {md_cell(desc)} |")
    else:
        out.append("No outputs.")
    return "\n".join(out).rstrip() + "\n"


def updated_readme(readme: str, tables: str) -> str:
    b = readme.find(BEGIN)
    e = readme.find(END)
    if b < 0 or e < 0 or e < b:
        raise HclError("README.md lacks the <!-- BEGIN_TF_DOCS --> / <!-- END_TF_DOCS --> markers")
    return readme[: b + len(BEGIN)] + "\n" + tables + readme[e:]


def default_dirs() -> list[Path]:
    dirs = []
    for parent in ("modules", "examples"):
        root = REPO_ROOT / parent
        if not root.is_dir():
            continue
        for d in sorted(root.iterdir()):
            readme = d / "README.md"
            if d.is_dir() and readme.is_file() and BEGIN in readme.read_text():
                dirs.append(d)
    return dirs


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--check", action="store_true", help="fail when a README is stale; write nothing")
    ap.add_argument("dirs", nargs="*", type=Path)
    args = ap.parse_args(argv)
    dirs = args.dirs or default_dirs()
    stale = []
    for d in dirs:
        readme_path = d / "README.md"
        try:
            current = readme_path.read_text() if readme_path.is_file() else ""
            new = updated_readme(current, render(collect(d)))
        except HclError as e:
            print(f"gen_module_docs: {d}: {e}", file=sys.stderr)
            return 2
        if new != current:
            if args.check:
                stale.append(str(readme_path))
            else:
                readme_path.write_text(new)
                print(f"gen_module_docs: updated {readme_path}")
    if stale:
        print("gen_module_docs: stale README tables (run tools/gen_module_docs.py):\n  " + "\n  ".join(stale), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
