#!/usr/bin/env bash
# meta_data of GET /orders/{id} and GET /orders as WooCommerce's REST API v3 builds it, under HPOS (the
# test store) and posts storage (a second apid on cartman_test_order_meta): seeded order meta in meta id
# order, serialized values as JSON, WooCommerce's internal keys and 'wp_' keys never, protected keys
# only while the admin's order_meta_allowlist names them; item meta with display_key/display_value
# (attribute label and term name from the database, text through WordPress's own clean-ups); the
# other fields WooCommerce adds (payment_url, is_editable, needs_payment, needs_processing, image.id,
# parent_name). Reads change nothing in the database.
source "$(dirname "$0")/lib.sh"
# saved DB STORAGE ID: the order's save that follows a meta edit in WooCommerce (HPOS: date_updated_gmt, posts:
# post_modified); GET /orders/{id} answers from apid's order cache until the order's date moves
saved() {
    if [ "$2" = hpos ]; then sql "$1" "UPDATE ${P}wc_orders SET date_updated_gmt = UTC_TIMESTAMP() WHERE id = $3"
    else sql "$1" "UPDATE ${P}posts SET post_modified = NOW(), post_modified_gmt = UTC_TIMESTAMP() WHERE ID = $3"; fi
}
CA=(--cacert "$CARTMAN_TLS_CERT")
T=${CARTMAN_TEST_DIR:-/tmp}
P=$CARTMAN_DB_PREFIX
SRC=127.0.0.51
HERE=$(dirname "$0")

get() { # get URL → STATUS; body in $T/m.body
    curl -sS "${CA[@]}" --http2 --interface "$SRC" -o "$T/m.body" -w '%{http_code}' -H "Authorization: Bearer $at" "$1"
}
jq_() { jq -c "$1" <"$T/m.body" 2>/dev/null; }
jr() { jq -r "$1" <"$T/m.body" 2>/dev/null; }
wpdisplay() { php "$HERE/wp-meta-display.php" "$@"; }

key=$("$BIN/authd" keys create-connection-key --label "order meta test" 2>/dev/null)
token() {
    curl -sS "${CA[@]}" --interface "$SRC" -u "cartman-mobile:$key" -d grant_type=client_credentials \
        "$AUTHD_URL/oauth/token" | jq -r .access_token
}
at=$(token)
like "$at" '^[A-Za-z0-9_-]+\.' "an access token"
for _ in $(seq 1 50); do [ "$(get "$APID_URL/cartman/v1/orders?per_page=1")" != 503 ] && break; sleep 0.2; done

# wait_setting URL JQ WANT — the settings reach every worker within about 5 s
wait_for() {
    local url=$1 q=$2 want=$3
    for _ in $(seq 1 40); do get "$url" >/dev/null; [ "$(jr "$q")" = "$want" ] && return 0; sleep 0.5; done
    return 1
}

