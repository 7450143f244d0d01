import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gatewayConfig, startHub, type TestHub } from '../support/hub.js';
import { startUpstream, type UpstreamDouble } from '../support/upstream-double.js';

/**
 * Public models managed through the API (the console's 模型与端点 page): checked like the config
 * file, live at once on /v1, and never able to change what zhongshu.yaml defines.
 */
let upstream: UpstreamDouble;
let hub: TestHub;
let client: OpenAI;

beforeAll(async () => {
  upstream = await startUpstream({ name: 'gz' });
  hub = await startHub(
    gatewayConfig({ 'gz-vllm': upstream.url }, [
      { name: 'qwen2.5-7b', targets: [{ endpoint: 'gz-vllm', model: 'q' }] },
    ]),
  );
  client = new OpenAI({
    apiKey: (await hub.createKey('gd-gz')).key,
    baseURL: `${hub.url}/v1`,
    maxRetries: 0,
  });
});

afterAll(async () => {
  await hub?.close();
  await upstream?.close();
});

const put = (name: string, body: unknown) => hub.api('PUT', `/api/v1/models/${name}`, body);

describe('models managed through the API', () => {
  it('creates a model that serves /v1 at once, then edits and deletes it', async () => {
    const made = await put('gz-assistant', {
      description: '12345 热线助手',
      targets: [{ endpoint: 'gz-vllm', model: 'assistant-v1', weight: 2 }],
      fallback: ['qwen2.5-7b'],
    });
    expect(made.status).toBe(201);
    expect(made.body).toMatchObject({
      name: 'gz-assistant',
      source: 'api',
      targets: [{ endpoint: 'gz-vllm', weight: 2, upstream_model: 'assistant-v1' }],
      fallback: ['qwen2.5-7b'],
    });
    await client.chat.completions.create({
      model: 'gz-assistant',
      messages: [{ role: 'user', content: '你好' }],
    });
    expect(upstream.requests.at(-1)!.body.model).toBe('assistant-v1');

    const edited = await put('gz-assistant', { targets: [{ endpoint: 'gz-vllm', model: 'v2' }] });
    expect(edited.status).toBe(200);
    await client.chat.completions.create({
      model: 'gz-assistant',
      messages: [{ role: 'user', content: '你好' }],
    });
    expect(upstream.requests.at(-1)!.body.model).toBe('v2');

    expect((await hub.api('DELETE', '/api/v1/models/gz-assistant')).status).toBe(200);
    const gone = await client.chat.completions
      .create({ model: 'gz-assistant', messages: [{ role: 'user', content: '你好' }] })
      .catch((e: unknown) => e as { status: number; code: string });
    expect(gone).toMatchObject({ status: 404, code: 'model_not_found' });
  });

  it('checks targets and fallbacks like the config file', async () => {
    const cases: [unknown, number, string][] = [
      [{ targets: [{ endpoint: 'nowhere' }] }, 400, 'endpoint_not_found'],
      [{ targets: [] }, 400, 'invalid_request'],
      [{ targets: [{ endpoint: 'gz-vllm', weight: 0 }] }, 400, 'invalid_request'],
      [{ targets: [{ endpoint: 'gz-vllm' }], fallback: ['nope'] }, 400, 'model_not_found'],
      [{ targets: [{ endpoint: 'gz-vllm' }], fallback: ['self-ref'] }, 400, 'invalid_request'],
    ];
    for (const [body, status, code] of cases) {
      const res = await put('self-ref', body);
      expect(
        { status: res.status, code: (res.body as { error: { code: string } }).error.code },
        JSON.stringify(body),
      ).toEqual({ status, code });
    }
  });

  it('leaves models from the config file alone, and keeps a fallback target from being deleted', async () => {
    const res = await put('qwen2.5-7b', { targets: [{ endpoint: 'gz-vllm' }] });
    expect(res.status).toBe(409);
    expect(res.body).toMatchObject({ error: { code: 'model_from_config' } });
    expect((await hub.api('DELETE', '/api/v1/models/qwen2.5-7b')).status).toBe(409);

    expect((await put('base', { targets: [{ endpoint: 'gz-vllm' }] })).status).toBe(201);
    expect(
      (await put('front', { targets: [{ endpoint: 'gz-vllm' }], fallback: ['base'] })).status,
    ).toBe(201);
    const refused = await hub.api('DELETE', '/api/v1/models/base');
    expect(refused).toMatchObject({ status: 409, body: { error: { code: 'model_in_use' } } });
    // Re-applying the config (a restart) keeps the models made through the API.
    await hub.restart();
    expect(hub.hub.registry.models.has('front')).toBe(true);
  });
});
