import path from 'node:path';
import OpenAI from 'openai';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createUser,
  FIRST_PASSWORD,
  initialAdmins,
  PASSWORD,
  userSession,
} from '../identity/harness.js';
import { gatewayConfig, startHub, type TestHub } from '../support/hub.js';
import { button, launchBrowser, logIn as logInAt, newPage as openPage, SHOTS } from './browser.js';
import { startUpstream, type UpstreamDouble } from '../support/upstream-double.js';

/**
 * The console in a real browser (Debian's chromium driven by playwright-core) against a hub
 * started here: each administrator sees and is refused what the permission matrix says; a key
 * made in the UI works with the openai SDK; the call shows on the dashboard and in the ledger.
 * Screenshots of the main pages go to docs/screenshots/.
 */

let upstream: UpstreamDouble;
let hub: TestHub;
let browser: Browser;
let madeKey = '';
let requestId = '';

beforeAll(async () => {
  upstream = await startUpstream({ name: 'gz' });
  hub = await startHub(
    gatewayConfig({ 'gz-vllm': upstream.url }, [
      { name: 'qwen2.5-7b', targets: [{ endpoint: 'gz-vllm', model: 'q' }] },
    ]),
  );
  expect(hub.hub.console, 'console/dist is missing: `npm run build` builds it').not.toBeNull();
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  await hub?.close();
  await upstream?.close();
});

const newPage = () => openPage(browser);
const logIn = (page: Page, username: string, password: string, first: boolean) =>
  logInAt(page, hub.url, username, password, first);

const menuItems = async (page: Page) =>
  (await page.getByRole('navigation', { name: 'main' }).getByRole('menuitem').allInnerTexts()).map(
    (s) => s.trim(),
  );

const admin = (role: 'sysadmin' | 'secadmin' | 'auditor') => initialAdmins(hub.dataDir).get(role)!;

