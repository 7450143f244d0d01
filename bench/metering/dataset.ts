import { randomBytes, randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import type { OrgInput } from '../../src/config/index.js';
import { hashKey } from '../../src/identity/keys.js';
import { applyOrgTree, ensureRootOrg, findOrgByCode, type Org } from '../../src/identity/orgs.js';
import { jsonRows } from '../../src/ledger/ledger.js';
import { yuanToNano } from '../../src/metering/money.js';
import { ensurePartitions } from '../../src/store/partitions.js';
import { queryRows, schema, type Db } from '../../src/store/index.js';

/**
 * The synthetic province: its organisation tree, keys and prices, and 10 million usage rows made
 * on the server (INSERT … SELECT generate_series), so the client is not what gets measured.
 */

export const PROVINCE = 'bench-prov';

export interface TreeShape {
  cities: number;
  departmentsPerCity: number;
  /** Keys per department; every city also has one key of its own. */
  keysPerDepartment: number;
}

/** Four public models with realistic CNY prices per 1k tokens (input, output, cached input). */
export const MODELS = [
  { name: 'deepseek-v3', input: '0.002', output: '0.008', cached: '0.0005', share: 0.45 },
  { name: 'qwen-plus', input: '0.0008', output: '0.002', cached: '0.0002', share: 0.3 },
  { name: 'glm-4-air', input: '0.0005', output: '0.0005', cached: '0.0005', share: 0.15 },
  { name: 'bge-m3', input: '0.0005', output: '0', cached: '0.0005', share: 0.1 },
] as const;

export function orgTree(shape: TreeShape): OrgInput {
  const pad = (n: number) => String(n).padStart(2, '0');
  return {
    code: PROVINCE,
    name: '基准省',
    kind: 'province',
    children: Array.from({ length: shape.cities }, (_, c) => ({
      code: `bench-c${pad(c + 1)}`,
      name: `基准市${c + 1}`,
      kind: 'city' as const,
      children: Array.from({ length: shape.departmentsPerCity }, (_, d) => ({
        code: `bench-c${pad(c + 1)}-d${pad(d + 1)}`,
        name: `基准市${c + 1}部门${d + 1}`,
        kind: 'department' as const,
      })),
    })),
  };
}

/** Create the tree with the hub's own config path, prices, and keys (hash only, as the hub does). */
export async function seedTree(db: Db, shape: TreeShape, from: string): Promise<Org> {
  const root = await ensureRootOrg(db, { code: 'root', name: '中枢平台运营方' });
  await applyOrgTree(db, root, [orgTree(shape)]);
  const province = await findOrgByCode(db, PROVINCE);
  if (!province) throw new Error('province was not created');
  const orgs = await queryRows<{ id: string; code: string; kind: string }>(
    db,
    sql`SELECT id, code, kind FROM orgs WHERE path LIKE ${`${province.path}%`} ORDER BY code`,
  );
  const keys = orgs.flatMap((o) =>
    Array.from({ length: o.kind === 'department' ? shape.keysPerDepartment : 1 }, (_, i) => ({
      orgId: o.id,
      name: `${o.code}-app${i + 1}`,
      prefix: 'zs-bench',
      keyHash: hashKey(`zs-${randomBytes(24).toString('base64url')}`),
      createdBy: 'bench',
    })),
  );
  await db.insert(schema.apiKeys).values(keys);
  await db.insert(schema.modelPrices).values(
    MODELS.map((m) => ({
      model: m.name,
      effectiveFrom: from,
      inputPer1k: m.input,
      outputPer1k: m.output,
      cachedInputPer1k: m.cached,
      source: 'config',
    })),
  );
  return province;
}

/** `[start, end)` of the Shanghai month `offset` months from the one holding `at`. */
export function shanghaiMonth(at: Date, offset: number): { start: Date; end: Date; label: string } {
  const local = new Date(at.getTime() + 8 * 3_600_000);
  const y = local.getUTCFullYear();
  const m = local.getUTCMonth() + offset;
  const start = new Date(Date.UTC(y, m, 1) - 8 * 3_600_000);
  const end = new Date(Date.UTC(y, m + 1, 1) - 8 * 3_600_000);
  const label = new Date(start.getTime() + 8 * 3_600_000).toISOString().slice(0, 7);
  return { start, end, label };
}

/** Usage partitions for each month of the window, through the hub's own ensurePartitions. */
export async function createPartitions(db: Db, months: readonly { start: Date }[]): Promise<void> {
  for (const m of months) await ensurePartitions(db, m.start);
}

/** A uniform [0, 1) draw that depends only on the row number and a salt (reproducible data). */
const u = (salt: number) => `((hashint8(g * 16 + ${salt}) & 2147483647)::float8 / 2147483648.0)`;

/**
 * Rows `[first, last]` of `total`, spread evenly over `[start, end)` in time order (as the hub
 * appends them). Keys are skewed (a few busy applications, a long tail, scattered over the tree); 90% chat, 7%
 * embeddings; 60% streamed; about 1.5% errors (no tokens); costs priced exactly like the recorder does.
 */
export async function insertUsageBatch(
  db: Db,
  range: { first: number; last: number; total: number; start: Date; end: Date },
): Promise<void> {
  const spanMs = range.end.getTime() - range.start.getTime();
  const nano = (v: string) => yuanToNano(v).toString();
  const arr = (values: readonly string[]) => `(ARRAY[${values.join(',')}])`;
  // Cumulative shares pick the model from one draw.
  let acc = 0;
  const cut = MODELS.map((m) => (acc += m.share));
  const modelIdx = `(CASE ${cut
    .slice(0, -1)
    .map((c, i) => `WHEN ${u(3)} < ${c} THEN ${i + 1}`)
    .join(' ')} ELSE ${MODELS.length} END)`;
  // Refused (429) and failed (502) calls used no tokens and cost nothing.
  const ok = `(CASE WHEN ${u(6)} < 0.015 THEN 0 ELSE 1 END)`;
  const names = arr(MODELS.map((m) => `'${m.name}'`));
  const pin = arr(MODELS.map((m) => nano(m.input)));
  const pout = arr(MODELS.map((m) => nano(m.output)));
  const pcached = arr(MODELS.map((m) => nano(m.cached)));
  await db.execute(
    sql.raw(`
WITH k AS (
  SELECT array_agg(k.id ORDER BY md5(k.name)) AS kid,
         array_agg(k.org_id ORDER BY md5(k.name)) AS oid,
         count(*)::int AS n
  FROM api_keys k WHERE k.created_by = 'bench'
)
INSERT INTO usage_records (at, request_id, org_id, key_id, op, model, served_model, endpoint,
  stream, data_level, prompt_tokens, completion_tokens, cached_tokens, estimated, latency_ms,
  ttft_ms, status, error_code, attempts, cost_nano, ledger_seq)
SELECT at, request_id, k.oid[ki], k.kid[ki], op, ${names}[mi], ${names}[mi], 'ep-' || ${names}[mi],
  stream, NULL, prompt, completion, cached, false, latency, CASE WHEN stream THEN ttft END,
  status, error_code, 1,
  ((prompt - cached)::bigint * ${pin}[mi] + cached::bigint * ${pcached}[mi]
    + completion::bigint * ${pout}[mi]) / 1000,
  g
FROM k, (
  SELECT g,
    timestamptz '${range.start.toISOString()}'
      + ((g - 1 + ${u(0)}) / ${range.total}.0 * ${spanMs}) * interval '1 millisecond' AS at,
    md5(g::text)::uuid::text AS request_id,
    ${modelIdx} AS mi,
    CASE WHEN ${u(4)} < 0.93 THEN 'chat' ELSE 'embeddings' END AS op,
    ${u(5)} < 0.6 AS stream,
    CASE WHEN ${u(6)} < 0.01 THEN 502 WHEN ${u(6)} < 0.015 THEN 429 ELSE 200 END AS status,
    CASE WHEN ${u(6)} < 0.01 THEN 'upstream_error' WHEN ${u(6)} < 0.015 THEN 'rate_limited' END
      AS error_code,
    ${ok} * (40 + floor(${u(7)} * ${u(7)} * 4000))::int AS prompt,
    ${ok} * (10 + floor(${u(8)} * 900))::int AS completion,
    ${ok} * (floor(${u(9)} * 0.3 * (40 + floor(${u(7)} * ${u(7)} * 4000))))::int AS cached,
    (300 + ${u(10)} * 4000)::real AS latency,
    (80 + ${u(11)} * 600)::real AS ttft
  FROM generate_series(${range.first}, ${range.last}) g
  OFFSET 0
) s0,
LATERAL (SELECT 1 + floor(power(${u(12)}, 2) * k.n)::int AS ki) s1
`),
  );
}

/**
 * The daily rollup the hub keeps per call (same transaction as the rows), built here in one
 * aggregate pass: one row per Shanghai day × organisation × key × served model.
 */
export async function buildDailyRollup(db: Db): Promise<void> {
  await db.execute(sql`
INSERT INTO usage_daily (day, org_id, key_id, model, requests, errors, prompt_tokens,
  completion_tokens, cached_tokens, cost_nano, latency_ms_sum)
SELECT (at AT TIME ZONE 'Asia/Shanghai')::date, org_id, key_id, coalesce(served_model, model),
  count(*), count(error_code), sum(prompt_tokens), sum(completion_tokens), sum(cached_tokens),
  sum(cost_nano), sum(latency_ms)
FROM usage_records GROUP BY 1, 2, 3, 4
ORDER BY 1, 2, 3, 4`);
}

/**
 * The hub's write shape, for comparison with the bulk load: `batch` rows per statement sent by
 * the client as one JSON parameter, as the recorder's group commit writes them (up to 512 a
 * batch), at `at`. Returns rows per second. The rows go to the month of `at`, which the reports
 * do not read.
 */
export async function insertLikeRecorder(
  db: Db,
  count: number,
  batch: number,
  at: Date,
): Promise<number> {
  const keys = await queryRows<{ id: string; org_id: string }>(
    db,
    sql`SELECT id, org_id FROM api_keys WHERE created_by = 'bench'`,
  );
  const started = performance.now();
  for (let done = 0; done < count; done += batch) {
    const rows = Array.from({ length: Math.min(batch, count - done) }, (_, i) => {
      const key = keys[(done + i) % keys.length]!;
      const prompt = 40 + Math.floor(Math.random() * 2000);
      const completion = 10 + Math.floor(Math.random() * 900);
      return {
        at,
        request_id: randomUUID(),
        org_id: key.org_id,
        key_id: key.id,
        op: 'chat',
        model: 'deepseek-v3',
        served_model: 'deepseek-v3',
        endpoint: 'ep-deepseek-v3',
        stream: true,
        data_level: null,
        prompt_tokens: prompt,
        completion_tokens: completion,
        cached_tokens: 0,
        estimated: false,
        latency_ms: 1200,
        ttft_ms: 300,
        status: 200,
        error_code: null,
        attempts: 1,
        cost_nano: BigInt(prompt * 2_000 + completion * 8_000),
        ledger_seq: done + i + 1,
      };
    });
    await db.execute(sql`SELECT zs_usage_write(${jsonRows(rows)}::jsonb, NULL, NULL)`);
  }
  return count / ((performance.now() - started) / 1000);
}
