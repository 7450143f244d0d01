import { timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { forbidden, unauthenticated } from '../errors.js';
import type { Hub } from '../server/hub.js';
import { operatorPrincipal, type Principal } from './principal.js';
import { authenticateSession, SESSION_PREFIX, type SessionPrincipal } from './sessions.js';

export type Authenticate = (
  request: FastifyRequest,
  options?: { allowPendingPasswordChange?: boolean },
) => Promise<Principal | SessionPrincipal>;

/**
 * Management API callers: a console session (`Bearer zss-…`) or the local operator token that
 * the running hub writes to its data directory for the CLI. A session whose password must still
 * be changed may only change it.
 */
export function authenticator(hub: Hub, operatorToken: string | undefined): Authenticate {
  const operator = operatorToken ? Buffer.from(operatorToken) : null;
  return async (request, options = {}) => {
    const match = /^Bearer\s+(\S+)$/i.exec(request.headers.authorization ?? '');
    const token = match?.[1];
    if (!token)
      throw unauthenticated(
        'unauthenticated',
        'Log in first (Authorization: Bearer <session token>).',
      );
    const given = Buffer.from(token);
    // Compare bytes, not characters: a non-ASCII token of the same length must not throw.
    if (operator && given.length === operator.length && timingSafeEqual(given, operator)) {
      return operatorPrincipal(hub.root);
    }
    if (!token.startsWith(SESSION_PREFIX))
      throw unauthenticated('invalid_session', 'Not logged in, or the session has ended.');
    const principal = await authenticateSession(hub.store.db, hub.config.security, token);
    if (principal.mustChangePassword && !options.allowPendingPasswordChange) {
      throw forbidden(
        'password_change_required',
        'Change the initial password before using the console.',
      );
    }
    return principal;
  };
}
