import { createReadStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { eq } from 'drizzle-orm';
import type { FastifyInstance } from 'fastify';
import { conflict, forbidden } from '../errors.js';
import { authenticator } from '../identity/authn.js';
import { orgInScope } from '../identity/orgs.js';
import { actorLabel, assertCan, can, type Principal } from '../identity/principal.js';
import type { Hub } from '../server/hub.js';
import { bumpChangeVersion, schema } from '../store/index.js';
import { audited, requestActions } from './audited.js';
import type { Encoding } from './bundle.js';
import { getEntry, listEntries, readContent, seesWholeLedger } from './entries.js';
import { exportLedger } from './export.js';
import { parseSeq, type RangeInput } from './range.js';
import { purgeExpired } from './retention.js';
import { verifyRange } from './verify.js';

const text = (max: number) => ({ type: 'string', minLength: 1, maxLength: max }) as const;
const seq = { type: 'integer', minimum: 1 } as const;
const rangeProps = { from: text(40), to: text(40), from_seq: seq, to_seq: seq } as const;
const tags = { tags: ['ledger'] };

interface RangeQuery {
  from?: string;
  to?: string;
  from_seq?: number;
  to_seq?: number;
}
const rangeOf = (q: RangeQuery = {}): RangeInput => ({
  from: q.from,
  to: q.to,
  fromSeq: q.from_seq,
  toSeq: q.to_seq,
});

/** The chain covers every organisation, so a whole-ledger export is the platform auditor's. */
function assertWholeLedger(p: Principal): void {
  if (!seesWholeLedger(p))
    throw forbidden(
      'forbidden',
      'Exporting the ledger takes the platform-level auditor: the chain covers every organisation.',
    );
}

/**
 * The auditor's side of the ledger. Reads and exports only: no route changes or removes an
 * entry (the retention purge, run by the hub itself, is the one path that removes old ones).
 * 三员: the three administrators may check integrity; only the auditor reads entries and
 * content; the security administrator sets whether content is kept.
 */
export function ledgerRoutes(hub: Hub, operatorToken: string | undefined) {
  return async function routes(app: FastifyInstance): Promise<void> {
    const auth = authenticator(hub, operatorToken);
    const db = hub.store.db;
    const act = requestActions(hub);

    app.get<{ Querystring: RangeQuery }>(
      '/api/v1/ledger/verify',
      {
        schema: {
          ...tags,
          querystring: { type: 'object', properties: rangeProps, additionalProperties: false },
        },
      },
      async (request) => {
        assertCan(await auth(request), 'ledger.verify');
        return verifyRange(db, rangeOf(request.query), hub);
      },
    );

    app.get<{
      Querystring: {
        from?: string;
        to?: string;
        actor?: string;
        org?: string;
        action?: string;
        request_id?: string;
        limit?: number;
        before_seq?: number;
      };
    }>(
      '/api/v1/ledger/entries',
      {
        schema: {
          ...tags,
          querystring: {
            type: 'object',
            properties: {
              from: text(40),
              to: text(40),
              actor: text(200),
              org: text(64),
              action: text(100),
              request_id: text(100),
              limit: { type: 'integer', minimum: 1, maximum: 500, default: 50 },
              before_seq: seq,
            },
            additionalProperties: false,
          },
        },
      },
      async (request) => {
        const p = await auth(request);
        assertCan(p, 'ledger.read');
        const q = request.query;
        return listEntries(db, p, {
          from: q.from,
          to: q.to,
          actor: q.actor,
          org: q.org,
          action: q.action,
          requestId: q.request_id,
          beforeSeq: q.before_seq,
          limit: q.limit ?? 50,
        });
      },
    );

    app.get<{ Params: { seq: string } }>(
      '/api/v1/ledger/entries/:seq',
      { schema: tags },
      async (request) => {
        const p = await auth(request);
        const n = parseSeq(request.params.seq, 'seq');
        const ctx = act(request, p, 'ledger.content_read', String(n));
        // A refused attempt at call content is a security event: it goes into the ledger too.
        if (!can(p, 'ledger.read')) await audited(ctx, async () => assertCan(p, 'ledger.read'));
        const entry = await getEntry(db, p, n);
        const probe = await readContent(db, hub.sealer, entry);
        if (probe.status !== 'stored')
          return { entry, content: null, content_status: probe.status };
        // Reading a prompt and answer is recorded, durably, before they are shown.
        const content = await audited(
          ctx,
          async () => probe.content,
          () => ({ request_id: entry.request_id }),
        );
        return { entry, content, content_status: probe.status };
      },
    );

    app.post<{ Body: RangeQuery & { format?: Encoding } }>(
      '/api/v1/ledger/export',
      {
        schema: {
          ...tags,
          body: {
            type: 'object',
            properties: { ...rangeProps, format: { type: 'string', enum: ['jsonl', 'csv'] } },
            additionalProperties: false,
          },
        },
        // Every field is optional: a POST without a body exports everything as JSON Lines.
        preValidation: async (request) => {
          request.body ??= {};
        },
      },
      async (request, reply) => {
        const p = await auth(request);
        const input = rangeOf(request.body);
        const encoding = request.body?.format ?? 'jsonl';
        const dir = await mkdtemp(path.join(tmpdir(), 'zs-export-'));
        const file = path.join(dir, `bundle.${encoding}`);
        let manifest;
        try {
          manifest = await audited(
            act(request, p, 'ledger.export', encoding),
            async () => {
              assertCan(p, 'ledger.export');
              assertWholeLedger(p);
              return exportLedger(db, input, file, {
                encoding,
                signer: hub.signer,
                trustedKeys: hub.trustedKeys,
                exporter: actorLabel(p),
                ledger: hub.ledger,
              });
            },
            (m) => ({
              from_seq: m.range.from_seq,
              to_seq: m.range.to_seq,
              entries: m.counts.entries,
              entries_sm3: m.entries_sm3,
            }),
          );
        } catch (err) {
          await rm(dir, { recursive: true, force: true });
          throw err;
        }
        const r = manifest.range;
        const name = `zhongshu-ledger-${r.from_seq ?? 0}-${r.to_seq ?? 0}.${encoding}`;
        const stream = createReadStream(file);
        stream.on('close', () => void rm(dir, { recursive: true, force: true }));
        return reply
          .header(
            'content-type',
            encoding === 'csv' ? 'text/csv; charset=utf-8' : 'application/x-ndjson; charset=utf-8',
          )
          .header('content-disposition', `attachment; filename="${name}"`)
          .send(stream);
      },
    );

    app.post('/api/v1/ledger/purge', { schema: tags }, async (request) => {
      const p = await auth(request);
      if (p.kind !== 'operator')
        throw forbidden(
          'forbidden',
          'The hub purges expired entries itself, daily; only the local operator runs it by hand.',
        );
      return purgeExpired(
        {
          db,
          ledger: hub.ledger,
          trustedKeys: hub.trustedKeys,
          retentionDays: hub.config.audit.retention_days,
          orgId: hub.root.id,
        },
        { actor: actorLabel(p) },
      );
    });

    app.put<{ Params: { code: string }; Body: { store_content: boolean } }>(
      '/api/v1/orgs/:code/audit-policy',
      {
        schema: {
          ...tags,
          body: {
            type: 'object',
            required: ['store_content'],
            properties: { store_content: { type: 'boolean' } },
            additionalProperties: false,
          },
        },
      },
      async (request) => {
        const p = await auth(request);
        const { code } = request.params;
        const value = request.body.store_content;
        const t = schema.orgPolicies;
        const result = await audited(
          act(request, p, 'policy.change', code),
          async () => {
            assertCan(p, 'policy.write');
            const org = await orgInScope(db, p, code);
            const [current] = await db.select().from(t).where(eq(t.orgId, org.id));
            if (current?.source === 'config')
              throw conflict(
                'policy_from_config',
                `The audit policy of ${code} is set in the configuration file (store_content); change it there.`,
              );
            const row = {
              storeContent: value,
              source: 'api',
              updatedBy: actorLabel(p),
              updatedAt: new Date(),
            };
            await db
              .insert(t)
              .values({ orgId: org.id, ...row })
              .onConflictDoUpdate({ target: t.orgId, set: row });
            // Every hub reloads its policies on the next change-version check (this one at once).
            await bumpChangeVersion(db);
            return {
              org: code,
              store_content: value,
              previous: current?.storeContent ?? null,
              updated_by: row.updatedBy,
              updated_at: row.updatedAt,
            };
          },
          (r) => ({ store_content: r.store_content, previous: r.previous }),
        );
        await hub.sync();
        return result;
      },
    );
  };
}
