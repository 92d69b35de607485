#!/usr/bin/env bash
# The database goes away and comes back: both daemons answer 503 meanwhile (the connector's reason goes to the log only) and
# recover by themselves, without a restart.
source "$(dirname "$0")/lib.sh"
CA=(--cacert "$CARTMAN_TLS_CERT")
ROOT=$(cd "$(dirname "$0")/../.." && pwd)

"$ROOT/common/scripts/mariadb.sh" stop
for d in "$AUTHD_URL" "$APID_URL"; do
    out=$(curl -sS "${CA[@]}" --http2 -w '\n%{http_code}' "$d/healthz")
    is "$(tail -1 <<<"$out")" "503" "$d/healthz is 503 while the database is down"
    like "$(head -1 <<<"$out")" '"db":"down"' "$d/healthz says the database is down"
    like "$(head -1 <<<"$out")" '"reason":"the database cannot be reached"' "$d/healthz says why, in its own words"
    ok "$(grep -qE "127\.0\.0\.1|$CARTMAN_DB_PORT|mysqld|socket" <<<"$out"; echo $((!$?)))" \
        "$d/healthz tells no host, port or connector message"
done
out=$(curl -sS "${CA[@]}" --http2 -w '\n%{http_code}' "$APID_URL/cartman/v1/")
is "$(tail -1 <<<"$out")" "503" "the API index is 503 while the database is down"

"$ROOT/common/scripts/mariadb.sh" start
for d in "$AUTHD_URL" "$APID_URL"; do
    # every worker must recover: ask more times than there are workers and connections
    bad=0
    for _ in $(seq 1 12); do
        code=$(curl -sS "${CA[@]}" --http2 -o /dev/null -w '%{http_code}' "$d/healthz")
        [ "$code" = 200 ] || bad=$((bad + 1))
    done
    is "$bad" 0 "$d/healthz is 200 again on every request once the database is back"
done
out=$(curl -sS "${CA[@]}" --http2 -w '\n%{http_code}' "$APID_URL/cartman/v1/")
is "$(tail -1 <<<"$out")" "200" "the API index answers again"
done_testing
