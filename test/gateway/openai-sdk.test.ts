import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gatewayConfig, startHub, type TestHub } from '../support/hub.js';
import { startUpstream, type UpstreamDouble } from '../support/upstream-double.js';

let upstream: UpstreamDouble;
let hub: TestHub;
let client: OpenAI;

beforeAll(async () => {
  upstream = await startUpstream({ name: 'vllm' });
  hub = await startHub(
    gatewayConfig({ 'local-vllm': upstream.url }, [
      { name: 'qwen2.5-7b', targets: [{ endpoint: 'local-vllm', model: 'Qwen2.5-7B-Instruct' }] },
      { name: 'bge-m3', targets: [{ endpoint: 'local-vllm', model: 'bge-m3' }] },
      { name: 'quiet', targets: [{ endpoint: 'local-vllm', model: 'no-usage' }] },
    ]),
  );
  const { key } = await hub.createKey('gd-gz');
  client = new OpenAI({ apiKey: key, baseURL: `${hub.url}/v1`, maxRetries: 0 });
});

afterAll(async () => {
  await hub?.close();
  await upstream?.close();
});

describe('the official openai SDK against /v1', () => {
  it('lists the public models', async () => {
    const page = await client.models.list();
    expect(page.data.map((m) => m.id).sort()).toEqual(['bge-m3', 'quiet', 'qwen2.5-7b']);
    expect((await client.models.retrieve('bge-m3')).id).toBe('bge-m3');
  });

  it('answers a chat completion under the public model name, with usage and route headers', async () => {
    const { data, response } = await client.chat.completions
      .create({
        model: 'qwen2.5-7b',
        messages: [{ role: 'user', content: '广州市社保怎么转移？' }],
      })
      .withResponse();
    expect(data.choices[0]!.message.content).toContain('政务助手');
    expect(data.model).toBe('qwen2.5-7b');
    expect(data.usage).toMatchObject({ prompt_tokens: 5, completion_tokens: 4, total_tokens: 9 });
    expect(response.headers.get('x-zs-route')).toBe('local-vllm');
    expect(response.headers.get('x-zs-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    expect(Number(response.headers.get('x-zs-overhead-ms'))).toBeGreaterThanOrEqual(0);
    const sent = upstream.requests.at(-1)!;
    expect(sent.body.model).toBe('Qwen2.5-7B-Instruct');
    expect(sent.headers['x-request-id']).toBe(response.headers.get('x-zs-request-id'));
  });

  it('passes tools and response_format through and returns tool calls', async () => {
    const tools = [
      {
        type: 'function' as const,
        function: {
          name: 'get_weather',
          parameters: { type: 'object', properties: { city: { type: 'string' } } },
        },
      },
    ];
    const res = await client.chat.completions.create({
      model: 'qwen2.5-7b',
      messages: [{ role: 'user', content: '广州天气' }],
      tools,
      tool_choice: 'auto',
      response_format: { type: 'json_object' },
    });
    expect(res.choices[0]!.message.tool_calls?.[0]).toMatchObject({
      type: 'function',
      function: { name: 'get_weather' },
    });
    const sent = upstream.requests.at(-1)!.body;
    expect(sent.tools).toEqual(tools);
    expect(sent.tool_choice).toBe('auto');
    expect(sent.response_format).toEqual({ type: 'json_object' });
  });

  it('streams chunk by chunk, forces usage upstream and hides the usage chunk the client did not ask for', async () => {
    const stream = await client.chat.completions.create({
      model: 'qwen2.5-7b',
      messages: [{ role: 'user', content: '你好' }],
      stream: true,
    });
    const pieces: string[] = [];
    let usageChunks = 0;
    for await (const chunk of stream) {
      expect(chunk.model).toBe('qwen2.5-7b');
      if (chunk.usage) usageChunks += 1;
      pieces.push(chunk.choices[0]?.delta?.content ?? '');
    }
    expect(pieces.join('')).toBe('你好，我是政务助手。');
    expect(usageChunks).toBe(0);
    expect(upstream.requests.at(-1)!.body.stream_options).toEqual({ include_usage: true });
  });

  it('relays the usage chunk when the client asks for it', async () => {
    const stream = await client.chat.completions.create({
      model: 'qwen2.5-7b',
      messages: [{ role: 'user', content: '你好' }],
      stream: true,
      stream_options: { include_usage: true },
    });
    let usage: OpenAI.CompletionUsage | undefined;
    for await (const chunk of stream) usage ??= chunk.usage ?? undefined;
    expect(usage).toMatchObject({ prompt_tokens: 5, completion_tokens: 4, total_tokens: 9 });
  });

  it('serves legacy completions, streamed and not', async () => {
    const res = await client.completions.create({ model: 'qwen2.5-7b', prompt: '政务' });
    expect(res.choices[0]!.text).toBe('你好，我是政务助手。');
    const stream = await client.completions.create({
      model: 'qwen2.5-7b',
      prompt: '政务',
      stream: true,
    });
    let text = '';
    for await (const chunk of stream) text += chunk.choices[0]?.text ?? '';
    expect(text).toBe('你好，我是政务助手。');
  });

  it('creates embeddings', async () => {
    const res = await client.embeddings.create({ model: 'bge-m3', input: ['一网通办', '粤省事'] });
    expect(res.data).toHaveLength(2);
    expect(res.data[1]!.embedding.map((x) => Number(x.toFixed(3)))).toEqual([0.1, 0.2, 0.3, 1]);
    expect(res.model).toBe('bge-m3');
    expect(res.usage.prompt_tokens).toBe(6);
    // The SDK asks for base64; the hub asks the upstream for floats and encodes them itself.
    expect(upstream.requests.at(-1)!.body.encoding_format).toBeUndefined();
    const floats = await client.embeddings.create({
      model: 'bge-m3',
      input: '一网通办',
      encoding_format: 'float',
    });
    expect(floats.data[0]!.embedding).toEqual([0.1, 0.2, 0.3, 0]);
  });

  it('counts tokens when the upstream reports no usage', async () => {
    const res = await client.chat.completions.create({
      model: 'quiet',
      messages: [{ role: 'user', content: '请问营业执照如何办理' }],
    });
    expect(res.usage).toBeUndefined();
    const metrics = await (await fetch(`${hub.url}/metrics`)).text();
    expect(metrics).toMatch(/zs_tokens_total\{org="gd-gz",model="quiet",kind="prompt"\} 10/);
  });

  it('handles concurrent requests, each answered under its own request id', async () => {
    const results = await Promise.all(
      Array.from({ length: 24 }, (_, i) =>
        client.chat.completions
          .create({ model: 'qwen2.5-7b', messages: [{ role: 'user', content: `问题${i}` }] })
          .withResponse(),
      ),
    );
    const ids = new Set(results.map((r) => r.response.headers.get('x-zs-request-id')));
    expect(ids.size).toBe(24);
    expect(results.every((r) => r.data.choices[0]!.message.content?.includes('政务助手'))).toBe(
      true,
    );
  });

  it('continues the caller trace in traceparent', async () => {
    const trace = '4bf92f3577b34da6a3ce929d0e0e4736';
    const { response } = await client.chat.completions
      .create(
        { model: 'qwen2.5-7b', messages: [{ role: 'user', content: 'hi' }] },
        { headers: { traceparent: `00-${trace}-00f067aa0ba902b7-01` } },
      )
      .withResponse();
    expect(response.headers.get('traceparent')).toMatch(
      new RegExp(`^00-${trace}-[0-9a-f]{16}-01$`),
    );
    expect(String(upstream.requests.at(-1)!.headers.traceparent)).toContain(trace);
  });
});
