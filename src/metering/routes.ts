import { asc, desc, eq } from 'drizzle-orm';
import type { FastifyInstance } from 'fastify';
import { badRequest, notFound } from '../errors.js';
import { authenticator } from '../identity/authn.js';
import { assertCan, type Principal } from '../identity/principal.js';
import { audited, requestActions } from '../ledger/audited.js';
import type { Hub } from '../server/hub.js';
import { bumpChangeVersion, schema, type Db } from '../store/index.js';
import { billCsv, billXlsx, monthlyBill } from './bills.js';
import { formatYuan, yuanToNano } from './money.js';
import { parseDay, parseGroups, usageReport } from './query.js';

/** A catalog row as the API shows it: CNY per 1,000 tokens, six decimals. */
export interface PriceView {
  model: string;
  from: string;
  input: string;
  output: string;
  /** Null: cached prompt tokens cost the input price. */
  cached_input: string | null;
  source: string;
}

const six = (v: string) => formatYuan(yuanToNano(v), 6);

export async function listPrices(db: Db, model?: string): Promise<PriceView[]> {
  const p = schema.modelPrices;
  const rows = await db
    .select()
    .from(p)
    .where(model === undefined ? undefined : eq(p.model, model))
    .orderBy(asc(p.model), desc(p.effectiveFrom));
  return rows.map((r) => ({
    model: r.model,
    from: r.effectiveFrom,
    input: six(r.inputPer1k),
    output: six(r.outputPer1k),
    cached_input: r.cachedInputPer1k === null ? null : six(r.cachedInputPer1k),
    source: r.source,
  }));
}

const AMOUNT = /^\d{1,12}(\.\d{1,6})?$/;

/** A CNY-per-1k amount from JSON (string or number), at most six decimals, or invalid_request. */
function amount(value: string | number | undefined, param: string): string | null {
  if (value === undefined) return null;
  const text = String(value);
  if (!AMOUNT.test(text))
    throw badRequest(
      'invalid_request',
      `${param}: expected CNY per 1,000 tokens with at most 6 decimals, got "${text}".`,
      { param },
    );
  return text;
}

export interface NewPrice {
  from: string;
  input: string | number;
  output: string | number;
  cached_input?: string | number | undefined;
}

/**
 * Add or correct the catalog row of `model` starting on `from` (source `api`). A row for a past
 * day is a correction: bills for the months it covers are recomputed with it; what calls were
 * charged when they were made is not rewritten.
 */
export async function setPrice(
  db: Db,
  principal: Principal,
  model: string,
  input: NewPrice,
): Promise<PriceView> {
  assertCan(principal, 'prices.write');
  // A price starts on a day; a bare month would be read as its first day, so ask for the day.
  const from = parseDay(input.from, 'start', 'from');
  if (from !== input.from) {
    const message = `from: expected a day as YYYY-MM-DD, got "${input.from}".`;
    throw badRequest('invalid_request', message, { param: 'from' });
  }
  const row = {
    model,
    effectiveFrom: from,
    inputPer1k: amount(input.input, 'input')!,
    outputPer1k: amount(input.output, 'output')!,
    cachedInputPer1k: amount(input.cached_input, 'cached_input'),
    source: 'api',
  };
  const [known] = await db
    .select({ name: schema.models.name })
    .from(schema.models)
    .where(eq(schema.models.name, model));
  if (!known)
    throw notFound('model_not_found', `No public model named ${model}.`, { param: 'model' });
  const p = schema.modelPrices;
  await db
    .insert(p)
    .values(row)
    .onConflictDoUpdate({
      target: [p.model, p.effectiveFrom],
      set: {
        inputPer1k: row.inputPer1k,
        outputPer1k: row.outputPer1k,
        cachedInputPer1k: row.cachedInputPer1k,
        source: 'api',
      },
    });
  // Every hub reloads its price book on its next sync; the route syncs its own hub at once.
  await bumpChangeVersion(db);
  return (await listPrices(db, model)).find((v) => v.from === from)!;
}

const str = (max: number) => ({ type: 'string', minLength: 1, maxLength: max }) as const;
const decimal = { anyOf: [{ type: 'string', maxLength: 32 }, { type: 'number' }] } as const;

const MIME = {
  json: 'application/json; charset=utf-8',
  csv: 'text/csv; charset=utf-8',
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
} as const;
type BillFormat = keyof typeof MIME;

/** Metering API: the price catalog, usage reports and monthly bills. */
export function meteringRoutes(hub: Hub, operatorToken: string | undefined) {
  return async function routes(app: FastifyInstance): Promise<void> {
    const auth = authenticator(hub, operatorToken);
    const db = hub.store.db;

    app.get<{ Querystring: { model?: string } }>(
      '/api/v1/prices',
      {
        schema: {
          tags: ['prices'],
          querystring: { type: 'object', properties: { model: str(128) } },
        },
      },
      // Any logged-in role: what a model costs is no secret inside the hub.
      async (request) => {
        await auth(request);
        return { data: await listPrices(db, request.query.model) };
      },
    );

    app.put<{ Params: { model: string }; Body: NewPrice }>(
      '/api/v1/prices/:model',
      {
        schema: {
          tags: ['prices'],
          body: {
            type: 'object',
            required: ['from', 'input', 'output'],
            properties: { from: str(10), input: decimal, output: decimal, cached_input: decimal },
            additionalProperties: false,
          },
        },
      },
      async (request) => {
        const p = await auth(request);
        const { model } = request.params;
        const view = await audited(
          requestActions(hub)(request, p, 'price.set', model),
          () => setPrice(db, p, model, request.body),
          (v) => ({
            from: v.from,
            input: v.input,
            output: v.output,
            cached_input: v.cached_input,
          }),
        );
        await hub.sync();
        return view;
      },
    );

    app.get<{ Querystring: { org?: string; from?: string; to?: string; group_by?: string } }>(
      '/api/v1/usage',
      {
        schema: {
          tags: ['usage'],
          querystring: {
            type: 'object',
            properties: { org: str(64), from: str(10), to: str(10), group_by: str(100) },
          },
        },
      },
      async (request) => {
        const q = request.query;
        return usageReport(db, await auth(request), {
          org: q.org,
          from: q.from,
          to: q.to,
          groupBy: q.group_by === undefined ? undefined : parseGroups(q.group_by),
        });
      },
    );

    app.get<{ Params: { month: string }; Querystring: { org?: string; format?: BillFormat } }>(
      '/api/v1/bills/:month',
      {
        schema: {
          tags: ['usage'],
          querystring: {
            type: 'object',
            properties: { org: str(64), format: { type: 'string', enum: Object.keys(MIME) } },
          },
        },
      },
      async (request, reply) => {
        const p = await auth(request);
        const format = request.query.format ?? 'json';
        const bill = await monthlyBill(db, p, {
          org: request.query.org,
          month: request.params.month,
        });
        if (format === 'json') return bill;
        const file = `bill-${bill.org.code}-${bill.month}.${format}`;
        void reply
          .type(MIME[format])
          .header('content-disposition', `attachment; filename="${file}"`);
        return format === 'csv' ? billCsv(bill) : billXlsx(bill);
      },
    );
  };
}
