#!/usr/bin/env bash
# Users made by WordPress's own code (tests/vectors/make-wp-user.php: Debian's WordPress 6.1, wp_insert_user)
# sign in through the browser flow (authorize with PKCE → sign-in form with the CSRF cookie → consent →
# code → token exchange) with what a person types: a plain password, one with blanks around it (WordPress
# hashes trim(password)), one with ' " \ set through the slashed path of wp-login.php/install.php (hash of
# addslashes(typed)) and the same set through the API (hash of the raw password), a login in another case,
# an e-mail address. Wrong passwords fail, and the wp_users rows are never written by the daemons.
source "$(dirname "$0")/lib.sh"
CA=(--cacert "$CARTMAN_TLS_CERT")
P=$CARTMAN_DB_PREFIX
T=${CARTMAN_TEST_DIR:-/tmp}
DB=$CARTMAN_DB_NAME
CB=http://127.0.0.1:47123/callback
JAR=$T/wpu.jar
SRC=127.0.32.1 # an address of its own: its own browser rate-limit bucket and lockout record

req() { # req URL [curl args...] → STATUS; body in $T/wpu.body, headers in $T/wpu.hdr; cookies kept in $JAR
    local url=$1; shift
    curl -sS "${CA[@]}" --http2 --interface "$SRC" -b "$JAR" -c "$JAR" -o "$T/wpu.body" -D "$T/wpu.hdr" -w '%{http_code}' "$@" "$url"
}
body() { cat "$T/wpu.body"; }
hdr() { grep -i "^$1:" "$T/wpu.hdr" | head -1 | cut -d' ' -f2- | tr -d '\r'; }
loc() { hdr location; }
field() { grep -o "name=\"$1\" value=\"[^\"]*\"" "$T/wpu.body" | head -1 | sed -E 's/.*value="([^"]*)"/\1/'; }
qp() { php -r 'parse_str((string)parse_url($argv[2], PHP_URL_QUERY), $q); echo $q[$argv[1]] ?? "";' "$1" "$2"; }
urlenc() { jq -rn --arg v "$1" '$v|@uri'; }
j() { jq -r --arg k "$1" '.[$k] // "" | tostring' <<<"${2-$(body)}" 2>/dev/null; }
b64url() { base64 -w0 | tr '+/' '-_' | tr -d '='; }
new_verifier() { head -c 48 /dev/urandom | b64url; }
challenge_of() { printf '%s' "$1" | openssl dgst -sha256 -binary | b64url; }
claims() { php -r '$p = explode(".", $argv[1])[1] ?? ""; echo base64_decode(strtr($p, "-_", "+/"));' "$1"; }
row_of() { # the whole wp_users row of user id $1, and its usermeta, as one string
    sql "$DB" "SELECT CONCAT_WS('|', ID, user_login, user_pass, user_nicename, user_email, user_url, user_registered,
        user_activation_key, user_status, display_name) FROM ${P}users WHERE ID=$1"
    sql "$DB" "SELECT CONCAT_WS('|', umeta_id, meta_key, meta_value) FROM ${P}usermeta WHERE user_id=$1 ORDER BY umeta_id"
}

# make_user LOGIN EMAIL PASSWORD api|form → the new user's id (WordPress's own wp_insert_user)
made=()
make_user() {
    local id
    id=$(php tests/vectors/make-wp-user.php "$1" "$2" "$3" "$4" 2>>"$T/wpu-php.err")
    [[ "$id" =~ ^[0-9]+$ ]] || { echo "# make-wp-user.php failed for $1: $(tail -3 "$T/wpu-php.err")" >&2; echo 0; return; }
    echo "$id"
}

