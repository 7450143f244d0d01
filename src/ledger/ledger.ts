import { asc, eq, gte, lte, and, desc, sql, type SQL } from 'drizzle-orm';
import type { AnyPgColumn } from 'drizzle-orm/pg-core';
import { schema, type Db } from '../store/index.js';
import {
  checkpointMessage,
  entryHash,
  storable,
  type LedgerEntry,
  type LedgerEntryInput,
} from './chain.js';
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

  /**
   * The head as this object's last append left it, once that append committed: while this process
   * is the only writer, it is still the head (see appendDurably).
   */
  private known: { seq: number; hash: string } | null = null;

  /** Append entries in one transaction; they are durable when the promise resolves. */
  append(inputs: readonly LedgerEntryInput[]): Promise<LedgerEntry[]> {
    if (!inputs.length) return Promise.resolve([]);
    return this.db.transaction((tx) => this.appendIn(tx, inputs));
  }

  /**
   * Append inside the caller's transaction, under the head's lock. `alsoWrite` returns a further
   * SQL call (the usage rows that reference the entries, …) made in the same statement as the
   * entries and the new head, so a batch costs two round trips (lock the head, write everything)
   * whatever it holds.
   */
  async appendIn(
    tx: Db,
    inputs: readonly LedgerEntryInput[],
    alsoWrite?: AlsoWrite,
  ): Promise<LedgerEntry[]> {
    if (!inputs.length) return [];
    this.known = null;
    const { rows, statement } = this.chain(await lockHead(tx), inputs, alsoWrite);
    await tx.execute(statement);
    return rows;
  }

  /**
   * Append entries and whatever `alsoWrite` adds, durably, in as few round trips as possible (the
   * recorder's path: every call waits for it). When this object knows the head (it made the last
   * append it knows of), everything, the new head and any checkpoint included, is one statement
   * with no transaction around it. zs_ledger_append moves the head only from the head the entries
   * were chained on, checked under the head's row lock, and fails as a whole (nothing written) if
   * another writer moved it meanwhile. Then, or after any other failure, the append is made again
   * the locking way (appendIn in a transaction), whose failure the caller sees.
   */
  async appendDurably(
    inputs: readonly LedgerEntryInput[],
    alsoWrite?: AlsoWrite,
  ): Promise<LedgerEntry[]> {
    if (!inputs.length) return [];
    const known = this.known;
    this.known = null;
    if (known) {
      const { rows, statement } = this.chain(known, inputs, alsoWrite);
      try {
        await this.db.execute(statement);
        this.known = { seq: rows.at(-1)!.seq, hash: rows.at(-1)!.hash };
        return rows;
      } catch {
        // Another writer appended (or the database failed): the locking way tells which.
      }
    }
    const rows = await this.db.transaction((tx) => this.appendIn(tx, inputs, alsoWrite));
    this.known = { seq: rows.at(-1)!.seq, hash: rows.at(-1)!.hash };
    return rows;
  }

  /**
   * The entries chained onto `head`, and one statement writing them, the new head, the checkpoint
   * when one is due and `alsoWrite`'s rows (migration 0004 has the functions it calls).
   */
  private chain(
    head: { seq: number; hash: string },
    inputs: readonly LedgerEntryInput[],
    alsoWrite: AlsoWrite | undefined,
  ): { rows: LedgerEntry[]; statement: SQL } {
    let seq = head.seq;
    let prevHash = head.hash;
    const rows: LedgerEntry[] = inputs.map((raw) => {
      seq += 1;
      const input = storable(raw);
      const hash = entryHash(prevHash, seq, input);
      const row = { ...input, seq, prevHash, hash };
      prevHash = hash;
      return row;
    });
    const entries = jsonRows(
      rows.map((r) => ({
        seq: r.seq,
        at: r.at,
        actor: r.actor,
        org_id: r.orgId,
        action: r.action,
        object: r.object,
        outcome: r.outcome,
        ip: r.ip,
        request_id: r.requestId,
        detail: r.detail,
        prev_hash: r.prevHash,
        hash: r.hash,
      })),
    );
    const due =
      Math.floor(seq / this.checkpointEvery) > Math.floor(head.seq / this.checkpointEvery);
    const checkpoint = due
      ? JSON.stringify({
          seq,
          hash: prevHash,
          signed_at: new Date(),
          key_id: this.signer.keyId,
          public_key: this.signer.publicKey,
          signature: this.signer.sign(checkpointMessage(seq, prevHash)),
        })
      : null;
    const also = alsoWrite?.(rows);
    const statement = sql`SELECT zs_ledger_append(${head.seq}, ${head.hash}, ${entries}::jsonb, ${checkpoint}::jsonb)${also ? sql`, ${also}` : sql``}`;
    return { rows, statement };
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

const SURROGATE = /[\uD800-\uDFFF]/;
const ESCAPED_SURROGATE = /\\ud[89a-f]/i;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** A further write made in the same statement as a ledger append: an SQL function call. */
export type AlsoWrite = (rows: readonly LedgerEntry[]) => SQL | null;

/**
 * Rows as one JSON text, keyed by column name, for `jsonb_populate_recordset`: building a
 * multi-row INSERT with a parameter per value costs the query builder tens of microseconds a row;
 * one JSON text costs a fraction, and the server converts each value with the column type's own
 * input function, as it does for text parameters. Dates are written as ISO instants and bigints
 * as decimal strings (exact); a string that is not well-formed UTF-16 (a lone surrogate) is
 * written with U+FFFD in its place, as the UTF-8 encoding of a text parameter would: rows are
 * stored as they were with one parameter per value.
 */
export function jsonRows(rows: readonly object[]): string {
  try {
    const json = JSON.stringify(rows);
    // JSON.stringify writes a lone surrogate as a \udXXX escape (and anything else as itself),
    // so without one the text is already what the slow way below would make.
    if (!ESCAPED_SURROGATE.test(json)) return json;
  } catch {
    // A bigint: the slow way.
  }
  return JSON.stringify(rows, (_key, value: unknown) =>
    typeof value === 'bigint'
      ? value.toString()
      : typeof value === 'string' && SURROGATE.test(value)
        ? value.replace(LONE_SURROGATE, '\uFFFD')
        : value,
  );
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
