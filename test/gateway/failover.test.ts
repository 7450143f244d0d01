import OpenAI, { APIError } from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { gatewayConfig, startHub, type TestHub } from '../support/hub.js';
import { startUpstream, type UpstreamDouble } from '../support/upstream-double.js';

let primary: UpstreamDouble;
let secondary: UpstreamDouble;
let hub: TestHub;
let client: OpenAI;

type Endpoint = { name: string; timeouts?: Record<string, number> };

beforeAll(async () => {
  primary = await startUpstream({ name: 'primary' });
  secondary = await startUpstream({ name: 'secondary' });
  // Each scenario gets its own endpoint (same upstream) so circuit breakers do not interact.
  const own = (model: string, upstreamModel: string, url = primary.url) => ({
    model,
    upstreamModel,
    url,
  });
  const scenarios = [
    own('solo', 'm'),
    own('chain', 'fail-503'),
    own('cutter', 'cut'),
    own('limited', 'fail-429'),
    own('refused', 'fail-400'),
    own('badcreds', 'fail-401'),
    own('flaky', 'm'),
    own('slowpoke', 'slow-3000'),
    own('dead', 'm', 'http://127.0.0.1:9/v1'),
  ];
  const config = gatewayConfig(
    {
      primary: primary.url,
      secondary: secondary.url,
      ...Object.fromEntries(scenarios.map((x) => [`ep-${x.model}`, x.url])),
    },
    [
      // primary is preferred 1000:1, so a healthy primary practically always answers first.
      {
        name: 'pair',
        targets: [
          { endpoint: 'primary', weight: 1000, model: 'm' },
          { endpoint: 'secondary', weight: 1, model: 'm' },
        ],
      },
      { name: 'backup', targets: [{ endpoint: 'secondary', model: 'm' }] },
      ...scenarios.map((x) => ({
        name: x.model,
        targets: [{ endpoint: `ep-${x.model}`, model: x.upstreamModel }],
        ...(x.model === 'chain' ? { fallback: ['backup'] } : {}),
      })),
    ],
  );
  for (const endpoint of config.endpoints as Endpoint[]) {
    if (endpoint.name === 'ep-slowpoke') endpoint.timeouts = { first_byte_ms: 300 };
    if (endpoint.name === 'ep-dead') endpoint.timeouts = { connect_ms: 500 };
  }
  hub = await startHub({
    ...config,
    gateway: { retry_base_ms: 10, breaker_failure_threshold: 3, breaker_cooldown_ms: 400 },
  });
  const { key } = await hub.createKey('gd');
  client = new OpenAI({ apiKey: key, baseURL: `${hub.url}/v1`, maxRetries: 0 });
});

afterAll(async () => {
  await hub?.close();
  await primary?.close();
  await secondary?.close();
});

beforeEach(() => {
  primary.behaviour = null;
  primary.requests.length = 0;
  secondary.requests.length = 0;
});

const ask = (model: string) =>
  client.chat.completions
    .create({ model, messages: [{ role: 'user', content: '请总结这份会议纪要' }] })
    .withResponse();

async function apiError(promise: Promise<unknown>): Promise<APIError> {
  const err = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(APIError);
  return err as APIError;
}

