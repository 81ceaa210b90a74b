//! [`MariaDb`]: a throwaway MariaDB server in a temporary directory on a free loopback port.
//!
//! Set up as FACTS.md records: `mariadb-install-db --no-defaults ... --auth-root-authentication-method=normal`,
//! then `mariadbd --no-defaults` (as root when we are root), then the anonymous accounts dropped
//! (they would shadow `'%'` accounts) and the root accounts given a random password.

use std::fmt;
use std::fs::File;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use tempfile::TempDir;

use crate::LOOPBACK;
use crate::process::{
    Reaper, free_port, is_root, kill_child_group, kill_group, port_open, random_hex, run_captured,
    sh_quote, wait_timeout,
};

const MARIADBD: &str = "/usr/sbin/mariadbd";
const INSTALL_DB: &str = "mariadb-install-db";
const CLIENT: &str = "mariadb";
const START_TIMEOUT: Duration = Duration::from_secs(60);
const SQL_TIMEOUT: Duration = Duration::from_secs(120);
const PORT_ATTEMPTS: usize = 5;

/// A running (or deliberately stopped) MariaDB server, killed and deleted on drop.
///
/// Admin is `root` with a random password ([`MariaDb::admin_password`]); Debug output hides it.
pub struct MariaDb {
    dir: TempDir,
    port: u16,
    password: String,
    secured: bool,
    server: Option<Child>,
    _reaper: Reaper,
}

impl fmt::Debug for MariaDb {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MariaDb")
            .field("dir", &self.dir.path())
            .field("port", &self.port)
            .field("admin_user", &"root")
            .field("admin_password", &"***")
            .field("running", &self.server.is_some())
            .finish()
    }
}

impl MariaDb {
    /// Initialises a data directory and starts `mariadbd` on a free port (retrying another port
    /// if the chosen one was taken meanwhile), then secures the root accounts.
    pub fn start() -> Result<Self> {
        check_binaries()?;
        let dir = tempfile::Builder::new()
            .prefix("lx-mariadb-")
            .tempdir()
            .context("creating MariaDB's temporary directory")?;
        let data = dir.path().join("data");
        let reaper = Reaper::spawn(&format!(
            "env kill -KILL -- -$(cat {pgid} 2>/dev/null) 2>/dev/null; rm -rf {dir}",
            pgid = sh_quote(&dir.path().join("server.pgid").to_string_lossy()),
            dir = sh_quote(&dir.path().to_string_lossy()),
        ))?;

        let mut install = Command::new(INSTALL_DB);
        install
            .arg("--no-defaults")
            .arg(format!("--datadir={}", data.display()))
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

        let mut db = Self {
            dir,
            port: 0,
            password: random_hex(16)?,
            secured: false,
            server: None,
            _reaper: reaper,
        };
        let mut last_error = None;
        for _ in 0..PORT_ATTEMPTS {
            db.port = free_port()?;
            match db.spawn_server() {
                Ok(()) => {
                    last_error = None;
                    break;
                }
                Err(e) => last_error = Some(e),
            }
        }
        if let Some(e) = last_error {
            return Err(e.context(format!("MariaDB did not start after {PORT_ATTEMPTS} ports")));
        }

        // root has no password yet; the anonymous accounts go (FACTS.md), root gets one.
        let secure = format!(
            "DELETE FROM mysql.global_priv WHERE User = '';\n\
             DELETE FROM mysql.global_priv WHERE User = 'root' AND Host NOT IN ('localhost', '127.0.0.1', '::1');\n\
             FLUSH PRIVILEGES;\n\
             ALTER USER IF EXISTS 'root'@'localhost' IDENTIFIED BY '{pw}';\n\
             ALTER USER IF EXISTS 'root'@'127.0.0.1' IDENTIFIED BY '{pw}';\n\
             ALTER USER IF EXISTS 'root'@'::1' IDENTIFIED BY '{pw}';\n",
            pw = db.password
        );
        db.client("root", "", None, &secure)
            .context("securing MariaDB's root accounts")?;
        db.secured = true;
        Ok(db)
    }

    /// The host to connect to: `127.0.0.1`.
    pub fn host(&self) -> &str {
        LOOPBACK
    }

    /// The TCP port.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The admin account's user name: `root`.
    pub fn admin_user(&self) -> &str {
        "root"
    }

