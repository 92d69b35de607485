#!/usr/bin/env bash
# GET /orders and GET /orders/{id} against the running daemons (HPOS test store, 2000 orders), and
# against a second apid on a posts-storage store (cartman_test_posts, 300 orders): paging headers and
# Link, every filter and combinations checked against SQL, SQL metacharacters in every filter (400 or
# an empty match, never 500, nothing changes), per_page bounds, and full orders compared field by
# field with a direct SQL recomputation.
source "$(dirname "$0")/lib.sh"
CA=(--cacert "$CARTMAN_TLS_CERT")
T=${CARTMAN_TEST_DIR:-/tmp}
P=$CARTMAN_DB_PREFIX
SRC=127.0.0.50

get() { # get URL [curl args] → STATUS; body in $T/o.body, headers in $T/o.hdr
    local url=$1; shift
    curl -sS "${CA[@]}" --http2 --interface "$SRC" -o "$T/o.body" -D "$T/o.hdr" -w '%{http_code}' \
        -H "Authorization: Bearer $at" "$@" "$url"
}
hdr() { grep -i "^$1:" "$T/o.hdr" | head -1 | cut -d' ' -f2- | tr -d '\r'; }
jq_() { jq -r "$1" <"$T/o.body" 2>/dev/null; }

key=$("$BIN/authd" keys create-connection-key --label "orders test" 2>/dev/null)
at=$(curl -sS "${CA[@]}" --interface "$SRC" -u "cartman-mobile:$key" -d grant_type=client_credentials \
    "$AUTHD_URL/oauth/token" | jq -r .access_token)
like "$at" '^[A-Za-z0-9_-]+\.' "an access token"
# apid fetches authd's keys in the background: when both just started, wait until it has them
for _ in $(seq 1 50); do [ "$(get "$APID_URL/cartman/v1/orders?per_page=1")" != 503 ] && break; sleep 0.2; done

VISIBLE="('wc-pending','wc-processing','wc-on-hold','wc-completed','wc-cancelled','wc-refunded','wc-failed')"

