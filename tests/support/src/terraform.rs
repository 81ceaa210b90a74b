//! [`TfWorkdir`]: a Terraform working directory run by the real Terraform core of `make setup`.
//!
//! Provider binaries are installed into a filesystem mirror of the directory's own, in the
//! unpacked layout `<host>/<namespace>/<type>/<version>/<os>_<arch>/terraform-provider-<type>_v<version>`,
//! and a CLI configuration file whose `provider_installation` block uses only that mirror is
//! passed to every command through `TF_CLI_CONFIG_FILE` (this machine exports one pointing at a
//! missing file). `terraform init` then writes the lock file from the mirror. Nothing is fetched
//! from the network.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use anyhow::{Context, Result, bail};
use serde_json::Value;
use tempfile::TempDir;

use crate::process::{Output, run_captured};
use crate::terraform_bin;

const DEFAULT_TIMEOUT: Duration = Duration::from_secs(600);
const DEFAULT_HOST: &str = "registry.terraform.io";

/// A provider binary to install into a [`TfWorkdir`]'s filesystem mirror.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Provider {
    /// Source address, `[<host>/]<namespace>/<type>`, e.g.
    /// `registry.terraform.io/logexaminer/logexaminer`.
    pub source: String,
    /// Version to install it as, e.g. `0.1.0`.
    pub version: String,
    /// The provider executable (e.g. `target/debug/terraform-provider-logexaminer`).
    pub binary: PathBuf,
}

impl Provider {
    /// A provider from its source address, version and binary.
    pub fn new(
        source: impl Into<String>,
        version: impl Into<String>,
        binary: impl Into<PathBuf>,
    ) -> Self {
        Self {
            source: source.into(),
            version: version.into(),
            binary: binary.into(),
        }
    }

    /// Our provider, `registry.terraform.io/logexaminer/logexaminer` version `0.1.0`, from `binary`.
    pub fn logexaminer(binary: impl Into<PathBuf>) -> Self {
        Self::new(
            "registry.terraform.io/logexaminer/logexaminer",
            "0.1.0",
            binary,
        )
    }

    /// The source address split into (host, namespace, type).
    fn address(&self) -> Result<(&str, &str, &str)> {
        let parts: Vec<&str> = self.source.split('/').collect();
        let valid = |s: &&str| !s.is_empty() && !s.contains(['\\', '"', '.'].as_slice());
        match parts.as_slice() {
            [ns, ty] if valid(ns) && valid(ty) => Ok((DEFAULT_HOST, ns, ty)),
            [host, ns, ty] if !host.is_empty() && valid(ns) && valid(ty) => Ok((host, ns, ty)),
            _ => bail!(
                "provider source {:?} is not [<host>/]<namespace>/<type>",
                self.source
            ),
        }
    }

    /// The binary's path inside a mirror rooted at `mirror`.
    fn mirror_path(&self, mirror: &Path) -> Result<PathBuf> {
        let (host, ns, ty) = self.address()?;
        if self.version.is_empty() || self.version.contains(['/', '\\']) {
            bail!("provider version {:?} is not a version", self.version);
        }
        Ok(mirror
            .join(host)
            .join(ns)
            .join(ty)
            .join(&self.version)
            .join(platform())
            .join(format!("terraform-provider-{ty}_v{}", self.version)))
    }
}

/// Terraform's name for this machine's platform, e.g. `linux_amd64`.
fn platform() -> String {
    let arch = match std::env::consts::ARCH {
        "x86_64" => "amd64",
        "aarch64" => "arm64",
        "x86" => "386",
        other => other,
    };
    format!("{}_{arch}", std::env::consts::OS)
}

/// A temporary Terraform working directory; deleted on drop.
///
/// Layout: `config/` (the working directory: `.tf` files, `.terraform/`, state), `mirror/`
/// (the filesystem mirror), `terraform.rc` (the CLI configuration).
pub struct TfWorkdir {
    root: TempDir,
    terraform: PathBuf,
    env: BTreeMap<String, String>,
    timeout: Duration,
}

impl fmt::Debug for TfWorkdir {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Environment values may hold credentials: only the names are shown.
        f.debug_struct("TfWorkdir")
            .field("dir", &self.dir())
            .field("env", &self.env.keys().collect::<Vec<_>>())
            .field("timeout", &self.timeout)
            .finish()
    }
}

