"""Every command the READMEs tell a user to run is exercised by CI (`make test`) or by a test.

`test_every_readme_command_is_accounted_for` finds the `make <target>` and `scripts/<name>.sh` commands in
README.md and the examples' READMEs and checks each against COVERAGE: the file and text that run it, both
checked to exist. A new command in a README without an entry fails here. `test_mysql_script_start_login_stop`
runs the README's `scripts/mysql.sh` commands, which no other test uses (the tests use the Mysql guard).
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
READMES = [REPO / "README.md", *sorted((REPO / "examples").glob("*/README.md"))]

# command -> (file that runs it, text in that file that shows it). Make targets that `make test` runs
# (prerequisites, recursively, and `$(MAKE) <target>` in recipes) are found from the Makefile: no entry.
COVERAGE: dict[str, tuple[str, str]] = {
    "make test": (".ci/run", "exec make test"),
    "make dist": ("tests/install/test_install.py", '["make", "--no-print-directory", "dist"]'),
    # `make docs` is the docs test with UPDATE_DOCS=1 (write instead of compare); `make unit` runs the test.
    "make docs": ("provider/tests/docs.rs", "UPDATE_DOCS"),
    # `make diagram` is hcl-test's diagram check with UPDATE_DIAGRAM=1 (write instead of compare).
    "make diagram": ("scripts/hcl_test.sh", "UPDATE_DIAGRAM"),
    # `make fmt` runs the two formatters that `make fmt-check` runs with --check.
    "make fmt": ("Makefile", "fmt-check: setup\n\tcargo fmt --all -- --check"),
    "scripts/mysql.sh": ("tools/test_readme_commands.py", '"scripts/mysql.sh", "start"'),
    "scripts/lambda.sh": ("tools/test_lambda_script.py", 'scripts" / "lambda.sh"'),
}
# Commands not run by CI, each with the reason. Keep this short.
NOT_IN_CI: dict[str, str] = {
    "scripts/refresh_rds_ca.sh": "downloads from the npm registry (CI is offline); the bundle it writes is pinned "
    "by a checksum unit test in metastore-sql/src/tls.rs",
}


def makefile_targets() -> set[str]:
    text = (REPO / "Makefile").read_text() + (REPO / "Makefile.rig.mk").read_text()
    return set(re.findall(r"^([a-z][a-z-]*):", text, re.M))


def make_test_closure() -> set[str]:
    """The targets `make test` runs: its prerequisites and theirs, and targets recipes run with $(MAKE)."""
    text = (REPO / "Makefile").read_text() + (REPO / "Makefile.rig.mk").read_text()
    rules: dict[str, set[str]] = {}
    for m in re.finditer(r"^([a-z][a-z-]*):([^\n=]*)\n((?:\t[^\n]*\n)*)", text, re.M):
        deps = set(m.group(2).split())
        deps |= set(re.findall(r"\$\(MAKE\)(?: --?[a-z-]+)* ([a-z][a-z-]*)", m.group(3)))
        rules.setdefault(m.group(1), set()).update(deps)
    assert "test" in rules, "no test target in the Makefile"
    seen, todo = set(), ["test"]
    while todo:
        target = todo.pop()
        if target not in seen:
            seen.add(target)
            todo.extend(rules.get(target, ()))
    return seen


def readme_commands() -> dict[str, list[str]]:
    targets = makefile_targets()
    found: dict[str, list[str]] = {}
    for readme in READMES:
        text = readme.read_text()
        for target in re.findall(r"\bmake ([a-z][a-z-]*)\b", text):
            if target in targets:
                found.setdefault(f"make {target}", []).append(str(readme.relative_to(REPO)))
        for script in re.findall(r"\b(scripts/[a-z_]+\.sh)\b", text):
            found.setdefault(script, []).append(str(readme.relative_to(REPO)))
    return found


def test_every_readme_command_is_accounted_for():
    in_ci = {f"make {t}" for t in make_test_closure()}
    commands = readme_commands()
    assert "make dist" in commands and "make test" in commands  # the scan works
    missing = []
    for command, where in sorted(commands.items()):
        if command in in_ci or command in NOT_IN_CI:
            continue
        # make demo / scripts/demo.sh: the same command, covered together.
        key = "make demo" if command == "scripts/demo.sh" else command
        if key in in_ci:
            continue
        if key not in COVERAGE:
            missing.append(f"{command} (in {', '.join(sorted(set(where)))})")
            continue
        file, evidence = COVERAGE[key]
        assert evidence in (REPO / file).read_text(), f"{command}: {file} no longer contains {evidence!r}"
    assert not missing, "README commands that neither CI nor a test runs: " + "; ".join(missing)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_mysql_script_start_login_stop(tmp_path):
    if shutil.which("mariadb") is None:
        pytest.fail("the mariadb client is missing: run make setup")
    script = REPO / "scripts" / "mysql.sh"
    data, port = tmp_path / "mysql", free_port()
    started = subprocess.run(
        ["bash", str(script), "start", str(data), str(port)], capture_output=True, text=True, timeout=180
    )
    try:
        assert started.returncode == 0, started.stderr
        assert f"on 127.0.0.1:{port}" in started.stdout
        password = (data / "root.password").read_text()
        assert (data / "root.password").stat().st_mode & 0o777 == 0o600
        # The README's login command.
        login = subprocess.run(
            ["mariadb", "--protocol=TCP", "-h", "127.0.0.1", "-P", str(port), "-u", "root", "-N", "-e",
             "SELECT VERSION()"],
            env={**os.environ, "MYSQL_PWD": password}, capture_output=True, text=True, timeout=30,
        )  # fmt: skip
        assert login.returncode == 0, login.stderr
        assert re.match(r"^\d+\.\d+\.\d+", login.stdout.strip()), login.stdout
        pid = int((data / "mysqld.pid").read_text())
    finally:
        stopped = subprocess.run(["bash", str(script), "stop", str(data)], capture_output=True, text=True, timeout=120)
    assert stopped.returncode == 0, stopped.stderr
    deadline = time.monotonic() + 30
    while Path(f"/proc/{pid}").exists() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not Path(f"/proc/{pid}").exists(), "mysqld still runs after scripts/mysql.sh stop"
