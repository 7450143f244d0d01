import { forbidden } from '../errors.js';
import { orgInScope } from '../identity/orgs.js';
import { assertCan, type Principal } from '../identity/principal.js';
import { bumpChangeVersion, type Db, type schema } from '../store/index.js';
import { limitsFromBody, limitsView, NO_LIMITS, type LimitsView } from './limits.js';
import { readLimitsRow, rowLimits, writeLimits } from './store.js';

/** An organisation's limits as GET/PUT /api/v1/orgs/:code/limits answer. */
export interface OrgLimitsView {
  org: string;
  limits: LimitsView;
  /** `config` when zhongshu.yaml sets them (and will set them again at the next start). */
  source: string | null;
  updated_at: Date | null;
}

const view = (code: string, row: typeof schema.limits.$inferSelect | null): OrgLimitsView => ({
  org: code,
  limits: limitsView(row ? rowLimits(row) : NO_LIMITS),
  source: row?.source ?? null,
  updated_at: row?.updatedAt ?? null,
});

export async function readOrgLimits(
  db: Db,
  principal: Principal,
  code: string,
): Promise<OrgLimitsView> {
  assertCan(principal, 'limits.read');
  const org = await orgInScope(db, principal, code);
  return view(org.code, await readLimitsRow(db, 'org', org.id));
}

/**
 * Replace an organisation's limits (a field left out or null means no limit of that kind). An
 * organisation administrator sets them only for organisations below their own: a department does
 * not raise its own ceiling.
 */
export async function setOrgLimits(
  db: Db,
  principal: Principal,
  code: string,
  input: unknown,
): Promise<{ before: OrgLimitsView; after: OrgLimitsView }> {
  assertCan(principal, 'limits.write');
  const org = await orgInScope(db, principal, code);
  const platformWide = principal.kind === 'operator' || principal.roles.has('sysadmin');
  if (!platformWide && org.path === principal.orgPath) {
    throw forbidden(
      'forbidden',
      'An organisation administrator sets limits only for organisations below their own.',
    );
  }
  const limits = limitsFromBody(input);
  const before = view(org.code, await readLimitsRow(db, 'org', org.id));
  await writeLimits(db, 'org', org.id, limits);
  await bumpChangeVersion(db);
  return { before, after: view(org.code, await readLimitsRow(db, 'org', org.id)) };
}
