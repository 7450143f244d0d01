import { LATENCY_BUCKETS, latencyBucket } from './latency.js';
import { sql, type SQL } from 'drizzle-orm';
import type { Logger } from 'pino';
import type { Sealer } from '../crypto/sm.js';
import { sm3Hex } from '../crypto/sm.js';
import { unavailable } from '../errors.js';
import type { CallOutcome } from '../gateway/outcome.js';
import { canonicalJson, type LedgerEntry, type LedgerEntryInput } from '../ledger/chain.js';
import { jsonRows, type Ledger } from '../ledger/ledger.js';
import type { Db } from '../store/index.js';
import { callCost, formatYuan } from './money.js';
import { shanghaiDay, type PriceBook } from './prices.js';

/** A management action for the ledger (login, key create/revoke, role grant, config, export…). */
export type ActionRecord = Omit<LedgerEntryInput, 'at'> & { at?: Date };

export interface RecordedCall {
  seq: number;
  costNano: bigint;
}

interface CallItem {
  kind: 'call';
  outcome: CallOutcome;
  at: Date;
  costNano: bigint;
  storeContent: boolean;
  done: (result: RecordedCall | Error) => void;
}
interface ActionItem {
  kind: 'action';
  entry: LedgerEntryInput;
  done: (result: RecordedCall | Error) => void;
}
type Item = CallItem | ActionItem;

export interface RecorderDeps {
  db: Db;
  ledger: Ledger;
  sealer: Sealer;
  prices: () => PriceBook;
  /** Whether the organisation's policy keeps prompts and answers. */
  storesContent: (orgPath: string) => boolean;
  log: Logger;
  maxBatch?: number;
}

const RETRY_DELAYS_MS = [20, 50, 100, 250, 500, 1000];

/**
 * Writes usage records and ledger entries with group commit: whatever arrives while a batch is
 * being written goes into the next batch, one transaction each (usage rows, their ledger entries,
 * the daily rollup and any sealed content commit together or not at all). A caller's promise
 * resolves only after its batch committed. A batch that keeps failing (the database is gone)
 * rejects with audit_unavailable, and the gateway then refuses to deliver the answer.
 */
export class Recorder {
  private queue: Item[] = [];
  private flushing: Promise<void> | null = null;
  private readonly maxBatch: number;

  constructor(private readonly deps: RecorderDeps) {
    this.maxBatch = deps.maxBatch ?? 512;
  }

  recordCall(outcome: CallOutcome): Promise<RecordedCall> {
    const at = new Date();
    const model = outcome.servedModel ?? outcome.model;
    const price = this.deps.prices().at(model, shanghaiDay(at));
    const usage = outcome.usage;
    const costNano =
      price && usage
        ? callCost(price, {
            prompt: usage.promptTokens,
            completion: usage.completionTokens,
            cached: usage.cachedTokens,
          })
        : 0n;
    outcome.costNano = costNano;
    const storeContent = this.deps.storesContent(outcome.orgPath);
    return this.enqueue((done) => ({ kind: 'call', outcome, at, costNano, storeContent, done }));
  }

  recordAction(action: ActionRecord): Promise<RecordedCall> {
    const entry: LedgerEntryInput = { ...action, at: action.at ?? new Date() };
    return this.enqueue((done) => ({ kind: 'action', entry, done }));
  }

  /** Resolves once everything queued so far is written (or has failed). */
  async drain(): Promise<void> {
    while (this.flushing) await this.flushing;
  }

  private enqueue(make: (done: Item['done']) => Item): Promise<RecordedCall> {
    return new Promise((resolve, reject) => {
      this.queue.push(make((r) => (r instanceof Error ? reject(r) : resolve(r))));
      this.flushing ??= this.flushLoop();
    });
  }

  private async flushLoop(): Promise<void> {
    // Let the requests finishing in this tick join the first batch.
    await new Promise<void>((resolve) => setImmediate(resolve));
    try {
      while (this.queue.length) {
        const batch = this.queue.splice(0, this.maxBatch);
        await this.writeWithRetry(batch);
      }
    } finally {
      this.flushing = null;
    }
  }

  private async writeWithRetry(batch: Item[]): Promise<void> {
    const prepared = batch.map((item) => this.prepare(item));
    for (let attempt = 0; ; attempt++) {
      try {
        const seqs = await this.write(prepared);
        batch.forEach((item, i) =>
          item.done({ seq: seqs[i]!, costNano: item.kind === 'call' ? item.costNano : 0n }),
        );
        return;
      } catch (err) {
        const delay = RETRY_DELAYS_MS[attempt];
        if (delay === undefined) {
          this.deps.log.error(
            { err, records: batch.length },
            'usage and audit records not written',
          );
          const error = unavailable(
            'audit_unavailable',
            'The call could not be recorded in the audit ledger, so its answer is withheld; retry shortly.',
            { retryAfter: 5 },
          );
          for (const item of batch) item.done(error);
          return;
        }
        this.deps.log.warn({ err, attempt }, 'writing usage and audit records failed; retrying');
        await new Promise((resolve) => setTimeout(resolve, delay));
      }
    }
  }

