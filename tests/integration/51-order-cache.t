#!/usr/bin/env bash
# GET /orders/{id} and the order cache (apid/order_cache.c) on two scratch stores of 200 orders, HPOS
# (cartman_test_oc_hpos) and legacy posts (cartman_test_oc_posts), each behind its own apid with a
# 4-second age limit (order_cache_ttl). An unchanged order costs one statement and reads the same bytes
# from the cache as from the tables; every write WooCommerce makes to an order, done here by direct SQL
# as WooCommerce does it (status with its modified date, a new refund, an item edit with its save, a
# deleted note, a meta row with the order's save), and every apid write shows in the next GET. To tell a cached reply from a
# fresh one, an item is renamed behind WooCommerce's back (no save) before each write: a cached reply
# still has the old name, a fresh one the new. A product's new SKU or image, a meta row written without
# the order's save and an address edited without a save show once the age limit has passed, in the
# order and in the list.
source "$(dirname "$0")/lib.sh"
CA=(--cacert "$CARTMAN_TLS_CERT")
T=${CARTMAN_TEST_DIR:-/tmp}
P=$CARTMAN_DB_PREFIX
SRC=127.0.0.51
TTL=4
HDB=cartman_test_oc_hpos PDB=cartman_test_oc_posts

key=$("$BIN/authd" keys create-connection-key --label "order cache test" 2>/dev/null)
at=$(curl -sS "${CA[@]}" --interface "$SRC" -u "cartman-mobile:$key" -d grant_type=client_credentials \
    "$AUTHD_URL/oauth/token" | jq -r .access_token)
like "$at" '^[A-Za-z0-9_-]+\.' "an access token"

# req METHOD URL [curl args] → STATUS; the body in $T/oc.body
req() {
    local m=$1 url=$2; shift 2
    curl -sS "${CA[@]}" --http2 --interface "$SRC" -o "$T/oc.body" -w '%{http_code}' -X "$m" \
        -H "Authorization: Bearer $at" -H 'Content-Type: application/json' "$@" "$url"
}
jq_() { jq -r "$1" <"$T/oc.body" 2>/dev/null; }
stmts() { sql "$HDB" "SHOW GLOBAL STATUS LIKE 'Com_stmt_execute'" | cut -f2; }

