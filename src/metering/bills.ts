import { and, between, inArray, sql } from 'drizzle-orm';
import { assertCan, type Principal } from '../identity/principal.js';
import { schema, type Db } from '../store/index.js';
import { callCost, formatYuan } from './money.js';
import { loadPrices, type PriceBook, type PriceRow } from './prices.js';
import { parseMonth, scopedSubtree } from './query.js';

/**
 * Monthly bills, recomputed from the price catalog every time they are asked for: each day's
 * tokens are priced at the catalog row in effect that day (the newest `effective_from` ≤ day), so
 * correcting a price and asking again gives the corrected bill for any past month. What the calls
 * were charged when they were made (`cost_nano` in the rollup) is reported beside it.
 *
 * Amounts are exact bigints of nano-yuan; rounding to 分 (half up) happens only where a number
 * is printed, and the total is rounded from the exact sum, not summed from rounded lines.
 */

export const UNPRICED = 'unpriced';

export interface BillLine {
  org: string;
  org_name: string;
  model: string;
  /** The catalog row's first day; null when the model had no price. */
  price_from: string | null;
  requests: number;
  prompt_tokens: number;
  /** Of the prompt tokens, those billed at the cached-input price. */
  cached_tokens: number;
  completion_tokens: number;
  total_tokens: number;
  /** CNY per 1,000 tokens, six decimals; null when unpriced. */
  input_per_1k: string | null;
  cached_input_per_1k: string | null;
  output_per_1k: string | null;
  /** Exact CNY, nine decimals. */
  amount: string;
  /** Rounded half up to 0.01 CNY, for display. */
  amount_rounded: string;
  /** `unpriced`: the model had no price on these days; listed with its tokens, billed 0. */
  note: typeof UNPRICED | null;
}

export interface Bill {
  org: { code: string; name: string };
  month: string;
  from: string;
  to: string;
  currency: 'CNY';
  lines: BillLine[];
  total: {
    requests: number;
    prompt_tokens: number;
    cached_tokens: number;
    completion_tokens: number;
    total_tokens: number;
    amount: string;
    amount_rounded: string;
  };
  /** What the calls were charged when they were made, at the prices in effect then (exact). */
  recorded_cost: string;
  unpriced_models: string[];
  generated_at: string;
}

interface Line {
  orgId: string;
  model: string;
  price: PriceRow | null;
  requests: number;
  prompt: number;
  cached: number;
  completion: number;
  amount: bigint;
}

