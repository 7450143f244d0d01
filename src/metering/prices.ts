import { and, eq } from 'drizzle-orm';
import type { Config } from '../config/index.js';
import { bumpChangeVersion, schema, type Db } from '../store/index.js';
import { yuanToNano, type Price } from './money.js';

/** The Shanghai calendar day of an instant (China keeps UTC+8 all year). */
export function shanghaiDay(at: Date): string {
  return new Date(at.getTime() + 8 * 3_600_000).toISOString().slice(0, 10);
}

export interface PriceRow extends Price {
  model: string;
  from: string;
}

/** The price catalog in memory: per model, newest first. */
export class PriceBook {
  private readonly byModel = new Map<string, PriceRow[]>();

  constructor(rows: readonly PriceRow[]) {
    for (const row of rows) {
      const list = this.byModel.get(row.model) ?? [];
      list.push(row);
      this.byModel.set(row.model, list);
    }
    for (const list of this.byModel.values()) list.sort((a, b) => (a.from < b.from ? 1 : -1));
  }

  /** The price in effect on a Shanghai day, or null when the model has none (not billed). */
  at(model: string, day: string): PriceRow | null {
    return this.byModel.get(model)?.find((p) => p.from <= day) ?? null;
  }
}

export async function loadPrices(db: Db): Promise<PriceBook> {
  const rows = await db.select().from(schema.modelPrices);
  return new PriceBook(
    rows.map((r) => ({
      model: r.model,
      from: r.effectiveFrom,
      input: yuanToNano(r.inputPer1k),
      output: yuanToNano(r.outputPer1k),
      cachedInput: yuanToNano(r.cachedInputPer1k ?? r.inputPer1k),
    })),
  );
}

/**
 * Make the catalog's config-managed rows match `models[].prices`. Rows added through the API are
 * left alone; a past price is kept as history only if it is still in the file.
 */
export async function applyPrices(db: Db, config: Config): Promise<void> {
  await db.transaction(async (tx) => {
    await tx.delete(schema.modelPrices).where(eq(schema.modelPrices.source, 'config'));
    const rows = config.models.flatMap((m) =>
      m.prices.map((p) => ({
        model: m.name,
        effectiveFrom: p.from,
        inputPer1k: p.input,
        outputPer1k: p.output,
        cachedInputPer1k: p.cached_input ?? null,
        source: 'config',
      })),
    );
    for (const row of rows) {
      await tx
        .delete(schema.modelPrices)
        .where(
          and(
            eq(schema.modelPrices.model, row.model),
            eq(schema.modelPrices.effectiveFrom, row.effectiveFrom),
          ),
        );
    }
    if (rows.length) await tx.insert(schema.modelPrices).values(rows);
    // Other hubs on the same server reload the catalog (a start is rare; a spare reload is cheap).
    await bumpChangeVersion(tx);
  });
}
