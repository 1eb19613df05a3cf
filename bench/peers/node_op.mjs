// Peer for `make bench`: panva's oidc-provider (npm, v9) in its strongest simple configuration.
// In-memory adapter (the default), ES256 ID tokens from a key made at start, NODE_ENV=production,
// and a custom interaction that logs in and consents in one redirect (no pages).
// Usage: node node_op.mjs PORT PEER_DIR   (PEER_DIR holds node_modules/oidc-provider)
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const [port, peerDir] = [Number(process.argv[2]), process.argv[3]];
const { default: Provider } = await import(
  pathToFileURL(join(peerDir, 'node_modules', 'oidc-provider', 'lib', 'index.js')).href);

const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const jwk = { ...privateKey.export({ format: 'jwk' }), kid: 'bench-es256', use: 'sig', alg: 'ES256' };
const issuer = `http://127.0.0.1:${port}`;
const ACCOUNT = '1234567890121';

const provider = new Provider(issuer, {
  clients: [{
    client_id: 'demo-rp',
    client_secret: 'demo-rp-secret-TEST-ONLY',
    redirect_uris: ['http://127.0.0.1:8080/callback'],
    grant_types: ['authorization_code'],
    response_types: ['code'],
    id_token_signed_response_alg: 'ES256',
  }],
  jwks: { keys: [jwk] },
  cookies: { keys: [randomBytes(32).toString('hex')] },
  claims: { openid: ['sub'], pid: ['pid'], name: ['name'] },
  conformIdTokenClaims: false, // the claims asked for by scope go into the ID token, like the mock's
  findAccount: (ctx, sub) => ({
    accountId: sub,
    claims: () => ({ sub, pid: sub, name: 'ทดสอบ ระบบ' }),
  }),
  features: { devInteractions: { enabled: false } },
  ttl: { AccessToken: 3600, AuthorizationCode: 60, IdToken: 3600, Interaction: 600, Session: 3600, Grant: 3600 },
  interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
});
provider.proxy = false;

// The one-step interaction: log in as ACCOUNT and grant what was asked, then resume.
provider.use(async (ctx, next) => {
  if (ctx.method !== 'GET' || !ctx.path.startsWith('/interaction/')) return next();
  const details = await provider.interactionDetails(ctx.req, ctx.res);
  const { params } = details;
  const grant = new provider.Grant({ accountId: ACCOUNT, clientId: params.client_id });
  grant.addOIDCScope(params.scope);
  const grantId = await grant.save();
  ctx.respond = false;
  await provider.interactionFinished(ctx.req, ctx.res, {
    login: { accountId: ACCOUNT }, consent: { grantId },
  }, { mergeWithLastSubmission: false });
});

provider.listen(port, '127.0.0.1', () => console.log(`node oidc-provider: serving ${issuer}`));
