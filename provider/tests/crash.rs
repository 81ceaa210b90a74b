//! Crash-safe applies: `terraform apply` of several `logexaminer_db_user`s (parallelism 10) killed with
//! SIGKILL (the whole process group: Terraform and the provider) at points spread over a create, a grant
//! change, a password rotation and a destroy, on MariaDB, Oracle MySQL and PostgreSQL against moto, then
//! applied again.
//! Some trials also lose or truncate the local state file, as a kill during Terraform's state rewrite does.
//!
//! After each trial: the second apply succeeds, the next plan is empty (grants exactly the configured ones),
//! every user logs in with the password in its secret, no user or secret is left that the configuration does
//! not name, and no generated password is in the state. The figure printed at the end is trials converged
//! over trials run. Quick mode (the default, run by `make test`): 6 users; `CRASH_USERS=20` for more.

use std::os::unix::process::CommandExt;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail, ensure};
use serde_json::{Value, json};
use test_support::{Moto, MysqlFamily, Postgres, Provider, TfWorkdir};

const ADMIN_PW: &str = "crash-admin-pw-0123456789abcdefghij";

fn users() -> usize {
    std::env::var("CRASH_USERS")
        .ok()
        .and_then(|v| v.parse().ok())
        .filter(|n| (1..=200).contains(n))
        .unwrap_or(6)
}

enum Db {
    Pg(Postgres),
    My(MysqlFamily),
}

/// The admin of a MySQL-family server, shaped like RDS's master user: no SUPER, `CREATE USER`, `SELECT` on
/// `mysql.*` and everything on the metastore database with `GRANT OPTION`.
fn mysql_family_setup() -> String {
    format!(
        "CREATE DATABASE metastore; CREATE USER 'lx_admin'@'%' IDENTIFIED BY '{ADMIN_PW}'; \
         GRANT CREATE USER ON *.* TO 'lx_admin'@'%'; GRANT SELECT ON mysql.* TO 'lx_admin'@'%'; \
         GRANT ALL PRIVILEGES ON metastore.* TO 'lx_admin'@'%' WITH GRANT OPTION;"
    )
}

impl Db {
    fn start(engine: &str) -> Result<Db> {
        Ok(if engine == "postgres" {
            let pg = Postgres::start()?;
            pg.exec(&format!(
                "CREATE ROLE lx_admin LOGIN CREATEROLE PASSWORD '{ADMIN_PW}'; CREATE DATABASE metastore OWNER lx_admin;"
            ))?;
            Db::Pg(pg)
        } else {
            let db = MysqlFamily::start(engine)?;
            db.exec(&mysql_family_setup())?;
            Db::My(db)
        })
    }

    fn engine(&self) -> &'static str {
        match self {
            Db::Pg(_) => "postgres",
            Db::My(m) => m.engine(),
        }
    }

    fn port(&self) -> u16 {
        match self {
            Db::Pg(p) => p.port(),
            Db::My(m) => m.port(),
        }
    }

    fn logs_in(&self, user: &str, password: &str) -> bool {
        match self {
            Db::Pg(p) => p.exec_as(user, password, Some("metastore"), "SELECT 1;"),
            Db::My(m) => m.exec_as(user, password, Some("metastore"), "SELECT 1;"),
        }
        .is_ok_and(|o| o.trim() == "1")
    }

    /// Accounts whose name starts with `prefix`.
    fn accounts(&self, prefix: &str) -> Result<usize> {
        let mysql = format!(
            "SELECT count(*) FROM mysql.user WHERE LEFT(User, {}) = '{prefix}';",
            prefix.len()
        );
        let out = match self {
            Db::Pg(p) => p.exec(&format!(
                "SELECT count(*) FROM pg_roles WHERE starts_with(rolname, '{prefix}');"
            ))?,
            Db::My(m) => m.exec(&mysql)?,
        };
        out.trim().parse().context("account count")
    }

    fn privileges(&self, wide: bool) -> &'static str {
        match (self, wide) {
            (Db::Pg(_), false) => r#"["CONNECT"]"#,
            (Db::Pg(_), true) => r#"["CONNECT", "TEMPORARY"]"#,
            (Db::My(_), false) => r#"["SELECT"]"#,
            (Db::My(_), true) => r#"["SELECT", "INSERT"]"#,
        }
    }
}

struct Rig {
    moto: Moto,
    db: Db,
    admin_arn: String,
    n: usize,
}

impl Rig {
    fn start(engine: &str) -> Result<Rig> {
        let moto = Moto::start()?;
        let db = Db::start(engine)?;
        let admin = moto.call(
            "secretsmanager",
            "create_secret",
            &json!({"Name": format!("crash/{engine}-admin"), "SecretString": json!({
                "engine": engine, "host": "127.0.0.1", "port": db.port(),
                "username": "lx_admin", "password": ADMIN_PW
            }).to_string()}),
        )?;
        let admin_arn = admin["ARN"].as_str().context("admin ARN")?.to_owned();
        Ok(Rig {
            moto,
            db,
            admin_arn,
            n: users(),
        })
    }

