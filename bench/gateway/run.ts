/**
 * `npm run bench:gateway`: the upstream double, the hub and the peer (Portkey) each in their own
 * process on 127.0.0.1, driven by the same client in one run. See bench/README.md.
 */
import { execFile } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import {
  chatBody,
  runLoad,
  runStreams,
  type LoadResult,
  type StreamResult,
  type Target,
  type TargetName,
} from './load.js';
import {
  cpuTimeMs,
  onInterrupt,
  stopAll,
  stopChild,
  waitForQuiet,
  watchForeignCpu,
} from './processes.js';
import { summarise } from './profile.js';
import { checkTargets, renderMarkdown, renderText, type BenchReport } from './report.js';
import { measureVerify, type VerifyRun } from './verify.js';
import {
  hubOverhead,
  MODEL,
  PEER_VERSION,
  ROOT,
  startHub,
  startPeer,
  startFloor,
  startUpstreamDouble,
  type HubServer,
  type Server,
} from './servers.js';

const run = promisify(execFile);
const env = (name: string, fallback: string) => process.env[name] ?? fallback;
const num = (name: string, fallback: number) => {
  const v = Number(env(name, String(fallback)));
  if (!Number.isFinite(v) || v < 0) throw new Error(`${name} must be a non-negative number`);
  return v;
};

const options = {
  durationS: num('BENCH_DURATION', 10),
  warmupS: num('BENCH_WARMUP', 5),
  connections: env('BENCH_CONNECTIONS', '1,16,64')
    .split(',')
    .map(Number)
    .filter((c) => c > 0),
  targets: env('BENCH_TARGETS', 'direct,floor,hub,peer').split(',') as TargetName[],
  ttftSequential: num('BENCH_TTFT_SEQ', 100),
  ttftConcurrency: num('BENCH_TTFT_CONC', 16),
  ttftPerWorker: num('BENCH_TTFT_PER_WORKER', 10),
  chunkDelayMs: num('BENCH_CHUNK_DELAY', 5),
  pin: env('BENCH_PIN', 'auto'),
  quietWaitS: num('BENCH_QUIET_WAIT', 60),
  profile: env('BENCH_PROFILE', '0') === '1',
  outDir: path.resolve(ROOT, env('BENCH_OUT', 'bench/results')),
  /** `server`: the hub uses a fresh database on the PostgreSQL server instead of PGlite. */
  hubDb: env('BENCH_HUB_DB', 'embedded'),
  serverUrl: env('ZS_BENCH_DATABASE_URL', 'postgres://postgres:zs-ci-pass@127.0.0.1:5432/postgres'),
  /** Extra zhongshu.yaml settings for diagnosis, e.g. '{"sync_interval_ms": 60000}'. */
  hubConfig: JSON.parse(env('BENCH_HUB_CONFIG', '{}')) as Record<string, unknown>,
};
/** Bound on every streaming phase, whatever the counts say. */
const STREAM_PHASE_DEADLINE_MS = 60_000;

interface Pinning {
  client: string | null;
  upstream: string | null;
  gateway: string | null;
}

/** 2 CPUs: client + double share CPU 0, the gateway under test gets CPU 1; ≥3: one each. */
function planPinning(): Pinning {
  const n = os.availableParallelism();
  const none = { client: null, upstream: null, gateway: null };
  if (options.pin === '0' || n < 2) return none;
  if (n === 2) return { client: '0', upstream: '0', gateway: '1' };
  return { client: '0', upstream: '1', gateway: '2' };
}

async function pinSelf(cpus: string | null): Promise<void> {
  if (!cpus) return;
  await run('taskset', ['-a', '-p', '-c', cpus, String(process.pid)], { timeout: 5_000 });
}

const log = (line: string) => process.stdout.write(`${line}\n`);

