import { and, eq, inArray } from 'drizzle-orm';
import { configOrgs, type Config } from '../config/index.js';
import type { LimitsInput } from '../config/schema.js';
import { ConfigError } from '../errors.js';
import { bumpChangeVersion, schema, type Db } from '../store/index.js';
import { hasLimits, LimitsInputError, NO_LIMITS, parseLimits, type Limits } from './limits.js';

export type LimitScope = 'org' | 'key';
type Row = typeof schema.limits.$inferSelect;

export const rowLimits = (row: Row | undefined): Limits =>
  row
    ? {
        rpm: row.rpm,
        tpm: row.tpm,
        monthlyTokens: row.monthlyTokens,
        monthlyBudgetNano: row.monthlyBudgetNano,
      }
    : NO_LIMITS;

const columns = (l: Limits) => ({
  rpm: l.rpm,
  tpm: l.tpm,
  monthlyTokens: l.monthlyTokens,
  monthlyBudgetNano: l.monthlyBudgetNano,
});

export async function readLimitsRow(db: Db, scope: LimitScope, id: string): Promise<Row | null> {
  const [row] = await db
    .select()
    .from(schema.limits)
    .where(and(eq(schema.limits.scope, scope), eq(schema.limits.scopeId, id)));
  return row ?? null;
}

/** Replace a scope's limits; no limit at all removes the row. The caller bumps the change version. */
export async function writeLimits(
  db: Db,
  scope: LimitScope,
  id: string,
  limits: Limits,
  source: 'api' | 'config' = 'api',
): Promise<void> {
  const where = and(eq(schema.limits.scope, scope), eq(schema.limits.scopeId, id));
  if (!hasLimits(limits)) {
    await db.delete(schema.limits).where(where);
    return;
  }
  await db
    .insert(schema.limits)
    .values({ scope, scopeId: id, ...columns(limits), source })
    .onConflictDoUpdate({
      target: [schema.limits.scope, schema.limits.scopeId],
      set: { ...columns(limits), source, updatedAt: new Date() },
    });
}

const same = (a: Limits, b: Limits) =>
  a.rpm === b.rpm &&
  a.tpm === b.tpm &&
  a.monthlyTokens === b.monthlyTokens &&
  a.monthlyBudgetNano === b.monthlyBudgetNano;

/**
 * Make the config-managed organisation limits match `root_org.limits` and `orgs[].limits`, as
 * applyPrices does for prices: an organisation the file gives limits gets exactly those at every
 * start (replacing any set through the API); limits the file no longer lists are removed; limits
 * of other organisations, set through the API, are left alone. Every hub reloads when this changed
 * something.
 */
export async function applyLimits(db: Db, config: Config): Promise<void> {
  const wanted = new Map<string, Limits>();
  const add = (where: string, code: string, input: LimitsInput | undefined) => {
    if (!input) return;
    try {
      wanted.set(code, parseLimits(input));
    } catch (err) {
      if (err instanceof LimitsInputError) throw new ConfigError(`${where}.${err.message}`);
      throw err;
    }
  };
  for (const { where, code, settings } of configOrgs(config)) add(where, code, settings.limits);

  await db.transaction(async (tx) => {
    const before = await tx
      .select()
      .from(schema.limits)
      .where(and(eq(schema.limits.scope, 'org'), eq(schema.limits.source, 'config')));
    const orgs = wanted.size
      ? await tx
          .select({ id: schema.orgs.id, code: schema.orgs.code })
          .from(schema.orgs)
          .where(inArray(schema.orgs.code, [...wanted.keys()]))
      : [];
    const target = new Map(orgs.map((o) => [o.id, wanted.get(o.code)!]));
    const unchanged =
      before.length === target.size &&
      before.every((row) => {
        const want = target.get(row.scopeId);
        return want !== undefined && same(rowLimits(row), want);
      });
    if (unchanged) return;
    for (const row of before) {
      if (!target.has(row.scopeId)) await writeLimits(tx, 'org', row.scopeId, NO_LIMITS);
    }
    for (const [id, limits] of target) await writeLimits(tx, 'org', id, limits, 'config');
    await bumpChangeVersion(tx);
  });
}
