import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Role } from '../../src/identity/principal.js';
import { schema } from '../../src/store/index.js';
import { gatewayConfig, startHub, type TestHub } from '../support/hub.js';
import { adminSession, createUser, expectError, userSession, type Reply } from './harness.js';

/**
 * Each role refused where it must be: every management route × the six roles (and the local
 * operator token), against the permission matrix in docs/identity.md. Targets are always inside
 * the caller's scope (gd-gz, where the department roles live), so a 403 is the role's doing.
 */
const ROLES = ['sysadmin', 'secadmin', 'auditor', 'org_admin', 'developer', 'member'] as const;
type Caller = Role | 'operator';
const CALLERS: Caller[] = [...ROLES, 'operator'];

let hub: TestHub;
const tokens = {} as Record<Caller, string>;

beforeAll(async () => {
  hub = await startHub(
    gatewayConfig({ 'local-vllm': 'http://127.0.0.1:9/v1' }, [
      { name: 'qwen2.5-7b', targets: [{ endpoint: 'local-vllm', model: 'q' }] },
    ]),
  );
  tokens.sysadmin = await adminSession(hub, 'sysadmin');
  tokens.secadmin = await adminSession(hub, 'secadmin');
  tokens.auditor = await adminSession(hub, 'auditor');
  tokens.org_admin = await userSession(hub, 'gz-admin', 'gd-gz', ['org_admin']);
  tokens.developer = await userSession(hub, 'gz-dev', 'gd-gz', ['developer']);
  tokens.member = await userSession(hub, 'gz-member', 'gd-gz', ['member']);
  tokens.operator = hub.operatorToken;
});

afterAll(async () => {
  await hub?.close();
});

const asOperator = async <T>(route: string): Promise<T> => {
  const res = await hub.api<{ data: T }>('GET', route);
  expect(res.status).toBe(200);
  return res.body.data;
};
type UserRow = { username: string; roles: Role[]; locked: boolean };
const user = async (name: string) =>
  (await asOperator<UserRow[]>('/api/v1/users')).find((u) => u.username === name);

interface Case {
  /** Roles the policy allows (the operator is always allowed); every other role gets 403. */
  allowed: readonly Role[];
  status: number;
  /** Prepare a target as the operator, then call as `caller`. */
  call(caller: Caller, token: string): Promise<Reply<unknown>>;
  /** For writes: whether the change is visible afterwards. */
  effect?(caller: Caller): Promise<boolean>;
}

