#!/usr/bin/env bash
# The browser flow of "Log in with your store" over HTTP with a cookie jar: GET /oauth/authorize → sign-in
# page → POST /login → consent → approve → code → token exchange with PKCE → refresh; and the attacks:
# PKCE missing, plain or wrong, redirect URI tricks, code replay (revokes what the code issued), CSRF on
# every form, lockout, accounts without manage_woocommerce, errors as a page vs. as a redirect, iss.
source "$(dirname "$0")/lib.sh"
CA=(--cacert "$CARTMAN_TLS_CERT")
P=$CARTMAN_DB_PREFIX
T=${CARTMAN_TEST_DIR:-/tmp}
DB=$CARTMAN_DB_NAME
USERS=$T/demo-users.json
pw() { jq -r --arg l "$1" '.users[] | select(.login==$l) | .password' "$USERS"; }
ADMIN_PW=$(pw admin) MANAGER_PW=$(pw manager) SUB_PW=$(pw subscriber) DENIED_PW=$(pw denied_manager)
admin_id=$(sql "$DB" "SELECT ID FROM ${P}users WHERE user_login='admin'")
CB=http://127.0.0.1:47123/callback
JAR=$T/az.jar
SRC=127.0.0.1

# req URL [curl args...] → STATUS; body in $T/az.body, headers in $T/az.hdr; cookies kept in $JAR
req() {
    local url=$1; shift
    curl -sS "${CA[@]}" --http2 --interface "$SRC" -b "$JAR" -c "$JAR" -o "$T/az.body" -D "$T/az.hdr" -w '%{http_code}' "$@" "$url"
}
body() { cat "$T/az.body"; }
hdr() { grep -i "^$1:" "$T/az.hdr" | head -1 | cut -d' ' -f2- | tr -d '\r'; }
loc() { hdr location; }
field() { grep -o "name=\"$1\" value=\"[^\"]*\"" "$T/az.body" | head -1 | sed -E 's/.*value="([^"]*)"/\1/'; }
qp() { # qp NAME URL: a decoded query parameter ("" when absent)
    php -r 'parse_str((string)parse_url($argv[2], PHP_URL_QUERY), $q); echo $q[$argv[1]] ?? "";' "$1" "$2"
}
has_qp() { php -r 'parse_str((string)parse_url($argv[2], PHP_URL_QUERY), $q); echo isset($q[$argv[1]]) ? "yes" : "no";' "$1" "$2"; }
urlenc() { jq -rn --arg v "$1" '$v|@uri'; }
j() { jq -r --arg k "$1" '.[$k] // "" | tostring' <<<"${2-$(body)}" 2>/dev/null; }
b64url() { base64 -w0 | tr '+/' '-_' | tr -d '='; }
new_verifier() { head -c 48 /dev/urandom | b64url; }
challenge_of() { printf '%s' "$1" | openssl dgst -sha256 -binary | b64url; }
TOKEN_URL=$AUTHD_URL/oauth/token
tok() { req "$TOKEN_URL" "$@"; }

# authz_url CHALLENGE [extra query...]
authz_url() {
    local ch=$1; shift
    local u="$AUTHD_URL/oauth/authorize?response_type=code&client_id=cartman-mobile&redirect_uri=$(urlenc "$CB")&state=st-123&scope=$(urlenc 'orders:read reports:read')&code_challenge=$ch&code_challenge_method=S256"
    for x in "$@"; do u="$u&$x"; done
    echo "$u"
}
# sign_in LOGIN PASSWORD: posts the sign-in form on the page in az.body → STATUS
sign_in() {
    local csrf rid
    csrf=$(field csrf) rid=$(field request_id)
    req "$AUTHD_URL/login" --data-urlencode "csrf=$csrf" --data-urlencode "request_id=$rid" \
        --data-urlencode "login=$1" --data-urlencode "password=$2"
}
# flow VERIFIER LOGIN PASSWORD DECISION: a fresh browser from authorize to the redirect; echoes the Location
flow() {
    rm -f "$JAR"
    req "$(authz_url "$(challenge_of "$1")")" >/dev/null
    sign_in "$2" "$3" >/dev/null
    req "$AUTHD_URL$(loc)" >/dev/null
    req "$AUTHD_URL/oauth/authorize" --data-urlencode "csrf=$(field csrf)" --data-urlencode "request_id=$(field request_id)" \
        -d "decision=$4" >/dev/null
    loc
}

