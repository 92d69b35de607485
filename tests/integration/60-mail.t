#!/usr/bin/env bash
# Outgoing mail end to end: a row queued with common/mail_outbox (tests/tools/mail_enqueue, as a
# handler does) reaches a real SMTP server (aiosmtpd, tests/smtp_catcher.py) with the right envelope,
# headers and decoded bodies, and the row says sent. Refused messages and rolled-back transactions leave
# nothing. With the SMTP server down the row stays queued with its attempts and last error counted and
# is delivered once the server is back; a row out of attempts is marked failed with a warning (no error
# line). Two apid instances sending the same outbox never send a row twice.
source "$(dirname "$0")/lib.sh"
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
T=$CARTMAN_TEST_DIR
DB=$CARTMAN_DB_NAME
P=${CARTMAN_DB_PREFIX:-wp_}
OUTBOX=${P}cartman_mail_outbox
DIR=$SMTP_CATCHER_DIR
PY=/usr/bin/python3 # Debian's, which has python3-aiosmtpd and the email package
enqueue() { "$BIN/tools/mail_enqueue" "$@"; }

# wait_sql "QUERY" WANT [SECONDS]: polls until the query prints WANT; prints what it printed last
wait_sql() {
    local q=$1 want=$2 n=$((${3:-20} * 10)) got
    for _ in $(seq 1 "$n"); do
        got=$(sql "$DB" "$q")
        [ "$got" = "$want" ] && break
        sleep 0.1
    done
    printf '%s' "$got"
}
# the caught file of outbox row $1 of this store: other scratch stores' rows have the same ids, so the
# Message-ID's domain (the store's From domain) tells them apart
eml_for() { grep -l -E "^Message-ID: <cartman\.$1\.[0-9]+@${from_addr#*@}>" "$DIR"/*.eml 2>/dev/null; }
catcher_stop() {
    local pid
    pid=$(cat "$T/smtp.pid")
    kill -TERM "$pid"
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    : >"$T/smtp.pid"
}
catcher_start() {
    "$PY" "$ROOT/tests/smtp_catcher.py" --port "$SMTP_CATCHER_PORT" --dir "$DIR" --pidfile "$T/smtp.pid" \
        >>"$T/smtp.log" 2>&1 &
    for _ in $(seq 1 100); do [ -s "$T/smtp.pid" ] && break; sleep 0.1; done
}

from_addr=$(sql "$DB" "SELECT option_value FROM ${P}options WHERE option_name = 'woocommerce_email_from_address'")
from_name=$(sql "$DB" "SELECT option_value FROM ${P}options WHERE option_name = 'woocommerce_email_from_name'")
like "$from_addr" '^[^@ ]+@[^@ ]+$' "the demo store has a WooCommerce From address"

# ---- one mail, every part checked ----
subject='Ihre Bestellung #4711 – eine Notiz für Sie'
text=$'Hallo Anna,\nIhre Sendung ist unterwegs.\n.\nEine sehr lange Zeile, die weit über sechsundsiebzig Zeichen hinausgeht und deshalb weich umbrochen werden muss.\nGrüße  '
html='<p>Hallo <b>Anna</b> – = 100 %</p>'
id=$(enqueue "Anna Müller <anna@example.com>" "$subject" "$text" "$html" "Support <help@example.com>" customer_note order 4711)
like "$id" '^[0-9]+$' "a message is queued (row $id)"
is "$(wait_sql "SELECT status FROM $OUTBOX WHERE id = $id" sent)" "sent" "the sender marks it sent"
is "$(sql "$DB" "SELECT attempts, last_error IS NULL, claim_token IS NULL, sent_at IS NOT NULL, kind, object_type, object_id FROM $OUTBOX WHERE id = $id")" \
    "$(printf '1\t1\t1\t1\tcustomer_note\torder\t4711')" "one attempt, no error, claim released, sent_at set, kind and object kept"
eml=$(eml_for "$id")
ok $([ -n "$eml" ] && [ "$(wc -l <<<"$eml")" = 1 ]; echo $?) "the SMTP server received it once"
env=$(cat "${eml%.eml}.json" 2>/dev/null)
is "$(jq -r '.mail_from' <<<"$env")" "$from_addr" "envelope sender: the store's From address"
is "$(jq -c '.rcpt_tos' <<<"$env")" '["anna@example.com"]' "envelope recipient: only the To address"

# the message as a mail reader sees it (Python's email package decodes encoded words and QP)
parsed=$("$PY" - "$eml" <<'PY'
import email, email.policy, json, sys
raw = open(sys.argv[1], 'rb').read()
m = email.message_from_bytes(raw, policy=email.policy.default)
# the reader's view of the text: line ends as Python shows them to a program
parts = {p.get_content_type(): p.get_content().replace('\r\n', '\n') for p in m.walk() if not p.is_multipart()}
lines = raw.split(b'\r\n')
print(json.dumps({
    'from': str(m['From']), 'to': str(m['To']), 'reply_to': str(m['Reply-To']), 'subject': str(m['Subject']),
    'type': m.get_content_type(), 'mime': m['MIME-Version'], 'date': m['Date'] is not None and m['Date'].datetime is not None,
    'mid': m['Message-ID'], 'auto': m['Auto-Submitted'], 'text': parts.get('text/plain'), 'html': parts.get('text/html'),
    'bare_lf': b'\n' in raw.replace(b'\r\n', b''), 'longest': max(len(l) for l in lines),
    'defects': sum(len(p.defects) for p in m.walk()), 'ascii': all(b < 128 for b in raw),
}))
PY
)
is "$(jq -r .from <<<"$parsed")" "$from_name <$from_addr>" "From: the store's name and address"
is "$(jq -r .to <<<"$parsed")" "Anna Müller <anna@example.com>" "To: with its UTF-8 name"
is "$(jq -r .reply_to <<<"$parsed")" "Support <help@example.com>" "Reply-To"
is "$(jq -r .subject <<<"$parsed")" "$subject" "Subject decodes to the UTF-8 text"
is "$(jq -r .type <<<"$parsed")/$(jq -r .mime <<<"$parsed")" "multipart/alternative/1.0" "multipart/alternative, MIME 1.0"
is "$(jq -r .date <<<"$parsed")" "true" "a Date header that parses"
like "$(jq -r .mid <<<"$parsed")" "^<cartman\\.$id\\.[0-9]+@[^>]+>$" "a Message-ID naming the row"
is "$(jq -r .auto <<<"$parsed")" "auto-generated" "Auto-Submitted: auto-generated"
is "$(jq -r .text <<<"$parsed")" "$text" "the text part decodes to the body"
is "$(jq -r .html <<<"$parsed")" "$html" "the HTML part decodes to the HTML body"
is "$(jq -r '[.bare_lf, .ascii, .defects] | @tsv' <<<"$parsed")" "$(printf 'false\ttrue\t0')" "CRLF only, 7-bit, no parser defects"
ok $([ "$(jq -r .longest <<<"$parsed")" -le 78 ]; echo $?) "no line longer than 78 characters"

# a text-only mail
id2=$(enqueue "plain@example.com" "Plain subject" "Just text.")
is "$(wait_sql "SELECT status FROM $OUTBOX WHERE id = $id2" sent)" "sent" "a text-only mail is sent"
eml2=$(eml_for "$id2")
like "$(cat "$eml2")" $'Content-Type: text/plain; charset=UTF-8\r' "it is a single text/plain part"
ok $(grep -q -i '^Reply-To:' "$eml2"; [ $? = 1 ]; echo $?) "without a Reply-To"

# ---- refused and rolled back: nothing queued ----
before=$(sql "$DB" "SELECT COUNT(*) FROM $OUTBOX")
enqueue $'victim@example.com\r\nBcc: everyone@example.com' "Hi" "x" >/dev/null 2>&1
is "$?" "3" "a recipient with CR/LF is refused"
enqueue "victim@example.com" $'Hi\r\nBcc: everyone@example.com' "x" >/dev/null 2>&1
is "$?" "3" "a subject with CR/LF is refused"
enqueue "victim@example.com, other@example.com" "Hi" "x" >/dev/null 2>&1
is "$?" "3" "two recipients are refused"
enqueue --rollback "rolled@example.com" "Rolled back" "x" >/dev/null
is "$(sql "$DB" "SELECT COUNT(*) FROM $OUTBOX")" "$before" "the outbox is untouched by refused and rolled-back mail"

# ---- the SMTP server goes away: nothing is lost ----
catcher_stop
files_before=$(ls "$DIR"/*.eml | wc -l)
id3=$(enqueue "Later <later@example.com>" "Sent after the outage" "Still here.")
# attempts grows when a sender claims the row; last_error is written when the attempt failed
is "$(wait_sql "SELECT last_error IS NOT NULL FROM $OUTBOX WHERE id = $id3" 1)" "1" "the sender tries while the server is down"
row=$(sql "$DB" "SELECT status, attempts, last_error, next_attempt_at > UTC_TIMESTAMP() + INTERVAL 30 SECOND FROM $OUTBOX WHERE id = $id3")
is "$(cut -f1,2,4 <<<"$row")" "$(printf 'pending\t1\t1')" "the row stays pending, one attempt counted, the next one backed off"
like "$(cut -f3 <<<"$row")" "connect" "last_error says why"
unlike_url=$(cut -f3 <<<"$row" | grep -c "127.0.0.1\|smtp://" || true)
is "$unlike_url" "0" "last_error names no server address or URL"
# skip the backoff: a second failed attempt is counted too
sql "$DB" "UPDATE $OUTBOX SET next_attempt_at = UTC_TIMESTAMP() WHERE id = $id3"
is "$(wait_sql "SELECT attempts, claim_token IS NULL FROM $OUTBOX WHERE id = $id3" "$(printf '2\t1')")" "$(printf '2\t1')" \
    "a second attempt is counted"
# a row on its last attempt is given up and kept as failed
id4=$(enqueue "doomed@example.com" "Given up" "x")
sql "$DB" "UPDATE $OUTBOX SET attempts = 11 WHERE id = $id4"
is "$(wait_sql "SELECT status, attempts FROM $OUTBOX WHERE id = $id4" "$(printf 'failed\t12')")" "$(printf 'failed\t12')" \
    "after 12 attempts the row is marked failed (and kept)"
like "$(grep "mail: #$id4 " "$T/apid.log" | tail -1)" "^[0-9TZ:.-]+ warn apid: mail: #$id4 \\(test\\) not sent after 12 attempts, giving up" \
    "giving up is a warning"
like "$(grep "mail: #$id3 " "$T/apid.log" | head -1)" " warn apid: mail: #$id3 \\(test\\) not sent \\(attempt 1 of 12\\), next try in 60 s" \
    "a failed attempt is a warning with the next try"
is "$(ls "$DIR"/*.eml | wc -l)" "$files_before" "nothing arrived during the outage"

catcher_start
sql "$DB" "UPDATE $OUTBOX SET next_attempt_at = UTC_TIMESTAMP() WHERE id = $id3"
is "$(wait_sql "SELECT status, attempts, last_error IS NULL FROM $OUTBOX WHERE id = $id3" "$(printf 'sent\t3\t1')")" \
    "$(printf 'sent\t3\t1')" "once the server is back the mail is delivered (third attempt) and the error cleared"
is "$(eml_for "$id3" | wc -l)" "1" "it arrived once"
is "$(sql "$DB" "SELECT status FROM $OUTBOX WHERE id = $id4")" "failed" "the given-up row stays failed"

# ---- two apid instances, one outbox: every row sent exactly once ----
APID2_PORT=$((TEST_PORT_BASE + 344))
CARTMAN_LISTEN=127.0.0.1:$APID2_PORT "$BIN/apid" serve >"$T/apid2.log" 2>&1 &
apid2=$!
for _ in $(seq 1 200); do curl -fsS --cacert "$CARTMAN_TLS_CERT" "https://127.0.0.1:$APID2_PORT/healthz" >/dev/null 2>&1 && break; sleep 0.1; done
N=300 # enough that the second instance's poll finds work while the first is still sending
ids=$(enqueue --count $N "many@example.com" "One of many" "Same outbox, two senders.")
first=$(head -1 <<<"$ids") last=$(tail -1 <<<"$ids")
is "$(wc -l <<<"$ids")" "$N" "$N mails queued in one transaction"
is "$(wait_sql "SELECT COUNT(*) FROM $OUTBOX WHERE id BETWEEN $first AND $last AND status = 'sent'" "$N" 60)" "$N" \
    "all $N are sent"
got=$(cat "$DIR"/*.eml | grep -oE "^Message-ID: <cartman\.[0-9]+\.[0-9]+@${from_addr#*@}>" | sed 's/.*cartman\.\([0-9]*\)\..*/\1/' |
      awk -v a="$first" -v b="$last" '$1 >= a && $1 <= b' | sort -n)
