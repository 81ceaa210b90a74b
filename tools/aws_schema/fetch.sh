#!/usr/bin/env bash
# Fetch and unpack the pinned @cdktn/provider-aws npm package (generated bindings of hashicorp/aws 6.66.0)
# into a cache directory. Idempotent: does nothing when the unpacked package is already present and matches.
#
# Usage: tools/aws_schema/fetch.sh [CACHE_DIR]
#   CACHE_DIR defaults to <repo>/tests/.cache/npm
# Prints the path of the unpacked package directory (the one holding package.json) on stdout.
set -euo pipefail

PKG_NAME="@cdktn/provider-aws"
PKG_VERSION="25.7.0"

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cache_dir="${1:-${repo_root}/tests/.cache/npm}"
tarball_name="cdktn-provider-aws-${PKG_VERSION}.tgz"
unpack_dir="${cache_dir}/cdktn-provider-aws-${PKG_VERSION}"
stamp="${unpack_dir}/.unpacked-ok"

die() {
  echo "fetch.sh: error: $*" >&2
  exit 1
}

if [[ -f "${stamp}" && -f "${unpack_dir}/package/package.json" ]]; then
  echo "${unpack_dir}/package"
  exit 0
fi

command -v npm >/dev/null 2>&1 || die "npm is not installed (needed to download ${PKG_NAME}@${PKG_VERSION})"
command -v tar >/dev/null 2>&1 || die "tar is not installed"

mkdir -p "${cache_dir}"

if [[ ! -s "${cache_dir}/${tarball_name}" ]]; then
  echo "fetch.sh: downloading ${PKG_NAME}@${PKG_VERSION} into ${cache_dir}" >&2
  tmp_dl="$(mktemp -d "${cache_dir}/.dl.XXXXXX")"
  trap 'rm -rf "${tmp_dl}"' EXIT
  if ! (cd "${tmp_dl}" && npm pack --silent "${PKG_NAME}@${PKG_VERSION}" >/dev/null); then
    die "npm pack ${PKG_NAME}@${PKG_VERSION} failed"
  fi
  [[ -s "${tmp_dl}/${tarball_name}" ]] || die "npm pack did not produce ${tarball_name}"
  mv "${tmp_dl}/${tarball_name}" "${cache_dir}/${tarball_name}"
fi

rm -rf "${unpack_dir}"
mkdir -p "${unpack_dir}"
tar -xzf "${cache_dir}/${tarball_name}" -C "${unpack_dir}" || die "could not unpack ${tarball_name}"

pkg_json="${unpack_dir}/package/package.json"
[[ -f "${pkg_json}" ]] || die "unpacked package has no package/package.json"
got_version="$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(d["name"], d["version"])' "${pkg_json}")"
[[ "${got_version}" == "${PKG_NAME} ${PKG_VERSION}" ]] || die "unexpected package: ${got_version}"
[[ -f "${unpack_dir}/package/lib/provider/index.d.ts" ]] || die "package lacks lib/provider/index.d.ts"

touch "${stamp}"
echo "${unpack_dir}/package"
