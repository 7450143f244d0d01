import { and, asc, desc, eq, gte, lt, lte, sql } from 'drizzle-orm';
import { sm2 } from 'sm-crypto-v2';
import { queryRows, schema, type Db } from '../store/index.js';
import { checkpointMessage, entryHash, GENESIS_HASH, type LedgerEntry } from './chain.js';
import { resolveRange, type RangeInput } from './range.js';
import { SM2_USER_ID } from './signer.js';

export type Problem =
  /** An entry's content no longer matches its hash. */
  | 'modified'
  /** A sequence number is absent: an entry was deleted (or the tail truncated, or old entries
   * removed other than by a retention purge at a signed checkpoint). */
  | 'missing'
  /** An entry does not follow its predecessor: inserted or reordered. */
  | 'chain_broken'
  /** Entries exist beyond the recorded head, or the head does not match the last entry. */
  | 'head_mismatch'
  /** A signed checkpoint does not match the entry it covers. */
  | 'checkpoint_mismatch'
  /** A checkpoint's SM2 signature is invalid or made with a key the verifier does not trust. */
  | 'bad_signature';

export interface Finding {
  seq: number;
  problem: Problem;
}

/** Where the walk started from: the chain's origin, a signed checkpoint (after a purge), or the entry before a range. */
export interface Anchor {
  seq: number;
  source: 'genesis' | 'checkpoint' | 'entry';
}

export interface VerifyResult {
  ok: boolean;
  entries: number;
  checkpoints: number;
  first_bad: Finding | null;
  /** The first and last entry walked (null when the range holds none). */
  from_seq: number | null;
  to_seq: number | null;
  anchor: Anchor | null;
}

export interface VerifyOptions {
  from?: number | undefined;
  to?: number | undefined;
  /** Public keys whose checkpoints count (the hub's own key at least). */
  trustedKeys: readonly string[];
}

const SM2_OPTIONS = { hash: true, der: true, userId: SM2_USER_ID } as const;
type Point = ReturnType<typeof sm2.precomputePublicKey>;
/** Precomputed tables per public key: an SM2 check then costs about a fifth as much. */
const points = new Map<string, Point | null>();

/** Checks checkpoint signatures against the keys a verifier trusts (same SM2 parameters as signer.ts). */
export class CheckpointKeys {
  constructor(readonly trusted: readonly string[]) {}

  valid(cp: { seq: number; hash: string; publicKey: string; signature: string }): boolean {
    if (!this.trusted.includes(cp.publicKey)) return false;
    let point = points.get(cp.publicKey);
    if (point === undefined) {
      try {
        point = sm2.precomputePublicKey(cp.publicKey);
      } catch {
        point = null;
      }
      if (points.size > 64) points.clear();
      points.set(cp.publicKey, point);
    }
    if (!point) return false;
    try {
      return sm2.doVerifySignature(
        checkpointMessage(cp.seq, cp.hash),
        cp.signature,
        point,
        SM2_OPTIONS,
      );
    } catch {
      return false;
    }
  }
}

/**
 * Checks entries one at a time, in order: each must have the next sequence number, follow its
 * predecessor's hash, hash to its own `hash`, and match a signed checkpoint where there is one.
 * Shared by the database walk and the offline bundle check; it keeps no per-entry state.
 */
export class ChainWalk {
  entries = 0;
  found: Finding | null = null;
  private expected: number;

  /** `prevHash` null: accept whatever the first entry says it follows (checked by the caller). */
  constructor(
    first: number,
    private prevHash: string | null,
  ) {
    this.expected = first;
  }

  /** The last entry that passed, as `{seq, hash}` (`hash` null before any). */
  get last(): { seq: number; hash: string | null } {
    return { seq: this.expected - 1, hash: this.prevHash };
  }

  /** False once a problem is found; `signedHash` is a trusted checkpoint's hash at this seq. */
  step(e: LedgerEntry, signedHash?: string): boolean {
    this.entries += 1;
    let found: Finding | null = null;
    if (e.seq !== this.expected) {
      found =
        e.seq > this.expected
          ? { seq: this.expected, problem: 'missing' }
          : { seq: e.seq, problem: 'chain_broken' };
    } else if (this.prevHash !== null && e.prevHash !== this.prevHash) {
      found = { seq: e.seq, problem: 'chain_broken' };
    } else if (entryHash(e.prevHash, e.seq, e) !== e.hash) {
      found = { seq: e.seq, problem: 'modified' };
    } else if (signedHash !== undefined && signedHash !== e.hash) {
      found = { seq: e.seq, problem: 'checkpoint_mismatch' };
    }
    if (found) {
      this.found = found;
      return false;
    }
    this.prevHash = e.hash;
    this.expected = e.seq + 1;
    return true;
  }
}

