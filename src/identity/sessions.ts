import { randomBytes } from 'node:crypto';
import { and, eq, gt, isNull, sql } from 'drizzle-orm';
import { sm3Hex } from '../crypto/sm.js';
import { forbidden, unauthenticated } from '../errors.js';
import { schema, type Db } from '../store/index.js';
import { checkPasswordPolicy, hashPassword, verifyPassword } from './passwords.js';
import type { Principal, Role } from './principal.js';

export interface SessionPolicy {
  lockout_threshold: number;
  lockout_minutes: number;
  idle_timeout_minutes: number;
  session_max_hours: number;
}

export const SESSION_PREFIX = 'zss-';
const MINUTE = 60_000;
/** last_seen is written at most this often, so a busy console does not write on every call. */
const TOUCH_EVERY_MS = 15_000;

const record = (
  db: Db,
  e: {
    username: string;
    userId?: string | null;
    ip: string | null;
    outcome: string;
    reason?: string;
    method?: LoginMethod;
  },
) =>
  db.insert(schema.loginEvents).values({
    ...e,
    userId: e.userId ?? null,
    reason: e.reason ?? null,
    method: e.method ?? 'password',
  });

export type LoginMethod = 'password' | 'oidc';

/** End every open session of an account, except `keep` (the caller's own). */
export async function endSessions(db: Db, userId: string, keep?: string): Promise<void> {
  await db
    .update(schema.sessions)
    .set({ revokedAt: new Date() })
    .where(
      and(
        eq(schema.sessions.userId, userId),
        isNull(schema.sessions.revokedAt),
        keep ? sql`${schema.sessions.id} <> ${keep}` : undefined,
      ),
    );
}

let dummy: Promise<string> | null = null;
const dummyHash = (): Promise<string> => (dummy ??= hashPassword(randomBytes(16).toString('hex')));

/**
 * Count a failed password check atomically (concurrent guesses cannot slip past the threshold);
 * at the threshold the account locks for `lockout_minutes`. A lockout reached through a session
 * (guessing the current password) also ends the account's sessions; one reached at the login form
 * leaves the owner's open sessions alone, so strangers cannot log a user out.
 */
async function registerFailure(
  db: Db,
  policy: SessionPolicy,
  userId: string,
  alsoEndSessions: boolean,
): Promise<boolean> {
  const [row] = await db
    .update(schema.users)
    .set({ failedAttempts: sql`${schema.users.failedAttempts} + 1` })
    .where(eq(schema.users.id, userId))
    .returning({ failures: schema.users.failedAttempts });
  if ((row?.failures ?? 0) < policy.lockout_threshold) return false;
  const now = Date.now();
  await db
    .update(schema.users)
    .set({ failedAttempts: 0, lockedUntil: new Date(now + policy.lockout_minutes * MINUTE) })
    .where(eq(schema.users.id, userId));
  if (alsoEndSessions) await endSessions(db, userId);
  return true;
}

/**
 * Password login. Every attempt is recorded; `lockout_threshold` consecutive failures lock the
 * account for `lockout_minutes`. Unknown users and wrong passwords get the same answer.
 */
export async function login(
  db: Db,
  policy: SessionPolicy,
  input: { username: string; password: string; ip: string | null },
): Promise<{ token: string; mustChangePassword: boolean; expiresAt: Date }> {
  const [user] = await db
    .select()
    .from(schema.users)
    .where(eq(schema.users.username, input.username));
  const now = new Date();
  const fail = () => unauthenticated('invalid_credentials', 'Wrong username or password.');
  if (!user || user.disabled) {
    // Spend the same time as a real check, so timing does not tell which usernames exist.
    await verifyPassword(input.password, await dummyHash());
    await record(db, {
      username: input.username,
      ip: input.ip,
      outcome: 'failure',
      reason: user ? 'disabled' : 'unknown_user',
    });
    throw fail();
  }
  if (user.lockedUntil && user.lockedUntil > now) throw await lockedOut(db, user, input.ip);
  if (!(await verifyPassword(input.password, user.passwordHash))) {
    const locks = await registerFailure(db, policy, user.id, false);
    await record(db, {
      username: user.username,
      userId: user.id,
      ip: input.ip,
      outcome: 'failure',
      reason: locks ? 'bad_password_locked' : 'bad_password',
    });
    throw fail();
  }
  await db
    .update(schema.users)
    .set({ failedAttempts: 0, lockedUntil: null })
    .where(eq(schema.users.id, user.id));
  const opened = await openSession(db, policy, user, input.ip, 'password');
  return { ...opened, mustChangePassword: user.mustChangePassword };
}

type UserRow = typeof schema.users.$inferSelect;

async function lockedOut(db: Db, user: UserRow, ip: string | null, method?: LoginMethod) {
  await record(db, {
    username: user.username,
    userId: user.id,
    ip,
    outcome: 'failure',
    reason: 'locked',
    ...(method ? { method } : {}),
  });
  return forbidden(
    'account_locked',
    'This account is locked after repeated failed logins; try later or ask the security administrator.',
  );
}

