import { LATENCY_BUCKETS, latencyQuantile } from './latency.js';
import { and, asc, between, inArray, like, sql, type SQL } from 'drizzle-orm';
import { badRequest } from '../errors.js';
import { findOrgById, orgColumns, orgInScope, type Org } from '../identity/orgs.js';
import { assertCan, inScope, type Principal } from '../identity/principal.js';
import { schema, type Db } from '../store/index.js';
import { formatYuan } from './money.js';
import { shanghaiDay } from './prices.js';

/**
 * Usage by organisation subtree over a range of Shanghai days, read from the daily rollup
 * (`usage_daily`), never from the per-call records: a month of a busy province is a few thousand
 * rollup rows however many million calls it had.
 */

export const USAGE_GROUPS = ['model', 'org', 'day', 'month', 'key'] as const;
export type UsageGroup = (typeof USAGE_GROUPS)[number];
/** What `group_by` means when it is not given: cheap, and what a dashboard shows first. */
export const DEFAULT_GROUPS: readonly UsageGroup[] = ['model', 'org', 'day'];

export interface DayRange {
  /** First Shanghai day, `YYYY-MM-DD`, inclusive. */
  from: string;
  /** Last Shanghai day, inclusive. */
  to: string;
}

export interface UsageTotals {
  requests: number;
  errors: number;
  prompt_tokens: number;
  completion_tokens: number;
  cached_tokens: number;
  total_tokens: number;
  /** Exact CNY with nine decimals, as recorded when the calls were made. */
  cost: string;
  avg_latency_ms: number | null;
  /** Estimated from the rollup's latency histograms (src/metering/latency.ts); null: no data. */
  p95_latency_ms: number | null;
}

export type UsageRow = UsageTotals &
  (
    | { model: string }
    | { org: string; org_name: string }
    | { day: string }
    | { month: string }
    | { key_id: string; key_name: string | null; key_prefix: string | null; org: string | null }
  );

export interface UsageReport {
  org: { code: string; name: string };
  from: string;
  to: string;
  totals: UsageTotals;
  breakdowns: Partial<Record<UsageGroup, UsageRow[]>>;
}

export interface UsageInput {
  /** Organisation code; default: the caller's own organisation. */
  org?: string | undefined;
  from?: string | undefined;
  to?: string | undefined;
  groupBy?: readonly UsageGroup[] | undefined;
}

const DAY = /^(\d{4})-(\d{2})-(\d{2})$/;
const MONTH = /^(\d{4})-(\d{2})$/;

const lastDayOf = (year: number, month: number) => new Date(Date.UTC(year, month, 0)).getUTCDate();
const pad = (n: number) => String(n).padStart(2, '0');

function invalid(param: string, value: string, expected: string) {
  return badRequest('invalid_request', `${param}: expected ${expected}, got "${value}".`, {
    param,
  });
}

/** `YYYY-MM` → its first and last day; anything else (2026-13, 2026-5) is invalid_request. */
export function parseMonth(value: string, param = 'month'): DayRange {
  const m = MONTH.exec(value);
  const year = Number(m?.[1]);
  const month = Number(m?.[2]);
  if (!m || month < 1 || month > 12) throw invalid(param, value, 'a month as YYYY-MM');
  return {
    from: `${m[1]}-${m[2]}-01`,
    to: `${m[1]}-${m[2]}-${pad(lastDayOf(year, month))}`,
  };
}

/** A day (`YYYY-MM-DD`, a real calendar day) or a month, read as its first or last day. */
export function parseDay(value: string, edge: 'start' | 'end', param: string): string {
  if (MONTH.test(value)) {
    const range = parseMonth(value, param);
    return edge === 'start' ? range.from : range.to;
  }
  const d = DAY.exec(value);
  const [year, month, day] = [Number(d?.[1]), Number(d?.[2]), Number(d?.[3])];
  if (!d || month < 1 || month > 12 || day < 1 || day > lastDayOf(year, month))
    throw invalid(param, value, 'a day as YYYY-MM-DD or a month as YYYY-MM');
  return value;
}

/**
 * The inclusive range of Shanghai days. Neither bound: the current month. Only `from`: from then
 * to the end of the current month. Only `to`: from the first day of `to`'s month.
 */
export function parseRange(from?: string, to?: string, today = shanghaiDay(new Date())): DayRange {
  const start = from === undefined ? undefined : parseDay(from, 'start', 'from');
  const end = to === undefined ? undefined : parseDay(to, 'end', 'to');
  const range = {
    from: start ?? (end ? `${end.slice(0, 7)}-01` : parseMonth(today.slice(0, 7)).from),
    to: end ?? parseMonth(today.slice(0, 7)).to,
  };
  if (range.from > range.to)
    throw badRequest('invalid_request', `from (${range.from}) is after to (${range.to}).`, {
      param: 'from',
    });
  return range;
}

