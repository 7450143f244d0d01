import { randomUUID } from 'node:crypto';
import ExcelJS from 'exceljs';
import { asc, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Bill, BillLine } from '../../src/metering/bills.js';
import type { PriceView } from '../../src/metering/routes.js';
import { schema } from '../../src/store/index.js';
import { adminSession, expectError, userSession } from '../identity/harness.js';
import { gatewayConfig, startHub, type TestHub } from '../support/hub.js';
import { startUpstream, type UpstreamDouble } from '../support/upstream-double.js';

/**
 * Monthly bills recomputed from the price catalog: past usage is written straight into the daily
 * rollup for March 2025, then prices are corrected with effective dates through the API and the
 * bill must follow, to the nano-yuan, in JSON, CSV and XLSX.
 */
let upstream: UpstreamDouble;
let hub: TestHub;
let sysadmin: string;
const org: Record<string, string> = {};
const key: Record<string, string> = {};

const db = () => hub.hub.store.db;

beforeAll(async () => {
  upstream = await startUpstream();
  hub = await startHub(
    gatewayConfig({ vllm: upstream.url }, [
      {
        name: 'qwen',
        targets: [{ endpoint: 'vllm', model: 'Qwen2.5-7B-Instruct' }],
        prices: [{ from: '2020-01-01', input: '0.004', output: '0.012' }],
      },
      {
        name: 'ernie',
        targets: [{ endpoint: 'vllm', model: 'ernie' }],
        prices: [{ from: '2020-01-01', input: '0.001', output: '0.002', cached_input: '0.0005' }],
      },
      { name: 'glm', targets: [{ endpoint: 'vllm', model: 'glm' }] },
    ]),
  );
  sysadmin = await adminSession(hub, 'sysadmin');
  for (const row of await db().select().from(schema.orgs)) org[row.code] = row.id;
  for (const code of ['gd', 'gd-gz', 'gd-sz']) key[code] = (await hub.createKey(code)).id;

  const day = (
    d: string,
    code: string,
    model: string,
    t: { requests: number; prompt: number; completion: number; cached?: number; recorded: bigint },
  ) => ({
    day: d,
    orgId: org[code]!,
    keyId: key[code]!,
    model,
    requests: t.requests,
    errors: 0,
    promptTokens: t.prompt,
    completionTokens: t.completion,
    cachedTokens: t.cached ?? 0,
    costNano: t.recorded,
    latencyMsSum: 100 * t.requests,
  });
  await db()
    .insert(schema.usageDaily)
    .values([
      // Outside March on both sides.
      day('2025-02-28', 'gd-gz', 'qwen', {
        requests: 7,
        prompt: 7000,
        completion: 7000,
        recorded: 1n,
      }),
      day('2025-04-01', 'gd-gz', 'qwen', {
        requests: 1,
        prompt: 1000,
        completion: 1000,
        recorded: 1n,
      }),
      // 31,250 tokens at 0.004 per 1k: 0.125 exactly, 0.13 when rounded half up.
      day('2025-03-05', 'gd-gz', 'qwen', {
        requests: 10,
        prompt: 31_250,
        completion: 0,
        recorded: 125_000_000n,
      }),
      day('2025-03-20', 'gd-gz', 'qwen', {
        requests: 5,
        prompt: 100_000,
        completion: 50_000,
        cached: 20_000,
        recorded: 1_000_000_000n,
      }),
      // A second key of the same organisation on the same day adds up into one line.
      {
        ...day('2025-03-20', 'gd-gz', 'qwen', {
          requests: 0,
          prompt: 0,
          completion: 0,
          recorded: 0n,
        }),
        keyId: randomUUID(),
      },
      day('2025-03-10', 'gd-sz', 'qwen', {
        requests: 3,
        prompt: 1_234_567,
        completion: 89_012,
        recorded: 6_006_412_000n,
      }),
      day('2025-03-11', 'gd-sz', 'glm', {
        requests: 2,
        prompt: 1000,
        completion: 500,
        recorded: 0n,
      }),
      // The last day of the month belongs to it.
      day('2025-03-31', 'gd', 'ernie', {
        requests: 4,
        prompt: 10_000,
        completion: 2_000,
        cached: 4_000,
        recorded: 12_000_000n,
      }),
    ]);
});