sql "$DB" "DELETE FROM ${P}cartman_login_failures"

# --- the whole flow ------------------------------------------------------------------------------
rm -f "$JAR"
V=$(new_verifier)
st=$(req "$(authz_url "$(challenge_of "$V")")")
is "$st" "200" "GET /oauth/authorize without a session shows the sign-in page"
like "$(body)" 'Sign in to' "… the sign-in page"
like "$(body)" 'CartMan' "… naming the app"
like "$(body)" 'href="https?://[^"]*/wp-login\.php\?action&#61;lostpassword"' "… with WordPress's lost-password link"
is "$(hdr cache-control)" "no-store" "pages: Cache-Control: no-store"
is "$(hdr content-security-policy)" "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'" \
    "pages: Content-Security-Policy"
is "$(hdr x-frame-options) $(hdr referrer-policy)" "DENY no-referrer" "pages: X-Frame-Options DENY, Referrer-Policy no-referrer"
like "$(hdr content-type)" '^text/html; charset=utf-8' "pages are text/html"
rid=$(field request_id)
like "$rid" '^[A-Za-z0-9_-]{43}$' "the form carries a 256-bit request id"
like "$(field csrf)" '^[A-Za-z0-9_-]{43}$' "… and a CSRF token"
like "$(hdr set-cookie)" '^__Host-cartman_csrf=[A-Za-z0-9_-]{43}; Path=/; Secure; HttpOnly; SameSite=Strict$' "the sign-in CSRF cookie"
is "$(sql "$DB" "SELECT client_id, redirect_uri, state, scope FROM ${P}cartman_auth_requests WHERE id_hash=SHA2('$rid', 256)")" \
    "cartman-mobile	$CB	st-123	orders:read reports:read" "the pending request is kept server-side (by the hash of its id)"

st=$(sign_in admin "$ADMIN_PW")
is "$st" "303" "POST /login with the right password"
is "$(loc)" "/login?request=$rid" "… goes on to the request"
sc=$(grep -i '^set-cookie: __Host-cartman_session=' "$T/az.hdr" | tr -d '\r')
like "$sc" '^set-cookie: __Host-cartman_session=[A-Za-z0-9_-]{43}; Path=/; Secure; HttpOnly; SameSite=Lax$' \
    "session cookie: __Host- prefix, 256 bits, Path=/, Secure, HttpOnly, SameSite=Lax, no Domain"
sid_cookie=$(sed -E 's/.*__Host-cartman_session=([^;]*).*/\1/' <<<"$sc")
is "$(sql "$DB" "SELECT user_id FROM ${P}cartman_sessions WHERE id_hash=SHA2('$sid_cookie', 256)")" "$admin_id" \
    "the session is stored as SHA-256 only"
is "$(sql "$DB" "SELECT COUNT(*) FROM ${P}cartman_sessions WHERE id_hash='$sid_cookie'")" "0" "… never in plain text"
is "$(sql "$DB" "SELECT TIMESTAMPDIFF(HOUR, created_at, expires_at) FROM ${P}cartman_sessions WHERE id_hash=SHA2('$sid_cookie', 256)")" \
    "12" "absolute session life: 12 h"
is "$(sql "$DB" "SELECT result FROM ${P}cartman_audit_log WHERE event='login' ORDER BY id DESC LIMIT 1")" "ok" "the sign-in is audited"
is "$(sql "$DB" "SELECT COUNT(*) FROM ${P}cartman_audit_log WHERE detail LIKE '%$ADMIN_PW%'")" "0" "… never with the password"

st=$(req "$AUTHD_URL/login?request=$rid")
is "$st" "200" "the consent page"
like "$(body)" 'wants to access' "… asks to allow the app"
is "$(hdr content-security-policy)" "default-src 'none'; style-src 'unsafe-inline'; form-action 'self' http://127.0.0.1:47123; frame-ancestors 'none'; base-uri 'none'" \
    "… its form-action also names the app's redirect origin (browsers apply it to the 303 that follows)"
like "$(body)" 'See orders' "… describes the scopes"
like "$(body)" '<code>reports:read</code>' "… and names them"
like "$(body)" 'Signed in as <strong>' "… names the user"
ccsrf=$(field csrf)
csess=$(grep -o 'cartman_session	[^	]*$' "$JAR" | cut -f2)
is "$ccsrf" "$(php -r 'echo rtrim(strtr(base64_encode(hash_hmac("sha256", "cartman session csrf v1", $argv[1], true)), "+/", "-_"), "=");' -- "$csess")" \
    "the consent form's CSRF token is HMAC-SHA256 keyed with the session id"
