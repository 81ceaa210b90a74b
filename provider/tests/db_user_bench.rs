//! Benchmark of `logexaminer_db_user` (run by `scripts/bench_db_user.sh`, ignored by `cargo test`).
//!
//! Per engine (MariaDB 10.11 and PostgreSQL 15 from the rig, moto for Secrets Manager):
//!
//! * floor: the same CREATE USER / GRANT statements the provider generates, for the same number of users,
//!   sent through the `mariadb` / `psql` client in one session;
//! * Terraform alone: `terraform apply` of as many `terraform_data` resources (Terraform's own cost);
//! * Secrets Manager alone: as many `CreateSecret` calls with the same concurrency;
//! * `terraform apply` of the users with `-parallelism`.
//!
//! It prints the ratio to the floor, and the ratio once Terraform's own cost and the Secrets Manager
//! calls are taken out (the goal: at most 1.5x). Knobs: `BENCH_DB_USERS` (200), `BENCH_PARALLELISM` (10),
//! `BENCH_ENGINES` (`mariadb,postgres`), `BENCH_RUNS` (3; medians are printed), `BENCH_LOG_DIR` (write the provider's debug log of the apply there).

use std::path::PathBuf;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail, ensure};
use metastore_sql::grant::{self, ActualGrants, Grant, GrantContext, Grantee, Objects};
use metastore_sql::privilege::{self, ObjectKind};
use metastore_sql::statements::{self, Auth, UserOptions};
use metastore_sql::{Engine, ServerInfo, password};
use test_support::{MariaDb, Moto, Postgres, Provider, TfWorkdir};

const ADMIN_PW: &str = "bench-admin-pw-0123456789abcdefgh";

fn env_num(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

enum Db {
    Pg(Postgres),
    My(MariaDb),
}

impl Db {
    fn start(engine: Engine) -> Result<Db> {
        Ok(match engine {
            Engine::Postgres => {
                let pg = Postgres::start()?;
                pg.exec(&format!("CREATE ROLE lx_admin LOGIN CREATEROLE PASSWORD '{ADMIN_PW}'; CREATE DATABASE metastore OWNER lx_admin;"))?;
                pg.exec_as("lx_admin", ADMIN_PW, Some("metastore"), "CREATE SCHEMA hive; CREATE TABLE hive.tbls (id int); CREATE TABLE hive.dbs (id int);")?;
                Db::Pg(pg)
            }
            _ => {
                let my = MariaDb::start()?;
                my.exec(&format!("CREATE DATABASE metastore; CREATE TABLE metastore.TBLS (id INT); CREATE USER 'lx_admin'@'%' IDENTIFIED BY '{ADMIN_PW}'; GRANT CREATE USER ON *.* TO 'lx_admin'@'%'; GRANT SELECT ON mysql.* TO 'lx_admin'@'%'; GRANT ALL PRIVILEGES ON metastore.* TO 'lx_admin'@'%' WITH GRANT OPTION;"))?;
                Db::My(my)
            }
        })
    }

    fn port(&self) -> u16 {
        match self {
            Db::Pg(p) => p.port(),
            Db::My(m) => m.port(),
        }
    }

    /// Runs a script as the admin in one client session.
    fn run_as_admin(&self, sql: &str) -> Result<String> {
        match self {
            Db::Pg(p) => p.exec_as("lx_admin", ADMIN_PW, Some("metastore"), sql),
            Db::My(m) => m.exec_as("lx_admin", ADMIN_PW, Some("metastore"), sql),
        }
    }
}

fn grants(engine: Engine, server: &ServerInfo) -> Result<Vec<Grant>> {
    let g = |schema: Option<&str>, kind, privs: &[&str]| -> Result<Grant> {
        Ok(Grant {
            database: "metastore".into(),
            schema: schema.map(str::to_owned),
            kind,
            objects: Objects::All,
            privileges: privilege::normalize(server, kind, privs)?,
            with_grant_option: false,
        })
    };
    Ok(if engine == Engine::Postgres {
        vec![
            g(None, ObjectKind::Database, &["CONNECT"])?,
            g(Some("hive"), ObjectKind::Schema, &["USAGE"])?,
            g(Some("hive"), ObjectKind::Table, &["SELECT", "INSERT"])?,
        ]
    } else {
        vec![g(None, ObjectKind::Database, &["SELECT", "INSERT"])?]
    })
}

const PG_GRANTS: &str = r#"
  grant {
    database   = "metastore"
    privileges = ["CONNECT"]
  }
  grant {
    database    = "metastore"
    schema      = "hive"
    object_type = "schema"
    privileges  = ["USAGE"]
  }
  grant {
    database   = "metastore"
    schema     = "hive"
    privileges = ["SELECT", "INSERT"]
  }"#;

const MY_GRANTS: &str = r#"
  grant {
    database   = "metastore"
    privileges = ["SELECT", "INSERT"]
  }"#;

/// The floor script: what the provider sends for `count` users, in one session.
fn floor_script(engine: Engine, prefix: &str, count: usize) -> Result<String> {
    let server = ServerInfo::default_for(engine);
    let grants = grants(engine, &server)?;
    let mut sql = String::new();
    for i in 0..count {
        let grantee = Grantee::new(engine, &format!("{prefix}{i}"), None)?;
        let ctx = GrantContext {
            server,
            grantee: grantee.clone(),
            default_privilege_roles: if engine == Engine::Postgres {
                vec!["lx_admin".into()]
            } else {
                vec![]
            },
        };
        let pw = password::generate(32)?;
        let mut stmts = statements::create_user(
            &server,
            &grantee,
            &Auth::Password(pw),
            &UserOptions::default(),
        )?;
        stmts.extend(grant::diff(&grants, &ActualGrants::default(), &ctx)?);
        for s in stmts {
            sql.push_str(&s.sql);
            sql.push_str(";\n");
        }
    }
    Ok(sql)
}

fn terraform_data_apply(count: usize, parallelism: usize) -> Result<Duration> {
    let body = format!(
        "resource \"terraform_data\" \"x\" {{\n  count = {count}\n  input = \"v-${{count.index}}\"\n}}\n"
    );
    let wd = TfWorkdir::new(&[("main.tf", &body)], &[])?;
    wd.init()?;
    let started = Instant::now();
    wd.apply(&[&format!("-parallelism={parallelism}")])?;
    Ok(started.elapsed())
}

fn secrets_only(moto: &Moto, run: usize, count: usize, parallelism: usize) -> Result<Duration> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    rt.block_on(async {
        let conf = aws_sdk_secretsmanager::config::Builder::new()
            .behavior_version(aws_sdk_secretsmanager::config::BehaviorVersion::latest())
            .region(aws_sdk_secretsmanager::config::Region::new("us-east-1"))
            .endpoint_url(moto.endpoint())
            .credentials_provider(aws_sdk_secretsmanager::config::Credentials::new(
                "test", "test", None, None, "bench",
            ))
            .build();
        let client = aws_sdk_secretsmanager::Client::from_conf(conf);
        let started = Instant::now();
        let sem = std::sync::Arc::new(tokio::sync::Semaphore::new(parallelism));
        let mut tasks = Vec::new();
        for i in 0..count {
            let client = client.clone();
            let sem = sem.clone();
            tasks.push(tokio::spawn(async move {
                let _permit = sem.acquire().await?;
                client
                    .create_secret()
                    .name(format!("bench/only-{run}-{i}"))
                    .secret_string("{\"password\":\"x\"}")
                    .send()
                    .await?;
                anyhow::Ok(())
            }));
        }
        for t in tasks {
            t.await??;
        }
        Ok(started.elapsed())
    })
}

