#!/usr/bin/env bash
# "Log in with your store" in headless Chromium (playwright-core): sign in, Approve, code exchange with
# PKCE through oauth4webapi, the access token verified with jose; then Deny → access_denied. Screenshots
# of the sign-in and consent pages are left in $CARTMAN_TEST_DIR. The TAP comes from
# tests/node/browser_flow.mjs.
set -u
NODE_DIR=$(cd "$(dirname "$0")/../node" && pwd)
T=${CARTMAN_TEST_DIR:-/tmp}
if [ ! -d "$NODE_DIR/node_modules/playwright-core" ]; then
    echo "not ok 1 - tests/node has playwright-core (npm ci in tests/node)"; echo "1..1"; exit 1
fi
if [ ! -x /usr/bin/chromium ]; then
    echo "not ok 1 - Debian's chromium is installed (common/scripts/deps.sh)"; echo "1..1"; exit 1
fi
pass=$(jq -r '.users[] | select(.login=="admin") | .password' "$T/demo-users.json")
cd "$NODE_DIR" && NODE_EXTRA_CA_CERTS=$CARTMAN_TLS_CERT exec timeout 120 node browser_flow.mjs "$AUTHD_URL" "$APID_URL" admin "$pass" "$T"