const CASES: Record<string, Case> = {
  'GET /api/v1/orgs': {
    allowed: ROLES,
    status: 200,
    call: (_c, token) => hub.api('GET', '/api/v1/orgs', undefined, token),
  },
  'POST /api/v1/orgs': {
    allowed: ['sysadmin', 'org_admin'],
    status: 201,
    call: (c, token) =>
      hub.api('POST', '/api/v1/orgs', { code: `dept-${c}`, name: c, parent: 'gd-gz' }, token),
    effect: async (c) =>
      (await asOperator<{ code: string }[]>('/api/v1/orgs')).some((o) => o.code === `dept-${c}`),
  },
  'GET /api/v1/orgs/{code}/limits': {
    allowed: ['sysadmin', 'secadmin', 'auditor', 'org_admin', 'developer'],
    status: 200,
    call: (_c, token) => hub.api('GET', '/api/v1/orgs/gd-gz/limits', undefined, token),
  },
  'PUT /api/v1/orgs/{code}/limits': {
    allowed: ['sysadmin', 'org_admin'],
    status: 200,
    // Below gd-gz: an organisation administrator sets limits only under their own organisation.
    call: async (c, token) => {
      const made = await hub.api('POST', '/api/v1/orgs', {
        code: `limits-${c}`,
        name: c,
        parent: 'gd-gz',
      });
      expect(made.status).toBe(201);
      return hub.api('PUT', `/api/v1/orgs/limits-${c}/limits`, { rpm: 10 }, token);
    },
    effect: async (c) => {
      const res = await hub.api<{ limits: { rpm: number | null } }>(
        'GET',
        `/api/v1/orgs/limits-${c}/limits`,
      );
      return res.body.limits.rpm === 10;
    },
  },
  'GET /api/v1/users': {
    allowed: ['sysadmin', 'secadmin', 'auditor', 'org_admin'],
    status: 200,
    call: (_c, token) => hub.api('GET', '/api/v1/users', undefined, token),
  },
  'POST /api/v1/users': {
    allowed: ['sysadmin', 'org_admin'],
    status: 201,
    call: (c, token) =>
      hub.api(
        'POST',
        '/api/v1/users',
        { username: `new-${c}`, org: 'gd-gz', password: 'Abcdefg-1' },
        token,
      ),
    effect: async (c) => !!(await user(`new-${c}`)),
  },
  'POST /api/v1/users/{username}/lock': {
    allowed: ['secadmin'],
    status: 200,
    call: async (c, token) => {
      await createUser(hub, `lock-${c}`, 'gd-gz');
      return hub.api('POST', `/api/v1/users/lock-${c}/lock`, { locked: true }, token);
    },
    effect: async (c) => (await user(`lock-${c}`))!.locked,
  },
  'POST /api/v1/users/{username}/roles': {
    allowed: ['secadmin', 'org_admin'],
    status: 200,
    call: async (c, token) => {
      await createUser(hub, `grant-${c}`, 'gd-gz');
      return hub.api('POST', `/api/v1/users/grant-${c}/roles`, { role: 'developer' }, token);
    },
    effect: async (c) => (await user(`grant-${c}`))!.roles.includes('developer'),
  },
  'DELETE /api/v1/users/{username}/roles/{role}': {
    allowed: ['secadmin', 'org_admin'],
    status: 200,
    call: async (c, token) => {
      await createUser(hub, `ungrant-${c}`, 'gd-gz', ['developer']);
      return hub.api('DELETE', `/api/v1/users/ungrant-${c}/roles/developer`, undefined, token);
    },
    effect: async (c) => !(await user(`ungrant-${c}`))!.roles.includes('developer'),
  },
  'GET /api/v1/keys': {
    allowed: ['sysadmin', 'secadmin', 'auditor', 'org_admin', 'developer'],
    status: 200,
    call: (_c, token) => hub.api('GET', '/api/v1/keys', undefined, token),
  },
  'POST /api/v1/keys': {
    allowed: ['sysadmin', 'org_admin', 'developer'],
    status: 201,
    call: (c, token) => hub.api('POST', '/api/v1/keys', { org: 'gd-gz', name: `key-${c}` }, token),
    effect: async (c) =>
      (await asOperator<{ name: string }[]>('/api/v1/keys')).some((k) => k.name === `key-${c}`),
  },
  'DELETE /api/v1/keys/{id}': {
    allowed: ['sysadmin', 'secadmin', 'org_admin', 'developer'],
    status: 200,
    call: async (c, token) => {
      const { id } = await hub.createKey('gd-gz', { name: `revoke-${c}` });
      return hub.api('DELETE', `/api/v1/keys/${id}`, undefined, token);
    },
    effect: async (c) =>
      (await asOperator<{ name: string; revoked_at: string | null }[]>('/api/v1/keys')).some(
        (k) => k.name === `revoke-${c}` && k.revoked_at !== null,
      ),
  },
  'GET /api/v1/models': {
    allowed: ROLES,
    status: 200,
    call: (_c, token) => hub.api('GET', '/api/v1/models', undefined, token),
  },
  'GET /api/v1/endpoints': {
    allowed: ['sysadmin', 'secadmin', 'auditor'],
    status: 200,
    call: (_c, token) => hub.api('GET', '/api/v1/endpoints', undefined, token),
  },
  'GET /api/v1/logins': {
    allowed: ['auditor'],
    status: 200,
    call: (_c, token) => hub.api('GET', '/api/v1/logins', undefined, token),
  },
  // Metering: prices are readable by every role; usage and bills need usage.read.
  'GET /api/v1/prices': {
    allowed: ROLES,
    status: 200,
    call: (_c, token) => hub.api('GET', '/api/v1/prices', undefined, token),
  },
  'PUT /api/v1/prices/{model}': {
    allowed: ['sysadmin'],
    status: 200,
    call: (c, token) =>
      hub.api(
        'PUT',
        '/api/v1/prices/qwen2.5-7b',
        { from: `2001-01-${String(CALLERS.indexOf(c) + 1).padStart(2, '0')}`, input: 1, output: 2 },
        token,
      ),
    effect: async (c) =>
      (await asOperator<{ from: string }[]>('/api/v1/prices')).some(
        (p) => p.from === `2001-01-${String(CALLERS.indexOf(c) + 1).padStart(2, '0')}`,
      ),
  },
  'GET /api/v1/usage': {
    allowed: ['sysadmin', 'auditor', 'org_admin', 'developer'],
    status: 200,
    call: (_c, token) => hub.api('GET', '/api/v1/usage?org=gd-gz', undefined, token),
  },
  'GET /api/v1/bills/{month}': {
    allowed: ['sysadmin', 'auditor', 'org_admin', 'developer'],
    status: 200,
    call: (_c, token) => hub.api('GET', '/api/v1/bills/2026-01?org=gd-gz', undefined, token),
  },
  // The ledger (三员): the three administrators check integrity; only the auditor reads and
  // exports; the security administrator sets the content policy; only the operator purges by hand.
  'GET /api/v1/ledger/verify': {
    allowed: ['sysadmin', 'secadmin', 'auditor'],
    status: 200,
    call: (_c, token) => hub.api('GET', '/api/v1/ledger/verify', undefined, token),
  },
  'GET /api/v1/ledger/entries': {
    allowed: ['auditor'],
    status: 200,
    call: (_c, token) => hub.api('GET', '/api/v1/ledger/entries', undefined, token),
  },
  'GET /api/v1/ledger/entries/{seq}': {
    allowed: ['auditor'],
    status: 200,
    call: (_c, token) => hub.api('GET', '/api/v1/ledger/entries/1', undefined, token),
  },
  'POST /api/v1/ledger/export': {
    allowed: ['auditor'],
    status: 200,
    // The bundle is JSON Lines, not one JSON document.
    call: async (_c, token) => {
      const res = await fetch(`${hub.url}/api/v1/ledger/export`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: '{}',
      });
      const text = await res.text();
      return { status: res.status, body: res.ok ? text : (JSON.parse(text) as unknown) };
    },
  },
  'POST /api/v1/ledger/purge': {
    allowed: [],
    status: 200,
    call: (_c, token) => hub.api('POST', '/api/v1/ledger/purge', undefined, token),
  },
  'PUT /api/v1/orgs/{code}/audit-policy': {
    allowed: ['secadmin'],
    status: 200,
    call: async (c, token) => {
      const made = await hub.api('POST', '/api/v1/orgs', {
        code: `policy-${c}`,
        name: c,
        parent: 'gd-gz',
      });
      expect(made.status).toBe(201);
      return hub.api(
        'PUT',
        `/api/v1/orgs/policy-${c}/audit-policy`,
        { store_content: true },
        token,
      );
    },
    effect: async (c) => {
      const org = (await asOperator<{ code: string; path: string }[]>('/api/v1/orgs')).find(
        (o) => o.code === `policy-${c}`,
      );
      return hub.hub.policies.storesContent(org!.path);
    },
  },
  'PUT /api/v1/endpoints/{name}/clearance': {
    allowed: ['secadmin'],
    status: 200,
    call: (_c, token) =>
      hub.api('PUT', '/api/v1/endpoints/local-vllm/clearance', { clearance: 'general-3' }, token),
  },
  'PUT /api/v1/orgs/{code}/guard-policy': {
    allowed: ['secadmin'],
    status: 200,
    call: async (c, token) => {
      const made = await hub.api('POST', '/api/v1/orgs', {
        code: `guard-${c}`,
        name: c,
        parent: 'gd-gz',
      });
      expect(made.status).toBe(201);
      return hub.api(
        'PUT',
        `/api/v1/orgs/guard-${c}/guard-policy`,
        { data_level: 'general-3' },
        token,
      );
    },
    effect: async (c) => {
      const org = (await asOperator<{ code: string; path: string }[]>('/api/v1/orgs')).find(
        (o) => o.code === `guard-${c}`,
      );
      return hub.hub.guardPolicies.defaultLevel(org!.path) === 'general-3';
    },
  },
  'POST /api/v1/endpoints/{name}/test': {
    allowed: ['sysadmin'],
    status: 200,
    call: (_c, token) => hub.api('POST', '/api/v1/endpoints/local-vllm/test', undefined, token),
  },
  'PUT /api/v1/models/{name}': {
    allowed: ['sysadmin'],
    status: 201,
    call: (c, token) =>
      hub.api(
        'PUT',
        `/api/v1/models/put-${c}`,
        { targets: [{ endpoint: 'local-vllm', model: 'q' }] },
        token,
      ),
    effect: async (c) => hub.hub.registry.models.has(`put-${c}`),
  },
  'DELETE /api/v1/models/{name}': {
    allowed: ['sysadmin'],
    status: 200,
    call: async (c, token) => {
      const made = await hub.api('PUT', `/api/v1/models/del-${c}`, {
        targets: [{ endpoint: 'local-vllm', model: 'q' }],
      });
      expect(made.status).toBe(201);
      return hub.api('DELETE', `/api/v1/models/del-${c}`, undefined, token);
    },
    effect: async (c) => !hub.hub.registry.models.has(`del-${c}`),
  },
  'POST /api/v1/playground/key': {
    allowed: ['sysadmin', 'org_admin', 'developer', 'member'],
    status: 200,
    call: (_c, token) => hub.api('POST', '/api/v1/playground/key', undefined, token),
  },
  'GET /api/v1/safety/suspensions': {
    allowed: ['secadmin', 'auditor'],
    status: 200,
    call: (_c, token) => hub.api('GET', '/api/v1/safety/suspensions', undefined, token),
  },
  'POST /api/v1/safety/suspensions/lift': {
    allowed: ['secadmin'],
    status: 200,
    call: async (c, token) => {
      await hub.hub.store.db.insert(schema.safetyEvents).values({
        subject: `key:perm-${c}`,
        orgId: hub.hub.root.id,
        at: new Date(),
        violated: true,
        suspended: true,
        until: new Date(Date.now() + 3_600_000),
      });
      return hub.api(
        'POST',
        '/api/v1/safety/suspensions/lift',
        { subject: `key:perm-${c}` },
        token,
      );
    },
    effect: async (c) => (await hub.hub.violations.suspendedUntil(`key:perm-${c}`)) === null,
  },
};

