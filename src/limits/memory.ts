import type { Scope } from './book.js';
import { secondsToNextMonth, shanghaiMonth } from './clock.js';
import {
  hasMonthly,
  type Counters,
  type MonthSeed,
  type Refusal,
  type Ticket,
} from './counters.js';
import type { Amount } from './estimate.js';
import { fits, MinuteWindow, secondsUntilFits } from './window.js';

/**
 * Counters in this process: exact (bigint money) and cheap (no I/O after a scope's first call of
 * the month). Each hub counts only its own calls, so several hubs without Redis each enforce the
 * limits on their own traffic.
 */
export class MemoryCounters implements Counters {
  readonly name = 'memory';
  private readonly requests = new Map<string, MinuteWindow>();
  private readonly tokens = new Map<string, MinuteWindow>();
  /** `<scope id>|<month>` → usage so far, recorded and reserved. */
  private readonly months = new Map<string, Amount>();
  private readonly seeding = new Map<string, Promise<void>>();
  private month = '';

  constructor(private readonly seed: MonthSeed) {}

  async reserve(
    scopes: readonly Scope[],
    estimate: Amount,
    nowMs: number,
  ): Promise<Ticket | Refusal> {
    const month = shanghaiMonth(nowMs);
    if (month !== this.month) this.startMonth(month);
    for (;;) {
      const unseeded = scopes.find((s) => hasMonthly(s) && !this.months.has(`${s.id}|${month}`));
      if (!unseeded) break;
      await this.seedMonth(unseeded, month, nowMs);
    }
    // From here to the end nothing awaits: check and count are one step for this process.
    const nowS = Math.floor(nowMs / 1000);
    const refusal = this.check(scopes, estimate, month, nowS, nowMs);
    if (refusal) return refusal;
    const monthMarks = scopes.map((scope) => {
      const l = scope.limits;
      if (l.rpm !== null) window(this.requests, scope.id).add(nowS, 1);
      if (l.tpm !== null) window(this.tokens, scope.id).add(nowS, estimate.tokens);
      const used = hasMonthly(scope) ? this.months.get(`${scope.id}|${month}`) : undefined;
      if (!used) return null;
      used.tokens += estimate.tokens;
      used.costNano += estimate.costNano;
      return used;
    });
    return { refused: false, counters: this, scopes, estimate, second: nowS, month, monthMarks };
  }

  private check(
    scopes: readonly Scope[],
    est: Amount,
    month: string,
    nowS: number,
    nowMs: number,
  ): Refusal | null {
    const monthly = (kind: Refusal['kind'], scope: Scope): Refusal => ({
      refused: true,
      kind,
      scope,
      retryAfter: secondsToNextMonth(nowMs),
    });
    // The lasting refusals first: a caller should learn the budget is gone, not to retry in 5 s.
    for (const scope of scopes) {
      const budget = scope.limits.monthlyBudgetNano;
      const used = this.months.get(`${scope.id}|${month}`);
      if (budget !== null && used && used.costNano + est.costNano > budget)
        return monthly('monthly_budget', scope);
    }
    for (const scope of scopes) {
      const quota = scope.limits.monthlyTokens;
      const used = this.months.get(`${scope.id}|${month}`);
      if (quota !== null && used && used.tokens + est.tokens > quota)
        return monthly('monthly_tokens', scope);
    }
    for (const scope of scopes) {
      const { rpm, tpm } = scope.limits;
      if (rpm !== null) {
        const w = this.requests.get(scope.id);
        const used = w?.total(nowS) ?? 0;
        if (!fits(used, 1, rpm, false))
          return {
            refused: true,
            kind: 'rpm',
            scope,
            retryAfter: secondsUntilFits(w!.buckets(nowS), nowS, 1, rpm, false),
          };
      }
      if (tpm !== null) {
        const w = this.tokens.get(scope.id);
        const used = w?.total(nowS) ?? 0;
        if (!fits(used, est.tokens, tpm, true))
          return {
            refused: true,
            kind: 'tpm',
            scope,
            retryAfter: secondsUntilFits(w!.buckets(nowS), nowS, est.tokens, tpm, true),
          };
      }
    }
    return null;
  }

  async reconcile(ticket: Ticket, actual: Amount, nowMs: number): Promise<void> {
    const nowS = Math.floor(nowMs / 1000);
    const tokens = actual.tokens - ticket.estimate.tokens;
    const cost = actual.costNano - ticket.estimate.costNano;
    ticket.scopes.forEach((scope, i) => {
      if (scope.limits.tpm !== null) this.tokens.get(scope.id)?.adjust(ticket.second, tokens, nowS);
      const mark = ticket.monthMarks[i];
      const used = mark ? this.months.get(`${scope.id}|${ticket.month}`) : undefined;
      if (!used) return;
      const held = used === mark;
      used.tokens += held ? tokens : actual.tokens;
      used.costNano += held ? cost : actual.costNano;
    });
  }

  async forgetMonth(scopeId: string): Promise<void> {
    for (const key of this.months.keys())
      if (key.startsWith(`${scopeId}|`)) this.months.delete(key);
  }

  /** Drop every monthly count, so each scope starts again from the database (after a Redis outage began). */
  forgetAllMonths(): void {
    this.months.clear();
  }

  private startMonth(month: string): void {
    // Last month's counts are done with; calls still in flight from it reconcile into nothing.
    this.months.clear();
    this.month = month;
  }

  /** One database read per scope and month, shared by every call waiting for it. */
  private seedMonth(scope: Scope, month: string, nowMs: number): Promise<void> {
    const key = `${scope.id}|${month}`;
    let pending = this.seeding.get(key);
    if (!pending) {
      pending = this.seed(scope, nowMs)
        .then((amount) => {
          if (!this.months.has(key)) this.months.set(key, { ...amount });
        })
        .finally(() => this.seeding.delete(key));
      this.seeding.set(key, pending);
    }
    return pending;
  }
}

function window(map: Map<string, MinuteWindow>, id: string): MinuteWindow {
  let w = map.get(id);
  if (!w) {
    w = new MinuteWindow();
    map.set(id, w);
  }
  return w;
}
