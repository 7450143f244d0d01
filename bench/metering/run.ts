/**
 * `npm run bench:metering`: 10 million usage rows in a fresh database on the PostgreSQL server,
 * then the console's monthly bill and per-organisation dashboard, timed the hub's way (the daily
 * rollup) and the peer's way (the raw rows) in one run. See bench/README.md.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { sql } from 'drizzle-orm';
import pg from 'pg';
import { findOrgByCode, type Org } from '../../src/identity/orgs.js';
import type { Principal } from '../../src/identity/principal.js';
import { openStore, queryRows, type Db, type Store } from '../../src/store/index.js';
import { ROOT } from '../gateway/servers.js';
import { waitForQuiet } from '../gateway/processes.js';
import { MODELS, PROVINCE, shanghaiMonth, type TreeShape } from './dataset.js';
import { load, tableSizes } from './load.js';
import { canonical, explain, REPORTS, type Report, type ReportScope, type Row } from './queries.js';
import {
  renderMarkdown,
  renderText,
  TARGET_MS,
  type InsertBatch,
  type MeteringReport,
  type Timing,
} from './report.js';

const run = promisify(execFile);
const env = (name: string, fallback: string) => process.env[name] ?? fallback;
const num = (name: string, fallback: number) => {
  const v = Number(env(name, String(fallback)));
  if (!Number.isFinite(v) || v < 0) throw new Error(`${name} must be a non-negative number`);
  return v;
};

const options = {
  url: env('ZS_BENCH_DATABASE_URL', 'postgres://postgres:zs-ci-pass@127.0.0.1:5432/postgres'),
  database: env('BENCH_DB', 'zs_bench_metering'),
  rows: num('BENCH_ROWS', 10_000_000),
  batch: num('BENCH_BATCH', 1_000_000),
  months: num('BENCH_MONTHS', 3),
  hubRuns: num('BENCH_RUNS', 15),
  peerRuns: num('BENCH_PEER_RUNS', 5),
  reuse: env('BENCH_REUSE', '0') === '1',
  quietWaitS: num('BENCH_QUIET_WAIT', 120),
  keep: env('BENCH_KEEP', '0') === '1',
  outDir: path.resolve(ROOT, env('BENCH_OUT', 'bench/results')),
};
const SHAPE: TreeShape = { cities: 20, departmentsPerCity: 10, keysPerDepartment: 2 };
const CITY = 'bench-c07';
const WARMUP_RUNS = 2;

interface LoadStats {
  inserts: InsertBatch[];
  steps: MeteringReport['steps'];
  loadedAt: string;
}

const log = (line: string) => process.stdout.write(`${line}\n`);
const seconds = (startMs: number) => (performance.now() - startMs) / 1000;
const shanghaiDay = (d: Date) => new Date(d.getTime() + 8 * 3_600_000).toISOString().slice(0, 10);

function databaseUrl(name: string): string {
  const url = new URL(options.url);
  url.pathname = `/${name}`;
  return url.toString();
}

async function admin<T>(fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: options.url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

const quoteIdent = (name: string) => {
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(name)) throw new Error(`BENCH_DB: bad name ${name}`);
  return `"${name}"`;
};

/** Whether BENCH_REUSE may skip loading: the database exists and holds the rows asked for. */
async function reusable(): Promise<boolean> {
  if (!options.reuse) return false;
  const exists = await admin(
    async (c) =>
      (await c.query('SELECT 1 FROM pg_database WHERE datname = $1', [options.database])).rowCount,
  );
  if (!exists) return false;
  const store = await openStore({
    databaseUrl: databaseUrl(options.database),
    dataDir: os.tmpdir(),
  });
  try {
    const [row] = await queryRows<{ n: string }>(
      store.db,
      sql`SELECT count(*) AS n FROM usage_records`,
    );
    return Number(row?.n) === options.rows;
  } finally {
    await store.close();
  }
}

