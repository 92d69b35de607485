#!/usr/bin/env bash
# Forged access tokens against authd's own token checks: POST /oauth/introspect (a confidential client) and
# POST /oauth/revoke. alg "none", HS256/HS512 keyed with the public key (PEM, DER, raw x||y, 0x04||x||y),
# an ES256 signature from a foreign key under the real kid (also with the foreign key in a "jwk" header),
# an expired and a not-yet-valid token signed with the real key (tests/tools/mint_token), tampered claims
# (sub, sid). Each must introspect as {"active":false} and revoking it must revoke nothing: the real grants
# named by their sid stay live and their refresh tokens still work afterwards.
source "$(dirname "$0")/lib.sh"
CA=(--cacert "$CARTMAN_TLS_CERT")
P=$CARTMAN_DB_PREFIX
T=${CARTMAN_TEST_DIR:-/tmp}
DB=$CARTMAN_DB_NAME
TOKEN_URL=$AUTHD_URL/oauth/token INTRO=$AUTHD_URL/oauth/introspect REVOKE=$AUTHD_URL/oauth/revoke

# Sections send from addresses of their own (127.0.27.x): the per-IP rate limit (burst 60, 5/s) of the
# token endpoints is then only met where a test means it.
SRC=127.0.27.1
post() { # post URL [curl args...] → STATUS; body in $T/atk.body
    local url=$1; shift
    curl -sS "${CA[@]}" --http2 --interface "$SRC" -o "$T/atk.body" -w '%{http_code}' "$@" "$url"
}
body() { cat "$T/atk.body"; }
j() { jq -r --arg k "$1" 'if type == "object" then (.[$k] | if . == null then "" else tostring end) else "" end' <<<"${2-$(body)}" 2>/dev/null; }
claims() { php -r '$p = explode(".", $argv[1])[1] ?? ""; echo base64_decode(strtr($p, "-_", "+/"));' "$1"; }
live() { sql "$DB" "SELECT IF(revoked_at IS NULL, 'live', CONCAT('revoked ', revoked_reason)) FROM ${P}cartman_grants WHERE id=$1"; }

# forge KIND TOKEN JWKS [ARG]: a forged variant of TOKEN (node's crypto, no JOSE library)
forge() {
    node -e '
const c = require("crypto");
const [kind, tok, jwksText, arg] = process.argv.slice(1);
const u = (b) => Buffer.from(b).toString("base64url");
const [h64, p64, s64] = tok.split(".");
const hdr = JSON.parse(Buffer.from(h64, "base64url"));
const payload = JSON.parse(Buffer.from(p64, "base64url"));
const jwk = JSON.parse(jwksText).keys.find((k) => k.kid === hdr.kid);
const pub = c.createPublicKey({ key: jwk, format: "jwk" });
const x = Buffer.from(jwk.x, "base64url"), y = Buffer.from(jwk.y, "base64url");
const secrets = {
    pem: Buffer.from(pub.export({ type: "spki", format: "pem" })),
    pemtrim: Buffer.from(pub.export({ type: "spki", format: "pem" }).trim()),
    der: pub.export({ type: "spki", format: "der" }),
    xy: Buffer.concat([x, y]),
    "04xy": Buffer.concat([Buffer.from([4]), x, y]),
    jwk: Buffer.from(JSON.stringify(jwk)),
};
const head = (h) => u(JSON.stringify(h));
const out = (h, p, sig) => h + "." + p + "." + sig;
let m;
if (kind === "none") {
    console.log(out(head({ alg: "none", typ: "at+jwt", kid: hdr.kid }), p64, ""));
} else if (kind === "none-sig") { // alg none, the real signature left in place
    console.log(out(head({ alg: "none", typ: "at+jwt", kid: hdr.kid }), p64, s64));
} else if (kind === "none-nokid") {
    console.log(out(head({ alg: "none", typ: "at+jwt" }), p64, ""));
} else if ((m = /^(HS256|HS512|ES256)-hmac(256|512)-(.*)$/.exec(kind))) { // alg, HMAC hash, secret
    const h = head({ alg: m[1], typ: "at+jwt", kid: hdr.kid });
    console.log(out(h, p64, u(c.createHmac("sha" + m[2], secrets[m[3]]).update(h + "." + p64).digest())));
} else if (kind === "foreign" || kind === "foreign-jwk") {
    const { privateKey, publicKey } = c.generateKeyPairSync("ec", { namedCurve: "P-256" });
    const hh = { alg: "ES256", typ: "at+jwt", kid: hdr.kid };
    if (kind === "foreign-jwk") hh.jwk = publicKey.export({ format: "jwk" });
    const h = head(hh);
    const sig = c.sign("sha256", Buffer.from(h + "." + p64), { key: privateKey, dsaEncoding: "ieee-p1363" });
    if (!c.verify("sha256", Buffer.from(h + "." + p64), { key: publicKey, dsaEncoding: "ieee-p1363" }, sig)) process.exit(1);
    console.log(out(h, p64, u(sig)));
} else if (kind === "tamper-sub" || kind === "tamper-sid") { // changed claim, the real header and signature
    if (kind === "tamper-sub") payload.sub = arg; else payload.sid = Number(arg);
    console.log(out(h64, u(JSON.stringify(payload)), s64));
} else if (kind === "verify") { // the real token verifies against the JWKS key (the forgeries start from a real one)
    console.log(c.verify("sha256", Buffer.from(h64 + "." + p64), { key: pub, dsaEncoding: "ieee-p1363" },
        Buffer.from(s64, "base64url")) ? "valid" : "invalid");
} else process.exit(2);
' "$@"
}

