"""Tests of gen_module_docs.py: the HCL scanner on tricky input, the tables, and --check on stale READMEs.

Run: python3 -m unittest tools/test_gen_module_docs.py
"""

from __future__ import annotations

import sys
import tempfile
import unittest
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import gen_module_docs as g  # noqa: E402

TRICKY = r'''
# a comment with { braces
terraform {
  required_version = ">= 1.11"
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 6.0, < 7.0"
    }
  }
}

variable "azs" {
  description = "Zones, e.g. \"eu-west-1a\" | pipes | and ${interp} text."
  type        = list(string)

  validation {
    condition     = length(var.azs) >= 2 /* } */
    error_message = "At least two { zones."
  }
}

variable "settings" {
  description = <<-EOT
    First paragraph
    continues here.

    Second paragraph.
  EOT
  type = object({
    enabled = optional(bool, false) # trailing comment }
    days    = optional(number, 30)
  })
  default = {}
}

resource "aws_vpc" "this" {
  cidr_block = "10.0.0.0/16"
  tags       = { Name = "${var.name}-x" }
}

data "aws_region" "current" {}

output "vpc_id" {
  description = "ID of the VPC."
  value       = try(aws_vpc.this[0].id, null)
}
'''


class ScannerTests(unittest.TestCase):
    def setUp(self) -> None:
        self.tmp = tempfile.TemporaryDirectory()
        self.dir = Path(self.tmp.name)
        (self.dir / "main.tf").write_text(TRICKY)

    def tearDown(self) -> None:
        self.tmp.cleanup()

    def test_collect(self) -> None:
        doc = g.collect(self.dir)
        self.assertEqual(doc.required_version, ">= 1.11")
        self.assertEqual(doc.providers, {"aws": ("hashicorp/aws", ">= 6.0, < 7.0")})
        self.assertEqual(sorted(doc.resources), [("aws_vpc.this", "resource"), ("data.aws_region.current", "data source")])
        self.assertEqual([v.labels[0] for v in doc.variables], ["azs", "settings"])
        self.assertEqual([o.labels[0] for o in doc.outputs], ["vpc_id"])
        azs = doc.variables[0]
        self.assertEqual(azs.attr("type"), "list(string)")
        self.assertIsNone(azs.attr("default"))
        self.assertEqual(len(azs.blocks("validation")), 1)

    def test_string_values(self) -> None:
        doc = g.collect(self.dir)
        self.assertEqual(g.string_value(doc.variables[0].attr("description") or ""), 'Zones, e.g. "eu-west-1a" | pipes | and ${interp} text.')
        self.assertEqual(g.string_value(doc.variables[1].attr("description") or ""), "First paragraph\ncontinues here.\n\nSecond paragraph.")

    def test_render(self) -> None:
        tables = g.render(g.collect(self.dir))
        self.assertIn("| azs | Zones, e.g. \"eu-west-1a\" \\| pipes \\| and ${interp} text. | `list(string)` | n/a | yes |", tables)
        self.assertIn("| settings | First paragraph continues here.<br>Second paragraph. | <pre>object({<br>", tables)
        self.assertIn("| vpc_id | ID of the VPC. |", tables)
        self.assertIn("| `aws_vpc.this` | resource |", tables)
        self.assertIn("| aws (hashicorp/aws) | `>= 6.0, < 7.0` |", tables)

    def test_missing_description_is_an_error(self) -> None:
        (self.dir / "extra.tf").write_text('variable "x" {\n  type = string\n}\n')
        with self.assertRaises(g.HclError):
            g.render(g.collect(self.dir))

    def test_unbalanced_is_an_error(self) -> None:
        (self.dir / "bad.tf").write_text('variable "x" {\n  description = "x"\n')
        with self.assertRaises(g.HclError):
            g.collect(self.dir)

    def test_check_mode(self) -> None:
        readme = self.dir / "README.md"
        readme.write_text(f"# m\n\n{g.BEGIN}\n{g.END}\n")
        self.assertEqual(g.main(["--check", str(self.dir)]), 1)
        self.assertEqual(g.main([str(self.dir)]), 0)
        self.assertEqual(g.main(["--check", str(self.dir)]), 0)
        self.assertIn("| azs |", readme.read_text())
        (self.dir / "more.tf").write_text('output "extra" {\n  description = "Extra."\n  value = 1\n}\n')
        self.assertEqual(g.main(["--check", str(self.dir)]), 1)

    def test_readme_without_markers(self) -> None:
        (self.dir / "README.md").write_text("# m\n")
        self.assertEqual(g.main(["--check", str(self.dir)]), 2)

    def test_repository_readmes_are_current(self) -> None:
        self.assertEqual(g.main(["--check"]), 0)


if __name__ == "__main__":
    unittest.main()
