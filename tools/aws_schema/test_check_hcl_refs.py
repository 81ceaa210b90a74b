"""Tests of check_hcl_refs.py against a small hand-written schema: each kind of mistake is reported.

Run: python3 -m unittest tools/aws_schema/test_check_hcl_refs.py
"""

from __future__ import annotations

import sys
import unittest
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import check_hcl_refs as c  # noqa: E402
from gen_module_docs import Scanner, parse_body  # noqa: E402

SCHEMA = {
    "format_version": "1.0",
    "provider_schemas": {
        "registry.terraform.io/hashicorp/aws": {
            "provider": {"block": {}},
            "resource_schemas": {
                "aws_thing": {
                    "block": {
                        "attributes": {
                            "id": {"type": "string", "optional": True, "computed": True},
                            "arn": {"type": "string", "computed": True},
                            "name": {"type": "string", "required": True},
                            "tags": {"type": ["map", "string"], "optional": True},
                            "status": {"type": ["list", ["object", {"code": "string"}]], "computed": True},
                        },
                        "block_types": {
                            "scaling": {
                                "nesting_mode": "list",
                                "min_items": 1,
                                "max_items": 1,
                                "block": {"attributes": {"min": {"type": "number", "required": True}}},
                            },
                            "rule": {"nesting_mode": "set", "block": {"attributes": {"key": {"type": "string", "optional": True}}}},
                        },
                    }
                }
            },
            "data_source_schemas": {"aws_region": {"block": {"attributes": {"region": {"type": "string", "computed": True}}}}},
        }
    },
}

GOOD = '''
resource "aws_thing" "a" {
  count = 1
  name  = "x"
  tags  = { k = data.aws_region.r.region }
  scaling {
    min = 1
  }
  dynamic "rule" {
    for_each = ["a"]
    content {
      key = rule.value
    }
  }
  lifecycle {
    ignore_changes = [scaling[0].min]
  }
}

data "aws_region" "r" {}

output "o" {
  value = [aws_thing.a[0].arn, aws_thing.a[0].scaling[0].min, aws_thing.a[0].status[0].code, logexaminer_x.y.z]
}
'''


def run(text: str) -> list[str]:
    ch = c.Checker(c.Schemas([SCHEMA]), verbose=False)
    ch.check_items(parse_body(Scanner(text, "t.tf"), 0, len(text)), "t.tf")
    ch.check_refs(c.strip_comments(text), "t.tf")
    return ch.problems


class CheckerTests(unittest.TestCase):
    def test_good_config_has_no_problem(self) -> None:
        self.assertEqual(run(GOOD), [])

    def test_each_mistake_is_reported(self) -> None:
        cases = [
            ("name  = \"x\"", "nmae  = \"x\"", "unsupported argument 'nmae'"),
            ("name  = \"x\"", "name = \"x\"\n  arn = \"y\"", "arn is computed-only"),
            ("  scaling {\n    min = 1\n  }", "  scaling = { min = 1 }", "scaling is a block"),
            ("  scaling {\n    min = 1\n  }", "", "missing required block 'scaling'"),
            ("    min = 1", "    mni = 1", "unsupported argument 'mni'"),
            ("dynamic \"rule\"", "dynamic \"rules\"", "unsupported block type 'rules'"),
            ("aws_thing.a[0].arn", "aws_thing.a[0].ran", "has no attribute 'ran'"),
            ("aws_thing.a[0].scaling[0].min", "aws_thing.a[0].scaling[0].max", "scaling has no attribute 'max'"),
            ("status[0].code", "status[0].cod", "status has no attribute 'cod'"),
            ("data.aws_region.r.region", "data.aws_region.r.name", "has no attribute 'name'"),
            ('resource "aws_thing" "a"', 'resource "aws_thingy" "a"', "unknown resource type 'aws_thingy'"),
            ("name  = \"x\"\n", "", "missing required argument 'name'"),
        ]
        for old, new, want in cases:
            with self.subTest(want=want):
                self.assertIn(old, GOOD)
                problems = run(GOOD.replace(old, new, 1))
                self.assertTrue(any(want in p for p in problems), problems)

    def test_comments_are_ignored(self) -> None:
        self.assertEqual(run(GOOD + "\n# aws_thing.a[0].nonsense\n"), [])


if __name__ == "__main__":
    unittest.main()
