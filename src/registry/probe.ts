import { attempt } from '../gateway/attempt.js';
import type { UpstreamPools } from '../gateway/upstream.js';
import type { Registry, RuntimeEndpoint } from './snapshot.js';

export interface ProbeResult {
  endpoint: string;
  ok: boolean;
  /** The upstream model asked (the first target served by this endpoint). */
  model: string | null;
  status: number | null;
  latency_ms: number;
  /** A stable code when it failed (upstream_unreachable, upstream_auth_failed, …). */
  error: string | null;
  message: string | null;
}

const PROBE_TIMEOUT_MS = 15_000;

/**
 * The operator's "test this endpoint" button: one tiny chat completion (max_tokens 1) to a model
 * the endpoint serves, with its real credentials, through the same adapter and pool as calls.
 * It is not a metered call and leaves the circuit breaker alone: a probe must not open a circuit
 * that live traffic would keep closed.
 */
export async function probeEndpoint(
  pools: UpstreamPools,
  registry: Registry,
  endpoint: RuntimeEndpoint,
): Promise<ProbeResult> {
  const model = firstUpstreamModel(registry, endpoint.name);
  const base = { endpoint: endpoint.name, model };
  if (!endpoint.provider.operations.has('chat') || model === null)
    return {
      ...base,
      ok: false,
      status: null,
      latency_ms: 0,
      error: 'no_chat_model',
      message: `No public model sends chat calls to ${endpoint.name}; nothing to test with.`,
    };
  const signal = AbortSignal.timeout(Math.min(PROBE_TIMEOUT_MS, endpoint.timeouts.totalMs));
  const result = await attempt(pools, {
    endpoint,
    op: 'chat',
    body: { model, messages: [{ role: 'user', content: 'ping' }], max_tokens: 1, stream: false },
    headers: {},
    signal,
  });
  const latency = Math.round(result.upstreamMs);
  if (!result.ok)
    return {
      ...base,
      ok: false,
      status: result.error.status,
      latency_ms: latency,
      error: result.error.code,
      message: result.error.message,
    };
  await result.response.body.dump().catch(() => {});
  return {
    ...base,
    ok: true,
    status: result.response.statusCode,
    latency_ms: latency,
    error: null,
    message: null,
  };
}

function firstUpstreamModel(registry: Registry, endpoint: string): string | null {
  for (const model of registry.models.values())
    for (const t of model.targets) if (t.endpoint.name === endpoint) return t.upstreamModel;
  return null;
}