  private prepare(item: Item): Prepared {
    if (item.kind === 'action') return { entry: item.entry, call: null };
    const o = item.outcome;
    const answer = o.answer.finish();
    const promptJson = canonicalJson(o.prompt ?? null);
    const usage = o.usage;
    const content = item.storeContent
      ? this.deps.sealer.seal(
          JSON.stringify({ prompt: o.prompt ?? null, answer: answer.text }),
          `ledger-content:${o.requestId}`,
        )
      : null;
    const entry: LedgerEntryInput = {
      at: item.at,
      actor: `key:${o.keyId}`,
      orgId: o.orgId,
      action: `call.${o.op}`,
      object: o.model,
      outcome: o.errorCode ?? 'ok',
      ip: o.ip,
      requestId: o.requestId,
      detail: {
        status: o.status,
        stream: o.stream,
        data_level: o.dataLevel,
        guard: o.guard,
        safety: o.safety,
        route: { served_model: o.servedModel, endpoint: o.endpoint, attempts: o.attempts },
        usage: usage && {
          prompt_tokens: usage.promptTokens,
          completion_tokens: usage.completionTokens,
          cached_tokens: usage.cachedTokens,
          estimated: usage.estimated,
        },
        cost: formatYuan(item.costNano),
        latency_ms: Math.round(o.latencyMs),
        ttft_ms: o.ttftMs === null ? null : Math.round(o.ttftMs),
        prompt_sm3: sm3Hex(promptJson),
        answer_sm3: answer.digest,
        content_stored: content !== null,
      },
    };
    return { entry, call: { item, content } };
  }

  /**
   * The batch's ledger entries, usage rows, sealed content and rollup increments commit together
   * or not at all, in one statement while this hub is the only writer (see
   * Ledger.appendDurably). The rows travel as a few JSON parameters, so no batch size comes near
   * PostgreSQL's 65,535 parameters per statement.
   */
  private async write(prepared: Prepared[]): Promise<number[]> {
    const rows = await this.deps.ledger.appendDurably(
      prepared.map((p) => p.entry),
      (entries) => this.usageWrites(prepared, entries),
    );
    return rows.map((r) => r.seq);
  }

  /** The usage rows, sealed content and rollup increments of a batch's calls (migration 0004). */
  private usageWrites(prepared: Prepared[], entries: readonly LedgerEntry[]): SQL | null {
    const usage: Record<string, unknown>[] = [];
    const content: Record<string, unknown>[] = [];
    const daily = new Map<string, DailyRow>();
    prepared.forEach((p, i) => {
      if (!p.call) return;
      const { item } = p.call;
      const o = item.outcome;
      const u = o.usage;
      const model = o.servedModel ?? o.model;
      usage.push({
        at: item.at,
        request_id: o.requestId,
        org_id: o.orgId,
        key_id: o.keyId,
        op: o.op,
        model: o.model,
        served_model: o.servedModel,
        endpoint: o.endpoint,
        stream: o.stream,
        data_level: o.dataLevel,
        prompt_tokens: u?.promptTokens ?? 0,
        completion_tokens: u?.completionTokens ?? 0,
        cached_tokens: u?.cachedTokens ?? 0,
        estimated: u?.estimated ?? false,
        latency_ms: o.latencyMs,
        ttft_ms: o.ttftMs,
        status: o.status,
        error_code: o.errorCode,
        attempts: o.attempts,
        cost_nano: item.costNano.toString(),
        ledger_seq: entries[i]!.seq,
      });
      if (p.call.content)
        content.push({
          request_id: o.requestId,
          at: item.at,
          org_id: o.orgId,
          sealed: p.call.content,
        });
      const day = shanghaiDay(item.at);
      const key = `${day}|${o.orgId}|${o.keyId}|${model}`;
      const d = daily.get(key) ?? {
        day,
        org_id: o.orgId,
        key_id: o.keyId,
        model,
        requests: 0,
        errors: 0,
        prompt_tokens: 0,
        completion_tokens: 0,
        cached_tokens: 0,
        cost_nano: 0n,
        latency_ms_sum: 0,
        latency_buckets: new Array<number>(LATENCY_BUCKETS).fill(0),
      };
      d.requests += 1;
      d.errors += o.errorCode ? 1 : 0;
      d.prompt_tokens += u?.promptTokens ?? 0;
      d.completion_tokens += u?.completionTokens ?? 0;
      d.cached_tokens += u?.cachedTokens ?? 0;
      d.cost_nano += item.costNano;
      d.latency_ms_sum += o.latencyMs;
      d.latency_buckets[latencyBucket(o.latencyMs)]! += 1;
      daily.set(key, d);
    });
    if (!usage.length) return null;
    const json = (rows: object[]) => (rows.length ? jsonRows(rows) : null);
    const rollup = [...daily.values()].map((d) => ({ ...d, cost_nano: d.cost_nano.toString() }));
    return sql`zs_usage_write(${json(usage)}::jsonb, ${json(content)}::jsonb, ${json(rollup)}::jsonb)`;
  }
}

interface DailyRow {
  day: string;
  org_id: string;
  key_id: string;
  model: string;
  requests: number;
  errors: number;
  prompt_tokens: number;
  completion_tokens: number;
  cached_tokens: number;
  cost_nano: bigint;
  latency_ms_sum: number;
  latency_buckets: number[];
}

interface Prepared {
  entry: LedgerEntryInput;
  call: { item: CallItem; content: string | null } | null;
}
