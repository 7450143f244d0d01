import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatYuan } from '../../src/metering/money.js';
import { shanghaiDay } from '../../src/metering/prices.js';
import type { UsageReport } from '../../src/metering/query.js';
import { schema } from '../../src/store/index.js';
import { adminSession, expectError, userSession } from '../identity/harness.js';
import { gatewayConfig, startHub, type TestHub } from '../support/hub.js';
import { startUpstream, type UpstreamDouble } from '../support/upstream-double.js';

/**
 * Usage reports against what the clients themselves saw: real calls through the gateway with the
 * openai SDK, then the usage API's totals and breakdowns must match the `usage` of every answer,
 * with exact costs, per organisation subtree and within the caller's scope.
 */
let upstream: UpstreamDouble;
let hub: TestHub;
const clients: Record<string, OpenAI> = {};
const keyIds: Record<string, string> = {};

// qwen: 0.004 CNY per 1k prompt tokens, 0.012 per 1k completion tokens, in nano-yuan.
const QWEN = { input: 4_000_000n, output: 12_000_000n };

interface Seen {
  requests: number;
  errors: number;
  prompt: number;
  completion: number;
  cost: bigint;
}
/** What the SDK saw, per organisation code and model. */
const seen = new Map<string, Seen>();
function note(org: string, model: string, usage: { prompt: number; completion: number } | null) {
  const key = `${org}|${model}`;
  const s = seen.get(key) ?? { requests: 0, errors: 0, prompt: 0, completion: 0, cost: 0n };
  s.requests += 1;
  if (!usage) s.errors += 1;
  else {
    s.prompt += usage.prompt;
    s.completion += usage.completion;
    if (model === 'qwen')
      s.cost +=
        (BigInt(usage.prompt) * QWEN.input + BigInt(usage.completion) * QWEN.output) / 1000n;
  }
  seen.set(key, s);
}
/** The expected totals over the organisations and models that match. */
function expected(match: (org: string, model: string) => boolean) {
  const sum = { requests: 0, errors: 0, prompt: 0, completion: 0, cost: 0n };
  for (const [key, s] of seen) {
    const [org, model] = key.split('|') as [string, string];
    if (!match(org, model)) continue;
    sum.requests += s.requests;
    sum.errors += s.errors;
    sum.prompt += s.prompt;
    sum.completion += s.completion;
    sum.cost += s.cost;
  }
  return {
    requests: sum.requests,
    errors: sum.errors,
    prompt_tokens: sum.prompt,
    completion_tokens: sum.completion,
    cached_tokens: 0,
    total_tokens: sum.prompt + sum.completion,
    cost: formatYuan(sum.cost),
  };
}

beforeAll(async () => {
  upstream = await startUpstream();
  hub = await startHub(
    gatewayConfig({ vllm: upstream.url }, [
      {
        name: 'qwen',
        targets: [{ endpoint: 'vllm', model: 'Qwen2.5-7B-Instruct' }],
        prices: [{ from: '2020-01-01', input: '0.004', output: '0.012' }],
      },
      { name: 'free', targets: [{ endpoint: 'vllm', model: 'free' }] },
      { name: 'broken', targets: [{ endpoint: 'vllm', model: 'fail-500' }] },
    ]),
  );
  for (const org of ['gd', 'gd-gz', 'gd-sz']) {
    const { id, key } = await hub.createKey(org, { name: `${org}-app` });
    keyIds[org] = id;
    clients[org] = new OpenAI({ apiKey: key, baseURL: `${hub.url}/v1`, maxRetries: 0 });
  }

  const chat = async (org: string, model: string) => {
    const res = await clients[org]!.chat.completions.create({
      model,
      messages: [{ role: 'user', content: '如何办理居住证？' }],
    });
    note(org, model, {
      prompt: res.usage!.prompt_tokens,
      completion: res.usage!.completion_tokens,
    });
  };
  await chat('gd-gz', 'qwen');
  await chat('gd-gz', 'qwen');
  const stream = await clients['gd-gz']!.chat.completions.create({
    model: 'qwen',
    stream: true,
    stream_options: { include_usage: true },
    messages: [{ role: 'user', content: '你好' }],
  });
  let usage: OpenAI.CompletionUsage | undefined;
  for await (const chunk of stream) usage ??= chunk.usage ?? undefined;
  note('gd-gz', 'qwen', { prompt: usage!.prompt_tokens, completion: usage!.completion_tokens });
  const emb = await clients['gd-gz']!.embeddings.create({
    model: 'qwen',
    input: ['社保', '公积金'],
  });
  note('gd-gz', 'qwen', { prompt: emb.usage.prompt_tokens, completion: 0 });
  await chat('gd-sz', 'qwen');
  await chat('gd-sz', 'free');
  await chat('gd', 'qwen');
  await expect(
    clients.gd!.chat.completions.create({
      model: 'broken',
      messages: [{ role: 'user', content: 'x' }],
    }),
  ).rejects.toThrow();
  note('gd', 'broken', null);
});

