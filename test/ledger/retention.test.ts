import { randomBytes, randomUUID } from 'node:crypto';
import { asc, eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LedgerEntryInput } from '../../src/ledger/chain.js';
import { Ledger } from '../../src/ledger/ledger.js';
import { purgeExpired, type RetentionDeps } from '../../src/ledger/retention.js';
import { signerFromKey } from '../../src/ledger/signer.js';
import { verifyLedger, type VerifyResult } from '../../src/ledger/verify.js';
import { ensurePartitions } from '../../src/store/partitions.js';
import { queryRows, schema, type Db, type Store } from '../../src/store/index.js';
import { freshStore } from './support.js';

/**
 * Retention: entries older than `audit.retention_days` go, cut at a signed checkpoint, and the
 * chain stays verifiable from there; tampering after a purge is still caught.
 */
const DAY = 86_400_000;
const signer = signerFromKey(randomBytes(32).toString('hex'));
const trustedKeys = [signer.publicKey];
let store: Store;
let close: () => Promise<void>;
let ledger: Ledger;
let deps: RetentionDeps;
const orgId = randomUUID();
const daysAgo = (n: number) => new Date(Date.now() - n * DAY);

const entries = (n: number, at: Date, tag: string): LedgerEntryInput[] =>
  Array.from({ length: n }, (_, i) => ({
    at: new Date(at.getTime() + i * 1000),
    actor: 'user:sysadmin',
    orgId,
    action: tag,
    object: null,
    outcome: 'ok',
    ip: '10.0.0.1',
    requestId: `${tag}-${i}`,
    detail: { i },
  }));

const verify = (db: Db = store.db) => verifyLedger(db, { trustedKeys });

class Rollback extends Error {}
/** Tamper (append-only triggers bypassed), look, and roll everything back. */
async function tampered<T>(change: string[], look: (tx: Db) => Promise<T>): Promise<T> {
  let result: T | undefined;
  await store.db
    .transaction(async (tx) => {
      await tx.execute(sql`SET LOCAL session_replication_role = replica`);
      for (const s of change) await tx.execute(sql.raw(s));
      result = await look(tx);
      throw new Rollback();
    })
    .catch((err: unknown) => {
      if (!(err instanceof Rollback)) throw err;
    });
  return result!;
}

beforeAll(async () => {
  ({ store, close } = await freshStore());
  ledger = new Ledger(store.db, signer, 1000);
  deps = { db: store.db, ledger, trustedKeys, retentionDays: 184, orgId: null };
  // 300 days ago: 20 entries, signed; 250 days ago: 10, signed (seq 30); 100 days ago: 5, signed
  // (35, inside the retention period); today: 5.
  await ledger.append(entries(20, daysAgo(300), 'old'));
  await ledger.checkpoint();
  await ledger.append(entries(10, daysAgo(250), 'older'));
  await ledger.checkpoint();
  await ledger.append(entries(5, daysAgo(100), 'recent'));
  await ledger.checkpoint();
  await ledger.append(entries(5, new Date(), 'today'));
  // Sealed content and a usage month from 300 days ago, and this month's.
  for (const [requestId, at] of [
    ['old-0', daysAgo(300)],
    ['today-0', new Date()],
  ] as const)
    await store.db.insert(schema.ledgerContent).values({ requestId, at, orgId, sealed: 'x' });
  await ensurePartitions(store.db, daysAgo(300));
  await ensurePartitions(store.db);
  for (const at of [daysAgo(300), new Date()]) {
    await store.db.insert(schema.usageRecords).values({
      at,
      requestId: randomUUID(),
      orgId,
      op: 'chat',
      model: 'qwen',
      stream: false,
      promptTokens: 1,
      completionTokens: 1,
      cachedTokens: 0,
      estimated: false,
      latencyMs: 1,
      status: 200,
      attempts: 1,
      costNano: 1n,
      ledgerSeq: 1,
    });
  }
  await store.db.insert(schema.usageDaily).values({
    day: daysAgo(300).toISOString().slice(0, 10),
    orgId,
    keyId: randomUUID(),
    model: 'qwen',
    requests: 1,
    errors: 0,
    promptTokens: 1,
    completionTokens: 1,
    cachedTokens: 0,
    costNano: 1n,
    latencyMsSum: 1,
  });
});

afterAll(async () => {
  await close?.();
});

