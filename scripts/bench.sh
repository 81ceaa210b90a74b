#!/usr/bin/env bash
# `make bench` (issue 2, §5): builds the release provider binaries, then prints, from one run,
# the performance figures of tools/bench/run.py under the Terraform core of `make setup`:
#   - `terraform plan` of 100 x data.logexaminer_db_parameter_profile vs 100 x terraform_data
#     (median of 5 after a warm-up; goal ratio <= 1.3x)
#   - provider start-to-handshake time (median and p95 of 50 spawns; goal <= 3 ms), next to the
#     protocol layer's alone (the testkit provider) and the harness's floor
#   - peak RSS of the provider during that plan, and idle after the handshake (goal <= 15 MB)
#   - per-instance plan time and the RPCs of one plan
# Knobs (environment): BENCH_COUNT (100), BENCH_RUNS (5), BENCH_HANDSHAKE_RUNS (50),
# BENCH_KEEP=1 keeps the temporary directory, BENCH_QUICK=1 (CI: `make bench-quick`) makes the defaults
# 5 instances, 1 run, 3 spawns: it checks that every measurement still runs, the figures mean nothing. Only 127.0.0.1 is used. A benchmark, not a test:
# figures that miss a goal are reported as MISSED, and the exit status stays 0.
set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$REPO_ROOT"
PYTHON="$REPO_ROOT/.tools/venv/bin/python"
TERRAFORM="$REPO_ROOT/.tools/bin/terraform"

die() {
    printf 'bench: ERROR: %s\n' "$*" >&2
    exit 1
}

[[ -x "$PYTHON" && -x "$TERRAFORM" ]] || die "the test rig is missing: run make setup"
command -v openssl >/dev/null 2>&1 || die "openssl is needed to make the plugin client certificate"
[[ -x /usr/bin/time ]] || die "GNU time (/usr/bin/time, Debian package time) is needed for peak RSS"

echo "bench: cargo build --release (provider and testkit)" >&2
cargo build --release -p terraform-provider-logexaminer -p terraform-provider-testkit

# Where cargo put them (honours CARGO_TARGET_DIR and .cargo/config).
TARGET_DIR="$(cargo metadata --format-version 1 --no-deps |
    "$PYTHON" -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])')"
BIN="$TARGET_DIR/release/terraform-provider-logexaminer"
REFERENCE="$TARGET_DIR/release/terraform-provider-testkit"
[[ -x "$BIN" && -x "$REFERENCE" ]] || die "the release binaries were not built in $TARGET_DIR/release"

if [[ "${BENCH_QUICK:-0}" == 1 ]]; then
    : "${BENCH_COUNT:=5}" "${BENCH_RUNS:=1}" "${BENCH_HANDSHAKE_RUNS:=3}"
    echo "bench: BENCH_QUICK=1: $BENCH_COUNT instances, $BENCH_RUNS run, $BENCH_HANDSHAKE_RUNS spawns (a check that it runs, not figures)" >&2
fi
args=(
    --provider logexaminer
    --bin "$BIN"
    --reference-bin "$REFERENCE"
    --terraform "$TERRAFORM"
    --count "${BENCH_COUNT:-100}"
    --runs "${BENCH_RUNS:-5}"
    --handshake-runs "${BENCH_HANDSHAKE_RUNS:-50}"
)
[[ "${BENCH_KEEP:-0}" == 1 ]] && args+=(--keep)
PYTHONDONTWRITEBYTECODE=1 exec "$PYTHON" "$REPO_ROOT/tools/bench/run.py" "${args[@]}"
