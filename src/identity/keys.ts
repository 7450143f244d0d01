import { randomBytes } from 'node:crypto';
import { isIP } from 'node:net';
import { and, desc, eq, isNull, like } from 'drizzle-orm';
import { sm3Hex } from '../crypto/sm.js';
import { badRequest, notFound } from '../errors.js';
import {
  hasLimits,
  limitsFromBody,
  limitsView,
  type LimitsBody,
  type LimitsView,
} from '../limits/limits.js';
import { rowLimits, writeLimits } from '../limits/store.js';
import { bumpChangeVersion, schema, type Db } from '../store/index.js';
import { parseClearance, type Clearance } from '../guard/levels.js';
import { orgInScope } from './orgs.js';
import { actorLabel, assertCan, inScope, type Principal } from './principal.js';

export const KEY_PREFIX = 'zs-';

/** A key as the API and the CLI show it (never the key itself). API fields are snake_case. */
export interface KeyInfo {
  id: string;
  name: string;
  org: string;
  prefix: string;
  models: string[] | null;
  ip_allow: string[] | null;
  expires_at: Date | null;
  revoked_at: Date | null;
  created_by: string;
  created_at: Date;
  /** The key's own limits (its organisations' limits apply too), or null for none. */
  limits: LimitsView | null;
  /** The key's default data level (its organisation's applies too; the higher wins), or null. */
  data_level: Clearance | null;
}

export interface NewKey {
  org: string;
  name: string;
  models?: string[] | undefined;
  ipAllow?: string[] | undefined;
  /** `30d`, `12h`, `45m`, or an ISO-8601 time. */
  expires?: string | undefined;
  /** rpm, tpm, monthly_tokens, monthly_budget (exact CNY decimal) for this key alone. */
  limits?: LimitsBody | undefined;
  /** Default data level of the key's requests (general-1 … core). */
  dataLevel?: string | undefined;
}

export const hashKey = (key: string): string => sm3Hex(key);

export function parseExpiry(value: string, now = new Date()): Date {
  const rel = /^(\d{1,5})([dhm])$/.exec(value);
  if (rel) {
    const unit = { d: 86_400_000, h: 3_600_000, m: 60_000 }[rel[2] as 'd' | 'h' | 'm'];
    return new Date(now.getTime() + Number(rel[1]) * unit);
  }
  const at = new Date(value);
  if (!/^\d{4}-\d{2}-\d{2}/.test(value) || Number.isNaN(at.getTime())) {
    throw badRequest(
      'invalid_expiry',
      `Expiry "${value}" is neither a duration like 30d/12h/45m nor an ISO time.`,
      {
        param: 'expires',
      },
    );
  }
  if (at <= now)
    throw badRequest('invalid_expiry', 'Expiry must be in the future.', { param: 'expires' });
  return at;
}

export function checkIpAllowList(entries: readonly string[]): void {
  for (const entry of entries) {
    const [addr, bits, extra] = entry.split('/');
    const family = addr ? isIP(addr) : 0;
    const max = family === 4 ? 32 : 128;
    const okBits = bits === undefined || (/^\d{1,3}$/.test(bits) && Number(bits) <= max);
    if (!family || !okBits || extra !== undefined) {
      throw badRequest('invalid_ip_allow_list', `"${entry}" is not an IP address or CIDR block.`, {
        param: 'ip_allow',
      });
    }
  }
}

export async function createKey(
  db: Db,
  principal: Principal,
  input: NewKey,
  knownModels: ReadonlySet<string>,
): Promise<{ info: KeyInfo; key: string }> {
  assertCan(principal, 'keys.create');
  const org = await orgInScope(db, principal, input.org);
  return issueKey(db, org, input, actorLabel(principal), knownModels);
}

/**
 * Issue a key in `org` for a caller already authorised to (createKey, or the console's
 * playground for its own user). The key is returned once; only its SM3 hash is stored.
 */
export async function issueKey(
  db: Db,
  org: { id: string; code: string },
  input: Omit<NewKey, 'org'>,
  createdBy: string,
  knownModels: ReadonlySet<string>,
): Promise<{ info: KeyInfo; key: string }> {
  const unknown = (input.models ?? []).filter((m) => !knownModels.has(m));
  if (unknown.length) {
    throw badRequest('model_not_found', `Unknown model(s) in allow-list: ${unknown.join(', ')}.`, {
      param: 'models',
    });
  }
  if (input.ipAllow) checkIpAllowList(input.ipAllow);
  const name = input.name.trim();
  if (!name || name.length > 100)
    throw badRequest('invalid_name', 'Key name must be 1-100 characters.', { param: 'name' });
  const limits = limitsFromBody(input.limits ?? {});
  const dataLevel = input.dataLevel === undefined ? null : parseClearance(input.dataLevel);

  const key = KEY_PREFIX + randomBytes(32).toString('base64url');
  const row = await db.transaction(async (tx) => {
    const [inserted] = await tx
      .insert(schema.apiKeys)
      .values({
        orgId: org.id,
        name,
        prefix: key.slice(0, 10),
        keyHash: hashKey(key),
        models: input.models?.length ? input.models : null,
        ipAllow: input.ipAllow?.length ? input.ipAllow : null,
        expiresAt: input.expires ? parseExpiry(input.expires) : null,
        dataLevel,
        createdBy,
      })
      .returning();
    await writeLimits(tx, 'key', inserted!.id, limits);
    return inserted!;
  });
  await bumpChangeVersion(db);
  return { info: toInfo(row, org.code, hasLimits(limits) ? limitsView(limits) : null), key };
}

