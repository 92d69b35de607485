#!/usr/bin/env bash
# POST /orders/{id}/refund and PATCH status refunded against three scratch stores, each behind its own apid: HPOS
# (cartman_test_refund_hpos), legacy posts (cartman_test_refund_posts) and HPOS with sync on
# (cartman_test_refund_sync). The shared test store is not touched. Asserts the rows WooCommerce's
# wc_create_refund leaves: the refund order, its meta, negative items and tax lines, restock (stock
# meta, lookup row, item meta, note), the parent turning refunded with its note, the analytics rows;
# bad input and over-refunds answer 4xx with the database unchanged; concurrent refunds never
# over-refund.
source "$(dirname "$0")/lib.sh"
CA=(--cacert "$CARTMAN_TLS_CERT")
T=${CARTMAN_TEST_DIR:-/tmp}
P=$CARTMAN_DB_PREFIX
SRC=127.0.0.56

token() { curl -sS "${CA[@]}" --interface "$SRC" -u "cartman-mobile:$key" -d grant_type=client_credentials "$@" \
    "$AUTHD_URL/oauth/token" | jq -r .access_token; }
key=$("$BIN/authd" keys create-connection-key --label "refunds test" 2>/dev/null)
at=$(token)
ro=$(token -d scope=orders:read)
like "$at" '^[A-Za-z0-9_-]+\.' "an access token"

# refund BASE ORDER JSON [TOKEN] → STATUS; body in $T/r.body
refund() {
    curl -sS "${CA[@]}" --http2 --interface "$SRC" -o "$T/r.body" -w '%{http_code}' -H "Authorization: Bearer ${4:-$at}" \
        -H 'Content-Type: application/json' --data-binary "$3" "$1/orders/$2/refund"
}
jr() { jq -r "$1" <"$T/r.body" 2>/dev/null; }

start_store() { # start_store DB STORAGE PORT
    store_create "$1" "$2" 160 11
    apid_start "$1" "$3" # no SMTP: the refund e-mails stay in the scratch store's outbox
}
stop_store() {
    apid_stop "$1"
    sql_server "DROP DATABASE IF EXISTS $1"
}

# Everything a refund could change, as one line: a failed request must leave it as it was.
fingerprint() {
    local db=$1
    sql "$db" "SELECT CONCAT_WS('|',
        (SELECT CONCAT(COUNT(*), ':', COALESCE(MAX(ID), 0), ':', COALESCE(SUM(CRC32(CONCAT_WS(',', ID, post_status, post_modified_gmt, comment_count))), 0)) FROM ${P}posts),
        (SELECT CONCAT(COUNT(*), ':', COALESCE(SUM(CRC32(CONCAT_WS(',', meta_id, post_id, meta_key, meta_value))), 0)) FROM ${P}postmeta),
        (SELECT CONCAT(COUNT(*), ':', COALESCE(SUM(CRC32(CONCAT_WS(',', id, status, total_amount, date_updated_gmt))), 0)) FROM ${P}wc_orders),
        (SELECT CONCAT(COUNT(*), ':', COALESCE(SUM(CRC32(CONCAT_WS(',', id, order_id, meta_key, meta_value))), 0)) FROM ${P}wc_orders_meta),
        (SELECT COUNT(*) FROM ${P}wc_order_operational_data),
        (SELECT CONCAT(COUNT(*), ':', COALESCE(MAX(order_item_id), 0)) FROM ${P}woocommerce_order_items),
        (SELECT CONCAT(COUNT(*), ':', COALESCE(SUM(CRC32(CONCAT_WS(',', meta_id, meta_key, meta_value))), 0)) FROM ${P}woocommerce_order_itemmeta),
        (SELECT CONCAT(COUNT(*), ':', COALESCE(MAX(comment_ID), 0)) FROM ${P}comments),
        (SELECT CONCAT(COUNT(*), ':', COALESCE(SUM(CRC32(CONCAT_WS(',', order_id, status, total_sales))), 0)) FROM ${P}wc_order_stats),
        (SELECT COUNT(*) FROM ${P}wc_order_product_lookup), (SELECT COUNT(*) FROM ${P}wc_order_tax_lookup),
        (SELECT COALESCE(SUM(CRC32(CONCAT_WS(',', product_id, stock_quantity, stock_status))), 0) FROM ${P}wc_product_meta_lookup))"
}

