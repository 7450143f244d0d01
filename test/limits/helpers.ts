import { eq, sql } from 'drizzle-orm';
import { expect } from 'vitest';
import { schema, type Db } from '../../src/store/index.js';
import { uniqueName } from '../identity/harness.js';
import type { TestHub } from '../support/hub.js';

/**
 * A model priced 0.001 CNY per 1k prompt tokens and 0.002 per 1k completion tokens. The upstream
 * double reports 5 prompt + 4 completion tokens, so a call costs 0.000013 CNY (13 000 nano-yuan).
 * The hub estimates 社保转移怎么办 at 7 prompt tokens, plus max_tokens 4: 11 tokens and
 * 0.000015 CNY (15 000 nano-yuan) reserved per call.
 */
export const PRICE = { from: '2020-01-01', input: '0.001', output: '0.002' };
export const ACTUAL = { tokens: 9, costNano: 13_000n };
export const ESTIMATE = { tokens: 11, costNano: 15_000n };

export function limitModels() {
  return [
    { name: 'qwen', targets: [{ endpoint: 'vllm', model: 'Qwen2.5-7B' }], prices: [PRICE] },
    { name: 'qwen-slow', targets: [{ endpoint: 'vllm', model: 'slow-300' }], prices: [PRICE] },
    { name: 'broken', targets: [{ endpoint: 'vllm', model: 'fail-500' }], prices: [PRICE] },
  ];
}

export interface CallResult {
  status: number;
  body: { error?: { code: string; message: string; type: string } } & Record<string, unknown>;
  headers: Headers;
}

/** One chat completion with an API key, as an OpenAI client sends it. */
export async function chat(
  baseUrl: string,
  key: string,
  model = 'qwen',
  extra: Record<string, unknown> = {},
): Promise<CallResult> {
  const res = await fetch(`${baseUrl}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify({
      model,
      max_tokens: 4,
      messages: [{ role: 'user', content: '社保转移怎么办' }],
      ...extra,
    }),
  });
  const text = await res.text();
  const body = res.headers.get('content-type')?.includes('json')
    ? (JSON.parse(text) as CallResult['body'])
    : { text };
  return { status: res.status, body, headers: res.headers };
}

export function expectRefused(res: CallResult, code: string): void {
  expect({ status: res.status, code: res.body.error?.code }, JSON.stringify(res.body)).toEqual({
    status: 429,
    code,
  });
  expect(res.body.error?.type).toBe('rate_limit_error');
}

/** A new organisation under `parent`, with limits set through the API when given. */
export async function freshOrg(
  hub: TestHub,
  parent: string,
  limits?: Record<string, unknown>,
): Promise<string> {
  const code = uniqueName('lim');
  const created = await hub.api('POST', '/api/v1/orgs', { code, name: code, parent });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  if (limits) {
    const set = await hub.api('PUT', `/api/v1/orgs/${code}/limits`, limits);
    expect(set.status, JSON.stringify(set.body)).toBe(200);
  }
  return code;
}

/** What the usage records say a key spent: calls answered 200, and the total cost. */
export async function spentBy(db: Db, keyId: string): Promise<{ ok: number; costNano: bigint }> {
  const [row] = await db
    .select({
      ok: sql<string>`count(*) filter (where ${schema.usageRecords.status} = 200)`,
      cost: sql<string>`coalesce(sum(${schema.usageRecords.costNano}), 0)`,
    })
    .from(schema.usageRecords)
    .where(eq(schema.usageRecords.keyId, keyId));
  return { ok: Number(row!.ok), costNano: BigInt(String(row!.cost)) };
}