const median = (xs: readonly number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
};

/**
 * Each report's hub and peer runs alternate (hub, peer, hub, peer…, the hub's extra runs last),
 * after warm-up runs of both, so noise from other processes lands on both alike.
 */
async function timeReports(
  db: Db,
  scopes: { name: string; scope: ReportScope }[],
): Promise<{ timings: Timing[]; answers: Map<string, Row[]> }> {
  const timings: Timing[] = [];
  const answers = new Map<string, Row[]>();
  for (const { name, scope } of scopes) {
    for (const reportName of new Set(REPORTS.map((r) => r.name))) {
      const pair = REPORTS.filter((r) => r.name === reportName);
      const runs = (r: Report) => (r.approach === 'hub' ? options.hubRuns : options.peerRuns);
      const ms = new Map<Report, number[]>(pair.map((r) => [r, []]));
      const rows = new Map<Report, Row[]>();
      for (const r of pair)
        for (let i = 0; i < WARMUP_RUNS; i++) rows.set(r, await r.run(db, scope));
      for (let i = 0; i < Math.max(...pair.map(runs)); i++) {
        for (const r of pair) {
          if (i >= runs(r)) continue;
          const t = performance.now();
          rows.set(r, await r.run(db, scope));
          ms.get(r)!.push(performance.now() - t);
        }
      }
      for (const r of pair) {
        const times = ms.get(r)!;
        const answer = rows.get(r) ?? [];
        answers.set(`${r.name}|${name}|${r.approach}`, answer);
        const timing: Timing = {
          report: r.name,
          scope: name,
          approach: r.approach,
          via: r.via,
          runs: times.length,
          medianMs: median(times),
          minMs: Math.min(...times),
          maxMs: Math.max(...times),
          rows: answer.length,
        };
        timings.push(timing);
        log(
          `  ${r.name.padEnd(16)} ${name.padEnd(20)} ${r.approach.padEnd(4)} median ${timing.medianMs.toFixed(1)} ms over ${times.length} runs (${answer.length} rows)`,
        );
      }
    }
  }
  return { timings, answers };
}

