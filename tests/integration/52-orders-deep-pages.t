#!/usr/bin/env bash
# Deep pages of GET /orders (apid/orders_page_keys.c): on two scratch stores of 400 orders, HPOS
# (cartman_test_dp_hpos) and legacy posts (cartman_test_dp_posts), each behind its own one-worker apid,
# every page of three filters (several statuses: the date_created walk; one status: type_status_date; a
# customer) is the page a direct SQL OFFSET query returns, walked forwards, backwards and at random,
# with ties of date_created across page boundaries; again at once after an order is created in the
# middle of the list and after a status change moves an order out of it (the kept page-start keys are
# stale then), and again once those writes have settled. On HPOS a repeated deep page starts from its
# kept key: it reads a few dozen index entries instead of every order before it (Handler_read_*).
source "$(dirname "$0")/lib.sh"
CA=(--cacert "$CARTMAN_TLS_CERT")
T=${CARTMAN_TEST_DIR:-/tmp}
P=$CARTMAN_DB_PREFIX
HDB=cartman_test_dp_hpos PDB=cartman_test_dp_posts

key=$("$BIN/authd" keys create-connection-key --label "deep pages test" 2>/dev/null)
at=$(curl -sS "${CA[@]}" -u "cartman-mobile:$key" -d grant_type=client_credentials "$AUTHD_URL/oauth/token" | jq -r .access_token)
like "$at" '^[A-Za-z0-9_-]+\.' "an access token"

req() { curl -sS "${CA[@]}" --http2 -o "$T/dp.body" -w '%{http_code}' -H "Authorization: Bearer $at" "$1"; }

