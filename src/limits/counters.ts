import type { Scope } from './book.js';
import type { Amount } from './estimate.js';

export type LimitCode = 'rate_limited' | 'quota_exhausted' | 'budget_exhausted';
export type LimitKind = 'rpm' | 'tpm' | 'monthly_tokens' | 'monthly_budget';

/** Why a call may not start: the first scope and limit it would break. */
export interface Refusal {
  refused: true;
  kind: LimitKind;
  scope: Scope;
  /** Seconds until the call could fit (rate limits) or the next Shanghai month (monthly). */
  retryAfter: number;
}

/** An admitted call's reservation, to be reconciled exactly once when it settles. */
export interface Ticket {
  refused: false;
  counters: Counters;
  scopes: readonly Scope[];
  estimate: Amount;
  /** The epoch second the reservation counts in (the per-minute windows' bucket). */
  second: number;
  /** The Shanghai month the reservation counts in. */
  month: string;
  /**
   * Per scope, which month counter holds the reservation (null: not counted monthly). A counter
   * started again since (re-read from the database) gets the call's whole usage instead.
   */
  monthMarks: readonly unknown[];
}

/** This month's recorded usage of a scope, from the daily rollup: what counters start from. */
export type MonthSeed = (scope: Scope, nowMs: number) => Promise<Amount>;

/**
 * Counts requests, tokens and spend per scope. `reserve` checks every limit of every scope and
 * counts the estimate against all of them, or none: atomically, so concurrent calls cannot
 * together pass a limit. `reconcile` replaces the estimate with what the call actually used.
 */
export interface Counters {
  readonly name: 'memory' | 'redis';
  reserve(scopes: readonly Scope[], estimate: Amount, nowMs: number): Promise<Ticket | Refusal>;
  reconcile(ticket: Ticket, actual: Amount, nowMs: number): Promise<void>;
  /** Start this scope's monthly counts again from the database at its next call. */
  forgetMonth(scopeId: string, nowMs: number): Promise<void>;
}

export const hasMonthly = (s: Scope): boolean =>
  s.limits.monthlyTokens !== null || s.limits.monthlyBudgetNano !== null;
