import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHub, type TestHub } from '../support/hub.js';
import { adminSession, createUser, expectError, userSession } from './harness.js';

/**
 * Subtree scoping on every management query: a caller sees and touches only its own
 * organisation's subtree (a developer only its own organisation), and what lies outside does not
 * exist for it (404, never 403).
 */
let hub: TestHub;
const t = {} as Record<'gzAdmin' | 'gzDev' | 'gdAdmin' | 'gzSec' | 'secadmin' | 'sysadmin', string>;
const keys = {} as Record<'gz' | 'rsj' | 'sz', string>;

const ORGS = [
  {
    code: 'gd',
    name: '广东省政务服务和数据管理局',
    kind: 'province',
    children: [
      {
        code: 'gd-gz',
        name: '广州市政务服务数据管理局',
        kind: 'city',
        children: [{ code: 'gd-gz-rsj', name: '广州市人力资源和社会保障局', kind: 'department' }],
      },
      { code: 'gd-sz', name: '深圳市政务服务数据管理局', kind: 'city' },
    ],
  },
];

beforeAll(async () => {
  hub = await startHub({ orgs: ORGS });
  t.sysadmin = await adminSession(hub, 'sysadmin');
  t.secadmin = await adminSession(hub, 'secadmin');
  t.gzAdmin = await userSession(hub, 'gz-admin', 'gd-gz', ['org_admin']);
  t.gzDev = await userSession(hub, 'gz-dev', 'gd-gz', ['developer']);
  t.gdAdmin = await userSession(hub, 'gd-admin', 'gd', ['org_admin']);
  t.gzSec = await userSession(hub, 'gz-sec', 'gd-gz', ['secadmin']);
  await createUser(hub, 'sz-dev', 'gd-sz', ['developer']);
  await createUser(hub, 'rsj-dev', 'gd-gz-rsj', ['developer']);
  keys.gz = (await hub.createKey('gd-gz', { name: 'gz' })).id;
  keys.rsj = (await hub.createKey('gd-gz-rsj', { name: 'rsj' })).id;
  keys.sz = (await hub.createKey('gd-sz', { name: 'sz' })).id;
});

afterAll(async () => {
  await hub?.close();
});

const list = async (route: string, token: string, field: string) => {
  const res = await hub.api<{ data: Record<string, unknown>[] }>('GET', route, undefined, token);
  expect(res.status).toBe(200);
  return res.body.data.map((row) => row[field] as string).sort();
};

