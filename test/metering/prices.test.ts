import { asc, eq } from 'drizzle-orm';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { shanghaiDay } from '../../src/metering/prices.js';
import type { PriceView } from '../../src/metering/routes.js';
import { schema } from '../../src/store/index.js';
import { adminSession, expectError, userSession } from '../identity/harness.js';
import { gatewayConfig, startHub, type TestHub } from '../support/hub.js';
import { startUpstream, type UpstreamDouble } from '../support/upstream-double.js';

/** The price catalog API: who reads and writes it, what it refuses, and that hubs reload it. */
let upstream: UpstreamDouble;
let hub: TestHub;
let sysadmin: string;

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
});

afterAll(async () => {
  await hub?.close();
  await upstream?.close();
});

const db = () => hub.hub.store.db;
const setPrice = (model: string, body: Record<string, unknown>, token = sysadmin) =>
  hub.api<PriceView>('PUT', `/api/v1/prices/${model}`, body, token);

describe('the price catalog API', () => {
  it('lets every role read prices but only the sysadmin set them, refusals in the ledger', async () => {
    const member = await userSession(hub, 'sz-member', 'gd-sz', ['member']);
    const list = await hub.api<{ data: PriceView[] }>('GET', '/api/v1/prices', undefined, member);
    expect(list.status).toBe(200);
    expect(list.body.data).toContainEqual({
      model: 'ernie',
      from: '2020-01-01',
      input: '0.001000',
      output: '0.002000',
      cached_input: '0.000500',
      source: 'config',
    });
    const dev = await userSession(hub, 'sz-dev', 'gd-sz', ['developer']);
    expectError(
      await setPrice('glm', { from: '2025-01-01', input: '1', output: '1' }, dev),
      403,
      'forbidden',
    );
    const [refused] = await db()
      .select()
      .from(schema.ledgerEntries)
      .where(eq(schema.ledgerEntries.outcome, 'forbidden'))
      .orderBy(asc(schema.ledgerEntries.seq));
    expect(refused).toMatchObject({ action: 'price.set', object: 'glm', actor: 'user:sz-dev' });
    expect(
      (await hub.api<{ data: PriceView[] }>('GET', '/api/v1/prices?model=glm')).body.data,
    ).toEqual([]);
  });

  it('refuses unknown models and malformed prices', async () => {
    expectError(
      await setPrice('gpt-9', { from: '2025-01-01', input: '1', output: '1' }),
      404,
      'model_not_found',
    );
    const cases: [Record<string, unknown>, string][] = [
      [{ from: '2025-02-30', input: '1', output: '1' }, 'from'],
      [{ from: '2025-02', input: '1', output: '1' }, 'from'],
      [{ from: '2025-01-01', input: '0.0000001', output: '1' }, 'input'],
      [{ from: '2025-01-01', input: '1', output: '-1' }, 'output'],
      [{ from: '2025-01-01', input: '1', output: '1', cached_input: 'free' }, 'cached_input'],
    ];
    for (const [body, param] of cases) {
      const res = await setPrice('qwen', body);
      expectError(res, 400, 'invalid_request');
      expect((res.body as unknown as { error: { param: string } }).error.param).toBe(param);
    }
    expectError(await setPrice('qwen', { from: '2025-01-01', input: '1' }), 400, 'invalid_request');
  });

  it('reloads the price book at once: the next call is charged the new price', async () => {
    const today = shanghaiDay(new Date());
    expect((await setPrice('glm', { from: today, input: '1', output: '2' })).status).toBe(200);
    const { key: secret } = await hub.createKey('gd-gz');
    const client = new OpenAI({ apiKey: secret, baseURL: `${hub.url}/v1`, maxRetries: 0 });
    const { data, response } = await client.chat.completions
      .create({ model: 'glm', messages: [{ role: 'user', content: '你好' }] })
      .withResponse();
    const [record] = await db()
      .select()
      .from(schema.usageRecords)
      .where(eq(schema.usageRecords.requestId, response.headers.get('x-zs-request-id')!));
    // 1 CNY per 1k prompt tokens, 2 per 1k completion tokens, in nano-yuan.
    expect(record!.costNano).toBe(
      (BigInt(data.usage!.prompt_tokens) * 1_000_000_000n +
        BigInt(data.usage!.completion_tokens) * 2_000_000_000n) /
        1000n,
    );
  });
});
