import { sql, type SQL } from 'drizzle-orm';
import type { Principal } from '../../src/identity/principal.js';
import { monthlyBill } from '../../src/metering/bills.js';
import { formatYuan } from '../../src/metering/money.js';
import { usageReport, type UsageRow } from '../../src/metering/query.js';
import { queryRows, type Db } from '../../src/store/index.js';

/**
 * The console reports, each computed two ways:
 * - hub: the hub's own functions (`monthlyBill`, `usageReport`), which read `usage_daily`, the
 *   rollup the hub writes in the same transaction as every call's usage row;
 * - peer: the same answer from the raw per-call rows, as gateways that keep only a spend log do.
 * Every report is normalised to rows of strings, so the two answers can be compared exactly.
 */
export interface ReportScope {
  /** The subtree root's code and `orgs.path`. */
  org: string;
  path: string;
  /** Who asks: an org_admin of the subtree root (scoping is part of the work). */
  principal: Principal;
  /** The Shanghai month, `YYYY-MM`, and its first day and the first day after it. */
  month: string;
  fromDay: string;
  toDay: string;
  /** The same month as instants. */
  from: Date;
  to: Date;
}

export type Row = Record<string, string>;

export interface Report {
  name: string;
  approach: 'hub' | 'peer';
  /** What ran, for the report. */
  via: string;
  run: (db: Db, scope: ReportScope) => Promise<Row[]>;
  /** The statement, for EXPLAIN (SQL reports only). */
  statement?: (scope: ReportScope) => SQL;
}

const subtree = (scope: ReportScope) =>
  sql`SELECT id FROM orgs WHERE path LIKE ${`${scope.path}%`}`;

/** The hub's monthly bill (recomputed from the price catalog), one row per line. */
async function hubBill(db: Db, scope: ReportScope): Promise<Row[]> {
  const bill = await monthlyBill(db, scope.principal, { org: scope.org, month: scope.month });
  return bill.lines.map((l) => ({
    org: l.org,
    model: l.model,
    requests: String(l.requests),
    prompt_tokens: String(l.prompt_tokens),
    completion_tokens: String(l.completion_tokens),
    cached_tokens: String(l.cached_tokens),
    amount: l.amount,
  }));
}

/** The bill from the raw rows: per organisation × model, the costs recorded at call time. */
const billRaw = (s: ReportScope) => sql`
SELECT o.code AS org, t.model, t.requests, t.prompt_tokens, t.completion_tokens, t.cached_tokens,
  t.cost_nano
FROM (
  SELECT org_id, coalesce(served_model, model) AS model, count(*)::text AS requests,
    sum(prompt_tokens)::text AS prompt_tokens, sum(completion_tokens)::text AS completion_tokens,
    sum(cached_tokens)::text AS cached_tokens, sum(cost_nano)::text AS cost_nano
  FROM usage_records
  WHERE org_id IN (${subtree(s)}) AND at >= ${s.from.toISOString()} AND at < ${s.to.toISOString()}
  GROUP BY 1, 2
) t JOIN orgs o ON o.id = t.org_id`;

async function peerBill(db: Db, scope: ReportScope): Promise<Row[]> {
  const rows = await queryRows<Row>(db, billRaw(scope));
  return rows.map(({ cost_nano, ...r }) => ({ ...r, amount: formatYuan(BigInt(cost_nano!)) }));
}

/**
 * The hub's usage report with the groups a dashboard shows first (by model, by organisation, by
 * day), flattened to `{group, key, …totals}` rows.
 */
async function hubDashboard(db: Db, scope: ReportScope): Promise<Row[]> {
  const report = await usageReport(db, scope.principal, {
    org: scope.org,
    from: scope.month,
    to: scope.month,
    groupBy: ['model', 'org', 'day'],
  });
  const flat = (group: string, key: (r: UsageRow) => string, rows: UsageRow[] = []) =>
    rows.map((r) => ({
      group,
      key: key(r),
      requests: String(r.requests),
      errors: String(r.errors),
      tokens: String(r.total_tokens),
      cost: r.cost,
    }));
  const b = report.breakdowns;
  return [
    ...flat('model', (r) => ('model' in r ? r.model : ''), b.model),
    ...flat('org', (r) => ('org' in r ? (r.org ?? '') : ''), b.org),
    ...flat('day', (r) => ('day' in r ? r.day : ''), b.day),
  ];
}

