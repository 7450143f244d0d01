import type { ProviderName } from '../../config/index.js';

/** The OpenAI operations the gateway relays. */
export type Operation = 'chat' | 'completions' | 'embeddings';

export type Json = Record<string, unknown>;

/**
 * Every provider is described by the same small shape, so one contract suite
 * (src/gateway/providers/contract.test.ts) can check them all on recorded fixtures.
 */
export interface ProviderAdapter {
  name: ProviderName;
  /** Mainland base URL, used when an endpoint gives none; null when the operator must give one. */
  defaultBaseUrl: string | null;
  /** Operations the upstream offers; others answer `operation_not_supported`. */
  operations: ReadonlySet<Operation>;
  /**
   * How streaming usage is obtained: `stream_options` forces `include_usage`; `inline` means the
   * upstream already reports usage in its chunks and rejects or ignores the option.
   */
  streamUsage: 'stream_options' | 'inline';
  /** Request headers for the upstream (authentication). */
  headers(apiKey: string | null): Record<string, string>;
  /** Map an OpenAI request body (model already set to the upstream id) to the upstream's dialect. */
  mapRequest(op: Operation, body: Json): Json;
  /** Normalise a non-stream response body to OpenAI's shape. */
  mapResponse(op: Operation, body: Json): Json;
  /** Normalise one streamed chunk to OpenAI's shape. */
  mapChunk(op: Operation, chunk: Json): Json;
  /** Pull a human-readable message out of an upstream error body. */
  errorMessage(status: number, body: unknown): string;
}
