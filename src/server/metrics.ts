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
  private readonly cost = new Counter({
    name: 'zs_cost_yuan_total',
    help: 'Cost of calls in CNY at the prices in effect when made, by organisation and model.',
    labelNames: ['org', 'model'] as const,
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

  /**
   * Labelled children are looked up by one joined string: prom-client would otherwise hash the
   * label object on every call, on the gateway's hot path.
   */
  private readonly children = new Map<string, unknown>();
  private child<T extends { inc(n?: number): void } | { observe(v: number): void }>(
    name: string,
    make: () => T,
    ...labels: string[]
  ): T {
    const key = `${name}\u0000${labels.join('\u0000')}`;
    let found = this.children.get(key) as T | undefined;
    if (!found) {
      found = make();
      this.children.set(key, found);
    }
    return found;
  }

  observe(o: CallOutcome): void {
    const model = o.servedModel ?? o.model;
    const endpoint = o.endpoint ?? 'none';
    const status = String(o.status);
    const code = o.errorCode ?? '';
    const stream = String(o.stream);
    this.child(
      'req',
      () => this.requests.labels(o.orgCode, model, endpoint, status, code),
      o.orgCode,
      model,
      endpoint,
      status,
      code,
    ).inc();
    this.child('lat', () => this.latency.labels(model, stream), model, stream).observe(
      o.latencyMs / 1000,
    );
    this.overhead.observe(o.overheadMs / 1000);
    if (o.usage) {
      this.child('tp', () => this.tokens.labels(o.orgCode, model, 'prompt'), o.orgCode, model).inc(
        o.usage.promptTokens,
      );
      this.child(
        'tc',
        () => this.tokens.labels(o.orgCode, model, 'completion'),
        o.orgCode,
        model,
      ).inc(o.usage.completionTokens);
    }
    // Every org/model pair with calls gets a series, 0 for unpriced models, so cost and
    // request counters join in PromQL. Converted from exact nano-yuan only here.
    this.child('cost', () => this.cost.labels(o.orgCode, model), o.orgCode, model).inc(
      Number(o.costNano) / 1e9,
    );
    if (o.errorCode && UPSTREAM_CODES.test(o.errorCode)) {
      this.child(
        'err',
        () => this.upstreamErrors.labels(endpoint, o.errorCode!),
        endpoint,
        o.errorCode,
      ).inc();
    }
  }
}
