import { eq, inArray } from 'drizzle-orm';
import { configOrgs, type Config } from '../config/index.js';
import { bumpChangeVersion, schema, type Db } from '../store/index.js';

/** Per-organisation audit policy: whether prompts and answers are kept (sealed) in the ledger. */
export class AuditPolicies {
  constructor(private readonly storeContent: ReadonlyMap<string, boolean>) {}

  /** The nearest organisation on the path (itself first) with a policy decides; default: digests only. */
  storesContent(orgPath: string): boolean {
    const ids = orgPath.split('/').filter(Boolean);
    for (let i = ids.length - 1; i >= 0; i--) {
      const found = this.storeContent.get(ids[i]!);
      if (found !== undefined) return found;
    }
    return false;
  }
}

export async function loadPolicies(db: Db): Promise<AuditPolicies> {
  const rows = await db.select().from(schema.orgPolicies);
  return new AuditPolicies(new Map(rows.map((r) => [r.orgId, r.storeContent])));
}

/** Make the config-managed policies match `store_content` in zhongshu.yaml (root_org and orgs). */
export async function applyPolicies(db: Db, config: Config): Promise<void> {
  const wanted = new Map<string, boolean>();
  for (const { code, settings } of configOrgs(config))
    if (settings.store_content !== undefined) wanted.set(code, settings.store_content);
  await db.transaction(async (tx) => {
    await tx.delete(schema.orgPolicies).where(eq(schema.orgPolicies.source, 'config'));
    await bumpChangeVersion(tx);
    if (!wanted.size) return;
    const orgs = await tx
      .select({ id: schema.orgs.id, code: schema.orgs.code })
      .from(schema.orgs)
      .where(inArray(schema.orgs.code, [...wanted.keys()]));
    await tx.delete(schema.orgPolicies).where(
      inArray(
        schema.orgPolicies.orgId,
        orgs.map((o) => o.id),
      ),
    );
    await tx.insert(schema.orgPolicies).values(
      orgs.map((o) => ({
        orgId: o.id,
        storeContent: wanted.get(o.code)!,
        source: 'config',
        updatedBy: 'config',
      })),
    );
  });
}