function targetsFor(
  upstream: Server,
  floor: Server | null,
  hub: HubServer | null,
  peer: Server | null,
): Target[] {
  const all: Target[] = [
    {
      name: 'direct',
      url: `${upstream.base}/chat/completions`,
      headers: { authorization: 'Bearer sk-fake' },
      cpuMs: () => cpuTimeMs(upstream.child),
    },
  ];
  if (floor)
    all.push({
      name: 'floor',
      url: `${floor.base}/chat/completions`,
      headers: { authorization: 'Bearer sk-fake' },
      cpuMs: () => cpuTimeMs(floor.child),
    });
  if (hub)
    all.push({
      name: 'hub',
      url: `${hub.base}/chat/completions`,
      headers: { authorization: `Bearer ${hub.key}` },
      cpuMs: () => cpuTimeMs(hub.child),
    });
  if (peer)
    all.push({
      name: 'peer',
      url: `${peer.base}/chat/completions`,
      headers: {
        authorization: 'Bearer sk-fake',
        'x-portkey-provider': 'openai',
        'x-portkey-custom-host': upstream.base,
      },
      cpuMs: () => cpuTimeMs(peer.child),
    });
  return all.filter((t) => options.targets.includes(t.name));
}

/** One plain and one streaming call per target, so a misconfiguration fails fast. */
async function smoke(targets: readonly Target[]): Promise<void> {
  for (const t of targets) {
    const res = await fetch(t.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...t.headers },
      body: chatBody(MODEL, false),
      signal: AbortSignal.timeout(10_000),
    });
    const text = await res.text();
    if (res.status !== 200 || !text.includes('政务助手'))
      throw new Error(`${t.name}: smoke call failed: HTTP ${res.status} ${text.slice(0, 300)}`);
    const s = await runStreams(t, chatBody(MODEL, true), 1, 1, 10_000);
    if (s.ok !== 1) throw new Error(`${t.name}: smoke streaming call failed`);
  }
}

