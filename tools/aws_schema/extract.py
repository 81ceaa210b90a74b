#!/usr/bin/env python3
"""Rebuild the hashicorp/aws provider schema, for a chosen set of types, from the npm bindings.

The npm package `@cdktn/provider-aws` (25.7.0 = hashicorp/aws 6.66.0) is generated from the provider's schema.
Its sources keep enough of that schema to rebuild it in the shape `terraform providers schema -json` prints:

* `lib/<dir>/index.js` has, for every attribute of the resource and of each nested object, a comment
  `// <name> - computed: <bool>, optional: <bool>, required: <bool>`, followed by a getter whose body
  tells the type (`getStringAttribute`, `getNumberListAttribute`, `cdktn.Fn.tolist(...)` for sets,
  `new <X>List(this, "<name>", <wrapsSet>)` / `new <X>OutputReference(this, "<name>")` for nested objects).
* The `...ToHclTerraform` functions (and `synthesizeHclAttributes` of the resource class) say for each
  configurable member whether it is a block (`isBlock: true`), its collection kind (`type: "list" | "set" |
  "map" | "struct" | "simple"`) and, through the mapper expression, the element types.
* `markWriteOnlyAttribute(...)` marks write-only attributes.
* `index.d.ts` carries the descriptions and marks nested blocks with a `<name> block` doc line (nested
  attributes of framework resources lack it).

What the package does not carry (the `sensitive` flag, schema versions, some provider block limits) is added
from a small hand-kept `overrides.json` beside this script.

Usage:
    extract.py [--package DIR] [--scan DIR ...] [--resource TYPE ...] [--data-source TYPE ...]
               [--overrides FILE] [--out FILE]

Without `--resource`/`--data-source`/`--scan`, the repository's `modules/` and `examples/` are scanned for
`resource "aws_..."` and `data "aws_..."` blocks. Exits non-zero, naming the type, when a type is not in the
package (a misspelled resource type fails here).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

PROVIDER_ADDRESS = "registry.terraform.io/hashicorp/aws"
PACKAGE_VERSION = "25.7.0"
REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_PACKAGE = REPO_ROOT / "tests" / ".cache" / "npm" / f"cdktn-provider-aws-{PACKAGE_VERSION}" / "package"
DEFAULT_OVERRIDES = Path(__file__).resolve().parent / "overrides.json"
DEFAULT_SCAN = [REPO_ROOT / "modules", REPO_ROOT / "examples"]

# Members of the provider class that are Terraform meta-arguments, not schema.
PROVIDER_META = {"alias"}


class ExtractError(Exception):
    """A type or member could not be rebuilt from the package; the message says which and why."""


# --------------------------------------------------------------------------------------------------------------
# Parsing of the generated JavaScript
# --------------------------------------------------------------------------------------------------------------

MEMBER_RE = re.compile(
    r"^    // (?P<name>[a-z0-9_]+) - computed: (?P<computed>true|false), "
    r"optional: (?P<optional>true|false), required: (?P<required>true|false)$",
    re.M,
)
CLASS_RE = re.compile(r"^class (?P<name>\w+) extends (?P<base>[\w.]+) \{$", re.M)
FUNC_HCL_RE = re.compile(r"^function (?P<name>\w+)ToHclTerraform\(struct\) \{$", re.M)
HCL_ENTRY_RE = re.compile(
    r"(?P<name>[a-z0-9_]+): \{\s*value: (?P<value>.*?),\s*isBlock: (?P<is_block>true|false),\s*"
    r"type: \"(?P<kind>\w+)\",\s*storageClassType: \"(?P<storage>\w+)\",\s*\}",
    re.S,
)
WRITE_ONLY_RE = re.compile(r"^\s*(?P<name>[a-z0-9_]+): this\.markWriteOnlyAttribute\(", re.M)
RESOURCE_TYPE_RE = re.compile(r'static tfResourceType = "(?P<type>[a-z0-9_]+)";')
NESTED_NEW_RE = re.compile(
    r'new (?P<cls>[A-Za-z0-9]+?)(?P<kind>List|OutputReference|Map)\(this, "(?P<attr>[a-z0-9_]+)"'
    r"(?:, (?P<wraps_set>true|false))?\)"
)


def _block_end(text: str, start: int) -> int:
    """Index just past the first line that is exactly `}` at column 0 after `start`."""
    end = text.find("\n}", start)
    if end < 0:
        raise ExtractError("unterminated top-level block in generated source")
    return end + 2


@dataclass
class HclEntry:
    """One entry of a `...ToHclTerraform` attribute map."""

    name: str
    value: str
    is_block: bool
    kind: str
    storage: str


@dataclass
class Member:
    """One attribute or nested object of a generated class, with its schema flags and getter code."""

    name: str
    computed: bool
    optional: bool
    required: bool
    code: str


@dataclass
class JsModule:
    """The parsed parts of one `index.js`."""

    classes: dict[str, tuple[str, str]] = field(default_factory=dict)  # name -> (base, body)
    hcl_funcs: dict[str, dict[str, HclEntry]] = field(default_factory=dict)  # lower-case struct name -> entries
    write_only_top: set[str] = field(default_factory=set)
    tf_type: str | None = None


def parse_hcl_entries(body: str) -> dict[str, HclEntry]:
    """The entries of an attribute map as written by a `...ToHclTerraform` function."""
    out: dict[str, HclEntry] = {}
    for m in HCL_ENTRY_RE.finditer(body):
        out[m["name"]] = HclEntry(m["name"], m["value"], m["is_block"] == "true", m["kind"], m["storage"])
    return out


def parse_js(text: str) -> JsModule:
    """Split a generated `index.js` into classes, HCL mapping functions and write-only markers."""
    mod = JsModule()
    for m in CLASS_RE.finditer(text):
        end = _block_end(text, m.end())
        mod.classes[m["name"]] = (m["base"], text[m.end() : end])
    for m in FUNC_HCL_RE.finditer(text):
        end = _block_end(text, m.end())
        mod.hcl_funcs[m["name"].lower()] = parse_hcl_entries(text[m.end() : end])
    mod.write_only_top = {m["name"] for m in WRITE_ONLY_RE.finditer(text)}
    t = RESOURCE_TYPE_RE.search(text)
    mod.tf_type = t["type"] if t else None
    return mod


def class_members(body: str) -> list[Member]:
    """The commented members of a generated class body, in source order."""
    marks = list(MEMBER_RE.finditer(body))
    out = []
    for i, m in enumerate(marks):
        end = marks[i + 1].start() if i + 1 < len(marks) else len(body)
        out.append(
            Member(
                m["name"],
                m["computed"] == "true",
                m["optional"] == "true",
                m["required"] == "true",
                body[m.end() : end],
            )
        )
    return out


def main_class_hcl(body: str) -> dict[str, HclEntry]:
    """The attribute map of `synthesizeHclAttributes()` in a resource, data source or provider class."""
    i = body.find("synthesizeHclAttributes() {")
    if i < 0:
        return {}
    return parse_hcl_entries(body[i:])


# --------------------------------------------------------------------------------------------------------------
# Parsing of the declarations (descriptions, block markers, optional marks)
# --------------------------------------------------------------------------------------------------------------

INTERFACE_RE = re.compile(r"^export interface (?P<name>\w+)(?: extends [\w.]+)? \{$", re.M)
PROP_RE = re.compile(r"/\*\*(?P<doc>(?:(?!\*/).)*)\*/\s*readonly (?P<prop>\w+)(?P<opt>\?)?:", re.S)
DOC_LINK_RE = re.compile(r"Docs at Terraform Registry: \{@link \S+#(?P<snake>[a-z0-9_]+) ")


@dataclass
class DtsProp:
    """One property of a config interface in `index.d.ts`."""

    snake: str
    optional: bool
    is_block_doc: bool
    description: str


def parse_dts(text: str) -> dict[str, dict[str, DtsProp]]:
    """Interfaces of `index.d.ts`: lower-case interface name -> snake-case attribute -> property info."""
    out: dict[str, dict[str, DtsProp]] = {}
    for m in INTERFACE_RE.finditer(text):
        end = text.find("\n}", m.end())
        body = text[m.end() : end]
        props: dict[str, DtsProp] = {}
        for p in PROP_RE.finditer(body):
            doc_lines = [ln.strip().lstrip("*").strip() for ln in p["doc"].splitlines()]
            link = DOC_LINK_RE.search(p["doc"])
            snake = link["snake"] if link else re.sub(r"(?<!^)([A-Z])", r"_\1", p["prop"]).lower()
            is_block_doc = f"{snake} block" in doc_lines
            desc_lines = []
            for ln in doc_lines:
                if ln.startswith("Docs at Terraform Registry") or ln.startswith("Please be aware"):
                    break
                if ln == f"{snake} block":
                    continue
                desc_lines.append(ln)
            props[snake] = DtsProp(snake, p["opt"] == "?", is_block_doc, " ".join(x for x in desc_lines if x).strip())
        out[m["name"].lower()] = props
    return out


# --------------------------------------------------------------------------------------------------------------
# Type reconstruction
# --------------------------------------------------------------------------------------------------------------

PRIM_GETTERS = {
    "getStringAttribute": "string",
    "getNumberAttribute": "number",
    "getBooleanAttribute": "bool",
    "getListAttribute": ["list", "string"],
    "getNumberListAttribute": ["list", "number"],
    "getStringMapAttribute": ["map", "string"],
    "getNumberMapAttribute": ["map", "number"],
    "getBooleanMapAttribute": ["map", "bool"],
}
PRIM_MAPPERS = {
    "cdktn.stringToHclTerraform": "string",
    "cdktn.numberToHclTerraform": "number",
    "cdktn.booleanToHclTerraform": "bool",
}
COLLECTION_OF_KIND = {"list": "list", "set": "set", "map": "map"}


class _MapperParser:
    """Recursive-descent reader of cdktn mapper expressions such as
    `cdktn.listMapperHcl(cdktn.hashMapperHcl(cdktn.stringToHclTerraform), false)(this._x)`."""

    TOKEN_RE = re.compile(r"\s*([A-Za-z_][\w.]*|\(|\)|,)")

    def __init__(self, text: str) -> None:
        self.tokens = [t for t in self.TOKEN_RE.findall(text)]
        self.pos = 0

    def peek(self) -> str | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def take(self) -> str:
        tok = self.peek()
        if tok is None:
            raise ExtractError("unexpected end of mapper expression")
        self.pos += 1
        return tok

    def mapper(self) -> Any:
        """Returns ("prim", type) | ("list", inner) | ("map", inner) | ("struct", function_name)."""
        name = self.take()
        if name in ("cdktn.listMapperHcl", "cdktn.listMapper"):
            self.expect("(")
            inner = self.mapper()
            self.expect(",")
            self.take()  # isBlockType flag
            self.expect(")")
            return ("list", inner)
        if name in ("cdktn.hashMapperHcl", "cdktn.hashMapper"):
            self.expect("(")
            inner = self.mapper()
            self.expect(")")
            return ("map", inner)
        if name in PRIM_MAPPERS:
            return ("prim", PRIM_MAPPERS[name])
        if name.endswith("ToHclTerraform"):
            return ("struct", name[: -len("ToHclTerraform")])
        raise ExtractError(f"unknown mapper {name!r}")

    def expect(self, tok: str) -> None:
        got = self.take()
        if got != tok:
            raise ExtractError(f"expected {tok!r} in mapper expression, got {got!r}")


# Objects of SDKv2 "attributes as blocks" (ConfigModeAttr, e.g. aws_security_group.ingress) map each field with
# `struct.x === undefined ? null : <mapper>(struct.x)`.
ATTR_MODE_RE = re.compile(r"^struct\.\w+ === undefined \? null : ")


def mapper_of(value: str) -> Any:
    """The mapper tree of an HCL entry's `value:` expression (the applied argument is ignored)."""
    value = value.strip()
    value = ATTR_MODE_RE.sub("", value)
    if value.startswith("this.markWriteOnlyAttribute("):
        value = value[len("this.markWriteOnlyAttribute(") : -1]
    return _MapperParser(value).mapper()


