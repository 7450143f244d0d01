import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import pino from 'pino';
import { stringify } from 'yaml';
import { loadConfig, type Config } from '../../src/config/index.js';
import type { Hub } from '../../src/server/hub.js';
import { serve, type RunningHub } from '../../src/server/serve.js';
import { OWNER_FILE, type OwnerInfo } from '../../src/server/lock.js';

/** Set by .ci/run for the second pass of the suite: the same tests on a PostgreSQL server. */
export const SERVER_URL = process.env.ZS_TEST_DATABASE_URL;

export interface TestHub {
  url: string;
  /** The running hub itself (same process), for checking what it stored. */
  readonly hub: Hub;
  config: Config;
  dataDir: string;
  operatorToken: string;
  /** Management API call as the local operator (or with another bearer token). */
  api<T = unknown>(
    method: string,
    route: string,
    body?: unknown,
    token?: string,
  ): Promise<{ status: number; body: T; headers: Headers }>;
  createKey(org: string, extra?: Record<string, unknown>): Promise<{ id: string; key: string }>;
  stop(): Promise<void>;
  /** Stop and remove everything, including the test database. */
  close(): Promise<void>;
  restart(): Promise<void>;
}

/** A fresh database on the PostgreSQL server, dropped again on close. */
export async function freshServerDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `zs_test_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: SERVER_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(SERVER_URL!);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: async () => {
      const c = new pg.Client({ connectionString: SERVER_URL });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    },
  };
}

export async function startHub(
  settings: Record<string, unknown> = {},
  env: Record<string, string> = {},
): Promise<TestHub> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'zs-test-'));
  const server = SERVER_URL ? await freshServerDatabase() : null;
  const file = path.join(dataDir, 'zhongshu.yaml');
  writeFileSync(file, stringify({ port: 0, data_dir: dataDir, log_level: 'silent', ...settings }));
  const config = loadConfig({
    configPath: file,
    env: {
      ...env,
      ...(server
        ? { ZS_DATABASE_URL: server.url, ZS_MASTER_KEY: randomBytes(16).toString('hex') }
        : {}),
    },
  });
  const logger = pino({ level: 'silent' });
  let running: RunningHub = await serve(config, logger);
  const owner = () => JSON.parse(readFileSync(path.join(dataDir, OWNER_FILE), 'utf8')) as OwnerInfo;
  const hub: TestHub = {
    url: running.url,
    get hub() {
      return running.hub;
    },
    config,
    dataDir,
    operatorToken: owner().token!,
    async api<T>(method: string, route: string, body?: unknown, token?: string) {
      const res = await fetch(hub.url + route, {
        method,
        headers: {
          authorization: `Bearer ${token ?? hub.operatorToken}`,
          ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        },
        body: body !== undefined ? JSON.stringify(body) : null,
      });
      return { status: res.status, body: (await res.json()) as T, headers: res.headers };
    },
    async createKey(org, extra = {}) {
      const res = await hub.api<{ id: string; key: string }>('POST', '/api/v1/keys', {
        org,
        name: 'test',
        ...extra,
      });
      if (res.status !== 201) throw new Error(`key creation failed: ${JSON.stringify(res.body)}`);
      return res.body;
    },
    stop: () => running.close(),
    async restart() {
      await running.close();
      running = await serve({ ...config, port: Number(new URL(hub.url).port) }, logger);
      hub.operatorToken = owner().token!;
    },
    async close() {
      await running.close();
      await server?.drop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
  return hub;
}

/** A config with one endpoint per upstream URL and models over them. */
export function gatewayConfig(
  upstreams: Record<string, string>,
  models: Record<string, unknown>[],
) {
  return {
    orgs: [
      {
        code: 'gd',
        name: '广东省政务服务和数据管理局',
        kind: 'province',
        children: [
          { code: 'gd-gz', name: '广州市政务服务数据管理局', kind: 'city' },
          { code: 'gd-sz', name: '深圳市政务服务数据管理局', kind: 'city' },
        ],
      },
    ],
    endpoints: Object.entries(upstreams).map(([name, url]) => ({
      name,
      provider: 'openai-compatible',
      base_url: url,
      domain: 'gov-cloud',
    })),
    models,
  };
}
