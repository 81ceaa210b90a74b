//! Benchmark and runtime check of the built `bootstrap` as a real Lambda process (run by
//! `scripts/bench_rotation.sh`), against local moto and a throwaway MariaDB.
//!
//! ```text
//! cargo run --release -p rotation-lambda --example bench_rotation -- --bootstrap PATH [--zip PATH] [--runs N] [--json]
//! cargo run -p rotation-lambda --example bench_rotation -- --emulator [--cargo-lambda PATH]
//! ```
//!
//! Benchmark mode serves a minimal Lambda Runtime API on 127.0.0.1 (the calls `bootstrap` makes:
//! `invocation/next`, `invocation/<id>/response`, `invocation/<id>/error`, `init/error`) and measures:
//! - cold start: process start to the first event handled (an event the function rejects without any I/O);
//! - cold rotation: process start to `finishSecret` answered, four steps of a single-user rotation;
//! - warm rotation: the four steps in a process that already handled a rotation;
//! - Secrets Manager calls per warm rotation (from the function's embedded-metric-format lines);
//! - zip size.
//!
//! Emulator mode runs the function under cargo-lambda's local runtime emulator (`cargo lambda watch`) and
//! drives a full rotation with `cargo lambda invoke`, then checks that the new password logs in and the old
//! one does not.

use std::collections::VecDeque;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail, ensure};
use serde_json::{Value, json};
use test_support::{MariaDb, Moto};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Mutex, Notify, mpsc};

const USER: &str = "bench";
const P0: &str = "Bench-Initial-Password-0123456789ab";

// ---------------------------------------------------------------------------------------------------------
// Minimal Lambda Runtime API

/// What the runtime API saw of one invocation.
#[derive(Debug, Clone)]
struct Answer {
    ok: bool,
    body: String,
    at: Instant,
}

struct RuntimeApi {
    events: Mutex<VecDeque<(String, String)>>,
    queued: Notify,
    answers: mpsc::UnboundedSender<Answer>,
}

async fn read_request(
    reader: &mut BufReader<TcpStream>,
) -> Result<Option<(String, String, Vec<u8>)>> {
    let mut line = String::new();
    if reader.read_line(&mut line).await? == 0 {
        return Ok(None);
    }
    let mut parts = line.split_whitespace();
    let method = parts.next().unwrap_or_default().to_owned();
    let path = parts.next().unwrap_or_default().to_owned();
    let mut length = 0usize;
    let mut chunked = false;
    loop {
        let mut h = String::new();
        if reader.read_line(&mut h).await? == 0 {
            return Ok(None);
        }
        let h = h.trim_end();
        if h.is_empty() {
            break;
        }
        if let Some((k, v)) = h.split_once(':') {
            match k.trim().to_ascii_lowercase().as_str() {
                "content-length" => length = v.trim().parse().unwrap_or(0),
                "transfer-encoding" => chunked = v.to_ascii_lowercase().contains("chunked"),
                _ => {}
            }
        }
    }
    let mut body = Vec::new();
    if chunked {
        loop {
            let mut size = String::new();
            reader.read_line(&mut size).await?;
            let n = usize::from_str_radix(size.trim().split(';').next().unwrap_or("0"), 16)?;
            let mut chunk = vec![0u8; n + 2];
            reader.read_exact(&mut chunk).await?;
            if n == 0 {
                break;
            }
            body.extend_from_slice(&chunk[..n]);
        }
    } else {
        body.resize(length, 0);
        reader.read_exact(&mut body).await?;
    }
    Ok(Some((method, path, body)))
}

async fn respond(
    stream: &mut BufReader<TcpStream>,
    status: &str,
    headers: &[(&str, String)],
    body: &[u8],
) -> Result<()> {
    let mut head = format!("HTTP/1.1 {status}\r\nContent-Length: {}\r\n", body.len());
    for (k, v) in headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str("\r\n");
    let s = stream.get_mut();
    s.write_all(head.as_bytes()).await?;
    s.write_all(body).await?;
    s.flush().await?;
    Ok(())
}

