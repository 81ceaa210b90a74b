//! What the MySQL-family guards share: [`MyServer`], a throwaway server speaking the MySQL protocol
//! (its temporary directory, port, admin password, process and `mariadb` client), and
//! [`MysqlFamily`], either guard chosen by engine name.
//!
//! [`crate::MariaDb`] and [`crate::Mysql`] differ only in how a data directory is made and which
//! server binary runs it; both dereference to [`MyServer`] for everything else, so a test written
//! against `&MyServer` runs on either.

use std::fmt;
use std::fs::File;
use std::ops::{Deref, DerefMut};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use tempfile::TempDir;

use crate::process::{
    Reaper, free_port, kill_child_group, kill_group, port_open, random_hex, run_captured, sh_quote,
    wait_timeout,
};
use crate::tls::ServerCert;
use crate::{LOOPBACK, MariaDb, Mysql};

/// The command-line client both flavours are driven with (bookworm's MariaDB client also logs in to
/// Oracle MySQL as a caching_sha2_password user).
pub(crate) const CLIENT: &str = "mariadb";
pub(crate) const SQL_TIMEOUT: Duration = Duration::from_secs(120);
const START_TIMEOUT: Duration = Duration::from_secs(60);
const PORT_ATTEMPTS: usize = 5;

/// Which server runs the data directory.
#[derive(Debug, Clone)]
pub(crate) enum Flavour {
    /// Debian's `mariadbd`.
    MariaDb,
    /// Oracle `mysqld` from the sid root at this path.
    Mysql(PathBuf),
}

/// A running (or deliberately stopped) MySQL-protocol server on 127.0.0.1, killed and deleted on drop.
///
/// Admin is `root` with a random password ([`MyServer::admin_password`]); Debug output hides it.
pub struct MyServer {
    dir: TempDir,
    port: u16,
    password: String,
    /// Whether root has its password yet (MariaDB's install leaves it empty until secured).
    secured: bool,
    tls: bool,
    flavour: Flavour,
    server: Option<Child>,
    _reaper: Reaper,
}

impl fmt::Debug for MyServer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct(self.name())
            .field("dir", &self.dir.path())
            .field("port", &self.port)
            .field("tls", &self.tls)
            .field("admin_user", &"root")
            .field("admin_password", &"***")
            .field("running", &self.server.is_some())
            .finish()
    }
}

impl MyServer {
    /// A new temporary directory (with a watcher that cleans up after a killed test), a random admin
    /// password and, with `tls`, the server certificate, key and CA written beside the data directory.
    pub(crate) fn prepare(
        flavour: Flavour,
        tls: Option<(&ServerCert, &str)>,
        secured: bool,
    ) -> Result<Self> {
        let prefix = match flavour {
            Flavour::MariaDb => "lx-mariadb-",
            Flavour::Mysql(_) => "lx-mysql-",
        };
        let dir = tempfile::Builder::new()
            .prefix(prefix)
            .tempdir()
            .context("creating the database's temporary directory")?;
        let reaper = Reaper::spawn(&format!(
            "env kill -KILL -- -$(cat {pgid} 2>/dev/null) 2>/dev/null; rm -rf {dir}",
            pgid = sh_quote(&dir.path().join("server.pgid").to_string_lossy()),
            dir = sh_quote(&dir.path().to_string_lossy()),
        ))?;
        if let Some((cert, ca_pem)) = tls {
            for (name, text) in [
                ("server-cert.pem", cert.cert_pem.as_str()),
                ("server-key.pem", cert.key_pem.as_str()),
                ("ca.pem", ca_pem),
            ] {
                std::fs::write(dir.path().join(name), text)
                    .with_context(|| format!("writing the database's {name}"))?;
            }
        }
        Ok(Self {
            dir,
            port: 0,
            password: random_hex(16)?,
            secured,
            tls: tls.is_some(),
            flavour,
            server: None,
            _reaper: reaper,
        })
    }

    /// Starts the server on a free port, retrying another port if the chosen one was taken meanwhile.
    pub(crate) fn start_on_free_port(&mut self) -> Result<()> {
        let mut last_error = None;
        for _ in 0..PORT_ATTEMPTS {
            self.port = free_port()?;
            match self.spawn_server() {
                Ok(()) => return Ok(()),
                Err(e) => last_error = Some(e),
            }
        }
        let name = self.name();
        Err(last_error
            .unwrap_or_else(|| anyhow::anyhow!("no port tried"))
            .context(format!("{name} did not start after {PORT_ATTEMPTS} ports")))
    }

    /// Marks root's password as set (MariaDB, after securing the fresh install).
    pub(crate) fn set_secured(&mut self) {
        self.secured = true;
    }

