#!/usr/bin/env bash
# A throwaway Oracle MySQL server for people (the tests use the `Mysql` guard of tests/support):
#   scripts/mysql.sh start DIR PORT   initialise DIR (once) and start mysqld on 127.0.0.1:PORT;
#                                     root's password is in DIR/root.password (mode 0600)
#   scripts/mysql.sh stop DIR         stop it (DIR is kept; rm -rf it to throw the server away)
# mysqld comes from the Debian sid root that `make setup` builds (scripts/mysql-root.sh); it runs
# with that root's own dynamic loader and libraries, no chroot, so DIR can be anywhere.
# Log in with: MYSQL_PWD="$(cat DIR/root.password)" mariadb --protocol=TCP -h 127.0.0.1 -P PORT -u root
set -euo pipefail

die() {
    printf 'mysql.sh: ERROR: %s\n' "$*" >&2
    exit 1
}
usage() { die "usage: $0 start DIR PORT | $0 stop DIR"; }

default_root() {
    if [[ "$(id -u)" == 0 ]]; then
        echo /var/cache/logexaminer/mysql-sid
    else
        echo "${XDG_CACHE_HOME:-$HOME/.cache}/logexaminer/mysql-sid"
    fi
}
ROOT="${LOGEXAMINER_MYSQL_ROOT:-$(default_root)}"

mysqld_cmd() {
    [[ -x "$ROOT/usr/sbin/mysqld" && -f "$ROOT/logexaminer-versions" ]] ||
        die "no MySQL root at $ROOT: run make setup first"
    MYSQLD=("$ROOT/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2" --library-path "$ROOT/usr/lib/x86_64-linux-gnu"
        "$ROOT/usr/sbin/mysqld" --no-defaults "--basedir=$ROOT/usr" "--lc-messages-dir=$ROOT/usr/share/mysql"
        "--character-sets-dir=$ROOT/usr/share/mysql/charsets" "--plugin-dir=$ROOT/usr/lib/mysql/plugin"
        "--datadir=$DIR/data" "--log-error=$DIR/error.log")
    [[ "$(id -u)" == 0 ]] && MYSQLD+=(--user=root)
    return 0
}

cmd="${1:-}"
case "$cmd" in
start)
    [[ $# == 3 ]] || usage
    DIR="$(mkdir -p "$2" && cd "$2" && pwd)"
    PORT="$3"
    [[ "$PORT" =~ ^[0-9]+$ ]] || die "PORT must be a number, got '$PORT'"
    mysqld_cmd
    if [[ -f "$DIR/mysqld.pid" ]] && kill -0 "$(cat "$DIR/mysqld.pid")" 2>/dev/null; then
        die "a server is already running from $DIR (pid $(cat "$DIR/mysqld.pid"))"
    fi
    if [[ ! -d "$DIR/data" ]]; then
        umask 077
        od -An -N16 -tx1 /dev/urandom | tr -d ' \n' >"$DIR/root.password"
        chmod 600 "$DIR/root.password"
        pw="$(cat "$DIR/root.password")"
        printf "ALTER USER 'root'@'localhost' IDENTIFIED BY '%s';\nCREATE USER 'root'@'127.0.0.1' IDENTIFIED BY '%s';\nGRANT ALL ON *.* TO 'root'@'127.0.0.1' WITH GRANT OPTION;\nGRANT PROXY ON ''@'' TO 'root'@'127.0.0.1' WITH GRANT OPTION;\n" \
            "$pw" "$pw" >"$DIR/init.sql"
        "${MYSQLD[@]}" --initialize-insecure "--init-file=$DIR/init.sql" ||
            { rm -rf "$DIR/data" "$DIR/init.sql"; die "mysqld --initialize-insecure failed: $(tail -n 20 "$DIR/error.log")"; }
        rm -f "$DIR/init.sql"
        umask 022
    fi
    mkdir -p "$DIR/files"
    setsid "${MYSQLD[@]}" "--port=$PORT" --bind-address=127.0.0.1 "--socket=$DIR/sock" --mysqlx=OFF \
        --skip-log-bin --skip-name-resolve "--secure-file-priv=$DIR/files" "--pid-file=$DIR/mysqld.pid" \
        </dev/null >>"$DIR/stderr.log" 2>&1 &
    pid=$!
    for _ in $(seq 1 600); do
        if ! kill -0 "$pid" 2>/dev/null; then
            die "mysqld exited while starting: $(tail -n 20 "$DIR/error.log")"
        fi
        if MYSQL_PWD="$(cat "$DIR/root.password")" mariadb --no-defaults --protocol=TCP -h 127.0.0.1 -P "$PORT" \
            -u root --connect-timeout=2 -e 'SELECT 1' >/dev/null 2>&1; then
            echo "mysql.sh: MySQL $(sed -n 's/^mysql-server-core //p' "$ROOT/logexaminer-versions") on 127.0.0.1:$PORT (pid $pid); root password in $DIR/root.password"
            exit 0
        fi
        sleep 0.1
    done
    kill -KILL "$pid" 2>/dev/null || true
    die "mysqld did not accept connections on 127.0.0.1:$PORT within 60 s: $(tail -n 20 "$DIR/error.log")"
    ;;
stop)
    [[ $# == 2 ]] || usage
    DIR="$2"
    [[ -f "$DIR/mysqld.pid" ]] || { echo "mysql.sh: no server running from $DIR"; exit 0; }
    pid="$(cat "$DIR/mysqld.pid")"
    if kill -TERM "$pid" 2>/dev/null; then
        for _ in $(seq 1 300); do
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.1
        done
        if kill -0 "$pid" 2>/dev/null; then
            kill -KILL "$pid" 2>/dev/null || true
            echo "mysql.sh: mysqld $pid did not stop within 30 s; killed"
        fi
    fi
    rm -f "$DIR/mysqld.pid"
    echo "mysql.sh: stopped"
    ;;
*) usage ;;
esac