async fn serve_conn(api: Arc<RuntimeApi>, stream: TcpStream) -> Result<()> {
    let mut reader = BufReader::new(stream);
    while let Some((method, path, body)) = read_request(&mut reader).await? {
        let at = Instant::now();
        if method == "GET" && path.ends_with("/runtime/invocation/next") {
            let (id, payload) = loop {
                let waiter = api.queued.notified();
                if let Some(e) = api.events.lock().await.pop_front() {
                    break e;
                }
                waiter.await;
            };
            let deadline = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_millis() + 30_000)
                .unwrap_or(0);
            respond(
                &mut reader,
                "200 OK",
                &[
                    ("Content-Type", "application/json".into()),
                    ("Lambda-Runtime-Aws-Request-Id", id),
                    ("Lambda-Runtime-Deadline-Ms", deadline.to_string()),
                    (
                        "Lambda-Runtime-Invoked-Function-Arn",
                        "arn:aws:lambda:us-east-1:123456789012:function:bench".into(),
                    ),
                    (
                        "Lambda-Runtime-Trace-Id",
                        "Root=1-00000000-000000000000000000000000".into(),
                    ),
                ],
                payload.as_bytes(),
            )
            .await?;
        } else if method == "POST" && (path.ends_with("/response") || path.ends_with("/error")) {
            let ok = path.ends_with("/response") && !path.contains("/init/");
            let _ = api.answers.send(Answer {
                ok,
                body: String::from_utf8_lossy(&body).into_owned(),
                at,
            });
            respond(&mut reader, "202 Accepted", &[], b"{}").await?;
        } else {
            respond(&mut reader, "404 Not Found", &[], b"{}").await?;
        }
    }
    Ok(())
}

struct Rig {
    api: Arc<RuntimeApi>,
    answers: mpsc::UnboundedReceiver<Answer>,
    addr: String,
    next_id: u64,
}

impl Rig {
    async fn start() -> Result<Rig> {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?.to_string();
        let (tx, rx) = mpsc::unbounded_channel();
        let api = Arc::new(RuntimeApi {
            events: Mutex::new(VecDeque::new()),
            queued: Notify::new(),
            answers: tx,
        });
        let a = api.clone();
        tokio::spawn(async move {
            while let Ok((s, _)) = listener.accept().await {
                let a = a.clone();
                tokio::spawn(async move {
                    let _ = serve_conn(a, s).await;
                });
            }
        });
        Ok(Rig {
            api,
            answers: rx,
            addr,
            next_id: 0,
        })
    }

    async fn queue(&mut self, payload: Value) {
        self.next_id += 1;
        self.api
            .events
            .lock()
            .await
            .push_back((format!("req-{}", self.next_id), payload.to_string()));
        self.api.queued.notify_one();
    }

    async fn answer(&mut self) -> Result<Answer> {
        tokio::time::timeout(Duration::from_secs(60), self.answers.recv())
            .await
            .context("no answer from the function within 60 s")?
            .context("runtime API closed")
    }

    /// Queues one event and waits for its answer; `Err` when the function failed it.
    async fn invoke(&mut self, payload: Value) -> Result<Answer> {
        self.queue(payload).await;
        let a = self.answer().await?;
        ensure!(a.ok, "the function failed the event: {}", a.body);
        Ok(a)
    }
}

// ---------------------------------------------------------------------------------------------------------
// Setup shared by both modes

struct World {
    moto: Moto,
    db: MariaDb,
    arn: String,
    sm: aws_sdk_secretsmanager::Client,
}

