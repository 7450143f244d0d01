import Fastify from 'fastify';
import OpenAI, { APIError } from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { installErrorHandler } from '../../src/server/error-handler.js';
import { gatewayConfig, startHub, type TestHub } from '../support/hub.js';
import { startUpstream, type UpstreamDouble } from '../support/upstream-double.js';

let upstream: UpstreamDouble;
let hub: TestHub;
let key: string;

beforeAll(async () => {
  upstream = await startUpstream();
  hub = await startHub({
    body_limit_bytes: 4096,
    ...gatewayConfig({ up: upstream.url }, [
      { name: 'chat-a', targets: [{ endpoint: 'up', model: 'm' }] },
      { name: 'chat-b', targets: [{ endpoint: 'up', model: 'm' }] },
    ]),
  });
  key = (await hub.createKey('gd-gz', { models: ['chat-a'] })).key;
});

afterAll(async () => {
  await hub?.close();
  await upstream?.close();
});

async function post(path: string, body: string, headers: Record<string, string> = {}) {
  const res = await fetch(`${hub.url}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', ...headers },
    body,
  });
  const json = (await res.json()) as {
    error: { message: string; type: string; code: string; param: string | null };
  };
  return { status: res.status, error: json.error, requestId: res.headers.get('x-zs-request-id') };
}

const chat = (extra: object) =>
  JSON.stringify({ model: 'chat-a', messages: [{ role: 'user', content: 'hi' }], ...extra });

describe('documented /v1 errors, OpenAI-shaped with stable codes', () => {
  const cases: [
    string,
    () => Promise<{ status: number; error: { code: string; type: string } }>,
    number,
    string,
  ][] = [
    ['bad JSON', () => post('/v1/chat/completions', '{"model": "chat-a", '), 400, 'invalid_json'],
    ['empty body', () => post('/v1/chat/completions', ''), 400, 'invalid_json'],
    [
      'body over the limit',
      () => post('/v1/chat/completions', chat({ pad: 'x'.repeat(5000) })),
      413,
      'request_too_large',
    ],
    [
      'not JSON content type',
      () => post('/v1/chat/completions', 'hello', { 'content-type': 'text/plain' }),
      415,
      'unsupported_media_type',
    ],
    [
      'a body that is not an object',
      () => post('/v1/chat/completions', '[1,2]'),
      400,
      'invalid_request',
    ],
    [
      'missing model',
      () =>
        post(
          '/v1/chat/completions',
          JSON.stringify({ messages: [{ role: 'user', content: 'x' }] }),
        ),
      400,
      'invalid_request',
    ],
    [
      'missing messages',
      () => post('/v1/chat/completions', JSON.stringify({ model: 'chat-a' })),
      400,
      'invalid_request',
    ],
    [
      'stream not a boolean',
      () => post('/v1/chat/completions', chat({ stream: 'yes' })),
      400,
      'invalid_request',
    ],
    [
      'streamed embeddings',
      () => post('/v1/embeddings', JSON.stringify({ model: 'chat-a', input: 'x', stream: true })),
      400,
      'invalid_request',
    ],
    [
      'unknown model',
      () => post('/v1/chat/completions', chat({ model: 'gpt-9' })),
      404,
      'model_not_found',
    ],
    [
      'model not allowed for the key',
      () => post('/v1/chat/completions', chat({ model: 'chat-b' })),
      403,
      'model_not_allowed',
    ],
    [
      'no API key',
      () => post('/v1/chat/completions', chat({}), { authorization: '' }),
      401,
      'missing_api_key',
    ],
    [
      'unknown API key',
      () => post('/v1/chat/completions', chat({}), { authorization: 'Bearer zs-notakey' }),
      401,
      'invalid_api_key',
    ],
    [
      'a session token used as an API key',
      () => post('/v1/chat/completions', chat({}), { authorization: 'Bearer zss-abc' }),
      401,
      'invalid_api_key',
    ],
    ['unknown route', () => post('/v1/responses-nope', chat({})), 404, 'route_not_found'],
  ];

  it.each(cases)('%s', async (_name, run, status, code) => {
    const res = await run();
    expect(res.status).toBe(status);
    expect(res.error.code).toBe(code);
    expect(res.error.type).toMatch(/_error$/);
  });

  it('every error carries the request id header', async () => {
    const res = await post('/v1/chat/completions', '{');
    expect(res.requestId).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('the openai SDK surfaces the code', async () => {
    const client = new OpenAI({ apiKey: key, baseURL: `${hub.url}/v1`, maxRetries: 0 });
    const err = await client.chat.completions
      .create({ model: 'chat-b', messages: [{ role: 'user', content: 'x' }] })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(APIError);
    expect((err as APIError).code).toBe('model_not_allowed');
    expect((err as APIError).status).toBe(403);
  });

  it('a request refused by the hub never reaches the upstream', async () => {
    const before = upstream.requests.length;
    await post('/v1/chat/completions', chat({ model: 'chat-b' }));
    await post('/v1/chat/completions', '{"broken"');
    expect(upstream.requests.length).toBe(before);
  });
});

describe('internal errors', () => {
  it('are answered with a generic internal_error and never echo internals', async () => {
    const lines: string[] = [];
    const app = Fastify({
      logger: { level: 'error', stream: { write: (l: string) => lines.push(l) } },
    });
    installErrorHandler(app);
    app.get('/boom', () => {
      throw new Error('Kaboom at /srv/zhongshu/secret.ts with password=hunter2');
    });
    const res = await app.inject({ method: 'GET', url: '/boom' });
    await app.close();
    expect(res.statusCode).toBe(500);
    expect(res.json()).toEqual({
      error: {
        message: expect.any(String) as string,
        type: 'server_error',
        code: 'internal_error',
        param: null,
      },
    });
    expect(res.body).not.toMatch(/Kaboom|secret|hunter2/);
    expect(lines.join('')).toContain('Kaboom'); // kept for the operator, in the log only
  });
});
