import { statSync } from 'node:fs';
import path from 'node:path';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sm3Hex } from '../../src/crypto/sm.js';
import { CREDENTIALS_FILE } from '../../src/identity/bootstrap.js';
import { schema } from '../../src/store/index.js';
import { startHub, type TestHub } from '../support/hub.js';
import {
  adminSession,
  createUser,
  expectError,
  FIRST_PASSWORD,
  initialAdmins,
  login,
  PASSWORD,
  userSession,
  withStore,
} from './harness.js';

/** Console sessions with the default security settings: lockout after 5, idle timeout 30 min. */
let hub: TestHub;
let secadmin: string;
let auditor: string;

beforeAll(async () => {
  hub = await startHub({ orgs: [{ code: 'gd-gz', name: '广州市政务服务数据管理局' }] });
});

afterAll(async () => {
  await hub?.close();
});

const me = (token: string) =>
  hub.api<{ name: string; roles: string[] }>('GET', '/api/v1/me', undefined, token);
const changePassword = (token: string, current: string, next: string) =>
  hub.api(
    'POST',
    '/api/v1/auth/password',
    { current_password: current, new_password: next },
    token,
  );

describe('first login of the generated administrators', () => {
  it('writes the three accounts once to a 0600 file', () => {
    const file = path.join(hub.dataDir, CREDENTIALS_FILE);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const admins = initialAdmins(hub.dataDir);
    expect([...admins.keys()].sort()).toEqual(['auditor', 'secadmin', 'sysadmin']);
    for (const { password } of admins.values()) expect(password).toMatch(/^.{20}$/);
  });

  it('requires a password change before anything else, then works normally', async () => {
    const { username, password } = initialAdmins(hub.dataDir).get('sysadmin')!;
    const first = await login(hub, username, password);
    expect(first.status).toBe(200);
    expect(first.body.must_change_password).toBe(true);
    expect(first.body.token).toMatch(/^zss-/);
    const token = first.body.token;

    expectError(
      await hub.api('GET', '/api/v1/users', undefined, token),
      403,
      'password_change_required',
    );
    expectError(
      await hub.api('POST', '/api/v1/keys', { org: 'gd-gz', name: 'x' }, token),
      403,
      'password_change_required',
    );
    expect((await me(token)).body).toMatchObject({
      name: 'sysadmin',
      roles: ['sysadmin'],
      must_change_password: true,
    });

    expectError(await changePassword(token, 'wrong-Pass-1', PASSWORD), 403, 'invalid_credentials');
    expectError(await changePassword(token, password, 'short1A'), 400, 'weak_password');
    expectError(await changePassword(token, password, password), 403, 'password_reused');
    expect((await changePassword(token, password, PASSWORD)).status).toBe(200);

    expect((await hub.api('GET', '/api/v1/users', undefined, token)).status).toBe(200);
    expectError(await login(hub, username, password), 401, 'invalid_credentials');
    const again = await login(hub, username, PASSWORD);
    expect(again).toMatchObject({ status: 200, body: { must_change_password: false } });
  });

  it('requires the change for accounts created by an administrator too', async () => {
    await createUser(hub, 'gz-first', 'gd-gz', ['member']);
    const res = await login(hub, 'gz-first', FIRST_PASSWORD);
    expect(res.body.must_change_password).toBe(true);
    expectError(
      await hub.api('GET', '/api/v1/orgs', undefined, res.body.token),
      403,
      'password_change_required',
    );
  });
});

describe('password policy: at least 8 characters from 3 of 4 classes', () => {
  const weak = ['Ab1-xyz', 'abcdefgh1', 'ABCDEFGH!', 'abcdefgh', '12345678', 'abc-defgh'];
  const strong = ['abcdefG1', 'abcdef-1', 'ABCDEF!1', 'Abcdef-1x', '政务Abcd123'];

  it.each(weak)('refuses %s', async (password) => {
    const res = await hub.api('POST', '/api/v1/users', {
      username: `weak-${weak.indexOf(password)}`,
      org: 'gd-gz',
      password,
    });
    expectError(res, 400, 'weak_password');
  });

  it.each(strong)('accepts %s', async (password) => {
    const res = await hub.api('POST', '/api/v1/users', {
      username: `strong-${strong.indexOf(password)}`,
      org: 'gd-gz',
      password,
    });
    expect(res.status).toBe(201);
    expect((await login(hub, `strong-${strong.indexOf(password)}`, password)).status).toBe(200);
  });
});