    /// The `engine` value of a `logexaminer_db_user` for this server: `mariadb` or `mysql`.
    pub fn engine(&self) -> &'static str {
        match self.flavour {
            Flavour::MariaDb => "mariadb",
            Flavour::Mysql(_) => "mysql",
        }
    }

    fn name(&self) -> &'static str {
        match self.flavour {
            Flavour::MariaDb => "MariaDb",
            Flavour::Mysql(_) => "Mysql",
        }
    }

    /// The host to connect to: `127.0.0.1`.
    pub fn host(&self) -> &str {
        LOOPBACK
    }

    /// The TCP port.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The admin account's user name: `root` (on MySQL the account `root`@`127.0.0.1`).
    pub fn admin_user(&self) -> &str {
        "root"
    }

    /// The admin account's password (random per instance).
    pub fn admin_password(&self) -> &str {
        &self.password
    }

    /// Whether the server presents a certificate ([`MariaDb::start_tls`], [`Mysql::start_tls`]).
    pub fn tls(&self) -> bool {
        self.tls
    }

    /// The temporary directory holding the data directory, socket and error log.
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// The server's error log so far, for failure messages.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.log_path()).unwrap_or_default()
    }

    pub(crate) fn log_path(&self) -> PathBuf {
        self.dir.path().join("error.log")
    }

    /// Runs `sql` (one or more `;`-terminated statements) as root through the `mariadb` client
    /// over TCP and returns stdout: tab-separated rows, no header line.
    pub fn exec(&self, sql: &str) -> Result<String> {
        self.client("root", self.root_password_now(), None, sql)
    }

    /// Runs `sql` as `user`/`password` (in database `db`, if given) through the `mariadb` client
    /// over TCP. The password goes through `MYSQL_PWD` and the SQL through stdin, never the command
    /// line. `Err` carries the client's stderr.
    pub fn exec_as(
        &self,
        user: &str,
        password: &str,
        db: Option<&str>,
        sql: &str,
    ) -> Result<String> {
        self.client(user, password, db, sql)
    }

    /// Whether the server process is running (not [`MyServer::stop`]ped).
    pub fn is_running(&self) -> bool {
        self.server.is_some()
    }

    /// Shuts the server down (SIGTERM, then SIGKILL after 30 s), keeping its data, to simulate
    /// an outage. Idempotent.
    pub fn stop(&mut self) -> Result<()> {
        if let Some(mut child) = self.server.take() {
            kill_group(child.id(), "TERM");
            if wait_timeout(&mut child, Duration::from_secs(30)).is_none() {
                kill_child_group(&mut child);
            }
        }
        Ok(())
    }

    /// Starts the server again on the same port with the same data after [`MyServer::stop`].
    pub fn start_again(&mut self) -> Result<()> {
        if self.server.is_some() {
            return Ok(());
        }
        self.spawn_server()
    }

    /// root's password as the server knows it: none until a fresh MariaDB install is secured.
    fn root_password_now(&self) -> &str {
        if self.secured { &self.password } else { "" }
    }

    /// The TLS options of both servers (the same names on MariaDB and MySQL).
    fn tls_args(&self) -> Vec<String> {
        if !self.tls {
            return Vec::new();
        }
        let dir = self.dir.path();
        vec![
            format!("--ssl-ca={}", dir.join("ca.pem").display()),
            format!("--ssl-cert={}", dir.join("server-cert.pem").display()),
            format!("--ssl-key={}", dir.join("server-key.pem").display()),
        ]
    }

    fn spawn_server(&mut self) -> Result<()> {
        let dir = self.dir.path().to_path_buf();
        let log = self.log_path();
        let log_start = std::fs::metadata(&log).map(|m| m.len()).unwrap_or(0);
        let (mut cmd, binary) = match &self.flavour {
            Flavour::MariaDb => (crate::mariadb::server_command(&dir, &log), "mariadbd"),
            Flavour::Mysql(root) => (crate::mysql::server_command(root, &dir, &log), "mysqld"),
        };
        cmd.arg(format!("--socket={}", dir.join("sock").display()))
            .arg(format!("--port={}", self.port))
            .arg(format!("--bind-address={LOOPBACK}"))
            .args(["--skip-log-bin", "--skip-name-resolve"])
            .arg(format!("--pid-file={}", dir.join("server.pid").display()))
            .args(self.tls_args());
        let mut child = cmd
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::from(
                File::options()
                    .create(true)
                    .append(true)
                    .open(dir.join("stderr.log"))
                    .with_context(|| format!("opening {binary}'s stderr log"))?,
            ))
            .process_group(0)
            .spawn()
            .with_context(|| format!("cannot start {binary}"))?;
        std::fs::write(dir.join("server.pgid"), child.id().to_string())
            .with_context(|| format!("recording {binary}'s process group"))?;

        let deadline = Instant::now() + START_TIMEOUT;
        loop {
            if let Ok(Some(status)) = child.try_wait() {
                let log = std::fs::read_to_string(&log).unwrap_or_default();
                let tail = log.get(log_start as usize..).unwrap_or(&log);
                bail!("{binary} exited with {status} while starting:\n{tail}");
            }
            // Listening on our port is not proof enough (another process may hold it): ask.
            if port_open(self.port) && self.exec("SELECT 1;").is_ok() {
                self.server = Some(child);
                return Ok(());
            }
            if Instant::now() > deadline {
                kill_child_group(&mut child);
                bail!(
                    "{binary} did not accept connections within {START_TIMEOUT:?}:\n{}",
                    self.log()
                );
            }
            thread::sleep(Duration::from_millis(50));
        }
    }

    fn client(&self, user: &str, password: &str, db: Option<&str>, sql: &str) -> Result<String> {
        let mut cmd = std::process::Command::new(CLIENT);
        cmd.arg("--no-defaults")
            .arg("--protocol=TCP")
            .arg(format!("--host={LOOPBACK}"))
            .arg(format!("--port={}", self.port))
            .arg(format!("--user={user}"))
            .args(["--batch", "--skip-column-names", "--connect-timeout=10"])
            .env("MYSQL_PWD", password);
        if let Some(db) = db {
            cmd.arg(format!("--database={db}"));
        }
        let out = run_captured(cmd, Some(sql.as_bytes()), SQL_TIMEOUT, CLIENT)?;
        if !out.success() {
            bail!(
                "{CLIENT} client as {user} ({} server) failed ({}): {}",
                self.engine(),
                out.status,
                out.stderr.trim()
            );
        }
        Ok(out.stdout)
    }
}

