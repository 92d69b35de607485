#!/usr/bin/env bash
# `make run`: the demo store and both daemons in the foreground. Ctrl-C (or SIGTERM) stops everything.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
export CARTMAN_VAR=${CARTMAN_VAR:-$ROOT/var}
BIN=${BIN:-$ROOT/build/release}
AUTHD_PORT=${AUTHD_PORT:-8443}
APID_PORT=${APID_PORT:-9443}

common/scripts/mariadb.sh start
set -a; eval "$(common/scripts/mariadb.sh env)"; set +a
common/scripts/devcerts.sh

export CARTMAN_TLS_CERT=$CARTMAN_VAR/tls/cert.pem CARTMAN_TLS_KEY=$CARTMAN_VAR/tls/key.pem
export CARTMAN_AUTHD_CA=$CARTMAN_TLS_CERT
export CARTMAN_SIGNING_KEY=$CARTMAN_VAR/keys/signing-es256.pem
export CARTMAN_AUTHD_URL=https://127.0.0.1:$AUTHD_PORT CARTMAN_APID_URL=https://127.0.0.1:$APID_PORT
export CARTMAN_DEV_MODE=${CARTMAN_DEV_MODE:-true}

"$BIN/authd" migrate
USERS_FILE=$CARTMAN_VAR/demo-users.json
if ! [ -s "$USERS_FILE" ]; then
    echo "Creating the demo store (first start)..." >&2
    (umask 077; "$BIN/authd" seed-demo ${SEED_ARGS:-} >"$USERS_FILE.tmp" && mv "$USERS_FILE.tmp" "$USERS_FILE")
fi

# a fresh connection key for every start; the previous demo keys are revoked
for id in $("$BIN/authd" keys list-connection-keys 2>/dev/null | awk -F'\t' '$3 == "make run" && $8 == "-" {print $1}'); do
    "$BIN/authd" keys revoke-connection-key "$id" >/dev/null 2>&1 || true
done
CONNECTION_KEY=$("$BIN/authd" keys create-connection-key --label "make run" 2>/dev/null)

pids=()
stop_all() {
    trap - INT TERM EXIT
    for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
    for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
    common/scripts/mariadb.sh stop
    echo "stopped." >&2
}
trap stop_all INT TERM EXIT

# Outgoing mail: unless CARTMAN_SMTP_URL names a real server, a local SMTP catcher (Debian's
# python3-aiosmtpd, tests/smtp_catcher.py) keeps every mail apid sends as a file under var/mail/.
MAIL_NOTE="sent to ${CARTMAN_SMTP_URL:-}"
if [ -z "${CARTMAN_SMTP_URL:-}" ]; then
    SMTP_PORT=${SMTP_PORT:-2525}
    MAIL_DIR=$CARTMAN_VAR/mail
    if /usr/bin/python3 -c 'import aiosmtpd' 2>/dev/null; then
        /usr/bin/python3 tests/smtp_catcher.py --port "$SMTP_PORT" --dir "$MAIL_DIR" --pidfile "$CARTMAN_VAR/run/smtp.pid" &
        pids+=($!)
        export CARTMAN_SMTP_URL=smtp://127.0.0.1:$SMTP_PORT
        MAIL_NOTE="kept as files in $MAIL_DIR/ (NNNNNN.eml; SMTP catcher on 127.0.0.1:$SMTP_PORT)"
    else
        MAIL_NOTE="not sent: python3-aiosmtpd is missing and CARTMAN_SMTP_URL is not set (mail stays queued)"
    fi
fi

CARTMAN_LISTEN=127.0.0.1:$AUTHD_PORT "$BIN/authd" serve &
pids+=($!)
CARTMAN_LISTEN=127.0.0.1:$APID_PORT "$BIN/apid" serve &
pids+=($!)

for url in "$CARTMAN_AUTHD_URL/healthz" "$CARTMAN_APID_URL/healthz"; do
    for _ in $(seq 1 100); do
        curl -fsS --cacert "$CARTMAN_TLS_CERT" "$url" >/dev/null 2>&1 && break
        sleep 0.1
    done
done

users=$(sed -n 's/^{"users":\(.*\)}$/\1/p' "$USERS_FILE")
(umask 077; cat >"$CARTMAN_VAR/demo-credentials.json" <<JSON
{"authd": "$CARTMAN_AUTHD_URL", "apid": "$CARTMAN_APID_URL", "users": $users, "connection_key": "$CONNECTION_KEY",
 "db": {"host": "$CARTMAN_DB_HOST", "port": $CARTMAN_DB_PORT, "socket": "$CARTMAN_DB_SOCKET", "name": "$CARTMAN_DB_NAME",
        "user": "$CARTMAN_DB_USER", "password": "$CARTMAN_DB_PASSWORD", "prefix": "$CARTMAN_DB_PREFIX"}}
JSON
)

cat <<TXT

  CartMan Connect is running on the demo store.

    authd  $CARTMAN_AUTHD_URL        (OAuth, sign-in, admin console)
    apid   $CARTMAN_APID_URL/cartman/v1/
    TLS    development certificate: $CARTMAN_TLS_CERT
           try: curl --http2 --cacert $CARTMAN_TLS_CERT $CARTMAN_APID_URL/cartman/v1/
    mail   $MAIL_NOTE

  Connection key (new for this run, stored hashed):
    $CONNECTION_KEY

  Demo accounts (also in var/demo-credentials.json):
TXT
printf '%s\n' "$users" | tr '{' '\n' | sed -n 's/.*"login": *"\([^"]*\)".*"email": *"\([^"]*\)".*"password": *"\([^"]*\)".*"role": *"\([^"]*\)".*/    \4: \1 \/ \3   (\2)/p'
echo
echo "  Ctrl-C stops everything."
wait -n "${pids[@]}" || true