# attack NAME TOKEN SID: introspects as {"active":false}; revoking it (as cartman-mobile, the client_id
# it claims) answers 200 and leaves grant SID live.
attack() {
    local st
    st=$(post "$INTRO" -u "$ccid:$csec" --data-urlencode "token=$2")
    is "$st $(body)" '200 {"active":false}' "$1: introspects as inactive"
    st=$(post "$REVOKE" -d client_id=cartman-mobile -d token_type_hint=access_token --data-urlencode "token=$2")
    is "$st $(live "$3")" "200 live" "$1: revoking it answers 200 and revokes nothing"
}

admin_id=$(sql "$DB" "SELECT ID FROM ${P}users WHERE user_login='admin'")
manager_id=$(sql "$DB" "SELECT ID FROM ${P}users WHERE user_login='manager'")
conf=$("$BIN/authd" clients create --name "Token attack test backend" --confidential 2>/dev/null)
ccid=$(jq -r .client_id <<<"$conf") csec=$(jq -r .client_secret <<<"$conf")
key=$("$BIN/authd" keys create-connection-key --label "token attacks" 2>/dev/null)
ckid=$(sed -E 's/^cmk_([0-9]+)_.*/\1/' <<<"$key")
like "$key" '^cmk_' "a connection key to make real grants with"
# grant NAME → sets ${NAME}_at, ${NAME}_rt, ${NAME}_sid: a real grant (client_credentials, cartman-mobile)
grant() {
    post "$TOKEN_URL" -u "cartman-mobile:$key" -d grant_type=client_credentials >/dev/null
    printf -v "${1}_at" '%s' "$(j access_token)"
    printf -v "${1}_rt" '%s' "$(j refresh_token)"
    printf -v "${1}_sid" '%s' "$(j sid "$(claims "$(j access_token)")")"
}
grant g1; grant g2; grant g3; grant g4
ok "$([[ "$g1_sid $g2_sid $g3_sid $g4_sid" =~ ^[0-9]+\ [0-9]+\ [0-9]+\ [0-9]+$ ]]; echo $?)" "four real grants"
jwks=$(curl -sS "${CA[@]}" "$AUTHD_URL/oauth/jwks.json")
is "$(forge verify "$g1_at" "$jwks")" "valid" "the real access token verifies against the published key (node crypto)"
st=$(post "$INTRO" -u "$ccid:$csec" --data-urlencode "token=$g1_at")
is "$st $(j active) $(j sid)" "200 true $g1_sid" "the real access token introspects as active"

# --- alg "none" and HMAC keyed with the public key ----------------------------------------------------------
SRC=127.0.27.2
attack 'alg "none", empty signature' "$(forge none "$g1_at" "$jwks")" "$g1_sid"
attack 'alg "none", the real signature kept' "$(forge none-sig "$g1_at" "$jwks")" "$g1_sid"
attack 'alg "none", no kid' "$(forge none-nokid "$g1_at" "$jwks")" "$g1_sid"
for s in pem pemtrim der xy 04xy jwk; do
    attack "HS256 keyed with the public key ($s)" "$(forge "HS256-hmac256-$s" "$g1_at" "$jwks")" "$g1_sid"
