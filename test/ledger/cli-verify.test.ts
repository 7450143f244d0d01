import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { asc, eq, gte, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { entryHash, type LedgerEntry } from '../../src/ledger/chain.js';
import { Ledger } from '../../src/ledger/ledger.js';
import { loadSigner, signerFromKey } from '../../src/ledger/signer.js';
import { loadMasterKey } from '../../src/crypto/master-key.js';
import { Sealer } from '../../src/crypto/sm.js';
import { schema, type Db } from '../../src/store/index.js';
import { parsed, runCli } from '../cli/run-cli.js';
import { gatewayConfig, startHub, type TestHub } from '../support/hub.js';
import { cliFor, failedJson, outsideDb } from './support.js';

/**
 * `zhongshu audit verify --json` against a hub's real ledger: first through the running hub, then
 * on the database directly after someone with database rights changed it in each way the issue
 * names. Each change is undone before the next, and the intact ledger verifies again.
 */
let hub: TestHub;
let zs: ReturnType<typeof cliFor>;
let outside: ReturnType<typeof outsideDb>;

interface Report {
  ok: boolean;
  entries: number;
  checkpoints: number;
  first_bad: { seq: number; problem: string } | null;
  from_seq: number | null;
  to_seq: number | null;
  anchor: { seq: number; source: string } | null;
  key: { key_id: string; public_key: string };
}

beforeAll(async () => {
  hub = await startHub({
    ...gatewayConfig({ vllm: 'http://127.0.0.1:9/v1' }, [
      { name: 'qwen', targets: [{ endpoint: 'vllm', model: 'q' }] },
    ]),
    audit: { checkpoint_every: 10 },
  });
  // 1 config.apply + 40 refused logins: checkpoints at 10, 20, 30 and 40.
  for (let i = 0; i < 40; i++) {
    const res = await fetch(`${hub.url}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: `nobody-${i}`, password: 'Wrong-pass-1' }),
    });
    expect(res.status).toBe(401);
  }
  zs = cliFor(hub);
  outside = outsideDb(hub);
}, 120_000);

afterAll(async () => {
  await outside?.close();
  await hub?.close();
});

const verify = () => zs('audit', 'verify', '--json');
const entryIn = async (db: Db, seq: number): Promise<LedgerEntry> => {
  const [row] = await db
    .select()
    .from(schema.ledgerEntries)
    .where(eq(schema.ledgerEntries.seq, seq));
  return row!;
};

/** Entries from a year ago, appended from outside and signed at their end. */
const appendOld = (n: number) =>
  outside.use(async (db) => {
    const sealer = new Sealer(loadMasterKey({ ...hub.config, embedded: !hub.config.database_url }));
    const { signer } = await loadSigner(db, sealer, undefined);
    const ledger = new Ledger(db, signer, 1000);
    const yearAgo = Date.now() - 365 * 86_400_000;
    await ledger.append(
      Array.from({ length: n }, (_, i) => ({
        at: new Date(yearAgo + i * 1000),
        actor: 'system',
        orgId: null,
        action: 'test.old',
        object: null,
        outcome: 'ok',
        ip: null,
        requestId: null,
        detail: { i },
      })),
    );
    await ledger.checkpoint();
  });

describe('audit verify', { timeout: 120_000 }, () => {
  it('verifies the running hub’s ledger and names the signing key (through the hub when embedded)', async () => {
    const report = parsed<Report>(await verify());
    expect(report).toMatchObject({
      ok: true,
      entries: 41,
      checkpoints: 4,
      first_bad: null,
      from_seq: 1,
      to_seq: 41,
      anchor: { seq: 0, source: 'genesis' },
    });
    expect(report.key.public_key).toBe(hub.hub.signer.publicKey);
    // A range by sequence number, and by time (every entry is from today).
    expect(
      parsed<Report>(await zs('audit', 'verify', '--from-seq', '11', '--to-seq', '25', '--json')),
    ).toMatchObject({ ok: true, entries: 15, checkpoints: 1, from_seq: 11, to_seq: 25 });
    const today = new Date(Date.now() + 8 * 3_600_000).toISOString().slice(0, 10);
    expect(parsed<Report>(await zs('audit', 'verify', '--from', today, '--json'))).toMatchObject({
      ok: true,
      entries: 41,
    });
    expect(
      parsed<Report>(await zs('audit', 'verify', '--to', '2020-01-01', '--json')),
    ).toMatchObject({ ok: true, entries: 0, from_seq: null });
    await hub.stop();
  });

  it('rejects malformed ranges as usage errors (exit 2)', async () => {
    const cases = [
      ['--from', 'yesterday'],
      ['--to-seq', '0'],
      ['--from', '2026-01-01', '--from-seq', '3'],
      ['--public-key', 'abc'],
    ];
    const results = await Promise.all(
      cases.map((args) => zs('audit', 'verify', ...args, '--json')),
    );
    results.forEach((r, i) =>
      expect({ args: cases[i], code: r.code, stdout: r.stdout }).toEqual({
        args: cases[i],
        code: 2,
        stdout: '',
      }),
    );
  });

  it('catches a modified entry', async () => {
    const restore = await outside.tamper(
      [`UPDATE ledger_entries SET outcome = 'ok' WHERE seq = 5`],
      [`UPDATE ledger_entries SET outcome = 'invalid_credentials' WHERE seq = 5`],
    );
    const report = failedJson<Report>(await verify());
    await restore();
    expect(report).toMatchObject({ ok: false, first_bad: { seq: 5, problem: 'modified' } });
  });

  it('catches a deleted entry', async () => {
    let original: LedgerEntry | undefined;
    const restore = await outside.tamper(
      async (db) => {
        original = await entryIn(db, 7);
        await db.execute(sql`DELETE FROM ledger_entries WHERE seq = 7`);
      },
      async (db) => {
        await db.insert(schema.ledgerEntries).values(original!);
      },
    );
    const result = await verify();
    await restore();
    expect(result.stderr).toContain('entry 7 missing (ledger_verify_failed)');
    expect(failedJson<Report>(result).first_bad).toEqual({ seq: 7, problem: 'missing' });
  });

  it('catches an inserted entry, even one with a correctly computed hash', async () => {
    const restore = await outside.tamper(
      async (db) => {
        const before = await entryIn(db, 11);
        const forged = { ...before, seq: 12, actor: 'user:ghost', prevHash: before.hash };
        forged.hash = entryHash(forged.prevHash, 12, forged);
        await db.execute(sql`UPDATE ledger_entries SET seq = seq + 1000 WHERE seq >= 12`);
        await db.execute(sql`UPDATE ledger_entries SET seq = seq - 999 WHERE seq >= 1000`);
        await db.insert(schema.ledgerEntries).values(forged);
      },
      [
        `DELETE FROM ledger_entries WHERE seq = 12`,
        `UPDATE ledger_entries SET seq = seq + 1000 WHERE seq >= 13`,
        `UPDATE ledger_entries SET seq = seq - 1001 WHERE seq >= 1000`,
      ],
    );
    const report = failedJson<Report>(await verify());
    await restore();
    // The forged entry itself hashes correctly; its successor no longer follows it.
    expect(report.first_bad).toEqual({ seq: 13, problem: 'chain_broken' });
  });

  it('catches reordered entries', async () => {
    const swap = [
      `UPDATE ledger_entries SET seq = -1 WHERE seq = 15`,
      `UPDATE ledger_entries SET seq = 15 WHERE seq = 16`,
      `UPDATE ledger_entries SET seq = 16 WHERE seq = -1`,
    ];
    const restore = await outside.tamper(swap, swap);
    const report = failedJson<Report>(await verify());
    await restore();
    expect(report.first_bad).toEqual({ seq: 15, problem: 'chain_broken' });
  });

  it('catches a rewritten chain at the next signed checkpoint', async () => {
    // SM3 is public: every hash after the change, and the head, can be recomputed; checkpoint
    // 30 cannot be re-signed.
    const rewrite = (outcome: (seq: number, old: string) => string) => async (db: Db) => {
      const rows = await db
        .select()
        .from(schema.ledgerEntries)
        .where(gte(schema.ledgerEntries.seq, 23))
        .orderBy(asc(schema.ledgerEntries.seq));
      let prev = rows[0]!.prevHash;
      for (const row of rows) {
        const next = { ...row, outcome: outcome(row.seq, row.outcome) };
        const hash = entryHash(prev, row.seq, next);
        await db
          .update(schema.ledgerEntries)
          .set({ outcome: next.outcome, prevHash: prev, hash })
          .where(eq(schema.ledgerEntries.seq, row.seq));
        prev = hash;
      }
      await db.update(schema.ledgerHead).set({ hash: prev }).where(eq(schema.ledgerHead.id, 1));
    };
    const restore = await outside.tamper(
      rewrite((seq, old) => (seq === 23 ? 'ok' : old)),
      rewrite((seq, old) => (seq === 23 ? 'invalid_credentials' : old)),
    );
    const report = failedJson<Report>(await verify());
    await restore();
    expect(report.first_bad).toEqual({ seq: 30, problem: 'checkpoint_mismatch' });
  });

  it('catches a forged checkpoint: a copied signature, and one signed with another key', async () => {
    let signature = '';
    const restore = await outside.tamper(
      async (db) => {
        const [cp] = await db
          .select()
          .from(schema.ledgerCheckpoints)
          .where(eq(schema.ledgerCheckpoints.seq, 20));
        signature = cp!.signature;
        await db.execute(
          sql`UPDATE ledger_checkpoints SET signature = (SELECT signature FROM ledger_checkpoints WHERE seq = 10) WHERE seq = 20`,
        );
      },
      async (db) => {
        await db.execute(
          sql`UPDATE ledger_checkpoints SET signature = ${signature} WHERE seq = 20`,
        );
      },
    );
    const copied = failedJson<Report>(await verify());
    await restore();
    expect(copied.first_bad).toEqual({ seq: 20, problem: 'bad_signature' });

    const intruder = signerFromKey(randomBytes(32).toString('hex'));
    const restoreForeign = await outside.tamper(
      async (db) => {
        const e25 = await entryIn(db, 25);
        await db.insert(schema.ledgerCheckpoints).values({
          seq: 25,
          hash: e25.hash,
          signedAt: new Date(),
          keyId: intruder.keyId,
          publicKey: intruder.publicKey,
          signature: intruder.sign(`zhongshu-ledger:25:${e25.hash}`),
        });
      },
      [`DELETE FROM ledger_checkpoints WHERE seq = 25`],
    );
    const foreign = failedJson<Report>(await verify());
    await restoreForeign();
    expect(foreign.first_bad).toEqual({ seq: 25, problem: 'bad_signature' });
  });

  it('purges by retention at a checkpoint, verifies from there, and still catches tampering', async () => {
    // Twelve entries from a year ago, signed at their end (seq 42-53).
    await appendOld(12);
    const purge = parsed<{ through_seq: number; entries_removed: number; refused: null }>(
      await zs('audit', 'purge', '--json'),
    );
    expect(purge).toMatchObject({ through_seq: 53, entries_removed: 53, refused: null });
    expect(parsed<Report>(await verify())).toMatchObject({
      ok: true,
      entries: 1,
      from_seq: 54,
      anchor: { seq: 53, source: 'checkpoint' },
    });

    let detail: unknown;
    const restore = await outside.tamper(
      async (db) => {
        const purged = await entryIn(db, 54);
        expect(purged).toMatchObject({ action: 'ledger.purge', actor: 'operator:cli' });
        detail = purged.detail;
        await db.execute(
          sql`UPDATE ledger_entries SET detail = '{"through_seq": 53, "entries_removed": 1}' WHERE seq = 54`,
        );
      },
      async (db) => {
        await db
          .update(schema.ledgerEntries)
          .set({ detail: detail as Record<string, unknown> })
          .where(eq(schema.ledgerEntries.seq, 54));
      },
    );
    expect(failedJson<Report>(await verify()).first_bad).toEqual({ seq: 54, problem: 'modified' });
    await restore();
    expect(parsed<Report>(await verify()).ok).toBe(true);
  });

  it('purges at hub start too, and the ledger verifies through the hub afterwards', async () => {
    await appendOld(3); // 55-57, signed at 57
    await hub.restart();
    const report = parsed<Report>(await verify());
    expect(report).toMatchObject({
      ok: true,
      from_seq: 58,
      anchor: { seq: 57, source: 'checkpoint' },
    });
    const purges = await hub.api<{ data: { actor: string; detail: { through_seq: number } }[] }>(
      'GET',
      '/api/v1/ledger/entries?action=ledger.purge',
    );
    expect(purges.body.data[0]).toMatchObject({ actor: 'system', detail: { through_seq: 57 } });
  });

  it('exports a signed bundle through the hub and directly, each checkable offline', async () => {
    const key = hub.hub.signer.publicKey;
    const viaHub = path.join(hub.dataDir, 'via-hub.csv');
    const first = parsed<{ file: string; entries: number; anchor: unknown; public_key: string }>(
      await zs('audit', 'export', '--format', 'csv', '--out', viaHub, '--json'),
    );
    // After the purges the chain starts at the checkpoint the last one cut at.
    expect(first).toMatchObject({ file: viaHub, anchor: { seq: 57, source: 'checkpoint' } });
    expect(first.public_key).toBe(key);
    await hub.stop();
    const direct = path.join(hub.dataDir, 'direct.jsonl');
    const second = parsed<{ entries: number; from_seq: number }>(
      await zs('audit', 'export', '--from-seq', '58', '--out', direct, '--json'),
    );
    expect(second).toMatchObject({ from_seq: 58, entries: first.entries + 1 }); // + the first export
    for (const file of [viaHub, direct]) {
      const r = await runCli(['audit', 'verify', '--bundle', file, '--public-key', key, '--json']);
      expect(JSON.parse(r.stdout), r.stderr).toMatchObject({
        ok: true,
        key: { source: 'argument' },
      });
    }
    const bad = await zs('audit', 'export', '--format', 'xlsx', '--out', direct);
    expect(bad.code).toBe(2);
  });
});
