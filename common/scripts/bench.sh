#!/usr/bin/env bash
# `make bench`: loads the release build of both daemons over HTTP/2 with h2load on a seeded store and
# prints one table: route, requests/s, client-observed p50 and p99, server CPU per request.
# Each route runs REPEAT times (default 3); the table shows the median run.
# Side by side, in the same run and on the same store and MariaDB: WordPress's own REST API (Debian's
# wordpress under php-fpm + nginx, common/scripts/wordpress.sh) answering an application-password request,
# and the ratio of apid's order list to it. Skipped, with a message, when those packages are missing.
#
#   BENCH_ORDERS   orders in the bench store (default 100000; seeded once into cartman_bench)
#   BENCH_SECONDS  seconds per run (default 5)    BENCH_CONNS  connections (default 16)
#   BENCH_STREAMS  concurrent streams per connection (default 8)
#   BENCH_PORT_BASE  authd listens on BASE+443, apid on BASE+343 (default 28000); WordPress's nginx on
#                    BASE+243, its php-fpm on BASE+244 (all below BASE+500, as the tests' ports)
#   BENCH_WP_SECONDS, BENCH_WP_CONNS, BENCH_WP_STREAMS  the WordPress runs (default 20 s, 8, 2: PHP answers
#                    about a hundred requests a second, so longer runs and fewer streams in flight)
#   BENCH_ROUTES     an extended regular expression: only the rows whose name matches run (default: all),
#                    e.g. BENCH_ROUTES='orders/\{id\}' make bench
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
export CARTMAN_VAR=${CARTMAN_VAR:-$ROOT/var}
BIN=$ROOT/build/release
B=$CARTMAN_VAR/bench
mkdir -p "$B"
ORDERS=${BENCH_ORDERS:-100000}
SECS=${BENCH_SECONDS:-5}
CONNS=${BENCH_CONNS:-16}
STREAMS=${BENCH_STREAMS:-8}
REPEAT=${REPEAT:-3}
PB=${BENCH_PORT_BASE:-28000}
AUTHD=https://127.0.0.1:$((PB + 443)) APID=https://127.0.0.1:$((PB + 343))

common/scripts/mariadb.sh start
set -a; eval "$(common/scripts/mariadb.sh env)"; set +a
common/scripts/devcerts.sh
export CARTMAN_DB_NAME=cartman_bench_store
q() { mariadb --no-defaults -h "$CARTMAN_DB_HOST" -P "$CARTMAN_DB_PORT" -u "$CARTMAN_DB_USER" -p"$CARTMAN_DB_PASSWORD" -N -B "$@"; }
have=$(q -e "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema='$CARTMAN_DB_NAME' AND table_name='wp_wc_orders'")
# a store seeded before the seeder wrote WordPress's default options (blog_public, …) is seeded again
if [ "$have" = 0 ] || [ "$(q "$CARTMAN_DB_NAME" -e "SELECT COUNT(*) FROM wp_wc_orders WHERE type='shop_order'")" != "$ORDERS" ] ||
    [ "$(q "$CARTMAN_DB_NAME" -e "SELECT COUNT(*) FROM wp_options WHERE option_name='blog_public'")" = 0 ]; then
    q -e "DROP DATABASE IF EXISTS $CARTMAN_DB_NAME; CREATE DATABASE $CARTMAN_DB_NAME CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_520_ci"
    echo "seeding the bench store with $ORDERS orders..." >&2
    "$BIN/authd" seed-demo --orders "$ORDERS" --seed 1 >/dev/null
fi
"$BIN/authd" migrate >/dev/null 2>&1
# the refresh-grant load comes from one address: lift the token endpoint's per-IP limit for this store
# (read by authd at its first token request)
q "$CARTMAN_DB_NAME" -e "REPLACE INTO wp_cartman_settings (name, value, updated_at) VALUES ('rate_limit_token_ip', '1000000/1000000', UTC_TIMESTAMP())"
q "$CARTMAN_DB_NAME" -e "REPLACE INTO wp_cartman_settings (name, value, updated_at) VALUES ('rate_limit_api_ip', '1000000/1000000', UTC_TIMESTAMP()), ('rate_limit_api_credential', '1000000/1000000', UTC_TIMESTAMP())"

