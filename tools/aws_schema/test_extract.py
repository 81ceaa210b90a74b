"""Tests of extract.py: small parser cases, then assertions against the real @cdktn/provider-aws 25.7.0 package.

Run: python3 -m pytest tools/aws_schema/test_extract.py   (or: python3 -m unittest tools/aws_schema/test_extract.py)
The package must have been fetched first with tools/aws_schema/fetch.sh; the package tests fail (not skip)
when it is missing, naming the command to run.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import unittest
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import extract as ex  # noqa: E402

AWS = ex.PROVIDER_ADDRESS


class MapperTests(unittest.TestCase):
    """The mapper-expression reader, table-driven."""

    CASES = [
        ("cdktn.stringToHclTerraform(this._x)", None, "string"),
        ("cdktn.numberToHclTerraform(struct.y)", None, "number"),
        ("cdktn.booleanToHclTerraform(this._z)", None, "bool"),
        ("cdktn.listMapperHcl(cdktn.stringToHclTerraform, false)(this._ids)", "list", ["list", "string"]),
        ("cdktn.listMapperHcl(cdktn.stringToHclTerraform, false)(this._ids)", "set", ["set", "string"]),
        ("cdktn.listMapperHcl(cdktn.numberToHclTerraform, false)(this._n)", "set", ["set", "number"]),
        ("cdktn.hashMapperHcl(cdktn.stringToHclTerraform)(this._tags)", "map", ["map", "string"]),
        (
            "cdktn.listMapperHcl(cdktn.hashMapperHcl(cdktn.stringToHclTerraform), false)(struct.resourceTags)",
            "list",
            ["list", ["map", "string"]],
        ),
        ("this.markWriteOnlyAttribute(cdktn.stringToHclTerraform(this._passwordWo))", None, "string"),
        ("struct.cidrBlocks === undefined ? null : cdktn.listMapperHcl(cdktn.stringToHclTerraform, false)(struct.cidrBlocks)", "list", ["list", "string"]),
    ]

    def test_types(self) -> None:
        for value, kind, want in self.CASES:
            with self.subTest(value=value):
                got = ex.type_of_mapper(ex.mapper_of(value), kind, lambda s: self.fail(f"struct {s}"))
                self.assertEqual(got, want)

    def test_unknown_mapper_is_an_error(self) -> None:
        with self.assertRaises(ex.ExtractError):
            ex.mapper_of("cdktn.somethingNew(this._x)")


class MemberParsingTests(unittest.TestCase):
    """Comments and getters of a generated class body."""

    BODY = """
    // arn - computed: true, optional: false, required: false
    get arn() {
        return this.getStringAttribute('arn');
    }
    // subnet_ids - computed: false, optional: false, required: true
    _subnetIds;
    get subnetIds() {
        return cdktn.Fn.tolist(this.getListAttribute('subnet_ids'));
    }
    // scaling_config - computed: false, optional: false, required: true
    _scalingConfig = new FooScalingConfigOutputReference(this, "scaling_config");
