#!/usr/bin/env bash
# PATCH /orders/{id} and GET/POST /orders/{id}/notes on three scratch stores of 200 orders, each behind
# its own apid: HPOS (cartman_test_ow_hpos), legacy posts (cartman_test_ow_posts), and an HPOS store
# whose posts copy WooCommerce's sync keeps (cartman_test_ow_sync), run once with HPOS authoritative
# and once switched to posts authoritative. For each transition the rows are checked in every table
# WooCommerce writes: status, dates and flags in every copy, the order notes (wording, author,
# agent), stock (_stock, _reduced_stock, the lookup row, outofstock), total_sales, coupon usage,
# wc_order_stats (the order's and its refunds' rows), the audit row. Then bad input with the database
# unchanged, scope, customer notes and their e-mail, and two PATCHes racing on one order.
# The shared test store is not touched (only its authd issues the tokens).
source "$(dirname "$0")/lib.sh"
CA=(--cacert "$CARTMAN_TLS_CERT")
T=${CARTMAN_TEST_DIR:-/tmp}
P=$CARTMAN_DB_PREFIX
SRC=127.0.0.56
HDB=cartman_test_ow_hpos PDB=cartman_test_ow_posts SDB=cartman_test_ow_sync

token() { curl -sS "${CA[@]}" --interface "$SRC" -u "cartman-mobile:$key" -d grant_type=client_credentials "$@" \
    "$AUTHD_URL/oauth/token" | jq -r .access_token; }
key=$("$BIN/authd" keys create-connection-key --label "order writes test" 2>/dev/null)
at=$(token)
ro=$(token -d scope=orders:read)
like "$at" '^[A-Za-z0-9_-]+\.' "an access token (every scope)"
like "$ro" '^[A-Za-z0-9_-]+\.' "an orders:read token"

# req METHOD URL [curl args] → STATUS; the body in $T/ow.body. TOK overrides the token.
req() {
    local m=$1 url=$2; shift 2
    curl -sS "${CA[@]}" --http2 --interface "$SRC" -o "$T/ow.body" -w '%{http_code}' -X "$m" \
        -H "Authorization: Bearer ${TOK:-$at}" -H 'Content-Type: application/json' "$@" "$url"
}
jq_() { jq -r "$1" <"$T/ow.body" 2>/dev/null; }

# --- the stores ---
store_create $HDB hpos 200 7
store_create $PDB posts 200 7
store_create $SDB hpos 200 7
# the sync store: the posts copy of every order beside the HPOS rows, as WooCommerce's synchronisation keeps it
store_sync_from $SDB $PDB
is "$(sql $SDB "SELECT COUNT(*) FROM ${P}posts WHERE post_type = 'shop_order'") $(sql $SDB "SELECT COUNT(*) FROM ${P}wc_orders WHERE type = 'shop_order'")" \
    "200 200" "sync store: both copies of the 200 orders"