export CARTMAN_TLS_CERT=$CARTMAN_VAR/tls/cert.pem CARTMAN_TLS_KEY=$CARTMAN_VAR/tls/key.pem
export CARTMAN_AUTHD_CA=$CARTMAN_TLS_CERT
export CARTMAN_SIGNING_KEY=$CARTMAN_VAR/keys/signing-es256.pem CARTMAN_ACCESS_LOG=false
export CARTMAN_AUTHD_URL=$AUTHD CARTMAN_APID_URL=$APID
CARTMAN_LISTEN=127.0.0.1:$((PB + 443)) "$BIN/authd" serve >"$B/authd.log" 2>&1 &
authd_pid=$!
CARTMAN_LISTEN=127.0.0.1:$((PB + 343)) "$BIN/apid" serve >"$B/apid.log" 2>&1 &
apid_pid=$!
WP_URL=https://127.0.0.1:$((PB + 243))
wp=0
trap 'kill -TERM $authd_pid $apid_pid 2>/dev/null; [ $wp = 0 ] || common/scripts/wordpress.sh stop; wait 2>/dev/null' EXIT
want() { [[ "$1" =~ ${BENCH_ROUTES:-.} ]]; }
if ! want "WordPress GET /wp/v2/users?per_page=10"; then
    : # not asked for
elif common/scripts/wordpress.sh check 2>"$B/wordpress-check.log"; then
    common/scripts/wordpress.sh start && wp=1 || echo "bench: WordPress side skipped: it did not start" >&2
else
    echo "bench: WordPress side skipped: $(cat "$B/wordpress-check.log")" >&2
fi
for u in "$AUTHD/healthz" "$APID/healthz"; do
    for _ in $(seq 1 100); do curl -fsS --cacert "$CARTMAN_TLS_CERT" "$u" >/dev/null 2>&1 && break; sleep 0.1; done
done

# cpu_ticks "PID [PID...]": user + system CPU ticks of those processes together
cpu_ticks() { local p s=0; for p in $1; do s=$((s + $(awk '{print $14 + $15}' "/proc/$p/stat"))); done; echo "$s"; }
TCK=$(getconf CLK_TCK)
db_pid=$(cat "$CARTMAN_VAR/run/mysqld.pid" 2>/dev/null || echo "")
[ -n "$db_pid" ] && [ -r "/proc/$db_pid/stat" ] || db_pid=""
NOTES=$B/notes
: >"$NOTES"

# run PID URL [h2load args]: one h2load run; prints "rps p50_ms p99_ms cpu_us_per_req db_cpu_us_per_req"
run() {
    local pid=$1 url=$2 log=$B/h2load.log
    shift 2
    rm -f "$log" # h2load appends to an existing log file
    local c0 d0=0 d1=0; c0=$(cpu_ticks "$pid")
    [ -z "$db_pid" ] || d0=$(cpu_ticks "$db_pid")
    local out; out=$(h2load -D "$SECS" -c "$CONNS" -m "$STREAMS" -t 1 --log-file="$log" "$@" "$url" 2>&1)
    local c1; c1=$(cpu_ticks "$pid")
    [ -z "$db_pid" ] || d1=$(cpu_ticks "$db_pid")
    local ok; ok=$(awk -F'\t' '$2 >= 200 && $2 < 400' "$log" | wc -l)
    local failed; failed=$(awk -F'\t' '$2 < 200 || $2 >= 400' "$log" | wc -l)
    [ "$failed" -eq 0 ] || { echo "$failed failed requests for $url" >&2; grep -E '^(requests|status codes)' <<<"$out" >&2; }
    local rps; rps=$(grep -oE 'finished in [0-9.]+s, [0-9.]+ req/s' <<<"$out" | awk '{print $4}')
    local pct; pct=$(cut -f3 "$log" | sort -n | awk '{a[NR]=$1} END {printf "%.2f %.2f", a[int(NR*0.5)]/1000, a[int(NR*0.99)]/1000}')
    local cpu; cpu=$(awk -v t0="$c0" -v t1="$c1" -v n="$ok" -v hz="$TCK" 'BEGIN {printf "%.1f", (t1 - t0) / hz * 1e6 / (n ? n : 1)}')
    local dbcpu; dbcpu=$(awk -v t0="$d0" -v t1="$d1" -v n="$ok" -v hz="$TCK" 'BEGIN {printf "%.1f", (t1 - t0) / hz * 1e6 / (n ? n : 1)}')
    echo "$rps $pct $cpu $dbcpu"
}

