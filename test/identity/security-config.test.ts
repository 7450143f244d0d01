import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sm3Hex } from '../../src/crypto/sm.js';
import { schema } from '../../src/store/index.js';
import { startHub, type TestHub } from '../support/hub.js';
import { expectError, login, PASSWORD, userSession, withStore } from './harness.js';

/**
 * The security settings are configuration: the threshold here comes from the environment
 * (ZS_SECURITY__LOCKOUT_THRESHOLD), the idle timeout and lock duration from the file.
 */
let hub: TestHub;

beforeAll(async () => {
  hub = await startHub(
    {
      orgs: [{ code: 'gd-gz', name: '广州市政务服务数据管理局' }],
      security: { idle_timeout_minutes: 2, lockout_minutes: 1 },
    },
    { ZS_SECURITY__LOCKOUT_THRESHOLD: '3' },
  );
  await userSession(hub, 'gz-dev', 'gd-gz', ['developer']);
});

afterAll(async () => {
  await hub?.close();
});

const me = (token: string) => hub.api('GET', '/api/v1/me', undefined, token);

describe('configured security settings', () => {
  it('locks after the configured number of failures, for the configured minutes, and times out idle sessions', async () => {
    expect(hub.config.security).toMatchObject({
      lockout_threshold: 3,
      idle_timeout_minutes: 2,
      lockout_minutes: 1,
    });
    const fresh = (await login(hub, 'gz-dev', PASSWORD)).body.token;
    const stale = (await login(hub, 'gz-dev', PASSWORD)).body.token;

    for (let i = 0; i < 2; i++)
      expectError(await login(hub, 'gz-dev', 'Wrong-Pass-1'), 401, 'invalid_credentials');
    expect((await login(hub, 'gz-dev', PASSWORD)).status).toBe(200);
    for (let i = 0; i < 3; i++)
      expectError(await login(hub, 'gz-dev', 'Wrong-Pass-1'), 401, 'invalid_credentials');
    expectError(await login(hub, 'gz-dev', PASSWORD), 403, 'account_locked');

    const now = Date.now();
    await withStore(hub, async (db) => {
      const [user] = await db
        .select({ lockedUntil: schema.users.lockedUntil })
        .from(schema.users)
        .where(eq(schema.users.username, 'gz-dev'));
      const lockMs = user!.lockedUntil!.getTime() - now;
      expect(lockMs).toBeGreaterThan(50_000);
      expect(lockMs).toBeLessThanOrEqual(60_000);
      // an automatic lockout only refuses new logins; open sessions keep their own timeouts
      const idle = (token: string, ms: number) =>
        db
          .update(schema.sessions)
          .set({ lastSeenAt: new Date(now - ms) })
          .where(eq(schema.sessions.tokenHash, sm3Hex(token)));
      await idle(fresh, 90_000);
      await idle(stale, 150_000);
      // the lock has run out
      await db
        .update(schema.users)
        .set({ lockedUntil: new Date(now - 1000) })
        .where(eq(schema.users.username, 'gz-dev'));
    });

    expect((await me(fresh)).status).toBe(200);
    expectError(await me(stale), 401, 'session_expired');
    expect((await login(hub, 'gz-dev', PASSWORD)).status).toBe(200);
  });

  it('counts wrong current passwords on a session towards the lockout, and then ends the sessions', async () => {
    const token = (await login(hub, 'gz-dev', PASSWORD)).body.token;
    const change = () =>
      hub.api(
        'POST',
        '/api/v1/auth/password',
        { current_password: 'Guess-Pass-9', new_password: 'New-Pass-77' },
        token,
      );
    for (let i = 0; i < 2; i++) expectError(await change(), 403, 'invalid_credentials');
    expectError(await change(), 403, 'account_locked');
    expectError(await me(token), 401, 'invalid_session');
    expectError(await login(hub, 'gz-dev', PASSWORD), 403, 'account_locked');
  });
});
