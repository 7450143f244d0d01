import { readFileSync } from 'node:fs';
import path from 'node:path';
import OpenAI from 'openai';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initialAdmins, PASSWORD, userSession } from '../identity/harness.js';
import { gatewayConfig, startHub, type TestHub } from '../support/hub.js';
import { launchBrowser, logIn as logInAt, newPage as openPage, SHOTS } from './browser.js';
import { startUpstream, type UpstreamDouble } from '../support/upstream-double.js';

/**
 * The 用量与账单 page in a real browser against its own hub: calls made with the openai SDK show
 * in the totals with the cost the API reports; the month's bill downloads as CSV and XLSX with
 * the session token; a developer picks only from their own organisation.
 */
const MODEL = 'qwen2.5-7b';
const CALLS = 3;

let upstream: UpstreamDouble;
let hub: TestHub;
let browser: Browser;

interface Report {
  org: { code: string };
  totals: { requests: number; cost: string };
}
interface Bill {
  org: { code: string };
  month: string;
  lines: { model: string }[];
  total: { amount: string; amount_rounded: string };
}

beforeAll(async () => {
  upstream = await startUpstream({ name: 'gz' });
  hub = await startHub(
    gatewayConfig({ 'gz-vllm': upstream.url }, [
      {
        name: MODEL,
        targets: [{ endpoint: 'gz-vllm', model: 'q' }],
        // The double reports 5 prompt and 4 completion tokens: 0.034 CNY a call.
        prices: [{ from: '2020-01-01', input: '2', output: '6' }],
      },
    ]),
  );
  expect(hub.hub.console, 'console/dist is missing: `npm run build` builds it').not.toBeNull();
  browser = await launchBrowser();
  const { key } = await hub.createKey('gd-gz');
  const client = new OpenAI({ apiKey: key, baseURL: `${hub.url}/v1`, maxRetries: 0 });
  for (let i = 0; i < CALLS; i++)
    await client.chat.completions.create({
      model: MODEL,
      messages: [{ role: 'user', content: '本月政务热线工单有多少？' }],
    });
});

afterAll(async () => {
  await browser?.close();
  await hub?.close();
  await upstream?.close();
});

const newPage = () => openPage(browser);
const logIn = (page: Page, username: string, password: string, first: boolean) =>
  logInAt(page, hub.url, username, password, first);

const stat = (page: Page, field: string) =>
  page.getByTestId(`usage-${field}`).locator('.ant-statistic-content');

/** The options of the organisation picker, opened. */
async function orgOptions(page: Page): Promise<string[]> {
  await page.getByLabel('组织', { exact: true }).click();
  const options = page.locator('.ant-select-dropdown .ant-select-item-option');
  await options.first().waitFor();
  return (await options.allInnerTexts()).map((s) => s.trim());
}

describe('用量与账单', { timeout: 60_000 }, () => {
  let sysadmin: Page;

  it('shows the calls made and the cost the usage API reports, by day and by model', async () => {
    const api = await hub.api<Report>('GET', '/api/v1/usage');
    expect(api.status).toBe(200);
    expect(api.body.totals.requests).toBe(CALLS);

    sysadmin = await newPage();
    const { username, password } = initialAdmins(hub.dataDir).get('sysadmin')!;
    await logIn(sysadmin, username, password, true);
    await sysadmin.getByRole('menuitem', { name: '用量与账单' }).click();
    expect(new URL(sysadmin.url()).pathname).toBe('/usage');
    await expect.poll(() => stat(sysadmin, 'requests').innerText()).toBe(String(CALLS));
    const cost = await stat(sysadmin, 'cost').innerText();
    expect(Number(cost)).toBe(Number(api.body.totals.cost));
    expect(Number(cost)).toBeCloseTo(CALLS * 0.034, 9);
    // Grouped by day by default: the chart of calls and cost per day.
    await sysadmin.getByRole('img', { name: '每日调用与费用' }).waitFor();
    await sysadmin.screenshot({ path: path.join(SHOTS, 'usage.png'), fullPage: true });

    // The radio input itself is hidden under antd's button; click its label as a person would.
    await sysadmin.locator('label', { hasText: '按模型' }).click();
    expect(await sysadmin.getByRole('radio', { name: '按模型' }).isChecked()).toBe(true);
    await sysadmin.getByRole('cell', { name: MODEL, exact: true }).waitFor();
    expect(await sysadmin.getByRole('img', { name: '每日调用与费用' }).count()).toBe(0);
  });

  it('shows the month’s bill and downloads it as CSV and XLSX with the session', async () => {
    const api = await hub.api<Report>('GET', '/api/v1/usage');
    const month = new Date(Date.now() + 8 * 3_600_000).toISOString().slice(0, 7);
    const bill = await hub.api<Bill>('GET', `/api/v1/bills/${month}?org=${api.body.org.code}`);
    expect(bill.status).toBe(200);
    expect(bill.body.lines.map((l) => l.model)).toEqual([MODEL]);

    await sysadmin.getByRole('tab', { name: '月度账单' }).click();
    await expect
      .poll(() => sysadmin.getByTestId('bill-total').innerText())
      .toBe(bill.body.total.amount_rounded);
    // The total row under the lines carries the exact total as the API gave it.
    await sysadmin
      .locator('tfoot')
      .getByRole('cell', { name: bill.body.total.amount, exact: true })
      .waitFor();

    const [csv] = await Promise.all([
      sysadmin.waitForEvent('download'),
      sysadmin.getByRole('button', { name: '下载 CSV' }).click(),
    ]);
    expect(csv.suggestedFilename()).toBe(`bill-${bill.body.org.code}-${month}.csv`);
    const text = readFileSync(await csv.path(), 'utf8');
    expect(text).toContain(MODEL);
    expect(text).toMatch(/^\uFEFF/);
    const total = text.split('\r\n').find((line) => line.startsWith('合计 Total,'));
    expect(total).toContain(bill.body.total.amount);
    expect(total).toContain(bill.body.total.amount_rounded);

    const [xlsx] = await Promise.all([
      sysadmin.waitForEvent('download'),
      sysadmin.getByRole('button', { name: '下载 Excel' }).click(),
    ]);
    expect(xlsx.suggestedFilename()).toMatch(/\.xlsx$/);
    // An XLSX is a zip archive.
    expect(
      readFileSync(await xlsx.path())
        .subarray(0, 2)
        .toString(),
    ).toBe('PK');

    // A month that does not exist: the hub's own message and code.
    await sysadmin.getByLabel('账期').fill('2026-13');
    await sysadmin.getByRole('button', { name: '查看账单' }).click();
    const alert = sysadmin.getByRole('alert').filter({ hasText: 'invalid_request' });
    await expect(alert.innerText()).resolves.toContain('expected a month as YYYY-MM');
    await sysadmin.close();
  });

  it('a developer of gd-gz picks only from gd-gz and sees its calls', async () => {
    await userSession(hub, 'gz-dev', 'gd-gz', ['developer']);
    const page = await newPage();
    await logIn(page, 'gz-dev', PASSWORD, false);
    await page.getByRole('menuitem', { name: '用量与账单' }).click();
    await expect.poll(() => stat(page, 'requests').innerText()).toBe(String(CALLS));
    expect(await orgOptions(page)).toEqual(['广州市政务服务数据管理局 (gd-gz)']);
    await page.close();
  });
});