median_run() { # NAME PID URL [h2load args]
    local name=$1 pid=$2 url=$3 rows=()
    shift 3
    want "$name" || return 0
    for _ in $(seq 1 "$REPEAT"); do rows+=("$(run "$pid" "$url" "$@")"); done
    local med; med=$(printf '%s\n' "${rows[@]}" | sort -n -k1 | sed -n "$(( (REPEAT + 1) / 2 ))p")
    awk -v n="$name" '{printf "%-34s %10.0f %9s %9s %12s\n", n, $1, $2, $3, $4}' <<<"$med"
    awk -v n="$name" '{printf "  %-34s %8s\n", n, $5}' <<<"$med" >>"$NOTES"
}

echo
echo "bench: $ORDERS orders, h2load -D $SECS -c $CONNS -m $STREAMS over HTTP/2 + TLS, median of $REPEAT runs, $(nproc) cores"
printf '%-34s %10s %9s %9s %12s\n' "route" "req/s" "p50 ms" "p99 ms" "server µs/req"
median_run "apid GET /healthz" "$apid_pid" "$APID/healthz"
median_run "apid GET /cartman/v1/ (index)" "$apid_pid" "$APID/cartman/v1/"
median_run "authd GET /healthz" "$authd_pid" "$AUTHD/healthz"
median_run "authd GET /oauth/jwks.json" "$authd_pid" "$AUTHD/oauth/jwks.json"
median_run "authd GET /.well-known/oauth-authorization-server" "$authd_pid" "$AUTHD/.well-known/oauth-authorization-server"

# POST /oauth/token grant_type=refresh_token: each request is single-use, so h2load cannot replay one;
# tests/bench/bench_refresh walks BENCH_CHAINS refresh-token chains (real rotation on every request) as
# HTTP/2 streams over BENCH_CONNS connections. The load generator shares the machine's cores.
# MariaDB's CPU per grant is printed on the line below the row (this private server serves only the
# bench daemons, whose background reads are counted too).
admin=$(q "$CARTMAN_DB_NAME" -e "SELECT user_id FROM wp_usermeta WHERE meta_key='wp_capabilities' AND meta_value LIKE '%administrator%' ORDER BY user_id LIMIT 1")
mysqld_pid=$(cat "$CARTMAN_VAR/run/mysqld.pid")
want "authd POST /oauth/token (refresh)" && for _ in $(seq 1 "$REPEAT"); do
    c0=$(cpu_ticks "$authd_pid"); m0=$(cpu_ticks "$mysqld_pid")
    r=$("$BIN/bench/bench_refresh" "$AUTHD/oauth/token" "$CARTMAN_TLS_CERT" "${BENCH_CHAINS:-32}" "$SECS" 4 "$admin")
    c1=$(cpu_ticks "$authd_pid"); m1=$(cpu_ticks "$mysqld_pid")
    awk -v t0="$c0" -v t1="$c1" -v m0="$m0" -v m1="$m1" -v hz="$TCK" \
        '{printf "%.0f %s %s %.1f %.1f\n", $1, $2, $3, (t1 - t0) / hz * 1e6 / ($4 ? $4 : 1), (m1 - m0) / hz * 1e6 / ($4 ? $4 : 1)}' <<<"$r"
