#!/usr/bin/env bash
# apid's authentication phase against the running daemons: real access tokens from authd accepted on
# /connection-test over HTTP/2 (both mounts), the 401/403/503 answers with their WWW-Authenticate
# headers, forged tokens (alg none, HS256 keyed with the public JWK, expired, not yet valid, a foreign
# key, another audience) made here with node's crypto, revocation at authd seen by apid within 5 s, a
# narrowed scope, and an apid started while its authd is unreachable.
source "$(dirname "$0")/lib.sh"
CA=(--cacert "$CARTMAN_TLS_CERT")
T=${CARTMAN_TEST_DIR:-/tmp}
DB=$CARTMAN_DB_NAME
P=$CARTMAN_DB_PREFIX
SRC=127.0.0.40

# get URL [curl args...] → STATUS; body in $T/api.body, headers in $T/api.hdr
get() {
    local url=$1; shift
    curl -sS "${CA[@]}" --http2 --interface "$SRC" -o "$T/api.body" -D "$T/api.hdr" -w '%{http_code} %{http_version}' "$@" "$url"
}
body() { cat "$T/api.body"; }
hdr() { grep -i "^$1:" "$T/api.hdr" | head -1 | cut -d' ' -f2- | tr -d '\r'; }
jq_() { jq -r "$1" <"$T/api.body" 2>/dev/null; }
token() { # token [curl args] → access token via client_credentials with $key
    curl -sS "${CA[@]}" --interface "$SRC" -u "cartman-mobile:$key" -d grant_type=client_credentials "$@" \
        "$AUTHD_URL/oauth/token" | jq -r .access_token
}

admin_id=$(sql "$DB" "SELECT ID FROM ${P}users WHERE user_login='admin'")
key=$("$BIN/authd" keys create-connection-key --label "api-auth test" 2>/dev/null)
like "$key" '^cmk_' "a fresh connection key"
at=$(token)
like "$at" '^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$' "an access token from authd"

# --- accepted -------------------------------------------------------------------------------------
CT=$APID_URL/cartman/v1/connection-test
# apid fetches authd's keys in the background: when both just started, wait until it has them
for _ in $(seq 1 50); do [ "$(get "$CT" -H "Authorization: Bearer $at")" != "503 2" ] && break; sleep 0.2; done
is "$(get "$CT" -H "Authorization: Bearer $at")" "200 2" "connection-test with a real token over HTTP/2"
is "$(jq_ .user.id)" "$admin_id" "user id"
is "$(jq_ .user.login)" "admin" "login"
is "$(jq_ .user.credential)" "oauth" "credential kind"
is "$(jq_ '.user.roles | index("administrator") != null')" "true" "roles"
is "$(jq_ '.user.scopes | length')" "7" "granted scopes"
is "$(jq_ .store.database.reachable)" "true" "database reachable"
is "$(jq_ .store.https)" "true" "over TLS"
like "$(jq_ .store.woocommerce_version)" '^[0-9]' "WooCommerce version"
like "$(jq_ .store.wordpress_db_version)" '^[0-9]+$' "WordPress db_version"
like "$(jq_ .store.currency)" '^[A-Z]{3}$' "currency"
hpos=$(jq_ .store.hpos)
if [ "$hpos" = true ]; then want='admin.php\?page=wc-orders$'; else want='edit.php\?post_type=shop_order$'; fi
like "$(jq_ .store.admin_urls.orders)" "$want" "orders shortcut follows HPOS ($hpos)"
like "$(hdr cache-control)" 'no-store' "no-store"
is "$(get "$APID_URL/wp-json/cartman/v1/connection-test" -H "Authorization: Bearer $at")" "200 2" "the same under /wp-json/cartman/v1"
is "$(get "$CT" -H "Authorization: bearer  $at")" "200 2" "scheme is case-insensitive"

# --- no or unsupported credentials ----------------------------------------------------------------
is "$(get "$CT")" "401 2" "no credentials: 401"
is "$(hdr www-authenticate)" 'Bearer realm="cartman"' "WWW-Authenticate names the realm"
is "$(jq_ .code) $(jq_ .data.status)" "cartman_not_logged_in 401" "WordPress-style error body"