async function main(): Promise<void> {
  const startedAt = new Date();
  const stamp = startedAt.toISOString().slice(0, 19).replace(/:/g, '').replace('T', '-');
  const workDir = mkdtempSync(path.join(os.tmpdir(), 'zs-bench-'));
  onInterrupt(() => rmSync(workDir, { recursive: true, force: true }));
  const profileDir = options.profile ? path.join(workDir, 'profile') : null;
  const pinning = planPinning();
  await pinSelf(pinning.client);
  log(`bench: work dir ${workDir}; pinning ${JSON.stringify(pinning)}`);

  let ok = false;
  let hub: HubServer | null = null;
  let hubDatabase: { url: string; drop: () => Promise<void> } | null = null;
  /** Hub spawn → load start: the profile summary leaves start-up out. */
  let hubStartedAt = 0;
  let loadStartedAt = 0;
  try {
    const upstream = await startUpstreamDouble(options.chunkDelayMs, pinning.upstream);
    log(`bench: upstream double ${upstream.base} (chunk delay ${options.chunkDelayMs} ms)`);
    const floor = options.targets.includes('floor')
      ? await startFloor(upstream.base, pinning.gateway)
      : null;
    if (floor) log(`bench: floor proxy ${floor.base} (bare node:http + undici pass-through)`);
    if (options.targets.includes('hub')) {
      hubStartedAt = Date.now();
      if (options.hubDb === 'server') hubDatabase = await freshDatabase(options.serverUrl);
      hub = await startHub({
        upstream: upstream.base,
        workDir,
        cpus: pinning.gateway,
        profileDir,
        databaseUrl: hubDatabase?.url,
        extraConfig: options.hubConfig,
      });
      log(
        `bench: hub ${hub.base} (key ${hub.key.slice(0, 8)}…, ${hub.pipeline.database}, ` +
          `limits ${hub.pipeline.limitsEnforced ? 'enforced' : 'NOT enforced by this build'}, ` +
          `key limits ${hub.pipeline.keyLimits ? 'set' : 'unavailable in this CLI'})`,
      );
    }
    const peer = options.targets.includes('peer')
      ? await startPeer({ workDir, cpus: pinning.gateway })
      : null;
    if (peer) log(`bench: peer ${peer.base} (Portkey ${PEER_VERSION}, header mode)`);

    const targets = targetsFor(upstream, floor, hub, peer);
    await smoke(targets);
    await waitForQuiet(options.quietWaitS, log);

    const plain = chatBody(MODEL, false);
    loadStartedAt = Date.now();
    if (options.warmupS > 0) {
      for (const t of targets) {
        log(`warm-up ${t.name}: c=16 for ${options.warmupS} s`);
        await runLoad(t, plain, 16, options.warmupS);
      }
    }
    const load: LoadResult[] = [];
    const overhead: BenchReport['hubOverhead'] = [];
    for (const c of options.connections) {
      for (const t of targets) {
        const before = t.name === 'hub' && hub ? await hubOverhead(hub.base) : null;
        const noise = watchForeignCpu();
        const r = { ...(await runLoad(t, plain, c, options.durationS)), ...noise() };
        if (before && hub) {
          const after = await hubOverhead(hub.base);
          const calls = after.count - before.count;
          overhead.push({
            connections: c,
            calls,
            meanMs: calls ? ((after.sum - before.sum) / calls) * 1000 : NaN,
          });
        }
        load.push(r);
        log(
          `${t.name.padEnd(6)} c=${String(c).padEnd(3)} ${Math.round(r.rps)} rps  p50 ${r.p50.toFixed(2)} ms  p99 ${r.p99.toFixed(2)} ms` +
            (r.non2xx + r.errors + r.timeouts
              ? `  (${r.non2xx} non-2xx, ${r.errors} errors)`
              : '') +
            `  [other processes ${r.otherCpuPct.toFixed(0)}% CPU]`,
        );
      }
    }

    const streamBody = chatBody(MODEL, true);
    const streams: StreamResult[] = [];
    for (const t of targets) await runStreams(t, streamBody, 1, 20, STREAM_PHASE_DEADLINE_MS);
    for (const [workers, each] of [
      [1, options.ttftSequential],
      [options.ttftConcurrency, options.ttftPerWorker],
    ] as const) {
      if (!workers || !each) continue;
      for (const t of targets) {
        const noise = watchForeignCpu();
        const s = {
          ...(await runStreams(t, streamBody, workers, each, STREAM_PHASE_DEADLINE_MS)),
          ...noise(),
        };
        streams.push(s);
        log(
          `${t.name.padEnd(6)} stream ×${workers}: TTFT p50 ${s.ttft.p50.toFixed(2)} ms, total p50 ${s.total.p50.toFixed(2)} ms (${s.ok} ok, ${s.failed} failed)`,
        );
      }
    }

    const verify: VerifyRun[] = [];
    if (hub) {
      // The hub stops first: an embedded database has one owner, and stopping drains the recorder.
      await stopChild(hub.child);
      log('bench: verifying the whole audit ledger…');
      verify.push(...(await measureVerify(hub)));
      for (const v of verify)
        log(
          `  ${v.via}: ${v.ok ? 'ok' : 'NOT OK'}, ${v.entries} entries in ${v.seconds.toFixed(2)} s (${Math.round(v.entriesPerS)} entries/s)`,
        );
    }

    const hubLog = hub ? summariseLog(path.join(workDir, 'hub.log')) : [];
    for (const l of hubLog) log(`  hub log: ${l.count} × ${l.level} "${l.msg}"`);

    const report: BenchReport = {
      startedAt: startedAt.toISOString(),
      finishedAt: new Date().toISOString(),
      environment: await environment(pinning),
      load,
      streams,
      hubOverhead: overhead,
      pipeline: hub?.pipeline ?? null,
      hubLog,
      verify,
      targets: checkTargets(load),
    };
    mkdirSync(options.outDir, { recursive: true });
    const base = path.join(options.outDir, `gateway-${stamp}${options.profile ? '-profiled' : ''}`);
    writeFileSync(`${base}.json`, `${JSON.stringify(report, null, 2)}\n`);
    writeFileSync(`${base}.md`, renderMarkdown(report));
    log(`\n${renderText(report)}\n`);
    log(`bench: wrote ${path.relative(ROOT, base)}.md and .json`);
    ok = true;
  } finally {
    if (hub) await stopChild(hub.child);
    await stopAll();
    await hubDatabase
      ?.drop()
      .catch((err: unknown) => log(`bench: dropping the hub database: ${String(err)}`));
    if (profileDir) reportProfile(profileDir, stamp, Math.max(0, loadStartedAt - hubStartedAt));
    if (ok) rmSync(workDir, { recursive: true, force: true });
    else log(`bench: kept ${workDir} (hub.log, peer.log) for inspection`);
  }
}

