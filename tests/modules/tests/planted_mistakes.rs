//! A mistake in any module fails: for every module, for each provider it uses (the aws stand-in
//! serving the real hashicorp/aws schema, and ours), one misspelled argument, one misspelled
//! block type, one string argument given a list, and one misspelled attribute reference are
//! planted in a copy; `terraform validate` must reject each with the right diagnostic on the
//! right line, and `tools/aws_schema/check_hcl_refs.py` must flag the misspellings too.

use std::collections::BTreeSet;
use std::process::Command;

use anyhow::{Context, Result, bail, ensure};
use module_tests::plant::{self, Kind, Planted};
use module_tests::{AwsSchema, config_files, providers, strip_prefix_of};
use serde_json::Value;
use test_support::{TfWorkdir, repo_root, venv_python};

/// Every module: the directories under `modules/`.
fn modules() -> Result<Vec<String>> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(repo_root().join("modules")).context("reading modules/")? {
        let path = entry?.path();
        if path.is_dir()
            && let Some(name) = path.file_name().and_then(|n| n.to_str())
        {
            out.push(format!("modules/{name}"));
        }
    }
    out.sort();
    ensure!(
        out.len() >= 4,
        "expected at least the four modules, found {out:?}"
    );
    Ok(out)
}

/// `block` of a resource or data source in `terraform providers schema -json` output.
fn block_schema<'a>(schemas: &'a Value, kind: &str, type_name: &str) -> Option<&'a Value> {
    let section = if kind == "data" {
        "data_source_schemas"
    } else {
        "resource_schemas"
    };
    schemas["provider_schemas"]
        .as_object()?
        .values()
        .find_map(|p| p[section].get(type_name))
        .map(|s| &s["block"])
}

fn names(block: &Value) -> BTreeSet<String> {
    ["attributes", "block_types"]
        .iter()
        .filter_map(|k| block[k].as_object())
        .flat_map(|m| m.keys().cloned())
        .collect()
}

