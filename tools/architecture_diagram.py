"""Draws the architecture diagram of a Terraform configuration from `terraform graph`, as an SVG.

Usage:
  terraform -chdir=examples/complete graph | tools/architecture_diagram.py --title T > docs/architecture/complete.svg
  terraform -chdir=... graph | tools/architecture_diagram.py --title T --check docs/architecture/complete.svg

`terraform graph` (Terraform 1.7+) prints the configuration's resources as DOT, one cluster a module, with an
edge from each resource to what it refers to. This tool folds that into one box a module call (and one for the
root module's own resources), listing the resource types the module creates, and one arrow a module-to-module
reference, laid out in columns: what everything else builds on at the left, what uses it to the right. The SVG is
a pure function of the graph (no randomness, sorted everywhere), so `--check` can say whether the committed
picture still matches the configuration. No Graphviz needed.
"""

from __future__ import annotations

import argparse
import html
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

_NODE = re.compile(r'^\s*"([^"]+)"\s*\[')
_EDGE = re.compile(r'^\s*"([^"]+)"\s*->\s*"([^"]+)"')

# Layout, in SVG user units.
_BOX_W = 260  # the narrowest box
_LINE_H = 16
_HEAD_H = 26
_PAD = 10
_COL_GAP = 90
_ROW_GAP = 28
_MARGIN = 24
_TITLE_H = 34
_MAX_TYPES = 9


@dataclass
class Module:
    """One box: a module call (or the root module's own resources) and its resource types."""

    name: str
    types: dict[str, int] = field(default_factory=dict)


def module_of(address: str) -> str:
    """`module.vpc` for `module.vpc.aws_subnet.private` (nested modules fold into their top call); `root`
    for a resource of the root module."""
    parts = address.split(".")
    if parts[0] == "module" and len(parts) > 1:
        return f"module.{parts[1]}"
    return "root"


def resource_type(address: str) -> str | None:
    """The resource (or data source, with a `data.` prefix) type of an address; None for other nodes."""
    parts = address.split(".")
    while len(parts) >= 2 and parts[0] == "module":
        parts = parts[2:]
    if parts and parts[0] in ("data", "ephemeral") and len(parts) >= 3:
        return f"{parts[0]}.{parts[1]}"
    if len(parts) >= 2 and "_" in parts[0]:
        return parts[0]
    return None


def parse(dot: str) -> tuple[dict[str, Module], set[tuple[str, str]]]:
    """Modules with their resource types, and module-to-module edges (user -> used), from DOT text."""
    modules: dict[str, Module] = {}
    edges: set[tuple[str, str]] = set()
    for line in dot.splitlines():
        edge = _EDGE.match(line)
        if edge:
            a, b = module_of(edge.group(1)), module_of(edge.group(2))
            if a != b:
                edges.add((a, b))
            continue
        node = _NODE.match(line)
        if node:
            address = node.group(1)
            kind = resource_type(address)
            if kind is None:
                continue
            m = modules.setdefault(module_of(address), Module(module_of(address)))
            m.types[kind] = m.types.get(kind, 0) + 1
    for a, b in edges:
        modules.setdefault(a, Module(a))
        modules.setdefault(b, Module(b))
    return modules, edges


def columns(modules: dict[str, Module], edges: set[tuple[str, str]]) -> list[list[str]]:
    """Columns of module names: a module stands one column right of the rightmost module it uses (cycles,
    which Terraform refuses anyway, are cut by visiting each module once)."""
    uses: dict[str, set[str]] = {m: set() for m in modules}
    for a, b in edges:
        uses[a].add(b)
    depth: dict[str, int] = {}

    def visit(m: str, stack: frozenset[str]) -> int:
        if m in depth:
            return depth[m]
        if m in stack:
            return 0
        d = 0
        for used in sorted(uses[m]):
            d = max(d, visit(used, stack | {m}) + 1)
        depth[m] = d
        return d

    for m in sorted(modules):
        visit(m, frozenset())
    out: list[list[str]] = [[] for _ in range(max(depth.values(), default=-1) + 1)]
    for m in sorted(modules, key=lambda n: (depth[n], n)):
        out[depth[m]].append(m)
    return out


def _lines(m: Module) -> list[str]:
    items = sorted(m.types.items(), key=lambda kv: (kv[0].startswith(("data.", "ephemeral.")), kv[0]))
    shown = [f"{t}" + (f" ×{n}" if n > 1 else "") for t, n in items[:_MAX_TYPES]]
    if len(items) > _MAX_TYPES:
        shown.append(f"… {len(items) - _MAX_TYPES} more types")
    return shown


def _box_h(m: Module) -> int:
    return _HEAD_H + _LINE_H * max(1, len(_lines(m))) + _PAD


def _text_w(text: str, size: int = 12) -> int:
    """A generous estimate of the width of `text` in the sans-serif font at `size` px."""
    return int(len(text) * size * 0.6) + 1