done | sort -n -k1 | sed -n "$(( (REPEAT + 1) / 2 ))p" |
    awk '{printf "%-34s %10.0f %9s %9s %12s\n  (MariaDB CPU per refresh grant in that run: %s µs)\n", "authd POST /oauth/token (refresh)", $1, $2, $3, $4, $5}'

# Authenticated apid routes: a bearer token from a connection key (client_credentials); access tokens
# live 15 minutes, longer than these runs.
bench_key=$("$BIN/authd" keys create-connection-key --label bench 2>/dev/null)
bearer=$(curl -fsS --cacert "$CARTMAN_TLS_CERT" -u "cartman-mobile:$bench_key" -d grant_type=client_credentials \
    "$AUTHD/oauth/token" | sed -E 's/.*"access_token": *"([^"]+)".*/\1/')
# apid fetches authd's keys in the background and retries every few seconds when authd was not up yet:
# wait until the token is accepted (with BENCH_ROUTES the first apid run may follow at once)
for _ in $(seq 1 100); do
    curl -fs --cacert "$CARTMAN_TLS_CERT" -o /dev/null -H "Authorization: Bearer $bearer" "$APID/cartman/v1/orders?per_page=1" && break
    sleep 0.1
done
# GET /orders/{id} cycles through the newest 100 orders (h2load takes the URIs from a file), so the
# figure is not that of one order kept hot
q "$CARTMAN_DB_NAME" -e "SELECT id FROM wp_wc_orders WHERE type='shop_order' ORDER BY date_created_gmt DESC, id DESC LIMIT 100" |
    sed "s|^|$APID/cartman/v1/orders/|" >"$B/order-uris"
orders_row=$(median_run "apid GET /orders?per_page=20" "$apid_pid" "$APID/cartman/v1/orders?per_page=20" \
    -H "Authorization: Bearer $bearer")
[ -z "$orders_row" ] || echo "$orders_row"
median_run "apid GET /orders?per_page=20&page=50" "$apid_pid" "$APID/cartman/v1/orders?per_page=20&page=50" \
    -H "Authorization: Bearer $bearer"
median_run "apid GET /orders?status=processing" "$apid_pid" "$APID/cartman/v1/orders?status=processing" \
    -H "Authorization: Bearer $bearer"
median_run "apid GET /orders/{id} (newest 100)" "$apid_pid" "$(head -1 "$B/order-uris")" -i "$B/order-uris" \
    -H "Authorization: Bearer $bearer"
# The same route where the order cache cannot help: each request a different order, read for the first
# time (an order opened once). Each run walks its own slice of older orders, so no run meets an order
# an earlier run put in the cache, and runs 3 s so that it does not reach the end of its slice.
name="apid GET /orders/{id} (each read once)"
want "$name" && {
    per=$((ORDERS / REPEAT))
    q "$CARTMAN_DB_NAME" -e "SELECT id FROM wp_wc_orders WHERE type='shop_order' ORDER BY id LIMIT $((per * REPEAT))" >"$B/cold-ids"
    for r in $(seq 1 "$REPEAT"); do
        sed -n "$(((r - 1) * per + 1)),$((r * per))p" "$B/cold-ids" | sed "s|^|$APID/cartman/v1/orders/|" >"$B/cold-uris"
        SECS=3 run "$apid_pid" "$(head -1 "$B/cold-uris")" -i "$B/cold-uris" -H "Authorization: Bearer $bearer"
    done | sort -n -k1 | sed -n "$(((REPEAT + 1) / 2))p" >"$B/cold-median"
    awk -v n="$name" '{printf "%-34s %10.0f %9s %9s %12s\n", n, $1, $2, $3, $4}' "$B/cold-median"
    awk -v n="$name" '{printf "  %-34s %8s\n", n, $5}' "$B/cold-median" >>"$NOTES"
}
# Sales reports (days before today cached per worker thread, today read on every request) and the
# transaction list. The reports' latency target is per request, so each period also runs one request at
# a time (-c 1 -m 1), where p50 is the time of one report rather than the queue of 128 streams.
for period in today 7d 30d 90d; do
    median_run "apid GET /reports/sales?period=$period" "$apid_pid" "$APID/cartman/v1/reports/sales?period=$period" \
        -H "Authorization: Bearer $bearer"