impl TfWorkdir {
    /// Creates the directory, writes `config_files` (`(relative path, contents)`, subdirectories
    /// allowed) into it and installs `providers` into its mirror.
    pub fn new(config_files: &[(&str, &str)], providers: &[Provider]) -> Result<Self> {
        let terraform = terraform_bin()?;
        let root = tempfile::Builder::new()
            .prefix("lx-tf-")
            .tempdir()
            .context("creating the Terraform working directory")?;
        let workdir = Self {
            root,
            terraform,
            env: BTreeMap::new(),
            timeout: DEFAULT_TIMEOUT,
        };
        std::fs::create_dir(workdir.dir()).context("creating config/")?;
        for (name, contents) in config_files {
            workdir.write_file(name, contents)?;
        }
        let mirror = workdir.mirror_dir();
        std::fs::create_dir(&mirror).context("creating mirror/")?;
        for provider in providers {
            install_into_mirror(provider, &mirror)?;
        }
        std::fs::write(workdir.cli_config_path(), cli_config(&mirror))
            .context("writing the Terraform CLI configuration")?;
        Ok(workdir)
    }

    /// The working directory (where the configuration and state are).
    pub fn dir(&self) -> PathBuf {
        self.root.path().join("config")
    }

    /// The filesystem mirror the providers were installed into.
    pub fn mirror_dir(&self) -> PathBuf {
        self.root.path().join("mirror")
    }

    /// The CLI configuration file passed as `TF_CLI_CONFIG_FILE`.
    pub fn cli_config_path(&self) -> PathBuf {
        self.root.path().join("terraform.rc")
    }

