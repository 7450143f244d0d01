import path from 'node:path';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sm3Hex } from '../../src/crypto/sm.js';
import { schema } from '../../src/store/index.js';
import { runCli, parsed } from '../cli/run-cli.js';
import { gatewayConfig, SERVER_URL, startHub, type TestHub } from '../support/hub.js';
import { startUpstream, type UpstreamDouble } from '../support/upstream-double.js';
import { expectError, startPeerHub, v1, withStore, within } from './harness.js';

/** API keys on the /v1 data plane: org, model allow-list, expiry, IP allow-list, revocation. */
let upstream: UpstreamDouble;
let hub: TestHub;

beforeAll(async () => {
  upstream = await startUpstream({ name: 'vllm' });
  hub = await startHub(
    gatewayConfig({ 'local-vllm': upstream.url }, [
      { name: 'qwen2.5-7b', targets: [{ endpoint: 'local-vllm', model: 'Qwen2.5-7B-Instruct' }] },
      { name: 'bge-m3', targets: [{ endpoint: 'local-vllm', model: 'bge-m3' }] },
    ]),
  );
});

afterAll(async () => {
  await hub?.close();
  await upstream?.close();
});

const chat = (key: string, model = 'qwen2.5-7b', url = hub.url) =>
  v1(url, key, 'POST', '/chat/completions', {
    model,
    messages: [{ role: 'user', content: '你好' }],
  });
const modelIds = async (key: string) => {
  const res = await v1(hub.url, key, 'GET', '/models');
  expect(res.status).toBe(200);
  return (res.body.data as { id: string }[]).map((m) => m.id).sort();
};

describe('issuing keys', () => {
  it('returns the key once and stores only its prefix and SM3 hash', async () => {
    const res = await hub.api<Record<string, unknown>>('POST', '/api/v1/keys', {
      org: 'gd-gz',
      name: '12345 热线',
    });
    expect(res.status).toBe(201);
    const key = res.body.key as string;
    expect(key).toMatch(/^zs-[A-Za-z0-9_-]{43}$/);
    expect(res.body).toMatchObject({ org: 'gd-gz', name: '12345 热线', prefix: key.slice(0, 10) });
    const listed = await hub.api<{ data: Record<string, unknown>[] }>('GET', '/api/v1/keys');
    const row = listed.body.data.find((k) => k.id === res.body.id)!;
    expect(row).not.toHaveProperty('key');
    expect(JSON.stringify(listed.body)).not.toContain(key);
    await withStore(hub, async (db) => {
      const [stored] = await db
        .select()
        .from(schema.apiKeys)
        .where(eq(schema.apiKeys.id, res.body.id as string));
      expect(stored!.keyHash).toBe(sm3Hex(key));
      expect(JSON.stringify(stored)).not.toContain(key.slice(10));
    });
    expect((await chat(key)).status).toBe(200);
  });

  it('refuses missing, unknown and malformed keys', async () => {
    const bare = await fetch(`${hub.url}/v1/models`);
    expect(bare.status).toBe(401);
    expect(((await bare.json()) as { error: { code: string } }).error.code).toBe('missing_api_key');
    expectError(
      await v1(hub.url, `zs-${'A'.repeat(43)}`, 'GET', '/models'),
      401,
      'invalid_api_key',
    );
    expectError(await v1(hub.url, 'sk-openai-key', 'GET', '/models'), 401, 'invalid_api_key');
  });
});

describe('model allow-list', () => {
  it('lists and serves only the allowed models (model_not_allowed otherwise)', async () => {
    const { key } = await hub.createKey('gd-gz', { models: ['qwen2.5-7b'] });
    expect(await modelIds(key)).toEqual(['qwen2.5-7b']);
    expectError(await v1(hub.url, key, 'GET', '/models/bge-m3'), 404, 'model_not_found');
    expect((await v1(hub.url, key, 'GET', '/models/qwen2.5-7b')).status).toBe(200);
    expect((await chat(key)).status).toBe(200);
    const denied = await v1(hub.url, key, 'POST', '/embeddings', { model: 'bge-m3', input: 'x' });
    expectError(denied, 403, 'model_not_allowed');
    expect(upstream.requests.some((r) => r.body.model === 'bge-m3')).toBe(false);

    const { key: open } = await hub.createKey('gd-gz');
    expect(await modelIds(open)).toEqual(['bge-m3', 'qwen2.5-7b']);
  });

  it('refuses an allow-list naming a model the hub does not have', async () => {
    const res = await hub.api('POST', '/api/v1/keys', {
      org: 'gd-gz',
      name: 'x',
      models: ['gpt-4o'],
    });
    expectError(res, 400, 'model_not_found');
  });
});

