#!/usr/bin/env node
// Drive the ThaiD mock with panva's openid-client (OpenID-certified, written by nobody on
// this team) and print ONE line of JSON describing what happened.
//
//   node tests/node/oidc_flow.mjs <mock base URL> [options]
//
// Options (all optional):
//   --client-id ID          default demo-rp
//   --client-secret SECRET  default demo-rp-secret-TEST-ONLY
//   --redirect-uri URI      default http://127.0.0.1:8080/callback
//   --persona PID           sent as X-Mock-Persona on the authorize request (headless login)
//   --scope "openid pid"    default "openid pid name"
//   --auth basic|post       client authentication; default basic (openid-client's own default is post)
//   --api-key KEY           sent as x-imauth-apikey on every request to the mock
//   --tamper MODE           none | nonce | state | pkce | signature | secret
//                             nonce:     expect a different nonce than the one sent
//                             state:     expect a different state than the one sent
//                             pkce:      send another code_verifier at the token endpoint
//                             signature: flip a byte of the ID token signature in transit
//                             secret:    authenticate with a wrong client secret
//
// Exit codes: 0 the whole flow succeeded; 1 a step failed (the JSON line carries `failed_step`
// and `error` with openid-client's `code`; the message also goes to stderr); 2 bad usage.
// Negative checks inside a successful flow (refresh-token reuse, use after revocation) are
// reported, not fatal: the Python test decides what they must be.
import { parseArgs } from 'node:util';

let client;
try {
  client = await import('openid-client');
} catch (err) {
  const msg = `openid-client is not installed (${err.code || err.message}): run \`npm ci --prefix tests/node\``;
  process.stdout.write(JSON.stringify({ ok: false, failed_step: 'import', error: { code: 'ERR_MODULE_NOT_FOUND', message: msg } }) + '\n');
  process.stderr.write(msg + '\n');
  process.exit(1);
}

const TAMPER_MODES = ['none', 'nonce', 'state', 'pkce', 'signature', 'secret'];

function usage(message) {
  process.stderr.write(`${message}\nusage: node oidc_flow.mjs <base-url> [--client-id ID] [--client-secret S] `
    + `[--redirect-uri URI] [--persona PID] [--scope S] [--auth basic|post] [--api-key K] [--tamper ${TAMPER_MODES.join('|')}]\n`);
  process.exit(2);
}

let args;
try {
  args = parseArgs({
    allowPositionals: true,
    options: {
      'client-id': { type: 'string', default: 'demo-rp' },
      'client-secret': { type: 'string', default: 'demo-rp-secret-TEST-ONLY' },
      'redirect-uri': { type: 'string', default: 'http://127.0.0.1:8080/callback' },
      persona: { type: 'string', default: '1234567890121' },
      scope: { type: 'string', default: 'openid pid name' },
      auth: { type: 'string', default: 'basic' },
      'api-key': { type: 'string' },
      tamper: { type: 'string', default: 'none' },
    },
  });
} catch (err) {
  usage(err.message);
}
const opt = args.values;
if (args.positionals.length !== 1) usage('exactly one base URL is required');
if (!TAMPER_MODES.includes(opt.tamper)) usage(`unknown --tamper ${opt.tamper}`);
if (!['basic', 'post'].includes(opt.auth)) usage(`unknown --auth ${opt.auth}`);
const base = new URL(args.positionals[0]);
const tamper = opt.tamper;

const result = { ok: false, mode: tamper, issuer: null, steps: [], checks: {} };
let step = 'start';

function done(code) {
  process.stdout.write(JSON.stringify(result) + '\n');
  process.exit(code);
}

function describeError(err) {
  const out = { name: err?.name, code: err?.code, message: err?.message };
  // ResponseBodyError / AuthorizationResponseError / WWWAuthenticateChallengeError
  if (err?.error !== undefined) out.error = err.error;
  if (err?.error_description !== undefined) out.error_description = err.error_description;
  if (err?.status !== undefined) out.status = err.status;
  if (err?.cause instanceof Error) out.cause = { name: err.cause.name, code: err.cause.code, message: err.cause.message };
  else if (err?.cause?.error) out.cause = { error: err.cause.error, error_description: err.cause.error_description };
  return out;
}

// Every request to the mock goes through here: adds the API key, and for
// --tamper signature corrupts the ID token in token-endpoint responses.
let tokenEndpoint = null;
async function mockFetch(url, init) {
  const headers = new Headers(init?.headers);
  if (opt['api-key']) headers.set('x-imauth-apikey', opt['api-key']);
  const response = await fetch(url, { ...init, headers });
  if (tamper !== 'signature' || !tokenEndpoint || String(url) !== tokenEndpoint || response.status !== 200) {
    return response;
  }
  const body = await response.json();
  if (typeof body.id_token === 'string') {
    const [h, p, s] = body.id_token.split('.');
    const flipped = (s[5] === 'A' ? 'B' : 'A');
    body.id_token = `${h}.${p}.${s.slice(0, 5)}${flipped}${s.slice(6)}`;
  }
  return new Response(JSON.stringify(body), { status: response.status, headers: response.headers });
}

async function run(name, fn) {
  step = name;
  const value = await fn();
  result.steps.push(name);
  return value;
}

// A step expected to be refused: record how, never throw.
async function refused(name, fn) {
  try {
    const value = await fn();
    result.checks[name] = { refused: false, value };
  } catch (err) {
    result.checks[name] = { refused: true, ...describeError(err) };
  }
}

