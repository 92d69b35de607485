#!/usr/bin/env bash
# GET /reports/sales against the running daemons (HPOS test store, Europe/Berlin): totals and the
# per-day series of today, 7d, 30d, 90d and a custom range equal an independent SQL recomputation
# whose day boundaries are the UTC instants of the store's local midnights (computed here with
# date(1) and the zone database, not with the daemon's code), over wc_order_stats.date_created_gmt.
# The custom range holds the latest Europe/Berlin DST change, with rows added around its midnights.
# Also: the cached past days follow WooCommerce's reports cache version and order changes; the
# reports:read scope; bad input (bad period, malformed dates, after > before, over the cap, SQL
# metacharacters) gets a 400 and changes nothing.
source "$(dirname "$0")/lib.sh"
CA=(--cacert "$CARTMAN_TLS_CERT")
T=${CARTMAN_TEST_DIR:-/tmp}
P=$CARTMAN_DB_PREFIX
DB=$CARTMAN_DB_NAME
SRC=127.0.0.55
ZONE=Europe/Berlin
R=$APID_URL/cartman/v1/reports/sales

get() { # get URL [curl args] → STATUS; body in $T/r.body
    local url=$1; shift
    curl -sS "${CA[@]}" --http2 --interface "$SRC" -o "$T/r.body" -D "$T/r.hdr" -w '%{http_code}' \
        -H "Authorization: Bearer $at" "$@" "$url"
}
jq_() { jq -r "$1" <"$T/r.body" 2>/dev/null; }

key=$("$BIN/authd" keys create-connection-key --label "reports test" 2>/dev/null)
token() { curl -sS "${CA[@]}" --interface "$SRC" -u "cartman-mobile:$key" -d grant_type=client_credentials "$@" \
    "$AUTHD_URL/oauth/token" | jq -r .access_token; }
at=$(token)
like "$at" '^[A-Za-z0-9_-]+\.' "an access token"
# apid fetches authd's keys in the background: right after start a bearer request may get 503
for _ in $(seq 1 50); do
    [ "$(curl -sS "${CA[@]}" -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $at" "$APID_URL/cartman/v1/connection-test")" != 503 ] && break
    sleep 0.2
done
is "$(sql "$DB" "SELECT option_value FROM ${P}options WHERE option_name = 'timezone_string'")" "$ZONE" "the store is in $ZONE"

day_add() { date -d "$1 $2 day" +%F; }                                # day_add 2026-11-27 -6
utc_of() { date -u -d "TZ=\"$ZONE\" $1 00:00:00" '+%F %T'; }          # UTC instant of a local midnight
local_of() { TZ=$ZONE date -d "@$1" '+%F %T'; }                       # local wall clock of a Unix time
today=$(TZ=$ZONE date +%F)

STATUSES="('wc-processing','wc-completed','wc-on-hold')"
money() { echo "CAST(ROUND($1, 2) AS DECIMAL(20,2))"; }
dec() { echo "CAST($1 AS DECIMAL(20,6))"; }

# expected FIRST LAST → one line per day, then a "total" line:
#   day orders items gross net aov refunds shipping taxes discounts
expected() {
    local first=$1 last=$2 d=$1 days="" sep=""
    while :; do
        days+="$sep SELECT '$d' AS day, '$(utc_of "$d")' AS lo, '$(utc_of "$(day_add "$d" 1)")' AS hi"
        sep=" UNION ALL"
        [ "$d" = "$last" ] && break
        d=$(day_add "$d" 1)
    done
    days+=" UNION ALL SELECT 'total', '$(utc_of "$first")', '$(utc_of "$(day_add "$last" 1)")'"
    sql "$DB" "SELECT v.day, COALESCE(s.o, 0), COALESCE(s.i, 0),
          $(money "COALESCE(s.sales, 0) + COALESCE(c.disc, 0) - COALESCE(s.tax, 0) - COALESCE(s.ship, 0) - COALESCE(s.ref, 0)"),
          $(money "COALESCE(s.net, 0)"), $(money "IF(COALESCE(s.o, 0) = 0, 0, s.net / s.o)"),
          $(money "-COALESCE(s.ref, 0)"), $(money "COALESCE(s.ship, 0)"), $(money "COALESCE(s.tax, 0)"), $(money "COALESCE(c.disc, 0)")
        FROM ($days) v
        LEFT JOIN (SELECT v2.day, SUM(x.parent_id = 0) o, SUM(x.num_items_sold) i, SUM($(dec x.total_sales)) sales,
                          SUM($(dec x.tax_total)) tax, SUM($(dec x.shipping_total)) ship, SUM($(dec x.net_total)) net,
                          SUM(IF(x.net_total < 0, $(dec x.net_total), 0)) ref
                   FROM ($days) v2 JOIN ${P}wc_order_stats x ON x.date_created_gmt >= v2.lo AND x.date_created_gmt < v2.hi
                   WHERE x.status IN $STATUSES GROUP BY v2.day) s ON s.day = v.day
        LEFT JOIN (SELECT v3.day, SUM($(dec c.discount_amount)) disc FROM ($days) v3
                   JOIN ${P}wc_order_stats x ON x.date_created_gmt >= v3.lo AND x.date_created_gmt < v3.hi
                   JOIN ${P}wc_order_coupon_lookup c ON c.order_id = x.order_id
                   WHERE x.status IN $STATUSES GROUP BY v3.day) c ON c.day = v.day
        ORDER BY v.day = 'total', v.day" | tr '\t' ' '
}
FIELDS='.orders, .items_sold, .gross_sales, .net_sales, .average_order_value, .refunds, .shipping, .taxes, .discounts'
got_lines() { jq -r "(.days[] | [.date, $FIELDS]), (.totals | [\"total\", $FIELDS]) | map(tostring) | join(\" \")" <"$T/r.body"; }