/** `model,org` → the groups; an unknown name is invalid_request. */
export function parseGroups(value: string): UsageGroup[] {
  const names = value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  for (const name of names)
    if (!(USAGE_GROUPS as readonly string[]).includes(name))
      throw invalid('group_by', name, USAGE_GROUPS.join(', '));
  return [...new Set(names)] as UsageGroup[];
}

/** The organisation a report is about (in scope, else org_not_found) and the orgs it covers. */
export async function scopedSubtree(
  db: Db,
  principal: Principal,
  code: string | undefined,
): Promise<{ org: Org; members: Org[] }> {
  const own = code === undefined ? await findOrgById(db, principal.orgId) : null;
  const org = await orgInScope(db, principal, code ?? own?.code ?? '');
  const rows = await db
    .select(orgColumns)
    .from(schema.orgs)
    .where(like(schema.orgs.path, `${org.path}%`))
    .orderBy(asc(schema.orgs.path));
  // A developer sees only their own organisation, not the ones below it.
  return { org, members: rows.filter((o) => inScope(principal, o.path)) };
}

const t = schema.usageDaily;
/** Sums as text: bigint sums are numeric in PostgreSQL, and money must stay exact. */
const SUMS = {
  requests: sql<string>`coalesce(sum(${t.requests}), 0)::text`,
  errors: sql<string>`coalesce(sum(${t.errors}), 0)::text`,
  prompt: sql<string>`coalesce(sum(${t.promptTokens}), 0)::text`,
  completion: sql<string>`coalesce(sum(${t.completionTokens}), 0)::text`,
  cached: sql<string>`coalesce(sum(${t.cachedTokens}), 0)::text`,
  cost: sql<string>`coalesce(sum(${t.costNano}), 0)::text`,
  latency: sql<number>`coalesce(sum(${t.latencyMsSum}), 0)::float8`,
};
type Sums = { [K in keyof typeof SUMS]: string | number };

interface Acc {
  requests: number;
  errors: number;
  prompt: number;
  completion: number;
  cached: number;
  cost: bigint;
  latency: number;
  /** Calls per latency bucket. */
  buckets: number[];
}
const noBuckets = () => new Array<number>(LATENCY_BUCKETS).fill(0);
const zero = (): Acc => ({
  requests: 0,
  errors: 0,
  prompt: 0,
  completion: 0,
  cached: 0,
  cost: 0n,
  latency: 0,
  buckets: noBuckets(),
});
const accOf = (s: Sums, buckets: number[]): Acc => ({
  requests: Number(s.requests),
  errors: Number(s.errors),
  prompt: Number(s.prompt),
  completion: Number(s.completion),
  cached: Number(s.cached),
  cost: BigInt(s.cost),
  latency: Number(s.latency),
  buckets,
});
const add = (a: Acc, b: Acc): Acc => ({
  requests: a.requests + b.requests,
  errors: a.errors + b.errors,
  prompt: a.prompt + b.prompt,
  completion: a.completion + b.completion,
  cached: a.cached + b.cached,
  cost: a.cost + b.cost,
  latency: a.latency + b.latency,
  buckets: a.buckets.map((n, i) => n + (b.buckets[i] ?? 0)),
});
const totalsOf = (a: Acc): UsageTotals => ({
  requests: a.requests,
  errors: a.errors,
  prompt_tokens: a.prompt,
  completion_tokens: a.completion,
  cached_tokens: a.cached,
  total_tokens: a.prompt + a.completion,
  cost: formatYuan(a.cost),
  avg_latency_ms: a.requests ? Math.round((a.latency / a.requests) * 10) / 10 : null,
  p95_latency_ms: latencyQuantile(a.buckets, 0.95),
});

