import {
  constants,
  createHash,
  createPublicKey,
  randomBytes,
  verify,
  type JsonWebKey,
} from 'node:crypto';
import { request } from 'undici';

/**
 * An OpenID Connect relying party for console login (authorization-code flow with PKCE and a
 * nonce). It only establishes who is logging in: the ID token's signature (against the
 * provider's published keys), issuer, audience, expiry and nonce are all checked before its
 * username claim is believed.
 */

export interface OidcSettings {
  issuer: string;
  clientId: string;
  clientSecret: string | null;
  redirectUrl: string;
  scopes: string;
  usernameClaim: string;
}

interface Discovery {
  issuer: string;
  authorization_endpoint: string;
  token_endpoint: string;
  jwks_uri: string;
}

/** A login that failed at the provider or in checking what it said; `code` goes to the console. */
export class OidcError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'OidcError';
  }
}

/** What the login start hands to the callback (kept sealed in a cookie meanwhile). */
export interface PendingLogin {
  state: string;
  nonce: string;
  verifier: string;
  /** ms since the epoch. */
  at: number;
}

const TIMEOUT_MS = 10_000;
/** Clock difference tolerated between the hub and the provider. */
const SKEW_S = 60;
const b64url = (buf: Buffer) => buf.toString('base64url');

async function getJson(url: string, init?: Parameters<typeof request>[1]): Promise<unknown> {
  const res = await request(url, {
    ...init,
    headersTimeout: TIMEOUT_MS,
    bodyTimeout: TIMEOUT_MS,
  }).catch(() => {
    throw new OidcError(
      'provider_unreachable',
      `The identity provider at ${url} cannot be reached.`,
    );
  });
  const text = await res.body.text();
  if (res.statusCode >= 400)
    throw new OidcError(
      'provider_error',
      `The identity provider answered HTTP ${res.statusCode} at ${new URL(url).pathname}.`,
    );
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new OidcError('provider_error', 'The identity provider sent something other than JSON.');
  }
}

export class OidcClient {
  private discovery: Promise<Discovery> | null = null;
  private keys: JsonWebKey[] | null = null;

  constructor(readonly settings: OidcSettings) {}

  /** The provider's endpoints, read once (and again after a failure). */
  private discover(): Promise<Discovery> {
    this.discovery ??= (async () => {
      const url = `${this.settings.issuer.replace(/\/$/, '')}/.well-known/openid-configuration`;
      const d = (await getJson(url)) as Partial<Discovery>;
      if (!d.authorization_endpoint || !d.token_endpoint || !d.jwks_uri || !d.issuer)
        throw new OidcError('provider_error', 'The provider’s discovery document is incomplete.');
      if (d.issuer !== this.settings.issuer)
        throw new OidcError(
          'provider_error',
          `The provider calls itself ${d.issuer}, not the configured ${this.settings.issuer}.`,
        );
      return d as Discovery;
    })().catch((err: unknown) => {
      this.discovery = null;
      throw err;
    });
    return this.discovery;
  }

  /** Where to send the browser, and what the callback must find again. */
  async start(): Promise<{ url: string; pending: PendingLogin }> {
    const d = await this.discover();
    const pending: PendingLogin = {
      state: b64url(randomBytes(24)),
      nonce: b64url(randomBytes(24)),
      verifier: b64url(randomBytes(32)),
      at: Date.now(),
    };
    const url = new URL(d.authorization_endpoint);
    url.search = new URLSearchParams({
      response_type: 'code',
      client_id: this.settings.clientId,
      redirect_uri: this.settings.redirectUrl,
      scope: this.settings.scopes,
      state: pending.state,
      nonce: pending.nonce,
      code_challenge: b64url(createHash('sha256').update(pending.verifier).digest()),
      code_challenge_method: 'S256',
    }).toString();
    return { url: url.toString(), pending };
  }

