#!/usr/bin/env bash
# authd's discovery surface: RFC 8414 metadata, the JWKS, /oauth/discover (built-in and registered
# clients, look-alike redirect URIs, repeated parameters), `authd clients …`, tokens verified by an
# independent JOSE library (node's jose) against the live JWKS, and `authd keys rotate` picked up by a
# running authd within 6 s. The rotation runs on a second authd with a copy of the key, so the main
# daemons keep a stable key.
source "$(dirname "$0")/lib.sh"
CA=(--cacert "$CARTMAN_TLS_CERT")
T=$CARTMAN_TEST_DIR
NODE_DIR=$(cd "$(dirname "$0")/../node" && pwd)
export NODE_EXTRA_CA_CERTS=$CARTMAN_TLS_CERT

# j JSON PHP_PATH — prints the value at $j PHP_PATH (e.g. '["keys"][0]["kid"]') as JSON
j() { php -r '$j = json_decode($argv[1], true); echo json_encode(eval("return \$j" . $argv[2] . ";"), JSON_UNESCAPED_SLASHES);' "$1" "$2"; }
# get URL — body, then a line "status content-type", then the Cache-Control header
get() {
    local h; h=$(mktemp)
    curl -sS "${CA[@]}" --http2 -D "$h" -w '\n%{http_code} %{content_type}' "$1"
    echo; grep -i '^cache-control:' "$h" | tr -d '\r' | cut -d' ' -f2-; rm -f "$h"
}
urlenc() { php -r 'echo rawurlencode($argv[1]);' "$1"; }

# --- metadata ------------------------------------------------------------------------------------
out=$(get "$AUTHD_URL/.well-known/oauth-authorization-server")
body=$(head -1 <<<"$out")
is "$(sed -n 2p <<<"$out")" "200 application/json" "metadata: 200 application/json"
is "$(sed -n 3p <<<"$out")" "public, max-age=300" "metadata: cacheable for 300 s"
is "$(j "$body" '["issuer"]')" "\"$AUTHD_URL\"" "metadata: issuer is AUTHD_URL"
for pair in authorization_endpoint=/oauth/authorize token_endpoint=/oauth/token revocation_endpoint=/oauth/revoke \
    introspection_endpoint=/oauth/introspect jwks_uri=/oauth/jwks.json; do
    is "$(j "$body" "[\"${pair%%=*}\"]")" "\"$AUTHD_URL${pair#*=}\"" "metadata: ${pair%%=*}"
done
is "$(j "$body" '["response_types_supported"]')" '["code"]' "metadata: response_types_supported"
is "$(j "$body" '["grant_types_supported"]')" '["authorization_code","refresh_token","client_credentials","password"]' \
    "metadata: grant_types_supported"
is "$(j "$body" '["code_challenge_methods_supported"]')" '["S256"]' "metadata: S256 only"
is "$(j "$body" '["token_endpoint_auth_methods_supported"]')" '["none","client_secret_basic","client_secret_post"]' \
    "metadata: token endpoint auth methods"
is "$(j "$body" '["scopes_supported"]')" \
    '["orders:read","orders:write","products:read","products:write","reports:read","tickets:read","tickets:write"]' \
    "metadata: scopes"
is "$(j "$body" '["authorization_response_iss_parameter_supported"]')" 'true' "metadata: RFC 9207 iss parameter"
like "$(j "$body" '["revocation_endpoint_auth_methods_supported"]')" 'client_secret_basic' "metadata: revocation auth methods"
like "$(j "$body" '["introspection_endpoint_auth_methods_supported"]')" 'client_secret_basic' "metadata: introspection auth methods"

