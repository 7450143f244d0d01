import type { ProviderName } from '../../config/index.js';
import type { Json, Operation, ProviderAdapter } from './types.js';

const ALL_OPS: ReadonlySet<Operation> = new Set(['chat', 'completions', 'embeddings']);
const identity = (_op: Operation, body: Json): Json => body;

export function bearer(apiKey: string | null): Record<string, string> {
  return apiKey ? { authorization: `Bearer ${apiKey}` } : {};
}

/** OpenAI's `{error:{message}}`, and the flat `{message}` / `{error_msg}` shapes some upstreams use. */
export function openAiErrorMessage(status: number, body: unknown): string {
  if (body && typeof body === 'object') {
    const b = body as { error?: unknown; message?: unknown; error_msg?: unknown; msg?: unknown };
    if (b.error && typeof b.error === 'object' && typeof (b.error as Json).message === 'string') {
      return (b.error as { message: string }).message;
    }
    for (const value of [b.error, b.message, b.error_msg, b.msg])
      if (typeof value === 'string') return value;
  }
  return `upstream answered HTTP ${status}`;
}

/** Clamp a numeric sampling parameter into the range an upstream accepts. */
export function clampParam(body: Json, key: string, min: number, max: number): Json {
  const value = body[key];
  if (typeof value !== 'number') return body;
  return { ...body, [key]: Math.min(max, Math.max(min, value)) };
}

/**
 * The generic adapter for anything that speaks OpenAI's API: vLLM, SGLang, llama.cpp server,
 * Ollama's /v1, MindIE, Xinference. Presets override only what differs.
 */
export function openAiCompatible(
  overrides: Partial<ProviderAdapter> & { name: ProviderName },
): ProviderAdapter {
  return {
    defaultBaseUrl: null,
    operations: ALL_OPS,
    streamUsage: 'stream_options',
    headers: bearer,
    mapRequest: identity,
    mapResponse: identity,
    mapChunk: identity,
    errorMessage: openAiErrorMessage,
    ...overrides,
  };
}