    fn config(&self, trial: u32, wide: bool, password_version: u32) -> String {
        format!(
            r#"
terraform {{
  required_providers {{
    logexaminer = {{ source = "logexaminer/logexaminer" }}
  }}
}}
provider "logexaminer" {{
  skip_credentials_validation = true
}}
resource "logexaminer_db_user" "u" {{
  count    = {n}
  engine   = "{engine}"
  username = "c{trial}_${{count.index}}"
  endpoint {{
    host     = "127.0.0.1"
    port     = {port}
    database = "metastore"
    tls      = "disable"
  }}
  admin_secret_arn        = "{admin}"
  recovery_window_in_days = 0
  secret_name_prefix      = "logexaminer/crash/t{trial}/"
  password_version        = {password_version}
  grant {{
    database   = "metastore"
    privileges = {privs}
  }}
}}
"#,
            n = self.n,
            engine = self.db.engine(),
            port = self.db.port(),
            admin = self.admin_arn,
            privs = self.db.privileges(wide),
        )
    }

    fn workdir(&self, trial: u32) -> Result<TfWorkdir> {
        let provider = Provider::logexaminer(PathBuf::from(env!(
            "CARGO_BIN_EXE_terraform-provider-logexaminer"
        )));
        let mut wd = TfWorkdir::new(&[("main.tf", &self.config(trial, false, 1))], &[provider])?;
        wd.set_envs(self.moto.env());
        wd.init()?;
        Ok(wd)
    }