store_create $HDB hpos 400 9
store_create $PDB posts 400 9
start_apid() { # start_apid DB PORT: one worker, so every request sees the same per-thread keys
    apid_start "$1" "$2" CARTMAN_WORKERS=1
    for _ in $(seq 1 50); do [ "$(req "https://127.0.0.1:$2/cartman/v1/orders?per_page=1")" = 200 ] && break; sleep 0.2; done
}
HP=$((TEST_PORT_BASE + 398)) PP=$((TEST_PORT_BASE + 399))
start_apid $HDB $HP
start_apid $PDB $PP

reads() { sql "$HDB" "SHOW GLOBAL STATUS LIKE 'Handler_read%'" | awk '{s += $2} END {print s}'; }

# run_store DB BASE STORAGE
run_store() {
    local db=$1 O=$2/orders st=$3 tab idc datec typec statc cust
    if [ "$st" = hpos ]; then tab=wc_orders idc=id datec=date_created_gmt typec=type statc=status
    else tab=posts idc=ID datec=post_date typec=post_type statc=post_status; fi
    local custcol="customer_id"
    [ "$st" = posts ] && custcol="(SELECT meta_value FROM ${P}postmeta WHERE post_id = ID AND meta_key = '_customer_user' LIMIT 1)"
    cust=$(sql "$db" "SELECT c FROM (SELECT $custcol AS c FROM ${P}$tab WHERE $typec = 'shop_order') x WHERE c > 0
                      GROUP BY c ORDER BY COUNT(*) DESC, c LIMIT 1")
    like "$cust" '^[0-9]+$' "$st: a customer with orders"

    # ties of the sort date across the page boundary at 100 (per_page 20) and inside page 6
    local tie; tie=($(sql "$db" "SELECT $idc FROM ${P}$tab WHERE $typec = 'shop_order' AND $statc IN ('wc-processing','wc-completed','wc-on-hold')
                                 ORDER BY $datec DESC, $idc DESC LIMIT 8 OFFSET 96"))
    local tieids; tieids=$(IFS=,; echo "${tie[*]}")
    if [ "$st" = hpos ]; then
        sql "$db" "UPDATE ${P}wc_orders SET date_created_gmt = (SELECT d FROM (SELECT date_created_gmt d FROM ${P}wc_orders WHERE id = ${tie[0]}) x) WHERE id IN ($tieids)"
    else
        sql "$db" "UPDATE ${P}posts p JOIN (SELECT post_date d, post_date_gmt g FROM ${P}posts WHERE ID = ${tie[0]}) x SET p.post_date = x.d, p.post_date_gmt = x.g WHERE p.ID IN ($tieids)"
    fi
    is "$(sql "$db" "SELECT COUNT(DISTINCT $datec) FROM ${P}$tab WHERE $idc IN ($tieids)")" 1 "$st: eight orders share one date across a page boundary"
    sleep 2.2 # the fingerprint settles: page-start keys are kept from here

    # want FILTER_SQL PER_PAGE PAGE: the ids of that page by a direct OFFSET query
    want() {
        sql "$db" "SELECT $idc FROM ${P}$tab WHERE $typec = 'shop_order' AND $1 ORDER BY $datec DESC, $idc DESC
                   LIMIT $2 OFFSET $(($2 * ($3 - 1)))" | paste -sd' '
    }
    # check LABEL QUERY FILTER_SQL PER_PAGE PAGES...: each page against want
    check() {
        local label=$1 q=$2 w=$3 pp=$4 bad=0 pg got exp; shift 4
        for pg in "$@"; do
            [ "$(req "$O?$q&per_page=$pp&page=$pg")" = 200 ] || bad=$((bad + 1))
            got=$(jq -r '[.[].id] | join(" ")' <"$T/dp.body")
            exp=$(want "$w" "$pp" "$pg")
            if [ "$got" != "$exp" ]; then bad=$((bad + 1)); diag "$label page $pg: got '$got' want '$exp'"; fi
        done
        is "$bad" 0 "$st: $label: pages $* are the OFFSET query's"
    }
    local several="status=processing,completed,on-hold" sev_sql="$statc IN ('wc-processing','wc-completed','wc-on-hold')"
    local one="status=processing" one_sql="$statc = 'wc-processing'"
    local cq="customer=$cust" c_sql="$statc IN ('wc-pending','wc-processing','wc-on-hold','wc-completed','wc-cancelled','wc-refunded','wc-failed')"
    if [ "$st" = hpos ]; then c_sql="$c_sql AND customer_id = $cust"
    else c_sql="$c_sql AND ID IN (SELECT post_id FROM ${P}postmeta WHERE meta_key = '_customer_user' AND meta_value = '$cust')"; fi
    local fwd; fwd=$(seq 1 17 | paste -sd' ')
    check "several statuses, forwards" "$several" "$sev_sql" 20 $fwd
    check "several statuses, backwards and at random" "$several" "$sev_sql" 20 17 12 5 6 6 2 15 9 9 1
    check "several statuses, 7 a page (keys of other page sizes)" "$several" "$sev_sql" 7 1 14 15 30 29 13
    check "one status" "$one" "$one_sql" 10 1 2 3 6 5 9 9 2
    check "a customer" "$cq" "$c_sql" 2 1 2 3 2 4 1

    if [ "$st" = hpos ]; then
        req "$O?$several&per_page=20&page=12" >/dev/null
        local r0 r1 r2; r0=$(reads); req "$O?$several&per_page=20&page=12" >/dev/null; r1=$(reads)
        req "$O?$several&per_page=20&page=13" >/dev/null; r2=$(reads)
        diag "hpos: handler reads of a repeated page 12: $((r1 - r0)), of the next page: $((r2 - r1))"
        ok $(( r1 - r0 < 150 && r2 - r1 < 150 ? 0 : 1 )) "$st: a repeated deep page and the next one start at their keys (reads $((r1 - r0)), $((r2 - r1)) < 150; OFFSET reads 220+)"
    fi

    # a new order in the middle of the list (its id the highest, as WooCommerce allocates it), at once
    local mid; mid=$(sql "$db" "SELECT $idc FROM ${P}$tab WHERE $typec = 'shop_order' AND $sev_sql ORDER BY $datec DESC, $idc DESC LIMIT 1 OFFSET 150")
    if [ "$st" = hpos ]; then
        sql "$db" "INSERT INTO ${P}posts (post_author, post_date, post_date_gmt, post_content, post_title, post_excerpt, post_status,
                     post_name, to_ping, pinged, post_modified, post_modified_gmt, post_content_filtered, post_parent, guid, post_type)
                   VALUES (1, NOW(), UTC_TIMESTAMP(), '', '', '', 'draft', '', '', '', NOW(), UTC_TIMESTAMP(), '', 0, '', 'shop_order_placehold');
                   INSERT INTO ${P}wc_orders (id, status, currency, type, total_amount, customer_id, billing_email, date_created_gmt, date_updated_gmt, parent_order_id)
                   SELECT LAST_INSERT_ID(), 'wc-processing', currency, 'shop_order', total_amount, 0, billing_email, date_created_gmt, UTC_TIMESTAMP(), 0
                   FROM ${P}wc_orders WHERE id = $mid"
    else
        sql "$db" "INSERT INTO ${P}posts (post_author, post_date, post_date_gmt, post_content, post_title, post_excerpt, post_status,
                     post_name, to_ping, pinged, post_modified, post_modified_gmt, post_content_filtered, post_parent, guid, post_type)
                   SELECT 1, post_date, post_date_gmt, '', 'Order', '', 'wc-processing', '', '', '', NOW(), UTC_TIMESTAMP(), '', 0, '', 'shop_order'
                   FROM ${P}posts WHERE ID = $mid"
    fi
    check "after a new order in the middle" "$several" "$sev_sql" 20 5 8 9 12 13 17
    # a status change takes an order near the top out of the list
    local top; top=$(sql "$db" "SELECT $idc FROM ${P}$tab WHERE $typec = 'shop_order' AND $sev_sql ORDER BY $datec DESC, $idc DESC LIMIT 1 OFFSET 3")
    if [ "$st" = hpos ]; then sql "$db" "UPDATE ${P}wc_orders SET status = 'wc-cancelled', date_updated_gmt = UTC_TIMESTAMP() WHERE id = $top"
    else sql "$db" "UPDATE ${P}posts SET post_status = 'wc-cancelled', post_modified = NOW(), post_modified_gmt = UTC_TIMESTAMP() WHERE ID = $top"; fi
    check "after a status change" "$several" "$sev_sql" 20 8 9 12 13 17
    check "one status, after both" "$one" "$one_sql" 10 2 3 6 5 9
    sleep 2.2
    check "once both writes settled" "$several" "$sev_sql" 20 12 13 12 5 $fwd
    check "a customer, once settled" "$cq" "$c_sql" 2 1 2 3 4 3

    # bad paging changes nothing and gets the REST error
    local before; before=$(sql "$db" "CHECKSUM TABLE ${P}$tab" | cut -f2)
    is "$(req "$O?$several&page=-1") $(jq -r .code <"$T/dp.body")" "400 rest_invalid_param" "$st: page=-1 is refused"
    is "$(req "$O?$several&page=1e3") $(jq -r .code <"$T/dp.body")" "400 rest_invalid_param" "$st: page=1e3 is refused"
    is "$(sql "$db" "CHECKSUM TABLE ${P}$tab" | cut -f2)" "$before" "$st: and the orders are untouched"
}

run_store $HDB "https://127.0.0.1:$HP/cartman/v1" hpos
run_store $PDB "https://127.0.0.1:$PP/cartman/v1" posts

apid_stop $HDB $PDB
sql_server "DROP DATABASE $HDB; DROP DATABASE $PDB"
done_testing