/** One line per organisation × model × price in effect (one price per month, unless corrected). */
export async function monthlyBill(
  db: Db,
  principal: Principal,
  input: { org?: string | undefined; month: string },
  prices?: PriceBook,
): Promise<Bill> {
  assertCan(principal, 'usage.read');
  const range = parseMonth(input.month);
  const { org, members } = await scopedSubtree(db, principal, input.org);
  const book = prices ?? (await loadPrices(db));
  const t = schema.usageDaily;
  const rows = members.length
    ? await db
        .select({
          orgId: t.orgId,
          model: t.model,
          day: sql<string>`to_char(${t.day}, 'YYYY-MM-DD')`,
          requests: sql<string>`sum(${t.requests})::text`,
          prompt: sql<string>`sum(${t.promptTokens})::text`,
          cached: sql<string>`sum(${t.cachedTokens})::text`,
          completion: sql<string>`sum(${t.completionTokens})::text`,
          recorded: sql<string>`sum(${t.costNano})::text`,
        })
        .from(t)
        .where(
          and(
            inArray(
              t.orgId,
              members.map((o) => o.id),
            ),
            between(t.day, range.from, range.to),
          ),
        )
        .groupBy(t.orgId, t.model, t.day)
    : [];

  const lines = new Map<string, Line>();
  let recorded = 0n;
  for (const r of rows) {
    const price = book.at(r.model, r.day);
    const key = `${r.orgId}|${r.model}|${price?.from ?? ''}`;
    const line = lines.get(key) ?? {
      orgId: r.orgId,
      model: r.model,
      price,
      requests: 0,
      prompt: 0,
      cached: 0,
      completion: 0,
      amount: 0n,
    };
    const tokens = {
      prompt: Number(r.prompt),
      completion: Number(r.completion),
      cached: Number(r.cached),
    };
    line.requests += Number(r.requests);
    line.prompt += tokens.prompt;
    line.cached += tokens.cached;
    line.completion += tokens.completion;
    // Per-1k prices have at most six decimals, so pricing a day's sum equals summing its calls.
    if (price) line.amount += callCost(price, tokens);
    recorded += BigInt(r.recorded);
    lines.set(key, line);
  }

  const order = new Map(members.map((o, i) => [o.id, i]));
  const sorted = [...lines.values()].sort(
    (a, b) =>
      order.get(a.orgId)! - order.get(b.orgId)! ||
      a.model.localeCompare(b.model) ||
      (a.price?.from ?? '').localeCompare(b.price?.from ?? ''),
  );
  const orgOf = new Map(members.map((o) => [o.id, o]));
  const total = sorted.reduce(
    (s, l) => ({
      requests: s.requests + l.requests,
      prompt: s.prompt + l.prompt,
      cached: s.cached + l.cached,
      completion: s.completion + l.completion,
      amount: s.amount + l.amount,
    }),
    { requests: 0, prompt: 0, cached: 0, completion: 0, amount: 0n },
  );
  const per1k = (nano: bigint | undefined) => (nano === undefined ? null : formatYuan(nano, 6));
  return {
    org: { code: org.code, name: org.name },
    month: input.month,
    from: range.from,
    to: range.to,
    currency: 'CNY',
    lines: sorted.map((l) => ({
      org: orgOf.get(l.orgId)!.code,
      org_name: orgOf.get(l.orgId)!.name,
      model: l.model,
      price_from: l.price?.from ?? null,
      requests: l.requests,
      prompt_tokens: l.prompt,
      cached_tokens: l.cached,
      completion_tokens: l.completion,
      total_tokens: l.prompt + l.completion,
      input_per_1k: per1k(l.price?.input),
      cached_input_per_1k: per1k(l.price?.cachedInput),
      output_per_1k: per1k(l.price?.output),
      amount: formatYuan(l.amount),
      amount_rounded: formatYuan(l.amount, 2),
      note: l.price ? null : UNPRICED,
    })),
    total: {
      requests: total.requests,
      prompt_tokens: total.prompt,
      cached_tokens: total.cached,
      completion_tokens: total.completion,
      total_tokens: total.prompt + total.completion,
      amount: formatYuan(total.amount),
      amount_rounded: formatYuan(total.amount, 2),
    },
    recorded_cost: formatYuan(recorded),
    unpriced_models: [...new Set(sorted.filter((l) => !l.price).map((l) => l.model))].sort(),
    generated_at: new Date().toISOString(),
  };
}

type Cell = string | number | null;
interface Column {
  header: string;
  width: number;
  /** Excel number format for numeric cells. */
  numFmt?: string;
  line(l: BillLine): Cell;
  total(b: Bill): Cell;
}

const num = (v: string | null) => (v === null ? null : Number(v));
const NOTE = { [UNPRICED]: '未定价，不计费 unpriced (not billed)' } as const;

/** The bill's table, shared by CSV and XLSX: headers in Chinese and English. */
const COLUMNS: Column[] = [
  { header: '组织代码 Org code', width: 14, line: (l) => l.org, total: () => '合计 Total' },
  { header: '组织名称 Org name', width: 30, line: (l) => l.org_name, total: () => null },
  { header: '模型 Model', width: 18, line: (l) => l.model, total: () => null },
  { header: '价格生效日 Price from', width: 14, line: (l) => l.price_from, total: () => null },
  {
    header: '请求数 Requests',
    width: 12,
    numFmt: '0',
    line: (l) => l.requests,
    total: (b) => b.total.requests,
  },
  {
    header: '输入tokens Prompt tokens',
    width: 16,
    numFmt: '0',
    line: (l) => l.prompt_tokens,
    total: (b) => b.total.prompt_tokens,
  },
  {
    header: '其中缓存tokens Cached tokens',
    width: 16,
    numFmt: '0',
    line: (l) => l.cached_tokens,
    total: (b) => b.total.cached_tokens,
  },
  {
    header: '输出tokens Completion tokens',
    width: 16,
    numFmt: '0',
    line: (l) => l.completion_tokens,
    total: (b) => b.total.completion_tokens,
  },
  {
    header: '合计tokens Total tokens',
    width: 16,
    numFmt: '0',
    line: (l) => l.total_tokens,
    total: (b) => b.total.total_tokens,
  },
  {
    header: '输入单价(元/千tokens) Input CNY/1k',
    width: 14,
    numFmt: '0.000000',
    line: (l) => l.input_per_1k,
    total: () => null,
  },
  {
    header: '缓存输入单价(元/千tokens) Cached input CNY/1k',
    width: 14,
    numFmt: '0.000000',
    line: (l) => l.cached_input_per_1k,
    total: () => null,
  },
  {
    header: '输出单价(元/千tokens) Output CNY/1k',
    width: 14,
    numFmt: '0.000000',
    line: (l) => l.output_per_1k,
    total: () => null,
  },
  {
    header: '金额(元) Amount CNY',
    width: 14,
    numFmt: '0.00',
    line: (l) => l.amount_rounded,
    total: (b) => b.total.amount_rounded,
  },
  {
    header: '精确金额(元) Exact amount CNY',
    width: 18,
    line: (l) => l.amount,
    total: (b) => b.total.amount,
  },
  {
    header: '备注 Note',
    width: 24,
    line: (l) => (l.note ? NOTE[l.note] : null),
    total: () => null,
  },
];

