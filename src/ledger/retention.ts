import { and, desc, eq, gt, lt, sql } from 'drizzle-orm';
import type { Logger } from 'pino';
import { queryRows, schema, type Db } from '../store/index.js';
import type { Ledger } from './ledger.js';
import { CheckpointKeys, snapshot, verifyLedger, type Finding } from './verify.js';

export interface RetentionDeps {
  db: Db;
  ledger: Ledger;
  trustedKeys: readonly string[];
  /** `audit.retention_days`: at least 184 (等保: six months). */
  retentionDays: number;
  /** The organisation the purge entry is filed under (the platform root). */
  orgId: string | null;
}

export interface PurgeResult {
  cutoff: string;
  retention_days: number;
  /** Entries up to this sequence number are gone; the chain now starts at the checkpoint there. */
  through_seq: number;
  entries_removed: number;
  content_removed: number;
  partitions_dropped: string[];
  /** The entries due for removal do not verify: nothing was removed (the evidence stays). */
  refused: Finding | null;
  /** Another hub was purging at the same moment. */
  skipped: boolean;
}

const DAY_MS = 86_400_000;
/** pg_advisory_xact_lock key: one purge at a time across every hub sharing the database. */
const PURGE_LOCK = 20260003;

/** `usage_records_y2026m05` covers Shanghai May 2026; it ends at 1 June 00:00 +08:00. */
function partitionEnd(name: string): number | null {
  const m = /^usage_records_y(\d{4})m(\d{2})$/.exec(name);
  return m ? Date.UTC(Number(m[1]), Number(m[2]), 1) - 8 * 3_600_000 : null;
}

/**
 * Remove what the retention period no longer requires. Entries are cut only at a signed
 * checkpoint: the newest one whose entry is older than the cutoff, so the chain stays verifiable
 * from there (verification anchors at it). Sealed call content older than the cutoff goes too,
 * and monthly usage partitions that end before it (the daily rollup stays: bills can still be
 * recomputed). The entries are verified before they are deleted, and the purge is itself a ledger
 * entry (`ledger.purge`), committed in the same transaction as the deletions.
 */
export async function purgeExpired(
  deps: RetentionDeps,
  options: { now?: Date; actor?: string } = {},
): Promise<PurgeResult> {
  const now = options.now ?? new Date();
  const cutoff = new Date(now.getTime() - deps.retentionDays * DAY_MS);
  const base = {
    cutoff: cutoff.toISOString(),
    retention_days: deps.retentionDays,
    entries_removed: 0,
    content_removed: 0,
    partitions_dropped: [] as string[],
    refused: null,
    skipped: false,
  };
  const record = (db: Db, outcome: string, detail: Record<string, unknown>) =>
    deps.ledger.appendIn(db, [
      {
        at: new Date(),
        actor: options.actor ?? 'system',
        orgId: deps.orgId,
        action: 'ledger.purge',
        object: null,
        outcome,
        ip: null,
        requestId: null,
        detail,
      },
    ]);

  // Reading and verifying happen before the purge's transaction: on an embedded database a
  // transaction holds the one connection, and checking a day of entries must not stall calls.
  const before = await snapshot(deps.db);
  const from = before.oldest ?? 1;
  const cut = await cutPoint(deps.db, deps.trustedKeys, cutoff, from - 1);
  if (cut !== null) {
    // Never destroy evidence of tampering: what is about to go must verify first.
    const check = await verifyLedger(deps.db, { from, to: cut, trustedKeys: deps.trustedKeys });
    if (!check.ok) {
      const detail = { cutoff: base.cutoff, first_bad: check.first_bad };
      await deps.db.transaction((tx) => record(tx, 'ledger_verify_failed', detail));
      return { ...base, through_seq: from - 1, refused: check.first_bad };
    }
  }

  return deps.db.transaction(async (tx) => {
    const [lock] = await queryRows<{ ok: boolean }>(
      tx,
      sql`SELECT pg_try_advisory_xact_lock(${PURGE_LOCK}) AS ok`,
    );
    const snap = await snapshot(tx);
    const anchor = snap.oldest === null ? 0 : snap.oldest - 1;
    if (!lock?.ok) return { ...base, through_seq: anchor, skipped: true };
    // Another hub may have purged meanwhile: remove only what was verified above and is left.
    const through = cut !== null && cut > anchor && (snap.oldest ?? 0) >= from ? cut : null;
    let removed = 0;
    if (through !== null) {
      await tx.execute(sql`SET LOCAL zs.ledger_purge = 'on'`);
      removed = await count(
        tx,
        sql`WITH d AS (DELETE FROM ledger_entries WHERE seq <= ${through} RETURNING 1) SELECT count(*) AS n FROM d`,
      );
      await tx.execute(sql`SET LOCAL zs.ledger_purge = 'off'`);
    }
    const content = await count(
      tx,
      sql`WITH d AS (DELETE FROM ledger_content WHERE at < ${cutoff} RETURNING 1) SELECT count(*) AS n FROM d`,
    );
    const partitions = (
      await queryRows<{ name: string }>(
        tx,
        sql`SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
             WHERE i.inhparent = 'usage_records'::regclass`,
      )
    )
      .map((r) => r.name)
      .filter((name) => (partitionEnd(name) ?? Infinity) <= cutoff.getTime())
      .sort();
    const result: PurgeResult = {
      ...base,
      through_seq: through ?? anchor,
      entries_removed: removed,
      content_removed: content,
      partitions_dropped: partitions,
    };
    if (!removed && !content && !partitions.length) return result;
    const { refused: _r, skipped: _s, ...detail } = result;
    // Recorded before the partitions are dropped: appenders lock the chain head before they
    // touch usage_records, so taking the head first here keeps the lock order the same.
    await record(tx, 'ok', detail);
    for (const name of partitions) await tx.execute(sql.raw(`DROP TABLE IF EXISTS "${name}"`));
    return result;
  });
}

/** The newest checkpoint whose entry is older than the cutoff, signed by a trusted key and matching its entry. */
async function cutPoint(
  db: Db,
  trustedKeys: readonly string[],
  cutoff: Date,
  anchor: number,
): Promise<number | null> {
  const c = schema.ledgerCheckpoints;
  const e = schema.ledgerEntries;
  const candidates = await db
    .select({
      seq: c.seq,
      hash: c.hash,
      publicKey: c.publicKey,
      signature: c.signature,
      entryHash: e.hash,
    })
    .from(c)
    .innerJoin(e, eq(e.seq, c.seq))
    .where(and(lt(e.at, cutoff), gt(c.seq, anchor)))
    .orderBy(desc(c.seq))
    .limit(16);
  const keys = new CheckpointKeys(trustedKeys);
  return candidates.find((cp) => cp.hash === cp.entryHash && keys.valid(cp))?.seq ?? null;
}

async function count(db: Db, query: ReturnType<typeof sql>): Promise<number> {
  const [row] = await queryRows<{ n: string | number }>(db, query);
  return Number(row?.n ?? 0);
}

/** The hub's retention job: at start and daily. Failures and refusals are logged, never thrown. */
export function retentionTask(deps: RetentionDeps, log: Logger): () => Promise<void> {
  return async () => {
    try {
      const result = await purgeExpired(deps);
      if (result.refused)
        log.error(
          { first_bad: result.refused },
          'ledger retention purge refused: the entries due for removal do not verify',
        );
      else if (result.entries_removed || result.content_removed || result.partitions_dropped.length)
        log.info(result, 'ledger retention purge');
    } catch (err) {
      log.warn({ err }, 'ledger retention purge failed');
    }
  };
}
