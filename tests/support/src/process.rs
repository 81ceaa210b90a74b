//! Process plumbing shared by the guards: captured runs with a timeout, process-group kills,
//! free loopback ports, readiness polling and the crash reaper.

use std::collections::HashSet;
use std::io::{Read, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::os::unix::process::CommandExt;
use std::process::{Child, ChildStdin, Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::sync::{Mutex, OnceLock};
use std::thread;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};

/// What a finished command printed, and how it exited.
#[derive(Debug, Clone)]
pub struct Output {
    /// The exit status.
    pub status: ExitStatus,
    /// Everything written on stdout (lossy UTF-8).
    pub stdout: String,
    /// Everything written on stderr (lossy UTF-8).
    pub stderr: String,
}

impl Output {
    /// Whether the command exited with status 0.
    pub fn success(&self) -> bool {
        self.status.success()
    }

    /// The exit code, `None` when the command was killed by a signal.
    pub fn code(&self) -> Option<i32> {
        self.status.code()
    }
}

/// Runs `cmd` in a process group of its own, feeding `stdin` (or nothing), and collects its
/// output. After `timeout` the whole group is killed and an error returned. Only a command that
/// cannot be started or times out is an `Err`; a non-zero exit is reported in [`Output`].
pub(crate) fn run_captured(
    mut cmd: Command,
    stdin: Option<&[u8]>,
    timeout: Duration,
    what: &str,
) -> Result<Output> {
    cmd.stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .process_group(0);
    let mut child = cmd
        .spawn()
        .with_context(|| format!("cannot start {what} ({:?})", cmd.get_program()))?;
    let pid = child.id();

    let stdout = child.stdout.take().map(spawn_reader);
    let stderr = child.stderr.take().map(spawn_reader);
    if let (Some(input), Some(mut pipe)) = (stdin, child.stdin.take()) {
        let input = input.to_vec();
        // A writer thread, so a command that does not read all its input cannot block us.
        thread::spawn(move || {
            let _ = pipe.write_all(&input);
        });
    }

    let (tx, rx) = mpsc::channel();
    thread::spawn(move || {
        let _ = tx.send(child.wait());
    });
    let status = match rx.recv_timeout(timeout) {
        Ok(status) => status.with_context(|| format!("waiting for {what}"))?,
        Err(_) => {
            kill_group(pid, "KILL");
            let _ = rx.recv_timeout(Duration::from_secs(10));
            let out = stdout.map(join_reader).unwrap_or_default();
            let err = stderr.map(join_reader).unwrap_or_default();
            bail!(
                "{what} did not finish within {timeout:?} and was killed\n--- stdout\n{out}\n--- stderr\n{err}"
            );
        }
    };
    Ok(Output {
        status,
        stdout: stdout.map(join_reader).unwrap_or_default(),
        stderr: stderr.map(join_reader).unwrap_or_default(),
    })
}

fn spawn_reader(mut pipe: impl Read + Send + 'static) -> thread::JoinHandle<String> {
    thread::spawn(move || {
        let mut buf = Vec::new();
        let _ = pipe.read_to_end(&mut buf);
        String::from_utf8_lossy(&buf).into_owned()
    })
}

fn join_reader(handle: thread::JoinHandle<String>) -> String {
    handle.join().unwrap_or_default()
}

/// Sends `signal` (a name such as `TERM` or `KILL`) to the process group `pgid`, ignoring
/// failures (the group may be gone already). Uses kill(1): this crate has no unsafe code.
pub(crate) fn kill_group(pgid: u32, signal: &str) {
    if pgid == 0 {
        return;
    }
    let _ = Command::new("kill")
        .arg(format!("-{signal}"))
        .arg("--")
        .arg(format!("-{pgid}"))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
}

/// Kills the process group led by `child` and reaps the child.
pub(crate) fn kill_child_group(child: &mut Child) {
    kill_group(child.id(), "KILL");
    let _ = child.kill();
    let _ = child.wait();
}

/// Waits up to `timeout` for `child` to exit; `None` if it is still running.
pub(crate) fn wait_timeout(child: &mut Child, timeout: Duration) -> Option<ExitStatus> {
    let deadline = Instant::now() + timeout;
    loop {
        match child.try_wait() {
            Ok(Some(status)) => return Some(status),
            Ok(None) if Instant::now() < deadline => thread::sleep(Duration::from_millis(20)),
            _ => return None,
        }
    }
}

/// A loopback port that was free a moment ago and that no other guard of this process has been
/// given. Another process may still take it first: the guards retry with a new port when their
/// server cannot bind.
pub(crate) fn free_port() -> Result<u16> {
    static GIVEN: OnceLock<Mutex<HashSet<u16>>> = OnceLock::new();
    let given = GIVEN.get_or_init(|| Mutex::new(HashSet::new()));
    for _ in 0..50 {
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
            .context("cannot bind a loopback port to find a free one")?;
        let port = listener.local_addr()?.port();
        drop(listener);
        let mut given = given.lock().unwrap_or_else(|e| e.into_inner());
        if given.insert(port) {
            return Ok(port);
        }
    }
    bail!("no free loopback port found")
}

/// Whether something accepts TCP connections on 127.0.0.1:`port`.
pub(crate) fn port_open(port: u16) -> bool {
    let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
    TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_ok()
}

/// A fresh random hex string (for passwords), read from /dev/urandom.
pub(crate) fn random_hex(bytes: usize) -> Result<String> {
    let mut buf = vec![0u8; bytes];
    std::fs::File::open("/dev/urandom")
        .and_then(|mut f| f.read_exact(&mut buf))
        .context("reading /dev/urandom")?;
    Ok(buf.iter().map(|b| format!("{b:02x}")).collect())
}

/// Whether this process runs as root (effective uid 0), read from /proc/self/status.
pub(crate) fn is_root() -> bool {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find_map(|l| l.strip_prefix("Uid:"))
                .and_then(|ids| ids.split_whitespace().nth(1).map(|euid| euid == "0"))
        })
        .unwrap_or(false)
}