try {
  const secret = tamper === 'secret' ? `${opt['client-secret']}-WRONG` : opt['client-secret'];
  const clientAuth = opt.auth === 'basic' ? client.ClientSecretBasic(secret) : client.ClientSecretPost(secret);

  let config = await run('discovery', () => client.discovery(base, opt['client-id'], undefined, clientAuth, {
    execute: [client.allowInsecureRequests, client.enableNonRepudiationChecks],
    [client.customFetch]: mockFetch,
  }));
  if (!config.serverMetadata().introspection_endpoint) {
    // ThaiD does not advertise introspection: add its documented path, as a real RP must.
    const m = config.serverMetadata();
    config = new client.Configuration({ ...m, introspection_endpoint: `${m.issuer}/api/v2/oauth2/introspect/` },
                                      opt['client-id'], undefined, clientAuth);
    client.allowInsecureRequests(config);
    client.enableNonRepudiationChecks(config);
    config[client.customFetch] = mockFetch;
  }
  const meta = config.serverMetadata();
  tokenEndpoint = meta.token_endpoint;
  result.issuer = meta.issuer;
  result.discovery = {
    issuer: meta.issuer,
    token_endpoint: meta.token_endpoint,
    jwks_uri: meta.jwks_uri,
    code_challenge_methods_supported: meta.code_challenge_methods_supported ?? null,
    supportsPKCE: config.serverMetadata().supportsPKCE(),
  };

  const codeVerifier = client.randomPKCECodeVerifier();
  const codeChallenge = await client.calculatePKCECodeChallenge(codeVerifier);
  const state = client.randomState();
  const nonce = client.randomNonce();
  const authorizeUrl = await run('build_authorization_url', () => client.buildAuthorizationUrl(config, {
    redirect_uri: opt['redirect-uri'],
    scope: opt.scope,
    code_challenge: codeChallenge,
    code_challenge_method: 'S256',
    state,
    nonce,
  }));

  const location = await run('authorize', async () => {
    const headers = { 'X-Mock-Persona': opt.persona };
    if (opt['api-key']) headers['x-imauth-apikey'] = opt['api-key'];
    const resp = await fetch(authorizeUrl, { headers, redirect: 'manual' });
    const loc = resp.headers.get('location');
    if (resp.status !== 302 || !loc) {
      const text = (await resp.text()).slice(0, 300);
      throw Object.assign(new Error(`authorize answered ${resp.status} without a redirect: ${text}`), { code: 'MOCK_NO_REDIRECT', status: resp.status });
    }
    return loc;
  });
  result.callback = location;

  const openid = opt.scope.split(/\s+/).includes('openid');
  const tokens = await run('authorization_code_grant', () => client.authorizationCodeGrant(config, new URL(location), {
    pkceCodeVerifier: tamper === 'pkce' ? client.randomPKCECodeVerifier() : codeVerifier,
    expectedState: tamper === 'state' ? client.randomState() : state,
    expectedNonce: tamper === 'nonce' ? client.randomNonce() : (openid ? nonce : undefined),
    idTokenExpected: openid,
  }));
  const claims = tokens.claims() ?? null;
  result.claims = claims;
  result.token = {
    token_type: tokens.token_type,
    scope: tokens.scope,
    expires_in: tokens.expires_in, // raw value: ThaiD sends an absolute Unix time here
    expiresIn: tokens.expiresIn(), // openid-client's reading of it (a duration)
    has_id_token: typeof tokens.id_token === 'string',
    id_token_header: tokens.id_token ? JSON.parse(Buffer.from(tokens.id_token.split('.')[0], 'base64url')) : null,
    // flat claims (the shape without openid)
    extra: Object.fromEntries(Object.entries(tokens).filter(([k]) => ![
      'access_token', 'refresh_token', 'id_token', 'token_type', 'expires_in', 'scope'].includes(k))),
  };

  const expectedSub = claims?.sub ?? tokens.pid ?? opt.persona;
  result.userinfo = await run('userinfo', () => client.fetchUserInfo(config, tokens.access_token, expectedSub));

  const refreshed = await run('refresh_token_grant', () => client.refreshTokenGrant(config, tokens.refresh_token));
  result.refresh = {
    new_access_token_differs: refreshed.access_token !== tokens.access_token,
    new_refresh_token_differs: typeof refreshed.refresh_token === 'string' && refreshed.refresh_token !== tokens.refresh_token,
    claims: refreshed.claims() ?? null,
  };
  await refused('refresh_reuse', () => client.refreshTokenGrant(config, tokens.refresh_token).then(() => 'accepted'));

  result.introspection = await run('introspection', () => client.tokenIntrospection(config, refreshed.access_token));
  await run('revocation', () => client.tokenRevocation(config, refreshed.access_token));
  result.introspection_after_revoke = await run('introspection_after_revoke',
    () => client.tokenIntrospection(config, refreshed.access_token));
  await refused('userinfo_after_revoke', () => client.fetchUserInfo(config, refreshed.access_token, expectedSub));

  if (config.serverMetadata().end_session_endpoint) {
    // RP-initiated logout, the library's own way (the oidc profile advertises it; ThaiD has none).
    result.logout = await run('end_session', async () => {
      const url = client.buildEndSessionUrl(config, {
        id_token_hint: refreshed.id_token ?? tokens.id_token, post_logout_redirect_uri: opt['redirect-uri'], state: 'bye',
      });
      const resp = await fetch(url, { redirect: 'manual' });
      return { status: resp.status, location: resp.headers.get('location') };
    });
  }

  result.ok = true;
  done(0);
} catch (err) {
  result.ok = false;
  result.failed_step = step;
  result.error = describeError(err);
  process.stderr.write(`openid-client flow failed at ${step}: ${err?.code ?? ''} ${err?.message ?? err}`
    + `${err?.cause?.message ? ` (${err.cause.message})` : ''}\n`);
  done(1);
}