HP=$((TEST_PORT_BASE + 380)) PP=$((TEST_PORT_BASE + 381)) SP=$((TEST_PORT_BASE + 382))
apid_start $HDB $HP # no SMTP: the order e-mails stay in the scratch stores' outboxes, where the checks read them
apid_start $PDB $PP
apid_start $SDB $SP
for port in $HP $PP $SP; do # apid fetches authd's keys in the background
    for _ in $(seq 1 50); do [ "$(req GET "https://127.0.0.1:$port/cartman/v1/connection-test")" = 200 ] && break; sleep 0.2; done
done

# --- storage-neutral views of an order ---
# state DB COPY ID → status|date_paid_gmt|date_completed_gmt|modified_gmt|stock_reduced|recorded_sales|coupons|downloads
state() {
    if [ "$2" = hpos ]; then
        sql "$1" "SELECT CONCAT_WS('|', o.status, IFNULL(d.date_paid_gmt, ''), IFNULL(d.date_completed_gmt, ''), o.date_updated_gmt,
                  d.order_stock_reduced, d.recorded_sales, d.coupon_usages_are_counted, d.download_permission_granted)
                  FROM ${P}wc_orders o JOIN ${P}wc_order_operational_data d ON d.order_id = o.id WHERE o.id = $3"
    else
        sql "$1" "SET time_zone = '+00:00'; SELECT CONCAT_WS('|', p.post_status,
                  IFNULL(FROM_UNIXTIME(NULLIF((SELECT meta_value FROM ${P}postmeta WHERE post_id = p.ID AND meta_key = '_date_paid'), '')), ''),
                  IFNULL(FROM_UNIXTIME(NULLIF((SELECT meta_value FROM ${P}postmeta WHERE post_id = p.ID AND meta_key = '_date_completed'), '')), ''),
                  p.post_modified_gmt,
                  (SELECT IF(meta_value = 'yes', 1, 0) FROM ${P}postmeta WHERE post_id = p.ID AND meta_key = '_order_stock_reduced'),
                  (SELECT IF(meta_value = 'yes', 1, 0) FROM ${P}postmeta WHERE post_id = p.ID AND meta_key = '_recorded_sales'),
                  (SELECT IF(meta_value = 'yes', 1, 0) FROM ${P}postmeta WHERE post_id = p.ID AND meta_key = '_recorded_coupon_usage_counts'),
                  (SELECT IF(meta_value = 'yes', 1, 0) FROM ${P}postmeta WHERE post_id = p.ID AND meta_key = '_download_permissions_granted'))
                  FROM ${P}posts p WHERE p.ID = $3"
    fi
}
field() { echo "$1" | cut -d'|' -f"$2"; }
# managed lines: "item holder qty" (the product or variation whose _stock moves)
lines() {
    sql "$1" "SELECT i.order_item_id, IF(v.meta_value > 0, v.meta_value, pm.meta_value), q.meta_value
              FROM ${P}woocommerce_order_items i
              JOIN ${P}woocommerce_order_itemmeta pm ON pm.order_item_id = i.order_item_id AND pm.meta_key = '_product_id'
              LEFT JOIN ${P}woocommerce_order_itemmeta v ON v.order_item_id = i.order_item_id AND v.meta_key = '_variation_id'
              JOIN ${P}woocommerce_order_itemmeta q ON q.order_item_id = i.order_item_id AND q.meta_key = '_qty'
              WHERE i.order_id = $2 AND i.order_item_type = 'line_item'
              AND (SELECT meta_value FROM ${P}postmeta WHERE post_id = IF(v.meta_value > 0, v.meta_value, pm.meta_value)
                   AND meta_key = '_manage_stock') = 'yes' ORDER BY i.order_item_id"
}
stocks() { # stocks DB ID → "holder:_stock:lookup" per managed line
    sql "$1" "SELECT CONCAT(l.product_id, ':', m.meta_value, ':', l.stock_quantity) FROM ${P}wc_product_meta_lookup l
              JOIN ${P}postmeta m ON m.post_id = l.product_id AND m.meta_key = '_stock'
              WHERE l.product_id IN (SELECT IF(v.meta_value > 0, v.meta_value, pm.meta_value) FROM ${P}woocommerce_order_items i
              JOIN ${P}woocommerce_order_itemmeta pm ON pm.order_item_id = i.order_item_id AND pm.meta_key = '_product_id'
              LEFT JOIN ${P}woocommerce_order_itemmeta v ON v.order_item_id = i.order_item_id AND v.meta_key = '_variation_id'
              WHERE i.order_id = $2 AND i.order_item_type = 'line_item') ORDER BY l.product_id" | tr '\n' ' '
}
# what the stock should be after moving every managed line by SIGN * qty
expect_stocks() { # expect_stocks "BEFORE" "LINES" SIGN
    local before=$1 ls=$2 sign=$3
    declare -A st
    for e in $before; do IFS=: read -r id s _ <<<"$e"; st[$id]=$s; done
    while read -r _ h q; do [ -n "$h" ] && st[$h]=$((st[$h] + sign * q)); done <<<"$ls"
    for id in $(printf '%s\n' "${!st[@]}" | sort -n); do printf '%s:%s:%s ' "$id" "${st[$id]}" "${st[$id]}"; done
}
reduced() { # reduced DB ID → "item:_reduced_stock" for every line that has it
    sql "$1" "SELECT CONCAT(i.order_item_id, ':', m.meta_value) FROM ${P}woocommerce_order_items i JOIN ${P}woocommerce_order_itemmeta m
              ON m.order_item_id = i.order_item_id AND m.meta_key = '_reduced_stock' WHERE i.order_id = $2 ORDER BY 1" | tr '\n' ' '
}
lines_reduced() { while read -r i _ q; do [ -n "$i" ] && printf '%s:%s ' "$i" "$q"; done <<<"$1"; }
maxc() { sql "$1" "SELECT COALESCE(MAX(comment_ID), 0) FROM ${P}comments"; }
notes_since() { # notes_since DB ID MAXC → "author|email|agent|type|approved|user_id|content" per new note, oldest first
    sql "$1" "SELECT CONCAT_WS('|', comment_author, comment_author_email, comment_agent, comment_type, comment_approved, user_id, comment_content)
              FROM ${P}comments WHERE comment_post_ID = $2 AND comment_ID > $3 ORDER BY comment_ID"
}
sales() { # total_sales of the order's products (meta and lookup)
    sql "$1" "SELECT CONCAT(SUM(m.meta_value), '/', SUM(l.total_sales)) FROM ${P}postmeta m JOIN ${P}wc_product_meta_lookup l ON l.product_id = m.post_id
              WHERE m.meta_key = 'total_sales' AND m.post_id IN (SELECT DISTINCT pm.meta_value FROM ${P}woocommerce_order_items i
              JOIN ${P}woocommerce_order_itemmeta pm ON pm.order_item_id = i.order_item_id AND pm.meta_key = '_product_id'
              WHERE i.order_id = $2 AND i.order_item_type = 'line_item')"
}
qty_total() { sql "$1" "SELECT SUM(q.meta_value) FROM ${P}woocommerce_order_items i JOIN ${P}woocommerce_order_itemmeta q
              ON q.order_item_id = i.order_item_id AND q.meta_key = '_qty' WHERE i.order_id = $2 AND i.order_item_type = 'line_item'"; }
coupon_use() { # usage_count and _used_by rows of the order's coupons
    sql "$1" "SELECT CONCAT(COALESCE(SUM(IF(m.meta_key = 'usage_count', m.meta_value, 0)), 0), '/', COALESCE(SUM(m.meta_key = '_used_by'), 0))
              FROM ${P}posts c JOIN ${P}postmeta m ON m.post_id = c.ID WHERE c.post_type = 'shop_coupon'
              AND c.post_title IN (SELECT order_item_name FROM ${P}woocommerce_order_items WHERE order_id = $2 AND order_item_type = 'coupon')"
}
stats() { sql "$1" "SELECT CONCAT_WS('|', status, IFNULL(date_paid, ''), IFNULL(date_completed, '')) FROM ${P}wc_order_stats WHERE order_id = $2"; }
audit_last() { sql "$1" "SELECT CONCAT_WS('|', event, result, user_id, object_type, object_id, detail) FROM ${P}cartman_audit_log ORDER BY id DESC LIMIT 1"; }
# every table a write may touch, for "nothing changed"
# the outbox counts by its rows only: the sender thread marks earlier mail sent at any moment
fingerprint() {
    { sql "$1" "CHECKSUM TABLE ${P}wc_orders, ${P}wc_order_operational_data, ${P}wc_orders_meta, ${P}posts, ${P}postmeta, ${P}comments,
              ${P}commentmeta, ${P}wc_order_stats, ${P}wc_product_meta_lookup, ${P}woocommerce_order_itemmeta, ${P}term_relationships,
              ${P}term_taxonomy, ${P}options, ${P}usermeta, ${P}cartman_audit_log"
      sql "$1" "SELECT COUNT(*), COALESCE(MAX(id), 0) FROM ${P}cartman_mail_outbox"; } | md5sum
}
admin_name=$(sql $HDB "SELECT display_name FROM ${P}users WHERE user_login = 'admin'")
admin_email=$(sql $HDB "SELECT user_email FROM ${P}users WHERE user_login = 'admin'")
host=$(sql $HDB "SELECT option_value FROM ${P}options WHERE option_name = 'siteurl'" | sed 's|^[a-z]*://||; s|[/:].*||; s|^www\.||')
SYS="WooCommerce|woocommerce@$host|WooCommerce|order_note|1|0"
ME="$admin_name|$admin_email|WooCommerce|order_note|1|0"

# copies DB MODE → the copies to check ("hpos", "posts" or "hpos posts")
copies() { case $1 in hpos) echo hpos ;; posts) echo posts ;; *) echo "hpos posts" ;; esac; }

