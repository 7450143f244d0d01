import type { FastifyInstance } from 'fastify';
import { unauthenticated } from '../errors.js';
import { audited, requestActions } from '../ledger/audited.js';
import { readOrgLimits, setOrgLimits } from '../limits/admin.js';
import { LIMITS_BODY_SCHEMA, type LimitsBody } from '../limits/limits.js';
import type { Hub } from '../server/hub.js';
import { authenticator } from './authn.js';
import { createKey, listKeys, revokeKey } from './keys.js';
import { createOrg, listOrgs, orgView } from './orgs.js';
import { assertCan, ROLES, type Role } from './principal.js';
import { changePassword, listLogins, login, logout } from './sessions.js';
import { createUser, grantRole, listUsers, revokeRole, setLocked } from './users.js';

const str = (max = 200) => ({ type: 'string', minLength: 1, maxLength: max }) as const;
const strList = {
  type: 'array',
  items: { type: 'string', maxLength: 200 },
  maxItems: 200,
} as const;
const tags = (t: string) => ({ tags: [t] });

/** Identity management API: sessions, organisations, users and roles, API keys, login records. */
export function managementRoutes(hub: Hub, operatorToken: string | undefined) {
  return async function routes(app: FastifyInstance): Promise<void> {
    const auth = authenticator(hub, operatorToken);
    const db = hub.store.db;
    const act = requestActions(hub);

    app.post<{ Body: { username: string; password: string } }>(
      '/api/v1/auth/login',
      {
        schema: {
          ...tags('auth'),
          security: [],
          body: {
            type: 'object',
            required: ['username', 'password'],
            properties: { username: str(64), password: str(128) },
            additionalProperties: false,
          },
        },
      },
      async (request) => {
        const { username } = request.body;
        const result = await audited(act(request, `user:${username}`, 'auth.login', username), () =>
          login(db, hub.config.security, { ...request.body, ip: request.ip }),
        );
        return {
          token: result.token,
          must_change_password: result.mustChangePassword,
          expires_at: result.expiresAt,
        };
      },
    );

    app.post('/api/v1/auth/logout', { schema: tags('auth') }, async (request) => {
      const principal = await auth(request, { allowPendingPasswordChange: true });
      if ('sessionId' in principal)
        await audited(act(request, principal, 'auth.logout', principal.name), () =>
          logout(db, principal.sessionId),
        );
      return { ok: true };
    });

    app.post<{ Body: { current_password: string; new_password: string } }>(
      '/api/v1/auth/password',
      {
        schema: {
          ...tags('auth'),
          body: {
            type: 'object',
            required: ['current_password', 'new_password'],
            properties: { current_password: str(128), new_password: str(128) },
            additionalProperties: false,
          },
        },
      },
      async (request) => {
        const principal = await auth(request, { allowPendingPasswordChange: true });
        if (!('sessionId' in principal))
          throw unauthenticated('unauthenticated', 'Only a logged-in user changes a password.');
        await audited(act(request, principal, 'auth.password_change', principal.name), () =>
          changePassword(db, hub.config.security, principal, {
            current: request.body.current_password,
            next: request.body.new_password,
            ip: request.ip,
          }),
        );
        return { ok: true };
      },
    );

    app.get('/api/v1/me', { schema: tags('auth') }, async (request) => {
      const p = await auth(request, { allowPendingPasswordChange: true });
      return {
        name: p.name,
        kind: p.kind,
        org_id: p.orgId,
        roles: [...p.roles],
        must_change_password: 'mustChangePassword' in p ? p.mustChangePassword : false,
      };
    });

    app.get('/api/v1/orgs', { schema: tags('orgs') }, async (request) => ({
      data: await listOrgs(db, await auth(request)),
    }));

    app.post<{ Body: { code: string; name: string; parent: string; kind?: string } }>(
      '/api/v1/orgs',
      {
        schema: {
          ...tags('orgs'),
          body: {
            type: 'object',
            required: ['code', 'name', 'parent'],
            properties: {
              code: { type: 'string', pattern: '^[a-z0-9][a-z0-9._-]{0,62}$' },
              name: str(),
              parent: str(64),
              kind: { type: 'string', enum: ['province', 'city', 'county', 'department'] },
            },
            additionalProperties: false,
          },
        },
      },
      async (request, reply) => {
        const p = await auth(request);
        const org = await audited(act(request, p, 'org.create', request.body.code), () =>
          createOrg(db, p, request.body),
        );
        return reply.status(201).send(orgView(org));
      },
    );

    app.get<{ Params: { code: string } }>(
      '/api/v1/orgs/:code/limits',
      { schema: tags('orgs') },
      async (request) => readOrgLimits(db, await auth(request), request.params.code),
    );

    app.put<{ Params: { code: string }; Body: LimitsBody }>(
      '/api/v1/orgs/:code/limits',
      { schema: { ...tags('orgs'), body: LIMITS_BODY_SCHEMA } },
      async (request) => {
        const p = await auth(request);
        const { code } = request.params;
        const { after } = await audited(
          act(request, p, 'limits.set', code),
          () => setOrgLimits(db, p, code, request.body),
          (r) => ({ org: code, before: r.before.limits, after: r.after.limits }),
        );
        await hub.sync();
        return after;
      },
    );

    app.get('/api/v1/users', { schema: tags('users') }, async (request) => ({
      data: await listUsers(db, await auth(request)),
    }));

    app.post<{ Body: { username: string; display_name?: string; org: string; password: string } }>(
      '/api/v1/users',
      {
        schema: {
          ...tags('users'),
          body: {
            type: 'object',
            required: ['username', 'org', 'password'],
            properties: {
              username: str(64),
              display_name: str(),
              org: str(64),
              password: str(128),
            },
            additionalProperties: false,
          },
        },
      },
      async (request, reply) => {
        const b = request.body;
        const p = await auth(request);
        const user = await audited(
          act(request, p, 'user.create', b.username),
          () =>
            createUser(db, p, {
              username: b.username,
              displayName: b.display_name ?? b.username,
              org: b.org,
              password: b.password,
            }),
          () => ({ org: b.org }),
        );
        return reply.status(201).send(user);
      },
    );

    app.post<{ Params: { username: string }; Body: { role: Role } }>(
      '/api/v1/users/:username/roles',
      {
        schema: {
          ...tags('users'),
          body: {
            type: 'object',
            required: ['role'],
            properties: { role: { type: 'string', enum: [...ROLES] } },
            additionalProperties: false,
          },
        },
      },
      async (request) => {
        const p = await auth(request);
        const { username } = request.params;
        const { role } = request.body;
        const roles = await audited(
          act(request, p, 'role.grant', username),
          () => grantRole(db, p, username, role),
          () => ({ role }),
        );
        return { roles };
      },
    );

    app.delete<{ Params: { username: string; role: Role } }>(
      '/api/v1/users/:username/roles/:role',
      { schema: tags('users') },
      async (request) => {
        const p = await auth(request);
        const { username, role } = request.params;
        await audited(
          act(request, p, 'role.revoke', username),
          () => revokeRole(db, p, username, role),
          () => ({ role }),
        );
        return { ok: true };
      },
    );

    app.post<{ Params: { username: string }; Body: { locked: boolean } }>(
      '/api/v1/users/:username/lock',
      {
        schema: {
          ...tags('users'),
          body: {
            type: 'object',
            required: ['locked'],
            properties: { locked: { type: 'boolean' } },
            additionalProperties: false,
          },
        },
      },
      async (request) => {
        const p = await auth(request);
        const { username } = request.params;
        const { locked } = request.body;
        await audited(act(request, p, locked ? 'user.lock' : 'user.unlock', username), () =>
          setLocked(db, p, username, locked),
        );
        return { ok: true };
      },
    );

    app.get<{ Querystring: { org?: string } }>(
      '/api/v1/keys',
      { schema: tags('keys') },
      async (request) => ({
        data: await listKeys(db, await auth(request), request.query.org),
      }),
    );

    app.post<{
      Body: {
        org: string;
        name: string;
        models?: string[];
        ip_allow?: string[];
        expires?: string;
        limits?: LimitsBody;
        data_level?: string;
      };
    }>(
      '/api/v1/keys',
      {
        schema: {
          ...tags('keys'),
          body: {
            type: 'object',
            required: ['org', 'name'],
            properties: {
              org: str(64),
              name: str(100),
              models: strList,
              ip_allow: strList,
              expires: str(40),
              limits: LIMITS_BODY_SCHEMA,
              data_level: str(20),
            },
            additionalProperties: false,
          },
        },
      },
      async (request, reply) => {
        const b = request.body;
        const p = await auth(request);
        const created = await audited(
          act(request, p, 'key.create', b.org),
          () =>
            createKey(
              db,
              p,
              {
                org: b.org,
                name: b.name,
                models: b.models,
                ipAllow: b.ip_allow,
                expires: b.expires,
                limits: b.limits,
                dataLevel: b.data_level,
              },
              new Set(hub.registry.models.keys()),
            ),
          (c) => ({
            key_id: c.info.id,
            name: c.info.name,
            prefix: c.info.prefix,
            limits: c.info.limits,
            data_level: c.info.data_level,
          }),
        );
        await hub.sync();
        return reply.status(201).send({ ...created.info, key: created.key });
      },
    );

    app.delete<{ Params: { id: string } }>(
      '/api/v1/keys/:id',
      { schema: tags('keys') },
      async (request) => {
        const p = await auth(request);
        const info = await audited(act(request, p, 'key.revoke', request.params.id), () =>
          revokeKey(db, p, request.params.id),
        );
        await hub.sync();
        return info;
      },
    );

    app.get('/api/v1/logins', { schema: tags('auth') }, async (request) => {
      assertCan(await auth(request), 'logins.read');
      return { data: await listLogins(db) };
    });
  };
}
