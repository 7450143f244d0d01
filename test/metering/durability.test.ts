import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { eq } from 'drizzle-orm';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { loadConfig } from '../../src/config/index.js';
import { verifyLedger } from '../../src/ledger/verify.js';
import { OWNER_FILE, type OwnerInfo } from '../../src/server/lock.js';
import { serve, type RunningHub } from '../../src/server/serve.js';
import { schema } from '../../src/store/index.js';
import { BIN, cliEnv } from '../cli/run-cli.js';
import { freshServerDatabase, gatewayConfig, SERVER_URL } from '../support/hub.js';
import { startUpstream, type UpstreamDouble } from '../support/upstream-double.js';

/**
 * "Nothing lost": a hub killed with SIGKILL in the middle of a load has, after a restart, exactly
 * one usage record and one ledger entry for every call whose client got a complete answer, and
 * the ledger still verifies. The hub runs as a real child process (the built CLI), as in
 * production, so the kill takes nothing with it but the process.
 */

const BUILT = fileURLToPath(new URL('../../dist/cli/index.js', import.meta.url));
const LOOPS = 12;
/** Completed calls before the kill: some hundreds. */
const KILL_AFTER = 200;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const cleanups: (() => Promise<void> | void)[] = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

interface Sent {
  id: string | null;
  stream: boolean;
  complete: boolean;
}

/** Waits for the child hub to record its URL in owner.json. */
async function waitForHub(child: ChildProcess, dataDir: string, log: () => string) {
  // Generous: a PGlite first start (initdb, migrations) is slow on a busy machine.
  const deadline = Date.now() + 90_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`the hub exited at start:\n${log()}`);
    try {
      const owner = JSON.parse(readFileSync(path.join(dataDir, OWNER_FILE), 'utf8')) as OwnerInfo;
      if (owner.pid === child.pid && owner.url && owner.token) return owner;
    } catch {
      // not written yet
    }
    await sleep(100);
  }
  throw new Error(`the hub did not start in time:\n${log()}`);
}