def type_of_mapper(tree: Any, outer_kind: str | None, resolve_struct) -> Any:
    """Terraform JSON type of a mapper tree; `outer_kind` ("list"/"set"/"map") fixes the outermost collection."""
    tag = tree[0]
    if tag == "prim":
        return tree[1]
    if tag == "list":
        coll = "set" if outer_kind == "set" else "list"
        return [coll, type_of_mapper(tree[1], None, resolve_struct)]
    if tag == "map":
        return ["map", type_of_mapper(tree[1], None, resolve_struct)]
    if tag == "struct":
        return resolve_struct(tree[1])
    raise ExtractError(f"unknown mapper tree {tree!r}")


# --------------------------------------------------------------------------------------------------------------
# Schema building
# --------------------------------------------------------------------------------------------------------------


def lower_first(s: str) -> str:
    return s[:1].lower() + s[1:]


class SchemaBuilder:
    """Builds `terraform providers schema -json` blocks from one parsed package directory."""

    def __init__(self, js: JsModule, dts: dict[str, dict[str, DtsProp]], where: str, sdkv2: bool = False) -> None:
        self.js = js
        self.dts = dts
        self.where = where
        # SDKv2 resources carry cdktn's note on their implicit `id`; they have no nested attributes, so a
        # configurable object without a "<name> block" doc line is an attribute-as-block (object-typed attribute).
        self.sdkv2 = sdkv2

    # -- helpers ---------------------------------------------------------------------------------------------
    def struct_members(self, struct: str) -> list[Member]:
        cls = self.js.classes.get(f"{struct}OutputReference")
        if cls is None:
            raise ExtractError(f"{self.where}: no class {struct}OutputReference")
        return class_members(cls[1])

    def struct_hcl(self, struct: str) -> dict[str, HclEntry]:
        return self.js.hcl_funcs.get(struct.lower(), {})

    def struct_is_attr_mode(self, struct: str) -> bool:
        """True for the objects of SDKv2 attributes-as-blocks: configured as `attr = [{...}]`, schema attribute."""
        entries = self.struct_hcl(struct).values()
        return any(ATTR_MODE_RE.match(e.value.strip()) for e in entries)

    def object_type_of_struct(self, struct: str) -> list[Any]:
        attrs = {}
        for m in self.struct_members(struct):
            attrs[m.name] = self.value_type(m, self.struct_hcl(struct).get(m.name), f"{struct}.{m.name}")
        return ["object", dict(sorted(attrs.items()))]

    def value_type(self, m: Member, hcl: HclEntry | None, ctx: str) -> Any:
        """The Terraform type of a member used as a plain attribute (objects become object types)."""
        nested = NESTED_NEW_RE.search(m.code)
        if nested and nested["attr"] == m.name:
            obj = self.object_type_of_struct(nested["cls"])
            if nested["kind"] == "Map":
                return ["map", obj]
            coll = "set" if nested["wraps_set"] == "true" else "list"
            if hcl is not None and hcl.kind == "struct":
                return obj
            return [coll, obj]
        if hcl is not None:
            tree = mapper_of(hcl.value)
            if tree[0] != "struct":
                return type_of_mapper(tree, COLLECTION_OF_KIND.get(hcl.kind), self.object_type_of_struct_fn)
        code = m.code
        for getter, t in PRIM_GETTERS.items():
            if f"this.{getter}('{m.name}')" in code:
                if isinstance(t, list) and "cdktn.Fn.tolist(" in code and t[0] == "list":
                    return ["set", t[1]]
                return t
        for cls, t in (("StringMap", "string"), ("NumberMap", "number"), ("BooleanMap", "bool")):
            if f'new cdktn.{cls}(this, "{m.name}")' in code:
                return ["map", t]
        raise ExtractError(f"{self.where}: cannot tell the type of {ctx}")

    def object_type_of_struct_fn(self, fn_name: str) -> list[Any]:
        # fn_name is lowerFirst(struct); find the struct's class name case-insensitively.
        for cname in self.js.classes:
            if cname.endswith("OutputReference") and cname[: -len("OutputReference")].lower() == fn_name.lower():
                return self.object_type_of_struct(cname[: -len("OutputReference")])
        raise ExtractError(f"{self.where}: no struct class for mapper {fn_name}")

    @staticmethod
    def attr_json(t: Any, computed: bool, optional: bool, required: bool, desc: str | None) -> dict[str, Any]:
        a: dict[str, Any] = {"type": t}
        if desc:
            a["description"] = desc
        a["description_kind"] = "plain"
        if required:
            a["required"] = True
        if optional:
            a["optional"] = True
        if computed:
            a["computed"] = True
        return a

    # -- blocks ----------------------------------------------------------------------------------------------
    def block(
        self,
        members: list[Member],
        hcl: dict[str, HclEntry],
        dts_props: dict[str, DtsProp],
        ctx: str,
        write_only: set[str] | None = None,
    ) -> dict[str, Any]:
        attrs: dict[str, Any] = {}
        blocks: dict[str, Any] = {}
        for m in members:
            h = hcl.get(m.name)
            d = dts_props.get(m.name)
            desc = d.description if d else None
            computed_only = m.computed and not m.optional and not m.required
            nested = NESTED_NEW_RE.search(m.code)
            is_struct = bool(nested and nested["attr"] == m.name)
            no_block_doc = d is not None and not d.is_block_doc
            if is_struct and not computed_only and (self.struct_is_attr_mode(nested["cls"]) or (self.sdkv2 and no_block_doc)):
                t = self.value_type(m, None, f"{ctx}.{m.name}")
                attrs[m.name] = self.attr_json(t, m.computed, m.optional, m.required, desc)
                continue
            if is_struct and not computed_only:
                if h is None or not h.is_block:
                    raise ExtractError(f"{self.where}: {ctx}.{m.name} is a configurable object but not a block")
                struct = nested["cls"]
                inner = self.block(
                    self.struct_members(struct),
                    self.struct_hcl(struct),
                    self.dts.get(struct.lower(), {}),
                    f"{ctx}.{m.name}",
                )
                if d is not None and not d.is_block_doc:
                    # A framework nested attribute (no "<name> block" doc line): nested_type, not a block.
                    mode = {"struct": "single", "map": "map", "set": "set"}.get(h.kind, "list")
                    nested_attrs = inner.get("attributes", {})
                    if inner.get("block_types"):
                        raise ExtractError(f"{self.where}: {ctx}.{m.name}: nested attribute holding blocks")
                    a: dict[str, Any] = {"nested_type": {"attributes": nested_attrs, "nesting_mode": mode}}
                    if desc:
                        a["description"] = desc
                    a["description_kind"] = "plain"
                    for flag in ("required", "optional", "computed"):
                        if getattr(m, flag):
                            a[flag] = True
                    attrs[m.name] = a
                    continue
                bt: dict[str, Any] = {"nesting_mode": "list", "block": inner}
                if h.kind == "struct":
                    bt["nesting_mode"] = "single"
                elif h.kind == "map" or nested["kind"] == "Map":
                    bt["nesting_mode"] = "map"
                elif nested["kind"] == "OutputReference":
                    bt["nesting_mode"] = "list"
                    bt["max_items"] = 1
                elif nested["wraps_set"] == "true" or h.kind == "set":
                    bt["nesting_mode"] = "set"
                if m.required and bt["nesting_mode"] in ("list", "set"):
                    bt["min_items"] = 1
                if d is not None and d.description and bt["block"].get("description") is None:
                    bt["block"]["description"] = d.description
                blocks[m.name] = dict(sorted(bt.items(), key=lambda kv: ["nesting_mode", "block", "min_items", "max_items"].index(kv[0])))
                continue
            t = self.value_type(m, h, f"{ctx}.{m.name}")
            a = self.attr_json(t, m.computed, m.optional, m.required, desc)
            if write_only and m.name in write_only:
                a["write_only"] = True
            attrs[m.name] = a
        out: dict[str, Any] = {}
        if attrs:
            out["attributes"] = dict(sorted(attrs.items()))
        if blocks:
            out["block_types"] = dict(sorted(blocks.items()))
        out["description_kind"] = "plain"
        return out

    def main_class(self, base_suffixes: tuple[str, ...]) -> tuple[str, str]:
        for name, (base, body) in self.js.classes.items():
            if base.endswith(base_suffixes):
                return name, body
        raise ExtractError(f"{self.where}: no main class")

    def resource_block(self) -> dict[str, Any]:
        name, body = self.main_class(("TerraformResource", "TerraformDataSource"))
        return self.block(
            class_members(body),
            main_class_hcl(body),
            self.dts.get(f"{name}Config".lower(), {}),
            self.js.tf_type or name,
            self.js.write_only_top,
        )

    # -- provider --------------------------------------------------------------------------------------------
    def provider_block(self) -> dict[str, Any]:
        name, body = self.main_class(("TerraformProvider",))
        config = self.dts.get(f"{name}Config".lower(), {})
        return self.config_block(main_class_hcl(body), config, "provider", skip=PROVIDER_META, top_members=class_members(body))

    def config_block(
        self,
        hcl: dict[str, HclEntry],
        dts_props: dict[str, DtsProp],
        ctx: str,
        skip: set[str] = frozenset(),
        top_members: list[Member] | None = None,
    ) -> dict[str, Any]:
        """A block known only from its HCL mapping and declarations (provider configuration): all members are
        configuration, required when the declaration has no `?`."""
        required_by_comment = {m.name: m.required for m in (top_members or [])}
        attrs: dict[str, Any] = {}
        blocks: dict[str, Any] = {}
        for name, h in hcl.items():
            if name in skip:
                continue
            d = dts_props.get(name)
            required = required_by_comment.get(name, bool(d and not d.optional))
            desc = d.description if d else None
            tree = mapper_of(h.value)
            struct = None
            if tree[0] == "struct":
                struct = tree[1]
            elif tree[0] == "list" and tree[1][0] == "struct":
                struct = tree[1][1]
            if h.is_block and struct is not None:
                iface = self.dts.get(struct.lower(), {})
                inner = self.config_block(self.js.hcl_funcs.get(struct.lower(), {}), iface, f"{ctx}.{name}")
                mode = {"struct": "single", "set": "set", "map": "map"}.get(h.kind, "list")
                bt: dict[str, Any] = {"nesting_mode": mode, "block": inner}
                if required and mode in ("list", "set"):
                    bt["min_items"] = 1
                blocks[name] = bt
                continue
            t = type_of_mapper(tree, COLLECTION_OF_KIND.get(h.kind), self.object_type_of_struct_fn)
            attrs[name] = self.attr_json(t, False, not required, required, desc)
        out: dict[str, Any] = {}
        if attrs:
            out["attributes"] = dict(sorted(attrs.items()))
        if blocks:
            out["block_types"] = dict(sorted(blocks.items()))
        out["description_kind"] = "plain"
        return out


