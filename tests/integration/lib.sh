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