def render(modules: dict[str, Module], edges: set[tuple[str, str]], title: str) -> str:
    """The SVG text. Boxes stand in columns (each as wide as its widest line); an arrow between neighbouring
    columns is a curve through the gap between them, a longer one runs down its source's left gap, along a lane
    of its own under all boxes, and up the target's right gap, so no arrow crosses a box."""
    cols = columns(modules, edges)
    widths = [
        max([_BOX_W] + [_text_w(line) + 2 * _PAD for name in col for line in _lines(modules[name])])
        for col in cols
    ]
    col_of = {name: i for i, col in enumerate(cols) for name in col}
    pos: dict[str, tuple[int, int, int, int]] = {}  # name -> (x, y, width, height)
    bottom = 0
    x = _MARGIN
    for i, col in enumerate(cols):
        y = _MARGIN + _TITLE_H
        for name in col:
            h = _box_h(modules[name])
            pos[name] = (x, y, widths[i], h)
            y += h + _ROW_GAP
        bottom = max(bottom, y)
        x += widths[i] + _COL_GAP
    width = x - _COL_GAP + _MARGIN
    ordered = sorted(edges, key=lambda e: (col_of[e[0]] - col_of[e[1]], e))
    long_edges = [e for e in ordered if col_of[e[0]] - col_of[e[1]] != 1]
    lane = {e: bottom + 6 + 12 * i for i, e in enumerate(long_edges)}
    height = bottom + 12 * len(long_edges) + _MARGIN + 14

    # Where arrows leave and arrive: spread along the box's side, in a stable order.
    leaving: dict[str, list[tuple[str, str]]] = {}
    arriving: dict[str, list[tuple[str, str]]] = {}
    for e in ordered:
        leaving.setdefault(e[0], []).append(e)
        arriving.setdefault(e[1], []).append(e)

    def port(name: str, e: tuple[str, str], side: dict[str, list[tuple[str, str]]]) -> int:
        _, y, _, h = pos[name]
        ports = side[name]
        return y + h * (ports.index(e) + 1) // (len(ports) + 1)

    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="12">',
        "<!-- Generated by tools/architecture_diagram.py from `terraform graph`; do not edit. -->",
        "<defs><marker id=\"arrow\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\" markerWidth=\"8\" "
        "markerHeight=\"8\" orient=\"auto-start-reverse\"><path d=\"M 0 0 L 10 5 L 0 10 z\" fill=\"#555\"/>"
        "</marker></defs>",
        f'<rect x="0" y="0" width="{width}" height="{height}" fill="#ffffff"/>',
        f'<text x="{_MARGIN}" y="{_MARGIN + 14}" font-size="16" font-weight="bold">{html.escape(title)}</text>',
    ]
    # Arrows first, under the boxes: from the user's left side to the used module's right side.
    for e in ordered:
        a, b = e
        ax, _, _, _ = pos[a]
        bx, _, bw, _ = pos[b]
        x1, y1 = ax, port(a, e, leaving)
        x2, y2 = bx + bw, port(b, e, arriving)
        style = 'fill="none" stroke="#555" stroke-width="1.2" marker-end="url(#arrow)"'
        if e not in lane:
            mid = (x1 + x2) // 2
            out.append(f'<path d="M {x1} {y1} C {mid} {y1}, {mid} {y2}, {x2} {y2}" {style}/>')
            continue
        ly = lane[e]
        gap_a = x1 - _COL_GAP // 2 + 10 * (long_edges.index(e) % 4) - 15
        gap_b = x2 + _COL_GAP // 2 + 10 * (long_edges.index(e) % 4) - 15
        out.append(
            f'<path d="M {x1} {y1} L {gap_a} {y1} L {gap_a} {ly} L {gap_b} {ly} L {gap_b} {y2} L {x2} {y2}" '
            f"{style}/>"
        )
    for name in sorted(pos):
        x, y, w, h = pos[name]
        m = modules[name]
        fill = "#eef4fb" if name != "root" else "#f3f3f3"
        label = "this configuration" if name == "root" else name
        out.append(f'<g id="{html.escape(name)}">')
        out.append(
            f'<rect x="{x}" y="{y}" width="{w}" height="{h}" rx="6" fill="{fill}" stroke="#2f5d8a" '
            f'stroke-width="1.5"/>'
        )
        out.append(
            f'<text x="{x + _PAD}" y="{y + 18}" font-size="14" font-weight="bold">{html.escape(label)}</text>'
        )
        for i, line in enumerate(_lines(m) or ["(no resources)"]):
            out.append(
                f'<text x="{x + _PAD}" y="{y + _HEAD_H + 12 + i * _LINE_H}" fill="#333">{html.escape(line)}</text>'
            )
        out.append("</g>")
    out.append(
        f'<text x="{_MARGIN}" y="{height - 8}" font-size="10" fill="#777">Arrows point from a module to the '
        "modules whose outputs it uses (Terraform leaves out an arrow that a longer path already implies).</text>"
    )
    out.append("</svg>")
    return "\n".join(out) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--title", required=True)
    parser.add_argument("--check", type=Path, help="compare with this file instead of printing the SVG")
    parser.add_argument("--write", type=Path, help="write the SVG to this file")
    args = parser.parse_args(argv)
    dot = sys.stdin.read()
    if "digraph" not in dot:
        print("architecture_diagram: stdin is not `terraform graph` output", file=sys.stderr)
        return 2
    modules, edges = parse(dot)
    if not modules:
        print("architecture_diagram: the graph has no resources", file=sys.stderr)
        return 2
    svg = render(modules, edges, args.title)
    if args.check:
        current = args.check.read_text() if args.check.exists() else ""
        if current != svg:
            print(
                f"architecture_diagram: {args.check} is stale; regenerate it with `make diagram`",
                file=sys.stderr,
            )
            return 1
        return 0
    if args.write:
        args.write.parent.mkdir(parents=True, exist_ok=True)
        args.write.write_text(svg)
        return 0
    sys.stdout.write(svg)
    return 0


if __name__ == "__main__":
    sys.exit(main())
