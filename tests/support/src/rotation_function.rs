//! The real rotation function (`bootstrap` of crate rotation-lambda) deployed to moto, whose launcher
//! runs `provided.*` functions under the local Lambda runtime API emulator, so Secrets Manager's
//! `RotateSecret` and Lambda `Invoke` drive it as AWS would.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result, ensure};
use serde_json::{Value, json};

use crate::{Moto, venv_python};

/// The `bootstrap` binary beside `sibling` (a binary of the same target directory, e.g. the
/// provider's `CARGO_BIN_EXE_...`); `cargo test --workspace` and `make demo` build it. Missing is an
/// error, never a skip.
pub fn bootstrap_beside(sibling: &Path) -> Result<PathBuf> {
    let bootstrap = sibling.with_file_name("bootstrap");
    ensure!(
        bootstrap.is_file(),
        "{} is missing: build the rotation function first (`cargo build -p rotation-lambda --bin bootstrap`)",
        bootstrap.display()
    );
    Ok(bootstrap)
}

/// What to deploy.
#[derive(Debug, Clone)]
pub struct RotationFunction<'a> {
    /// Function name.
    pub name: &'a str,
    /// The `bootstrap` binary.
    pub bootstrap: &'a Path,
    /// Directory for the zip (e.g. the test's temporary directory).
    pub workdir: &'a Path,
    /// `ROTATION_BINDINGS`: an object of name to the `rotation_binding` JSON of a user (with `strategy`).
    pub bindings: Value,
    /// `NOTIFY_TOPIC_ARN`, if any.
    pub topic_arn: Option<&'a str>,
    /// The rig's servers listen on loopback without TLS.
    pub plaintext: bool,
}

impl RotationFunction<'_> {
    /// Zips `bootstrap` (debug sections stripped), creates its role and the function, and lets Secrets
    /// Manager invoke it. Returns the function ARN.
    pub fn deploy(&self, moto: &Moto) -> Result<String> {
        let dir = self.workdir.join(format!("fn-{}", self.name));
        std::fs::create_dir_all(&dir)?;
        let stripped = dir.join("bootstrap");
        let zip = dir.join("function.zip");
        let status = Command::new("strip")
            .arg("--strip-debug")
            .arg("-o")
            .arg(&stripped)
            .arg(self.bootstrap)
            .status()
            .context("running strip (binutils)")?;
        ensure!(
            status.success(),
            "strip {} failed",
            self.bootstrap.display()
        );
        let status = Command::new(venv_python()?)
            .args([
                "-c",
                "import sys, zipfile\n\
                 with zipfile.ZipFile(sys.argv[2], 'w', zipfile.ZIP_STORED) as z:\n\
                 \x20   z.write(sys.argv[1], 'bootstrap')",
            ])
            .arg(&stripped)
            .arg(&zip)
            .status()
            .context("zipping bootstrap")?;
        ensure!(status.success(), "zipping bootstrap failed");
        let mut env = serde_json::Map::new();
        env.insert("ROTATION_BINDINGS".into(), json!(self.bindings.to_string()));
        if let Some(t) = self.topic_arn {
            env.insert("NOTIFY_TOPIC_ARN".into(), json!(t));
        }
        if self.plaintext {
            env.insert("DB_TLS".into(), json!("disable"));
            env.insert("ALLOW_PLAINTEXT".into(), json!("true"));
        }
        env.insert("RUST_LOG".into(), json!("info"));
        let role = format!("{}-role", self.name);
        let out = moto.call_batch(&[
            (
                "iam",
                "create_role",
                json!({"RoleName": role, "AssumeRolePolicyDocument": json!({"Version": "2012-10-17",
                    "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]}).to_string()}),
            ),
            (
                "lambda",
                "create_function",
                json!({"FunctionName": self.name, "Runtime": "provided.al2023", "Handler": "bootstrap",
                       "Role": format!("arn:aws:iam::123456789012:role/{role}"), "Timeout": 60, "MemorySize": 256,
                       "Environment": {"Variables": env},
                       "Code": {"ZipFilePath": zip.to_string_lossy()}}),
            ),
            (
                "lambda",
                "add_permission",
                json!({"FunctionName": self.name, "StatementId": "AllowSecretsManager", "Action": "lambda:InvokeFunction",
                       "Principal": "secretsmanager.amazonaws.com"}),
            ),
        ])?;
        Ok(out[1]["FunctionArn"]
            .as_str()
            .context("function ARN")?
            .to_owned())
    }
}
