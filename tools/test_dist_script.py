"""scripts/dist.sh (`make dist`) refuses to produce an incomplete or unsigned release, loudly.

Runs the script against a stand-in target directory (CARGO_TARGET_DIR) holding a stand-in provider binary and
a stand-in rotation package (LOGEXAMINER_ROTATION_ZIP), so no build is needed; the real artifacts are checked
by tests/install, which runs `make dist` on the release build.
"""

from __future__ import annotations

import os
import subprocess
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SCRIPT = REPO / "scripts" / "dist.sh"
NAME = "terraform-provider-logexaminer"


@pytest.fixture()
def standin(tmp_path):
    package = tmp_path / "rotation-lambda.zip"
    with zipfile.ZipFile(package, "w") as archive:
        archive.writestr("bootstrap", "stand-in " * 64)
    (tmp_path / "target" / "release").mkdir(parents=True)
    binary = tmp_path / "target" / "release" / NAME
    binary.write_bytes(b"\x7fELF stand-in" + package.read_bytes() + b"end")
    gnupg = tmp_path / "gnupg"
    gnupg.mkdir(mode=0o700)
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("GPG_", "DIST_"))},
        "CARGO_TARGET_DIR": str(tmp_path / "target"),
        "LOGEXAMINER_ROTATION_ZIP": str(package),
        "GNUPGHOME": str(gnupg),
        "DIST_OUT": str(tmp_path / "out"),
    }
    return tmp_path, binary, env


def run(env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(["bash", str(SCRIPT)], cwd=REPO, env=env, capture_output=True, text=True, timeout=120)


def test_no_signing_key_configured(standin):
    _, _, env = standin
    proc = run(env)
    assert proc.returncode == 1
    assert "dist: ERROR: GPG_FINGERPRINT is not set" in proc.stderr
    assert not (Path(env["DIST_OUT"]) / "mirror").exists()


def test_unknown_signing_key(standin):
    _, _, env = standin
    proc = run({**env, "GPG_FINGERPRINT": "0123456789ABCDEF0123456789ABCDEF01234567"})
    assert proc.returncode == 1
    assert "dist: ERROR: gpg could not sign with key 0123456789ABCDEF0123456789ABCDEF01234567" in proc.stderr


def test_binary_without_the_rotation_package(standin):
    _, binary, env = standin
    binary.write_bytes(b"\x7fELF built before make lambda")
    proc = run({**env, "GPG_FINGERPRINT": "0123456789ABCDEF0123456789ABCDEF01234567"})
    assert proc.returncode == 1
    assert "does not embed" in proc.stderr and "make lambda then make release" in proc.stderr


def test_missing_binary_for_another_platform(standin):
    _, _, env = standin
    proc = run({**env, "GPG_FINGERPRINT": "0123456789ABCDEF0123456789ABCDEF01234567", "DIST_PLATFORMS": "linux_arm64"})
    assert proc.returncode == 1
    assert "aarch64-unknown-linux-gnu/release/terraform-provider-logexaminer is missing" in proc.stderr
    assert "cargo build --release --target aarch64-unknown-linux-gnu" in proc.stderr


def test_unknown_platform(standin):
    _, _, env = standin
    proc = run({**env, "GPG_FINGERPRINT": "0123456789ABCDEF0123456789ABCDEF01234567", "DIST_PLATFORMS": "plan9_386"})
    assert proc.returncode == 1
    assert "unknown platform plan9_386" in proc.stderr