describe('the console', () => {
  it('serves the built page with caching headers, and keeps API 404s as JSON', async () => {
    const html = await fetch(`${hub.url}/keys`, { headers: { accept: 'text/html' } });
    expect(html.status).toBe(200);
    expect(html.headers.get('cache-control')).toBe('no-cache');
    expect(html.headers.get('content-security-policy')).toContain("script-src 'self'");
    const page = await html.text();
    const script = /src="(\/assets\/[^"]+\.js)"/.exec(page)?.[1];
    expect(script).toBeDefined();
    const asset = await fetch(`${hub.url}${script}`, { headers: { 'accept-encoding': 'gzip' } });
    expect(asset.status).toBe(200);
    expect(asset.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(asset.headers.get('content-encoding')).toBe('gzip');
    const again = await fetch(`${hub.url}${script}`, {
      headers: { 'if-none-match': asset.headers.get('etag')! },
    });
    expect(again.status).toBe(304);
    const api = await fetch(`${hub.url}/api/v1/nothing-here`);
    expect(api.status).toBe(404);
    expect(await api.json()).toMatchObject({ error: { code: 'route_not_found' } });
  });

  it('the system administrator changes the first password, sees its pages, and is refused the ledger', async () => {
    const page = await newPage();
    const { username, password } = admin('sysadmin');
    await logIn(page, username, password, true);
    expect(await menuItems(page)).toEqual([
      '总览',
      '模型与端点',
      '密钥',
      '组织与用户',
      '用量与账单',
      '体验',
    ]);
    await page.goto(`${hub.url}/audit`);
    await expect(page.getByText('您的角色无权查看此页面。').waitFor()).resolves.toBeUndefined();
    await page.close();
  });

  it('the security administrator lands on models (no usage for it), cannot create a key, and tightens a clearance', async () => {
    const page = await newPage();
    const { username, password } = admin('secadmin');
    await logIn(page, username, password, true);
    expect(await menuItems(page)).toEqual(['模型与端点', '密钥', '组织与用户']);
    expect(new URL(page.url()).pathname).toBe('/models');
    // Government cloud: important at most; tightened to general-3 here.
    const row = page.locator('tr[data-row-key="gz-vllm"]');
    await expect(row.innerText()).resolves.toContain('important');
    expect(await button(row, '测试').count()).toBe(0);
    await row.getByRole('button', { name: '调整密级' }).click();
    await page.getByRole('dialog').getByLabel('可接收的最高数据级别').click();
    await page.getByTitle('general-3').click();
    await button(page, '保存').click();
    await expect.poll(() => row.innerText()).toContain('general-3');
    expect(hub.hub.registry.endpoints.get('gz-vllm')!.clearance).toBe('general-3');
    await page.getByRole('menuitem', { name: '密钥' }).click();
    await page.getByRole('heading', { name: 'API 密钥' }).waitFor();
    expect(await page.getByRole('button', { name: '新建密钥' }).count()).toBe(0);
    await page.close();
  });

  it('the system administrator tests an endpoint with one click and sees its circuit closed', async () => {
    const page = await newPage();
    await logIn(page, admin('sysadmin').username, PASSWORD, false);
    await page.getByRole('menuitem', { name: '模型与端点' }).click();
    const row = page.locator('tr[data-row-key="gz-vllm"]');
    await expect(row.getByTestId('circuit-gz-vllm').innerText()).resolves.toBe('正常');
    const before = upstream.requests.length;
    await button(row, '测试').click();
    await page.getByText(/gz-vllm 可用：HTTP 200/).waitFor();
    expect(upstream.requests.length).toBe(before + 1);
    expect(upstream.requests.at(-1)!.body).toMatchObject({ model: 'q', max_tokens: 1 });
    await page.screenshot({ path: path.join(SHOTS, 'models.png'), fullPage: true });
    await page.close();
  });

  it('the system administrator adds a model in the UI, and cannot edit one from the config file', async () => {
    const page = await newPage();
    await logIn(page, admin('sysadmin').username, PASSWORD, false);
    await page.getByRole('menuitem', { name: '模型与端点' }).click();
    const configRow = page.locator('tr[data-row-key="qwen2.5-7b"]');
    await expect(configRow.innerText()).resolves.toContain('配置文件');
    expect(await configRow.getByRole('button').count()).toBe(0);
    await page.getByRole('button', { name: '新建模型' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByLabel('名称').fill('gz-hotline');
    await dialog.getByLabel('上游模型（可选） 1').fill('hotline-v1');
    await button(dialog, '保存').click();
    const row = page.locator('tr[data-row-key="gz-hotline"]');
    await expect.poll(() => row.innerText()).toContain('gz-vllm × 1 → hotline-v1');
    expect(hub.hub.registry.models.get('gz-hotline')?.source).toBe('api');
    await button(row, '删除').click();
    await page.getByRole('button', { name: 'OK' }).or(button(page, '确定')).click();
    await expect.poll(() => row.count()).toBe(0);
    expect(hub.hub.registry.models.has('gz-hotline')).toBe(false);
    await page.close();
  });

  it('a key created in the UI is shown once and works with the openai SDK', async () => {
    const page = await newPage();
    await logIn(page, admin('sysadmin').username, PASSWORD, false);
    await page.getByRole('menuitem', { name: '密钥' }).click();
    await page.getByRole('button', { name: '新建密钥' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByLabel('所属单位').click();
    await page.getByTitle('广州市政务服务数据管理局 (gd-gz)').click();
    await dialog.getByLabel('名称').fill('政务热线助手');
    await page.screenshot({ path: path.join(SHOTS, 'keys-create.png') });
    await dialog.getByRole('button', { name: /新建密钥/ }).click();
    madeKey = (await page.getByTestId('new-key').innerText()).trim();
    expect(madeKey).toMatch(/^zs-/);
    await button(page, '关闭').first().click();
    await page.getByRole('cell', { name: '政务热线助手' }).waitFor();
    await page.screenshot({ path: path.join(SHOTS, 'keys.png') });

    const client = new OpenAI({ apiKey: madeKey, baseURL: `${hub.url}/v1`, maxRetries: 0 });
    const { data, response } = await client.chat.completions
      .create({ model: 'qwen2.5-7b', messages: [{ role: 'user', content: '你好' }] })
      .withResponse();
    expect(data.choices[0]!.message.content).toContain('政务');
    requestId = response.headers.get('x-zs-request-id')!;

    // The call is on the dashboard at once (the usage rollup is written with the call).
    await page.getByRole('menuitem', { name: '总览' }).click();
    const calls = page
      .locator('.ant-statistic', { hasText: '调用次数' })
      .locator('.ant-statistic-content');
    await expect.poll(() => calls.innerText()).toBe('1');
    await page.getByRole('img', { name: '每日调用与 Token' }).waitFor();
    // The p95 comes from the rollup's latency histogram: a number, not the empty dash.
    const p95 = page
      .locator('.ant-statistic', { hasText: 'p95 延迟' })
      .locator('.ant-statistic-content');
    await expect(p95.innerText()).resolves.toMatch(/^\d+$/);
    await page.getByRole('img', { name: '每日延迟（毫秒）' }).waitFor();
    await expect(page.getByTestId('circuit-gz-vllm').innerText()).resolves.toBe('正常');
    await page.screenshot({ path: path.join(SHOTS, 'dashboard.png'), fullPage: true });
    // Narrowed to Shenzhen, which made no call.
    await page.getByLabel('单位范围').click();
    await page.getByTitle('深圳市政务服务数据管理局 (gd-sz)').click();
    await expect.poll(() => calls.innerText()).toBe('0');
    await page.close();
  });

  it('the auditor finds the call in the ledger by request id and verifies the chain', async () => {
    expect(requestId).not.toBe('');
    const page = await newPage();
    const { username, password } = admin('auditor');
    await logIn(page, username, password, true);
    expect(await menuItems(page)).toEqual([
      '总览',
      '模型与端点',
      '密钥',
      '组织与用户',
      '用量与账单',
      '审计',
    ]);
    await page.getByRole('menuitem', { name: '审计' }).click();
    await page.getByLabel('请求 ID').fill(requestId);
    await button(page, '查询').click();
    await page.getByRole('cell', { name: 'call.chat' }).waitFor();
    await page.getByRole('button', { name: '校验日志链' }).click();
    await expect(page.getByTestId('verify-result').innerText()).resolves.toContain('校验通过');
    await page.screenshot({ path: path.join(SHOTS, 'audit.png'), fullPage: true });
    await page.close();
  });

  it('a member chats in the playground with a streamed, labelled answer and sees what the hub did', async () => {
    await createUser(hub, 'gz-member', 'gd-gz', ['member']);
    const page = await newPage();
    await logIn(page, 'gz-member', FIRST_PASSWORD, true);
    expect(await menuItems(page)).toEqual(['模型与端点', '体验']);
    await page.getByRole('menuitem', { name: '体验' }).click();
    await page.getByLabel('输入问题').fill('居住证怎么办理？');
    await button(page, '发送').click();
    const transcript = page.getByTestId('transcript');
    await expect.poll(() => transcript.innerText()).toContain('你好，我是政务助手。');
    await expect(page.getByTestId('ai-label').innerText()).resolves.toBe('本内容由人工智能生成');
    const facts = page.getByTestId('call-facts');
    await expect.poll(() => facts.innerText()).toMatch(/gz-vllm[\s\S]*general-1[\s\S]*5 \/ 4/);
    // The upstream got the question as a stream, under a key of the member's own.
    expect(upstream.requests.at(-1)!.body).toMatchObject({ stream: true, model: 'q' });
    const keys = await hub.api<{ data: { name: string; created_by: string; org: string }[] }>(
      'GET',
      '/api/v1/keys',
    );
    expect(keys.body.data).toContainEqual(
      expect.objectContaining({ created_by: 'user:gz-member', org: 'gd-gz' }),
    );
    await page.screenshot({ path: path.join(SHOTS, 'playground.png'), fullPage: true });
    await page.close();
  });

  it('a member sees only the models and the playground, is refused the rest, and can switch to English', async () => {
    const page = await newPage();
    await logIn(page, 'gz-member', PASSWORD, false);
    await page.getByRole('menuitem', { name: '模型与端点' }).click();
    // Models only: no endpoint section (endpoints.read is the administrators').
    await page.getByRole('cell', { name: 'qwen2.5-7b' }).waitFor();
    expect(await page.getByText('模型端点').count()).toBe(0);
    await page.goto(`${hub.url}/keys`);
    await page.getByText('您的角色无权查看此页面。').waitFor();
    await page.getByRole('button', { name: 'English' }).click();
    await page.getByText('Your role may not open this page.').waitFor();
    await page.getByRole('button', { name: 'Log out' }).click();
    await page.getByRole('button', { name: 'Log in' }).waitFor();
    await page.screenshot({ path: path.join(SHOTS, 'login.png') });
    await page.close();
  });

  it('logs in with the keyboard alone and lays out on a 1920 screen', async () => {
    await userSession(hub, 'gz-dev-kb', 'gd-gz', ['developer']);
    const context = await browser.newContext({ viewport: { width: 1920, height: 1080 } });
    const page = await context.newPage();
    await page.goto(hub.url);
    // The username field has the focus; Tab reaches the password, Enter submits.
    await page.getByLabel('用户名').waitFor();
    await page.keyboard.type('gz-dev-kb');
    // What was typed landed in the username field: it had the focus.
    await expect(page.getByLabel('用户名').inputValue()).resolves.toBe('gz-dev-kb');
    await page.keyboard.press('Tab');
    await page.keyboard.type(PASSWORD);
    await page.keyboard.press('Enter');
    await page.getByTestId('whoami').waitFor();
    await page.locator('.ant-statistic', { hasText: '调用次数' }).waitFor();
    await page.screenshot({ path: path.join(SHOTS, 'dashboard-1920.png') });
    await context.close();
  });
});
