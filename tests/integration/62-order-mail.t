#!/usr/bin/env bash
# The e-mails WooCommerce sends when an order changes, sent by apid for its own writes, on a scratch HPOS
# store (cartman_test_order_mail) behind its own apid that delivers to the test SMTP catcher: processing,
# completed, on-hold (customer), cancelled (admin, Reply-To the customer), partial and full refunds
# (POST /refund and PATCH status=refunded), new order (admin, once per order), the customer note, low
# and out of stock (admin). For each:
# the outbox row (recipient, subject, kind), the body as WooCommerce's plain template writes it (items,
# totals and addresses, money in the store's price format: right_space, "." thousands, "," decimals,
# then left with "." decimals), and the mail as the SMTP server received it. Settings: a disabled e-mail
# sends nothing, custom subject/heading/additional content with placeholders, a recipient list.
# A write refused with 4xx queues nothing; a write whose mail cannot be queued is rolled back whole.
source "$(dirname "$0")/lib.sh"
CA=(--cacert "$CARTMAN_TLS_CERT")
T=${CARTMAN_TEST_DIR:-/tmp}
P=$CARTMAN_DB_PREFIX
SRC=127.0.0.56
DB=cartman_test_order_mail
PORT=$((TEST_PORT_BASE + 420))
BASE=https://127.0.0.1:$PORT/cartman/v1
PY=/usr/bin/python3
DIR=$SMTP_CATCHER_DIR
DOMAIN=order-mail.test.example # the store's From domain: the Message-IDs of this store's mail end in it

token() { curl -sS "${CA[@]}" --interface "$SRC" -u "cartman-mobile:$key" -d grant_type=client_credentials "$@" \
    "$AUTHD_URL/oauth/token" | jq -r .access_token; }
key=$("$BIN/authd" keys create-connection-key --label "order mail test" 2>/dev/null)
at=$(token)
like "$at" '^[A-Za-z0-9_-]+\.' "an access token"

# req METHOD PATH [curl args] → STATUS; body in $T/om.body
req() {
    local m=$1 path=$2; shift 2
    curl -sS "${CA[@]}" --http2 --interface "$SRC" -o "$T/om.body" -w '%{http_code}' -X "$m" \
        -H "Authorization: Bearer $at" -H 'Content-Type: application/json' "$@" "$BASE$path"
}
jq_() { jq -r "$1" <"$T/om.body" 2>/dev/null; }

store_create $DB hpos 400 23
sql $DB "UPDATE ${P}options SET option_value = 'shop@$DOMAIN' WHERE option_name = 'woocommerce_email_from_address'"
apid_start $DB $PORT CARTMAN_SMTP_URL="$CARTMAN_SMTP_URL" # this one sends: its own From domain tells its mail apart

