#!/usr/bin/env bash
# Benchmark of logexaminer_db_user (issue 3): `terraform apply` of BENCH_DB_USERS (200) users with
# -parallelism=BENCH_PARALLELISM (10), per engine (MariaDB 10.11 and PostgreSQL 15 from the test rig,
# moto for Secrets Manager), against the floor: the same CREATE USER / GRANT statements sent through the
# mariadb / psql client in one session. Prints the ratio, Terraform's own cost (terraform_data), the
# Secrets Manager calls, and the provider's share against the goal (<= 1.5x the floor).
#
# Knobs (environment): BENCH_DB_USERS (200), BENCH_PARALLELISM (10), BENCH_ENGINES (mariadb,postgres),
# BENCH_RUNS (3, medians printed), BENCH_LOG_DIR (keep the provider debug log of each apply); BENCH_QUICK=1 (CI:
# `make bench-quick`) makes the defaults 5 users, 1 run: a check that it runs, the figures mean nothing.
# Only 127.0.0.1 is used. A benchmark, not a test: a missed goal is printed as MISSED, exit status 0.
#
# Hook into `make bench`: add `bash scripts/bench_db_user.sh` after scripts/bench.sh (both build the
# release provider, the second build is a no-op).
set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$REPO_ROOT"

die() {
    printf 'bench_db_user: ERROR: %s\n' "$*" >&2
    exit 1
}

[[ -x "$REPO_ROOT/.tools/venv/bin/python" && -x "$REPO_ROOT/.tools/bin/terraform" ]] ||
    die "the test rig is missing: run make setup"
command -v mariadb >/dev/null 2>&1 || die "the mariadb client is missing: run make setup"
command -v psql >/dev/null 2>&1 || die "psql is missing: run make setup"

# Figures come from the release build; the quick check (figures not judged) reuses the tests' dev build.
profile=(--release)
if [[ "${BENCH_QUICK:-0}" == 1 ]]; then
    export BENCH_DB_USERS="${BENCH_DB_USERS:-5}" BENCH_RUNS="${BENCH_RUNS:-1}"
    profile=()
    echo "bench_db_user: BENCH_QUICK=1: $BENCH_DB_USERS users, $BENCH_RUNS run, dev build (a check that it runs, not figures)" >&2
fi
echo "bench_db_user: cargo test ${profile[*]} (provider binary and the benchmark harness)" >&2
exec cargo test "${profile[@]}" -p terraform-provider-logexaminer --test db_user_bench -- \
    --ignored --nocapture --test-threads=1