"""

    def test_members(self) -> None:
        ms = ex.class_members(self.BODY)
        self.assertEqual([m.name for m in ms], ["arn", "subnet_ids", "scaling_config"])
        self.assertEqual([(m.computed, m.optional, m.required) for m in ms][0], (True, False, False))
        self.assertEqual([(m.computed, m.optional, m.required) for m in ms][1], (False, False, True))
        nested = ex.NESTED_NEW_RE.search(ms[2].code)
        self.assertIsNotNone(nested)
        assert nested is not None
        self.assertEqual((nested["cls"], nested["kind"], nested["attr"]), ("FooScalingConfig", "OutputReference", "scaling_config"))

    def test_set_getter(self) -> None:
        ms = ex.class_members(self.BODY)
        b = ex.SchemaBuilder(ex.JsModule(), {}, "test")
        self.assertEqual(b.value_type(ms[1], None, "x"), ["set", "string"])
        self.assertEqual(b.value_type(ms[0], None, "x"), "string")


def _package() -> ex.Package:
    if not ex.DEFAULT_PACKAGE.joinpath("package.json").is_file():
        raise AssertionError(f"{ex.DEFAULT_PACKAGE} missing: run tools/aws_schema/fetch.sh first")
    return ex.Package(ex.DEFAULT_PACKAGE)


class RealPackageTests(unittest.TestCase):
    """Facts of hashicorp/aws 6.66.0 (from its documentation), checked against the extracted schema."""

    RESOURCES = {
        "aws_vpc",
        "aws_subnet",
        "aws_eks_node_group",
        "aws_s3_bucket_lifecycle_configuration",
        "aws_db_instance",
        "aws_secretsmanager_secret_version",
        "aws_security_group",
        "aws_launch_template",
        "aws_vpc_security_group_ingress_rule",
        "aws_route_table",
        "aws_emr_cluster",
    }
    DATA = {"aws_availability_zones", "aws_iam_policy_document"}

    @classmethod
    def setUpClass(cls) -> None:
        overrides = json.loads(ex.DEFAULT_OVERRIDES.read_text())
        cls.doc = ex.build_schema(_package(), set(cls.RESOURCES), set(cls.DATA), overrides)
        ps = cls.doc["provider_schemas"][AWS]
        cls.res = {k: v["block"] for k, v in ps["resource_schemas"].items()}
        cls.data = {k: v["block"] for k, v in ps["data_source_schemas"].items()}
        cls.provider = ps["provider"]["block"]
        cls.versions = {k: v["version"] for k, v in ps["resource_schemas"].items()}

    def attr(self, block: dict, path: str) -> dict:
        parts = path.split(".")
        for p in parts[:-1]:
            block = block["block_types"][p]["block"]
        return block["attributes"][parts[-1]]

    def flags(self, a: dict) -> tuple[bool, bool, bool]:
        return (a.get("required", False), a.get("optional", False), a.get("computed", False))

    def test_document_shape(self) -> None:
        self.assertEqual(self.doc["format_version"], "1.0")
        self.assertEqual(list(self.doc["provider_schemas"]), [AWS])
        self.assertEqual(set(self.res), self.RESOURCES)
        self.assertEqual(set(self.data), self.DATA)

    def test_attribute_flags(self) -> None:
        cases = [
            # (type, path, required, optional, computed, type)
            ("aws_vpc", "cidr_block", False, True, True, "string"),
            ("aws_vpc", "id", False, True, True, "string"),
            ("aws_vpc", "arn", False, False, True, "string"),
            ("aws_vpc", "enable_dns_hostnames", False, True, True, "bool"),
            ("aws_vpc", "tags", False, True, False, ["map", "string"]),
            ("aws_vpc", "tags_all", False, True, True, ["map", "string"]),
            ("aws_subnet", "vpc_id", True, False, False, "string"),
            ("aws_subnet", "availability_zone", False, True, True, "string"),
            ("aws_eks_node_group", "cluster_name", True, False, False, "string"),
            ("aws_eks_node_group", "subnet_ids", True, False, False, ["set", "string"]),
            ("aws_eks_node_group", "instance_types", False, True, True, ["list", "string"]),
            ("aws_eks_node_group", "labels", False, True, False, ["map", "string"]),
            ("aws_eks_node_group", "scaling_config.desired_size", True, False, False, "number"),
            ("aws_db_instance", "allocated_storage", False, True, True, "number"),
            ("aws_db_instance", "instance_class", True, False, False, "string"),
            ("aws_db_instance", "manage_master_user_password", False, True, False, "bool"),
            ("aws_db_instance", "vpc_security_group_ids", False, True, True, ["set", "string"]),
            ("aws_s3_bucket_lifecycle_configuration", "bucket", True, False, False, "string"),
            ("aws_s3_bucket_lifecycle_configuration", "rule.id", True, False, False, "string"),
            ("aws_s3_bucket_lifecycle_configuration", "rule.transition.storage_class", True, False, False, "string"),
            ("aws_vpc_security_group_ingress_rule", "ip_protocol", True, False, False, "string"),
            ("aws_vpc_security_group_ingress_rule", "from_port", False, True, False, "number"),
        ]
        for tf_type, path, req, opt, comp, typ in cases:
            with self.subTest(tf_type=tf_type, path=path):
                a = self.attr(self.res[tf_type], path)
                self.assertEqual(self.flags(a), (req, opt, comp))
                self.assertEqual(a["type"], typ)

    def test_blocks(self) -> None:
        sc = self.res["aws_eks_node_group"]["block_types"]["scaling_config"]
        self.assertEqual((sc["nesting_mode"], sc.get("min_items"), sc.get("max_items")), ("list", 1, 1))
        taint = self.res["aws_eks_node_group"]["block_types"]["taint"]
        self.assertEqual(taint["nesting_mode"], "set")
        self.assertNotIn("max_items", taint)
        rule = self.res["aws_s3_bucket_lifecycle_configuration"]["block_types"]["rule"]
        self.assertEqual(rule["nesting_mode"], "list")
        self.assertIn("filter", rule["block"]["block_types"])
        self.assertEqual(rule["block"]["block_types"]["transition"]["nesting_mode"], "set")
        lt = self.res["aws_launch_template"]["block_types"]
        self.assertEqual(lt["metadata_options"]["nesting_mode"], "list")
        self.assertEqual(lt["metadata_options"].get("max_items"), 1)
        ebs = lt["block_device_mappings"]["block"]["block_types"]["ebs"]
        self.assertIn("volume_type", ebs["block"]["attributes"])
        self.assertEqual(self.res["aws_eks_node_group"]["block_types"]["timeouts"]["nesting_mode"], "single")
        stmt = self.data["aws_iam_policy_document"]["block_types"]["statement"]
        self.assertEqual(stmt["nesting_mode"], "list")
        self.assertIn("condition", stmt["block"]["block_types"])

    def test_computed_nested_objects_are_attributes(self) -> None:
        a = self.attr(self.res["aws_eks_node_group"], "resources")
        self.assertEqual(
            a["type"],
            ["list", ["object", {"autoscaling_groups": ["list", ["object", {"name": "string"}]], "remote_access_security_group_id": "string"}]],
        )
        self.assertEqual(self.flags(a), (False, False, True))
        mus = self.attr(self.res["aws_db_instance"], "master_user_secret")
        self.assertEqual(mus["type"][0], "list")
        self.assertIn("secret_arn", mus["type"][1][1])

    def test_attributes_as_blocks(self) -> None:
        ingress = self.attr(self.res["aws_security_group"], "ingress")
        self.assertEqual(ingress["type"][0], "set")
        self.assertEqual(ingress["type"][1][1]["security_groups"], ["set", "string"])
        self.assertEqual(self.flags(ingress), (False, True, True))
        self.assertNotIn("ingress", self.res["aws_security_group"].get("block_types", {}))
        # One field of aws_route_table.route lacks cdktn's attribute-mode marker; the others decide.
        route = self.attr(self.res["aws_route_table"], "route")
        self.assertEqual(route["type"][0], "set")
        self.assertIn("odb_network_arn", route["type"][1][1])
        # SDKv2 attribute-as-block without any marker: known from the missing "<name> block" doc line.
        pgc = self.attr(self.res["aws_emr_cluster"], "placement_group_config")
        self.assertEqual(pgc["type"][0], "list")
        self.assertNotIn("nested_type", pgc)

    def test_sensitive_and_write_only(self) -> None:
        db = self.res["aws_db_instance"]
        self.assertTrue(db["attributes"]["password"].get("sensitive"))
        self.assertFalse(db["attributes"]["password"].get("write_only", False))
        self.assertTrue(db["attributes"]["password_wo"].get("write_only"))
        sv = self.res["aws_secretsmanager_secret_version"]
        self.assertTrue(sv["attributes"]["secret_string"].get("sensitive"))
        self.assertTrue(sv["attributes"]["secret_string_wo"].get("write_only"))
        self.assertEqual(self.versions["aws_db_instance"], 2)

    def test_data_source(self) -> None:
        az = self.data["aws_availability_zones"]
        self.assertEqual(self.flags(az["attributes"]["names"]), (False, False, True))
        self.assertEqual(az["attributes"]["names"]["type"], ["list", "string"])
        self.assertEqual(az["block_types"]["filter"]["nesting_mode"], "set")

    def test_provider(self) -> None:
        p = self.provider
        for name in ("region", "profile", "access_key", "secret_key", "skip_credentials_validation",
                     "skip_requesting_account_id", "skip_metadata_api_check", "s3_use_path_style"):
            with self.subTest(name=name):
                self.assertEqual(self.flags(p["attributes"][name]), (False, True, False))
        self.assertNotIn("alias", p["attributes"])
        self.assertEqual(p["attributes"]["shared_config_files"]["type"], ["list", "string"])
        bt = p["block_types"]
        self.assertEqual(bt["endpoints"]["nesting_mode"], "set")
        self.assertIn("s3", bt["endpoints"]["block"]["attributes"])
        self.assertIn("sts", bt["endpoints"]["block"]["attributes"])
        self.assertEqual(bt["default_tags"].get("max_items"), 1)
        self.assertEqual(bt["default_tags"]["block"]["attributes"]["tags"]["type"], ["map", "string"])
        self.assertNotIn("max_items", bt["assume_role"])  # several blocks chain roles
        self.assertIn("role_arn", bt["assume_role"]["block"]["attributes"])

    def test_unknown_type_fails_naming_it(self) -> None:
        with self.assertRaises(ex.ExtractError) as ctx:
            ex.build_schema(_package(), {"aws_vpcc"}, set(), {})
        self.assertIn("aws_vpcc", str(ctx.exception))

    def test_override_path_must_exist(self) -> None:
        bad = {"resource_schemas": {"aws_vpc": {"attributes": {"cidr_blok": {"sensitive": True}}}}}
        with self.assertRaises(ex.ExtractError):
            ex.build_schema(_package(), {"aws_vpc"}, set(), bad)


class CliTests(unittest.TestCase):
    """The command line: scanning .tf files, writing the document."""

    def test_scan_and_write(self) -> None:
        _package()
        with tempfile.TemporaryDirectory() as d:
            root = Path(d)
            (root / "m").mkdir()
            (root / "m" / "main.tf").write_text(
                'resource "aws_vpc" "this" {}\n  data "aws_region" "current" {}\nresource "logexaminer_x" "y" {}\n'
            )
            (root / "m" / "migrations.tf").write_text(
                "moved {\n  from = aws_s3_bucket.logs\n  to   = module.logs.aws_s3_bucket.this[0]\n}\n"
                "removed {\n  from = module.x[\"a\"].aws_s3_bucket_policy.p\n}\n"
            )
            (root / "m" / ".terraform").mkdir()
            (root / "m" / ".terraform" / "x.tf").write_text('resource "aws_instance" "hidden" {}\n')
            out = root / "schema.json"
            rc = subprocess.run(
                [sys.executable, str(Path(ex.__file__)), "--scan", str(root), "--out", str(out)],
                capture_output=True,
                text=True,
            )
            self.assertEqual(rc.returncode, 0, rc.stderr)
            doc = json.loads(out.read_text())["provider_schemas"][AWS]
            self.assertEqual(list(doc["resource_schemas"]), ["aws_s3_bucket", "aws_s3_bucket_policy", "aws_vpc"])
            self.assertEqual(list(doc["data_source_schemas"]), ["aws_region"])

    def test_misspelled_type_exits_nonzero(self) -> None:
        _package()
        rc = subprocess.run(
            [sys.executable, str(Path(ex.__file__)), "--no-scan", "--resource", "aws_subnett"],
            capture_output=True,
            text=True,
        )
        self.assertEqual(rc.returncode, 1)
        self.assertIn("aws_subnett", rc.stderr)


if __name__ == "__main__":
    unittest.main()