/** One chat call; complete means the client holds the whole answer. */
async function call(url: string, key: string, stream: boolean, sent: Sent): Promise<void> {
  const res = await fetch(`${url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify({
      model: 'qwen',
      stream,
      messages: [{ role: 'user', content: '异地就医备案需要哪些材料？' }],
    }),
  });
  sent.id = res.headers.get('x-zs-request-id');
  const text = await res.text();
  if (res.status !== 200) throw new Error(`HTTP ${res.status}: ${text}`);
  if (stream) {
    sent.complete = text.includes('data: [DONE]');
  } else {
    const body = JSON.parse(text) as { choices?: unknown[] };
    sent.complete = Array.isArray(body.choices) && body.choices.length > 0;
  }
}

async function crashUnderLoad(mode: 'embedded' | 'server') {
  if (!existsSync(BUILT)) throw new Error('dist/ is missing: run `npm run build` first');
  const upstream: UpstreamDouble = await startUpstream({ chunkDelayMs: 3, record: false });
  cleanups.push(() => upstream.close());
  const dataDir = mkdtempSync(path.join(tmpdir(), 'zs-durability-'));
  cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }));
  const env: Record<string, string> = {};
  if (mode === 'server') {
    const database = await freshServerDatabase();
    cleanups.push(() => database.drop());
    env.ZS_DATABASE_URL = database.url;
    env.ZS_MASTER_KEY = randomBytes(16).toString('hex');
  }
  const file = path.join(dataDir, 'zhongshu.yaml');
  writeFileSync(
    file,
    stringify({
      port: 0,
      data_dir: dataDir,
      log_level: 'warn',
      // Checkpoints every 50 entries, so signed checkpoints are among what must survive.
      audit: { checkpoint_every: 50 },
      ...gatewayConfig({ vllm: upstream.url }, [
        {
          name: 'qwen',
          targets: [{ endpoint: 'vllm', model: 'Qwen2.5-7B-Instruct' }],
          prices: [{ from: '2020-01-01', input: '0.004', output: '0.012' }],
        },
      ]),
    }),
  );

  // 1. The hub as operators run it.
  const child = spawn(process.execPath, [BIN, 'serve', '--config', file], {
    env: cliEnv(env),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const keep = (chunk: Buffer) => (output = (output + chunk.toString('utf8')).slice(-8_000));
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  const exited = once(child, 'exit');
  cleanups.push(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  const owner = await waitForHub(child, dataDir, () => output);
  const t = { up: performance.now(), killed: 0, restarted: 0 };
  const created = await fetch(`${owner.url}/api/v1/keys`, {
    method: 'POST',
    headers: { authorization: `Bearer ${owner.token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ org: 'gd-gz', name: 'load' }),
  });
  expect(created.status).toBe(201);
  const { key } = (await created.json()) as { key: string };

  // 2. Load: concurrent loops of streamed and plain calls, killed once hundreds completed.
  const sent: Sent[] = [];
  let completed = 0;
  let inFlightAtKill = -1;
  let killed = false;
  const failures: Error[] = [];
  const kill = () => {
    killed = true;
    t.killed = performance.now();
    process.kill(child.pid!, 'SIGKILL');
  };
  const loop = async (n: number) => {
    for (let i = 0; !killed; i++) {
      const s: Sent = { id: null, stream: (n + i) % 2 === 0, complete: false };
      sent.push(s);
      try {
        await call(owner.url!, key, s.stream, s);
      } catch (err) {
        // Before the kill every call must succeed; after it, failing is what calls do.
        if (!killed) {
          failures.push(err as Error);
          kill();
        }
      }
      if (s.complete) completed += 1;
      if (!killed && completed >= KILL_AFTER) {
        inFlightAtKill = sent.filter((x) => !x.complete && x !== s).length;
        kill();
      }
    }
  };
  const timer = setTimeout(() => {
    if (!killed) {
      failures.push(new Error(`only ${completed} calls completed in 60 s`));
      kill();
    }
  }, 60_000);
  await Promise.all(Array.from({ length: LOOPS }, (_, n) => loop(n)));
  clearTimeout(timer);
  if (failures[0]) throw failures[0];
  const [, signal] = (await exited) as [number | null, NodeJS.Signals | null];
  expect(signal).toBe('SIGKILL');
  expect(completed).toBeGreaterThanOrEqual(KILL_AFTER);
  // The kill landed mid-load: other calls were under way.
  expect(inFlightAtKill).toBeGreaterThan(0);
  const answered = sent.filter((s) => s.complete);
  expect(answered.every((s) => s.id)).toBe(true);

  // 3. Restart on the same data directory: the dead process's owner.json must not block it.
  const stale = JSON.parse(readFileSync(path.join(dataDir, OWNER_FILE), 'utf8')) as OwnerInfo;
  expect(stale.pid).toBe(child.pid);
  const config = loadConfig({ configPath: file, env });
  let hub: RunningHub | null = await serve(config, pino({ level: 'silent' }));
  cleanups.push(() => hub?.close());
  t.restarted = performance.now();
  // The restarted hub serves (its chain continues after the crash).
  const after = await fetch(`${hub.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'qwen', messages: [{ role: 'user', content: '重启后' }] }),
  });
  expect(after.status).toBe(200);
  const afterId = after.headers.get('x-zs-request-id')!;

  // 4. Every answered call: one usage record (a success, of the right kind) and one ledger entry,
  // pointing at each other.
  const db = hub.hub.store.db;
  const usage = await db
    .select({
      requestId: schema.usageRecords.requestId,
      seq: schema.usageRecords.ledgerSeq,
      status: schema.usageRecords.status,
      stream: schema.usageRecords.stream,
    })
    .from(schema.usageRecords);
  const entries = await db
    .select({ requestId: schema.ledgerEntries.requestId, seq: schema.ledgerEntries.seq })
    .from(schema.ledgerEntries)
    .where(eq(schema.ledgerEntries.action, 'call.chat'));
  const group = <T extends { requestId: string | null }>(rows: T[]) => {
    const by = new Map<string, T[]>();
    for (const row of rows) by.set(row.requestId!, [...(by.get(row.requestId!) ?? []), row]);
    return by;
  };
  const usageBy = group(usage);
  const entriesBy = group(entries);
  const wrong = answered.filter((s) => {
    const u = usageBy.get(s.id!) ?? [];
    const e = entriesBy.get(s.id!) ?? [];
    return (
      u.length !== 1 ||
      e.length !== 1 ||
      u[0]!.seq !== e[0]!.seq ||
      u[0]!.status !== 200 ||
      u[0]!.stream !== s.stream
    );
  });
  expect(wrong.map((s) => s.id)).toEqual([]);
  // Nothing anywhere was recorded twice, and every usage row has its ledger entry.
  expect([...usageBy.values()].filter((rows) => rows.length > 1)).toEqual([]);
  expect([...entriesBy.values()].filter((rows) => rows.length > 1)).toEqual([]);
  expect(usage.every((u) => entriesBy.get(u.requestId)?.[0]?.seq === u.seq)).toBe(true);
  expect(usageBy.has(afterId)).toBe(true);
  const unanswered = sent.filter((s) => !s.complete);
  const unansweredRecorded = unanswered.filter((s) => s.id && usageBy.has(s.id)).length;

  // 5. The chain and its signed checkpoints verify across the crash.
  const verified = await verifyLedger(db, { trustedKeys: hub.hub.trustedKeys });
  expect(verified).toMatchObject({ ok: true, first_bad: null });
  expect(verified.checkpoints).toBeGreaterThan(0);

  console.log(
    `durability (${mode}): ${sent.length} sent, ${answered.length} answered completely, ` +
      `${inFlightAtKill} in flight at the kill (${unansweredRecorded} of the ${unanswered.length} ` +
      `unanswered recorded), ${usage.length} usage records, ${verified.entries} ledger entries verified, ` +
      `${verified.checkpoints} checkpoints; load ${Math.round(t.killed - t.up)} ms, ` +
      `restart ${Math.round(t.restarted - t.killed)} ms`,
  );
  const closing = hub;
  hub = null;
  await closing.close();
}

describe('nothing is lost when the hub is killed mid-load', () => {
  it.skipIf(SERVER_URL)(
    'embedded: every completed call has one usage record and one ledger entry after kill -9',
    () => crashUnderLoad('embedded'),
    180_000,
  );
  it.skipIf(!SERVER_URL)(
    'server: every completed call has one usage record and one ledger entry after kill -9',
    () => crashUnderLoad('server'),
    180_000,
  );
});
