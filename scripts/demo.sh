#!/usr/bin/env bash
# `make demo`: builds, with the build the tests use (dev profile, same features, same target directory), the
# provider, the rotation function (`bootstrap` of rotation-lambda) and the demo program provider/tests/demo.rs,
# then runs the demo: MariaDB, PostgreSQL and moto on 127.0.0.1, Terraform applying metastore users, a real
# rotation and a rolled-back one, drift, the tier policy and the parameter profile, destroy. Everything it
# starts is stopped and deleted when it ends (also on failure or Ctrl-C).
#
# It builds exactly what `cargo test --workspace` (the `unit` part of `make test`) builds, so that the two share one
# feature resolution and one set of artifacts: after `make demo`, `make test` compiles nothing again, and the
# demo program is the test target `demo` that `make test` runs as well. Only the demo runs here.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
PY="$ROOT/.tools/venv/bin/python"
[[ -x "$PY" ]] || { echo "demo: $PY is missing (run make setup)" >&2; exit 1; }

# provider/build.rs watches dist/ for the rotation package (`make lambda`); without the directory cargo would
# rerun it, and relink everything, on every build.
mkdir -p dist
echo "demo: building the provider, the rotation function and the demo (cargo, dev profile, shared with the tests)" >&2
start=$(date +%s)
exe="$(cargo test --workspace --no-run --message-format=json-render-diagnostics |
    "$PY" -c '
import json, sys
for line in sys.stdin:
    m = json.loads(line)
    if m.get("reason") == "compiler-artifact" and m["target"]["name"] == "demo" and m.get("executable"):
        print(m["executable"])
')"
[[ -n "$exe" && -x "$exe" ]] || { echo "demo: cargo did not report the demo executable" >&2; exit 1; }
echo "demo: build done in $(($(date +%s) - start)) s" >&2
exec "$exe"
