import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import ExcelJS from 'exceljs';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Bill } from '../../src/metering/bills.js';
import { formatYuan } from '../../src/metering/money.js';
import { shanghaiDay } from '../../src/metering/prices.js';
import type { UsageReport } from '../../src/metering/query.js';
import { gatewayConfig, startHub, type TestHub } from '../support/hub.js';
import { startUpstream, type UpstreamDouble } from '../support/upstream-double.js';
import { failed, parsed, runCli } from './run-cli.js';

/**
 * `zhongshu usage` and `zhongshu bill` as an operator runs them: next to a running hub (embedded:
 * through the hub's API; server: on the database) and with the hub stopped (on the database),
 * with the same answers, matching what the SDK saw.
 */
let upstream: UpstreamDouble;
let hub: TestHub;
let dir: string;
let env: Record<string, string> = {};
const month = shanghaiDay(new Date()).slice(0, 7);
const sdk = { requests: 0, prompt: 0, completion: 0, cost: 0n };

beforeAll(async () => {
  upstream = await startUpstream();
  hub = await startHub(
    gatewayConfig({ vllm: upstream.url }, [
      {
        name: 'qwen',
        targets: [{ endpoint: 'vllm', model: 'Qwen2.5-7B-Instruct' }],
        prices: [{ from: '2020-01-01', input: '0.004', output: '0.012' }],
      },
    ]),
  );
  if (hub.config.database_url)
    env = { ZS_DATABASE_URL: hub.config.database_url, ZS_MASTER_KEY: hub.config.master_key! };
  dir = mkdtempSync(path.join(tmpdir(), 'zs-bill-'));
  for (const org of ['gd-gz', 'gd-gz', 'gd-sz']) {
    const { key } = await hub.createKey(org);
    const client = new OpenAI({ apiKey: key, baseURL: `${hub.url}/v1`, maxRetries: 0 });
    const res = await client.chat.completions.create({
      model: 'qwen',
      messages: [{ role: 'user', content: '不动产登记需要哪些材料？' }],
    });
    const u = res.usage!;
    sdk.requests += 1;
    sdk.prompt += u.prompt_tokens;
    sdk.completion += u.completion_tokens;
    sdk.cost +=
      (BigInt(u.prompt_tokens) * 4_000_000n + BigInt(u.completion_tokens) * 12_000_000n) / 1000n;
  }
});

afterAll(async () => {
  await hub?.close();
  await upstream?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const zs = (...args: string[]) => runCli(['-c', hub.config.source!, ...args], env);
const seen: { usage: UsageReport[]; bill: Bill[] } = { usage: [], bill: [] };

async function checkUsageAndBill(): Promise<void> {
  const report = parsed<UsageReport>(
    await zs('usage', '--org', 'gd', '--by', 'model,org', '--json'),
  );
  expect(report.totals).toMatchObject({
    requests: sdk.requests,
    errors: 0,
    prompt_tokens: sdk.prompt,
    completion_tokens: sdk.completion,
    total_tokens: sdk.prompt + sdk.completion,
    cost: formatYuan(sdk.cost),
  });
  expect(Object.keys(report.breakdowns)).toEqual(['model', 'org']);
  expect(report.breakdowns.org!.map((r) => ['org' in r && r.org, r.requests])).toEqual(
    expect.arrayContaining([
      ['gd-gz', 2],
      ['gd-sz', 1],
    ]),
  );
  seen.usage.push(report);
  const bill = parsed<Bill>(await zs('bill', '--org', 'gd', '--month', month, '--json'));
  expect(bill.total).toMatchObject({ requests: sdk.requests, amount: formatYuan(sdk.cost) });
  seen.bill.push({ ...bill, generated_at: '' });
}

describe('usage and bills from the command line', { timeout: 180_000 }, () => {
  it('prints totals and breakdowns that match the SDK, next to a running hub', async () => {
    await checkUsageAndBill();
    const table = await zs('usage', '--org', 'gd-gz');
    expect(table.code, table.stderr).toBe(0);
    expect(table.stdout).toContain(`requests 2  errors 0`);
    expect(table.stdout).toMatch(/\nby model\nmodel +requests +errors .*\nqwen +2 +0 /);
  });

  it('writes the bill as CSV and XLSX files', async () => {
    const csvFile = path.join(dir, 'bill.csv');
    const csv = await zs(
      'bill',
      '--org',
      'gd',
      '--month',
      month,
      '--format',
      'csv',
      '--out',
      csvFile,
    );
    expect(csv.code, csv.stderr).toBe(0);
    expect(csv.stdout).toBe(`wrote ${csvFile}: 2 lines, total ${formatYuan(sdk.cost, 2)} CNY\n`);
    const bytes = readFileSync(csvFile);
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const rows = bytes.subarray(3).toString('utf8').trimEnd().split('\r\n');
    expect(rows).toHaveLength(4);
    expect(rows.at(-1)).toContain(`,${formatYuan(sdk.cost)},`);

    // The format follows the file name.
    const xlsxFile = path.join(dir, 'bill.xlsx');
    expect((await zs('bill', '--org', 'gd-sz', '--month', month, '--out', xlsxFile)).code).toBe(0);
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.readFile(xlsxFile);
    const sheet = workbook.getWorksheet('账单 Bill')!;
    expect(sheet.getRow(2).getCell(1).value).toBe('gd-sz');
    expect(sheet.getRow(2).getCell(3).value).toBe('qwen');
    expect(sheet.getRow(2).getCell(5).value).toBe(1);
    expect(sheet.getRow(3).getCell(1).value).toBe('合计 Total');
  });

  it('exits 2 on a malformed month, range, grouping or format, 1 on an unknown organisation', async () => {
    const [badMonth, badRange, badGroup, badFormat, unknown] = await Promise.all([
      zs('bill', '--org', 'gd', '--month', '2025-13'),
      zs('usage', '--org', 'gd', '--from', '2025-05', '--to', '2025-04'),
      zs('usage', '--org', 'gd', '--by', 'week'),
      zs('bill', '--org', 'gd', '--month', '2025-01', '--format', 'pdf'),
      zs('usage', '--org', 'nowhere', '--json'),
    ]);
    failed(badMonth, 2, 'expected a month as YYYY-MM');
    failed(badRange, 2, 'is after to');
    failed(badGroup, 2, 'group_by: expected model, org, day, month, key');
    failed(badFormat, 2, 'pdf');
    failed(unknown, 1, 'org_not_found');
  });

  it('answers the same on the database with the hub stopped', async () => {
    await hub.stop();
    await checkUsageAndBill();
    expect(seen.usage[1]).toEqual(seen.usage[0]);
    expect(seen.bill[1]).toEqual(seen.bill[0]);
  });
});
