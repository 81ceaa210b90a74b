//! The stand-in under a real Terraform core, with a small hand-written schema in the
//! `terraform providers schema -json` format: the served schema is enforced (a misspelled
//! argument fails validate), apply invents realistic values (prefixed IDs, ARNs, bucket names,
//! names from prefixes, one element in computed lists of objects, `tags_all`, rendered policy
//! JSON), a second plan is empty, import by bucket name plans no change, destroy succeeds.

use std::path::PathBuf;

use anyhow::{Result, ensure};
use serde_json::{Value, json};
use test_support::{Provider, TfWorkdir};

fn provider() -> Provider {
    Provider::new(
        "registry.terraform.io/hashicorp/aws",
        "6.66.0",
        PathBuf::from(env!("CARGO_BIN_EXE_terraform-provider-aws-standin")),
    )
}

fn s(t: &str) -> Value {
    json!(t)
}

fn schema() -> Value {
    let tags = json!({"type": ["map", "string"], "optional": true});
    let tags_all = json!({"type": ["map", "string"], "optional": true, "computed": true});
    let oc = |t: Value| json!({"type": t, "optional": true, "computed": true});
    let c = |t: Value| json!({"type": t, "computed": true});
    let r = |t: Value| json!({"type": t, "required": true});
    json!({
        "format_version": "1.0",
        "provider_schemas": {"registry.terraform.io/hashicorp/aws": {
            "provider": {"version": 0, "block": {
                "attributes": {"region": {"type": "string", "optional": true}},
                "block_types": {"default_tags": {"nesting_mode": "list", "max_items": 1,
                    "block": {"attributes": {"tags": tags}}}}
            }},
            "resource_schemas": {
                "aws_vpc": {"version": 1, "block": {"attributes": {
                    "id": oc(s("string")), "arn": c(s("string")), "owner_id": c(s("string")),
                    "cidr_block": oc(s("string")), "default_security_group_id": c(s("string")),
                    "tags": tags, "tags_all": tags_all
                }}},
                "aws_subnet": {"version": 1, "block": {"attributes": {
                    "id": oc(s("string")), "arn": c(s("string")), "vpc_id": r(s("string")),
                    "cidr_block": oc(s("string")), "availability_zone": oc(s("string")),
                    "tags": tags, "tags_all": tags_all
                }}},
                "aws_s3_bucket": {"version": 0, "block": {"attributes": {
                    "id": oc(s("string")), "arn": c(s("string")), "bucket": oc(s("string")),
                    "bucket_prefix": oc(s("string")), "bucket_regional_domain_name": c(s("string")),
                    "tags": tags, "tags_all": tags_all
                }}},
                "aws_eks_node_group": {"version": 0, "block": {
                    "attributes": {
                        "id": oc(s("string")), "arn": c(s("string")), "cluster_name": r(s("string")),
                        "node_group_name": oc(s("string")), "node_group_name_prefix": oc(s("string")),
                        "resources": c(json!(["list", ["object", {
                            "autoscaling_groups": ["list", ["object", {"name": "string"}]],
                            "remote_access_security_group_id": "string"
                        }]])),
                        "status": c(s("string"))
                    },
                    "block_types": {"scaling_config": {"nesting_mode": "list", "min_items": 1, "max_items": 1,
                        "block": {"attributes": {"min_size": r(s("number")), "max_size": r(s("number"))}}}}
                }}
            },
            "data_source_schemas": {
                "aws_region": {"version": 0, "block": {"attributes": {
                    "id": oc(s("string")), "region": oc(s("string"))
                }}},
                "aws_iam_policy_document": {"version": 0, "block": {
                    "attributes": {"id": oc(s("string")), "json": c(s("string")), "minified_json": c(s("string"))},
                    "block_types": {"statement": {"nesting_mode": "list", "block": {
                        "attributes": {
                            "sid": {"type": "string", "optional": true},
                            "effect": {"type": "string", "optional": true},
                            "actions": {"type": ["set", "string"], "optional": true}
                        },
                        "block_types": {"principals": {"nesting_mode": "set", "block": {"attributes": {
                            "type": r(s("string")), "identifiers": r(json!(["set", "string"]))
                        }}}}
                    }}}
                }}
            }
        }}
    })
}

const MAIN_TF: &str = r#"
terraform {
  required_providers {
    aws = { source = "hashicorp/aws" }
  }
}

provider "aws" {
  region = "eu-west-1"
  default_tags {
    tags = { Project = "lx" }
  }
}

data "aws_region" "current" {}

resource "aws_vpc" "this" {
  cidr_block = "10.0.0.0/16"
  tags       = { Name = "lx" }
}

resource "aws_subnet" "a" {
  vpc_id            = aws_vpc.this.id
  cidr_block        = "10.0.0.0/24"
  availability_zone = "${data.aws_region.current.region}a"

  lifecycle {
    precondition {
      condition     = can(regex("^vpc-[0-9a-f]{17}$", aws_vpc.this.id))
      error_message = "The VPC ID must look like an AWS one."
    }
  }
}

resource "aws_s3_bucket" "named" {
  bucket = "raw-logs-example"
}

resource "aws_s3_bucket" "prefixed" {
  bucket_prefix = "spark-"
}

resource "aws_eks_node_group" "spark" {
  cluster_name           = "lx"
  node_group_name_prefix = "lx-spark-"

  scaling_config {
    min_size = 0
    max_size = 50
  }
}