describe('organisation subtree scoping', () => {
  it('shows each caller its own subtree of organisations', async () => {
    expect(await list('/api/v1/orgs', t.gzAdmin, 'code')).toEqual(['gd-gz', 'gd-gz-rsj']);
    expect(await list('/api/v1/orgs', t.gdAdmin, 'code')).toEqual([
      'gd',
      'gd-gz',
      'gd-gz-rsj',
      'gd-sz',
    ]);
    expect(await list('/api/v1/orgs', t.gzDev, 'code')).toEqual(['gd-gz']);
    expect(await list('/api/v1/orgs', t.sysadmin, 'code')).toEqual([
      'gd',
      'gd-gz',
      'gd-gz-rsj',
      'gd-sz',
      'root',
    ]);
  });

  it('lists only the keys and users of the subtree; a developer sees only its own organisation', async () => {
    expect(await list('/api/v1/keys', t.gzAdmin, 'org')).toEqual(['gd-gz', 'gd-gz-rsj']);
    expect(await list('/api/v1/keys', t.gzDev, 'org')).toEqual(['gd-gz']);
    expect(await list('/api/v1/keys?org=gd-gz-rsj', t.gzAdmin, 'org')).toEqual(['gd-gz-rsj']);
    expect(await list('/api/v1/keys', t.gdAdmin, 'org')).toEqual(['gd-gz', 'gd-gz-rsj', 'gd-sz']);
    expect(await list('/api/v1/users', t.gzAdmin, 'username')).toEqual([
      'gz-admin',
      'gz-dev',
      'gz-sec',
      'rsj-dev',
    ]);
  });

  it('answers 404 for another city: its keys, users and organisations do not exist for gd-gz', async () => {
    const a = t.gzAdmin;
    expectError(await hub.api('GET', '/api/v1/keys?org=gd-sz', undefined, a), 404, 'org_not_found');
    expectError(
      await hub.api('POST', '/api/v1/keys', { org: 'gd-sz', name: 'x' }, a),
      404,
      'org_not_found',
    );
    expectError(
      await hub.api('DELETE', `/api/v1/keys/${keys.sz}`, undefined, a),
      404,
      'key_not_found',
    );
    expectError(
      await hub.api(
        'POST',
        '/api/v1/users',
        { username: 'gz-made', org: 'gd-sz', password: 'Abcdefg-1' },
        a,
      ),
      404,
      'org_not_found',
    );
    expectError(
      await hub.api('POST', '/api/v1/orgs', { code: 'gd-sz-x', name: 'x', parent: 'gd-sz' }, a),
      404,
      'org_not_found',
    );
    expectError(
      await hub.api('POST', '/api/v1/users/sz-dev/roles', { role: 'member' }, a),
      404,
      'user_not_found',
    );
    expectError(
      await hub.api('DELETE', '/api/v1/users/sz-dev/roles/developer', undefined, a),
      404,
      'user_not_found',
    );
    // nothing changed on the gd-sz side
    const sz = await hub.api<{ data: { id: string; revoked_at: string | null }[] }>(
      'GET',
      '/api/v1/keys?org=gd-sz',
    );
    expect(sz.body.data).toEqual([expect.objectContaining({ id: keys.sz, revoked_at: null })]);
    const users = await hub.api<{ data: { username: string; roles: string[] }[] }>(
      'GET',
      '/api/v1/users',
    );
    expect(users.body.data.find((u) => u.username === 'sz-dev')?.roles).toEqual(['developer']);
    expect(users.body.data.some((u) => u.username === 'gz-made')).toBe(false);
  });

  it('scopes a security administrator placed in a city the same way', async () => {
    expectError(
      await hub.api('POST', '/api/v1/users/sz-dev/lock', { locked: true }, t.gzSec),
      404,
      'user_not_found',
    );
    expectError(
      await hub.api('DELETE', `/api/v1/keys/${keys.sz}`, undefined, t.gzSec),
      404,
      'key_not_found',
    );
    const ok = await hub.api('POST', '/api/v1/users/rsj-dev/lock', { locked: true }, t.gzSec);
    expect(ok.status).toBe(200);
    const unlock = await hub.api('POST', '/api/v1/users/rsj-dev/lock', { locked: false }, t.gzSec);
    expect(unlock.status).toBe(200);
  });

  it('lets a developer act in its own organisation only, and an org admin in its whole subtree', async () => {
    expectError(
      await hub.api('POST', '/api/v1/keys', { org: 'gd-gz-rsj', name: 'dev' }, t.gzDev),
      404,
      'org_not_found',
    );
    expectError(
      await hub.api('DELETE', `/api/v1/keys/${keys.rsj}`, undefined, t.gzDev),
      404,
      'key_not_found',
    );
    const own = await hub.api('POST', '/api/v1/keys', { org: 'gd-gz', name: 'dev' }, t.gzDev);
    expect(own.status).toBe(201);
    const sub = await hub.api('POST', '/api/v1/keys', { org: 'gd-gz-rsj', name: 'adm' }, t.gzAdmin);
    expect(sub.status).toBe(201);
    expect(sub.body).toMatchObject({ org: 'gd-gz-rsj', created_by: 'user:gz-admin' });
    const dept = await hub.api(
      'POST',
      '/api/v1/orgs',
      { code: 'gd-gz-ws', name: '广州市卫生健康委员会', parent: 'gd-gz', kind: 'department' },
      t.gzAdmin,
    );
    expect(dept.status).toBe(201);
    expect(await list('/api/v1/orgs', t.gzAdmin, 'code')).toContain('gd-gz-ws');
    expect(await list('/api/v1/orgs', t.gzDev, 'code')).toEqual(['gd-gz']);
  });
});