const PAGE = 2000;

/**
 * Entries `from ≤ seq ≤ to` in order, a page at a time, the next page already on its way while
 * the caller hashes the current one (on a server the two overlap).
 */
export async function* entryPages(db: Db, from: number, to: number): AsyncGenerator<LedgerEntry[]> {
  const e = schema.ledgerEntries;
  const fetch = (next: number) =>
    db
      .select()
      .from(e)
      .where(and(gte(e.seq, next), lte(e.seq, to)))
      .orderBy(asc(e.seq))
      .limit(PAGE);
  let pending: Promise<LedgerEntry[]> | null = fetch(from);
  try {
    while (pending) {
      const rows: LedgerEntry[] = await pending;
      const last = rows.at(-1);
      pending = rows.length === PAGE && last && last.seq < to ? fetch(last.seq + 1) : null;
      yield rows;
    }
  } finally {
    pending?.catch(() => {}); // the caller stopped early; nobody awaits the prefetch
  }
}

export interface Snapshot {
  headSeq: number;
  headHash: string;
  oldest: number | null;
  newest: number | null;
  /** The newest checkpoint's seq (0 when none). */
  lastCheckpoint: number;
}

/**
 * Head, both ends of the stored chain and the newest checkpoint, read in one statement: appends
 * and checkpoints commit together with the head, so these agree, and whatever is appended while
 * a walk runs is simply beyond it.
 */
export async function snapshot(db: Db): Promise<Snapshot> {
  const [row] = await queryRows<{
    seq: string | number;
    hash: string;
    oldest: string | number | null;
    newest: string | number | null;
    cp: string | number | null;
  }>(
    db,
    sql`SELECT h.seq, h.hash, (SELECT min(seq) FROM ledger_entries) AS oldest,
               (SELECT max(seq) FROM ledger_entries) AS newest,
               (SELECT max(seq) FROM ledger_checkpoints) AS cp
          FROM ledger_head h WHERE h.id = 1`,
  );
  if (!row) throw new Error('ledger_head row missing: migration 0002-ledger not applied');
  const num = (v: string | number | null) => (v === null ? null : Number(v));
  return {
    headSeq: Number(row.seq),
    headHash: row.hash,
    oldest: num(row.oldest),
    newest: num(row.newest),
    lastCheckpoint: num(row.cp) ?? 0,
  };
}

async function checkpointsIn(db: Db, from: number, to: number) {
  const c = schema.ledgerCheckpoints;
  return db
    .select()
    .from(c)
    .where(and(gte(c.seq, from), lte(c.seq, to)))
    .orderBy(asc(c.seq));
}

/**
 * The hash the first kept entry must follow. At seq 1 that is the genesis hash. When older
 * entries were purged, it is the signed checkpoint the purge cut at: a retention purge only ever
 * cuts there. Without one, the entries before are missing: from just after the newest trusted
 * checkpoint below (or from 1).
 */
export async function anchorFor(
  db: Db,
  start: number,
  keys: CheckpointKeys,
): Promise<{ anchor: Anchor; hash: string } | { missingFrom: number }> {
  if (start <= 1) return { anchor: { seq: 0, source: 'genesis' }, hash: GENESIS_HASH };
  const c = schema.ledgerCheckpoints;
  const below = await db.select().from(c).where(lt(c.seq, start)).orderBy(desc(c.seq)).limit(32);
  const trusted = below.find((cp) => keys.valid(cp));
  if (trusted?.seq === start - 1)
    return { anchor: { seq: start - 1, source: 'checkpoint' }, hash: trusted.hash };
  return { missingFrom: (trusted?.seq ?? 0) + 1 };
}

/**
 * Walk the chain in order and report the first entry that was modified, deleted, inserted or
 * reordered, and every checkpoint that is forged or does not match. Streaming: memory stays
 * flat however long the ledger is.
 */
export async function verifyLedger(db: Db, options: VerifyOptions): Promise<VerifyResult> {
  const first = await verifyOnce(db, options);
  // A retention purge that ran meanwhile removed the start of the walk: look again, once.
  if (first.result.first_bad?.problem === 'missing') {
    const now = await snapshot(db);
    if ((now.oldest ?? 0) > (first.oldest ?? 0)) return (await verifyOnce(db, options)).result;
  }
  return first.result;
}

