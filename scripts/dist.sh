#!/usr/bin/env bash
# `make dist`: the release artifacts of the provider, laid out as the public Terraform registry and its
# publishing workflow expect them (one GitHub release per version):
#
#   dist/terraform-provider-logexaminer_<version>_<os>_<arch>.zip   one per platform; inside, the binary
#                                                                   terraform-provider-logexaminer_v<version>
#   dist/terraform-provider-logexaminer_<version>_manifest.json     copy of terraform-registry-manifest.json
#   dist/terraform-provider-logexaminer_<version>_SHA256SUMS        sha256sum format, zips + manifest
#   dist/terraform-provider-logexaminer_<version>_SHA256SUMS.sig    detached binary GPG signature of it
#   dist/mirror/registry.terraform.io/logexaminer/logexaminer/      provider network mirror: index.json,
#                                                                   <version>.json (h1: and zh: hashes), zips
#
# The version is the provider crate's (provider/Cargo.toml, through `cargo metadata`). The Makefile builds
# first: `make lambda` (dist/rotation-lambda.zip, which provider/build.rs embeds) and `make release` (the
# release profile); this script checks that each binary really embeds that rotation package.
#
# Platforms: DIST_PLATFORMS (default linux_amd64). The host's platform uses the binary of `make release`
# (<target dir>/release/); any other needs `cargo build --release --target <rust triple>` beforehand
# (<target dir>/<triple>/release/); a missing binary is an error, never skipped.
#
# Signing key, from the environment: GPG_FINGERPRINT (required; the key whose public half the registry
# knows), GNUPGHOME (gpg's own variable, optional), GPG_PASSPHRASE (optional, for a key with a passphrase).
# Knobs: DIST_OUT (default dist; where the artifacts and mirror/ go).
set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$REPO_ROOT"

PYTHON="$REPO_ROOT/.tools/venv/bin/python"
RELEASE_PY="$REPO_ROOT/tools/provider_release.py"
NAME=terraform-provider-logexaminer
TYPE=logexaminer
NAMESPACE=logexaminer
MIRROR_HOST=registry.terraform.io
OUT="${DIST_OUT:-$REPO_ROOT/dist}"
# The rotation package provider/build.rs embeds (same override as there).
LAMBDA_ZIP="${LOGEXAMINER_ROTATION_ZIP:-$REPO_ROOT/dist/rotation-lambda.zip}"

die() {
    printf 'dist: ERROR: %s\n' "$*" >&2
    exit 1
}
say() { printf 'dist: %s\n' "$*" >&2; }

[[ -x "$PYTHON" ]] || die "$PYTHON is missing: run make setup"
command -v gpg >/dev/null 2>&1 || die "gpg is missing: run make setup (installs gnupg) or apt-get install gnupg"
[[ -n "${GPG_FINGERPRINT:-}" ]] ||
    die "GPG_FINGERPRINT is not set: the SHA256SUMS must be signed with the key the registry knows (see README, Releasing)"
[[ -f "$LAMBDA_ZIP" ]] || die "$LAMBDA_ZIP is missing: run make lambda (make dist does)"

metadata="$(cargo metadata --format-version 1 --no-deps)"
read -r VERSION TARGET_DIR < <("$PYTHON" -c '
import json, sys
meta = json.load(sys.stdin)
(pkg,) = [p for p in meta["packages"] if p["name"] == sys.argv[1]]
print(pkg["version"], meta["target_directory"])
' "$NAME" <<<"$metadata") || die "cannot read the version of $NAME from cargo metadata"
[[ "$VERSION" =~ ^[0-9]+\.[0-9]+\.[0-9]+ ]] || die "version $VERSION is not semantic"

host_platform() {
    local arch
    case "$(uname -m)" in
    x86_64) arch=amd64 ;;
    aarch64) arch=arm64 ;;
    *) die "unsupported host architecture $(uname -m)" ;;
    esac
    echo "linux_$arch"
}

rust_triple() {
    case "$1" in
    linux_amd64) echo x86_64-unknown-linux-gnu ;;
    linux_arm64) echo aarch64-unknown-linux-gnu ;;
    darwin_amd64) echo x86_64-apple-darwin ;;
    darwin_arm64) echo aarch64-apple-darwin ;;
    windows_amd64) echo x86_64-pc-windows-msvc ;;
    *) die "unknown platform $1 (known: linux_amd64 linux_arm64 darwin_amd64 darwin_arm64 windows_amd64)" ;;
    esac
}

HOST="$(host_platform)"
mkdir -p "$OUT"
rm -rf "$OUT/mirror"
rm -f "$OUT/${NAME}_${VERSION}_"*

zips=()
for platform in ${DIST_PLATFORMS:-linux_amd64}; do
    triple="$(rust_triple "$platform")"
    exe=""
    [[ "$platform" == windows_* ]] && exe=".exe"
    if [[ "$platform" == "$HOST" ]]; then
        binary="$TARGET_DIR/release/$NAME$exe"
    else
        binary="$TARGET_DIR/$triple/release/$NAME$exe"
    fi
    [[ -f "$binary" ]] || die "$binary is missing: build it first (make release, or cargo build --release --target $triple)"
    "$PYTHON" - "$binary" "$LAMBDA_ZIP" <<'EOF' || die "$binary does not embed $LAMBDA_ZIP: rebuild with make lambda then make release"
import sys
binary, package = (open(p, "rb").read() for p in sys.argv[1:3])
sys.exit(0 if package and package in binary else 1)
EOF
    zip="$OUT/${NAME}_${VERSION}_${platform}.zip"
    "$PYTHON" "$RELEASE_PY" zip "$binary" "$zip" "${NAME}_v${VERSION}$exe"
    zips+=("$zip")
    say "$(basename "$zip") ($(stat -c %s "$zip") bytes; binary $(stat -c %s "$binary") bytes, $triple)"
done

manifest="$OUT/${NAME}_${VERSION}_manifest.json"
cp terraform-registry-manifest.json "$manifest"

sums="$OUT/${NAME}_${VERSION}_SHA256SUMS"
"$PYTHON" "$RELEASE_PY" sums "$sums" "${zips[@]}" "$manifest"

gpg_args=(--batch --yes --detach-sign --local-user "$GPG_FINGERPRINT" --output "$sums.sig")
if [[ -n "${GPG_PASSPHRASE:-}" ]]; then
    gpg --pinentry-mode loopback --passphrase-fd 0 "${gpg_args[@]}" "$sums" <<<"$GPG_PASSPHRASE" ||
        die "gpg could not sign with key $GPG_FINGERPRINT"
else
    gpg "${gpg_args[@]}" "$sums" || die "gpg could not sign with key $GPG_FINGERPRINT"
fi
gpg --batch --verify "$sums.sig" "$sums" 2>/dev/null || die "the new signature does not verify"

"$PYTHON" "$RELEASE_PY" mirror "$OUT/mirror" "$MIRROR_HOST" "$NAMESPACE" "$TYPE" "$VERSION" "${zips[@]}"

say "version $VERSION, signed by $GPG_FINGERPRINT"
(cd "$OUT" && ls -l "${NAME}_${VERSION}_"* && find mirror -type f | sort) >&2