/** The same three breakdowns from the raw rows, in one scan (GROUPING SETS). */
const dashboardRaw = (s: ReportScope) => sql`
SELECT CASE WHEN GROUPING(t.model) = 0 THEN 'model' WHEN GROUPING(o.code) = 0 THEN 'org'
    ELSE 'day' END AS "group",
  coalesce(t.model, o.code, t.day::text) AS key, sum(t.n)::text AS requests,
  sum(t.errors)::text AS errors, sum(t.tokens)::text AS tokens, sum(t.cost_nano)::text AS cost_nano
FROM (
  SELECT org_id, coalesce(served_model, model) AS model,
    (at AT TIME ZONE 'Asia/Shanghai')::date AS day, count(*) AS n, count(error_code) AS errors,
    sum(prompt_tokens::bigint + completion_tokens) AS tokens, sum(cost_nano) AS cost_nano
  FROM usage_records
  WHERE org_id IN (${subtree(s)}) AND at >= ${s.from.toISOString()} AND at < ${s.to.toISOString()}
  GROUP BY 1, 2, 3
) t JOIN orgs o ON o.id = t.org_id
GROUP BY GROUPING SETS ((t.model), (o.code), (t.day))`;

async function peerDashboard(db: Db, scope: ReportScope): Promise<Row[]> {
  const rows = await queryRows<Row>(db, dashboardRaw(scope));
  return rows.map(({ cost_nano, ...r }) => ({ ...r, cost: formatYuan(BigInt(cost_nano!)) }));
}

/**
 * A month of daily calls, tokens, cost and errors for every organisation of the subtree (org ×
 * day), which no hub function returns in one piece yet: the equivalent SQL on the rollup.
 */
const dashDaily = (s: ReportScope) => sql`
SELECT t.day::text AS day, o.code AS org, t.requests, t.tokens, t.cost_nano, t.errors
FROM (
  SELECT day, org_id, sum(requests)::text AS requests,
    sum(prompt_tokens + completion_tokens)::text AS tokens, sum(cost_nano)::text AS cost_nano,
    sum(errors)::text AS errors
  FROM usage_daily
  WHERE org_id IN (${subtree(s)}) AND day >= ${s.fromDay} AND day < ${s.toDay}
  GROUP BY day, org_id
) t JOIN orgs o ON o.id = t.org_id
ORDER BY t.day, o.code`;

const dashRaw = (s: ReportScope) => sql`
SELECT t.day::text AS day, o.code AS org, t.requests, t.tokens, t.cost_nano, t.errors
FROM (
  SELECT (at AT TIME ZONE 'Asia/Shanghai')::date AS day, org_id, count(*)::text AS requests,
    sum(prompt_tokens::bigint + completion_tokens)::text AS tokens,
    sum(cost_nano)::text AS cost_nano, count(error_code)::text AS errors
  FROM usage_records
  WHERE org_id IN (${subtree(s)}) AND at >= ${s.from.toISOString()} AND at < ${s.to.toISOString()}
  GROUP BY 1, 2
) t JOIN orgs o ON o.id = t.org_id
ORDER BY t.day, o.code`;

const viaSql =
  (statement: (s: ReportScope) => SQL) =>
  (db: Db, scope: ReportScope): Promise<Row[]> =>
    queryRows<Row>(db, statement(scope));

export const REPORTS: Report[] = [
  { name: 'monthly bill', approach: 'hub', via: 'monthlyBill() on usage_daily', run: hubBill },
  {
    name: 'monthly bill',
    approach: 'peer',
    via: 'SQL on usage_records',
    run: peerBill,
    statement: billRaw,
  },
  {
    name: 'dashboard',
    approach: 'hub',
    via: 'usageReport() on usage_daily, by model, org, day',
    run: hubDashboard,
  },
  {
    name: 'dashboard',
    approach: 'peer',
    via: 'SQL on usage_records, GROUPING SETS',
    run: peerDashboard,
    statement: dashboardRaw,
  },
  {
    name: 'org × day series',
    approach: 'hub',
    via: 'SQL on usage_daily',
    run: viaSql(dashDaily),
    statement: dashDaily,
  },
  {
    name: 'org × day series',
    approach: 'peer',
    via: 'SQL on usage_records',
    run: viaSql(dashRaw),
    statement: dashRaw,
  },
];

/** Both answers as sorted JSON lines, so row order does not matter. */
export const canonical = (rows: readonly Row[]): string =>
  rows
    .map((r) => JSON.stringify(Object.entries(r).sort(([a], [b]) => (a < b ? -1 : 1))))
    .sort()
    .join('\n');

/** EXPLAIN ANALYZE text of one statement (run once, after the timings). */
export async function explain(db: Db, statement: SQL): Promise<string> {
  const rows = await queryRows<Record<string, string>>(
    db,
    sql`EXPLAIN (ANALYZE, BUFFERS) ${statement}`,
  );
  return rows.map((r) => Object.values(r)[0]).join('\n');
}