# run_store DB BASE_URL STORAGE
run_store() {
    local db=$1 base=$2 st=$3 ord cnt
    if [ "$st" = hpos ]; then
        ord="SELECT o.id, o.status, o.customer_id, o.billing_email, o.date_created_gmt AS created, o.total_amount AS total,
                    CONCAT_WS(' ', b.first_name, b.last_name) AS name
             FROM ${P}wc_orders o LEFT JOIN ${P}wc_order_addresses b ON b.order_id = o.id AND b.address_type = 'billing'
             WHERE o.type = 'shop_order'"
    else
        ord="SELECT p.ID AS id, p.post_status AS status, p.post_date_gmt AS created,
                    (SELECT meta_value FROM ${P}postmeta WHERE post_id = p.ID AND meta_key = '_customer_user') AS customer_id,
                    (SELECT meta_value FROM ${P}postmeta WHERE post_id = p.ID AND meta_key = '_billing_email') AS billing_email,
                    (SELECT meta_value FROM ${P}postmeta WHERE post_id = p.ID AND meta_key = '_order_total') AS total,
                    CONCAT_WS(' ', (SELECT meta_value FROM ${P}postmeta WHERE post_id = p.ID AND meta_key = '_billing_first_name'),
                              (SELECT meta_value FROM ${P}postmeta WHERE post_id = p.ID AND meta_key = '_billing_last_name')) AS name
             FROM ${P}posts p WHERE p.post_type = 'shop_order'"
    fi
    cnt() { sql "$db" "SELECT COUNT(*) FROM ($ord) x WHERE x.status IN $VISIBLE ${1:+AND $1}"; }
    local all; all=$(cnt)
    local O=$base/orders

    # --- paging ---
    is "$(get "$O")" 200 "$st: list"
    is "$(hdr x-wp-total)" "$all" "$st: X-WP-Total is the number of orders"
    is "$(hdr x-wp-totalpages)" "$(((all + 9) / 10))" "$st: X-WP-TotalPages at 10 per page"
    is "$(jq_ length)" 10 "$st: 10 orders by default"
    is "$(jq_ '.[0].id')" "$(sql "$db" "SELECT id FROM ($ord) x WHERE x.status IN $VISIBLE ORDER BY created DESC, id DESC LIMIT 1")" \
        "$st: newest first"
    is "$(jq_ '[.[].date_created_gmt] | . == (sort | reverse)')" true "$st: sorted by date, descending"
    like "$(hdr link)" "^<https://[^>]*$(echo "$base" | sed 's|https://[^/]*||')/orders\?page=2&per_page=10>; rel=\"next\"$" "$st: Link next only on page 1"
    is "$(get "$O?page=3&per_page=7&status=completed")" 200 "$st: page 3"
    like "$(hdr link)" 'status=completed&page=2&per_page=7>; rel="prev", <[^>]*status=completed&page=4&per_page=7>; rel="next"' \
        "$st: Link prev and next keep the filters"
    local last=$(((all + 99) / 100))
    is "$(get "$O?per_page=100&page=$last")" 200 "$st: last page"
    is "$(jq_ length)" "$((all - (last - 1) * 100))" "$st: last page holds the rest"
    unlike_next=$(hdr link | grep -c 'rel="next"' || true)
    is "$unlike_next" 0 "$st: no next on the last page"
    is "$(get "$O?per_page=100&page=$((last + 5))")" 200 "$st: past the end"
    is "$(jq_ length) $(hdr x-wp-total)" "0 $all" "$st: past the end is empty with the right total"
    is "$(get "${base/cartman\/v1/wp-json/cartman/v1}/orders?per_page=5")" 200 "$st: under /wp-json too"
    like "$(hdr link)" '/wp-json/cartman/v1/orders\?page=2&per_page=5>' "$st: Link under the prefix used"
    for pp in 0 101 -1 abc 1.5 ''; do
        is "$(get "$O?per_page=$pp") $(jq_ .code)" "400 rest_invalid_param" "$st: per_page=$pp is refused"
    done
    is "$(get "$O?per_page=1") $(jq_ length)" "200 1" "$st: per_page=1"
    is "$(get "$O?page=0") $(jq_ .code)" "400 rest_invalid_param" "$st: page=0 is refused"

    # --- filters ---
    is "$(get "$O?status=processing&per_page=100") $(hdr x-wp-total)" "200 $(cnt "x.status='wc-processing'")" "$st: status=processing"
    is "$(jq_ '[.[].status] | unique | join(",")')" processing "$st: only processing orders"
    is "$(get "$O?status=processing,on-hold&per_page=100"; echo " $(hdr x-wp-total)")" \
        "200 $(cnt "x.status IN ('wc-processing','wc-on-hold')")" "$st: status list"
    is "$(get "$O?status=trash") $(hdr x-wp-total)" "200 $(sql "$db" "SELECT COUNT(*) FROM ($ord) x WHERE x.status='trash'")" "$st: status=trash"
    is "$(get "$O?status=shipped") $(jq_ .code)" "400 cartman_invalid_param" "$st: unknown status"
    is "$(get "$O?after=2026-10-01T00:00:00Z") $(hdr x-wp-total)" "200 $(cnt "x.created > '2026-10-01 00:00:00'")" "$st: after (UTC)"
    is "$(get "$O?before=2026-09-01T02:00:00%2B02:00") $(hdr x-wp-total)" "200 $(cnt "x.created < '2026-09-01 00:00:00'")" \
        "$st: before with an offset"
    is "$(get "$O?after=2026-08-01T02:00:00&before=2026-09-01T02:00:00") $(hdr x-wp-total)" \
        "200 $(cnt "x.created > '2026-08-01 00:00:00' AND x.created < '2026-09-01 00:00:00'")" "$st: after and before in store time (Europe/Berlin, summer)"
    for bad in 2026-10-01 yesterday 2026-13-01T00:00:00 '2026-10-01T00:00:00+2'; do
        is "$(get "$O" -G --data-urlencode "after=$bad") $(jq_ .code)" "400 cartman_invalid_param" "$st: after=$bad is refused"
    done
    local cust; cust=$(sql "$db" "SELECT customer_id FROM ($ord) x WHERE customer_id > 0 GROUP BY customer_id ORDER BY COUNT(*) DESC LIMIT 1")
    is "$(get "$O?customer=$cust&per_page=100") $(hdr x-wp-total)" "200 $(cnt "x.customer_id=$cust")" "$st: customer=$cust"
    is "$(jq_ "[.[].customer_id] | unique | join(\",\")")" "$cust" "$st: only that customer's orders"
    is "$(get "$O?customer=$cust&status=completed") $(hdr x-wp-total)" "200 $(cnt "x.customer_id=$cust AND x.status='wc-completed'")" \
        "$st: customer and status"
    local email; email=$(sql "$db" "SELECT billing_email FROM ($ord) x WHERE x.status IN $VISIBLE LIMIT 1")
    is "$(get "$O" -G --data-urlencode "search=$email"; echo " $(hdr x-wp-total)")" "200 $(cnt "x.billing_email LIKE '%$email%'")" "$st: search by e-mail"
    local name; name=$(sql "$db" "SELECT name FROM ($ord) x WHERE x.status IN $VISIBLE LIMIT 1")
    is "$(get "$O" -G --data-urlencode "search=$name"; echo " $(hdr x-wp-total)")" \
        "200 $(cnt "(x.name LIKE '%$name%' OR x.billing_email LIKE '%$name%')")" "$st: search by billing name ($name)"
    local num; num=$(sql "$db" "SELECT id FROM ($ord) x WHERE x.status IN $VISIBLE ORDER BY id LIMIT 1 OFFSET 5")
    is "$(get "$O?search=$num") $(jq_ '.[0].id')" "200 $num" "$st: search by order number"
    is "$(get "$O?search=$num&status=completed&customer=$cust&after=2020-01-01T00:00:00Z") $(hdr x-wp-total)" \
        "200 $(cnt "x.id=$num AND x.status='wc-completed' AND x.customer_id=$cust")" "$st: all filters at once"

    # --- SQL metacharacters: 400 or an honest empty match, never an error, nothing changes ---
    local before_sum; before_sum=$(sql "$db" "SELECT COUNT(*), SUM(CRC32(CONCAT_WS('|', id, status, total))) FROM ($ord) x")
    for v in "'" "' OR '1'='1" '" OR 1=1 --' '%' '_' '\' '%%' "1; DROP TABLE ${P}posts" ') OR (1=1' "\\' OR 1 #" 'é%_\x'; do
        for f in status after before customer search page per_page; do
            code=$(get "$O" -G --data-urlencode "$f=$v")
            ok "$([ "$code" = 200 ] || [ "$code" = 400 ]; echo $?)" "$st: $f=$v → $code"
        done
        get "$O" -G --data-urlencode "search=$v" >/dev/null
        is "$(hdr x-wp-total)" 0 "$st: search=$v matches nothing"
    done
    is "$(sql "$db" "SELECT COUNT(*), SUM(CRC32(CONCAT_WS('|', id, status, total))) FROM ($ord) x")" "$before_sum" "$st: nothing changed"

    # --- full orders against SQL ---
    local ids; ids=$(sql "$db" "SELECT id FROM ($ord) x ORDER BY (SELECT COUNT(*) FROM ${P}woocommerce_order_items i WHERE i.order_id = x.id) DESC, id LIMIT 2")
    ids="$ids $(sql "$db" "SELECT DISTINCT $( [ "$st" = hpos ] && echo parent_order_id || echo post_parent) FROM ${P}$( [ "$st" = hpos ] && echo "wc_orders WHERE type" || echo "posts WHERE post_type")='shop_order_refund' LIMIT 3")"
    for id in $ids; do
        is "$(get "$O/$id")" 200 "$st: order $id"
        local want got
        want=$(sql "$db" "SELECT CONCAT_WS('|', x.id, FORMAT(x.total, 2, 'en_US'), x.billing_email, REPLACE(x.status, 'wc-', ''),
                 (SELECT COUNT(*) FROM ${P}woocommerce_order_items i WHERE i.order_id = x.id AND i.order_item_type = 'line_item'),
                 (SELECT COALESCE(SUM(m.meta_value), 0) FROM ${P}woocommerce_order_items i JOIN ${P}woocommerce_order_itemmeta m
                    ON m.order_item_id = i.order_item_id AND m.meta_key = '_qty' WHERE i.order_id = x.id AND i.order_item_type = 'line_item'),
                 (SELECT COUNT(*) FROM ${P}comments c WHERE c.comment_post_ID = x.id AND c.comment_type = 'order_note'))
                 FROM ($ord) x WHERE x.id = $id" | sed 's/,//g')
        got=$(jq_ '[.id, .total, .billing.email, .status, (.line_items | length), ([.line_items[].quantity] | add // 0), (.notes | length)] | map(tostring) | join("|")')
        is "$got" "$want" "$st: order $id: id, total, billing e-mail, status, items, quantity, notes"
        if [ "$st" = hpos ]; then
            want=$(sql "$db" "SELECT CONCAT_WS('|', COUNT(*), COALESCE(FORMAT(SUM(total_amount), 2, 'en_US'), '0.00')) FROM ${P}wc_orders
                              WHERE parent_order_id = $id AND type = 'shop_order_refund'" | sed 's/,//g')
        else
            want=$(sql "$db" "SELECT CONCAT_WS('|', COUNT(*), COALESCE(FORMAT(SUM(m.meta_value), 2, 'en_US'), '0.00')) FROM ${P}posts r
                              JOIN ${P}postmeta m ON m.post_id = r.ID AND m.meta_key = '_order_total'
                              WHERE r.post_parent = $id AND r.post_type = 'shop_order_refund'" | sed 's/,//g')
        fi
        is "$(jq_ '[(.refunds | length), ([.refunds[].total | tonumber] | add // 0 | . * 100 | round / 100 | tostring)] | join("|")' | sed 's/|0$/|0.00/')" \
            "$(echo "$want" | awk -F'|' '{ printf "%s|%s\n", $1, ($2 + 0 == int($2 + 0)) ? int($2 + 0) : $2 + 0 }' | sed 's/|0$/|0.00/')" \
            "$st: order $id: refunds and their total"
        is "$(jq_ '[.line_items[] | (.total | tonumber) + (.total_tax | tonumber)] | add // 0 | . * 100 | round')" \
            "$(sql "$db" "SELECT ROUND(COALESCE(SUM(m.meta_value), 0) * 100) FROM ${P}woocommerce_order_items i JOIN ${P}woocommerce_order_itemmeta m
                          ON m.order_item_id = i.order_item_id AND m.meta_key IN ('_line_total', '_line_tax')
                          WHERE i.order_id = $id AND i.order_item_type = 'line_item'")" "$st: order $id: line totals with tax"
        like "$(jq_ .date_created_gmt)" '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}$' "$st: order $id: date_created_gmt"
        is "$(jq_ .date_created_gmt | tr T ' ')" "$(sql "$db" "SELECT created FROM ($ord) x WHERE x.id = $id")" "$st: order $id: date_created_gmt is the stored GMT date"
        if [ "$st" = hpos ]; then want="admin.php?page=wc-orders&action=edit&id=$id"; else want="post.php?post=$id&action=edit"; fi
        is "$(jq_ .admin_url | sed 's|.*/wp-admin/||')" "$want" "$st: order $id: admin_url"
        is "$(jq_ '.meta_data | length')" 0 "$st: order $id: meta_data is empty"
        # regression: a line item's price is a PHP float, total / quantity, printed as WooCommerce's
        # json_encode prints it (serialize_precision -1: 22.9, never 22.899999999999999)
        want=$(sql "$db" "SELECT CONCAT(t.meta_value, '/', q.meta_value) FROM ${P}woocommerce_order_items i
                          JOIN ${P}woocommerce_order_itemmeta t ON t.order_item_id = i.order_item_id AND t.meta_key = '_line_total'
                          JOIN ${P}woocommerce_order_itemmeta q ON q.order_item_id = i.order_item_id AND q.meta_key = '_qty'
                          WHERE i.order_id = $id AND i.order_item_type = 'line_item' ORDER BY i.order_item_id")
        want=$(php -r 'ini_set("serialize_precision", "-1"); $o = [];
                       foreach (array_slice($argv, 1) as $a) { [$t, $q] = explode("/", $a); $o[] = json_encode($q ? $t / $q : 0); }
                       echo implode(" ", $o);' -- $want)
        is "$(grep -o '"price":[^,}]*' "$T/o.body" | cut -d: -f2 | paste -sd' ')" "$want" "$st: order $id: line item prices as PHP prints them"
    done
    is "$(get "$O/999999999") $(jq_ .code)" "404 cartman_order_invalid_id" "$st: unknown id"
    local rid
    if [ "$st" = hpos ]; then rid=$(sql "$db" "SELECT MIN(id) FROM ${P}wc_orders WHERE type = 'shop_order_refund'")
    else rid=$(sql "$db" "SELECT MIN(ID) FROM ${P}posts WHERE post_type = 'shop_order_refund'"); fi
    like "$rid" '^[0-9]+$' "$st: there is a refund"
    is "$(get "$O/$rid") $(jq_ .code)" "404 cartman_order_invalid_id" "$st: a refund id ($rid) is no order"
    is "$(get "$O/abc") $(jq_ .code)" "404 cartman_order_invalid_id" "$st: a non-numeric id"
    is "$(get "$O/1%27%20OR%201=1") $(jq_ .code)" "404 cartman_order_invalid_id" "$st: SQL in the id"
    is "$(get "$O/0") $(jq_ .code)" "404 cartman_order_invalid_id" "$st: id 0"
    is "$(get "$O/18446744073709551615") $(jq_ .code)" "404 cartman_order_invalid_id" "$st: the largest 64-bit id: no such order"
    is "$(get "$O/18446744073709551616") $(jq_ .code)" "404 cartman_order_invalid_id" "$st: an id over 64 bits"
    is "$(curl -sS "${CA[@]}" --http2 -o /dev/null -w '%{http_code}' -H "Authorization: Bearer x.y.z" "$O")" 401 "$st: a bad token gets no orders"
    is "$(curl -sS "${CA[@]}" --http2 -o /dev/null -w '%{http_code}' "$O/$id")" 401 "$st: no token gets no order"
}

run_store "$CARTMAN_DB_NAME" "$APID_URL/cartman/v1" hpos

# --- list totals follow WooCommerce's writes (a status change bumps date_updated_gmt), also within one second ---
DB=$CARTMAN_DB_NAME
O=$APID_URL/cartman/v1/orders
x=$(sql "$DB" "SELECT id FROM ${P}wc_orders WHERE type = 'shop_order' AND status = 'wc-processing' ORDER BY id LIMIT 1")
n0=$(sql "$DB" "SELECT COUNT(*) FROM ${P}wc_orders WHERE type = 'shop_order' AND status = 'wc-processing'")
for _ in 1 2 3 4; do get "$O?status=processing&per_page=1" >/dev/null; done
is "$(hdr x-wp-total)" "$n0" "processing total, counted and cached"
sql "$DB" "UPDATE ${P}wc_orders SET status = 'wc-on-hold', date_updated_gmt = UTC_TIMESTAMP() WHERE id = $x"
for _ in 1 2 3 4; do get "$O?status=processing&per_page=1" >/dev/null; is "$(hdr x-wp-total)" "$((n0 - 1))" "a status change shows at once"; done
sql "$DB" "UPDATE ${P}wc_orders SET status = 'wc-processing', date_updated_gmt = UTC_TIMESTAMP() WHERE id = $x"
for _ in 1 2 3 4; do get "$O?status=processing&per_page=1" >/dev/null; is "$(hdr x-wp-total)" "$n0" "and its undoing in the same second too"; done

# --- list pages come from the order cache only while an order is unchanged ---
get "$O?per_page=5" >/dev/null
get "$O?per_page=5" >/dev/null # now from the cache
y=$(jq_ '.[2].id')
name0=$(sql "$DB" "SELECT first_name FROM ${P}wc_order_addresses WHERE order_id = $y AND address_type = 'billing'")
upd0=$(sql "$DB" "SELECT date_updated_gmt FROM ${P}wc_orders WHERE id = $y")
sql "$DB" "UPDATE ${P}wc_order_addresses SET first_name = 'Renamed' WHERE order_id = $y AND address_type = 'billing'"
sql "$DB" "UPDATE ${P}wc_orders SET date_updated_gmt = UTC_TIMESTAMP() WHERE id = $y"
get "$O?per_page=5" >/dev/null
is "$(jq_ ".[] | select(.id == $y) | .billing.first_name")" Renamed "an order saved since shows its new data in the list at once"
sql "$DB" "UPDATE ${P}wc_order_addresses SET first_name = 'Again' WHERE order_id = $y AND address_type = 'billing'"
sql "$DB" "UPDATE ${P}wc_orders SET date_updated_gmt = UTC_TIMESTAMP() WHERE id = $y"
get "$O?per_page=5" >/dev/null
is "$(jq_ ".[] | select(.id == $y) | .billing.first_name")" Again "and a second save within the same second too"
sql "$DB" "UPDATE ${P}wc_order_addresses SET first_name = '$name0' WHERE order_id = $y AND address_type = 'billing'"
sql "$DB" "UPDATE ${P}wc_orders SET date_updated_gmt = '$upd0' WHERE id = $y"

# --- a posts-storage store behind a second apid ---
PDB=${ORDERS_POSTS_DB:-cartman_test_posts}
store_create "$PDB" posts 300 7
is "$(sql "$PDB" "SELECT option_value FROM ${P}options WHERE option_name = 'woocommerce_custom_orders_table_enabled'")" no "posts store seeded"
PP=$((TEST_PORT_BASE + 370))
apid_start "$PDB" "$PP"
run_store "$PDB" "https://127.0.0.1:$PP/cartman/v1" posts
apid_stop "$PDB"
sql_server "DROP DATABASE IF EXISTS $PDB"
done_testing
