import { and, eq, notInArray } from 'drizzle-orm';
import type { Config } from '../config/index.js';
import type { Sealer } from '../crypto/sm.js';
import { providerFor } from '../gateway/providers/index.js';
import { ConfigError } from '../errors.js';
import { bumpChangeVersion, schema, type Db } from '../store/index.js';

const same = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);

/**
 * Make the endpoints and public models in the config exist exactly as written. Rows the config
 * created earlier and no longer lists are removed; rows created through the API are left alone.
 * Idempotent: applying the same file twice changes nothing and bumps no version.
 */
export async function applyRegistry(db: Db, config: Config, sealer: Sealer): Promise<boolean> {
  let changed = false;
  await db.transaction(async (tx) => {
    const existing = new Map((await tx.select().from(schema.endpoints)).map((e) => [e.name, e]));
    for (const ep of config.endpoints) {
      const baseUrl = ep.base_url ?? providerFor(ep.provider).defaultBaseUrl;
      if (!baseUrl)
        throw new ConfigError(
          `endpoints.${ep.name}.base_url: provider ${ep.provider} needs a base_url`,
        );
      const apiKey = config.upstreamKeys.get(ep.name) ?? null;
      const row = existing.get(ep.name);
      const current = row?.apiKeySealed
        ? sealer.open(row.apiKeySealed, `endpoint:${ep.name}`)
        : null;
      const values = {
        provider: ep.provider,
        baseUrl: baseUrl.replace(/\/+$/, ''),
        domain: ep.domain,
        clearance: ep.clearance ?? null,
        models: ep.models,
        timeouts: ep.timeouts ?? {},
      };
      const unchanged =
        row &&
        current === apiKey &&
        row.source === 'config' &&
        Object.entries(values).every(([k, v]) => same(row[k as keyof typeof row], v));
      if (unchanged) continue;
      const sealed = apiKey ? sealer.seal(apiKey, `endpoint:${ep.name}`) : null;
      changed = true;
      if (row) {
        await tx
          .update(schema.endpoints)
          .set({ ...values, apiKeySealed: sealed, source: 'config', updatedAt: new Date() })
          .where(eq(schema.endpoints.id, row.id));
      } else {
        await tx
          .insert(schema.endpoints)
          .values({ ...values, name: ep.name, apiKeySealed: sealed, source: 'config' });
      }
    }

    const models = new Map((await tx.select().from(schema.models)).map((m) => [m.name, m]));
    for (const model of config.models) {
      const values = {
        description: model.description ?? null,
        targets: model.targets,
        fallback: model.fallback,
      };
      const row = models.get(model.name);
      if (
        row &&
        row.source === 'config' &&
        Object.entries(values).every(([k, v]) => same(row[k as keyof typeof row], v))
      )
        continue;
      changed = true;
      if (row)
        await tx
          .update(schema.models)
          .set({ ...values, source: 'config', updatedAt: new Date() })
          .where(eq(schema.models.id, row.id));
      else await tx.insert(schema.models).values({ ...values, name: model.name, source: 'config' });
    }

    const modelNames = config.models.map((m) => m.name);
    const endpointNames = config.endpoints.map((e) => e.name);
    const goneModels = await tx
      .delete(schema.models)
      .where(
        and(
          eq(schema.models.source, 'config'),
          modelNames.length ? notInArray(schema.models.name, modelNames) : undefined,
        ),
      )
      .returning({ id: schema.models.id });
    const goneEndpoints = await tx
      .delete(schema.endpoints)
      .where(
        and(
          eq(schema.endpoints.source, 'config'),
          endpointNames.length ? notInArray(schema.endpoints.name, endpointNames) : undefined,
        ),
      )
      .returning({ id: schema.endpoints.id });
    if (goneModels.length || goneEndpoints.length) changed = true;
    if (changed) await bumpChangeVersion(tx);
  });
  return changed;
}
