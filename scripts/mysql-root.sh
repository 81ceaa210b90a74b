#!/usr/bin/env bash
# Builds (once) the Debian unstable root that carries Oracle MySQL for the test rig; run by
# scripts/setup.sh, safe to run again. Debian bookworm/trixie have no MySQL server; sid has
# mysql-server-core (9.7.x, needs a newer libc than the host's), so it lives in its own
# `debootstrap --variant=minbase sid` root, cached outside the repository:
#   $LOGEXAMINER_MYSQL_ROOT, else /var/cache/logexaminer/mysql-sid (as root) or
#   ${XDG_CACHE_HOME:-$HOME/.cache}/logexaminer/mysql-sid.
# The root records what it holds in ROOT/logexaminer-versions. The Debian mirror is the one the
# machine's own apt configuration uses. Prints the root's path on the last line of stdout.
# Fails loudly (non-zero, with a message naming what failed).
set -euo pipefail

say() { printf 'mysql-root: %s\n' "$*" >&2; }
die() {
    printf 'mysql-root: ERROR: %s\n' "$*" >&2
    exit 1
}

default_root() {
    if [[ "$(id -u)" == 0 ]]; then
        echo /var/cache/logexaminer/mysql-sid
    else
        echo "${XDG_CACHE_HOME:-$HOME/.cache}/logexaminer/mysql-sid"
    fi
}
ROOT="${LOGEXAMINER_MYSQL_ROOT:-$(default_root)}"
STAMP="$ROOT/logexaminer-versions"
PACKAGES=(mysql-server-core mysql-client-core)

# The first Debian (not -security) mirror from /etc/apt/sources.list.d/*.sources (deb822) or
# /etc/apt/sources.list (one-line format).
debian_mirror() {
    local f uri
    for f in /etc/apt/sources.list.d/*.sources; do
        [[ -f "$f" ]] || continue
        uri="$(awk '
            /^[[:space:]]*$/ { if (u != "" && s !~ /security/) { print u; exit } u = ""; s = ""; next }
            /^URIs:/ { u = $2 }
            /^Suites:/ { s = $0 }
            END { if (u != "" && s !~ /security/) print u }' "$f" | head -n1)"
        [[ -n "$uri" ]] && { echo "$uri"; return; }
    done
    for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
        [[ -f "$f" ]] || continue
        uri="$(awk '$1 == "deb" && $0 !~ /security/ {
                for (i = 2; i <= NF; i++) if ($i !~ /^\[/ && $i !~ /\]$/) { print $i; exit } }' "$f" | head -n1)"
        [[ -n "$uri" ]] && { echo "$uri"; return; }
    done
}

if [[ -f "$STAMP" && -x "$ROOT/usr/sbin/mysqld" ]]; then
    say "cached: $ROOT ($(grep '^mysql-server-core' "$STAMP" || true))"
    echo "$ROOT"
    exit 0
fi

[[ "$(id -u)" == 0 ]] || die "the MySQL root $ROOT is missing and building it needs root (debootstrap, chroot): run make setup as root, or set LOGEXAMINER_MYSQL_ROOT to a built root"
mkdir -p "$(dirname "$ROOT")"
exec 9>"$ROOT.lock"
flock 9 # another setup may be building it right now
if [[ -f "$STAMP" && -x "$ROOT/usr/sbin/mysqld" ]]; then
    say "built meanwhile by another setup: $ROOT"
    echo "$ROOT"
    exit 0
fi

if ! command -v debootstrap >/dev/null 2>&1; then
    say "installing debootstrap"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends debootstrap >&2 ||
        { apt-get update -q >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends debootstrap >&2; } ||
        die "apt-get install debootstrap failed"
fi
MIRROR="$(debian_mirror)"
[[ -n "$MIRROR" ]] || die "no Debian mirror found in /etc/apt/sources.list or /etc/apt/sources.list.d/*.sources"

BUILD="$ROOT.build.$$"
rm -rf "$BUILD"
cleanup() {
    for m in proc dev/pts dev sys; do
        mountpoint -q "$BUILD/$m" 2>/dev/null && umount -l "$BUILD/$m" 2>/dev/null || true
    done
    rm -rf --one-file-system "$BUILD"
}
trap cleanup EXIT
started=$SECONDS
say "debootstrap --variant=minbase sid $BUILD $MIRROR (about a minute)"
debootstrap --variant=minbase sid "$BUILD" "$MIRROR" >"$ROOT.build.log" 2>&1 ||
    die "debootstrap sid from $MIRROR failed; last lines of $ROOT.build.log: $(tail -n 15 "$ROOT.build.log")"
# No service may start inside the root.
printf '#!/bin/sh\nexit 101\n' >"$BUILD/usr/sbin/policy-rc.d"
chmod 755 "$BUILD/usr/sbin/policy-rc.d"
say "installing ${PACKAGES[*]} in the root"
chroot "$BUILD" env DEBIAN_FRONTEND=noninteractive LC_ALL=C apt-get install -y -q --no-install-recommends \
    -o Acquire::Retries=3 "${PACKAGES[@]}" >>"$ROOT.build.log" 2>&1 ||
    die "apt-get install ${PACKAGES[*]} in the sid root failed; last lines of $ROOT.build.log: $(tail -n 15 "$ROOT.build.log")"
chroot "$BUILD" apt-get clean >/dev/null 2>&1 || true
version="$(chroot "$BUILD" /usr/sbin/mysqld --version 2>&1)" || die "mysqld in the root does not run: $version"
{
    echo "# LogExaminer MySQL root, built by scripts/mysql-root.sh"
    echo "built: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
    echo "mirror: $MIRROR"
    echo "suite: sid"
    chroot "$BUILD" dpkg-query -W -f='${Package} ${Version}\n' "${PACKAGES[@]}" libc6 libssl3t64 2>/dev/null || true
    echo "mysqld: $version"
} >"$BUILD/logexaminer-versions.tmp"
mv "$BUILD/logexaminer-versions.tmp" "$BUILD/logexaminer-versions"
rm -rf "$ROOT"
mv "$BUILD" "$ROOT"
trap - EXIT
say "built $ROOT in $((SECONDS - started)) s: $version"
echo "$ROOT"
