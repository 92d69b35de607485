#!/usr/bin/env bash
# POST /oauth/token, /oauth/revoke, /oauth/introspect against the running authd: every grant (connection
# key, WordPress application password made by WordPress itself, refresh), rotation, reuse → grant revoked,
# the grace window, revocation, introspection, lockout, rate limits, connection-key expiry and revocation,
# a key hashed by PHP's password_hash(), and every error code with its status.
source "$(dirname "$0")/lib.sh"
CA=(--cacert "$CARTMAN_TLS_CERT")
P=$CARTMAN_DB_PREFIX
T=${CARTMAN_TEST_DIR:-/tmp}
DB=$CARTMAN_DB_NAME
TOKEN_URL=$AUTHD_URL/oauth/token

# post URL [curl args...] → prints "STATUS" and leaves the body in $T/tok.body, headers in $T/tok.hdr
# Sections send from different loopback addresses (SRC) so that the per-IP rate limit (burst 60, 5/s)
# is only met where the test means it.
SRC=127.0.0.1
post() {
    local url=$1; shift
    curl -sS "${CA[@]}" --http2 --interface "$SRC" -o "$T/tok.body" -D "$T/tok.hdr" -w '%{http_code}' "$@" "$url"
}
body() { cat "$T/tok.body"; }
hdr() { grep -i "^$1:" "$T/tok.hdr" | head -1 | cut -d' ' -f2- | tr -d '\r'; }
# j FIELD [JSON]: a top-level field of the last body (or of JSON); booleans as true/false
j() {
    local src=${2-$(body)}
    jq -r --arg k "$1" 'if type == "object" then (.[$k] | if . == null then "" else tostring end) else "" end' <<<"$src" 2>/dev/null
}
claims() { # the JWT payload of $1 as JSON
    php -r '$p = explode(".", $argv[1])[1] ?? ""; echo base64_decode(strtr($p, "-_", "+/"));' "$1"
}
err_is() { # err_is STATUS WANT_STATUS ERROR NAME
    is "$1 $(j error)" "$2 $3" "$4"
}

admin_id=$(sql "$DB" "SELECT ID FROM ${P}users WHERE user_login='admin'")
manager_id=$(sql "$DB" "SELECT ID FROM ${P}users WHERE user_login='manager'")
ALL="orders:read orders:write products:read products:write reports:read tickets:read tickets:write"

