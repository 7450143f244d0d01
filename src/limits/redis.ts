import { createHash, randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Scope } from './book.js';
import { secondsToNextMonth, shanghaiMonth } from './clock.js';
import {
  type Counters,
  type LimitKind,
  type MonthSeed,
  type Refusal,
  type Ticket,
} from './counters.js';
import type { Amount } from './estimate.js';
import { RECONCILE, RESERVE, SEED } from './redis-scripts.js';

/** Every key shares one hash tag, so a call's multi-scope script also runs on Redis Cluster. */
const PREFIX = '{zs:limits}';
/** A month counter outlives its month long enough for late reconciles, then goes. */
const MONTH_TTL_S = 62 * 86_400;
const KINDS: Record<number, LimitKind> = {
  1: 'monthly_budget',
  2: 'monthly_tokens',
  3: 'rpm',
  4: 'tpm',
};

/** A script run by its SHA1, sent in full only when Redis does not have it (yet). */
class Script {
  private readonly sha: string;
  constructor(private readonly lua: string) {
    this.sha = createHash('sha1').update(lua).digest('hex');
  }

  async run(redis: Redis, keys: string[], args: (string | number)[]): Promise<unknown> {
    try {
      return await redis.evalsha(this.sha, keys.length, ...keys, ...args);
    } catch (err) {
      if (!(err instanceof Error) || !err.message.startsWith('NOSCRIPT')) throw err;
      return redis.eval(this.lua, keys.length, ...keys, ...args);
    }
  }
}

const reserveScript = new Script(RESERVE);
const reconcileScript = new Script(RECONCILE);
const seedScript = new Script(SEED);

const monthKey = (scopeId: string, month: string) => `${PREFIX}:${scopeId}:m:${month}`;
const num = (v: number | bigint | null) => (v === null ? '0' : String(v));

/**
 * Counters shared by every hub instance on one Redis. Money stays exact up to 2^53 nano-yuan
 * (about 9 million CNY) a month per scope; above that Lua's doubles compare to within a few
 * nano-yuan.
 */
export class RedisCounters implements Counters {
  readonly name = 'redis';
  private readonly seeding = new Map<string, Promise<void>>();

  constructor(
    private readonly redis: Redis,
    private readonly seed: MonthSeed,
  ) {}

  async reserve(
    scopes: readonly Scope[],
    estimate: Amount,
    nowMs: number,
  ): Promise<Ticket | Refusal> {
    const month = shanghaiMonth(nowMs);
    const keys = scopes.flatMap((s) => [
      `${PREFIX}:${s.id}:r`,
      `${PREFIX}:${s.id}:t`,
      monthKey(s.id, month),
    ]);
    const args = [
      scopes.length,
      estimate.tokens,
      estimate.costNano.toString(),
      ...scopes.flatMap((s) => [
        num(s.limits.rpm),
        num(s.limits.tpm),
        num(s.limits.monthlyTokens),
        num(s.limits.monthlyBudgetNano),
      ]),
    ];
    // A counter seeded and then expired or flushed between two runs sends us round again.
    for (let round = 0; round < 3; round++) {
      const reply = (await reserveScript.run(this.redis, keys, args)) as [number, ...unknown[]];
      const [status, ...more] = reply;
      if (status === 0) {
        const [second, ...gens] = more as [number, ...string[]];
        return {
          refused: false,
          counters: this,
          scopes,
          estimate,
          second,
          month,
          monthMarks: gens.map((g) => g || null),
        };
      }
      const rest = more as number[];
      if (status === 1) {
        const kind = KINDS[rest[0]!]!;
        const monthly = kind === 'monthly_budget' || kind === 'monthly_tokens';
        return {
          refused: true,
          kind,
          scope: scopes[rest[1]! - 1]!,
          retryAfter: monthly ? secondsToNextMonth(nowMs) : rest[2]!,
        };
      }
      await Promise.all(rest.map((i) => this.seedMonth(scopes[i - 1]!, month, nowMs)));
    }
    throw new Error('monthly limit counters could not be seeded in Redis');
  }

  async reconcile(ticket: Ticket, actual: Amount, _nowMs: number): Promise<void> {
    const tokens = actual.tokens - ticket.estimate.tokens;
    const cost = actual.costNano - ticket.estimate.costNano;
    const counted = ticket.scopes
      .map((scope, i) => ({ scope, gen: (ticket.monthMarks[i] as string | null) ?? '' }))
      .filter(({ scope, gen }) => scope.limits.tpm !== null || gen !== '');
    if (!counted.length) return;
    await reconcileScript.run(
      this.redis,
      counted.flatMap(({ scope }) => [`${PREFIX}:${scope.id}:t`, monthKey(scope.id, ticket.month)]),
      [
        counted.length,
        ticket.second,
        tokens,
        cost.toString(),
        actual.tokens,
        actual.costNano.toString(),
        ...counted.flatMap(({ scope, gen }) => [scope.limits.tpm !== null ? '1' : '0', gen]),
      ],
    );
  }

  async forgetMonth(scopeId: string, nowMs: number): Promise<void> {
    await this.redis.del(monthKey(scopeId, shanghaiMonth(nowMs)));
  }

  /** Read the database once per scope and month in this process; SET NX in Redis across all. */
  private seedMonth(scope: Scope, month: string, nowMs: number): Promise<void> {
    const key = monthKey(scope.id, month);
    let pending = this.seeding.get(key);
    if (!pending) {
      pending = (async () => {
        const used = await this.seed(scope, nowMs);
        const gen = randomBytes(6).toString('hex');
        await seedScript.run(
          this.redis,
          [key],
          [used.tokens, used.costNano.toString(), MONTH_TTL_S, gen],
        );
      })().finally(() => this.seeding.delete(key));
      this.seeding.set(key, pending);
    }
    return pending;
  }
}
