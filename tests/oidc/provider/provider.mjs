// A real OpenID Connect provider (panva's oidc-provider) on loopback, for peeredu's tests.
//
// Started by tests/oidc/conftest.py: PORT is where it listens (the issuer is
// http://127.0.0.1:PORT), REDIRECT_URIS the peeredu callbacks its one client may use
// (comma-separated). It signs with keys of its own, made at start. The accounts are below;
// every password is "secret". Its login page is its own (the interaction below): no consent
// step, the client is first-party.
import { createServer } from 'node:http';
import Provider from 'oidc-provider';

const port = Number(process.env.PORT);
const issuer = `http://127.0.0.1:${port}`;
const redirectUris = (process.env.REDIRECT_URIS || '').split(',').filter(Boolean);
const PASSWORD = 'secret';

// Login name -> claims. `amr` and `acr` are what the provider says about how the person
// signed in.
const ACCOUNTS = {
  'teacher@example.org': { sub: 'sub-teacher', email_verified: true, name: 'Tove Lærer' },
  'mfa@example.org': { sub: 'sub-mfa', email_verified: true, name: 'Mads Faktor', amr: ['pwd', 'mfa'] },
  'unverified@example.org': { sub: 'sub-unverified', email_verified: false, name: 'Ulla Uverificeret' },
  'acr@example.org': { sub: 'sub-acr', email_verified: true, name: 'Agnes Acr', acr: 'urn:test:mfa' },
  'stranger@example.org': { sub: 'sub-stranger', email_verified: true, name: 'Sven Fremmed' },
};
const BY_SUB = Object.fromEntries(
  Object.entries(ACCOUNTS).map(([email, account]) => [account.sub, { email, ...account }]),
);

const provider = new Provider(issuer, {
  clients: [
    {
      client_id: 'peeredu',
      client_secret: 'peeredu-test-secret',
      redirect_uris: redirectUris,
      response_types: ['code'],
      grant_types: ['authorization_code'],
    },
    // Signs its ID tokens with its secret (HS256), which peeredu does not accept.
    {
      client_id: 'peeredu-hs256',
      client_secret: 'peeredu-test-secret-for-hs256-signatures-32b',
      redirect_uris: redirectUris,
      response_types: ['code'],
      grant_types: ['authorization_code'],
      id_token_signed_response_alg: 'HS256',
    },
  ],
  enabledJWA: { idTokenSigningAlgValues: ['RS256', 'HS256'] },
  pkce: { required: () => true },
  acrValues: ['urn:test:mfa'],
  // acr and amr in every ID token (as Entra ID sends amr), not only when asked for by name.
  claims: {
    auth_time: null,
    sid: null,
    iss: null,
    openid: ['sub', 'acr', 'amr'],
    email: ['email', 'email_verified'],
    profile: ['name'],
  },
  // The email claims in the ID token itself (peeredu reads no userinfo).
  conformIdTokenClaims: false,
  features: { devInteractions: { enabled: false } },
  interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
  cookies: { keys: ['peeredu-test-provider-cookie-key'] },
  async findAccount(ctx, id) {
    const account = BY_SUB[id];
    if (!account) return undefined;
    return {
      accountId: id,
      async claims() {
        return { sub: id, email: account.email, email_verified: account.email_verified, name: account.name };
      },
    };
  },
  // First-party client: every scope asked for is granted without a consent page.
  async loadExistingGrant(ctx) {
    const grant = new ctx.oidc.provider.Grant({
      clientId: ctx.oidc.client.clientId,
      accountId: ctx.oidc.session.accountId,
    });
    grant.addOIDCScope('openid email profile');
    await grant.save();
    return grant;
  },
});

function escape(text) {
  return String(text).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function loginPage(uid, message) {
  return `<!doctype html><html lang="da"><head><meta charset="utf-8"><title>Test-IdP: log ind</title></head>
<body><main><h1>Test-IdP</h1>${message ? `<p role="alert">${escape(message)}</p>` : ''}
<form method="post" action="/interaction/${escape(uid)}/login">
<label>Brugernavn <input name="login" autocomplete="username"></label>
<label>Adgangskode <input name="password" type="password" autocomplete="current-password"></label>
<button type="submit">Log ind hos Test-IdP</button></form></main></body></html>`;
}

async function formBody(req) {
  const chunks = [];
  for await (const chunk of req) chunks.push(chunk);
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

provider.use(async (ctx, next) => {
  const match = ctx.path.match(/^\/interaction\/([^/]+)(\/login)?$/);
  if (!match) return next();
  const details = await provider.interactionDetails(ctx.req, ctx.res);
  if (ctx.method === 'GET' && !match[2]) {
    ctx.type = 'html';
    ctx.body = loginPage(details.uid);
    return undefined;
  }
  if (ctx.method === 'POST' && match[2]) {
    const form = await formBody(ctx.req);
    const account = ACCOUNTS[form.get('login')];
    if (!account || form.get('password') !== PASSWORD) {
      ctx.type = 'html';
      ctx.body = loginPage(details.uid, 'Forkert brugernavn eller adgangskode.');
      return undefined;
    }
    const login = { accountId: account.sub };
    if (account.amr) login.amr = account.amr;
    if (account.acr) login.acr = account.acr;
    await provider.interactionFinished(ctx.req, ctx.res, { login }, { mergeWithLastSubmission: false });
    ctx.respond = false;
    return undefined;
  }
  return next();
});

const server = createServer(provider.callback());
server.listen(port, '127.0.0.1', () => {
  console.log(`oidc-provider listening on ${issuer}`);
});
for (const signal of ['SIGTERM', 'SIGINT']) {
  process.on(signal, () => server.close(() => process.exit(0)));
}
