"""Tests of tools/architecture_diagram.py on a small `terraform graph` output.

Run: .tools/venv/bin/python -m pytest tools/test_architecture_diagram.py
"""

from __future__ import annotations

import io
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
import architecture_diagram as ad  # noqa: E402

GRAPH = """digraph G {
  rankdir = "RL";
  node [shape = rect, fontname = "sans-serif"];
  subgraph "cluster_module.vpc" {
    label = "module.vpc"
    "module.vpc.aws_vpc.this" [label="aws_vpc.this"];
    "module.vpc.aws_subnet.private" [label="aws_subnet.private"];
    "module.vpc.aws_subnet.public" [label="aws_subnet.public"];
  }
  subgraph "cluster_module.eks" {
    label = "module.eks"
    "module.eks.aws_eks_cluster.this" [label="aws_eks_cluster.this"];
    "module.eks.module.inner.aws_iam_role.this" [label="aws_iam_role.this"];
    "module.eks.data.aws_iam_policy_document.assume" [label="data.aws_iam_policy_document.assume"];
  }
  subgraph "cluster_module.nodes" {
    label = "module.nodes"
    "module.nodes.aws_eks_node_group.this" [label="aws_eks_node_group.this"];
  }
  "data.aws_iam_policy_document.spark" [label="data.aws_iam_policy_document.spark"];
  "module.eks.aws_eks_cluster.this" -> "module.vpc.aws_subnet.private";
  "module.eks.aws_eks_cluster.this" -> "module.eks.module.inner.aws_iam_role.this";
  "module.nodes.aws_eks_node_group.this" -> "module.eks.aws_eks_cluster.this";
  "module.nodes.aws_eks_node_group.this" -> "module.vpc.aws_subnet.private";
  "module.eks.aws_eks_cluster.this" -> "data.aws_iam_policy_document.spark";
}
"""


def test_addresses_fold_into_module_calls_and_types():
    assert ad.module_of("module.eks.module.inner.aws_iam_role.this") == "module.eks"
    assert ad.module_of("data.aws_iam_policy_document.spark") == "root"
    assert ad.resource_type("module.vpc.aws_subnet.private") == "aws_subnet"
    assert ad.resource_type("module.eks.data.aws_iam_policy_document.assume") == "data.aws_iam_policy_document"
    assert ad.resource_type("module.x.ephemeral.logexaminer_password.master") == "ephemeral.logexaminer_password"
    assert ad.resource_type("module.vpc") is None


def test_parse_counts_types_and_keeps_only_cross_module_edges():
    modules, edges = ad.parse(GRAPH)
    assert sorted(modules) == ["module.eks", "module.nodes", "module.vpc", "root"]
    assert modules["module.vpc"].types == {"aws_vpc": 1, "aws_subnet": 2}
    assert modules["module.eks"].types == {
        "aws_eks_cluster": 1,
        "aws_iam_role": 1,
        "data.aws_iam_policy_document": 1,
    }
    assert edges == {
        ("module.eks", "module.vpc"),
        ("module.nodes", "module.eks"),
        ("module.nodes", "module.vpc"),
        ("module.eks", "root"),
    }


def test_columns_put_dependencies_left():
    modules, edges = ad.parse(GRAPH)
    assert ad.columns(modules, edges) == [["module.vpc", "root"], ["module.eks"], ["module.nodes"]]


def test_render_is_deterministic_and_labels_every_box():
    modules, edges = ad.parse(GRAPH)
    a = ad.render(modules, edges, "demo <stack>")
    b = ad.render(*ad.parse("\n".join(reversed(GRAPH.splitlines()))), "demo <stack>")
    assert a == b
    assert a.startswith("<svg ") and a.rstrip().endswith("</svg>")
    assert "demo &lt;stack&gt;" in a
    for label in ("module.vpc", "module.eks", "module.nodes", "this configuration", "aws_subnet ×2"):
        assert label in a
    assert a.count('marker-end="url(#arrow)"') == 4


def test_check_reports_a_stale_file(tmp_path, monkeypatch, capsys):
    target = tmp_path / "arch.svg"
    monkeypatch.setattr(sys, "stdin", io.StringIO(GRAPH))
    assert ad.main(["--title", "t", "--write", str(target)]) == 0
    monkeypatch.setattr(sys, "stdin", io.StringIO(GRAPH))
    assert ad.main(["--title", "t", "--check", str(target)]) == 0
    monkeypatch.setattr(sys, "stdin", io.StringIO(GRAPH.replace("aws_vpc.this", "aws_vpc.main")))
    assert ad.main(["--title", "t", "--check", str(target)]) == 0  # same types, same picture
    monkeypatch.setattr(sys, "stdin", io.StringIO(GRAPH.replace('"module.nodes.aws_eks_node_group.this" -> "module.vpc.aws_subnet.private";', "")))
    assert ad.main(["--title", "t", "--check", str(target)]) == 1
    assert "stale" in capsys.readouterr().err


@pytest.mark.parametrize("text", ["", "not a graph"])
def test_refuses_what_is_not_a_graph(monkeypatch, text):
    monkeypatch.setattr(sys, "stdin", io.StringIO(text))
    assert ad.main(["--title", "t"]) == 2