/// Quotes `s` for a POSIX shell.
pub(crate) fn sh_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}

/// Runs a shell cleanup script if this test process dies without dropping its guard (killed by a
/// timeout, SIGKILL, abort): a `sh` in its own process group waits for EOF on a pipe that only
/// this process holds, so the kernel closing the pipe triggers the script. A normal drop kills
/// the reaper first.
pub(crate) struct Reaper {
    child: Child,
    _pipe: ChildStdin,
}

impl Reaper {
    pub(crate) fn spawn(script: &str) -> Result<Self> {
        let mut child = Command::new("sh")
            .arg("-c")
            .arg(format!("cat >/dev/null; {script}"))
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .process_group(0)
            .spawn()
            .context("cannot start the cleanup watcher (sh)")?;
        let pipe = child
            .stdin
            .take()
            .context("cleanup watcher has no stdin pipe")?;
        Ok(Self { child, _pipe: pipe })
    }
}

impl Drop for Reaper {
    fn drop(&mut self) {
        kill_child_group(&mut self.child);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sh_quote_escapes_single_quotes() {
        let cases = [
            ("plain", "'plain'"),
            ("it's", r"'it'\''s'"),
            ("", "''"),
            ("a b$c", "'a b$c'"),
        ];
        for (input, want) in cases {
            assert_eq!(sh_quote(input), want, "input {input:?}");
        }
    }

    #[test]
    fn free_ports_are_distinct_within_the_process() -> Result<()> {
        let mut seen = HashSet::new();
        for _ in 0..20 {
            assert!(seen.insert(free_port()?));
        }
        Ok(())
    }

    #[test]
    fn run_captured_reports_exit_and_output() -> Result<()> {
        let mut cmd = Command::new("sh");
        cmd.args(["-c", "read x; echo out:$x; echo err >&2; exit 3"]);
        let out = run_captured(cmd, Some(b"hi\n"), Duration::from_secs(10), "sh")?;
        assert_eq!(out.code(), Some(3));
        assert_eq!(out.stdout, "out:hi\n");
        assert_eq!(out.stderr, "err\n");
        Ok(())
    }

    #[test]
    fn run_captured_kills_on_timeout() {
        let mut cmd = Command::new("sh");
        cmd.args(["-c", "sleep 30 & sleep 30"]);
        let started = Instant::now();
        let err = run_captured(cmd, None, Duration::from_millis(300), "sleeper")
            .err()
            .map(|e| e.to_string());
        assert!(started.elapsed() < Duration::from_secs(10));
        assert!(
            err.as_deref()
                .is_some_and(|e| e.contains("did not finish within")),
            "{err:?}"
        );
    }

    #[test]
    fn random_hex_has_requested_length_and_varies() -> Result<()> {
        let a = random_hex(16)?;
        let b = random_hex(16)?;
        assert_eq!(a.len(), 32);
        assert!(a.chars().all(|c| c.is_ascii_hexdigit()));
        assert_ne!(a, b);
        Ok(())
    }
}
