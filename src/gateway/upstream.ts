import { Pool, type Dispatcher } from 'undici';
import type { RuntimeEndpoint } from '../registry/snapshot.js';

/**
 * Keep-alive connection pools, one per upstream origin and connect timeout. Pools are reused
 * across registry reloads so a config change does not drop warm connections.
 */
export class UpstreamPools {
  private readonly pools = new Map<string, Pool>();
  /** Per registry snapshot entry, so the URL is parsed once, not per request. */
  private readonly resolved = new WeakMap<RuntimeEndpoint, { pool: Pool; basePath: string }>();

  private poolFor(endpoint: RuntimeEndpoint): { pool: Pool; basePath: string } {
    const known = this.resolved.get(endpoint);
    if (known) return known;
    const url = new URL(endpoint.baseUrl);
    const id = `${url.origin}|${endpoint.timeouts.connectMs}`;
    let pool = this.pools.get(id);
    if (!pool) {
      pool = new Pool(url.origin, {
        connections: 256,
        connect: { timeout: endpoint.timeouts.connectMs },
        keepAliveTimeout: 30_000,
      });
      this.pools.set(id, pool);
    }
    const entry = { pool, basePath: url.pathname.replace(/\/+$/, '') };
    this.resolved.set(endpoint, entry);
    return entry;
  }

  send(
    endpoint: RuntimeEndpoint,
    path: string,
    body: string,
    headers: Record<string, string>,
    signal: AbortSignal,
  ): Promise<Dispatcher.ResponseData> {
    const { pool, basePath } = this.poolFor(endpoint);
    return pool.request({
      method: 'POST',
      path: basePath + path,
      headers: {
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        ...headers,
      },
      body,
      signal,
      headersTimeout: endpoint.timeouts.firstByteMs,
      // Also the longest silence tolerated between two chunks of a stream.
      bodyTimeout: endpoint.timeouts.firstByteMs,
    });
  }

  async close(): Promise<void> {
    await Promise.all([...this.pools.values()].map((p) => p.close()));
    this.pools.clear();
  }
}

export type FailureKind = 'timeout' | 'connect' | 'reset' | 'aborted';

/** Classify what undici threw, without exposing its message to clients. */
export function classifyNetworkError(err: unknown): FailureKind {
  const e = err as { code?: string; name?: string };
  if (e.name === 'AbortError') return 'aborted';
  if (e.name === 'TimeoutError') return 'timeout';
  switch (e.code) {
    case 'UND_ERR_CONNECT_TIMEOUT':
    case 'UND_ERR_HEADERS_TIMEOUT':
    case 'UND_ERR_BODY_TIMEOUT':
      return 'timeout';
    case 'ECONNREFUSED':
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return 'connect';
    default:
      return 'reset';
  }
}
