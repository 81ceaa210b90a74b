//! [`MariaDb`]: a throwaway MariaDB server in a temporary directory on a free loopback port.
//!
//! Set up as FACTS.md records: `mariadb-install-db --no-defaults ... --auth-root-authentication-method=normal`,
//! then `mariadbd --no-defaults` (as root when we are root), then the anonymous accounts dropped
//! (they would shadow `'%'` accounts) and the root accounts given a random password. Everything after
//! the install is [`MyServer`]'s, shared with [`crate::Mysql`].

use std::fmt;
use std::ops::{Deref, DerefMut};
use std::path::Path;
use std::process::Command;

use anyhow::{Context, Result, bail};

use crate::mysql_family::{Flavour, MyServer, SQL_TIMEOUT, check_client};
use crate::process::{is_root, run_captured};
use crate::tls::ServerCert;

const MARIADBD: &str = "/usr/sbin/mariadbd";
const INSTALL_DB: &str = "mariadb-install-db";

/// A running (or deliberately stopped) MariaDB server, killed and deleted on drop.
///
/// Admin is `root` with a random password ([`MyServer::admin_password`]); Debug output hides it. Every
/// accessor and `exec`/`stop`/`start_again` is [`MyServer`]'s.
pub struct MariaDb(MyServer);

impl fmt::Debug for MariaDb {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl Deref for MariaDb {
    type Target = MyServer;
    fn deref(&self) -> &MyServer {
        &self.0
    }
}

impl DerefMut for MariaDb {
    fn deref_mut(&mut self) -> &mut MyServer {
        &mut self.0
    }
}

impl MariaDb {
    /// Initialises a data directory and starts `mariadbd` on a free port (retrying another port
    /// if the chosen one was taken meanwhile), then secures the root accounts.
    pub fn start() -> Result<Self> {
        Self::start_with(None)
    }

    /// [`MariaDb::start`] with TLS: the server presents `cert` (`--ssl-cert`/`--ssl-key`, and
    /// `--ssl-ca` with `ca_pem`). Clients may still connect without TLS.
    pub fn start_tls(cert: &ServerCert, ca_pem: &str) -> Result<Self> {
        Self::start_with(Some((cert, ca_pem)))
    }

    fn start_with(tls: Option<(&ServerCert, &str)>) -> Result<Self> {
        check_binaries()?;
        let mut db = MyServer::prepare(Flavour::MariaDb, tls, false)?;
        let mut install = Command::new(INSTALL_DB);
        install
            .arg("--no-defaults")
            .arg(format!("--datadir={}", db.dir().join("data").display()))
            .arg("--auth-root-authentication-method=normal")
            .arg("--skip-test-db");
        if is_root() {
            install.arg("--user=root");
        }
        let out = run_captured(install, None, SQL_TIMEOUT, INSTALL_DB)?;
        if !out.success() {
            bail!(
                "{INSTALL_DB} failed ({}):\n{}\n{}",
                out.status,
                out.stderr,
                out.stdout
            );
        }
        db.start_on_free_port()?;

        // root has no password yet; the anonymous accounts go (FACTS.md), root gets one.
        let secure = format!(
            "DELETE FROM mysql.global_priv WHERE User = '';\n\
             DELETE FROM mysql.global_priv WHERE User = 'root' AND Host NOT IN ('localhost', '127.0.0.1', '::1');\n\
             FLUSH PRIVILEGES;\n\
             ALTER USER IF EXISTS 'root'@'localhost' IDENTIFIED BY '{pw}';\n\
             ALTER USER IF EXISTS 'root'@'127.0.0.1' IDENTIFIED BY '{pw}';\n\
             ALTER USER IF EXISTS 'root'@'::1' IDENTIFIED BY '{pw}';\n",
            pw = db.admin_password()
        );
        db.exec(&secure)
            .context("securing MariaDB's root accounts")?;
        db.set_secured();
        Ok(Self(db))
    }
}

/// `mariadbd` for the data directory in `dir`; [`MyServer`] adds the port, socket and TLS options.
pub(crate) fn server_command(dir: &Path, log: &Path) -> Command {
    let mut cmd = Command::new(MARIADBD);
    cmd.arg("--no-defaults")
        .arg(format!("--datadir={}", dir.join("data").display()))
        .arg(format!("--log-error={}", log.display()));
    if is_root() {
        cmd.arg("--user=root");
    }
    cmd
}

fn check_binaries() -> Result<()> {
    if !Path::new(MARIADBD).is_file() {
        bail!("{MARIADBD} is missing: run `make setup` first");
    }
    let found = std::env::var_os("PATH")
        .is_some_and(|path| std::env::split_paths(&path).any(|d| d.join(INSTALL_DB).is_file()));
    if !found {
        bail!("{INSTALL_DB} is not on PATH: run `make setup` first");
    }
    check_client()
}
