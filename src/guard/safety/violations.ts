/**
 * When a user keeps sending prohibited input, the service to that user is suspended (暂行办法
 * Art. 14; TC260-003: e.g. 3 violations in a row or 5 in a day). Pure logic: the gateway stores
 * each moderated input as an event, asks `decideViolation` what to do and records the answer in
 * the ledger.
 */

export interface ViolationPolicy {
  /** Suspend on this many violating inputs in a row (0: rule off). */
  consecutive: number;
  /** Suspend on this many violating inputs in one Asia/Shanghai calendar day (0: rule off). */
  perDay: number;
  /** How long a suspension lasts. */
  suspendMinutes: number;
}

export const DEFAULT_VIOLATION_POLICY: Readonly<ViolationPolicy> = {
  consecutive: 3,
  perDay: 5,
  suspendMinutes: 24 * 60,
};

/** One moderated input of a user. */
export interface ViolationEvent {
  at: Date;
  violated: boolean;
  /** This event suspended the user: counting starts afresh after it. */
  suspended?: boolean;
}

export interface ViolationDecision {
  suspend: boolean;
  /** End of the suspension, when `suspend`. */
  until: Date | null;
  /** Which rule suspended; `consecutive` when both apply. */
  reason: 'consecutive' | 'per_day' | null;
  /** Violations in a row, this event included (since the last suspension). */
  consecutive: number;
  /** Violations on this event's Shanghai day, this one included if it is one (since the last suspension). */
  today: number;
}

const SHANGHAI_OFFSET_MS = 8 * 3_600_000; // UTC+8, no daylight saving
const DAY_MS = 86_400_000;

/** The Asia/Shanghai calendar day of an instant, as `YYYY-MM-DD`. */
export const shanghaiDay = (at: Date): string =>
  new Date(at.getTime() + SHANGHAI_OFFSET_MS).toISOString().slice(0, 10);

/** The instant the Asia/Shanghai day of `at` began (00:00 in Shanghai = 16:00 UTC the day before). */
export function startOfShanghaiDay(at: Date): Date {
  const shifted = at.getTime() + SHANGHAI_OFFSET_MS;
  return new Date(shifted - (((shifted % DAY_MS) + DAY_MS) % DAY_MS) - SHANGHAI_OFFSET_MS);
}

/**
 * The history `decideViolation` needs for an event at `at`: every event since `since`, and the
 * `last` most recent events before it whatever their day.
 */
export function historyWindow(policy: ViolationPolicy, at: Date): { since: Date; last: number } {
  return { since: startOfShanghaiDay(at), last: Math.max(0, policy.consecutive - 1) };
}

export function validatePolicy(policy: ViolationPolicy): void {
  for (const key of ['consecutive', 'perDay', 'suspendMinutes'] as const) {
    const v = policy[key];
    if (!Number.isInteger(v) || v < 0) throw new Error(`${key} must be an integer ≥ 0`);
  }
  if (policy.suspendMinutes === 0 && (policy.consecutive > 0 || policy.perDay > 0)) {
    throw new Error('suspendMinutes must be at least 1 when a suspension rule is on');
  }
}

/**
 * Decide on a new event given the user's earlier events (any order; later ones are ignored).
 * Only a violating event can suspend. Counting restarts after the last event that suspended,
 * so a user coming back from a suspension starts with a clean slate.
 */
export function decideViolation(
  history: readonly ViolationEvent[],
  event: ViolationEvent,
  policy: ViolationPolicy = DEFAULT_VIOLATION_POLICY,
): ViolationDecision {
  const earlier = history
    .filter((e) => e.at.getTime() <= event.at.getTime())
    .sort((a, b) => a.at.getTime() - b.at.getTime());
  const lastSuspension = earlier.findLastIndex((e) => e.suspended === true);
  const counted = earlier.slice(lastSuspension + 1);
  let consecutive = 0;
  if (event.violated) {
    consecutive = 1;
    for (let i = counted.length - 1; i >= 0 && counted[i]?.violated; i--) consecutive++;
  }
  const day = shanghaiDay(event.at);
  const today =
    (event.violated ? 1 : 0) +
    counted.filter((e) => e.violated && shanghaiDay(e.at) === day).length;

  const byRow = event.violated && policy.consecutive > 0 && consecutive >= policy.consecutive;
  const byDay = event.violated && policy.perDay > 0 && today >= policy.perDay;
  const suspend = byRow || byDay;
  return {
    suspend,
    until: suspend ? new Date(event.at.getTime() + policy.suspendMinutes * 60_000) : null,
    reason: byRow ? 'consecutive' : byDay ? 'per_day' : null,
    consecutive,
    today,
  };
}