async function openSession(
  db: Db,
  policy: SessionPolicy,
  user: UserRow,
  ip: string | null,
  method: LoginMethod,
): Promise<{ token: string; expiresAt: Date }> {
  const token = SESSION_PREFIX + randomBytes(32).toString('base64url');
  const expiresAt = new Date(Date.now() + policy.session_max_hours * 60 * MINUTE);
  await db
    .insert(schema.sessions)
    .values({ tokenHash: sm3Hex(token), userId: user.id, ip, expiresAt, method });
  await record(db, { username: user.username, userId: user.id, ip, outcome: 'success', method });
  return { token, expiresAt };
}

/**
 * A login vouched for by the identity provider (OIDC): the account must exist (accounts and
 * roles are granted in the hub, never by the provider), be enabled and not locked. The hub's
 * own password plays no part, so a password still to be changed does not restrict the session.
 */
export async function loginVouched(
  db: Db,
  policy: SessionPolicy,
  input: { username: string; ip: string | null; method: LoginMethod },
): Promise<{ token: string; expiresAt: Date }> {
  const [user] = await db
    .select()
    .from(schema.users)
    .where(eq(schema.users.username, input.username));
  if (!user || user.disabled) {
    await record(db, {
      username: input.username,
      ip: input.ip,
      outcome: 'failure',
      reason: user ? 'disabled' : 'unknown_user',
      method: input.method,
    });
    throw forbidden(
      'unknown_user',
      `No enabled account ${input.username} in the hub; ask the system administrator to create it.`,
    );
  }
  if (user.lockedUntil && user.lockedUntil > new Date())
    throw await lockedOut(db, user, input.ip, input.method);
  return openSession(db, policy, user, input.ip, input.method);
}

export interface SessionPrincipal extends Principal {
  sessionId: string;
  mustChangePassword: boolean;
}

export async function authenticateSession(
  db: Db,
  policy: SessionPolicy,
  token: string,
): Promise<SessionPrincipal> {
  const now = new Date();
  const [row] = await db
    .select({ session: schema.sessions, user: schema.users, org: schema.orgs })
    .from(schema.sessions)
    .innerJoin(schema.users, eq(schema.users.id, schema.sessions.userId))
    .innerJoin(schema.orgs, eq(schema.orgs.id, schema.users.orgId))
    .where(
      and(
        eq(schema.sessions.tokenHash, sm3Hex(token)),
        isNull(schema.sessions.revokedAt),
        gt(schema.sessions.expiresAt, now),
      ),
    );
  if (!row || row.user.disabled)
    throw unauthenticated('invalid_session', 'Not logged in, or the session has ended.');
  const idleMs = now.getTime() - row.session.lastSeenAt.getTime();
  if (idleMs > policy.idle_timeout_minutes * MINUTE) {
    await db
      .update(schema.sessions)
      .set({ revokedAt: now })
      .where(eq(schema.sessions.id, row.session.id));
    throw unauthenticated(
      'session_expired',
      'The session timed out after inactivity; log in again.',
    );
  }
  if (idleMs > TOUCH_EVERY_MS) {
    await db
      .update(schema.sessions)
      .set({ lastSeenAt: now })
      .where(eq(schema.sessions.id, row.session.id));
  }
  const roles = await db
    .select({ role: schema.userRoles.role })
    .from(schema.userRoles)
    .where(eq(schema.userRoles.userId, row.user.id));
  return {
    kind: 'user',
    userId: row.user.id,
    name: row.user.username,
    orgId: row.org.id,
    orgPath: row.org.path,
    roles: new Set(roles.map((r) => r.role as Role)),
    sessionId: row.session.id,
    mustChangePassword: row.user.mustChangePassword && row.session.method === 'password',
  };
}

export async function logout(db: Db, sessionId: string): Promise<void> {
  await db
    .update(schema.sessions)
    .set({ revokedAt: new Date() })
    .where(eq(schema.sessions.id, sessionId));
}

/** Change one's own password; ends every other session of the account. */
export async function changePassword(
  db: Db,
  policy: SessionPolicy,
  principal: SessionPrincipal,
  input: { current: string; next: string; ip: string | null },
): Promise<void> {
  const [user] = await db.select().from(schema.users).where(eq(schema.users.id, principal.userId!));
  if (!user) throw unauthenticated('invalid_session', 'Not logged in, or the session has ended.');
  if (!(await verifyPassword(input.current, user.passwordHash))) {
    // Guessing through a stolen session counts like guessing at the login form.
    const locks = await registerFailure(db, policy, user.id, true);
    await record(db, {
      username: user.username,
      userId: user.id,
      ip: input.ip,
      outcome: 'failure',
      reason: locks ? 'bad_current_password_locked' : 'bad_current_password',
    });
    if (locks)
      throw forbidden('account_locked', 'Too many wrong passwords: the account is locked.');
    throw forbidden('invalid_credentials', 'The current password is wrong.');
  }
  checkPasswordPolicy(input.next);
  if (input.next === input.current) {
    throw forbidden('password_reused', 'The new password must differ from the current one.');
  }
  await db
    .update(schema.users)
    .set({
      passwordHash: await hashPassword(input.next),
      mustChangePassword: false,
      passwordChangedAt: new Date(),
    })
    .where(eq(schema.users.id, user.id));
  await endSessions(db, user.id, principal.sessionId);
}

export async function listLogins(db: Db, limit = 200) {
  return db
    .select()
    .from(schema.loginEvents)
    .orderBy(sql`${schema.loginEvents.id} DESC`)
    .limit(limit);
}