done
for period in today 7d 30d 90d; do
    CONNS=1 STREAMS=1 median_run "  ... period=$period, -c 1 -m 1" "$apid_pid" \
        "$APID/cartman/v1/reports/sales?period=$period" -H "Authorization: Bearer $bearer"
done
median_run "apid GET /transactions" "$apid_pid" "$APID/cartman/v1/transactions" -H "Authorization: Bearer $bearer"

# WordPress's REST API on the same store: the first administrator lists users with an application password
# made by WordPress's own code (kept in var/bench for the next run while it still authenticates); the
# server CPU is nginx's and php-fpm's processes together.
if [ $wp = 1 ]; then
    wp_login=$(q "$CARTMAN_DB_NAME" -e "SELECT user_login FROM wp_users WHERE ID=$admin")
    wp_route="/wp-json/wp/v2/users?per_page=10&context=edit"
    wp_ok() { [ "$(curl -s -o /dev/null -w '%{http_code}' --cacert "$CARTMAN_TLS_CERT" -u "$wp_login:$1" "$WP_URL$wp_route")" = 200 ]; }
    wp_pw=$(cat "$B/wp-app-password" 2>/dev/null || true)
    if [ -z "$wp_pw" ] || ! wp_ok "$wp_pw"; then
        wp_pw=$(php tests/vectors/make-app-password.php "$admin" cartman-bench 2>"$B/wp-app-password.log" || true)
        (umask 077; printf '%s\n' "$wp_pw" >"$B/wp-app-password")
    fi
    if [ -n "$wp_pw" ] && wp_ok "$wp_pw"; then
        wp_row=$(SECS=${BENCH_WP_SECONDS:-20} CONNS=${BENCH_WP_CONNS:-8} STREAMS=${BENCH_WP_STREAMS:-2} \
            median_run "WordPress GET /wp/v2/users?per_page=10" "$(common/scripts/wordpress.sh pids)" "$WP_URL$wp_route" \
            -H "Authorization: Basic $(printf '%s:%s' "$wp_login" "$wp_pw" | base64 -w0)")
        echo "$wp_row"
        echo
        echo "WordPress row: php-fpm + nginx, h2load -D ${BENCH_WP_SECONDS:-20} -c ${BENCH_WP_CONNS:-8} -m ${BENCH_WP_STREAMS:-2}, context=edit, application password"
        # requests/s (fourth column from the end) and server µs per request (the last) of the two rows
        [ -z "$orders_row" ] || awk -v a="$(awk '{print $(NF-3), $NF}' <<<"$orders_row")" -v w="$(awk '{print $(NF-3), $NF}' <<<"$wp_row")" 'BEGIN {
            split(a, x, " "); split(w, y, " ")
            printf "apid GET /orders?per_page=20 vs WordPress GET /wp/v2/users?per_page=10, same run: %.1fx the requests/s (target: at least 50x), %.1fx less server CPU per request\n",
                (y[1] > 0 ? x[1] / y[1] : 0), (x[2] > 0 ? y[2] / x[2] : 0)
        }'
    else
        echo "bench: WordPress side skipped: no application password authenticates ($(cat "$B/wp-app-password.log"))" >&2
    fi
fi
# After the table: the database server's CPU per request of the same runs (it shares the two cores)
# and apid's resident memory once the order routes have run (peak and current).
echo
[ -z "$db_pid" ] || { echo "mariadbd CPU µs per request (same runs, medians):"; grep -E '^  apid GET /orders' "$NOTES" || true; }
awk '/^VmHWM|^VmRSS/ {printf "%s %.1f MB  ", $1, $2 / 1024} END {print ""}' "/proc/$apid_pid/status" |
    sed 's/^/apid resident memory after the order runs: /'
