import { clientClosed, unavailable, type ZsError } from '../errors.js';
import type { AigcLabel } from '../guard/aigc.js';
import type { GuardedCall } from '../guard/gate.js';
import type { Moderator } from '../guard/moderation.js';
import { cleared } from '../guard/levels.js';
import type { KeyGrant } from '../identity/keys.js';
import type { Registry, RuntimeModel } from '../registry/snapshot.js';
import { attempt } from './attempt.js';
import type { Breakers } from './breaker.js';
import type { CallTrace } from './outcome.js';
import { candidates } from './plan.js';
import type { Json, Operation } from './providers/index.js';
import { relayJson } from './relay-json.js';
import { relayStream, type StreamSink } from './relay-stream.js';
import type { UpstreamPools } from './upstream.js';

export interface RetryPolicy {
  max_attempts: number;
  retries_per_target: number;
  retry_base_ms: number;
  retry_max_wait_ms: number;
}

export interface PipelineDeps {
  pools: UpstreamPools;
  breakers: Breakers;
  retry: RetryPolicy;
}

export interface Call {
  op: Operation;
  /** What goes upstream (after the guard: masked where it decided so). */
  body: Json;
  /** The guard's decision: which deployments may serve the call, and what to restore. */
  guard: GuardedCall;
  /** The implicit AIGC label of a generated answer (null for embeddings). */
  label: ((answerSm3: string | null) => AigcLabel) | null;
  /** Checks the answer against the lexicon (null: answers are not moderated). */
  moderator: Moderator | null;
  grant: KeyGrant;
  registry: Registry;
  model: RuntimeModel;
  requestId: string;
  traceparent: string;
  /** performance.now() when the request arrived. */
  startedAt: number;
  trace: CallTrace;
  /** Aborts when the client goes away. */
  clientSignal: AbortSignal;
  sink: StreamSink;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * One attempt's signal: aborts when the client goes away or the endpoint's total timeout passes.
 * (Hand-made rather than AbortSignal.any + AbortSignal.timeout, which keep every attempt's
 * signals alive until garbage collection on Node 20.)
 */
function deadline(client: AbortSignal, ms: number): { signal: AbortSignal; clear: () => void } {
  const controller = new AbortController();
  const onClient = () => controller.abort(client.reason);
  if (client.aborted) onClient();
  else client.addEventListener('abort', onClient, { once: true });
  const timer = setTimeout(
    () => controller.abort(new DOMException('total timeout passed', 'TimeoutError')),
    ms,
  );
  return {
    signal: controller.signal,
    clear: () => {
      clearTimeout(timer);
      client.removeEventListener('abort', onClient);
    },
  };
}

/**
 * Try the model's targets (then its fallbacks) until one answers: retries with exponential
 * backoff that honour Retry-After, skipping endpoints whose circuit is open. Failover happens
 * only before the first byte reaches the client.
 */
export async function runCall(deps: PipelineDeps, call: Call): Promise<void> {
  const stream = call.body.stream === true;
  const { trace } = call;
  const outcome = trace.outcome;
  let lastError: ZsError | null = null;
  try {
    for (const candidate of candidates(call.registry, call.model)) {
      const { endpoint, upstreamModel } = candidate.target;
      if (!endpoint.provider.operations.has(call.op)) continue;
      const floor = call.guard.decision.routeFloor;
      if (floor && !cleared(endpoint.clearance, floor)) continue;
      const breaker = deps.breakers.for(endpoint.name);
      for (let retry = 0; retry <= deps.retry.retries_per_target; retry++) {
        if (outcome.attempts >= deps.retry.max_attempts || call.clientSignal.aborted) break;
        if (!breaker.tryAcquire()) break;
        outcome.attempts += 1;
        const { signal, clear } = deadline(call.clientSignal, endpoint.timeouts.totalMs);
        let result: Awaited<ReturnType<typeof attempt>>;
        try {
          const body = upstreamBody(call, upstreamModel, endpoint.provider.streamUsage);
          const headers = { 'x-request-id': call.requestId, traceparent: call.traceparent };
          result = await attempt(deps.pools, { endpoint, op: call.op, body, headers, signal });
          trace.upstreamMs += result.upstreamMs;
          if (result.ok) {
            outcome.servedModel = candidate.model;
            outcome.endpoint = endpoint.name;
            const ctx = { call, candidate, outcome, breaker, signal };
            const done = stream
              ? await relayStream(ctx, result.response)
              : await relayJson(ctx, result.response);
            if (done.ok) return;
            lastError = done.error;
            trace.upstreamMs += done.upstreamMs;
            break;
          }
        } finally {
          clear();
        }
        lastError = result.error;
        if (result.retry.breaker) breaker.failure(result.error.code);
        else if (result.error.code === 'client_closed') breaker.release();
        else breaker.success(); // the endpoint answered (4xx, 429): it is up
        if (!result.retry.retriable) throw result.error;
        if (!result.retry.sameTarget || retry === deps.retry.retries_per_target) break;
        const wait =
          result.retry.afterMs ?? deps.retry.retry_base_ms * 2 ** retry * (0.5 + Math.random());
        if (wait > deps.retry.retry_max_wait_ms) break;
        await sleep(wait);
      }
      if (outcome.attempts >= deps.retry.max_attempts) break;
    }
    // Gone while waiting to retry: recorded as the client's doing, not the last upstream error.
    if (call.clientSignal.aborted) throw clientClosed();
    throw finalError(lastError, outcome.attempts);
  } catch (err) {
    // Recorded before the error response goes out.
    await trace.fail(err as ZsError);
    throw err;
  }
}

function finalError(last: ZsError | null, attempts: number): ZsError {
  if (attempts === 0) {
    return unavailable(
      'no_available_target',
      'No endpoint serving this model is available now (all circuits open); retry shortly.',
      { retryAfter: 5 },
    );
  }
  if (last && (last.code === 'upstream_timeout' || last.code === 'upstream_rate_limited'))
    return last;
  return unavailable(
    'all_targets_failed',
    `Every endpoint serving this model failed (${attempts} attempts).`,
    { cause: last },
  );
}

function upstreamBody(
  call: Call,
  upstreamModel: string,
  streamUsage: 'stream_options' | 'inline',
): Json {
  const out: Json = { ...call.body, model: upstreamModel };
  if (call.body.stream !== true) {
    // OpenAI and vLLM reject stream_options on a non-stream request.
    delete out.stream_options;
  } else if (streamUsage === 'stream_options') {
    const given = call.body.stream_options;
    out.stream_options = {
      ...(given && typeof given === 'object' ? given : {}),
      include_usage: true,
    };
  }
  // Several upstreams return floats only; the hub asks for floats and encodes for the client.
  if (call.op === 'embeddings' && out.encoding_format === 'base64') delete out.encoding_format;
  return out;
}
