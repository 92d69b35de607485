#!/usr/bin/env bash
# authd migrate: a fresh database gets every version; a database that an earlier authd left at version 4
# (made here from migrations 001-004 as they stand in authd/sql/, recorded in cartman_migrations as
# migrate.c records them) is upgraded to the latest version with its rows kept, to exactly the tables a
# fresh database gets; a second run applies nothing. Scratch databases cartman_test_migrate{,_v4}.
source "$(dirname "$0")/lib.sh"
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
T=${CARTMAN_TEST_DIR:-/tmp}
P=${CARTMAN_DB_PREFIX:-wp_}
FRESH=cartman_test_migrate
OLD=cartman_test_migrate_v4

server() { # server "STATEMENT" — runs without a default database
    mariadb --no-defaults -h "$CARTMAN_DB_HOST" -P "$CARTMAN_DB_PORT" -u "$CARTMAN_DB_USER" \
        -p"$CARTMAN_DB_PASSWORD" -N -B -e "$*"
}
fresh_db() { server "DROP DATABASE IF EXISTS $1; CREATE DATABASE $1 CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_520_ci"; }
migrate() { # migrate DB → the exit status; the log in $T/migrate-DB.log
    CARTMAN_DB_NAME=$1 "$BIN/authd" migrate >"$T/migrate-$1.log" 2>&1
}
cleanup() { server "DROP DATABASE IF EXISTS $FRESH; DROP DATABASE IF EXISTS $OLD" >/dev/null 2>&1; }
trap cleanup EXIT
# every cartman_* table as SHOW CREATE TABLE prints it (AUTO_INCREMENT counters left out)
schema() {
    local t
    for t in $(sql "$1" "SELECT table_name FROM information_schema.tables WHERE table_schema = '$1'
                         AND table_name LIKE '${P}cartman%' ORDER BY table_name"); do
        sql "$1" "SHOW CREATE TABLE \`$t\`" | sed -E 's/ AUTO_INCREMENT=[0-9]+//'
    done
}
latest=$(find "$ROOT/authd/sql" -name 'migrate_[0-9][0-9][0-9]_*.sql' | sed -E 's/.*migrate_0*([0-9]+)_.*/\1/' | sort -n | tail -1)

# --- a fresh database ------------------------------------------------------------------------------
fresh_db "$FRESH"
migrate "$FRESH"
is "$?" "0" "authd migrate on an empty database"
is "$(sql "$FRESH" "SELECT GROUP_CONCAT(version ORDER BY version) FROM ${P}cartman_migrations")" "$(seq -s, 1 "$latest")" \
    "… applies and records every version, 1 to $latest"
is "$(sql "$FRESH" "SELECT GROUP_CONCAT(column_name ORDER BY ordinal_position) FROM information_schema.columns
                    WHERE table_schema = '$FRESH' AND table_name = '${P}cartman_sessions'")" \
    "id_hash,user_id,ip,created_at,last_seen_at,expires_at" "cartman_sessions has no csrf_token column"

# --- a database at version 4 -----------------------------------------------------------------------
fresh_db "$OLD"
for v in 001 002 003 004; do
    sed "s/{p}/$P/g" "$ROOT"/authd/sql/migrate_${v}_*.sql | sql "$OLD" "$(cat)" || echo "# migration $v failed"
done
sql "$OLD" "CREATE TABLE ${P}cartman_migrations (version int(11) NOT NULL, name varchar(100) NOT NULL,
            applied_at datetime NOT NULL, PRIMARY KEY (version)) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4
            COLLATE=utf8mb4_unicode_520_ci;
            INSERT INTO ${P}cartman_migrations VALUES (1, 'initial', UTC_TIMESTAMP()), (2, 'sessions', UTC_TIMESTAMP()),
            (3, 'mail_outbox', UTC_TIMESTAMP()), (4, 'report_indexes', UTC_TIMESTAMP())"
sql "$OLD" "INSERT INTO ${P}cartman_sessions (id_hash, user_id, csrf_token, ip, created_at, last_seen_at, expires_at)
            VALUES (SHA2('a browser', 256), 7, 'kept-by-an-old-authd-kept-by-an-old-authd-', '192.0.2.7',
            '2026-01-02 03:04:05', '2026-01-02 03:14:05', '2026-01-02 15:04:05')"
is "$(sql "$OLD" "SELECT COUNT(*) FROM information_schema.columns WHERE table_schema = '$OLD'
                  AND table_name = '${P}cartman_sessions' AND column_name = 'csrf_token'")" "1" \
    "version 4: cartman_sessions has csrf_token, and a signed-in browser's row"
migrate "$OLD"
is "$?" "0" "authd migrate upgrades it"
like "$(cat "$T/migrate-$OLD.log")" "schema version $latest \\($((latest - 4)) applied\\)" "… applying versions 5 to $latest"
is "$(sql "$OLD" "SELECT GROUP_CONCAT(version ORDER BY version) FROM ${P}cartman_migrations")" "$(seq -s, 1 "$latest")" \
    "… and recording them"
is "$(sql "$OLD" "SELECT user_id, ip, created_at, last_seen_at, expires_at FROM ${P}cartman_sessions
                  WHERE id_hash = SHA2('a browser', 256)")" \
    "7	192.0.2.7	2026-01-02 03:04:05	2026-01-02 03:14:05	2026-01-02 15:04:05" "the session row is kept"
schema "$FRESH" >"$T/migrate-fresh.schema"
schema "$OLD" >"$T/migrate-upgraded.schema"
ntables=$(grep -c 'CREATE TABLE' "$T/migrate-fresh.schema")
ok "$([ "$ntables" -ge 10 ] && diff "$T/migrate-fresh.schema" "$T/migrate-upgraded.schema" >&2; echo $?)" \
    "the upgraded database has exactly the cartman_* tables of a fresh one ($ntables tables, SHOW CREATE TABLE)"

# --- once more: nothing to do -------------------------------------------------------------------------
sum0=$(sql "$OLD" "CHECKSUM TABLE ${P}cartman_sessions, ${P}cartman_migrations")
migrate "$OLD"
is "$?" "0" "a second run succeeds"
like "$(cat "$T/migrate-$OLD.log")" "schema version $latest \\(0 applied\\)" "… and applies nothing"
is "$(sql "$OLD" "CHECKSUM TABLE ${P}cartman_sessions, ${P}cartman_migrations")" "$sum0" "… and changes no row"
done_testing