async function verifyOnce(
  db: Db,
  options: VerifyOptions,
): Promise<{ result: VerifyResult; oldest: number | null }> {
  const keys = new CheckpointKeys(options.trustedKeys);
  const snap = await snapshot(db);
  const from = options.from ?? 1;
  const start = Math.max(from, snap.oldest ?? from);
  const end = Math.min(options.to ?? Infinity, snap.headSeq);
  const whole = options.to === undefined;
  const problems: Finding[] = [];
  const done = (walked: number, checked: number, anchor: Anchor | null, last: number) => {
    problems.sort((a, b) => a.seq - b.seq);
    const result: VerifyResult = {
      ok: problems.length === 0,
      entries: walked,
      checkpoints: checked,
      first_bad: problems[0] ?? null,
      from_seq: last >= start ? start : null,
      to_seq: last >= start ? last : null,
      anchor,
    };
    return { result, oldest: snap.oldest };
  };

  // The anchor: genesis, the entry before a range, or the checkpoint a purge cut at.
  let anchor: Anchor | null = null;
  let prevHash: string | null = null;
  if (snap.oldest !== null && start <= end) {
    if (start > snap.oldest) {
      const [before] = await db
        .select({ hash: schema.ledgerEntries.hash })
        .from(schema.ledgerEntries)
        .where(eq(schema.ledgerEntries.seq, start - 1));
      anchor = { seq: start - 1, source: 'entry' };
      prevHash = before?.hash ?? null;
    } else {
      const found = await anchorFor(db, start, keys);
      if ('missingFrom' in found) {
        problems.push({ seq: found.missingFrom, problem: 'missing' });
        return done(0, 0, null, start - 1);
      }
      anchor = found.anchor;
      prevHash = found.hash;
    }
  }

  const signed = new Map<number, string>();
  const checkpoints = await checkpointsIn(db, start, options.to ?? snap.lastCheckpoint);
  for (const cp of checkpoints) {
    if (keys.valid(cp)) signed.set(cp.seq, cp.hash);
    else problems.push({ seq: cp.seq, problem: 'bad_signature' });
  }

  const walk = new ChainWalk(start, prevHash);
  let purgedThrough: number | null = null;
  if (start <= end) {
    outer: for await (const page of entryPages(db, start, end)) {
      for (const row of page) {
        if (!walk.step(row, signed.get(row.seq))) break outer;
        if (row.action === 'ledger.purge' && row.outcome === 'ok')
          purgedThrough = Number(row.detail?.through_seq ?? NaN);
      }
    }
  }
  const last = walk.last;
  if (walk.found) problems.push(walk.found);
  else if (last.seq < end) problems.push({ seq: last.seq + 1, problem: 'missing' });
  else if (whole) {
    if ((snap.newest ?? 0) > snap.headSeq)
      problems.push({ seq: snap.headSeq + 1, problem: 'head_mismatch' });
    else if (last.seq >= start && last.hash !== snap.headHash)
      problems.push({ seq: last.seq, problem: 'head_mismatch' });
    // A signed checkpoint past the last entry: the tail was cut off (and the head rewound).
    const beyond = checkpoints.find((cp) => cp.seq > last.seq && signed.has(cp.seq));
    if (beyond) problems.push({ seq: last.seq + 1, problem: 'missing' });
    // Entries before a checkpoint anchor are gone: only a recorded purge may have removed them.
    if (anchor?.source === 'checkpoint' && purgedThrough !== anchor.seq)
      problems.push({
        seq: purgedThrough !== null && purgedThrough < anchor.seq ? purgedThrough + 1 : 1,
        problem: 'missing',
      });
  }
  return done(
    walk.entries,
    checkpoints.length + (anchor?.source === 'checkpoint' ? 1 : 0),
    anchor,
    last.seq,
  );
}

/** What `audit verify` and `GET /api/v1/ledger/verify` answer: the result and the hub's signing key. */
export type LedgerVerifyReport = VerifyResult & { key: { key_id: string; public_key: string } };

/** Verify a range given as times or sequence numbers; a range holding no entries verifies trivially. */
export async function verifyRange(
  db: Db,
  input: RangeInput,
  keys: { trustedKeys: readonly string[]; signer: { keyId: string; publicKey: string } },
): Promise<LedgerVerifyReport> {
  const range = await resolveRange(db, input);
  const result: VerifyResult = range.empty
    ? {
        ok: true,
        entries: 0,
        checkpoints: 0,
        first_bad: null,
        from_seq: null,
        to_seq: null,
        anchor: null,
      }
    : await verifyLedger(db, { from: range.from, to: range.to, trustedKeys: keys.trustedKeys });
  return { ...result, key: { key_id: keys.signer.keyId, public_key: keys.signer.publicKey } };
}
