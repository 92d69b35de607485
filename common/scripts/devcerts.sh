#!/usr/bin/env bash
# Development secrets under var/ (made once, reused): a self-signed TLS certificate for 127.0.0.1 and
# localhost, and authd's ES256 signing key. Production deployments point tls_cert/tls_key/signing_key
# at their own files.
set -euo pipefail
cd "$(dirname "$0")/../.."
VAR=${CARTMAN_VAR:-$PWD/var}
mkdir -p "$VAR/tls" "$VAR/keys"
chmod 0700 "$VAR" "$VAR/tls" "$VAR/keys"
umask 077
if ! [ -s "$VAR/tls/cert.pem" ] || ! [ -s "$VAR/tls/key.pem" ]; then
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 825 \
        -subj "/CN=CartMan Connect development" \
        -addext "subjectAltName=IP:127.0.0.1,IP:::1,DNS:localhost" \
        -addext "basicConstraints=critical,CA:TRUE" \
        -keyout "$VAR/tls/key.pem" -out "$VAR/tls/cert.pem" 2>/dev/null
    chmod 0644 "$VAR/tls/cert.pem"
fi
if ! [ -s "$VAR/keys/signing-es256.pem" ]; then
    openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -pkeyopt ec_param_enc:named_curve \
        -out "$VAR/keys/signing-es256.pem" 2>/dev/null
fi
