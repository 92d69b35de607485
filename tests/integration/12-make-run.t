#!/usr/bin/env bash
# `make run`'s script on a private var/ of its own (its own MariaDB, ports and certificate): it comes
# up, writes var/demo-credentials.json (0600) with working accounts and a working connection key, the
# index answers over HTTP/2 with the seeded store's name, SIGTERM stops everything, and a second start
# reuses the store.
source "$(dirname "$0")/lib.sh"
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
V=$CARTMAN_TEST_DIR/run-var
rm -rf "$V"
PB=${TEST_PORT_BASE:-18000}
export CARTMAN_VAR=$V CARTMAN_DB_PORT=$((PB + 306)) AUTHD_PORT=$((PB + 143)) APID_PORT=$((PB + 163))
unset CARTMAN_DB_NAME CARTMAN_DB_HOST CARTMAN_DB_SOCKET CARTMAN_DB_USER CARTMAN_DB_PASSWORD CARTMAN_LISTEN_H2C
# run.sh starts its own SMTP catcher (mail kept under $V/mail/), on a port of its own
unset CARTMAN_SMTP_URL
export SMTP_PORT=$((PB + 125))
export SEED_ARGS="--orders 300"

start() { # start LOG: runs run.sh in its own session, waits for its banner
    setsid "$ROOT/common/scripts/run.sh" >"$1" 2>&1 &
    RUN_PID=$!
    for _ in $(seq 1 600); do grep -q 'Ctrl-C stops everything' "$1" && return 0; kill -0 $RUN_PID 2>/dev/null || return 1; sleep 0.1; done
    return 1
}
stop() {
    kill -TERM "$RUN_PID"
    for _ in $(seq 1 150); do kill -0 "$RUN_PID" 2>/dev/null || break; sleep 0.1; done
    ! kill -0 "$RUN_PID" 2>/dev/null
}
leftovers() { # the database (its command line names $V) and anything still listening on the daemons' ports
    pgrep -f "$V/" | tr '\n' ' '
    ss -Hltn "( sport = :$AUTHD_PORT or sport = :$APID_PORT or sport = :$SMTP_PORT )" | awk '{print $4}' | tr '\n' ' '
}

start "$CARTMAN_TEST_DIR/run1.log"; ok $? "run.sh comes up and prints its banner"
grep -q 'Creating the demo store' "$CARTMAN_TEST_DIR/run1.log"; ok $? "the first start creates the demo store"
cred=$V/demo-credentials.json
is "$(stat -c %a "$cred")" "600" "demo-credentials.json is mode 0600"
j() { php -r '$j = json_decode(file_get_contents($argv[1]), true); echo eval("return " . $argv[2] . ";");' "$cred" "$1"; }
is "$(j '$j["authd"] . " " . $j["apid"]')" "https://127.0.0.1:$AUTHD_PORT https://127.0.0.1:$APID_PORT" "credentials: daemon URLs"
is "$(j 'implode(",", array_map(fn($u) => $u["login"] . ":" . $u["role"], $j["users"]))')" \
    "admin:administrator,manager:shop_manager,subscriber:subscriber,denied_manager:shop_manager,$(j '$j["users"][4]["login"]'):customer" \
    "credentials: the demo accounts with their roles"
is "$(j '$j["db"]["port"] . " " . $j["db"]["name"] . " " . $j["db"]["prefix"] . " " . (strlen($j["db"]["password"]) > 8 ? "pw" : "")')" \
    "$CARTMAN_DB_PORT cartman_demo wp_ pw" "credentials: database settings"
key=$(j '$j["connection_key"]')
like "$key" '^cmk_[0-9]+_[A-Za-z0-9_-]{43}$' "credentials: a fresh connection key"
grep -q "$key" "$CARTMAN_TEST_DIR/run1.log"; ok $? "the banner prints the connection key"
grep -q "mail   kept as files in $V/mail/" "$CARTMAN_TEST_DIR/run1.log"; ok $? "the banner says where the demo's mail is kept"

CA=(--cacert "$V/tls/cert.pem")
out=$(curl -sS "${CA[@]}" --http2 -w '\n%{http_version}' "https://127.0.0.1:$APID_PORT/cartman/v1/")
is "$(tail -1 <<<"$out")" "2" "the index answers over HTTP/2"
is "$(head -1 <<<"$out" | php -r 'echo json_decode(stream_get_contents(STDIN), true)["name"] ?? "";')" "CartMan Demo Store" \
    "with the seeded store's name"
tok=$(curl -sS "${CA[@]}" --http2 -u "cartman-mobile:$key" -d grant_type=client_credentials "https://127.0.0.1:$AUTHD_PORT/oauth/token" |
    php -r 'echo json_decode(stream_get_contents(STDIN), true)["token_type"] ?? "";')
is "$tok" "Bearer" "the connection key gets a token at authd"
pw=$(j '$j["users"][0]["password"]')
php -r 'exit(password_verify($argv[1], $argv[2]) ? 0 : 1);' "$pw" \
    "$(mariadb --no-defaults --socket="$V/run/mysqld.sock" -uroot -N -B cartman_demo -e "SELECT user_pass FROM wp_users WHERE user_login='admin'")"
ok $? "the admin password in the credentials matches the stored hash"

stop; ok $? "SIGTERM stops run.sh"
sleep 0.5
is "$(leftovers)" "" "no daemon or database of this run is left"

start "$CARTMAN_TEST_DIR/run2.log"; ok $? "a second start comes up"
grep -q 'Creating the demo store' "$CARTMAN_TEST_DIR/run2.log"; is "$?" "1" "and reuses the store"
key2=$(j '$j["connection_key"]')
[ -n "$key2" ] && [ "$key2" != "$key" ]; ok $? "with a new connection key"
code=$(curl -sS "${CA[@]}" --http2 -o /dev/null -w '%{http_code}' -u "cartman-mobile:$key" -d grant_type=client_credentials \
    "https://127.0.0.1:$AUTHD_PORT/oauth/token")
is "$code" "401" "the previous run's key was revoked"
stop; ok $? "SIGTERM stops it again"
sleep 0.5
is "$(leftovers)" "" "nothing is left running"
rm -rf "$V"
done_testing
