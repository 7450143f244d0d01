import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { OWNER_FILE, type OwnerInfo } from '../../src/server/lock.js';
import { gatewayConfig, SERVER_URL } from '../support/hub.js';
import { startUpstream, type UpstreamDouble } from '../support/upstream-double.js';
import { expectError, v1, within } from '../identity/harness.js';
import { BIN, cliEnv, failed, parsed, runCli, type CliResult } from './run-cli.js';

/**
 * The `zhongshu` command as an operator runs it: first with no hub (it opens the database
 * itself), then next to a hub started with `zhongshu serve` (embedded: it asks the hub through
 * owner.json; server: both use the PostgreSQL database, ZS_DATABASE_URL and ZS_MASTER_KEY).
 */
let upstream: UpstreamDouble;
let dir: string;
let dataDir: string;
let config: string;
let env: Record<string, string> = {};
let dropDatabase = async () => {};
let hub: ChildProcess | null = null;
let hubUrl = '';

async function freshServerDatabase(): Promise<string> {
  const name = `zs_test_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: SERVER_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  dropDatabase = async () => {
    const c = new pg.Client({ connectionString: SERVER_URL });
    await c.connect();
    await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await c.end();
  };
  const url = new URL(SERVER_URL!);
  url.pathname = `/${name}`;
  return url.toString();
}

beforeAll(async () => {
  upstream = await startUpstream({ name: 'vllm' });
  dir = mkdtempSync(path.join(tmpdir(), 'zs-cli-'));
  dataDir = path.join(dir, 'data'); // does not exist yet
  config = path.join(dir, 'zhongshu.yaml');
  writeFileSync(
    config,
    stringify({
      port: 0,
      data_dir: dataDir,
      log_level: 'silent',
      ...gatewayConfig({ 'local-vllm': upstream.url }, [
        { name: 'qwen2.5-7b', targets: [{ endpoint: 'local-vllm', model: 'Qwen2.5-7B-Instruct' }] },
        { name: 'bge-m3', targets: [{ endpoint: 'local-vllm', model: 'bge-m3' }] },
      ]),
    }),
  );
  if (SERVER_URL)
    env = {
      ZS_DATABASE_URL: await freshServerDatabase(),
      ZS_MASTER_KEY: randomBytes(16).toString('hex'),
    };
});

afterAll(async () => {
  hub?.kill('SIGKILL');
  await dropDatabase();
  await upstream?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const zs = (...args: string[]): Promise<CliResult> => runCli(['-c', config, ...args], env);
const chat = (key: string, model = 'qwen2.5-7b') =>
  v1(hubUrl, key, 'POST', '/chat/completions', {
    model,
    messages: [{ role: 'user', content: '你好' }],
  });

interface Key {
  id: string;
  key?: string;
  org: string;
  name: string;
  models: string[] | null;
  expires_at: string | null;
  revoked_at: string | null;
}
const shapes: Record<string, string[][]> = {};
const remember = (what: string, rows: object[]) =>
  (shapes[what] ??= []).push(rows.map((r) => Object.keys(r).sort()).flat());
let directKey: Key;

describe('help and usage errors', { timeout: 60_000 }, () => {
  it('prints help for every command and exits 0', async () => {
    const commands = [
      [],
      ['serve'],
      ['migrate'],
      ['keys'],
      ['keys', 'create'],
      ['keys', 'list'],
      ['keys', 'revoke'],
      ['orgs'],
      ['models'],
    ];
    const results = await Promise.all(commands.map((c) => runCli([...c, '--help'])));
    results.forEach((r, i) => {
      expect(r.code, commands[i]!.join(' ')).toBe(0);
      expect(r.stdout).toContain(`Usage: zhongshu ${commands[i]!.join(' ')}`.trim());
    });
    expect(results[4]!.stdout).toMatch(
      /--org <code>[\s\S]*--name <name>[\s\S]*--models[\s\S]*--expires[\s\S]*--json/,
    );
  });

  it('exits 2 on command-line mistakes', async () => {
    const cases = [
      ['keys', 'create', '--org', 'gd-gz'], // --name missing
      ['keys', 'revoke'], // id missing
      ['keys', 'list', '--bogus'],
      ['frobnicate'],
      ['keys', 'create', '--org', 'gd-gz', '--name', 'x', '--expires', '30s'],
      ['keys', 'create', '--org', 'gd-gz', '--name', 'x', '--ip-allow', '10.0.0.0/33'],
    ];
    const results = await Promise.all(cases.map((c) => zs(...c)));
    results.forEach((r, i) =>
      expect({ args: cases[i], code: r.code }).toEqual({ args: cases[i], code: 2 }),
    );
    expect(results[0]!.stderr).toContain("required option '--name <name>' not specified");
    expect(results[4]!.stderr).toContain('30s');
    expect(existsSync(dataDir)).toBe(false); // nothing was opened
  });

  it('exits 2 on a bad configuration key or value, naming it', async () => {
    const bad = path.join(dir, 'bad.yaml');
    writeFileSync(bad, stringify({ data_dir: dataDir, bogus_key: 1 }));
    const [file, envKey, envValue] = await Promise.all([
      runCli(['-c', bad, 'orgs']),
      runCli(['-c', config, 'orgs'], { ...env, ZS_NO_SUCH_KEY: '1' }),
      runCli(['-c', config, 'orgs'], { ...env, ZS_SECURITY__LOCKOUT_THRESHOLD: 'many' }),
    ]);
    failed(file, 2, 'bogus_key: unknown key');
    failed(envKey, 2, 'ZS_NO_SUCH_KEY');
    failed(envValue, 2, 'security.lockout_threshold');
  });
});

describe('without a running hub', { timeout: 60_000 }, () => {
  it('creates the data directory and issues a key: {"id", "key": "zs-…"}', async () => {
    const before = Date.now();
    directKey = parsed<Key>(
      await zs(
        'keys',
        'create',
        '--org',
        'gd-gz',
        '--name',
        'hotline',
        '--models',
        'qwen2.5-7b',
        '--expires',
        '30d',
        '--json',
      ),
    );
    expect(directKey.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(directKey.key).toMatch(/^zs-[A-Za-z0-9_-]{43}$/);
    expect(directKey).toMatchObject({
      org: 'gd-gz',
      models: ['qwen2.5-7b'],
      revoked_at: null,
    });
    const days = (Date.parse(directKey.expires_at!) - before) / 86_400_000;
    expect(days).toBeGreaterThan(29.99);
    expect(days).toBeLessThan(30.01);
    remember('create', [directKey]);
  });

  it('exits 1 when the operation fails', async () => {
    const result = await zs('keys', 'create', '--org', 'gd-xx', '--name', 'x', '--json');
    failed(result, 1, 'org_not_found');
  });

  it('lists keys, organisations and models as JSON', async () => {
    const keys = parsed<Key[]>(await zs('keys', 'list', '--json'));
    expect(keys).toEqual([expect.objectContaining({ id: directKey.id, name: 'hotline' })]);
    expect(keys[0]).not.toHaveProperty('key');
    const orgs = parsed<{ code: string }[]>(await zs('orgs', '--json'));
    expect(orgs.map((o) => o.code).sort()).toEqual(['gd', 'gd-gz', 'gd-sz', 'root']);
    const models = parsed<{ name: string }[]>(await zs('models', '--json'));
    expect(models.map((m) => m.name).sort()).toEqual(['bge-m3', 'qwen2.5-7b']);
    remember('list', keys);
    remember('orgs', orgs);
    remember('models', models);
  });

  it('migrates and reports the store', async () => {
    const result = parsed<{ applied: string[]; store: string }>(await zs('migrate', '--json'));
    expect(result.store).toBe(SERVER_URL ? 'postgres' : 'pglite');
  });
});

describe('next to a running hub', { timeout: 60_000 }, () => {
  it('starts the hub with `zhongshu serve`', async () => {
    hub = spawn(process.execPath, [BIN, '-c', config, 'serve'], {
      env: cliEnv(env),
      stdio: 'ignore',
    });
    await within(30_000, async () => {
      try {
        const owner = JSON.parse(readFileSync(path.join(dataDir, OWNER_FILE), 'utf8')) as OwnerInfo;
        if (owner.pid !== hub!.pid || !owner.url) return false;
        hubUrl = owner.url;
        return (await fetch(`${hubUrl}/readyz`)).ok;
      } catch {
        return false;
      }
    });
  });

  it('serves the key issued before it started, with its model allow-list', async () => {
    expect((await chat(directKey.key!)).status).toBe(200);
    expectError(await chat(directKey.key!, 'bge-m3'), 403, 'model_not_allowed');
  });

  it('issues a key the hub serves, and revokes it so the hub refuses it within a second', async () => {
    const created = parsed<Key>(
      await zs('keys', 'create', '--org', 'gd-sz', '--name', 'live', '--json'),
    );
    expect(created.key).toMatch(/^zs-/);
    remember('create', [created]);
    expect((await chat(created.key!)).status).toBe(200);
    expectError(await chat(created.key!, 'nope'), 404, 'model_not_found');

    const revoked = parsed<Key>(await zs('keys', 'revoke', created.id, '--json'));
    expect(revoked.id).toBe(created.id);
    expect(Date.parse(revoked.revoked_at!)).toBeGreaterThan(Date.now() - 60_000);
    expect(await within(1000, async () => (await chat(created.key!)).status === 401)).toBeLessThan(
      1000,
    );
    expectError(await chat(created.key!), 401, 'api_key_revoked');
    expect((await zs('keys', 'create', '--org', 'gd-xx', '--name', 'x')).code).toBe(1);
  });

  it('exits 1 when the operation fails', async () => {
    const [org, model, key] = await Promise.all([
      zs('keys', 'create', '--org', 'gd-xx', '--name', 'x', '--json'),
      zs('keys', 'create', '--org', 'gd-gz', '--name', 'x', '--models', 'gpt-4o'),
      zs('keys', 'revoke', '00000000-0000-0000-0000-000000000000'),
    ]);
    failed(org, 1, 'org_not_found');
    failed(model, 1, 'model_not_found');
    failed(key, 1, 'key_not_found');
  });

  it('prints tables without --json', async () => {
    const [orgs, sz, models] = await Promise.all([
      zs('orgs'),
      zs('keys', 'list', '--org', 'gd-sz'),
      zs('models'),
    ]);
    expect(orgs.stdout).toMatch(/^code\s+name\s+kind\n/);
    expect(orgs.stdout).toMatch(/\n {4}gd-gz\s+广州市政务服务数据管理局\s+city\n/);
    expect(sz.stdout).toMatch(/^id\s+org\s+name\s+prefix.*\n.*gd-sz\s+live\s+zs-/);
    expect(models.stdout).toMatch(/\nbge-m3 +local-vllm×1\n/);
  });

  it('lists through the hub in the same JSON shape', async () => {
    const keys = parsed<Key[]>(await zs('keys', 'list', '--json'));
    expect(keys.map((k) => k.name).sort()).toEqual(['hotline', 'live']);
    remember('list', keys.slice(0, 1));
    remember('orgs', parsed<object[]>(await zs('orgs', '--json')));
    remember('models', parsed<object[]>(await zs('models', '--json')));
    for (const [what, seen] of Object.entries(shapes)) expect(seen[1], what).toEqual(seen[0]);
  });

  it('migrates a server database while hubs run, but never opens embedded files a hub owns', async () => {
    const result = await zs('migrate', '--json');
    if (SERVER_URL) expect(parsed<{ store: string }>(result).store).toBe('postgres');
    else failed(result, 1, 'data_dir_busy');
    expect((await fetch(`${hubUrl}/readyz`)).status).toBe(200);
  });

  it.runIf(!!SERVER_URL)('needs the master key for a server database (exit 2)', async () => {
    const result = await runCli(['-c', config, 'keys', 'list'], {
      ZS_DATABASE_URL: env.ZS_DATABASE_URL!,
    });
    failed(result, 2, 'master_key');
  });

  it('stops on SIGTERM with exit 0 and hands the data directory back to the CLI', async () => {
    const exited = new Promise<number | null>((resolve) =>
      hub!.once('exit', (code) => resolve(code)),
    );
    hub!.kill('SIGTERM');
    expect(await exited).toBe(0);
    hub = null;
    expect(existsSync(path.join(dataDir, OWNER_FILE))).toBe(false);
    const keys = parsed<Key[]>(await zs('keys', 'list', '--json'));
    expect(keys.find((k) => k.name === 'live')?.revoked_at).toEqual(expect.any(String));
  });
});
