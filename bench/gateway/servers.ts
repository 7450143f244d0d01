import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
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
  dataDir: string;
  /** Server mode: the database and the master key the hub was given. */
  databaseUrl: string | undefined;
  masterKey: string | undefined;
  /** What of the metering pipeline this hub runs, for the report. */
  pipeline: Pipeline;
}

export interface Pipeline {
  /** Limits on every organisation from the key's department up to the province. */
  orgLimits: LimitsConfig;
  /** Limits on the key itself, or null when the CLI has no `--rpm` etc. yet. */
  keyLimits: LimitsConfig | null;
  prices: { from: string; input: string; output: string };
  /** Whether a tight limit on another organisation answered 429 in the smoke check. */
  limitsEnforced: boolean | null;
  database: 'embedded PGlite' | 'PostgreSQL server';
  /** `safety.lexicon_file` from the extra config: every input and answer is moderated against it. */
  lexiconFile: string | null;
}

interface LimitsConfig {
  rpm: number;
  tpm: number;
  monthly_tokens: number;
  monthly_budget: string;
}

/**
 * Limits far above what a bench run can reach, so they are checked on every call but never
 * refuse one: ≈5k calls/s × 9 tokens is 2.7 M tokens a minute. The budget stays within bigint
 * nano-yuan (9.2e9 CNY).
 */
const NEVER_REACHED: LimitsConfig = {
  rpm: 1_000_000_000,
  tpm: 2_000_000_000,
  monthly_tokens: 1_000_000_000_000,
  monthly_budget: '1000000000',
};
const PRICES = { from: '2020-01-01', input: '0.002', output: '0.008' };
/** An organisation with rpm 1, to see whether this build enforces limits at all. */
export const TIGHT_ORG = 'bench-tight';

/**
 * The hub as a user runs it: `node bin/zhongshu.js serve` with a zhongshu.yaml declaring a
 * province → city → department tree with limits at every level, the double as an
 * openai-compatible endpoint and one priced public model; the key comes from the CLI (which
 * talks to the running hub over HTTP). Usage records and the audit ledger are always on.
 */
export async function startHub(options: {
  upstream: string;
  workDir: string;
  cpus: string | null;
  profileDir: string | null;
  /** postgres://… runs the hub in server mode against a fresh database there. */
  databaseUrl?: string | undefined;
  /** Extra top-level zhongshu.yaml settings (diagnostics, e.g. sync_interval_ms). */
  extraConfig?: Record<string, unknown>;
}): Promise<HubServer> {
  if (!existsSync(path.join(ROOT, 'dist/cli/index.js')))
    throw new Error('dist/ is missing: run `npm run build` first (npm run bench:gateway does)');
  const port = await freePort();
  const dataDir = path.join(options.workDir, 'hub-data');
  const configFile = path.join(options.workDir, 'zhongshu.yaml');
  const limits = NEVER_REACHED;
  const masterKey = options.databaseUrl ? randomBytes(16).toString('hex') : undefined;
  writeFileSync(
    configFile,
    stringify({
      host: '127.0.0.1',
      port,
      data_dir: dataDir,
      ...(options.databaseUrl ? { database_url: options.databaseUrl, master_key: masterKey } : {}),
      log_level: 'warn',
      orgs: [
        {
          code: 'bench-prov',
          name: '基准测试省',
          kind: 'province',
          limits,
          children: [
            {
              code: 'bench-city',
              name: '基准测试市',
              kind: 'city',
              limits,
              children: [
                { code: ORG, name: '基准测试单位', kind: 'department', limits },
                { code: TIGHT_ORG, name: '限额测试单位', kind: 'department', limits: { rpm: 1 } },
              ],
            },
          ],
        },
      ],
      endpoints: [
        {
          name: 'double',
          provider: 'openai-compatible',
          base_url: options.upstream,
          domain: 'gov-cloud',
        },
      ],
      models: [{ name: MODEL, targets: [{ endpoint: 'double' }], prices: [PRICES] }],
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
  const cli = async (...args: string[]) =>
    (
      await run(process.execPath, ['bin/zhongshu.js', '--config', configFile, ...args], {
        cwd: ROOT,
        env: childEnv(),
        timeout: 30_000,
      })
    ).stdout;
  const keyLimits = (await cli('keys', 'create', '--help')).includes('--rpm') ? limits : null;
  const limitFlags = keyLimits
    ? [
        `--rpm=${keyLimits.rpm}`,
        `--tpm=${keyLimits.tpm}`,
        `--monthly-tokens=${keyLimits.monthly_tokens}`,
        `--monthly-budget=${keyLimits.monthly_budget}`,
      ]
    : [];
  const create = async (org: string, extra: string[]) =>
    (
      JSON.parse(
        await cli('keys', 'create', '--org', org, '--name', 'bench', ...extra, '--json'),
      ) as { key: string }
    ).key;
  const key = await create(ORG, limitFlags);
  const limitsEnforced = await probeLimits(`${base}/v1`, await create(TIGHT_ORG, []));
  return {
    child,
    base: `${base}/v1`,
    key,
    configFile,
    dataDir,
    databaseUrl: options.databaseUrl,
    masterKey,
    pipeline: {
      orgLimits: limits,
      keyLimits,
      prices: PRICES,
      limitsEnforced,
      database: options.databaseUrl ? 'PostgreSQL server' : 'embedded PGlite',
      lexiconFile:
        (options.extraConfig?.safety as { lexicon_file?: string } | undefined)?.lexicon_file ??
        null,
    },
  };
}

/** Two calls under an rpm of 1: the second answers 429 when this build enforces limits. */
async function probeLimits(base: string, key: string): Promise<boolean> {
  const statuses: number[] = [];
  for (let i = 0; i < 2; i++) {
    const res = await fetch(`${base}/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
      body: JSON.stringify({ model: MODEL, messages: [{ role: 'user', content: 'ping' }] }),
      signal: AbortSignal.timeout(10_000),
    });
    await res.arrayBuffer();
    statuses.push(res.status);
  }
  return statuses[0] === 200 && statuses[1] === 429;
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
