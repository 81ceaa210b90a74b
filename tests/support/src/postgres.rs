//! [`Postgres`]: a throwaway PostgreSQL 15 server in a temporary directory on a free loopback port.
//!
//! Set up as FACTS.md records: `initdb` and `pg_ctl` refuse to run as root, so when we are root
//! they run as the `postgres` user (via `runuser`) on a data directory that user owns. TCP logins
//! need a password (`scram-sha-256`), so tests of wrong passwords mean something; the admin
//! `postgres` gets a random one. The socket lives in the data directory.

use std::fmt;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use anyhow::{Context, Result, bail};
use tempfile::TempDir;

use crate::LOOPBACK;
use crate::process::{Reaper, free_port, is_root, random_hex, run_captured, sh_quote};
use crate::tls::ServerCert;

const BIN_DIR: &str = "/usr/lib/postgresql/15/bin";
const CLIENT: &str = "psql";
const SYSTEM_USER: &str = "postgres";
const ADMIN: &str = "postgres";
const TOOL_TIMEOUT: Duration = Duration::from_secs(120);
const PORT_ATTEMPTS: usize = 5;

/// A running (or deliberately stopped) PostgreSQL server, stopped and deleted on drop.
///
/// Admin is `postgres` with a random password ([`Postgres::admin_password`]); Debug output
/// hides it.
pub struct Postgres {
    dir: TempDir,
    port: u16,
    password: String,
    running: bool,
    tls: bool,
    _reaper: Reaper,
}

impl fmt::Debug for Postgres {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Postgres")
            .field("dir", &self.dir.path())
            .field("port", &self.port)
            .field("admin_user", &ADMIN)
            .field("admin_password", &"***")
            .field("running", &self.running)
            .finish()
    }
}

impl Postgres {
    /// Runs `initdb` and starts the server with `pg_ctl -w` on a free port (retrying another
    /// port if the chosen one was taken meanwhile).
    pub fn start() -> Result<Self> {
        Self::start_with(None)
    }

    /// [`Postgres::start`] with TLS: `-c ssl=on` with `cert` as `ssl_cert_file`/`ssl_key_file` (owned
    /// by the `postgres` system user, the key mode 0600). Clients may still connect without TLS.
    pub fn start_tls(cert: &ServerCert) -> Result<Self> {
        Self::start_with(Some(cert))
    }

