"""The S3 remote-state option of examples/complete and examples/quickstart, under the real Terraform core.

Each example documents `backend.tf.example` (an empty `backend "s3" {}` block) and `s3.tfbackend` (the
settings, `use_lockfile = true`). Here exactly those two files drive `terraform init` against moto's S3
(tools/moto_launcher.py); a second `-backend-config` file only points the backend at moto (endpoint,
path-style addressing, no AWS account checks), as it would not exist against AWS.

Two clones of one configuration share the state: while the first applies (a provisioner keeps it busy,
holding the lock), an apply of the second with `-lock-timeout=0s` fails cleanly on the lock, and one with a
lock timeout waits, then adds its own resource on top of the first's state. Afterwards the state object in
moto holds every resource and the lock object is gone.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import boto3
import pytest

REPO = Path(__file__).resolve().parent.parent
TERRAFORM = REPO / ".tools" / "bin" / "terraform"
LAUNCHER = REPO / "tools" / "moto_launcher.py"
EXAMPLES = ("complete", "quickstart")
# How long the first apply holds the lock (its provisioner sleeps this long).
HOLD_SECONDS = 8

CONFIG = """
resource "terraform_data" "first" {
  input = "first"
}

resource "terraform_data" "slow" {
  input = "slow"
  provisioner "local-exec" {
    command = "sleep %d"
  }
}
""" % HOLD_SECONDS

EXTRA = """
resource "terraform_data" "second" {
  input = "added by the second clone"
}
"""


def tfbackend_settings(path: Path) -> dict[str, object]:
    """The `name = value` lines of a .tfbackend file (strings and booleans; comments skipped)."""
    settings: dict[str, object] = {}
    for line in path.read_text().splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        m = re.fullmatch(r'(\w+)\s*=\s*(?:"([^"]*)"|(true|false))', line)
        assert m, f"{path}: unexpected line {line!r}"
        settings[m.group(1)] = m.group(2) if m.group(2) is not None else m.group(3) == "true"
    return settings


@pytest.fixture(scope="module")
def moto():
    if not TERRAFORM.is_file():
        pytest.fail(f"{TERRAFORM} is missing: run `make setup`")
    proc = subprocess.Popen(
        [sys.executable, str(LAUNCHER), "--exit-on-stdin-eof", "--quiet"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    )
    try:
        line = proc.stdout.readline().decode()
        assert line.startswith("MOTO_PORT="), line
        yield f"http://127.0.0.1:{int(line.strip().split('=', 1)[1])}"
    finally:
        proc.stdin.close()
        try:
            proc.wait(timeout=10)
        finally:
            if proc.poll() is None:
                proc.kill()


def s3_client(endpoint: str, region: str):
    return boto3.client(
        "s3",
        endpoint_url=endpoint,
        region_name=region,
        aws_access_key_id="test",
        aws_secret_access_key="test",
    )


class Clone:
    """A working directory with the example's backend block and a small configuration."""

    def __init__(self, root: Path, example: Path, moto_backend: Path, config: str, env: dict[str, str]):
        self.dir = root
        self.dir.mkdir()
        (self.dir / "backend.tf").write_text((example / "backend.tf.example").read_text())
        (self.dir / "main.tf").write_text(config)
        self.example = example
        self.moto_backend = moto_backend
        self.env = env

    def start(self, *args: str) -> subprocess.Popen:
        return subprocess.Popen(
            [str(TERRAFORM), f"-chdir={self.dir}", *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            env=self.env,
            text=True,
        )

    def run(self, *args: str, timeout: float = 300) -> tuple[int, str]:
        proc = self.start(*args)
        out, _ = proc.communicate(timeout=timeout)
        return proc.returncode, out

    def ok(self, *args: str) -> str:
        rc, out = self.run(*args)
        assert rc == 0, f"terraform {' '.join(args)} exited {rc}:\n{out}"
        return out

    def init(self) -> str:
        return self.ok(
            "init",
            "-input=false",
            "-no-color",
            f"-backend-config={self.example / 's3.tfbackend'}",
            f"-backend-config={self.moto_backend}",
        )


@pytest.mark.parametrize("example", EXAMPLES)
def test_s3_backend_with_lockfile(example, moto, tmp_path):
    example_dir = REPO / "examples" / example
    settings = tfbackend_settings(example_dir / "s3.tfbackend")
    assert settings["use_lockfile"] is True
    assert "dynamodb_table" not in settings
    bucket, key, region = settings["bucket"], settings["key"], settings["region"]

    s3 = s3_client(moto, region)
    if bucket not in [b["Name"] for b in s3.list_buckets()["Buckets"]]:
        s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": region})
        s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})

    # Only what differs between moto and AWS.
    moto_backend = tmp_path / "moto.tfbackend"
    moto_backend.write_text(
        f'endpoints = {{ s3 = "{moto}" }}\n'
        "use_path_style = true\n"
        "skip_credentials_validation = true\n"
        "skip_requesting_account_id = true\n"
        "skip_metadata_api_check = true\n"
        "skip_region_validation = true\n"
    )
    cli_config = tmp_path / "terraform.rc"
    cli_config.write_text("")
    env = {
        **os.environ,
        "TF_CLI_CONFIG_FILE": str(cli_config),
        "TF_IN_AUTOMATION": "1",
        "AWS_ACCESS_KEY_ID": "test",
        "AWS_SECRET_ACCESS_KEY": "test",
    }
    for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_S3"):
        env.pop(name, None)

    one = Clone(tmp_path / "one", example_dir, moto_backend, CONFIG, env)
    two = Clone(tmp_path / "two", example_dir, moto_backend, CONFIG + EXTRA, env)
    assert 'Successfully configured the backend "s3"' in one.init()
    assert 'Successfully configured the backend "s3"' in two.init()

    # The first clone applies and holds the lock while its provisioner runs.
    first = one.start("apply", "-auto-approve", "-input=false", "-no-color")
    lock_key = f"{key}.tflock"
    deadline = time.monotonic() + 60
    while True:
        listed = s3.list_objects_v2(Bucket=bucket, Prefix=lock_key).get("Contents", [])
        if any(o["Key"] == lock_key for o in listed):
            break
        assert first.poll() is None, f"the first apply ended before taking the lock:\n{first.communicate()[0]}"
        assert time.monotonic() < deadline, "the first apply never wrote the lock object"
        time.sleep(0.2)
    lock_info = json.loads(s3.get_object(Bucket=bucket, Key=lock_key)["Body"].read())
    assert lock_info["Operation"] == "OperationTypeApply"

    # Without a lock timeout the second clone fails cleanly, naming the lock holder.
    rc, out = two.run("apply", "-auto-approve", "-input=false", "-no-color", "-lock-timeout=0s")
    assert rc == 1, out
    assert "Error acquiring the state lock" in out, out
    assert "PreconditionFailed" in out, out
    assert lock_info["ID"] in out, out
    assert first.poll() is None, "the lock test came too late: the first apply had already finished"

    # With a lock timeout it waits for the first apply, then works on the state that apply wrote.
    waiting = two.start("apply", "-auto-approve", "-input=false", "-no-color", "-lock-timeout=180s")
    first_out, _ = first.communicate(timeout=300)
    assert first.returncode == 0, first_out
    assert "Apply complete! Resources: 2 added" in first_out, first_out
    waiting_out, _ = waiting.communicate(timeout=300)
    assert waiting.returncode == 0, waiting_out
    assert "Apply complete! Resources: 1 added, 0 changed, 0 destroyed" in waiting_out, waiting_out

    # Nothing lost: the state object has all three resources, and the lock is released.
    state = json.loads(s3.get_object(Bucket=bucket, Key=key)["Body"].read())
    names = sorted(r["name"] for r in state["resources"])
    assert names == ["first", "second", "slow"], state
    listed = s3.list_objects_v2(Bucket=bucket, Prefix=lock_key).get("Contents", [])
    assert not listed, listed
    versions = s3.list_object_versions(Bucket=bucket, Prefix=key)["Versions"]
    assert len([v for v in versions if v["Key"] == key]) >= 2

    # Both clones now see no changes for their own configuration.
    rc, out = two.run("plan", "-detailed-exitcode", "-input=false", "-no-color")
    assert rc == 0, out
    assert "No changes." in out, out
    rc, out = one.run("plan", "-detailed-exitcode", "-input=false", "-no-color")
    # The first clone's configuration lacks the second's resource: a plan to destroy it (exit code 2).
    assert rc == 2, out
    assert "terraform_data.second will be destroyed" in out, out
