//! [`Mysql`]: a throwaway Oracle MySQL server in a temporary directory on a free loopback port.
//!
//! `mysqld` comes from the Debian sid root that `make setup` builds (`scripts/mysql-root.sh`,
//! cached in `$LOGEXAMINER_MYSQL_ROOT`, else `/var/cache/logexaminer/mysql-sid` as root or
//! `~/.cache/logexaminer/mysql-sid`): MySQL 9.7, the closest server to RDS for MySQL 8.4 that can be
//! had here. It runs through that root's own dynamic loader and libraries (no chroot), so its data
//! directory lives in our temporary directory. `mysqld --initialize-insecure --init-file` creates
//! `root`@`127.0.0.1` with a random password (caching_sha2_password, the server default); statements
//! go through bookworm's `mariadb` client over TCP. Everything after the initialisation is
//! [`MyServer`]'s, shared with [`crate::MariaDb`].

use std::fmt;
use std::ops::{Deref, DerefMut};
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result, bail};

use crate::mysql_family::{Flavour, MyServer, SQL_TIMEOUT, check_client};
use crate::process::{is_root, run_captured};
use crate::tls::ServerCert;

/// The sid root holding MySQL: `$LOGEXAMINER_MYSQL_ROOT`, else where `scripts/mysql-root.sh` puts it.
pub fn mysql_root() -> PathBuf {
    if let Some(dir) = std::env::var_os("LOGEXAMINER_MYSQL_ROOT").filter(|d| !d.is_empty()) {
        return PathBuf::from(dir);
    }
    if is_root() {
        return PathBuf::from("/var/cache/logexaminer/mysql-sid");
    }
    let cache = std::env::var_os("XDG_CACHE_HOME")
        .filter(|d| !d.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")))
        .unwrap_or_else(|| PathBuf::from("/tmp"));
    cache.join("logexaminer/mysql-sid")
}

/// A running (or deliberately stopped) MySQL server, killed and deleted on drop.
///
/// Admin is `root`@`127.0.0.1` with a random password ([`MyServer::admin_password`]); Debug output
/// hides it. Every accessor and `exec`/`stop`/`start_again` is [`MyServer`]'s.
pub struct Mysql(MyServer);

impl fmt::Debug for Mysql {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl Deref for Mysql {
    type Target = MyServer;
    fn deref(&self) -> &MyServer {
        &self.0
    }
}

impl DerefMut for Mysql {
    fn deref_mut(&mut self) -> &mut MyServer {
        &mut self.0
    }
}

impl Mysql {
    /// Initialises a data directory and starts `mysqld` on a free port (retrying another port if
    /// the chosen one was taken meanwhile).
    pub fn start() -> Result<Self> {
        Self::start_with(None)
    }

    /// [`Mysql::start`] with TLS: the server presents `cert` (`--ssl-cert`/`--ssl-key`, and `--ssl-ca`
    /// with `ca_pem`) instead of the self-signed certificate `mysqld --initialize` generates. Clients
    /// may still connect without TLS (caching_sha2_password then exchanges the password with the
    /// server's RSA key).
    pub fn start_tls(cert: &ServerCert, ca_pem: &str) -> Result<Self> {
        Self::start_with(Some((cert, ca_pem)))
    }

    fn start_with(tls: Option<(&ServerCert, &str)>) -> Result<Self> {
        let root = mysql_root();
        check_binaries(&root)?;
        let mut db = MyServer::prepare(Flavour::Mysql(root.clone()), tls, true)?;

        std::fs::create_dir_all(db.dir().join("files"))
            .context("creating MySQL's secure-file-priv directory")?;
        // root@localhost (socket only) and root@127.0.0.1 (TCP) get the random password.
        let init = db.dir().join("init.sql");
        std::fs::write(
            &init,
            format!(
                "ALTER USER 'root'@'localhost' IDENTIFIED BY '{pw}';\n\
                 CREATE USER 'root'@'127.0.0.1' IDENTIFIED BY '{pw}';\n\
                 GRANT ALL ON *.* TO 'root'@'127.0.0.1' WITH GRANT OPTION;\n\
                 GRANT PROXY ON ''@'' TO 'root'@'127.0.0.1' WITH GRANT OPTION;\n",
                pw = db.admin_password()
            ),
        )
        .context("writing MySQL's init file")?;
        let mut install = server_command(&root, db.dir(), &db.log_path());
        install
            .arg("--initialize-insecure")
            .arg(format!("--init-file={}", init.display()));
        let out = run_captured(install, None, SQL_TIMEOUT, "mysqld --initialize-insecure")?;
        let _ = std::fs::remove_file(&init);
        if !out.success() {
            bail!(
                "mysqld --initialize-insecure failed ({}):\n{}\n{}",
                out.status,
                db.log(),
                out.stderr
            );
        }
        db.start_on_free_port()?;
        Ok(Self(db))
    }
}

/// `mysqld` from the sid root, through the root's dynamic loader and libraries, for the data directory
/// in `dir`; [`MyServer`] adds the port, socket and TLS options (not used by `--initialize-insecure`).
pub(crate) fn server_command(root: &Path, dir: &Path, log: &Path) -> Command {
    let mut cmd = Command::new(root.join("usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2"));
    cmd.arg("--library-path")
        .arg(root.join("usr/lib/x86_64-linux-gnu"))
        .arg(root.join("usr/sbin/mysqld"))
        .arg("--no-defaults")
        .arg(format!("--basedir={}", root.join("usr").display()))
        .arg(format!(
            "--lc-messages-dir={}",
            root.join("usr/share/mysql").display()
        ))
        .arg(format!(
            "--character-sets-dir={}",
            root.join("usr/share/mysql/charsets").display()
        ))
        .arg(format!(
            "--plugin-dir={}",
            root.join("usr/lib/mysql/plugin").display()
        ))
        .arg(format!("--datadir={}", dir.join("data").display()))
        .arg(format!("--log-error={}", log.display()))
        .arg("--mysqlx=OFF")
        .arg(format!(
            "--secure-file-priv={}",
            dir.join("files").display()
        ));
    if is_root() {
        cmd.arg("--user=root");
    }
    cmd
}

fn check_binaries(root: &Path) -> Result<()> {
    for file in [
        "usr/sbin/mysqld",
        "usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2",
        "logexaminer-versions",
    ] {
        if !root.join(file).is_file() {
            bail!(
                "{} is missing: run `make setup` first (it builds the MySQL root)",
                root.join(file).display()
            );
        }
    }
    check_client()
}
