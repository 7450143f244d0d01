import { and, eq, isNull } from 'drizzle-orm';
import type { FastifyInstance } from 'fastify';
import { authenticator } from '../identity/authn.js';
import { issueKey } from '../identity/keys.js';
import { findOrgById } from '../identity/orgs.js';
import { actorLabel, assertCan } from '../identity/principal.js';
import { audited, requestActions } from '../ledger/audited.js';
import type { Hub } from '../server/hub.js';
import { bumpChangeVersion, schema } from '../store/index.js';

/** The name every playground key carries, so the ledger and the key list show what it was for. */
export const PLAYGROUND_KEY_NAME = '体验 (console playground)';

/**
 * The console's 体验 page calls /v1 like any client, with a key of the user's own: issued here in
 * the user's organisation, valid for one session's maximum length, and replacing the user's
 * previous playground key. Its calls are metered, limited, guarded and recorded like any other,
 * under an actor the auditor can trace to the user (the key's creator).
 */
export function playgroundRoutes(hub: Hub, operatorToken: string | undefined) {
  return async function routes(app: FastifyInstance): Promise<void> {
    const auth = authenticator(hub, operatorToken);
    const act = requestActions(hub);
    const db = hub.store.db;

    app.post('/api/v1/playground/key', { schema: { tags: ['console'] } }, async (request) => {
      const p = await auth(request);
      return audited(
        act(request, p, 'playground.key', p.name),
        async () => {
          assertCan(p, 'playground.use');
          const org = await findOrgById(db, p.orgId);
          if (!org) throw new Error(`organisation ${p.orgId} of ${p.name} is missing`);
          const createdBy = actorLabel(p);
          const k = schema.apiKeys;
          await db
            .update(k)
            .set({ revokedAt: new Date() })
            .where(
              and(eq(k.createdBy, createdBy), eq(k.name, PLAYGROUND_KEY_NAME), isNull(k.revokedAt)),
            );
          const hours = hub.config.security.session_max_hours;
          const issued = await issueKey(
            db,
            org,
            { name: PLAYGROUND_KEY_NAME, expires: `${hours}h` },
            createdBy,
            new Set(hub.registry.models.keys()),
          );
          await bumpChangeVersion(db);
          await hub.sync();
          return {
            key: issued.key,
            key_id: issued.info.id,
            org: org.code,
            expires_at: issued.info.expires_at,
            explicit_label: hub.config.aigc.explicit_label,
          };
        },
        (r) => ({ key_id: r.key_id, org: r.org }),
      );
    });
  };
}
