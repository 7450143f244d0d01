import { eq } from 'drizzle-orm';
import type { FastifyInstance } from 'fastify';
import { badRequest, conflict, notFound } from '../errors.js';
import { authenticator } from '../identity/authn.js';
import { orgInScope } from '../identity/orgs.js';
import { actorLabel, assertCan, inScope } from '../identity/principal.js';
import { audited, requestActions } from '../ledger/audited.js';
import type { Hub } from '../server/hub.js';
import { bumpChangeVersion, schema } from '../store/index.js';
import { CLEARANCES, DOMAIN_CLEARANCE, parseClearance, rank } from './levels.js';

const tags = { tags: ['guard'] };
const level = { type: 'string', enum: CLEARANCES } as const;

/**
 * The security administrator's side of the guard (三员: a security policy, so neither the
 * system administrator nor the auditor may change it). Every change, and every refused attempt,
 * is in the ledger.
 */
export function guardRoutes(hub: Hub, operatorToken: string | undefined) {
  return async function routes(app: FastifyInstance): Promise<void> {
    const auth = authenticator(hub, operatorToken);
    const db = hub.store.db;
    const act = requestActions(hub);

    // Tighten a deployment's clearance (or relax an earlier tightening) within its domain's
    // ceiling; the config's own clearance still applies, the lowest wins.
    app.put<{ Params: { name: string }; Body: { clearance: string } }>(
      '/api/v1/endpoints/:name/clearance',
      {
        schema: {
          ...tags,
          body: {
            type: 'object',
            required: ['clearance'],
            properties: { clearance: level },
            additionalProperties: false,
          },
        },
      },
      async (request) => {
        const p = await auth(request);
        const { name } = request.params;
        return audited(
          act(request, p, 'clearance.set', name),
          async () => {
            assertCan(p, 'guard.write');
            const endpoint = hub.registry.endpoints.get(name);
            if (!endpoint) throw notFound('endpoint_not_found', `No endpoint named ${name}.`);
            const clearance = parseClearance(request.body.clearance);
            const ceiling = DOMAIN_CLEARANCE[endpoint.domain];
            if (rank(clearance) > rank(ceiling))
              throw badRequest(
                'clearance_above_policy',
                `${name} runs in ${endpoint.domain}, which may receive at most ${ceiling}; a clearance can only be tightened.`,
                { param: 'clearance' },
              );
            const t = schema.endpointClearances;
            const row = { clearance, setBy: actorLabel(p), setAt: new Date() };
            await db
              .insert(t)
              .values({ endpoint: name, ...row })
              .onConflictDoUpdate({ target: t.endpoint, set: row });
            await bumpChangeVersion(db);
            await hub.sync();
            return {
              endpoint: name,
              domain: endpoint.domain,
              requested: clearance,
              effective: hub.registry.endpoints.get(name)?.clearance ?? clearance,
            };
          },
          (r) => ({ ...r }),
        );
      },
    );

    // An organisation's default data level and masking threshold (its subtree inherits them).
    app.put<{ Params: { code: string }; Body: { data_level?: string; mask_up_to?: string } }>(
      '/api/v1/orgs/:code/guard-policy',
      {
        schema: {
          ...tags,
          body: {
            type: 'object',
            properties: { data_level: level, mask_up_to: level },
            additionalProperties: false,
          },
        },
      },
      async (request) => {
        const p = await auth(request);
        const { code } = request.params;
        return audited(
          act(request, p, 'guard_policy.set', code),
          async () => {
            assertCan(p, 'guard.write');
            const org = await orgInScope(db, p, code);
            const t = schema.guardPolicies;
            const [current] = await db.select().from(t).where(eq(t.orgId, org.id));
            if (current?.source === 'config')
              throw conflict(
                'policy_from_config',
                `The guard policy of ${code} is set in the configuration file (data_level, mask_up_to); change it there.`,
              );
            const row = {
              dataLevel: request.body.data_level ?? null,
              maskUpTo: request.body.mask_up_to ?? null,
              source: 'api',
              updatedBy: actorLabel(p),
              updatedAt: new Date(),
            };
            await db
              .insert(t)
              .values({ orgId: org.id, ...row })
              .onConflictDoUpdate({ target: t.orgId, set: row });
            await bumpChangeVersion(db);
            await hub.sync();
            return { org: code, data_level: row.dataLevel, mask_up_to: row.maskUpTo };
          },
          (r) => ({ ...r }),
        );
      },
    );

    // Callers suspended for repeated prohibited input (暂行办法 Art. 14), within the subtree.
    app.get('/api/v1/safety/suspensions', { schema: tags }, async (request) => {
      const p = await auth(request);
      assertCan(p, 'safety.read');
      const rows = await hub.violations.suspensions(p.orgPath);
      return {
        object: 'list',
        data: rows
          .filter((r) => inScope(p, r.orgPath))
          .map((r) => ({
            subject: r.subject,
            org: r.orgCode,
            since: r.at.toISOString(),
            until: r.until.toISOString(),
            risk: r.risk,
            request_id: r.requestId,
          })),
      };
    });

    // End a suspension early: the security administrator's call, in the ledger.
    app.post<{ Body: { subject: string } }>(
      '/api/v1/safety/suspensions/lift',
      {
        schema: {
          ...tags,
          body: {
            type: 'object',
            required: ['subject'],
            properties: { subject: { type: 'string', minLength: 1, maxLength: 300 } },
            additionalProperties: false,
          },
        },
      },
      async (request) => {
        const p = await auth(request);
        const { subject } = request.body;
        return audited(
          act(request, p, 'suspension.lift', subject),
          async () => {
            assertCan(p, 'guard.write');
            const running = await hub.violations.suspensions(p.orgPath);
            if (!running.some((r) => r.subject === subject && inScope(p, r.orgPath)))
              throw notFound('suspension_not_found', `${subject} is not suspended.`, {
                param: 'subject',
              });
            const lifted = await hub.violations.lift(subject);
            await bumpChangeVersion(db);
            return { subject, lifted };
          },
          (r) => ({ ...r }),
        );
      },
    );
  };
}