is "$(sql "$DB" "SELECT COUNT(*) FROM ${P}cartman_sessions
                 WHERE LOCATE('$ccsrf', CONCAT_WS(' ', id_hash, user_id, ip, created_at, last_seen_at, expires_at)) > 0")" "0" \
    "… and no session row stores it"
st=$(req "$AUTHD_URL/oauth/authorize" --data-urlencode "csrf=$ccsrf" --data-urlencode "request_id=$rid" -d decision=approve)
is "$st" "303" "Approve redirects (303)"
L=$(loc)
like "$L" "^http://127\.0\.0\.1:47123/callback\?code=" "… to the redirect URI with a code"
code=$(qp code "$L")
like "$code" '^[A-Za-z0-9_-]{43}$' "the code has 256 bits"
is "$(qp state "$L") $(qp iss "$L")" "st-123 $AUTHD_URL" "… state and iss (RFC 9207) come back"
is "$(sql "$DB" "SELECT client_id, user_id, redirect_uri, scope, TIMESTAMPDIFF(SECOND, created_at, expires_at) FROM ${P}cartman_auth_codes WHERE code_hash=SHA2('$code', 256)")" \
    "cartman-mobile	$admin_id	$CB	orders:read reports:read	60" "the code is stored hashed, bound to client, user, redirect URI and scope, 60 s"
is "$(sql "$DB" "SELECT COUNT(*) FROM ${P}cartman_auth_requests WHERE id_hash=SHA2('$rid', 256)")" "0" "the pending request is spent"
st=$(req "$AUTHD_URL/oauth/authorize" --data-urlencode "csrf=$ccsrf" --data-urlencode "request_id=$rid" -d decision=approve)
is "$st $(hdr location)" "400 " "a second Approve of the same request is an error page, not a second code"

st=$(tok -d grant_type=authorization_code -d client_id=cartman-mobile --data-urlencode "code=$code" \
    --data-urlencode "redirect_uri=$CB" -d "code_verifier=$V")
is "$st" "200" "the code exchange with the PKCE verifier"
AT=$(j access_token) RT=$(j refresh_token)
is "$(j scope) $(j token_type)" "orders:read reports:read Bearer" "… scope and token type"
c=$(php -r '$p = explode(".", $argv[1])[1] ?? ""; echo base64_decode(strtr($p, "-_", "+/"));' "$AT")
is "$(j sub "$c") $(j client_id "$c") $(j iss "$c") $(j aud "$c")" "$admin_id cartman-mobile $AUTHD_URL $APID_URL" "access token claims"
gsid=$(j sid "$c")
is "$(sql "$DB" "SELECT grant_type FROM ${P}cartman_grants WHERE id=$gsid") $(sql "$DB" "SELECT grant_id FROM ${P}cartman_auth_codes WHERE code_hash=SHA2('$code', 256)")" \
    "authorization_code $gsid" "the grant is recorded on the code"
st=$(tok -d grant_type=refresh_token -d client_id=cartman-mobile -d "refresh_token=$RT")
is "$st" "200" "the refresh token works"
RT2=$(j refresh_token) AT2=$(j access_token)

# --- code replay ----------------------------------------------------------------------------------
conf=$("$BIN/authd" clients create --name "Authorize test backend" --confidential 2>/dev/null)
ccid=$(jq -r .client_id <<<"$conf") csec=$(jq -r .client_secret <<<"$conf")
st=$(req "$AUTHD_URL/oauth/introspect" -u "$ccid:$csec" --data-urlencode "token=$AT2")
is "$st $(j active)" "200 true" "before the replay the access token is active"
st=$(tok -d grant_type=authorization_code -d client_id=cartman-mobile --data-urlencode "code=$code" \
    --data-urlencode "redirect_uri=$CB" -d "code_verifier=$V")
is "$st $(j error)" "400 invalid_grant" "a second use of the code fails"
is "$(sql "$DB" "SELECT revoked_at IS NOT NULL, revoked_reason FROM ${P}cartman_grants WHERE id=$gsid")" "1	code_replay" \
    "… and revokes the grant the code issued"
