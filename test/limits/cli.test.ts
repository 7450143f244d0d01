import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KeyInfo } from '../../src/identity/keys.js';
import { failed, parsed, runCli } from '../cli/run-cli.js';
import { within } from '../identity/harness.js';
import { gatewayConfig, startHub, type TestHub } from '../support/hub.js';
import { startUpstream, type UpstreamDouble } from '../support/upstream-double.js';
import { chat, limitModels } from './helpers.js';

/**
 * `zhongshu keys create --rpm --tpm --monthly-tokens --monthly-budget`, next to a running hub:
 * embedded, the CLI asks the hub over HTTP; on a PostgreSQL server it writes the database and
 * the hub picks the key up at its next sync.
 */
let upstream: UpstreamDouble;
let hub: TestHub;
let env: Record<string, string> = {};

beforeAll(async () => {
  upstream = await startUpstream();
  hub = await startHub(gatewayConfig({ vllm: upstream.url }, limitModels()));
  if (hub.config.database_url)
    env = { ZS_DATABASE_URL: hub.config.database_url, ZS_MASTER_KEY: hub.config.master_key! };
});

afterAll(async () => {
  await hub?.close();
  await upstream?.close();
});

const zs = (...args: string[]) => runCli(['-c', hub.config.source!, ...args], env);

describe('zhongshu keys create with limits', () => {
  it('stores the limits with the key, lists them, and the gateway enforces them', async () => {
    const created = parsed<KeyInfo & { key: string }>(
      await zs(
        'keys',
        'create',
        '--org',
        'gd-gz',
        '--name',
        'hotline',
        '--rpm',
        '1',
        '--tpm',
        '20000',
        '--monthly-tokens',
        '1000000',
        '--monthly-budget',
        '12.5',
        '--json',
      ),
    );
    const limits = { rpm: 1, tpm: 20_000, monthly_tokens: 1_000_000, monthly_budget: '12.50' };
    expect(created.limits).toEqual(limits);
    const listed = parsed<KeyInfo[]>(await zs('keys', 'list', '--org', 'gd-gz', '--json'));
    expect(listed.find((k) => k.id === created.id)?.limits).toEqual(limits);

    // One request a minute. Through the hub the limits apply at once; written to a shared
    // database, from the hub's next sync (within sync_interval_ms).
    const codes: string[] = [];
    await within(5_000, async () => {
      const res = await chat(hub.url, created.key);
      codes.push(res.body.error?.code ?? String(res.status));
      return res.status !== 200;
    });
    expect(codes[0]).toBe('200');
    expect(codes.at(-1)).toBe('rate_limited');
  });

  it('treats a key without limit flags as unlimited on its own', async () => {
    const created = parsed<KeyInfo>(
      await zs('keys', 'create', '--org', 'gd-gz', '--name', 'plain', '--json'),
    );
    expect(created.limits).toBeNull();
  });

  it('rejects a malformed limit as a usage error before opening anything', async () => {
    failed(await zs('keys', 'create', '--org', 'gd-gz', '--name', 'x', '--rpm', '0'), 2, '--rpm');
    failed(
      await zs('keys', 'create', '--org', 'gd-gz', '--name', 'x', '--monthly-budget', '1.1234567'),
      2,
      'limits.monthly_budget',
    );
    failed(
      await zs('keys', 'create', '--org', 'gd-gz', '--name', 'x', '--tpm', 'lots'),
      2,
      '--tpm',
    );
    const names = parsed<KeyInfo[]>(await zs('keys', 'list', '--json')).map((k) => k.name);
    expect(names).not.toContain('x');
  });
});