describe('roles', () => {
  const grant = (username: string, role: string, token: string) =>
    hub.api<{ roles: string[] }>('POST', `/api/v1/users/${username}/roles`, { role }, token);
  const rolesOf = async (username: string) =>
    (
      await hub.api<{ data: { username: string; roles: string[] }[] }>('GET', '/api/v1/users')
    ).body.data.find((u) => u.username === username)?.roles;

  it('keeps sysadmin, secadmin and auditor mutually exclusive and alone on an account (role_conflict)', async () => {
    expectError(await grant('sysadmin', 'auditor', t.secadmin), 409, 'role_conflict');
    expectError(await grant('auditor', 'developer', t.secadmin), 409, 'role_conflict');
    expectError(await grant('gz-dev', 'secadmin', t.secadmin), 409, 'role_conflict');
    expectError(await grant('gz-sec', 'sysadmin', t.secadmin), 409, 'role_conflict');
    expectError(await grant('gz-sec', 'member', t.gzAdmin), 409, 'role_conflict');
    expect(await rolesOf('sysadmin')).toEqual(['sysadmin']);
    expect(await rolesOf('auditor')).toEqual(['auditor']);
    expect(await rolesOf('gz-dev')).toEqual(['developer']);

    await createUser(hub, 'gz-audit', 'gd-gz');
    const first = await grant('gz-audit', 'auditor', t.secadmin);
    expect(first).toMatchObject({ status: 200, body: { roles: ['auditor'] } });
    expectError(await grant('gz-audit', 'secadmin', t.secadmin), 409, 'role_conflict');
    // the local operator is bound by the same rule
    expectError(await grant('gz-audit', 'member', hub.operatorToken), 409, 'role_conflict');
    expect(await rolesOf('gz-audit')).toEqual(['auditor']);
  });

  it('lets an org admin grant only developer and member', async () => {
    await createUser(hub, 'gz-new', 'gd-gz');
    for (const role of ['org_admin', 'sysadmin', 'secadmin', 'auditor'])
      expectError(await grant('gz-new', role, t.gzAdmin), 403, 'forbidden');
    expect(await grant('gz-new', 'member', t.gzAdmin)).toMatchObject({
      status: 200,
      body: { roles: ['member'] },
    });
    expect(await grant('gz-new', 'developer', t.gzAdmin)).toMatchObject({
      status: 200,
      body: { roles: ['member', 'developer'] },
    });
    expectError(
      await hub.api('DELETE', '/api/v1/users/gz-admin/roles/org_admin', undefined, t.gdAdmin),
      403,
      'forbidden',
    );
    expect(await grant('gz-new', 'org_admin', t.secadmin)).toMatchObject({ status: 200 });
  });

  it('rejects an unknown role', async () => {
    expectError(await grant('gz-new', 'superuser', t.secadmin), 400, 'invalid_request');
    expectError(
      await hub.api('DELETE', '/api/v1/users/gz-new/roles/superuser', undefined, t.secadmin),
      400,
      'invalid_role',
    );
  });

  it('lets nobody change their own roles', async () => {
    expectError(await grant('secadmin', 'developer', t.secadmin), 403, 'forbidden');
    expectError(
      await hub.api('DELETE', '/api/v1/users/secadmin/roles/secadmin', undefined, t.secadmin),
      403,
      'forbidden',
    );
    expectError(await grant('gz-admin', 'developer', t.gzAdmin), 403, 'forbidden');
    expectError(
      await hub.api('DELETE', '/api/v1/users/gz-sec/roles/secadmin', undefined, t.gzSec),
      403,
      'forbidden',
    );
    expect(await rolesOf('secadmin')).toEqual(['secadmin']);
    expect(await rolesOf('gz-admin')).toEqual(['org_admin']);
    expect(await rolesOf('gz-sec')).toEqual(['secadmin']);
  });
});
