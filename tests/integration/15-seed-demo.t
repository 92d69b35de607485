#!/usr/bin/env bash
# authd seed-demo: fills scratch stores (cartman_test_seed, cartman_test_seed_b) with 500 orders in
# each order storage and checks with SQL what WooCommerce would have: counts, line items, every
# status, analytics totals equal to the order totals, refunds, roles and passwords (checked by PHP's
# own unserialize and password_verify), product lookup rows, term counts; then determinism (same
# seed, same rows), the no-op on a seeded store, the refusal on a foreign one, --force, usage errors.
source "$(dirname "$0")/lib.sh"
P=${CARTMAN_DB_PREFIX:-wp_}
DB1=cartman_test_seed
DB2=cartman_test_seed_b
TMP=$(mktemp -d)
# one "today" for every run in this script, so that a run crossing midnight cannot change the dates
export CARTMAN_DEMO_TODAY=${CARTMAN_DEMO_TODAY:-$(date -u +%F)}

server() { # server "STATEMENT" — runs without a default database
    mariadb --no-defaults -h "$CARTMAN_DB_HOST" -P "$CARTMAN_DB_PORT" -u "$CARTMAN_DB_USER" \
        -p"$CARTMAN_DB_PASSWORD" -N -B -e "$*"
}
fresh_db() { server "DROP DATABASE IF EXISTS $1; CREATE DATABASE $1 CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_520_ci"; }
seed() { # seed DB ARGS... — stdout in $TMP/out, stderr in $TMP/err, exit status in $rc
    local db=$1; shift
    rc=0
    CARTMAN_DB_NAME=$db "$BIN/authd" seed-demo "$@" >"$TMP/out" 2>"$TMP/err" || rc=$?
}
cleanup() { server "DROP DATABASE IF EXISTS $DB1; DROP DATABASE IF EXISTS $DB2" >/dev/null 2>&1; rm -rf "$TMP"; }
trap cleanup EXIT

