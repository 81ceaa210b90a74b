//! [`Moto`]: a moto server (with the fixes of `tools/moto_launcher.py`) on a free loopback port.

use std::fmt;
use std::fs::File;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpStream};
use std::os::unix::process::CommandExt;
use std::path::PathBuf;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use tempfile::TempDir;

use crate::process::{Reaper, kill_child_group, sh_quote};
use crate::{LOOPBACK, repo_root, venv_python};

const START_TIMEOUT: Duration = Duration::from_secs(60);
const HTTP_TIMEOUT: Duration = Duration::from_secs(30);

/// A running moto server; stopped (process group killed) and its log directory removed on drop.
///
/// If this process dies without dropping the guard, the launcher exits by itself (it watches
/// the stdin pipe this guard holds) and a watcher removes the log directory.
pub struct Moto {
    child: Child,
    _stdin: ChildStdin,
    port: u16,
    dir: TempDir,
    _reaper: Reaper,
}

impl fmt::Debug for Moto {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Moto")
            .field("pid", &self.child.id())
            .field("port", &self.port)
            .field("dir", &self.dir.path())
            .finish()
    }
}

/// A raw HTTP response from [`Moto::request`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpResponse {
    /// The status code, such as 200.
    pub status: u16,
    /// The body (lossy UTF-8).
    pub body: String,
}

impl Moto {
    /// Starts `tools/moto_launcher.py` with the venv's Python on a free port and waits until
    /// `GET /moto-api/` answers 200. Request logs go to [`Moto::log_path`].
    pub fn start() -> Result<Self> {
        let python = venv_python()?;
        let launcher = repo_root().join("tools/moto_launcher.py");
        if !launcher.is_file() {
            bail!("{} is missing", launcher.display());
        }
        let dir = tempfile::Builder::new()
            .prefix("lx-moto-")
            .tempdir()
            .context("creating moto's temporary directory")?;
        let log_path = dir.path().join("moto.log");
        let log = File::create(&log_path).context("creating moto's log file")?;

        let mut child = Command::new(&python)
            .arg(&launcher)
            .args(["--host", LOOPBACK, "--port", "0", "--exit-on-stdin-eof"])
            .arg("--lambda-log-dir")
            .arg(dir.path().join("lambda"))
            .env("PYTHONDONTWRITEBYTECODE", "1")
            .env("PYTHONUNBUFFERED", "1")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::from(log))
            .process_group(0)
            .spawn()
            .with_context(|| format!("cannot start {}", launcher.display()))?;
        let reaper = Reaper::spawn(&format!(
            "env kill -KILL -- -{pgid} 2>/dev/null; rm -rf {dir}",
            pgid = child.id(),
            dir = sh_quote(&dir.path().to_string_lossy()),
        ));
        let reaper = match reaper {
            Ok(reaper) => reaper,
            Err(e) => {
                kill_child_group(&mut child);
                return Err(e);
            }
        };
        let stdin = child.stdin.take().context("moto launcher has no stdin")?;
        let stdout = child.stdout.take().context("moto launcher has no stdout")?;
        let mut moto = Self {
            child,
            _stdin: stdin,
            port: 0,
            dir,
            _reaper: reaper,
        };

        // The first stdout line is `MOTO_PORT=<port>`; the reader thread then keeps draining stdout.
        let (tx, rx) = mpsc::channel();
        thread::spawn(move || {
            let mut lines = BufReader::new(stdout).lines();
            let _ = tx.send(lines.next());
            for _ in lines {}
        });
        let line = match rx.recv_timeout(START_TIMEOUT) {
            Ok(Some(Ok(line))) => line,
            _ => bail!(
                "moto launcher printed no MOTO_PORT line within {START_TIMEOUT:?}\n{}",
                moto.log()
            ),
        };
        moto.port = line
            .trim()
            .strip_prefix("MOTO_PORT=")
            .and_then(|p| p.parse().ok())
            .with_context(|| format!("unexpected first line from the moto launcher: {line:?}"))?;