  /** Exchange the code for an ID token, check it, and return the username it vouches for. */
  async finish(code: string, pending: PendingLogin): Promise<string> {
    const d = await this.discover();
    const form = new URLSearchParams({
      grant_type: 'authorization_code',
      code,
      redirect_uri: this.settings.redirectUrl,
      code_verifier: pending.verifier,
      client_id: this.settings.clientId,
    });
    const headers: Record<string, string> = {
      'content-type': 'application/x-www-form-urlencoded',
      accept: 'application/json',
    };
    if (this.settings.clientSecret) {
      const basic = `${encodeURIComponent(this.settings.clientId)}:${encodeURIComponent(this.settings.clientSecret)}`;
      headers.authorization = `Basic ${Buffer.from(basic).toString('base64')}`;
    }
    const tokens = (await getJson(d.token_endpoint, {
      method: 'POST',
      headers,
      body: form.toString(),
    })) as { id_token?: unknown };
    if (typeof tokens.id_token !== 'string')
      throw new OidcError('invalid_id_token', 'The provider returned no ID token.');
    const claims = await this.verifyIdToken(tokens.id_token, pending.nonce, d);
    const username = claims[this.settings.usernameClaim];
    if (typeof username !== 'string' || !username)
      throw new OidcError(
        'invalid_id_token',
        `The ID token has no ${this.settings.usernameClaim} claim to name the user by.`,
      );
    return username;
  }

  /** Signature, issuer, audience, times and nonce; returns the claims. */
  async verifyIdToken(
    token: string,
    nonce: string,
    d?: Discovery,
    now = Date.now(),
  ): Promise<Record<string, unknown>> {
    const discovery = d ?? (await this.discover());
    const bad = (why: string) => new OidcError('invalid_id_token', `The ID token ${why}.`);
    const parts = token.split('.');
    if (parts.length !== 3) throw bad('is not a signed JWT');
    const [h, p, sig] = parts as [string, string, string];
    let header: { alg?: string; kid?: string };
    let claims: Record<string, unknown>;
    try {
      header = JSON.parse(Buffer.from(h, 'base64url').toString('utf8')) as typeof header;
      claims = JSON.parse(Buffer.from(p, 'base64url').toString('utf8')) as typeof claims;
    } catch {
      throw bad('cannot be decoded');
    }
    const alg = ALGORITHMS[header.alg ?? ''];
    if (!alg) throw bad(`uses an algorithm the hub does not accept (${header.alg ?? 'none'})`);
    const jwk = await this.keyFor(discovery, header.kid, alg.kty);
    const key = createPublicKey({ key: jwk, format: 'jwk' });
    const ok = verify(
      alg.hash,
      Buffer.from(`${h}.${p}`),
      { key, ...alg.options },
      Buffer.from(sig, 'base64url'),
    );
    if (!ok) throw bad('signature does not verify');
    const seconds = now / 1000;
    const aud = claims.aud;
    const audiences = Array.isArray(aud) ? aud : [aud];
    if (claims.iss !== discovery.issuer) throw bad('comes from another issuer');
    if (!audiences.includes(this.settings.clientId)) throw bad('is meant for another client');
    if (audiences.length > 1 && claims.azp !== this.settings.clientId)
      throw bad('names another authorised party');
    if (typeof claims.exp !== 'number' || claims.exp < seconds - SKEW_S) throw bad('has expired');
    if (typeof claims.iat === 'number' && claims.iat > seconds + SKEW_S)
      throw bad('was issued in the future');
    if (claims.nonce !== nonce) throw bad('answers another login (nonce)');
    return claims;
  }

  /** The provider's signing key with this id, refetching the key set once for a new id. */
  private async keyFor(d: Discovery, kid: string | undefined, kty: string): Promise<JsonWebKey> {
    const find = (keys: JsonWebKey[]) =>
      keys.find((k) => k.kty === kty && (kid === undefined || k.kid === kid) && k.use !== 'enc');
    const cached = this.keys && find(this.keys);
    if (cached) return cached;
    const set = (await getJson(d.jwks_uri)) as { keys?: JsonWebKey[] };
    this.keys = Array.isArray(set.keys) ? set.keys : [];
    const hit = find(this.keys);
    if (!hit)
      throw new OidcError('invalid_id_token', `The provider publishes no key ${kid ?? ''}`.trim());
    return hit;
  }
}

/** ID-token algorithms accepted (never `none` or HMAC with a public key). */
const ALGORITHMS: Record<
  string,
  { hash: string; kty: string; options: { padding?: number; dsaEncoding?: 'ieee-p1363' } }
> = {
  RS256: { hash: 'sha256', kty: 'RSA', options: {} },
  RS384: { hash: 'sha384', kty: 'RSA', options: {} },
  RS512: { hash: 'sha512', kty: 'RSA', options: {} },
  PS256: { hash: 'sha256', kty: 'RSA', options: { padding: constants.RSA_PKCS1_PSS_PADDING } },
  ES256: { hash: 'sha256', kty: 'EC', options: { dsaEncoding: 'ieee-p1363' } },
  ES384: { hash: 'sha384', kty: 'EC', options: { dsaEncoding: 'ieee-p1363' } },
};