/** A new, empty database on the server for the hub, dropped when the bench ends. */
async function freshDatabase(
  serverUrl: string,
): Promise<{ url: string; drop: () => Promise<void> }> {
  const name = 'zs_bench_gateway';
  const admin = async (statement: string) => {
    const client = new pg.Client({ connectionString: serverUrl });
    await client.connect();
    try {
      await client.query(statement);
    } finally {
      await client.end();
    }
  };
  await admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  await admin(`CREATE DATABASE ${name}`);
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return { url: url.toString(), drop: () => admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`) };
}

/** The hub logs at warn: each distinct message with its count (a healthy run has none). */
function summariseLog(file: string): BenchReport['hubLog'] {
  if (!existsSync(file)) return [];
  const counts = new Map<string, { level: string; msg: string; count: number }>();
  const levels: Record<number, string> = { 40: 'warn', 50: 'error', 60: 'fatal' };
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (!line.startsWith('{')) continue;
    try {
      const entry = JSON.parse(line) as { level?: number; msg?: string };
      const level = levels[entry.level ?? 0] ?? String(entry.level);
      const key = `${level}|${entry.msg}`;
      const c = counts.get(key) ?? { level, msg: entry.msg ?? '', count: 0 };
      c.count += 1;
      counts.set(key, c);
    } catch {
      // not a log line
    }
  }
  return [...counts.values()].sort((a, b) => b.count - a.count);
}

function reportProfile(profileDir: string, stamp: string, skipMs: number): void {
  const file = path.join(profileDir, 'hub.cpuprofile');
  if (!existsSync(file)) {
    log('bench: no hub CPU profile was written');
    return;
  }
  const keep = path.join(ROOT, 'bench/.profiles');
  mkdirSync(keep, { recursive: true });
  const kept = path.join(keep, `hub-${stamp}.cpuprofile`);
  copyFileSync(file, kept);
  const summary = summarise(file, 30, skipMs);
  mkdirSync(options.outDir, { recursive: true });
  writeFileSync(path.join(options.outDir, `gateway-${stamp}-hub-profile.txt`), `${summary}\n`);
  log(`\nHub CPU profile (${path.relative(ROOT, kept)}):\n${summary}\n`);
}

async function environment(pinning: Pinning): Promise<Record<string, unknown>> {
  const git = async (...args: string[]) =>
    (await run('git', args, { cwd: ROOT, timeout: 5_000 }).catch(() => ({ stdout: '' }))).stdout
      .toString()
      .trim();
  const dirty = (await git('status', '--porcelain', '--untracked-files=no')) !== '';
  return {
    commit: `${await git('rev-parse', '--short', 'HEAD')}${dirty ? ' (working tree modified)' : ''}`,
    node: process.version,
    cpu: `${os.cpus()[0]?.model ?? 'unknown'} × ${os.cpus().length}`,
    pinning: pinning.gateway
      ? `taskset: client ${pinning.client}, upstream double ${pinning.upstream}, gateway under test ${pinning.gateway}`
      : 'none',
    peer: `@portkey-ai/gateway ${PEER_VERSION} (hono 4.9.7, @hono/node-server 1.13.5), header mode`,
    hub: `node bin/zhongshu.js serve, ${options.hubDb === 'server' ? 'PostgreSQL server (fresh database)' : 'embedded PGlite'}, log_level warn, full pipeline (see below)`,
    load: `autocannon 8, ${options.durationS} s per run after ${options.warmupS} s warm-up at c=16; POST non-stream chat`,
    streaming: `undici client; ${options.ttftSequential} sequential + ${options.ttftConcurrency}×${options.ttftPerWorker} concurrent calls; double chunk delay ${options.chunkDelayMs} ms`,
    profiled: options.profile,
    ...(Object.keys(options.hubConfig).length ? { hubConfigExtra: options.hubConfig } : {}),
  };
}

try {
  await main();
} catch (err) {
  process.stderr.write(`bench: ${(err as Error).stack ?? String(err)}\n`);
  process.exitCode = 1;
}
