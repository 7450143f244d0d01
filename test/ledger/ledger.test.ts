import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { asc, eq, gte, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { entryHash, type LedgerEntryInput } from '../../src/ledger/chain.js';
import { Ledger } from '../../src/ledger/ledger.js';
import { signerFromKey } from '../../src/ledger/signer.js';
import { verifyLedger, type VerifyResult } from '../../src/ledger/verify.js';
import { openStore, schema, type Db, type Store } from '../../src/store/index.js';
import { freshServerDatabase, SERVER_URL } from '../support/hub.js';

const signer = signerFromKey(randomBytes(32).toString('hex'));
const trustedKeys = [signer.publicKey];
const dataDir = mkdtempSync(path.join(tmpdir(), 'zs-ledger-'));
let store: Store;
let dropDb: (() => Promise<void>) | null = null;
let ledger: Ledger;

const entry = (i: number): LedgerEntryInput => ({
  at: new Date(Date.UTC(2026, 10, 23, 8, 0, i)),
  actor: i % 3 ? `key:k${i % 4}` : 'user:sysadmin',
  orgId: null,
  action: i % 3 ? 'v1.chat' : 'key.create',
  object: `qwen2.5-7b`,
  outcome: i % 7 ? 'ok' : 'error',
  ip: '127.0.0.1',
  requestId: `req-${i}`,
  detail: {
    usage: { prompt_tokens: i, completion_tokens: 2 * i },
    route: 'local-vllm',
    中文: '市民热线',
  },
});

beforeAll(async () => {
  const server = SERVER_URL ? await freshServerDatabase() : null;
  const databaseUrl = server?.url;
  dropDb = server ? () => server.drop() : null;
  store = await openStore({ databaseUrl, dataDir });
  ledger = new Ledger(store.db, signer, 10);
  // 50 entries in uneven batches, so some appends cross a checkpoint boundary and some do not.
  let next = 1;
  for (const size of [1, 6, 13, 7, 23]) {
    const first = next;
    next += size;
    await ledger.append(Array.from({ length: size }, (_, i) => entry(first + i)));
  }
});

afterAll(async () => {
  await store?.close();
  await dropDb?.();
  rmSync(dataDir, { recursive: true, force: true });
});

class Rollback extends Error {}

/** Tamper with the tables directly (bypassing the append-only triggers), verify, then undo. */
async function tampered(change: string[] | ((tx: Db) => Promise<void>)): Promise<VerifyResult> {
  let result: VerifyResult | null = null;
  await store.db
    .transaction(async (tx) => {
      await tx.execute(sql`SET LOCAL session_replication_role = replica`);
      if (typeof change === 'function') await change(tx);
      else for (const statement of change) await tx.execute(sql.raw(statement));
      result = await verifyLedger(tx, { trustedKeys });
      throw new Rollback();
    })
    .catch((err: unknown) => {
      if (!(err instanceof Rollback)) throw err;
    });
  return result!;
}

describe('the audit ledger hash chain', () => {
  it('verifies an intact chain with its signed checkpoints', async () => {
    // A checkpoint is signed at the end of each append that crosses a multiple of 10: seq 20 and 50.
    expect(await verifyLedger(store.db, { trustedKeys })).toEqual({
      ok: true,
      entries: 50,
      checkpoints: 2,
      first_bad: null,
      from_seq: 1,
      to_seq: 50,
      anchor: { seq: 0, source: 'genesis' },
    });
    expect(await verifyLedger(store.db, { trustedKeys, from: 11, to: 30 })).toMatchObject({
      ok: true,
      entries: 20,
      checkpoints: 1,
    });
  });

  it('finds a modified entry', async () => {
    const result = await tampered([
      `UPDATE ledger_entries SET actor = 'user:auditor' WHERE seq = 17`,
    ]);
    expect(result).toMatchObject({ ok: false, first_bad: { seq: 17, problem: 'modified' } });
    const detail = await tampered([
      `UPDATE ledger_entries SET detail = jsonb_set(detail, '{usage,prompt_tokens}', '0') WHERE seq = 3`,
    ]);
    expect(detail.first_bad).toEqual({ seq: 3, problem: 'modified' });
  });

  it('finds a deleted entry, and a truncated tail', async () => {
    expect((await tampered([`DELETE FROM ledger_entries WHERE seq = 23`])).first_bad).toEqual({
      seq: 23,
      problem: 'missing',
    });
    expect((await tampered([`DELETE FROM ledger_entries WHERE seq >= 48`])).first_bad).toEqual({
      seq: 48,
      problem: 'missing',
    });
    // The head rewound to match: signed checkpoint 50 still shows what was there.
    const rewound = await tampered([
      `DELETE FROM ledger_entries WHERE seq >= 48`,
      `UPDATE ledger_head SET seq = 47, hash = (SELECT hash FROM ledger_entries WHERE seq = 47)`,
    ]);
    expect(rewound.first_bad).toEqual({ seq: 48, problem: 'missing' });
  });

  it('finds an inserted entry', async () => {
    const result = await tampered([
      `UPDATE ledger_entries SET seq = seq + 1000 WHERE seq >= 30`,
      `UPDATE ledger_entries SET seq = seq - 999 WHERE seq >= 1000`,
      `INSERT INTO ledger_entries (seq, at, actor, action, outcome, prev_hash, hash)
         SELECT 30, now(), 'user:ghost', 'key.revoke', 'ok', hash, repeat('a', 64) FROM ledger_entries WHERE seq = 29`,
    ]);
    expect(result.ok).toBe(false);
    expect(result.first_bad!.seq).toBe(30);
  });

  it('finds reordered entries', async () => {
    const result = await tampered([
      `UPDATE ledger_entries SET seq = -1 WHERE seq = 12`,
      `UPDATE ledger_entries SET seq = 12 WHERE seq = 13`,
      `UPDATE ledger_entries SET seq = 13 WHERE seq = -1`,
    ]);
    expect(result).toMatchObject({ ok: false, first_bad: { seq: 12 } });
  });

  it('finds a rewritten chain through its signed checkpoint', async () => {
    // SM3 is public: someone can recompute every hash after a change, and the head, so the chain
    // itself looks intact; they cannot re-sign checkpoint 20.
    const result = await tampered(async (tx) => {
      const rows = await tx
        .select()
        .from(schema.ledgerEntries)
        .where(gte(schema.ledgerEntries.seq, 15))
        .orderBy(asc(schema.ledgerEntries.seq));
      let prev = rows[0]!.prevHash;
      for (const row of rows) {
        const changed = row.seq === 15 ? { ...row, actor: 'user:nobody' } : row;
        const hash = entryHash(prev, row.seq, changed);
        await tx
          .update(schema.ledgerEntries)
          .set({ actor: changed.actor, prevHash: prev, hash })
          .where(eq(schema.ledgerEntries.seq, row.seq));
        prev = hash;
      }
      await tx.update(schema.ledgerHead).set({ hash: prev }).where(eq(schema.ledgerHead.id, 1));
    });
    expect(result.first_bad).toEqual({ seq: 20, problem: 'checkpoint_mismatch' });
  });

  it('finds a forged or foreign checkpoint signature', async () => {
    const forged = await tampered([
      `UPDATE ledger_checkpoints SET signature = (SELECT signature FROM ledger_checkpoints WHERE seq = 50) WHERE seq = 20`,
    ]);
    expect(forged.first_bad).toEqual({ seq: 20, problem: 'bad_signature' });
    const untrusted = await verifyLedger(store.db, {
      trustedKeys: [signerFromKey('2'.repeat(64)).publicKey],
    });
    expect(untrusted.first_bad).toEqual({ seq: 20, problem: 'bad_signature' });
  });

  it('refuses updates and deletes through the database connection', async () => {
    await expect(
      store.db.execute(sql`UPDATE ledger_entries SET outcome = 'ok' WHERE seq = 7`),
    ).rejects.toThrow();
    await expect(store.db.execute(sql`DELETE FROM ledger_entries WHERE seq = 7`)).rejects.toThrow();
    await expect(store.db.execute(sql`DELETE FROM ledger_checkpoints`)).rejects.toThrow();
    expect((await verifyLedger(store.db, { trustedKeys })).ok).toBe(true);
  });
});

describe('several writers on one ledger', () => {
  it('keeps one chain when writers interleave (each one-statement append checks the head it built on)', async () => {
    // Two Ledger objects stand for two hubs on one database: each believes it knows the head
    // after its own append, so every append after the other's must fail whole and be redone the
    // locking way.
    const a = new Ledger(store.db, signer, 10);
    const b = new Ledger(store.db, signer, 10);
    const before = (await verifyLedger(store.db, { trustedKeys })).entries;
    let n = 10_000;
    const batch = () => Array.from({ length: 3 }, () => entry(n++));
    for (let round = 0; round < 8; round++) {
      await Promise.all([a.appendDurably(batch()), b.appendDurably(batch())]);
      await a.appendDurably(batch());
      await b.appendDurably(batch());
    }
    const result = await verifyLedger(store.db, { trustedKeys });
    expect(result).toMatchObject({ ok: true, first_bad: null, entries: before + 8 * 4 * 3 });
  });
});
