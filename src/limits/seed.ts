import { and, eq, gte, like, lte, sql } from 'drizzle-orm';
import { schema, type Db } from '../store/index.js';
import type { Scope } from './book.js';
import { monthDays } from './clock.js';
import type { Amount } from './estimate.js';

/**
 * A scope's recorded usage this Shanghai month, from the daily rollup (written in the same
 * transaction as each usage record): an organisation's whole subtree, or one key. This is where
 * monthly counters start after a restart, so a restart never hands out a fresh budget.
 */
export function monthUsageFrom(db: Db) {
  return async (scope: Scope, nowMs: number): Promise<Amount> => {
    const { first, last } = monthDays(nowMs);
    const d = schema.usageDaily;
    const totals = {
      tokens: sql<string>`coalesce(sum(${d.promptTokens} + ${d.completionTokens}), 0)`,
      cost: sql<string>`coalesce(sum(${d.costNano}), 0)`,
    };
    const inMonth = and(gte(d.day, first), lte(d.day, last));
    const [row] =
      scope.kind === 'key'
        ? await db
            .select(totals)
            .from(d)
            .where(and(inMonth, eq(d.keyId, scope.id.slice('key:'.length))))
        : await db
            .select(totals)
            .from(d)
            .innerJoin(schema.orgs, eq(schema.orgs.id, d.orgId))
            .where(and(inMonth, like(schema.orgs.path, `${scope.path}%`)));
    return { tokens: Number(row?.tokens ?? 0), costNano: BigInt(String(row?.cost ?? 0)) };
  };
}