    fn start_with(tls: Option<&ServerCert>) -> Result<Self> {
        let initdb = Path::new(BIN_DIR).join("initdb");
        if !initdb.is_file() {
            bail!("{} is missing: run `make setup` first", initdb.display());
        }
        let dir = tempfile::Builder::new()
            .prefix("lx-postgres-")
            .tempdir()
            .context("creating PostgreSQL's temporary directory")?;
        let data = dir.path().join("data");
        let reaper = Reaper::spawn(&format!(
            "{pg_ctl} -D {data} stop -m immediate; rm -rf {dir}",
            pg_ctl = as_system_user_shell(&Path::new(BIN_DIR).join("pg_ctl")),
            data = sh_quote(&data.to_string_lossy()),
            dir = sh_quote(&dir.path().to_string_lossy()),
        ))?;
        let db = Self {
            dir,
            port: 0,
            password: random_hex(16)?,
            running: false,
            tls: tls.is_some(),
            _reaper: reaper,
        };
        if let Some(cert) = tls {
            for (name, text) in [
                ("server.crt", cert.cert_pem.as_str()),
                ("server.key", cert.key_pem.as_str()),
            ] {
                let path = db.dir.path().join(name);
                std::fs::write(&path, text)
                    .with_context(|| format!("writing PostgreSQL's {name}"))?;
                set_mode(&path, 0o600)?;
                if is_root() {
                    let (uid, gid) = system_user_ids()?;
                    std::os::unix::fs::chown(&path, Some(uid), Some(gid))
                        .with_context(|| format!("chown {SYSTEM_USER} {}", path.display()))?;
                }
            }
        }

        // The postgres user must reach the data directory and read the password file.
        let pwfile = db.dir.path().join("pwfile");
        std::fs::write(&pwfile, format!("{}\n", db.password))
            .context("writing the password file")?;
        if is_root() {
            set_mode(db.dir.path(), 0o755)?;
            set_mode(&pwfile, 0o600)?;
            let (uid, gid) = system_user_ids()?;
            std::fs::create_dir(&data).context("creating the data directory")?;
            set_mode(&data, 0o700)?;
            for path in [&data, &pwfile] {
                std::os::unix::fs::chown(path, Some(uid), Some(gid))
                    .with_context(|| format!("chown {SYSTEM_USER} {}", path.display()))?;
            }
        }
        let mut cmd = as_system_user(&initdb);
        cmd.arg("-D")
            .arg(&data)
            .args([
                "-U",
                ADMIN,
                "--auth-local=trust",
                "--auth-host=scram-sha-256",
            ])
            .arg(format!("--pwfile={}", pwfile.display()))
            .args(["-E", "UTF8", "--locale=C", "--no-sync", "--no-instructions"]);
        let out = run_captured(cmd, None, TOOL_TIMEOUT, "initdb")?;
        let _ = std::fs::remove_file(&pwfile);
        if !out.success() {
            bail!(
                "initdb failed ({}):\n{}\n{}",
                out.status,
                out.stderr,
                out.stdout
            );
        }

        let mut db = db;
        let mut last_error = None;
        for _ in 0..PORT_ATTEMPTS {
            db.port = free_port()?;
            match db.pg_ctl_start() {
                Ok(()) => {
                    last_error = None;
                    break;
                }
                Err(e) => last_error = Some(e),
            }
        }
        if let Some(e) = last_error {
            return Err(e.context(format!(
                "PostgreSQL did not start after {PORT_ATTEMPTS} ports"
            )));
        }
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

    /// The admin account's user name: `postgres` (superuser).
    pub fn admin_user(&self) -> &str {
        ADMIN
    }

    /// The admin account's password (random per instance).
    pub fn admin_password(&self) -> &str {
        &self.password
    }

    /// The temporary directory holding the data directory (with the socket and server log).
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// The server log so far, for failure messages.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.log_path()).unwrap_or_default()
    }

    /// Runs `sql` (one or more `;`-terminated statements) as `postgres` in database `postgres`
    /// through `psql` over TCP and returns stdout: unaligned rows, fields separated by tabs, no
    /// header, no command tags. Stops at the first error.
    pub fn exec(&self, sql: &str) -> Result<String> {
        self.exec_as(ADMIN, &self.password, None, sql)
    }

    /// Runs `sql` as `user`/`password` in database `db` (default `postgres`) through `psql` over
    /// TCP. The password goes through `PGPASSWORD` and the SQL through stdin, never the command
    /// line. `Err` carries psql's stderr.
    pub fn exec_as(
        &self,
        user: &str,
        password: &str,
        db: Option<&str>,
        sql: &str,
    ) -> Result<String> {
        let mut cmd = Command::new(CLIENT);
        cmd.args(["-X", "-q", "-A", "-t", "-F", "\t", "-v", "ON_ERROR_STOP=1"])
            .args(["-h", LOOPBACK, "-p", &self.port.to_string(), "-U", user])
            .args(["-d", db.unwrap_or("postgres")])
            .env("PGPASSWORD", password)
            .env("PGCONNECT_TIMEOUT", "10")
            .env_remove("PGSERVICE")
            .env_remove("PGOPTIONS");
        let out = run_captured(cmd, Some(sql.as_bytes()), TOOL_TIMEOUT, CLIENT)?;
        if !out.success() {
            bail!(
                "psql as {user} failed ({}): {}",
                out.status,
                out.stderr.trim()
            );
        }
        Ok(out.stdout)
    }

    /// Whether the server is running (not [`Postgres::stop`]ped).
    pub fn is_running(&self) -> bool {
        self.running
    }

    /// Shuts the server down (`pg_ctl stop -m fast`), keeping its data, to simulate an outage.
    /// Idempotent.
    pub fn stop(&mut self) -> Result<()> {
        if !self.running {
            return Ok(());
        }
        self.pg_ctl_stop("fast")?;
        self.running = false;
        Ok(())
    }

    /// Starts the server again on the same port with the same data after [`Postgres::stop`].
    pub fn start_again(&mut self) -> Result<()> {
        if self.running {
            return Ok(());
        }
        self.pg_ctl_start()
    }

