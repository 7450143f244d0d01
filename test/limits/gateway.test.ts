import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { secondsToNextMonth } from '../../src/limits/clock.js';
import { schema } from '../../src/store/index.js';
import { gatewayConfig, startHub, type TestHub } from '../support/hub.js';
import { startUpstream, type UpstreamDouble } from '../support/upstream-double.js';
import { ACTUAL, chat, expectRefused, freshOrg, limitModels, spentBy } from './helpers.js';

/**
 * Limits on /v1 calls with the in-process counters (no Redis): rates, quotas, budgets, the
 * organisation tree, reservations under concurrency, and counts that survive a restart.
 */
let upstream: UpstreamDouble;
let hub: TestHub;

beforeAll(async () => {
  upstream = await startUpstream();
  const config = gatewayConfig({ vllm: upstream.url }, limitModels());
  // 深圳's limits come from zhongshu.yaml.
  (config.orgs[0]!.children[1] as Record<string, unknown>).limits = { rpm: 2 };
  hub = await startHub(config);
});

afterAll(async () => {
  await hub?.close();
  await upstream?.close();
});

const db = () => hub.hub.store.db;

describe('rate limits', () => {
  it('refuse the request past a key’s requests per minute with rate_limited and Retry-After', async () => {
    const org = await freshOrg(hub, 'gd');
    const { id, key } = await hub.createKey(org, { limits: { rpm: 2 } });
    expect((await chat(hub.url, key)).status).toBe(200);
    expect((await chat(hub.url, key)).status).toBe(200);
    const refused = await chat(hub.url, key);
    expectRefused(refused, 'rate_limited');
    expect(refused.body.error!.message).toContain('this API key allows 2 requests per minute');
    const retryAfter = Number(refused.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(refused.headers.get('x-should-retry')).toBeNull();
    // The refusal is a recorded call like any other, at no cost.
    const requestId = refused.headers.get('x-zs-request-id')!;
    const [usage] = await db()
      .select()
      .from(schema.usageRecords)
      .where(eq(schema.usageRecords.requestId, requestId));
    expect(usage).toMatchObject({
      keyId: id,
      status: 429,
      errorCode: 'rate_limited',
      costNano: 0n,
    });
    // Another key of the same organisation has its own count.
    const other = await hub.createKey(org);
    expect((await chat(hub.url, other.key)).status).toBe(200);
  });

  it('count a call against every organisation above its key: a parent’s limit covers its subtree', async () => {
    const parent = await freshOrg(hub, 'gd', { rpm: 3 });
    const a = await freshOrg(hub, parent);
    const b = await freshOrg(hub, parent);
    const keyA = (await hub.createKey(a)).key;
    const keyB = (await hub.createKey(b)).key;
    const keyParent = (await hub.createKey(parent)).key;
    for (const key of [keyA, keyB, keyParent]) expect((await chat(hub.url, key)).status).toBe(200);
    const refused = await chat(hub.url, keyA);
    expectRefused(refused, 'rate_limited');
    expect(refused.body.error!.message).toContain(`organisation ${parent} allows 3 requests`);
    // Outside the subtree nothing changed.
    const sibling = (await hub.createKey(await freshOrg(hub, 'gd'))).key;
    expect((await chat(hub.url, sibling)).status).toBe(200);
  });

  it('apply limits set in zhongshu.yaml', async () => {
    const view = await hub.api<{ limits: { rpm: number }; source: string }>(
      'GET',
      '/api/v1/orgs/gd-sz/limits',
    );
    expect(view.body).toMatchObject({ limits: { rpm: 2, tpm: null }, source: 'config' });
    const { key } = await hub.createKey('gd-sz');
    expect((await chat(hub.url, key)).status).toBe(200);
    expect((await chat(hub.url, key)).status).toBe(200);
    const refused = await chat(hub.url, key);
    expectRefused(refused, 'rate_limited');
    expect(refused.body.error!.message).toContain('organisation gd-sz');
  });

  it('hold the tokens of calls in flight against tokens per minute, then count what they used', async () => {
    // max_tokens 20: 7 + 20 = 27 tokens reserved per call; a call uses 9.
    const org = await freshOrg(hub, 'gd', { tpm: 40 });
    const { key } = await hub.createKey(org);
    const big = { max_tokens: 20 };
    const both = await Promise.all([
      chat(hub.url, key, 'qwen-slow', big),
      chat(hub.url, key, 'qwen-slow', big),
    ]);
    const [answered, refused] = both.sort((a, b) => a.status - b.status);
    expect(answered.status).toBe(200);
    expectRefused(refused, 'rate_limited');
    expect(refused.body.error!.message).toContain('40 tokens per minute');
    // Reconciled to 9 used: 9 + 27 fits, then 18 + 27 does not.
    expect((await chat(hub.url, key, 'qwen', { ...big, stream: true })).status).toBe(200);
    expectRefused(await chat(hub.url, key, 'qwen', big), 'rate_limited');
  });
});

describe('monthly quotas and budgets', () => {
  it('refuse with quota_exhausted until next month once the token quota is used', async () => {
    const org = await freshOrg(hub, 'gd');
    const { key } = await hub.createKey(org, { limits: { monthly_tokens: 30 } });
    // 11 reserved, 9 used each time: 0+11, 9+11, 18+11 fit; 27+11 does not.
    expect((await chat(hub.url, key)).status).toBe(200);
    expect((await chat(hub.url, key, 'qwen', { stream: true })).status).toBe(200);
    expect((await chat(hub.url, key)).status).toBe(200);
    const refused = await chat(hub.url, key);
    expectRefused(refused, 'quota_exhausted');
    expect(refused.body.error!.message).toContain('monthly token quota of this API key');
    const retryAfter = Number(refused.headers.get('retry-after'));
    expect(Math.abs(retryAfter - secondsToNextMonth(Date.now()))).toBeLessThanOrEqual(5);
    // OpenAI SDKs would otherwise retry a 429 by themselves.
    expect(refused.headers.get('x-should-retry')).toBe('false');
  });

  it('spend a CNY budget exactly, to the last nano-yuan', async () => {
    // Budget 0.000041: 15 000 reserved, 13 000 spent per call → admitted at 15 000, 28 000 and
    // exactly 41 000; then 39 000 + 15 000 is over.
    const org = await freshOrg(hub, 'gd');
    const { id, key } = await hub.createKey(org, { limits: { monthly_budget: '0.000041' } });
    for (let i = 0; i < 3; i++) expect((await chat(hub.url, key)).status).toBe(200);
    const refused = await chat(hub.url, key);
    expectRefused(refused, 'budget_exhausted');
    expect(refused.body.error!.message).toContain('(CNY 0.000041)');
    expect(refused.body.error!.message).toContain('up to CNY 0.000015');
    expect(refused.headers.get('x-should-retry')).toBe('false');
    expect(await spentBy(db(), id)).toEqual({ ok: 3, costNano: 3n * ACTUAL.costNano });
  });

  it('never let a concurrent burst spend past the budget', async () => {
    // 0.00015 CNY holds 10 reservations of 15 000; each call spends 13 000.
    const budgetNano = 150_000n;
    const org = await freshOrg(hub, 'gd', { monthly_budget: '0.00015' });
    const { id, key } = await hub.createKey(org);
    const results = await Promise.all(
      Array.from({ length: 30 }, () => chat(hub.url, key, 'qwen-slow')),
    );
    const ok = results.filter((r) => r.status === 200);
    for (const r of results.filter((x) => x.status !== 200)) expectRefused(r, 'budget_exhausted');
    expect(ok.length).toBeGreaterThanOrEqual(10);
    expect(ok.length).toBeLessThanOrEqual(11);
    const spent = await spentBy(db(), id);
    expect(spent.ok).toBe(ok.length);
    expect(spent.costNano).toBeLessThanOrEqual(budgetNano);
  });

  it('release the reservation of a call that failed upstream', async () => {
    // Room for exactly one reservation at a time.
    const org = await freshOrg(hub, 'gd');
    const { key } = await hub.createKey(org, { limits: { monthly_budget: '0.000015' } });
    expect((await chat(hub.url, key, 'broken')).status).toBe(503);
    expect((await chat(hub.url, key)).status).toBe(200);
    expectRefused(await chat(hub.url, key), 'budget_exhausted');
  });

  it('count against a parent organisation’s budget across its subtree and after a restart', async () => {
    // 0.000045 for the parent: three calls from two children spend 39 000; a fourth needs 15 000.
    const parent = await freshOrg(hub, 'gd', { monthly_budget: '0.000045' });
    const keyA = (await hub.createKey(await freshOrg(hub, parent))).key;
    const keyB = (await hub.createKey(await freshOrg(hub, parent))).key;
    expect((await chat(hub.url, keyA)).status).toBe(200);
    expect((await chat(hub.url, keyB)).status).toBe(200);
    expect((await chat(hub.url, keyA)).status).toBe(200);
    expectRefused(await chat(hub.url, keyB), 'budget_exhausted');
    // A restart starts the month's counts from the recorded usage, not from zero.
    await hub.restart();
    const refused = await chat(hub.url, keyA);
    expectRefused(refused, 'budget_exhausted');
    expect(refused.body.error!.message).toContain(`organisation ${parent}`);
  });
});
