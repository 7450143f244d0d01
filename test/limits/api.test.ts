import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { schema } from '../../src/store/index.js';
import { expectError, userSession } from '../identity/harness.js';
import { gatewayConfig, startHub, type TestHub } from '../support/hub.js';

/** Organisation limits through the management API, key limits on key creation, and who may. */
let hub: TestHub;
let orgAdmin: string;
let developer: string;
let member: string;

beforeAll(async () => {
  hub = await startHub(
    gatewayConfig({ vllm: 'http://127.0.0.1:9/v1' }, [
      { name: 'qwen', targets: [{ endpoint: 'vllm', model: 'q' }] },
    ]),
  );
  for (const code of ['gd-gz-hr', 'gd-gz-tax'])
    expect(
      (await hub.api('POST', '/api/v1/orgs', { code, name: code, parent: 'gd-gz' })).status,
    ).toBe(201);
  orgAdmin = await userSession(hub, 'gz-admin', 'gd-gz', ['org_admin']);
  developer = await userSession(hub, 'gz-dev', 'gd-gz', ['developer']);
  member = await userSession(hub, 'gz-member', 'gd-gz', ['member']);
});

afterAll(async () => {
  await hub?.close();
});

const limitsOf = (code: string, token?: string) =>
  hub.api<Record<string, unknown>>('GET', `/api/v1/orgs/${code}/limits`, undefined, token);
const setLimits = (code: string, body: unknown, token?: string) =>
  hub.api<Record<string, unknown>>('PUT', `/api/v1/orgs/${code}/limits`, body, token);

const ledger = (object: string) =>
  hub.hub.store.db
    .select()
    .from(schema.ledgerEntries)
    .where(
      and(eq(schema.ledgerEntries.action, 'limits.set'), eq(schema.ledgerEntries.object, object)),
    );

describe('organisation limits', () => {
  it('are set as a whole, read back with the budget as exact CNY, and recorded in the ledger', async () => {
    const none = await limitsOf('gd');
    expect(none.body).toEqual({
      org: 'gd',
      limits: { rpm: null, tpm: null, monthly_tokens: null, monthly_budget: null },
      source: null,
      updated_at: null,
    });
    const set = await setLimits('gd', {
      rpm: 600,
      monthly_tokens: 5_000_000,
      monthly_budget: 12.5,
    });
    expect(set.status).toBe(200);
    expect(set.body).toMatchObject({
      org: 'gd',
      limits: { rpm: 600, tpm: null, monthly_tokens: 5_000_000, monthly_budget: '12.50' },
      source: 'api',
    });
    expect((await limitsOf('gd')).body).toEqual(set.body);
    // PUT replaces: what is left out is no longer limited.
    const replaced = await setLimits('gd', { tpm: 100_000, monthly_budget: '0.000001' });
    expect(replaced.body.limits).toEqual({
      rpm: null,
      tpm: 100_000,
      monthly_tokens: null,
      monthly_budget: '0.000001',
    });
    const cleared = await setLimits('gd', {});
    expect(cleared.body).toMatchObject({ source: null, limits: { tpm: null } });

    const entries = await ledger('gd');
    expect(entries.map((e) => e.outcome)).toEqual(['ok', 'ok', 'ok']);
    expect(entries[0]!.actor).toBe('operator:cli');
    expect(entries[1]!.detail).toEqual({
      org: 'gd',
      before: { rpm: 600, tpm: null, monthly_tokens: 5_000_000, monthly_budget: '12.50' },
      after: { rpm: null, tpm: 100_000, monthly_tokens: null, monthly_budget: '0.000001' },
    });
  });

  it('refuse malformed values with invalid_limits naming the field', async () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ rpm: 0 }, 'limits.rpm'],
      [{ tpm: -5 }, 'limits.tpm'],
      [{ monthly_budget: '1.1234567' }, 'limits.monthly_budget'],
      [{ monthly_budget: '12,50' }, 'limits.monthly_budget'],
      [{ monthly_budget: '0' }, 'limits.monthly_budget'],
      [{ monthly_budget: '9000000001' }, 'limits.monthly_budget'],
      [{ rpm: 3_000_000_000 }, 'limits.rpm'],
    ];
    for (const [body, param] of cases) {
      const res = await setLimits('gd-sz', body);
      expectError(res, 400, 'invalid_limits');
      expect((res.body as { error: { param: string } }).error.param).toBe(param);
    }
    expectError(await setLimits('gd-sz', { rpm: 'many' }), 400, 'invalid_request');
    expect((await limitsOf('gd-sz')).body).toMatchObject({ source: null });
  });

  it('are set by an organisation administrator only below their own organisation', async () => {
    const below = await setLimits('gd-gz-hr', { rpm: 60 }, orgAdmin);
    expect(below.status, JSON.stringify(below.body)).toBe(200);
    expectError(await setLimits('gd-gz', { rpm: 1_000_000 }, orgAdmin), 403, 'forbidden');
    expectError(await setLimits('gd-sz', { rpm: 1 }, orgAdmin), 404, 'org_not_found');
    expect((await limitsOf('gd-gz', orgAdmin)).status).toBe(200);
    // The refused attempt is an audit event too.
    expect((await ledger('gd-gz')).map((e) => e.outcome)).toEqual(['forbidden']);
  });

  it('are read by a developer for their own organisation only, and never set by one', async () => {
    expect((await limitsOf('gd-gz', developer)).status).toBe(200);
    expectError(await limitsOf('gd-gz-hr', developer), 404, 'org_not_found');
    expectError(await limitsOf('gd', developer), 404, 'org_not_found');
    expectError(await setLimits('gd-gz', { rpm: 1 }, developer), 403, 'forbidden');
    expectError(await limitsOf('gd-gz', member), 403, 'forbidden');
  });
});

describe('key limits', () => {
  it('are given when the key is created and shown with it', async () => {
    const created = await hub.api<Record<string, unknown>>('POST', '/api/v1/keys', {
      org: 'gd-gz',
      name: 'hotline',
      limits: { rpm: 5, monthly_budget: '0.5' },
    });
    expect(created.status).toBe(201);
    const limits = { rpm: 5, tpm: null, monthly_tokens: null, monthly_budget: '0.50' };
    expect(created.body.limits).toEqual(limits);
    const plain = await hub.createKey('gd-gz', { name: 'plain' });
    const list = await hub.api<{ data: { id: string; limits: unknown }[] }>('GET', '/api/v1/keys');
    const byId = new Map(list.body.data.map((k) => [k.id, k.limits]));
    expect(byId.get(created.body.id as string)).toEqual(limits);
    expect(byId.get(plain.id)).toBeNull();
    // Revoking shows them too.
    const revoked = await hub.api<{ limits: unknown }>('DELETE', `/api/v1/keys/${plain.id}`);
    expect(revoked.body.limits).toBeNull();
  });

  it('refuse a key with malformed limits, and create nothing', async () => {
    const res = await hub.api('POST', '/api/v1/keys', {
      org: 'gd-gz',
      name: 'bad-limits',
      limits: { tpm: 0 },
    });
    expectError(res, 400, 'invalid_limits');
    const list = await hub.api<{ data: { name: string }[] }>('GET', '/api/v1/keys');
    expect(list.body.data.some((k) => k.name === 'bad-limits')).toBe(false);
  });
});