# check NAME QUERY FIRST LAST PERIOD
check() {
    local name=$1 query=$2 first=$3 last=$4 period=$5
    is "$(get "$R?$query")" 200 "$name: 200"
    is "$(jq_ '[.period, .after, .before, .timezone, .currency] | join(" ")')" "$period $first $last $ZONE EUR" \
        "$name: period, range, zone and currency"
    local n=$(( ($(date -d "$last" +%s) - $(date -d "$first" +%s)) / 86400 + 1 ))
    is "$(jq_ '.days | length')" "$n" "$name: one entry per day ($n)"
    local want got
    want=$(expected "$first" "$last")
    got=$(got_lines)
    is "$got" "$want" "$name: every day and the totals equal the SQL recomputation"
    [ "$got" = "$want" ] || diff <(echo "$want") <(echo "$got") | head -10 | sed 's/^/# /'
}

# --- rows around the latest DST change, at local times whose UTC date differs ------------------
dst=""
for i in $(seq 1 400); do
    d=$(day_add "$today" "-$i")
    if [ "$(TZ=$ZONE date -d "$d 12:00" +%z)" != "$(TZ=$ZONE date -d "$(day_add "$d" -1) 12:00" +%z)" ]; then dst=$d; break; fi
done
like "$dst" '^[0-9]{4}-[0-9]{2}-[0-9]{2}$' "the latest $ZONE DST change: $dst"
BASE=990000000
rows=""; n=0
add_row() { # add_row LOCAL_DATE LOCAL_TIME STATUS PARENT ITEMS TOTAL TAX SHIP NET
    local ts; ts=$(TZ=$ZONE date -d "$1 $2" +%s)
    n=$((n + 1))
    rows+="${rows:+,}($((BASE + n)), $4, '$(local_of "$ts")', '$(date -u -d "@$ts" '+%F %T')', NULL, NULL, $5, $6, $7, $8, $9, 0, '$3', 1)"
}
for d in "$(day_add "$dst" -1)" "$dst" "$(day_add "$dst" 1)"; do
    add_row "$d" 00:10:00 wc-completed 0 2 119.00 19.00 4.90 95.10
    add_row "$d" 01:40:00 wc-processing 0 1 59.50 9.50 0 50.00
    add_row "$d" 23:50:00 wc-on-hold 0 3 35.70 5.70 0 30.00
    add_row "$d" 23:55:00 wc-cancelled 0 5 500.00 0 0 500.00
    add_row "$d" 12:00:00 wc-completed "$((BASE + n - 3))" -1 -20.00 -3.19 0 -16.81
done
sql "$DB" "INSERT INTO ${P}wc_order_stats (order_id, parent_id, date_created, date_created_gmt, date_paid, date_completed,
             num_items_sold, total_sales, tax_total, shipping_total, net_total, returning_customer, status, customer_id) VALUES $rows"
sql "$DB" "INSERT INTO ${P}wc_order_coupon_lookup (order_id, coupon_id, date_created, discount_amount)
           SELECT order_id, 1, date_created, 5.25 FROM ${P}wc_order_stats WHERE order_id BETWEEN $((BASE + 1)) AND $((BASE + n)) AND parent_id = 0 AND num_items_sold = 2"
