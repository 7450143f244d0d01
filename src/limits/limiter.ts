import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { Counter, Gauge, type Registry as MetricsRegistry } from 'prom-client';
import { unavailable } from '../errors.js';
import type { CallOutcome } from '../gateway/outcome.js';
import type { Operation } from '../gateway/providers/index.js';
import type { KeyGrant } from '../identity/keys.js';
import type { PriceBook } from '../metering/prices.js';
import type { Registry, RuntimeModel } from '../registry/snapshot.js';
import type { Db } from '../store/index.js';
import { LimitBook, type Scope } from './book.js';
import type { Counters, MonthSeed, Refusal, Ticket } from './counters.js';
import { requestCost, requestTokens, type Amount } from './estimate.js';
import { MemoryCounters } from './memory.js';
import { RedisCounters } from './redis.js';
import { refusalError } from './refusal.js';
import { monthUsageFrom } from './seed.js';

/** After Redis fails a call, the next this many ms count in process without asking it. */
const REDIS_PAUSE_MS = 5_000;
/** A hung Redis costs a call at most this long before it is counted in process. */
const REDIS_TIMEOUT_MS = 250;

class SeedError extends Error {}

export interface AdmitInput {
  grant: KeyGrant;
  op: Operation;
  body: Record<string, unknown>;
  model: RuntimeModel;
  registry: Registry;
  prices: PriceBook;
}

export interface LimiterOptions {
  db: Db;
  /** Share the counters between hub instances through this Redis. */
  redisUrl?: string | undefined;
  log: Logger;
  metrics: MetricsRegistry;
}

/**
 * Rate limits, token quotas and budgets for /v1 calls. Before a call, `admit` reserves its
 * estimate against the key and every organisation above it, or refuses it with a 429; when it
 * settles, `settle` swaps the estimate for what it used. Counters live in this process, or in Redis
 * when configured; while Redis is unreachable the hub counts in process (and says so in its log
 * and metrics) rather than stop serving.
 */
export class Limiter {
  private book = LimitBook.empty();
  private loaded = false;
  private readonly memory: MemoryCounters;
  private readonly redis: Redis | null;
  private readonly shared: RedisCounters | null;
  private pausedUntil = 0;
  private degraded = false;
  private readonly refusals: Counter<'code' | 'scope' | 'org'>;
  private readonly fallbacks: Counter;

  constructor(private readonly options: LimiterOptions) {
    const usage = monthUsageFrom(options.db);
    const seed: MonthSeed = (scope, nowMs) =>
      usage(scope, nowMs).catch((err: unknown) => {
        throw new SeedError('monthly usage could not be read', { cause: err });
      });
    this.memory = new MemoryCounters(seed);
    this.redis = options.redisUrl
      ? new Redis(options.redisUrl, {
          lazyConnect: true,
          // Fail at once while disconnected instead of queueing calls behind a dead server.
          enableOfflineQueue: false,
          maxRetriesPerRequest: 0,
          commandTimeout: REDIS_TIMEOUT_MS,
          retryStrategy: (times) => Math.min(100 * times, 2_000),
        })
      : null;
    this.redis?.on('error', () => {}); // reported through degrade(), once per outage
    this.shared = this.redis ? new RedisCounters(this.redis, seed) : null;
    const registers = [options.metrics];
    this.refusals = new Counter({
      name: 'zs_limit_refusals_total',
      help: 'Calls refused by a rate limit, token quota or budget, by code and the scope that refused.',
      labelNames: ['code', 'scope', 'org'] as const,
      registers,
    });
    this.fallbacks = new Counter({
      name: 'zs_limits_local_fallback_total',
      help: 'Calls counted in this process because the configured Redis was unavailable.',
      registers,
    });
    const redis = this.redis;
    if (redis)
      new Gauge({
        name: 'zs_limits_redis_up',
        help: 'Whether the Redis that shares limit counters between hubs is connected (1) or not (0).',
        registers,
        collect() {
          this.set(redis.status === 'ready' ? 1 : 0);
        },
      });
  }

  /** Connect to Redis if configured; an unreachable Redis is logged, not fatal (see degrade). */
  async start(): Promise<void> {
    if (!this.redis) return;
    try {
      await this.redis.connect();
    } catch (err) {
      this.degrade(err, Date.now());
    }
  }

  get mode(): 'memory' | 'redis' {
    return this.shared && !this.degraded ? 'redis' : 'memory';
  }

  /** Take a new snapshot of the limits (at every sync). */
  setBook(next: LimitBook): void {
    const before = this.book;
    this.book = next;
    if (!this.loaded) {
      this.loaded = true;
      return;
    }
    // A monthly limit set on a scope that had none: its counter (if any) missed the calls made
    // meanwhile, so it starts again from the database.
    const had = before.monthlyScopeIds();
    for (const id of next.monthlyScopeIds()) {
      if (had.has(id)) continue;
      void this.memory.forgetMonth(id);
      this.shared?.forgetMonth(id, Date.now()).catch(() => {});
    }
  }

