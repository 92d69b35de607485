#!/usr/bin/env bash
# The private MariaDB of `make run` and `make test`: data under var/mysql, a socket under var/run,
# loopback TCP on $CARTMAN_DB_PORT (default 33306). No system service is touched.
#
#   mariadb.sh start   initialise on first use, start (or reuse a running one), create the database
#                      and the application user; prints nothing but errors
#   mariadb.sh stop    stop it (waits for a clean shutdown)
#   mariadb.sh env     print the shell variables of the connection (sourced by the other scripts)
set -euo pipefail
cd "$(dirname "$0")/../.."
VAR=${CARTMAN_VAR:-$PWD/var}
DATADIR=$VAR/mysql
RUNDIR=$VAR/run
SOCK=$RUNDIR/mysqld.sock
PORT=${CARTMAN_DB_PORT:-33306}
DBNAME=${CARTMAN_DB_NAME:-cartman_demo}
DBUSER=${CARTMAN_DB_USER:-cartman}
PASSFILE=$VAR/db-password

me=$(id -un)
admin() { mariadb --no-defaults --protocol=socket --socket="$SOCK" -uroot "$@"; }
alive() { mariadb-admin --no-defaults --protocol=socket --socket="$SOCK" -uroot --connect-timeout=2 ping >/dev/null 2>&1; }

start() {
    mkdir -p "$VAR" "$RUNDIR" "$RUNDIR/mysql-tmp"
    chmod 0700 "$VAR"
    if ! [ -d "$DATADIR/mysql" ]; then
        mariadb-install-db --no-defaults --datadir="$DATADIR" --user="$me" --auth-root-authentication-method=socket \
            --skip-test-db >"$VAR/mariadb-install.log" 2>&1 || { cat "$VAR/mariadb-install.log" >&2; exit 1; }
    fi
    if ! alive; then
        rm -f "$SOCK"
        # Tuned for a demo and test store: durability of the last second is traded for bulk-load speed.
        setsid mariadbd --no-defaults --datadir="$DATADIR" --socket="$SOCK" --port="$PORT" --bind-address=127.0.0.1 \
            --pid-file="$RUNDIR/mysqld.pid" --log-error="$VAR/mariadb.log" --user="$me" --skip-name-resolve \
            --tmpdir="$RUNDIR/mysql-tmp" `# its own: a shared /tmp cleaner cannot remove its temporary tables` \
            --innodb-buffer-pool-size=2G --innodb-log-file-size=512M --innodb-flush-log-at-trx-commit=2 \
            --max-connections=400 --max-allowed-packet=64M --local-infile=1 \
            --character-set-server=utf8mb4 --collation-server=utf8mb4_unicode_520_ci </dev/null >/dev/null 2>&1 &
        for _ in $(seq 1 120); do alive && break; sleep 0.25; done
        alive || { echo "mariadb did not start; see $VAR/mariadb.log" >&2; tail -20 "$VAR/mariadb.log" >&2; exit 1; }
    fi
    if ! [ -s "$PASSFILE" ]; then
        (umask 077; openssl rand -hex 16 >"$PASSFILE")
    fi
    local pw; pw=$(cat "$PASSFILE")
    admin <<SQL
CREATE DATABASE IF NOT EXISTS \`$DBNAME\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_520_ci;
CREATE USER IF NOT EXISTS '$DBUSER'@'localhost' IDENTIFIED BY '$pw';
CREATE USER IF NOT EXISTS '$DBUSER'@'127.0.0.1' IDENTIFIED BY '$pw';
ALTER USER '$DBUSER'@'localhost' IDENTIFIED BY '$pw';
ALTER USER '$DBUSER'@'127.0.0.1' IDENTIFIED BY '$pw';
GRANT ALL PRIVILEGES ON \`$DBNAME\`.* TO '$DBUSER'@'localhost';
GRANT ALL PRIVILEGES ON \`$DBNAME\`.* TO '$DBUSER'@'127.0.0.1';
GRANT ALL PRIVILEGES ON \`cartman\_%\`.* TO '$DBUSER'@'localhost';
GRANT ALL PRIVILEGES ON \`cartman\_%\`.* TO '$DBUSER'@'127.0.0.1';
SQL
}

stop() {
    if alive; then
        admin -e "SHUTDOWN" >/dev/null 2>&1 || true
        for _ in $(seq 1 120); do alive || break; sleep 0.25; done
    fi
}

env_vars() {
    printf 'CARTMAN_DB_HOST=127.0.0.1\nCARTMAN_DB_PORT=%s\nCARTMAN_DB_SOCKET=%s\nCARTMAN_DB_NAME=%s\nCARTMAN_DB_USER=%s\nCARTMAN_DB_PASSWORD=%s\nCARTMAN_DB_PREFIX=wp_\n' \
        "$PORT" "$SOCK" "$DBNAME" "$DBUSER" "$(cat "$PASSFILE")"
}

case "${1:-}" in
start) start ;;
stop) stop ;;
env) env_vars ;;
*) echo "usage: $0 start|stop|env" >&2; exit 2 ;;
esac