describe('the retention purge', () => {
  it('refuses to remove entries that do not verify, and records the refusal', async () => {
    const { result, left, last } = await tampered(
      [`UPDATE ledger_entries SET outcome = 'error' WHERE seq = 12`],
      async (tx) => {
        const result = await purgeExpired({ ...deps, db: tx });
        const [count] = await queryRows<{ n: string }>(
          tx,
          sql`SELECT count(*) AS n FROM ledger_entries`,
        );
        const [last] = await tx
          .select()
          .from(schema.ledgerEntries)
          .orderBy(sql`seq DESC`)
          .limit(1);
        return { result, left: Number(count!.n), last };
      },
    );
    expect(result).toMatchObject({ refused: { seq: 12, problem: 'modified' }, entries_removed: 0 });
    expect(left).toBe(41);
    expect(last).toMatchObject({
      action: 'ledger.purge',
      outcome: 'ledger_verify_failed',
      detail: { first_bad: { seq: 12, problem: 'modified' } },
    });
  });

  it('cuts at the newest checkpoint before the cutoff, drops old content and usage months', async () => {
    const oldPartition = (
      await queryRows<{ name: string }>(
        store.db,
        sql`SELECT tableoid::regclass::text AS name FROM usage_records ORDER BY at LIMIT 1`,
      )
    )[0]!.name;
    const result = await purgeExpired(deps);
    expect(result).toMatchObject({
      retention_days: 184,
      through_seq: 30,
      entries_removed: 30,
      content_removed: 1,
      refused: null,
    });
    expect(result.partitions_dropped).toContain(oldPartition);
    const rows = await store.db
      .select()
      .from(schema.ledgerEntries)
      .orderBy(asc(schema.ledgerEntries.seq));
    expect(rows.map((r) => r.seq)).toEqual([...Array.from({ length: 10 }, (_, i) => 31 + i), 41]);
    expect(rows.at(-1)).toMatchObject({
      action: 'ledger.purge',
      actor: 'system',
      outcome: 'ok',
      detail: { through_seq: 30, entries_removed: 30, content_removed: 1 },
    });
    // Content of today stays; the old usage month is gone, this month and the daily rollup stay.
    const content = await store.db.select().from(schema.ledgerContent);
    expect(content.map((c) => c.requestId)).toEqual(['today-0']);
    expect(await store.db.select().from(schema.usageRecords)).toHaveLength(1);
    expect(await store.db.select().from(schema.usageDaily)).toHaveLength(1);

    expect(await verify()).toMatchObject({
      ok: true,
      entries: 11,
      from_seq: 31,
      to_seq: 41,
      anchor: { seq: 30, source: 'checkpoint' },
    });
  });

  it('removes and records nothing when nothing more has expired', async () => {
    const result = await purgeExpired(deps);
    expect(result).toMatchObject({
      through_seq: 30,
      entries_removed: 0,
      content_removed: 0,
      partitions_dropped: [],
    });
    expect((await verify()).entries).toBe(11);
  });

  it('still catches tampering after a purge', async () => {
    const look = (change: string[]) => tampered<VerifyResult>(change, (tx) => verify(tx));
    expect(
      (await look([`UPDATE ledger_entries SET actor = 'user:x' WHERE seq = 33`])).first_bad,
    ).toEqual({ seq: 33, problem: 'modified' });
    // The first kept entry deleted: it no longer follows a checkpoint.
    expect((await look([`DELETE FROM ledger_entries WHERE seq = 31`])).first_bad).toEqual({
      seq: 31,
      problem: 'missing',
    });
    // Deleted up to checkpoint 35 as if purged, but no purge removed them.
    expect((await look([`DELETE FROM ledger_entries WHERE seq <= 35`])).first_bad).toEqual({
      seq: 31,
      problem: 'missing',
    });
    // The anchor checkpoint forged: the newest trusted one before it is 20, so 21 on are unaccounted for.
    expect(
      (await look([`UPDATE ledger_checkpoints SET hash = repeat('0', 64) WHERE seq = 30`]))
        .first_bad,
    ).toEqual({ seq: 21, problem: 'missing' });
    // The purge record itself removed.
    expect(
      (
        await look([
          `DELETE FROM ledger_entries WHERE seq = 41`,
          `UPDATE ledger_head SET seq = 40, hash = (SELECT hash FROM ledger_entries WHERE seq = 40)`,
        ])
      ).first_bad,
    ).toEqual({ seq: 1, problem: 'missing' });
    expect((await verify()).ok).toBe(true);
  });

  it('keeps appending and verifying after the purge', async () => {
    await ledger.append(entries(3, new Date(), 'after'));
    await ledger.checkpoint();
    const [head] = await store.db
      .select()
      .from(schema.ledgerHead)
      .where(eq(schema.ledgerHead.id, 1));
    expect(head!.seq).toBe(44);
    expect(await verify()).toMatchObject({ ok: true, entries: 14, checkpoints: 3 });
  });
});
