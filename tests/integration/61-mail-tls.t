#!/usr/bin/env bash
# SMTP with STARTTLS and AUTH: an aiosmtpd server that requires both receives apid's mail when smtp_url
# carries the credentials and smtp_ca trusts its certificate; a wrong password, an untrusted certificate
# or a server without STARTTLS (while the URL has a password) leave the mail queued with a reason that
# names no secret. Runs its own store (cartman_test_mail_tls) and apid, so the main apid's sender does
# not take these rows.
source "$(dirname "$0")/lib.sh"
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
T=$CARTMAN_TEST_DIR
DB=cartman_test_mail_tls
P=${CARTMAN_DB_PREFIX:-wp_}
OUTBOX=${P}cartman_mail_outbox
PY=/usr/bin/python3
PB=${TEST_PORT_BASE:-18000}
TLS_PORT=$((PB + 26)) PLAIN_PORT=$((PB + 27)) APID3_PORT=$((PB + 346))
TLS_DIR=$T/mail-tls PLAIN_DIR=$T/mail-plain
PASSWORD='s3cret-Pw'

server() { # server "STATEMENT" — runs without a default database
    mariadb --no-defaults -h "$CARTMAN_DB_HOST" -P "$CARTMAN_DB_PORT" -u "$CARTMAN_DB_USER" \
        -p"$CARTMAN_DB_PASSWORD" -N -B -e "$*"
}
server "DROP DATABASE IF EXISTS $DB; CREATE DATABASE $DB CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_520_ci"
CARTMAN_DB_NAME=$DB "$BIN/authd" migrate >"$T/mail-tls-migrate.log" 2>&1
CARTMAN_DB_NAME=$DB "$BIN/authd" seed-demo --orders 5 >/dev/null 2>"$T/mail-tls-seed.log"
ok $? "a small store of its own"
from_addr=$(sql "$DB" "SELECT option_value FROM ${P}options WHERE option_name = 'woocommerce_email_from_address'")

catchers=()
catcher() { # catcher PIDFILE ARGS...
    local pidfile=$1; shift
    "$PY" "$ROOT/tests/smtp_catcher.py" --pidfile "$pidfile" "$@" >>"$T/smtp-tls.log" 2>&1 &
    catchers+=($!)
    for _ in $(seq 1 100); do [ -s "$pidfile" ] && break; sleep 0.1; done
}
catcher "$T/smtp-tls.pid" --port "$TLS_PORT" --dir "$TLS_DIR" --tls-cert "$CARTMAN_TLS_CERT" --tls-key "$CARTMAN_TLS_KEY" \
    --require-tls --auth "shop:$PASSWORD"
catcher "$T/smtp-plain.pid" --port "$PLAIN_PORT" --dir "$PLAIN_DIR"