# --- JWKS ----------------------------------------------------------------------------------------
out=$(get "$AUTHD_URL/oauth/jwks.json")
jwks=$(head -1 <<<"$out")
is "$(sed -n 2p <<<"$out")" "200 application/jwk-set+json" "jwks: 200 application/jwk-set+json"
is "$(sed -n 3p <<<"$out")" "public, max-age=300" "jwks: cacheable for 300 s"
is "$(j "$jwks" '["keys"] ? count($j["keys"]) : 0')" "1" "jwks: one key"
is "$(j "$jwks" '["keys"][0]["kty"] . " " . $j["keys"][0]["crv"] . " " . $j["keys"][0]["use"] . " " . $j["keys"][0]["alg"]')" \
    '"EC P-256 sig ES256"' "jwks: kty, crv, use, alg"
like "$(j "$jwks" '["keys"][0]["kid"]')" '^"[A-Za-z0-9_-]{43}"$' "jwks: a kid (base64url SHA-256)"
is "$(j "$jwks" '["keys"][0]["d"] ?? null')" 'null' "jwks: no private part"

# tokens minted with the daemons' key verify against the live JWKS with jose (typ at+jwt, iss, aud)
[ -d "$NODE_DIR/node_modules/jose" ]; ok $? "tests/node has its node_modules (npm ci)"
tok=$("$BIN/tools/mint_token" "$CARTMAN_SIGNING_KEY" "$AUTHD_URL" "$APID_URL" 42)
expired=$("$BIN/tools/mint_token" "$CARTMAN_SIGNING_KEY" "$AUTHD_URL" "$APID_URL" 42 -120)
foreign_aud=$("$BIN/tools/mint_token" "$CARTMAN_SIGNING_KEY" "$AUTHD_URL" "https://elsewhere.example" 42)
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$T/foreign.pem" 2>/dev/null
foreign_key=$("$BIN/tools/mint_token" "$T/foreign.pem" "$AUTHD_URL" "$APID_URL" 42)
# flip one character in the middle of the signature (the last one carries only 2 bits and may not change)
sig=${tok##*.}
mid=$(( ${#sig} / 2 ))
c=${sig:$mid:1}
[ "$c" = A ] && r=B || r=A
tampered="${tok%.*}.${sig:0:$mid}$r${sig:$((mid + 1))}"
v=$(cd "$NODE_DIR" && node verify_token.mjs "$AUTHD_URL/oauth/jwks.json" "$AUTHD_URL" "$APID_URL" \
    "$tok" "$tampered" "$expired" "$foreign_aud" "$foreign_key" 2>&1)
is "$(sed -n 1p <<<"$v" | php -r '$j = json_decode(stream_get_contents(STDIN), true); echo ($j["ok"] ?? false) ? "ok" : json_encode($j);')" \
    "ok" "jose verifies a token against the live JWKS (ES256, typ at+jwt, iss, aud, exp)"
is "$(j "$(sed -n 1p <<<"$v")" '["kid"]')" "$(j "$jwks" '["keys"][0]["kid"]')" "the token's kid is the JWKS key's"
is "$(j "$(sed -n 1p <<<"$v")" '["payload"]["sub"] . "|" . $j["payload"]["client_id"] . "|" . ($j["payload"]["nbf"] === $j["payload"]["iat"] ? "nbf=iat" : "")')" \
    '"42|cartman-mobile|nbf=iat"' "claims: sub as a string, client_id, nbf = iat"
like "$(sed -n 2p <<<"$v")" 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED' "jose refuses a tampered signature"
like "$(sed -n 3p <<<"$v")" 'ERR_JWT_EXPIRED' "jose refuses an expired token"
like "$(sed -n 4p <<<"$v")" 'ERR_JWT_CLAIM_VALIDATION_FAILED' "jose refuses a token for another audience"
like "$(sed -n 5p <<<"$v")" 'ERR_JWKS_NO_MATCHING_KEY' "jose refuses a token signed by a key not in the JWKS"
like "$(sed -n 6p <<<"$v")" '"thumbprints_match":true' "every JWKS kid equals jose's RFC 7638 thumbprint"

# --- /oauth/discover -----------------------------------------------------------------------------
store_name=$(sql "$CARTMAN_DB_NAME" "SELECT option_value FROM ${CARTMAN_DB_PREFIX}options WHERE option_name='blogname'")
disc() { get "$AUTHD_URL/oauth/discover?$1"; }
for uri in 'cartman://oauth/callback' 'http://127.0.0.1:53123/callback' 'http://[::1]:53123/callback' \
    'http://127.0.0.1/callback' 'exp://192.168.1.20:8081/--/oauth/callback'; do
    out=$(disc "client_id=cartman-mobile&redirect_uri=$(urlenc "$uri")")
    is "$(sed -n 2p <<<"$out")" "200 application/json; charset=UTF-8" "discover accepts $uri"
    is "$(j "$(head -1 <<<"$out")" '["ok"]')" "true" "discover $uri: ok true"
done
body=$(head -1 <<<"$out")
is "$(sed -n 3p <<<"$out")" "no-store" "discover answers are not cached"
is "$(j "$body" '["store_name"]')" "$(php -r 'echo json_encode($argv[1], JSON_UNESCAPED_SLASHES);' "$store_name")" "discover: store_name from the database"
is "$(j "$body" '["issuer"]')" "\"$AUTHD_URL\"" "discover: issuer"
is "$(j "$body" '["api_url"]')" "\"$APID_URL/cartman/v1\"" "discover: api_url"
like "$(j "$body" '["store_url"]')" '^"https?://' "discover: store_url"

not_registered='{"error":"invalid_request","error_description":"The redirect_uri is not registered for this client."}'
for uri in 'http://localhost:53123/callback' 'http://127.0.0.2:53123/callback' 'http://127.0.0.1.evil.com/callback' \
    'http://127.0.0.1:80@evil.com/callback' 'http://evil.com@127.0.0.1:53123/callback' 'https://127.0.0.1:53123/callback' \
    'HTTP://127.0.0.1:53123/callback' 'http://127.0.0.1:53123/callback/' 'http://127.0.0.1:53123/callback?x=1' \
    'http://127.0.0.1:53123/callback#f' 'http://127.0.0.1:53123/Callback' 'http://127.0.0.1:53123/%63allback' \
    'http://127.0.0.1:053123/callback' 'http://127.0.0.1:65536/callback' 'http://127.0.0.1:53123\callback' \
    'cartman://oauth/callback/' 'CARTMAN://oauth/callback' 'cartman://oauth/callback?x' 'cartman://oauth/callback ' \
    'https://evil.example/callback'; do
    out=$(disc "client_id=cartman-mobile&redirect_uri=$(urlenc "$uri")")
    is "$(head -2 <<<"$out" | tr '\n' ' ')" "$not_registered 400 application/json; charset=UTF-8 " "discover refuses $uri"
done
out=$(disc "client_id=cartman-mobile&redirect_uri=cartman%3A%2F%2Foauth%2Fcallback%00")
is "$(head -2 <<<"$out" | tr '\n' ' ')" '{"error":"invalid_request","error_description":"The query string is malformed."} 400 application/json; charset=UTF-8 ' \
    "discover refuses an encoded NUL"
out=$(disc "client_id=no-such-client&redirect_uri=cartman%3A%2F%2Foauth%2Fcallback")
is "$(head -2 <<<"$out" | tr '\n' ' ')" '{"error":"invalid_client","error_description":"Unknown client_id."} 400 application/json; charset=UTF-8 ' \
    "discover refuses an unknown client"
out=$(disc "client_id=CARTMAN-MOBILE&redirect_uri=cartman%3A%2F%2Foauth%2Fcallback")
is "$(head -1 <<<"$out")" '{"error":"invalid_client","error_description":"Unknown client_id."}' "client ids are case-sensitive"
for q in "redirect_uri=cartman%3A%2F%2Foauth%2Fcallback|client_id parameter is required" \
    "client_id=cartman-mobile|redirect_uri parameter is required" \
    "client_id=cartman-mobile&client_id=cartman-mobile&redirect_uri=cartman%3A%2F%2Foauth%2Fcallback|client_id parameter is repeated" \
    "client_id=cartman-mobile&redirect_uri=cartman%3A%2F%2Foauth%2Fcallback&redirect_uri=cartman%3A%2F%2Foauth%2Fcallback|redirect_uri parameter is repeated" \
    "client_id=&redirect_uri=cartman%3A%2F%2Foauth%2Fcallback|invalid_client"; do
    out=$(disc "${q%%|*}")
    want=${q#*|}
    if [ "$want" = invalid_client ]; then exp='{"error":"invalid_client","error_description":"Unknown client_id."}'
    else exp="{\"error\":\"invalid_request\",\"error_description\":\"The $want.\"}"; fi
    is "$(head -2 <<<"$out" | tr '\n' ' ')" "$exp 400 application/json; charset=UTF-8 " "discover: ${q%%|*}"
done

# --- registered clients (authd clients …) --------------------------------------------------------
created=$("$BIN/authd" clients create --name "Test app" --redirect-uri https://app.example.test/oauth/cb 2>"$T/clients.err")
is "$?" "0" "clients create (public)"
cid=$(j "$created" '["client_id"]' | tr -d '"')
like "$cid" '^cm-[A-Za-z0-9_-]{16}$' "a generated client_id"
is "$(j "$created" '["client_secret"] ?? null')" "null" "a public client has no secret"
out=$(disc "client_id=$cid&redirect_uri=$(urlenc https://app.example.test/oauth/cb)")
is "$(j "$(head -1 <<<"$out")" '["ok"]')" "true" "discover accepts the registered client's exact redirect URI"
for uri in https://app.example.test/oauth/cb/ https://app.example.test:443/oauth/cb https://APP.example.test/oauth/cb \
    https://app.example.test/oauth/cb?x=1 http://127.0.0.1:53123/callback 'exp://192.168.1.20:8081/--/oauth/callback'; do
    out=$(disc "client_id=$cid&redirect_uri=$(urlenc "$uri")")
    is "$(head -1 <<<"$out")" "$not_registered" "registered client: $uri refused"
done
conf=$("$BIN/authd" clients create --name "Backend" --confidential 2>>"$T/clients.err")
ccid=$(j "$conf" '["client_id"]' | tr -d '"')
secret=$(j "$conf" '["client_secret"]' | tr -d '"')
like "$secret" '^[A-Za-z0-9_-]{43}$' "a confidential client's secret is printed once (256 bits)"
stored=$(sql "$CARTMAN_DB_NAME" "SELECT secret_hash FROM ${CARTMAN_DB_PREFIX}cartman_clients WHERE client_id='$ccid'")
is "$stored" "sha256:$(printf '%s' "$secret" | sha256sum | cut -d' ' -f1)" "only the secret's SHA-256 is stored"
like "$("$BIN/authd" clients list 2>/dev/null)" "$ccid	confidential	Backend" "clients list shows it"
"$BIN/authd" clients create --name "Bad" --redirect-uri 'https://x.example/cb#frag' >/dev/null 2>&1
is "$?" "2" "clients create refuses a redirect URI with a fragment"
"$BIN/authd" clients delete "$cid" >/dev/null 2>&1; is "$?" "0" "clients delete"
out=$(disc "client_id=$cid&redirect_uri=$(urlenc https://app.example.test/oauth/cb)")
is "$(head -1 <<<"$out")" '{"error":"invalid_client","error_description":"Unknown client_id."}' "a deleted client is unknown"
"$BIN/authd" clients delete "$ccid" >/dev/null 2>&1
"$BIN/authd" clients delete cartman-mobile >/dev/null 2>&1; is "$?" "1" "the built-in client cannot be deleted"

# --- keys rotate, picked up by a running authd ---------------------------------------------------
R=$T/rotation
mkdir -p "$R"; chmod 700 "$R"
cp "$CARTMAN_SIGNING_KEY" "$R/signing.pem"
ROT_PORT=$((TEST_PORT_BASE + 453))
ROT_URL=https://127.0.0.1:$ROT_PORT
CARTMAN_SIGNING_KEY=$R/signing.pem CARTMAN_LISTEN=127.0.0.1:$ROT_PORT CARTMAN_AUTHD_URL=$ROT_URL \
    "$BIN/authd" serve >"$T/authd-rotation.log" 2>&1 &
rpid=$!
for _ in $(seq 1 100); do curl -fsS "${CA[@]}" "$ROT_URL/healthz" >/dev/null 2>&1 && break; sleep 0.1; done
old_kid=$(j "$(curl -sS "${CA[@]}" "$ROT_URL/oauth/jwks.json")" '["keys"][0]["kid"]' | tr -d '"')
old_tok=$("$BIN/tools/mint_token" "$R/signing.pem" "$ROT_URL" "$APID_URL" 7)
new_kid=$(CARTMAN_SIGNING_KEY=$R/signing.pem "$BIN/authd" keys rotate 2>"$T/rotate.err")
is "$?" "0" "authd keys rotate"
like "$new_kid" '^[A-Za-z0-9_-]{43}$' "rotate prints the new kid"
[ "$new_kid" != "$old_kid" ]; ok $? "the new kid differs from the old one"
[ -f "$R/signing.pem.d/$old_kid.pem" ] && [ -f "$R/signing.pem.d/$old_kid.retired" ]; ok $? "the previous key moved to <key>.d/ with its retired-at time"
is "$(stat -c %a "$R/signing.pem")" "600" "the new key file is private (0600)"
kids=""
start=$(date +%s.%N)
for _ in $(seq 1 60); do
    kids=$(j "$(curl -sS "${CA[@]}" "$ROT_URL/oauth/jwks.json")" '["keys"] ? implode(",", array_column($j["keys"], "kid")) : ""' | tr -d '"')
    [ "$kids" = "$new_kid,$old_kid" ] && break
    sleep 0.1
done
is "$kids" "$new_kid,$old_kid" "within 6 s the running authd's JWKS lists the new key first and the previous one"
diag "picked up after $(php -r "printf('%.1f', microtime(true) - $start);") s"
new_tok=$("$BIN/tools/mint_token" "$R/signing.pem" "$ROT_URL" "$APID_URL" 7)
v=$(cd "$NODE_DIR" && node verify_token.mjs "$ROT_URL/oauth/jwks.json" "$ROT_URL" "$APID_URL" "$new_tok" "$old_tok" 2>&1)
is "$(j "$(sed -n 1p <<<"$v")" '["ok"] ? $j["kid"] : $j["code"]')" "\"$new_kid\"" "new tokens carry the new kid and verify"
is "$(j "$(sed -n 2p <<<"$v")" '["ok"] ? $j["kid"] : $j["code"]')" "\"$old_kid\"" "tokens of the previous key still verify"
like "$(sed -n 3p <<<"$v")" '"thumbprints_match":true' "both kids are RFC 7638 thumbprints"
kill -TERM "$rpid"
for _ in $(seq 1 100); do kill -0 "$rpid" 2>/dev/null || break; sleep 0.1; done
kill -0 "$rpid" 2>/dev/null && { kill -KILL "$rpid"; st=1; } || st=0
ok $st "the rotation authd stops on SIGTERM"
is "$(grep -E 'ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:|SUMMARY: |^[0-9TZ:.-]+ error ' "$T/authd-rotation.log" | head -3)" "" \
    "the rotation authd's log has no sanitizer report or error line"
like "$(grep 'signing keys reloaded' "$T/authd-rotation.log")" "current kid $new_kid, 2 published" "it logged the reload"
done_testing
