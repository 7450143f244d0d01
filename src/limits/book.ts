import { eq } from 'drizzle-orm';
import { schema, type Db } from '../store/index.js';
import type { Limits } from './limits.js';
import { rowLimits } from './store.js';

/** A counted scope of one call: its key, or one organisation on the key's path. */
export interface Scope {
  /** `key:<uuid>` or `org:<uuid>`: the counters' name. */
  id: string;
  kind: 'key' | 'org';
  /** For organisations: the materialised path, which selects the subtree's usage. */
  path: string | null;
  /** For messages: the organisation's code, or null for the key. */
  code: string | null;
  limits: Limits;
}

/**
 * Every limit in force, in memory: the gateway looks a call's scopes up here, never in the
 * database. Reloaded by the hub's sync when anything changed.
 */
export class LimitBook {
  constructor(
    private readonly orgs: ReadonlyMap<string, { code: string; limits: Limits }>,
    private readonly keys: ReadonlyMap<string, Limits>,
  ) {}

  static empty(): LimitBook {
    return new LimitBook(new Map(), new Map());
  }

  get size(): number {
    return this.orgs.size + this.keys.size;
  }

  /** Scope ids with a monthly token quota or budget. */
  monthlyScopeIds(): Set<string> {
    const monthly = (l: Limits) => l.monthlyTokens !== null || l.monthlyBudgetNano !== null;
    const ids = new Set<string>();
    for (const [id, org] of this.orgs) if (monthly(org.limits)) ids.add(`org:${id}`);
    for (const [id, limits] of this.keys) if (monthly(limits)) ids.add(`key:${id}`);
    return ids;
  }

  /**
   * The scopes a call by `grant` counts against: the key's own limits, then its organisation and
   * every ancestor up to the root (a parent's limit covers its whole subtree). Only scopes with
   * limits are returned; none means the call is not limited at all.
   */
  scopesFor(grant: { id: string; orgPath: string }): Scope[] {
    const scopes: Scope[] = [];
    if (this.size === 0) return scopes;
    const key = this.keys.get(grant.id);
    if (key)
      scopes.push({ id: `key:${grant.id}`, kind: 'key', path: null, code: null, limits: key });
    const path = grant.orgPath;
    // `/a/b/c/`: the ancestors' paths are its prefixes ending at each `/`.
    for (let end = path.indexOf('/', 1); end > 0; end = path.indexOf('/', end + 1)) {
      const start = path.lastIndexOf('/', end - 1) + 1;
      const org = this.orgs.get(path.slice(start, end));
      if (org)
        scopes.push({
          id: `org:${path.slice(start, end)}`,
          kind: 'org',
          path: path.slice(0, end + 1),
          code: org.code,
          limits: org.limits,
        });
    }
    return scopes;
  }
}

export async function loadLimits(db: Db): Promise<LimitBook> {
  const rows = await db
    .select({ limit: schema.limits, code: schema.orgs.code })
    .from(schema.limits)
    .leftJoin(schema.orgs, eq(schema.orgs.id, schema.limits.scopeId));
  const orgs = new Map<string, { code: string; limits: Limits }>();
  const keys = new Map<string, Limits>();
  for (const { limit, code } of rows) {
    if (limit.scope === 'key') keys.set(limit.scopeId, rowLimits(limit));
    else if (code !== null) orgs.set(limit.scopeId, { code, limits: rowLimits(limit) });
  }
  return new LimitBook(orgs, keys);
}
