import { sql } from 'drizzle-orm';
import { queryRows, type Db } from '../../src/store/index.js';
import {
  buildDailyRollup,
  createPartitions,
  insertLikeRecorder,
  insertUsageBatch,
  seedTree,
  shanghaiMonth,
  type TreeShape,
} from './dataset.js';
import type { InsertBatch, MeteringReport, TableSize } from './report.js';

/** Rows written the recorder's way, for comparison with the bulk load. */
const RECORDER_SHAPE_ROWS = 100_000;

const seconds = (startMs: number) => (performance.now() - startMs) / 1000;
const shanghaiDay = (d: Date) => new Date(d.getTime() + 8 * 3_600_000).toISOString().slice(0, 10);

/**
 * Create the tree and partitions, insert the usage rows in batches (timing each), a sample the
 * recorder's way, then the rollup and VACUUM ANALYZE; each step's time goes into `steps`.
 */
export async function load(
  db: Db,
  o: {
    window: { start: Date; end: Date }[];
    rows: number;
    batch: number;
    shape: TreeShape;
    log: (line: string) => void;
  },
  steps: MeteringReport['steps'],
): Promise<InsertBatch[]> {
  const { window } = o;
  let t = performance.now();
  await seedTree(db, o.shape, shanghaiDay(window[0]!.start));
  await createPartitions(db, window);
  steps.push({ step: 'organisations, keys, prices, partitions', seconds: seconds(t) });
  const inserts: InsertBatch[] = [];
  const start = window[0]!.start;
  const end = window.at(-1)!.end;
  for (let first = 1; first <= o.rows; first += o.batch) {
    const last = Math.min(o.rows, first + o.batch - 1);
    t = performance.now();
    await insertUsageBatch(db, { first, last, total: o.rows, start, end });
    const s = seconds(t);
    const rows = last - first + 1;
    inserts.push({ rows, seconds: s, rowsPerS: rows / s });
    o.log(
      `  rows ${first.toLocaleString('en-US')}–${last.toLocaleString('en-US')}: ${s.toFixed(1)} s (${Math.round(rows / s).toLocaleString('en-US')} rows/s)`,
    );
  }
  t = performance.now();
  const recorderShape = await insertLikeRecorder(db, RECORDER_SHAPE_ROWS, 512, new Date());
  const current = shanghaiMonth(new Date(), 0).label.replace('-', 'm');
  await db.execute(sql.raw(`TRUNCATE usage_records_y${current}`));
  steps.push({
    step: `${RECORDER_SHAPE_ROWS.toLocaleString('en-US')} rows the recorder's way (512 rows per call of zs_usage_write, in one JSON parameter): ${Math.round(recorderShape).toLocaleString('en-US')} rows/s; removed again`,
    seconds: seconds(t),
  });
  t = performance.now();
  await buildDailyRollup(db);
  steps.push({ step: 'usage_daily rollup (one INSERT … SELECT … GROUP BY)', seconds: seconds(t) });
  t = performance.now();
  await db.execute(sql`VACUUM ANALYZE usage_records`);
  await db.execute(sql`VACUUM ANALYZE usage_daily`);
  steps.push({ step: 'VACUUM ANALYZE (what autovacuum does after a load)', seconds: seconds(t) });
  return inserts;
}

/** Heap and index sizes of every usage partition, their sum, and the rollup. */
export async function tableSizes(db: Db): Promise<TableSize[]> {
  const mb = (bytes: string | number) => Number(bytes) / 1024 / 1024;
  const parts = await queryRows<{ table: string; rows: string; heap: string; idx: string }>(
    db,
    sql`SELECT c.relname AS table, c.reltuples::bigint AS rows, pg_relation_size(c.oid) AS heap,
          pg_indexes_size(c.oid) AS idx
        FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
        WHERE i.inhparent = 'usage_records'::regclass ORDER BY c.relname`,
  );
  const daily = await queryRows<{ rows: string; heap: string; idx: string }>(
    db,
    sql`SELECT (SELECT count(*) FROM usage_daily) AS rows, pg_relation_size('usage_daily') AS heap,
          pg_indexes_size('usage_daily') AS idx`,
  );
  const sizes = parts.map((p) => ({
    table: p.table,
    rows: Math.max(0, Number(p.rows)),
    heapMb: mb(p.heap),
    indexMb: mb(p.idx),
  }));
  const sum = (f: (s: TableSize) => number) => sizes.reduce((a, s) => a + f(s), 0);
  return [
    ...sizes,
    {
      table: 'usage_records (all)',
      rows: sum((s) => s.rows),
      heapMb: sum((s) => s.heapMb),
      indexMb: sum((s) => s.indexMb),
    },
    ...daily.map((d) => ({
      table: 'usage_daily',
      rows: Number(d.rows),
      heapMb: mb(d.heap),
      indexMb: mb(d.idx),
    })),
  ];
}