  /**
   * Reserve a call's estimate against every limit that covers it, or throw the 429 it breaks
   * (`rate_limited`, `quota_exhausted`, `budget_exhausted`). Null when no limit applies.
   */
  async admit(input: AdmitInput, nowMs = Date.now()): Promise<Ticket | null> {
    const scopes = this.book.scopesFor(input.grant);
    if (!scopes.length) return null;
    const estimate = estimateFor(scopes, input, nowMs);
    let result: Ticket | Refusal;
    try {
      result = await this.reserve(scopes, estimate, nowMs);
    } catch (err) {
      this.options.log.error({ err }, 'limit counters could not be read');
      throw unavailable(
        'limits_unavailable',
        'The hub could not check this call against its limits; retry shortly.',
        { retryAfter: 5 },
      );
    }
    if (!result.refused) return result;
    const error = refusalError(result, estimate);
    this.refusals.inc({
      code: error.code,
      scope: result.scope.kind,
      org: result.scope.code ?? input.grant.orgCode,
    });
    throw error;
  }

  /** Replace a call's reservation with what it used (tokens and recorded cost). Never throws. */
  async settle(ticket: Ticket, outcome: CallOutcome): Promise<void> {
    const u = outcome.usage;
    const actual: Amount = {
      tokens: u ? u.promptTokens + u.completionTokens : 0,
      costNano: outcome.costNano,
    };
    try {
      await ticket.counters.reconcile(ticket, actual, Date.now());
    } catch (err) {
      // The estimate stays counted: the counters err on the side of refusing.
      this.options.log.warn(
        { err, requestId: outcome.requestId },
        'a limit reservation could not be reconciled',
      );
    }
  }

  private async reserve(
    scopes: readonly Scope[],
    estimate: Amount,
    nowMs: number,
  ): Promise<Ticket | Refusal> {
    const counters = await this.counters(nowMs);
    if (counters === this.memory) {
      if (this.shared) this.fallbacks.inc();
      return this.memory.reserve(scopes, estimate, nowMs);
    }
    try {
      return await counters.reserve(scopes, estimate, nowMs);
    } catch (err) {
      if (err instanceof SeedError) throw err;
      this.degrade(err, nowMs);
      this.fallbacks.inc();
      return this.memory.reserve(scopes, estimate, nowMs);
    }
  }

  private async counters(nowMs: number): Promise<Counters> {
    if (!this.shared || !this.redis) return this.memory;
    if (nowMs < this.pausedUntil || this.redis.status !== 'ready') {
      this.degrade(null, nowMs);
      return this.memory;
    }
    if (this.degraded) {
      this.degraded = false;
      this.options.log.warn('Redis is back; limit counters are shared again');
      // Calls counted in process meanwhile are missing from the shared monthly counters: they
      // start again from the database, which has every recorded call.
      await Promise.all(
        [...this.book.monthlyScopeIds()].map((id) => this.shared!.forgetMonth(id, nowMs)),
      ).catch((err: unknown) => this.degrade(err, nowMs));
      if (this.degraded) return this.memory;
    }
    return this.shared;
  }

  /**
   * Count in process until Redis answers again. The gateway stays up, but each hub then enforces
   * the limits on its own calls only: together they may pass a limit by what the others spend.
   */
  private degrade(err: unknown, nowMs: number): void {
    if (err) this.pausedUntil = nowMs + REDIS_PAUSE_MS;
    if (this.degraded) return;
    this.degraded = true;
    // Monthly counts kept here from an earlier outage are stale: start from the database.
    this.memory.forgetAllMonths();
    this.options.log.warn(
      err ? { err } : {},
      'Redis is unavailable; limit counters are kept in this process until it is back',
    );
  }

  async close(): Promise<void> {
    if (this.redis && this.redis.status !== 'end') {
      await this.redis.quit().catch(() => this.redis!.disconnect());
    }
  }
}

/** Estimate only what some scope limits: tokens for tpm and quotas, cost for budgets. */
function estimateFor(scopes: readonly Scope[], input: AdmitInput, nowMs: number): Amount {
  const needsTokens = scopes.some(
    (s) =>
      s.limits.tpm !== null ||
      s.limits.monthlyTokens !== null ||
      s.limits.monthlyBudgetNano !== null,
  );
  if (!needsTokens) return { tokens: 0, costNano: 0n };
  const tokens = requestTokens(input.op, input.body);
  const priced = scopes.some((s) => s.limits.monthlyBudgetNano !== null);
  return {
    tokens: tokens.prompt + tokens.completion,
    costNano: priced ? requestCost(tokens, input.model, input.registry, input.prices, nowMs) : 0n,
  };
}