APID3=
apid3_start() { # apid3_start LOG ENV=... : an apid on the small store with the given mail settings
    local log=$1; shift
    env CARTMAN_DB_NAME=$DB CARTMAN_LISTEN=127.0.0.1:$APID3_PORT CARTMAN_LISTEN_H2C= CARTMAN_SMTP_CA= "$@" \
        "$BIN/apid" serve >"$log" 2>&1 &
    APID3=$!
    for _ in $(seq 1 200); do curl -fsS --cacert "$CARTMAN_TLS_CERT" "https://127.0.0.1:$APID3_PORT/healthz" >/dev/null 2>&1 && break; sleep 0.1; done
}
apid3_stop() {
    kill -TERM "$APID3"
    for _ in $(seq 1 100); do kill -0 "$APID3" 2>/dev/null || break; sleep 0.1; done
    ! kill -0 "$APID3" 2>/dev/null
}
wait_sql() {
    local q=$1 want=$2 n=$((${3:-20} * 10)) got
    for _ in $(seq 1 "$n"); do
        got=$(sql "$DB" "$q")
        [ "$got" = "$want" ] && break
        sleep 0.1
    done
    printf '%s' "$got"
}
enqueue() { CARTMAN_DB_NAME=$DB "$BIN/tools/mail_enqueue" "$@"; }
count() { ls "$1"/*.eml 2>/dev/null | wc -l; }

# ---- STARTTLS required by the server, AUTH PLAIN/LOGIN with the URL's credentials ----
apid3_start "$T/apid3-ok.log" CARTMAN_SMTP_URL="smtp://shop:$PASSWORD@127.0.0.1:$TLS_PORT/shop.example.test" \
    CARTMAN_SMTP_CA="$CARTMAN_TLS_CERT"
grep -q "mail: sending the outbox through smtp (STARTTLS required)" "$T/apid3-ok.log"
ok $? "with a password in smtp_url, STARTTLS is required (smtp_tls auto)"
id=$(enqueue "Kundin <kundin@example.com>" "Über TLS" "Verschlüsselt zugestellt.")
is "$(wait_sql "SELECT status FROM $OUTBOX WHERE id = $id" sent)" "sent" "the mail is sent"
eml=$(grep -l -F "Message-ID: <cartman.$id." "$TLS_DIR"/*.eml 2>/dev/null)
env=$(cat "${eml%.eml}.json" 2>/dev/null)
is "$(jq -r '[.tls, .auth, .mail_from] | @tsv' <<<"$env")" "$(printf 'true\tshop\t%s' "$from_addr")" \
    "the server saw STARTTLS, the login from the URL and the store's sender"
apid3_stop; ok $? "apid stops on SIGTERM"

# ---- a wrong password: queued, with a reason that does not repeat it ----
apid3_start "$T/apid3-badpw.log" CARTMAN_SMTP_URL="smtp://shop:Wrong-Guess-77@127.0.0.1:$TLS_PORT" \
    CARTMAN_SMTP_CA="$CARTMAN_TLS_CERT"
before=$(count "$TLS_DIR")
id=$(enqueue "kundin@example.com" "Falsches Passwort" "x")
err=$(wait_sql "SELECT status, last_error IS NOT NULL FROM $OUTBOX WHERE id = $id" "$(printf 'pending\t1')")
is "$err" "$(printf 'pending\t1')" "a refused login leaves the mail pending with a reason"
why=$(sql "$DB" "SELECT last_error FROM $OUTBOX WHERE id = $id")
like "$why" "Login denied" "last_error: $why"
ok $(grep -q -F "Wrong-Guess-77" "$T/apid3-badpw.log" || [[ "$why" == *Wrong-Guess-77* ]]; [ $? = 1 ]; echo $?) \
    "the password is neither in last_error nor in the log"
is "$(count "$TLS_DIR")" "$before" "nothing was delivered"
apid3_stop
sql "$DB" "UPDATE $OUTBOX SET status = 'failed' WHERE status = 'pending'"

# ---- a certificate that smtp_ca does not vouch for (the system CAs do not know the test CA) ----
apid3_start "$T/apid3-ca.log" CARTMAN_SMTP_URL="smtp://shop:$PASSWORD@127.0.0.1:$TLS_PORT"
id=$(enqueue "kundin@example.com" "Unbekanntes Zertifikat" "x")
is "$(wait_sql "SELECT status, last_error IS NOT NULL FROM $OUTBOX WHERE id = $id" "$(printf 'pending\t1')")" \
    "$(printf 'pending\t1')" "an untrusted server certificate leaves the mail pending"
like "$(sql "$DB" "SELECT last_error FROM $OUTBOX WHERE id = $id")" "(SSL|certificate)" "last_error names the certificate problem"
is "$(count "$TLS_DIR")" "$before" "nothing was delivered"
apid3_stop
sql "$DB" "UPDATE $OUTBOX SET status = 'failed' WHERE status = 'pending'"

# ---- a password and a server without STARTTLS: never sent in clear ----
apid3_start "$T/apid3-plain.log" CARTMAN_SMTP_URL="smtp://shop:$PASSWORD@127.0.0.1:$PLAIN_PORT"
id=$(enqueue "kundin@example.com" "Klartext" "x")
is "$(wait_sql "SELECT status, last_error IS NOT NULL FROM $OUTBOX WHERE id = $id" "$(printf 'pending\t1')")" \
    "$(printf 'pending\t1')" "without STARTTLS the mail stays pending"
is "$(count "$PLAIN_DIR")" "0" "the server without STARTTLS received nothing"
apid3_stop
sql "$DB" "UPDATE $OUTBOX SET status = 'failed' WHERE status = 'pending'"

# ---- smtp_tls none: a local relay without TLS or password; the From address as WooCommerce finds it ----
# WooCommerce's own name with HTML entities (stored as WordPress stores it), else blogname; its own address, else admin_email
sql "$DB" "UPDATE ${P}options SET option_value = 'Tom &amp; Jerry&#039;s \"Shop\"' WHERE option_name = 'woocommerce_email_from_name'"
sql "$DB" "UPDATE ${P}options SET option_value = 'not an address' WHERE option_name = 'woocommerce_email_from_address'"
admin=$(sql "$DB" "SELECT option_value FROM ${P}options WHERE option_name = 'admin_email'")
apid3_start "$T/apid3-none.log" CARTMAN_SMTP_URL="smtp://127.0.0.1:$PLAIN_PORT" CARTMAN_SMTP_TLS=none
id=$(enqueue "kundin@example.com" "Lokales Relay" "x")
is "$(wait_sql "SELECT status FROM $OUTBOX WHERE id = $id" sent)" "sent" "smtp_tls none sends to a plain local relay"
is "$(jq -r .tls "$PLAIN_DIR"/000001.json)" "false" "in clear, as configured"
from=$("$PY" -c 'import email, email.policy, sys; print(email.message_from_binary_file(open(sys.argv[1], "rb"), policy=email.policy.default)["From"].addresses[0].display_name)' "$PLAIN_DIR"/000001.eml)
is "$from" "Tom & Jerry's \"Shop\"" "the From name is woocommerce_email_from_name with WordPress's entities decoded"
is "$(jq -r .mail_from "$PLAIN_DIR"/000001.json)" "$admin" "an invalid woocommerce_email_from_address falls back to admin_email"
apid3_stop

# ---- SIGTERM in the middle of a transfer: apid stops at once and puts the row back ----
SLOW_PORT=$((PB + 28))
catcher "$T/smtp-slow.pid" --port "$SLOW_PORT" --dir "$T/mail-slow" --delay 60
apid3_start "$T/apid3-slow.log" CARTMAN_SMTP_URL="smtp://127.0.0.1:$SLOW_PORT" CARTMAN_SMTP_TLS=none
id=$(enqueue "kundin@example.com" "Langsam" "x")
is "$(wait_sql "SELECT claim_token IS NOT NULL, attempts FROM $OUTBOX WHERE id = $id" "$(printf '1\t1')")" "$(printf '1\t1')" \
    "the row is claimed and its transfer under way"
sleep 1 # inside DATA: the server holds its answer for a minute
t0=$(date +%s%N)
apid3_stop; ok $? "apid stops on SIGTERM during a transfer"
ms=$((($(date +%s%N) - t0) / 1000000))
ok $([ "$ms" -lt 5000 ]; echo $?) "within 5 s (took $ms ms), without waiting for the server"
is "$(sql "$DB" "SELECT status, attempts, claim_token IS NULL, next_attempt_at <= UTC_TIMESTAMP() FROM $OUTBOX WHERE id = $id")" \
    "$(printf 'pending\t0\t1\t1')" "the row is put back: pending, due now, the cut-short attempt not counted"
grep -q "mail: #$id (test) put back for later: apid is stopping" "$T/apid3-slow.log"; ok $? "and the log says so"
sql "$DB" "UPDATE $OUTBOX SET status = 'failed' WHERE status = 'pending'"

# ---- a bad smtp_tls value stops apid at start ----
env CARTMAN_DB_NAME=$DB CARTMAN_LISTEN=127.0.0.1:$APID3_PORT CARTMAN_SMTP_URL="smtp://127.0.0.1:$PLAIN_PORT" \
    CARTMAN_SMTP_TLS=maybe timeout 20 "$BIN/apid" serve >"$T/apid3-badcfg.log" 2>&1
ok $([ $? = 1 ]; echo $?) "smtp_tls=maybe: apid refuses to start"
grep -q "smtp_tls must be auto, starttls or none" "$T/apid3-badcfg.log"; ok $? "and says why"

reports=$(cat "$T"/apid3-{ok,badpw,ca,plain,none,slow}.log | grep -E '^[0-9TZ:.-]+ error |runtime error:|AddressSanitizer|LeakSanitizer' | head -3)
is "$reports" "" "no error line or sanitizer report in these apid logs"

for p in "${catchers[@]}"; do kill -TERM "$p"; done
wait "${catchers[@]}" 2>/dev/null
server "DROP DATABASE $DB"
done_testing