    /// Secrets under the trial's prefix, not scheduled for deletion: (name, ARN). Every page of
    /// ListSecrets (earlier trials' secrets fill the first pages when the user count is high).
    fn secrets(&self, trial: u32) -> Result<Vec<(String, String)>> {
        let prefix = format!("logexaminer/crash/t{trial}/");
        let mut out = Vec::new();
        let mut token: Option<String> = None;
        loop {
            let mut args = json!({
                "MaxResults": 100,
                "Filters": [{ "Key": "name", "Values": [prefix.clone()] }],
            });
            if let Some(t) = &token {
                args["NextToken"] = json!(t);
            }
            let r = self.moto.call("secretsmanager", "list_secrets", &args)?;
            out.extend(
                r["SecretList"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter(|s| s.get("DeletedDate").is_none())
                    .filter_map(|s| {
                        let name = s["Name"].as_str()?;
                        Some((name.to_owned(), s["ARN"].as_str()?.to_owned()))
                    })
                    .filter(|(name, _)| name.starts_with(&prefix)),
            );
            match r["NextToken"].as_str() {
                Some(t) if !t.is_empty() => token = Some(t.to_owned()),
                _ => return Ok(out),
            }
        }
    }

    fn secret_value(&self, arn: &str) -> Result<Value> {
        let r = self.moto.call(
            "secretsmanager",
            "get_secret_value",
            &json!({ "SecretId": arn }),
        )?;
        Ok(serde_json::from_str(
            r["SecretString"].as_str().context("no SecretString")?,
        )?)
    }

    /// Everything a converged trial must show. `output` is what the apply that converged printed: no
    /// generated password may be in it either.
    fn converged(&self, wd: &TfWorkdir, trial: u32, output: &str) -> Result<()> {
        let out = wd.run(&["plan", "-detailed-exitcode", "-no-color"])?;
        ensure!(
            out.code() == Some(0),
            "the plan after the second apply is not empty:\n{}{}",
            out.stdout,
            out.stderr
        );
        let state = wd.state_raw()?;
        let shown = wd.show_json()?;
        let resources = shown["values"]["root_module"]["resources"]
            .as_array()
            .context("no resources in state")?;
        ensure!(
            resources.len() == self.n,
            "{} resources in state",
            resources.len()
        );
        let secrets = self.secrets(trial)?;
        ensure!(
            secrets.len() == self.n,
            "{} secrets under the trial's prefix for {} users: {:?}",
            secrets.len(),
            self.n,
            secrets.iter().map(|(n, _)| n).collect::<Vec<_>>()
        );
        for r in resources {
            let arn = r["values"]["secret_arn"].as_str().context("secret_arn")?;
            let v = self.secret_value(arn)?;
            let user = v["username"].as_str().context("username")?;
            let pw = v["password"].as_str().context("password")?;
            ensure!(
                self.db.logs_in(user, pw),
                "{user} does not log in with the password in its secret"
            );
            ensure!(!state.contains(pw), "a generated password is in the state");
            ensure!(
                !output.contains(pw) && !out.stdout.contains(pw) && !out.stderr.contains(pw),
                "a generated password is in terraform's output"
            );
        }
        let accounts = self.db.accounts(&format!("c{trial}_"))?;
        ensure!(
            accounts == self.n,
            "{accounts} accounts for {} users",
            self.n
        );
        Ok(())
    }
}

/// Runs `terraform <args>` in its own process group and kills the group with SIGKILL after `after`
/// (unless it finished first). Returns whether it was killed.
fn run_killed_after(wd: &TfWorkdir, args: &[&str], after: Duration) -> Result<bool> {
    let mut cmd = wd.command(args);
    cmd.process_group(0)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    let mut child = cmd.spawn().context("starting terraform")?;
    let started = Instant::now();
    loop {
        if child.try_wait()?.is_some() {
            return Ok(false);
        }
        if started.elapsed() >= after {
            let group = format!("-{}", child.id());
            Command::new("kill")
                .args(["-KILL", "--", &group])
                .status()
                .context("kill")?;
            child.wait()?;
            return Ok(true);
        }
        std::thread::sleep(Duration::from_millis(5));
    }
}

const APPLY: &[&str] = &["apply", "-auto-approve", "-no-color", "-parallelism=10"];

#[derive(Clone, Copy, Debug)]
enum State {
    Kept,
    Truncated,
    Lost,
}

fn damage(wd: &TfWorkdir, how: State) -> Result<()> {
    let path = wd.dir().join("terraform.tfstate");
    match how {
        State::Kept => {}
        State::Truncated => std::fs::write(&path, b"")?,
        State::Lost => {
            let _ = std::fs::remove_file(&path);
            let _ = std::fs::remove_file(wd.dir().join("terraform.tfstate.backup"));
        }
    }
    Ok(())
}

fn crash_trials(engine: &str) -> Result<()> {
    let rig = Rig::start(engine)?;
    // Calibration: how long a clean create of all users takes here.
    let wd = rig.workdir(0)?;
    let started = Instant::now();
    let out = wd.run(APPLY)?;
    ensure!(out.success(), "the clean create failed:\n{}", out.stderr);
    let clean = started.elapsed();
    rig.converged(&wd, 0, &format!("{}{}", out.stdout, out.stderr))?;
    wd.destroy()?;
    ensure!(
        rig.db.accounts("c0_")? == 0 && rig.secrets(0)?.is_empty(),
        "destroy left objects"
    );

    let mut run = 0;
    let mut converged = 0;
    let mut killed = 0;
    let mut creates_killed = 0;
    let mut failures = Vec::new();
    let plan: [(f64, State); 6] = [
        (0.15, State::Kept),
        (0.35, State::Kept),
        (0.55, State::Truncated),
        (0.75, State::Kept),
        (0.9, State::Lost),
        (0.45, State::Kept),
    ];
    for (i, (fraction, state)) in plan.into_iter().enumerate() {
        let trial = 1 + i as u32;
        let wd = rig.workdir(trial)?;
        run += 1;
        let outcome = (|| -> Result<()> {
            // Create, killed.
            if run_killed_after(&wd, APPLY, clean.mul_f64(fraction))? {
                killed += 1;
                creates_killed += 1;
            }
            damage(&wd, state)?;
            let out = wd.run(APPLY)?;
            ensure!(out.success(), "second apply failed:\n{}", out.stderr);
            rig.converged(&wd, trial, &format!("{}{}", out.stdout, out.stderr))?;
            if trial == 6 {
                // A grant change, killed; then a password rotation, killed; then a destroy, killed.
                for (wide, version) in [(true, 1), (true, 2)] {
                    wd.write_file("main.tf", &rig.config(trial, wide, version))?;
                    if run_killed_after(&wd, APPLY, clean.mul_f64(0.5))? {
                        killed += 1;
                    }
                    let out = wd.run(APPLY)?;
                    ensure!(
                        out.success(),
                        "apply after a killed update failed:\n{}",
                        out.stderr
                    );
                    rig.converged(&wd, trial, &format!("{}{}", out.stdout, out.stderr))?;
                }
                if run_killed_after(
                    &wd,
                    &["destroy", "-auto-approve", "-no-color", "-parallelism=10"],
                    clean.mul_f64(0.4),
                )? {
                    killed += 1;
                }
                wd.destroy()?;
                ensure!(rig.db.accounts("c6_")? == 0, "accounts left after destroy");
                ensure!(rig.secrets(trial)?.is_empty(), "secrets left after destroy");
            }
            Ok(())
        })();
        match outcome {
            Ok(()) => converged += 1,
            Err(e) => failures.push(format!(
                "trial {trial} (kill at {fraction} of {clean:?}, state {state:?}): {e:#}"
            )),
        }
    }
    eprintln!(
        "{engine}: {converged}/{run} trials converged ({} users each, {creates_killed} of {run} creates and {killed} applies in all killed mid-run, clean create {clean:?})",
        rig.n
    );
    if !failures.is_empty() {
        bail!("{}", failures.join("\n"));
    }
    // A trial whose create finished before the kill proves little: most must have been cut short.
    ensure!(
        creates_killed * 2 >= run,
        "only {creates_killed} of {run} creates were killed before they finished: the trials prove little"
    );
    Ok(())
}

#[test]
fn mariadb_applies_killed_at_any_moment_converge() -> Result<()> {
    crash_trials("mariadb")
}

#[test]
fn mysql_applies_killed_at_any_moment_converge() -> Result<()> {
    crash_trials("mysql")
}

#[test]
fn postgres_applies_killed_at_any_moment_converge() -> Result<()> {
    crash_trials("postgres")
}