async fn world() -> Result<World> {
    let moto = Moto::start()?;
    let db = MariaDb::start()?;
    db.exec(&format!(
        "CREATE DATABASE metastore; CREATE USER '{USER}'@'%' IDENTIFIED BY '{P0}'; GRANT SELECT ON metastore.* TO '{USER}'@'%';"
    ))?;
    let sdk = aws_config::defaults(aws_config::BehaviorVersion::latest())
        .http_client(rotation_lambda::http_client())
        .endpoint_url(moto.endpoint())
        .region(aws_config::Region::new("us-east-1"))
        .credentials_provider(aws_sdk_secretsmanager::config::Credentials::new(
            "test", "test", None, None, "test",
        ))
        .load()
        .await;
    let sm = aws_sdk_secretsmanager::Client::new(&sdk);
    let value = json!({"engine": "mariadb", "host": "127.0.0.1", "port": db.port(), "username": USER,
                       "password": P0, "dbname": "metastore"});
    let out = sm
        .create_secret()
        .name("bench/metastore")
        .secret_string(value.to_string())
        .send()
        .await
        .context("CreateSecret")?;
    let arn = out.arn().context("no ARN")?.to_owned();
    Ok(World { moto, db, arn, sm })
}

fn function_env(w: &World, runtime_api: Option<&str>) -> Vec<(String, String)> {
    let mut env = w.moto.env();
    env.extend(
        [
            ("DB_TLS", "disable"),
            ("DB_CONNECT_TIMEOUT_SECONDS", "3"),
            ("AWS_LAMBDA_FUNCTION_NAME", "bench"),
            ("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128"),
            ("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST"),
            ("AWS_LAMBDA_LOG_STREAM_NAME", "bench"),
            ("AWS_LAMBDA_LOG_GROUP_NAME", "/aws/lambda/bench"),
            ("RUST_LOG", "warn"),
        ]
        .map(|(k, v)| (k.to_owned(), v.to_owned())),
    );
    // The function rotates only secrets it is bound to (what modules/secret-rotation writes).
    let binding = json!({"bench": {"secret_arn": w.arn, "engine": "mariadb", "host": "127.0.0.1",
                                   "port": w.db.port(), "dbname": "metastore", "username": USER}});
    env.push(("ROTATION_BINDINGS".into(), binding.to_string()));
    if let Some(api) = runtime_api {
        env.push(("AWS_LAMBDA_RUNTIME_API".into(), api.to_owned()));
    }
    env
}

async fn current_password(w: &World) -> Result<(String, String)> {
    let v =
        w.sm.get_secret_value()
            .secret_id(&w.arn)
            .version_stage("AWSCURRENT")
            .send()
            .await?;
    let s: Value = serde_json::from_str(v.secret_string().context("no string")?)?;
    Ok((
        v.version_id().unwrap_or_default().to_owned(),
        s["password"].as_str().context("no password")?.to_owned(),
    ))
}

fn step(arn: &str, token: &str, step: &str) -> Value {
    json!({"SecretId": arn, "ClientRequestToken": token, "Step": step})
}

const STEPS: [&str; 4] = ["createSecret", "setSecret", "testSecret", "finishSecret"];

// ---------------------------------------------------------------------------------------------------------
// Benchmark mode

struct Process {
    child: tokio::process::Child,
    calls: Arc<Mutex<Vec<u64>>>,
    steps: Arc<Mutex<Vec<(String, f64)>>>,
}