fn moto_posts(moto: &Moto) -> usize {
    moto.log()
        .lines()
        .filter(|l| l.contains("\"POST / "))
        .count()
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn bench_engine(engine: Engine, count: usize, parallelism: usize, runs: usize) -> Result<()> {
    let moto = Moto::start()?;
    let db = Db::start(engine)?;
    let secret = format!("{{\"username\":\"lx_admin\",\"password\":\"{ADMIN_PW}\"}}");
    let arn = {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        rt.block_on(async {
            let conf = aws_sdk_secretsmanager::config::Builder::new()
                .behavior_version(aws_sdk_secretsmanager::config::BehaviorVersion::latest())
                .region(aws_sdk_secretsmanager::config::Region::new("us-east-1"))
                .endpoint_url(moto.endpoint())
                .credentials_provider(aws_sdk_secretsmanager::config::Credentials::new(
                    "test", "test", None, None, "bench",
                ))
                .build();
            let out = aws_sdk_secretsmanager::Client::from_conf(conf)
                .create_secret()
                .name("bench/admin")
                .secret_string(secret)
                .send()
                .await?;
            anyhow::Ok(out.arn().unwrap_or_default().to_owned())
        })?
    };
    let body = format!(
        r#"
terraform {{
  required_providers {{
    logexaminer = {{ source = "logexaminer/logexaminer" }}
  }}
}}
provider "logexaminer" {{
  skip_credentials_validation = true
}}
resource "logexaminer_db_user" "load" {{
  count    = {count}
  engine   = "{engine}"
  username = "load_${{count.index}}"
  endpoint {{
    host     = "127.0.0.1"
    port     = {port}
    database = "metastore"
    tls      = "disable"
  }}
  admin_secret_arn        = "{arn}"
  recovery_window_in_days = 0
{grants}
}}
"#,
        engine = engine.as_str(),
        port = db.port(),
        grants = if engine == Engine::Postgres {
            PG_GRANTS
        } else {
            MY_GRANTS
        },
    );
    let provider = Provider::logexaminer(PathBuf::from(env!(
        "CARGO_BIN_EXE_terraform-provider-logexaminer"
    )));
    let mut wd = TfWorkdir::new(&[("main.tf", &body)], &[provider])?;
    wd.set_envs(moto.env());
    wd.init()?;
    let log_dir = std::env::var("BENCH_LOG_DIR")
        .ok()
        .filter(|d| !d.is_empty());
    if log_dir.is_some() {
        wd.set_env("TF_LOG_PROVIDER", "DEBUG");
    }
    let (mut floors, mut gens, mut baselines, mut sms, mut applies, mut destroys) = (
        Vec::new(),
        Vec::new(),
        Vec::new(),
        Vec::new(),
        Vec::new(),
        Vec::new(),
    );
    let mut sm_calls = 0;
    for run in 0..runs {
        // Writing the statements costs something too: passwords, and on PostgreSQL the SCRAM verifiers the
        // provider computes so the password never reaches the server.
        let started = Instant::now();
        let script = floor_script(engine, &format!("floor{run}_"), count)?;
        gens.push(started.elapsed());
        let started = Instant::now();
        db.run_as_admin(&script)?;
        floors.push(started.elapsed());
        baselines.push(terraform_data_apply(count, parallelism)?);
        sms.push(secrets_only(&moto, run, count, parallelism)?);
        let posts_before = moto_posts(&moto);
        let started = Instant::now();
        let out = wd.apply(&[&format!("-parallelism={parallelism}")])?;
        applies.push(started.elapsed());
        sm_calls = moto_posts(&moto) - posts_before;
        ensure!(out.success(), "apply failed");
        if let Some(dir) = &log_dir {
            let path = PathBuf::from(dir).join(format!("apply-{}-{run}.log", engine.as_str()));
            std::fs::write(&path, &out.stderr)?;
        }
        let users = db.run_as_admin(if engine == Engine::Postgres {
            "SELECT count(*) FROM pg_roles WHERE rolname LIKE 'load\\_%';"
        } else {
            "SELECT COUNT(*) FROM mysql.user WHERE User LIKE 'load\\_%';"
        })?;
        ensure!(users.trim() == count.to_string(), "{users} users created");
        let started = Instant::now();
        let out = wd.run(&[
            "destroy",
            "-auto-approve",
            "-no-color",
            &format!("-parallelism={parallelism}"),
        ])?;
        if !out.success() {
            bail!("destroy failed: {}", out.stderr);
        }
        destroys.push(started.elapsed());
    }
    let secs = |d: Duration| d.as_secs_f64();
    let (floor, generate, baseline, sm_only, apply, destroy) = (
        median(floors),
        median(gens),
        median(baselines),
        median(sms),
        median(applies),
        median(destroys),
    );
    let ratio = secs(apply) / secs(floor);
    let provider_share = (secs(apply) - secs(baseline) - secs(sm_only)).max(0.0);
    let adjusted = provider_share / secs(floor);
    let with_gen = provider_share / (secs(floor) + secs(generate));
    let goal = |r: f64| if r <= 1.5 { "met" } else { "MISSED" };
    let client = if engine == Engine::Postgres {
        "psql"
    } else {
        "mariadb"
    };
    let rows = [
        (
            format!("floor: same statements, one {client} session"),
            secs(floor),
            String::new(),
        ),
        (
            "writing them (passwords, PostgreSQL SCRAM verifiers)".to_owned(),
            secs(generate),
            String::new(),
        ),
        (
            "terraform apply, logexaminer_db_user".to_owned(),
            secs(apply),
            format!("{ratio:.1}x the floor"),
        ),
        (
            "terraform apply, terraform_data".to_owned(),
            secs(baseline),
            "Terraform's own cost".to_owned(),
        ),
        (
            format!("CreateSecret x{count}, {parallelism} at a time"),
            secs(sm_only),
            "Secrets Manager alone".to_owned(),
        ),
        (
            "provider's share (apply - Terraform - SM)".to_owned(),
            provider_share,
            format!(
                "{adjusted:.2}x the floor ({}); {with_gen:.2}x floor + writing ({})",
                goal(adjusted),
                goal(with_gen)
            ),
        ),
        ("terraform destroy".to_owned(), secs(destroy), String::new()),
    ];
    println!(
        "db_user bench [{engine}] {count} users, -parallelism={parallelism}, median of {runs} runs (goal: provider's share <= 1.5x)"
    );
    for (what, value, note) in rows {
        println!("  {what:<52} {value:>8.3} s  {note}");
    }
    println!(
        "  {:<52} {sm_calls:>8}    {:.2} per user",
        "Secrets Manager calls during one apply",
        sm_calls as f64 / count as f64
    );
    Ok(())
}

#[test]
#[ignore = "benchmark: run by scripts/bench_db_user.sh"]
fn bench_db_user() -> Result<()> {
    let count = env_num("BENCH_DB_USERS", 200);
    let parallelism = env_num("BENCH_PARALLELISM", 10);
    let runs = env_num("BENCH_RUNS", 3).max(1);
    let engines = std::env::var("BENCH_ENGINES").unwrap_or_else(|_| "mariadb,postgres".into());
    for name in engines.split(',').map(str::trim).filter(|s| !s.is_empty()) {
        let engine: Engine = name.parse().with_context(|| format!("engine {name}"))?;
        bench_engine(engine, count, parallelism, runs)?;
    }
    Ok(())
}
