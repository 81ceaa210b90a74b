"""scripts/lambda.sh (`make lambda`) on a fresh clone: a venv without cargo-lambda.

Issue 11: `pip show cargo-lambda` exits 1 when the package is absent, and under `set -e` + pipefail that ended
the script silently with status 1. Here the script runs in a scratch tree (a copy of the script, a minimal
Cargo workspace) whose `.tools/venv/bin/python` is a stand-in: it answers `pip show` as pip does, records
`pip install` and plays it (or fails it), and runs everything else with the real interpreter. A stand-in
`cargo-lambda` writes the zip cargo-lambda would. No network, no cross build: the real build runs in
`make lambda`, which `make test` runs before the Rust tests.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SCRIPT = REPO / "scripts" / "lambda.sh"

FAKE_PYTHON = """#!/usr/bin/env bash
# Stand-in for the venv's python (see tools/test_lambda_script.py).
set -euo pipefail
VENV="$(cd "$(dirname "$0")/.." && pwd)"
if [[ "${1:-}" == -m && "${2:-}" == pip && "${3:-}" == show ]]; then
    [[ -f "$VENV/installed" ]] || { echo "WARNING: Package(s) not found: $4" >&2; exit 1; }
    printf 'Name: cargo-lambda\\nVersion: %s\\n' "$(cat "$VENV/installed")"
    exit 0
fi
if [[ "${1:-}" == -m && "${2:-}" == pip && "${3:-}" == install ]]; then
    echo "$*" >> "$VENV/pip-install.log"
    [[ "${FAKE_PIP_FAIL:-0}" == 1 ]] && { echo "ERROR: Could not find a version" >&2; exit 1; }
    for arg in "$@"; do
        case "$arg" in cargo-lambda==*) echo "${arg#cargo-lambda==}" > "$VENV/installed" ;; esac
    done
    cp "$VENV/fake-cargo-lambda" "$VENV/bin/cargo-lambda"
    chmod +x "$VENV/bin/cargo-lambda"
    exit 0
fi
if [[ "${1:-}" == -m && "${2:-}" == ziglang ]]; then
    echo "0.17.1"
    exit 0
fi
exec "$REAL_PYTHON" "$@"
"""

FAKE_CARGO_LAMBDA = """#!/usr/bin/env bash
# Stand-in for cargo-lambda: writes the zip `cargo lambda build --output-format zip` writes.
set -euo pipefail
echo "$*" >> "$(dirname "$0")/../cargo-lambda.log"
out="$CARGO_TARGET_DIR/lambda/bootstrap"
mkdir -p "$out"
"$REAL_PYTHON" -c 'import sys, zipfile
with zipfile.ZipFile(sys.argv[1], "w") as z:
    z.writestr(zipfile.ZipInfo("bootstrap", date_time=(2020, 1, 1, 0, 0, 0)), "not an ELF file")' "$out/bootstrap.zip"
"""


@pytest.fixture()
def tree(tmp_path):
    """A scratch clone: scripts/lambda.sh, a minimal Cargo package, a venv stand-in without cargo-lambda."""
    for tool in ("cargo", "openssl", "unzip", "bc"):
        if shutil.which(tool) is None:
            pytest.fail(f"{tool} is needed by scripts/lambda.sh and missing")
    (tmp_path / "scripts").mkdir()
    shutil.copy(SCRIPT, tmp_path / "scripts" / "lambda.sh")
    (tmp_path / "Cargo.toml").write_text('[package]\nname = "scratch"\nversion = "0.0.0"\nedition = "2024"\n')
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "lib.rs").write_text("")
    venv = tmp_path / ".tools" / "venv"
    (venv / "bin").mkdir(parents=True)
    (venv / "bin" / "python").write_text(FAKE_PYTHON)
    (venv / "bin" / "python").chmod(0o755)
    (venv / "fake-cargo-lambda").write_text(FAKE_CARGO_LAMBDA)
    return tmp_path


def run(tree: Path, **env: str) -> subprocess.CompletedProcess:
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("CARGO_TARGET_DIR", "LAMBDA_"))}
    environ.update(REAL_PYTHON=sys.executable, **env)
    return subprocess.run(
        ["bash", str(tree / "scripts" / "lambda.sh")], cwd=tree, env=environ, capture_output=True, text=True
    )


def test_fresh_venv_installs_pinned_cargo_lambda_and_writes_the_zip(tree):
    proc = run(tree)
    assert proc.returncode == 0, proc.stderr
    venv = tree / ".tools" / "venv"
    install = (venv / "pip-install.log").read_text()
    assert "cargo-lambda==1.9.2" in install and "ziglang==0.17.1" in install
    assert "lambda: pip install cargo-lambda==1.9.2 ziglang==0.17.1" in proc.stderr
    built = (venv / "cargo-lambda.log").read_text()
    assert "lambda build --release --x86-64 --output-format zip -p rotation-lambda --bin bootstrap" in built
    out = tree / "dist" / "rotation-lambda.zip"
    with zipfile.ZipFile(out) as archive:
        assert archive.namelist() == ["bootstrap"]
    assert f"sha256       {hashlib.sha256(out.read_bytes()).hexdigest()}" in proc.stdout

    # Second run: the pinned version is there, nothing is installed again, and the same package leaves the
    # file untouched (provider/build.rs would otherwise rebuild the provider for its new modification time).
    stamp = out.stat().st_mtime_ns
    os.utime(out, ns=(stamp - 10**9, stamp - 10**9))
    again = run(tree)
    assert again.returncode == 0, again.stderr
    assert (venv / "pip-install.log").read_text() == install
    assert "pip install" not in again.stderr
    assert "lambda: dist/rotation-lambda.zip unchanged" in again.stderr
    assert out.stat().st_mtime_ns == stamp - 10**9


def test_other_installed_version_is_replaced_by_the_pin(tree):
    venv = tree / ".tools" / "venv"
    (venv / "installed").write_text("1.0.0\n")
    (venv / "bin" / "cargo-lambda").write_text("#!/bin/sh\nexit 1\n")
    (venv / "bin" / "cargo-lambda").chmod(0o755)
    proc = run(tree)
    assert proc.returncode == 0, proc.stderr
    assert "cargo-lambda==1.9.2" in (venv / "pip-install.log").read_text()


def test_failed_install_is_a_loud_error(tree):
    proc = run(tree, FAKE_PIP_FAIL="1")
    assert proc.returncode == 1
    assert "lambda: ERROR: pip install cargo-lambda failed" in proc.stderr
    assert not (tree / "dist" / "rotation-lambda.zip").exists()
