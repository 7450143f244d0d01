import { eq } from 'drizzle-orm';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { schema } from '../../src/store/index.js';
import { startHub, type TestHub } from '../support/hub.js';
import { startUpstream, type UpstreamDouble } from '../support/upstream-double.js';

// A valid resident ID (GB 11643 vector) and a valid mobile number.
const ID = '11010519491231002X';
const PHONE = '13912345678';
const ASK = `申请人王某，身份证号${ID}，联系电话${PHONE}，申请办理居住证。`;

let net: UpstreamDouble;
let intra: UpstreamDouble;
let hub: TestHub;
let client: OpenAI;
let importantKey: OpenAI;

beforeAll(async () => {
  net = await startUpstream({ name: 'net' });
  intra = await startUpstream({ name: 'intra' });
  hub = await startHub({
    orgs: [{ code: 'gd', name: '广东省政务服务和数据管理局', kind: 'province' }],
    endpoints: [
      { name: 'net', provider: 'openai-compatible', base_url: net.url, domain: 'internet' },
      { name: 'intra', provider: 'openai-compatible', base_url: intra.url, domain: 'gov-intranet' },
      // In the government cloud, but tightened by the config to general data up to level 2.
      {
        name: 'cloud',
        provider: 'openai-compatible',
        base_url: intra.url,
        domain: 'gov-cloud',
        clearance: 'general-2',
      },
    ],
    models: [
      { name: 'open', targets: [{ endpoint: 'net', model: 'echo' }] },
      { name: 'inside', targets: [{ endpoint: 'intra', model: 'echo' }] },
      { name: 'tight', targets: [{ endpoint: 'cloud', model: 'echo' }] },
      {
        name: 'mixed',
        targets: [
          { endpoint: 'net', model: 'echo', weight: 100 },
          { endpoint: 'intra', model: 'echo', weight: 1 },
        ],
      },
    ],
  });
  const a = await hub.createKey('gd');
  client = new OpenAI({ apiKey: a.key, baseURL: `${hub.url}/v1`, maxRetries: 0 });
  const b = await hub.createKey('gd', { data_level: 'important' });
  importantKey = new OpenAI({ apiKey: b.key, baseURL: `${hub.url}/v1`, maxRetries: 0 });
});

afterAll(async () => {
  await hub?.close();
  await net?.close();
  await intra?.close();
});

const lastBody = (u: UpstreamDouble) => JSON.stringify(u.requests.at(-1)?.body ?? null);
const entryOf = async (requestId: string) =>
  (
    await hub.hub.store.db
      .select()
      .from(schema.ledgerEntries)
      .where(eq(schema.ledgerEntries.requestId, requestId))
  )[0];
const ask = (content: string) => [{ role: 'user' as const, content }];

