import { request } from 'node:http';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { estimateTokens } from '../../src/gateway/usage.js';
import { schema } from '../../src/store/index.js';
import { gatewayConfig, startHub, type TestHub } from '../support/hub.js';
import { startUpstream, type UpstreamDouble } from '../support/upstream-double.js';

/**
 * Every way an upstream call can go wrong still leaves exactly one usage record and one ledger
 * entry that say what happened: the status, the stable error code and the tokens actually used.
 */

let fast: UpstreamDouble;
let slow: UpstreamDouble;
let hub: TestHub;
let key: string;

type Endpoint = { name: string; timeouts?: Record<string, number> };

beforeAll(async () => {
  fast = await startUpstream({ name: 'fast' });
  // Long pauses between chunks: a client can leave while the answer is still coming.
  slow = await startUpstream({ name: 'slow', chunkDelayMs: 1_000 });
  // One endpoint per scenario (same upstream) so their circuit breakers do not interact.
  const config = gatewayConfig(
    {
      'ep-ok': fast.url,
      'ep-timeout': fast.url,
      'ep-fail-a': fast.url,
      'ep-fail-b': fast.url,
      'ep-cut': fast.url,
      'ep-slow': slow.url,
    },
    [
      { name: 'ok', targets: [{ endpoint: 'ep-ok', model: 'm' }] },
      { name: 'sleepy', targets: [{ endpoint: 'ep-timeout', model: 'slow-3000' }] },
      {
        name: 'broken',
        targets: [
          { endpoint: 'ep-fail-a', model: 'fail-500' },
          { endpoint: 'ep-fail-b', model: 'fail-502' },
        ],
      },
      { name: 'cutter', targets: [{ endpoint: 'ep-cut', model: 'cut' }] },
      { name: 'dripping', targets: [{ endpoint: 'ep-slow', model: 'm' }] },
    ],
  );
  for (const endpoint of config.endpoints as Endpoint[]) {
    if (endpoint.name === 'ep-timeout') endpoint.timeouts = { first_byte_ms: 300 };
  }
  hub = await startHub({ ...config, gateway: { retry_base_ms: 10 } });
  key = (await hub.createKey('gd-gz')).key;
});

afterAll(async () => {
  await hub?.close();
  await fast?.close();
  await slow?.close();
});