fn spawn(bootstrap: &Path, env: &[(String, String)]) -> Result<Process> {
    let mut child = tokio::process::Command::new(bootstrap)
        .env_clear()
        .env("PATH", "/usr/bin:/bin")
        .envs(env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .stdout(Stdio::piped())
        .stderr(if std::env::var_os("BENCH_DEBUG").is_some() {
            Stdio::inherit()
        } else {
            Stdio::null()
        })
        .kill_on_drop(true)
        .spawn()
        .with_context(|| format!("starting {}", bootstrap.display()))?;
    let calls = Arc::new(Mutex::new(Vec::new()));
    let steps = Arc::new(Mutex::new(Vec::new()));
    let stdout = child.stdout.take().context("no stdout")?;
    let (c, st) = (calls.clone(), steps.clone());
    tokio::spawn(async move {
        let mut lines = BufReader::new(stdout).lines();
        while let Ok(Some(line)) = lines.next_line().await {
            if let Ok(v) = serde_json::from_str::<Value>(&line) {
                if let Some(n) = v["SecretsManagerCalls"].as_u64() {
                    c.lock().await.push(n);
                }
                if let (Some(name), Some(d)) = (v["Step"].as_str(), v["StepDuration"].as_f64()) {
                    st.lock().await.push((name.to_owned(), d));
                    if std::env::var_os("BENCH_DEBUG").is_some() {
                        eprintln!("{line}");
                    }
                }
            }
        }
    });
    Ok(Process {
        child,
        calls,
        steps,
    })
}

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(f64::total_cmp);
    if v.is_empty() {
        return f64::NAN;
    }
    v[v.len() / 2]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

async fn bench(bootstrap: &Path, zip: Option<&Path>, runs: usize, as_json: bool) -> Result<()> {
    let w = world().await?;
    let mut cold_start = Vec::new();
    let mut cold_rotation = Vec::new();
    let mut warm_rotation = Vec::new();
    let mut calls_per_warm = Vec::new();
    let mut warm_steps: Vec<(String, f64)> = Vec::new();
    let mut token = 0u32;
    for _ in 0..runs {
        // Each process gets a runtime API of its own, so no event goes to a connection of a killed one.
        // Cold start: a process handling its first event (rejected without I/O: no SecretId).
        let mut rig = Rig::start().await?;
        let env = function_env(&w, Some(&rig.addr));
        rig.queue(json!({"Step": "testSecret"})).await;
        let t0 = Instant::now();
        let mut p = spawn(bootstrap, &env)?;
        let a = rig.answer().await?;
        ensure!(!a.ok, "the probe event must be rejected: {}", a.body);
        cold_start.push(ms(a.at - t0));
        let _ = p.child.kill().await;

        // Cold rotation: a new process, four steps.
        let mut rig = Rig::start().await?;
        let env = function_env(&w, Some(&rig.addr));
        token += 1;
        let t = format!("00000000-0000-4000-8000-{token:012}");
        let t0 = Instant::now();
        let mut p = spawn(bootstrap, &env)?;
        let mut end = t0;
        for s in STEPS {
            end = rig.invoke(step(&w.arn, &t, s)).await?.at;
        }
        cold_rotation.push(ms(end - t0));

        // Warm rotations in the same process.
        for i in 0..3usize {
            token += 1;
            let t = format!("00000000-0000-4000-8000-{token:012}");
            // The function prints one metrics line per step; this process handled 4 + 4 * i so far.
            let before = 4 + 4 * i;
            let t0 = Instant::now();
            let mut end = t0;
            for s in STEPS {
                end = rig.invoke(step(&w.arn, &t, s)).await?.at;
            }
            warm_rotation.push(ms(end - t0));
            let wait = Instant::now() + Duration::from_secs(5);
            while p.calls.lock().await.len() < before + 4 && Instant::now() < wait {
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
            let calls = p.calls.lock().await;
            ensure!(
                calls.len() >= before + 4,
                "missing metrics lines from the function"
            );
            calls_per_warm.push(calls[before..before + 4].iter().sum::<u64>());
            let steps = p.steps.lock().await;
            warm_steps.extend(steps[before..before + 4].iter().cloned());
        }
        let _ = p.child.kill().await;
    }
    // The rotations worked: the current password logs in, the first one does not.
    let (_, pw) = current_password(&w).await?;
    ensure!(
        w.db.exec_as(USER, &pw, Some("metastore"), "SELECT 1;")
            .is_ok(),
        "AWSCURRENT does not log in"
    );
    ensure!(
        w.db.exec_as(USER, P0, Some("metastore"), "SELECT 1;")
            .is_err(),
        "the initial password still logs in"
    );

    let zip_bytes = zip.and_then(|z| std::fs::metadata(z).ok()).map(|m| m.len());
    let calls = calls_per_warm.iter().copied().max().unwrap_or(0);
    let figures = json!({
        "runs": runs,
        "cold_start_ms": median(&mut cold_start),
        "cold_rotation_ms": median(&mut cold_rotation),
        "warm_rotation_ms": median(&mut warm_rotation),
        "secrets_manager_calls_per_warm_rotation": calls,
        "zip_bytes": zip_bytes,
        "warm_step_ms": STEPS.iter().map(|name| {
            let mut v: Vec<f64> = warm_steps.iter().filter(|(n, _)| n == name).map(|(_, d)| *d).collect();
            ((*name).to_owned(), json!(median(&mut v)))
        }).collect::<serde_json::Map<String, Value>>(),
    });
    if as_json {
        println!("{figures}");
        return Ok(());
    }
    let goal = |ok: bool| if ok { "ok" } else { "MISSED" };
    let f = |k: &str| figures[k].as_f64().unwrap_or(f64::NAN);
    println!("rotation function benchmark ({runs} runs, medians; local moto + MariaDB)");
    println!(
        "  cold start to first event handled  {:>8.1} ms   goal <= 20 ms   {}",
        f("cold_start_ms"),
        goal(f("cold_start_ms") <= 20.0)
    );
    println!(
        "  cold single-user rotation          {:>8.1} ms   goal <= 60 ms   {}",
        f("cold_rotation_ms"),
        goal(f("cold_rotation_ms") <= 60.0)
    );
    println!(
        "  warm single-user rotation          {:>8.1} ms   goal <= 25 ms   {}",
        f("warm_rotation_ms"),
        goal(f("warm_rotation_ms") <= 25.0)
    );
    println!(
        "  Secrets Manager calls per rotation {:>8}      goal <= 8       {}",
        calls,
        goal(calls <= 8)
    );
    match zip_bytes {
        Some(b) => println!(
            "  zip size                           {:>8.2} MB   goal <= 5 MB    {}",
            b as f64 / 1_048_576.0,
            goal(b <= 5 * 1_048_576)
        ),
        None => println!("  zip size                                n/a   (no --zip)"),
    }
    let steps: Vec<String> = STEPS
        .iter()
        .map(|n| {
            format!(
                "{n} {:.1}",
                figures["warm_step_ms"][n].as_f64().unwrap_or(f64::NAN)
            )
        })
        .collect();
    println!(
        "  warm step durations inside the function (ms): {}",
        steps.join(", ")
    );
    Ok(())
}

// ---------------------------------------------------------------------------------------------------------
// Emulator mode

async fn emulator(cargo_lambda: &Path) -> Result<()> {
    let w = world().await?;
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0")?;
        l.local_addr()?.port()
    };
    let env_file = std::env::temp_dir().join(format!("lx-rotation-env-{}", std::process::id()));
    let lines: Vec<String> = function_env(&w, None)
        .into_iter()
        .filter(|(k, _)| !k.starts_with("AWS_LAMBDA_"))
        .map(|(k, v)| format!("{k}={v}"))
        .collect();
    std::fs::write(&env_file, lines.join("\n") + "\n")?;
    let repo = test_support::repo_root();
    let mut watch = tokio::process::Command::new(cargo_lambda)
        .args([
            "lambda",
            "watch",
            "-p",
            "rotation-lambda",
            "--bin",
            "bootstrap",
            "--ignore-changes",
        ])
        .args(["-A", "127.0.0.1", "-P", &port.to_string()])
        .arg("--env-file")
        .arg(&env_file)
        .current_dir(&repo)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .context("starting cargo lambda watch")?;
    let log = Arc::new(Mutex::new(String::new()));
    for pipe in [
        watch
            .stdout
            .take()
            .map(|s| Box::new(s) as Box<dyn tokio::io::AsyncRead + Unpin + Send>),
        watch
            .stderr
            .take()
            .map(|s| Box::new(s) as Box<dyn tokio::io::AsyncRead + Unpin + Send>),
    ]
    .into_iter()
    .flatten()
    {
        let l = log.clone();
        tokio::spawn(async move {
            let mut lines = BufReader::new(pipe).lines();
            while let Ok(Some(line)) = lines.next_line().await {
                let mut g = l.lock().await;
                g.push_str(&line);
                g.push('\n');
            }
        });
    }
    // Wait for the emulator to listen (it may first build the function).
    let deadline = Instant::now() + Duration::from_secs(900);
    while TcpStream::connect(("127.0.0.1", port)).await.is_err() {
        if Instant::now() > deadline {
            bail!("cargo lambda watch did not listen:\n{}", log.lock().await);
        }
        if let Ok(Some(status)) = watch.try_wait() {
            bail!(
                "cargo lambda watch exited ({status}):\n{}",
                log.lock().await
            );
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let token = "00000000-0000-4000-8000-000000000999";
    let (v0, _) = current_password(&w).await?;
    for s in STEPS {
        let out = tokio::process::Command::new(cargo_lambda)
            .args([
                "lambda",
                "invoke",
                "bootstrap",
                "-A",
                "127.0.0.1",
                "-P",
                &port.to_string(),
                "--data-ascii",
            ])
            .arg(step(&w.arn, token, s).to_string())
            .current_dir(&repo)
            .output()
            .await?;
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        ensure!(
            out.status.success(),
            "{s} failed under cargo lambda: {text}\n--- watch log\n{}",
            log.lock().await
        );
        println!("emulator: {s}: {}", text.trim());
    }
    let (v1, pw) = current_password(&w).await?;
    ensure!(
        v1 == token && v0 != v1,
        "AWSCURRENT did not move to the rotation's version"
    );
    ensure!(
        w.db.exec_as(USER, &pw, Some("metastore"), "SELECT 1;")
            .is_ok(),
        "the new password does not log in"
    );
    ensure!(
        w.db.exec_as(USER, P0, Some("metastore"), "SELECT 1;")
            .is_err(),
        "the old password still logs in"
    );
    // The manual rollback event through the emulator too.
    let out = tokio::process::Command::new(cargo_lambda)
        .args([
            "lambda",
            "invoke",
            "bootstrap",
            "-A",
            "127.0.0.1",
            "-P",
            &port.to_string(),
            "--data-ascii",
        ])
        .arg(json!({"Action": "rollback", "SecretId": w.arn}).to_string())
        .current_dir(&repo)
        .output()
        .await?;
    ensure!(
        out.status.success(),
        "rollback failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    ensure!(
        w.db.exec_as(USER, P0, Some("metastore"), "SELECT 1;")
            .is_ok(),
        "rollback did not restore the password"
    );
    let _ = watch.kill().await;
    let _ = std::fs::remove_file(&env_file);
    println!("emulator: full rotation and rollback under cargo lambda watch: ok");
    Ok(())
}

// ---------------------------------------------------------------------------------------------------------

#[tokio::main]
async fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let value = |name: &str| {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1))
            .cloned()
    };
    if args.iter().any(|a| a == "--emulator") {
        let cargo_lambda = value("--cargo-lambda")
            .map(PathBuf::from)
            .unwrap_or_else(|| test_support::repo_root().join(".tools/venv/bin/cargo-lambda"));
        ensure!(
            cargo_lambda.is_file(),
            "{} is missing (run `make lambda` once)",
            cargo_lambda.display()
        );
        return emulator(&cargo_lambda).await;
    }
    let bootstrap = PathBuf::from(value("--bootstrap").context("--bootstrap PATH is required")?);
    let zip = value("--zip").map(PathBuf::from);
    let runs = value("--runs")
        .map(|r| r.parse())
        .transpose()?
        .unwrap_or(5usize);
    bench(
        &bootstrap,
        zip.as_deref(),
        runs.max(1),
        args.iter().any(|a| a == "--json"),
    )
    .await
}
