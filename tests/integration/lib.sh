# tests/integration/lib.sh — TAP helpers for the integration scripts (bash), read by `prove`.
#
# The test runner (common/scripts/test.sh) exports:
#   CARTMAN_DB_HOST CARTMAN_DB_PORT CARTMAN_DB_SOCKET CARTMAN_DB_NAME CARTMAN_DB_USER CARTMAN_DB_PASSWORD
#   CARTMAN_DB_PREFIX   the seeded demo store the daemons run on
#   BIN                 the build directory of the binaries under test (build/release or build/asan)
#   AUTHD_URL APID_URL  https://127.0.0.1:8443 and :9443 style URLs of the running daemons
#   CARTMAN_VAR         var/ (TLS certificate: $CARTMAN_VAR/tls/cert.pem)
#   SMTP_CATCHER_PORT SMTP_CATCHER_DIR  the loopback SMTP server apid sends to (CARTMAN_SMTP_URL) and the
#                       directory where it keeps each mail (NNNNNN.eml + NNNNNN.json, tests/smtp_catcher.py)
# A script that needs a scratch database creates cartman_test_<name> and drops it at the end.

T_N=0
T_FAIL=0

ok() { # ok COND_EXIT_STATUS NAME
    local st=$1; shift
    T_N=$((T_N + 1))
    if [ "$st" -eq 0 ]; then echo "ok $T_N - $*"; else echo "not ok $T_N - $*"; T_FAIL=$((T_FAIL + 1)); fi
}

is() { # is GOT WANT NAME
    local got=$1 want=$2; shift 2
    T_N=$((T_N + 1))
    if [ "$got" == "$want" ]; then echo "ok $T_N - $*"; else
        echo "not ok $T_N - $*"; echo "#   got:  '$got'"; echo "#   want: '$want'"; T_FAIL=$((T_FAIL + 1)); fi
}

like() { # like GOT REGEX NAME
    local got=$1 re=$2; shift 2
    T_N=$((T_N + 1))
    if [[ "$got" =~ $re ]]; then echo "ok $T_N - $*"; else
        echo "not ok $T_N - $*"; echo "#   got:  '$got'"; echo "#   want match: '$re'"; T_FAIL=$((T_FAIL + 1)); fi
}

diag() { echo "# $*"; }

done_testing() { echo "1..$T_N"; [ "$T_FAIL" -eq 0 ]; }

# sql DB "STATEMENT" — runs one statement as the application user, prints tab-separated rows, no header.
sql() {
    local db=$1; shift
    mariadb --no-defaults -h "$CARTMAN_DB_HOST" -P "$CARTMAN_DB_PORT" -u "$CARTMAN_DB_USER" \
        -p"$CARTMAN_DB_PASSWORD" -N -B "$db" -e "$*"
}

# sql_root "STATEMENT" — runs one statement as the private server's root, over its socket (server-wide
# settings such as the statement log below).
sql_root() {
    mariadb --no-defaults --protocol=socket --socket="$CARTMAN_DB_SOCKET" -uroot -N -B -e "$*"
}

# statements_start / statements_stop: MariaDB's general log into mysql.general_log, to count the
# statements some requests cost. statements_stop turns it off; the rows stay until the next start.
# statements_count "SQL CONDITION" counts the logged statements (Query or Execute, the text with its
# parameters in `argument`) that match it, e.g. statements_count "argument LIKE '%cartman_settings%'".
statements_start() {
    sql_root "SET GLOBAL general_log = OFF; SET GLOBAL log_output = 'TABLE'; TRUNCATE mysql.general_log;
              SET GLOBAL general_log = ON"
}
statements_stop() {
    sql_root "SET GLOBAL general_log = OFF; SET GLOBAL log_output = 'FILE'"
}
statements_count() {
    sql_root "SELECT COUNT(*) FROM mysql.general_log WHERE command_type IN ('Query', 'Execute') AND ($*)"
}
# statements_diag "SQL CONDITION": the first five of them as TAP comments (after a count that failed)
statements_diag() {
    sql_root "SELECT CONCAT('# ', thread_id, ' ', LEFT(REPLACE(argument, '\n', ' '), 300)) FROM mysql.general_log
              WHERE command_type IN ('Query', 'Execute') AND ($*) LIMIT 5"
}

