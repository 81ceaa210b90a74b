//! `examples/existing-stack` planned for real against the stand-in: its `import` blocks resolve
//! (the stand-in imports by ID), the imported VPC objects are adopted in place rather than
//! replaced, and nothing is destroyed.

use anyhow::{Context, Result, bail, ensure};
use module_tests::{AwsSchema, config_files, providers};
use serde_json::Value;
use test_support::{Moto, TfWorkdir};

const DIR: &str = "-chdir=examples/existing-stack";

const MOTO_OVERRIDE: &str = r#"provider "logexaminer" {
  region                      = var.region
  s3_use_path_style           = true
  skip_credentials_validation = true
}
"#;

fn tf(wd: &TfWorkdir, args: &[&str]) -> Result<String> {
    let mut all = vec![DIR];
    all.extend_from_slice(args);
    let out = wd.run(&all)?;
    if !out.success() {
        bail!(
            "terraform {} failed ({}):\n{}\n{}",
            args.join(" "),
            out.status,
            out.stderr,
            out.stdout
        );
    }
    Ok(out.stdout)
}

#[test]
fn existing_stack_imports_and_adopts_without_replacing() -> Result<()> {
    let schema = AwsSchema::get()?;
    let providers = providers()?;
    let moto = Moto::start()?;
    let mut files = config_files(&["modules", "examples/existing-stack"])?;
    files.retain(|(p, _)| p.ends_with(".tf"));
    files.push((
        "examples/existing-stack/moto_override.tf".into(),
        MOTO_OVERRIDE.into(),
    ));
    let refs: Vec<(&str, &str)> = files
        .iter()
        .map(|(p, t)| (p.as_str(), t.as_str()))
        .collect();
    let mut wd = TfWorkdir::new(&refs, &providers)?;
    wd.set_envs(moto.env())
        .set_env("AWS_STANDIN_SCHEMA", schema.path().to_string_lossy());

    tf(&wd, &["init", "-input=false", "-no-color"])?;
    let plan_file = wd.dir().join("../existing.tfplan");
    let plan_arg = format!("-out={}", plan_file.to_string_lossy());
    tf(&wd, &["plan", "-input=false", "-no-color", &plan_arg])?;
    let shown = tf(
        &wd,
        &["show", "-json", "-no-color", &plan_file.to_string_lossy()],
    )?;
    let plan: Value = serde_json::from_str(&shown).context("terraform show -json")?;

    let changes = plan["resource_changes"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let imported: Vec<&str> = changes
        .iter()
        .filter(|c| c["change"]["importing"].is_object())
        .filter_map(|c| c["address"].as_str())
        .collect();
    let want = [
        "module.vpc.aws_internet_gateway.this[0]",
        "module.vpc.aws_subnet.private[\"eu-west-1a\"]",
        "module.vpc.aws_subnet.private[\"eu-west-1b\"]",
        "module.vpc.aws_subnet.public[\"eu-west-1a\"]",
        "module.vpc.aws_subnet.public[\"eu-west-1b\"]",
        "module.vpc.aws_vpc.this[0]",
    ];
    let mut got = imported.clone();
    got.sort_unstable();
    ensure!(got == want, "imports planned: {got:?}");
    for c in &changes {
        let actions: Vec<&str> = c["change"]["actions"]
            .as_array()
            .map(|a| a.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        ensure!(
            !actions.contains(&"delete"),
            "{} would be destroyed or replaced: {actions:?}",
            c["address"]
        );
    }
    let vpc = changes
        .iter()
        .find(|c| c["address"] == "module.vpc.aws_vpc.this[0]")
        .context("the VPC is in the plan")?;
    ensure!(
        vpc["change"]["after"]["cidr_block"] == "10.20.0.0/16",
        "the adopted VPC keeps its CIDR block: {}",
        vpc["change"]["after"]
    );
    Ok(())
}