# --------------------------------------------------------------------------------------------------------------
# Package access
# --------------------------------------------------------------------------------------------------------------


class Package:
    """An unpacked `@cdktn/provider-aws` package."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.lib = root / "lib"
        pkg_json = root / "package.json"
        if not pkg_json.is_file() or not self.lib.is_dir():
            raise ExtractError(f"{root} is not an unpacked @cdktn/provider-aws package (run tools/aws_schema/fetch.sh)")
        meta = json.loads(pkg_json.read_text())
        if meta.get("version") != PACKAGE_VERSION:
            raise ExtractError(f"{root}: expected version {PACKAGE_VERSION}, found {meta.get('version')}")
        self._index: dict[str, Path] | None = None

    def _full_index(self) -> dict[str, Path]:
        if self._index is None:
            idx: dict[str, Path] = {}
            for d in sorted(self.lib.iterdir()):
                js = d / "index.js"
                if not js.is_file():
                    continue
                m = RESOURCE_TYPE_RE.search(js.read_text())
                if m and not d.name.startswith("ephemeral-"):
                    key = ("data." if d.name.startswith("data-") else "") + m["type"]
                    idx[key] = d
            self._index = idx
        return self._index

    def dir_for(self, tf_type: str, data: bool) -> Path:
        if not tf_type.startswith("aws_"):
            raise ExtractError(f"{tf_type}: not an aws type")
        guess = self.lib / (("data-aws-" if data else "") + tf_type[len("aws_") :].replace("_", "-"))
        js = guess / "index.js"
        if js.is_file():
            m = RESOURCE_TYPE_RE.search(js.read_text())
            if m and m["type"] == tf_type:
                return guess
        key = ("data." if data else "") + tf_type
        found = self._full_index().get(key)
        if found is None:
            kind = "data source" if data else "resource type"
            raise ExtractError(f"{tf_type}: no such {kind} in hashicorp/aws 6.66.0 (@cdktn/provider-aws {PACKAGE_VERSION})")
        return found

    def builder(self, d: Path) -> SchemaBuilder:
        js = parse_js((d / "index.js").read_text())
        dts_text = (d / "index.d.ts").read_text()
        sdkv2 = "Please be aware that the id field is automatically added" in dts_text
        return SchemaBuilder(js, parse_dts(dts_text), d.name, sdkv2)


# --------------------------------------------------------------------------------------------------------------
# Overrides and scanning
# --------------------------------------------------------------------------------------------------------------


def _walk_to_attr(block: dict[str, Any], path: str, ctx: str) -> dict[str, Any]:
    parts = path.split(".")
    for p in parts[:-1]:
        bt = block.get("block_types", {}).get(p)
        if bt is None:
            raise ExtractError(f"override {ctx}: no block {p!r} on the way to {path!r}")
        block = bt["block"]
    last = parts[-1]
    if last in block.get("attributes", {}):
        return block["attributes"][last]
    if last in block.get("block_types", {}):
        return block["block_types"][last]
    raise ExtractError(f"override {ctx}: no attribute or block {path!r}")


def apply_overrides(schema: dict[str, Any], overrides: dict[str, Any]) -> None:
    """Apply `overrides.json`: per type, `version` and per dotted path, flags to set (sensitive, write_only,
    max_items, min_items, ...). Entries for types not in the output are ignored; a path that does not exist in
    an extracted type is an error (the hand-kept list must not drift from the package)."""
    prov = schema["provider"]
    for path, flags in overrides.get("provider", {}).items():
        target = _walk_to_attr(prov["block"], path, "provider")
        target.update(flags)
    for section in ("resource_schemas", "data_source_schemas"):
        for tf_type, spec in overrides.get(section, {}).items():
            s = schema[section].get(tf_type)
            if s is None:
                continue
            if "version" in spec:
                s["version"] = spec["version"]
            for path, flags in spec.get("attributes", {}).items():
                target = _walk_to_attr(s["block"], path, f"{section}.{tf_type}")
                target.update(flags)


TYPE_DECL_RE = re.compile(r'^\s*(?P<kind>resource|data)\s+"(?P<type>aws_[a-z0-9_]+)"', re.M)
# Addresses in moved/removed/import blocks (`from = aws_x.y`, `to = module.m.aws_x.y[0]`): Terraform needs the
# schema of those types too (e.g. to decode state of a resource a `removed` block forgets).
ADDRESS_RE = re.compile(
    r'^\s*(?:from|to)\s*=\s*(?:module\.[A-Za-z0-9_-]+(?:\[[^\]]*\])?\.)*(?P<data>data\.)?(?P<type>aws_[a-z0-9_]+)\.', re.M
)


def scan_types(dirs: list[Path]) -> tuple[set[str], set[str]]:
    """Resource types and data sources named in `resource`/`data` blocks and in `moved`/`removed`/`import`
    addresses of `*.tf` files under `dirs` (hidden directories such as `.terraform` are skipped)."""
    resources: set[str] = set()
    data: set[str] = set()
    for root in dirs:
        if not root.exists():
            continue
        for f in sorted(root.rglob("*.tf")):
            if any(part.startswith(".") for part in f.relative_to(root).parts):
                continue
            text = f.read_text()
            for m in TYPE_DECL_RE.finditer(text):
                (resources if m["kind"] == "resource" else data).add(m["type"])
            for m in ADDRESS_RE.finditer(text):
                (data if m["data"] else resources).add(m["type"])
    return resources, data


def build_schema(pkg: Package, resources: set[str], data: set[str], overrides: dict[str, Any]) -> dict[str, Any]:
    """The whole `terraform providers schema -json` document for the given types."""
    errors = []
    prov_builder = pkg.builder(pkg.lib / "provider")
    ps: dict[str, Any] = {
        "provider": {"version": 0, "block": prov_builder.provider_block()},
        "resource_schemas": {},
        "data_source_schemas": {},
    }
    for section, names, is_data in (("resource_schemas", resources, False), ("data_source_schemas", data, True)):
        for t in sorted(names):
            try:
                b = pkg.builder(pkg.dir_for(t, is_data))
                ps[section][t] = {"version": 0, "block": b.resource_block()}
            except ExtractError as e:
                errors.append(str(e))
    if errors:
        raise ExtractError("\n".join(errors))
    apply_overrides(ps, overrides)
    return {"format_version": "1.0", "provider_schemas": {PROVIDER_ADDRESS: ps}}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--package", type=Path, default=DEFAULT_PACKAGE, help="unpacked package dir (holding package.json)")
    ap.add_argument("--scan", type=Path, action="append", help="directory to scan for *.tf (repeatable)")
    ap.add_argument("--resource", action="append", default=[], help="extra resource type (repeatable)")
    ap.add_argument("--data-source", action="append", default=[], help="extra data source (repeatable)")
    ap.add_argument("--no-scan", action="store_true", help="only the types given on the command line")
    ap.add_argument("--overrides", type=Path, default=DEFAULT_OVERRIDES)
    ap.add_argument("--out", type=Path, help="output file (default: stdout)")
    args = ap.parse_args(argv)
    try:
        pkg = Package(args.package)
        resources, data = (set(), set()) if args.no_scan else scan_types(args.scan or DEFAULT_SCAN)
        resources |= set(args.resource)
        data |= set(args.data_source)
        overrides = json.loads(args.overrides.read_text()) if args.overrides.is_file() else {}
        doc = build_schema(pkg, resources, data, overrides)
    except ExtractError as e:
        print(f"extract.py: error: {e}", file=sys.stderr)
        return 1
    text = json.dumps(doc, indent=1, sort_keys=False) + "\n"
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        tmp = args.out.with_suffix(args.out.suffix + ".tmp")
        tmp.write_text(text)
        tmp.replace(args.out)
        n_r = len(doc["provider_schemas"][PROVIDER_ADDRESS]["resource_schemas"])
        n_d = len(doc["provider_schemas"][PROVIDER_ADDRESS]["data_source_schemas"])
        print(f"extract.py: wrote {args.out} ({n_r} resource types, {n_d} data sources)", file=sys.stderr)
    else:
        sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
