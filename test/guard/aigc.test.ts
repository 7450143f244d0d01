import { createHash } from 'node:crypto';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkExplicitLabel, parseProducerCode } from '../../src/guard/aigc.js';
import { gatewayConfig, startHub, type TestHub } from '../support/hub.js';
import { startUpstream, type UpstreamDouble } from '../support/upstream-double.js';

// A real producer code from a published label: USCC 91440300708461136T, service code XGW3.
const PRODUCER = '001191440300708461136T1XGW3';
const FIELDS = [
  'Label',
  'ContentProducer',
  'ProduceID',
  'ReservedCode1',
  'ContentPropagator',
  'PropagateID',
  'ReservedCode2',
];
const sm3 = (text: string) => createHash('sm3').update(text).digest('hex');

let upstream: UpstreamDouble;
let hub: TestHub;
let client: OpenAI;

beforeAll(async () => {
  upstream = await startUpstream();
  hub = await startHub({
    ...gatewayConfig({ vllm: upstream.url }, [
      { name: 'qwen', targets: [{ endpoint: 'vllm', model: 'q' }] },
    ]),
    aigc: { producer: PRODUCER },
  });
  const key = await hub.createKey('gd');
  client = new OpenAI({ apiKey: key.key, baseURL: `${hub.url}/v1`, maxRetries: 0 });
});

afterAll(async () => {
  await hub?.close();
  await upstream?.close();
});

describe('the producer code and explicit labels', () => {
  it('parses a 27-character code and checks its embedded credit code', () => {
    expect(parseProducerCode(PRODUCER)).toEqual({
      version: '00',
      subjectType: '1',
      bindingType: '1',
      creditCode: '91440300708461136T',
      serviceType: '1',
      serviceCode: 'XGW3',
    });
    // One character of the credit code changed: its check character no longer fits.
    expect(() => parseProducerCode('001191440300708461136X1XGW3')).toThrow(/credit code/);
    expect(() => parseProducerCode('0011914403007084611361XGW3')).toThrow(/27 characters/);
  });

  it('wants both an AI element and a generation element in an explicit label', () => {
    expect(() => checkExplicitLabel('本内容由人工智能生成')).not.toThrow();
    expect(() => checkExplicitLabel('AI合成')).not.toThrow();
    expect(() => checkExplicitLabel('AI 播客')).toThrow();
    expect(() => checkExplicitLabel('由模型生成')).toThrow();
  });
});

describe('every generated answer carries the implicit label', () => {
  it('in a JSON answer, with the request id as ProduceID and an HMAC over the answer', async () => {
    const { data, response } = await client.chat.completions
      .create({ model: 'qwen', messages: [{ role: 'user', content: '你好' }] })
      .withResponse();
    const label = (data as unknown as { aigc: Record<string, string> }).aigc;
    expect(Object.keys(label)).toEqual(FIELDS);
    const id = response.headers.get('x-zs-request-id')!;
    expect(label).toMatchObject({
      Label: '1',
      ContentProducer: PRODUCER,
      ProduceID: id,
      ContentPropagator: PRODUCER,
      PropagateID: id,
    });
    expect(label.ReservedCode1).toMatch(/^[0-9a-f]{64}$/);
    expect(label.ReservedCode2).toBe(label.ReservedCode1);
    // The code is the hub's: made from this answer and this id, under the hub's key.
    const tag = hub.hub.sealer.tag('aigc', `${id}\n${sm3(data.choices[0]!.message.content!)}`);
    expect(label.ReservedCode1).toBe(tag);
    // Every value: printable single-byte characters, no quote or backslash.
    for (const v of Object.values(label)) expect(v).toMatch(/^[\x21-\x7e]*$/);
  });

  it('in the first and the last event of a stream', async () => {
    const stream = await client.chat.completions.create({
      model: 'qwen',
      messages: [{ role: 'user', content: '你好' }],
      stream: true,
    });
    const chunks: Record<string, unknown>[] = [];
    let text = '';
    for await (const chunk of stream) {
      chunks.push(chunk as unknown as Record<string, unknown>);
      text += chunk.choices[0]?.delta.content ?? '';
    }
    const first = chunks[0]!.aigc as Record<string, string>;
    const last = chunks.at(-1)!.aigc as Record<string, string>;
    expect(first).toMatchObject({ Label: '1', ContentProducer: PRODUCER, ReservedCode1: '' });
    expect(last.ProduceID).toBe(first.ProduceID);
    expect(last.ReservedCode1).toBe(hub.hub.sealer.tag('aigc', `${first.ProduceID}\n${sm3(text)}`));
    // Only those two carry it.
    expect(chunks.slice(1, -1).every((c) => !('aigc' in c))).toBe(true);
  });

  it('not on embeddings, which are vectors rather than content', async () => {
    const res = await client.embeddings.create({ model: 'qwen', input: '你好' });
    expect('aigc' in res).toBe(false);
  });
});