st=$(tok -d grant_type=refresh_token -d client_id=cartman-mobile -d "refresh_token=$RT2")
is "$st $(j error)" "400 invalid_grant" "… its refresh token no longer works"
st=$(req "$AUTHD_URL/oauth/introspect" -u "$ccid:$csec" --data-urlencode "token=$AT2")
is "$st $(body)" '200 {"active":false}' "… and its access token is inactive at introspection"
"$BIN/authd" clients delete "$ccid" >/dev/null 2>&1

# --- PKCE and the code's bindings at the token endpoint ------------------------------------------
V=$(new_verifier)
L=$(flow "$V" admin "$ADMIN_PW" approve); code=$(qp code "$L")
st=$(tok -d grant_type=authorization_code -d client_id=cartman-mobile --data-urlencode "code=$code" \
    --data-urlencode "redirect_uri=$CB" -d "code_verifier=$(new_verifier)")
is "$st $(j error)" "400 invalid_grant" "a wrong code_verifier is invalid_grant"
st=$(tok -d grant_type=authorization_code -d client_id=cartman-mobile --data-urlencode "code=$code" \
    --data-urlencode "redirect_uri=$CB" -d "code_verifier=$V")
is "$st $(j error)" "400 invalid_grant" "… and the code is spent by the failed attempt"
V=$(new_verifier)
L=$(flow "$V" admin "$ADMIN_PW" approve); code=$(qp code "$L")
st=$(tok -d grant_type=authorization_code -d client_id=cartman-mobile --data-urlencode "code=$code" \
    --data-urlencode "redirect_uri=http://127.0.0.1:47124/callback" -d "code_verifier=$V")
is "$st $(j error)" "400 invalid_grant" "a different redirect_uri at the exchange is invalid_grant"
V=$(new_verifier)
L=$(flow "$V" admin "$ADMIN_PW" approve); code=$(qp code "$L")
st=$(tok -d grant_type=authorization_code -d client_id=cartman-mobile --data-urlencode "code=$code" \
    --data-urlencode "redirect_uri=$CB")
is "$st $(j error)" "400 invalid_request" "no code_verifier is invalid_request"
st=$(tok -d grant_type=authorization_code -d client_id=cartman-mobile --data-urlencode "code=$code" \
    --data-urlencode "redirect_uri=$CB" -d "code_verifier=short")
is "$st $(j error)" "400 invalid_request" "a malformed code_verifier is invalid_request"
sql "$DB" "UPDATE ${P}cartman_auth_codes SET expires_at = UTC_TIMESTAMP() - INTERVAL 1 SECOND WHERE code_hash=SHA2('$code', 256)"
st=$(tok -d grant_type=authorization_code -d client_id=cartman-mobile --data-urlencode "code=$code" \
    --data-urlencode "redirect_uri=$CB" -d "code_verifier=$V")
is "$st $(j error)" "400 invalid_grant" "an expired code is invalid_grant"
pub=$("$BIN/authd" clients create --name "Other app" --redirect-uri "$CB" 2>/dev/null)
pcid=$(jq -r .client_id <<<"$pub")
V=$(new_verifier)
L=$(flow "$V" admin "$ADMIN_PW" approve); code=$(qp code "$L")
st=$(tok -d grant_type=authorization_code -d "client_id=$pcid" --data-urlencode "code=$code" \
    --data-urlencode "redirect_uri=$CB" -d "code_verifier=$V")
is "$st $(j error)" "400 invalid_grant" "a code issued to another client is invalid_grant"
V=$(new_verifier)
L=$(flow "$V" admin "$ADMIN_PW" approve); code=$(qp code "$L")
sql "$DB" "UPDATE ${P}cartman_auth_codes SET grant_id = 0 WHERE code_hash=SHA2('$code', 256)"
st=$(tok -d grant_type=authorization_code -d client_id=cartman-mobile --data-urlencode "code=$code" \
    --data-urlencode "redirect_uri=$CB" -d "code_verifier=$V")
is "$st $(j error)" "400 invalid_grant" "a replay seen while the first exchange was issuing (grant_id = 0 mark): no tokens"
is "$(sql "$DB" "SELECT revoked_reason FROM ${P}cartman_grants WHERE client_id='cartman-mobile' AND grant_type='authorization_code' ORDER BY id DESC LIMIT 1")" \
    "code_replay" "… and the grant it had just created is revoked"
st=$(tok -d grant_type=authorization_code -d client_id=cartman-mobile -d "code=nonexistent" \
    --data-urlencode "redirect_uri=$CB" -d "code_verifier=$V")
is "$st $(j error)" "400 invalid_grant" "an unknown code is invalid_grant"

