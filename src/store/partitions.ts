import { sql } from 'drizzle-orm';
import type { Db } from './open.js';

/** Ledger partitions hold this many entries each. */
export const LEDGER_BLOCK = 1_000_000;

/** `[start, end)` of the Shanghai calendar month `offset` months after the one holding `at`. */
function shanghaiMonth(at: Date, offset: number): { name: string; from: string; to: string } {
  const local = new Date(at.getTime() + 8 * 3_600_000);
  const y = local.getUTCFullYear();
  const m = local.getUTCMonth() + offset;
  const start = new Date(Date.UTC(y, m, 1));
  const end = new Date(Date.UTC(y, m + 1, 1));
  const day = (d: Date) => d.toISOString().slice(0, 10);
  const name = `y${start.getUTCFullYear()}m${String(start.getUTCMonth() + 1).padStart(2, '0')}`;
  return { name, from: `${day(start)} 00:00:00+08`, to: `${day(end)} 00:00:00+08` };
}

/**
 * Create the partitions the next writes will need: usage records for this month and the next
 * (Shanghai months), ledger entries for the current block of a million and the next. Run at
 * start and hourly; rows that ever miss a partition land in the DEFAULT one, so nothing fails.
 */
export async function ensurePartitions(db: Db, now = new Date()): Promise<void> {
  for (const offset of [0, 1]) {
    const m = shanghaiMonth(now, offset);
    await db.execute(
      sql.raw(
        `CREATE TABLE IF NOT EXISTS usage_records_${m.name} PARTITION OF usage_records FOR VALUES FROM ('${m.from}') TO ('${m.to}')`,
      ),
    );
  }
  const result = (await db.execute(sql`SELECT seq FROM ledger_head WHERE id = 1`)) as {
    rows: { seq: string | number }[];
  };
  const block = Math.floor(Number(result.rows[0]?.seq ?? 0) / LEDGER_BLOCK);
  for (const b of [block, block + 1]) {
    // Block b holds seq (b·N, (b+1)·N]; the first block also holds 0, which no entry uses.
    const from = b === 0 ? 0 : b * LEDGER_BLOCK + 1;
    const to = (b + 1) * LEDGER_BLOCK + 1;
    await db.execute(
      sql.raw(
        `CREATE TABLE IF NOT EXISTS ledger_entries_s${String(b).padStart(4, '0')} PARTITION OF ledger_entries FOR VALUES FROM (${from}) TO (${to})`,
      ),
    );
  }
}
