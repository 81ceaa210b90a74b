"""A local Lambda runtime API emulator for the test rig: runs a function's real `bootstrap` binary.

moto runs no function code without Docker. tools/moto_launcher.py routes moto's Lambda `Invoke` (and the
invocations Secrets Manager's `RotateSecret` makes) here for functions of a `provided.*` runtime whose zip
holds a `bootstrap` file (the custom-runtime layout, Lambda developer guide "Building a custom runtime");
other functions keep moto's simple, non-executing behaviour.

What it honours, after the Lambda developer guide ("Using the Lambda runtime API for custom runtimes",
"Lambda execution environment", "Defined runtime environment variables"):
  - one warm process per function and code version (the execution environment): the zip is unpacked into
    a private directory (LAMBDA_TASK_ROOT), `bootstrap` is started once with AWS_LAMBDA_RUNTIME_API pointing
    at an HTTP server of its own on 127.0.0.1 (loopback only, TCP_NODELAY) and kept for later events;
  - one event at a time per environment; events queue;
  - the runtime API: GET /2018-06-01/runtime/invocation/next (long poll, with the Lambda-Runtime-Aws-
    Request-Id, -Deadline-Ms, -Invoked-Function-Arn and -Trace-Id headers), POST .../invocation/ID/response,
    POST .../invocation/ID/error and POST .../init/error;
  - the function's environment variables over the defined ones, and its timeout: an event that runs past
    it ends as `Task timed out after N.NN seconds` and the process is killed (the next event starts a new
    one), as does a process that exits mid-event (Runtime.ExitError);
  - logs: the process's stdout and stderr go to `<log dir>/<function>.log` (the rig's CloudWatch Logs
    stand-in) and the last 4 KB of an invocation's output come back as `LogResult` with LogType=Tail.

The function reaches AWS through AWS_ENDPOINT_URL (this moto) with the rig's test credentials. Processes end with
the launcher (`Emulator.shutdown`); should the launcher be killed outright, its runtime API sockets close and
a runtime blocked in GET /next gets an error and exits.
"""

from __future__ import annotations

import base64
import hashlib
import http.server
import io
import json
import logging
import os
import queue
import shutil
import socket
import stat
import subprocess
import tempfile
import threading
import time
import uuid
import zipfile
from dataclasses import dataclass, field
from typing import Any

LOG = logging.getLogger("lambda-emulator")

RUNTIME_API_PREFIX = "/2018-06-01/runtime"
# LogResult carries the last 4 KB of the invocation's log (Lambda API reference, Invoke).
LOG_TAIL_BYTES = 4096
# How long a fresh process may take to ask for its first event before the invocation fails (the init phase
# has its own 10 s limit in Lambda; "Lambda execution environment lifecycle").
INIT_TIMEOUT_SECONDS = 10.0


def has_bootstrap(code: bytes) -> bool:
    """Whether a deployment package is a custom-runtime zip with a `bootstrap` at its root."""
    if not code:
        return False
    try:
        with zipfile.ZipFile(io.BytesIO(code)) as zf:
            return "bootstrap" in zf.namelist()
    except zipfile.BadZipFile:
        return False


@dataclass
class FunctionSpec:
    """What the emulator needs of a function: taken from moto's function object."""

    name: str
    arn: str
    version: str
    handler: str
    memory_mb: int
    timeout_s: float
    environment: dict[str, str]
    code: bytes
    region: str

    def key(self) -> str:
        """Code and configuration: an environment serves one version of both."""
        config = json.dumps([self.handler, self.memory_mb, self.timeout_s, self.environment], sort_keys=True)
        return f"{self.arn}:{hashlib.sha256(self.code).hexdigest()}:{config}"


@dataclass
class Result:
    """The outcome of one invocation."""

    payload: bytes
    # None on success, else Lambda's FunctionError value ("Unhandled").
    function_error: str | None
    log_tail: str
    request_id: str


