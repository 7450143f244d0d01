import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { CallOutcome } from '../gateway/outcome.js';

const UPSTREAM_CODES = /^(upstream_|stream_|all_targets_|no_available_)/;

/** Prometheus metrics for one hub process (its own registry: no global state between apps). */
export class HubMetrics {
  readonly registry = new Registry();
  private readonly requests = new Counter({
    name: 'zs_requests_total',
    help: 'Model calls through /v1, by organisation, model, endpoint and outcome.',
    labelNames: ['org', 'model', 'endpoint', 'status', 'code'] as const,
    registers: [this.registry],
  });
  private readonly latency = new Histogram({
    name: 'zs_request_duration_seconds',
    help: 'Latency of model calls through /v1 (to the last byte).',
    labelNames: ['model', 'stream'] as const,
    buckets: [0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120],
    registers: [this.registry],
  });
  private readonly overhead = new Histogram({
    name: 'zs_gateway_overhead_seconds',
    help: 'Time a call spent in the hub itself, excluding upstream time.',
    buckets: [0.0005, 0.001, 0.002, 0.005, 0.01, 0.05, 0.1],
    registers: [this.registry],
  });
  private readonly tokens = new Counter({
    name: 'zs_tokens_total',
    help: 'Tokens by organisation, model and kind (prompt, completion).',
    labelNames: ['org', 'model', 'kind'] as const,
    registers: [this.registry],
  });
  private readonly upstreamErrors = new Counter({
    name: 'zs_upstream_errors_total',
    help: 'Failed calls by the endpoint that failed and the error code.',
    labelNames: ['endpoint', 'code'] as const,
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'zs_' });
  }

  observe(o: CallOutcome): void {
    const model = o.servedModel ?? o.model;
    this.requests.inc({
      org: o.orgCode,
      model,
      endpoint: o.endpoint ?? 'none',
      status: String(o.status),
      code: o.errorCode ?? '',
    });
    this.latency.observe({ model, stream: String(o.stream) }, o.latencyMs / 1000);
    this.overhead.observe(o.overheadMs / 1000);
    if (o.usage) {
      this.tokens.inc({ org: o.orgCode, model, kind: 'prompt' }, o.usage.promptTokens);
      this.tokens.inc({ org: o.orgCode, model, kind: 'completion' }, o.usage.completionTokens);
    }
    if (o.errorCode && UPSTREAM_CODES.test(o.errorCode)) {
      this.upstreamErrors.inc({ endpoint: o.endpoint ?? 'none', code: o.errorCode });
    }
  }
}