# attempt LOGIN PASSWORD: a fresh browser from GET /oauth/authorize (PKCE verifier $V, set by the caller:
# this runs in a subshell) through POST /login → its STATUS; the sign-in's answer is left in $T/wpu.hdr
attempt() {
    rm -f "$JAR"
    req "$AUTHD_URL/oauth/authorize?response_type=code&client_id=cartman-mobile&redirect_uri=$(urlenc "$CB")&state=wpu&scope=$(urlenc 'orders:read')&code_challenge=$(challenge_of "$V")&code_challenge_method=S256" >/dev/null
    local csrf rid
    csrf=$(field csrf) rid=$(field request_id)
    [ -n "$csrf" ] && grep -q 'cartman_csrf' "$JAR" || echo "# no sign-in form with its CSRF cookie" >&2
    req "$AUTHD_URL/login" --data-urlencode "csrf=$csrf" --data-urlencode "request_id=$rid" \
        --data-urlencode "login=$1" --data-urlencode "password=$2"
}
# signs_in LOGIN PASSWORD USER_ID NAME: the whole flow succeeds for that user, and the tokens name them
signs_in() {
    local st L code at rt
    V=$(new_verifier)
    st=$(attempt "$1" "$2")
    if [ "$st" != 303 ]; then is "$st" "303" "$4: sign-in accepted"; return; fi
    st=$(req "$AUTHD_URL$(loc)")
    if ! [[ "$st $(body)" =~ ^200\ .*wants\ to\ access ]]; then is "$st" "200 (consent page)" "$4: consent page reached"; return; fi
    req "$AUTHD_URL/oauth/authorize" --data-urlencode "csrf=$(field csrf)" --data-urlencode "request_id=$(field request_id)" \
        -d decision=approve >/dev/null
    L=$(loc); code=$(qp code "$L")
    st=$(req "$AUTHD_URL/oauth/token" -d grant_type=authorization_code -d client_id=cartman-mobile --data-urlencode "code=$code" \
        --data-urlencode "redirect_uri=$CB" -d "code_verifier=$V")
    at=$(j access_token) rt=$(j refresh_token)
    [ "$st" = 200 ] || diag "token exchange: $st $(body) (redirect: $L)"
    is "$st $(j sub "$(claims "$at")")" "200 $3" "$4: signs in, consents, and the code exchange issues tokens for that user"
    # the grant is not needed any more: revoke it, so that nothing of these users outlives the test
    req "$AUTHD_URL/oauth/revoke" -d client_id=cartman-mobile -d token_type_hint=refresh_token --data-urlencode "token=$rt" >/dev/null
}
# refused LOGIN PASSWORD NAME: the sign-in form answers 400 (wrong user or password), no session
refused() {
    local st
    V=$(new_verifier)
    st=$(attempt "$1" "$2")
    is "$st|$(grep -ci '^set-cookie: __Host-cartman_session' "$T/wpu.hdr")" "400|0" "$3: refused, no session"
}

sfx=$(od -An -N4 -tu4 /dev/urandom | tr -d ' ')
: >"$T/wpu-php.err"

# (a) a plain password
PW_A="Plain-pass-$sfx"
id_a=$(make_user "wpu_plain_$sfx" "wpu_plain_$sfx@store.example.test" "$PW_A" api)
# (b) a password with blanks around it: WordPress stores the hash of the trimmed password
PW_B="  padded pass $sfx  "
id_b=$(make_user "wpu_padded_$sfx" "wpu_padded_$sfx@store.example.test" "$PW_B" api)
# (c) ' " \ in the password: once through the slashed path (wp-login.php, install.php), once through the API
PW_C="it's a \"quoted\" pass\\word $sfx"
id_cf=$(make_user "wpu_qform_$sfx" "wpu_qform_$sfx@store.example.test" "$PW_C" form)
id_ca=$(make_user "wpu_qapi_$sfx" "wpu_qapi_$sfx@store.example.test" "$PW_C" api)
# (d) a login with upper-case letters
PW_D="Case-pass-$sfx"
LOGIN_D="wpu_MixedCase_$sfx"
id_d=$(make_user "$LOGIN_D" "wpu_case_$sfx@store.example.test" "$PW_D" api)
# (e) signs in with the e-mail address
PW_E="Mail-pass-$sfx"
MAIL_E="wpu.mail.$sfx@store.example.test"
id_e=$(make_user "wpu_mail_$sfx" "$MAIL_E" "$PW_E" api)
made=("$id_a" "$id_b" "$id_cf" "$id_ca" "$id_d" "$id_e")
ids=$(IFS=,; echo "${made[*]}")

bad=0; for id in "${made[@]}"; do [ "$id" -gt 0 ] || bad=1; done
is "$bad" "0" "WordPress's wp_insert_user made six users"
is "$(sql "$DB" "SELECT COUNT(*) FROM ${P}usermeta WHERE user_id IN ($ids) AND meta_key='${P}capabilities' AND meta_value='a:1:{s:12:\"shop_manager\";b:1;}'")" \
    "6" "… each a shop_manager ({prefix}capabilities serialised by WordPress)"
like "$(sql "$DB" "SELECT GROUP_CONCAT(user_pass) FROM ${P}users WHERE ID IN ($ids)")" '^(\$P\$B[./0-9A-Za-z]{30},){5}\$P\$B[./0-9A-Za-z]{30}$' \
    "… with phpass hashes (wp_hash_password)"
hash_of() { sql "$DB" "SELECT user_pass FROM ${P}users WHERE ID=$1"; }
phpass_ok() { php -r 'require "/usr/share/wordpress/wp-includes/class-phpass.php"; echo (new PasswordHash(8, true))->CheckPassword($argv[1], $argv[2]) ? "yes" : "no";' "$1" "$2"; }
is "$(phpass_ok "padded pass $sfx" "$(hash_of "$id_b")") $(phpass_ok "$PW_B" "$(hash_of "$id_b")")" "yes no" \
    "WordPress hashed the trimmed password of the padded one"