# run MODE DB URL AUTH: the transitions on one store. AUTH is the authoritative copy.
run() {
    local mode=$1 db=$2 base=$3 auth=$4 O=$3/orders
    local tbl; [ "$auth" = hpos ] && tbl="${P}wc_orders WHERE type = 'shop_order' AND status" || tbl="${P}posts WHERE post_type = 'shop_order' AND post_status"
    # a failed order that has managed lines and a coupon, not yet used by another pass
    local id; id=$(sql "$db" "SELECT id FROM (SELECT $( [ "$auth" = hpos ] && echo id || echo 'ID AS id') FROM $tbl = 'wc-failed') x
                     WHERE EXISTS (SELECT 1 FROM ${P}woocommerce_order_items i WHERE i.order_id = x.id AND i.order_item_type = 'coupon')
                     AND NOT EXISTS (SELECT 1 FROM ${P}cartman_audit_log a WHERE a.object_id = x.id) ORDER BY id LIMIT 1")
    like "$id" '^[0-9]+$' "$mode: a failed order with a coupon ($id)"
    local ls; ls=$(lines "$db" "$id")
    [ -n "$ls" ]; ok $? "$mode: order $id has stock-managed lines"
    local s0; s0=$(state "$db" "$auth" "$id")
    is "$(field "$s0" 1)|$(field "$s0" 2)|$(field "$s0" 5)|$(field "$s0" 6)|$(field "$s0" 7)" "wc-failed||0|0|0" "$mode: failed: unpaid, stock not reduced, no sales, coupon not counted"
    local st0 sa0 cu0 c0 q; st0=$(stocks "$db" "$id"); sa0=$(sales "$db" "$id"); cu0=$(coupon_use "$db" "$id"); c0=$(maxc "$db"); q=$(qty_total "$db" "$id")

    # --- failed → processing, with a note ---
    is "$(req PATCH "$O/$id" -d '{"status":"processing","note":"Paid by phone."}')" 200 "$mode: failed → processing"
    is "$(jq_ '[.id, .status] | join(" ")')" "$id processing" "$mode:   answers the updated order"
    local s1; s1=$(state "$db" "$auth" "$id")
    for cp in $(copies "$mode"); do
        is "$(state "$db" "$cp" "$id")" "$s1" "$mode:   $cp copy equals the authoritative one"
    done
    is "$(field "$s1" 1)" wc-processing "$mode:   status wc-processing"
    like "$(field "$s1" 2)" '^20[0-9-]+ [0-9:]+$' "$mode:   date_paid set"
    is "$(field "$s1" 2)" "$(field "$s1" 4)" "$mode:   date_paid is the modification time (now)"
    is "$(sql "$db" "SELECT TIMESTAMPDIFF(SECOND, '$(field "$s1" 2)', UTC_TIMESTAMP()) BETWEEN 0 AND 60")" 1 "$mode:   ... which is now"
    is "$(field "$s1" 3)|$(field "$s1" 5)|$(field "$s1" 6)|$(field "$s1" 7)|$(field "$s1" 8)" "|1|1|1|1" \
        "$mode:   no date_completed; stock reduced, sales recorded, coupon counted, downloads granted"
    local n; n=$(notes_since "$db" "$id" "$c0")
    is "$(echo "$n" | wc -l)" 2 "$mode:   two notes"
    like "$(echo "$n" | head -1)" "^$SYS\|Stock levels reduced: .+ [0-9]+&rarr;[0-9]+" "$mode:   the stock note, by WooCommerce"
    is "$(echo "$n" | tail -1)" "$ME|Paid by phone. Order status changed from Failed to Processing." "$mode:   the status note, by the user, after the given note"
    is "$(stocks "$db" "$id")" "$(expect_stocks "$st0" "$ls" -1)" "$mode:   _stock and the lookup row down by each line's quantity"
    is "$(reduced "$db" "$id")" "$(lines_reduced "$ls")" "$mode:   _reduced_stock = quantity on each managed line"
    is "$(sales "$db" "$id")" "$(( ${sa0%/*} + q ))/$(( ${sa0#*/} + q ))" "$mode:   total_sales (meta and lookup) up by $q"
    is "$(coupon_use "$db" "$id")" "$(( ${cu0%/*} + 1 ))/$(( ${cu0#*/} + 1 ))" "$mode:   coupon usage_count + 1 and one more _used_by"
    local paid_local; paid_local=$(sql "$db" "SELECT comment_date FROM ${P}comments WHERE comment_post_ID = $id ORDER BY comment_ID DESC LIMIT 1")
    is "$(stats "$db" "$id")" "wc-processing|$paid_local|" "$mode:   wc_order_stats: status and date_paid in store time"
    if [[ "$(copies "$mode")" == *posts* ]]; then
        is "$(sql "$db" "SELECT meta_value FROM ${P}postmeta WHERE post_id = $id AND meta_key = '_paid_date'")" "$paid_local" "$mode:   _paid_date in store time"
        is "$(sql "$db" "SELECT post_modified FROM ${P}posts WHERE ID = $id")" "$paid_local" "$mode:   post_modified in store time"
    fi
    is "$(audit_last "$db")" "order.status|ok|1|order|$id|{\"from\":\"failed\",\"to\":\"processing\"}" "$mode:   audit row"
    is "$(sql "$db" "SELECT COUNT(*) FROM ${P}options WHERE option_name IN ('_transient_orders-transient-version',
                     '_transient_woocommerce_reports-transient-version', '_transient_product-transient-version')
                     AND ABS(option_value - UNIX_TIMESTAMP()) < 60")" 3 "$mode:   orders, reports and product transient versions set to now"
    is "$(req GET "$O/$id/notes")" 200 "$mode:   GET notes"
    is "$(jq_ '.[0] | [.author, .note, .customer_note, .added_by_user] | map(tostring) | join("|")')" \
        "$admin_name|Paid by phone. Order status changed from Failed to Processing.|false|true" "$mode:   newest first, REST v3 shape"
    is "$(jq_ '.[1] | [.author, .added_by_user] | map(tostring) | join("|")')" "WooCommerce|false" "$mode:   the system note"
    is "$(jq_ '.[0] | keys | join(",")')" "added_by_user,author,customer_note,date_created,date_created_gmt,id,note" "$mode:   note fields"
    is "$(jq_ '.[0].date_created_gmt' | tr T ' ')" "$(field "$s1" 4)" "$mode:   date_created_gmt"

    # --- processing → completed ---
    sleep 1
    c0=$(maxc "$db")
    is "$(req PATCH "$O/$id" -d '{"status":"completed"}')" 200 "$mode: processing → completed"
    local s2; s2=$(state "$db" "$auth" "$id")
    for cp in $(copies "$mode"); do is "$(state "$db" "$cp" "$id")" "$s2" "$mode:   $cp copy equals the authoritative one"; done
    is "$(field "$s2" 1)|$(field "$s2" 2)" "wc-completed|$(field "$s1" 2)" "$mode:   date_paid kept"
    is "$(field "$s2" 3)" "$(field "$s2" 4)" "$mode:   date_completed now"
    is "$(notes_since "$db" "$id" "$c0")" "$ME|Order status changed from Processing to Completed." "$mode:   one note (stock was already reduced)"
    is "$(stocks "$db" "$id")" "$(expect_stocks "$st0" "$ls" -1)" "$mode:   stock unchanged"
    local done_local; done_local=$(sql "$db" "SELECT comment_date FROM ${P}comments WHERE comment_post_ID = $id ORDER BY comment_ID DESC LIMIT 1")
    is "$(stats "$db" "$id")" "wc-completed|$paid_local|$done_local" "$mode:   wc_order_stats: completed, date_completed"

    # --- completed → cancelled: stock back, coupon released ---
    c0=$(maxc "$db")
    is "$(req PATCH "$O/$id" -d '{"status":"cancelled"}')" 200 "$mode: completed → cancelled"
    local s3; s3=$(state "$db" "$auth" "$id")
    for cp in $(copies "$mode"); do is "$(state "$db" "$cp" "$id")" "$s3" "$mode:   $cp copy equals the authoritative one"; done
    is "$(field "$s3" 1)|$(field "$s3" 5)|$(field "$s3" 6)|$(field "$s3" 7)" "wc-cancelled|0|1|0" "$mode:   stock no longer reduced, sales stay recorded, coupon uncounted"
    n=$(notes_since "$db" "$id" "$c0")
    like "$(echo "$n" | head -1)" "^$SYS\|Stock levels increased: .+ [0-9]+&rarr;[0-9]+" "$mode:   'Stock levels increased' note"
    is "$(echo "$n" | tail -1)" "$ME|Order status changed from Completed to Cancelled." "$mode:   status note"
    is "$(stocks "$db" "$id")" "$st0" "$mode:   stock back where it was"
    is "$(reduced "$db" "$id")" "" "$mode:   _reduced_stock removed"
    is "$(coupon_use "$db" "$id")" "$cu0" "$mode:   coupon usage back where it was"
    is "$(sales "$db" "$id")" "$(( ${sa0%/*} + q ))/$(( ${sa0#*/} + q ))" "$mode:   total_sales never decreases"

    # --- cancelled → on-hold: reduced again; on-hold → on-hold changes nothing ---
    is "$(req PATCH "$O/$id" -d '{"status":"on-hold"}')" 200 "$mode: cancelled → on-hold"
    is "$(stocks "$db" "$id")" "$(expect_stocks "$st0" "$ls" -1)" "$mode:   stock reduced again"
    is "$(notes_since "$db" "$id" "$c0" | tail -1)" "$ME|Order status changed from Cancelled to On hold." "$mode:   'On hold' label"
    local fp; fp=$(fingerprint "$db")
    is "$(req PATCH "$O/$id" -d '{"status":"on-hold","note":"again"}') $(jq_ .status)" "200 on-hold" "$mode: on-hold → on-hold"
    is "$(fingerprint "$db")" "$fp" "$mode:   changes nothing"

    # --- the refunds' analytics rows follow their parent's status ---
    local rid; rid=$(sql "$db" "SELECT parent_id FROM ${P}wc_order_stats WHERE parent_id > 0 AND status = 'wc-completed'
                               AND NOT EXISTS (SELECT 1 FROM ${P}cartman_audit_log a WHERE a.object_id = parent_id) ORDER BY parent_id LIMIT 1")
    is "$(req PATCH "$O/$rid" -d '{"status":"processing"}')" 200 "$mode: completed order $rid with a refund → processing"
    is "$(sql "$db" "SELECT GROUP_CONCAT(DISTINCT status) FROM ${P}wc_order_stats WHERE order_id = $rid OR parent_id = $rid")" wc-processing \
        "$mode:   the order's and its refunds' wc_order_stats rows"
}

run hpos $HDB "https://127.0.0.1:$HP/cartman/v1" hpos
run posts $PDB "https://127.0.0.1:$PP/cartman/v1" posts
run sync-hpos $SDB "https://127.0.0.1:$SP/cartman/v1" hpos
sql $SDB "UPDATE ${P}options SET option_value = 'no' WHERE option_name = 'woocommerce_custom_orders_table_enabled'"
run sync-posts $SDB "https://127.0.0.1:$SP/cartman/v1" posts
is "$(sql $SDB "SELECT COUNT(*) FROM ${P}wc_orders o JOIN ${P}posts p ON p.ID = o.id WHERE o.type = 'shop_order'
                AND (p.post_status <> o.status OR p.post_modified_gmt <> o.date_updated_gmt)")" 0 \
    "sync store: every order's copies agree (status, modified date)"
sql $SDB "UPDATE ${P}options SET option_value = 'yes' WHERE option_name = 'woocommerce_custom_orders_table_enabled'"

# --- running out of stock and back (HPOS store): the variation, its variable parent, the term ---
O=https://127.0.0.1:$HP/cartman/v1/orders
id=$(sql $HDB "SELECT o.id FROM ${P}wc_orders o WHERE o.type = 'shop_order' AND o.status IN ('wc-pending', 'wc-failed')
               AND NOT EXISTS (SELECT 1 FROM ${P}cartman_audit_log a WHERE a.object_id = o.id)
               AND (SELECT COUNT(*) FROM ${P}woocommerce_order_items i WHERE i.order_id = o.id AND i.order_item_type = 'line_item') = 1
               AND EXISTS (SELECT 1 FROM ${P}woocommerce_order_items i JOIN ${P}woocommerce_order_itemmeta v ON v.order_item_id = i.order_item_id
                           AND v.meta_key = '_variation_id' AND v.meta_value > 0 WHERE i.order_id = o.id) ORDER BY o.id LIMIT 1")
read -r _ h q <<<"$(lines $HDB "$id")"
parent=$(sql $HDB "SELECT post_parent FROM ${P}posts WHERE ID = $h AND post_type = 'product_variation'")
like "$parent" '^[0-9]+$' "order $id has one line, variation $h of product $parent"
# the variation holds the last units; its siblings are sold out
sql $HDB "UPDATE ${P}postmeta SET meta_value = '$q' WHERE post_id = $h AND meta_key = '_stock'"
sql $HDB "UPDATE ${P}wc_product_meta_lookup SET stock_quantity = $q WHERE product_id = $h"
sql $HDB "UPDATE ${P}postmeta SET meta_value = 'outofstock' WHERE meta_key = '_stock_status'
          AND post_id IN (SELECT ID FROM ${P}posts WHERE post_parent = $parent AND post_type = 'product_variation' AND ID <> $h)"
sql $HDB "INSERT INTO ${P}options (option_name, option_value, autoload) VALUES ('_transient_wc_var_prices_$parent', '{}', 'off'),
          ('_transient_wc_outofstock_count', '3', 'off')"
tt=$(sql $HDB "SELECT tt.term_taxonomy_id FROM ${P}terms t JOIN ${P}term_taxonomy tt ON tt.term_id = t.term_id WHERE tt.taxonomy = 'product_visibility' AND t.slug = 'outofstock'")
cnt0=$(sql $HDB "SELECT count FROM ${P}term_taxonomy WHERE term_taxonomy_id = $tt")
prod() { # prod ID → _stock|_stock_status|lookup stock|lookup status|outofstock term
    sql $HDB "SELECT CONCAT_WS('|', IFNULL((SELECT meta_value FROM ${P}postmeta WHERE post_id = $1 AND meta_key = '_stock'), '-'),
              (SELECT meta_value FROM ${P}postmeta WHERE post_id = $1 AND meta_key = '_stock_status'), IFNULL(l.stock_quantity, '-'), l.stock_status,
              (SELECT COUNT(*) FROM ${P}term_relationships WHERE object_id = $1 AND term_taxonomy_id = $tt))
              FROM ${P}wc_product_meta_lookup l WHERE l.product_id = $1"
}
is "$(prod "$parent")" "-|instock|-|instock|0" "  the parent is in stock before"
is "$(req PATCH "$O/$id" -d '{"status":"processing"}')" 200 "order $id → processing takes the last $q"
is "$(prod "$h")" "0|outofstock|0|outofstock|1" "  variation: _stock 0, outofstock in meta, lookup and the visibility term"
is "$(prod "$parent")" "-|outofstock|-|outofstock|1" "  its variable parent follows: no variation in stock"
is "$(sql $HDB "SELECT count FROM ${P}term_taxonomy WHERE term_taxonomy_id = $tt")" "$((cnt0 + 2))" "  the term's count follows"
is "$(sql $HDB "SELECT COUNT(*) FROM ${P}options WHERE option_name IN ('_transient_wc_var_prices_$parent', '_transient_wc_outofstock_count')")" 0 \
    "  the product transients are deleted"
is "$(sql $HDB "SELECT COUNT(DISTINCT t) FROM (SELECT post_modified_gmt AS t FROM ${P}posts WHERE ID IN ($h, $parent)
                UNION ALL SELECT date_updated_gmt FROM ${P}wc_orders WHERE id = $id) x")" 1 "  variation and parent saved (modified) with the order"
is "$(req PATCH "$O/$id" -d '{"status":"cancelled"}')" 200 "  cancelled"
is "$(prod "$h")" "$q|instock|$q|instock|0" "  the variation is back in stock, term removed"
is "$(prod "$parent")" "-|instock|-|instock|0" "  and so is its parent"
is "$(sql $HDB "SELECT count FROM ${P}term_taxonomy WHERE term_taxonomy_id = $tt")" "$cnt0" "  the term's count is back"

# --- bad input: clear 4xx, nothing changes ---
id=$(sql $HDB "SELECT id FROM ${P}wc_orders WHERE type = 'shop_order' AND status = 'wc-processing' ORDER BY id DESC LIMIT 1")
rid=$(sql $HDB "SELECT MIN(id) FROM ${P}wc_orders WHERE type = 'shop_order_refund'")
fp=$(fingerprint $HDB)
bad() { # bad WANT_STATUS WANT_CODE NAME METHOD PATH [curl args]
    local want=$1 code=$2 name=$3 m=$4 path=$5; shift 5
    is "$(req "$m" "https://127.0.0.1:$HP/cartman/v1$path" "$@") $(jq_ .code)" "$want $code" "$name"
}
bad 400 cartman_invalid_param "unknown field" PATCH /orders/$id -d '{"status":"completed","colour":"red"}'
like "$(jq_ .message)" 'Unknown field: colour' "  the message names it"
bad 400 cartman_invalid_param "status as a number" PATCH /orders/$id -d '{"status":5}'
bad 400 cartman_invalid_param "status null" PATCH /orders/$id -d '{"status":null}'
bad 400 cartman_invalid_param "no status" PATCH /orders/$id -d '{"note":"x"}'
bad 400 cartman_invalid_param "unknown status" PATCH /orders/$id -d '{"status":"shipped"}'
bad 400 cartman_invalid_param "pending is not settable" PATCH /orders/$id -d '{"status":"pending"}'
bad 400 cartman_invalid_param "trash is not settable" PATCH /orders/$id -d '{"status":"trash"}'
bad 400 cartman_invalid_param "note as a number" PATCH /orders/$id -d '{"status":"completed","note":1}'
bad 400 cartman_invalid_param "a repeated field" PATCH /orders/$id -d '{"status":"completed","status":"cancelled"}'
bad 400 cartman_invalid_param "not JSON" PATCH /orders/$id -d 'status=completed'
bad 400 cartman_invalid_param "a JSON array" PATCH /orders/$id -d '["completed"]'
bad 400 cartman_invalid_param "an empty body" PATCH /orders/$id
bad 400 cartman_invalid_param "a NUL escape" PATCH /orders/$id -d '{"status":"completed","note":"a\u0000b"}'
bad 400 cartman_invalid_param "deep nesting" PATCH /orders/$id -d "{\"status\":\"completed\",\"note\":$(printf '[%.0s' $(seq 1 40))$(printf ']%.0s' $(seq 1 40))}"
head -c 17000 /dev/zero | tr '\0' 'x' >"$T/ow-note"
bad 400 cartman_invalid_param "a note over 16 KiB" PATCH /orders/$id --data-binary "{\"status\":\"completed\",\"note\":\"$(cat "$T/ow-note")\"}"
head -c 70000 /dev/zero | tr '\0' 'x' >"$T/ow-big"
# 413 from apid, or (while no route accepts a larger body) the stream refused by h2o itself
like "$(req PATCH "https://127.0.0.1:$HP/cartman/v1/orders/$id" --data-binary "{\"status\":\"completed\",\"note\":\"$(cat "$T/ow-big")\"}" 2>/dev/null)" '^(413|000)$' "a body over 64 KiB is refused"
bad 404 cartman_order_invalid_id "unknown order" PATCH /orders/999999 -d '{"status":"completed"}'
bad 404 cartman_order_invalid_id "a refund is no order" PATCH /orders/$rid -d '{"status":"completed"}'
bad 404 cartman_order_invalid_id "a non-numeric id" PATCH /orders/abc -d '{"status":"completed"}'
bad 404 cartman_order_invalid_id "SQL in the id" PATCH "/orders/1%20OR%201=1" -d '{"status":"completed"}'
bad 404 cartman_order_invalid_id "id 0" PATCH /orders/0 -d '{"status":"completed"}'
bad 404 cartman_order_invalid_id "a negative id" PATCH /orders/-1 -d '{"status":"completed"}'
bad 404 cartman_order_invalid_id "an id over 64 bits" PATCH /orders/18446744073709551616 -d '{"status":"completed"}'
bad 404 cartman_order_invalid_id "the id is checked before the body" PATCH /orders/abc -d 'not json'
bad 400 cartman_invalid_param "note: missing" POST /orders/$id/notes -d '{"customer_note":true}'
bad 400 cartman_invalid_param "note: empty" POST /orders/$id/notes -d '{"note":"  "}'
bad 400 cartman_invalid_param "note: customer_note as a string" POST /orders/$id/notes -d '{"note":"x","customer_note":"yes"}'
bad 400 cartman_invalid_param "note: unknown field" POST /orders/$id/notes -d '{"note":"x","private":true}'
bad 404 cartman_order_invalid_id "note: unknown order" POST /orders/999999/notes -d '{"note":"x"}'
bad 404 cartman_order_invalid_id "notes of an unknown order" GET /orders/999999/notes
bad 404 cartman_order_invalid_id "note: id 0" POST /orders/0/notes -d '{"note":"x"}'
bad 404 cartman_order_invalid_id "notes: a non-numeric id" GET /orders/x1/notes
bad 400 cartman_invalid_param "note: not JSON" POST /orders/$id/notes -d 'note=x'
is "$(fingerprint $HDB)" "$fp" "nothing changed (orders, posts, meta, notes, stock, stats, options, audit, outbox)"

# --- scope ---
TOK=$ro bad 403 cartman_insufficient_scope "orders:read cannot PATCH" PATCH /orders/$id -d '{"status":"completed"}'
TOK=$ro bad 403 cartman_insufficient_scope "orders:read cannot add a note" POST /orders/$id/notes -d '{"note":"x"}'
is "$(TOK=$ro req GET "https://127.0.0.1:$HP/cartman/v1/orders/$id/notes")" 200 "orders:read lists notes"
is "$(curl -sS "${CA[@]}" --http2 -o /dev/null -w '%{http_code}' -X PATCH -d '{"status":"completed"}' "$O/$id")" 401 "no credential: 401"
W=https://127.0.0.1:$HP/wp-json/cartman/v1/orders
is "$(req GET "$W/$id/notes") $(jq_ 'length > 0')" "200 true" "notes under /wp-json/cartman/v1 too"
is "$(req PATCH "$W/$id" -d '{"status":"processing"}') $(jq_ .status)" "200 processing" "PATCH under /wp-json/cartman/v1 (no change: already processing)"
is "$(fingerprint $HDB)" "$fp" "refused requests changed nothing"

# --- notes ---
c0=$(maxc $HDB)
cc0=$(sql $HDB "SELECT comment_count FROM ${P}posts WHERE ID = $id")
is "$(req POST "$O/$id/notes" -d '{"note":"Packed and ready."}')" 201 "a private note: 201"
is "$(jq_ '[.note, .customer_note, .author, .added_by_user] | map(tostring) | join("|")')" "Packed and ready.|false|$admin_name|true" "  answered in the REST v3 shape"
nid=$(jq_ .id)
is "$(notes_since $HDB "$id" "$c0")" "$ME|Packed and ready." "  comments row as WooCommerce writes it"
is "$(sql $HDB "SELECT COUNT(*) FROM ${P}commentmeta WHERE comment_id = $nid")" 0 "  no is_customer_note meta"
is "$(sql $HDB "SELECT comment_count FROM ${P}posts WHERE ID = $id")" "$((cc0 + 1))" "  the post's comment_count"
is "$(audit_last $HDB)" "order.note|ok|1|order|$id|{\"note_id\":$nid,\"customer_note\":false}" "  audit row"
o0=$(sql $HDB "SELECT COUNT(*) FROM ${P}cartman_mail_outbox WHERE kind = 'customer_note'")
is "$o0" 0 "  no customer-note mail (the transitions above queued theirs, 62-order-mail.t checks them)"
is "$(req POST "$O/$id/notes" --data-binary '{"note":"Your parcel is on its way: DHL 00340434.","customer_note":true}')" 201 "a customer note: 201"
nid=$(jq_ .id)
is "$(jq_ .customer_note)" true "  customer_note true"
is "$(sql $HDB "SELECT CONCAT(meta_key, '=', meta_value) FROM ${P}commentmeta WHERE comment_id = $nid")" "is_customer_note=1" "  commentmeta is_customer_note = 1"
email=$(sql $HDB "SELECT billing_email FROM ${P}wc_orders WHERE id = $id")
created=$(sql $HDB "SELECT DATE_FORMAT(date_created, '%M %e, %Y') FROM ${P}wc_order_stats WHERE order_id = $id")
is "$(sql $HDB "SELECT CONCAT_WS('|', to_addr, subject, kind, object_type, object_id, status IN ('pending', 'sent')) FROM ${P}cartman_mail_outbox WHERE kind = 'customer_note'")" \
    "$email|Note added to your $(sql $HDB "SELECT option_value FROM ${P}options WHERE option_name = 'blogname'") order from $created|customer_note|order|$id|1" \
    "  the customer-note e-mail is queued (WooCommerce's subject)"
body=$(sql $HDB "SELECT body_text FROM ${P}cartman_mail_outbox WHERE kind = 'customer_note'")
like "$body" 'A note has been added to your order' "  heading"
like "$body" 'The following note has been added to your order:' "  WooCommerce's wording"
like "$body" 'Your parcel is on its way: DHL 00340434\.' "  the note"
like "$body" "\[ORDER #$id\]" "  the order (upper-cased, as WooCommerce's plain e-mails write it)"
is "$(req GET "$O/$id/notes") $(jq_ '.[0].id') $(jq_ '.[0].customer_note') $(jq_ '.[1].id')" "200 $nid true $((nid - 1))" "GET lists the new notes first"
is "$(req GET "$O/$id/notes?type=customer") $(jq_ '[.[].customer_note] | unique | map(tostring) | join(",")') $(jq_ '.[0].id')" "200 true $nid" "?type=customer: customer notes only"
is "$(req GET "$O/$id/notes?type=internal") $(jq_ '[.[].customer_note] | unique | map(tostring) | join(",")') $(jq_ '.[0].id')" "200 false $((nid - 1))" "?type=internal: the others"
is "$(req GET "$O/$id/notes?type=all") $(jq_ .code)" "400 rest_invalid_param" "?type=all is refused"

# a billing e-mail the outbox refuses costs the note nothing: saved, no mail queued (as wp_mail failing)
sql $HDB "UPDATE ${P}wc_orders SET billing_email = 'no address' WHERE id = $id;
          UPDATE ${P}wc_order_addresses SET email = 'no address' WHERE order_id = $id AND address_type = 'billing'"
m0=$(sql $HDB "SELECT COUNT(*) FROM ${P}cartman_mail_outbox")
is "$(req POST "$O/$id/notes" -d '{"note":"Sent again.","customer_note":true}') $(jq_ .customer_note)" "201 true" \
    "a customer note to an order whose billing e-mail is no address: 201"
is "$(sql $HDB "SELECT COUNT(*) FROM ${P}comments WHERE comment_ID = $(jq_ .id) AND comment_content = 'Sent again.'")" 1 "  the note is saved"
is "$(sql $HDB "SELECT COUNT(*) FROM ${P}cartman_mail_outbox")" "$m0" "  and no mail is queued"
sql $HDB "UPDATE ${P}wc_orders SET billing_email = '$email' WHERE id = $id;
          UPDATE ${P}wc_order_addresses SET email = '$email' WHERE order_id = $id AND address_type = 'billing'"

# --- two PATCHes at once on one order: one transition, stock reduced once ---
id=$(sql $HDB "SELECT id FROM ${P}wc_orders WHERE type = 'shop_order' AND status IN ('wc-pending', 'wc-failed')
               AND NOT EXISTS (SELECT 1 FROM ${P}cartman_audit_log a WHERE a.object_id = id) ORDER BY id DESC LIMIT 1")
ls=$(lines $HDB "$id"); st0=$(stocks $HDB "$id"); c0=$(maxc $HDB)
rp=()
for i in 1 2 3 4; do
    curl -sS "${CA[@]}" --http2 -o "$T/ow-race-$i" -w '%{http_code}\n' -X PATCH -H "Authorization: Bearer $at" \
        -H 'Content-Type: application/json' -d '{"status":"processing"}' "$O/$id" >"$T/ow-race-$i.code" &
    rp+=($!)
done
wait "${rp[@]}"
is "$(cat "$T"/ow-race-*.code | sort | uniq -c | awk '{print $1" "$2}')" "4 200" "four concurrent PATCHes to processing all answer 200"
is "$(notes_since $HDB "$id" "$c0" | grep -c 'Order status changed')" 1 "  exactly one status note"
is "$(notes_since $HDB "$id" "$c0" | grep -c 'Stock levels reduced')" "$([ -n "$ls" ] && echo 1 || echo 0)" "  at most one stock note"
is "$(stocks $HDB "$id")" "$(expect_stocks "$st0" "$ls" -1)" "  stock reduced once"
is "$(sql $HDB "SELECT COUNT(*) FROM ${P}cartman_audit_log WHERE object_id = '$id' AND event = 'order.status'")" 1 "  one audit row"
id2=$(sql $HDB "SELECT id FROM ${P}wc_orders WHERE type = 'shop_order' AND status = 'wc-completed'
                AND NOT EXISTS (SELECT 1 FROM ${P}cartman_audit_log a WHERE a.object_id = id) ORDER BY id DESC LIMIT 1")
st0=$(stocks $HDB "$id2"); c0=$(maxc $HDB)
curl -sS "${CA[@]}" --http2 -o /dev/null -X PATCH -H "Authorization: Bearer $at" -H 'Content-Type: application/json' -d '{"status":"cancelled"}' "$O/$id2" &
r1=$!
curl -sS "${CA[@]}" --http2 -o /dev/null -X PATCH -H "Authorization: Bearer $at" -H 'Content-Type: application/json' -d '{"status":"on-hold"}' "$O/$id2" &
r2=$!
wait $r1 $r2
final=$(sql $HDB "SELECT status FROM ${P}wc_orders WHERE id = $id2")
is "$(notes_since $HDB "$id2" "$c0" | grep -c 'Order status changed')" 2 "cancel and hold racing on order $id2: both transitions, one after the other"
like "$final" '^wc-(cancelled|on-hold)$' "  one of them last ($final)"
ls=$(lines $HDB "$id2")
if [ "$final" = wc-cancelled ]; then
    is "$(stocks $HDB "$id2")" "$(expect_stocks "$st0" "$ls" 1)" "  cancelled last: stock restored exactly once"
else
    is "$(stocks $HDB "$id2")" "$st0" "  on-hold last: stock restored then reduced again"
fi
is "$(sql $HDB "SELECT order_stock_reduced FROM ${P}wc_order_operational_data WHERE order_id = $id2")" "$([ "$final" = wc-on-hold ] && echo 1 || echo 0)" \
    "  the flag matches the stock"

# --- two orders sharing a product, cancelled at once: both restocks land ---
view="SELECT i.order_id AS oid, IF(v.meta_value > 0, v.meta_value, pm.meta_value) AS holder, rs.meta_value AS red
      FROM ${P}woocommerce_order_items i
      JOIN ${P}woocommerce_order_itemmeta pm ON pm.order_item_id = i.order_item_id AND pm.meta_key = '_product_id'
      LEFT JOIN ${P}woocommerce_order_itemmeta v ON v.order_item_id = i.order_item_id AND v.meta_key = '_variation_id'
      JOIN ${P}woocommerce_order_itemmeta rs ON rs.order_item_id = i.order_item_id AND rs.meta_key = '_reduced_stock'
      JOIN ${P}wc_orders o ON o.id = i.order_id AND o.status = 'wc-completed'
      WHERE NOT EXISTS (SELECT 1 FROM ${P}cartman_audit_log a WHERE a.object_id = i.order_id)"
read -r a b h <<<"$(sql $HDB "SELECT x.oid, y.oid, x.holder FROM ($view) x JOIN ($view) y ON y.holder = x.holder AND y.oid > x.oid
                             ORDER BY x.holder LIMIT 1")"
like "$a $b" '^[0-9]+ [0-9]+$' "completed orders $a and $b both reduced product $h"
s0=$(sql $HDB "SELECT meta_value FROM ${P}postmeta WHERE post_id = $h AND meta_key = '_stock'")
back=$(sql $HDB "SELECT SUM(red) FROM ($view) x WHERE x.holder = $h AND x.oid IN ($a, $b)")
rp=()
for x in $a $b; do
    curl -sS "${CA[@]}" --http2 -o /dev/null -w '%{http_code}\n' -X PATCH -H "Authorization: Bearer $at" \
        -H 'Content-Type: application/json' -d '{"status":"cancelled"}' "$O/$x" >"$T/ow-pair-$x.code" &
    rp+=($!)
done
wait "${rp[@]}"
is "$(cat "$T/ow-pair-$a.code" "$T/ow-pair-$b.code" | tr '\n' ' ')" "200 200 " "  both answer 200"
is "$(sql $HDB "SELECT CONCAT(m.meta_value, '/', l.stock_quantity) FROM ${P}postmeta m JOIN ${P}wc_product_meta_lookup l ON l.product_id = m.post_id
                WHERE m.post_id = $h AND m.meta_key = '_stock'")" "$((s0 + back))/$((s0 + back))" "  _stock and lookup up by both ($s0 + $back)"

# --- an order in the trash is not changed ---
x=$(sql $HDB "SELECT id FROM ${P}wc_orders WHERE type = 'shop_order' AND status = 'wc-completed'
              AND NOT EXISTS (SELECT 1 FROM ${P}cartman_audit_log a WHERE a.object_id = id) ORDER BY id LIMIT 1")
sql $HDB "UPDATE ${P}wc_orders SET status = 'trash' WHERE id = $x"
fp=$(fingerprint $HDB)
is "$(req PATCH "$O/$x" -d '{"status":"processing"}') $(jq_ .code)" "409 cartman_order_trashed" "an order in the trash: 409"
is "$(fingerprint $HDB)" "$fp" "  nothing changed"
sql $HDB "UPDATE ${P}wc_orders SET status = 'wc-completed' WHERE id = $x"

# --- teardown ---
apid_stop $HDB $PDB $SDB
sql_server "DROP DATABASE IF EXISTS $HDB; DROP DATABASE IF EXISTS $PDB; DROP DATABASE IF EXISTS $SDB"
done_testing
