#!/usr/bin/env bash
# Rotation function benchmark (issue 5), for `make bench`: the built `bootstrap` from dist/rotation-lambda.zip
# (the exact artifact users deploy) run as a real Lambda process against a minimal local Lambda Runtime API,
# local moto and a throwaway MariaDB (rotation-lambda/examples/bench_rotation.rs). Prints, medians of
# BENCH_ROTATION_RUNS (5) runs:
#   - cold start of bootstrap to the first event handled          goal <= 20 ms
#   - cold full single-user rotation (process start + 4 steps)    goal <= 60 ms
#   - warm single-user rotation (4 steps, same process)           goal <= 25 ms
#   - Secrets Manager calls per rotation                          goal <= 8
#   - zip size                                                    goal <= 5 MB
# With BENCH_ROTATION_EMULATOR=1 it also runs a full rotation and a rollback under cargo-lambda's local runtime
# emulator (`cargo lambda watch`, `cargo lambda invoke`).
# BENCH_QUICK=1 (CI: `make bench-quick`) makes the default 1 run: a check that it runs, the figures mean nothing.
# Builds the zip first when missing (scripts/lambda.sh). A benchmark, not a test: figures that miss a goal are
# reported as MISSED and the exit status stays 0. Only 127.0.0.1 is used.
set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$REPO_ROOT"
ZIP="$REPO_ROOT/dist/rotation-lambda.zip"

die() {
    printf 'bench_rotation: ERROR: %s\n' "$*" >&2
    exit 1
}

[[ -x "$REPO_ROOT/.tools/venv/bin/python" ]] || die "the test rig is missing: run make setup"
if [[ ! -f "$ZIP" ]]; then
    echo "bench_rotation: $ZIP is missing; building it (scripts/lambda.sh)" >&2
    bash "$REPO_ROOT/scripts/lambda.sh"
fi

WORK="$(mktemp -d -t lx-bench-rotation-XXXXXX)"
trap 'rm -rf "$WORK"' EXIT
unzip -q -o "$ZIP" bootstrap -d "$WORK" || die "cannot unpack bootstrap from $ZIP"
chmod +x "$WORK/bootstrap"

# Figures come from the release build; the quick check (figures not judged) reuses the tests' dev build.
profile=(--release)
profile_dir=release
if [[ "${BENCH_QUICK:-0}" == 1 ]]; then
    profile=()
    profile_dir=debug
fi
echo "bench_rotation: cargo build ${profile[*]} -p rotation-lambda --example bench_rotation" >&2
cargo build "${profile[@]}" -q -p rotation-lambda --example bench_rotation
TARGET_DIR="$(cargo metadata --format-version 1 --no-deps |
    "$REPO_ROOT/.tools/venv/bin/python" -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])')"
BENCH="$TARGET_DIR/$profile_dir/examples/bench_rotation"

runs="${BENCH_ROTATION_RUNS:-5}"
[[ "${BENCH_QUICK:-0}" == 1 ]] && runs="${BENCH_ROTATION_RUNS:-1}"
"$BENCH" --bootstrap "$WORK/bootstrap" --zip "$ZIP" --runs "$runs" ${BENCH_ROTATION_JSON:+--json}

if [[ "${BENCH_ROTATION_EMULATOR:-0}" == 1 ]]; then
    "$BENCH" --emulator --cargo-lambda "$REPO_ROOT/.tools/venv/bin/cargo-lambda"
fi
