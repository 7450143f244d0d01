import { and, eq, inArray, like } from 'drizzle-orm';
import { badRequest, conflict, forbidden, notFound } from '../errors.js';
import { schema, type Db } from '../store/index.js';
import { orgInScope } from './orgs.js';
import { checkPasswordPolicy, hashPassword } from './passwords.js';
import { endSessions } from './sessions.js';
import {
  actorLabel,
  assertCan,
  inScope,
  ROLES,
  THREE_ADMINS,
  type Principal,
  type Role,
} from './principal.js';

export interface UserInfo {
  id: string;
  username: string;
  display_name: string;
  org: string;
  roles: Role[];
  locked: boolean;
  must_change_password: boolean;
}

async function rolesOf(db: Db, userIds: string[]): Promise<Map<string, Role[]>> {
  const map = new Map<string, Role[]>();
  if (!userIds.length) return map;
  const rows = await db
    .select()
    .from(schema.userRoles)
    .where(inArray(schema.userRoles.userId, userIds));
  for (const row of rows) map.set(row.userId, [...(map.get(row.userId) ?? []), row.role as Role]);
  return map;
}

export async function listUsers(db: Db, principal: Principal): Promise<UserInfo[]> {
  assertCan(principal, 'users.read');
  const rows = await db
    .select({ user: schema.users, orgCode: schema.orgs.code, orgPath: schema.orgs.path })
    .from(schema.users)
    .innerJoin(schema.orgs, eq(schema.orgs.id, schema.users.orgId))
    .where(like(schema.orgs.path, `${principal.orgPath}%`));
  const visible = rows.filter((r) => inScope(principal, r.orgPath));
  const roles = await rolesOf(
    db,
    visible.map((r) => r.user.id),
  );
  const now = Date.now();
  return visible.map(({ user, orgCode }) => ({
    id: user.id,
    username: user.username,
    display_name: user.displayName,
    org: orgCode,
    roles: roles.get(user.id) ?? [],
    locked: !!user.lockedUntil && user.lockedUntil.getTime() > now,
    must_change_password: user.mustChangePassword,
  }));
}

export async function createUser(
  db: Db,
  principal: Principal,
  input: { username: string; displayName: string; org: string; password: string },
): Promise<UserInfo> {
  assertCan(principal, 'users.write');
  const org = await orgInScope(db, principal, input.org);
  if (!/^[a-zA-Z0-9._-]{3,64}$/.test(input.username)) {
    throw badRequest(
      'invalid_username',
      'Username must be 3-64 letters, digits, ".", "_" or "-".',
      { param: 'username' },
    );
  }
  checkPasswordPolicy(input.password);
  const [taken] = await db
    .select({ id: schema.users.id })
    .from(schema.users)
    .where(eq(schema.users.username, input.username));
  if (taken)
    throw conflict('user_exists', `User ${input.username} already exists.`, { param: 'username' });
  const [row] = await db
    .insert(schema.users)
    .values({
      username: input.username,
      displayName: input.displayName || input.username,
      orgId: org.id,
      passwordHash: await hashPassword(input.password),
      mustChangePassword: true,
    })
    .returning();
  return {
    id: row!.id,
    username: row!.username,
    display_name: row!.displayName,
    org: org.code,
    roles: [],
    locked: false,
    must_change_password: true,
  };
}

async function userInScope(db: Db, principal: Principal, username: string) {
  const [row] = await db
    .select({ user: schema.users, orgPath: schema.orgs.path })
    .from(schema.users)
    .innerJoin(schema.orgs, eq(schema.orgs.id, schema.users.orgId))
    .where(eq(schema.users.username, username));
  if (!row || !inScope(principal, row.orgPath))
    throw notFound('user_not_found', `No user ${username}.`);
  return row.user;
}

/**
 * Who may change `role` on `username`: the secadmin any role, an org_admin developer/member in its
 * subtree; nobody their own roles. Returns the account.
 */
async function roleTarget(db: Db, principal: Principal, username: string, role: Role) {
  assertCan(principal, 'roles.grant');
  if (!ROLES.includes(role))
    throw badRequest('invalid_role', `Unknown role ${String(role)}.`, { param: 'role' });
  const isSecadmin = principal.kind === 'operator' || principal.roles.has('secadmin');
  if (!isSecadmin && role !== 'developer' && role !== 'member') {
    throw forbidden('forbidden', 'Only the security administrator manages administrative roles.');
  }
  const user = await userInScope(db, principal, username);
  if (user.id === principal.userId)
    throw forbidden('forbidden', 'You cannot change your own roles.');
  return user;
}

/**
 * Grant a role. 三员 exclusivity: an account with sysadmin, secadmin or auditor holds that one
 * role only. The secadmin grants any role; an org_admin grants developer/member in its subtree.
 * Nobody changes their own roles.
 */
export async function grantRole(
  db: Db,
  principal: Principal,
  username: string,
  role: Role,
): Promise<Role[]> {
  const user = await roleTarget(db, principal, username, role);
  return db.transaction(async (tx) => {
    // Row lock: two concurrent grants to one account must not both pass the exclusivity check.
    await tx
      .select({ id: schema.users.id })
      .from(schema.users)
      .where(eq(schema.users.id, user.id))
      .for('update');
    const held = (
      await tx.select().from(schema.userRoles).where(eq(schema.userRoles.userId, user.id))
    ).map((r) => r.role as Role);
    if (held.includes(role)) return held;
    const adminHeld = held.find((r) => THREE_ADMINS.includes(r));
    if (adminHeld || (THREE_ADMINS.includes(role) && held.length > 0)) {
      throw conflict(
        'role_conflict',
        `三员 separation: ${adminHeld ?? role} cannot be combined with ${adminHeld ? role : held.join(', ')} on one account.`,
        { param: 'role' },
      );
    }
    await tx
      .insert(schema.userRoles)
      .values({ userId: user.id, role, grantedBy: actorLabel(principal) });
    return [...held, role];
  });
}

export async function revokeRole(
  db: Db,
  principal: Principal,
  username: string,
  role: Role,
): Promise<void> {
  const user = await roleTarget(db, principal, username, role);
  await db
    .delete(schema.userRoles)
    .where(and(eq(schema.userRoles.userId, user.id), eq(schema.userRoles.role, role)));
}

export async function setLocked(
  db: Db,
  principal: Principal,
  username: string,
  locked: boolean,
): Promise<void> {
  assertCan(principal, 'users.lock');
  const user = await userInScope(db, principal, username);
  await db
    .update(schema.users)
    .set(
      locked
        ? { lockedUntil: new Date('9999-12-31T00:00:00Z') }
        : { lockedUntil: null, failedAttempts: 0 },
    )
    .where(eq(schema.users.id, user.id));
  // A locked account is logged out everywhere, not only refused at its next login.
  if (locked) await endSessions(db, user.id);
}