    /// Writes (or replaces) a file of the configuration, `name` relative to [`TfWorkdir::dir`].
    pub fn write_file(&self, name: &str, contents: &str) -> Result<()> {
        let rel = Path::new(name);
        if rel.is_absolute()
            || rel
                .components()
                .any(|c| matches!(c, std::path::Component::ParentDir))
        {
            bail!("config file name {name:?} must be relative and stay inside the directory");
        }
        let path = self.dir().join(rel);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)
                .with_context(|| format!("creating {}", parent.display()))?;
        }
        std::fs::write(&path, contents).with_context(|| format!("writing {}", path.display()))
    }

    /// Sets an environment variable for every later command (e.g. from [`crate::Moto::env`]).
    pub fn set_env(&mut self, key: impl Into<String>, value: impl Into<String>) -> &mut Self {
        self.env.insert(key.into(), value.into());
        self
    }

    /// Sets several environment variables, as [`TfWorkdir::set_env`].
    pub fn set_envs<K, V>(&mut self, vars: impl IntoIterator<Item = (K, V)>) -> &mut Self
    where
        K: Into<String>,
        V: Into<String>,
    {
        for (k, v) in vars {
            self.set_env(k, v);
        }
        self
    }

    /// Sets how long one command may run before it is killed (default 10 minutes).
    pub fn set_timeout(&mut self, timeout: Duration) -> &mut Self {
        self.timeout = timeout;
        self
    }

    /// Runs `terraform <args>` in the directory, whatever its exit status. Environment: the
    /// CLI configuration, `TF_IN_AUTOMATION=1`, `CHECKPOINT_DISABLE=1`, `TF_INPUT=0`, then the
    /// variables set with [`TfWorkdir::set_env`]; stdin is empty. `Err` only when Terraform cannot
    /// be started or runs past the timeout.
    pub fn run(&self, args: &[&str]) -> Result<Output> {
        let cmd = self.command(args);
        let what = format!("terraform {}", args.join(" "));
        run_captured(cmd, None, self.timeout, &what)
    }

    /// The command [`TfWorkdir::run`] runs, to start it in the caller's own way (e.g. in a process group
    /// of its own, to kill it mid-apply).
    pub fn command(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(&self.terraform);
        cmd.args(args).current_dir(self.dir());
        for (key, _) in std::env::vars_os() {
            let key = key.to_string_lossy();
            if key.starts_with("TF_CLI_ARGS")
                || key == "TF_PLUGIN_CACHE_DIR"
                || key == "TF_DATA_DIR"
            {
                cmd.env_remove(key.as_ref());
            }
        }
        cmd.env("TF_CLI_CONFIG_FILE", self.cli_config_path())
            .env("TF_IN_AUTOMATION", "1")
            .env("CHECKPOINT_DISABLE", "1")
            .env("TF_INPUT", "0")
            .envs(&self.env);
        cmd
    }

    /// `terraform init`; `Err` (with Terraform's output) unless it succeeds.
    pub fn init(&self) -> Result<Output> {
        self.checked(&["init", "-input=false", "-no-color"], &[], &[0])
    }

    /// `terraform validate -json`, parsed. Returned for valid and invalid configurations alike
    /// (see its `valid` and `diagnostics`); `Err` only if the output is not JSON.
    pub fn validate_json(&self) -> Result<Value> {
        let out = self.run(&["validate", "-json", "-no-color"])?;
        parse_json(&out, "terraform validate -json")
    }

    /// `terraform plan -input=false -no-color <args>`; `Err` unless it exits 0 (or 2 when `args`
    /// has `-detailed-exitcode`).
    pub fn plan(&self, args: &[&str]) -> Result<Output> {
        let ok: &[i32] = if args.contains(&"-detailed-exitcode") {
            &[0, 2]
        } else {
            &[0]
        };
        self.checked(&["plan", "-input=false", "-no-color"], args, ok)
    }

    /// `terraform plan -out=<file>` then `terraform show -json <file>`, parsed.
    pub fn plan_json(&self) -> Result<Value> {
        let plan_file = self.root.path().join("plan.tfplan");
        let plan_file = plan_file.to_string_lossy();
        self.plan(&[&format!("-out={plan_file}")])?;
        let out = self.checked(&["show", "-json", "-no-color"], &[&plan_file], &[0])?;
        parse_json(&out, "terraform show -json <plan>")
    }

    /// `terraform apply -auto-approve -input=false -no-color <args>`; `Err` unless it succeeds.
    pub fn apply(&self, args: &[&str]) -> Result<Output> {
        self.checked(
            &["apply", "-auto-approve", "-input=false", "-no-color"],
            args,
            &[0],
        )
    }

    /// `terraform show -json` of the current state, parsed.
    pub fn show_json(&self) -> Result<Value> {
        let out = self.checked(&["show", "-json", "-no-color"], &[], &[0])?;
        parse_json(&out, "terraform show -json")
    }

    /// `terraform output -json`, parsed (an object of name to `{value, type, sensitive}`).
    pub fn output_json(&self) -> Result<Value> {
        let out = self.checked(&["output", "-json", "-no-color"], &[], &[0])?;
        parse_json(&out, "terraform output -json")
    }

    /// `terraform import -input=false -no-color <address> <id>`; `Err` unless it succeeds.
    pub fn import(&self, address: &str, id: &str) -> Result<Output> {
        self.checked(
            &["import", "-input=false", "-no-color"],
            &[address, id],
            &[0],
        )
    }

    /// `terraform destroy -auto-approve -input=false -no-color`; `Err` unless it succeeds.
    pub fn destroy(&self) -> Result<Output> {
        self.checked(
            &["destroy", "-auto-approve", "-input=false", "-no-color"],
            &[],
            &[0],
        )
    }

    /// The raw text of `terraform.tfstate` (for checking what is, or is not, stored in state).
    pub fn state_raw(&self) -> Result<String> {
        let path = self.dir().join("terraform.tfstate");
        std::fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))
    }

    fn checked(&self, base: &[&str], args: &[&str], ok_codes: &[i32]) -> Result<Output> {
        let all: Vec<&str> = base.iter().chain(args).copied().collect();
        let out = self.run(&all)?;
        match out.code() {
            Some(code) if ok_codes.contains(&code) => Ok(out),
            _ => bail!(
                "terraform {} failed ({}):\n--- stderr\n{}\n--- stdout\n{}",
                all.join(" "),
                out.status,
                out.stderr,
                out.stdout
            ),
        }
    }
}