# log_reports FILE... — the first lines of those daemon logs that show a sanitizer report or an error line
# (what 99-teardown refuses in the main daemons' logs); nothing when they are clean.
log_reports() {
    grep -hE 'ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:|SUMMARY: |^[0-9TZ:.-]+ error ' "$@" 2>/dev/null | head -3
}

# --- scratch stores, each behind an apid of its own (the shared test store is left alone) ---

# sql_server "STATEMENTS" — runs statements as the application user with no default database.
sql_server() {
    mariadb --no-defaults -h "$CARTMAN_DB_HOST" -P "$CARTMAN_DB_PORT" -u "$CARTMAN_DB_USER" -p"$CARTMAN_DB_PASSWORD" -e "$*"
}

# store_create DB STORAGE ORDERS SEED — database DB made anew, migrated and seeded with ORDERS demo orders
# in STORAGE (hpos or posts) from SEED; the logs go to $T/DB-migrate.log and $T/DB-seed.log.
store_create() {
    sql_server "DROP DATABASE IF EXISTS $1; CREATE DATABASE $1 CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_520_ci"
    CARTMAN_DB_NAME=$1 "$BIN/authd" migrate >>"$T/$1-migrate.log" 2>&1
    CARTMAN_DB_NAME=$1 "$BIN/authd" seed-demo --storage "$2" --orders "$3" --seed "$4" >/dev/null 2>>"$T/$1-seed.log"
}

# store_sync_from SDB PDB — the HPOS store SDB gets the posts copy of every order and refund of the posts
# store PDB (seeded alike, so the same rows) in place of its placeholders, and WooCommerce's sync on: a
# store as WooCommerce's synchronisation leaves it.
store_sync_from() {
    local s=$1 p=$2
    sql "$s" "DELETE FROM ${CARTMAN_DB_PREFIX}posts WHERE post_type = 'shop_order_placehold'"
    sql "$s" "INSERT INTO ${CARTMAN_DB_PREFIX}posts SELECT * FROM $p.${CARTMAN_DB_PREFIX}posts
              WHERE post_type IN ('shop_order', 'shop_order_refund')"
    sql "$s" "INSERT INTO ${CARTMAN_DB_PREFIX}postmeta (post_id, meta_key, meta_value) SELECT m.post_id, m.meta_key, m.meta_value
              FROM $p.${CARTMAN_DB_PREFIX}postmeta m JOIN $p.${CARTMAN_DB_PREFIX}posts x ON x.ID = m.post_id
              WHERE x.post_type IN ('shop_order', 'shop_order_refund') ORDER BY m.meta_id"
    sql "$s" "UPDATE ${CARTMAN_DB_PREFIX}options SET option_value = 'yes'
              WHERE option_name = 'woocommerce_custom_orders_table_data_sync_enabled'"
}

# apid_start DB PORT [VAR=VALUE...] — an apid of its own on store DB at https://127.0.0.1:PORT, once its
# /healthz answers; its log is $T/apid-DB.log. No cleartext listener and no SMTP: the store's e-mails
# stay in its outbox, and the shared SMTP catcher sees only the main store's (the scratch stores' outbox
# ids and From address are the same, so 60-mail could not tell their mail apart). VAR=VALUE settings are
# added to its environment (CARTMAN_SMTP_URL=$CARTMAN_SMTP_URL to send after all).
declare -A APID_PIDS
apid_start() {
    local db=$1 port=$2; shift 2
    env CARTMAN_DB_NAME="$db" CARTMAN_LISTEN="127.0.0.1:$port" CARTMAN_LISTEN_H2C= CARTMAN_SMTP_URL= "$@" "$BIN/apid" serve \
        >"$T/apid-$db.log" 2>&1 &
    APID_PIDS[$db]=$!
    for _ in $(seq 1 100); do
        curl -fsS --cacert "$CARTMAN_TLS_CERT" "https://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break
        sleep 0.1
    done
}

# apid_stop DB... — stops those apids (SIGTERM; SIGKILL after 10 s), then one test each that its log shows
# no sanitizer report or error line.
apid_stop() {
    local db pid
    for db in "$@"; do kill -TERM "${APID_PIDS[$db]}" 2>/dev/null; done
    for db in "$@"; do
        pid=${APID_PIDS[$db]}
        for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        kill -0 "$pid" 2>/dev/null && kill -KILL "$pid"
        is "$(log_reports "$T/apid-$db.log")" "" "the apid of $db logged no sanitizer report or error"
    done
}