@dataclass
class _Event:
    request_id: str
    payload: bytes
    deadline_ms: int
    done: threading.Event = field(default_factory=threading.Event)
    response: bytes | None = None
    error: bytes | None = None


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: "_ApiServer"

    def setup(self) -> None:
        super().setup()
        # Without TCP_NODELAY delayed ACKs add ~40 ms to every event (FACTS.md).
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 (the base class's name)
        LOG.debug("runtime api %s: " + format, self.server.env.spec.name, *args)

    def _reply(self, status: int, body: bytes = b"{}", headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)

    def _body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
        if self.path != f"{RUNTIME_API_PREFIX}/invocation/next":
            self._reply(404, b'{"errorMessage":"unknown runtime API path"}')
            return
        env = self.server.env
        env.ready.set()
        event = env.next_event()
        if event is None:  # the environment is shutting down
            self._reply(410, b'{"errorMessage":"environment shut down"}')
            return
        self._reply(
            200,
            event.payload,
            {
                "Lambda-Runtime-Aws-Request-Id": event.request_id,
                "Lambda-Runtime-Deadline-Ms": str(event.deadline_ms),
                "Lambda-Runtime-Invoked-Function-Arn": env.spec.arn,
                "Lambda-Runtime-Trace-Id": f"Root=1-{int(time.time()):08x}-{uuid.uuid4().hex[:24]};Sampled=0",
            },
        )

    def do_POST(self) -> None:  # noqa: N802
        env = self.server.env
        body = self._body()
        rest = self.path[len(RUNTIME_API_PREFIX) :] if self.path.startswith(RUNTIME_API_PREFIX) else ""
        if rest == "/init/error":
            env.init_error(body)
            self._reply(202, b'{"status":"OK"}')
            return
        parts = rest.strip("/").split("/")
        if len(parts) == 3 and parts[0] == "invocation" and parts[2] in ("response", "error"):
            if env.complete(parts[1], body, parts[2] == "error"):
                self._reply(202, b'{"status":"OK"}')
            else:
                self._reply(400, b'{"errorMessage":"unknown or finished request id","errorType":"InvalidRequestID"}')
            return
        self._reply(404, b'{"errorMessage":"unknown runtime API path"}')


class _ApiServer(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, env: "_Environment") -> None:
        self.env = env
        super().__init__(("127.0.0.1", 0), _Handler)


class _Environment:
    """One execution environment: a warm `bootstrap` process and its runtime API server."""

    def __init__(self, spec: FunctionSpec, aws_env: dict[str, str], log_dir: str) -> None:
        self.spec = spec
        self.aws_env = aws_env
        self.log_path = os.path.join(log_dir, f"{spec.name}.log")
        self.task_root = tempfile.mkdtemp(prefix=f"lambda-{spec.name}-")
        with zipfile.ZipFile(io.BytesIO(spec.code)) as zf:
            zf.extractall(self.task_root)
        boot = os.path.join(self.task_root, "bootstrap")
        os.chmod(boot, os.stat(boot).st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
        self.events: queue.Queue[_Event | None] = queue.Queue()
        self.inflight: dict[str, _Event] = {}
        self.lock = threading.Lock()  # one event at a time
        self.ready = threading.Event()
        self.init_failure: bytes | None = None
        self.output = bytearray()
        self.last_output = 0.0
        self.output_lock = threading.Lock()
        self.proc: subprocess.Popen[bytes] | None = None
        self.server = _ApiServer(self)
        threading.Thread(target=self.server.serve_forever, name=f"runtime-api-{spec.name}", daemon=True).start()

    # ---------------------------------------------------------------- process
    def _start(self) -> None:
        port = self.server.server_address[1]
        env = {
            "PATH": "/usr/local/bin:/usr/bin:/bin",
            "LANG": "en_US.UTF-8",
            "TZ": ":UTC",
            "LAMBDA_TASK_ROOT": self.task_root,
            "LAMBDA_RUNTIME_DIR": self.task_root,
            "AWS_LAMBDA_RUNTIME_API": f"127.0.0.1:{port}",
            "_HANDLER": self.spec.handler,
            "AWS_EXECUTION_ENV": "AWS_Lambda_provided.al2023",
            "AWS_LAMBDA_FUNCTION_NAME": self.spec.name,
            "AWS_LAMBDA_FUNCTION_VERSION": self.spec.version,
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(self.spec.memory_mb),
            "AWS_LAMBDA_LOG_GROUP_NAME": f"/aws/lambda/{self.spec.name}",
            "AWS_LAMBDA_LOG_STREAM_NAME": f"{time.strftime('%Y/%m/%d')}/[{self.spec.version}]{uuid.uuid4().hex}",
            "AWS_REGION": self.spec.region,
            "AWS_DEFAULT_REGION": self.spec.region,
        }
        env.update(self.aws_env)
        # The function's own variables win (reserved names aside, which Lambda refuses at create time).
        env.update(self.spec.environment)
        self.ready.clear()
        self.init_failure = None
        self.events.put(None)  # a request thread of an earlier process, if any, stops waiting
        self.events = queue.Queue()
        log = open(self.log_path, "ab")  # noqa: SIM115 (kept by the reader thread)
        self.proc = subprocess.Popen(
            [os.path.join(self.task_root, "bootstrap")],
            cwd=self.task_root,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )
        threading.Thread(target=self._pump, args=(self.proc, log), daemon=True).start()
        LOG.info("lambda %s: started bootstrap (pid %d)", self.spec.name, self.proc.pid)

    def _pump(self, proc: subprocess.Popen[bytes], log: Any) -> None:
        assert proc.stdout is not None
        with log:
            for line in iter(proc.stdout.readline, b""):
                log.write(line)
                log.flush()
                with self.output_lock:
                    self.output += line
                    self.last_output = time.monotonic()

    def _kill(self) -> None:
        proc, self.proc = self.proc, None
        if proc is not None and proc.poll() is None:
            proc.kill()
            proc.wait(timeout=5)
        # Release a request thread of the dead process still blocked in GET /next; the next process gets a
        # queue of its own (`_start`), so no event can go to a dead connection.
        self.events.put(None)

    # ---------------------------------------------------------------- runtime API side
    def next_event(self) -> _Event | None:
        event = self.events.get()
        return event

    def complete(self, request_id: str, body: bytes, is_error: bool) -> bool:
        event = self.inflight.pop(request_id, None)
        if event is None:
            return False
        if is_error:
            event.error = body
        else:
            event.response = body
        event.done.set()
        return True

    def init_error(self, body: bytes) -> None:
        self.init_failure = body or b'{"errorType":"Runtime.InitError"}'
        self.ready.set()

    # ---------------------------------------------------------------- invoke side
    def invoke(self, payload: bytes) -> Result:
        with self.lock:
            request_id = str(uuid.uuid4())
            with self.output_lock:
                self.output.clear()
            if self.proc is None or self.proc.poll() is not None:
                self._start()
            start = time.monotonic()
            deadline = start + self.spec.timeout_s
            event = _Event(request_id, payload, int((time.time() + self.spec.timeout_s) * 1000))
            self.inflight[request_id] = event
            self.events.put(event)
            error: dict[str, Any] | None = None
            while not event.done.wait(0.05):
                if self.init_failure is not None:
                    error = json.loads(self.init_failure.decode("utf-8", "replace") or "{}")
                    error.setdefault("errorType", "Runtime.InitError")
                    break
                if self.proc is None or self.proc.poll() is not None:
                    code = self.proc.returncode if self.proc is not None else None
                    error = {
                        "errorType": "Runtime.ExitError",
                        "errorMessage": f"RequestId: {request_id} Error: Runtime exited with error: exit status {code}",
                    }
                    break
                if time.monotonic() >= deadline:
                    error = {
                        "errorMessage": f"{time.strftime('%Y-%m-%dT%H:%M:%S', time.gmtime())}Z {request_id} "
                        f"Task timed out after {self.spec.timeout_s:.2f} seconds"
                    }
                    break
            self.inflight.pop(request_id, None)
            if error is not None:
                # Lambda throws away an environment whose event failed this way.
                self._kill()
                payload_out, function_error = json.dumps(error).encode(), "Unhandled"
            elif event.error is not None:
                payload_out, function_error = event.error, "Unhandled"
            else:
                payload_out, function_error = event.response or b"null", None
            elapsed_ms = (time.monotonic() - start) * 1000
            # Let the output the function wrote before answering reach the log ahead of the REPORT line.
            settle = time.monotonic() + 0.2
            while time.monotonic() < settle and time.monotonic() - self.last_output < 0.02:
                time.sleep(0.005)
            report = (
                f"REPORT RequestId: {request_id}\tDuration: {elapsed_ms:.2f} ms\t"
                f"Memory Size: {self.spec.memory_mb} MB\n"
            ).encode()
            with open(self.log_path, "ab") as log:
                log.write(report)
            with self.output_lock:
                tail = bytes(self.output + report)[-LOG_TAIL_BYTES:]
            LOG.info(
                "lambda %s: %s in %.0f ms%s",
                self.spec.name,
                request_id,
                elapsed_ms,
                f" ({function_error})" if function_error else "",
            )
            return Result(payload_out, function_error, tail.decode("utf-8", "replace"), request_id)

    def shutdown(self) -> None:
        self._kill()
        self.events.put(None)
        self.server.shutdown()
        self.server.server_close()
        shutil.rmtree(self.task_root, ignore_errors=True)


class Emulator:
    """The execution environments of every function, created on first invoke and kept warm."""

    def __init__(self, aws_env: dict[str, str], log_dir: str) -> None:
        self.aws_env = aws_env
        self.log_dir = log_dir
        os.makedirs(log_dir, exist_ok=True)
        self._envs: dict[str, _Environment] = {}
        self._lock = threading.Lock()

    def invoke(self, spec: FunctionSpec, payload: bytes) -> Result:
        with self._lock:
            env = self._envs.get(spec.arn)
            if env is not None and env.spec.key() != spec.key():
                # New code or configuration: a new environment, as Lambda does after an update.
                env.shutdown()
                env = None
            if env is None:
                env = _Environment(spec, self.aws_env, self.log_dir)
                self._envs[spec.arn] = env
        return env.invoke(payload)

    def shutdown(self) -> None:
        with self._lock:
            envs, self._envs = list(self._envs.values()), {}
        for env in envs:
            env.shutdown()


def log_result_header(result: Result) -> str:
    """The base64 `x-amz-log-result` value."""
    return base64.b64encode(result.log_tail.encode("utf-8")).decode("ascii")
