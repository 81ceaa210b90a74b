//! The offline test rig of the LogExaminer Terraform kit.
//!
//! Guards that start a throwaway service in a new temporary directory on a free loopback port and
//! stop it, removing the directory, when dropped. Tests may run in parallel; each guard owns its
//! own instance.
//!
//! - [`Moto`]: the emulated AWS of `tools/moto_launcher.py` (moto with our fixes).
//! - [`MariaDb`], [`Mysql`] and [`Postgres`]: database servers reached over TCP on 127.0.0.1, driven
//!   with the `mariadb` and `psql` command-line clients ([`Mysql`] is Oracle MySQL 9.7 from the Debian
//!   sid root `make setup` caches). The two MySQL-family guards share [`MyServer`] (they dereference
//!   to it); [`MysqlFamily`] picks one by engine name, so a suite is written once for both.
//! - [`TestCa`]: a throwaway certificate authority issuing server certificates for loopback names, so
//!   [`MariaDb::start_tls`], [`Mysql::start_tls`] and [`Postgres::start_tls`] serve TLS that a client can verify.
//! - [`RotationFunction`]: the real rotation function deployed to moto (run by its Lambda runtime
//!   emulator when Secrets Manager rotates or Lambda is invoked).
//! - [`TfWorkdir`]: a Terraform working directory that installs provider binaries through a
//!   filesystem mirror and runs the real Terraform core (`.tools/bin/terraform`).
//!
//! Everything comes from `make setup` (`scripts/setup.sh`); a guard whose tools are missing fails
//! with a message saying so. The repository root is `$LOGEXAMINER_REPO` when set, else the
//! directory two levels above this crate.
//!
//! If a test process dies without dropping its guards (killed by a timeout), a small watcher
//! process still stops the servers and removes their directories.

mod fault_proxy;
mod mariadb;
mod moto;
mod mysql;
mod mysql_family;
mod postgres;
mod process;
mod rotation_function;
mod terraform;
mod tls;

use std::path::{Path, PathBuf};

use anyhow::{Result, bail};

pub use fault_proxy::FaultProxy;
pub use mariadb::MariaDb;
pub use moto::{HttpResponse, Moto};
pub use mysql::{Mysql, mysql_root};
pub use mysql_family::{MyServer, MysqlFamily};
pub use postgres::Postgres;
pub use process::Output;
pub use rotation_function::{RotationFunction, bootstrap_beside};
pub use terraform::{Provider, TfWorkdir};
pub use tls::{ServerCert, TestCa};

/// The repository root: `$LOGEXAMINER_REPO` if set, else two levels above this crate's manifest.
pub fn repo_root() -> PathBuf {
    match std::env::var_os("LOGEXAMINER_REPO") {
        Some(dir) if !dir.is_empty() => PathBuf::from(dir),
        _ => {
            let manifest_dir = Path::new(env!("CARGO_MANIFEST_DIR"));
            manifest_dir
                .join("../..")
                .canonicalize()
                .unwrap_or_else(|_| manifest_dir.join("../.."))
        }
    }
}

/// The Terraform CLI shim `.tools/bin/terraform`, checked to exist with its venv.
pub fn terraform_bin() -> Result<PathBuf> {
    let root = repo_root();
    let bin = root.join(".tools/bin/terraform");
    venv_python()?;
    if !bin.is_file() {
        bail!(
            "{} is missing: run `make setup` first (in {})",
            bin.display(),
            root.display()
        );
    }
    Ok(bin)
}

/// The Python interpreter of the rig's venv, `.tools/venv/bin/python`, checked to exist.
pub fn venv_python() -> Result<PathBuf> {
    let root = repo_root();
    let python = root.join(".tools/venv/bin/python");
    if !python.is_file() {
        bail!(
            "{} is missing: run `make setup` first (in {})",
            python.display(),
            root.display()
        );
    }
    Ok(python)
}

/// The loopback address every guard listens on.
pub const LOOPBACK: &str = "127.0.0.1";
