//! Helpers of the Terraform tests of `modules/` and `examples/` (the tests are in `tests/`).
//!
//! - [`providers`]: the aws stand-in (as `registry.terraform.io/hashicorp/aws` 6.66.0) and our
//!   provider, from the cargo target directory, ready for a [`test_support::TfWorkdir`] mirror.
//! - [`AwsSchema`]: the hashicorp/aws schema the stand-in serves, rebuilt by
//!   `tools/aws_schema/fetch.sh` + `extract.py` (or taken from `$AWS_STANDIN_SCHEMA`).
//! - [`config_files`]: the `.tf` and `.tftest.hcl` files of repository directories.
//! - [`plant`]: pure functions that put one mistake (misspelled argument, block or reference,
//!   wrong type) into a formatted module file, and say which diagnostic Terraform must give.

pub mod plant;

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result, bail};
use tempfile::TempDir;
use test_support::{Provider, repo_root, venv_python};

/// The version the stand-in is installed as (the hashicorp/aws release its schema comes from).
pub const AWS_VERSION: &str = "6.66.0";

/// The debug build directory: `$CARGO_TARGET_DIR/debug`, else the directory above this test
/// executable's `deps/`.
pub fn target_debug_dir() -> Result<PathBuf> {
    if let Some(dir) = std::env::var_os("CARGO_TARGET_DIR").filter(|d| !d.is_empty()) {
        return Ok(PathBuf::from(dir).join("debug"));
    }
    let exe = std::env::current_exe().context("locating the test executable")?;
    exe.parent()
        .and_then(Path::parent)
        .map(Path::to_path_buf)
        .context("the test executable is not in <target>/debug/deps")
}

fn binary(env: &str, name: &str) -> Result<PathBuf> {
    let path = match std::env::var_os(env).filter(|p| !p.is_empty()) {
        Some(p) => PathBuf::from(p),
        None => target_debug_dir()?.join(name),
    };
    if !path.is_file() {
        bail!(
            "{} is missing: build it first with `cargo build -p terraform-provider-aws-standin -p terraform-provider-logexaminer` (or set {env})",
            path.display()
        );
    }
    Ok(path)
}

/// The aws stand-in and our provider, to install into a working directory's mirror.
/// Binaries: `$AWS_STANDIN_BIN` / `$LOGEXAMINER_PROVIDER_BIN`, else the debug build directory.
pub fn providers() -> Result<Vec<Provider>> {
    let standin = binary("AWS_STANDIN_BIN", "terraform-provider-aws-standin")?;
    let ours = binary("LOGEXAMINER_PROVIDER_BIN", "terraform-provider-logexaminer")?;
    Ok(vec![
        Provider::new("registry.terraform.io/hashicorp/aws", AWS_VERSION, standin),
        Provider::logexaminer(ours),
    ])
}

/// The schema file the stand-in serves (`AWS_STANDIN_SCHEMA`); a generated one is deleted on drop.
#[derive(Debug)]
pub struct AwsSchema {
    path: PathBuf,
    _dir: Option<TempDir>,
}

impl AwsSchema {
    /// `$AWS_STANDIN_SCHEMA` when it names a file (scripts/hcl_test.sh sets it), else a schema
    /// rebuilt now from the cached npm package for the types `modules/` and `examples/` use.
    pub fn get() -> Result<Self> {
        Self::covering(&[])
    }

    /// Like [`AwsSchema::get`], with the resource types `extra` added to those `modules/` and
    /// `examples/` use (tests of the stand-in itself configure a few more types). A
    /// `$AWS_STANDIN_SCHEMA` that lacks one of them is not used.
    pub fn covering(extra: &[&str]) -> Result<Self> {
        if let Some(p) = std::env::var_os("AWS_STANDIN_SCHEMA").map(PathBuf::from)
            && p.is_file()
        {
            let text =
                std::fs::read_to_string(&p).with_context(|| format!("reading {}", p.display()))?;
            if extra.iter().all(|t| text.contains(&format!("\"{t}\""))) {
                return Ok(AwsSchema {
                    path: p,
                    _dir: None,
                });
            }
        }
        let root = repo_root();
        let fetch = Command::new("bash")
            .arg(root.join("tools/aws_schema/fetch.sh"))
            .output()
            .context("running tools/aws_schema/fetch.sh")?;
        if !fetch.status.success() {
            bail!(
                "tools/aws_schema/fetch.sh failed ({}):\n{}",
                fetch.status,
                String::from_utf8_lossy(&fetch.stderr)
            );
        }
        let stdout = String::from_utf8_lossy(&fetch.stdout);
        let package = stdout
            .lines()
            .last()
            .context("fetch.sh printed no package directory")?
            .trim()
            .to_string();
        let dir = tempfile::Builder::new()
            .prefix("lx-aws-schema-")
            .tempdir()
            .context("creating a directory for the aws schema")?;
        let path = dir.path().join("aws-schema.json");
        let mut extract = Command::new(venv_python()?);
        extract
            .arg(root.join("tools/aws_schema/extract.py"))
            .arg("--package")
            .arg(&package)
            .arg("--out")
            .arg(&path);
        for t in extra {
            extract.arg("--resource").arg(t);
        }
        let extract = extract
            .output()
            .context("running tools/aws_schema/extract.py")?;
        if !extract.status.success() {
            bail!(
                "tools/aws_schema/extract.py failed ({}):\n{}",
                extract.status,
                String::from_utf8_lossy(&extract.stderr)
            );
        }
        Ok(AwsSchema {
            path,
            _dir: Some(dir),
        })
    }

    /// The schema file.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

/// The `.tf` and `.tftest.hcl` files under the repository directories `dirs`, as
/// (path relative to the repository root, contents); hidden directories are skipped.
pub fn config_files(dirs: &[&str]) -> Result<Vec<(String, String)>> {
    let root = repo_root();
    let mut out = Vec::new();
    for d in dirs {
        collect(&root, &root.join(d), &mut out)?;
    }
    out.sort();
    Ok(out)
}

fn collect(root: &Path, dir: &Path, out: &mut Vec<(String, String)>) -> Result<()> {
    let entries = std::fs::read_dir(dir).with_context(|| format!("reading {}", dir.display()))?;
    for entry in entries {
        let path = entry?.path();
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        if name.starts_with('.') {
            continue;
        }
        if path.is_dir() {
            collect(root, &path, out)?;
        } else if name.ends_with(".tf") || name.ends_with(".tftest.hcl") {
            let rel = path
                .strip_prefix(root)
                .with_context(|| format!("{} is outside the repository", path.display()))?
                .to_string_lossy()
                .into_owned();
            let text = std::fs::read_to_string(&path)
                .with_context(|| format!("reading {}", path.display()))?;
            out.push((rel, text));
        }
    }
    Ok(())
}

/// The `.tf` files of `files` whose path starts with `prefix`, with the prefix removed.
pub fn strip_prefix_of(files: &[(String, String)], prefix: &str) -> Vec<(String, String)> {
    files
        .iter()
        .filter_map(|(p, t)| {
            p.strip_prefix(prefix)
                .map(|rest| (rest.trim_start_matches('/').to_string(), t.clone()))
        })
        .collect()
}
