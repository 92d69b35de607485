#!/usr/bin/env bash
# A real OAuth client (oauth4webapi from npm) against authd: discovery, client_credentials with a
# connection key, refresh, revocation; jose verifies every access token against the JWKS.
# The TAP comes from tests/node/oauth_client.mjs.
set -u
NODE_DIR=$(cd "$(dirname "$0")/../node" && pwd)
if [ ! -d "$NODE_DIR/node_modules/oauth4webapi" ]; then
    echo "not ok 1 - tests/node has its node_modules (npm ci in tests/node)"; echo "1..1"; exit 1
fi
key=$("$BIN/authd" keys create-connection-key --label "oauth4webapi" 2>/dev/null)
cd "$NODE_DIR" && NODE_EXTRA_CA_CERTS=$CARTMAN_TLS_CERT exec node oauth_client.mjs "$AUTHD_URL" "$APID_URL" "$key"