store_create $HDB hpos 200 5
store_create $PDB posts 200 5
start_apid() { # start_apid DB PORT: with the short cache age (and no SMTP, lib.sh), once it takes the token
    apid_start "$1" "$2" CARTMAN_ORDER_CACHE_TTL=$TTL
    for _ in $(seq 1 50); do [ "$(req GET "https://127.0.0.1:$2/cartman/v1/orders?per_page=1")" = 200 ] && break; sleep 0.2; done
}
HP=$((TEST_PORT_BASE + 386)) PP=$((TEST_PORT_BASE + 387))
start_apid $HDB $HP
start_apid $PDB $PP

# run_store DB BASE STORAGE
run_store() {
    local db=$1 O=$2/orders st=$3 orders live
    if [ "$st" = hpos ]; then
        orders="SELECT id AS id FROM ${P}wc_orders WHERE type = 'shop_order' AND status = 'wc-processing'"
        live="SELECT id FROM ${P}wc_orders WHERE type = 'shop_order' AND status <> 'trash'"
    else
        orders="SELECT ID AS id FROM ${P}posts WHERE post_type = 'shop_order' AND post_status = 'wc-processing'"
        live="SELECT ID FROM ${P}posts WHERE post_type = 'shop_order' AND post_status <> 'trash'"
    fi
    # orders with a line item whose product has an image, fewest notes first; the noted ones for the note case
    local ids; ids=($(sql "$db" "SELECT x.id FROM ($orders) x WHERE EXISTS (SELECT 1 FROM ${P}woocommerce_order_items i
                    JOIN ${P}woocommerce_order_itemmeta m ON m.order_item_id = i.order_item_id AND m.meta_key = '_product_id'
                    JOIN ${P}postmeta t ON t.post_id = m.meta_value AND t.meta_key = '_thumbnail_id'
                    WHERE i.order_id = x.id AND i.order_item_type = 'line_item') ORDER BY x.id LIMIT 10"))
    is "${#ids[@]}" 10 "$st: ten processing orders with images"
    local noted; noted=$(sql "$db" "SELECT comment_post_ID FROM ${P}comments WHERE comment_type = 'order_note'
                                    AND comment_post_ID IN ($live) AND comment_post_ID NOT IN ($(IFS=,; echo "${ids[*]}")) GROUP BY comment_post_ID
                                    HAVING COUNT(*) >= 2 ORDER BY comment_post_ID LIMIT 1")
    like "$noted" '^[0-9]+$' "$st: an order with notes"

    first_item() { sql "$db" "SELECT MIN(order_item_id) FROM ${P}woocommerce_order_items WHERE order_id = $1 AND order_item_type = 'line_item'"; }
    # prime ID: read it until it comes from the cache (the second read)
    prime() { req GET "$O/$1" >/dev/null; cp "$T/oc.body" "$T/oc.first"; req GET "$O/$1" >/dev/null; }
    # hide ID: renames the order's first line item without a save; prints the name a cached reply keeps
    hide() {
        local it; it=$(first_item "$1")
        sql "$db" "UPDATE ${P}woocommerce_order_items SET order_item_name = CONCAT(order_item_name, ' (renamed)') WHERE order_item_id = $it"
    }
    name() { jq_ "[.line_items[] | select(.id == $(first_item "$1")) | .name][0]"; }

    # --- an unchanged order: the same bytes, one statement ---
    local x=${ids[0]}
    is "$(req GET "$O/$x")" 200 "$st: order $x"
    cp "$T/oc.body" "$T/oc.first"
    req GET "$O/$x" >/dev/null
    ok "$(cmp -s "$T/oc.first" "$T/oc.body"; echo $?)" "$st: from the cache, the same bytes as rendered"
    local s0 s1 n=40
    s0=$(stmts)
    for _ in $(seq 1 $n); do req GET "$O/$x" >/dev/null; done
    s1=$(stmts)
    diag "$st: $((s1 - s0)) statements for $n reads of one unchanged order (every daemon on the server counted)"
    ok "$([ $((s1 - s0)) -le $((n + n / 2)) ]; echo $?)" "$st: about one statement per cached order ($((s1 - s0)) for $n)"
    s0=$(stmts)
    for y in "${ids[@]:5:4}"; do req GET "$O/$y" >/dev/null; done
    s1=$(stmts)
    diag "$st: $((s1 - s0)) statements for 4 orders read for the first time"
    ok "$([ $((s1 - s0)) -ge 12 ] && [ $((s1 - s0)) -le 20 ]; echo $?)" "$st: three statements for an order not cached yet ($((s1 - s0)) for 4)"
    s0=$(stmts)
    for _ in $(seq 1 10); do req GET "$O/999999999" >/dev/null; done
    s1=$(stmts)
    ok "$([ $((s1 - s0)) -le 15 ]; echo $?)" "$st: one statement for an unknown id ($((s1 - s0)) for 10)"
    is "$(jq_ .code)" cartman_order_invalid_id "$st: unknown id is 404 cartman_order_invalid_id"

    # --- the proof a reply is cached: a rename without a save is not seen ---
    x=${ids[1]}
    prime "$x"
    local n0; n0=$(name "$x")
    hide "$x"
    req GET "$O/$x" >/dev/null
    is "$(name "$x")" "$n0" "$st: an item renamed without a save is not seen while cached (order $x)"

    # --- WooCommerce's update_status: status and modified date ---
    if [ "$st" = hpos ]; then
        sql "$db" "UPDATE ${P}wc_orders SET status = 'wc-on-hold', date_updated_gmt = UTC_TIMESTAMP() WHERE id = $x"
    else
        sql "$db" "UPDATE ${P}posts SET post_status = 'wc-on-hold', post_modified = NOW(), post_modified_gmt = UTC_TIMESTAMP() WHERE ID = $x"
    fi
    req GET "$O/$x" >/dev/null
    is "$(jq_ .status) $(name "$x")" "on-hold $n0 (renamed)" "$st: a status change shows at once (order $x)"
    # a second save within the same second
    if [ "$st" = hpos ]; then
        sql "$db" "UPDATE ${P}wc_orders SET status = 'wc-completed', date_updated_gmt = UTC_TIMESTAMP() WHERE id = $x"
    else
        sql "$db" "UPDATE ${P}posts SET post_status = 'wc-completed', post_modified = NOW(), post_modified_gmt = UTC_TIMESTAMP() WHERE ID = $x"
    fi
    req GET "$O/$x" >/dev/null
    is "$(jq_ .status)" completed "$st: and a second one in the same second too"

    # --- a new refund (wc_create_refund's rows; a partial refund does not save the parent) ---
    x=${ids[2]}
    prime "$x"
    n0=$(name "$x")
    local r0; r0=$(jq_ '.refunds | length')
    hide "$x"
    # the refund's id comes from a post, as WooCommerce reserves it (a placeholder post under HPOS)
    local post="INSERT INTO ${P}posts (post_author, post_date, post_date_gmt, post_content, post_title, post_excerpt, post_status,
                comment_status, ping_status, post_name, to_ping, pinged, post_modified, post_modified_gmt, post_content_filtered,
                post_parent, guid, post_type) VALUES (1, NOW(), UTC_TIMESTAMP(), '', 'Refund', 'cache test', '%s', 'closed',
                'closed', '', '', '', NOW(), UTC_TIMESTAMP(), '', $x, '', '%s'); SELECT LAST_INSERT_ID()"
    local rid
    if [ "$st" = hpos ]; then
        rid=$(sql "$db" "$(printf "$post" draft shop_order_placehold)")
        sql "$db" "INSERT INTO ${P}wc_orders (id, status, currency, type, tax_amount, total_amount, date_created_gmt, date_updated_gmt, parent_order_id)
                   VALUES ($rid, 'wc-completed', 'EUR', 'shop_order_refund', 0, -1.5, UTC_TIMESTAMP(), UTC_TIMESTAMP(), $x)"
        sql "$db" "INSERT INTO ${P}wc_orders_meta (order_id, meta_key, meta_value) VALUES ($rid, '_refund_reason', 'cache test'), ($rid, '_refund_amount', '1.50')"
    else
        rid=$(sql "$db" "$(printf "$post" wc-completed shop_order_refund)")
        sql "$db" "INSERT INTO ${P}postmeta (post_id, meta_key, meta_value) VALUES ($rid, '_refund_reason', 'cache test'),
                   ($rid, '_refund_amount', '1.50'), ($rid, '_order_total', '-1.50')"
    fi
    like "$rid" '^[0-9]+$' "$st: a refund row made by SQL ($rid)"
    req GET "$O/$x" >/dev/null
    is "$(jq_ '.refunds | length') $(jq_ "[.refunds[] | select(.id == $rid) | .reason + \" \" + .total][0]") $(name "$x")" \
        "$((r0 + 1)) cache test -1.50 $n0 (renamed)" "$st: a new refund shows at once (order $x)"
    # the head query reads notes once per refund: each note is still shown once
    is "$(req POST "$O/$x/refund" -d '{"amount": "1.00", "reason": "second", "restock": false}')" 201 "$st: a second refund through apid"
    req GET "$O/$x" >/dev/null
    local nn; nn=$(sql "$db" "SELECT COUNT(*) FROM ${P}comments WHERE comment_post_ID = $x AND comment_type = 'order_note'")
    is "$(jq_ '.refunds | length') $(jq_ '.notes | length') $(jq_ '[.notes[].id] | unique | length')" "$((r0 + 2)) $nn $nn" \
        "$st: two refunds and each of the $nn notes once"
    # and a visible meta row (saved as WooCommerce saves it) is shown once, beside the two refunds
    if [ "$st" = hpos ]; then
        sql "$db" "INSERT INTO ${P}wc_orders_meta (order_id, meta_key, meta_value) VALUES ($x, 'cache_visible', 'shown')"
        sql "$db" "UPDATE ${P}wc_orders SET date_updated_gmt = UTC_TIMESTAMP() WHERE id = $x"
    else
        sql "$db" "INSERT INTO ${P}postmeta (post_id, meta_key, meta_value) VALUES ($x, 'cache_visible', 'shown')"
        sql "$db" "UPDATE ${P}posts SET post_modified = NOW(), post_modified_gmt = UTC_TIMESTAMP() WHERE ID = $x"
    fi
    req GET "$O/$x" >/dev/null
    is "$(jq_ '[.meta_data[] | select(.key == "cache_visible") | .value] | join(",")') $(jq_ '.refunds | length')" "shown $((r0 + 2))" \
        "$st: a visible meta row shows once with two refunds"

    # --- an item edit with its save ---
    x=${ids[3]}
    prime "$x"
    n0=$(name "$x")
    local it q0; it=$(first_item "$x")
    q0=$(jq_ "[.line_items[] | select(.id == $it) | .quantity][0]")
    hide "$x"
    sql "$db" "UPDATE ${P}woocommerce_order_itemmeta SET meta_value = meta_value + 1 WHERE order_item_id = $it AND meta_key = '_qty'"
    if [ "$st" = hpos ]; then
        sql "$db" "UPDATE ${P}wc_orders SET date_updated_gmt = UTC_TIMESTAMP() WHERE id = $x"
    else
        sql "$db" "UPDATE ${P}posts SET post_modified = NOW(), post_modified_gmt = UTC_TIMESTAMP() WHERE ID = $x"
    fi
    req GET "$O/$x" >/dev/null
    is "$(jq_ "[.line_items[] | select(.id == $it) | .quantity][0]") $(name "$x")" "$((q0 + 1)) $n0 (renamed)" \
        "$st: an item edit with the order's save shows at once (order $x)"

    # --- order meta: WooCommerce re-saves the order after a meta change (after_meta_change), which moves its date ---
    x=${ids[4]}
    prime "$x"
    n0=$(name "$x")
    hide "$x"
    if [ "$st" = hpos ]; then
        sql "$db" "INSERT INTO ${P}wc_orders_meta (order_id, meta_key, meta_value) VALUES ($x, 'cache_test', 'yes')"
        sql "$db" "UPDATE ${P}wc_orders SET date_updated_gmt = UTC_TIMESTAMP() WHERE id = $x"
    else
        sql "$db" "INSERT INTO ${P}postmeta (post_id, meta_key, meta_value) VALUES ($x, 'cache_test', 'yes')"
        sql "$db" "UPDATE ${P}posts SET post_modified = NOW(), post_modified_gmt = UTC_TIMESTAMP() WHERE ID = $x"
    fi
    req GET "$O/$x" >/dev/null
    is "$(name "$x")" "$n0 (renamed)" "$st: a meta row added with the order's save renders it again (order $x)"

    # --- notes are read on every request: a deleted note, a new one ---
    x=$noted
    prime "$x"
    local c0; c0=$(jq_ '.notes | length')
    local gone; gone=$(jq_ '.notes[0].id')
    sql "$db" "DELETE FROM ${P}commentmeta WHERE comment_id = $gone"
    sql "$db" "DELETE FROM ${P}comments WHERE comment_ID = $gone"
    req GET "$O/$x" >/dev/null
    is "$(jq_ '.notes | length') $(jq_ "[.notes[].id] | index($gone)")" "$((c0 - 1)) null" "$st: a deleted note is gone at once (order $x)"
    is "$(req POST "$O/$x/notes" -d '{"note": "cache test note"}')" 201 "$st: POST a note"
    req GET "$O/$x" >/dev/null
    is "$(jq_ '.notes | length') $(jq_ '.notes[0].note')" "$c0 cache test note" "$st: a note added through apid shows at once"

    # --- apid's own writes ---
    x=${ids[6]}
    prime "$x"
    is "$(req PATCH "$O/$x" -d '{"status": "on-hold"}')" 200 "$st: PATCH the status (order $x)"
    req GET "$O/$x" >/dev/null
    is "$(jq_ .status)" on-hold "$st: the next GET shows it"
    x=${ids[7]}
    prime "$x"
    r0=$(jq_ '.refunds | length')
    is "$(req POST "$O/$x/refund" -d '{"amount": "1.00", "reason": "cache test", "restock": false}')" 201 "$st: POST a refund (order $x)"
    req GET "$O/$x" >/dev/null
    is "$(jq_ '.refunds | length') $(jq_ '.refunds[0].reason')" "$((r0 + 1)) cache test" "$st: the next GET shows it"

    # --- what no fingerprint sees shows within the age limit: a product's SKU and image, an address edited without a save ---
    # (an order read for the first time: an entry's age counts from its rendering, not from its last read)
    x=${ids[9]}
    # list entries rendered earlier in this script may be near the end of their age: let them all
    # expire, so every entry read below was rendered after t0 and the "not yet" checks hold
    sleep $((TTL + 1))
    local t0=$SECONDS
    prime "$x"
    n0=$(name "$x")
    it=$(first_item "$x")
    local line; line=$(jq_ "[.line_items[] | select(.id == $it)][0] | [.product_id, .variation_id, .sku, .image.src] | @tsv")
    local prod var sku0 img0
    IFS=$'\t' read -r prod var sku0 img0 <<<"$line"
    local holder=$prod; [ "$var" -gt 0 ] && holder=$var
    local att; att=$(sql "$db" "SELECT ID FROM ${P}posts WHERE post_type = 'attachment' AND guid <> '$img0' ORDER BY ID LIMIT 1")
    local img1; img1=$(sql "$db" "SELECT guid FROM ${P}posts WHERE ID = $att")
    req GET "$O?per_page=5" >/dev/null
    req GET "$O?per_page=5" >/dev/null
    local lx; lx=$(jq_ '.[0].id')
    local first0; first0=$(jq_ '.[0].billing.first_name')
    # a meta row written behind WooCommerce's back (no save) and a renamed item: seen after the age limit too
    hide "$x"
    if [ "$st" = hpos ]; then
        sql "$db" "INSERT INTO ${P}wc_orders_meta (order_id, meta_key, meta_value) VALUES ($x, 'cache_test', 'no save')"
    else
        sql "$db" "INSERT INTO ${P}postmeta (post_id, meta_key, meta_value) VALUES ($x, 'cache_test', 'no save')"
    fi
    sql "$db" "UPDATE ${P}wc_product_meta_lookup SET sku = CONCAT(sku, '-NEW') WHERE product_id = $holder"
    sql "$db" "UPDATE ${P}postmeta SET meta_value = '$att' WHERE post_id = $prod AND meta_key = '_thumbnail_id'"
    if [ "$st" = hpos ]; then
        sql "$db" "UPDATE ${P}wc_order_addresses SET first_name = 'Renamed' WHERE order_id = $lx AND address_type = 'billing'"
    else
        sql "$db" "UPDATE ${P}postmeta SET meta_value = 'Renamed' WHERE post_id = $lx AND meta_key = '_billing_first_name'"
    fi
    req GET "$O/$x" >/dev/null
    line=$(jq_ "[.line_items[] | select(.id == $it)][0] | [.sku, .image.src] | @tsv")
    if [ $((SECONDS - t0)) -lt $((TTL - 1)) ]; then
        is "$line $(name "$x")" "$sku0"$'\t'"$img0 $n0" "$st: a product's new SKU and image, a meta row and an item renamed without a save are not seen at once (order $x)"
    fi
    req GET "$O?per_page=5" >/dev/null
    [ "$st" = posts ] || [ $((SECONDS - t0)) -ge $((TTL - 1)) ] ||
        is "$(jq_ '.[0].billing.first_name')" "$first0" "$st: nor, in the list, an address edited without a save"
    sleep $((TTL + 1))
    req GET "$O/$x" >/dev/null
    is "$(jq_ "[.line_items[] | select(.id == $it)][0] | [.sku, .image.src] | @tsv") $(name "$x")" "$sku0-NEW"$'\t'"$img1 $n0 (renamed)" \
        "$st: but once the age limit has passed"
    req GET "$O?per_page=5" >/dev/null
    is "$(jq_ '.[0].billing.first_name')" Renamed "$st: in the list too"
}

run_store $HDB "https://127.0.0.1:$HP/cartman/v1" hpos
run_store $PDB "https://127.0.0.1:$PP/cartman/v1" posts

apid_stop $HDB $PDB
sql_server "DROP DATABASE IF EXISTS $HDB; DROP DATABASE IF EXISTS $PDB"
done_testing
