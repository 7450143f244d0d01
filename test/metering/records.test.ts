import { createHash } from 'node:crypto';
import { asc, eq } from 'drizzle-orm';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canonicalJson } from '../../src/ledger/chain.js';
import { verifyLedger } from '../../src/ledger/verify.js';
import { schema } from '../../src/store/index.js';
import { gatewayConfig, startHub, type TestHub } from '../support/hub.js';
import { startUpstream, type UpstreamDouble } from '../support/upstream-double.js';

let upstream: UpstreamDouble;
let hub: TestHub;
let gz: OpenAI;
let sz: OpenAI;
let gzKey: string;

const sm3 = (text: string) => createHash('sm3').update(text).digest('hex');

beforeAll(async () => {
  upstream = await startUpstream();
  const config = gatewayConfig({ vllm: upstream.url }, [
    {
      name: 'qwen',
      targets: [{ endpoint: 'vllm', model: 'Qwen2.5-7B-Instruct' }],
      prices: [
        { from: '2020-01-01', input: '0.004', output: '0.012' },
        { from: '2099-01-01', input: 9, output: 9 },
      ],
    },
    { name: 'free', targets: [{ endpoint: 'vllm', model: 'free' }] },
  ]);
  // 深圳 keeps call content for its auditors; 广州 keeps digests only.
  (config.orgs[0]!.children[1] as Record<string, unknown>).store_content = true;
  hub = await startHub(config);
  const a = await hub.createKey('gd-gz', { models: ['qwen'] });
  gzKey = a.id;
  gz = new OpenAI({ apiKey: a.key, baseURL: `${hub.url}/v1`, maxRetries: 0 });
  const b = await hub.createKey('gd-sz');
  sz = new OpenAI({ apiKey: b.key, baseURL: `${hub.url}/v1`, maxRetries: 0 });
});

afterAll(async () => {
  await hub?.close();
  await upstream?.close();
});

const db = () => hub.hub.store.db;
const usageOf = async (requestId: string) =>
  db().select().from(schema.usageRecords).where(eq(schema.usageRecords.requestId, requestId));
const entryOf = async (requestId: string) =>
  db().select().from(schema.ledgerEntries).where(eq(schema.ledgerEntries.requestId, requestId));

