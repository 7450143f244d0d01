import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { shanghaiMonth } from '../../src/limits/clock.js';
import { startPeerHub, within } from '../identity/harness.js';
import { gatewayConfig, SERVER_URL, startHub, type TestHub } from '../support/hub.js';
import { startRedis, type TestRedis } from '../support/redis.js';
import { startUpstream, type UpstreamDouble } from '../support/upstream-double.js';
import { ACTUAL, chat, expectRefused, freshOrg, limitModels, spentBy } from './helpers.js';

/**
 * Counters in Redis (`redis_url`): one hub, a Redis outage, and two hub instances sharing one
 * budget and one rate limit (they need one shared database: the PostgreSQL pass only).
 */
let upstream: UpstreamDouble;
let redis: TestRedis;
let hub: TestHub;
let client: Redis;

beforeAll(async () => {
  upstream = await startUpstream();
  redis = await startRedis();
  // Waits out the outage below and reconnects by itself.
  client = new Redis(redis.url);
  client.on('error', () => {});
  hub = await startHub({
    ...gatewayConfig({ vllm: upstream.url }, limitModels()),
    redis_url: redis.url,
  });
});

afterAll(async () => {
  client?.disconnect();
  await hub?.close();
  await redis?.stop();
  await upstream?.close();
});

const metric = async (name: string): Promise<number> => {
  const text = await (await fetch(`${hub.url}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  return line ? Number(line.split(' ')[1]) : NaN;
};

describe('one hub with Redis', () => {
  it('keeps rate and budget counters in Redis', async () => {
    expect(hub.hub.limiter.mode).toBe('redis');
    const { id, key } = await hub.createKey(await freshOrg(hub, 'gd'), {
      limits: { rpm: 10, monthly_budget: '0.000041' },
    });
    for (let i = 0; i < 3; i++) expect((await chat(hub.url, key)).status).toBe(200);
    expectRefused(await chat(hub.url, key), 'budget_exhausted');
    expect(await spentBy(hub.hub.store.db, id)).toEqual({ ok: 3, costNano: 3n * ACTUAL.costNano });
    const month = await client.hgetall(`{zs:limits}:key:${id}:m:${shanghaiMonth(Date.now())}`);
    // Reserved and reconciled: exactly what the records say.
    expect(month).toMatchObject({ tokens: '27', cost: '39000' });
    // The refused call took nothing: three requests in the minute.
    const requests = await client.hvals(`{zs:limits}:key:${id}:r`);
    expect(requests.reduce((sum, n) => sum + Number(n), 0)).toBe(3);
    expect(await metric('zs_limits_redis_up')).toBe(1);
  });

  it('keeps serving with limits counted in process while Redis is down, then shares again', async () => {
    const org = await freshOrg(hub, 'gd');
    const spent = await hub.createKey(org, { limits: { monthly_budget: '0.000015' } });
    expect((await chat(hub.url, spent.key)).status).toBe(200);
    expectRefused(await chat(hub.url, spent.key), 'budget_exhausted');

    await redis.stop();
    const limited = await hub.createKey(org, { limits: { rpm: 2 } });
    expect((await chat(hub.url, limited.key)).status).toBe(200);
    expect(hub.hub.limiter.mode).toBe('memory');
    expect((await chat(hub.url, limited.key)).status).toBe(200);
    expectRefused(await chat(hub.url, limited.key), 'rate_limited');
    // The in-process counters start from the recorded month, so the spent budget stays spent.
    expectRefused(await chat(hub.url, spent.key), 'budget_exhausted');
    expect(await metric('zs_limits_local_fallback_total')).toBeGreaterThanOrEqual(4);
    expect(await metric('zs_limits_redis_up')).toBe(0);

    // Redis comes back empty: the hub returns to it and seeds the month from the database.
    await redis.start();
    const fresh = await hub.createKey(org, { limits: { rpm: 1000 } });
    await within(15_000, async () => {
      expect((await chat(hub.url, fresh.key)).status).toBe(200);
      return hub.hub.limiter.mode === 'redis';
    });
    expectRefused(await chat(hub.url, spent.key), 'budget_exhausted');
    const month = `{zs:limits}:key:${spent.id}:m:${shanghaiMonth(Date.now())}`;
    expect(await client.hget(month, 'cost')).toBe(String(ACTUAL.costNano));
  });
});

describe.skipIf(!SERVER_URL)('two hub instances on one Redis and one database', () => {
  let peer: { url: string; close(): Promise<void> };
  let budgetKey: { id: string; key: string };
  let rateKey: string;

  beforeAll(async () => {
    // Limits exist before the second hub starts, so it loads them at start.
    const org = await freshOrg(hub, 'gd', { monthly_budget: '0.00015' });
    budgetKey = await hub.createKey(org);
    rateKey = (await hub.createKey(await freshOrg(hub, 'gd'), { limits: { rpm: 3 } })).key;
    peer = await startPeerHub(hub);
  });

  afterAll(async () => {
    await peer?.close();
  });

  it('share one budget: a burst spread over both never spends past it', async () => {
    // 0.00015 CNY holds 10 reservations of 15 000 nano-yuan; alone, each hub would admit 10.
    const results = await Promise.all(
      Array.from({ length: 30 }, (_, i) =>
        chat(i % 2 ? peer.url : hub.url, budgetKey.key, 'qwen-slow'),
      ),
    );
    const ok = results.filter((r) => r.status === 200);
    for (const r of results.filter((x) => x.status !== 200)) expectRefused(r, 'budget_exhausted');
    expect(ok.length).toBeGreaterThanOrEqual(10);
    expect(ok.length).toBeLessThanOrEqual(11);
    // Once the burst is reconciled (13 000 spent per call) room for one more call may be left,
    // on either hub; then none.
    let after = 0;
    for (const url of [peer.url, hub.url, peer.url]) {
      const res = await chat(url, budgetKey.key);
      if (res.status === 200) after++;
      else expectRefused(res, 'budget_exhausted');
    }
    expect(ok.length + after).toBe(11);
    const spent = await spentBy(hub.hub.store.db, budgetKey.id);
    expect(spent).toEqual({ ok: 11, costNano: 11n * ACTUAL.costNano });
    expect(spent.costNano).toBeLessThanOrEqual(150_000n);
  });

  it('share one rate limit', async () => {
    expect((await chat(hub.url, rateKey)).status).toBe(200);
    expect((await chat(peer.url, rateKey)).status).toBe(200);
    expect((await chat(hub.url, rateKey)).status).toBe(200);
    expectRefused(await chat(peer.url, rateKey), 'rate_limited');
  });
});