        let deadline = Instant::now() + START_TIMEOUT;
        loop {
            if let Ok(Some(status)) = moto.child.try_wait() {
                bail!("moto exited with {status} while starting\n{}", moto.log());
            }
            match moto.request("GET", "/moto-api/", b"") {
                Ok(resp) if resp.status == 200 => return Ok(moto),
                _ if Instant::now() > deadline => {
                    bail!(
                        "moto did not answer GET /moto-api/ within {START_TIMEOUT:?}\n{}",
                        moto.log()
                    )
                }
                _ => thread::sleep(Duration::from_millis(50)),
            }
        }
    }

    /// The port moto listens on (127.0.0.1).
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The endpoint URL, `http://127.0.0.1:<port>`.
    pub fn endpoint(&self) -> String {
        format!("http://{LOOPBACK}:{}", self.port)
    }

    /// Environment for an AWS SDK or Terraform run against this server: `AWS_ENDPOINT_URL`,
    /// static test credentials, region `us-east-1`, and the instance metadata service disabled.
    pub fn env(&self) -> Vec<(String, String)> {
        [
            ("AWS_ENDPOINT_URL", self.endpoint().as_str()),
            ("AWS_ACCESS_KEY_ID", "test"),
            ("AWS_SECRET_ACCESS_KEY", "test"),
            ("AWS_REGION", "us-east-1"),
            ("AWS_DEFAULT_REGION", "us-east-1"),
            ("AWS_EC2_METADATA_DISABLED", "true"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect()
    }

    /// Sends one plain HTTP/1.1 request (no AWS signature, which moto does not check) and returns
    /// the status and body. `path` starts with `/`, e.g. `PUT /my-bucket` creates an S3 bucket.
    pub fn request(&self, method: &str, path: &str, body: &[u8]) -> Result<HttpResponse> {
        let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, self.port));
        let mut stream = TcpStream::connect_timeout(&addr, HTTP_TIMEOUT)
            .with_context(|| format!("connecting to moto at {addr}"))?;
        stream.set_read_timeout(Some(HTTP_TIMEOUT))?;
        stream.set_write_timeout(Some(HTTP_TIMEOUT))?;
        let head = format!(
            "{method} {path} HTTP/1.1\r\nHost: {LOOPBACK}:{}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
            self.port,
            body.len()
        );
        stream.write_all(head.as_bytes())?;
        stream.write_all(body)?;
        let mut raw = Vec::new();
        stream
            .read_to_end(&mut raw)
            .with_context(|| format!("reading moto's answer to {method} {path}"))?;
        parse_http_response(&raw).with_context(|| format!("moto's answer to {method} {path}"))
    }

    /// One AWS API call through boto3 (the venv's): `service` and `op` as boto3 names them
    /// (`"secretsmanager"`, `"list_secrets"`), `args` its keyword arguments. A Lambda `Code.ZipFile` is given
    /// as hex, or as `Code.ZipFilePath` (a local file, for packages too big for a command line); a streamed
    /// `Payload` comes back as text. The region is us-east-1 unless `args` has `"__region"` (taken out
    /// before the call). Returns the response without `ResponseMetadata`; `Err` with boto3's error text when
    /// the call fails.
    pub fn call(
        &self,
        service: &str,
        op: &str,
        args: &serde_json::Value,
    ) -> Result<serde_json::Value> {
        let mut out = self.call_batch(&[(service, op, args.clone())])?;
        out.pop().context("boto3 returned no result")
    }

    /// Several calls as [`Moto::call`] makes them, in order, in one Python process (starting one costs about
    /// a second); stops at the first that fails.
    pub fn call_batch(
        &self,
        calls: &[(&str, &str, serde_json::Value)],
    ) -> Result<Vec<serde_json::Value>> {
        const SCRIPT: &str = r#"
import boto3, json, sys
clients = {}
results = []
for service, op, args in json.loads(sys.stdin.read()):
    region = args.pop("__region", "us-east-1")
    if (service, region) not in clients:
        clients[(service, region)] = boto3.client(service, endpoint_url=sys.argv[1], region_name=region,
                                                  aws_access_key_id="test", aws_secret_access_key="test")
    if "ZipFile" in args.get("Code", {}):
        args["Code"]["ZipFile"] = bytes.fromhex(args["Code"]["ZipFile"])
    if "ZipFilePath" in args.get("Code", {}):
        with open(args["Code"].pop("ZipFilePath"), "rb") as f:
            args["Code"]["ZipFile"] = f.read()
    try:
        r = getattr(clients[(service, region)], op)(**args)
    except Exception as e:
        sys.stderr.write(f"{service}.{op} failed: {e}\n")
        sys.exit(1)
    r.pop("ResponseMetadata", None)
    if "Payload" in r:
        r["Payload"] = r["Payload"].read().decode()
    results.append(r)
print(json.dumps(results, default=str))
"#;
        let input = serde_json::Value::Array(
            calls
                .iter()
                .map(|(service, op, args)| serde_json::json!([service, op, args]))
                .collect(),
        );
        let mut child = Command::new(venv_python()?)
            .args(["-c", SCRIPT, &self.endpoint()])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .context("running boto3")?;
        child
            .stdin
            .take()
            .context("boto3 stdin")?
            .write_all(input.to_string().as_bytes())
            .context("writing the calls to boto3")?;
        let out = child.wait_with_output().context("running boto3")?;
        if !out.status.success() {
            let what: Vec<String> = calls.iter().map(|(s, o, _)| format!("{s}.{o}")).collect();
            bail!(
                "{} failed: {}",
                what.join(", "),
                String::from_utf8_lossy(&out.stderr)
            );
        }
        serde_json::from_slice(&out.stdout).context("boto3 output")
    }

    /// Wipes all emulated state (`POST /moto-api/reset`).
    pub fn reset(&self) -> Result<()> {
        let resp = self.request("POST", "/moto-api/reset", b"")?;
        if resp.status != 200 {
            bail!(
                "POST /moto-api/reset answered {}: {}",
                resp.status,
                resp.body
            );
        }
        Ok(())
    }

    /// The request log file (the launcher's stderr).
    pub fn log_path(&self) -> PathBuf {
        self.dir.path().join("moto.log")
    }

    /// The output of a Lambda function run by the launcher's runtime API emulator (its stdout and stderr,
    /// one `REPORT` line per event), empty when it never ran.
    pub fn lambda_log(&self, function_name: &str) -> String {
        std::fs::read_to_string(
            self.dir
                .path()
                .join("lambda")
                .join(format!("{function_name}.log")),
        )
        .unwrap_or_default()
    }

    /// The request log so far (the launcher's stderr), for failure messages.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.log_path()).unwrap_or_default()
    }
}