# --- application passwords (Basic) ---------------------------------------------------------------
app=$(php tests/vectors/make-app-password.php "$admin_id" "api-auth $$" 2>"$T/api-app-pw.err")
like "$app" '^([A-Za-z0-9]{4} ){5}[A-Za-z0-9]{4}$' "WordPress made an application password"
sql "$DB" "INSERT INTO ${P}options (option_name, option_value, autoload) VALUES ('using_application_passwords', '1', 'yes') ON DUPLICATE KEY UPDATE option_value = '1'"
is "$(get "$CT" -u "admin:$app")" "200 2" "Basic with an application password"
is "$(jq_ .user.credential) $(jq_ .user.id) $(jq_ '.user.scopes | length')" "application_password $admin_id 7" "  ... the user, every scope"
is "$(get "$CT" -u "ADMIN:${app// /}")" "200 2" "  ... case-insensitive login, password without spaces"
is "$(get "$CT" -u "admin:$app")" "200 2" "  ... again (cached)"
flip() { local s=$1 c=${1: -1}; [ "$c" = x ] && echo "${s%?}y" || echo "${s%?}x"; } # another last character
is "$(get "$CT" -u "admin:$(flip "$app")")" "401 2" "a wrong application password: 401"
is "$(hdr www-authenticate) $(jq_ .code)" 'Basic realm="cartman", charset="UTF-8" cartman_invalid_credentials' "  ... with a Basic challenge"
mpass=$(jq -r '.users[] | select(.login=="admin") | .password' "$T/demo-users.json" 2>/dev/null)
is "$(get "$CT" -u "admin:$mpass")" "401 2" "the account password is refused"
is "$(get "$CT" -u "nobody-here:$app")" "401 2" "an unknown user: 401"
is "$(get "$CT" -H "Authorization: Basic !!!")" "401 2" "malformed Basic: 401"
sql "$DB" "UPDATE ${P}options SET option_value = '' WHERE option_name = 'using_application_passwords'"
is "$(get "$CT" -u "admin:${app// /-}")" "401 2" "application passwords off in WordPress: 401"

# --- connection keys (X-CartMan-Key) -------------------------------------------------------------
is "$(get "$CT" -H "X-CartMan-Key: $key" -H "X-CartMan-Timestamp: $(date +%s)")" "200 2" "a connection key with a current timestamp"
is "$(jq_ .user.credential) $(jq_ .user.id) $(jq_ '.user.scopes | length')" "connection_key $admin_id 7" "  ... the user, every scope"
is "$(get "$CT" -H "X-CartMan-Key: $key" -H "X-CartMan-Timestamp: $(date +%s)")" "200 2" "  ... again (cached)"
is "$(get "$CT" -H "X-CartMan-Key: $key")" "401 2" "no timestamp: 401"
is "$(jq_ .code)" "cartman_timestamp_required" "  ... cartman_timestamp_required"
is "$(get "$CT" -H "X-CartMan-Key: $key" -H "X-CartMan-Timestamp: $(( $(date +%s) - 400 ))")" "401 2" "a timestamp 400 s behind: 401"
is "$(jq_ .code)" "cartman_timestamp_skew" "  ... cartman_timestamp_skew"
like "$(jq_ .message)" 'seconds behind the server clock; at most 300' "  ... and the message says by how much"
is "$(get "$CT" -H "X-CartMan-Key: $key" -H "X-CartMan-Timestamp: $(( $(date +%s) + 400 ))")" "401 2" "a timestamp 400 s ahead: 401"
is "$(get "$CT" -H "X-CartMan-Key: $(flip "$key")" -H "X-CartMan-Timestamp: $(date +%s)")" "401 2" "a wrong key: 401"
is "$(jq_ .code)" "cartman_invalid_credentials" "  ... cartman_invalid_credentials"
is "$(get "$CT" -H "X-CartMan-Key: garbage" -H "X-CartMan-Timestamp: $(date +%s)")" "401 2" "a malformed key: 401"
key2=$("$BIN/authd" keys create-connection-key --label "api-auth revoked" 2>/dev/null)
kid2=${key2#cmk_}; kid2=${kid2%%_*}
"$BIN/authd" keys revoke-connection-key "$kid2" >/dev/null 2>&1
is "$(get "$CT" -H "X-CartMan-Key: $key2" -H "X-CartMan-Timestamp: $(date +%s)")" "401 2" "a revoked key: 401"

# --- forged and bad tokens ------------------------------------------------------------------------
cat >"$T/forge.mjs" <<'JS'
// forge.mjs KIND KEYFILE ISS AUD KID SUB SID JWK — prints one token
import { createPrivateKey, generateKeyPairSync, sign, createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
const [kind, keyfile, iss, aud, kid, sub, sid, jwk] = process.argv.slice(2);
const now = Math.floor(Date.now() / 1000);
const b = (o) => Buffer.from(typeof o === 'string' ? o : JSON.stringify(o)).toString('base64url');
const hdr = { alg: 'ES256', typ: 'at+jwt', kid };
const pl = { iss, sub, aud, exp: now + 900, iat: now, jti: 'forged', client_id: 'cartman-mobile',
             scope: 'orders:read', sid: Number(sid) };
let key = createPrivateKey(readFileSync(keyfile));
if (kind === 'expired') { pl.exp = now - 600; pl.iat = now - 1500; }
if (kind === 'nbf') pl.nbf = now + 600;
if (kind === 'aud') pl.aud = 'https://elsewhere.example';
if (kind === 'foreign') key = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
if (kind === 'typ') hdr.typ = 'JWT';
if (kind === 'none') {
  hdr.alg = 'none';
  console.log(`${b(hdr)}.${b(pl)}.`);
} else if (kind === 'hs256') {
  hdr.alg = 'HS256';
  const input = `${b(hdr)}.${b(pl)}`;
  console.log(`${input}.${createHmac('sha256', jwk).update(input).digest('base64url')}`);
} else {
  const input = `${b(hdr)}.${b(pl)}`;
  console.log(`${input}.${sign('sha256', Buffer.from(input), { key, dsaEncoding: 'ieee-p1363' }).toString('base64url')}`);
}
JS
jwks=$(curl -sS "${CA[@]}" "$AUTHD_URL/oauth/jwks.json")
kid=$(jq -r '.keys[0].kid' <<<"$jwks")
jwk=$(jq -c '.keys[0]' <<<"$jwks")
sid=$(php -r 'echo json_decode(base64_decode(strtr(explode(".", $argv[1])[1], "-_", "+/")))->sid;' "$at")
forge() { node "$T/forge.mjs" "$1" "$CARTMAN_SIGNING_KEY" "$AUTHD_URL" "$APID_URL" "$kid" "$admin_id" "$sid" "$jwk"; }
is "$(get "$CT" -H "Authorization: Bearer $(forge valid)")" "200 2" "control: a token forged with authd's own key verifies"
for kind in none hs256 expired nbf foreign aud typ; do
    is "$(get "$CT" -H "Authorization: Bearer $(forge $kind)")" "401 2" "forged token ($kind): 401"
    like "$(hdr www-authenticate)" '^Bearer realm="cartman", error="invalid_token", error_description="[^"]+"$' "  ... with error=\"invalid_token\""
    is "$(jq_ .code)" "cartman_invalid_token" "  ... and cartman_invalid_token"
done
is "$(get "$CT" -H "Authorization: Bearer ${at}x")" "401 2" "tampered signature: 401"
is "$(get "$CT" -H "Authorization: Bearer not-a-token")" "401 2" "garbage: 401"
is "$(get "$CT" -H "Authorization: Bearer $at.x")" "401 2" "four parts: 401"
! grep -qF "$at" "$T/apid.log"; ok $? "apid never logs a token"

# --- scope ----------------------------------------------------------------------------------------
narrow=$(token -d scope=products:read)
is "$(get "$CT" -H "Authorization: Bearer $narrow")" "200 2" "a narrowed token still passes connection-test (any scope)"
is "$(jq_ '.user.scopes | join(" ")')" "products:read" "  ... and shows its one scope"
st=$(get "$APID_URL/cartman/v1/orders" -H "Authorization: Bearer $narrow")
if [ "${st%% *}" = 404 ]; then
    ok 0 "# SKIP no orders:read route mounted yet for the 403 check"
else
    is "$st" "403 2" "products:read token on an orders:read route: 403"
    is "$(hdr www-authenticate)" 'Bearer realm="cartman", error="insufficient_scope", scope="orders:read"' "  ... insufficient_scope names the scope"
    is "$(jq_ .code)" "cartman_insufficient_scope" "  ... cartman_insufficient_scope"
fi

# --- revocation -----------------------------------------------------------------------------------
is "$(get "$CT" -H "Authorization: Bearer $at")" "200 2" "the token is accepted (and cached) before revocation"
st=$(curl -sS "${CA[@]}" --interface "$SRC" -o /dev/null -w '%{http_code}' -d client_id=cartman-mobile \
    --data-urlencode "token=$at" "$AUTHD_URL/oauth/revoke")
is "$st" "200" "revoked at authd"
start=$(date +%s%N); seen=""
while :; do
    st=$(get "$CT" -H "Authorization: Bearer $at")
    [ "${st%% *}" = 401 ] && { seen=$(( ($(date +%s%N) - start) / 1000000 )); break; }
    [ $(( ($(date +%s%N) - start) / 1000000 )) -gt 5000 ] && break
    sleep 0.1
done
ok "$([ -n "$seen" ] && echo 0 || echo 1)" "apid refuses the revoked token within 5 s (${seen:-never} ms)"
like "$(hdr www-authenticate)" 'error="invalid_token"' "  ... as invalid_token"

# --- rate limits ----------------------------------------------------------------------------------
sql "$DB" "REPLACE INTO ${P}cartman_settings (name, value, updated_at) VALUES ('rate_limit_api_credential', '3/0.01', UTC_TIMESTAMP())"
rl=$(token)
sleep 5.2 # apid re-reads the settings at most every 5 s
get "$CT" -H "Authorization: Bearer $rl" >/dev/null # this request reloads the limits
codes=""
for _ in 1 2 3 4; do st=$(get "$CT" -H "Authorization: Bearer $rl"); codes="$codes ${st%% *}"; done
like "$codes" ' 429$' "per-credential limit (3/0.01): 429 once the burst is spent ($codes)"
is "$(jq_ .code)" "cartman_rate_limited" "  ... cartman_rate_limited"
like "$(hdr retry-after) $(hdr ratelimit-limit) $(hdr ratelimit-remaining)" '^[0-9]+ 3 0$' "  ... with Retry-After and RateLimit-* headers"
is "$(get "$CT" -H "Authorization: Bearer $(token)")" "200 2" "  ... another grant from the same IP is not limited"
sql "$DB" "DELETE FROM ${P}cartman_settings WHERE name = 'rate_limit_api_credential'"
sleep 5.2 # back to the defaults before the next test script
is "$(get "$CT" -H "Authorization: Bearer $rl")" "200 2" "the default limit is back within 5 s of the setting's removal"

# --- apid started while authd is unreachable ------------------------------------------------------
P2=$((TEST_PORT_BASE + 353))
A2=https://127.0.0.1:$P2
CARTMAN_LISTEN=127.0.0.1:$P2 CARTMAN_LISTEN_H2C= CARTMAN_AUTHD_URL=https://127.0.0.1:$((TEST_PORT_BASE + 9)) \
    "$BIN/apid" serve >"$T/apid-noauthd.log" 2>&1 &
pid2=$!
for _ in $(seq 1 100); do curl -fsS "${CA[@]}" "$A2/healthz" >/dev/null 2>&1 && break; sleep 0.1; done
is "$(get "$A2/healthz")" "200 2" "apid with authd unreachable starts and answers /healthz"
is "$(get "$A2/cartman/v1/connection-test" -H "Authorization: Bearer $(token)")" "503 2" "bearer requests get 503 while no keys are known"
is "$(jq_ .code) $(hdr retry-after)" "cartman_auth_unavailable 5" "  ... cartman_auth_unavailable with Retry-After"
is "$(get "$A2/cartman/v1/connection-test")" "401 2" "  ... and no credentials is still 401"
kill -TERM "$pid2"
for _ in $(seq 1 100); do kill -0 "$pid2" 2>/dev/null || break; sleep 0.1; done
kill -0 "$pid2" 2>/dev/null && { kill -KILL "$pid2"; st=1; } || st=0
ok $st "that apid stops on SIGTERM"
reports=$(grep -E 'ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:|SUMMARY: ' "$T/apid-noauthd.log" | head -5)
is "$reports" "" "  ... without a sanitizer report"

done_testing
