#!/usr/bin/env bash
# GET /transactions against the running daemons (HPOS test store), and against a second apid on a
# posts-storage store (cartman_test_tx_posts, 300 orders): every transaction, page by page, compared
# row by row with a direct SQL listing (payments: orders with a payment date; refunds: refund orders
# of orders that are not trashed); the type, after and before filters and their totals; paging
# headers; store-time dates; scope; bad input (400, nothing changes).
source "$(dirname "$0")/lib.sh"
CA=(--cacert "$CARTMAN_TLS_CERT")
T=${CARTMAN_TEST_DIR:-/tmp}
P=$CARTMAN_DB_PREFIX
SRC=127.0.0.57
ZONE=Europe/Berlin

get() { # get URL [curl args] → STATUS; body in $T/t.body, headers in $T/t.hdr
    local url=$1; shift
    curl -sS "${CA[@]}" --http2 --interface "$SRC" -o "$T/t.body" -D "$T/t.hdr" -w '%{http_code}' \
        -H "Authorization: Bearer $at" "$@" "$url"
}
hdr() { grep -i "^$1:" "$T/t.hdr" | head -1 | cut -d' ' -f2- | tr -d '\r'; }
jq_() { jq -r "$1" <"$T/t.body" 2>/dev/null; }

key=$("$BIN/authd" keys create-connection-key --label "transactions test" 2>/dev/null)
token() { curl -sS "${CA[@]}" --interface "$SRC" -u "cartman-mobile:$key" -d grant_type=client_credentials "$@" \
    "$AUTHD_URL/oauth/token" | jq -r .access_token; }
at=$(token)
like "$at" '^[A-Za-z0-9_-]+\.' "an access token"
# apid fetches authd's keys in the background: right after start a bearer request may get 503
for _ in $(seq 1 50); do
    [ "$(curl -sS "${CA[@]}" -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $at" "$APID_URL/cartman/v1/connection-test")" != 503 ] && break
    sleep 0.2
done

ROW='[.id, .order_id, .type, .amount, .currency, .payment_method, .payment_method_title, .transaction_id, .date_gmt, .status] | map(tostring) | join("|")'
money() { echo "CAST(ROUND($1, 2) AS DECIMAL(20,2))"; }