describe('routing and failover', () => {
  it('fails over to the other target when the preferred one answers 5xx', async () => {
    primary.behaviour = 'fail-500';
    const { data, response } = await ask('pair');
    expect(data.choices[0]!.message.content).toContain('secondary');
    expect(response.headers.get('x-zs-route')).toBe('secondary');
    // One retry on the same target (transient), then the next target.
    expect(primary.requests).toHaveLength(2);
  });

  it('falls back to the next model when every target of the first fails', async () => {
    const { data, response } = await ask('chain');
    expect(data.choices[0]!.message.content).toContain('secondary');
    expect(data.model).toBe('backup');
    expect(response.headers.get('x-zs-route')).toBe('secondary');
    expect(response.headers.get('x-zs-model')).toBe('backup');
  });

  it('answers upstream_timeout (504) when the first byte does not come in time', async () => {
    const started = Date.now();
    const err = await apiError(ask('slowpoke'));
    expect(err.status).toBe(504);
    expect(err.code).toBe('upstream_timeout');
    expect(Date.now() - started).toBeLessThan(2500);
  });

  it('answers all_targets_failed (503) without leaking upstream internals', async () => {
    primary.behaviour = 'fail-500';
    const err = await apiError(ask('solo'));
    expect(err.status).toBe(503);
    expect(err.code).toBe('all_targets_failed');
    expect(JSON.stringify(err.error)).not.toContain('/srv/secret');
  });

  it('reports an unreachable endpoint as all_targets_failed', async () => {
    const err = await apiError(ask('dead'));
    expect(err.status).toBe(503);
    expect(err.code).toBe('all_targets_failed');
  });

  it('relays the reason of an upstream 4xx rejection without retrying', async () => {
    const err = await apiError(ask('refused'));
    expect(err.status).toBe(400);
    expect(err.code).toBe('upstream_rejected_request');
    expect(primary.requests).toHaveLength(1);
  });

  it('hides a credentials failure at the upstream behind upstream_auth_failed', async () => {
    const err = await apiError(ask('badcreds'));
    expect(err.status).toBe(503);
    const metrics = await (await fetch(`${hub.url}/metrics`)).text();
    expect(metrics).toMatch(
      /zs_requests_total\{org="gd",model="badcreds",endpoint="none",status="503",code="all_targets_failed"\} 1/,
    );
    expect(err.code).toBe('all_targets_failed');
    expect(primary.requests).toHaveLength(1); // never retried on the same endpoint
  });

  it('answers upstream_rate_limited with Retry-After after retrying a 429', async () => {
    const err = await apiError(ask('limited'));
    expect(err.status).toBe(429);
    expect(err.code).toBe('upstream_rate_limited');
    expect(primary.requests.length).toBe(2);
  });
});

describe('circuit breaker', () => {
  it('opens after repeated failures, skips the endpoint, then closes after a successful probe', async () => {
    primary.behaviour = 'fail-503';
    const flakyBefore = () => primary.requests.filter((r) => r.body.model === 'm').length;
    for (let i = 0; i < 2; i++) await apiError(ask('flaky'));
    const health = await hub.api<{ data: { name: string; health: { state: string } }[] }>(
      'GET',
      '/api/v1/endpoints',
    );
    expect(health.body.data.find((e) => e.name === 'ep-flaky')!.health.state).toBe('open');

    const sent = flakyBefore();
    const err = await apiError(ask('flaky'));
    expect(err.code).toBe('no_available_target');
    expect(err.status).toBe(503);
    expect(flakyBefore()).toBe(sent); // the open circuit sent nothing upstream

    primary.behaviour = null;
    await new Promise((r) => setTimeout(r, 450));
    const { data } = await ask('flaky');
    expect(data.choices[0]!.message.content).toContain('primary');
    const after = await hub.api<{ data: { name: string; health: { state: string } }[] }>(
      'GET',
      '/api/v1/endpoints',
    );
    expect(after.body.data.find((e) => e.name === 'ep-flaky')!.health.state).toBe('closed');
  });
});

describe('streaming faults', () => {
  it('ends a stream cut mid-answer with an explicit error event, never a clean end', async () => {
    const stream = await client.chat.completions.create({
      model: 'cutter',
      messages: [{ role: 'user', content: '你好' }],
      stream: true,
    });
    const pieces: string[] = [];
    const err = await (async () => {
      try {
        for await (const chunk of stream) pieces.push(chunk.choices[0]?.delta?.content ?? '');
        return null;
      } catch (e) {
        return e as APIError;
      }
    })();
    expect(pieces.join('')).toBe('你好，我是');
    expect(err).toBeInstanceOf(APIError);
    expect(err!.message).toContain('interrupted');
  });

  it('relays raw SSE events as they arrive, ending with [DONE]', async () => {
    const res = await fetch(`${hub.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${client.apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        model: 'solo',
        stream: true,
        messages: [{ role: 'user', content: 'hi' }],
      }),
    });
    expect(res.headers.get('content-type')).toContain('text/event-stream');
    expect(res.headers.get('x-zs-route')).toBe('ep-solo');
    const text = await res.text();
    expect(text.trim().endsWith('data: [DONE]')).toBe(true);
    // Four answer pieces, the finish chunk, the closing AIGC label chunk, [DONE].
    const events = text.match(/^data: .*$/gm)!;
    expect(events.length).toBe(7);
    expect(JSON.parse(events.at(-2)!.slice(6))).toMatchObject({
      choices: [],
      aigc: { Label: '1' },
    });
  });
});