data "aws_iam_policy_document" "assume" {
  statement {
    sid     = "Assume"
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["ec2.amazonaws.com"]
    }
  }
}

output "vpc" { value = aws_vpc.this }
output "subnet" { value = aws_subnet.a }
output "named" { value = aws_s3_bucket.named }
output "prefixed" { value = aws_s3_bucket.prefixed }
output "asg" { value = aws_eks_node_group.spark.resources[0].autoscaling_groups[0].name }
output "node_group" { value = aws_eks_node_group.spark }
output "policy" { value = data.aws_iam_policy_document.assume.minified_json }
"#;

fn workdir() -> Result<TfWorkdir> {
    let schema = serde_json::to_string(&schema())?;
    let mut wd = TfWorkdir::new(&[("main.tf", MAIN_TF)], &[provider()])?;
    let schema_path = wd.dir().join("../aws-schema.json");
    std::fs::write(&schema_path, schema)?;
    wd.set_env("AWS_STANDIN_SCHEMA", schema_path.to_string_lossy());
    Ok(wd)
}

fn hex_id(v: &Value, prefix: &str) -> bool {
    v.as_str()
        .and_then(|s| s.strip_prefix(prefix))
        .is_some_and(|r| {
            r.len() == 17
                && r.chars()
                    .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase())
        })
}

#[test]
fn served_schema_is_enforced() -> Result<()> {
    let wd = workdir()?;
    wd.init()?;
    let ok = wd.validate_json()?;
    ensure!(ok["valid"] == true, "{ok}");
    wd.write_file(
        "main.tf",
        &MAIN_TF.replace("cidr_block        =", "cidr_blok         ="),
    )?;
    let bad = wd.validate_json()?;
    ensure!(bad["valid"] == false, "{bad}");
    ensure!(
        bad["diagnostics"][0]["summary"] == "Unsupported argument"
            && bad["diagnostics"][0]["detail"]
                .as_str()
                .is_some_and(|d| d.contains("\"cidr_blok\"")),
        "{bad}"
    );
    Ok(())
}

#[test]
fn apply_invents_realistic_values_then_plans_clean_imports_and_destroys() -> Result<()> {
    let wd = workdir()?;
    wd.init()?;
    wd.apply(&[])?;
    let out = wd.output_json()?;
    let v = |name: &str| out[name]["value"].clone();

    let vpc = v("vpc");
    ensure!(hex_id(&vpc["id"], "vpc-"), "{vpc}");
    let vpc_id = vpc["id"].as_str().unwrap_or_default();
    ensure!(
        vpc["arn"] == format!("arn:aws:ec2:eu-west-1:123456789012:vpc/{vpc_id}"),
        "{vpc}"
    );
    ensure!(
        vpc["owner_id"] == "123456789012" && hex_id(&vpc["default_security_group_id"], "sg-"),
        "{vpc}"
    );
    ensure!(
        vpc["tags_all"] == json!({"Name": "lx", "Project": "lx"}),
        "{vpc}"
    );

    let subnet = v("subnet");
    ensure!(
        hex_id(&subnet["id"], "subnet-") && subnet["vpc_id"] == vpc["id"],
        "{subnet}"
    );
    ensure!(subnet["availability_zone"] == "eu-west-1a", "{subnet}");

    let named = v("named");
    ensure!(
        named["id"] == "raw-logs-example"
            && named["arn"] == "arn:aws:s3:::raw-logs-example"
            && named["bucket_regional_domain_name"]
                == "raw-logs-example.s3.eu-west-1.amazonaws.com",
        "{named}"
    );
    let prefixed = v("prefixed");
    let bucket = prefixed["bucket"].as_str().unwrap_or_default();
    ensure!(
        bucket.len() == "spark-".len() + 26
            && bucket.starts_with("spark-")
            && prefixed["id"] == bucket,
        "{prefixed}"
    );

    let ng = v("node_group");
    let ng_name = ng["node_group_name"].as_str().unwrap_or_default();
    ensure!(
        ng_name.starts_with("lx-spark-") && ng["id"] == format!("lx:{ng_name}"),
        "{ng}"
    );
    let asg = v("asg");
    ensure!(
        asg.as_str()
            .is_some_and(|a| a.starts_with(&format!("eks-{ng_name}-"))),
        "{asg}"
    );
    ensure!(ng["resources"].as_array().map(Vec::len) == Some(1), "{ng}");

    ensure!(
        v("policy")
            == r#"{"Version":"2012-10-17","Statement":[{"Sid":"Assume","Effect":"Allow","Action":"sts:AssumeRole","Principal":{"Service":"ec2.amazonaws.com"}}]}"#,
        "{}",
        v("policy")
    );

    let plan = wd.plan(&["-detailed-exitcode"])?;
    ensure!(
        plan.code() == Some(0),
        "second plan must be empty:\n{}",
        plan.stdout
    );

    wd.write_file(
        "imported.tf",
        "resource \"aws_s3_bucket\" \"legacy\" {\n  bucket = \"legacy-logs\"\n}\n",
    )?;
    wd.import("aws_s3_bucket.legacy", "legacy-logs")?;
    let plan = wd.plan(&["-detailed-exitcode"])?;
    ensure!(
        plan.code() == Some(0),
        "a bucket imported by name must match its configuration:\n{}",
        plan.stdout
    );

    wd.destroy()?;
    Ok(())
}