    /// The admin account's password (random per instance).
    pub fn admin_password(&self) -> &str {
        &self.password
    }

    /// The temporary directory holding the data directory, socket and error log.
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// The server's error log so far, for failure messages.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.log_path()).unwrap_or_default()
    }

    /// Runs `sql` (one or more `;`-terminated statements) as root through the `mariadb` client
    /// over TCP and returns stdout: tab-separated rows, no header line.
    pub fn exec(&self, sql: &str) -> Result<String> {
        self.client("root", &self.password, None, sql)
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

    /// Whether the server process is running (not [`MariaDb::stop`]ped).
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

    /// Starts the server again on the same port with the same data after [`MariaDb::stop`].
    pub fn start_again(&mut self) -> Result<()> {
        if self.server.is_some() {
            return Ok(());
        }
        self.spawn_server()
    }

    fn log_path(&self) -> PathBuf {
        self.dir.path().join("error.log")
    }

    fn spawn_server(&mut self) -> Result<()> {
        let dir = self.dir.path();
        let log = self.log_path();
        let log_start = std::fs::metadata(&log).map(|m| m.len()).unwrap_or(0);
        let mut cmd = Command::new(MARIADBD);
        cmd.arg("--no-defaults")
            .arg(format!("--datadir={}", dir.join("data").display()))
            .arg(format!("--socket={}", dir.join("sock").display()))
            .arg(format!("--port={}", self.port))
            .arg(format!("--bind-address={LOOPBACK}"))
            .args(["--skip-log-bin", "--skip-name-resolve"])
            .arg(format!("--log-error={}", log.display()))
            .arg(format!("--pid-file={}", dir.join("mariadbd.pid").display()));
        if is_root() {
            cmd.arg("--user=root");
        }
        let mut child = cmd
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::from(
                File::options()
                    .create(true)
                    .append(true)
                    .open(dir.join("stderr.log"))
                    .context("opening mariadbd's stderr log")?,
            ))
            .process_group(0)
            .spawn()
            .with_context(|| format!("cannot start {MARIADBD}"))?;
        std::fs::write(dir.join("server.pgid"), child.id().to_string())
            .context("recording mariadbd's process group")?;

        let deadline = Instant::now() + START_TIMEOUT;
        loop {
            if let Ok(Some(status)) = child.try_wait() {
                let log = std::fs::read_to_string(&log).unwrap_or_default();
                let tail = log.get(log_start as usize..).unwrap_or(&log);
                bail!("mariadbd exited with {status} while starting:\n{tail}");
            }
            // Listening on our port is not proof enough (another process may hold it): ask.
            if port_open(self.port)
                && self
                    .client("root", self.root_password_now(), None, "SELECT 1;")
                    .is_ok()
            {
                self.server = Some(child);
                return Ok(());
            }
            if Instant::now() > deadline {
                kill_child_group(&mut child);
                bail!(
                    "mariadbd did not accept connections within {START_TIMEOUT:?}:\n{}",
                    self.log()
                );
            }
            thread::sleep(Duration::from_millis(50));
        }
    }

    /// root's password as the server knows it: none until [`MariaDb::start`] has set it.
    fn root_password_now(&self) -> &str {
        if self.secured { &self.password } else { "" }
    }

    fn client(&self, user: &str, password: &str, db: Option<&str>, sql: &str) -> Result<String> {
        let mut cmd = Command::new(CLIENT);
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
                "mariadb client as {user} failed ({}): {}",
                out.status,
                out.stderr.trim()
            );
        }
        Ok(out.stdout)
    }
}

impl Drop for MariaDb {
    fn drop(&mut self) {
        if let Some(mut child) = self.server.take() {
            kill_child_group(&mut child);
        }
    }
}

fn check_binaries() -> Result<()> {
    if !Path::new(MARIADBD).is_file() {
        bail!("{MARIADBD} is missing: run `make setup` first");
    }
    for tool in [INSTALL_DB, CLIENT] {
        let found = std::env::var_os("PATH")
            .is_some_and(|path| std::env::split_paths(&path).any(|d| d.join(tool).is_file()));
        if !found {
            bail!("{tool} is not on PATH: run `make setup` first");
        }
    }
    Ok(())
}
