import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { stringify } from 'yaml';
import { childEnv, firstLine, freePort, spawnChild, waitForHttp, type Child } from './processes.js';

const run = promisify(execFile);

export const ROOT = path.resolve(import.meta.dirname, '../..');
export const PEER_DIR = path.join(ROOT, 'bench/.peer');
export const PEER_VERSION = '1.15.2';
/** The lockfile versions of Portkey's own repo; newer hono breaks streaming (gateways.md §5). */
const PEER_OVERRIDES = { '@hono/node-server': '1.13.5', '@hono/node-ws': '1.2.0', hono: '4.9.7' };
const PEER_ENTRY = 'node_modules/@portkey-ai/gateway/build/start-server.js';
export const MODEL = 'bench-model';
export const ORG = 'bench';

export interface Server {
  child: Child;
  /** Base URL ending in /v1. */
  base: string;
}

export async function startUpstreamDouble(
  chunkDelayMs: number,
  cpus: string | null,
): Promise<Server> {
  const child = spawnChild(
    'upstream double',
    [process.execPath, '--import', 'tsx', 'bench/gateway/upstream.ts', String(chunkDelayMs)],
    { cwd: ROOT, env: childEnv({ NODE_ENV: 'production' }), cpus, logFile: null },
  );
  const line = await firstLine(child, 30_000);
  const { url } = JSON.parse(line) as { url: string };
  return { child, base: url };
}

/** The floor: a bare pass-through proxy (bench/gateway/floor.ts) pinned like the gateways. */
export async function startFloor(upstream: string, cpus: string | null): Promise<Server> {
  const child = spawnChild(
    'floor proxy',
    [process.execPath, '--import', 'tsx', 'bench/gateway/floor.ts', upstream],
    { cwd: ROOT, env: childEnv({ NODE_ENV: 'production' }), cpus, logFile: null },
  );
  const { url } = JSON.parse(await firstLine(child, 30_000)) as { url: string };
  return { child, base: url };
}

export interface HubServer extends Server {
  key: string;
  configFile: string;
}

/**
 * The hub as a user runs it: `node bin/zhongshu.js serve` with a zhongshu.yaml declaring an
 * organisation, the double as an openai-compatible endpoint and one public model; the key comes
 * from the CLI (which talks to the running hub over HTTP).
 */
export async function startHub(options: {
  upstream: string;
  workDir: string;
  cpus: string | null;
  profileDir: string | null;
  /** Extra top-level zhongshu.yaml settings (diagnostics, e.g. sync_interval_ms). */
  extraConfig?: Record<string, unknown>;
}): Promise<HubServer> {
  if (!existsSync(path.join(ROOT, 'dist/cli/index.js')))
    throw new Error('dist/ is missing: run `npm run build` first (npm run bench:gateway does)');
  const port = await freePort();
  const dataDir = path.join(options.workDir, 'hub-data');
  const configFile = path.join(options.workDir, 'zhongshu.yaml');
  writeFileSync(
    configFile,
    stringify({
      host: '127.0.0.1',
      port,
      data_dir: dataDir,
      log_level: 'warn',
      orgs: [{ code: ORG, name: '基准测试单位', kind: 'department' }],
      endpoints: [
        {
          name: 'double',
          provider: 'openai-compatible',
          base_url: options.upstream,
          domain: 'gov-cloud',
        },
      ],
      models: [{ name: MODEL, targets: [{ endpoint: 'double' }] }],
      ...options.extraConfig,
    }),
  );
  const nodeFlags = options.profileDir
    ? ['--cpu-prof', `--cpu-prof-dir=${options.profileDir}`, '--cpu-prof-name=hub.cpuprofile']
    : [];
  if (options.profileDir) mkdirSync(options.profileDir, { recursive: true });
  const child = spawnChild(
    'hub',
    [process.execPath, ...nodeFlags, 'bin/zhongshu.js', '--config', configFile, 'serve'],
    {
      cwd: ROOT,
      env: childEnv({ NODE_ENV: 'production' }),
      cpus: options.cpus,
      logFile: path.join(options.workDir, 'hub.log'),
    },
  );
  const base = `http://127.0.0.1:${port}`;
  await waitForHttp(`${base}/readyz`, child, 60_000);
  const { stdout } = await run(
    process.execPath,
    [
      'bin/zhongshu.js',
      '--config',
      configFile,
      'keys',
      'create',
      '--org',
      ORG,
      '--name',
      'bench',
      '--json',
    ],
    { cwd: ROOT, env: childEnv(), timeout: 30_000 },
  );
  const { key } = JSON.parse(stdout) as { key: string };
  return { child, base: `${base}/v1`, key, configFile };
}

/** Install Portkey into bench/.peer (gitignored) with the pinned overrides, once. */
export async function ensurePeer(): Promise<void> {
  if (existsSync(path.join(PEER_DIR, PEER_ENTRY))) return;
  mkdirSync(PEER_DIR, { recursive: true });
  writeFileSync(
    path.join(PEER_DIR, 'package.json'),
    `${JSON.stringify(
      {
        name: 'zhongshu-bench-peer',
        private: true,
        description: 'Portkey gateway as the benchmark peer; installed by bench/gateway/run.ts',
        dependencies: { '@portkey-ai/gateway': PEER_VERSION },
        overrides: PEER_OVERRIDES,
      },
      null,
      2,
    )}\n`,
  );
  process.stdout.write(`installing @portkey-ai/gateway@${PEER_VERSION} into bench/.peer …\n`);
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  await run(npm, ['install', '--no-audit', '--no-fund', '--loglevel=error'], {
    cwd: PEER_DIR,
    timeout: 300_000,
  });
  if (!existsSync(path.join(PEER_DIR, PEER_ENTRY)))
    throw new Error(`peer install did not produce ${PEER_ENTRY}`);
}

/** Portkey 1.15.2 headless, as in gateways.md §5, kept on 127.0.0.1 by the loopback preload. */
export async function startPeer(options: {
  workDir: string;
  cpus: string | null;
}): Promise<Server> {
  await ensurePeer();
  const port = await freePort();
  const child = spawnChild(
    'peer',
    [
      process.execPath,
      '--import',
      path.join(ROOT, 'bench/gateway/loopback.mjs'),
      PEER_ENTRY,
      '--headless',
      `--port=${port}`,
    ],
    {
      cwd: PEER_DIR,
      env: childEnv({ NODE_ENV: 'production' }),
      cpus: options.cpus,
      logFile: path.join(options.workDir, 'peer.log'),
    },
  );
  const base = `http://127.0.0.1:${port}`;
  await waitForHttp(`${base}/`, child, 60_000);
  return { child, base: `${base}/v1` };
}

/** The hub's own overhead histogram (sum, count), read from /metrics. */
export async function hubOverhead(hubBase: string): Promise<{ sum: number; count: number }> {
  const res = await fetch(hubBase.replace(/\/v1$/, '/metrics'), {
    signal: AbortSignal.timeout(5_000),
  });
  const text = await res.text();
  const read = (name: string) =>
    Number(new RegExp(`^${name} ([0-9.e+-]+)$`, 'm').exec(text)?.[1] ?? NaN);
  return {
    sum: read('zs_gateway_overhead_seconds_sum'),
    count: read('zs_gateway_overhead_seconds_count'),
  };
}