describe('data never leaves its domain', () => {
  it('masks identifiers for an internet model and restores them in the answer', async () => {
    const { data, response } = await client.chat.completions
      .create({ model: 'open', messages: ask(ASK) })
      .withResponse();
    // What the upstream actually received: placeholders, not the values.
    const sent = lastBody(net);
    expect(sent).not.toContain(ID);
    expect(sent).not.toContain(PHONE);
    expect(sent).toContain('〔身份证号1〕');
    expect(sent).toContain('〔手机号1〕');
    // The double echoes what it got; the client sees its own values again.
    expect(data.choices[0]!.message.content).toBe(`收到：${ASK}`);
    expect(response.headers.get('x-zs-data-level')).toBe('general-4');
    const entry = await entryOf(response.headers.get('x-zs-request-id')!);
    expect(entry!.detail).toMatchObject({
      data_level: 'general-4',
      guard: {
        level: 'general-4',
        reason: 'detected',
        action: 'mask',
        masked: { id_card: 1, mobile: 1 },
        // What remains after masking (the default level) may go to the internet deployment.
        route_floor: 'general-1',
      },
    });
  });

  it('restores placeholders split across streamed events', async () => {
    const stream = await client.chat.completions.create({
      model: 'open',
      messages: ask(ASK),
      stream: true,
    });
    let text = '';
    const pieces: string[] = [];
    for await (const chunk of stream) {
      const piece = chunk.choices[0]?.delta.content ?? '';
      pieces.push(piece);
      text += piece;
    }
    expect(text).toBe(`收到：${ASK}`);
    expect(pieces.join('')).not.toContain('〔');
    // The upstream streamed the placeholders three characters at a time.
    expect(lastBody(net)).toContain('〔身份证号1〕');
  });

  it('keeps one placeholder per value across a conversation, and never restores invented ones', async () => {
    const data = await client.chat.completions.create({
      model: 'open',
      messages: [
        { role: 'user', content: `身份证号${ID}` },
        { role: 'assistant', content: '好的。' },
        { role: 'user', content: `再核对一次${ID}，另有〔身份证号2〕和〔手机号1〕。` },
      ],
    });
    const sent = net.requests.at(-1)!.body.messages as { content: string }[];
    expect(sent[0]!.content).toBe('身份证号〔身份证号1〕');
    expect(sent[2]!.content).toContain('再核对一次〔身份证号1〕');
    // 〔身份证号2〕 and 〔手机号1〕 were never issued for this request: they stay as they are.
    expect(data.choices[0]!.message.content).toBe(
      `收到：再核对一次${ID}，另有〔身份证号2〕和〔手机号1〕。`,
    );
  });

  it('sends identifiers unmasked to a deployment cleared for them', async () => {
    const { data, response } = await client.chat.completions
      .create({ model: 'inside', messages: ask(ASK) })
      .withResponse();
    expect(lastBody(intra)).toContain(ID);
    expect(data.choices[0]!.message.content).toBe(`收到：${ASK}`);
    expect(response.headers.get('x-zs-data-level')).toBe('general-4');
  });

  it('routes only to the targets cleared for the level, whatever their weights', async () => {
    const before = net.requests.length;
    for (let i = 0; i < 5; i++) {
      const { response } = await client.chat.completions
        .create({ model: 'mixed', messages: ask(ASK) })
        .withResponse();
      expect(response.headers.get('x-zs-route')).toBe('intra');
    }
    expect(net.requests.length).toBe(before);
    // Without personal data the heavy internet target takes the call.
    const { response } = await client.chat.completions
      .create({ model: 'mixed', messages: ask('办理居住证需要哪些材料？') })
      .withResponse();
    expect(response.headers.get('x-zs-route')).toBe('net');
    expect(response.headers.get('x-zs-data-level')).toBe('general-1');
  });

  it('refuses important data with no cleared deployment, naming the level', async () => {
    const before = net.requests.length;
    const err = await client.chat.completions
      .create(
        { model: 'open', messages: ask('会议纪要') },
        { headers: { 'x-zs-data-level': 'core' } },
      )
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.PermissionDeniedError);
    const e = err as InstanceType<typeof OpenAI.PermissionDeniedError>;
    expect(e.code).toBe('data_level_exceeds_clearance');
    expect(e.message).toContain('核心 (core)');
    expect(e.message).toContain('一般2级 (general-2)');
    expect(e.headers?.get('x-zs-data-level')).toBe('core');
    expect(net.requests.length).toBe(before);
    const entry = await entryOf(e.headers.get('x-zs-request-id')!);
    expect(entry).toMatchObject({ outcome: 'data_level_exceeds_clearance' });
    expect(entry!.detail).toMatchObject({ guard: { level: 'core', action: 'refuse' } });
  });

  it('refuses 涉密 everywhere, even on the intranet', async () => {
    const before = intra.requests.length;
    const err = await client.chat.completions
      .create(
        { model: 'inside', messages: ask('会议纪要') },
        { headers: { 'x-zs-data-level': 'secret' } },
      )
      .catch((e: unknown) => e);
    expect((err as { code?: string }).code).toBe('data_level_exceeds_clearance');
    expect((err as Error).message).toContain('涉密');
    expect(intra.requests.length).toBe(before);
  });

  it('takes the key default level, and the config tightening of a clearance', async () => {
    const err = await importantKey.chat.completions
      .create({ model: 'open', messages: ask('你好') })
      .catch((e: unknown) => e);
    expect((err as { code?: string }).code).toBe('data_level_exceeds_clearance');
    // gov-cloud would take general-4 by default; this deployment is cleared for general-2 only.
    const { response } = await client.chat.completions
      .create({ model: 'tight', messages: ask(ASK) })
      .withResponse();
    expect(response.headers.get('x-zs-data-level')).toBe('general-4');
    expect(lastBody(intra)).not.toContain(ID);
  });

  it('rejects an unknown level with a clear error', async () => {
    const err = await client.chat.completions
      .create(
        { model: 'open', messages: ask('你好') },
        { headers: { 'x-zs-data-level': 'top-secret' } },
      )
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.BadRequestError);
    expect((err as { code?: string }).code).toBe('invalid_data_level');
  });
});
