// tests/node/oauth_client.mjs — a real OAuth client library (oauth4webapi) against authd, and an
// independent JOSE library (jose) verifying what it gets. Used by tests/integration/26-oauth-client.t.
//
//   node oauth_client.mjs ISSUER AUDIENCE CONNECTION_KEY
//
// Prints TAP. Discovery from /.well-known/oauth-authorization-server, client_credentials with the
// connection key (client_secret_basic), refresh_token (public client, no client authentication),
// revocation; every access token verified with jose against the JWKS the metadata names.
// The CA of the test certificate comes from NODE_EXTRA_CA_CERTS.
import * as oauth from 'oauth4webapi';
import { createRemoteJWKSet, jwtVerify } from 'jose';

const [issuerArg, audience, key] = process.argv.slice(2);
let n = 0;
let failed = 0;
const ok = (cond, name, diag) => {
  n++;
  if (!cond) failed++;
  console.log(`${cond ? 'ok' : 'not ok'} ${n} - ${name}`);
  if (!cond && diag !== undefined) console.log(`# ${JSON.stringify(diag)}`);
};
const attempt = async (name, fn) => {
  try {
    return await fn();
  } catch (e) {
    ok(false, name, { error: String(e), cause: e.cause ?? null, code: e.code ?? null });
    return undefined;
  }
};

const issuer = new URL(issuerArg);
const as = await attempt('discovery', async () =>
  oauth.processDiscoveryResponse(issuer, await oauth.discoveryRequest(issuer, { algorithm: 'oauth2' })));
if (as) {
  ok(true, 'discovery: RFC 8414 metadata accepted by oauth4webapi');
  ok(as.grant_types_supported?.includes('client_credentials') && as.grant_types_supported?.includes('refresh_token'),
    'metadata lists client_credentials and refresh_token', as.grant_types_supported);
  const client = { client_id: 'cartman-mobile' };
  const jwks = createRemoteJWKSet(new URL(as.jwks_uri));
  const verify = async (at) => (await jwtVerify(at, jwks, { issuer: as.issuer, audience, typ: 'at+jwt', algorithms: ['ES256'] })).payload;

  const cc = await attempt('client_credentials', async () => oauth.processClientCredentialsResponse(as, client,
    await oauth.clientCredentialsGrantRequest(as, client, oauth.ClientSecretBasic(key), new URLSearchParams({ scope: 'orders:read reports:read' }))));
  if (cc) {
    ok(cc.token_type === 'bearer' && cc.expires_in === 900, 'clientCredentialsGrantRequest: a Bearer token for 900 s', cc);
    ok(cc.scope === 'orders:read reports:read', 'the requested scope', cc.scope);
    const p1 = await attempt('jose verifies the client_credentials access token', () => verify(cc.access_token));
    if (p1) ok(p1.client_id === 'cartman-mobile' && typeof p1.sid === 'number', 'jose verifies the access token (ES256, at+jwt, iss, aud)', p1);

    const rt = await attempt('refresh', async () => oauth.processRefreshTokenResponse(as, client,
      await oauth.refreshTokenGrantRequest(as, client, oauth.None(), cc.refresh_token)));
    if (rt) {
      ok(rt.refresh_token && rt.refresh_token !== cc.refresh_token, 'refreshTokenGrantRequest rotates the refresh token');
      const p2 = await attempt('jose verifies the refreshed access token', () => verify(rt.access_token));
      if (p2) ok(p2.sid === p1?.sid && p2.sub === p1?.sub, 'the refreshed token carries the same grant (sid) and user', p2);

      const rv = await attempt('revocation', async () => oauth.processRevocationResponse(
        await oauth.revocationRequest(as, client, oauth.None(), rt.refresh_token)));
      ok(rv === undefined, 'revocationRequest succeeds');
      let refused = false;
      try {
        await oauth.processRefreshTokenResponse(as, client,
          await oauth.refreshTokenGrantRequest(as, client, oauth.None(), rt.refresh_token));
      } catch (e) {
        refused = e instanceof oauth.ResponseBodyError && e.error === 'invalid_grant';
      }
      ok(refused, 'the revoked refresh token is refused with invalid_grant');
    }
  }
  let bad = false;
  try {
    await oauth.processClientCredentialsResponse(as, client,
      await oauth.clientCredentialsGrantRequest(as, client, oauth.ClientSecretBasic(key.slice(0, -1) + (key.endsWith('A') ? 'B' : 'A')), new URLSearchParams()));
  } catch (e) {
    // a 401 with WWW-Authenticate surfaces as the challenge; the JSON body is still an OAuth error
    bad = (e instanceof oauth.ResponseBodyError && e.error === 'invalid_client' && e.status === 401) ||
      (e instanceof oauth.WWWAuthenticateChallengeError && e.status === 401 &&
        (await e.response.json()).error === 'invalid_client');
  }
  ok(bad, 'a wrong connection key: invalid_client 401');
}
console.log(`1..${n}`);
process.exit(failed ? 1 : 0);