/** One grouped sum over the rollup rows of these organisations and days. */
async function sumBy(
  db: Db,
  orgIds: string[],
  range: DayRange,
  group: SQL,
): Promise<{ g: string; acc: Acc }[]> {
  if (!orgIds.length) return [];
  const where = and(inArray(t.orgId, orgIds), between(t.day, range.from, range.to));
  const rows = await db
    .select({ g: sql<string>`${group}::text`, ...SUMS })
    .from(t)
    .where(where)
    .groupBy(group)
    .orderBy(group);
  // The histograms summed bucket by bucket per group, in the same pass over the same rows.
  const hist = (await db.execute(sql`
    SELECT ${group}::text AS g, u.i::int AS i, sum(u.n)::float8 AS n
      FROM ${t}, unnest(${t.latencyBuckets}) WITH ORDINALITY AS u(n, i)
     WHERE ${where}
     GROUP BY 1, 2`)) as { rows: { g: string; i: number; n: number }[] };
  const buckets = new Map<string, number[]>();
  for (const h of hist.rows) {
    let b = buckets.get(h.g);
    if (!b) buckets.set(h.g, (b = noBuckets()));
    if (h.i >= 1 && h.i <= LATENCY_BUCKETS) b[h.i - 1] = Number(h.n);
  }
  return rows.map((r) => ({ g: r.g, acc: accOf(r, buckets.get(r.g) ?? noBuckets()) }));
}

const GROUP_SQL: Record<UsageGroup, SQL> = {
  model: sql`${t.model}`,
  org: sql`${t.orgId}`,
  day: sql`to_char(${t.day}, 'YYYY-MM-DD')`,
  month: sql`to_char(${t.day}, 'YYYY-MM')`,
  key: sql`${t.keyId}`,
};

/**
 * Totals and breakdowns for an organisation and everything below it that the caller may see.
 * Costs are summed as bigints of nano-yuan and printed exactly.
 */
export async function usageReport(
  db: Db,
  principal: Principal,
  input: UsageInput,
): Promise<UsageReport> {
  assertCan(principal, 'usage.read');
  const range = parseRange(input.from, input.to);
  const groups = input.groupBy?.length ? input.groupBy : DEFAULT_GROUPS;
  const { org, members } = await scopedSubtree(db, principal, input.org);
  const ids = members.map((o) => o.id);

  // Totals come from the model breakdown (always small), so they cost no extra scan.
  const byModel = await sumBy(db, ids, range, GROUP_SQL.model);
  const totals = totalsOf(byModel.reduce((a, r) => add(a, r.acc), zero()));
  const breakdowns: UsageReport['breakdowns'] = {};
  for (const group of groups) {
    const rows = group === 'model' ? byModel : await sumBy(db, ids, range, GROUP_SQL[group]);
    breakdowns[group] = await label(db, group, rows, members);
  }
  return {
    org: { code: org.code, name: org.name },
    from: range.from,
    to: range.to,
    totals,
    breakdowns,
  };
}

async function label(
  db: Db,
  group: UsageGroup,
  rows: { g: string; acc: Acc }[],
  members: Org[],
): Promise<UsageRow[]> {
  switch (group) {
    case 'model':
      return rows.map((r) => ({ model: r.g, ...totalsOf(r.acc) }));
    case 'day':
      return rows.map((r) => ({ day: r.g, ...totalsOf(r.acc) }));
    case 'month':
      return rows.map((r) => ({ month: r.g, ...totalsOf(r.acc) }));
    case 'org': {
      // Tree order (by path), each organisation with its own calls only.
      const sums = new Map(rows.map((r) => [r.g, r.acc]));
      return members
        .filter((o) => sums.has(o.id))
        .map((o) => ({ org: o.code, org_name: o.name, ...totalsOf(sums.get(o.id)!) }));
    }
    case 'key': {
      const ids = rows.map((r) => r.g);
      const keys = ids.length
        ? await db
            .select({
              id: schema.apiKeys.id,
              name: schema.apiKeys.name,
              prefix: schema.apiKeys.prefix,
              orgId: schema.apiKeys.orgId,
            })
            .from(schema.apiKeys)
            .where(inArray(schema.apiKeys.id, ids))
        : [];
      const byId = new Map(keys.map((k) => [k.id, k]));
      const codes = new Map(members.map((o) => [o.id, o.code]));
      return rows.map((r) => {
        const k = byId.get(r.g);
        return {
          key_id: r.g,
          key_name: k?.name ?? null,
          key_prefix: k?.prefix ?? null,
          org: k ? (codes.get(k.orgId) ?? null) : null,
          ...totalsOf(r.acc),
        };
      });
    }
  }
}

/** The query string for GET /api/v1/usage (the CLI's remote mode). */
export function usageQueryString(input: UsageInput): string {
  const params = new URLSearchParams();
  if (input.org !== undefined) params.set('org', input.org);
  if (input.from !== undefined) params.set('from', input.from);
  if (input.to !== undefined) params.set('to', input.to);
  if (input.groupBy?.length) params.set('group_by', input.groupBy.join(','));
  const text = params.toString();
  return text ? `?${text}` : '';
}
