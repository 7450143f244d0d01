import { asc, eq, gte, lte, and, desc } from 'drizzle-orm';
import type { AnyPgColumn } from 'drizzle-orm/pg-core';
import { schema, type Db } from '../store/index.js';
import { checkpointMessage, entryHash, type LedgerEntry, type LedgerEntryInput } from './chain.js';
import type { Signer } from './signer.js';

export interface Checkpoint {
  seq: number;
  hash: string;
  signedAt: Date;
  keyId: string;
}

/**
 * The append-only audit ledger (审计日志). Entries form an SM3 hash chain; every
 * `checkpointEvery` entries (and on demand) the head is signed with SM2. Appends lock the chain
 * head, so any number of hubs sharing one database append in a single order.
 */
export class Ledger {
  constructor(
    private readonly db: Db,
    private readonly signer: Signer,
    private readonly checkpointEvery = 1000,
  ) {}

  /** Append entries in one transaction; they are durable when the promise resolves. */
  append(inputs: readonly LedgerEntryInput[]): Promise<LedgerEntry[]> {
    if (!inputs.length) return Promise.resolve([]);
    return this.db.transaction((tx) => this.appendIn(tx, inputs));
  }

  /** Append inside the caller's transaction (with the usage rows that reference the entries). */
  async appendIn(tx: Db, inputs: readonly LedgerEntryInput[]): Promise<LedgerEntry[]> {
    if (!inputs.length) return [];
    const head = await lockHead(tx);
    let seq = head.seq;
    let prevHash = head.hash;
    const rows: LedgerEntry[] = inputs.map((input) => {
      seq += 1;
      const hash = entryHash(prevHash, seq, input);
      const row = { ...input, seq, prevHash, hash };
      prevHash = hash;
      return row;
    });
    await tx.insert(schema.ledgerEntries).values(rows);
    await tx
      .update(schema.ledgerHead)
      .set({ seq, hash: prevHash })
      .where(eq(schema.ledgerHead.id, 1));
    if (Math.floor(seq / this.checkpointEvery) > Math.floor(head.seq / this.checkpointEvery)) {
      await this.sign(tx, seq, prevHash);
    }
    return rows;
  }

  /** Sign the current head (if it has moved since the last checkpoint). */
  async checkpoint(): Promise<Checkpoint | null> {
    return this.db.transaction(async (tx) => {
      const head = await lockHead(tx);
      if (head.seq === 0) return null;
      const [last] = await tx
        .select()
        .from(schema.ledgerCheckpoints)
        .orderBy(desc(schema.ledgerCheckpoints.seq))
        .limit(1);
      if (last?.seq === head.seq)
        return { seq: last.seq, hash: last.hash, signedAt: last.signedAt, keyId: last.keyId };
      return this.sign(tx, head.seq, head.hash);
    });
  }

  private async sign(db: Db, seq: number, hash: string): Promise<Checkpoint> {
    const signedAt = new Date();
    const signature = this.signer.sign(checkpointMessage(seq, hash));
    await db.insert(schema.ledgerCheckpoints).values({
      seq,
      hash,
      signedAt,
      keyId: this.signer.keyId,
      publicKey: this.signer.publicKey,
      signature,
    });
    return { seq, hash, signedAt, keyId: this.signer.keyId };
  }
}

/** The chain head, locked for the rest of the transaction: appenders take turns here. */
async function lockHead(tx: Db): Promise<{ seq: number; hash: string }> {
  const [head] = await tx
    .select()
    .from(schema.ledgerHead)
    .where(eq(schema.ledgerHead.id, 1))
    .for('update');
  if (!head) throw new Error('ledger_head row missing: migration 0002-ledger not applied');
  return head;
}

/** `from ≤ seq (≤ to)`. */
export const seqBetween = (column: AnyPgColumn, from: number, to: number | undefined) =>
  and(gte(column, from), to !== undefined ? lte(column, to) : undefined);

/** Read entries in order, a page at a time (the ledger can be large). */
export async function* readEntries(
  db: Db,
  range: { from?: number; to?: number } = {},
  page = 1000,
): AsyncGenerator<LedgerEntry> {
  let next = range.from ?? 1;
  for (;;) {
    const rows = await db
      .select()
      .from(schema.ledgerEntries)
      .where(seqBetween(schema.ledgerEntries.seq, next, range.to))
      .orderBy(asc(schema.ledgerEntries.seq))
      .limit(page);
    for (const row of rows) yield row;
    if (rows.length < page) return;
    next = rows.at(-1)!.seq + 1;
  }
}
