#!/usr/bin/env bash
# HTTPS enforcement, trusted proxies, the IP allowlist, the lockout of apid's guessable credentials
# and 429 headers (DESIGN §10), against the running daemons and against three more started here:
#   apid A  TLS + h2c, dev mode off, trusts 127.0.0.145 for X-Forwarded-For/-Proto
#   apid B  h2c, dev mode off, trusts 127.0.0.146 for RFC 7239 Forwarded only
#   authd C TLS + h2c, dev mode off, trusts 127.0.0.145 for X-Forwarded-For/-Proto
# Clients are told apart by source address (curl --interface 127.0.0.14x). Every setting changed here
# is removed at the end (the other scripts share the test store) and the daemons re-read settings
# within 5 s, hence the sleeps.
source "$(dirname "$0")/lib.sh"
CA=(--cacert "$CARTMAN_TLS_CERT")
T=${CARTMAN_TEST_DIR:-/tmp}
DB=$CARTMAN_DB_NAME
P=$CARTMAN_DB_PREFIX
PB=$TEST_PORT_BASE
A_TLS=https://127.0.0.1:$((PB + 361)) A_H2C=http://127.0.0.1:$((PB + 362))
B_H2C=http://127.0.0.1:$((PB + 363))
C_TLS=https://127.0.0.1:$((PB + 461)) C_H2C=http://127.0.0.1:$((PB + 462))
SHARED_H2C=${APID_H2C_URL:-http://127.0.0.1:$((PB + 80))}
PROXY=127.0.0.145 PROXY7239=127.0.0.146 OUTSIDER=127.0.0.144

# req FROM URL [curl args...] → "STATUS"; body in $T/sec.body, headers in $T/sec.hdr. http:// URLs go
# over h2c with prior knowledge, https:// over HTTP/2 + TLS.
req() {
    local from=$1 url=$2; shift 2
    local mode=(--http2)
    [[ $url == http://* ]] && mode=(--http2-prior-knowledge)
    curl -sS "${CA[@]}" "${mode[@]}" --interface "$from" -o "$T/sec.body" -D "$T/sec.hdr" -w '%{http_code}' "$@" "$url"
}
hdr() { grep -i "^$1:" "$T/sec.hdr" | head -1 | cut -d' ' -f2- | tr -d '\r'; }
jq_() { jq -r "$1" <"$T/sec.body" 2>/dev/null; }
setting() { # setting NAME VALUE — or setting NAME to delete it
    if [ $# -ge 2 ]; then
        sql "$DB" "REPLACE INTO ${P}cartman_settings (name, value, updated_at) VALUES ('$1', '$2', UTC_TIMESTAMP())"
    else
        sql "$DB" "DELETE FROM ${P}cartman_settings WHERE name = '$1'"
    fi
}
reload() { sleep 5.3; } # every daemon has re-read the settings after this
now() { date +%s; }
audit_ips() { # audit_ips EVENT SINCE_ID → the ip column of newer rows, space-separated
    sql "$DB" "SELECT ip FROM ${P}cartman_audit_log WHERE event = '$1' AND id > $2 ORDER BY id" | tr '\n' ' ' | sed 's/ $//'
}
last_audit() { sql "$DB" "SELECT COALESCE(MAX(id), 0) FROM ${P}cartman_audit_log"; }

start() { # start NAME BINARY ENV... → waits until its /healthz answers over the first URL given in HEALTH
    local name=$1 bin=$2; shift 2
    env "$@" "$BIN/$bin" serve >"$T/sec-$name.log" 2>&1 &
    echo $! >"$T/sec-$name.pid"
}
wait_up() { for _ in $(seq 1 150); do curl -fsS "${CA[@]}" --http2-prior-knowledge "$1/healthz" >/dev/null 2>&1 && return 0; curl -fsS "${CA[@]}" "$1/healthz" >/dev/null 2>&1 && return 0; sleep 0.1; done; return 1; }
stop_all() {
    for n in A B C; do
        [ -s "$T/sec-$n.pid" ] || continue
        local pid; pid=$(cat "$T/sec-$n.pid")
        kill -TERM "$pid" 2>/dev/null
        for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        kill -0 "$pid" 2>/dev/null && kill -KILL "$pid"
        rm -f "$T/sec-$n.pid"
    done
}
restore() {
    for s in https_required ip_allowlist lockout_user_max lockout_ip_max rate_limit_api_ip; do setting $s; done
    sql "$DB" "DELETE FROM ${P}cartman_login_failures WHERE subject LIKE '127.0.0.14%' OR subject IN ('203.0.113.9', '2001:db8::5', '$manager_id', 'nobody-sec')"
    stop_all
}
trap restore EXIT
manager_id=$(sql "$DB" "SELECT ID FROM ${P}users WHERE user_login='manager'")

start A apid CARTMAN_LISTEN=127.0.0.1:$((PB + 361)) CARTMAN_LISTEN_H2C=127.0.0.1:$((PB + 362)) CARTMAN_DEV_MODE=false CARTMAN_WORKERS=8 \
    CARTMAN_TRUSTED_PROXIES=$PROXY/32 CARTMAN_PROXY_HEADER=x-forwarded
start B apid CARTMAN_LISTEN=127.0.0.1:$((PB + 364)) CARTMAN_LISTEN_H2C=127.0.0.1:$((PB + 363)) CARTMAN_DEV_MODE=false \
    CARTMAN_TRUSTED_PROXIES="$PROXY7239, 10.0.0.0/8" CARTMAN_PROXY_HEADER=forwarded
start C authd CARTMAN_LISTEN=127.0.0.1:$((PB + 461)) CARTMAN_LISTEN_H2C=127.0.0.1:$((PB + 462)) CARTMAN_DEV_MODE=false \
    CARTMAN_TRUSTED_PROXIES=$PROXY CARTMAN_PROXY_HEADER=x-forwarded
for u in "$A_TLS" "$B_H2C" "$C_TLS"; do wait_up "$u"; ok $? "a daemon with its own proxy settings answers $u/healthz"; done
# the first requests after a start (on every worker at once) wait for the settings instead of a 503
out=$(h2load -n 512 -c 32 -m 8 -t 1 "$A_TLS/cartman/v1/" 2>&1 | grep -E '^status codes:')
is "$out" "status codes: 512 2xx, 0 3xx, 0 4xx, 0 5xx" "512 requests on 32 connections at once to a fresh apid: all served"

key=$("$BIN/authd" keys create-connection-key --user manager --label "api-security" 2>/dev/null)
like "$key" '^cmk_' "a connection key for the shop manager"
kid=${key#cmk_}; kid=${kid%%_*}
flip() { local s=$1 c=${1: -1}; [ "$c" = x ] && echo "${s%?}y" || echo "${s%?}x"; }

# --- HTTPS enforcement ------------------------------------------------------------------------------
rows_before=$(sql "$DB" "SELECT (SELECT COUNT(*) FROM ${P}cartman_audit_log) + (SELECT COUNT(*) FROM ${P}cartman_login_failures)")
is "$(req $OUTSIDER "$A_H2C/cartman/v1/")" 403 "apid, cleartext (h2c), dev mode off: 403"
is "$(jq_ .code) $(jq_ .data.status)" "cartman_https_required 403" "  ... cartman_https_required in WordPress REST error form"
like "$(hdr cache-control)" no-store "  ... not cached"
is "$(req $OUTSIDER "$A_H2C/cartman/v1/connection-test" -H "X-CartMan-Key: $key" -H "X-CartMan-Timestamp: $(now)")" 403 \
    "  ... also with a valid credential, which is never looked at"
is "$(req $OUTSIDER "$A_H2C/healthz")" 200 "  ... but /healthz answers over cleartext (load balancers' probes)"
is "$(req $OUTSIDER "$A_TLS/cartman/v1/")" 200 "the same apid over TLS: 200"
is "$(req $OUTSIDER "$SHARED_H2C/cartman/v1/")" 200 "dev mode on, a loopback client over h2c: allowed"
is "$(req $OUTSIDER "$C_H2C/.well-known/oauth-authorization-server")" 403 "authd, cleartext, dev mode off: 403"
is "$(jq_ .code)" "cartman_https_required" "  ... cartman_https_required"
is "$(req $OUTSIDER "$C_H2C/login" -X POST -d log=admin -d pwd=x)" 403 "  ... for a sign-in form too (nothing is read or counted)"
is "$(req $OUTSIDER "$C_H2C/healthz")" 200 "  ... /healthz still answers"
is "$(req $OUTSIDER "$C_TLS/.well-known/oauth-authorization-server")" 200 "authd over TLS: 200"
is "$(sql "$DB" "SELECT (SELECT COUNT(*) FROM ${P}cartman_audit_log) + (SELECT COUNT(*) FROM ${P}cartman_login_failures)")" \
    "$rows_before" "refusals for cleartext wrote no audit or failure row"

# --- forwarded headers: ignored from an untrusted peer, honoured from a trusted one -----------------
is "$(req $OUTSIDER "$A_H2C/cartman/v1/" -H 'X-Forwarded-Proto: https')" 403 "X-Forwarded-Proto: https from an untrusted peer: still 403"
is "$(req $OUTSIDER "$B_H2C/cartman/v1/" -H 'Forwarded: for=203.0.113.9;proto=https')" 403 "Forwarded: proto=https from an untrusted peer: still 403"
is "$(req $PROXY "$A_H2C/cartman/v1/" -H 'X-Forwarded-Proto: https' -H 'X-Forwarded-For: 203.0.113.9')" 200 \
    "X-Forwarded-Proto: https from the trusted proxy over h2c: 200"
is "$(req $PROXY "$A_H2C/cartman/v1/connection-test" -H 'X-Forwarded-Proto: https' -H 'X-Forwarded-For: 203.0.113.9' \
    -H "X-CartMan-Key: $key" -H "X-CartMan-Timestamp: $(now)")" 200 "  ... a credential works through it"
is "$(jq_ .store.https)" true "  ... and connection-test reports the request as HTTPS"
is "$(req $PROXY "$A_H2C/cartman/v1/")" 403 "the trusted proxy without X-Forwarded-Proto, over h2c: 403"
is "$(req $PROXY "$A_TLS/cartman/v1/" -H 'X-Forwarded-Proto: http')" 403 "the trusted proxy says the client used http (even over TLS): 403"
is "$(req $PROXY "$A_H2C/cartman/v1/" -H 'X-Forwarded-Proto: https' -H 'X-Forwarded-Proto: http')" 403 \
    "  ... two X-Forwarded-Proto lines: the nearest proxy's (the last) counts"
is "$(req $PROXY "$A_H2C/cartman/v1/" -H 'Forwarded: for=203.0.113.9;proto=https')" 403 "apid A reads X-Forwarded-* only: Forwarded is ignored"
is "$(req $PROXY7239 "$B_H2C/cartman/v1/" -H 'Forwarded: for=203.0.113.9;proto=https')" 200 "apid B: Forwarded proto=https from its trusted proxy: 200"
is "$(req $PROXY7239 "$B_H2C/cartman/v1/" -H 'X-Forwarded-Proto: https')" 403 "apid B reads Forwarded only: X-Forwarded-Proto is ignored"
is "$(req $PROXY7239 "$B_H2C/cartman/v1/" -H 'Forwarded: for="_gazonk', -H 'Forwarded: for=203.0.113.9;proto=https')" 403 \
    "  ... a malformed Forwarded (a client's unterminated quote swallowing the proxy's part) is not believed"
is "$(req $PROXY7239 "$B_H2C/cartman/v1/" -H 'Forwarded: for=10.9.9.9;proto=http, for="[2001:db8::5]";proto=https')" 200 \
    "  ... the rightmost hop that is not a trusted proxy says how the client came"
is "$(req $PROXY "$C_H2C/.well-known/oauth-authorization-server" -H 'X-Forwarded-Proto: https')" 200 "authd behind its trusted proxy: 200"

# the client address a trusted proxy names is what the audit log (and the limits) see
since=$(last_audit)
req $OUTSIDER "$A_TLS/cartman/v1/connection-test" -H 'X-Forwarded-For: 198.51.100.66' \
    -H "X-CartMan-Key: $(flip "$key")" -H "X-CartMan-Timestamp: $(now)" >/dev/null
req $PROXY "$A_TLS/cartman/v1/connection-test" -H 'X-Forwarded-For: 198.51.100.66, 203.0.113.9' \
    -H "X-CartMan-Key: $(flip "$key")" -H "X-CartMan-Timestamp: $(now)" >/dev/null
req $PROXY7239 "$B_H2C/cartman/v1/connection-test" -H 'Forwarded: for=198.51.100.66, for="[2001:db8::5]";proto=https' \
    -H "X-CartMan-Key: $(flip "$key")" -H "X-CartMan-Timestamp: $(now)" >/dev/null
is "$(audit_ips api.auth "$since")" "$OUTSIDER 203.0.113.9 2001:db8::5" \
    "audit rows of refused keys: the peer when untrusted, else the rightmost untrusted hop (a spoofed left entry is ignored)"
is "$(sql "$DB" "SELECT COUNT(*) FROM ${P}cartman_login_failures WHERE subject_type = 'ip' AND subject IN ('$OUTSIDER', '203.0.113.9', '2001:db8::5')")" 3 \
    "  ... and the lockout counts the same addresses"
since=$(last_audit)
req $PROXY "$C_TLS/oauth/token" -H 'X-Forwarded-For: 203.0.113.9' -d grant_type=password -d client_id=cartman-mobile \
    -d username=nobody-sec -d password=wrong >/dev/null
is "$(audit_ips token.password "$since")" "203.0.113.9" "authd audits the client its trusted proxy names"
sql "$DB" "DELETE FROM ${P}cartman_login_failures WHERE subject IN ('$OUTSIDER', '203.0.113.9', '2001:db8::5', 'nobody-sec')"

# --- HTTPS enforcement switched off in the settings -----------------------------------------------
setting https_required 0
reload
is "$(req $OUTSIDER "$A_H2C/cartman/v1/")" 200 "https_required = 0: cleartext is served"
setting https_required
reload
is "$(req $OUTSIDER "$A_H2C/cartman/v1/")" 403 "the setting removed: HTTPS is required again (the default)"

# --- IP allowlist ---------------------------------------------------------------------------------
before=$(sql "$DB" "SELECT COUNT(*) FROM ${P}cartman_audit_log")
setting ip_allowlist "127.0.0.147/32, 2001:db8::/32"
reload
is "$(req $OUTSIDER "$APID_URL/cartman/v1/connection-test" -H "X-CartMan-Key: $key" -H "X-CartMan-Timestamp: $(now)")" 403 \
    "allowlist on: an address outside it gets 403"
is "$(jq_ .code) $(jq_ .data.status)" "cartman_ip_not_allowed 403" "  ... cartman_ip_not_allowed"
is "$(req $OUTSIDER "$APID_URL/cartman/v1/")" 403 "  ... for the index too"
is "$(req $OUTSIDER "$APID_URL/wp-json/cartman/v1/orders")" 403 "  ... and under /wp-json"
is "$(req $OUTSIDER "$APID_URL/healthz")" 200 "  ... /healthz is not behind the allowlist"
is "$(req 127.0.0.147 "$APID_URL/cartman/v1/connection-test" -H "X-CartMan-Key: $key" -H "X-CartMan-Timestamp: $(now)")" 200 \
    "an address inside it: 200"
is "$(req $PROXY "$A_TLS/cartman/v1/" -H 'X-Forwarded-For: 127.0.0.147')" 200 "behind the trusted proxy, the forwarded client is what is checked (inside)"
is "$(req $PROXY "$A_TLS/cartman/v1/" -H 'X-Forwarded-For: 203.0.113.9')" 403 "  ... (outside)"
is "$(req $PROXY "$A_TLS/cartman/v1/" -H 'X-Forwarded-For: unknown')" 403 "  ... a client the proxy does not name is refused"
is "$(req $PROXY7239 "$B_H2C/cartman/v1/" -H 'Forwarded: for="[2001:db8::5]";proto=https')" 200 "  ... IPv6 ranges work (Forwarded)"
is "$(req $OUTSIDER "$A_TLS/cartman/v1/" -H 'X-Forwarded-For: 127.0.0.147')" 403 "X-Forwarded-For from an untrusted peer does not get it in"
is "$(sql "$DB" "SELECT COUNT(*) FROM ${P}cartman_audit_log")" "$before" "refusals by the allowlist write nothing"
setting ip_allowlist "not-an-address"
reload
is "$(req 127.0.0.147 "$APID_URL/cartman/v1/")" 403 "an allowlist that does not parse refuses everyone (never fails open)"
setting ip_allowlist
reload
is "$(req $OUTSIDER "$APID_URL/cartman/v1/")" 200 "allowlist removed: every address again"

# --- lockout of application passwords and connection keys -----------------------------------------
setting lockout_user_max 3
reload
SRC=127.0.0.148
fails() { sql "$DB" "SELECT COALESCE(MAX(failures), 0) FROM ${P}cartman_login_failures WHERE subject_type = 'user' AND subject = '$manager_id'"; }
since=$(last_audit)
for i in 1 2; do
    is "$(req $SRC "$APID_URL/cartman/v1/connection-test" -H "X-CartMan-Key: $(flip "$key")" -H "X-CartMan-Timestamp: $(now)")" 401 "wrong key $i: 401"
done
is "$(fails)" 2 "two failures counted for the key's owner"
is "$(sql "$DB" "SELECT failures FROM ${P}cartman_login_failures WHERE subject_type = 'ip' AND subject = '$SRC'")" 2 "  ... and for the address"
key2=$("$BIN/authd" keys create-connection-key --user manager --label "api-security 2" 2>/dev/null)
is "$(req $SRC "$APID_URL/cartman/v1/connection-test" -H "X-CartMan-Key: $key2" -H "X-CartMan-Timestamp: $(now)")" 200 "the right key (checked afresh): 200"
is "$(fails) $(sql "$DB" "SELECT COUNT(*) FROM ${P}cartman_login_failures WHERE subject IN ('$SRC', '$manager_id')")" "0 0" \
    "  ... clears the user's and the address's counts"
for i in 1 2 3; do
    st=$(req $SRC "$APID_URL/cartman/v1/connection-test" -H "X-CartMan-Key: $(flip "$key")" -H "X-CartMan-Timestamp: $(now)")
done
is "$st" 401 "the third wrong key is still a 401"
is "$(sql "$DB" "SELECT locked_until > UTC_TIMESTAMP() FROM ${P}cartman_login_failures WHERE subject_type = 'user' AND subject = '$manager_id'")" 1 \
    "  ... and locks the user out (in the database, for every instance)"
is "$(sql "$DB" "SELECT CONCAT(result, ' ', user_id, ' ', ip, ' ', JSON_VALUE(detail, '$.credential')) FROM ${P}cartman_audit_log WHERE event = 'api.lockout' AND id > $since")" \
    "locked $manager_id $SRC connection_key" "an audit row records the lockout (who, from where, which credential)"
is "$(sql "$DB" "SELECT COUNT(*) FROM ${P}cartman_audit_log WHERE event = 'api.auth' AND result = 'denied' AND id > $since")" 5 \
    "  ... and one per refused key"
key3=$("$BIN/authd" keys create-connection-key --user manager --label "api-security 3" 2>/dev/null)
is "$(req 127.0.0.149 "$APID_URL/cartman/v1/connection-test" -H "X-CartMan-Key: $key3" -H "X-CartMan-Timestamp: $(now)")" 429 \
    "while locked, even a right key (not yet verified here) gets 429, from another address too"
is "$(jq_ .code)" "cartman_locked_out" "  ... cartman_locked_out"
like "$(hdr retry-after) $(hdr ratelimit-limit) $(hdr ratelimit-remaining) $(hdr ratelimit-reset)" '^[0-9]+ 3 0 [0-9]+$' \
    "  ... with Retry-After and RateLimit-*"
is "$(req $SRC "$APID_URL/cartman/v1/connection-test" -H "X-CartMan-Key: $key2" -H "X-CartMan-Timestamp: $(now)")" 200 \
    "a key verified before the lockout keeps working from the cache (no query on that path)"
failures_now=$(fails)
app_pw_opt=$(sql "$DB" "SELECT option_value FROM ${P}options WHERE option_name = 'using_application_passwords'")
sql "$DB" "INSERT INTO ${P}options (option_name, option_value, autoload) VALUES ('using_application_passwords', '1', 'yes') ON DUPLICATE KEY UPDATE option_value = '1'"
is "$(req $SRC "$C_TLS/oauth/token" -d grant_type=password -d client_id=cartman-mobile -d username=manager -d password=x)" 400 \
    "the lock is shared with authd: its password grant refuses the user"
like "$(hdr retry-after)" '^[0-9]+$' "  ... with Retry-After"
is "$(fails)" "$failures_now" "  ... and counts nothing more"
sql "$DB" "UPDATE ${P}options SET option_value = '$app_pw_opt' WHERE option_name = 'using_application_passwords'"
sql "$DB" "DELETE FROM ${P}cartman_login_failures WHERE subject IN ('$SRC', '$manager_id')"
since=$(last_audit)
is "$(req $SRC "$APID_URL/cartman/v1/connection-test" -u "nobody-sec:abcd abcd abcd abcd abcd abcd")" 401 "a wrong application password: 401"
is "$(sql "$DB" "SELECT failures FROM ${P}cartman_login_failures WHERE subject_type = 'user' AND subject = 'nobody-sec'")" 1 \
    "  ... counted for the login as typed"
is "$(sql "$DB" "SELECT JSON_VALUE(detail, '$.credential') FROM ${P}cartman_audit_log WHERE event = 'api.auth' AND id > $since")" \
    "application_password" "  ... and audited"
is "$(req $SRC "$APID_URL/cartman/v1/connection-test" -H "Authorization: Basic !!!!")" 401 "a malformed Basic credential: 401"
is "$(sql "$DB" "SELECT failures FROM ${P}cartman_login_failures WHERE subject_type = 'ip' AND subject = '$SRC'")" 1 \
    "  ... is not counted (it cannot be a guess)"
setting lockout_user_max

# --- 429 from the rate limit ------------------------------------------------------------------------
setting rate_limit_api_ip "2/0.01"
reload
codes=""
for _ in 1 2 3; do codes="$codes $(req 127.0.0.149 "$APID_URL/cartman/v1/")"; done
is "$codes" " 200 200 429" "per-IP limit 2/0.01: the third request is refused"
is "$(jq_ .code)" "cartman_rate_limited" "  ... cartman_rate_limited"
like "$(hdr retry-after)" '^[1-9][0-9]*$' "  ... Retry-After in seconds"
is "$(hdr ratelimit-limit) $(hdr ratelimit-remaining)" "2 0" "  ... RateLimit-Limit and RateLimit-Remaining"
like "$(hdr ratelimit-reset)" '^[1-9][0-9]*$' "  ... RateLimit-Reset"
setting rate_limit_api_ip

trap - EXIT
restore
reload
is "$(req 127.0.0.149 "$APID_URL/cartman/v1/")" 200 "settings restored: the default limits are back"
is "$(sql "$DB" "SELECT COUNT(*) FROM ${P}cartman_settings WHERE name IN ('https_required', 'ip_allowlist', 'lockout_user_max', 'rate_limit_api_ip')")" 0 \
    "no setting of this script is left behind"
reports=$(grep -E 'ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:|SUMMARY: | error ' "$T"/sec-*.log | head -5)
is "$reports" "" "the daemons started here stopped without a sanitizer report or an error line"
done_testing