/** A key row with its organisation's code and its own limits row, if any. */
const keyColumns = {
  key: schema.apiKeys,
  orgCode: schema.orgs.code,
  orgPath: schema.orgs.path,
  limits: schema.limits,
};
const limitsOfKey = and(
  eq(schema.limits.scope, 'key'),
  eq(schema.limits.scopeId, schema.apiKeys.id),
);
const keyLimits = (row: typeof schema.limits.$inferSelect | null): LimitsView | null =>
  row ? limitsView(rowLimits(row)) : null;

export async function listKeys(db: Db, principal: Principal, orgCode?: string): Promise<KeyInfo[]> {
  assertCan(principal, 'keys.read');
  const under = orgCode ? (await orgInScope(db, principal, orgCode)).path : principal.orgPath;
  const rows = await db
    .select(keyColumns)
    .from(schema.apiKeys)
    .innerJoin(schema.orgs, eq(schema.orgs.id, schema.apiKeys.orgId))
    .leftJoin(schema.limits, limitsOfKey)
    .where(like(schema.orgs.path, `${under}%`))
    .orderBy(desc(schema.apiKeys.createdAt));
  return rows
    .filter((r) => inScope(principal, r.orgPath))
    .map((r) => toInfo(r.key, r.orgCode, keyLimits(r.limits)));
}

export async function revokeKey(db: Db, principal: Principal, id: string): Promise<KeyInfo> {
  assertCan(principal, 'keys.revoke');
  const found = /^[0-9a-f-]{36}$/i.test(id)
    ? await db
        .select(keyColumns)
        .from(schema.apiKeys)
        .innerJoin(schema.orgs, eq(schema.orgs.id, schema.apiKeys.orgId))
        .leftJoin(schema.limits, limitsOfKey)
        .where(eq(schema.apiKeys.id, id))
    : [];
  const hit = found[0];
  if (!hit || !inScope(principal, hit.orgPath))
    throw notFound('key_not_found', `No API key with id ${id}.`);
  const [row] = await db
    .update(schema.apiKeys)
    .set({ revokedAt: new Date() })
    .where(and(eq(schema.apiKeys.id, id), isNull(schema.apiKeys.revokedAt)))
    .returning();
  await bumpChangeVersion(db);
  return toInfo(row ?? hit.key, hit.orgCode, keyLimits(hit.limits));
}

/** What the gateway needs to authorise a call; looked up by the key's SM3 hash. */
export interface KeyGrant {
  id: string;
  orgId: string;
  orgCode: string;
  orgPath: string;
  models: ReadonlySet<string> | null;
  ipAllow: readonly string[] | null;
  expiresAt: Date | null;
  revokedAt: Date | null;
  dataLevel: Clearance | null;
}

export async function findKeyGrant(db: Db, keyHash: string): Promise<KeyGrant | null> {
  const [row] = await db
    .select({ key: schema.apiKeys, orgCode: schema.orgs.code, orgPath: schema.orgs.path })
    .from(schema.apiKeys)
    .innerJoin(schema.orgs, eq(schema.orgs.id, schema.apiKeys.orgId))
    .where(eq(schema.apiKeys.keyHash, keyHash));
  if (!row) return null;
  return {
    id: row.key.id,
    orgId: row.key.orgId,
    orgCode: row.orgCode,
    orgPath: row.orgPath,
    models: row.key.models ? new Set(row.key.models) : null,
    ipAllow: row.key.ipAllow,
    expiresAt: row.key.expiresAt,
    revokedAt: row.key.revokedAt,
    dataLevel: row.key.dataLevel as Clearance | null,
  };
}

function toInfo(
  row: typeof schema.apiKeys.$inferSelect,
  org: string,
  limits: LimitsView | null,
): KeyInfo {
  return {
    id: row.id,
    name: row.name,
    org,
    prefix: row.prefix,
    models: row.models,
    ip_allow: row.ipAllow,
    expires_at: row.expiresAt,
    revoked_at: row.revokedAt,
    created_by: row.createdBy,
    created_at: row.createdAt,
    limits,
    data_level: row.dataLevel as Clearance | null,
  };
}
