import { rateLimited, type ZsError } from '../errors.js';
import type { LimitCode, Refusal } from './counters.js';
import type { Amount } from './estimate.js';
import { yuanText } from './limits.js';

export const LIMIT_CODES: ReadonlySet<string> = new Set<LimitCode>([
  'rate_limited',
  'quota_exhausted',
  'budget_exhausted',
]);

/** Monthly refusals last until the next month: retrying soon cannot help. */
export const MONTHLY_CODES: ReadonlySet<string> = new Set(['quota_exhausted', 'budget_exhausted']);

const RENEWS = 'It renews when the next month begins (Asia/Shanghai).';

/** The 429 a refused call answers with: the code, the scope and limit it hit, and Retry-After. */
export function refusalError(r: Refusal, estimate: Amount): ZsError {
  const who = r.scope.kind === 'key' ? 'this API key' : `organisation ${r.scope.code}`;
  const l = r.scope.limits;
  const options = { retryAfter: r.retryAfter };
  switch (r.kind) {
    case 'rpm':
      return rateLimited(
        'rate_limited',
        `Rate limit reached: ${who} allows ${l.rpm} requests per minute. Retry after ${r.retryAfter} s.`,
        options,
      );
    case 'tpm':
      return rateLimited(
        'rate_limited',
        `Rate limit reached: ${who} allows ${l.tpm} tokens per minute and this call may use up to ${estimate.tokens}. Retry after ${r.retryAfter} s.`,
        options,
      );
    case 'monthly_tokens':
      return rateLimited(
        'quota_exhausted',
        `The monthly token quota of ${who} (${l.monthlyTokens} tokens) has no room for this call (up to ${estimate.tokens} tokens). ${RENEWS}`,
        options,
      );
    case 'monthly_budget':
      return rateLimited(
        'budget_exhausted',
        `The monthly budget of ${who} (CNY ${yuanText(l.monthlyBudgetNano ?? 0n)}) has no room for this call (up to CNY ${yuanText(estimate.costNano)}); a smaller max_tokens may fit. ${RENEWS}`,
        options,
      );
  }
}
