//! [`FaultProxy`]: an HTTP/1.1 proxy on a free loopback port in front of moto that makes one chosen API call
//! fail, to test what a service outage at exactly that call does.
//!
//! Calls are counted from 1 in the order they arrive; a retry (the same `X-Amz-Target` and body as the
//! failing call, until it has had its answers) is not a new call. The failing call is answered `500 InternalServiceError`, and so are its
//! retries (at most [`RETRIES_FAILED`] answers), so the SDK gives up and the caller sees the failure. Each
//! connection carries one request (`Connection: close`), which keeps the proxy small.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::Duration;

use anyhow::{Context, Result};

/// How many answers a failing call gets in all: the SDK's standard retry mode makes 3 attempts, so the
/// call fails; a later identical request (a new call, e.g. the step retried) goes through.
const RETRIES_FAILED: u32 = 3;

#[derive(Default)]
struct State {
    /// Distinct calls seen.
    calls: AtomicU64,
    /// The call to fail (0: none).
    fail_call: AtomicU64,
    /// `500` answers given.
    injected: AtomicU64,
    /// The failing call's identity and how many answers it got.
    failing: Mutex<Option<(Vec<u8>, u32)>>,
    stop: AtomicBool,
}

/// A fault-injecting proxy; stops when dropped.
pub struct FaultProxy {
    port: u16,
    state: Arc<State>,
}

impl FaultProxy {
    /// Starts a proxy to `upstream` (`host:port` on loopback).
    pub fn start(upstream: &str) -> Result<FaultProxy> {
        let listener = TcpListener::bind("127.0.0.1:0").context("binding the fault proxy")?;
        let port = listener.local_addr()?.port();
        let state = Arc::new(State::default());
        let upstream = upstream.to_owned();
        let st = state.clone();
        thread::spawn(move || {
            for conn in listener.incoming() {
                if st.stop.load(Ordering::Relaxed) {
                    break;
                }
                let Ok(conn) = conn else { continue };
                let st = st.clone();
                let upstream = upstream.clone();
                thread::spawn(move || {
                    let _ = serve(conn, &upstream, &st);
                });
            }
        });
        Ok(FaultProxy { port, state })
    }

    /// The proxy's endpoint URL.
    pub fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Distinct calls so far.
    pub fn calls(&self) -> u64 {
        self.state.calls.load(Ordering::Relaxed)
    }

    /// `500` answers given since the last [`FaultProxy::reset`].
    pub fn injected(&self) -> u64 {
        self.state.injected.load(Ordering::Relaxed)
    }

    /// Makes call number `n` (counting from the next [`FaultProxy::reset`]) fail; 0 fails nothing.
    pub fn fail_call(&self, n: u64) {
        self.state.fail_call.store(n, Ordering::Relaxed);
    }

    /// Restarts the call count and forgets a failing call.
    pub fn reset(&self) {
        self.state.calls.store(0, Ordering::Relaxed);
        self.state.fail_call.store(0, Ordering::Relaxed);
        self.state.injected.store(0, Ordering::Relaxed);
        if let Ok(mut f) = self.state.failing.lock() {
            *f = None;
        }
    }
}

impl Drop for FaultProxy {
    fn drop(&mut self) {
        self.state.stop.store(true, Ordering::Relaxed);
        // Wake the accept loop.
        let _ = TcpStream::connect(("127.0.0.1", self.port));
    }
}

fn serve(mut client: TcpStream, upstream: &str, st: &State) -> Result<()> {
    client.set_read_timeout(Some(Duration::from_secs(30)))?;
    let mut reader = BufReader::new(client.try_clone()?);
    let mut head = Vec::new();
    let mut length = 0usize;
    let mut target = Vec::new();
    loop {
        let mut line = Vec::new();
        if reader.read_until(b'\n', &mut line)? == 0 {
            return Ok(());
        }
        let text = String::from_utf8_lossy(&line).to_ascii_lowercase();
        if let Some(v) = text.strip_prefix("content-length:") {
            length = v.trim().parse().unwrap_or(0);
        }
        if text.starts_with("x-amz-target:") {
            target = line.clone();
        }
        if text.starts_with("connection:") {
            continue;
        }
        if line == b"\r\n" {
            head.extend_from_slice(b"Connection: close\r\n\r\n");
            break;
        }
        head.extend_from_slice(&line);
    }
    let mut body = vec![0u8; length];
    reader.read_exact(&mut body)?;
    let mut identity = target;
    identity.extend_from_slice(&body);
    if should_fail(st, identity) {
        st.injected.fetch_add(1, Ordering::Relaxed);
        let msg =
            br#"{"__type":"InternalServiceError","message":"injected by the test's fault proxy"}"#;
        let resp = format!(
            "HTTP/1.1 500 Internal Server Error\r\nContent-Type: application/x-amz-json-1.1\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
            msg.len()
        );
        client.write_all(resp.as_bytes())?;
        client.write_all(msg)?;
        let _ = client.shutdown(Shutdown::Both);
        return Ok(());
    }
    let mut up = TcpStream::connect(upstream).context("connecting to moto")?;
    up.write_all(&head)?;
    up.write_all(&body)?;
    let mut resp = Vec::new();
    up.read_to_end(&mut resp)?;
    client.write_all(&resp)?;
    let _ = client.shutdown(Shutdown::Both);
    Ok(())
}

/// Counts the call and decides whether it fails.
fn should_fail(st: &State, identity: Vec<u8>) -> bool {
    let Ok(mut failing) = st.failing.lock() else {
        return false;
    };
    // A retry of the failing call (other requests may come between the SDK's attempts): fails until the
    // SDK has had all its answers.
    if let Some((id, answers)) = failing.as_mut()
        && *id == identity
    {
        *answers += 1;
        if *answers >= RETRIES_FAILED {
            *failing = None;
        }
        return true;
    }
    let n = st.calls.fetch_add(1, Ordering::Relaxed) + 1;
    if n == st.fail_call.load(Ordering::Relaxed) {
        *failing = Some((identity, 1));
        return true;
    }
    false
}