done
# a 64-byte MAC has the length of an ES256 signature
attack "HS512 keyed with the public key (pem)" "$(forge HS512-hmac512-pem "$g1_at" "$jwks")" "$g1_sid"
attack 'alg "ES256" over an HMAC-SHA512 keyed with x||y (64 bytes)' "$(forge ES256-hmac512-xy "$g1_at" "$jwks")" "$g1_sid"

# --- a foreign key, tampered claims -------------------------------------------------------------------------
SRC=127.0.27.3
f=$(forge foreign "$g1_at" "$jwks")
like "$f" '^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{86}$' "a valid ES256 signature from a foreign key, under the real kid"
attack "a foreign key's ES256 signature under the real kid" "$f" "$g1_sid"
attack 'a foreign key carried in a "jwk" header' "$(forge foreign-jwk "$g1_at" "$jwks")" "$g1_sid"
attack "a changed sub (the manager's id)" "$(forge tamper-sub "$g1_at" "$jwks" "$manager_id")" "$g1_sid"
attack "a changed sid (another live grant)" "$(forge tamper-sid "$g1_at" "$jwks" "$g4_sid")" "$g4_sid"
is "$(live "$g1_sid")" "live" "the grant the forgeries copied stays live"

# --- expired and not yet valid, signed with the real key ----------------------------------------------------
SRC=127.0.27.4
mint() { "$BIN/tools/mint_token" "$CARTMAN_SIGNING_KEY" "$AUTHD_URL" "$APID_URL" "$admin_id" "$@"; }
good=$(mint 900 0 "$g1_sid")
st=$(post "$INTRO" -u "$ccid:$csec" --data-urlencode "token=$good")
is "$st $(j active) $(j sid)" "200 true $g1_sid" "mint_token with the daemons' key and a current time: active (the control)"
expired=$(mint -60 -960 "$g2_sid")
c=$(claims "$expired")
ok "$([ "$(j exp "$c")" -lt "$(date +%s)" ]; echo $?)" "an expired token (exp a minute ago), really signed"
attack "an expired token" "$expired" "$g2_sid"
future=$(mint 1800 600 "$g3_sid")
c=$(claims "$future")
ok "$([ "$(j nbf "$c")" -gt $(($(date +%s) + 500)) ] && [ "$(j iat "$c")" = "$(j nbf "$c")" ]; echo $?)" \
    "a token not valid yet (iat = nbf ten minutes ahead), really signed"
attack "a token not valid yet" "$future" "$g3_sid"

# --- the real grants are still usable --------------------------------------------------------------------------
SRC=127.0.27.5
for g in g1 g2 g3 g4; do
    sid_var=${g}_sid rt_var=${g}_rt
    st=$(post "$TOKEN_URL" -d grant_type=refresh_token -d client_id=cartman-mobile --data-urlencode "refresh_token=${!rt_var}")
    is "$st $(j sid "$(claims "$(j access_token)")")" "200 ${!sid_var}" "grant $g: its refresh token still works afterwards"
    printf -v "${g}_rt" '%s' "$(j refresh_token)"
done
is "$(sql "$DB" "SELECT COUNT(*) FROM ${P}cartman_audit_log WHERE event='token.revoke' AND result='ok' AND object_id IN ('$g1_sid', '$g4_sid')")" \
    "0" "no revocation of the forged tokens' grants was audited"
is "$(sql "$DB" "SELECT COUNT(*) FROM ${P}cartman_audit_log WHERE event='token.revoke' AND result='ok' AND object_id IN ('$g2_sid', '$g3_sid')")" \
    "0" "… nor of the expired and not-yet-valid tokens' grants"

# clean up: the grants (revoked by their refresh tokens), the key, the client
for g in g1 g2 g3 g4; do
    rt_var=${g}_rt
    post "$REVOKE" -d client_id=cartman-mobile -d token_type_hint=refresh_token --data-urlencode "token=${!rt_var}" >/dev/null
done
"$BIN/authd" keys revoke-connection-key "$ckid" >/dev/null 2>&1
"$BIN/authd" clients delete "$ccid" >/dev/null 2>&1
done_testing