const chat = (model: string, stream: boolean) =>
  fetch(`${hub.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model, stream, messages: [{ role: 'user', content: '办理居住证' }] }),
  });

const requestIdOf = (res: Response) => {
  const id = res.headers.get('x-zs-request-id');
  expect(id).toBeTruthy();
  return id!;
};

/** The call's only usage record and only ledger entry, checked against each other. */
async function recordOf(requestId: string) {
  const db = hub.hub.store.db;
  const usage = await db
    .select()
    .from(schema.usageRecords)
    .where(eq(schema.usageRecords.requestId, requestId));
  const entries = await db
    .select()
    .from(schema.ledgerEntries)
    .where(eq(schema.ledgerEntries.requestId, requestId));
  expect(usage).toHaveLength(1);
  expect(entries).toHaveLength(1);
  const record = usage[0]!;
  const entry = entries[0]!;
  const detail = entry.detail as {
    status: number;
    usage: Record<string, unknown> | null;
    route: { attempts: number };
  };
  expect(entry).toMatchObject({
    action: 'call.chat',
    outcome: record.errorCode ?? 'ok',
    seq: record.ledgerSeq,
  });
  expect(detail.status).toBe(record.status);
  expect(detail.route.attempts).toBe(record.attempts);
  if (detail.usage) {
    expect(detail.usage).toEqual({
      prompt_tokens: record.promptTokens,
      completion_tokens: record.completionTokens,
      cached_tokens: record.cachedTokens,
      estimated: record.estimated,
    });
  } else {
    expect([record.promptTokens, record.completionTokens]).toEqual([0, 0]);
  }
  return { record, entry };
}

const PROMPT_ESTIMATE = estimateTokens('办理居住证');
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('upstream faults are recorded with what actually happened', () => {
  it('a non-stream answer is charged with the upstream’s own usage', async () => {
    const res = await chat('ok', false);
    expect(res.status).toBe(200);
    const body = (await res.json()) as {
      usage: { prompt_tokens: number; completion_tokens: number };
    };
    const { record } = await recordOf(requestIdOf(res));
    expect(record).toMatchObject({
      status: 200,
      errorCode: null,
      promptTokens: body.usage.prompt_tokens,
      completionTokens: body.usage.completion_tokens,
      estimated: false,
      attempts: 1,
      endpoint: 'ep-ok',
    });
  });

  it('a first-byte timeout is a 504 upstream_timeout with no completion tokens', async () => {
    const res = await chat('sleepy', false);
    expect(res.status).toBe(504);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('upstream_timeout');
    const { record } = await recordOf(requestIdOf(res));
    expect(record).toMatchObject({
      status: 504,
      errorCode: 'upstream_timeout',
      completionTokens: 0,
      costNano: 0n,
      attempts: 1,
    });
  });

  it('5xx from every target is recorded with the final code and every attempt counted', async () => {
    const before = fast.requests.length;
    const res = await chat('broken', false);
    expect(res.status).toBe(503);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe(
      'all_targets_failed',
    );
    const { record } = await recordOf(requestIdOf(res));
    // Two targets, each tried twice (retries_per_target: 1): the default max_attempts of 4.
    const made = fast.requests.length - before;
    expect(made).toBe(4);
    expect(record).toMatchObject({
      status: 503,
      errorCode: 'all_targets_failed',
      attempts: made,
      completionTokens: 0,
      costNano: 0n,
    });
  });

  it('a stream cut by the upstream is a 502 stream_interrupted charged for what was streamed', async () => {
    const res = await chat('cutter', true);
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(text).toContain('"stream_interrupted"');
    expect(text).not.toContain('[DONE]');
    // The double sends 你好 and ，我是 before dropping the connection.
    const streamed = estimateTokens('你好') + estimateTokens('，我是');
    const { record } = await recordOf(requestIdOf(res));
    expect(record).toMatchObject({
      status: 502,
      errorCode: 'stream_interrupted',
      completionTokens: streamed,
      promptTokens: PROMPT_ESTIMATE,
      estimated: true,
    });
    expect(record.completionTokens).toBeGreaterThan(0);
  });

  it('a client leaving mid-stream is recorded as client_closed with the tokens sent so far', async () => {
    // A raw request whose socket is dropped once the first words arrive (a closed browser tab).
    const id = await new Promise<string>((resolve, reject) => {
      const req = request(
        `${hub.url}/v1/chat/completions`,
        {
          method: 'POST',
          headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        },
        (res) => {
          let seen = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => {
            seen += chunk;
            if (!seen.includes('你好')) return;
            req.destroy();
            resolve(String(res.headers['x-zs-request-id']));
          });
          res.on('end', () => reject(new Error('the stream ended before the client left')));
        },
      );
      req.on('error', () => {});
      req.end(
        JSON.stringify({
          model: 'dripping',
          stream: true,
          messages: [{ role: 'user', content: '办理居住证' }],
        }),
      );
    });
    expect(id).toMatch(/\S/);
    // The record is written after the client went away: wait for it.
    const db = hub.hub.store.db;
    const deadline = Date.now() + 10_000;
    while (
      (
        await db
          .select({ id: schema.usageRecords.requestId })
          .from(schema.usageRecords)
          .where(eq(schema.usageRecords.requestId, id))
      ).length === 0
    ) {
      if (Date.now() > deadline) throw new Error('no record for the abandoned call');
      await sleep(50);
    }
    const { record } = await recordOf(id);
    expect(record).toMatchObject({
      status: 499,
      errorCode: 'client_closed',
      promptTokens: PROMPT_ESTIMATE,
      estimated: true,
    });
    // At least the chunk the client saw, and less than the whole answer (the hub stopped reading).
    expect(record.completionTokens).toBeGreaterThanOrEqual(estimateTokens('你好'));
    expect(record.completionTokens).toBeLessThan(estimateTokens('你好，我是政务助手。'));
  });
});
