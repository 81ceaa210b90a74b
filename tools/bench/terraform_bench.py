"""Terraform side of `make bench`: filesystem mirrors, working directories and timed plans.

A working directory is initialised once from a filesystem mirror of its own CLI configuration
(as `tests/support` does: `<mirror>/registry.terraform.io/<ns>/<type>/<version>/linux_amd64/
terraform-provider-<type>_v<version>`), then planned several times; only the plans are timed.
Terraform gets its own `TF_CLI_CONFIG_FILE` and an environment that cannot reach anything but
127.0.0.1 (AWS endpoints point at a closed local port, instance metadata is disabled).
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from measure import TIME_FORMAT

PLATFORM = "linux_amd64"
HOST = "registry.terraform.io"
PLAN_TIMEOUT_S = 300


@dataclass(frozen=True)
class ProviderUnderTest:
    """A provider binary and the data source of it the benchmark plans."""

    namespace: str
    type: str
    version: str
    binary: Path
    provider_body: str
    data_source: str
    data_source_body: str

    @property
    def source(self) -> str:
        """The source address as written in `required_providers`."""
        return f"{self.namespace}/{self.type}"


def profile(name: str, binary: Path) -> ProviderUnderTest:
    """The provider and data source the benchmark uses, by provider name.

    `logexaminer` is what `make bench` measures; `testkit` (the protocol layer's test provider,
    with a trivial data source) exists to check the harness itself and to separate the
    protocol layer's cost from the provider's.
    """
    if name == "logexaminer":
        return ProviderUnderTest(
            namespace="logexaminer",
            type="logexaminer",
            version="0.1.0",
            binary=binary,
            provider_body='region = "us-east-1"',
            data_source="logexaminer_db_parameter_profile",
            data_source_body='family         = "mysql8.0"\n  instance_class = "db.r6g.large"',
        )
    if name == "testkit":
        return ProviderUnderTest(
            namespace="test",
            type="testkit",
            version="0.1.0",
            binary=binary,
            provider_body="",
            data_source="testkit_echo",
            data_source_body='input = "value-${count.index}"',
        )
    raise ValueError(f"unknown provider profile {name!r} (logexaminer or testkit)")


# --------------------------------------------------------------------------- configurations


def data_source_config(p: ProviderUnderTest, count: int) -> str:
    """`count` instances of the provider's data source."""
    return f"""terraform {{
  required_providers {{
    {p.type} = {{
      source  = "{p.source}"
      version = "{p.version}"
    }}
  }}
}}

provider "{p.type}" {{
  {p.provider_body}
}}

data "{p.data_source}" "bench" {{
  count = {count}

  {p.data_source_body}
}}
"""


def terraform_data_config(count: int) -> str:
    """`count` instances of the builtin `terraform_data` resource, each with an input."""
    return f"""resource "terraform_data" "bench" {{
  count = {count}

  input = "value-${{count.index}}"
}}
"""


EMPTY_CONFIG = "terraform {}\n"


# --------------------------------------------------------------------------- mirrors


def mirror_binary_path(mirror: Path, p: ProviderUnderTest) -> Path:
    """Where the provider's executable goes in a filesystem mirror (unpacked layout)."""
    return (
        mirror
        / HOST
        / p.namespace
        / p.type
        / p.version
        / PLATFORM
        / f"terraform-provider-{p.type}_v{p.version}"
    )


def install_binary(mirror: Path, p: ProviderUnderTest) -> None:
    """Copies the provider binary into the mirror (a copy: cargo may rebuild the original)."""
    dest = mirror_binary_path(mirror, p)
    dest.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy2(p.binary, dest)


def install_rss_wrapper(mirror: Path, p: ProviderUnderTest, real_binary: Path, log: Path) -> None:
    """Installs, in place of the provider, a script that runs the real binary under GNU time,
    which appends one `maxrss_kb=... elapsed_s=... user_s=... sys_s=... exit=...` record per
    provider process to `log` when the process ends (the peak RSS comes from the kernel's rusage, so no sample is
    missed). The script execs time, so Terraform still talks to the provider's own stdout."""
    dest = mirror_binary_path(mirror, p)
    dest.parent.mkdir(parents=True, exist_ok=True)
    dest.write_text(
        "#!/bin/sh\n"
        "# make bench: peak RSS of each provider process Terraform starts\n"
        f"exec /usr/bin/time -a -o '{log}' -f '{TIME_FORMAT}' "
        f"'{real_binary}' \"$@\"\n"
    )
    dest.chmod(0o755)