fn parse_json(out: &Output, what: &str) -> Result<Value> {
    serde_json::from_str(&out.stdout).with_context(|| {
        format!(
            "{what} did not print JSON ({}):\n--- stdout\n{}\n--- stderr\n{}",
            out.status, out.stdout, out.stderr
        )
    })
}

/// Hard-links (or, across file systems, copies) the provider binary into the mirror. A link
/// keeps this directory's copy even when cargo later replaces the binary.
fn install_into_mirror(provider: &Provider, mirror: &Path) -> Result<()> {
    if !provider.binary.is_file() {
        bail!(
            "provider binary {} does not exist: build it first",
            provider.binary.display()
        );
    }
    let dest = provider.mirror_path(mirror)?;
    if let Some(parent) = dest.parent() {
        std::fs::create_dir_all(parent)
            .with_context(|| format!("creating {}", parent.display()))?;
    }
    if std::fs::hard_link(&provider.binary, &dest).is_err() {
        std::fs::copy(&provider.binary, &dest).with_context(|| {
            format!(
                "copying {} to {}",
                provider.binary.display(),
                dest.display()
            )
        })?;
    }
    Ok(())
}

/// The CLI configuration: no checkpoint calls, providers only from `mirror`.
fn cli_config(mirror: &Path) -> String {
    format!(
        "disable_checkpoint = true\n\n\
         provider_installation {{\n  \
           filesystem_mirror {{\n    \
             path = \"{}\"\n  \
           }}\n\
         }}\n",
        hcl_escape(&mirror.to_string_lossy())
    )
}

/// Escapes a string for a quoted HCL string literal.
fn hcl_escape(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace("${", "$${")
        .replace("%{", "%%{")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mirror_paths_follow_the_unpacked_layout() -> Result<()> {
        let mirror = Path::new("/m");
        let plat = platform();
        let cases = [
            (
                "registry.terraform.io/logexaminer/logexaminer",
                "0.1.0",
                format!(
                    "/m/registry.terraform.io/logexaminer/logexaminer/0.1.0/{plat}/terraform-provider-logexaminer_v0.1.0"
                ),
            ),
            (
                "acme/widget",
                "1.2.3-beta",
                format!(
                    "/m/registry.terraform.io/acme/widget/1.2.3-beta/{plat}/terraform-provider-widget_v1.2.3-beta"
                ),
            ),
            (
                "example.com/acme/widget",
                "2.0.0",
                format!("/m/example.com/acme/widget/2.0.0/{plat}/terraform-provider-widget_v2.0.0"),
            ),
        ];
        for (source, version, want) in cases {
            let got = Provider::new(source, version, "/bin/true").mirror_path(mirror)?;
            assert_eq!(got, PathBuf::from(want), "source {source}");
        }
        Ok(())
    }

    #[test]
    fn bad_sources_and_versions_are_rejected() {
        let mirror = Path::new("/m");
        for (source, version) in [
            ("logexaminer", "0.1.0"),
            ("a/b/c/d", "0.1.0"),
            ("/b", "0.1.0"),
            ("a/b", ""),
            ("a/b", "../x"),
        ] {
            assert!(
                Provider::new(source, version, "/bin/true")
                    .mirror_path(mirror)
                    .is_err(),
                "{source} {version}"
            );
        }
    }

    #[test]
    fn platform_is_os_and_terraform_arch() {
        let plat = platform();
        assert!(plat.starts_with(std::env::consts::OS), "{plat}");
        assert!(!plat.ends_with("x86_64"), "{plat}");
    }

    #[test]
    fn cli_config_points_at_the_mirror_only() {
        let text = cli_config(Path::new("/tmp/x \"y\"/mirror"));
        assert!(text.contains("filesystem_mirror"));
        assert!(text.contains(r#"path = "/tmp/x \"y\"/mirror""#), "{text}");
        assert!(!text.contains("direct"));
        assert!(text.contains("disable_checkpoint = true"));
    }

    #[test]
    fn hcl_escape_cases() {
        let cases = [
            ("plain", "plain"),
            (r"a\b", r"a\\b"),
            ("q\"", "q\\\""),
            ("${x}", "$${x}"),
            ("%{x}", "%%{x}"),
        ];
        for (input, want) in cases {
            assert_eq!(hcl_escape(input), want, "input {input:?}");
        }
    }
}
