"""Provider start-to-handshake time and idle memory, measured the way go-plugin starts a plugin.

The provider is spawned with the environment Terraform gives its plugins (magic cookie,
`PLUGIN_PROTOCOL_VERSIONS`, `PLUGIN_MIN_PORT`/`PLUGIN_MAX_PORT`, and a `PLUGIN_CLIENT_CERT`
made like go-plugin's AutoMTLS certificate: self-signed ECDSA P-521, O=HashiCorp, CN=localhost)
and timed from just before the spawn until its handshake line has been read from the pipe.
The process is killed afterwards. The same loop run on `/bin/echo` printing a handshake-shaped
line gives the floor of the harness itself (fork, exec, pipe, Python).
"""

from __future__ import annotations

import os
import select
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from measure import Handshake, parse_handshake, parse_proc_kb

MAGIC_COOKIE = "d602bf8f470bc67ca7faa0386276bbdd4330efaf76d1a219cb4d6991ca9872b2"
MIN_PORT = 10000
MAX_PORT = 25000
LINE_TIMEOUT_S = 10.0


def make_client_cert(directory: Path) -> str:
    """A self-signed ECDSA P-521 client certificate like the one go-plugin's AutoMTLS makes;
    returns its PEM. Uses the openssl command line tool."""
    key = directory / "client-key.pem"
    cert = directory / "client-cert.pem"
    subprocess.run(
        [
            "openssl", "req", "-x509", "-newkey", "ec",
            "-pkeyopt", "ec_paramgen_curve:P-521",
            "-nodes", "-keyout", str(key), "-out", str(cert), "-days", "1",
            "-subj", "/O=HashiCorp/CN=localhost",
            "-addext", "subjectAltName=DNS:localhost",
            "-addext", "basicConstraints=critical,CA:TRUE",
            "-addext", "keyUsage=digitalSignature,keyEncipherment,keyCertSign",
            "-addext", "extendedKeyUsage=serverAuth,clientAuth",
        ],
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        timeout=60,
    )
    return cert.read_text()


def plugin_env(client_cert_pem: str) -> dict[str, str]:
    """The handshake environment Terraform passes (PATH/HOME kept, nothing else)."""
    env = {k: os.environ[k] for k in ("PATH", "HOME") if k in os.environ}
    env.update(
        {
            "TF_PLUGIN_MAGIC_COOKIE": MAGIC_COOKIE,
            "PLUGIN_PROTOCOL_VERSIONS": "6",
            "PLUGIN_MIN_PORT": str(MIN_PORT),
            "PLUGIN_MAX_PORT": str(MAX_PORT),
            "PLUGIN_CLIENT_CERT": client_cert_pem,
        }
    )
    return env


@dataclass(frozen=True)
class Sample:
    """One spawn: seconds to the handshake line, the line, and (when it was left to settle)
    its idle memory in kB: RSS, its high-water mark, proportional set size and anonymous
    (private, not file-backed) memory."""

    seconds: float
    line: str
    vm_rss_kb: int | None
    vm_hwm_kb: int | None
    pss_kb: int | None
    anon_kb: int | None


def spawn_to_line(argv: list[str], env: dict[str, str], settle_s: float = 0.0) -> Sample:
    """Spawns `argv`, times it until the first stdout line; with `settle_s` > 0 waits that long
    and reads its idle memory from /proc; then kills it. Bounded by LINE_TIMEOUT_S."""
    r, w = os.pipe()
    try:
        start = time.perf_counter_ns()
        proc = subprocess.Popen(
            argv, env=env, stdin=subprocess.DEVNULL, stdout=w, stderr=subprocess.DEVNULL
        )
        os.close(w)
        w = -1
        buf = b""
        deadline = time.monotonic() + LINE_TIMEOUT_S
        try:
            while b"\n" not in buf:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise RuntimeError(f"{argv[0]} printed no handshake line in {LINE_TIMEOUT_S} s")
                ready, _, _ = select.select([r], [], [], left)
                if ready:
                    chunk = os.read(r, 65536)
                    if not chunk:
                        raise RuntimeError(
                            f"{argv[0]} closed stdout before a handshake line "
                            f"(exit status {proc.wait(timeout=5)})"
                        )
                    buf += chunk
            elapsed = (time.perf_counter_ns() - start) / 1e9
            mem: dict[str, int] = {}
            if settle_s > 0:
                time.sleep(settle_s)
                try:
                    mem.update(parse_proc_kb(Path(f"/proc/{proc.pid}/status").read_text()))
                    mem.update(parse_proc_kb(Path(f"/proc/{proc.pid}/smaps_rollup").read_text()))
                except OSError:
                    pass  # it exited: reported as no idle figure
        finally:
            if proc.poll() is None:
                proc.kill()
            proc.wait(timeout=10)
    finally:
        os.close(r)
        if w >= 0:
            os.close(w)
    line = buf.split(b"\n", 1)[0].decode(errors="replace")
    return Sample(
        elapsed, line, mem.get("VmRSS"), mem.get("VmHWM"), mem.get("Pss"), mem.get("Anonymous")
    )


@dataclass(frozen=True)
class HandshakeResult:
    """The samples of the provider, the harness floor, and the parsed handshake."""

    provider: list[Sample]
    floor: list[Sample]
    handshake: Handshake


def measure(binary: Path, client_cert_pem: str, runs: int, settle_every: int = 5) -> HandshakeResult:
    """One warm-up, then `runs` timed spawns of the provider (every `settle_every`-th one also
    waits 200 ms and reads idle memory), then `runs` spawns of the floor program."""
    env = plugin_env(client_cert_pem)
    spawn_to_line([str(binary)], env)  # warm-up: page cache, dynamic loader
    samples = []
    for i in range(runs):
        settle = 0.2 if i % settle_every == 0 else 0.0
        samples.append(spawn_to_line([str(binary)], env, settle_s=settle))
    hs = parse_handshake(samples[0].line)
    for s in samples:
        parse_handshake(s.line)
    floor_argv = ["/bin/echo", "1|6|tcp|127.0.0.1:1|grpc"]
    spawn_to_line(floor_argv, env)
    floor = [spawn_to_line(floor_argv, env) for _ in range(runs)]
    return HandshakeResult(samples, floor, hs)
