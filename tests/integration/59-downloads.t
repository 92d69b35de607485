#!/usr/bin/env bash
# Download permissions on status changes (PATCH /orders/{id}), as wc_downloadable_product_permissions
# leaves them, on three scratch stores behind their own apid: HPOS (cartman_test_dl_hpos), legacy
# posts (cartman_test_dl_posts), and HPOS with WooCommerce's sync on (cartman_test_dl_sync), run with
# HPOS authoritative and again with posts authoritative. In each store a simple product (two files,
# limit 3, expiry 30 days) and a variation (one file, unlimited, no expiry) are made downloadable and
# put on unpaid orders. Checks the rows of woocommerce_downloadable_product_permissions (every column),
# the order's flag in every copy, once only (completed → processing → completed), the expiry counted
# from the completion day, the option that defers access to completion, that cancel and refund keep
# the rows, that an order without downloadable lines gets none, and that bad input changes nothing.
# The shared test store is not touched (only its authd issues the tokens).
source "$(dirname "$0")/lib.sh"
CA=(--cacert "$CARTMAN_TLS_CERT")
T=${CARTMAN_TEST_DIR:-/tmp}
P=$CARTMAN_DB_PREFIX
SRC=127.0.0.59
HDB=cartman_test_dl_hpos PDB=cartman_test_dl_posts SDB=cartman_test_dl_sync
PERM=${P}woocommerce_downloadable_product_permissions

token() { curl -sS "${CA[@]}" --interface "$SRC" -u "cartman-mobile:$key" -d grant_type=client_credentials "$@" \
    "$AUTHD_URL/oauth/token" | jq -r .access_token; }
key=$("$BIN/authd" keys create-connection-key --label "downloads test" 2>/dev/null)
at=$(token)
like "$at" '^[A-Za-z0-9_-]+\.' "an access token"

# patch BASE ID JSON → STATUS; the body in $T/dl.body
patch() {
    curl -sS "${CA[@]}" --http2 --interface "$SRC" -o "$T/dl.body" -w '%{http_code}' -X PATCH \
        -H "Authorization: Bearer $at" -H 'Content-Type: application/json' --data-binary "$3" "$1/orders/$2"
}

# --- the stores ---
store_create $HDB hpos 500 11
store_create $PDB posts 500 11
store_create $SDB hpos 500 11
# the sync store: the posts copy of every order beside the HPOS rows, as WooCommerce's synchronisation keeps it
store_sync_from $SDB $PDB

HP=$((TEST_PORT_BASE + 395)) PP=$((TEST_PORT_BASE + 396)) SP=$((TEST_PORT_BASE + 397))
apid_start $HDB $HP # no SMTP (lib.sh): the transitions' order e-mails stay in the scratch store's outbox
apid_start $PDB $PP
apid_start $SDB $SP
for port in $HP $PP $SP; do # apid fetches authd's keys in the background
    for _ in $(seq 1 50); do
        [ "$(curl -sS "${CA[@]}" -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $at" \
            "https://127.0.0.1:$port/cartman/v1/connection-test")" = 200 ] && break
        sleep 0.2
    done
done