    fn data(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    fn log_path(&self) -> PathBuf {
        self.data().join("server.log")
    }

    fn pg_ctl_start(&mut self) -> Result<()> {
        let data = self.data();
        let mut options = format!(
            "-p {} -k {} -c listen_addresses={LOOPBACK} -c fsync=off",
            self.port,
            data.display()
        );
        if self.tls {
            options.push_str(&format!(
                " -c ssl=on -c ssl_cert_file={} -c ssl_key_file={}",
                self.dir.path().join("server.crt").display(),
                self.dir.path().join("server.key").display()
            ));
        }
        let mut cmd = as_system_user(&Path::new(BIN_DIR).join("pg_ctl"));
        cmd.arg("-D")
            .arg(&data)
            .arg("-l")
            .arg(self.log_path())
            .arg("-o")
            .arg(options)
            .args(["-w", "-t", "60", "start"]);
        let out = run_captured(cmd, None, TOOL_TIMEOUT, "pg_ctl start")?;
        if !out.success() {
            bail!(
                "pg_ctl start on port {} failed ({}):\n{}\n{}",
                self.port,
                out.status,
                out.stdout.trim(),
                self.log()
            );
        }
        self.running = true;
        Ok(())
    }

    fn pg_ctl_stop(&self, mode: &str) -> Result<()> {
        let mut cmd = as_system_user(&Path::new(BIN_DIR).join("pg_ctl"));
        cmd.arg("-D")
            .arg(self.data())
            .args(["-m", mode, "-w", "-t", "60", "stop"]);
        let out = run_captured(cmd, None, TOOL_TIMEOUT, "pg_ctl stop")?;
        if !out.success() {
            bail!("pg_ctl stop failed ({}): {}", out.status, out.stderr.trim());
        }
        Ok(())
    }
}

impl Drop for Postgres {
    fn drop(&mut self) {
        // Also when not `running`: a start that timed out may have left a server behind.
        if self.running || self.data().join("postmaster.pid").exists() {
            let _ = self.pg_ctl_stop("immediate");
        }
    }
}

/// A command running `program` as the `postgres` system user when we are root.
fn as_system_user(program: &Path) -> Command {
    if is_root() {
        let mut cmd = Command::new("runuser");
        cmd.args(["-u", SYSTEM_USER, "--"]).arg(program);
        cmd
    } else {
        Command::new(program)
    }
}

/// The shell form of [`as_system_user`], for the reaper script.
fn as_system_user_shell(program: &Path) -> String {
    let program = sh_quote(&program.to_string_lossy());
    if is_root() {
        format!("runuser -u {SYSTEM_USER} -- {program}")
    } else {
        program
    }
}

fn set_mode(path: &Path, mode: u32) -> Result<()> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))
        .with_context(|| format!("chmod {mode:o} {}", path.display()))
}

/// uid and gid of the `postgres` system user, from /etc/passwd.
fn system_user_ids() -> Result<(u32, u32)> {
    let passwd = std::fs::read_to_string("/etc/passwd").context("reading /etc/passwd")?;
    parse_passwd_ids(&passwd, SYSTEM_USER).with_context(|| {
        format!("no {SYSTEM_USER} user in /etc/passwd (it comes with postgresql-15): run `make setup` first")
    })
}

fn parse_passwd_ids(passwd: &str, user: &str) -> Option<(u32, u32)> {
    passwd.lines().find_map(|line| {
        let mut fields = line.split(':');
        if fields.next()? != user {
            return None;
        }
        let _password = fields.next()?;
        let uid = fields.next()?.parse().ok()?;
        let gid = fields.next()?.parse().ok()?;
        Some((uid, gid))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_ids_in_passwd() {
        let passwd = "root:x:0:0:root:/root:/bin/bash\n\
                      postgres:x:101:104:PostgreSQL administrator,,,:/var/lib/postgresql:/bin/bash\n\
                      broken:x:notanumber:1::/:/bin/sh\n";
        let cases = [
            ("postgres", Some((101, 104))),
            ("root", Some((0, 0))),
            ("broken", None),
            ("absent", None),
            ("post", None),
        ];
        for (user, want) in cases {
            assert_eq!(parse_passwd_ids(passwd, user), want, "user {user}");
        }
    }
}