# --- errors: a page when the redirect URI cannot be trusted, a redirect otherwise ------------------
V=$(new_verifier); CH=$(challenge_of "$V")
page_err() { # page_err QUERY NAME
    rm -f "$JAR"
    local st
    st=$(req "$AUTHD_URL/oauth/authorize?$1")
    is "$st|$(hdr location)" "400|" "error page, no redirect: $2"
}
base="response_type=code&state=s&code_challenge=$CH&code_challenge_method=S256"
page_err "$base&client_id=nobody&redirect_uri=$(urlenc "$CB")" "unknown client"
page_err "$base&redirect_uri=$(urlenc "$CB")" "no client_id"
page_err "$base&client_id=cartman-mobile" "no redirect_uri"
page_err "$base&client_id=cartman-mobile&client_id=cartman-mobile&redirect_uri=$(urlenc "$CB")" "repeated client_id"
page_err "$base&client_id=cartman-mobile&redirect_uri=$(urlenc "$CB")&redirect_uri=$(urlenc "$CB")" "repeated redirect_uri"
page_err "$base&client_id=cartman-mobile&redirect_uri=%zz" "malformed query"
like "$(body)" 'not registered|malformed' "the page says why"
for uri in https://evil.example/callback http://127.0.0.1:47123/callback/extra 'http://127.0.0.1:47123/callback?x=1' \
    'http://127.0.0.1:47123/callback#f' http://localhost:47123/callback http://127.0.0.2:47123/callback \
    https://127.0.0.1:47123/callback cartman://oauth/callback/ 'cartman://oauth/callback?next=https://evil.example' \
    'http://user@127.0.0.1:47123/callback' 'https://evil.example/?x=http://127.0.0.1:47123/callback'; do
    page_err "$base&client_id=cartman-mobile&redirect_uri=$(urlenc "$uri")" "redirect_uri $uri"
