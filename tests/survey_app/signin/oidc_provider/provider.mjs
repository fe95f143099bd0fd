// A real OpenID Connect provider for the sign-in tests: the certified `oidc-provider`
// package, on 127.0.0.1 only, with its own development login and consent pages.
//
// Configured by the environment (tests/survey_app/signin/oidc_provider/__init__.py sets it):
//   OP_PORT      the loopback port to listen on
//   OP_CLIENTS   JSON list of {client_id, client_secret, redirect_uris}
//   OP_ACCOUNTS_FILE  a JSON file: login -> {email, email_verified, given_name, family_name},
//                     read at every sign-in (a test changes a person's email by rewriting it)
// Prints one line "ready <issuer>" on stdout once it listens. Every signing key is made
// at start-up and lives only in this process.
import { generateKeyPairSync } from 'node:crypto';
import { readFileSync } from 'node:fs';

import Provider from 'oidc-provider';

const port = Number(process.env.OP_PORT);
const clients = JSON.parse(process.env.OP_CLIENTS || '[]');
const accounts = () => JSON.parse(readFileSync(process.env.OP_ACCOUNTS_FILE, 'utf8'));
const issuer = `http://127.0.0.1:${port}`;

const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const signing = { ...privateKey.export({ format: 'jwk' }), kid: 'test-key-1', use: 'sig', alg: 'RS256' };

const configuration = {
  clients: clients.map((c) => ({
    client_id: c.client_id,
    client_secret: c.client_secret,
    redirect_uris: c.redirect_uris,
    grant_types: ['authorization_code'],
    response_types: ['code'],
    token_endpoint_auth_method: 'client_secret_basic',
  })),
  // Every client must send a PKCE challenge (S256 is the only method this package takes).
  pkce: { required: () => true },
  // Email claims in the ID token too (as Google puts them), not only at userinfo.
  conformIdTokenClaims: false,
  claims: {
    openid: ['sub'],
    email: ['email', 'email_verified'],
    profile: ['given_name', 'family_name', 'name'],
  },
  async findAccount(ctx, id) {
    const person = accounts()[id];
    if (!person) return undefined;
    return {
      accountId: id,
      async claims() {
        return {
          sub: id,
          email: person.email,
          email_verified: person.email_verified,
          given_name: person.given_name,
          family_name: person.family_name,
          name: `${person.given_name} ${person.family_name}`,
        };
      },
    };
  },
  jwks: { keys: [signing] },
  cookies: { keys: ['test-only-cookie-key-0123456789abcdef'] },
  features: { devInteractions: { enabled: true } },
  ttl: { IdToken: 3600, AccessToken: 3600, AuthorizationCode: 60, Interaction: 600, Session: 600, Grant: 600 },
};

const provider = new Provider(issuer, configuration);
provider.on('server_error', (ctx, err) => console.error('server_error', err));

const server = provider.listen(port, '127.0.0.1', () => {
  console.log(`ready ${issuer}`);
});

const stop = () => server.close(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