opt() { sql $DB "SELECT option_value FROM ${P}options WHERE option_name = '$1'"; }
set_opt() { # set_opt NAME VALUE (added when missing)
    sql $DB "DELETE FROM ${P}options WHERE option_name = '$1'; INSERT INTO ${P}options (option_name, option_value, autoload) VALUES ('$1', '$2', 'yes')"
}
blog=$(opt blogname)
admin=$(opt admin_email)
host=$(opt home | sed 's|^[a-z]*://||; s|[/:?#].*||')
last_mail() { sql $DB "SELECT COALESCE(MAX(id), 0) FROM ${P}cartman_mail_outbox"; }
# rows SINCE [KIND [OBJECT_ID]] → "kind|to|subject" per row queued after id SINCE
rows() { sql $DB "SELECT CONCAT_WS('|', kind, to_addr, subject) FROM ${P}cartman_mail_outbox WHERE id > $1 ${2:+AND kind = '$2'} ${3:+AND object_id = $3} ORDER BY id"; }
body() { sql $DB "SELECT body_text FROM ${P}cartman_mail_outbox WHERE id > $1 AND kind = '$2' ${3:+AND object_id = $3} ORDER BY id LIMIT 1" | sed 's/\\n/\n/g; s/\\t/\t/g'; }
row_id() { sql $DB "SELECT id FROM ${P}cartman_mail_outbox WHERE id > $1 AND kind = '$2' ${3:+AND object_id = $3} ORDER BY id LIMIT 1"; }
# money in this store's format: 1234.5 → "1.234,50 EUR" (wc_price right_space, &euro; as WC_Email's plain text writes it)
eur() { "$PY" -c 'import sys; v = f"{abs(float(sys.argv[1])):,.2f}".replace(",", "_").replace(".", ",").replace("_", "."); print(("-" if float(sys.argv[1]) < 0 else "") + v + " EUR")' "$1"; }
# has TEXT LITERAL NAME: TEXT contains LITERAL as it is, or once the body's wordwrap at 70 columns is
# undone (a wrapped line is the same words with one newline for a space)
has() {
    if [[ $1 == *"$2"* || ${1//$'\n'/ } == *"${2//$'\n'/ }"* ]]; then ok 0 "$3"; else ok 1 "$3"; diag "missing: $2"; fi
}
hasnt() { if [[ ${1//$'\n'/ } == *"$2"* ]]; then ok 1 "$3"; diag "found: $2"; else ok 0 "$3"; fi; }
ord() { sql $DB "SELECT $2 FROM ${P}wc_orders WHERE id = $1"; }
amount() { sql $DB "SELECT CAST(total_amount AS DECIMAL(20,2)) FROM ${P}wc_orders WHERE id = $1"; } # the total as the API takes it
addr() { sql $DB "SELECT $2 FROM ${P}wc_order_addresses WHERE order_id = $1 AND address_type = 'billing'"; }
created() { sql $DB "SELECT UPPER(DATE_FORMAT(date_created, '%M %e, %Y')) FROM ${P}wc_order_stats WHERE order_id = $1"; }
# an order in status S with a billing e-mail, line items and no refunds, not yet used here
USED=0
pick() {
    local id
    id=$(sql $DB "SELECT o.id FROM ${P}wc_orders o WHERE o.type = 'shop_order' AND o.status = 'wc-$1' AND o.billing_email LIKE '%@%'
                  AND o.id NOT IN ($USED) AND o.total_amount > 5
                  AND EXISTS (SELECT 1 FROM ${P}woocommerce_order_items i WHERE i.order_id = o.id AND i.order_item_type = 'line_item')
                  AND NOT EXISTS (SELECT 1 FROM ${P}wc_orders r WHERE r.parent_order_id = o.id AND r.type = 'shop_order_refund')
                  ORDER BY o.id LIMIT 1")
    USED="$USED,$id"
    echo "$id"
}
# the first line item of an order: "name|qty|subtotal"
item1() { sql $DB "SELECT CONCAT_WS('|', i.order_item_name, q.meta_value, s.meta_value) FROM ${P}woocommerce_order_items i
                   JOIN ${P}woocommerce_order_itemmeta q ON q.order_item_id = i.order_item_id AND q.meta_key = '_qty'
                   JOIN ${P}woocommerce_order_itemmeta s ON s.order_item_id = i.order_item_id AND s.meta_key = '_line_subtotal'
                   WHERE i.order_id = $1 AND i.order_item_type = 'line_item' ORDER BY i.order_item_id LIMIT 1"; }
# the caught mail of outbox row ID as a mail reader sees it: {to, subject, reply_to, text}
caught() {
    local id=$1 f=""
    for _ in $(seq 1 100); do
        f=$(grep -l -E "^Message-ID: <cartman\.$id\.[0-9]+@$DOMAIN>" "$DIR"/*.eml 2>/dev/null | head -1)
        [ -n "$f" ] && break
        sleep 0.1
    done
    [ -n "$f" ] || { echo '{}'; return; }
    "$PY" - "$f" <<'PY'
import email, email.policy, json, sys
m = email.message_from_bytes(open(sys.argv[1], 'rb').read(), policy=email.policy.default)
print(json.dumps({'to': str(m['To']), 'subject': str(m['Subject']), 'reply_to': str(m['Reply-To'] or ''),
                  'text': m.get_body(('plain',)).get_content().replace('\r\n', '\n')}))
PY
}

# ---- pending → processing: the customer's "order received" e-mail ----
id=$(pick pending)
like "$id" '^[0-9]+$' "a pending order ($id)"
email=$(ord $id billing_email)
first=$(addr $id first_name)
last=$(addr $id last_name)
IFS='|' read -r iname iqty isub <<<"$(item1 $id)"
m0=$(last_mail)
is "$(req PATCH /orders/$id -d '{"status":"processing"}')" 200 "PATCH processing: 200"
is "$(rows $m0 customer_processing_order)" "customer_processing_order|$email|Your $blog order has been received!" \
    "  one customer_processing_order to the billing e-mail, WooCommerce's subject"
b=$(body $m0 customer_processing_order)
has "$b" $'=-=-=-=-=-=-=-=-=-=-=-=-=-=-=-=-=-=-=-=-=\nThank you for your order\n=-=-=-=-=-=-=-=-=-=-=-=-=-=-=-=-=-=-=-=-=' "  heading"
has "$b" "Hi $first," "  greeting with the billing first name"
has "$b" "Just to let you know -- we've received your order #$id, and it is now being processed:" "  WooCommerce's wording (&mdash; as the plain filter writes it)"
has "$b" "[ORDER #$id] ($(created $id))" "  the order header, upper-cased, in the store's date_format"
has "$b" "$iname X $iqty = $(eur "$isub")" "  the first item: name, quantity, line subtotal in the store's price format"
has "$b" $'==========\n\nSubtotal:\t ' "  the totals table"
has "$b" "Total:	 $(eur "$(ord $id total_amount)")" "  the total"
pm=$(ord $id payment_method_title)
[ -n "$pm" ] && has "$b" "Payment method:	 $pm" "  the payment method"
has "$b" $'BILLING ADDRESS\n\n' "  the billing address block"
has "$b" "$email" "  with the billing e-mail"
has "$b" "Thanks for using $host!" "  the default additional content with {site_url}"
like "$(printf '%s\n' "$b" | awk '{ print length($0) }' | sort -n | tail -1)" '^([0-9]|[1-6][0-9]|70)$' "  wrapped at 70 columns" 
is "$(rows $m0 new_order)" "new_order|$admin|[$blog]: New order #$id" "  and new_order to admin_email"
has "$(body $m0 new_order)" "You’ve received the following order from $first $last:" "  its wording"
is "$(sql $DB "SELECT meta_value FROM ${P}wc_orders_meta WHERE order_id = $id AND meta_key = '_new_order_email_sent'")" "true" \
    "  the order remembers it (_new_order_email_sent = true)"
is "$(sql $DB "SELECT GROUP_CONCAT(kind ORDER BY id) FROM ${P}cartman_mail_outbox WHERE id > $m0 AND kind IN ('new_order', 'customer_processing_order')")" \
    "new_order,customer_processing_order" "  queued in WooCommerce's order (new order first)"
mid=$(row_id $m0 customer_processing_order)
c=$(caught $mid)
is "$(jq -r .to <<<"$c")" "$email" "  the SMTP server got it for the billing e-mail"
is "$(jq -r .subject <<<"$c")" "Your $blog order has been received!" "  with the subject"
has "$(jq -r .text <<<"$c")" "it is now being processed:" "  and the body"

# ---- processing → completed ----
m0=$(last_mail)
is "$(req PATCH /orders/$id -d '{"status":"completed"}')" 200 "PATCH completed: 200"
is "$(rows $m0)" "customer_completed_order|$email|Your $blog order is now complete" "  only the customer_completed_order e-mail"
b=$(body $m0 customer_completed_order)
has "$b" $'\nThanks for shopping with us\n=-=' "  heading"
has "$b" "We have finished processing your order." "  wording"
has "$b" "Thanks for shopping with us." "  additional content"

# ---- completed → processing and processing → on-hold send nothing ----
m0=$(last_mail)
is "$(req PATCH /orders/$id -d '{"status":"processing"}') $(req PATCH /orders/$id -d '{"status":"on-hold"}')" "200 200" \
    "completed → processing → on-hold: 200"
is "$(rows $m0)" "" "  no e-mail (WooCommerce has no notification for those transitions)"

# ---- pending → on-hold, then on-hold → cancelled (the admin's e-mail) ----
id2=$(pick pending)
email2=$(ord $id2 billing_email)
m0=$(last_mail)
is "$(req PATCH /orders/$id2 -d '{"status":"on-hold"}')" 200 "PATCH pending → on-hold: 200"
is "$(rows $m0 customer_on_hold_order)" "customer_on_hold_order|$email2|Your $blog order has been received!" "  customer_on_hold_order"
has "$(body $m0 customer_on_hold_order)" "Thanks for your order. It’s on-hold until we confirm that payment has been received." "  wording"
m0=$(last_mail)
is "$(req PATCH /orders/$id2 -d '{"status":"cancelled"}')" 200 "PATCH on-hold → cancelled: 200"
is "$(rows $m0)" "cancelled_order|$admin|[$blog]: Order #$id2 has been cancelled" "  cancelled_order to admin_email"
b=$(body $m0 cancelled_order)
f2=$(addr $id2 first_name)
l2=$(addr $id2 last_name)
has "$b" "Order Cancelled: #$id2" "  heading"
has "$b" "Notification to let you know -- order #$id2 belonging to $f2 $l2 has been cancelled:" "  wording"
has "$b" "View order: " "  the admin link"
sku=$(sql $DB "SELECT l.sku FROM ${P}woocommerce_order_items i JOIN ${P}woocommerce_order_itemmeta m ON m.order_item_id = i.order_item_id
               AND m.meta_key = '_product_id' JOIN ${P}woocommerce_order_itemmeta v ON v.order_item_id = i.order_item_id
               AND v.meta_key = '_variation_id' JOIN ${P}wc_product_meta_lookup l ON l.product_id = IF(v.meta_value > 0, v.meta_value, m.meta_value)
               WHERE i.order_id = $id2 AND i.order_item_type = 'line_item' AND l.sku <> '' ORDER BY i.order_item_id LIMIT 1")
[ -n "$sku" ] && has "$b" "(#$sku)" "  items with their SKU"
is "$(sql $DB "SELECT reply_to FROM ${P}cartman_mail_outbox WHERE id = $(row_id $m0 cancelled_order)")" "$f2 $l2 <$email2>" \
    "  Reply-To: the customer"

# ---- refunds: partial by POST /refund, then the rest by PATCH refunded ----
id3=$(pick processing)
email3=$(ord $id3 billing_email)
tot3=$(ord $id3 total_amount)
m0=$(last_mail)
is "$(req POST /orders/$id3/refund --data-binary '{"amount":"1.00","reason":"Damaged box","restock":false}')" 201 "a partial refund: 201"
is "$(rows $m0)" "customer_partially_refunded_order|$email3|Your $blog order #$id3 has been partially refunded" \
    "  customer_partially_refunded_order"
b=$(body $m0 customer_partially_refunded_order)
has "$b" "Partial Refund: Order $id3" "  heading"
has "$b" "Your order on $blog has been partially refunded. There are more details below for your reference:" "  wording"
has "$b" "Damaged box	 $(eur -1)" "  the refund row (its reason, the amount negative)"
has "$b" "Total:	 $(eur "$tot3") $(eur "$("$PY" -c "print($tot3 - 1)")")" "  the total before and after the refund"
m0=$(last_mail)
is "$(req PATCH /orders/$id3 -d '{"status":"refunded"}')" 200 "PATCH refunded: 200"
is "$(rows $m0)" "customer_refunded_order|$email3|Your $blog order #$id3 has been refunded" "  customer_refunded_order (full)"
has "$(body $m0 customer_refunded_order)" "Your order on $blog has been refunded." "  wording"
m0=$(last_mail)
id4=$(pick completed)
is "$(req POST /orders/$id4/refund --data-binary "{\"amount\":\"$(amount $id4)\",\"restock\":false}")" 201 "a refund of everything by POST: 201"
is "$(rows $m0)" "customer_refunded_order|$(ord $id4 billing_email)|Your $blog order #$id4 has been refunded" "  the full-refund e-mail"

# ---- settings: disabled, custom subject/heading/content, recipients ----
set_opt woocommerce_customer_completed_order_settings 'a:1:{s:7:"enabled";s:2:"no";}'
id5=$(pick processing)
m0=$(last_mail)
is "$(req PATCH /orders/$id5 -d '{"status":"completed"}')" 200 "completed with the e-mail disabled: 200"
is "$(rows $m0 customer_completed_order)" "" "  nothing queued"
sub='Order {order_number} at {site_title} ({order_date})'
head='Hello from {site_address}'
set_opt woocommerce_customer_processing_order_settings \
    "a:4:{s:7:\"enabled\";s:3:\"yes\";s:7:\"subject\";s:${#sub}:\"$sub\";s:7:\"heading\";s:${#head}:\"$head\";s:18:\"additional_content\";s:0:\"\";}"
id6=$(pick pending)
m0=$(last_mail)
is "$(req PATCH /orders/$id6 -d '{"status":"processing"}')" 200 "processing with custom settings: 200"
date6=$(sql $DB "SELECT DATE_FORMAT(date_created, '%M %e, %Y') FROM ${P}wc_order_stats WHERE order_id = $id6")
is "$(rows $m0 customer_processing_order)" "customer_processing_order|$(ord $id6 billing_email)|Order $id6 at $blog ($date6)" \
    "  the subject setting with its placeholders"
b=$(body $m0 customer_processing_order)
has "$b" "Hello from $host" "  the heading setting"
hasnt "$b" "Thanks for using" "  empty additional content: none"
rec='orders@example.com, not an address,  boss@example.org '
set_opt woocommerce_cancelled_order_settings "a:1:{s:9:\"recipient\";s:${#rec}:\"$rec\";}"
m0=$(last_mail)
is "$(req PATCH /orders/$id6 -d '{"status":"cancelled"}')" 200 "cancelled with a recipient list: 200"
is "$(rows $m0 | cut -d'|' -f1,2 | tr '\n' ' ')" "cancelled_order|orders@example.com cancelled_order|boss@example.org " \
    "  one e-mail per valid recipient"

# ---- refused writes queue nothing ----
m0=$(last_mail)
n0=$(sql $DB "SELECT COUNT(*) FROM ${P}cartman_mail_outbox")
id7=$(pick processing)
is "$(req PATCH /orders/$id7 -d '{"status":"shipped"}')" 400 "an unknown status: 400"
is "$(req PATCH /orders/999999 -d '{"status":"completed"}')" 404 "an unknown order: 404"
is "$(req POST /orders/$id7/refund --data-binary '{"amount":"999999.00","restock":false}')" 400 "a refund over the total: 400"
is "$(req POST /orders/$id7/notes --data-binary '{"note":"","customer_note":true}')" 400 "an empty customer note: 400"
is "$(last_mail) $(sql $DB "SELECT COUNT(*) FROM ${P}cartman_mail_outbox")" "$m0 $n0" "  the outbox is unchanged"

# ---- the mail is part of the write: an outbox that cannot take it rolls the status change back ----
id10=$(pick pending)
c10=$(sql $DB "SELECT COUNT(*) FROM ${P}comments WHERE comment_post_ID = $id10")
sql $DB "RENAME TABLE ${P}cartman_mail_outbox TO ${P}cartman_mail_outbox_away"
is "$(req PATCH /orders/$id10 -d '{"status":"processing"}')" 503 "PATCH while the outbox cannot take the mail: 503"
sql $DB "RENAME TABLE ${P}cartman_mail_outbox_away TO ${P}cartman_mail_outbox"
is "$(ord $id10 status) $(sql $DB "SELECT COUNT(*) FROM ${P}comments WHERE comment_post_ID = $id10")" "wc-pending $c10" \
    "  the status change and its note were rolled back with it"
m0=$(last_mail)
is "$(req PATCH /orders/$id10 -d '{"status":"processing"}') $(rows $m0 customer_processing_order | cut -d'|' -f1)" \
    "200 customer_processing_order" "  once the outbox is back, the same PATCH changes the order and queues its mail"

# ---- stock: low, then out of stock (the admin's plain e-mails) ----
# a pending order with a line of a simple product that manages its stock (other lines may notify too:
# the rows are told apart by the product)
read -r id8 pid8 qty8 <<<"$(sql $DB "SELECT o.id, pm.meta_value, q.meta_value FROM ${P}wc_orders o
    JOIN ${P}woocommerce_order_items i ON i.order_id = o.id AND i.order_item_type = 'line_item'
    JOIN ${P}woocommerce_order_itemmeta pm ON pm.order_item_id = i.order_item_id AND pm.meta_key = '_product_id'
    JOIN ${P}woocommerce_order_itemmeta vm ON vm.order_item_id = i.order_item_id AND vm.meta_key = '_variation_id' AND vm.meta_value = '0'
    JOIN ${P}woocommerce_order_itemmeta q ON q.order_item_id = i.order_item_id AND q.meta_key = '_qty'
    JOIN ${P}postmeta ms ON ms.post_id = pm.meta_value AND ms.meta_key = '_manage_stock' AND ms.meta_value = 'yes'
    WHERE o.type = 'shop_order' AND o.status = 'wc-pending' AND o.id NOT IN ($USED)
    AND (SELECT COUNT(*) FROM ${P}woocommerce_order_itemmeta c JOIN ${P}woocommerce_order_items ci ON ci.order_item_id = c.order_item_id
         WHERE ci.order_id = o.id AND c.meta_key = '_product_id' AND c.meta_value = pm.meta_value) = 1
    ORDER BY o.id LIMIT 1" | tr '\t' ' ')"
USED="$USED,$id8"
like "$id8 $pid8 $qty8" '^[0-9]+ [0-9]+ [0-9]+$' "a pending order ($id8) with a managed product ($pid8 × $qty8)"
sql $DB "UPDATE ${P}postmeta SET meta_value = '$((qty8 + 1))' WHERE post_id = $pid8 AND meta_key = '_stock';
         DELETE FROM ${P}postmeta WHERE post_id = $pid8 AND meta_key = '_low_stock_amount'"
pname=$(sql $DB "SELECT post_title FROM ${P}posts WHERE ID = $pid8")
psku=$(sql $DB "SELECT meta_value FROM ${P}postmeta WHERE post_id = $pid8 AND meta_key = '_sku'")
fname="$pname (${psku:-#$pid8})"
m0=$(last_mail)
is "$(req PATCH /orders/$id8 -d '{"status":"processing"}')" 200 "processing takes the stock to 1: 200"
is "$(rows $m0 low_stock $pid8)" "low_stock|$admin|[$blog] Product low in stock" "  low_stock to the stock recipient (admin_email by default)"
is "$(body $m0 low_stock $pid8)" "$fname is low in stock. There are 1 left." "  WooCommerce's sentence"
c=$(caught "$(row_id $m0 low_stock $pid8)")
is "$(jq -r .subject <<<"$c")" "[$blog] Product low in stock" "  caught by the SMTP server"
# back to pending stock, then exactly the quantity: out of stock; a product amount of 0 and notify off
is "$(req PATCH /orders/$id8 -d '{"status":"cancelled"}')" 200 "cancelled (stock back)"
sql $DB "UPDATE ${P}postmeta SET meta_value = '$qty8' WHERE post_id = $pid8 AND meta_key = '_stock'"
set_opt woocommerce_stock_email_recipient "stock@example.com"
m0=$(last_mail)
is "$(req PATCH /orders/$id8 -d '{"status":"processing"}')" 200 "processing takes the stock to 0: 200"
is "$(rows $m0 new_order)" "" "  no second new_order for the order (cancelled → processing, already sent once)"
is "$(rows $m0 no_stock $pid8)" "no_stock|stock@example.com|[$blog] Product out of stock" "  no_stock to woocommerce_stock_email_recipient"
is "$(body $m0 no_stock $pid8)" "$fname is out of stock." "  WooCommerce's sentence"
is "$(rows $m0 low_stock $pid8)" "" "  and no low-stock e-mail with it"
is "$(req PATCH /orders/$id8 -d '{"status":"cancelled"}')" 200 "cancelled again"
sql $DB "UPDATE ${P}postmeta SET meta_value = '$qty8' WHERE post_id = $pid8 AND meta_key = '_stock'"
set_opt woocommerce_notify_no_stock no
m0=$(last_mail)
is "$(req PATCH /orders/$id8 -d '{"status":"on-hold"}')" 200 "on-hold with out-of-stock notices off: 200"
is "$(rows $m0 no_stock $pid8)$(rows $m0 low_stock $pid8)" "" "  no stock e-mail for it"
# a reduction below zero: WooCommerce's backorder notice (it has no setting of its own: still sent with
# the out-of-stock notices off), the whole quantity of the line, the order number
is "$(req PATCH /orders/$id8 -d '{"status":"cancelled"}')" 200 "cancelled again (stock back)"
sql $DB "UPDATE ${P}postmeta SET meta_value = '$((qty8 - 1))' WHERE post_id = $pid8 AND meta_key = '_stock'"
m0=$(last_mail)
is "$(req PATCH /orders/$id8 -d '{"status":"processing"}')" 200 "processing takes the stock to -1: 200"
is "$(sql $DB "SELECT meta_value FROM ${P}postmeta WHERE post_id = $pid8 AND meta_key = '_stock'")" -1 "  the stock is -1"
is "$(rows $m0 backorder $pid8)" "backorder|stock@example.com|[$blog] Product backorder" "  backorder to woocommerce_stock_email_recipient"
is "$(body $m0 backorder $pid8)" "$qty8 units of $fname have been backordered in order #$id8." "  WooCommerce's sentence"
is "$(rows $m0 no_stock $pid8)" "" "  and no out-of-stock e-mail (turned off)"
c=$(caught "$(row_id $m0 backorder $pid8)")
is "$(jq -r .subject <<<"$c") $(jq -r .to <<<"$c")" "[$blog] Product backorder stock@example.com" "  caught by the SMTP server"
set_opt woocommerce_notify_no_stock yes
is "$(req PATCH /orders/$id8 -d '{"status":"cancelled"}')" 200 "cancelled (stock back to $((qty8 - 1)))"
m0=$(last_mail)
is "$(req PATCH /orders/$id8 -d '{"status":"on-hold"}')" 200 "on-hold with the notices on: 200"
is "$(rows $m0 "" $pid8 | cut -d'|' -f1 | tr '\n' ' ')" "no_stock backorder " "  out of stock first, then the backorder, as WooCommerce fires them"
is "$(req PATCH /orders/$id8 -d '{"status":"cancelled"}')" 200 "cancelled (stock back)"

# ---- purchase notes and downloads (the customer's e-mails of a paid order) ----
# a pending order with a line of a simple product; that product gets a purchase note and a file
read -r id12 it12 pid12 <<<"$(sql $DB "SELECT o.id, i.order_item_id, pm.meta_value FROM ${P}wc_orders o
    JOIN ${P}woocommerce_order_items i ON i.order_id = o.id AND i.order_item_type = 'line_item'
    JOIN ${P}woocommerce_order_itemmeta pm ON pm.order_item_id = i.order_item_id AND pm.meta_key = '_product_id'
    JOIN ${P}woocommerce_order_itemmeta vm ON vm.order_item_id = i.order_item_id AND vm.meta_key = '_variation_id' AND vm.meta_value = '0'
    WHERE o.type = 'shop_order' AND o.status = 'wc-pending' AND o.id NOT IN ($USED) AND o.billing_email LIKE '%@%'
    ORDER BY o.id LIMIT 1" | tr '\t' ' ')"
USED="$USED,$id12"
like "$id12 $it12 $pid12" '^[0-9]+ [0-9]+ [0-9]+$' "a pending order ($id12) with a line of a simple product ($pid12)"
F12=6f1d7a52-0c1e-4a7b-9a51-5b1b2c3d4e12
FILES12=$(php -r 'echo serialize([$argv[1] => ["id" => $argv[1], "name" => "Manual PDF", "file" => "https://example.com/manual.pdf", "enabled" => true]]);' "$F12")
sql $DB "DELETE FROM ${P}postmeta WHERE post_id = $pid12 AND meta_key IN ('_purchase_note', '_downloadable', '_downloadable_files', '_download_limit', '_download_expiry');
         INSERT INTO ${P}postmeta (post_id, meta_key, meta_value) VALUES ($pid12, '_purchase_note', 'Keep <strong>this</strong> receipt for the warranty.'),
         ($pid12, '_downloadable', 'yes'), ($pid12, '_downloadable_files', '$FILES12'), ($pid12, '_download_limit', ''), ($pid12, '_download_expiry', '30');
         UPDATE ${P}wc_product_meta_lookup SET downloadable = 1 WHERE product_id = $pid12"
iname12=$(sql $DB "SELECT order_item_name FROM ${P}woocommerce_order_items WHERE order_item_id = $it12")
email12=$(ord $id12 billing_email)
m0=$(last_mail)
is "$(req PATCH /orders/$id12 -d '{"status":"on-hold"}')" 200 "PATCH pending → on-hold: 200"
b=$(body $m0 customer_on_hold_order)
hasnt "$b" "receipt for the warranty" "  not paid: no purchase note"
hasnt "$b" "DOWNLOADS" "  and no downloads"
m0=$(last_mail)
is "$(req PATCH /orders/$id12 -d '{"status":"processing"}')" 200 "PATCH on-hold → processing: 200"
is "$(sql $DB "SELECT COUNT(*) FROM ${P}woocommerce_downloadable_product_permissions WHERE order_id = $id12 AND download_id = '$F12'")" 1 \
    "  the download permission is granted"
exp12=$(sql $DB "SELECT DATE_FORMAT(access_expires, '%M %e, %Y') FROM ${P}woocommerce_downloadable_product_permissions WHERE order_id = $id12 AND download_id = '$F12'")
key12=$(sql $DB "SELECT order_key FROM ${P}wc_order_operational_data WHERE order_id = $id12")
home12=$(opt home)
uid12=$(printf '%s' "$email12" | sha256sum | cut -d' ' -f1)
b=$(body $m0 customer_processing_order)
has "$b" "DOWNLOADS

Product: $(sql $DB "SELECT post_title FROM ${P}posts WHERE ID = $pid12")
Expires: $exp12
Download: Manual PDF - ${home12%/}/?download_file=$pid12&order=$key12&uid=$uid12&key=$F12

==========

[ORDER #$id12]" "  the downloads before the order table: product, expiry, file and its link"
has "$b" "$iname12 X " "  the line"
has "$b" "
Keep this receipt for the warranty.

" "  its purchase note under it, tags stripped"
b=$(body $m0 new_order)
hasnt "$b" "receipt for the warranty" "  the admin's new_order: no purchase note"
hasnt "$b" "DOWNLOADS" "  and no downloads"
m0=$(last_mail)
is "$(req POST /orders/$id12/refund --data-binary '{"amount":"1.00","restock":false}')" 201 "a partial refund: 201"
b=$(body $m0 customer_partially_refunded_order)
hasnt "$b" "DOWNLOADS" "  the refund e-mail has no downloads"
has "$b" "Keep this receipt for the warranty." "  but the purchase note (the order is paid)"
# a line its refunds took back whole lists no downloads any more (get_downloadable_items)
q12=$(sql $DB "SELECT meta_value FROM ${P}woocommerce_order_itemmeta WHERE order_item_id = $it12 AND meta_key = '_qty'")
is "$(req POST /orders/$id12/refund --data-binary "{\"restock\":false,\"line_items\":[{\"id\":$it12,\"quantity\":$q12,\"refund_total\":\"0.01\"}]}")" 201 \
    "a refund of the downloadable line's whole quantity ($q12): 201"
m0=$(last_mail)
is "$(req POST /orders/$id12/notes --data-binary '{"note":"After the refund.","customer_note":true}')" 201 "a customer note: 201"
hasnt "$(body $m0 customer_note)" "DOWNLOADS" "  no downloads for the refunded line"
is "$(sql $DB "SELECT COUNT(*) FROM ${P}woocommerce_downloadable_product_permissions WHERE order_id = $id12")" 1 \
    "  its permission row stays (WooCommerce does not revoke it either)"

# ---- item meta as the e-mail shows it (wc_display_item_meta: display key and value) ----
# a processing order with a variation line (its pa_color/pa_size as the seed writes them) and a simple
# line, which gets meta of every kind: shown (cleaned, its key rawurldecoded), protected, serialized, empty
read -r id13 vit13 sit13 <<<"$(sql $DB "SELECT o.id, v.order_item_id, s.order_item_id FROM ${P}wc_orders o
    JOIN ${P}woocommerce_order_items v ON v.order_id = o.id AND v.order_item_type = 'line_item'
    JOIN ${P}woocommerce_order_itemmeta c ON c.order_item_id = v.order_item_id AND c.meta_key = 'pa_color'
    JOIN ${P}woocommerce_order_items s ON s.order_id = o.id AND s.order_item_type = 'line_item'
    JOIN ${P}woocommerce_order_itemmeta sv ON sv.order_item_id = s.order_item_id AND sv.meta_key = '_variation_id' AND sv.meta_value = '0'
    WHERE o.type = 'shop_order' AND o.status = 'wc-processing' AND o.id NOT IN ($USED) AND o.billing_email LIKE '%@%'
    ORDER BY o.id, v.order_item_id, s.order_item_id LIMIT 1" | tr '\t' ' ')"
USED="$USED,$id13"
like "$id13 $vit13 $sit13" '^[0-9]+ [0-9]+ [0-9]+$' "a processing order ($id13) with a variation line and a simple line"
sql $DB "INSERT INTO ${P}woocommerce_order_itemmeta (order_item_id, meta_key, meta_value) VALUES
         ($sit13, 'Engraving', 'To Anna   <b>with love</b>'), ($sit13, '_gift_secret', 'hidden'), ($sit13, 'Gift%20wrap', 'yes'),
         ($sit13, 'Options', 'a:1:{i:0;s:1:\"x\";}'), ($sit13, 'Blank', '')"
is "$(req GET /orders/$id13)" 200 "GET the order"
# the display forms of the variation's attributes, as the API shows them
read -r ck13 cv13 <<<"$(jq_ ".line_items[] | select(.id == $vit13) | .meta_data[] | select(.key == \"pa_color\") | \"\(.display_key) \(.display_value)\"")"
read -r sk13 sv13 <<<"$(jq_ ".line_items[] | select(.id == $vit13) | .meta_data[] | select(.key == \"pa_size\") | \"\(.display_key) \(.display_value)\"")"
like "$ck13 $cv13 $sk13 $sv13" '^[A-Z][a-z]+ [A-Za-z]+ [A-Z][a-z]+ [A-Za-z]+' "  its color and size attributes have labels and term names ($ck13: $cv13, $sk13: $sv13)"
vname13=$(sql $DB "SELECT order_item_name FROM ${P}woocommerce_order_items WHERE order_item_id = $vit13")
# the line's name shows the color only: the size is listed under it, the color not
sql $DB "UPDATE ${P}woocommerce_order_items SET order_item_name = '${vname13%% - *} - $cv13' WHERE order_item_id = $vit13"
m0=$(last_mail)
is "$(req POST /orders/$id13/notes --data-binary '{"note":"About your items.","customer_note":true}')" 201 "a customer note: 201"
b=$(body $m0 customer_note)
has "$b" "
- Engraving: To Anna with love
- Gift wrap: yes
" "  the simple line's visible meta: display key and value, cleaned, in stored order"
hasnt "$b" "_gift_secret" "  not the protected key"
hasnt "$b" "hidden" "  nor its value"
hasnt "$b" "Options:" "  nor the serialized value"
hasnt "$b" "Blank:" "  nor the empty one"
has "$b" "${vname13%% - *} - $cv13 X " "  the variation line"
has "$b" "- $sk13: $sv13" "  its size, by label and term name"
hasnt "$b" "- $ck13: " "  not its color, which its name shows"
hasnt "$b" "pa_color" "  no raw attribute key"

# ---- the customer note in the store's price and date format, then another price format ----
id9=$(pick processing)
m0=$(last_mail)
is "$(req POST /orders/$id9/notes --data-binary '{"note":"Your parcel left today.","customer_note":true}')" 201 "a customer note: 201"
is "$(rows $m0 | cut -d'|' -f1,3)" "customer_note|Note added to your $blog order from $(sql $DB "SELECT DATE_FORMAT(date_created, '%M %e, %Y') FROM ${P}wc_order_stats WHERE order_id = $id9")" \
    "  customer_note with WooCommerce's subject"
b=$(body $m0 customer_note)
has "$b" $'----------\n\nYour parcel left today.\n\n----------' "  the note"
has "$b" "Total:	 $(eur "$(ord $id9 total_amount)")" "  the total in the store's price format"
set_opt woocommerce_currency_pos left
set_opt woocommerce_price_thousand_sep ","
set_opt woocommerce_price_decimal_sep "."
set_opt date_format "d/m/Y"
m0=$(last_mail)
is "$(req POST /orders/$id9/notes --data-binary '{"note":"And one more.","customer_note":true}')" 201 "a customer note after the store changed its price format: 201"
want=$("$PY" -c "print('EUR' + f'{float(\"$(ord $id9 total_amount)\"):,.2f}')")
has "$(body $m0 customer_note)" "Total:	 $want" "  the total as left, ',' thousands, '.' decimals"
has "$(rows $m0)" "order from $(sql $DB "SELECT DATE_FORMAT(date_created, '%d/%m/%Y') FROM ${P}wc_order_stats WHERE order_id = $id9")" \
    "  the date in the new date_format"

# ---- a store that shows prices including tax (woocommerce_tax_display_cart = incl) ----
# the items and totals as get_formatted_line_subtotal and get_order_item_totals('incl') write them:
# line subtotals and subtotal with their tax, shipping with its tax "(incl. VAT)" (the store is in DE),
# no tax rows, and the total "(includes … VAT-label)"; after a refund of tax, what is left of that rate
set_opt woocommerce_tax_display_cart incl
eurl() { "$PY" -c 'import sys; v = float(sys.argv[1]); print(("-" if v < 0 else "") + "EUR" + f"{abs(v):,.2f}")' "$1"; }
im() { sql $DB "SELECT COALESCE(SUM(m.meta_value), 0) FROM ${P}woocommerce_order_items i JOIN ${P}woocommerce_order_itemmeta m
                ON m.order_item_id = i.order_item_id AND m.meta_key IN ($2) WHERE $1"; }
id11=$(sql $DB "SELECT o.id FROM ${P}wc_orders o JOIN ${P}wc_order_operational_data d ON d.order_id = o.id
                WHERE o.type = 'shop_order' AND o.status = 'wc-processing' AND o.id NOT IN ($USED) AND o.billing_email LIKE '%@%'
                AND d.shipping_tax_amount > 0 AND d.discount_total_amount = 0
                AND NOT EXISTS (SELECT 1 FROM ${P}wc_orders r WHERE r.parent_order_id = o.id AND r.type = 'shop_order_refund')
                AND (SELECT COUNT(*) FROM ${P}woocommerce_order_items t WHERE t.order_id = o.id AND t.order_item_type = 'tax') = 1
                ORDER BY o.id LIMIT 1")
USED="$USED,$id11"
like "$id11" '^[0-9]+$' "a processing order with shipping tax and one tax rate ($id11)"
read -r it11 iname11 <<<"$(sql $DB "SELECT order_item_id, order_item_name FROM ${P}woocommerce_order_items WHERE order_id = $id11
                                     AND order_item_type = 'line_item' ORDER BY order_item_id LIMIT 1" | tr '\t' ' ')"
iq11=$(im "i.order_item_id = $it11" "'_qty'")
il11=$(im "i.order_item_id = $it11" "'_line_subtotal', '_line_subtotal_tax'")
sub11=$(im "i.order_id = $id11 AND i.order_item_type = 'line_item'" "'_line_subtotal', '_line_subtotal_tax'")
ship11=$(sql $DB "SELECT shipping_total_amount + shipping_tax_amount FROM ${P}wc_order_operational_data WHERE order_id = $id11")
tax11=$(im "i.order_id = $id11 AND i.order_item_type = 'tax'" "'tax_amount', 'shipping_tax_amount'")
label11=$(sql $DB "SELECT m.meta_value FROM ${P}woocommerce_order_items i JOIN ${P}woocommerce_order_itemmeta m
                   ON m.order_item_id = i.order_item_id AND m.meta_key = 'label' WHERE i.order_id = $id11 AND i.order_item_type = 'tax'")
tot11=$(ord $id11 total_amount)
m0=$(last_mail)
is "$(req POST /orders/$id11/notes --data-binary '{"note":"Prices with tax.","customer_note":true}')" 201 "a customer note with the incl display: 201"
b=$(body $m0 customer_note)
has "$b" "$iname11 X $iq11 = $(eurl "$il11")" "  the line subtotal with its tax"
has "$b" "Subtotal:	 $(eurl "$sub11")"$'\n' "  the subtotal with the items' tax, no (ex. VAT) label"
has "$b" "Shipping:	 $(eurl "$ship11") (incl. VAT) via " "  shipping with its tax and WooCommerce's (incl. VAT)"
hasnt "$b" "$label11:	" "  no tax row"
has "$b" "Total:	 $(eurl "$tot11") (includes $(eurl "$tax11") $label11)" "  the total (includes the tax, with its label)"
m0=$(last_mail)
is "$(req POST /orders/$id11/refund --data-binary "{\"reason\":\"Tax back\",\"restock\":false,\"line_items\":[{\"id\":$it11,\"refund_total\":\"1.00\",\"refund_tax\":\"0.10\"}]}")" 201 \
    "a refund of 1.00 and 0.10 tax of a line: 201"
b=$(body $m0 customer_partially_refunded_order)
has "$b" "Total:	 $(eurl "$tot11") $(eurl "$("$PY" -c "print($tot11 - 1.10)")") (includes $(eurl "$("$PY" -c "print($tax11 - 0.10)")") $label11)" \
    "  the total before and after, the tax included less the refunded tax"
set_opt woocommerce_tax_display_cart excl

apid_stop $DB
sql_server "DROP DATABASE IF EXISTS $DB"
done_testing
