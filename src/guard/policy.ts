import { eq, inArray } from 'drizzle-orm';
import { configOrgs, type Config } from '../config/index.js';
import { bumpChangeVersion, schema, type Db } from '../store/index.js';
import { DEFAULT_LEVEL_POLICY, type LevelPolicy } from './decide.js';
import type { Clearance, DataLevel } from './levels.js';

interface OrgGuard {
  dataLevel: Clearance | null;
  maskUpTo: Clearance | null;
}

/**
 * Per-organisation guard settings. Each setting comes from the nearest organisation on the path
 * (itself first) that has one, so a province's default covers its departments until one of them
 * says otherwise.
 */
export class GuardPolicies {
  constructor(private readonly byOrg: ReadonlyMap<string, OrgGuard>) {}

  /** The organisation's default data level (一般1级 when nobody on its path set one). */
  defaultLevel(orgPath: string): DataLevel {
    return this.nearest(orgPath, 'dataLevel') ?? 'general-1';
  }

  levelPolicy(orgPath: string): LevelPolicy {
    return { maskUpTo: this.nearest(orgPath, 'maskUpTo') ?? DEFAULT_LEVEL_POLICY.maskUpTo };
  }

  private nearest(orgPath: string, field: keyof OrgGuard): Clearance | null {
    const ids = orgPath.split('/').filter(Boolean);
    for (let i = ids.length - 1; i >= 0; i--) {
      const value = this.byOrg.get(ids[i]!)?.[field];
      if (value) return value;
    }
    return null;
  }
}

export async function loadGuardPolicies(db: Db): Promise<GuardPolicies> {
  const rows = await db.select().from(schema.guardPolicies);
  return new GuardPolicies(
    new Map(
      rows.map((r) => [
        r.orgId,
        { dataLevel: r.dataLevel as Clearance | null, maskUpTo: r.maskUpTo as Clearance | null },
      ]),
    ),
  );
}

/** Make the config-managed guard policies match zhongshu.yaml (data_level, mask_up_to). */
export async function applyGuardPolicies(db: Db, config: Config): Promise<void> {
  const wanted = new Map<string, OrgGuard>();
  for (const { code, settings: o } of configOrgs(config)) {
    if (o.data_level || o.mask_up_to)
      wanted.set(code, { dataLevel: o.data_level ?? null, maskUpTo: o.mask_up_to ?? null });
  }
  const t = schema.guardPolicies;
  await db.transaction(async (tx) => {
    await tx.delete(t).where(eq(t.source, 'config'));
    await bumpChangeVersion(tx);
    if (!wanted.size) return;
    const orgs = await tx
      .select({ id: schema.orgs.id, code: schema.orgs.code })
      .from(schema.orgs)
      .where(inArray(schema.orgs.code, [...wanted.keys()]));
    await tx.delete(t).where(
      inArray(
        t.orgId,
        orgs.map((o) => o.id),
      ),
    );
    await tx.insert(t).values(
      orgs.map((o) => ({
        orgId: o.id,
        ...wanted.get(o.code)!,
        source: 'config',
        updatedBy: 'config',
      })),
    );
  });
}