# run_store DB BASE STORAGE (hpos | posts | sync)
run_store() {
    local db=$1 base=$2 st=$3 ord refunds_of ometa
    if [ "$st" = posts ]; then
        ord="SELECT ID AS id, post_status AS status, (SELECT meta_value FROM ${P}postmeta WHERE post_id = ID AND meta_key = '_order_total') AS total
             FROM ${P}posts WHERE post_type = 'shop_order'"
        refunds_of() { sql "$db" "SELECT ID FROM ${P}posts WHERE post_type = 'shop_order_refund' AND post_parent = $1 ORDER BY ID"; }
        ometa() { sql "$db" "SELECT meta_value FROM ${P}postmeta WHERE post_id = $1 AND meta_key = '$2'"; }
        status_of() { sql "$db" "SELECT post_status FROM ${P}posts WHERE ID = $1"; }
    else
        ord="SELECT id, status, total_amount AS total FROM ${P}wc_orders WHERE type = 'shop_order'"
        refunds_of() { sql "$db" "SELECT id FROM ${P}wc_orders WHERE type = 'shop_order_refund' AND parent_order_id = $1 ORDER BY id"; }
        ometa() { sql "$db" "SELECT meta_value FROM ${P}wc_orders_meta WHERE order_id = $1 AND meta_key = '$2'"; }
        status_of() { sql "$db" "SELECT status FROM ${P}wc_orders WHERE id = $1"; }
    fi
    imeta() { sql "$db" "SELECT meta_value FROM ${P}woocommerce_order_itemmeta WHERE order_item_id = $1 AND meta_key = '$2'"; }
    stock_of() { sql "$db" "SELECT meta_value FROM ${P}postmeta WHERE post_id = $1 AND meta_key = '_stock'"; }
    # orders with no refund yet whose first line item reduced managed stock: "order item unit qty total tax"
    local picks
    picks=$(sql "$db" "SELECT o.id, i.order_item_id, IF(v.meta_value > 0, v.meta_value, p.meta_value), q.meta_value, t.meta_value, x.meta_value
        FROM ($ord) o JOIN ${P}woocommerce_order_items i ON i.order_id = o.id AND i.order_item_type = 'line_item'
        JOIN ${P}woocommerce_order_itemmeta r ON r.order_item_id = i.order_item_id AND r.meta_key = '_reduced_stock' AND r.meta_value > 0
        JOIN ${P}woocommerce_order_itemmeta p ON p.order_item_id = i.order_item_id AND p.meta_key = '_product_id'
        JOIN ${P}woocommerce_order_itemmeta v ON v.order_item_id = i.order_item_id AND v.meta_key = '_variation_id'
        JOIN ${P}woocommerce_order_itemmeta q ON q.order_item_id = i.order_item_id AND q.meta_key = '_qty'
        JOIN ${P}woocommerce_order_itemmeta t ON t.order_item_id = i.order_item_id AND t.meta_key = '_line_total'
        JOIN ${P}woocommerce_order_itemmeta x ON x.order_item_id = i.order_item_id AND x.meta_key = '_line_tax'
        WHERE o.status IN ('wc-processing', 'wc-completed') AND o.total > (t.meta_value + x.meta_value) / q.meta_value + 1
          AND o.id NOT IN ($(
            [ "$st" = posts ] && echo "SELECT post_parent FROM ${P}posts WHERE post_type = 'shop_order_refund'" ||
            echo "SELECT parent_order_id FROM ${P}wc_orders WHERE type = 'shop_order_refund'"))
        GROUP BY o.id ORDER BY o.id LIMIT 8" | tr '\t' ' ')
    local n; n=$(echo "$picks" | grep -c .)
    ok "$([ "$n" -ge 6 ]; echo $?)" "$st: $n orders to refund"
    pick() { echo "$picks" | sed -n "${1}p"; }
    if [ "$st" = sync ]; then # a synced store keeps full order posts beside the HPOS rows
        for k in 1 2 3; do
            read -r o _ <<<"$(pick $k)"
            sql "$db" "UPDATE ${P}posts p JOIN ${P}wc_orders w ON w.id = p.ID SET p.post_type = 'shop_order', p.post_status = w.status,
                       p.post_modified_gmt = w.date_updated_gmt WHERE p.ID = $o"
        done
    fi

    # --- 1. one unit of a line, restocked ---
    local o item unit qty ltotal ltax
    read -r o item unit qty ltotal ltax <<<"$(pick 1)"
    local ut utax amount s0 red0
    ut=$(awk -v t="$ltotal" -v q="$qty" 'BEGIN { printf "%.2f", t / q }')
    utax=$(awk -v t="$ltax" -v q="$qty" 'BEGIN { printf "%.2f", t / q }')
    amount=$(awk -v a="$ut" -v b="$utax" 'BEGIN { printf "%.2f", a + b }')
    s0=$(stock_of "$unit"); red0=$(imeta "$item" _reduced_stock)
    local notes0; notes0=$(sql "$db" "SELECT COUNT(*) FROM ${P}comments WHERE comment_post_ID = $o")
    local status0; status0=$(status_of "$o")
    local rv0; rv0=$(sql "$db" "SELECT COALESCE(MAX(option_value), '') FROM ${P}options WHERE option_name = '_transient_woocommerce_reports-transient-version'")
    is "$(refund "$base" "$o" "{\"restock\": true, \"reason\": \"Damaged in transit\", \"line_items\": [{\"id\": $item, \"quantity\": 1, \"refund_total\": \"$ut\", \"refund_tax\": \"$utax\"}]}")" \
        201 "$st: order $o: one unit refunded"
    local r; r=$(jr .id)
    is "$(jr '[.amount, .reason, .refunded_payment, (.line_items | length), .line_items[0].quantity, .line_items[0].refunded_item_id] | map(tostring) | join(" ")')" \
        "$amount Damaged in transit false 1 -1 $item" "$st: the answer is the refund (REST v3 shape)"
    is "$(refunds_of "$o")" "$r" "$st: refund $r belongs to order $o"
    if [ "$st" = posts ] || [ "$st" = sync ]; then
        is "$(sql "$db" "SELECT CONCAT_WS('|', post_type, post_status, post_parent, post_author, post_excerpt, ping_status, comment_status) FROM ${P}posts WHERE ID = $r")" \
            "shop_order_refund|wc-completed|$o|1|Damaged in transit|closed|closed" "$st: the refund's post"
        like "$(sql "$db" "SELECT CONCAT(post_title, ' ', post_name) FROM ${P}posts WHERE ID = $r")" \
            '^Refund &ndash; [A-Z][a-z]{2} [0-9]{2}, [0-9]{4} @ [0-9]{2}:[0-9]{2} [AP]M refund-[a-z]{3}-[0-9]{2}-[0-9]{4}-[0-9]{4}-[ap]m(-[0-9]+)?$' \
            "$st: the refund's title and slug"
        is "$(sql "$db" "SELECT meta_value FROM ${P}postmeta WHERE post_id = $r AND meta_key = '_order_total'")" "-$amount" "$st: postmeta _order_total"
        is "$(sql "$db" "SELECT meta_value FROM ${P}postmeta WHERE post_id = $r AND meta_key = '_order_tax'")" "-$utax" "$st: postmeta _order_tax"
        is "$(sql "$db" "SELECT COUNT(*) FROM ${P}postmeta WHERE post_id = $r AND meta_key IN ('_order_currency', '_cart_discount',
            '_cart_discount_tax', '_order_shipping', '_order_shipping_tax', '_order_version', '_prices_include_tax',
            '_refund_amount', '_refunded_by', '_refunded_payment', '_refund_reason', '_refund_type')")" 12 "$st: the refund's postmeta keys"
    else
        is "$(sql "$db" "SELECT CONCAT_WS('|', post_type, post_status, post_parent) FROM ${P}posts WHERE ID = $r")" \
            "shop_order_placehold|draft|$o" "$st: the refund's placeholder post"
    fi
    if [ "$st" != posts ]; then
        is "$(sql "$db" "SELECT CONCAT_WS('|', type, status, parent_order_id, CAST(total_amount AS DECIMAL(20,2)), CAST(tax_amount AS DECIMAL(20,2)), COALESCE(customer_id, 'NULL'),
                COALESCE(billing_email, 'NULL'), date_created_gmt = date_updated_gmt) FROM ${P}wc_orders WHERE id = $r")" \
            "shop_order_refund|wc-completed|$o|-$amount|-$utax|NULL|NULL|1" "$st: the refund's wc_orders row"
        is "$(sql "$db" "SELECT CONCAT_WS('|', woocommerce_version, prices_include_tax, CAST(shipping_total_amount AS DECIMAL(20,2)), CAST(discount_total_amount AS DECIMAL(20,2)))
                FROM ${P}wc_order_operational_data WHERE order_id = $r")" "9.3.3|0|0.00|0.00" "$st: its operational data"
    fi
    is "$(ometa "$r" _refund_amount)|$(ometa "$r" _refund_reason)|$(ometa "$r" _refunded_payment)|$(ometa "$r" _refund_type)" \
        "$amount|Damaged in transit||partial" "$st: refund meta (manual refund: _refunded_payment empty)"
    like "$(ometa "$r" _refunded_by)" '^[1-9][0-9]*$' "$st: _refunded_by is a user id"
    local ri; ri=$(sql "$db" "SELECT order_item_id FROM ${P}woocommerce_order_items WHERE order_id = $r AND order_item_type = 'line_item'")
    is "$(imeta "$ri" _qty)|$(imeta "$ri" _line_total)|$(imeta "$ri" _line_subtotal)|$(imeta "$ri" _line_tax)|$(imeta "$ri" _refunded_item_id)" \
        "-1|-$ut|-$ut|-$utax|$item" "$st: the negative line item"
    like "$(imeta "$ri" _line_tax_data)" "^a:2:\{s:5:\"total\";a:1:\{i:[0-9]+;s:[0-9]+:\"-$utax\";\}s:8:\"subtotal\";" "$st: its tax data"
    is "$(sql "$db" "SELECT CONCAT_WS('|', i.order_item_name, m.meta_value) FROM ${P}woocommerce_order_items i
            JOIN ${P}woocommerce_order_itemmeta m ON m.order_item_id = i.order_item_id AND m.meta_key = 'tax_amount'
            WHERE i.order_id = $r AND i.order_item_type = 'tax'" | cut -d'|' -f2)" "-$utax" "$st: a negative tax line"
    is "$(stock_of "$unit")" "$((s0 + 1))" "$st: stock of #$unit went up by one"
    is "$(sql "$db" "SELECT stock_quantity FROM ${P}wc_product_meta_lookup WHERE product_id = $unit")" "$((s0 + 1))" "$st: and its lookup row"
    is "$(imeta "$item" _reduced_stock)|$(imeta "$item" _restock_refunded_items)" "$((red0 - 1))|1" "$st: the line's _reduced_stock and _restock_refunded_items"
    is "$(sql "$db" "SELECT CONCAT_WS('|', comment_author, comment_type, comment_approved, comment_content) FROM ${P}comments
            WHERE comment_post_ID = $o ORDER BY comment_ID DESC LIMIT 1")" \
        "WooCommerce|order_note|1|Item #$unit stock increased from $s0 to $((s0 + 1))." "$st: the restock note"
    is "$(sql "$db" "SELECT COUNT(*) FROM ${P}comments WHERE comment_post_ID = $o")" "$((notes0 + 1))" "$st: one note, no status change"
    is "$(status_of "$o")" "$status0" "$st: a partial refund keeps the status"
    is "$(sql "$db" "SELECT CONCAT_WS('|', parent_id, num_items_sold, CAST(total_sales AS DECIMAL(20,2)), CAST(tax_total AS DECIMAL(20,2)),
                CAST(net_total AS DECIMAL(20,2)), status, returning_customer IS NULL)
            FROM ${P}wc_order_stats WHERE order_id = $r")" \
        "$o|-1|-$amount|-$utax|-$ut|$status0|1" "$st: the refund's wc_order_stats row"
    is "$(sql "$db" "SELECT CONCAT_WS('|', order_id, product_qty, CAST(product_net_revenue AS DECIMAL(20,2))) FROM ${P}wc_order_product_lookup WHERE order_item_id = $ri")" \
        "$r|-1|-$ut" "$st: its wc_order_product_lookup row"
    isnt_rv=$(sql "$db" "SELECT COALESCE(MAX(option_value), '') FROM ${P}options WHERE option_name = '_transient_woocommerce_reports-transient-version'")
    ok "$([ -n "$isnt_rv" ] && [ "$isnt_rv" != "$rv0" ]; echo $?)" "$st: the reports cache version moved ($rv0 → $isnt_rv), as the analytics import does"
    is "$(sql "$db" "SELECT CONCAT_WS('|', event, result, object_type, object_id) FROM ${P}cartman_audit_log ORDER BY id DESC LIMIT 1")" \
        "order.refund|ok|order|$o" "$st: an audit row"

    # --- 2. the rest of that line without restock, then an over-refund of it ---
    local s1; s1=$(stock_of "$unit")
    if [ "$qty" -gt 1 ]; then
        is "$(refund "$base" "$o" "{\"restock\": false, \"line_items\": [{\"id\": $item, \"quantity\": $((qty - 1)), \"refund_total\": 0}]}")" 201 \
            "$st: the other $((qty - 1)) units, no money, no restock"
        is "$(stock_of "$unit")" "$s1" "$st: restock off leaves the stock"
    fi
    local fp; fp=$(fingerprint "$db")
    is "$(refund "$base" "$o" "{\"restock\": true, \"line_items\": [{\"id\": $item, \"quantity\": 1, \"refund_total\": 1}]}") $(jr .code)" \
        "400 cartman_invalid_refund_quantity" "$st: more units than remain"
    is "$(fingerprint "$db")" "$fp" "$st: ... changes nothing"

    # --- 3. what is left, by amount: the order becomes refunded ---
    local total left
    if [ "$st" = posts ]; then total=$(ometa "$o" _order_total); else total=$(sql "$db" "SELECT CAST(total_amount AS DECIMAL(20,2)) FROM ${P}wc_orders WHERE id = $o"); fi
    left=$(awk -v t="$total" -v a="$amount" 'BEGIN { printf "%.2f", t - a }')
    is "$(refund "$base" "$o" "{\"restock\": false, \"amount\": \"$(awk -v l="$left" 'BEGIN { printf "%.2f", l + 0.01 }')\"}") $(jr .code)" \
        "400 cartman_invalid_refund_amount" "$st: one cent more than the $left left"
    is "$(fingerprint "$db")" "$fp" "$st: ... changes nothing"
    is "$(refund "${base/cartman\/v1/wp-json/cartman/v1}" "$o" "{\"restock\": false, \"amount\": $left, \"reason\": \"rest\"}")" 201 \
        "$st: the $left left (a JSON number, under /wp-json)"
    local r3; r3=$(jr .id)
    is "$(status_of "$o")" wc-refunded "$st: order $o is refunded"
    is "$(ometa "$r3" _refund_type)" full "$st: the last refund is the full one"
    is "$(sql "$db" "SELECT comment_content FROM ${P}comments WHERE comment_post_ID = $o ORDER BY comment_ID DESC LIMIT 1")" \
        "Order status changed from $( [ "$status0" = wc-completed ] && echo Completed || echo Processing) to Refunded." "$st: the status note"
    is "$(sql "$db" "SELECT GROUP_CONCAT(DISTINCT status) FROM ${P}wc_order_stats WHERE order_id = $o OR parent_id = $o")" wc-refunded \
        "$st: the order's and its refunds' stats rows say refunded"
    if [ "$st" != posts ]; then
        is "$(sql "$db" "SELECT date_updated_gmt >= UTC_TIMESTAMP() - INTERVAL 60 SECOND FROM ${P}wc_orders WHERE id = $o")" 1 "$st: date_updated_gmt bumped"
    fi
    if [ "$st" != hpos ]; then
        is "$(sql "$db" "SELECT CONCAT(post_status, ' ', post_modified_gmt >= UTC_TIMESTAMP() - INTERVAL 60 SECOND) FROM ${P}posts WHERE ID = $o")" \
            "wc-refunded 1" "$st: the order post is refunded and modified"
    fi
    fp=$(fingerprint "$db")
    is "$(refund "$base" "$o" '{"restock": false, "amount": "0.01"}') $(jr .code)" "400 cartman_invalid_refund_amount" "$st: nothing is left"
    is "$(refund "$base" "$r3" '{"restock": false, "amount": "0.01"}') $(jr .code)" "400 cartman_refund_of_refund" "$st: a refund cannot be refunded"
    is "$(fingerprint "$db")" "$fp" "$st: ... changes nothing"

    # --- 4. shipping and fee lines; GET shows the refunds ---
    read -r o item _ <<<"$(pick 2)"
    local ship; ship=$(sql "$db" "SELECT order_item_id FROM ${P}woocommerce_order_items WHERE order_id = $o AND order_item_type = 'shipping'")
    local cost; cost=$(imeta "$ship" cost)
    if [ "$(awk -v c="$cost" 'BEGIN { print (c > 0) }')" = 1 ]; then
        local stax; stax=$(imeta "$ship" total_tax)
        is "$(refund "$base" "$o" "{\"restock\": false, \"line_items\": [{\"id\": $ship, \"refund_total\": \"$cost\", \"refund_tax\": \"$stax\"}]}")" 201 \
            "$st: order $o: its shipping refunded"
        r=$(jr .id)
        is "$(jr '[.shipping_lines[0].total, .tax_lines[0].shipping_tax_total] | join(" ")')" "-$cost -$stax" "$st: shipping line and shipping tax in the answer"
        local rs; rs=$(sql "$db" "SELECT order_item_id FROM ${P}woocommerce_order_items WHERE order_id = $r AND order_item_type = 'shipping'")
        is "$(imeta "$rs" cost)|$(imeta "$rs" total_tax)|$(imeta "$rs" _refunded_item_id)" "-$cost|-$stax|$ship" "$st: the negative shipping line"
        if [ "$st" = posts ]; then
            is "$(ometa "$r" _order_shipping)|$(ometa "$r" _order_shipping_tax)" "-$cost|-$stax" "$st: refund shipping totals"
        else
            is "$(sql "$db" "SELECT CONCAT(CAST(shipping_total_amount AS DECIMAL(20,2)), '|', CAST(shipping_tax_amount AS DECIMAL(20,2))) FROM ${P}wc_order_operational_data WHERE order_id = $r")" \
                "-$cost|-$stax" "$st: refund shipping totals"
        fi
        is "$(refund "$base" "$o" "{\"restock\": false, \"line_items\": [{\"id\": $ship, \"refund_total\": \"0.01\"}]}") $(jr .code)" \
            "400 cartman_invalid_refund_amount" "$st: shipping cannot be refunded twice"
        is "$(refund "$base" "$o" "{\"restock\": false, \"line_items\": [{\"id\": $ship, \"quantity\": 1, \"refund_total\": \"0.01\"}]}") $(jr .code)" \
            "400 cartman_invalid_line_item" "$st: a shipping line has no quantity"
    fi
    is "$(curl -sS "${CA[@]}" --http2 -o "$T/r.body" -w '%{http_code}' -H "Authorization: Bearer $at" "$base/orders/$o")" 200 "$st: GET order $o"
    is "$(jr '.refunds | length')" "$(refunds_of "$o" | grep -c .)" "$st: ... lists its refunds"

    # --- 5. bad input: 4xx, nothing changes ---
    read -r o item _ <<<"$(pick 3)"
    local other; other=$(sql "$db" "SELECT order_item_id FROM ${P}woocommerce_order_items WHERE order_id <> $o AND order_item_type = 'line_item' LIMIT 1")
    local coupon_or_tax; coupon_or_tax=$(sql "$db" "SELECT order_item_id FROM ${P}woocommerce_order_items WHERE order_id = $o AND order_item_type = 'tax' LIMIT 1")
    fp=$(fingerprint "$db")
    local big; big=$(head -c 70000 /dev/zero | tr '\0' 'x')
    while IFS='|' read -r want body; do
        code=$(refund "$base" "$o" "$body")
        is "$code $(jr .code)" "$want" "$st: ${body:0:90} → $want"
    done <<EOF
400 rest_invalid_param|{"restock": false, "amount": "-1"}
400 cartman_invalid_refund_amount|{"restock": false, "amount": "0"}
400 cartman_invalid_refund_amount|{"restock": false, "amount": 0}
400 rest_invalid_param|{"restock": false, "amount": "1.001"}
400 rest_invalid_param|{"restock": false, "amount": 1.001}
400 rest_invalid_param|{"restock": false, "amount": "1e2"}
400 rest_invalid_param|{"restock": false, "amount": " 1"}
400 rest_invalid_param|{"restock": false, "amount": "1."}
400 rest_invalid_param|{"restock": false, "amount": "99999999999"}
400 rest_invalid_param|{"restock": false, "amount": true}
400 rest_invalid_param|{"restock": false, "amount": null}
400 rest_invalid_param|{"amount": "1"}
400 rest_invalid_param|{"restock": "yes", "amount": "1"}
400 rest_invalid_param|{"restock": false, "amount": "1", "api_refund": true}
400 rest_invalid_param|{"restock": false}
400 rest_invalid_param|{"restock": false, "reason": 5, "amount": "1"}
400 rest_invalid_param|{"restock": false, "line_items": {}}
400 rest_invalid_param|{"restock": false, "line_items": [{"id": $item, "refund_total": "1", "color": "red"}]}
400 rest_invalid_param|{"restock": false, "line_items": [{"id": $item, "quantity": -1, "refund_total": "1"}]}
400 rest_invalid_param|{"restock": false, "line_items": [{"id": $item, "quantity": 1.5, "refund_total": "1"}]}
400 rest_invalid_param|{"restock": false, "line_items": [{"id": $item, "quantity": 1}]}
400 rest_invalid_param|{"restock": false, "line_items": [{"id": "$item", "refund_total": "1"}]}
400 rest_invalid_param|{"restock": false, "line_items": [{"id": $item, "refund_total": "1"}, {"id": $item, "refund_total": "1"}]}
400 cartman_refund_amount_mismatch|{"restock": false, "amount": "5.00", "line_items": [{"id": $item, "refund_total": "1"}]}
400 cartman_invalid_line_item|{"restock": false, "line_items": [{"id": $other, "refund_total": "1"}]}
400 cartman_invalid_line_item|{"restock": false, "line_items": [{"id": $coupon_or_tax, "refund_total": "1"}]}
400 cartman_invalid_line_item|{"restock": false, "line_items": [{"id": 999999999, "refund_total": "1"}]}
400 cartman_invalid_refund_quantity|{"restock": true, "line_items": [{"id": $item, "quantity": 1000, "refund_total": "1"}]}
400 cartman_invalid_refund_amount|{"restock": false, "line_items": [{"id": $item, "refund_total": "100000"}]}
400 cartman_invalid_refund_tax|{"restock": false, "line_items": [{"id": $item, "refund_total": "1", "refund_tax": [{"id": 987654, "refund_total": "0.10"}]}]}
400 cartman_invalid_refund_amount|{"restock": false, "amount": "100000"}
400 cartman_invalid_json|{"restock": false, "amount": "1", "amount": "2"}
400 cartman_invalid_json|{"restock": false,
400 cartman_invalid_json|[1, 2]
400 cartman_invalid_json|
EOF
    # over the route's 64 KiB: 413, or the stream refused by h2o when no route accepts that much
    like "$(refund "$base" "$o" "{\"restock\": false, \"reason\": \"$big\"}" 2>/dev/null)" '^(413|000)$' "$st: a 70 kB body is refused"
    is "$(refund "$base" 999999999 '{"restock": false, "amount": "1"}') $(jr .code)" "404 cartman_order_invalid_id" "$st: unknown order"
    is "$(refund "$base" abc '{"restock": false, "amount": "1"}') $(jr .code)" "404 cartman_order_invalid_id" "$st: a non-numeric id"
    is "$(refund "$base" 0 '{"restock": false, "amount": "1"}') $(jr .code)" "404 cartman_order_invalid_id" "$st: id 0"
    is "$(refund "$base" "$o" '{"restock": false, "amount": "1"}' "$ro") $(jr .code)" "403 cartman_insufficient_scope" "$st: orders:read is not enough" 
    is "$(fingerprint "$db")" "$fp" "$st: none of that changed anything"
    like "$(sql "$db" "SELECT COUNT(*) FROM ${P}cartman_audit_log WHERE event = 'order.refund' AND result = 'denied'")" '^[1-9]' "$st: refused refunds are audited"

    # --- 6. concurrent refunds never over-refund ---
    read -r o _ <<<"$(pick 4)"
    if [ "$st" = posts ]; then total=$(ometa "$o" _order_total); else total=$(sql "$db" "SELECT CAST(total_amount AS DECIMAL(20,2)) FROM ${P}wc_orders WHERE id = $o"); fi
    local part; part=$(awk -v t="$total" 'BEGIN { printf "%.2f", int(t * 100 * 0.3) / 100 }')
    local pids=()
    for k in 1 2 3 4 5 6; do
        curl -sS "${CA[@]}" --http2 --interface "$SRC" -o /dev/null -w '%{http_code}\n' -H "Authorization: Bearer $at" \
            -H 'Content-Type: application/json' -d "{\"restock\": false, \"amount\": \"$part\"}" "$base/orders/$o/refund" >"$T/conc.$k" &
        pids+=($!)
    done
    wait "${pids[@]}"
    is "$(cat "$T"/conc.* | sort | uniq -c | awk '{ printf "%s×%s ", $1, $2 }')" "3×201 3×400 " "$st: six refunds of 30% at once: three succeed"
    is "$(refunds_of "$o" | grep -c .)" 3 "$st: three refund rows"
    if [ "$st" = posts ]; then
        is "$(sql "$db" "SELECT CAST(SUM(m.meta_value) AS DECIMAL(20,2)) FROM ${P}posts r JOIN ${P}postmeta m ON m.post_id = r.ID AND m.meta_key = '_refund_amount'
                WHERE r.post_parent = $o AND r.post_type = 'shop_order_refund'")" "$(awk -v p="$part" 'BEGIN { printf "%.2f", p * 3 }')" "$st: refunded 3 × $part"
    else
        is "$(sql "$db" "SELECT CAST(-SUM(total_amount) AS DECIMAL(20,2)) FROM ${P}wc_orders WHERE parent_order_id = $o AND type = 'shop_order_refund'")" \
            "$(awk -v p="$part" 'BEGIN { printf "%.2f", p * 3 }')" "$st: refunded 3 × $part"
    fi

    # --- 7. PATCH status refunded: a refund of what is left (wc_order_fully_refunded) ---
    read -r o _ <<<"$(pick 5)"
    status0=$(status_of "$o")
    if [ "$st" = posts ]; then total=$(ometa "$o" _order_total); else total=$(sql "$db" "SELECT CAST(total_amount AS DECIMAL(20,2)) FROM ${P}wc_orders WHERE id = $o"); fi
    is "$(refund "$base" "$o" '{"restock": false, "amount": "1.00"}')" 201 "$st: order $o: 1.00 refunded first"
    patch() { curl -sS "${CA[@]}" --http2 --interface "$SRC" -o "$T/r.body" -w '%{http_code}' -X PATCH -H "Authorization: Bearer $at" \
        -H 'Content-Type: application/json' --data-binary "$2" "$base/orders/$1"; }
    is "$(patch "$o" '{"status": "refunded", "note": "Returned."}') $(jr .status)" "200 refunded" "$st: PATCH status refunded"
    r=$(refunds_of "$o" | tail -1)
    is "$(refunds_of "$o" | grep -c .)" 2 "$st: ... created a second refund"
    left=$(awk -v t="$total" 'BEGIN { printf "%.2f", t - 1 }')
    is "$(ometa "$r" _refund_amount)|$(ometa "$r" _refund_reason)|$(ometa "$r" _refund_type)" "$left|Order fully refunded.|full" \
        "$st: ... of the $left left, reason 'Order fully refunded.'"
    is "$(sql "$db" "SELECT COUNT(*) FROM ${P}woocommerce_order_items WHERE order_id = $r")" 0 "$st: ... without items"
    is "$(sql "$db" "SELECT comment_content FROM ${P}comments WHERE comment_post_ID = $o ORDER BY comment_ID DESC LIMIT 2" | tac | tr '\n' '|')" \
        "Order status set to refunded. To return funds to the customer you will need to issue a refund through your payment gateway.|Returned. Order status changed from $(
            [ "$status0" = wc-completed ] && echo Completed || echo Processing) to Refunded.|" "$st: ... its note, then the status note"
    is "$(sql "$db" "SELECT CONCAT_WS('|', parent_id, CAST(total_sales AS DECIMAL(20,2)), status) FROM ${P}wc_order_stats WHERE order_id = $r")" \
        "$o|-$left|wc-refunded" "$st: ... and its stats row"
    is "$(sql "$db" "SELECT CONCAT_WS('|', event, result, object_id) FROM ${P}cartman_audit_log WHERE event = 'order.refund' ORDER BY id DESC LIMIT 1")" \
        "order.refund|ok|$o" "$st: ... audited"
    fp=$(fingerprint "$db")
    is "$(patch "$o" '{"status": "refunded"}')" 200 "$st: PATCH refunded again"
    is "$(refunds_of "$o" | grep -c .)" 2 "$st: ... creates nothing"
    is "$(fingerprint "$db")" "$fp" "$st: ... changes nothing"
    read -r o _ <<<"$(pick 6)"
    if [ "$st" = posts ]; then total=$(ometa "$o" _order_total); else total=$(sql "$db" "SELECT CAST(total_amount AS DECIMAL(20,2)) FROM ${P}wc_orders WHERE id = $o"); fi
    is "$(patch "$o" '{"status": "refunded"}')" 200 "$st: order $o: PATCH refunded with no refund yet"
    r=$(refunds_of "$o")
    is "$(ometa "$r" _refund_amount)" "$total" "$st: ... refunds the whole $total"
}

PB=$((TEST_PORT_BASE + 390))
for st in hpos posts sync; do
    db=cartman_test_refund_$st
    start_store "$db" "$( [ "$st" = posts ] && echo posts || echo hpos)" "$PB"
    if [ "$st" = sync ]; then
        sql "$db" "UPDATE ${P}options SET option_value = 'yes' WHERE option_name = 'woocommerce_custom_orders_table_data_sync_enabled'"
    fi
    run_store "$db" "https://127.0.0.1:$PB/cartman/v1" "$st"
    stop_store "$db"
    PB=$((PB + 1))
done
done_testing
