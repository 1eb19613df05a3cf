#!/usr/bin/env node
// A third-party OpenID Provider for the rp_client tests: panva's oidc-provider (OpenID
// Certified, written by nobody on this team), with one static client, ThaiD-like claims
// and a headless login: GET /interaction/<uid> shows a one-field form, POST it with
// login=<pid>; consent is granted automatically.
//
//   node tests/rp_client/node_op/server.mjs      (prints "oidc-provider: serving <issuer>")
//
// Install once with: npm ci --prefix tests/rp_client/node_op
// TEST-ONLY: the signing key is generated at start, the client secret is public.
import http from 'node:http';
import { generateKeyPairSync, randomUUID } from 'node:crypto';

let Provider;
try {
  ({ default: Provider } = await import('oidc-provider'));
} catch (err) {
  process.stderr.write(`oidc-provider is not installed (${err.code || err.message}): run \`npm ci --prefix tests/rp_client/node_op\`\n`);
  process.exit(3);
}

export const CLIENT = {
  client_id: 'rp-client-test',
  client_secret: 'rp-client-test-secret-TEST-ONLY',
  redirect_uris: ['http://127.0.0.1:5001/auth/thaid/callback'],
  grant_types: ['authorization_code', 'refresh_token'],
  response_types: ['code'],
  token_endpoint_auth_method: 'client_secret_basic',
  id_token_signed_response_alg: 'ES256',
};

// Synthetic people (the same demo PID as the mock; nobody real).
const ACCOUNTS = {
  '1234567890121': {
    pid: '1234567890121', name: 'นาย ทดสอบ ระบบ', name_en: 'Mr. Test System', title: 'นาย', title_en: 'Mr.',
    given_name: 'ทดสอบ', family_name: 'ระบบ', given_name_en: 'Test', family_name_en: 'System',
    birthdate: '1990-01-01', gender: 'male', address: { formatted: '1 หมู่ 1 ต.ระแหง อ.เมืองตาก จ.ตาก 63000' },
  },
};

const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const signingKey = { ...privateKey.export({ format: 'jwk' }), kid: `op-test-${randomUUID().slice(0, 8)}`, alg: 'ES256', use: 'sig' };

const configuration = {
  clients: [CLIENT],
  jwks: { keys: [signingKey] },
  claims: {
    openid: ['sub'], pid: ['pid'], name: ['name'], name_en: ['name_en'], title: ['title'], title_en: ['title_en'],
    given_name: ['given_name', 'family_name'], given_name_en: ['given_name_en', 'family_name_en'],
    birthdate: ['birthdate'], gender: ['gender'], address: ['address'],
  },
  conformIdTokenClaims: false, // put the scope's claims in the ID token, as ThaiD does
  features: { devInteractions: { enabled: false }, revocation: { enabled: true }, introspection: { enabled: true } },
  async findAccount(ctx, id) {
    const person = ACCOUNTS[id];
    if (!person) return undefined;
    return { accountId: id, async claims() { return { sub: id, ...person }; } };
  },
  async issueRefreshToken(ctx, client) { return client.grantTypeAllowed('refresh_token'); },
  interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
  cookies: { keys: ['rp-client-tests-cookie-key-TEST-ONLY'] },
  ttl: { AccessToken: 900, IdToken: 900, AuthorizationCode: 300, RefreshToken: 86400, Interaction: 600, Session: 3600, Grant: 3600 },
};

let provider;

function page(res, status, body) {
  res.writeHead(status, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
  res.end(`<!doctype html><html><body>${body}</body></html>`);
}

async function readForm(req) {
  let raw = '';
  for await (const chunk of req) raw += chunk;
  return new URLSearchParams(raw);
}

async function interaction(req, res, uid) {
  const details = await provider.interactionDetails(req, res);
  const { prompt, params, session } = details;
  if (req.method === 'POST') {
    const login = (await readForm(req)).get('login') || '';
    if (!ACCOUNTS[login]) return page(res, 400, `<p>unknown person ${login.replace(/[^0-9]/g, '')}</p>`);
    return provider.interactionFinished(req, res, { login: { accountId: login } }, { mergeWithLastSubmission: false });
  }
  if (prompt.name === 'login') {
    return page(res, 200, `<form method="post" action="/interaction/${uid}">
      <label>เลขประจำตัวประชาชน <input name="login" value="1234567890121"></label><button>ยืนยัน</button></form>`);
  }
  // consent: granted at once
  const grant = details.grantId ? await provider.Grant.find(details.grantId)
    : new provider.Grant({ accountId: session.accountId, clientId: params.client_id });
  const d = prompt.details;
  if (d.missingOIDCScope) grant.addOIDCScope(d.missingOIDCScope.join(' '));
  if (d.missingOIDCClaims) grant.addOIDCClaims(d.missingOIDCClaims);
  for (const [indicator, scopes] of Object.entries(d.missingResourceScopes || {})) grant.addResourceScope(indicator, scopes.join(' '));
  const grantId = await grant.save();
  return provider.interactionFinished(req, res, { consent: { grantId } }, { mergeWithLastSubmission: true });
}

const server = http.createServer((req, res) => {
  const match = /^\/interaction\/([A-Za-z0-9_-]+)$/.exec(new URL(req.url, 'http://x').pathname);
  if (!match) return handler(req, res);
  interaction(req, res, match[1]).catch((err) => page(res, 500, `<pre>${String(err).replace(/</g, '&lt;')}</pre>`));
});
let handler;
server.listen(0, '127.0.0.1', () => {
  const issuer = `http://127.0.0.1:${server.address().port}`;
  provider = new Provider(issuer, configuration);
  provider.on('server_error', (ctx, err) => process.stderr.write(`server_error: ${err.stack}\n`));
  handler = provider.callback();
  process.stdout.write(`oidc-provider: serving ${issuer}\n`);
});
for (const sig of ['SIGTERM', 'SIGINT']) process.on(sig, () => { server.close(); process.exit(0); });