describe('the permission matrix', () => {
  it('covers every identity and registry management route the hub documents', async () => {
    const res = await fetch(`${hub.url}/api/openapi.json`);
    const doc = (await res.json()) as {
      paths: Record<string, Record<string, { tags?: string[] }>>;
    };
    // Session routes (login, logout, own password, me) are open to every logged-in user.
    const own = (route: string) => route.startsWith('/api/v1/auth/') || route === '/api/v1/me';
    const tags = [
      'auth',
      'orgs',
      'users',
      'keys',
      'registry',
      'prices',
      'usage',
      'ledger',
      'guard',
      'console',
    ];
    const routes = Object.entries(doc.paths).flatMap(([route, ops]) =>
      Object.entries(ops)
        .filter(([, op]) => !own(route) && op.tags?.some((t) => tags.includes(t)))
        .map(([method]) => `${method.toUpperCase()} ${route}`),
    );
    expect(routes.sort()).toEqual(Object.keys(CASES).sort());
  });

  for (const [route, c] of Object.entries(CASES)) {
    describe(route, () => {
      it.each(CALLERS)('as %s', async (caller) => {
        const allowed = caller === 'operator' || c.allowed.includes(caller);
        const res = await c.call(caller, tokens[caller]);
        if (allowed) expect(res.status, JSON.stringify(res.body)).toBe(c.status);
        else expectError(res, 403, 'forbidden');
        if (c.effect) expect(await c.effect(caller)).toBe(allowed);
      });
    });
  }
});