async function main(): Promise<void> {
  const startedAt = new Date();
  const stamp = startedAt.toISOString().slice(0, 19).replace(/:/g, '').replace('T', '-');
  const window = Array.from({ length: options.months }, (_, i) =>
    shanghaiMonth(startedAt, i - options.months),
  );
  const month = window.at(-1)!;
  const steps: MeteringReport['steps'] = [];
  let inserts: InsertBatch[] = [];
  let loadedAt: string | null = null;
  const reuse = await reusable();
  if (!reuse) {
    log(`bench: creating database ${options.database}`);
    await admin(async (c) => {
      await c.query(`DROP DATABASE IF EXISTS ${quoteIdent(options.database)} WITH (FORCE)`);
      await c.query(`CREATE DATABASE ${quoteIdent(options.database)}`);
    });
  } else log(`bench: reusing ${options.database} (BENCH_REUSE=1, ${options.rows} rows present)`);
  let store: Store | null = null;
  let ok = false;
  try {
    const t = performance.now();
    store = await openStore({ databaseUrl: databaseUrl(options.database), dataDir: os.tmpdir() });
    const db = store.db;
    if (!reuse) {
      steps.push({ step: 'migrations (openStore)', seconds: seconds(t) });
      log(
        `bench: loading ${options.rows.toLocaleString('en-US')} usage rows over ${window.map((m) => m.label).join(', ')}`,
      );
      inserts = await load(
        db,
        { window, rows: options.rows, batch: options.batch, shape: SHAPE, log },
        steps,
      );
      loadedAt = new Date().toISOString();
      // Kept beside the data, so a BENCH_REUSE=1 run reports how this data set was loaded.
      const stats = JSON.stringify({ inserts, steps, loadedAt });
      await db.execute(sql`CREATE TABLE zs_bench_load (stats jsonb NOT NULL)`);
      await db.execute(sql`INSERT INTO zs_bench_load VALUES (${stats}::jsonb)`);
    } else {
      const [row] = await queryRows<{ stats: string | LoadStats }>(
        db,
        sql`SELECT stats FROM zs_bench_load`,
      ).catch(() => []);
      const stats = (typeof row?.stats === 'string' ? JSON.parse(row.stats) : row?.stats) as
        LoadStats | undefined;
      inserts = stats?.inserts ?? [];
      steps.push(...(stats?.steps ?? []));
      loadedAt = stats?.loadedAt ?? null;
    }
    const sizes = await tableSizes(db);
    const province = await findOrgByCode(db, PROVINCE);
    const city = await findOrgByCode(db, CITY);
    if (!province || !city) throw new Error('the organisation tree is missing');
    const base = {
      month: month.label,
      fromDay: shanghaiDay(month.start),
      toDay: shanghaiDay(month.end),
      from: month.start,
      to: month.end,
    };
    // An org_admin of the subtree root asks, as in the console.
    const orgAdmin = (org: Org): Principal => ({
      kind: 'user',
      userId: null,
      name: `${org.code}-admin`,
      orgId: org.id,
      orgPath: org.path,
      roles: new Set(['org_admin']),
    });
    const scopes: { name: string; scope: ReportScope }[] = [
      {
        name: `province (${SHAPE.cities * (SHAPE.departmentsPerCity + 1) + 1} orgs)`,
        scope: { ...base, org: province.code, path: province.path, principal: orgAdmin(province) },
      },
      {
        name: `one city (${SHAPE.departmentsPerCity + 1} orgs)`,
        scope: { ...base, org: city.code, path: city.path, principal: orgAdmin(city) },
      },
    ];
    const otherCpuPct = await waitForQuiet(options.quietWaitS, log);
    log(`bench: timing the reports for ${month.label} (warm: ${WARMUP_RUNS} runs first)`);
    const { timings, answers } = await timeReports(db, scopes);
    const identical = scopes.flatMap(({ name }) =>
      [...new Set(REPORTS.map((r) => r.name))].map((report) => {
        const answer = (approach: string) => answers.get(`${report}|${name}|${approach}`) ?? [];
        return {
          report,
          scope: name,
          same: canonical(answer('hub')) === canonical(answer('peer')),
        };
      }),
    );
    const plans = [];
    for (const { name, scope } of scopes.slice(0, 1))
      for (const report of REPORTS)
        if (report.statement)
          plans.push({
            report: report.name,
            scope: name,
            approach: report.approach,
            plan: await explain(db, report.statement(scope)),
          });
    const targets = timings
      .filter(
        (t) =>
          t.approach === 'hub' &&
          t.scope === scopes[0]!.name &&
          (t.report === 'monthly bill' || t.report === 'dashboard'),
      )
      .map((t) => ({
        name: `hub ${t.report}, ${t.scope}, median`,
        measured: t.medianMs,
        threshold: `< ${TARGET_MS} ms`,
        pass: t.medianMs < TARGET_MS,
      }));
    const monthRows = await queryRows<{ n: string }>(
      db,
      sql`SELECT count(*) AS n FROM usage_records WHERE at >= ${month.start.toISOString()} AND at < ${month.end.toISOString()}`,
    );
    const report: MeteringReport = {
      startedAt: startedAt.toISOString(),
      finishedAt: new Date().toISOString(),
      environment: await environment(db, otherCpuPct),
      dataset: {
        usage_rows: options.rows,
        window: `${window.map((m) => m.label).join(', ')} (Shanghai months, rows evenly spread in time order)`,
        billed_month: `${month.label}: ${Number(monthRows[0]?.n ?? 0).toLocaleString('en-US')} usage rows`,
        organisations: `1 province, ${SHAPE.cities} cities, ${SHAPE.cities * SHAPE.departmentsPerCity} departments (created with the hub's applyOrgTree)`,
        keys: `${SHAPE.keysPerDepartment} per department + 1 per city; traffic skewed across keys (u² draw)`,
        models: MODELS.map((m) => `${m.name} ${Math.round(m.share * 100)}%`).join(', '),
        calls: '93% chat, 7% embeddings; 60% streamed; ~1.5% errors (502, 429, no cost)',
        rollup:
          'usage_daily built after the load with one INSERT … SELECT … GROUP BY (the hub maintains it per call, in the same transaction as the usage row)',
        loaded: reuse
          ? `by an earlier run at ${loadedAt ?? '?'} (BENCH_REUSE=1); its load figures are shown`
          : 'by this run',
      },
      inserts,
      steps,
      sizes,
      timings,
      identical,
      targets,
      plans,
    };
    mkdirSync(options.outDir, { recursive: true });
    const out = path.join(options.outDir, `metering-${stamp}`);
    writeFileSync(`${out}.json`, `${JSON.stringify(report, null, 2)}\n`);
    writeFileSync(`${out}.md`, renderMarkdown(report));
    log(`\n${renderText(report)}\n`);
    log(`bench: wrote ${path.relative(ROOT, out)}.md and .json`);
    ok = true;
  } finally {
    await store?.close();
    if (!options.keep) {
      await admin((c) =>
        c.query(`DROP DATABASE IF EXISTS ${quoteIdent(options.database)} WITH (FORCE)`),
      );
      log(`bench: dropped ${options.database} (BENCH_KEEP=1 keeps it for BENCH_REUSE=1)`);
    } else log(`bench: kept ${options.database}${ok ? '' : ' after a failure'}`);
  }
}