/// The plantings for one module file: per provider prefix, the first block that takes each kind.
fn plantings(
    file_text: &str,
    schemas: &Value,
    done: &mut BTreeSet<(String, &'static str)>,
) -> Vec<Planted> {
    let mut out = Vec::new();
    for span in plant::top_blocks(file_text) {
        let Some(block) = block_schema(schemas, &span.kind, &span.type_name) else {
            continue;
        };
        let prefix = span.type_name.split('_').next().unwrap_or("").to_string();
        let taken = names(block);
        let is_taken = |n: &str| taken.contains(n);
        let is_string = |n: &str| block["attributes"][n]["type"] == "string";
        let candidates: [(&'static str, Option<Planted>); 3] = [
            (
                "argument",
                plant::misspelled_argument(file_text, &span, &is_taken),
            ),
            (
                "block",
                plant::misspelled_block(file_text, &span, &is_taken),
            ),
            ("type", plant::wrong_type(file_text, &span, &is_string)),
        ];
        for (kind, p) in candidates {
            if let Some(p) = p
                && done.insert((prefix.clone(), kind))
            {
                out.push(p);
            }
        }
    }
    out
}

fn check_diagnostic(validate: &Value, file: &str, p: &Planted) -> Result<()> {
    if validate["valid"] != Value::Bool(false) {
        bail!("validate accepted it: {validate}");
    }
    let diags = validate["diagnostics"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let hit = diags.iter().any(|d| {
        d["severity"] == "error"
            && d["summary"] == p.summary
            && d["detail"].as_str().is_some_and(|s| s.contains(&p.detail))
            && d["range"]["filename"]
                .as_str()
                .is_some_and(|f| f.ends_with(file))
            && d["range"]["start"]["line"].as_u64() == Some(p.line as u64)
    });
    if !hit {
        bail!(
            "no `{}` error containing {} at {file}:{}; got {}",
            p.summary,
            p.detail,
            p.line,
            serde_json::to_string_pretty(&diags)?
        );
    }
    Ok(())
}

fn check_refs_flags(wd: &TfWorkdir, schema_file: &std::path::Path, p: &Planted) -> Result<()> {
    let out = Command::new(venv_python()?)
        .arg(repo_root().join("tools/aws_schema/check_hcl_refs.py"))
        .arg("--schema")
        .arg(schema_file)
        .arg(wd.dir())
        .output()
        .context("running check_hcl_refs.py")?;
    let stdout = String::from_utf8_lossy(&out.stdout);
    let new_name = p.detail.trim_matches('"');
    if out.status.success() || !stdout.contains(new_name) {
        bail!(
            "check_hcl_refs.py did not flag {new_name} ({}):\n{stdout}{}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        );
    }
    Ok(())
}

#[test]
fn planted_mistakes_fail_validate_in_every_module() -> Result<()> {
    let schema = AwsSchema::get()?;
    let providers = providers()?;
    let mut failures = Vec::new();
    let mut checked = Vec::new();
    for module in &modules()? {
        let module = module.as_str();
        let files = strip_prefix_of(&config_files(&[module])?, module);
        let refs: Vec<(&str, &str)> = files
            .iter()
            .map(|(p, t)| (p.as_str(), t.as_str()))
            .collect();
        let mut wd = TfWorkdir::new(&refs, &providers)?;
        wd.set_env("AWS_STANDIN_SCHEMA", schema.path().to_string_lossy());
        wd.init()?;
        let baseline = wd.validate_json()?;
        if baseline["valid"] != Value::Bool(true) {
            failures.push(format!(
                "{module}: the unchanged module does not validate: {baseline}"
            ));
            continue;
        }
        let out = wd.run(&["providers", "schema", "-json"])?;
        let schemas: Value = serde_json::from_str(&out.stdout)
            .with_context(|| format!("{module}: providers schema -json: {}", out.stderr))?;
        let schema_file = wd.dir().join("../providers-schema.json");
        std::fs::write(&schema_file, &out.stdout)?;

        let tf_files: Vec<&(String, String)> =
            files.iter().filter(|(p, _)| p.ends_with(".tf")).collect();
        let managed: Vec<String> = tf_files
            .iter()
            .flat_map(|(_, t)| plant::top_blocks(t))
            .filter(|s| {
                s.kind == "resource" && block_schema(&schemas, "resource", &s.type_name).is_some()
            })
            .map(|s| s.type_name)
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        let managed_refs: Vec<&str> = managed.iter().map(String::as_str).collect();
        let attr_taken = |t: &str, n: &str| {
            block_schema(&schemas, "resource", t).is_some_and(|b| names(b).contains(n))
        };

        let mut done = BTreeSet::new();
        let mut reference_planted = false;
        let mut kinds = BTreeSet::new();
        for (file, text) in &tf_files {
            let mut planted = plantings(text, &schemas, &mut done);
            if !reference_planted
                && let Some(p) = plant::misspelled_reference(text, &managed_refs, &attr_taken)
            {
                reference_planted = true;
                planted.push(p);
            }
            for p in planted {
                wd.write_file(file, &p.text)?;
                let result = wd
                    .validate_json()
                    .and_then(|v| check_diagnostic(&v, file, &p));
                let refs_result = if p.kind == Kind::WrongType {
                    Ok(())
                } else {
                    check_refs_flags(&wd, &schema_file, &p)
                };
                wd.write_file(file, text)?;
                kinds.insert(format!("{:?}", p.kind));
                match result.and(refs_result) {
                    Ok(()) => checked.push(format!("{module}/{file}:{} {}", p.line, p.what)),
                    Err(e) => {
                        failures.push(format!("{module}/{file}:{} {}: {e:#}", p.line, p.what))
                    }
                }
            }
        }
        if kinds.len() < 4 {
            failures.push(format!(
                "{module}: only planted {kinds:?}; every kind of mistake must be tried"
            ));
        }
    }
    eprintln!("planted and rejected:\n  {}", checked.join("\n  "));
    if !failures.is_empty() {
        bail!(
            "{} planted mistakes were not caught:\n{}",
            failures.len(),
            failures.join("\n")
        );
    }
    Ok(())
}