/** Columns whose values are decimals carried as strings in the JSON (numbers in a sheet). */
const DECIMAL = new Set(['0.000000', '0.00']);

/** A text cell a spreadsheet could take for a formula gets a leading apostrophe. */
const defuse = (v: string) => (/^[=+\-@\t\r]/.test(v) ? `'${v}` : v);

function csvCell(v: Cell): string {
  if (v === null) return '';
  const text = typeof v === 'number' ? String(v) : defuse(v);
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/**
 * RFC 4180 CSV with a UTF-8 byte order mark (so Excel opens the Chinese names correctly) and CRLF
 * line ends: a header row, one row per line, a total row. Amounts are the exact decimals.
 */
export function billCsv(bill: Bill): string {
  const rows: Cell[][] = [
    COLUMNS.map((c) => c.header),
    ...bill.lines.map((l) => COLUMNS.map((c) => c.line(l))),
    COLUMNS.map((c) => c.total(bill)),
  ];
  return `\uFEFF${rows.map((r) => r.map(csvCell).join(',')).join('\r\n')}\r\n`;
}

/**
 * An Excel workbook: sheet 「账单 Bill」 has the same table as the CSV (header on row 1, frozen),
 * with counts, unit prices and rounded amounts as numbers and the exact amount as text; sheet
 * 「信息 Info」 says whose bill it is, for which month, and how it was computed.
 */
export async function billXlsx(bill: Bill): Promise<Buffer> {
  // Loaded on demand: the workbook library is large and only this export needs it.
  const { default: ExcelJS } = await import('exceljs');
  const workbook = new ExcelJS.Workbook();
  workbook.creator = 'Zhongshu';
  workbook.created = new Date(bill.generated_at);
  const sheet = workbook.addWorksheet('账单 Bill', { views: [{ state: 'frozen', ySplit: 1 }] });
  sheet.columns = COLUMNS.map((c) => ({
    header: c.header,
    width: c.width,
    ...(c.numFmt ? { style: { numFmt: c.numFmt } } : {}),
  }));
  const cells = (values: Cell[]) =>
    values.map((v, i) =>
      typeof v === 'string' && DECIMAL.has(COLUMNS[i]!.numFmt ?? '') ? num(v) : v,
    );
  for (const line of bill.lines) sheet.addRow(cells(COLUMNS.map((c) => c.line(line))));
  sheet.addRow(cells(COLUMNS.map((c) => c.total(bill)))).font = { bold: true };
  sheet.getRow(1).font = { bold: true };

  const info = workbook.addWorksheet('信息 Info');
  info.columns = [{ width: 24 }, { width: 60 }];
  info.addRows([
    ['组织 Organisation', `${bill.org.code} ${bill.org.name}`],
    ['账期 Month', bill.month],
    ['期间 Period', `${bill.from} – ${bill.to} (Asia/Shanghai)`],
    ['币种 Currency', bill.currency],
    ['合计 Total', num(bill.total.amount_rounded)],
    ['精确合计 Exact total', bill.total.amount],
    ['调用时计费 Charged at call time', bill.recorded_cost],
    ['未定价模型 Unpriced models', bill.unpriced_models.join(', ') || '-'],
    ['生成时间 Generated at', bill.generated_at],
    [
      '说明 Notes',
      '按每日生效价格重算；金额四舍五入到分，合计由精确金额求和后取整。 ' +
        'Recomputed at the price in effect each day; amounts rounded half up to 0.01 CNY, the total from the exact sum.',
    ],
  ]);
  info.getColumn(1).font = { bold: true };
  return Buffer.from(await workbook.xlsx.writeBuffer());
}