impl Drop for Moto {
    fn drop(&mut self) {
        kill_child_group(&mut self.child);
    }
}

/// Splits a raw HTTP/1.x response into status and body (de-chunking a chunked body).
fn parse_http_response(raw: &[u8]) -> Result<HttpResponse> {
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .context("no end of headers in HTTP response")?;
    let head = String::from_utf8_lossy(&raw[..split]);
    let mut body = &raw[split + 4..];
    let status_line = head.lines().next().unwrap_or_default();
    let status = status_line
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .with_context(|| format!("bad HTTP status line {status_line:?}"))?;
    let chunked = head.lines().any(|l| {
        let l = l.to_ascii_lowercase();
        l.starts_with("transfer-encoding:") && l.contains("chunked")
    });
    let mut decoded = Vec::new();
    if chunked {
        loop {
            let eol = body
                .windows(2)
                .position(|w| w == b"\r\n")
                .context("bad chunked body")?;
            let size_text = String::from_utf8_lossy(&body[..eol]);
            let size = usize::from_str_radix(size_text.split(';').next().unwrap_or("").trim(), 16)
                .context("bad chunk size")?;
            body = &body[eol + 2..];
            if size == 0 {
                break;
            }
            decoded.extend_from_slice(body.get(..size).context("truncated chunk")?);
            body = body.get(size + 2..).unwrap_or_default();
        }
        body = &decoded;
    }
    Ok(HttpResponse {
        status,
        body: String::from_utf8_lossy(body).into_owned(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_plain_and_chunked_responses() -> Result<()> {
        let cases: [(&[u8], u16, &str); 3] = [
            (
                b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello",
                200,
                "hello",
            ),
            (b"HTTP/1.1 404 NOT FOUND\r\n\r\n", 404, ""),
            (
                b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2;x=y\r\nde\r\n0\r\n\r\n",
                200,
                "abcde",
            ),
        ];
        for (raw, status, body) in cases {
            let resp = parse_http_response(raw)?;
            assert_eq!(
                resp,
                HttpResponse {
                    status,
                    body: body.to_owned()
                }
            );
        }
        Ok(())
    }

    #[test]
    fn rejects_garbage() {
        assert!(parse_http_response(b"nonsense").is_err());
        assert!(parse_http_response(b"HTTP/1.1 abc\r\n\r\n").is_err());
    }
}
