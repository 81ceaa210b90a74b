//! `logexaminer_eks_node_group_scaling` through a real Terraform core against moto's EKS: before the cluster
//! exists the initial sizes come back; once node groups exist (one named exactly, one by a Terraform name
//! prefix with an older predecessor still present), their current desired size is kept, a raised `min_size`
//! and a lowered `max_size` move it, and a configuration the data source refuses names the node group's key.

use std::path::PathBuf;

use anyhow::{Result, ensure};
use serde_json::{Value, json};
use test_support::{Moto, Provider, TfWorkdir};

fn provider() -> Provider {
    Provider::logexaminer(PathBuf::from(env!(
        "CARGO_BIN_EXE_terraform-provider-logexaminer"
    )))
}

fn config(spark_min: i64, spark_max: i64, system_min: i64) -> String {
    format!(
        r#"
terraform {{
  required_providers {{
    logexaminer = {{ source = "logexaminer/logexaminer" }}
  }}
}}
provider "logexaminer" {{
  skip_credentials_validation = true
}}

data "logexaminer_eks_node_group_scaling" "this" {{
  cluster_name = "lx"
  node_groups = {{
    spark = {{
      name         = null
      name_prefix  = "lx-spark-"
      min_size     = {spark_min}
      max_size     = {spark_max}
      desired_size = {spark_min}
    }}
    system = {{
      name         = "lx-system"
      name_prefix  = null
      min_size     = {system_min}
      max_size     = 10
      desired_size = 2
    }}
    gpu = {{
      name         = "lx-gpu"
      name_prefix  = null
      min_size     = 0
      max_size     = 4
      desired_size = 1
    }}
  }}
}}

output "desired" {{
  value = data.logexaminer_eks_node_group_scaling.this.desired_sizes
}}
output "current" {{
  value = data.logexaminer_eks_node_group_scaling.this.current_sizes
}}
output "names" {{
  value = data.logexaminer_eks_node_group_scaling.this.node_group_names
}}
"#
    )
}

fn outputs(wd: &TfWorkdir, moto: &Moto) -> Result<Value> {
    let out = wd.run(&["apply", "-auto-approve", "-no-color"])?;
    ensure!(
        out.success(),
        "apply failed:\n{}\nmoto log:\n{}",
        out.stderr,
        std::fs::read_to_string(moto.log_path()).unwrap_or_default()
    );
    let o = wd.output_json()?;
    Ok(json!({
        "desired": o["desired"]["value"],
        "current": o["current"]["value"],
        "names": o["names"]["value"],
    }))
}

fn nodegroup(name: &str, desired: i64) -> Value {
    json!({
        "clusterName": "lx",
        "nodegroupName": name,
        "nodeRole": "arn:aws:iam::123456789012:role/lx-node",
        "subnets": ["subnet-0a000000000000001"],
        "scalingConfig": { "minSize": 0, "maxSize": 50, "desiredSize": desired },
    })
}

#[test]
fn sizes_follow_the_bounds_and_keep_the_autoscalers_size() -> Result<()> {
    let moto = Moto::start()?;
    let mut wd = TfWorkdir::new(&[("main.tf", &config(0, 50, 2))], &[provider()])?;
    wd.set_envs(moto.env());
    wd.init()?;

    // No cluster yet (the first plan of a new stack): the initial sizes, nothing found.
    let o = outputs(&wd, &moto)?;
    ensure!(
        o["desired"] == json!({ "spark": 0, "system": 2, "gpu": 1 }),
        "{o}"
    );
    ensure!(o["current"] == json!({}) && o["names"] == json!({}), "{o}");

    // The cluster with node groups whose sizes the autoscaler chose: an older and a newer node group
    // from the same prefix (a create_before_destroy replacement), and a look-alike that is not ours.
    moto.call(
        "eks",
        "create_cluster",
        &json!({
            "name": "lx",
            "roleArn": "arn:aws:iam::123456789012:role/lx-cluster",
            "resourcesVpcConfig": { "subnetIds": ["subnet-0a000000000000001"] },
        }),
    )?;
    moto.call(
        "eks",
        "create_nodegroup",
        &nodegroup("lx-spark-20260101000000000000000001", 3),
    )?;
    std::thread::sleep(std::time::Duration::from_millis(1100));
    moto.call(
        "eks",
        "create_nodegroup",
        &nodegroup("lx-spark-2026120100000000000000000a", 7),
    )?;
    moto.call(
        "eks",
        "create_nodegroup",
        &nodegroup("lx-spark-gpu-20261201000000000000000002", 40),
    )?;
    moto.call("eks", "create_nodegroup", &nodegroup("lx-system", 5))?;

    let o = outputs(&wd, &moto)?;
    ensure!(
        o["names"]
            == json!({ "spark": "lx-spark-2026120100000000000000000a", "system": "lx-system" }),
        "the newest node group of the prefix, and the exact name: {o}"
    );
    ensure!(o["current"] == json!({ "spark": 7, "system": 5 }), "{o}");
    ensure!(
        o["desired"] == json!({ "spark": 7, "system": 5, "gpu": 1 }),
        "the autoscaler's sizes are kept: {o}"
    );

    // A raised floor and a lowered ceiling move the size as far as they must.
    wd.write_file("main.tf", &config(9, 50, 2))?;
    let o = outputs(&wd, &moto)?;
    ensure!(o["desired"]["spark"] == json!(9), "raised min_size: {o}");
    wd.write_file("main.tf", &config(0, 4, 6))?;
    let o = outputs(&wd, &moto)?;
    ensure!(
        o["desired"]["spark"] == json!(4) && o["desired"]["system"] == json!(6),
        "lowered max_size / raised min_size: {o}"
    );

    // A refused configuration names the node group's key and the attribute path.
    let bad = config(0, 50, 2).replace(
        "min_size     = 0\n      max_size     = 4",
        "min_size     = 5\n      max_size     = 4",
    );
    wd.write_file("main.tf", &bad)?;
    let out = wd.run(&["plan", "-no-color"])?;
    ensure!(!out.success(), "min_size > max_size planned");
    ensure!(
        out.stderr.contains("Invalid node group size bounds")
            && out.stderr.contains("node_groups[\"gpu\"]"),
        "{}",
        out.stderr
    );
    Ok(())
}

#[test]
fn validate_needs_no_aws() -> Result<()> {
    let mut wd = TfWorkdir::new(
        &[(
            "main.tf",
            &config(0, 50, 2).replace("cluster_name = \"lx\"", "cluster_name = \"lx.prod\""),
        )],
        &[provider()],
    )?;
    wd.set_env("AWS_ENDPOINT_URL", "http://127.0.0.1:9");
    wd.init()?;
    let out = wd.run(&["validate", "-no-color"])?;
    ensure!(!out.success(), "a bad cluster name validated");
    ensure!(
        out.stderr.contains("Invalid cluster name") && out.stderr.contains("cluster_name"),
        "{}",
        out.stderr
    );
    Ok(())
}