async function environment(db: Db, otherCpuPct: number): Promise<Record<string, unknown>> {
  const git = async (...args: string[]) =>
    (await run('git', args, { cwd: ROOT, timeout: 5_000 }).catch(() => ({ stdout: '' }))).stdout
      .toString()
      .trim();
  const dirty = (await git('status', '--porcelain', '--untracked-files=no')) !== '';
  const setting = async (name: string) =>
    (await queryRows<Record<string, string>>(db, sql.raw(`SHOW ${name}`)))[0]?.[name] ?? '?';
  const [version] = await queryRows<{ v: string }>(db, sql`SELECT version() AS v`);
  return {
    commit: `${await git('rev-parse', '--short', 'HEAD')}${dirty ? ' (working tree modified)' : ''}`,
    node: process.version,
    cpu: `${os.cpus()[0]?.model ?? 'unknown'} × ${os.cpus().length}`,
    memory: `${Math.round(os.totalmem() / 2 ** 30)} GiB`,
    postgres: version?.v.split(' on ')[0] ?? '?',
    postgres_settings: `shared_buffers ${await setting('shared_buffers')}, work_mem ${await setting('work_mem')}, max_parallel_workers_per_gather ${await setting('max_parallel_workers_per_gather')} (server defaults, untuned)`,
    other_cpu_before_timing: `${Math.round(otherCpuPct)}% of one CPU (processes other than the bench; the bench waits up to BENCH_QUIET_WAIT s for < 25%)`,
    load_average: os
      .loadavg()
      .map((l) => l.toFixed(2))
      .join(' '),
    runs: `${WARMUP_RUNS} warm-up runs, then ${options.hubRuns} timed (hub) / ${options.peerRuns} timed (peer) per report`,
  };
}

try {
  await main();
} catch (err) {
  const cause = (err as Error).cause;
  process.stderr.write(`bench: ${(err as Error).stack ?? String(err)}\n`);
  if (cause)
    process.stderr.write(
      `caused by: ${cause instanceof Error ? cause.message : JSON.stringify(cause)}\n`,
    );
  process.exitCode = 1;
}