# run_store DB BASE_URL STORAGE
run_store() {
    local db=$1 base=$2 st=$3 tx
    if [ "$st" = hpos ]; then
        tx="SELECT o.id, o.id AS order_id, 'payment' AS type, $(money o.total_amount) AS amount, o.currency,
                   COALESCE(o.payment_method, '') AS pm, COALESCE(o.payment_method_title, '') AS pmt,
                   COALESCE(o.transaction_id, '') AS txn, d.date_paid_gmt AS at, REPLACE(o.status, 'wc-', '') AS status
            FROM ${P}wc_orders o JOIN ${P}wc_order_operational_data d ON d.order_id = o.id
            WHERE o.type = 'shop_order' AND d.date_paid_gmt IS NOT NULL
              AND o.status NOT IN ('trash', 'auto-draft', 'draft', 'wc-checkout-draft')
            UNION ALL
            SELECT r.id, r.parent_order_id, 'refund', $(money -r.total_amount), COALESCE(NULLIF(r.currency, ''), p.currency),
                   COALESCE(p.payment_method, ''), COALESCE(p.payment_method_title, ''), COALESCE(p.transaction_id, ''),
                   r.date_created_gmt, REPLACE(r.status, 'wc-', '')
            FROM ${P}wc_orders r JOIN ${P}wc_orders p ON p.id = r.parent_order_id
            WHERE r.type = 'shop_order_refund' AND p.status <> 'trash'"
    else
        m() { echo "(SELECT meta_value FROM ${P}postmeta WHERE post_id = $1 AND meta_key = '$2' LIMIT 1)"; }
        tx="SELECT o.ID AS id, o.ID AS order_id, 'payment' AS type, $(money "$(m o.ID _order_total)") AS amount,
                   $(m o.ID _order_currency) AS currency, COALESCE($(m o.ID _payment_method), '') AS pm,
                   COALESCE($(m o.ID _payment_method_title), '') AS pmt, COALESCE($(m o.ID _transaction_id), '') AS txn,
                   CAST(DATE_ADD('1970-01-01 00:00:00', INTERVAL pd.meta_value SECOND) AS DATETIME) AS at, REPLACE(o.post_status, 'wc-', '') AS status
            FROM ${P}posts o JOIN ${P}postmeta pd ON pd.post_id = o.ID AND pd.meta_key = '_date_paid' AND pd.meta_value > 0
            WHERE o.post_type = 'shop_order' AND o.post_status NOT IN ('trash', 'auto-draft', 'draft', 'wc-checkout-draft')
            UNION ALL
            SELECT r.ID, r.post_parent, 'refund', $(money "$(m r.ID _refund_amount)"),
                   COALESCE($(m r.ID _order_currency), $(m p.ID _order_currency)), COALESCE($(m p.ID _payment_method), ''),
                   COALESCE($(m p.ID _payment_method_title), ''), COALESCE($(m p.ID _transaction_id), ''),
                   r.post_date_gmt, REPLACE(r.post_status, 'wc-', '')
            FROM ${P}posts r JOIN ${P}posts p ON p.ID = r.post_parent
            WHERE r.post_type = 'shop_order_refund' AND p.post_status <> 'trash'"
    fi
    want_rows() { # want_rows [WHERE] → "id|order_id|type|amount|currency|pm|pmt|txn|dateTtime|status" newest first
        sql "$db" "SELECT CONCAT_WS('|', id, order_id, type, amount, currency, pm, pmt, txn,
                   DATE_FORMAT(at, '%Y-%m-%dT%H:%i:%s'), status) FROM ($tx) t ${1:+WHERE $1} ORDER BY at DESC, id DESC"
    }
    cnt() { sql "$db" "SELECT COUNT(*) FROM ($tx) t ${1:+WHERE $1}"; }
    local X=$base/transactions all; all=$(cnt)
    ok "$([ "$all" -gt 50 ]; echo $?)" "$st: $all transactions in the store"
    ok "$([ "$(cnt "type = 'refund'")" -gt 5 ]; echo $?)" "$st: some of them refunds"

    # --- every transaction, page by page, against SQL ---
    local got="" page=1 pages=1
    while [ "$page" -le "$pages" ]; do
        is "$(get "$X?per_page=100&page=$page")" 200 "$st: page $page"
        pages=$(hdr x-wp-totalpages)
        got+="$(jq -r ".[] | $ROW" <"$T/t.body")"$'\n'
        page=$((page + 1))
    done
    is "$(hdr x-wp-total)" "$all" "$st: X-WP-Total is the number of transactions"
    is "$pages" "$(((all + 99) / 100))" "$st: X-WP-TotalPages at 100 per page"
    local want; want=$(want_rows)
    is "${got%$'\n'}" "$want" "$st: every transaction, row by row, equals the SQL listing"
    [ "${got%$'\n'}" = "$want" ] || diff <(echo "$want") <(echo "${got%$'\n'}") | head -6 | sed 's/^/# /'

    # --- store time ---
    get "$X?per_page=5" >/dev/null
    local i
    for i in 0 1 2 3 4; do
        local g l; g=$(jq_ ".[$i].date_gmt"); l=$(jq_ ".[$i].date")
        is "$l" "$(TZ=$ZONE date -d "@$(date -u -d "${g/T/ } UTC" +%s)" '+%FT%T')" "$st: row $i date is date_gmt in $ZONE"
    done
    like "$(hdr link)" "^<https://[^>]*/transactions\?page=2&per_page=5>; rel=\"next\"$" "$st: Link next on page 1"

    # --- filters ---
    is "$(get "$X?type=payment&per_page=100") $(hdr x-wp-total)" "200 $(cnt "type = 'payment'")" "$st: type=payment"
    is "$(jq_ '[.[].type] | unique | join(",")')" payment "$st: only payments"
    is "$(jq -r ".[] | $ROW" <"$T/t.body")" "$(want_rows "type = 'payment'" | head -100)" "$st: the newest 100 payments equal SQL"
    is "$(get "$X?type=refund&per_page=100") $(hdr x-wp-total)" "200 $(cnt "type = 'refund'")" "$st: type=refund"
    is "$(jq -r ".[] | $ROW" <"$T/t.body")" "$(want_rows "type = 'refund'" | head -100)" "$st: the newest 100 refunds equal SQL"
    is "$(get "$X?type=refund&per_page=3&page=2"; echo " $(hdr link | grep -o 'type=refund&page=[0-9]*' | tr '\n' ' ')")" \
        "200 type=refund&page=1 type=refund&page=3 " "$st: Link keeps the type filter"
    local a b
    a=$(sql "$db" "SELECT DATE_FORMAT(at, '%Y-%m-%dT%H:%i:%sZ') FROM ($tx) t ORDER BY at LIMIT 1 OFFSET $((all / 3))")
    b=$(sql "$db" "SELECT DATE_FORMAT(at, '%Y-%m-%dT%H:%i:%sZ') FROM ($tx) t ORDER BY at LIMIT 1 OFFSET $((all / 2))")
    local w="at > '${a%Z}' AND at < '${b%Z}'"
    w=${w//T/ }
    is "$(get "$X?after=$a&before=$b&per_page=100") $(hdr x-wp-total)" "200 $(cnt "$w")" "$st: after and before (UTC)"
    is "$(jq -r ".[] | $ROW" <"$T/t.body")" "$(want_rows "$w" | head -100)" "$st: the window's transactions equal SQL"
    local al; al=$(TZ=$ZONE date -d "${a%Z} UTC" '+%FT%T')
    is "$(get "$X?after=$al&type=refund") $(hdr x-wp-total)" "200 $(cnt "type = 'refund' AND ${w%% AND *}")" \
        "$st: after in store time (no offset) and type"

    # --- bad input: 400, nothing changes ---
    local sum_before; sum_before=$(sql "$db" "SELECT COUNT(*), SUM(CRC32(CONCAT_WS('|', id, type, amount, status, at))) FROM ($tx) t")
    for q in "type=payments" "type=payment,refund" "type=PAYMENT" "after=yesterday" "before=2026-13-01T00:00:00" "after=2026-10-01" \
        "after=2026-10-02T00:00:00Z&before=2026-10-01T00:00:00Z" "after=2026-10-01T00:00:00Z&before=2026-10-01T00:00:00Z"; do
        is "$(get "$X?$q") $(jq_ .code)" "400 cartman_invalid_param" "$st: $q is refused"
    done
    for pp in 0 101 -1 abc ''; do
        is "$(get "$X?per_page=$pp") $(jq_ .code)" "400 rest_invalid_param" "$st: per_page=$pp is refused"
    done
    is "$(get "$X?page=0") $(jq_ .code)" "400 rest_invalid_param" "$st: page=0 is refused"
    for v in "'" "' OR '1'='1" '" OR 1=1 --' '%' '_' '\' "1; DROP TABLE ${P}posts" ') OR (1=1' "\\' OR 1 #" 'é%_\x'; do
        for f in type after before page per_page; do
            is "$(get "$X" -G --data-urlencode "$f=$v")" 400 "$st: $f=$v is refused"
        done
    done
    is "$(sql "$db" "SELECT COUNT(*), SUM(CRC32(CONCAT_WS('|', id, type, amount, status, at))) FROM ($tx) t")" "$sum_before" \
        "$st: nothing changed"
    is "$(curl -sS "${CA[@]}" --http2 -o /dev/null -w '%{http_code}' "$X")" 401 "$st: no credential, no transactions"
}