done
reg=$("$BIN/authd" clients create --name "Web app" --redirect-uri https://app.example.test/oauth/cb 2>/dev/null)
rcid=$(jq -r .client_id <<<"$reg")
for uri in https://app.example.test:8443/oauth/cb https://app.example.test/oauth/cb/x 'https://app.example.test/oauth/cb?x=1' \
    https://app.example.test.evil.example/oauth/cb http://app.example.test/oauth/cb; do
    page_err "$base&client_id=$rcid&redirect_uri=$(urlenc "$uri")" "registered client: $uri"
done
rm -f "$JAR"
st=$(req "$AUTHD_URL/oauth/authorize?$base&client_id=$rcid&redirect_uri=$(urlenc https://app.example.test/oauth/cb)")
is "$st" "200" "a registered client's exact redirect URI is accepted"
"$BIN/authd" clients delete "$rcid" >/dev/null 2>&1

redir_err() { # redir_err QUERY ERROR NAME
    rm -f "$JAR"
    local st L
    st=$(req "$AUTHD_URL/oauth/authorize?client_id=cartman-mobile&redirect_uri=$(urlenc "$CB")&$1")
    L=$(loc)
    is "$st|$(qp error "$L")|$(qp state "$L")|$(qp iss "$L")|$(has_qp error_description "$L")" "303|$2|s|$AUTHD_URL|yes" "redirected: $3"
    like "$L" "^$CB\?" "… to the redirect URI"
}
redir_err "response_type=code&state=s" invalid_request "no PKCE"
redir_err "response_type=code&state=s&code_challenge=$CH" invalid_request "code_challenge without a method"
redir_err "response_type=code&state=s&code_challenge=$CH&code_challenge_method=plain" invalid_request "PKCE plain"
redir_err "response_type=code&state=s&code_challenge=$V&code_challenge_method=plain" invalid_request "PKCE plain with a verifier-like value"
redir_err "response_type=code&state=s&code_challenge=abc&code_challenge_method=S256" invalid_request "a short code_challenge"
redir_err "response_type=code&state=s&code_challenge=${CH:0:42}%2B&code_challenge_method=S256" invalid_request "a code_challenge outside base64url"
redir_err "response_type=token&state=s&code_challenge=$CH&code_challenge_method=S256" unsupported_response_type "response_type=token"
redir_err "state=s&code_challenge=$CH&code_challenge_method=S256" invalid_request "no response_type"
redir_err "response_type=code&state=s&code_challenge=$CH&code_challenge_method=S256&scope=admin" invalid_scope "an unknown scope"
redir_err "response_type=code&state=s&code_challenge=$CH&code_challenge_method=S256&scope=orders:read&scope=orders:read" invalid_request "a repeated scope"
redir_err "response_type=code&state=s&code_challenge=$CH&code_challenge_method=S256&code_challenge=$CH" invalid_request "a repeated code_challenge"

V=$(new_verifier)
L=$(flow "$V" admin "$ADMIN_PW" deny)
is "$(qp error "$L") $(qp state "$L") $(qp iss "$L") $(has_qp code "$L")" "access_denied st-123 $AUTHD_URL no" "Deny → error=access_denied with state and iss, no code"

# --- CSRF ------------------------------------------------------------------------------------------
rm -f "$JAR"
req "$(authz_url "$CH")" >/dev/null
rid=$(field request_id)
st=$(req "$AUTHD_URL/login" --data-urlencode "request_id=$rid" -d login=admin --data-urlencode "password=$ADMIN_PW")
is "$st|$(grep -ci '^set-cookie: __Host-cartman_session' "$T/az.hdr")" "403|0" "sign-in without the CSRF token is refused"
st=$(req "$AUTHD_URL/login" -d "csrf=$(new_verifier | cut -c1-43)" --data-urlencode "request_id=$rid" -d login=admin --data-urlencode "password=$ADMIN_PW")
is "$st" "403" "sign-in with a wrong CSRF token is refused"
st=$(curl -sS "${CA[@]}" -o /dev/null -w '%{http_code}' --data-urlencode "csrf=$(grep -o 'cartman_csrf	[^	]*$' "$JAR" | cut -f2)" \
    -d login=admin --data-urlencode "password=$ADMIN_PW" "$AUTHD_URL/login")
is "$st" "403" "sign-in with the token but without its cookie (another site's form) is refused"
req "$AUTHD_URL/login?request=$rid" >/dev/null
st=$(sign_in admin "$ADMIN_PW")
is "$st" "303" "… the real form works"
req "$AUTHD_URL$(loc)" >/dev/null
ccsrf=$(field csrf)
st=$(req "$AUTHD_URL/oauth/authorize" --data-urlencode "request_id=$rid" -d decision=approve)
is "$st|$(hdr location)" "403|" "consent without the CSRF token is refused"
st=$(req "$AUTHD_URL/oauth/authorize" -d "csrf=$(new_verifier | cut -c1-43)" --data-urlencode "request_id=$rid" -d decision=approve)
is "$st|$(hdr location)" "403|" "consent with a wrong CSRF token is refused"
st=$(req "$AUTHD_URL/oauth/authorize" -d "csrf=$(field csrf)" --data-urlencode "request_id=$rid" -d decision=approve)
is "$st|$(hdr location)" "403|" "consent with the sign-in form's token (not the session's) is refused"
st=$(req "$AUTHD_URL/logout" --data-urlencode "request_id=$rid")
is "$st" "403" "sign-out without the CSRF token is refused"
st=$(req "$AUTHD_URL/logout" -d "csrf=$(new_verifier | cut -c1-43)")
is "$st" "403" "sign-out with a wrong CSRF token is refused"
sess=$(grep -o 'cartman_session	[^	]*$' "$JAR" | cut -f2)
is "$(sql "$DB" "SELECT COUNT(*) FROM ${P}cartman_sessions WHERE id_hash=SHA2('$sess', 256)")" "1" "… the session is still there"
st=$(req "$AUTHD_URL/logout" --data-urlencode "csrf=$ccsrf" --data-urlencode "request_id=$rid")
is "$st" "200" "sign-out with the session's token"
like "$(body)" 'You are signed out' "… shows the signed-out page"
like "$(body)" "href=\"/login\?request(=|&#61;)$rid\"" "… with a link to sign in again"
like "$(grep -i '^set-cookie: __Host-cartman_session=' "$T/az.hdr" | tr -d '\r')" 'Max-Age=0' "… clears the cookie"
is "$(sql "$DB" "SELECT COUNT(*) FROM ${P}cartman_sessions WHERE id_hash=SHA2('$sess', 256)")" "0" "… and deletes the session"
st=$(curl -sS "${CA[@]}" -o /dev/null -w '%{http_code}' -b "__Host-cartman_session=$sess" --data-urlencode "csrf=$ccsrf" \
    --data-urlencode "request_id=$rid" -d decision=approve "$AUTHD_URL/oauth/authorize")
is "$st" "403" "the old session cookie no longer approves anything"
rm -f "$JAR"

# --- who may sign in -------------------------------------------------------------------------------
signin_fresh() { # signin_fresh LOGIN PASSWORD → STATUS of POST /login
    rm -f "$JAR"
    req "$(authz_url "$CH")" >/dev/null
    sign_in "$1" "$2"
}
st=$(signin_fresh admin@store.example.test "$ADMIN_PW")
is "$st" "303" "sign-in by e-mail address"
st=$(signin_fresh ADMIN "$ADMIN_PW")
is "$st" "303" "sign-in with the login in another case"
st=$(signin_fresh "  manager " "$MANAGER_PW")
is "$st" "303" "the shop manager, with blanks around the login"
st=$(signin_fresh admin " $ADMIN_PW ")
is "$st" "303" "a password with blanks around it (WordPress trims it)"
nsm0=$(sql "$DB" "SELECT COUNT(*) FROM ${P}cartman_audit_log WHERE event='login' AND result='denied' AND detail LIKE '%not_shop_manager%'")
st=$(signin_fresh denied_manager "$DENIED_PW")
is "$st|$(grep -ci '^set-cookie: __Host-cartman_session' "$T/az.hdr")" "403|0" "denied_manager (manage_woocommerce denied) is refused, no session"
like "$(body)" 'only store administrators and shop managers' "… with a clear message"
st=$(signin_fresh subscriber "$SUB_PW")
is "$st" "403" "a subscriber is refused"
st=$(signin_fresh admin "wrong-$ADMIN_PW")
is "$st" "400" "a wrong password"
like "$(body)" 'username or password is incorrect' "… says so"
like "$(body)" 'value="admin"' "… keeps the login typed"
st=$(signin_fresh nosuchuser "x")
is "$st" "400" "an unknown user gets the same answer"
is "$(sql "$DB" "SELECT COUNT(*) FROM ${P}cartman_audit_log WHERE event='login' AND result='denied' AND detail LIKE '%not_shop_manager%'")" "$((nsm0 + 2))" \
    "refusals are audited"
sql "$DB" "DELETE FROM ${P}cartman_login_failures"

# --- sessions and pending requests expire; a sign-in never keeps an old session id ------------------
jar_session() { grep -o 'cartman_session	[^	]*$' "$JAR" | cut -f2; }
rm -f "$JAR"
req "$(authz_url "$CH")" >/dev/null
rid=$(field request_id)
sign_in admin "$ADMIN_PW" >/dev/null
s1=$(jar_session)
st=$(req "$AUTHD_URL/login")
is "$st" "200" "GET /login without a request shows the sign-in form, also with a session"
st=$(sign_in admin "$ADMIN_PW")
s2=$(jar_session)
is "$st $(loc)" "303 /login" "signing in without a pending request"
ok "$([ -n "$s2" ] && [ "$s1" != "$s2" ]; echo $?)" "a new sign-in gets a new session id"
is "$(sql "$DB" "SELECT COUNT(*) FROM ${P}cartman_sessions WHERE id_hash=SHA2('$s1', 256)")" "0" "… and the old session is gone"
st=$(req "$AUTHD_URL/login?request=$rid")
like "$st $(body)" '^200 .*wants to access' "the pending request continues with the session"
sql "$DB" "UPDATE ${P}cartman_sessions SET last_seen_at = UTC_TIMESTAMP() - INTERVAL 31 MINUTE WHERE id_hash=SHA2('$s2', 256)"
st=$(req "$AUTHD_URL/login?request=$rid")
like "$st $(body)" '^200 .*Sign in to' "after 30 minutes idle the session has ended: the sign-in form again"
sign_in admin "$ADMIN_PW" >/dev/null
s3=$(jar_session)
sql "$DB" "UPDATE ${P}cartman_sessions SET expires_at = UTC_TIMESTAMP() - INTERVAL 1 SECOND WHERE id_hash=SHA2('$s3', 256)"
st=$(req "$AUTHD_URL/login?request=$rid")
like "$st $(body)" '^200 .*Sign in to' "past its absolute expiry the session has ended"
sql "$DB" "UPDATE ${P}cartman_auth_requests SET expires_at = UTC_TIMESTAMP() - INTERVAL 1 SECOND WHERE id_hash=SHA2('$rid', 256)"
st=$(req "$AUTHD_URL/login?request=$rid")
like "$st $(body)" '^400 .*expired' "an expired pending request is an error page"
st=$(req "$AUTHD_URL/login?request=not-a-request")
is "$st" "400" "an unknown request id is an error page"
rm -f "$JAR"

# --- lockout (from 127.0.0.9) ----------------------------------------------------------------------
SRC=127.0.0.9
lo0=$(sql "$DB" "SELECT COUNT(*) FROM ${P}cartman_audit_log WHERE event='login' AND detail LIKE '%locked_out%'")
statements_start
t0=$(date +%s)
for i in 1 2 3 4 5; do signin_fresh manager "nope$i" >/dev/null; done
st=$(signin_fresh manager "$MANAGER_PW")
is "$st" "429" "after 5 failures the account is locked, even with the right password"
like "$(hdr retry-after)" '^[0-9]+$' "… with Retry-After"
like "$(body)" 'Too many failed sign-ins' "… and says so"
is "$(hdr ratelimit-limit) $(hdr ratelimit-remaining) $(hdr ratelimit-reset)" "5 0 $(hdr retry-after)" \
    "… and RateLimit-Limit (the threshold), RateLimit-Remaining 0, RateLimit-Reset (the lock's end)"
is "$(sql "$DB" "SELECT COUNT(*) FROM ${P}cartman_audit_log WHERE event='login' AND detail LIKE '%locked_out%'")" "$((lo0 + 1))" "… audited"
sql "$DB" "UPDATE ${P}cartman_login_failures SET locked_until = UTC_TIMESTAMP() - INTERVAL 1 SECOND"
st=$(signin_fresh manager "$MANAGER_PW")
is "$st" "303" "after the lock the right password works"
statements_stop
is "$(sql "$DB" "SELECT COUNT(*) FROM ${P}cartman_login_failures WHERE subject = '$SRC'")" "0" "… and clears the IP's record"
# The lockout thresholds come from the cached security settings (re-read at most every 5 s by one
# request of the process), not from a settings query per sign-in.
lockout_reads="argument LIKE '%cartman_settings%' AND argument LIKE '%lockout%' AND argument NOT LIKE '%https_required%'"
n=$(statements_count "$lockout_reads")
is "$n" "0" "7 sign-ins (5 failed, 1 locked out, 1 right) read no lockout setting but with the cached security settings"
[ "$n" = 0 ] || statements_diag "$lockout_reads"
reloads=$(statements_count "argument LIKE '%cartman_settings%' AND argument LIKE '%https_required%'")
ok "$([ "$reloads" -le $((($(date +%s) - t0) / 5 + 2)) ]; echo $?)" "… which are re-read every 5 s at most ($reloads times)"
SRC=127.0.0.12
for i in 1 2 3; do signin_fresh manager "nope$i" >/dev/null; done
st=$(signin_fresh subscriber "$SUB_PW")
is "$st $(sql "$DB" "SELECT failures FROM ${P}cartman_login_failures WHERE subject = '$SRC'")" "403 3" \
    "a right password for an account that may not connect apps does not clear the address's failures"
SRC=127.0.0.1
sql "$DB" "DELETE FROM ${P}cartman_login_failures"

# --- rate limit per IP (from 127.0.0.11) -------------------------------------------------------------
# (the refused answers are read from the burst itself: a request sent afterwards may already find the
# token that came back meanwhile, at 10/s, on a busy machine)
urls=(); for i in $(seq 1 260); do urls+=(-o "$T/rl$i.body" -D "$T/rl$i.hdr" "$AUTHD_URL/login"); done
codes=$(curl -sS --no-progress-meter "${CA[@]}" --http2 --interface 127.0.0.11 -Z --parallel-max 50 \
    -w '%{http_code}\n' "${urls[@]}" | sort | uniq -c | awk '{print $2}' | tr '\n' ' ')
is "$codes" "200 429 " "260 page loads at once from one address: the first are served, then 429"
refused=$(grep -l '^HTTP/[0-9.]* 429' "$T"/rl*.hdr | head -1)
: >"$T/az.hdr"; : >"$T/az.body"
[ -n "$refused" ] && cp "$refused" "$T/az.hdr" && cp "${refused%.hdr}.body" "$T/az.body"
is "$(hdr retry-after)" "1" "… a page with Retry-After"
like "$(body)" 'Too many requests' "… that says so"
rm -f "$T"/rl*.hdr "$T"/rl*.body
st=$(req "$AUTHD_URL/login")
is "$st" "200" "… other addresses are not affected"
"$BIN/authd" clients delete "$pcid" >/dev/null 2>&1
rm -f "$JAR"
done_testing
