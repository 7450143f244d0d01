import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Scope } from '../../src/limits/book.js';
import { nextMonthStart, secondsToNextMonth } from '../../src/limits/clock.js';
import type { Counters, MonthSeed, Refusal, Ticket } from '../../src/limits/counters.js';
import type { Amount } from '../../src/limits/estimate.js';
import { NO_LIMITS, type Limits } from '../../src/limits/limits.js';
import { MemoryCounters } from '../../src/limits/memory.js';
import { RedisCounters } from '../../src/limits/redis.js';
import { startRedis, type TestRedis } from '../support/redis.js';

/**
 * The same contract for both kinds of counters: in process, and in Redis (the Lua scripts).
 * Scopes get fresh ids per test, so tests do not share counts.
 */
let server: TestRedis;
const clients: Redis[] = [];

beforeAll(async () => {
  server = await startRedis();
});

afterAll(async () => {
  for (const c of clients) c.disconnect();
  await server?.stop();
});

const connect = () => {
  const c = new Redis(server.url);
  clients.push(c);
  return c;
};

const scope = (limits: Partial<Limits>, kind: 'key' | 'org' = 'key'): Scope => ({
  id: `${kind}:${randomUUID()}`,
  kind,
  path: null,
  code: kind === 'org' ? 'gd' : null,
  limits: { ...NO_LIMITS, ...limits },
});

/** Seeds from a table the test controls, as the daily rollup would answer. */
function seeds() {
  const table = new Map<string, Amount>();
  const seed: MonthSeed = async (s) => table.get(s.id) ?? { tokens: 0, costNano: 0n };
  return { table, seed };
}

const amount = (tokens: number, costNano = 0n): Amount => ({ tokens, costNano });

function admitted(result: Ticket | Refusal): Ticket {
  if (result.refused) throw new Error(`refused: ${result.kind}`);
  return result;
}

function refused(result: Ticket | Refusal, kind: Refusal['kind']): Refusal {
  expect(result.refused ? result.kind : 'admitted').toBe(kind);
  return result as Refusal;
}

const kinds: [string, (seed: MonthSeed) => Counters][] = [
  ['in process', (seed) => new MemoryCounters(seed)],
  ['in Redis', (seed) => new RedisCounters(connect(), seed)],
];

describe.each(kinds)('counters %s', (_name, make) => {
  it('refuses the request past requests-per-minute, with the seconds until one leaves the window', async () => {
    const counters = make(seeds().seed);
    const s = scope({ rpm: 2 });
    const now = Date.now();
    admitted(await counters.reserve([s], amount(0), now));
    admitted(await counters.reserve([s], amount(0), now));
    const r = refused(await counters.reserve([s], amount(0), now), 'rpm');
    expect(r.scope).toBe(s);
    // Both requests were counted moments ago: the first leaves the window in about a minute.
    expect(r.retryAfter).toBeGreaterThanOrEqual(50);
    expect(r.retryAfter).toBeLessThanOrEqual(60);
  });

  it('reserves a call’s estimated tokens per minute and gives back what it did not use', async () => {
    const counters = make(seeds().seed);
    const s = scope({ tpm: 100 });
    const now = Date.now();
    const first = admitted(await counters.reserve([s], amount(60), now));
    // The first call's 60 are held while it runs: a second 60 would pass 100.
    refused(await counters.reserve([s], amount(60), now), 'tpm');
    await counters.reconcile(first, amount(10), now);
    admitted(await counters.reserve([s], amount(60), now)); // 10 + 60
    refused(await counters.reserve([s], amount(31), now), 'tpm'); // 70 + 31
  });

  it('lets one call larger than tokens-per-minute run in an empty window, then refuses', async () => {
    const counters = make(seeds().seed);
    const s = scope({ tpm: 100 });
    admitted(await counters.reserve([s], amount(150), Date.now()));
    refused(await counters.reserve([s], amount(1), Date.now()), 'tpm');
  });

  it('starts monthly quotas from the month’s recorded usage and refuses until next month', async () => {
    const { table, seed } = seeds();
    const counters = make(seed);
    const s = scope({ monthlyTokens: 100 });
    table.set(s.id, amount(90));
    const now = Date.now();
    admitted(await counters.reserve([s], amount(10), now)); // exactly 100
    const r = refused(await counters.reserve([s], amount(1), now), 'monthly_tokens');
    expect(r.retryAfter).toBe(secondsToNextMonth(now));
  });

  it('compares budgets exactly, to the nano-yuan', async () => {
    const { table, seed } = seeds();
    const counters = make(seed);
    const s = scope({ monthlyBudgetNano: 1_000n }, 'org');
    table.set(s.id, amount(0, 500n));
    const now = Date.now();
    const call = admitted(await counters.reserve([s], amount(5, 500n), now)); // exactly the budget
    refused(await counters.reserve([s], amount(0, 1n), now), 'monthly_budget');
    await counters.reconcile(call, amount(5, 499n), now);
    admitted(await counters.reserve([s], amount(0, 1n), now));
    refused(await counters.reserve([s], amount(0, 1n), now), 'monthly_budget');
  });

  it('counts a call against all of its scopes or none of them', async () => {
    const counters = make(seeds().seed);
    const key = scope({ rpm: 1 });
    const org = scope({ rpm: 2 }, 'org');
    const now = Date.now();
    admitted(await counters.reserve([key, org], amount(0), now));
    refused(await counters.reserve([key, org], amount(0), now), 'rpm');
    // The refused call did not count against the organisation: it has one request left.
    admitted(await counters.reserve([org], amount(0), now));
    refused(await counters.reserve([org], amount(0), now), 'rpm');
  });

  it('reports the lasting limit first: an exhausted budget, not a rate limit', async () => {
    const counters = make(seeds().seed);
    const s = scope({ rpm: 1, monthlyBudgetNano: 10n });
    const now = Date.now();
    admitted(await counters.reserve([s], amount(1, 10n), now));
    refused(await counters.reserve([s], amount(1, 1n), now), 'monthly_budget');
  });

  it('gives a monthly counter started again since the reservation the call’s whole usage', async () => {
    const { table, seed } = seeds();
    const counters = make(seed);
    const s = scope({ monthlyTokens: 100 });
    const now = Date.now();
    const inFlight = admitted(await counters.reserve([s], amount(50), now));
    await counters.forgetMonth(s.id, now);
    table.set(s.id, amount(0)); // the database does not have the call yet
    admitted(await counters.reserve([s], amount(10), now)); // starts again: 0 + 10
    await counters.reconcile(inFlight, amount(30), now); // 10 + 30, not 10 + (30 − 50)
    refused(await counters.reserve([s], amount(61), now), 'monthly_tokens');
    admitted(await counters.reserve([s], amount(60), now));
  });
});

