import { createHash, createSign, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * An OpenID Connect provider for tests, speaking the real protocol over HTTP: discovery, an
 * authorization endpoint that signs in `user` at once (as if they had logged in at the
 * provider), a token endpoint that checks the client secret and the PKCE verifier, and a JWKS.
 * `tamper` makes the next ID tokens wrong in one way, to see the hub refuse them.
 */
export interface OidcProviderDouble {
  issuer: string;
  /** Who is logged in at the provider. */
  user: string;
  tamper: null | 'signature' | 'nonce' | 'audience' | 'expired' | 'issuer';
  /** Token requests that failed the provider's own checks, with the reason. */
  refused: string[];
  close(): Promise<void>;
}

interface Grant {
  nonce: string;
  challenge: string;
  redirectUri: string;
  user: string;
}

export async function startOidcProvider(client: {
  id: string;
  secret: string;
}): Promise<OidcProviderDouble> {
  const keys = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const other = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const jwk = { ...keys.publicKey.export({ format: 'jwk' }), kid: 'k1', use: 'sig', alg: 'RS256' };
  const grants = new Map<string, Grant>();
  let counter = 0;
  const state: OidcProviderDouble = {
    issuer: '',
    user: 'nobody',
    tamper: null,
    refused: [],
    close: async () => {},
  };

  const sign = (claims: Record<string, unknown>, key: KeyObject) => {
    const part = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
    const input = `${part({ alg: 'RS256', kid: 'k1', typ: 'JWT' })}.${part(claims)}`;
    const signature = createSign('sha256').update(input).sign(key).toString('base64url');
    return `${input}.${signature}`;
  };

  const json = (res: ServerResponse, status: number, body: object) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  };

  const token = (req: IncomingMessage, res: ServerResponse, body: string) => {
    const form = new URLSearchParams(body);
    const refuse = (why: string) => {
      state.refused.push(why);
      json(res, 400, { error: 'invalid_grant', error_description: why });
    };
    const basic = Buffer.from(`${client.id}:${client.secret}`).toString('base64');
    if (req.headers.authorization !== `Basic ${basic}`) return refuse('client authentication');
    const grant = grants.get(form.get('code') ?? '');
    if (!grant) return refuse('unknown code');
    grants.delete(form.get('code') ?? '');
    const verifier = form.get('code_verifier') ?? '';
    if (createHash('sha256').update(verifier).digest('base64url') !== grant.challenge)
      return refuse('PKCE verifier');
    if (form.get('redirect_uri') !== grant.redirectUri) return refuse('redirect_uri');
    const now = Math.floor(Date.now() / 1000);
    const t = state.tamper;
    const claims = {
      iss: t === 'issuer' ? `${state.issuer}/other` : state.issuer,
      sub: `sub-${grant.user}`,
      aud: t === 'audience' ? 'another-client' : client.id,
      iat: now,
      exp: t === 'expired' ? now - 3600 : now + 300,
      nonce: t === 'nonce' ? 'not-the-nonce' : grant.nonce,
      preferred_username: grant.user,
      name: grant.user,
    };
    json(res, 200, {
      access_token: 'at',
      token_type: 'Bearer',
      expires_in: 300,
      id_token: sign(claims, t === 'signature' ? other.privateKey : keys.privateKey),
    });
  };

  const server = createServer((req, res) => {
    const parts: Buffer[] = [];
    req.on('data', (c: Buffer) => parts.push(c));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', state.issuer);
      if (url.pathname === '/.well-known/openid-configuration')
        return json(res, 200, {
          issuer: state.issuer,
          authorization_endpoint: `${state.issuer}/authorize`,
          token_endpoint: `${state.issuer}/token`,
          jwks_uri: `${state.issuer}/jwks`,
          response_types_supported: ['code'],
          id_token_signing_alg_values_supported: ['RS256'],
        });
      if (url.pathname === '/jwks') return json(res, 200, { keys: [jwk] });
      if (url.pathname === '/authorize') {
        const q = url.searchParams;
        if (q.get('client_id') !== client.id || q.get('code_challenge_method') !== 'S256')
          return json(res, 400, { error: 'invalid_request' });
        const code = `code-${++counter}`;
        const redirectUri = q.get('redirect_uri') ?? '';
        grants.set(code, {
          nonce: q.get('nonce') ?? '',
          challenge: q.get('code_challenge') ?? '',
          redirectUri,
          user: state.user,
        });
        const back = new URL(redirectUri);
        back.searchParams.set('code', code);
        back.searchParams.set('state', q.get('state') ?? '');
        res.writeHead(302, { location: back.toString() });
        return res.end();
      }
      if (url.pathname === '/token' && req.method === 'POST')
        return token(req, res, Buffer.concat(parts).toString('utf8'));
      json(res, 404, { error: 'not_found' });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  state.issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  state.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return state;
}
