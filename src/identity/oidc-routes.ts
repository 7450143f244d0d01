import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { notFound, ZsError } from '../errors.js';
import { audited, requestActions } from '../ledger/audited.js';
import type { Hub } from '../server/hub.js';
import { OidcClient, OidcError, type PendingLogin } from './oidc.js';
import { loginVouched } from './sessions.js';

const COOKIE = 'zs_oidc';
const COOKIE_PATH = '/api/v1/auth/oidc';
/** How long a user may take at the provider. */
const PENDING_MS = 10 * 60_000;
const SEAL_CONTEXT = 'oidc-login';

function cookieOf(request: FastifyRequest, name: string): string | null {
  for (const part of (request.headers.cookie ?? '').split(';')) {
    const [k, ...v] = part.trim().split('=');
    if (k === name) return decodeURIComponent(v.join('='));
  }
  return null;
}

/**
 * Console login through the government's identity provider. The browser goes to the provider
 * with a fresh state, nonce and PKCE verifier, kept sealed (SM4) in an HttpOnly cookie so any hub
 * process can finish the login; the callback opens a session for the existing account the ID
 * token names and hands its token to the console in the URL fragment (never sent to a server).
 */
export function oidcRoutes(hub: Hub) {
  return async function routes(app: FastifyInstance): Promise<void> {
    const settings = hub.config.oidc;
    const client = settings
      ? new OidcClient({
          issuer: settings.issuer,
          clientId: settings.client_id,
          clientSecret: hub.config.oidcClientSecret,
          redirectUrl: settings.redirect_url,
          scopes: settings.scopes,
          usernameClaim: settings.username_claim,
        })
      : null;
    const secure = settings?.redirect_url.startsWith('https:') ? '; Secure' : '';
    const setCookie = (reply: FastifyReply, value: string, maxAge: number) =>
      reply.header(
        'set-cookie',
        `${COOKIE}=${encodeURIComponent(value)}; Path=${COOKIE_PATH}; Max-Age=${maxAge}; HttpOnly; SameSite=Lax${secure}`,
      );
    const act = requestActions(hub);

    app.get('/api/v1/auth/methods', { schema: { tags: ['auth'], security: [] } }, async () => ({
      password: true,
      oidc: settings ? { label: settings.label } : null,
    }));

    app.get('/api/v1/auth/oidc/login', { schema: { hide: true } }, async (_request, reply) => {
      if (!client) throw notFound('oidc_not_configured', 'OIDC login is not configured.');
      try {
        const { url, pending } = await client.start();
        setCookie(reply, hub.sealer.seal(JSON.stringify(pending), SEAL_CONTEXT), PENDING_MS / 1000);
        return reply.redirect(url, 302);
      } catch (err) {
        return fail(reply, err);
      }
    });

    app.get<{ Querystring: { code?: string; state?: string; error?: string } }>(
      '/api/v1/auth/oidc/callback',
      { schema: { hide: true } },
      async (request, reply) => {
        if (!client) throw notFound('oidc_not_configured', 'OIDC login is not configured.');
        setCookie(reply, '', 0);
        try {
          const q = request.query;
          if (q.error) throw new OidcError('provider_denied', `The provider said ${q.error}.`);
          const pending = openPending(cookieOf(request, COOKIE));
          if (!q.state || q.state !== pending.state)
            throw new OidcError('state_mismatch', 'The login answer belongs to another login.');
          if (!q.code) throw new OidcError('provider_error', 'The provider sent no code.');
          const username = await client.finish(q.code, pending);
          const session = await audited(
            act(request, `user:${username}`, 'auth.login_oidc', username),
            () =>
              loginVouched(hub.store.db, hub.config.security, {
                username,
                ip: request.ip,
                method: 'oidc',
              }),
          );
          return reply.redirect(`/login#oidc_token=${encodeURIComponent(session.token)}`, 302);
        } catch (err) {
          return fail(reply, err);
        }
      },
    );

    function openPending(sealed: string | null): PendingLogin {
      if (!sealed) throw new OidcError('state_mismatch', 'No login was started in this browser.');
      let pending: PendingLogin;
      try {
        pending = JSON.parse(hub.sealer.open(sealed, SEAL_CONTEXT)) as PendingLogin;
      } catch {
        throw new OidcError('state_mismatch', 'The login cookie is not one the hub made.');
      }
      if (Date.now() - pending.at > PENDING_MS)
        throw new OidcError('login_expired', 'The login took too long; start again.');
      return pending;
    }

    /** Back to the console's login page with a stable code; details only in the log. */
    function fail(reply: FastifyReply, err: unknown) {
      const code = err instanceof OidcError || err instanceof ZsError ? err.code : 'internal_error';
      if (code === 'internal_error') hub.log.error({ err }, 'OIDC login failed');
      else hub.log.warn({ code, reason: (err as Error).message }, 'OIDC login refused');
      return reply.redirect(`/login?oidc_error=${encodeURIComponent(code)}`, 302);
    }
  };
}
