#!/usr/bin/env python3
"""Cross-check the HCL of modules and examples against provider schemas, without Terraform.

For every `resource`/`data` block whose type is in a given schema (`terraform providers schema -json` format, e.g.
the output of extract.py), checks that:
  * each argument and nested block (also `dynamic "x"` blocks) exists in the type's schema;
  * no computed-only attribute is set;
  * required arguments and required blocks are present (blocks built by `dynamic` count as present);
  * a block type is not written as an argument, nor an argument as a block;
and, in every `.tf` and `.tftest.hcl` expression, that references such as `aws_vpc.this[0].cidr_block`,
`data.aws_region.current[0].region` or `aws_eks_node_group.this[k].scaling_config[0].min_size` name attributes
that exist (first level, and the second level under nested blocks and object attributes).

Types with a provider prefix not covered by any schema given are skipped (reported with --verbose); types whose
prefix is covered but that are missing from the schema are errors (a misspelled resource type).

Usage:
    check_hcl_refs.py --schema FILE [--schema FILE ...] [DIR ...]   (default DIRs: modules/ and examples/)
Exit status 1 when a problem is found; each problem is printed as `file:line: message`.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from gen_module_docs import HclError, Item, Scanner, parse_body  # noqa: E402

REPO_ROOT = Path(__file__).resolve().parents[2]
META_ARGS = {"count", "for_each", "provider", "depends_on", "lifecycle", "provisioner", "connection"}
REF_RE = re.compile(
    r"(?<![\w.\"-])(?P<data>data\.)?(?P<type>(?P<prefix>[a-z][a-z0-9]*)_[a-z0-9_]+)\.(?P<name>[a-zA-Z_][\w-]*)"
    r"(?P<index>(?:\[[^\]\n]*\])*)(?P<path>(?:\.[a-zA-Z_]\w*(?:\[[^\]\n]*\])*)*)"
)
PATH_PART_RE = re.compile(r"\.([a-zA-Z_]\w*)((?:\[[^\]\n]*\])*)")
# Names of Terraform's own objects that look like `<prefix>_<x>.<y>`.
NOT_RESOURCES = {"terraform_data", "terraform_remote_state"}


class Schemas:
    """Resource and data source schemas from one or more provider schema documents."""

    def __init__(self, docs: list[dict[str, Any]]) -> None:
        self.resources: dict[str, dict[str, Any]] = {}
        self.data: dict[str, dict[str, Any]] = {}
        self.prefixes: set[str] = set()
        for doc in docs:
            for addr, ps in doc.get("provider_schemas", {}).items():
                self.prefixes.add(addr.rsplit("/", 1)[-1])
                for k, v in ps.get("resource_schemas", {}).items():
                    self.resources[k] = v["block"]
                for k, v in ps.get("data_source_schemas", {}).items():
                    self.data[k] = v["block"]

    def covers(self, tf_type: str) -> bool:
        return tf_type.split("_", 1)[0] in self.prefixes

    def block_of(self, tf_type: str, is_data: bool) -> dict[str, Any] | None:
        return (self.data if is_data else self.resources).get(tf_type)


class Checker:
    """Collects problems as `file:line: message`."""

    def __init__(self, schemas: Schemas, verbose: bool) -> None:
        self.s = schemas
        self.verbose = verbose
        self.problems: list[str] = []
        self.skipped: set[str] = set()

    def problem(self, where: str, line: int, msg: str) -> None:
        self.problems.append(f"{where}:{line}: {msg}")

    # -- block bodies ----------------------------------------------------------------------------------------
    def check_body(self, body: list[Item], schema: dict[str, Any], ctx: str, where: str, top: bool, line: int) -> None:
        attrs = schema.get("attributes", {})
        blocks = schema.get("block_types", {})
        seen_attrs: set[str] = set()
        seen_blocks: set[str] = set()
        for it in body:
            if top and it.name in META_ARGS:
                continue
            if it.value is not None:
                if it.name in attrs:
                    a = attrs[it.name]
                    if a.get("computed") and not a.get("optional") and not a.get("required"):
                        self.problem(where, it.line, f"{ctx}: {it.name} is computed-only and cannot be set")
                    seen_attrs.add(it.name)
                elif it.name in blocks:
                    self.problem(where, it.line, f"{ctx}: {it.name} is a block; write `{it.name} {{ ... }}`")
                else:
                    self.problem(where, it.line, f"{ctx}: unsupported argument {it.name!r}")
                continue
            if it.name == "dynamic" and it.labels:
                name = it.labels[0]
                bt = blocks.get(name)
                if bt is None:
                    self.problem(where, it.line, f"{ctx}: unsupported block type {name!r} (dynamic)")
                    continue
                seen_blocks.add(name)
                for content in it.blocks("content"):
                    self.check_body(content.body, bt["block"], f"{ctx}.{name}", where, False, content.line)
                continue
            bt = blocks.get(it.name)
            if bt is None:
                if it.name in attrs:
                    self.problem(where, it.line, f"{ctx}: {it.name} is an argument; write `{it.name} = ...`")
                else:
                    self.problem(where, it.line, f"{ctx}: unsupported block type {it.name!r}")
                continue
            seen_blocks.add(it.name)
            self.check_body(it.body, bt["block"], f"{ctx}.{it.name}", where, False, it.line)
        for name, a in attrs.items():
            if a.get("required") and name not in seen_attrs:
                self.problem(where, line, f"{ctx}: missing required argument {name!r}")
        for name, bt in blocks.items():
            if bt.get("min_items", 0) > 0 and name not in seen_blocks:
                self.problem(where, line, f"{ctx}: missing required block {name!r}")

    def check_items(self, items: list[Item], where: str) -> None:
        for it in items:
            if it.name in ("resource", "data") and len(it.labels) == 2:
                tf_type, name = it.labels
                is_data = it.name == "data"
                if not self.s.covers(tf_type):
                    self.skipped.add(tf_type)
                    continue
                schema = self.s.block_of(tf_type, is_data)
                if schema is None:
                    kind = "data source" if is_data else "resource type"
                    self.problem(where, it.line, f"unknown {kind} {tf_type!r}")
                    continue
                self.check_body(it.body, schema, f"{'data.' if is_data else ''}{tf_type}.{name}", where, True, it.line)

    # -- references ------------------------------------------------------------------------------------------
    def check_refs(self, text: str, where: str) -> None:
        for m in REF_RE.finditer(text):
            tf_type = m["type"]
            if tf_type in NOT_RESOURCES or not self.s.covers(tf_type):
                continue
            line = text.count("\n", 0, m.start()) + 1
            # Skip the type labels of `resource "aws_x" "y"` and things like "aws_x.y" inside plain strings of
            # import/moved addresses: those are still references and checked the same way.
            schema = self.s.block_of(tf_type, bool(m["data"]))
            if schema is None:
                kind = "data source" if m["data"] else "resource type"
                self.problem(where, line, f"reference to unknown {kind} {tf_type!r}")
                continue
            parts = PATH_PART_RE.findall(m["path"])
            if not parts:
                continue
            self.check_path(schema, [p for p, _ in parts], f"{m['data'] or ''}{tf_type}.{m['name']}", where, line)

    def check_path(self, schema: dict[str, Any], parts: list[str], ctx: str, where: str, line: int) -> None:
        first = parts[0]
        attrs = schema.get("attributes", {})
        blocks = schema.get("block_types", {})
        if first in attrs:
            t = attrs[first].get("type")
            if len(parts) > 1 and t is not None:
                obj = _object_attrs(t)
                if obj is not None and parts[1] not in obj:
                    self.problem(where, line, f"{ctx}.{first} has no attribute {parts[1]!r}")
            return
        if first in blocks:
            if len(parts) > 1:
                self.check_path(blocks[first]["block"], parts[1:], f"{ctx}.{first}", where, line)
            return
        self.problem(where, line, f"{ctx} has no attribute {first!r}")


def _object_attrs(t: Any) -> dict[str, Any] | None:
    """Attribute types of an object type, or of the object elements of a list/set/map type."""
    while isinstance(t, list) and t and t[0] in ("list", "set", "map"):
        t = t[1]
    if isinstance(t, list) and t and t[0] == "object":
        return t[1]
    return None


def strip_comments(text: str) -> str:
    """Source with comments blanked (same length and line numbers), for the reference scan."""
    out = list(text)
    sc = Scanner(text, "")
    i = 0
    while i < len(text):
        if text[i] == '"':
            i = sc.skip_string(i)
            continue
        j = sc.skip_comment(i)
        if j is not None:
            for k in range(i, j):
                if out[k] != "\n":
                    out[k] = " "
            i = j
            continue
        i += 1
    return "".join(out)


def files_under(dirs: list[Path]) -> list[Path]:
    out = []
    for d in dirs:
        for pattern in ("*.tf", "*.tftest.hcl"):
            for f in sorted(d.rglob(pattern)):
                if not any(p.startswith(".") for p in f.relative_to(d).parts):
                    out.append(f)
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--schema", type=Path, action="append", required=True, help="provider schema JSON (repeatable)")
    ap.add_argument("--verbose", action="store_true")
    ap.add_argument("dirs", nargs="*", type=Path)
    args = ap.parse_args(argv)
    schemas = Schemas([json.loads(p.read_text()) for p in args.schema])
    checker = Checker(schemas, args.verbose)
    dirs = args.dirs or [REPO_ROOT / "modules", REPO_ROOT / "examples"]
    files = files_under(dirs)
    for f in files:
        text = f.read_text()
        try:
            if f.suffix == ".tf":
                checker.check_items(parse_body(Scanner(text, str(f)), 0, len(text)), str(f))
            checker.check_refs(strip_comments(text), str(f))
        except HclError as e:
            checker.problems.append(str(e))
    if args.verbose and checker.skipped:
        print("check_hcl_refs: not covered by the schemas: " + ", ".join(sorted(checker.skipped)), file=sys.stderr)
    for p in checker.problems:
        print(p)
    print(f"check_hcl_refs: {len(files)} files, {len(checker.problems)} problems", file=sys.stderr)
    return 1 if checker.problems else 0


if __name__ == "__main__":
    sys.exit(main())