# --- connection keys: the command line ------------------------------------------------------------
key=$("$BIN/authd" keys create-connection-key --label "phone" 2>"$T/ck.err")
is "$?" "0" "create-connection-key"
like "$key" '^cmk_[0-9]+_[A-Za-z0-9_-]{43}$' "a key is cmk_<id>_<256 bits base64url>"
kid=$(sed -E 's/^cmk_([0-9]+)_.*/\1/' <<<"$key")
stored=$(sql "$DB" "SELECT key_hash, key_hint, user_id FROM ${P}cartman_connection_keys WHERE id=$kid")
like "$stored" '^\$2y\$10\$.{53}	.{4}	'"$admin_id"'$' "stored as bcrypt \$2y\$ cost 10 with a 4-character hint, for the first administrator"
secret=${key#cmk_*_} # everything after cmk_<id>_ (the secret itself may contain "_")
ok "$(grep -c -- "$secret" <<<"$stored" >/dev/null; echo $((1 - $?)))" "the secret part is not stored"
is "$(php -r 'echo password_verify($argv[1], $argv[2]) ? "yes" : "no";' "$key" "$(cut -f1 <<<"$stored")")" "yes" \
    "PHP's password_verify() accepts the stored hash"
list=$("$BIN/authd" keys list-connection-keys 2>/dev/null)
like "$list" "$kid	…${key: -4}	phone	admin	" "list-connection-keys shows id, hint, label, user"
"$BIN/authd" keys create-connection-key --user subscriber >/dev/null 2>&1
is "$?" "1" "no key for a user without manage_woocommerce"
mkey=$("$BIN/authd" keys create-connection-key --user manager --label m --expires-days 30 2>/dev/null)
like "$mkey" '^cmk_' "a key for the shop manager, expiring in 30 days"
mkid=$(sed -E 's/^cmk_([0-9]+)_.*/\1/' <<<"$mkey")
is "$(sql "$DB" "SELECT DATEDIFF(expires_at, created_at) FROM ${P}cartman_connection_keys WHERE id=$mkid")" "30" "expires_at = created + 30 days"

# --- grant_type=client_credentials ----------------------------------------------------------------
st=$(post "$TOKEN_URL" -u "cartman-mobile:$key" -d grant_type=client_credentials)
is "$st" "200" "client_credentials with a connection key (HTTP Basic)"
is "$(j token_type) $(j expires_in)" "Bearer 900" "token_type Bearer, expires_in 900"
is "$(j scope)" "$ALL" "default scope: everything a shop manager may do"
is "$(hdr cache-control) $(hdr pragma)" "no-store no-cache" "Cache-Control: no-store, Pragma: no-cache"
like "$(j refresh_token)" '^[A-Za-z0-9_-]{43}$' "a 256-bit refresh token"
at=$(j access_token)
c=$(claims "$at")
is "$(j sub "$c") $(j client_id "$c") $(j aud "$c") $(j iss "$c")" "$admin_id cartman-mobile $APID_URL $AUTHD_URL" \
    "access token claims: sub, client_id, aud, iss"
sid=$(j sid "$c")
is "$(sql "$DB" "SELECT user_id, client_id, grant_type FROM ${P}cartman_grants WHERE id=$sid")" \
    "$admin_id	cartman-mobile	client_credentials" "sid names the grant row"
is "$(( $(j exp "$c") - $(j iat "$c") ))" "900" "exp = iat + 900"
like "$(sql "$DB" "SELECT last_used_at IS NOT NULL, last_ip FROM ${P}cartman_connection_keys WHERE id=$kid")" '^1	127\.0\.0\.1$' \
    "the key's last use is recorded"
st=$(post "$TOKEN_URL" -d grant_type=client_credentials -d client_id=cartman-mobile --data-urlencode "client_secret=$mkey" \
    -d "scope=orders:read  reports:read")
is "$st $(j scope)" "200 orders:read reports:read" "client_secret_post, narrowed scope (normalised)"
is "$(j sub "$(claims "$(j access_token)")")" "$manager_id" "sub is the key's user"
mrt=$(j refresh_token)

st=$(post "$TOKEN_URL" -u "cartman-mobile:${key%?}x" -d grant_type=client_credentials)
err_is "$st" 401 invalid_client "a wrong key is 401 invalid_client"
like "$(hdr www-authenticate)" '^Basic realm=' "… with WWW-Authenticate: Basic after Basic"
st=$(post "$TOKEN_URL" -d grant_type=client_credentials -d client_id=cartman-mobile -d client_secret=not-a-key)
err_is "$st" 401 invalid_client "a malformed key is 401 invalid_client"
is "$(hdr www-authenticate)" "" "… without WWW-Authenticate when the client did not use Basic"
st=$(post "$TOKEN_URL" -d grant_type=client_credentials -d client_id=cartman-mobile)
err_is "$st" 401 invalid_client "no secret is 401 invalid_client"
st=$(post "$TOKEN_URL" -u "nobody:$key" -d grant_type=client_credentials)
err_is "$st" 401 invalid_client "an unknown client_id is 401 invalid_client"
st=$(post "$TOKEN_URL" -u "cartman-mobile:$key" -d grant_type=client_credentials -d scope=orders:delete)
err_is "$st" 400 invalid_scope "an unknown scope is 400 invalid_scope"

# a key made by PHP's password_hash(), as the PHP plugin stores them
pid=$(sql "$DB" "INSERT INTO ${P}cartman_connection_keys (key_hash, key_hint, label, user_id, created_at) VALUES ('!', '', 'php', $admin_id, UTC_TIMESTAMP()); SELECT LAST_INSERT_ID()")
pkey="cmk_${pid}_$(php -r 'echo rtrim(strtr(base64_encode(random_bytes(32)), "+/", "-_"), "=");')"
phash=$(php -r 'echo password_hash($argv[1], PASSWORD_BCRYPT);' "$pkey")
sql "$DB" "UPDATE ${P}cartman_connection_keys SET key_hash='$phash' WHERE id=$pid"
st=$(post "$TOKEN_URL" -u "cartman-mobile:$pkey" -d grant_type=client_credentials)
is "$st" "200" "a key hashed by PHP's password_hash() verifies"

# expiry and revocation
sql "$DB" "UPDATE ${P}cartman_connection_keys SET expires_at = UTC_TIMESTAMP() - INTERVAL 1 SECOND WHERE id=$mkid"
st=$(post "$TOKEN_URL" -u "cartman-mobile:$mkey" -d grant_type=client_credentials)
err_is "$st" 401 invalid_client "an expired key is refused"
"$BIN/authd" keys revoke-connection-key "$pid" >/dev/null 2>&1
is "$?" "0" "revoke-connection-key"
st=$(post "$TOKEN_URL" -u "cartman-mobile:$pkey" -d grant_type=client_credentials)
err_is "$st" 401 invalid_client "a revoked key is refused"
like "$("$BIN/authd" keys list-connection-keys 2>/dev/null | grep "^$pid	")" '	[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9:]{8}$' \
    "list-connection-keys shows when it was revoked"
"$BIN/authd" keys revoke-connection-key "$pid" >/dev/null 2>&1
is "$?" "1" "revoking it again fails"

# --- request errors -------------------------------------------------------------------------------
st=$(post "$TOKEN_URL" -d client_id=cartman-mobile)
err_is "$st" 400 invalid_request "no grant_type is invalid_request"
st=$(post "$TOKEN_URL" -d grant_type=urn:ietf:params:oauth:grant-type:device_code -d client_id=cartman-mobile)
err_is "$st" 400 unsupported_grant_type "an unknown grant_type is unsupported_grant_type"
st=$(post "$TOKEN_URL" -d grant_type=password -d grant_type=password -d client_id=cartman-mobile)
err_is "$st" 400 invalid_request "a repeated parameter is invalid_request"
st=$(post "$TOKEN_URL" -H 'Content-Type: application/json' -d '{"grant_type":"password"}')
err_is "$st" 400 invalid_request "a JSON body is invalid_request"
st=$(post "$TOKEN_URL" -H 'Authorization: Basic !!!' -d grant_type=client_credentials)
err_is "$st" 401 invalid_client "malformed Basic credentials are invalid_client"
st=$(post "$TOKEN_URL" -u "cartman-mobile:$key" -d client_secret=x -d grant_type=client_credentials)
err_is "$st" 400 invalid_request "two client authentication methods are invalid_request"
st=$(post "$TOKEN_URL" --http1.1 -d grant_type=client_credentials -d client_id=cartman-mobile --data-urlencode "client_secret=$(head -c 20000 /dev/zero | tr '\0' a)")
is "$st" "413" "a body over the pre-auth cap is 413"

# --- grant_type=password: WordPress application passwords -----------------------------------------
SRC=127.0.0.2
sql "$DB" "DELETE FROM ${P}options WHERE option_name='using_application_passwords'"
app=$(php tests/vectors/make-app-password.php "$manager_id" "CartMan test $$" 2>"$T/app-pw.err")
is "$?" "0" "WordPress made an application password"
like "$app" '^([A-Za-z0-9]{4} ){5}[A-Za-z0-9]{4}$' "… shown chunked, as WordPress does"
is "$(sql "$DB" "SELECT option_value FROM ${P}options WHERE option_name='using_application_passwords'")" "1" \
    "WordPress set using_application_passwords"
pw() { post "$TOKEN_URL" -d grant_type=password -d client_id=cartman-mobile "$@"; }
st=$(pw -d username=manager --data-urlencode "password=$app")
is "$st" "200" "password grant with an application password"
is "$(j sub "$(claims "$(j access_token)")")" "$manager_id" "… sub is the user"
prt=$(j refresh_token)
st=$(pw -d username=MANAGER --data-urlencode "password=$(tr -d ' ' <<<"$app")")
is "$st" "200" "case-insensitive login, password without the spaces"
st=$(pw -d username=manager@store.example.test --data-urlencode "password=${app// /-}")
is "$st" "200" "login by e-mail, password with dashes"
meta=$(sql "$DB" "SELECT meta_value FROM ${P}usermeta WHERE user_id=$manager_id AND meta_key='_application_passwords'")
like "$meta" 's:9:"last_used";i:[0-9]+;s:7:"last_ip";s:9:"127\.0\.0\.2";' "last_used and last_ip recorded as WordPress does"
mpass=$(jq -r '.users[] | select(.login=="manager") | .password' "$T/demo-users.json" 2>/dev/null)
st=$(pw -d username=manager --data-urlencode "password=$mpass")
err_is "$st" 400 invalid_grant "the account password is refused"
st=$(pw -d username=nobody-here --data-urlencode "password=$app")
err_is "$st" 400 invalid_grant "an unknown user is invalid_grant"
st=$(pw -d username=manager)
err_is "$st" 400 invalid_request "no password is invalid_request"
sub_app=$(php tests/vectors/make-app-password.php "$(sql "$DB" "SELECT ID FROM ${P}users WHERE user_login='subscriber'")" "x $$" 2>/dev/null)
st=$(pw -d username=subscriber --data-urlencode "password=$sub_app")
err_is "$st" 400 invalid_grant "a subscriber (no manage_woocommerce) gets no token"
sql "$DB" "UPDATE ${P}options SET option_value='' WHERE option_name='using_application_passwords'"
st=$(pw -d username=manager --data-urlencode "password=$app")
err_is "$st" 400 invalid_grant "refused while using_application_passwords is not set"
sql "$DB" "UPDATE ${P}options SET option_value='1' WHERE option_name='using_application_passwords'"
sql "$DB" "DELETE FROM ${P}cartman_login_failures"

# --- grant_type=refresh_token: rotation, reuse, grace ---------------------------------------------
SRC=127.0.0.3
rf() { post "$TOKEN_URL" -d grant_type=refresh_token -d client_id=cartman-mobile "$@"; }
st=$(rf -d "refresh_token=$prt")
is "$st" "200" "refresh"
r2=$(j refresh_token)
ok "$([ "$r2" != "$prt" ]; echo $?)" "a new refresh token on every use"
psid=$(j sid "$(claims "$(j access_token)")")
is "$(sql "$DB" "SELECT rotated_at IS NOT NULL, replaced_by = SHA2('$r2', 256) FROM ${P}cartman_refresh_tokens WHERE token_hash = SHA2('$prt', 256)")" \
    "1	1" "the old token is marked rotated and points at its successor (stored as SHA-256)"
st=$(rf -d "refresh_token=$prt")
is "$st" "200" "a retry of the spent token within the grace window succeeds"
r3=$(j refresh_token)
is "$(j sid "$(claims "$(j access_token)")")" "$psid" "… from the same grant"
st=$(rf -d "refresh_token=$r2")
err_is "$st" 400 invalid_grant "the successor the retry replaced is dead (only one chain stays live)"
is "$(sql "$DB" "SELECT revoked_at IS NOT NULL FROM ${P}cartman_grants WHERE id=$psid")" "1" "… and using it counts as reuse: grant revoked"
st=$(rf -d "refresh_token=$r3")
err_is "$st" 400 invalid_grant "every token of a revoked grant is dead"

# spent token after the grace window → whole grant revoked
st=$(post "$TOKEN_URL" -u "cartman-mobile:$key" -d grant_type=client_credentials)
a1=$(j refresh_token); gsid=$(j sid "$(claims "$(j access_token)")")
st=$(rf -d "refresh_token=$a1"); a2=$(j refresh_token)
st=$(rf -d "refresh_token=$a2" -d scope=orders:read)
is "$st $(j scope)" "200 orders:read" "refresh may narrow the scope"
a3=$(j refresh_token)
st=$(rf -d "refresh_token=$a3" -d "scope=orders:read foo:bar")
err_is "$st" 400 invalid_scope "… never widen it beyond the grant"
st=$(rf -d "refresh_token=$a3")
is "$st $(j scope)" "200 $ALL" "without scope, the grant's scope"
a4=$(j refresh_token)
sql "$DB" "UPDATE ${P}cartman_refresh_tokens SET rotated_at = rotated_at - INTERVAL 60 SECOND WHERE token_hash = SHA2('$a1', 256)"
st=$(rf -d "refresh_token=$a1")
err_is "$st" 400 invalid_grant "a spent token after the grace window is refused"
is "$(sql "$DB" "SELECT revoked_at IS NOT NULL, revoked_reason FROM ${P}cartman_grants WHERE id=$gsid")" "1	refresh_token_reuse" \
    "… and revokes the whole grant"
st=$(rf -d "refresh_token=$a4")
err_is "$st" 400 invalid_grant "the live token of that grant is dead too"
is "$(sql "$DB" "SELECT COUNT(*) FROM ${P}cartman_audit_log WHERE event='token.refresh' AND detail LIKE '%reuse_grant_revoked%'")" "2" \
    "reuse is audited"

# one audit row per refresh, in the refresh's own transaction; a demoted user's grant is revoked there too
st=$(pw -d username=manager --data-urlencode "password=$app")
d1=$(j refresh_token); dsid=$(j sid "$(claims "$(j access_token)")")
st=$(rf -d "refresh_token=$d1"); d2=$(j refresh_token)
st=$(rf -d "refresh_token=$d2"); d3=$(j refresh_token)
is "$st" "200" "the shop manager refreshes twice"
is "$(sql "$DB" "SELECT GROUP_CONCAT(result) FROM ${P}cartman_audit_log WHERE event='token.refresh' AND object_type='grant' AND object_id='$dsid'")" \
    "ok,ok" "… and each refresh wrote exactly one audit row"
caps_key="${P}capabilities"
mcaps=$(sql "$DB" "SELECT meta_value FROM ${P}usermeta WHERE user_id=$manager_id AND meta_key='$caps_key'")
sql "$DB" "UPDATE ${P}usermeta SET meta_value='a:2:{s:12:\"shop_manager\";b:1;s:18:\"manage_woocommerce\";b:0;}' WHERE user_id=$manager_id AND meta_key='$caps_key'"
st=$(rf -d "refresh_token=$d3")
err_is "$st" 400 invalid_grant "once WordPress denies the manager manage_woocommerce, a refresh is invalid_grant"
is "$(j error_description)" "This account may no longer manage the store." "… saying why"
is "$(sql "$DB" "SELECT revoked_at IS NOT NULL, revoked_reason FROM ${P}cartman_grants WHERE id=$dsid")" "1	user_lost_capability" \
    "… and revokes the grant"
is "$(sql "$DB" "SELECT COUNT(*), SUM(rotated_at IS NULL) FROM ${P}cartman_refresh_tokens WHERE grant_id=$dsid")" "3	0" \
    "… without storing a new token; every token of the grant is spent"
is "$(sql "$DB" "SELECT GROUP_CONCAT(CONCAT(result, ':', COALESCE(JSON_VALUE(detail, '\$.reason'), '')) ORDER BY id) FROM ${P}cartman_audit_log WHERE event='token.refresh' AND object_type='grant' AND object_id='$dsid'")" \
    "ok:,ok:,denied:not_shop_manager" "… audited once, as not_shop_manager"
sql "$DB" "UPDATE ${P}usermeta SET meta_value='$mcaps' WHERE user_id=$manager_id AND meta_key='$caps_key'"
st=$(rf -d "refresh_token=$d3")
err_is "$st" 400 invalid_grant "restoring the capability does not revive the grant"

st=$(rf -d refresh_token=not-a-token)
err_is "$st" 400 invalid_grant "an unknown refresh token is invalid_grant"
st=$(rf)
err_is "$st" 400 invalid_request "no refresh_token is invalid_request"
sql "$DB" "UPDATE ${P}cartman_refresh_tokens SET expires_at = UTC_TIMESTAMP() - INTERVAL 1 SECOND WHERE token_hash = SHA2('$mrt', 256)"
st=$(rf -d "refresh_token=$mrt")
err_is "$st" 400 invalid_grant "an expired refresh token is invalid_grant"

# --- confidential client: wrong client, introspection, revocation ---------------------------------
SRC=127.0.0.4
conf=$("$BIN/authd" clients create --name "Token test backend" --confidential 2>/dev/null)
ccid=$(jq -r .client_id <<<"$conf"); csec=$(jq -r .client_secret <<<"$conf")
st=$(post "$TOKEN_URL" -u "cartman-mobile:$key" -d grant_type=client_credentials)
b1=$(j refresh_token); bat=$(j access_token); bsid=$(j sid "$(claims "$bat")")
st=$(post "$TOKEN_URL" -u "$ccid:$csec" -d grant_type=refresh_token -d "refresh_token=$b1")
err_is "$st" 400 invalid_grant "another client's refresh token is invalid_grant"
st=$(post "$TOKEN_URL" -u "$ccid:wrong" -d grant_type=refresh_token -d "refresh_token=$b1")
err_is "$st" 401 invalid_client "a confidential client with a wrong secret is invalid_client"

INTRO=$AUTHD_URL/oauth/introspect
st=$(post "$INTRO" -u "$ccid:$csec" -d "token=$b1")
is "$st $(j active) $(j token_type) $(j client_id) $(j sub) $(j sid)" "200 true refresh_token cartman-mobile $admin_id $bsid" \
    "introspect a refresh token"
ok "$([ "$(j exp)" -gt "$(date +%s)" ]; echo $?)" "… with exp"
st=$(post "$INTRO" -u "$ccid:$csec" -d "token=$bat")
is "$st $(j active) $(j sub) $(j sid) $(j scope)" "200 true $admin_id $bsid $ALL" "introspect an access token (signature checked)"
forged=$(php -r '$p = explode(".", $argv[1]); $c = json_decode(base64_decode(strtr($p[1], "-_", "+/")), true); $c["sub"] = "999";
  $p[1] = rtrim(strtr(base64_encode(json_encode($c)), "+/", "-_"), "="); echo implode(".", $p);' "$bat")
st=$(post "$INTRO" -u "$ccid:$csec" -d "token=$forged")
is "$st $(body)" '200 {"active":false}' "a token with altered claims is inactive"
st=$(post "$INTRO" -u "$ccid:$csec" -d "token=garbage")
is "$st $(body)" '200 {"active":false}' "an unknown token is inactive"
st=$(post "$INTRO" -d client_id=cartman-mobile -d "token=$b1")
err_is "$st" 401 invalid_client "introspection by a public client is 401"
st=$(post "$INTRO" -u "$ccid:nope" -d "token=$b1")
err_is "$st" 401 invalid_client "introspection with a wrong secret is 401"
like "$(hdr www-authenticate)" '^Basic' "… with WWW-Authenticate: Basic"

REVOKE=$AUTHD_URL/oauth/revoke
st=$(post "$REVOKE" -d client_id=cartman-mobile -d "token=unknown-token")
is "$st" "200" "revoking an unknown token is 200"
st=$(post "$REVOKE" -d client_id=cartman-mobile)
err_is "$st" 400 invalid_request "revoke without a token is invalid_request"
st=$(post "$REVOKE" -u "$ccid:$csec" -d "token=$b1")
is "$st $(sql "$DB" "SELECT revoked_at IS NULL FROM ${P}cartman_grants WHERE id=$bsid")" "200 1" \
    "another client cannot revoke the token (200, nothing happens)"
st=$(post "$REVOKE" -d client_id=cartman-mobile -d "token=$b1" -d token_type_hint=refresh_token)
is "$st" "200" "revoke a refresh token"
is "$(sql "$DB" "SELECT revoked_at IS NOT NULL, revoked_reason FROM ${P}cartman_grants WHERE id=$bsid")" "1	revoked_by_client" "… revokes its grant"
st=$(rf -d "refresh_token=$b1")
err_is "$st" 400 invalid_grant "a revoked refresh token no longer refreshes"
st=$(post "$INTRO" -u "$ccid:$csec" -d "token=$bat")
is "$st $(body)" '200 {"active":false}' "the grant's access token is inactive at introspection"
st=$(post "$TOKEN_URL" -u "cartman-mobile:$key" -d grant_type=client_credentials)
cat1=$(j access_token); csid=$(j sid "$(claims "$cat1")"); crt=$(j refresh_token)
st=$(post "$REVOKE" -d client_id=cartman-mobile -d "token=$cat1")
is "$st $(sql "$DB" "SELECT revoked_at IS NOT NULL FROM ${P}cartman_grants WHERE id=$csid")" "200 1" "revoking an access token revokes its grant"
st=$(rf -d "refresh_token=$crt")
err_is "$st" 400 invalid_grant "… and with it the refresh token"
pub=$("$BIN/authd" clients create --name "Third party" --redirect-uri https://third.example.test/cb 2>/dev/null)
pcid=$(jq -r .client_id <<<"$pub")
st=$(post "$TOKEN_URL" -d grant_type=password -d "client_id=$pcid" -d username=manager --data-urlencode "password=$app")
err_is "$st" 400 unauthorized_client "a registered public client may not use the password grant"
st=$(post "$TOKEN_URL" -u "$pcid:$key" -d grant_type=client_credentials)
err_is "$st" 400 unauthorized_client "… nor exchange a connection key"
"$BIN/authd" clients delete "$pcid" >/dev/null 2>&1
"$BIN/authd" clients delete "$ccid" >/dev/null 2>&1

# --- the offload pool: many slow checks at once, and a client that leaves during one ------------------
SRC=127.0.0.5
urls=(); for i in $(seq 1 24); do urls+=("$TOKEN_URL"); done
codes=$(curl -sS --no-progress-meter "${CA[@]}" --http2 --interface 127.0.0.5 -Z --parallel-max 24 -u "cartman-mobile:$key" -w '|%{http_code}\n' \
    -d grant_type=client_credentials "${urls[@]}" | sed -E 's/.*\|//' | sort | uniq -c | awk '{print $1 " " $2}')
is "$codes" "24 200" "24 concurrent connection-key exchanges (bcrypt on the offload pool) all succeed"
curl -sS "${CA[@]}" --http2 --interface 127.0.0.5 -m 0.02 -u "cartman-mobile:$key" -d grant_type=client_credentials \
    "$TOKEN_URL" >/dev/null 2>&1
sleep 0.3
st=$(post "$TOKEN_URL" -u "cartman-mobile:$key" -d grant_type=client_credentials)
is "$st" "200" "a client that left during the bcrypt does not disturb the next request"

# --- lockout (from 127.0.0.7, so the other tests' failures do not count) ------------------------------
sql "$DB" "DELETE FROM ${P}cartman_login_failures"
lpw() { post "$TOKEN_URL" --interface 127.0.0.7 -d grant_type=password -d client_id=cartman-mobile -d username=manager "$@"; }
statements_start
for i in 1 2 3; do lpw -d password=wrong-password >/dev/null; done
is "$(sql "$DB" "SELECT subject_type, failures FROM ${P}cartman_login_failures ORDER BY subject_type" | tr '\n' ' ')" \
    "ip	3 user	3 " "failures are counted per IP and per user"
st=$(lpw --data-urlencode "password=$app")
is "$st" "200" "a success below the threshold"
is "$(sql "$DB" "SELECT COUNT(*) FROM ${P}cartman_login_failures")" "0" "… clears the IP's and the user's records"
statements_stop
# the thresholds come from the cached security settings (re-read with them every 5 s at most), never
# from a query of their own
lockout_reads="argument LIKE '%cartman_settings%' AND argument LIKE '%lockout%' AND argument NOT LIKE '%https_required%'"
n=$(statements_count "$lockout_reads")
is "$n" "0" "4 password grants read no lockout setting from the database"
[ "$n" = 0 ] || statements_diag "$lockout_reads"
for i in 1 2 3 4 5; do lpw -d password=wrong-password >/dev/null; done
st=$(lpw --data-urlencode "password=$app")
err_is "$st" 400 invalid_grant "after 5 failures the user is locked out, even with the right password"
like "$(hdr retry-after) $(hdr ratelimit-limit) $(hdr ratelimit-remaining) $(hdr ratelimit-reset)" '^[0-9]+ 5 0 [0-9]+$' \
    "… with Retry-After and RateLimit-* (limit: the failures that lock, as on the sign-in page)"
st=$(post "$TOKEN_URL" --interface 127.0.0.8 -d grant_type=password -d client_id=cartman-mobile -d username=manager --data-urlencode "password=$app")
err_is "$st" 400 invalid_grant "… from any address"
is "$(sql "$DB" "SELECT COUNT(*) FROM ${P}cartman_audit_log WHERE detail LIKE '%locked_out%'")" "2" "lockout refusals are audited"
sql "$DB" "UPDATE ${P}cartman_login_failures SET locked_until = UTC_TIMESTAMP() - INTERVAL 1 SECOND"
st=$(lpw --data-urlencode "password=$app")
is "$st" "200" "the lock expires"
is "$(sql "$DB" "SELECT COUNT(*) FROM ${P}cartman_login_failures")" "0" "… and the success clears the records"

# --- rate limit (from 127.0.0.9) ------------------------------------------------------------------
# A burst is sent at once (one HTTP/2 connection, 50 requests in flight) and the refused answers are
# read from the burst itself: tokens come back at 5/s, so a burst sent one request after another on a
# busy machine (or a request sent after the burst) may find the bucket refilled and never see a 429.
# burst SRC N: N token requests at once from SRC → the distinct statuses; answers in $T/burst-I.{hdr,body}
burst() {
    local src=$1 n=$2 i args=()
    rm -f "$T"/burst-*.hdr "$T"/burst-*.body
    for i in $(seq 1 "$n"); do args+=(-o "$T/burst-$i.body" -D "$T/burst-$i.hdr" "$TOKEN_URL"); done
    curl -sS --no-progress-meter "${CA[@]}" --http2 --interface "$src" -Z --parallel-max 50 -w '%{http_code}\n' \
        -d grant_type=nope "${args[@]}" | sort -u | tr '\n' ' '
}
# refused_answer: one 429 of the last burst as the last answer (tok.hdr, tok.body; empty when none) → 429
refused_answer() {
    local f
    f=$(grep -l '^HTTP/[0-9.]* 429' "$T"/burst-*.hdr | head -1)
    : >"$T/tok.hdr"; : >"$T/tok.body"
    [ -n "$f" ] && cp "$f" "$T/tok.hdr" && cp "${f%.hdr}.body" "$T/tok.body" && echo 429
}
is "$(burst 127.0.0.9 150)" "400 429 " "a burst of 150 from one address: the first are answered (60 and what refills meanwhile), then 429"
err_is "$(refused_answer)" 429 temporarily_unavailable "429 with an OAuth error body"
like "$(hdr retry-after) $(hdr ratelimit-limit) $(hdr ratelimit-remaining) $(hdr ratelimit-reset)" '^[1-9][0-9]* 60 0 [0-9]+$' \
    "Retry-After, RateLimit-Limit, RateLimit-Remaining, RateLimit-Reset"
st=$(post "$TOKEN_URL" --interface 127.0.0.10 -d grant_type=nope)
is "$st" "400" "other addresses are not limited"
sql "$DB" "REPLACE INTO ${P}cartman_settings (name, value, updated_at) VALUES ('rate_limit_token_ip', '70/5', UTC_TIMESTAMP())"
sleep 5.5
curl -sS "${CA[@]}" --http2 --interface 127.0.0.11 -d grant_type=nope "$TOKEN_URL" >/dev/null # the request that reloads
is "$(burst 127.0.0.11 160)" "400 429 " "after a change of rate_limit_token_ip to 70/5, a burst of 160 also ends in 429"
is "$(refused_answer) $(hdr ratelimit-limit)" "429 70" "… refused with the new limit: a change in cartman_settings applies within 5 seconds"
rm -f "$T"/burst-*.hdr "$T"/burst-*.body
sql "$DB" "DELETE FROM ${P}cartman_settings WHERE name='rate_limit_token_ip'"

# --- audit: no secret ever lands in the log ---------------------------------------------------------
audit=$(sql "$DB" "SELECT CONCAT_WS(' ', event, result, client_id, ip, object_type, object_id, detail) FROM ${P}cartman_audit_log")
leak=0
for s in "$key" "$mkey" "$app" "$prt" "$r2" "$a1" "$b1" "$csec"; do [ -n "$s" ] && grep -qF -- "$s" <<<"$audit" && leak=1; done
is "$leak" "0" "no key, password or token in the audit log"
like "$(sql "$DB" "SELECT GROUP_CONCAT(DISTINCT event ORDER BY event) FROM ${P}cartman_audit_log")" \
    'key\.create,key\.revoke,.*token\.client_credentials,token\.password,token\.refresh,token\.revoke' "every token and key event is audited"

done_testing
