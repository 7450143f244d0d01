import type { ZsError } from '../errors.js';
import type { CircuitBreaker } from './breaker.js';
import type { CallOutcome } from './outcome.js';
import type { Call } from './pipeline.js';
import type { Candidate } from './plan.js';

export interface RelayContext {
  call: Call;
  candidate: Candidate;
  outcome: CallOutcome;
  breaker: CircuitBreaker;
  signal: AbortSignal;
}

/** `ok: false` means nothing reached the client yet, so the pipeline may try another target. */
export type RelayDone = { ok: true } | { ok: false; error: ZsError; upstreamMs: number };

export function routeHeaders(ctx: RelayContext, overheadMs: number): Record<string, string> {
  return {
    'x-zs-route': ctx.candidate.target.endpoint.name,
    'x-zs-model': ctx.candidate.model,
    'x-zs-overhead-ms': overheadMs.toFixed(2),
    'x-zs-data-level': ctx.call.guard.record.level,
    traceparent: ctx.call.traceparent,
  };
}