impl Drop for MyServer {
    fn drop(&mut self) {
        if let Some(mut child) = self.server.take() {
            kill_child_group(&mut child);
        }
    }
}

/// `CLIENT` must be on `PATH` for either flavour.
pub(crate) fn check_client() -> Result<()> {
    let found = std::env::var_os("PATH")
        .is_some_and(|path| std::env::split_paths(&path).any(|d| d.join(CLIENT).is_file()));
    if !found {
        bail!("{CLIENT} is not on PATH: run `make setup` first");
    }
    Ok(())
}

/// A MySQL-family server chosen by its engine name: MariaDB or Oracle MySQL. Dereferences to
/// [`MyServer`], so suites written once run on both.
#[derive(Debug)]
pub enum MysqlFamily {
    /// MariaDB 10.11 (Debian bookworm), `engine = "mariadb"`.
    MariaDb(MariaDb),
    /// Oracle MySQL 9.7 (the sid root), `engine = "mysql"`.
    Mysql(Mysql),
}

impl MysqlFamily {
    /// The engines this family serves, in the order suites run them.
    pub const ENGINES: [&'static str; 2] = ["mariadb", "mysql"];

    /// Starts the server for `engine` (`mariadb` or `mysql`, as in `logexaminer_db_user.engine`).
    pub fn start(engine: &str) -> Result<Self> {
        Ok(match engine {
            "mariadb" => Self::MariaDb(MariaDb::start()?),
            "mysql" => Self::Mysql(Mysql::start()?),
            other => bail!("{other:?} is not a MySQL-family engine (mariadb, mysql)"),
        })
    }

    /// [`MysqlFamily::start`] serving TLS with `cert`, issued by the CA `ca_pem`.
    pub fn start_tls(engine: &str, cert: &ServerCert, ca_pem: &str) -> Result<Self> {
        Ok(match engine {
            "mariadb" => Self::MariaDb(MariaDb::start_tls(cert, ca_pem)?),
            "mysql" => Self::Mysql(Mysql::start_tls(cert, ca_pem)?),
            other => bail!("{other:?} is not a MySQL-family engine (mariadb, mysql)"),
        })
    }
}

impl Deref for MysqlFamily {
    type Target = MyServer;
    fn deref(&self) -> &MyServer {
        match self {
            Self::MariaDb(m) => m,
            Self::Mysql(m) => m,
        }
    }
}

impl DerefMut for MysqlFamily {
    fn deref_mut(&mut self) -> &mut MyServer {
        match self {
            Self::MariaDb(m) => m,
            Self::Mysql(m) => m,
        }
    }
}
