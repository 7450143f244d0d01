import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliEnv } from '../cli/run-cli.js';

const BIN = path.resolve('bin/zhongshu.js');
const dataDir = mkdtempSync(path.join(tmpdir(), 'zs-start-'));
let child: ChildProcess;
let stdout = '';
let url = '';

/** Start `zhongshu serve` as `npm start` does, on the embedded database, and wait for it to listen. */
function start(
  dir: string,
): Promise<{ child: ChildProcess; url: string; output: () => string; exit: Promise<number> }> {
  const proc = spawn(process.execPath, [BIN, 'serve'], {
    env: cliEnv({ ZS_DATA_DIR: dir, ZS_PORT: '0' }),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  proc.stdout.on('data', (d: Buffer) => (out += d.toString()));
  proc.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const exit = new Promise<number>((resolve) => proc.on('exit', (code) => resolve(code ?? -1)));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`hub did not start:\n${out}`)), 45_000);
    const check = setInterval(() => {
      const match = /"url":"(http:\/\/[^"]+)"/.exec(out);
      if (match) {
        clearInterval(check);
        clearTimeout(timer);
        resolve({ child: proc, url: match[1]!, output: () => out, exit });
      }
    }, 50);
    void exit.then(() => {
      clearInterval(check);
      clearTimeout(timer);
      resolve({ child: proc, url: '', output: () => out, exit });
    });
  });
}

beforeAll(async () => {
  const started = await start(dataDir);
  child = started.child;
  url = started.url;
  stdout = started.output();
});

afterAll(async () => {
  child?.kill('SIGTERM');
  await new Promise((r) => child?.once('exit', r));
  rmSync(dataDir, { recursive: true, force: true });
});

const mode = (file: string) => statSync(path.join(dataDir, file)).mode & 0o777;

describe('first start on a fresh machine (embedded PGlite)', () => {
  it('creates the three administrators with passwords only in a 0600 file', () => {
    expect(mode('initial-admin-credentials.txt')).toBe(0o600);
    const lines = readFileSync(path.join(dataDir, 'initial-admin-credentials.txt'), 'utf8')
      .split('\n')
      .filter((l) => l && !l.startsWith('#'));
    expect(lines.map((l) => l.split('\t')[0])).toEqual(['sysadmin', 'secadmin', 'auditor']);
    expect(stdout).toContain('initial-admin-credentials.txt');
    for (const line of lines) expect(stdout).not.toContain(line.split('\t')[2]);
  });

  it('generates the master key into the data directory with mode 0600', () => {
    expect(mode('master.key')).toBe(0o600);
    expect(readFileSync(path.join(dataDir, 'master.key'), 'utf8').trim()).toMatch(/^[0-9a-f]{32}$/);
  });

  it('answers health, readiness, metrics and the OpenAPI document', async () => {
    expect(await (await fetch(`${url}/healthz`)).json()).toEqual({ status: 'ok' });
    expect(await (await fetch(`${url}/readyz`)).json()).toMatchObject({ status: 'ready' });
    const metrics = await (await fetch(`${url}/metrics`)).text();
    expect(metrics).toContain('# TYPE zs_requests_total counter');
    expect(metrics).toContain('zs_process_cpu_user_seconds_total');
    const openapi = (await (await fetch(`${url}/api/openapi.json`)).json()) as {
      openapi: string;
      paths: Record<string, unknown>;
    };
    expect(openapi.openapi).toMatch(/^3\./);
    expect(Object.keys(openapi.paths)).toEqual(
      expect.arrayContaining([
        '/api/v1/keys',
        '/api/v1/auth/login',
        '/api/v1/orgs',
        '/api/v1/endpoints',
      ]),
    );
  });

  it('lets an administrator log in with the generated password, which must then be changed', async () => {
    const [, , password] = readFileSync(path.join(dataDir, 'initial-admin-credentials.txt'), 'utf8')
      .split('\n')[1]!
      .split('\t');
    const res = await fetch(`${url}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'sysadmin', password }),
    });
    const body = (await res.json()) as { token: string; must_change_password: boolean };
    expect(res.status).toBe(200);
    expect(body.must_change_password).toBe(true);
    const orgs = await fetch(`${url}/api/v1/orgs`, {
      headers: { authorization: `Bearer ${body.token}` },
    });
    expect(orgs.status).toBe(403);
    expect(((await orgs.json()) as { error: { code: string } }).error.code).toBe(
      'password_change_required',
    );
  });

  it('refuses a second hub on the same data directory (exit 1, data_dir_busy)', async () => {
    const second = await start(dataDir);
    expect(await second.exit).toBe(1);
    expect(second.output()).toMatch(/in use by another Zhongshu process/);
  });
});
