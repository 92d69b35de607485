// tests/node/verify_token.mjs — verifies access tokens with an independent JOSE library (jose) against
// authd's live JWKS, as a resource server would. Used by tests/integration/20-discovery.t.
//
//   node verify_token.mjs JWKS_URL ISSUER AUDIENCE TOKEN...
//
// Prints one JSON line per token: {"ok":true,"kid":…,"payload":{…}} or {"ok":false,"code":…}, then a
// line {"thumbprints_match":bool,"kids":[…]} comparing each JWKS kid with jose's RFC 7638 thumbprint.
// The CA of the test certificate comes from NODE_EXTRA_CA_CERTS.
import { calculateJwkThumbprint, createRemoteJWKSet, jwtVerify } from 'jose';

const [jwksUrl, issuer, audience, ...tokens] = process.argv.slice(2);
const jwks = createRemoteJWKSet(new URL(jwksUrl), { cacheMaxAge: 0, cooldownDuration: 0 });

for (const token of tokens) {
  try {
    const { payload, protectedHeader } = await jwtVerify(token, jwks, {
      issuer, audience, typ: 'at+jwt', algorithms: ['ES256'], requiredClaims: ['exp', 'iat', 'jti', 'sub', 'client_id'],
    });
    console.log(JSON.stringify({ ok: true, kid: protectedHeader.kid, typ: protectedHeader.typ, payload }));
  } catch (e) {
    console.log(JSON.stringify({ ok: false, code: e.code || String(e) }));
  }
}

const res = await fetch(jwksUrl);
const set = await res.json();
const kids = [];
let match = set.keys.length > 0;
for (const k of set.keys) {
  const t = await calculateJwkThumbprint({ kty: k.kty, crv: k.crv, x: k.x, y: k.y }, 'sha256');
  kids.push(k.kid);
  if (t !== k.kid) match = false;
}
console.log(JSON.stringify({ thumbprints_match: match, kids }));