# PHP decides, as WP_User::get_role_caps does, whether a user can manage_woocommerce.
can_manage() { # can_manage DB LOGIN
    local roles caps
    roles=$(sql "$1" "SELECT option_value FROM ${P}options WHERE option_name='${P}user_roles'")
    caps=$(sql "$1" "SELECT m.meta_value FROM ${P}usermeta m JOIN ${P}users u ON u.ID = m.user_id
                     WHERE u.user_login = '$2' AND m.meta_key = '${P}capabilities'")
    php -r '$roles = unserialize($argv[1]); $caps = unserialize($argv[2]);
            if (!is_array($roles) || !is_array($caps)) { echo "unserialize failed"; exit; }
            $all = [];
            foreach ($caps as $k => $v) if (isset($roles[$k])) $all = array_merge($all, $roles[$k]["capabilities"]);
            $all = array_merge($all, $caps);
            echo !empty($all["manage_woocommerce"]) ? "yes" : "no";' "$roles" "$caps"
}
json_field() { # json_field JSON INDEX KEY
    php -r '$j = json_decode($argv[1], true); echo $j["users"][$argv[2]][$argv[3]] ?? "";' "$1" "$2" "$3"
}

# Downloadable products, and the permission rows wc_downloadable_product_permissions left for every
# order whose flag says it ran (when the order was paid: it was processing then, not yet completed).
check_downloads() { # check_downloads DB STORAGE
    local db=$1 storage=$2 ordv lv dv perm=${P}woocommerce_downloadable_product_permissions files
    if [ "$storage" = hpos ]; then
        ordv="SELECT o.id, d.order_key AS k, o.billing_email AS email, o.customer_id AS cust, d.date_paid_gmt AS paid,
              IFNULL(d.download_permission_granted, 0) AS granted FROM ${P}wc_orders o
              JOIN ${P}wc_order_operational_data d ON d.order_id = o.id WHERE o.type = 'shop_order'"
    else
        ordv="SELECT p.ID AS id, (SELECT meta_value FROM ${P}postmeta WHERE post_id = p.ID AND meta_key = '_order_key') AS k,
              (SELECT meta_value FROM ${P}postmeta WHERE post_id = p.ID AND meta_key = '_billing_email') AS email,
              (SELECT meta_value FROM ${P}postmeta WHERE post_id = p.ID AND meta_key = '_customer_user') AS cust,
              FROM_UNIXTIME((SELECT meta_value FROM ${P}postmeta WHERE post_id = p.ID AND meta_key = '_date_paid')) AS paid,
              (SELECT meta_value = 'yes' FROM ${P}postmeta WHERE post_id = p.ID AND meta_key = '_download_permissions_granted') AS granted
              FROM ${P}posts p WHERE p.post_type = 'shop_order'"
    fi
    lv="SELECT i.order_id AS oid, CAST(IF(v.meta_value > 0, v.meta_value, pm.meta_value) AS UNSIGNED) AS pid, q.meta_value AS qty
        FROM ${P}woocommerce_order_items i
        JOIN ${P}woocommerce_order_itemmeta pm ON pm.order_item_id = i.order_item_id AND pm.meta_key = '_product_id'
        LEFT JOIN ${P}woocommerce_order_itemmeta v ON v.order_item_id = i.order_item_id AND v.meta_key = '_variation_id'
        JOIN ${P}woocommerce_order_itemmeta q ON q.order_item_id = i.order_item_id AND q.meta_key = '_qty'
        WHERE i.order_item_type = 'line_item'"
    dv="SELECT d.post_id AS pid, f.meta_value AS files, CAST(l.meta_value AS SIGNED) AS lim, CAST(e.meta_value AS SIGNED) AS exp
        FROM ${P}postmeta d JOIN ${P}postmeta f ON f.post_id = d.post_id AND f.meta_key = '_downloadable_files'
        JOIN ${P}postmeta l ON l.post_id = d.post_id AND l.meta_key = '_download_limit'
        JOIN ${P}postmeta e ON e.post_id = d.post_id AND e.meta_key = '_download_expiry'
        WHERE d.meta_key = '_downloadable' AND d.meta_value = 'yes'"
    # the catalogue repeats its templates past the first 28 products ("The Coffee Handbook 2")
    is "$(sql "$db" "SELECT CONCAT(SUM(p.post_type = 'product'), ' ', SUM(p.post_type = 'product_variation'))
                      FROM ($dv) x JOIN ${P}posts p ON p.ID = x.pid")" \
        "$(sql "$db" "SELECT COUNT(*) FROM ${P}posts WHERE post_type = 'product' AND post_title REGEXP '^The Coffee Handbook( [0-9]+)?$'") $(sql "$db" "SELECT COUNT(*) FROM ${P}posts v
                      JOIN ${P}posts p ON p.ID = v.post_parent AND p.post_title REGEXP '^Organic T-Shirt( [0-9]+)?$' WHERE v.post_type = 'product_variation'")" \
        "$storage: downloadable: The Coffee Handbook and every variation of the Organic T-Shirt"
    is "$(sql "$db" "SELECT COUNT(*) FROM ${P}wc_product_meta_lookup l LEFT JOIN ($dv) x ON x.pid = l.product_id
                      WHERE l.downloadable <> (x.pid IS NOT NULL)")" 0 "$storage: lookup downloadable matches _downloadable"
    files=$(sql "$db" "SELECT f.meta_value FROM ${P}posts p JOIN ${P}postmeta f ON f.post_id = p.ID AND f.meta_key = '_downloadable_files'
                       WHERE p.post_title = 'The Coffee Handbook' AND p.post_type = 'product'")
    like "$(php -r '$f = unserialize($argv[1]); $ok = 0; foreach ((array) $f as $k => $v) $ok += ($v["id"] ?? "") === $k && isset($v["name"], $v["file"])
                     && preg_match("/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/", $k); echo $ok, " ", $f ? reset($f)["file"] : "";' "$files")" \
        '^2 https?://.+/wp-content/uploads/woocommerce_uploads/the-coffee-handbook\.pdf$' \
        "$storage: its _downloadable_files: two files keyed by UUID, as WooCommerce saves them (PHP unserialize)"
    local want
    want=$(sql "$db" "SET time_zone = '+00:00'; SELECT COALESCE(SUM(CAST(SUBSTRING_INDEX(SUBSTRING(x.files, 3), ':', 1) AS UNSIGNED)), 0)
                      FROM ($ordv) o JOIN ($lv) l ON l.oid = o.id JOIN ($dv) x ON x.pid = l.pid WHERE o.granted = 1")
    like "$want" '^[1-9][0-9]*$' "$storage: paid orders sold downloadable lines ($want files)"
    is "$(sql "$db" "SELECT COUNT(*) FROM $perm")" "$want" "$storage: one permission row per file of each downloadable line of a granted order"
    is "$(sql "$db" "SET time_zone = '+00:00'; SELECT COUNT(*) FROM $perm x LEFT JOIN ($ordv) o ON o.id = x.order_id
                      LEFT JOIN ($dv) d ON d.pid = x.product_id
                      WHERE o.id IS NULL OR o.granted <> 1 OR d.pid IS NULL OR x.order_key <> o.k OR x.user_email <> o.email
                      OR x.user_id <> o.cust OR x.download_count <> 0 OR x.access_granted <> DATE(o.paid)
                      OR NOT (x.access_expires <=> IF(d.exp > 0, DATE(o.paid) + INTERVAL d.exp DAY, NULL))
                      OR LOCATE(CONCAT('\"', x.download_id, '\"'), d.files) = 0
                      OR NOT EXISTS (SELECT 1 FROM ($lv) l WHERE l.oid = x.order_id AND l.pid = x.product_id
                                     AND x.downloads_remaining = IF(d.lim < 0, '', CAST(d.lim * l.qty AS CHAR)))")" 0 \
        "$storage: every row as WooCommerce writes it (key, e-mail, customer, limit × qty, granted and expiry from the payment day)"
    is "$(sql "$db" "SELECT COUNT(DISTINCT downloads_remaining = '') FROM $perm")" 2 "$storage: limited and unlimited rows"
}

check_store() { # check_store DB STORAGE JSON
    local db=$1 storage=$2 json=$3 orders refunds total stats
    if [ "$storage" = hpos ]; then
        orders="SELECT id, status, total_amount AS total, parent_order_id AS parent FROM ${P}wc_orders WHERE type = 'shop_order'"
        refunds="SELECT id, status, total_amount AS total, parent_order_id AS parent FROM ${P}wc_orders WHERE type = 'shop_order_refund'"
    else
        orders="SELECT p.ID AS id, p.post_status AS status, CAST(m.meta_value AS DECIMAL(26,8)) AS total, p.post_parent AS parent
                FROM ${P}posts p JOIN ${P}postmeta m ON m.post_id = p.ID AND m.meta_key = '_order_total' WHERE p.post_type = 'shop_order'"
        refunds="SELECT p.ID AS id, p.post_status AS status, CAST(m.meta_value AS DECIMAL(26,8)) AS total, p.post_parent AS parent
                 FROM ${P}posts p JOIN ${P}postmeta m ON m.post_id = p.ID AND m.meta_key = '_order_total' WHERE p.post_type = 'shop_order_refund'"
    fi
    is "$(sql "$db" "SELECT option_value FROM ${P}options WHERE option_name = 'woocommerce_custom_orders_table_enabled'")" \
        "$([ "$storage" = hpos ] && echo yes || echo no)" "$storage: woocommerce_custom_orders_table_enabled"
    is "$(sql "$db" "SELECT COUNT(*) FROM ($orders) o")" 500 "$storage: 500 orders"
    if [ "$storage" = hpos ]; then
        is "$(sql "$db" "SELECT COUNT(*) FROM ${P}wc_orders o LEFT JOIN ${P}posts p ON p.ID = o.id
                          WHERE p.post_type IS NULL OR p.post_type <> 'shop_order_placehold'")" 0 \
            "hpos: every order and refund has its shop_order_placehold post"
        is "$(sql "$db" "SELECT COUNT(*) FROM ${P}wc_orders o WHERE o.type = 'shop_order' AND (SELECT COUNT(*)
                          FROM ${P}wc_order_addresses a WHERE a.order_id = o.id) <> 2")" 0 "hpos: billing and shipping address rows"
        is "$(sql "$db" "SELECT COUNT(*) FROM ${P}wc_orders o LEFT JOIN ${P}wc_order_operational_data d ON d.order_id = o.id
                          WHERE d.id IS NULL")" 0 "hpos: operational data for every order and refund"
        is "$(sql "$db" "SELECT COUNT(*) FROM ${P}posts WHERE post_type IN ('shop_order', 'shop_order_refund')")" 0 \
            "hpos: no legacy order posts"
    else
        is "$(sql "$db" "SELECT COUNT(*) FROM ${P}wc_orders")" 0 "posts: the HPOS tables stay empty"
        is "$(sql "$db" "SELECT COUNT(*) FROM ${P}posts p WHERE p.post_type = 'shop_order' AND NOT EXISTS (SELECT 1
                          FROM ${P}postmeta m WHERE m.post_id = p.ID AND m.meta_key = '_order_key')")" 0 "posts: _order_key on every order"
    fi
    is "$(sql "$db" "SELECT COUNT(*) FROM ($orders) o WHERE NOT EXISTS (SELECT 1 FROM ${P}woocommerce_order_items i
                      WHERE i.order_id = o.id AND i.order_item_type = 'line_item')")" 0 "$storage: every order has a line item"
    is "$(sql "$db" "SELECT GROUP_CONCAT(DISTINCT status ORDER BY status) FROM ($orders) o")" \
        "wc-cancelled,wc-completed,wc-failed,wc-on-hold,wc-pending,wc-processing,wc-refunded" "$storage: every status appears"
    total=$(sql "$db" "SELECT ROUND((SELECT SUM(total) FROM ($orders) o) + (SELECT COALESCE(SUM(total), 0) FROM ($refunds) r), 2)")
    stats=$(sql "$db" "SELECT ROUND(SUM(total_sales), 2) FROM ${P}wc_order_stats")
    is "$stats" "$total" "$storage: SUM(wc_order_stats.total_sales) equals the order and refund totals"
    is "$(sql "$db" "SELECT COUNT(*) FROM ${P}wc_order_stats s LEFT JOIN ($orders) o ON o.id = s.order_id
                      LEFT JOIN ($refunds) r ON r.id = s.order_id
                      WHERE (o.id IS NULL AND r.id IS NULL) OR s.status <> COALESCE(o.status, (SELECT p.status FROM ($orders) p WHERE p.id = r.parent))")" 0 \
        "$storage: a stats row per order and refund, with the order's (or the parent's) status"
    is "$(sql "$db" "SELECT COUNT(*) FROM ${P}wc_order_stats WHERE ROUND(net_total, 2) <> ROUND(total_sales - tax_total - shipping_total, 2)")" 0 \
        "$storage: net_total = total - tax - shipping"
    like "$(sql "$db" "SELECT COUNT(*) FROM ($refunds) r")" '^[1-9][0-9]*$' "$storage: there are refunds"
    is "$(sql "$db" "SELECT COUNT(*) FROM ($refunds) r LEFT JOIN ($orders) o ON o.id = r.parent
                      WHERE r.total >= 0 OR o.id IS NULL OR r.status <> 'wc-completed'")" 0 \
        "$storage: refunds have a negative total, a parent order and status wc-completed"
    is "$(sql "$db" "SELECT COUNT(*) FROM ($orders) o WHERE o.status = 'wc-refunded'
                      AND ROUND(o.total + (SELECT SUM(r.total) FROM ($refunds) r WHERE r.parent = o.id), 2) <> 0")" 0 \
        "$storage: refunded orders are refunded in full"
    is "$(sql "$db" "SELECT COUNT(*) FROM ${P}wc_order_stats WHERE parent_id <> 0 AND (total_sales >= 0 OR num_items_sold > 0)")" 0 \
        "$storage: refund stats rows are negative"
    is "$(sql "$db" "SELECT COUNT(*) FROM ${P}woocommerce_order_items i JOIN ($refunds) r ON r.id = i.order_id
                      WHERE i.order_item_type = 'line_item' AND NOT EXISTS (SELECT 1 FROM ${P}woocommerce_order_itemmeta m
                      WHERE m.order_item_id = i.order_item_id AND m.meta_key = '_refunded_item_id')")" 0 \
        "$storage: refund line items point at the refunded item"
    is "$(sql "$db" "SELECT COUNT(*) FROM ${P}woocommerce_order_items i JOIN ${P}woocommerce_order_itemmeta m
                      ON m.order_item_id = i.order_item_id AND m.meta_key = '_qty' JOIN ($refunds) r ON r.id = i.order_id
                      WHERE CAST(m.meta_value AS SIGNED) >= 0")" 0 "$storage: refund items have negative quantities"
    # wc_create_refund saves a new item of each refunded item's class: its class's own meta with the
    # refunded amounts, plus _refunded_item_id (the keys apid/order_refund.c writes too); the visible
    # meta of the original (variation attributes, the shipping line's "Items") is not copied
    is "$(sql "$db" "SELECT GROUP_CONCAT(DISTINCT CONCAT(t, ' ', k) ORDER BY t SEPARATOR ' | ') FROM (
                      SELECT i.order_item_type AS t, GROUP_CONCAT(m.meta_key ORDER BY BINARY m.meta_key) AS k
                      FROM ${P}woocommerce_order_items i JOIN ($refunds) r ON r.id = i.order_id
                      JOIN ${P}woocommerce_order_itemmeta m ON m.order_item_id = i.order_item_id
                      WHERE i.order_item_type <> 'tax' GROUP BY i.order_item_id) x")" \
        "fee _fee_amount,_line_tax,_line_tax_data,_line_total,_refunded_item_id,_tax_class,_tax_status | line_item _line_subtotal,_line_subtotal_tax,_line_tax,_line_tax_data,_line_total,_product_id,_qty,_refunded_item_id,_tax_class,_variation_id | shipping _refunded_item_id,cost,instance_id,method_id,taxes,total_tax" \
        "$storage: refund items carry what wc_create_refund copies, per item type"
    like "$(sql "$db" "SELECT COUNT(*) FROM ${P}woocommerce_order_itemmeta WHERE meta_key IN ('pa_color', 'Items')")" '^[1-9][0-9]*$' \
        "$storage: … while the orders' own items keep their attributes and shipped items"
    is "$(sql "$db" "SELECT COUNT(*) FROM ${P}woocommerce_order_items i JOIN ($refunds) r ON r.id = i.order_id
                      JOIN ${P}woocommerce_order_itemmeta ra ON ra.order_item_id = i.order_item_id AND ra.meta_key = '_fee_amount'
                      JOIN ${P}woocommerce_order_itemmeta rf ON rf.order_item_id = i.order_item_id AND rf.meta_key = '_refunded_item_id'
                      JOIN ${P}woocommerce_order_itemmeta oa ON oa.order_item_id = rf.meta_value AND oa.meta_key = '_fee_amount'
                      WHERE ra.meta_value = oa.meta_value AND CAST(oa.meta_value AS DECIMAL(26,8)) > 0")" \
        "$(sql "$db" "SELECT COUNT(*) FROM ${P}woocommerce_order_items i JOIN ($refunds) r ON r.id = i.order_id
                      WHERE i.order_item_type = 'fee'")" \
        "$storage: a refunded fee keeps the fee's own (positive) _fee_amount"
    is "$(sql "$db" "SELECT COUNT(*) FROM ${P}woocommerce_order_items i JOIN ($refunds) r ON r.id = i.order_id
                      JOIN ${P}woocommerce_order_itemmeta c ON c.order_item_id = i.order_item_id AND c.meta_key = 'cost'
                      JOIN ${P}woocommerce_order_itemmeta t ON t.order_item_id = i.order_item_id AND t.meta_key = 'total_tax'
                      WHERE CAST(c.meta_value AS DECIMAL(26,8)) = 0 AND CAST(t.meta_value AS DECIMAL(26,8)) = 0")" 0 \
        "$storage: no refund line with nothing refunded (wc_create_refund skips free shipping)"
    like "$(sql "$db" "SELECT COUNT(*) FROM ${P}woocommerce_order_items i JOIN ($refunds) r ON r.id = i.order_id
                        WHERE i.order_item_type = 'shipping'")" '^[1-9][0-9]*$' "$storage: … while paid shipping is refunded"
    if [ "$storage" = posts ]; then
        is "$(sql "$db" "SELECT COUNT(*) FROM ${P}posts WHERE post_type IN ('shop_order', 'shop_order_refund')
                          AND (post_title <> CONCAT(IF(post_type = 'shop_order', 'Order', 'Refund'), ' &ndash; ',
                                                    DATE_FORMAT(post_date_gmt, '%b %d, %Y @ %h:%i %p'))
                               OR post_name NOT REGEXP CONCAT('^', LOWER(DATE_FORMAT(post_date_gmt,
                                  CONCAT(IF(post_type = 'shop_order', 'order', 'refund'), '-%b-%d-%Y-%h%i-%p'))), '(-[0-9]+)?\$'))")" 0 \
            "posts: order and refund posts are titled (and slugged) with their UTC time, as WooCommerce's PHP \"now\""
    fi
    is "$(sql "$db" "SELECT COUNT(*) FROM ${P}wc_order_product_lookup l LEFT JOIN ${P}woocommerce_order_items i
                      ON i.order_item_id = l.order_item_id WHERE i.order_id IS NULL OR i.order_id <> l.order_id")" 0 \
        "$storage: wc_order_product_lookup rows match line items"
    like "$(sql "$db" "SELECT COUNT(*) FROM ${P}comments c JOIN ${P}commentmeta m ON m.comment_id = c.comment_ID
                        AND m.meta_key = 'is_customer_note' WHERE c.comment_type = 'order_note'")" '^[1-9][0-9]*$' \
        "$storage: order notes, some for the customer"
    is "$(sql "$db" "SELECT COUNT(*) FROM ${P}posts p LEFT JOIN ${P}wc_product_meta_lookup l ON l.product_id = p.ID
                      WHERE p.post_type IN ('product', 'product_variation') AND l.product_id IS NULL")" 0 \
        "$storage: a wc_product_meta_lookup row per product and variation"
    is "$(sql "$db" "SELECT COUNT(*) FROM ${P}wc_product_meta_lookup l JOIN ${P}postmeta m ON m.post_id = l.product_id
                      AND m.meta_key = '_stock' WHERE l.stock_quantity <> CAST(m.meta_value AS DOUBLE)")" 0 \
        "$storage: lookup stock_quantity equals _stock"
    is "$(sql "$db" "SELECT COUNT(*) FROM ${P}term_taxonomy tt WHERE tt.taxonomy LIKE 'product%' AND tt.count <>
                      (SELECT COUNT(*) FROM ${P}term_relationships r WHERE r.term_taxonomy_id = tt.term_taxonomy_id)")" 0 \
        "$storage: term counts match the relationships"
    is "$(sql "$db" "SELECT COUNT(*) FROM ${P}posts p WHERE p.post_type = 'product' AND (SELECT COUNT(*)
                      FROM ${P}term_relationships r JOIN ${P}term_taxonomy tt USING (term_taxonomy_id)
                      WHERE r.object_id = p.ID AND tt.taxonomy = 'product_type') <> 1")" 0 "$storage: one product_type term per product"
    like "$(sql "$db" "SELECT COUNT(*) FROM ${P}postmeta WHERE meta_key LIKE 'attribute_pa_%'")" '^[1-9][0-9]*$' \
        "$storage: variations carry attribute_pa_* meta"
    check_downloads "$db" "$storage"
    local logins=(admin manager subscriber denied_manager) want=(yes yes no no) i
    for i in 0 1 2 3; do
        is "$(can_manage "$db" "${logins[$i]}")" "${want[$i]}" "$storage: ${logins[$i]} manage_woocommerce = ${want[$i]}"
    done
    local customer pass hash
    customer=$(json_field "$json" 4 login)
    is "$(json_field "$json" 4 role)" customer "$storage: the JSON line names a customer"
    is "$(can_manage "$db" "$customer")" no "$storage: a customer cannot manage_woocommerce"
    pass=$(json_field "$json" 0 password)
    hash=$(sql "$db" "SELECT user_pass FROM ${P}users WHERE user_login = 'admin'")
    is "$(php -r 'echo password_verify($argv[1], $argv[2]) ? "ok" : "no";' "$pass" "$hash")" ok \
        "$storage: the admin password from the JSON line verifies against user_pass"
    like "$hash" '^\$2y\$10\$' "$storage: staff passwords are bcrypt cost 10"
}

for storage in hpos posts; do
    fresh_db "$DB1"
    seed "$DB1" --orders 500 --storage "$storage"
    json=$(cat "$TMP/out")
    is "$rc" 0 "seed-demo --orders 500 --storage $storage exits 0"
    [ "$rc" -eq 0 ] || diag "$(cat "$TMP/err")"
    like "$json" '^\{"users":\[\{"login":"admin",' "$storage: one JSON line with the demo accounts"
    check_store "$DB1" "$storage" "$json"
done

# determinism: the same seed gives the same orders; another seed does not
fresh_db "$DB1"; fresh_db "$DB2"
seed "$DB1" --orders 500 --seed 42
seed "$DB2" --orders 500 --seed 42
tables="${P}wc_orders, ${P}wc_order_addresses, ${P}wc_order_stats, ${P}woocommerce_order_items, ${P}woocommerce_order_itemmeta, ${P}comments, ${P}posts"
sum1=$(sql "$DB1" "CHECKSUM TABLE $tables" | awk '{print $2}' | tr '\n' ' ')
sum2=$(sql "$DB2" "CHECKSUM TABLE $tables" | awk '{print $2}' | tr '\n' ' ')
is "$sum2" "$sum1" "the same seed gives identical orders, items, notes and analytics rows"
fresh_db "$DB2"
seed "$DB2" --orders 500 --seed 43
isnt_sum=$(sql "$DB2" "CHECKSUM TABLE ${P}wc_orders" | awk '{print $2}')
ok "$([ "$isnt_sum" != "${sum1%% *}" ]; echo $?)" "another seed gives other orders"

# an already seeded store: nothing to do
before=$(sql "$DB1" "SELECT COUNT(*) FROM ${P}wc_orders")
seed "$DB1" --orders 500 --seed 42
is "$rc" 0 "seeding a seeded store exits 0"
like "$(cat "$TMP/err")" "already seeded" "and says it is already seeded"
is "$(sql "$DB1" "SELECT COUNT(*) FROM ${P}wc_orders")" "$before" "and adds nothing"
is "$(cat "$TMP/out")" "" "and prints no accounts"

# a store with content that seed-demo did not make: refused unless --force, which adds a batch
sql "$DB1" "DELETE FROM ${P}options WHERE option_name = 'cartman_demo_seed'"
seed "$DB1" --orders 50
is "$rc" 1 "a store with other content is refused"
like "$(cat "$TMP/err")" "only fills an empty store" "with a reason"
seed "$DB1" --orders 50 --force
json=$(cat "$TMP/out")
is "$rc" 0 "--force adds a batch"
is "$(json_field "$json" 0 login)" "admin-2" "the batch's staff logins are suffixed"
is "$(sql "$DB1" "SELECT COUNT(*) FROM ${P}wc_orders WHERE type = 'shop_order'")" 550 "the batch's orders are added"
is "$(sql "$DB1" "SELECT COUNT(*) - COUNT(DISTINCT user_login) FROM ${P}users")" 0 "logins stay unique"
is "$(sql "$DB1" "SELECT COUNT(*) FROM ${P}wc_product_meta_lookup WHERE sku <> '' GROUP BY sku HAVING COUNT(*) > 1")" "" \
    "SKUs stay unique"

# usage errors
for args in "--orders 0" "--orders 12x" "--orders" "--products 0" "--seed -1" "--storage mysql" "--bogus"; do
    # shellcheck disable=SC2086
    seed "$DB2" $args
    is "$rc" 2 "seed-demo $args is a usage error"
done
like "$(cat "$TMP/err")" "usage: authd seed-demo" "usage errors print the usage"

done_testing
