import { asc, eq } from 'drizzle-orm';
import { schema, type Db } from '../store/index.js';
import { checkpointMessage, entryHash, GENESIS_HASH } from './chain.js';
import { readEntries, seqBetween } from './ledger.js';
import { verifySignature } from './signer.js';

export type Problem =
  /** An entry's content no longer matches its hash. */
  | 'modified'
  /** A sequence number is absent: an entry was deleted (or the tail truncated). */
  | 'missing'
  /** An entry does not follow its predecessor: inserted or reordered. */
  | 'chain_broken'
  /** Entries exist beyond the recorded head, or the head does not match the last entry. */
  | 'head_mismatch'
  /** A signed checkpoint does not match the entry it covers. */
  | 'checkpoint_mismatch'
  /** A checkpoint's SM2 signature is invalid or made with a key the verifier does not trust. */
  | 'bad_signature';

export interface VerifyResult {
  ok: boolean;
  entries: number;
  checkpoints: number;
  first_bad: { seq: number; problem: Problem } | null;
}

export interface VerifyOptions {
  from?: number | undefined;
  to?: number | undefined;
  /** Public keys whose checkpoints count (the hub's own key at least). */
  trustedKeys: readonly string[];
}

/**
 * Walk the chain in order and report the first entry that was modified, deleted, inserted or
 * reordered, then check every signed checkpoint in range against the entries it covers.
 */
export async function verifyLedger(db: Db, options: VerifyOptions): Promise<VerifyResult> {
  const problems: { seq: number; problem: Problem }[] = [];
  const from = options.from ?? 1;
  let prevHash = from === 1 ? GENESIS_HASH : null;
  if (prevHash === null) {
    const [before] = await db
      .select({ hash: schema.ledgerEntries.hash })
      .from(schema.ledgerEntries)
      .where(eq(schema.ledgerEntries.seq, from - 1));
    prevHash = before?.hash ?? null; // after a retention purge the walk starts at the oldest entry kept
  }
  const hashes = new Map<number, string>();
  let expected = from;
  let entries = 0;
  for await (const row of readEntries(db, { from, to: options.to })) {
    entries += 1;
    if (row.seq !== expected) problems.push({ seq: expected, problem: 'missing' });
    else if (prevHash !== null && row.prevHash !== prevHash)
      problems.push({ seq: row.seq, problem: 'chain_broken' });
    else if (entryHash(row.prevHash, row.seq, row) !== row.hash)
      problems.push({ seq: row.seq, problem: 'modified' });
    if (problems.length) break;
    hashes.set(row.seq, row.hash);
    prevHash = row.hash;
    expected = row.seq + 1;
  }
  if (!problems.length && options.to === undefined) {
    const [head] = await db.select().from(schema.ledgerHead).where(eq(schema.ledgerHead.id, 1));
    const last = expected - 1;
    if (head && head.seq > last) problems.push({ seq: last + 1, problem: 'missing' });
    else if (head && (head.seq < last || (last >= from && head.hash !== prevHash))) {
      problems.push({ seq: Math.min(head.seq + 1, last), problem: 'head_mismatch' });
    }
  }
  const checkpoints = await db
    .select()
    .from(schema.ledgerCheckpoints)
    .where(seqBetween(schema.ledgerCheckpoints.seq, from, options.to))
    .orderBy(asc(schema.ledgerCheckpoints.seq));
  for (const cp of checkpoints) {
    const trusted = options.trustedKeys.includes(cp.publicKey);
    if (
      !trusted ||
      !verifySignature(checkpointMessage(cp.seq, cp.hash), cp.signature, cp.publicKey)
    ) {
      problems.push({ seq: cp.seq, problem: 'bad_signature' });
    } else if (hashes.size && hashes.has(cp.seq) && hashes.get(cp.seq) !== cp.hash) {
      problems.push({ seq: cp.seq, problem: 'checkpoint_mismatch' });
    }
  }
  problems.sort((a, b) => a.seq - b.seq);
  return {
    ok: problems.length === 0,
    entries,
    checkpoints: checkpoints.length,
    first_bad: problems[0] ?? null,
  };
}
