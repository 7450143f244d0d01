import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore, schema, type Store } from '../../src/store/index.js';
import { gatewayConfig, startHub, type TestHub } from '../support/hub.js';
import { startUpstream, type UpstreamDouble } from '../support/upstream-double.js';

const UPSTREAM_KEY = 'sk-dashscope-3f9a7c1e5b';
let upstream: UpstreamDouble;
let hub: TestHub;

beforeAll(async () => {
  upstream = await startUpstream();
  const config = gatewayConfig({ bailian: upstream.url }, [
    { name: 'qwen-plus', targets: [{ endpoint: 'bailian', model: 'qwen-plus' }] },
  ]);
  (config.endpoints[0] as Record<string, unknown>).api_key_env = 'BAILIAN_KEY';
  hub = await startHub(config, { BAILIAN_KEY: UPSTREAM_KEY });
});

afterAll(async () => {
  await hub?.close();
  await upstream?.close();
});

describe('upstream API keys', () => {
  it('are used for the upstream call', async () => {
    const { key } = await hub.createKey('gd');
    const res = await fetch(`${hub.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'qwen-plus', messages: [{ role: 'user', content: '你好' }] }),
    });
    expect(res.status).toBe(200);
    expect(upstream.requests.at(-1)!.headers.authorization).toBe(`Bearer ${UPSTREAM_KEY}`);
  });

  it('are never returned by the management API', async () => {
    const res = await hub.api<{ data: Record<string, unknown>[] }>('GET', '/api/v1/endpoints');
    expect(res.body.data[0]).toMatchObject({ name: 'bailian', has_api_key: true });
    expect(JSON.stringify(res.body)).not.toContain(UPSTREAM_KEY);
  });

  it('are stored encrypted, and department keys only as hashes', async () => {
    const { key } = await hub.createKey('gd');
    await hub.stop(); // the embedded database has one owner
    let store: Store | null = null;
    try {
      store = await openStore({ databaseUrl: hub.config.database_url, dataDir: hub.dataDir });
      const [endpoint] = await store.db.select().from(schema.endpoints);
      expect(endpoint!.apiKeySealed).toBeTruthy();
      expect(JSON.stringify(endpoint)).not.toContain(UPSTREAM_KEY);
      const keys = await store.db.select().from(schema.apiKeys);
      expect(JSON.stringify(keys)).not.toContain(key);
      expect(keys.every((k) => /^[0-9a-f]{64}$/.test(k.keyHash))).toBe(true);
    } finally {
      await store?.close();
      await hub.restart();
    }
  });
});