afterAll(async () => {
  await hub?.close();
  await upstream?.close();
});

const usage = (query: string, token?: string) =>
  hub.api<UsageReport>('GET', `/api/v1/usage${query}`, undefined, token);
/** A row without its latencies (timing is not what the SDK reports). */
const totalsOnly = <T extends { avg_latency_ms: number | null; p95_latency_ms: number | null }>(
  t: T,
): Omit<T, 'avg_latency_ms' | 'p95_latency_ms'> => {
  const { avg_latency_ms: _mean, p95_latency_ms: _p95, ...rest } = t;
  return rest;
};

describe('usage by organisation subtree', () => {
  it('totals what the SDK saw in every answer, with the exact cost', async () => {
    const res = await usage('?org=gd');
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    const today = shanghaiDay(new Date());
    expect(res.body.org.code).toBe('gd');
    // Default range: the current Shanghai month.
    expect(res.body.from).toBe(`${today.slice(0, 7)}-01`);
    expect(res.body.to.slice(0, 7)).toBe(today.slice(0, 7));
    expect(totalsOnly(res.body.totals)).toEqual(expected(() => true));
    expect(res.body.totals.requests).toBe(8);
    expect(res.body.totals.errors).toBe(1);
    expect(res.body.totals.avg_latency_ms).toBeGreaterThan(0);
    // The p95 from the rollup's histograms: at least the mean's order, never below zero.
    expect(res.body.totals.p95_latency_ms).toBeGreaterThan(0);
    expect(res.body.totals.p95_latency_ms).toBeLessThan(60_000);
    // Non-zero and exact to the nano-yuan, as a decimal string.
    expect(res.body.totals.cost).toMatch(/^0\.\d{9}$/);
    expect(res.body.totals.cost).not.toBe('0.000000000');
  });

  it('keeps a latency histogram in every rollup row, one count per call', async () => {
    const rows = await hub.hub.store.db.select().from(schema.usageDaily);
    expect(rows.length).toBeGreaterThan(0);
    for (const r of rows) {
      expect(r.latencyBuckets).toHaveLength(31);
      expect(r.latencyBuckets!.reduce((a, b) => a + b, 0)).toBe(r.requests);
    }
  });

  it('breaks down by model, organisation, day, month and key', async () => {
    const res = await usage('?org=gd&group_by=model,org,day,month,key');
    const b = res.body.breakdowns;
    const rows = (list: unknown[] | undefined) =>
      (list as (Record<string, unknown> & UsageReport['totals'])[]).map(totalsOnly);
    expect(rows(b.model)).toEqual([
      { model: 'broken', ...expected((_o, m) => m === 'broken') },
      { model: 'free', ...expected((_o, m) => m === 'free') },
      { model: 'qwen', ...expected((_o, m) => m === 'qwen') },
    ]);
    // Each organisation with its own calls, the province first (tree order).
    const orgs = rows(b.org);
    expect(orgs[0]).toEqual({
      org: 'gd',
      org_name: '广东省政务服务和数据管理局',
      ...expected((o) => o === 'gd'),
    });
    expect(orgs.slice(1).sort((x, y) => String(x.org).localeCompare(String(y.org)))).toEqual([
      { org: 'gd-gz', org_name: '广州市政务服务数据管理局', ...expected((o) => o === 'gd-gz') },
      { org: 'gd-sz', org_name: '深圳市政务服务数据管理局', ...expected((o) => o === 'gd-sz') },
    ]);
    expect(rows(b.month)).toEqual([
      { month: shanghaiDay(new Date()).slice(0, 7), ...expected(() => true) },
    ]);
    // Calls made around Shanghai midnight may land on two days; together they are the total.
    const days = b.day as { day: string; requests: number }[];
    expect(days.reduce((n, d) => n + d.requests, 0)).toBe(8);
    for (const d of days) expect(d.day.slice(0, 7)).toBe(res.body.from.slice(0, 7));
    const keys = rows(b.key).sort((x, y) => String(x.org).localeCompare(String(y.org)));
    expect(keys).toEqual(
      ['gd', 'gd-gz', 'gd-sz'].map((org) => ({
        key_id: keyIds[org],
        key_name: `${org}-app`,
        key_prefix: expect.stringMatching(/^zs-/) as string,
        org,
        ...expected((o) => o === org),
      })),
    );
  });

  it('reads only the requested days', async () => {
    const res = await usage('?org=gd&from=2020-01&to=2020-01-31&group_by=model,day');
    expect(res.body).toMatchObject({
      from: '2020-01-01',
      to: '2020-01-31',
      totals: { requests: 0, cost: '0.000000000', avg_latency_ms: null, p95_latency_ms: null },
      breakdowns: { model: [], day: [] },
    });
    const today = shanghaiDay(new Date());
    const only = await usage(`?org=gd-sz&from=${today.slice(0, 7)}&group_by=model`);
    expect(totalsOnly(only.body.totals)).toEqual(expected((o) => o === 'gd-sz'));
  });

  it('refuses malformed dates and groups with invalid_request naming the parameter', async () => {
    for (const [query, param] of [
      ['?from=2025-02-30', 'from'],
      ['?to=2025-13', 'to'],
      ['?from=yesterday', 'from'],
      ['?from=2025-05&to=2025-04', 'from'],
      ['?group_by=model,week', 'group_by'],
    ] as const) {
      const res = await usage(query);
      expectError(res, 400, 'invalid_request');
      expect((res.body as unknown as { error: { param: string } }).error.param, query).toBe(param);
    }
  });
});

