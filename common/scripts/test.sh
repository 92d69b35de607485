#!/usr/bin/env bash
# `make test`: the same set-up as `make run` on a fresh test store, then every test through `prove`:
# the unit tests (release and ASan+UBSan builds), then the integration scripts against both daemons
# running the ASan+UBSan build over TLS and HTTP/2. tests/integration/99-teardown.t stops the daemons
# and fails on any sanitizer report or error line in their logs. prove prints the closing summary.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
export CARTMAN_VAR=${CARTMAN_VAR:-$ROOT/var}
export BIN=${BIN:-$ROOT/build/asan}
T=$CARTMAN_VAR/test
rm -rf "$T"; mkdir -p "$T"

# a database this run starts is stopped at the end; one that was already running (make run) stays
started_db=0
mariadb-admin --no-defaults --protocol=socket --socket="$CARTMAN_VAR/run/mysqld.sock" -uroot ping >/dev/null 2>&1 || started_db=1
cleanup() {
    for d in authd apid smtp; do
        [ -s "$T/$d.pid" ] && kill -TERM "$(cat "$T/$d.pid")" 2>/dev/null || true
    done
    [ "$started_db" = 1 ] && common/scripts/mariadb.sh stop
    return 0
}
trap cleanup EXIT
common/scripts/mariadb.sh start
set -a; eval "$(common/scripts/mariadb.sh env)"; set +a
common/scripts/devcerts.sh
export CARTMAN_DB_NAME=cartman_test_store
mariadb --no-defaults -h "$CARTMAN_DB_HOST" -P "$CARTMAN_DB_PORT" -u "$CARTMAN_DB_USER" -p"$CARTMAN_DB_PASSWORD" \
    -e "DROP DATABASE IF EXISTS $CARTMAN_DB_NAME; CREATE DATABASE $CARTMAN_DB_NAME CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_520_ci"

export CARTMAN_TLS_CERT=$CARTMAN_VAR/tls/cert.pem CARTMAN_TLS_KEY=$CARTMAN_VAR/tls/key.pem
export CARTMAN_AUTHD_CA=$CARTMAN_TLS_CERT
export CARTMAN_SIGNING_KEY=$CARTMAN_VAR/keys/signing-es256.pem
# ports can be moved (TEST_PORT_BASE) so that two checkouts can test side by side: every port a test
# opens is below TEST_PORT_BASE + 500, so bases 500 apart never meet (BENCH_PORT_BASE keeps to the same):
#   +9 (an authd nobody listens on, 40)  +25..+28 SMTP catchers (+26..+28: 61)  +80 apid h2c
#   +125, +143, +163, +306 make run's SMTP, authd, apid, MariaDB (12)  +243, +244 WordPress's nginx, php-fpm (33)
#   +343 apid  +344 (60)  +346 (61)  +353 (40)  +361..+364 (45)  +370 (50)  +372 (57)  +380..+382 (56)
#   +385 (51-order-meta)  +386, +387 (51-order-cache)  +390..+392 (58)  +395..+397 (59)  +398, +399 (52)  +420 (62)
#   +443 authd  +453 (20)  +461, +462 (45)
# (make lint refuses a port beyond +499 in a test script)
export TEST_PORT_BASE=${TEST_PORT_BASE:-18000}
PB=$TEST_PORT_BASE
AUTHD_PORT=$((PB + 443)) APID_PORT=$((PB + 343)) APID_H2C_PORT=$((PB + 80))
export AUTHD_URL=https://127.0.0.1:$AUTHD_PORT APID_URL=https://127.0.0.1:$APID_PORT
export APID_H2C_URL=http://127.0.0.1:$APID_H2C_PORT
export CARTMAN_AUTHD_URL=$AUTHD_URL CARTMAN_APID_URL=$APID_URL CARTMAN_DEV_MODE=true CARTMAN_WORKERS=2

# a real SMTP server on loopback (Debian's python3-aiosmtpd) keeps every mail apid sends in $SMTP_CATCHER_DIR
export SMTP_CATCHER_PORT=$((PB + 25)) SMTP_CATCHER_DIR=$T/mail
export CARTMAN_SMTP_URL=smtp://127.0.0.1:$SMTP_CATCHER_PORT
/usr/bin/python3 tests/smtp_catcher.py --port "$SMTP_CATCHER_PORT" --dir "$SMTP_CATCHER_DIR" --pidfile "$T/smtp.pid" \
    >>"$T/smtp.log" 2>&1 &
for _ in $(seq 1 100); do [ -s "$T/smtp.pid" ] && break; sleep 0.1; done
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0:halt_on_error=1}
export LSAN_OPTIONS=suppressions=$ROOT/tests/lsan.supp:print_suppressions=0
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1

"$BIN/authd" migrate >"$T/migrate.log" 2>&1
"$BIN/authd" seed-demo --orders 2000 --seed 7 >"$T/demo-users.json" 2>"$T/seed.log"

# Test vectors made by WordPress's own code (Debian's wordpress + php-cli).
php tests/vectors/make-wp-password-vectors.php >"$T/wp-password-vectors.tsv"
export WP_PASSWORD_VECTORS=$T/wp-password-vectors.tsv

CARTMAN_LISTEN=127.0.0.1:$AUTHD_PORT "$BIN/authd" serve >"$T/authd.log" 2>&1 &
echo $! >"$T/authd.pid"
CARTMAN_LISTEN=127.0.0.1:$APID_PORT CARTMAN_LISTEN_H2C=127.0.0.1:$APID_H2C_PORT "$BIN/apid" serve >"$T/apid.log" 2>&1 &
echo $! >"$T/apid.pid"
for url in "$AUTHD_URL/healthz" "$APID_URL/healthz"; do
    for _ in $(seq 1 200); do curl -fsS --cacert "$CARTMAN_TLS_CERT" "$url" >/dev/null 2>&1 && break; sleep 0.1; done
done
export CARTMAN_TEST_DIR=$T

# tests/node: the independent JOSE/OAuth libraries (jose), pinned by package-lock.json
if ! [ -d tests/node/node_modules/playwright-core ]; then
    (cd tests/node && npm ci --no-audit --no-fund --loglevel=error >"$T/npm.log" 2>&1) || { cat "$T/npm.log" >&2; exit 1; }
fi

units=()
for mode in release asan; do
    for t in build/$mode/tests/test_*; do [ -x "$t" ] && units+=("$t"); done
done
# libFuzzer targets replayed over their committed corpora in the gcc ASan+UBSan build
for f in build/asan/fuzz-replay/fuzz_*; do
    [ -x "$f" ] || continue
    name=${f##*/fuzz_}
    printf '#!/bin/sh\nexec "%s" "%s"\n' "$ROOT/$f" "$ROOT/tests/fuzz/corpus/$name" >"$T/replay-$name.t"
    chmod +x "$T/replay-$name.t"
    units+=("$T/replay-$name.t")
done
# TESTS narrows a run to some integration scripts while working on them (teardown always runs):
#   TESTS="tests/integration/50-orders.t" PROVE_FLAGS=-v make test
if [ -n "${TESTS:-}" ]; then
    # shellcheck disable=SC2206
    picked=($TESTS)
    prove --timer ${PROVE_FLAGS:-} "${picked[@]}" tests/integration/99-teardown.t
else
    prove --timer "${units[@]}" tests/integration/*.t
fi