describe('every /v1 call is metered and in the ledger before the client has the answer', () => {
  it('records a chat completion with tokens, exact cost, route and digests', async () => {
    const { data, response } = await gz.chat.completions
      .create({ model: 'qwen', messages: [{ role: 'user', content: '社保转移怎么办？' }] })
      .withResponse();
    const id = response.headers.get('x-zs-request-id')!;
    // No waiting: the record was committed before the response was sent.
    const [usage] = await usageOf(id);
    expect(usage).toMatchObject({
      keyId: gzKey,
      op: 'chat',
      model: 'qwen',
      servedModel: 'qwen',
      endpoint: 'vllm',
      stream: false,
      status: 200,
      errorCode: null,
      promptTokens: data.usage!.prompt_tokens,
      completionTokens: data.usage!.completion_tokens,
    });
    // 0.004 / 1k prompt + 0.012 / 1k completion, in nano-yuan, exactly.
    const expected =
      (BigInt(data.usage!.prompt_tokens) * 4_000_000n +
        BigInt(data.usage!.completion_tokens) * 12_000_000n) /
      1000n;
    expect(usage!.costNano).toBe(expected);
    const [entry] = await entryOf(id);
    expect(entry).toMatchObject({
      actor: `key:${gzKey}`,
      action: 'call.chat',
      object: 'qwen',
      outcome: 'ok',
      seq: usage!.ledgerSeq,
    });
    const detail = entry!.detail as Record<string, unknown>;
    expect(detail.route).toEqual({ served_model: 'qwen', endpoint: 'vllm', attempts: 1 });
    expect(detail.answer_sm3).toBe(sm3(data.choices[0]!.message.content!));
    expect(detail.prompt_sm3).toBe(
      sm3(canonicalJson([{ role: 'user', content: '社保转移怎么办？' }])),
    );
    expect(detail.content_stored).toBe(false);
    expect(await db().select().from(schema.ledgerContent)).toEqual([]);
  });

  it('records a streamed answer once, with the streamed text digested', async () => {
    const { data: stream, response } = await gz.chat.completions
      .create({ model: 'qwen', stream: true, messages: [{ role: 'user', content: '你好' }] })
      .withResponse();
    let text = '';
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
    const id = response.headers.get('x-zs-request-id')!;
    const rows = await usageOf(id);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ stream: true, status: 200 });
    expect(rows[0]!.completionTokens).toBeGreaterThan(0);
    const [entry] = await entryOf(id);
    expect((entry!.detail as Record<string, unknown>).answer_sm3).toBe(sm3(text));
  });

  it('records refusals after the key is accepted, with their error code and no cost', async () => {
    const err = await gz.chat.completions
      .create({ model: 'free', messages: [{ role: 'user', content: 'x' }] })
      .then(
        () => {
          throw new Error('expected a refusal');
        },
        (e: unknown) => e as InstanceType<typeof OpenAI.APIError>,
      );
    expect(err.status).toBe(403);
    const id = err.headers!.get('x-zs-request-id')!;
    expect(await usageOf(id)).toMatchObject([
      { status: 403, errorCode: 'model_not_allowed', promptTokens: 0, costNano: 0n },
    ]);
    expect(await entryOf(id)).toMatchObject([{ outcome: 'model_not_allowed' }]);
  });

  it('keeps content sealed with SM4 only where the organisation policy asks for it', async () => {
    const { data, response } = await sz.chat.completions
      .create({ model: 'free', messages: [{ role: 'user', content: '请核对身份证号' }] })
      .withResponse();
    const id = response.headers.get('x-zs-request-id')!;
    const [row] = await db()
      .select()
      .from(schema.ledgerContent)
      .where(eq(schema.ledgerContent.requestId, id));
    expect(row!.sealed).not.toContain('身份证');
    const opened = JSON.parse(hub.hub.sealer.open(row!.sealed, `ledger-content:${id}`)) as {
      prompt: unknown;
      answer: string;
    };
    expect(opened).toEqual({
      prompt: [{ role: 'user', content: '请核对身份证号' }],
      answer: data.choices[0]!.message.content,
    });
    // A sealed value moved to another request does not open.
    expect(() => hub.hub.sealer.open(row!.sealed, 'ledger-content:other')).toThrow();
    // An unpriced model costs nothing rather than guessing.
    expect((await usageOf(id))[0]!.costNano).toBe(0n);
  });

  it('records a model name PostgreSQL cannot store (NUL, lone surrogate) without failing anyone', async () => {
    const hostile = fetch(`${hub.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${gz.apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        model: 'q\u0000w\ud800en',
        messages: [{ role: 'user', content: 'x' }],
      }),
    });
    // A call settling in the same batch is not harmed.
    const [bad, good] = await Promise.all([
      hostile,
      gz.chat.completions.create({ model: 'qwen', messages: [{ role: 'user', content: '你好' }] }),
    ]);
    expect(bad.status).toBe(404);
    expect(good.choices[0]!.message.content).toBeTruthy();
    const [entry] = await entryOf(bad.headers.get('x-zs-request-id')!);
    expect(entry!.object).toBe('q\uFFFDw\uFFFDen');
    expect((await verifyLedger(db(), { trustedKeys: hub.hub.trustedKeys })).ok).toBe(true);
  });

  it('records management actions, refusals included, and the chain verifies', async () => {
    const login = await hub.api('POST', '/api/v1/auth/login', {
      username: 'nobody',
      password: 'wrong-password-1',
    });
    expect(login.status).toBe(401);
    const entries = await db()
      .select()
      .from(schema.ledgerEntries)
      .orderBy(asc(schema.ledgerEntries.seq));
    const actions = entries.map((e) => `${e.action}:${e.outcome}`);
    expect(actions[0]).toBe('config.apply:ok');
    expect(actions.filter((a) => a === 'key.create:ok')).toHaveLength(2);
    expect(actions.at(-1)).toMatch(/^auth\.login:/);
    expect(entries.at(-1)!.actor).toBe('user:nobody');
    const result = await verifyLedger(db(), { trustedKeys: hub.hub.trustedKeys });
    expect(result).toMatchObject({ ok: true, entries: entries.length, first_bad: null });
  });
});