# --- the downloadable products (the same in every store: the same seed makes the same catalogue) ---
F1=6f1d7a52-0c1e-4a7b-9a51-5b1b2c3d4e01 F2=6f1d7a52-0c1e-4a7b-9a51-5b1b2c3d4e02 F3=0e4b9c8d7f6a5b4c3d2e1f0a9b8c7d6e
# _downloadable_files as WooCommerce saves it (PHP's own serialize)
FILES2=$(php -r '$f = []; foreach ([[$argv[1], "Guide PDF", "https://example.com/guide.pdf"], [$argv[2], "Guide EPUB", "https://example.com/guide.epub"]] as [$id, $n, $u])
    $f[$id] = ["id" => $id, "name" => $n, "file" => $u, "enabled" => true]; echo serialize($f);' "$F1" "$F2")
FILES1=$(php -r 'echo serialize([$argv[1] => ["id" => $argv[1], "name" => "Font", "file" => "https://example.com/font.zip"]]);' "$F3")
like "$FILES2" '^a:2:\{s:36:' "two files, serialized by PHP"
S=$(sql $HDB "SELECT p.ID FROM ${P}posts p JOIN ${P}postmeta m ON m.post_id = p.ID AND m.meta_key = '_manage_stock' AND m.meta_value = 'yes'
              WHERE p.post_type = 'product' AND p.post_status = 'publish' AND NOT EXISTS (SELECT 1 FROM ${P}posts v WHERE v.post_parent = p.ID
              AND v.post_type = 'product_variation') ORDER BY p.ID LIMIT 1")
V=$(sql $HDB "SELECT ID FROM ${P}posts WHERE post_type = 'product_variation' AND post_status = 'publish' ORDER BY ID LIMIT 1")
VP=$(sql $HDB "SELECT post_parent FROM ${P}posts WHERE ID = $V")
like "$S $V $VP" '^[0-9]+ [0-9]+ [0-9]+$' "a simple product ($S) and a variation ($V of $VP)"
setmeta() { # setmeta DB ID KEY VALUE
    sql "$1" "DELETE FROM ${P}postmeta WHERE post_id = $2 AND meta_key = '$3';
              INSERT INTO ${P}postmeta (post_id, meta_key, meta_value) VALUES ($2, '$3', '$4')"
}
for db in $HDB $PDB $SDB; do
    setmeta $db "$S" _downloadable yes; setmeta $db "$S" _downloadable_files "$FILES2"
    setmeta $db "$S" _download_limit 3; setmeta $db "$S" _download_expiry 30
    setmeta $db "$V" _downloadable yes; setmeta $db "$V" _downloadable_files "$FILES1"
    setmeta $db "$V" _download_limit -1; setmeta $db "$V" _download_expiry -1
    sql $db "UPDATE ${P}wc_product_meta_lookup SET downloadable = 1 WHERE product_id IN ($S, $V)"
done

# --- storage-neutral views ---
# order facts DB AUTH ID → "order_key|billing_email|customer_id"
facts() {
    if [ "$2" = hpos ]; then
        sql "$1" "SELECT CONCAT_WS('|', d.order_key, o.billing_email, IFNULL(o.customer_id, 0)) FROM ${P}wc_orders o
                  JOIN ${P}wc_order_operational_data d ON d.order_id = o.id WHERE o.id = $3"
    else
        sql "$1" "SELECT CONCAT_WS('|', (SELECT meta_value FROM ${P}postmeta WHERE post_id = $3 AND meta_key = '_order_key'),
                  (SELECT meta_value FROM ${P}postmeta WHERE post_id = $3 AND meta_key = '_billing_email'),
                  IFNULL((SELECT meta_value FROM ${P}postmeta WHERE post_id = $3 AND meta_key = '_customer_user'), 0))"
    fi
}
flag() { # flag DB COPY ID → 0/1 (the copy's download_permission(s)_granted)
    if [ "$2" = hpos ]; then
        sql "$1" "SELECT IFNULL(download_permission_granted, 0) FROM ${P}wc_order_operational_data WHERE order_id = $3"
    else
        sql "$1" "SELECT COALESCE((SELECT IF(meta_value = 'yes', 1, 0) FROM ${P}postmeta WHERE post_id = $3
                  AND meta_key = '_download_permissions_granted'), 0)"
    fi
}
copies() { case $1 in hpos) echo hpos ;; posts) echo posts ;; *) echo "hpos posts" ;; esac; }
flags() { local out=""; for cp in $(copies "$2"); do out+="$cp=$(flag "$1" "$cp" "$3") "; done; echo "$out"; }
want_flags() { local out=""; for cp in $(copies "$1"); do out+="$cp=$2 "; done; echo "$out"; }
# every column of the order's rows, oldest first
perms() {
    sql "$1" "SELECT CONCAT_WS('|', download_id, product_id, order_id, order_key, user_email, IFNULL(user_id, 'NULL'),
              IFNULL(downloads_remaining, 'NULL'), access_granted, IFNULL(access_expires, 'NULL'), download_count)
              FROM $PERM WHERE order_id = $2 ORDER BY permission_id"
}
nperms() { sql "$1" "SELECT COUNT(*) FROM $PERM WHERE order_id = $2"; }
day() { sql "$1" "SELECT DATE_FORMAT(DATE_ADD('$2', INTERVAL $3 DAY), '%Y-%m-%d 00:00:00')"; }
# an unpaid order, not yet granted and not used before, with at least two line items and none
# downloadable yet (the demo store sells a downloadable book and shirt)
pick() { # pick DB AUTH
    local tbl id
    if [ "$2" = hpos ]; then
        tbl="SELECT o.id, o.customer_id AS cust FROM ${P}wc_orders o JOIN ${P}wc_order_operational_data d ON d.order_id = o.id
             WHERE o.type = 'shop_order' AND o.status IN ('wc-pending', 'wc-failed', 'wc-on-hold') AND IFNULL(d.download_permission_granted, 0) = 0"
    else
        tbl="SELECT p.ID AS id, 0 AS cust FROM ${P}posts p WHERE p.post_type = 'shop_order'
             AND p.post_status IN ('wc-pending', 'wc-failed', 'wc-on-hold') AND NOT EXISTS (SELECT 1 FROM ${P}postmeta g
             WHERE g.post_id = p.ID AND g.meta_key = '_download_permissions_granted' AND g.meta_value = 'yes')"
    fi
    id=$(sql "$1" "SELECT x.id FROM ($tbl) x WHERE (SELECT COUNT(*) FROM ${P}woocommerce_order_items i WHERE i.order_id = x.id
                   AND i.order_item_type = 'line_item') >= 2 AND NOT EXISTS (SELECT 1 FROM $PERM WHERE order_id = x.id)
                   AND NOT EXISTS (SELECT 1 FROM ${P}cartman_audit_log a WHERE a.object_id = x.id)
                   AND NOT EXISTS (SELECT 1 FROM ${P}woocommerce_order_items i
                       JOIN ${P}woocommerce_order_itemmeta pm ON pm.order_item_id = i.order_item_id AND pm.meta_key = '_product_id'
                       LEFT JOIN ${P}woocommerce_order_itemmeta v ON v.order_item_id = i.order_item_id AND v.meta_key = '_variation_id'
                       JOIN ${P}postmeta d ON d.post_id = IF(v.meta_value > 0, v.meta_value, pm.meta_value) AND d.meta_key = '_downloadable'
                       AND d.meta_value = 'yes' WHERE i.order_id = x.id) ORDER BY x.id LIMIT 1")
    echo "$id"
}
# put S (qty 2) on the order's first line and V (qty 3) on its second
downloadable_lines() { # downloadable_lines DB ID
    local items; items=$(sql "$1" "SELECT order_item_id FROM ${P}woocommerce_order_items WHERE order_id = $2
                                   AND order_item_type = 'line_item' ORDER BY order_item_id LIMIT 2" | tr '\n' ' ')
    read -r i1 i2 <<<"$items"
    sql "$1" "UPDATE ${P}woocommerce_order_itemmeta SET meta_value = CASE meta_key WHEN '_product_id' THEN '$S'
              WHEN '_variation_id' THEN '0' WHEN '_qty' THEN '2' END
              WHERE order_item_id = $i1 AND meta_key IN ('_product_id', '_variation_id', '_qty');
              UPDATE ${P}woocommerce_order_itemmeta SET meta_value = CASE meta_key WHEN '_product_id' THEN '$VP'
              WHEN '_variation_id' THEN '$V' WHEN '_qty' THEN '3' END
              WHERE order_item_id = $i2 AND meta_key IN ('_product_id', '_variation_id', '_qty');
              DELETE FROM ${P}woocommerce_order_itemmeta WHERE order_item_id IN ($i1, $i2) AND meta_key = '_reduced_stock'"
    # every line item has _variation_id (0 for a simple product), as WooCommerce writes it
    is "$(sql "$1" "SELECT COUNT(*) FROM ${P}woocommerce_order_itemmeta WHERE order_item_id IN ($i1, $i2)
                    AND meta_key IN ('_product_id', '_variation_id', '_qty')")" 6 "  order $2: lines $i1 (product $S × 2) and $i2 (variation $V × 3)"
}
# the rows the order must have: S's two files then V's one; EXPIRES: S's access_expires
want_perms() { # want_perms DB AUTH ID EXPIRES
    local f key email cust today
    f=$(facts "$1" "$2" "$3"); IFS='|' read -r key email cust <<<"$f"
    today=$(sql "$1" "SELECT DATE_FORMAT(UTC_DATE(), '%Y-%m-%d 00:00:00')")
    printf '%s\n' "$F1|$S|$3|$key|$email|$cust|6|$today|$4|0" "$F2|$S|$3|$key|$email|$cust|6|$today|$4|0" \
        "$F3|$V|$3|$key|$email|$cust||$today|NULL|0"
}
fingerprint() {
    sql "$1" "CHECKSUM TABLE $PERM, ${P}wc_orders, ${P}wc_order_operational_data, ${P}wc_orders_meta, ${P}posts, ${P}postmeta,
              ${P}comments, ${P}woocommerce_order_itemmeta, ${P}options, ${P}cartman_audit_log" | md5sum
}

run() { # run MODE DB URL AUTH
    local mode=$1 db=$2 base=$3 auth=$4 id want utc
    # --- pending → processing → completed → processing → completed: granted once, on processing ---
    id=$(pick "$db" "$auth")
    like "$id" '^[0-9]+$' "$mode: an unpaid order with two lines ($id)"
    downloadable_lines "$db" "$id"
    is "$(nperms "$db" "$id") $(flags "$db" "$mode" "$id")" "0 $(want_flags "$mode" 0)" "$mode:   no permissions yet, flag not set"
    is "$(patch "$base" "$id" '{"status":"processing"}')" 200 "$mode: → processing"
    utc=$(sql "$db" "SELECT UTC_DATE()")
    want=$(want_perms "$db" "$auth" "$id" "$(day "$db" "$utc" 30)")
    is "$(perms "$db" "$id")" "$want" \
        "$mode:   three rows: two files × limit 3 × qty 2 = 6, expiring today (UTC) + 30; the variation's file unlimited, no expiry"
    like "$want" "\|$id\|[A-Za-z0-9_]+\|[^|]+@[^|]+\|" "$mode:   the order key and billing e-mail are real values"
    is "$(flags "$db" "$mode" "$id")" "$(want_flags "$mode" 1)" "$mode:   download_permission_granted in every copy"
    is "$(patch "$base" "$id" '{"status":"completed"}')" 200 "$mode: → completed"
    is "$(perms "$db" "$id")" "$want" "$mode:   no new rows (already granted)"
    is "$(patch "$base" "$id" '{"status":"processing"}') $(patch "$base" "$id" '{"status":"completed"}')" "200 200" \
        "$mode: → processing → completed again"
    is "$(perms "$db" "$id")" "$want" "$mode:   still the same three rows"
    # --- cancel and refund keep them (WooCommerce deletes them only with the order) ---
    is "$(patch "$base" "$id" '{"status":"cancelled"}')" 200 "$mode: → cancelled"
    is "$(perms "$db" "$id")" "$want" "$mode:   the rows stay"
    is "$(patch "$base" "$id" '{"status":"refunded"}')" 200 "$mode: → refunded"
    is "$(perms "$db" "$id") $(flags "$db" "$mode" "$id")" "$want $(want_flags "$mode" 1)" "$mode:   the rows and the flag stay"

    # --- straight to completed: S's expiry counts from the completion day (store date) ---
    id=$(pick "$db" "$auth")
    like "$id" '^[0-9]+$' "$mode: another unpaid order ($id)"
    downloadable_lines "$db" "$id"
    is "$(patch "$base" "$id" '{"status":"completed"}')" 200 "$mode: → completed"
    local done_local; done_local=$(sql "$db" "SELECT LEFT(comment_date, 10) FROM ${P}comments WHERE comment_post_ID = $id ORDER BY comment_ID DESC LIMIT 1")
    is "$(perms "$db" "$id")" "$(want_perms "$db" "$auth" "$id" "$(day "$db" "$done_local" 30)")" \
        "$mode:   three rows, expiring 30 days after the completion day in store time ($done_local)"
    is "$(flags "$db" "$mode" "$id")" "$(want_flags "$mode" 1)" "$mode:   flag set"

    # --- woocommerce_downloads_grant_access_after_payment = no: nothing on processing, rows on completed ---
    sql "$db" "DELETE FROM ${P}options WHERE option_name = 'woocommerce_downloads_grant_access_after_payment';
               INSERT INTO ${P}options (option_name, option_value, autoload) VALUES ('woocommerce_downloads_grant_access_after_payment', 'no', 'yes')"
    id=$(pick "$db" "$auth")
    like "$id" '^[0-9]+$' "$mode: option 'no': an unpaid order ($id)"
    downloadable_lines "$db" "$id"
    is "$(patch "$base" "$id" '{"status":"processing"}')" 200 "$mode: → processing"
    is "$(nperms "$db" "$id") $(flags "$db" "$mode" "$id")" "0 $(want_flags "$mode" 0)" "$mode:   no rows, flag not set"
    is "$(patch "$base" "$id" '{"status":"completed"}')" 200 "$mode: → completed"
    done_local=$(sql "$db" "SELECT LEFT(comment_date, 10) FROM ${P}comments WHERE comment_post_ID = $id ORDER BY comment_ID DESC LIMIT 1")
    is "$(perms "$db" "$id")" "$(want_perms "$db" "$auth" "$id" "$(day "$db" "$done_local" 30)")" "$mode:   granted on completion"
    is "$(flags "$db" "$mode" "$id")" "$(want_flags "$mode" 1)" "$mode:   flag set"
    sql "$db" "UPDATE ${P}options SET option_value = 'yes' WHERE option_name = 'woocommerce_downloads_grant_access_after_payment'"

    # --- an order without downloadable lines: the flag, no rows ---
    id=$(pick "$db" "$auth")
    like "$id" '^[0-9]+$' "$mode: an order without downloadable lines ($id)"
    is "$(patch "$base" "$id" '{"status":"processing"}') $(nperms "$db" "$id") $(flags "$db" "$mode" "$id")" \
        "200 0 $(want_flags "$mode" 1)" "$mode:   → processing: flag set, no rows"
}

run hpos $HDB "https://127.0.0.1:$HP/cartman/v1" hpos
run posts $PDB "https://127.0.0.1:$PP/cartman/v1" posts
run sync-hpos $SDB "https://127.0.0.1:$SP/cartman/v1" hpos
sql $SDB "UPDATE ${P}options SET option_value = 'no' WHERE option_name = 'woocommerce_custom_orders_table_enabled'"
run sync-posts $SDB "https://127.0.0.1:$SP/cartman/v1" posts
sql $SDB "UPDATE ${P}options SET option_value = 'yes' WHERE option_name = 'woocommerce_custom_orders_table_enabled'"

# --- a guest's order: user_id 0 ---
B=https://127.0.0.1:$HP/cartman/v1
id=$(pick $HDB hpos)
like "$id" '^[0-9]+$' "an unpaid order made a guest's ($id)"
sql $HDB "UPDATE ${P}wc_orders SET customer_id = 0 WHERE id = $id"
downloadable_lines $HDB "$id"
is "$(patch "$B" "$id" '{"status":"processing"}')" 200 "  → processing"
is "$(sql $HDB "SELECT GROUP_CONCAT(DISTINCT user_id) FROM $PERM WHERE order_id = $id") $(nperms $HDB "$id")" "0 3" "  three rows with user_id 0"

# --- bad input on an order with downloadable lines: clear 4xx, nothing changes ---
id=$(pick $HDB hpos)
like "$id" '^[0-9]+$' "an unpaid order for bad input ($id)"
downloadable_lines $HDB "$id"
fp=$(fingerprint $HDB)
is "$(patch "$B" "$id" '{"status":"completed","colour":"red"}') $(jq -r .code <"$T/dl.body")" "400 cartman_invalid_param" "unknown field: 400"
is "$(patch "$B" "$id" '{"status":"shipped"}') $(jq -r .code <"$T/dl.body")" "400 cartman_invalid_param" "unknown status: 400"
is "$(patch "$B" "$id" '{"status":["completed"]}') $(jq -r .code <"$T/dl.body")" "400 cartman_invalid_param" "status as an array: 400"
is "$(patch "$B" "$id" 'status=completed') $(jq -r .code <"$T/dl.body")" "400 cartman_invalid_param" "not JSON: 400"
is "$(patch "$B" 999999 '{"status":"completed"}') $(jq -r .code <"$T/dl.body")" "404 cartman_order_invalid_id" "unknown order: 404"
is "$(fingerprint $HDB)" "$fp" "nothing changed (permissions, orders, meta, notes, options, audit)"
is "$(nperms $HDB "$id") $(flag $HDB hpos "$id")" "0 0" "  the order still has no permissions and no flag"

# --- a product whose _downloadable_files is not an array, one without files, an unlimited limit '' ---
id=$(pick $HDB hpos)
like "$id" '^[0-9]+$' "an unpaid order for odd meta ($id)"
downloadable_lines $HDB "$id"
setmeta $HDB "$S" _downloadable_files "https://example.com/not-serialized.zip"
setmeta $HDB "$V" _download_limit ""
is "$(patch "$B" "$id" '{"status":"processing"}')" 200 "→ processing with a broken file list on one product"
is "$(sql $HDB "SELECT GROUP_CONCAT(CONCAT_WS(':', download_id, product_id, downloads_remaining) ORDER BY permission_id) FROM $PERM WHERE order_id = $id")" \
    "$F3:$V:" "  only the variation's file; an empty limit is unlimited"
is "$(flag $HDB hpos "$id")" 1 "  flag set"

# --- teardown ---
apid_stop $HDB $PDB $SDB
sql_server "DROP DATABASE IF EXISTS $HDB; DROP DATABASE IF EXISTS $PDB; DROP DATABASE IF EXISTS $SDB"
done_testing