afterAll(async () => {
  await hub?.close();
  await upstream?.close();
});

const bill = (month: string, query = '?org=gd', token?: string) =>
  hub.api<Bill>('GET', `/api/v1/bills/${month}${query}`, undefined, token);
const lineOf = (b: Bill, orgCode: string, model: string, from?: string | null) => {
  const found = b.lines.filter(
    (l) => l.org === orgCode && l.model === model && (from === undefined || l.price_from === from),
  );
  expect(found, `${orgCode} ${model} ${from}`).toHaveLength(1);
  return found[0]!;
};
const setPrice = (model: string, body: Record<string, unknown>, token = sysadmin) =>
  hub.api<PriceView>('PUT', `/api/v1/prices/${model}`, body, token);

describe('a monthly bill at catalog prices', () => {
  it('prices each organisation and model, rounds lines for display and totals the exact sum', async () => {
    const res = await bill('2025-03');
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    const b = res.body;
    expect(b).toMatchObject({
      month: '2025-03',
      from: '2025-03-01',
      to: '2025-03-31',
      currency: 'CNY',
    });
    expect(b.org).toEqual({ code: 'gd', name: '广东省政务服务和数据管理局' });
    expect(b.lines).toHaveLength(4);
    // The province's own line comes first (tree order).
    expect(b.lines[0]).toEqual<BillLine>({
      org: 'gd',
      org_name: '广东省政务服务和数据管理局',
      model: 'ernie',
      price_from: '2020-01-01',
      requests: 4,
      prompt_tokens: 10_000,
      cached_tokens: 4_000,
      completion_tokens: 2_000,
      total_tokens: 12_000,
      input_per_1k: '0.001000',
      cached_input_per_1k: '0.000500',
      output_per_1k: '0.002000',
      // 6,000 × 0.001 + 4,000 × 0.0005 + 2,000 × 0.002, per 1k.
      amount: '0.012000000',
      amount_rounded: '0.01',
      note: null,
    });
    // 0.125 on the 5th + (100,000 × 0.004 + 50,000 × 0.012) / 1k = 1.0 on the 20th.
    expect(lineOf(b, 'gd-gz', 'qwen')).toMatchObject({
      requests: 15,
      prompt_tokens: 131_250,
      cached_tokens: 20_000,
      completion_tokens: 50_000,
      // No cached price in the catalog: cached tokens cost the input price.
      cached_input_per_1k: '0.004000',
      amount: '1.125000000',
      amount_rounded: '1.13',
    });
    expect(lineOf(b, 'gd-sz', 'qwen')).toMatchObject({
      amount: '6.006412000',
      amount_rounded: '6.01',
    });
    // An unpriced model is listed with its tokens and billed nothing.
    expect(lineOf(b, 'gd-sz', 'glm')).toMatchObject({
      price_from: null,
      requests: 2,
      prompt_tokens: 1000,
      input_per_1k: null,
      output_per_1k: null,
      amount: '0.000000000',
      amount_rounded: '0.00',
      note: 'unpriced',
    });
    expect(b.unpriced_models).toEqual(['glm']);
    // The rounded lines add up to 7.15; the total is the exact sum, rounded once.
    expect(b.total).toEqual({
      requests: 24,
      prompt_tokens: 1_376_817,
      cached_tokens: 24_000,
      completion_tokens: 141_512,
      total_tokens: 1_518_329,
      amount: '7.143412000',
      amount_rounded: '7.14',
    });
    expect(b.recorded_cost).toBe('7.143412000');
  });

  it('follows a price correction for a past month, day by day, and a correction of it', async () => {
    const first = await setPrice('qwen', {
      from: '2025-03-15',
      input: '0.002',
      output: 0.006,
      cached_input: '0.0005',
    });
    expect(first.status, JSON.stringify(first.body)).toBe(200);
    expect(first.body).toEqual({
      model: 'qwen',
      from: '2025-03-15',
      input: '0.002000',
      output: '0.006000',
      cached_input: '0.000500',
      source: 'api',
    });
    let b = (await bill('2025-03')).body;
    // The 5th stays at the old price; the 20th takes the new one:
    // (80,000 × 0.002 + 20,000 × 0.0005 + 50,000 × 0.006) / 1k = 0.47.
    expect(lineOf(b, 'gd-gz', 'qwen', '2020-01-01')).toMatchObject({
      requests: 10,
      amount: '0.125000000',
      amount_rounded: '0.13',
    });
    expect(lineOf(b, 'gd-gz', 'qwen', '2025-03-15')).toMatchObject({
      requests: 5,
      input_per_1k: '0.002000',
      cached_input_per_1k: '0.000500',
      output_per_1k: '0.006000',
      amount: '0.470000000',
    });
    // The 10th is before the correction.
    expect(lineOf(b, 'gd-sz', 'qwen').amount).toBe('6.006412000');
    expect(b.total.amount).toBe('6.613412000');
    // What was charged when the calls were made is not rewritten.
    expect(b.recorded_cost).toBe('7.143412000');

    // Correcting the correction replaces the row with the same effective date.
    expect(
      (
        await setPrice('qwen', {
          from: '2025-03-15',
          input: '0.003',
          output: '0.006',
          cached_input: '0.0005',
        })
      ).status,
    ).toBe(200);
    b = (await bill('2025-03')).body;
    expect(lineOf(b, 'gd-gz', 'qwen', '2025-03-15').amount).toBe('0.550000000');
    expect(b.total).toMatchObject({ amount: '6.693412000', amount_rounded: '6.69' });
    // The price still applies in April: (1,000 × 0.003 + 1,000 × 0.006) / 1k.
    const april = (await bill('2025-04')).body;
    expect(april.lines).toEqual([
      expect.objectContaining({ org: 'gd-gz', price_from: '2025-03-15', amount: '0.009000000' }),
    ]);

    const prices = await hub.api<{ data: PriceView[] }>('GET', '/api/v1/prices?model=qwen');
    expect(prices.body.data.map((p) => [p.from, p.input, p.source])).toEqual([
      ['2025-03-15', '0.003000', 'api'],
      ['2020-01-01', '0.004000', 'config'],
    ]);
    const entries = await db()
      .select()
      .from(schema.ledgerEntries)
      .where(eq(schema.ledgerEntries.action, 'price.set'))
      .orderBy(asc(schema.ledgerEntries.seq));
    expect(entries.map((e) => [e.actor, e.object, e.outcome])).toEqual([
      [expect.stringMatching(/^user:/), 'qwen', 'ok'],
      [expect.stringMatching(/^user:/), 'qwen', 'ok'],
    ]);
    expect(entries[1]!.detail).toEqual({
      from: '2025-03-15',
      input: '0.003000',
      output: '0.006000',
      cached_input: '0.000500',
    });
  });

  it('exports CSV with a BOM, bilingual headers, one row per line and the total', async () => {
    const res = await fetch(`${hub.url}/api/v1/bills/2025-03?org=gd&format=csv`, {
      headers: { authorization: `Bearer ${hub.operatorToken}` },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(res.headers.get('content-disposition')).toBe(
      'attachment; filename="bill-gd-2025-03.csv"',
    );
    const bytes = Buffer.from(await res.arrayBuffer());
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const text = bytes.subarray(3).toString('utf8');
    expect(text.endsWith('\r\n')).toBe(true);
    const rows = text.trimEnd().split('\r\n');
    expect(rows[0]).toBe(
      '组织代码 Org code,组织名称 Org name,模型 Model,价格生效日 Price from,请求数 Requests,' +
        '输入tokens Prompt tokens,其中缓存tokens Cached tokens,输出tokens Completion tokens,' +
        '合计tokens Total tokens,输入单价(元/千tokens) Input CNY/1k,' +
        '缓存输入单价(元/千tokens) Cached input CNY/1k,输出单价(元/千tokens) Output CNY/1k,' +
        '金额(元) Amount CNY,精确金额(元) Exact amount CNY,备注 Note',
    );
    // Header, five lines (gd-gz qwen is split at the correction), total.
    expect(rows).toHaveLength(7);
    expect(rows).toContain(
      'gd-gz,广州市政务服务数据管理局,qwen,2025-03-15,5,100000,20000,50000,150000,' +
        '0.003000,0.000500,0.006000,0.55,0.550000000,',
    );
    expect(rows).toContain(
      'gd-sz,深圳市政务服务数据管理局,glm,,2,1000,0,500,1500,,,,0.00,0.000000000,' +
        '未定价，不计费 unpriced (not billed)',
    );
    expect(rows.at(-1)).toBe('合计 Total,,,,24,1376817,24000,141512,1518329,,,,6.69,6.693412000,');
  });

  it('exports an XLSX workbook that reads back with the same cells', async () => {
    const res = await fetch(`${hub.url}/api/v1/bills/2025-03?org=gd-sz&format=xlsx`, {
      headers: { authorization: `Bearer ${hub.operatorToken}` },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe(
      'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
    );
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.load(await res.arrayBuffer());
    const sheet = workbook.getWorksheet('账单 Bill')!;
    const values = (n: number) => (sheet.getRow(n).values as unknown[]).slice(1);
    expect(sheet.rowCount).toBe(4);
    expect(values(1)[0]).toBe('组织代码 Org code');
    expect(values(1)[12]).toBe('金额(元) Amount CNY');
    const rows = [values(2), values(3)].sort((a, b) => String(a[2]).localeCompare(String(b[2])));
    expect(rows[0]!.slice(0, 9)).toEqual([
      'gd-sz',
      '深圳市政务服务数据管理局',
      'glm',
      undefined,
      2,
      1000,
      0,
      500,
      1500,
    ]);
    expect(rows[0]![14]).toBe('未定价，不计费 unpriced (not billed)');
    expect(rows[1]!.slice(0, 14)).toEqual([
      'gd-sz',
      '深圳市政务服务数据管理局',
      'qwen',
      '2020-01-01',
      3,
      1_234_567,
      0,
      89_012,
      1_323_579,
      0.004,
      0.004,
      0.012,
      6.01,
      '6.006412000',
    ]);
    expect(sheet.getRow(2).getCell(13).numFmt).toBe('0.00');
    expect(values(4).slice(0, 1)).toEqual(['合计 Total']);
    expect(values(4).slice(12, 14)).toEqual([6.01, '6.006412000']);
    const info = workbook.getWorksheet('信息 Info')!;
    expect(info.getRow(1).values).toEqual([
      undefined,
      '组织 Organisation',
      'gd-sz 深圳市政务服务数据管理局',
    ]);
    expect(info.getRow(2).values).toEqual([undefined, '账期 Month', '2025-03']);
  });

  it('refuses a malformed month or format with invalid_request', async () => {
    for (const month of ['2025-3', '2025-13', '2025-00', 'march'])
      expectError(await bill(month), 400, 'invalid_request');
    expectError(await bill('2025-03', '?org=gd&format=pdf'), 400, 'invalid_request');
  });
});

describe('bills within scope', () => {
  it('gives a city only its own lines and hides other organisations (404)', async () => {
    const gz = await userSession(hub, 'gz-admin', 'gd-gz', ['org_admin']);
    const own = await bill('2025-03', '', gz);
    expect(own.status).toBe(200);
    expect(new Set(own.body.lines.map((l) => l.org))).toEqual(new Set(['gd-gz']));
    expect(own.body.total.amount).toBe('0.675000000');
    expectError(await bill('2025-03', '?org=gd', gz), 404, 'org_not_found');
    expectError(await bill('2025-03', '?org=gd-sz&format=csv', gz), 404, 'org_not_found');
    const member = await userSession(hub, 'gz-member', 'gd-gz', ['member']);
    expectError(await bill('2025-03', '', member), 403, 'forbidden');
  });
});