bump() { sql "$DB" "REPLACE INTO ${P}options (option_name, option_value, autoload) VALUES
                    ('_transient_woocommerce_reports-transient-version', '$1', 'no')"; }
bump "$(date +%s)"
is "$(sql "$DB" "SELECT COUNT(*) FROM ${P}wc_order_stats WHERE order_id > $BASE")" 15 "15 rows around the DST change"

# --- periods and a custom range ---------------------------------------------------------------
check "today" "period=today" "$today" "$today" today
check "7d" "period=7d" "$(day_add "$today" -6)" "$today" 7d
check "no period (7d)" "" "$(day_add "$today" -6)" "$today" 7d
check "30d" "period=30d" "$(day_add "$today" -29)" "$today" 30d
check "90d" "period=90d" "$(day_add "$today" -89)" "$today" 90d
check "custom over the DST change" "after=$(day_add "$dst" -2)&before=$(day_add "$dst" 2)" "$(day_add "$dst" -2)" "$(day_add "$dst" 2)" custom
dst_day=$(jq -c ".days[] | select(.date == \"$dst\")" <"$T/r.body")
like "$dst_day" '"orders":[0-9]+' "the DST day has an entry ($dst_day)"
is "$(get "${R/cartman\/v1/wp-json/cartman/v1}?after=$(day_add "$dst" -2)&before=$(day_add "$dst" 2)")" 200 "under /wp-json too"
is "$(got_lines)" "$(expected "$(day_add "$dst" -2)" "$(day_add "$dst" 2)")" "  ... with the same figures"
is "$(get "$R?after=$(day_add "$today" -3)") $(jq_ '.before')" "200 $today" "after alone ends today"
is "$(get "$R?after=$(day_add "$today" 1)&before=$(day_add "$today" 3)") $(jq_ '.totals.orders')" "200 0" "future days are empty"

# --- the cache of past days follows the data ---------------------------------------------------
check "90d again (cached)" "period=90d" "$(day_add "$today" -89)" "$today" 90d
x=$(sql "$DB" "SELECT order_id FROM ${P}wc_order_stats WHERE status = 'wc-completed' AND parent_id = 0
               AND date_created >= '$(day_add "$today" -60)' AND date_created < '$(day_add "$today" -59)' ORDER BY order_id LIMIT 1")
sql "$DB" "UPDATE ${P}wc_order_stats SET status = 'wc-cancelled' WHERE order_id = $x"
bump "$(($(date +%s) + 1))"
check "90d after the analytics import changed an old order" "period=90d" "$(day_add "$today" -89)" "$today" 90d
sql "$DB" "UPDATE ${P}wc_order_stats SET status = 'wc-completed' WHERE order_id = $x"
sql "$DB" "UPDATE ${P}wc_orders SET date_updated_gmt = UTC_TIMESTAMP() WHERE id = $x"
check "90d after an order write (HPOS date_updated_gmt)" "period=90d" "$(day_add "$today" -89)" "$today" 90d

# --- scope ------------------------------------------------------------------------------------
narrow=$(token -d scope=orders:read)
is "$(curl -sS "${CA[@]}" --http2 --interface "$SRC" -o "$T/r.body" -w '%{http_code}' -H "Authorization: Bearer $narrow" "$R") $(jq_ .code)" \
    "403 cartman_insufficient_scope" "an orders:read token gets no report"
is "$(curl -sS "${CA[@]}" --http2 -o /dev/null -w '%{http_code}' "$R")" 401 "no credential, no report"

# --- bad input: 400, nothing changes ----------------------------------------------------------
sum_before=$(sql "$DB" "SELECT COUNT(*), SUM(CRC32(CONCAT_WS('|', order_id, status, total_sales))) FROM ${P}wc_order_stats")
opts_before=$(sql "$DB" "SELECT COUNT(*), SUM(CRC32(CONCAT_WS('|', option_name, option_value))) FROM ${P}options")
for q in "period=1y" "period=" "period=7D" "period=today,7d" "period=7d&after=$today" "period=90d&before=$today" \
    "before=$today" "after=2026-13-01" "after=2026-02-29" "after=$today&before=yesterday" "after=20261101" \
    "after=${today}T00:00:00" "after=$(day_add "$today" 1)&before=$today" "after=$(day_add "$today" -366)&before=$today" \
    "after=1969-12-31&before=1970-01-01"; do
    is "$(get "$R?$q") $(jq_ .code)" "400 cartman_invalid_param" "$q is refused"
    like "$(jq_ .message)" '^Invalid parameter\(s\): ' "  ... saying why"
done
is "$(get "$R?after=$(day_add "$today" -365)&before=$today") $(jq_ '.days | length')" "200 366" "366 days is the cap"
for v in "'" "' OR '1'='1" '" OR 1=1 --' '%' '_' '\' "1; DROP TABLE ${P}wc_order_stats" ') OR (1=1' "\\' OR 1 #" 'é%_\x' \
    "$today' OR '1'='1" "$today%00"; do
    for f in period after before; do
        is "$(get "$R" -G --data-urlencode "$f=$v") $(jq_ .code)" "400 cartman_invalid_param" "$f=$v is refused"
    done
done
is "$(sql "$DB" "SELECT COUNT(*), SUM(CRC32(CONCAT_WS('|', order_id, status, total_sales))) FROM ${P}wc_order_stats")" "$sum_before" \
    "wc_order_stats unchanged by bad input"
is "$(sql "$DB" "SELECT COUNT(*), SUM(CRC32(CONCAT_WS('|', option_name, option_value))) FROM ${P}options")" "$opts_before" \
    "options unchanged by bad input"

# --- leave the store as it was ------------------------------------------------------------------
sql "$DB" "DELETE FROM ${P}wc_order_coupon_lookup WHERE order_id > $BASE"
sql "$DB" "DELETE FROM ${P}wc_order_stats WHERE order_id > $BASE"
bump "$(($(date +%s) + 2))"
done_testing