describe('counters in process', () => {
  it('slide: a request leaves the window 60 s after it was counted', async () => {
    const counters = new MemoryCounters(seeds().seed);
    const s = scope({ rpm: 2 });
    const t0 = Math.floor(Date.now() / 1000) * 1000;
    admitted(await counters.reserve([s], amount(0), t0));
    admitted(await counters.reserve([s], amount(0), t0 + 30_000));
    expect(refused(await counters.reserve([s], amount(0), t0 + 45_000), 'rpm').retryAfter).toBe(15);
    admitted(await counters.reserve([s], amount(0), t0 + 60_000));
    expect(refused(await counters.reserve([s], amount(0), t0 + 60_000), 'rpm').retryAfter).toBe(30);
  });

  it('starts a new month from the database', async () => {
    const { table, seed } = seeds();
    const counters = new MemoryCounters(seed);
    const s = scope({ monthlyTokens: 10 });
    const now = Date.now();
    admitted(await counters.reserve([s], amount(10), now));
    refused(await counters.reserve([s], amount(1), now), 'monthly_tokens');
    table.set(s.id, amount(3));
    const next = nextMonthStart(now);
    admitted(await counters.reserve([s], amount(7), next));
    refused(await counters.reserve([s], amount(1), next), 'monthly_tokens');
  });

  it('reads the database once for a burst of first calls', async () => {
    let reads = 0;
    const counters = new MemoryCounters(async () => {
      reads++;
      await new Promise((r) => setTimeout(r, 20));
      return amount(0);
    });
    const s = scope({ monthlyTokens: 10 });
    const results = await Promise.all(
      Array.from({ length: 20 }, () => counters.reserve([s], amount(1), Date.now())),
    );
    expect(reads).toBe(1);
    expect(results.filter((r) => !r.refused)).toHaveLength(10);
  });
});

describe('counters in Redis', () => {
  it('seed a month counter once when two hubs find it missing at the same time (SET NX)', async () => {
    const s = scope({ monthlyTokens: 1_000 });
    const a = new RedisCounters(connect(), async () => amount(70));
    const b = new RedisCounters(connect(), async () => amount(20));
    const now = Date.now();
    await Promise.all([a.reserve([s], amount(1), now), b.reserve([s], amount(1), now)]);
    const month = new Date(now + 8 * 3_600_000).toISOString().slice(0, 7);
    const tokens = await connect().hget(`{zs:limits}:${s.id}:m:${month}`, 'tokens');
    // One seed and both reservations; a second seed would have overwritten the first's count.
    expect(['72', '22']).toContain(tokens);
  });

  it('keeps per-minute counts in Redis, so another instance sees them', async () => {
    const s = scope({ rpm: 1 });
    const a = new RedisCounters(connect(), seeds().seed);
    const b = new RedisCounters(connect(), seeds().seed);
    admitted(await a.reserve([s], amount(0), Date.now()));
    refused(await b.reserve([s], amount(0), Date.now()), 'rpm');
  });
});
