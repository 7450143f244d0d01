import type { Dispatcher } from 'undici';
import { badGateway, clientClosed, gatewayTimeout, rateLimited, ZsError } from '../errors.js';
import type { RuntimeEndpoint } from '../registry/snapshot.js';
import type { Json, Operation } from './providers/index.js';
import { classifyNetworkError, type UpstreamPools } from './upstream.js';

export const OPERATION_PATHS: Record<Operation, string> = {
  chat: '/chat/completions',
  completions: '/completions',
  embeddings: '/embeddings',
};

export type AttemptResult =
  | { ok: true; response: Dispatcher.ResponseData; upstreamMs: number }
  | { ok: false; error: ZsError; upstreamMs: number; retry: RetryAdvice };

export interface RetryAdvice {
  /** Another attempt may succeed (on this target or another). */
  retriable: boolean;
  /** Worth retrying the same target (transient), rather than moving on. */
  sameTarget: boolean;
  /** The upstream's Retry-After, in ms. */
  afterMs: number | null;
  /** Counts against the endpoint's circuit breaker. */
  breaker: boolean;
}

export interface AttemptInput {
  endpoint: RuntimeEndpoint;
  op: Operation;
  body: Json;
  headers: Record<string, string>;
  signal: AbortSignal;
}

/** One call to one upstream, up to its response headers. The body is left for the caller. */
export async function attempt(pools: UpstreamPools, input: AttemptInput): Promise<AttemptResult> {
  const started = performance.now();
  const { endpoint, op } = input;
  const payload = JSON.stringify(endpoint.provider.mapRequest(op, input.body));
  const headers = { ...input.headers, ...endpoint.provider.headers(endpoint.apiKey) };
  let response: Dispatcher.ResponseData;
  try {
    response = await pools.send(endpoint, OPERATION_PATHS[op], payload, headers, input.signal);
  } catch (err) {
    const upstreamMs = performance.now() - started;
    const kind = classifyNetworkError(err);
    if (kind === 'timeout') {
      return {
        ok: false,
        upstreamMs,
        error: gatewayTimeout(
          'upstream_timeout',
          `Model endpoint ${endpoint.name} did not answer in time.`,
        ),
        retry: { retriable: true, sameTarget: false, afterMs: null, breaker: true },
      };
    }
    if (kind === 'aborted') {
      return {
        ok: false,
        upstreamMs,
        error: clientClosed(),
        retry: { retriable: false, sameTarget: false, afterMs: null, breaker: false },
      };
    }
    return {
      ok: false,
      upstreamMs,
      error: badGateway(
        'upstream_unreachable',
        `Model endpoint ${endpoint.name} could not be reached.`,
      ),
      retry: { retriable: true, sameTarget: kind === 'reset', afterMs: null, breaker: true },
    };
  }
  const upstreamMs = performance.now() - started;
  if (response.statusCode < 300) return { ok: true, response, upstreamMs };
  return { ok: false, upstreamMs, ...(await classifyStatus(input.endpoint, response)) };
}

async function classifyStatus(
  endpoint: RuntimeEndpoint,
  response: Dispatcher.ResponseData,
): Promise<{ error: ZsError; retry: RetryAdvice }> {
  const status = response.statusCode;
  const text = await response.body.text().catch(() => '');
  let parsed: unknown = null;
  try {
    parsed = JSON.parse(text);
  } catch {
    /* not JSON: the message falls back to the status */
  }
  const afterMs = retryAfterMs(response.headers['retry-after']);
  if (status === 429) {
    return {
      error: rateLimited(
        'upstream_rate_limited',
        `Model endpoint ${endpoint.name} is rate limiting the hub.`,
        afterMs ? { retryAfter: Math.ceil(afterMs / 1000) } : {},
      ),
      retry: { retriable: true, sameTarget: true, afterMs, breaker: false },
    };
  }
  if (status === 401 || status === 403) {
    // The hub's credentials for this endpoint are wrong: an operator problem, never the caller's.
    return {
      error: badGateway(
        'upstream_auth_failed',
        `Model endpoint ${endpoint.name} refused the hub's credentials.`,
      ),
      retry: { retriable: true, sameTarget: false, afterMs: null, breaker: true },
    };
  }
  if (status >= 500 || status === 408) {
    return {
      error: badGateway(
        'upstream_error',
        `Model endpoint ${endpoint.name} failed (HTTP ${status}).`,
      ),
      retry: { retriable: true, sameTarget: true, afterMs, breaker: true },
    };
  }
  // Other 4xx: the request itself was rejected; another target would reject it too.
  const message = endpoint.provider.errorMessage(status, parsed).slice(0, 1000);
  return {
    error: new ZsError(
      status === 404 ? 400 : status,
      'upstream_rejected_request',
      `The model rejected the request: ${message}`,
      'invalid_request_error',
    ),
    retry: { retriable: false, sameTarget: false, afterMs: null, breaker: false },
  };
}

function retryAfterMs(header: string | string[] | undefined): number | null {
  const value = Array.isArray(header) ? header[0] : header;
  if (!value) return null;
  if (/^\d+(\.\d+)?$/.test(value.trim())) return Math.round(Number(value) * 1000);
  const at = Date.parse(value);
  return Number.isNaN(at) ? null : Math.max(0, at - Date.now());
}