is "$(wc -l <<<"$got")" "$N" "the SMTP server received $N of them"
is "$(uniq -d <<<"$got" | wc -w)" "0" "no row was sent twice"
is "$(sql "$DB" "SELECT MAX(attempts) FROM $OUTBOX WHERE id BETWEEN $first AND $last")" "1" "each was claimed once"
n1=$(grep -E "mail: #[0-9]+ \(test\) sent" "$T/apid.log" | sed 's/.*#\([0-9]*\).*/\1/' | awk -v a="$first" -v b="$last" '$1 >= a && $1 <= b' | wc -l)
n2=$(grep -E "mail: #[0-9]+ \(test\) sent" "$T/apid2.log" | sed 's/.*#\([0-9]*\).*/\1/' | awk -v a="$first" -v b="$last" '$1 >= a && $1 <= b' | wc -l)
diag "sent by the first apid: $n1, by the second: $n2"
is "$((n1 + n2))" "$N" "the two instances' logs account for each mail once"
ok $([ "$n1" -gt 0 ] && [ "$n2" -gt 0 ]; echo $?) "both instances took part"
kill -TERM "$apid2"
for _ in $(seq 1 100); do kill -0 "$apid2" 2>/dev/null || break; sleep 0.1; done
ok $(kill -0 "$apid2" 2>/dev/null; [ $? = 1 ]; echo $?) "the second apid stops on SIGTERM"
is "$(grep -cE '^[0-9TZ:.-]+ error |runtime error:|AddressSanitizer|LeakSanitizer' "$T/apid2.log")" "0" \
    "the second apid's log has no error line or sanitizer report"

done_testing