describe('scoping', () => {
  it('shows a city only itself, a province its subtree, and hides the rest (404)', async () => {
    const gz = await userSession(hub, 'gz-admin', 'gd-gz', ['org_admin']);
    const own = await usage('?group_by=org', gz);
    expect(own.status).toBe(200);
    expect(own.body.org.code).toBe('gd-gz');
    expect(totalsOnly(own.body.totals)).toEqual(expected((o) => o === 'gd-gz'));
    expect((own.body.breakdowns.org as { org: string }[]).map((r) => r.org)).toEqual(['gd-gz']);
    expectError(await usage('?org=gd', gz), 404, 'org_not_found');
    expectError(await usage('?org=gd-sz', gz), 404, 'org_not_found');
    expectError(await usage('?org=nowhere', gz), 404, 'org_not_found');

    const gd = await userSession(hub, 'gd-admin', 'gd', ['org_admin']);
    const province = await usage('', gd);
    expect(province.body.org.code).toBe('gd');
    expect(totalsOnly(province.body.totals)).toEqual(expected(() => true));
    const city = await usage('?org=gd-gz', gd);
    expect(totalsOnly(city.body.totals)).toEqual(expected((o) => o === 'gd-gz'));
  });

  it('shows a developer only their own organisation, not the ones below it', async () => {
    const dev = await userSession(hub, 'gd-dev', 'gd', ['developer']);
    const res = await usage('?group_by=org', dev);
    expect(res.body.org.code).toBe('gd');
    expect(totalsOnly(res.body.totals)).toEqual(expected((o) => o === 'gd'));
    expect((res.body.breakdowns.org as { org: string }[]).map((r) => r.org)).toEqual(['gd']);
    expectError(await usage('?org=gd-gz', dev), 404, 'org_not_found');
  });

  it('refuses a member (403) and lets the auditor see every organisation', async () => {
    const member = await userSession(hub, 'gd-member', 'gd', ['member']);
    expectError(await usage('', member), 403, 'forbidden');
    const auditor = await adminSession(hub, 'auditor');
    const all = await usage('?group_by=org', auditor);
    expect(all.body.org.code).toBe('root');
    expect(totalsOnly(all.body.totals)).toEqual(expected(() => true));
  });
});

describe('Prometheus', () => {
  it('counts cost, requests and tokens per organisation and model', async () => {
    const text = await (await fetch(`${hub.url}/metrics`)).text();
    const value = (metric: string, labels: string) => {
      const line = text.split('\n').find((l) => l.startsWith(`${metric}{${labels}}`));
      return line === undefined ? undefined : Number(line.split(' ').at(-1));
    };
    const gzQwen = seen.get('gd-gz|qwen')!;
    expect(value('zs_cost_yuan_total', 'org="gd-gz",model="qwen"')).toBeCloseTo(
      Number(gzQwen.cost) / 1e9,
      9,
    );
    expect(value('zs_cost_yuan_total', 'org="gd-sz",model="qwen"')).toBeCloseTo(
      Number(seen.get('gd-sz|qwen')!.cost) / 1e9,
      9,
    );
    // Unpriced: a series at zero, so cost and request counters join.
    expect(value('zs_cost_yuan_total', 'org="gd-sz",model="free"')).toBe(0);
    expect(value('zs_tokens_total', 'org="gd-gz",model="qwen",kind="prompt"')).toBe(gzQwen.prompt);
    expect(
      text
        .split('\n')
        .filter((l) => l.startsWith('zs_requests_total{org="gd-gz",model="qwen"'))
        .reduce((n, l) => n + Number(l.split(' ').at(-1)), 0),
    ).toBe(gzQwen.requests);
  });
});