# run_store DB BASE STORAGE
run_store() {
    local db=$1 base=$2 st=$3 meta_t id_c order_c
    if [ "$st" = hpos ]; then meta_t=${P}wc_orders_meta id_c=id order_c=order_id
    else meta_t=${P}postmeta id_c=meta_id order_c=post_id; fi
    local O=$base/orders
    # an order with a variation line item (pa_color, pa_size item meta)
    local x item
    if [ "$st" = hpos ]; then
        x=$(sql "$db" "SELECT MIN(o.id) FROM ${P}wc_orders o JOIN ${P}woocommerce_order_items i ON i.order_id = o.id
                       JOIN ${P}woocommerce_order_itemmeta m ON m.order_item_id = i.order_item_id AND m.meta_key = 'pa_color'
                       WHERE o.type = 'shop_order' AND o.status IN ('wc-processing', 'wc-completed')")
    else
        x=$(sql "$db" "SELECT MIN(o.ID) FROM ${P}posts o JOIN ${P}woocommerce_order_items i ON i.order_id = o.ID
                       JOIN ${P}woocommerce_order_itemmeta m ON m.order_item_id = i.order_item_id AND m.meta_key = 'pa_color'
                       WHERE o.post_type = 'shop_order' AND o.post_status IN ('wc-processing', 'wc-completed')")
    fi
    like "$x" '^[0-9]+$' "$st: an order with a variation item"
    item=$(sql "$db" "SELECT MIN(i.order_item_id) FROM ${P}woocommerce_order_items i JOIN ${P}woocommerce_order_itemmeta m
                      ON m.order_item_id = i.order_item_id AND m.meta_key = 'pa_color' WHERE i.order_id = $x")

    # --- seeded order meta ---
    sql "$db" "INSERT INTO $meta_t ($order_c, meta_key, meta_value) VALUES
        ($x, 'gift_note', 'Leave it with the neighbour'),
        ($x, '_stripe_customer_id', 'cus_SECRET4242'),
        ($x, 'wp_trace', 'hidden-wp'), ($x, 'Wp_Other', 'hidden-wp2'),
        ($x, 'delivery_slots', 'a:2:{i:0;s:7:\"morning\";i:1;s:7:\"evening\";}'),
        ($x, '_order_total', '999.99'),
        ($x, 'box', 'a:2:{s:4:\"size\";d:1.5;s:7:\"fragile\";b:1;}')"
    saved "$db" "$st" "$x"
    local ids; ids=$(sql "$db" "SELECT GROUP_CONCAT($id_c ORDER BY $id_c) FROM $meta_t WHERE $order_c = $x
                                AND meta_key IN ('gift_note', 'delivery_slots', 'box')")
    local sum0; sum0=$(sql "$db" "SELECT COUNT(*), SUM(CRC32(CONCAT_WS('|', $id_c, meta_key, meta_value))) FROM $meta_t")
    is "$(get "$O/$x")" 200 "$st: order $x"
    is "$(jr '[.meta_data[].key] | join(",")')" "gift_note,delivery_slots,box" \
        "$st: meta_data: the visible keys in meta id order (no protected, internal or wp_ keys)"
    is "$(jr '[.meta_data[].id] | map(tostring) | join(",")')" "$ids" "$st: meta_data ids are the rows' meta ids"
    is "$(jq_ '.meta_data[0].value')" '"Leave it with the neighbour"' "$st: a text value"
    is "$(jq_ '.meta_data[1].value')" '["morning","evening"]' "$st: a serialized list is a JSON array"
    is "$(jq_ '.meta_data[2].value')" '{"size":1.5,"fragile":true}' "$st: a serialized map is a JSON object"
    is "$(grep -c -e cus_SECRET4242 -e hidden-wp -e 999.99 "$T/m.body")" 0 "$st: the protected, wp_ and internal values appear nowhere"
    # posts storage: the order's own _order_total row comes first and stays the total (get_post_meta's first row)
    is "$(jr .total)" "$(sql "$db" "SELECT FORMAT(SUM(total), 2, 'en_US') FROM (SELECT $( [ "$st" = hpos ] && echo "total_amount AS total FROM ${P}wc_orders WHERE id = $x" \
        || echo "meta_value AS total FROM ${P}postmeta WHERE post_id = $x AND meta_key = '_order_total' ORDER BY meta_id LIMIT 1")) t" | sed 's/,//g')" \
        "$st: the total is the order's, not a later _order_total row"
    local one; one=$(jq_ .meta_data)
    is "$(get "$O?search=$x") $(jq_ ".[] | select(.id == $x) | .meta_data")" "200 $one" "$st: the list shows the same meta_data"
    is "$(get "$O?search=$x") $(jq_ ".[] | select(.id == $x) | .meta_data")" "200 $one" "$st: and again (from the order cache under HPOS)"

    # --- the other fields WooCommerce's controller adds ---
    get "$O/$x" >/dev/null
    local okey home
    okey=$(jr .order_key)
    home=$(sql "$db" "SELECT option_value FROM ${P}options WHERE option_name = 'home'")
    is "$(jr .payment_url)" "${home%/}/order-pay/$x/?pay_for_order=true&key=$okey" "$st: payment_url (no checkout page: the home URL, pretty permalinks)"
    is "$(jr '[.is_editable, .needs_payment, .needs_processing] | map(tostring) | join(",")')" "false,false,true" \
        "$st: a processing or completed order of physical goods: not editable, paid, needs processing"
    # needs_processing: false once every line item's product is virtual and downloadable (the list asks the
    # server, the order computes it from its items: both must agree). WooCommerce keeps the answer for a
    # day in a transient; here the order's save makes both caches render it again.
    local prods; prods=$(sql "$db" "SELECT GROUP_CONCAT(DISTINCT IF(v.meta_value > 0, v.meta_value, p.meta_value))
        FROM ${P}woocommerce_order_items i JOIN ${P}woocommerce_order_itemmeta p ON p.order_item_id = i.order_item_id AND p.meta_key = '_product_id'
        LEFT JOIN ${P}woocommerce_order_itemmeta v ON v.order_item_id = i.order_item_id AND v.meta_key = '_variation_id'
        WHERE i.order_id = $x AND i.order_item_type = 'line_item'")
    local flags0; flags0=$(sql "$db" "SELECT GROUP_CONCAT(CONCAT(product_id, ':', \`virtual\`, downloadable)) FROM ${P}wc_product_meta_lookup WHERE product_id IN ($prods)")
    sql "$db" "UPDATE ${P}wc_product_meta_lookup SET \`virtual\` = 1, downloadable = 1 WHERE product_id IN ($prods)"
    saved "$db" "$st" "$x"
    get "$O/$x" >/dev/null
    is "$(jr .needs_processing)" false "$st: an order of virtual downloadable products needs no processing"
    get "$O?search=$x" >/dev/null
    is "$(jr ".[] | select(.id == $x) | .needs_processing")" false "$st: nor in the list"
    for f in ${flags0//,/ }; do
        sql "$db" "UPDATE ${P}wc_product_meta_lookup SET \`virtual\` = ${f:(-2):1}, downloadable = ${f:(-1)} WHERE product_id = ${f%%:*}"
    done
    saved "$db" "$st" "$x"
    is "$(sql "$db" "SELECT GROUP_CONCAT(CONCAT(product_id, ':', \`virtual\`, downloadable)) FROM ${P}wc_product_meta_lookup WHERE product_id IN ($prods)")" \
        "$flags0" "$st: product flags restored"
    # a pending order: editable, needs payment
    local pend
    if [ "$st" = hpos ]; then pend=$(sql "$db" "SELECT MIN(id) FROM ${P}wc_orders WHERE type = 'shop_order' AND status = 'wc-pending' AND total_amount > 0")
    else pend=$(sql "$db" "SELECT MIN(p.ID) FROM ${P}posts p JOIN ${P}postmeta t ON t.post_id = p.ID AND t.meta_key = '_order_total'
                           WHERE p.post_type = 'shop_order' AND p.post_status = 'wc-pending' AND t.meta_value > 0"); fi
    if [ -n "$pend" ] && [ "$pend" != NULL ]; then
        get "$O/$pend" >/dev/null
        is "$(jr '[.status, .is_editable, .needs_payment] | map(tostring) | join(",")')" "pending,true,true" \
            "$st: a pending order ($pend) is editable and needs payment"
    fi
    get "$O/$x" >/dev/null
    local pid vid
    pid=$(sql "$db" "SELECT meta_value FROM ${P}woocommerce_order_itemmeta WHERE order_item_id = $item AND meta_key = '_product_id'")
    vid=$(sql "$db" "SELECT meta_value FROM ${P}woocommerce_order_itemmeta WHERE order_item_id = $item AND meta_key = '_variation_id'")
    is "$(jr ".line_items[] | select(.id == $item) | .parent_name")" \
        "$(sql "$db" "SELECT post_title FROM ${P}posts WHERE ID = $pid")" "$st: a variation's parent_name is the product's title"
    local thumb; thumb=$(sql "$db" "SELECT COALESCE(NULLIF((SELECT meta_value FROM ${P}postmeta WHERE post_id = $vid AND meta_key = '_thumbnail_id' LIMIT 1), 0),
                                    (SELECT meta_value FROM ${P}postmeta WHERE post_id = $pid AND meta_key = '_thumbnail_id' LIMIT 1), 0)")
    is "$(jr ".line_items[] | select(.id == $item) | .image.id")" "$thumb" "$st: image.id is the variation's or else the product's thumbnail"
    is "$(jr '[.line_items[].taxes[] | has("subtotal")] | all')" true "$st: every tax entry has a subtotal"

    # --- item meta: display_key / display_value ---
    sql "$db" "INSERT INTO ${P}woocommerce_order_itemmeta (order_item_id, meta_key, meta_value) VALUES
        ($item, 'Gift wrap', 'Happy%20birthday <b>Ann</b> & co'),
        ($item, '_secret_item', 'tok_hidden'),
        ($item, 'engraving', 'a:1:{i:0;s:3:\"abc\";}')"
    saved "$db" "$st" "$x"
    get "$O/$x" >/dev/null
    local color label term
    color=$(sql "$db" "SELECT meta_value FROM ${P}woocommerce_order_itemmeta WHERE order_item_id = $item AND meta_key = 'pa_color'")
    label=$(sql "$db" "SELECT attribute_label FROM ${P}woocommerce_attribute_taxonomies WHERE attribute_name = 'color'")
    term=$(sql "$db" "SELECT t.name FROM ${P}terms t JOIN ${P}term_taxonomy tt ON tt.term_id = t.term_id AND tt.taxonomy = 'pa_color' WHERE t.slug = '$color'")
    is "$(jq_ ".line_items[] | select(.id == $item) | .meta_data[] | select(.key == \"pa_color\") | [.value, .display_key, .display_value]")" \
        "$(jq -cn --arg v "$color" --arg l "$label" --arg t "$term" '[$v, $l, $t]')" \
        "$st: pa_color shows the attribute's label and the term's name ($label: $term)"
    is "$(jq_ ".line_items[] | select(.id == $item) | .meta_data[] | select(.key == \"Gift wrap\") | [.value, .display_key, .display_value]")" \
        "[\"Happy birthday <b>Ann</b> & co\",\"Gift wrap\",$(wpdisplay 'Happy%20birthday <b>Ann</b> & co')]" \
        "$st: a text meta: value rawurldecode'd, display_value as WordPress cleans it"
    is "$(jq_ ".line_items[] | select(.id == $item) | .meta_data[] | select(.key == \"engraving\") | [.value, .display_key, .display_value]")" \
        '[["abc"],"engraving",["abc"]]' "$st: a serialized item meta stays a value and is not formatted"
    is "$(jq_ "[.line_items[] | select(.id == $item) | .meta_data[].key | select(startswith(\"_\"))] | length")" 0 \
        "$st: no protected item meta (_reduced_stock, _secret_item)"
    is "$(grep -c tok_hidden "$T/m.body")" 0 "$st: the protected item value appears nowhere"

    # --- the allowlist ---
    sql "$db" "REPLACE INTO ${P}cartman_settings (name, value, updated_at) VALUES ('order_meta_allowlist', ' _stripe_customer_id ,
_order_total
_secret_item', UTC_TIMESTAMP())"
    wait_for "$O/$x" '[.meta_data[].key] | join(",")' "gift_note,_stripe_customer_id,delivery_slots,box"
    ok $? "$st: an allowlisted protected key shows (within a few seconds)"
    is "$(jr '.meta_data[] | select(.key == "_stripe_customer_id") | .value')" cus_SECRET4242 "$st: with its value"
    is "$(grep -c 999.99 "$T/m.body")" 0 "$st: an allowlisted internal key (_order_total) still never shows"
    is "$(jr ".line_items[] | select(.id == $item) | .meta_data[] | select(.key == \"_secret_item\") | .value")" tok_hidden \
        "$st: an allowlisted item key shows"
    is "$(get "$O?search=$x") $(jr ".[] | select(.id == $x) | [.meta_data[].key] | join(\",\")")" "200 gift_note,_stripe_customer_id,delivery_slots,box" \
        "$st: and in the list (a cached entry is not kept across an allowlist change)"
    sql "$db" "DELETE FROM ${P}cartman_settings WHERE name = 'order_meta_allowlist'"
    wait_for "$O/$x" '[.meta_data[].key] | join(",")' "gift_note,delivery_slots,box"
    ok $? "$st: the key is hidden again once the allowlist is gone"
    get "$O?search=$x" >/dev/null
    is "$(grep -c cus_SECRET4242 "$T/m.body")" 0 "$st: in the list too"

    # --- reads and bad requests change nothing ---
    for u in "$O/$x" "$O?search=$x" "$O/abc" "$O/0" "$O/$x%27" "$O?per_page=0" "$O?status=%27"; do get "$u" >/dev/null; done
    is "$(sql "$db" "SELECT COUNT(*), SUM(CRC32(CONCAT_WS('|', $id_c, meta_key, meta_value))) FROM $meta_t")" "$sum0" \
        "$st: the order meta table is unchanged by the reads"

    sql "$db" "DELETE FROM $meta_t WHERE $order_c = $x AND meta_key IN ('gift_note', '_stripe_customer_id', 'wp_trace', 'Wp_Other',
               'delivery_slots', 'box') OR ($order_c = $x AND meta_key = '_order_total' AND meta_value = '999.99')"
    sql "$db" "DELETE FROM ${P}woocommerce_order_itemmeta WHERE order_item_id = $item AND meta_key IN ('Gift wrap', '_secret_item', 'engraving')"
    saved "$db" "$st" "$x"
    return 0
}

run_store "$CARTMAN_DB_NAME" "$APID_URL/cartman/v1" hpos

# --- a list page is at most three statements with meta_data in it: the page's keys, the rows of the orders
# the order cache lacks with their meta rows joined, and a COUNT when the total is not known yet ---
stmts() { sql "$CARTMAN_DB_NAME" "SHOW GLOBAL STATUS LIKE 'Com_stmt_execute'" | cut -f2; }
L=$APID_URL/cartman/v1/orders
s0=$(stmts)
for pg in 31 32 33 34 35; do get "$L?per_page=20&page=$pg&status=processing,completed,on-hold" >/dev/null; done
s1=$(stmts)
diag "$((s1 - s0)) statements for 5 list pages of 20 orders not cached yet (every daemon on the server counted)"
ok "$([ $((s1 - s0)) -le 18 ]; echo $?)" "at most three statements a list page ($((s1 - s0)) for 5)"
is "$(jr '[.[] | has("meta_data") and has("needs_processing") and has("payment_url")] | all')" true "list rows carry meta_data and the flags"

# --- a posts-storage store behind a second apid ---
PDB=cartman_test_order_meta
store_create "$PDB" posts 60 11
is "$(sql "$PDB" "SELECT option_value FROM ${P}options WHERE option_name = 'woocommerce_custom_orders_table_enabled'")" no "posts store seeded"
PP=$((TEST_PORT_BASE + 385))
apid_start "$PDB" "$PP"
for _ in $(seq 1 50); do [ "$(get "https://127.0.0.1:$PP/cartman/v1/orders?per_page=1")" != 503 ] && break; sleep 0.2; done
run_store "$PDB" "https://127.0.0.1:$PP/cartman/v1" posts
apid_stop "$PDB"
sql_server "DROP DATABASE IF EXISTS $PDB"
done_testing