describe('lockout after 5 consecutive failures', () => {
  it('locks the account; the right password is refused afterwards until the secadmin unlocks it', async () => {
    secadmin = await adminSession(hub, 'secadmin');
    await userSession(hub, 'locky', 'gd-gz', ['developer']);
    for (let i = 0; i < 4; i++)
      expectError(await login(hub, 'locky', `Wrong-Pass-${i}`), 401, 'invalid_credentials');
    expect((await login(hub, 'locky', PASSWORD)).status).toBe(200); // resets the count

    for (let i = 0; i < 5; i++)
      expectError(await login(hub, 'locky', `Wrong-Pass-${i}`), 401, 'invalid_credentials');
    expectError(await login(hub, 'locky', PASSWORD), 403, 'account_locked');
    expectError(await login(hub, 'locky', 'Wrong-Pass-9'), 403, 'account_locked');
    const users = await hub.api<{ data: { username: string; locked: boolean }[] }>(
      'GET',
      '/api/v1/users',
      undefined,
      secadmin,
    );
    expect(users.body.data.find((u) => u.username === 'locky')?.locked).toBe(true);

    const unlock = await hub.api('POST', '/api/v1/users/locky/lock', { locked: false }, secadmin);
    expect(unlock.status).toBe(200);
    expect((await login(hub, 'locky', PASSWORD)).status).toBe(200);
  });

  it('ends the open sessions of an account the secadmin locks', async () => {
    const session = (await login(hub, 'locky', PASSWORD)).body.token;
    expect((await me(session)).status).toBe(200);
    const lock = await hub.api('POST', '/api/v1/users/locky/lock', { locked: true }, secadmin);
    expect(lock.status).toBe(200);
    expectError(await me(session), 401, 'invalid_session');
    expectError(await login(hub, 'locky', PASSWORD), 403, 'account_locked');
  });
});

describe('login records', () => {
  it('records every attempt, shown to the auditor only', async () => {
    expectError(await login(hub, 'ghost', 'Wrong-Pass-1'), 401, 'invalid_credentials');
    auditor = await adminSession(hub, 'auditor');
    const res = await hub.api<{ data: Record<string, unknown>[] }>(
      'GET',
      '/api/v1/logins',
      undefined,
      auditor,
    );
    expect(res.status).toBe(200);
    const locky = res.body.data.filter((e) => e.username === 'locky');
    const count = (outcome: string, reason: string | null) =>
      locky.filter((e) => e.outcome === outcome && e.reason === reason).length;
    expect(count('failure', 'bad_password')).toBe(8);
    expect(count('failure', 'bad_password_locked')).toBe(1);
    expect(count('failure', 'locked')).toBe(3);
    expect(count('success', null)).toBe(4);
    expect(locky.every((e) => e.ip === '127.0.0.1' && typeof e.at === 'string')).toBe(true);
    expect(res.body.data.find((e) => e.username === 'ghost')).toMatchObject({
      outcome: 'failure',
      reason: 'unknown_user',
      userId: null,
    });
    expect(res.body.data[0]).toMatchObject({ username: 'auditor', outcome: 'success' });
    expectError(await hub.api('GET', '/api/v1/logins', undefined, secadmin), 403, 'forbidden');
  });
});

describe('sessions', () => {
  it('refuses missing and unknown tokens', async () => {
    const bare = await fetch(`${hub.url}/api/v1/me`);
    expect(bare.status).toBe(401);
    expect(((await bare.json()) as { error: { code: string } }).error.code).toBe('unauthenticated');
    expectError(await me('zss-not-a-session'), 401, 'invalid_session');
    expectError(await me('zs-an-api-key-is-not-a-session'), 401, 'invalid_session');
    // a token as long as the operator token, with a non-ASCII character, is just a wrong token
    expectError(await me(`é${hub.operatorToken.slice(1)}`), 401, 'invalid_session');
  });

  it('ends a session at logout', async () => {
    const token = (await login(hub, 'strong-0', 'abcdefG1')).body.token;
    expect((await hub.api('POST', '/api/v1/auth/logout', undefined, token)).status).toBe(200);
    expectError(await me(token), 401, 'invalid_session');
  });

  it('ends the other sessions of an account when its password changes', async () => {
    const one = (await login(hub, 'strong-1', 'abcdef-1')).body.token;
    const two = (await login(hub, 'strong-1', 'abcdef-1')).body.token;
    expect((await changePassword(one, 'abcdef-1', 'Abcdef-2x')).status).toBe(200);
    expect((await me(one)).status).toBe(200);
    expectError(await me(two), 401, 'invalid_session');
  });

  it('times a session out after 30 idle minutes; activity keeps it alive', async () => {
    const open = async () => (await login(hub, 'strong-2', 'ABCDEF!1')).body.token;
    const [active, idle, old] = [await open(), await open(), await open()];
    const now = Date.now();
    await withStore(hub, async (db) => {
      const set = (token: string, values: Partial<typeof schema.sessions.$inferInsert>) =>
        db
          .update(schema.sessions)
          .set(values)
          .where(eq(schema.sessions.tokenHash, sm3Hex(token)));
      await set(active, { lastSeenAt: new Date(now - 29 * 60_000) });
      await set(idle, { lastSeenAt: new Date(now - 31 * 60_000) });
      await set(old, { expiresAt: new Date(now - 1000) });
    });
    expect((await me(active)).status).toBe(200);
    expectError(await me(idle), 401, 'session_expired');
    expectError(await me(idle), 401, 'invalid_session');
    expectError(await me(old), 401, 'invalid_session');

    await withStore(hub, async (db) => {
      const [row] = await db
        .select({ lastSeenAt: schema.sessions.lastSeenAt })
        .from(schema.sessions)
        .where(eq(schema.sessions.tokenHash, sm3Hex(active)));
      expect(row!.lastSeenAt.getTime()).toBeGreaterThan(now - 60_000);
    });
    expect((await me(active)).status).toBe(200);
  });
});
