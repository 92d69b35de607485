// tests/node/browser_flow.mjs — "Log in with your store" in a real browser: headless Chromium (Debian's
// chromium, driven by playwright-core) signs in on authd's pages and clicks Approve (then, in a second
// run, Deny); a loopback HTTP server is the app's redirect target (RFC 8252); oauth4webapi builds the
// authorization URL (PKCE S256, state), validates the callback (state, iss per RFC 9207) and exchanges
// the code; jose verifies the access token against the JWKS. Used by tests/integration/31-browser.t.
//
//   node browser_flow.mjs ISSUER AUDIENCE LOGIN PASSWORD SCREENSHOT_DIR
//
// Prints TAP. The CA of the test certificate comes from NODE_EXTRA_CA_CERTS (Chromium ignores HTTPS
// errors instead: it has its own trust store).
import http from 'node:http';
import * as oauth from 'oauth4webapi';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { chromium } from 'playwright-core';

const [issuerArg, audience, login, password, shotDir] = process.argv.slice(2);
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
    ok(false, name, { error: String(e), code: e.code ?? null, cause: e.cause ? String(e.cause) : null });
    return undefined;
  }
};

// the app's loopback redirect target: resolves the next callback URL it receives
let onCallback = null;
const server = http.createServer((req, res) => {
  const u = new URL(req.url, `http://${req.headers.host}`);
  if (u.pathname !== '/callback') {
    res.writeHead(404).end();
    return;
  }
  res.writeHead(200, { 'content-type': 'text/plain' }).end('You can close this window.');
  if (onCallback) onCallback(u);
});
await new Promise((r) => server.listen(0, '127.0.0.1', r));
const redirectUri = `http://127.0.0.1:${server.address().port}/callback`;
const nextCallback = (ms) => new Promise((resolve, reject) => {
  const t = setTimeout(() => reject(new Error('no callback within the time limit')), ms);
  onCallback = (u) => { clearTimeout(t); onCallback = null; resolve(u); };
});

const issuer = new URL(issuerArg);
const client = { client_id: 'cartman-mobile' };
let browser;
try {
  const as = await attempt('discovery', async () =>
    oauth.processDiscoveryResponse(issuer, await oauth.discoveryRequest(issuer, { algorithm: 'oauth2' })));
  browser = await attempt('launch Chromium', () => chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
      '--disable-sync', '--no-first-run', '--disable-dev-shm-usage'],
    timeout: 30000,
  }));
  if (as && browser) {
    ok(as.authorization_response_iss_parameter_supported === true, 'metadata: authorization_response_iss_parameter_supported');
    const jwks = createRemoteJWKSet(new URL(as.jwks_uri));

    // One browser sign-in; returns what the app needs to finish.
    const signIn = async (decision, shots) => {
      const codeVerifier = oauth.generateRandomCodeVerifier();
      const state = oauth.generateRandomState();
      const url = new URL(as.authorization_endpoint);
      url.searchParams.set('response_type', 'code');
      url.searchParams.set('client_id', client.client_id);
      url.searchParams.set('redirect_uri', redirectUri);
      url.searchParams.set('scope', 'orders:read products:read');
      url.searchParams.set('state', state);
      url.searchParams.set('code_challenge', await oauth.calculatePKCECodeChallenge(codeVerifier));
      url.searchParams.set('code_challenge_method', 'S256');
      const context = await browser.newContext({ ignoreHTTPSErrors: true, viewport: { width: 800, height: 900 } });
      try {
        const page = await context.newPage();
        page.setDefaultTimeout(20000);
        const cb = nextCallback(15000);
        await page.goto(url.href);
        ok(await page.isVisible('#login'), `${decision}: the sign-in page is shown`);
        if (shots) await page.screenshot({ path: `${shotDir}/browser-login.png`, fullPage: true });
        await page.fill('#login', login);
        await page.fill('#password', password);
        await Promise.all([page.waitForSelector('button[value=approve]'), page.click('button[type=submit]')]);
        ok((await page.textContent('h1')).includes('wants to access'), `${decision}: after signing in, the consent page`);
        if (shots) await page.screenshot({ path: `${shotDir}/browser-consent.png`, fullPage: true });
        const cookies = await context.cookies();
        const s = cookies.find((c) => c.name === '__Host-cartman_session');
        ok(s && s.secure && s.httpOnly && s.sameSite === 'Lax' && s.path === '/', `${decision}: the session cookie as Chromium stored it`, s);
        await page.click(`button[value=${decision}]`);
        return { callback: await cb, state, codeVerifier };
      } finally {
        await context.close();
      }
    };

    const a = await attempt('approve run', () => signIn('approve', true));
    if (a) {
      ok(a.callback.searchParams.get('iss') === as.issuer, 'the callback carries iss', a.callback.href.replace(/code=[^&]*/, 'code=…'));
      const params = await attempt('validateAuthResponse', () => oauth.validateAuthResponse(as, client, a.callback, a.state));
      if (params) {
        ok(params.get('code')?.length === 43, 'validateAuthResponse accepts the callback (state and iss checked)');
        const tokens = await attempt('code exchange', async () => oauth.processAuthorizationCodeResponse(as, client,
          await oauth.authorizationCodeGrantRequest(as, client, oauth.None(), params, redirectUri, a.codeVerifier)));
        if (tokens) {
          ok(tokens.token_type === 'bearer' && tokens.refresh_token && tokens.scope === 'orders:read products:read',
            'authorizationCodeGrantRequest: tokens for the approved scope', { token_type: tokens.token_type, scope: tokens.scope });
          const v = await attempt('jose verifies the access token', () =>
            jwtVerify(tokens.access_token, jwks, { issuer: as.issuer, audience, typ: 'at+jwt', algorithms: ['ES256'] }));
          if (v) ok(v.protectedHeader.typ === 'at+jwt' && v.payload.client_id === 'cartman-mobile' && typeof v.payload.sid === 'number',
            'jose verifies the access token (ES256, typ at+jwt, iss, aud)', v.payload);
          let replay = false;
          try {
            await oauth.processAuthorizationCodeResponse(as, client,
              await oauth.authorizationCodeGrantRequest(as, client, oauth.None(), params, redirectUri, a.codeVerifier));
          } catch (e) {
            replay = e instanceof oauth.ResponseBodyError && e.error === 'invalid_grant';
          }
          ok(replay, 'the same code a second time: invalid_grant');
        }
      }
    }

    const d = await attempt('deny run', () => signIn('deny', false));
    if (d) {
      let denied = false;
      try {
        await oauth.validateAuthResponse(as, client, d.callback, d.state);
      } catch (e) {
        denied = e instanceof oauth.AuthorizationResponseError && e.error === 'access_denied';
      }
      ok(denied, 'Deny: validateAuthResponse reports access_denied', d.callback.href);
      ok(!d.callback.searchParams.has('code') && d.callback.searchParams.get('iss') === as.issuer,
        'Deny: no code, iss present');
    }
  }
} finally {
  if (browser) await browser.close();
  server.close();
}
console.log(`1..${n}`);
process.exit(failed ? 1 : 0);