is "$(phpass_ok "it\\'s a \\\"quoted\\\" pass\\\\word $sfx" "$(hash_of "$id_cf")") $(phpass_ok "$PW_C" "$(hash_of "$id_cf")")" "yes no" \
    "the slashed path hashed addslashes(typed)"
is "$(phpass_ok "$PW_C" "$(hash_of "$id_ca")")" "yes" "the API hashed the raw password"

before=""; for id in "${made[@]}"; do before+="$(row_of "$id")"$'\n'; done

sql "$DB" "DELETE FROM ${P}cartman_login_failures WHERE subject_type='ip' AND subject='$SRC'"

# --- they sign in with what a person types -------------------------------------------------------------
signs_in "wpu_plain_$sfx" "$PW_A" "$id_a" "(a) a plain password"
signs_in "wpu_padded_$sfx" "$PW_B" "$id_b" "(b) the password typed with its blanks"
signs_in "wpu_padded_$sfx" "padded pass $sfx" "$id_b" "(b) … and without them"
signs_in "wpu_qform_$sfx" "$PW_C" "$id_cf" "(c) quotes and a backslash, set through wp-login.php's slashed path, typed raw"
signs_in "wpu_qapi_$sfx" "$PW_C" "$id_ca" "(c) the same password set through the API, typed raw"
signs_in "wpu_mixedcase_$sfx" "$PW_D" "$id_d" "(d) a login with upper-case letters, typed in lower case"
signs_in "WPU_MIXEDCASE_$sfx" "$PW_D" "$id_d" "(d) … and in upper case"
signs_in "$MAIL_E" "$PW_E" "$id_e" "(e) the e-mail address as login"
signs_in "  $MAIL_E " "$PW_E" "$id_e" "(e) … with blanks around it"
signs_in "${MAIL_E^^}" "$PW_E" "$id_e" "(e) … in upper case"

# --- wrong passwords fail --------------------------------------------------------------------------------
refused "wpu_plain_$sfx" "${PW_A}x" "(a) a wrong password"
refused "wpu_plain_$sfx" "plain-pass-$sfx" "(a) the password in another case"
refused "wpu_padded_$sfx" "paddedpass $sfx" "(b) the padded password without its inner blank"
refused "wpu_qform_$sfx" "its a \"quoted\" pass\\word $sfx" "(c) the slashed one without its quote"
refused "wpu_qform_$sfx" "it's a \"quoted\" pass/word $sfx" "(c) … with / instead of \\"
refused "wpu_qapi_$sfx" "it's a 'quoted' pass\\word $sfx" "(c) the API one with ' for \""
refused "wpu_mixedcase_$sfx" "${PW_D,,}" "(d) the right login in another case, a wrong password"
refused "$MAIL_E" "${PW_E}!" "(e) the e-mail address with a wrong password"
refused "$MAIL_E" "$PW_A" "(e) … with another user's password"

# --- the daemons never write wp_users ---------------------------------------------------------------------
after=""; for id in "${made[@]}"; do after+="$(row_of "$id")"$'\n'; done
is "$after" "$before" "the users' rows (user_pass included) and usermeta are unchanged after every sign-in"
is "$(sql "$DB" "SELECT COUNT(*) FROM ${P}cartman_audit_log WHERE event='login' AND result='ok' AND user_id IN ($ids)")" "10" \
    "every successful sign-in is audited"
leak=0
audit=$(sql "$DB" "SELECT CONCAT_WS(' ', event, result, detail) FROM ${P}cartman_audit_log WHERE event='login'")
for s in "$PW_A" "padded pass $sfx" "quoted" "$PW_D" "$PW_E"; do grep -qF -- "$s" <<<"$audit" && leak=1; done
is "$leak" "0" "… never with a password"

# --- clean up: the users, their meta, sessions and lockout records ---------------------------------------
is "$(sql "$DB" "SELECT COUNT(*) FROM ${P}cartman_grants WHERE user_id IN ($ids) AND revoked_at IS NULL")" "0" \
    "the grants made here were revoked"
sql "$DB" "DELETE FROM ${P}cartman_sessions WHERE user_id IN ($ids)"
sql "$DB" "DELETE FROM ${P}cartman_login_failures WHERE (subject_type='ip' AND subject='$SRC') OR (subject_type='user' AND subject IN ('$(sed "s/,/','/g" <<<"$ids")'))"
sql "$DB" "DELETE FROM ${P}usermeta WHERE user_id IN ($ids)"
sql "$DB" "DELETE FROM ${P}users WHERE ID IN ($ids)"
is "$(sql "$DB" "SELECT COUNT(*) FROM ${P}users WHERE user_login LIKE 'wpu\\_%'")" "0" "the users made here are gone"
rm -f "$JAR"
done_testing
