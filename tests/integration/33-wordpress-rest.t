#!/usr/bin/env bash
# A real WordPress boots on the seeded store: Debian's WordPress 6.1 under php-fpm behind nginx
# (common/scripts/wordpress.sh, as `make bench` runs it) answers its REST API over HTTPS and HTTP/2 on the
# test store, lists the users of wp_users for an administrator who authenticates with an application
# password made by WordPress's own code, and refuses the request without one. The store has every option
# WordPress's installer (populate_options) writes, so WordPress does not look them up one by one.
source "$(dirname "$0")/lib.sh"
T=${CARTMAN_TEST_DIR:-/tmp}
DB=$CARTMAN_DB_NAME
P=$CARTMAN_DB_PREFIX
export CARTMAN_WP_DIR=$T/wordpress BENCH_PORT_BASE=$TEST_PORT_BASE
WP_URL=https://127.0.0.1:$((TEST_PORT_BASE + 243))
CA=(--cacert "$CARTMAN_VAR/tls/cert.pem")
WPS=common/scripts/wordpress.sh

# every option of WordPress's populate_options() defaults (wp-admin/includes/schema.php) is in the store
names=$(php -r '
    preg_match("/\\\$defaults = array\((.*?)\n\t\);/s", file_get_contents("/usr/share/wordpress/wp-admin/includes/schema.php"), $m);
    preg_match_all("/^\t\t\x27([A-Za-z_]+)\x27\s*=>/m", $m[1], $n);
    echo implode(",", array_map(function ($x) { return "\x27$x\x27"; }, $n[1]));')
want=$(tr ',' '\n' <<<"$names" | wc -l)
ok "$([ "$want" -gt 70 ]; echo $?)" "WordPress's installer defaults read from schema.php ($want options)"
is "$(sql "$DB" "SELECT COUNT(*) FROM ${P}options WHERE option_name IN ($names)")" "$want" \
    "the seeded store has every one of them"

if ! $WPS check 2>"$T/wp-check.err"; then
    ok 1 "nginx, php-fpm and WordPress are installed: $(cat "$T/wp-check.err")"
    done_testing; exit
fi
admin=$(sql "$DB" "SELECT ID FROM ${P}users WHERE user_login='admin'")
# the admin's application passwords as they were before (hex: any bytes), put back at the end
meta_before=$(sql "$DB" "SELECT HEX(meta_value) FROM ${P}usermeta WHERE user_id=$admin AND meta_key='_application_passwords'")
restore() {
    if [ -z "$meta_before" ]; then
        sql "$DB" "DELETE FROM ${P}usermeta WHERE user_id=$admin AND meta_key='_application_passwords'"
    else
        sql "$DB" "UPDATE ${P}usermeta SET meta_value=UNHEX('$meta_before') WHERE user_id=$admin AND meta_key='_application_passwords'"
    fi
}
trap '$WPS stop; restore' EXIT

$WPS start 2>"$T/wp-start.err"
ok $? "WordPress starts under php-fpm and nginx on the test store $(cat "$T/wp-start.err")"
pids=$($WPS pids)
like "$pids" '^[0-9]+( [0-9]+){3,}$' "nginx's and php-fpm's processes are known ($pids)"

st=$(curl -sS --http2 "${CA[@]}" -o "$T/wp.body" -w '%{http_code} %{http_version}' "$WP_URL/wp-json/")
is "$st $(jq -r .name "$T/wp.body")" "200 2 $(sql "$DB" "SELECT option_value FROM ${P}options WHERE option_name='blogname'")" \
    "GET /wp-json/ over HTTP/2 names the store"

pw=$(php tests/vectors/make-app-password.php "$admin" "rest-test" 2>"$T/wp-ap.err")
like "$pw" '^([A-Za-z0-9]{4} ){5}[A-Za-z0-9]{4}$' "WordPress made an application password for admin"
route="/wp-json/wp/v2/users?per_page=10&context=edit"
st=$(curl -sS --http2 "${CA[@]}" -u "admin:$pw" -o "$T/wp.body" -D "$T/wp.hdr" -w '%{http_code}' "$WP_URL$route")
total=$(grep -i '^x-wp-total:' "$T/wp.hdr" | tr -dc 0-9)
is "$st $total $(jq length "$T/wp.body")" "200 $(sql "$DB" "SELECT COUNT(*) FROM ${P}users") 10" \
    "the administrator lists users with the application password: X-WP-Total is the wp_users count"
ids=$(jq -r 'map(.id) | join(",")' "$T/wp.body")
is "$(sql "$DB" "SELECT COUNT(*) FROM ${P}users WHERE ID IN (${ids:-0})")" "10" "… and every listed id is a wp_users row"
is "$(jq -r 'sort_by(.id) | map(.email) | join(",")' "$T/wp.body")" \
    "$(sql "$DB" "SELECT GROUP_CONCAT(user_email ORDER BY ID) FROM ${P}users WHERE ID IN (${ids:-0})")" \
    "… with their e-mail addresses (context=edit) as wp_users has them"

st=$(curl -sS --http2 "${CA[@]}" -o "$T/wp.body" -w '%{http_code}' "$WP_URL$route")
is "$st $(jq -r .code "$T/wp.body")" "401 rest_forbidden_context" "without credentials: 401"
st=$(curl -sS --http2 "${CA[@]}" -u "admin:${pw%????}abcd" -o "$T/wp.body" -w '%{http_code}' "$WP_URL$route")
is "$st $(jq -r .code "$T/wp.body")" "401 rest_forbidden_context" "a wrong application password: 401, as anonymous"

$WPS stop
alive=0; for p in $pids; do kill -0 "$p" 2>/dev/null && alive=$((alive + 1)); done
is "$alive $(ls "$CARTMAN_WP_DIR"/*.pid 2>/dev/null | wc -l)" "0 0" "stop ends every nginx and php-fpm process"
is "$(cat "$CARTMAN_WP_DIR"/php-errors.log 2>/dev/null | grep -cv 'PHP Deprecated')" "0" "PHP logged no errors or warnings"
done_testing