describe('expiry', () => {
  it('refuses a key once its time has passed (api_key_expired)', async () => {
    const expires = new Date(Date.now() + 2000).toISOString();
    const { key, ...info } = await hub.createKey('gd-gz', { expires });
    expect((info as { expires_at?: string }).expires_at).toBe(expires);
    expect((await chat(key)).status).toBe(200);
    await new Promise((r) => setTimeout(r, Date.parse(expires) - Date.now() + 50));
    expectError(await chat(key), 401, 'api_key_expired');
    expectError(await v1(hub.url, key, 'GET', '/models'), 401, 'api_key_expired');
  });

  it('takes durations and ISO times, and refuses past or unreadable ones', async () => {
    const before = Date.now();
    const { expires_at } = (await hub.createKey('gd-gz', { expires: '45m' })) as {
      expires_at?: string;
    };
    expect(Date.parse(expires_at!) - before).toBeGreaterThanOrEqual(45 * 60_000 - 1000);
    expect(Date.parse(expires_at!) - before).toBeLessThan(45 * 60_000 + 5000);
    for (const expires of ['2020-01-01T00:00:00Z', 'tomorrow', '30s'])
      expectError(
        await hub.api('POST', '/api/v1/keys', { org: 'gd-gz', name: 'x', expires }),
        400,
        'invalid_expiry',
      );
  });
});

describe('IP allow-list', () => {
  it('refuses calls from outside the list (ip_not_allowed) and serves those inside', async () => {
    const { key: remote } = await hub.createKey('gd-gz', { ip_allow: ['10.0.0.0/8'] });
    expectError(await chat(remote), 403, 'ip_not_allowed');
    expectError(await v1(hub.url, remote, 'GET', '/models'), 403, 'ip_not_allowed');
    const { key: local } = await hub.createKey('gd-gz', { ip_allow: ['127.0.0.1'] });
    expect((await chat(local)).status).toBe(200);
    const { key: both } = await hub.createKey('gd-gz', { ip_allow: ['10.0.0.0/8', '127.0.0.0/8'] });
    expect((await chat(both)).status).toBe(200);
  });

  it('refuses entries that are not addresses or CIDR blocks', async () => {
    for (const entry of ['10.0.0.0/33', 'localhost', '10.0.0.1/8/1'])
      expectError(
        await hub.api('POST', '/api/v1/keys', { org: 'gd-gz', name: 'x', ip_allow: [entry] }),
        400,
        'invalid_ip_allow_list',
      );
  });
});

describe('revocation', () => {
  it('takes effect at once on the hub that revoked it', async () => {
    const { id, key } = await hub.createKey('gd-gz');
    expect((await chat(key)).status).toBe(200);
    const res = await hub.api<{ revoked_at: string | null }>('DELETE', `/api/v1/keys/${id}`);
    expect(res.status).toBe(200);
    expect(res.body.revoked_at).not.toBeNull();
    expectError(await chat(key), 401, 'api_key_revoked');
    expectError(
      await hub.api('DELETE', '/api/v1/keys/00000000-0000-0000-0000-000000000000'),
      404,
      'key_not_found',
    );
  });

  it.runIf(!SERVER_URL)(
    'takes effect within a second when the CLI revokes a key while the hub runs',
    async () => {
      const config = path.join(hub.dataDir, 'zhongshu.yaml');
      const created = parsed<{ id: string; key: string }>(
        await runCli(['-c', config, 'keys', 'create', '--org', 'gd-sz', '--name', 'cli', '--json']),
      );
      expect((await chat(created.key)).status).toBe(200);
      const revoked = parsed<{ id: string; revoked_at: string }>(
        await runCli(['-c', config, 'keys', 'revoke', created.id, '--json']),
      );
      expect(revoked.id).toBe(created.id);
      expect(Date.parse(revoked.revoked_at)).toBeGreaterThan(Date.now() - 60_000);
      const ms = await within(1000, async () => (await chat(created.key)).status === 401);
      expect(ms).toBeLessThan(1000);
      expectError(await chat(created.key), 401, 'api_key_revoked');
    },
  );

  it.runIf(!!SERVER_URL)(
    'takes effect within a second on every hub sharing the database',
    async () => {
      const peer = await startPeerHub(hub);
      try {
        const { id, key } = await hub.createKey('gd-gz');
        expect((await chat(key, 'qwen2.5-7b', peer.url)).status).toBe(200); // cached on the peer
        expect((await chat(key)).status).toBe(200);
        const res = await hub.api('DELETE', `/api/v1/keys/${id}`);
        expect(res.status).toBe(200);
        const ms = await within(1000, async () => {
          const answer = await chat(key, 'qwen2.5-7b', peer.url);
          return answer.status === 401;
        });
        expect(ms).toBeLessThan(1000);
        expectError(await chat(key, 'qwen2.5-7b', peer.url), 401, 'api_key_revoked');
      } finally {
        await peer.close();
      }
    },
  );
});
