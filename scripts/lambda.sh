#!/usr/bin/env bash
# `make lambda`: builds the secret rotation function (crate rotation-lambda, binary `bootstrap`) with
# cargo-lambda as a zip for the Lambda `provided.al2023` runtime on x86_64 and copies it to
# dist/rotation-lambda.zip, then prints its size and SHA-256 (hex, and base64 as Terraform's
# source_code_hash wants it).
#
# cargo-lambda comes from PyPI, pinned, into the rig's venv (.tools/venv) when missing; it brings zig,
# which links against an older glibc than the build machine's so the binary runs on Amazon Linux 2023.
# The build uses its own target directory (LAMBDA_TARGET_DIR, default target/lambda-build): the cross build
# for the Lambda target shares no artifacts with host builds anyway, and this way it neither waits for nor
# invalidates the workspace build.
# Knobs: CARGO_LAMBDA_VERSION (1.9.2), ZIGLANG_VERSION (0.17.1), LAMBDA_TARGET_DIR, LAMBDA_PROFILE_ARGS (extra
# build args).
set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$REPO_ROOT"

CARGO_LAMBDA_VERSION="${CARGO_LAMBDA_VERSION:-1.9.2}"
ZIGLANG_VERSION="${ZIGLANG_VERSION:-0.17.1}"
VENV="$REPO_ROOT/.tools/venv"
CARGO_LAMBDA="$VENV/bin/cargo-lambda"
OUT="$REPO_ROOT/dist/rotation-lambda.zip"

die() {
    printf 'lambda: ERROR: %s\n' "$*" >&2
    exit 1
}

if [[ ! -x "$VENV/bin/python" ]]; then
    echo "lambda: creating $VENV" >&2
    python3 -m venv "$VENV" || die "cannot create the venv (Debian: apt-get install python3-venv)"
fi
# `pip show` exits 1 when the package is absent; under `set -e` + pipefail a bare command substitution of it
# would end the script right here without a word, so the status is taken apart explicitly.
installed=""
if pip_show="$("$VENV/bin/python" -m pip show cargo-lambda 2>/dev/null)"; then
    installed="$(sed -n 's/^Version: //p' <<<"$pip_show")"
fi
if [[ ! -x "$CARGO_LAMBDA" || "$installed" != "$CARGO_LAMBDA_VERSION" ]]; then
    echo "lambda: pip install cargo-lambda==$CARGO_LAMBDA_VERSION ziglang==$ZIGLANG_VERSION" >&2
    "$VENV/bin/python" -m pip install --disable-pip-version-check -q \
        "cargo-lambda==$CARGO_LAMBDA_VERSION" "ziglang==$ZIGLANG_VERSION" ||
        die "pip install cargo-lambda failed"
fi
[[ -x "$CARGO_LAMBDA" ]] || die "$CARGO_LAMBDA is missing after pip install"
"$VENV/bin/python" -m ziglang version >/dev/null 2>&1 ||
    die "zig (PyPI ziglang==$ZIGLANG_VERSION) does not run from $VENV: pip install ziglang==$ZIGLANG_VERSION there"

# cargo-lambda finds zig on PATH (the ziglang wheel installs python-zig; cargo-lambda also looks for
# `python -m ziglang`, which needs the venv's python first on PATH).
export PATH="$VENV/bin:$PATH"
export CARGO_TARGET_DIR="${LAMBDA_TARGET_DIR:-$REPO_ROOT/target/lambda-build}"

# Size matters for the zip (goal <= 5 MB) and for cold start: symbols stripped, whole-program LTO, one
# codegen unit, optimised for size (the function waits on the network, not the CPU). Panics still unwind
# (lambda_runtime reports them as errors). Set through the environment so the workspace's release profile
# (used by the provider) is untouched.
export CARGO_PROFILE_RELEASE_STRIP="${CARGO_PROFILE_RELEASE_STRIP:-symbols}"
export CARGO_PROFILE_RELEASE_LTO="${CARGO_PROFILE_RELEASE_LTO:-fat}"
export CARGO_PROFILE_RELEASE_CODEGEN_UNITS="${CARGO_PROFILE_RELEASE_CODEGEN_UNITS:-1}"
export CARGO_PROFILE_RELEASE_OPT_LEVEL="${CARGO_PROFILE_RELEASE_OPT_LEVEL:-s}"

echo "lambda: cargo lambda build --release --x86-64 --output-format zip -p rotation-lambda --bin bootstrap" >&2
# shellcheck disable=SC2086
"$CARGO_LAMBDA" lambda build --release --x86-64 --output-format zip \
    -p rotation-lambda --bin bootstrap ${LAMBDA_PROFILE_ARGS:-}

TARGET_DIR="$(cargo metadata --format-version 1 --no-deps |
    "$VENV/bin/python" -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])')"
ZIP="$TARGET_DIR/lambda/bootstrap/bootstrap.zip"
[[ -f "$ZIP" ]] || die "cargo lambda did not write $ZIP"

mkdir -p "$REPO_ROOT/dist"
# Only a changed package replaces the file: provider/build.rs embeds it and cargo rebuilds the provider
# whenever its modification time changes (every `make dist`/`make test` runs `make lambda`).
if cmp -s "$ZIP" "$OUT"; then
    echo "lambda: ${OUT#"$REPO_ROOT"/} unchanged" >&2
else
    cp "$ZIP" "$OUT.tmp"
    mv "$OUT.tmp" "$OUT"
fi

size=$(stat -c %s "$OUT")
hex=$(sha256sum "$OUT" | cut -d' ' -f1)
b64=$(openssl dgst -sha256 -binary "$OUT" | base64)
glibc=$(unzip -p "$OUT" bootstrap > "$OUT.bin" && { objdump -T "$OUT.bin" 2>/dev/null | grep -o 'GLIBC_[0-9.]*' | sort -uV | tail -1; } || true)
rm -f "$OUT.bin"
printf 'lambda: %s\n' "${OUT#"$REPO_ROOT"/}"
printf '  size         %s bytes (%.2f MB)\n' "$size" "$(echo "$size / 1048576" | bc -l)"
printf '  sha256       %s\n' "$hex"
printf '  sha256 (b64) %s   (Terraform source_code_hash)\n' "$b64"
[[ -n "$glibc" ]] && printf '  highest glibc symbol %s (provided.al2023 has GLIBC_2.34)\n' "$glibc"
exit 0