def cli_config(mirror: Path) -> str:
    """A CLI configuration that installs providers only from `mirror`."""
    path = str(mirror).replace("\\", "\\\\").replace('"', '\\"')
    return (
        "disable_checkpoint = true\n\n"
        "provider_installation {\n"
        "  filesystem_mirror {\n"
        f'    path = "{path}"\n'
        "  }\n"
        "}\n"
    )


# --------------------------------------------------------------------------- running Terraform


def base_env(root: Path) -> dict[str, str]:
    """The environment for Terraform and the providers it starts: this process's, without any
    Terraform or AWS setting that could change the run, plus dummy AWS credentials and
    endpoints on a closed 127.0.0.1 port so that nothing can leave the machine."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not (k.startswith("TF_") or k.startswith("AWS_") or k.startswith("PLUGIN_"))
    }
    env.update(
        {
            "TF_IN_AUTOMATION": "1",
            "CHECKPOINT_DISABLE": "1",
            "TF_INPUT": "0",
            "AWS_ACCESS_KEY_ID": "bench",
            "AWS_SECRET_ACCESS_KEY": "bench",
            "AWS_REGION": "us-east-1",
            "AWS_EC2_METADATA_DISABLED": "true",
            "AWS_ENDPOINT_URL": "http://127.0.0.1:9",
            "AWS_CONFIG_FILE": str(root / "aws-config-absent"),
            "AWS_SHARED_CREDENTIALS_FILE": str(root / "aws-credentials-absent"),
        }
    )
    return env


@dataclass(frozen=True)
class Timing:
    """Wall time and CPU time (user + system, children included) of one command, seconds."""

    wall: float
    cpu: float


class TerraformError(RuntimeError):
    """A Terraform command failed or ran past its time limit."""


class Workdir:
    """A Terraform working directory with its own CLI configuration."""

    def __init__(self, terraform: Path, root: Path, name: str, config: str, mirror: Path):
        self.terraform = terraform
        self.dir = root / name
        self.dir.mkdir(parents=True)
        (self.dir / "main.tf").write_text(config)
        self.cli_config = root / f"{name}.tfrc"
        self.cli_config.write_text(cli_config(mirror))
        self.env = base_env(root)
        self.env["TF_CLI_CONFIG_FILE"] = str(self.cli_config)
        self.name = name

    def run(self, args: list[str], extra_env: dict[str, str] | None = None) -> Timing:
        """Runs `terraform <args>` here and returns its wall and CPU time; raises TerraformError
        (with Terraform's output) unless it exits 0. Terraform runs in a session of its own so
        that, on timeout, it is killed with the providers it started. The CPU time comes from
        wait4(2): Terraform's own plus that of the provider processes it started and reaped."""
        env = dict(self.env)
        if extra_env:
            env.update(extra_env)
        out_path = self.dir.parent / f"{self.name}.out"
        timed_out = threading.Event()

        def kill_group(pid: int) -> None:
            timed_out.set()
            try:
                os.killpg(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass

        with open(out_path, "wb") as out:
            start = time.perf_counter()
            proc = subprocess.Popen(
                [str(self.terraform), *args],
                cwd=self.dir,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
            timer = threading.Timer(PLAN_TIMEOUT_S, kill_group, args=(proc.pid,))
            timer.start()
            try:
                _, status, usage = os.wait4(proc.pid, 0)
            finally:
                timer.cancel()
            elapsed = time.perf_counter() - start
            proc.returncode = os.waitstatus_to_exitcode(status)  # reaped here, not by Popen
        if timed_out.is_set():
            raise TerraformError(f"terraform {' '.join(args)} in {self.name} ran past {PLAN_TIMEOUT_S} s")
        if proc.returncode != 0:
            text = out_path.read_text(errors="replace")
            raise TerraformError(
                f"terraform {' '.join(args)} in {self.name} exited {proc.returncode}:\n{text[-4000:]}"
            )
        return Timing(elapsed, usage.ru_utime + usage.ru_stime)

    def init(self) -> None:
        """`terraform init` (not timed)."""
        self.run(["init", "-input=false", "-no-color"])

    def plan(self, extra_env: dict[str, str] | None = None, args: list[str] | None = None) -> Timing:
        """One timed `terraform plan`."""
        return self.run(["plan", "-input=false", "-no-color", "-lock=false", *(args or [])], extra_env)

    def last_output(self) -> str:
        """What the last command printed."""
        return (self.dir.parent / f"{self.name}.out").read_text(errors="replace")
