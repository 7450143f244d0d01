/**
 * `npm run bench:console`: does serving the web console slow `/v1` down? One hub (as users run
 * it) and the upstream double; /v1 chat at a fixed concurrency, alternately alone and while
 * simulated browsers load the console cold (the page and its gzipped bundle, no cache) once a
 * second each. Rounds alternate so that machine noise hits both sides alike; medians are reported.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chatBody, runLoad, type LoadResult } from '../gateway/load.js';
import { cpuTimeMs, onInterrupt, stopAll } from '../gateway/processes.js';
import { MODEL, ROOT, startHub, startUpstreamDouble } from '../gateway/servers.js';

const ROUNDS = 3;
const DURATION_S = 8;
const CONNECTIONS = 4;
/**
 * Simulated browsers, each loading the console cold once a second: far more than a province's
 * staff cause (assets are cached for a year, so real visits mostly revalidate the page alone).
 */
const BROWSERS = 4;
const PAUSE_MS = 1_000;

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;
const log = (line: string) => process.stdout.write(`${line}\n`);

/** Cold loads until `stop`: the page, then its script with gzip; returns loads and bytes. */
async function browse(base: string, stop: { done: boolean }) {
  let loads = 0;
  let bytes = 0;
  while (!stop.done) {
    const page = await (await fetch(`${base}/`, { headers: { accept: 'text/html' } })).text();
    bytes += page.length;
    for (const asset of page.match(/\/assets\/[^"]+/g) ?? []) {
      const res = await fetch(`${base}${asset}`, { headers: { 'accept-encoding': 'gzip' } });
      bytes += (await res.arrayBuffer()).byteLength;
    }
    loads++;
    await new Promise((resolve) => setTimeout(resolve, PAUSE_MS));
  }
  return { loads, bytes };
}

async function main(): Promise<void> {
  onInterrupt(() => void stopAll());
  const workDir = mkdtempSync(path.join(os.tmpdir(), 'zs-bench-console-'));
  const upstream = await startUpstreamDouble(0, null);
  const hub = await startHub({ upstream: upstream.base, workDir, cpus: null, profileDir: null });
  const origin = hub.base.replace(/\/v1$/, '');
  const target = {
    name: 'hub' as const,
    url: `${hub.base}/chat/completions`,
    headers: { authorization: `Bearer ${hub.key}` },
    cpuMs: () => cpuTimeMs(hub.child),
  };
  const body = chatBody(MODEL, false);
  await runLoad(target, body, CONNECTIONS, 3); // warm-up
  const alone: LoadResult[] = [];
  const loaded: LoadResult[] = [];
  const consoleRates: number[] = [];
  const consoleMbps: number[] = [];
  for (let round = 1; round <= ROUNDS; round++) {
    alone.push(await runLoad(target, body, CONNECTIONS, DURATION_S));
    const stop = { done: false };
    const browsers = Array.from({ length: BROWSERS }, () => browse(origin, stop));
    const started = performance.now();
    loaded.push(await runLoad(target, body, CONNECTIONS, DURATION_S));
    stop.done = true;
    const done = await Promise.all(browsers);
    const seconds = (performance.now() - started) / 1000;
    consoleRates.push(done.reduce((n, b) => n + b.loads, 0) / seconds);
    consoleMbps.push(done.reduce((n, b) => n + b.bytes, 0) / seconds / 1e6);
    log(
      `round ${round}: alone p50 ${alone.at(-1)!.p50.toFixed(2)} ms, ${Math.round(alone.at(-1)!.rps)} rps; ` +
        `with console p50 ${loaded.at(-1)!.p50.toFixed(2)} ms, ${Math.round(loaded.at(-1)!.rps)} rps, ` +
        `${consoleRates.at(-1)!.toFixed(1)} cold console loads/s`,
    );
  }
  const row = (name: string, runs: LoadResult[]) =>
    `| ${name} | ${median(runs.map((r) => r.p50)).toFixed(2)} | ${median(runs.map((r) => r.p99)).toFixed(2)} | ${Math.round(median(runs.map((r) => r.rps)))} | ${Math.round(median(runs.map((r) => r.cpuUsPerReq)))} |`;
  const p50Ratio = median(loaded.map((r) => r.p50)) / median(alone.map((r) => r.p50));
  const report = [
    `# Console load on /v1, ${new Date().toISOString()}`,
    '',
    `One hub (embedded PGlite, full pipeline), the upstream double, ${os.availableParallelism()} CPUs shared by all.`,
    `/v1 non-stream chat at c=${CONNECTIONS} for ${DURATION_S} s, ${ROUNDS} rounds alternating alone / with ${BROWSERS} simulated browsers`,
    `each loading the console cold (page + gzipped bundle, no cache) once a second: median`,
    `${median(consoleRates).toFixed(1)} cold loads/s, ${median(consoleMbps).toFixed(1)} MB/s of console traffic.`,
    '',
    '| /v1 | p50 ms | p99 ms | RPS | hub CPU µs/call |',
    '| --- | ---: | ---: | ---: | ---: |',
    row('alone', alone),
    row('while the console loads', loaded),
    '',
    `p50 ratio (with / alone): ${p50Ratio.toFixed(2)}×.`,
    '',
  ].join('\n');
  const outDir = path.join(ROOT, 'bench/results');
  mkdirSync(outDir, { recursive: true });
  const file = path.join(
    outDir,
    `console-${new Date().toISOString().slice(0, 16).replace(/[:T]/g, '-')}.md`,
  );
  writeFileSync(file, report);
  log(`\n${report}\nbench: wrote ${path.relative(ROOT, file)}`);
  await stopAll();
  rmSync(workDir, { recursive: true, force: true });
}

main().catch(async (err: unknown) => {
  process.stderr.write(`bench failed: ${(err as Error).stack ?? String(err)}\n`);
  await stopAll();
  process.exit(1);
});