run_store "$CARTMAN_DB_NAME" "$APID_URL/cartman/v1" hpos
is "$(get "$APID_URL/wp-json/cartman/v1/transactions?per_page=2") $(jq_ length)" "200 2" "under /wp-json too"

# --- totals follow WooCommerce's writes (a save bumps date_updated_gmt), also within one second ---
DB=$CARTMAN_DB_NAME
X=$APID_URL/cartman/v1/transactions
n0=$(hdr x-wp-total)
for _ in 1 2 3; do get "$X?per_page=2" >/dev/null; done
is "$(hdr x-wp-total)" "$n0" "total, counted and cached"
x=$(sql "$DB" "SELECT o.id FROM ${P}wc_orders o JOIN ${P}wc_order_operational_data d ON d.order_id = o.id
               WHERE o.type = 'shop_order' AND o.status = 'wc-completed' AND d.date_paid_gmt IS NOT NULL
               AND NOT EXISTS (SELECT 1 FROM ${P}wc_orders r WHERE r.parent_order_id = o.id) ORDER BY o.id LIMIT 1")
sql "$DB" "UPDATE ${P}wc_orders SET status = 'trash', date_updated_gmt = UTC_TIMESTAMP() WHERE id = $x"
for _ in 1 2 3; do get "$X?per_page=2" >/dev/null; is "$(hdr x-wp-total)" "$((n0 - 1))" "a trashed order's payment leaves the list at once"; done
sql "$DB" "UPDATE ${P}wc_orders SET status = 'wc-completed', date_updated_gmt = UTC_TIMESTAMP() WHERE id = $x"
for _ in 1 2 3; do get "$X?per_page=2" >/dev/null; is "$(hdr x-wp-total)" "$n0" "and comes back, also in the same second"; done
narrow=$(token -d scope=products:read)
is "$(curl -sS "${CA[@]}" --http2 --interface "$SRC" -o "$T/t.body" -w '%{http_code}' -H "Authorization: Bearer $narrow" \
    "$APID_URL/cartman/v1/transactions") $(jq_ .code)" "403 cartman_insufficient_scope" "a products:read token gets no transactions"
narrow=$(token -d scope=orders:read)
is "$(curl -sS "${CA[@]}" --http2 --interface "$SRC" -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $narrow" \
    "$APID_URL/cartman/v1/transactions")" 200 "an orders:read token lists them"

# --- a posts-storage store behind a second apid ---
PDB=cartman_test_tx_posts
store_create "$PDB" posts 300 11
is "$(sql "$PDB" "SELECT option_value FROM ${P}options WHERE option_name = 'woocommerce_custom_orders_table_enabled'")" no "posts store seeded"
PP=$((TEST_PORT_BASE + 372))
apid_start "$PDB" "$PP"
run_store "$PDB" "https://127.0.0.1:$PP/cartman/v1" posts
apid_stop "$PDB"
sql_server "DROP DATABASE IF EXISTS $PDB"
done_testing
