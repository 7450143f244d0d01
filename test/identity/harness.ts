import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { expect } from 'vitest';
import { parse, stringify } from 'yaml';
import { loadConfig } from '../../src/config/index.js';
import { CREDENTIALS_FILE } from '../../src/identity/bootstrap.js';
import type { Role } from '../../src/identity/principal.js';
import { serve } from '../../src/server/serve.js';
import { openStore, type Db } from '../../src/store/index.js';
import type { TestHub } from '../support/hub.js';

/** Passwords that meet the policy (≥ 8 characters, 3 of 4 classes). */
export const FIRST_PASSWORD = 'Initial-Pass-1';
export const PASSWORD = 'Changed-Pass-2';

export interface Reply<T = Record<string, unknown>> {
  status: number;
  body: T;
}

/** The OpenAI-style error body every surface answers with. */
export interface ErrorBody {
  error: { message: string; type: string; code: string; param: string | null };
}

export function expectError(res: Reply<unknown>, status: number, code: string): void {
  expect({ status: res.status, code: (res.body as Partial<ErrorBody>).error?.code }).toEqual({
    status,
    code,
  });
}

/** POST /api/v1/auth/login without any Authorization header. */
export async function login(
  hub: TestHub,
  username: string,
  password: string,
): Promise<Reply<{ token: string; must_change_password: boolean; expires_at: string }>> {
  const res = await fetch(`${hub.url}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password }),
  });
  return { status: res.status, body: (await res.json()) as never };
}

/** The generated 三员 accounts from the hub's initial-admin-credentials.txt. */
export function initialAdmins(dataDir: string): Map<Role, { username: string; password: string }> {
  const text = readFileSync(path.join(dataDir, CREDENTIALS_FILE), 'utf8');
  const admins = new Map<Role, { username: string; password: string }>();
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const [role, username, password] = line.split('\t');
    admins.set(role as Role, { username: username!, password: password! });
  }
  return admins;
}

async function changeFirstPassword(hub: TestHub, token: string, current: string): Promise<void> {
  const res = await hub.api(
    'POST',
    '/api/v1/auth/password',
    { current_password: current, new_password: PASSWORD },
    token,
  );
  expect(res.status).toBe(200);
}

/** Log in as one of the generated administrators and do the required first password change. */
export async function adminSession(hub: TestHub, role: 'sysadmin' | 'secadmin' | 'auditor') {
  const admin = initialAdmins(hub.dataDir).get(role)!;
  const res = await login(hub, admin.username, admin.password);
  expect(res.status).toBe(200);
  await changeFirstPassword(hub, res.body.token, admin.password);
  return res.body.token;
}

/** As the operator: create a user in `org` with `roles`; returns nothing (no login). */
export async function createUser(
  hub: TestHub,
  username: string,
  org: string,
  roles: Role[] = [],
): Promise<void> {
  const created = await hub.api('POST', '/api/v1/users', {
    username,
    org,
    password: FIRST_PASSWORD,
  });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  for (const role of roles) {
    const granted = await hub.api('POST', `/api/v1/users/${username}/roles`, { role });
    expect(granted.status, JSON.stringify(granted.body)).toBe(200);
  }
}

/** A user in `org` holding `roles`, logged in with the first-login change done: the session token. */
export async function userSession(
  hub: TestHub,
  username: string,
  org: string,
  roles: Role[],
): Promise<string> {
  await createUser(hub, username, org, roles);
  const res = await login(hub, username, FIRST_PASSWORD);
  expect(res.status).toBe(200);
  await changeFirstPassword(hub, res.body.token, FIRST_PASSWORD);
  return res.body.token;
}

/**
 * Work on the hub's database directly. On a PostgreSQL server the hub keeps running; embedded
 * PGlite has one owner, so the hub is stopped, the files opened, and the hub restarted (same
 * port, same data; sessions survive, the operator token changes).
 */
export async function withStore(hub: TestHub, fn: (db: Db) => Promise<void>): Promise<void> {
  const server = hub.config.database_url;
  if (!server) await hub.stop();
  const store = await openStore({ databaseUrl: server, dataDir: hub.dataDir });
  try {
    await fn(store.db);
  } finally {
    await store.close();
    if (!server) await hub.restart();
  }
}

/**
 * A second hub on the first one's PostgreSQL database (same config file, database URL and master
 * key) with its own data directory: what a multi-instance deployment looks like. The config must
 * be the same: each hub applies its file's endpoints and models to the shared database.
 */
export async function startPeerHub(
  first: TestHub,
): Promise<{ url: string; close(): Promise<void> }> {
  if (!first.config.database_url || !first.config.master_key)
    throw new Error('a peer hub needs a PostgreSQL server');
  const dataDir = mkdtempSync(path.join(tmpdir(), 'zs-peer-'));
  const file = path.join(dataDir, 'zhongshu.yaml');
  const settings = parse(readFileSync(first.config.source!, 'utf8')) as Record<string, unknown>;
  writeFileSync(file, stringify({ ...settings, port: 0, data_dir: dataDir }));
  const config = loadConfig({
    configPath: file,
    env: { ZS_DATABASE_URL: first.config.database_url, ZS_MASTER_KEY: first.config.master_key },
  });
  const running = await serve(config, pino({ level: 'silent' }));
  return {
    url: running.url,
    async close() {
      await running.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Poll until `probe` returns true; returns the milliseconds it took, or throws after `limitMs`. */
export async function within(limitMs: number, probe: () => Promise<boolean>): Promise<number> {
  const started = performance.now();
  for (;;) {
    if (await probe()) return performance.now() - started;
    if (performance.now() - started > limitMs)
      throw new Error(`condition not met within ${limitMs} ms`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

export const uniqueName = (prefix: string): string => `${prefix}-${randomBytes(3).toString('hex')}`;

/** A /v1 call with an API key, as any OpenAI client would make it. */
export async function v1(
  baseUrl: string,
  key: string,
  method: 'GET' | 'POST',
  route: string,
  body?: unknown,
): Promise<Reply<Record<string, unknown>>> {
  const res = await fetch(`${baseUrl}/v1${route}`, {
    method,
    headers: {
      authorization: `Bearer ${key}`,
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
    },
    body: body !== undefined ? JSON.stringify(body) : null,
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}
