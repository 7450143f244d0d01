import { eq } from 'drizzle-orm';
import { badRequest, conflict, notFound } from '../errors.js';
import type { Target } from '../store/schema.js';
import { bumpChangeVersion, schema, type Db } from '../store/index.js';
import type { Registry } from './snapshot.js';

export interface ModelInput {
  description?: string | null | undefined;
  targets: Target[];
  fallback?: string[] | undefined;
}

const MODEL_NAME = /^[A-Za-z0-9][A-Za-z0-9._:/@-]{0,127}$/;

/**
 * Check a public model the way the config check does (docs/configuration.md): its targets name
 * endpoints that exist with positive weights (the upstream model is the target's, else the
 * endpoint's mapping, else the public name), and its fallbacks are other existing models.
 */
function checkModel(registry: Registry, name: string, input: ModelInput): void {
  if (!MODEL_NAME.test(name))
    throw badRequest('invalid_name', 'Use letters, digits and . _ : / @ - (up to 128).', {
      param: 'name',
    });
  if (!input.targets.length)
    throw badRequest('invalid_request', 'A model needs at least one target.', {
      param: 'targets',
    });
  input.targets.forEach((t, i) => {
    const endpoint = registry.endpoints.get(t.endpoint);
    const param = `targets[${i}]`;
    if (!endpoint)
      throw badRequest('endpoint_not_found', `No endpoint named ${t.endpoint}.`, { param });
    if (!(t.weight > 0) || !Number.isFinite(t.weight))
      throw badRequest('invalid_request', `${param}.weight must be a positive number.`, { param });
  });
  for (const f of input.fallback ?? []) {
    if (f === name)
      throw badRequest('invalid_request', 'A model cannot fall back to itself.', {
        param: 'fallback',
      });
    if (!registry.models.has(f))
      throw badRequest('model_not_found', `No model named ${f} to fall back to.`, {
        param: 'fallback',
      });
  }
}

const fromConfig = (name: string) =>
  conflict(
    'model_from_config',
    `The model ${name} is defined in the configuration file; change it there.`,
  );

/** Create or replace a public model managed through the API (never one from the config file). */
export async function putModel(
  db: Db,
  registry: Registry,
  name: string,
  input: ModelInput,
): Promise<{ created: boolean }> {
  checkModel(registry, name, input);
  const m = schema.models;
  const [row] = await db.select().from(m).where(eq(m.name, name));
  if (row?.source === 'config') throw fromConfig(name);
  const values = {
    description: input.description ?? null,
    targets: input.targets.map((t) => ({
      endpoint: t.endpoint,
      weight: t.weight,
      ...(t.model ? { model: t.model } : {}),
    })),
    fallback: input.fallback ?? [],
    source: 'api',
    updatedAt: new Date(),
  };
  if (row) await db.update(m).set(values).where(eq(m.id, row.id));
  else await db.insert(m).values({ ...values, name });
  await bumpChangeVersion(db);
  return { created: !row };
}

/** Remove an API-managed model that no other model falls back to. */
export async function deleteModel(db: Db, registry: Registry, name: string): Promise<void> {
  const m = schema.models;
  const [row] = await db.select().from(m).where(eq(m.name, name));
  if (!row) throw notFound('model_not_found', `The model ${name} does not exist.`);
  if (row.source === 'config') throw fromConfig(name);
  const users = [...registry.models.values()].filter((x) => x.fallback.includes(name));
  if (users.length)
    throw conflict(
      'model_in_use',
      `${users.map((x) => x.name).join(', ')} fall back to ${name}; change them first.`,
    );
  await db.delete(m).where(eq(m.id, row.id));
  await bumpChangeVersion(db);
}
