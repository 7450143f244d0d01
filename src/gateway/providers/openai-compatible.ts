import type { ProviderName } from '../../config/index.js';
import type { Json, Operation, ProviderAdapter } from './types.js';

export const ALL_OPS: ReadonlySet<Operation> = new Set(['chat', 'completions', 'embeddings']);
export const CHAT_ONLY: ReadonlySet<Operation> = new Set(['chat']);
export const CHAT_AND_EMBED: ReadonlySet<Operation> = new Set(['chat', 'embeddings']);

const identity = (_op: Operation, body: Json): Json => body;

export const isJson = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

export function bearer(apiKey: string | null): Record<string, string> {
  return apiKey ? { authorization: `Bearer ${apiKey}` } : {};
}

/**
 * OpenAI's `{error:{message}}`, and the flat shapes other upstreams use: `{message}` (vLLM,
 * SiliconFlow), `{error: "..."}` (Ollama's native API), `{error_msg}` (Qianfan v1), `{msg}`.
 */
export function openAiErrorMessage(status: number, body: unknown): string {
  if (isJson(body)) {
    if (isJson(body.error) && typeof body.error.message === 'string') return body.error.message;
    for (const value of [body.error, body.message, body.error_msg, body.msg])
      if (typeof value === 'string' && value) return value;
  }
  return `upstream answered HTTP ${status}`;
}

/** Clamp a numeric sampling parameter into the range an upstream accepts. */
export function clampParam(body: Json, key: string, min: number, max: number): Json {
  const value = body[key];
  if (typeof value !== 'number') return body;
  const clamped = Math.min(max, Math.max(min, value));
  return clamped === value ? body : { ...body, [key]: clamped };
}

/** Drop keys from a body (without touching the caller's object). */
export function omit(body: Json, keys: readonly string[]): Json {
  if (!keys.some((k) => k in body)) return body;
  const out = { ...body };
  for (const key of keys) delete out[key];
  return out;
}

/**
 * Give usage OpenAI's cache field, `prompt_tokens_details.cached_tokens`, when an upstream
 * reports cache hits under its own name (DeepSeek `prompt_cache_hit_tokens`, Moonshot
 * `cached_tokens`). The upstream's own fields are kept.
 */
export function normaliseUsage(usage: Json): Json {
  const details = isJson(usage.prompt_tokens_details) ? usage.prompt_tokens_details : undefined;
  if (typeof details?.cached_tokens === 'number') return usage;
  const cached = [usage.prompt_cache_hit_tokens, usage.cached_tokens].find(
    (v): v is number => typeof v === 'number',
  );
  if (cached === undefined) return usage;
  return { ...usage, prompt_tokens_details: { ...details, cached_tokens: cached } };
}

const OBJECT: Record<Operation, [response: string, chunk: string]> = {
  chat: ['chat.completion', 'chat.completion.chunk'],
  completions: ['text_completion', 'text_completion'],
  embeddings: ['list', 'list'],
};

/**
 * The light normalisation every adapter applies to answers: the `object` some upstreams omit,
 * finish reasons spelled differently, and usage's cache field. Error bodies pass untouched.
 */
function normalise(
  op: Operation,
  body: Json,
  streamed: boolean,
  finishReasons: Readonly<Record<string, string>>,
): Json {
  if (body.error) return body;
  let out = body;
  const set = (key: string, value: unknown): void => {
    if (out === body) out = { ...body };
    out[key] = value;
  };
  if (typeof body.object !== 'string') set('object', OBJECT[op][streamed ? 1 : 0]);
  if (Array.isArray(body.choices)) {
    let changed = false;
    const choices = (body.choices as unknown[]).map((choice) => {
      if (!isJson(choice) || typeof choice.finish_reason !== 'string') return choice;
      const renamed = finishReasons[choice.finish_reason];
      if (!renamed) return choice;
      changed = true;
      return { ...choice, finish_reason: renamed };
    });
    if (changed) set('choices', choices);
  }
  if (isJson(body.usage)) {
    const usage = normaliseUsage(body.usage);
    if (usage !== body.usage) set('usage', usage);
  }
  return out;
}

/**
 * For upstreams that repeat (cumulative) usage on every streamed chunk: keep it only where
 * OpenAI puts it, on the chunk that finishes the answer or a usage-only chunk, so the client
 * and the hub see one usage report.
 */
function keepFinalUsage(chunk: Json): Json {
  if (chunk.usage == null || !Array.isArray(chunk.choices) || !chunk.choices.length) return chunk;
  const finishing = (chunk.choices as unknown[]).some(
    (c) => isJson(c) && typeof c.finish_reason === 'string' && c.finish_reason !== '',
  );
  return finishing ? chunk : omit(chunk, ['usage']);
}

/** What a preset declares: only what differs from OpenAI's API. */
export interface PresetSpec {
  name: ProviderName;
  defaultBaseUrl?: string | null;
  operations?: ReadonlySet<Operation>;
  streamUsage?: ProviderAdapter['streamUsage'];
  mapRequest?: ProviderAdapter['mapRequest'];
  /** Runs before the shared normalisation. */
  mapResponse?: ProviderAdapter['mapResponse'];
  /** Runs before the shared normalisation. */
  mapChunk?: ProviderAdapter['mapChunk'];
  errorMessage?: ProviderAdapter['errorMessage'];
  /** Upstream finish reasons and the OpenAI value each stands for. */
  finishReasons?: Readonly<Record<string, string>>;
  /** The upstream repeats cumulative usage on every streamed chunk. */
  usageOnEveryChunk?: boolean;
}

/**
 * The generic adapter for anything that speaks OpenAI's API: vLLM, SGLang, llama.cpp server,
 * Ollama's /v1, MindIE, Xinference. Presets override only what differs.
 */
export function openAiCompatible(spec: PresetSpec): ProviderAdapter {
  const finishReasons = spec.finishReasons ?? {};
  const mapResponse = spec.mapResponse ?? identity;
  const mapChunk = spec.mapChunk ?? identity;
  return {
    name: spec.name,
    defaultBaseUrl: spec.defaultBaseUrl ?? null,
    operations: spec.operations ?? ALL_OPS,
    streamUsage: spec.streamUsage ?? 'stream_options',
    headers: bearer,
    mapRequest: spec.mapRequest ?? identity,
    mapResponse: (op, body) => normalise(op, mapResponse(op, body), false, finishReasons),
    mapChunk: (op, chunk) => {
      const out = normalise(op, mapChunk(op, chunk), true, finishReasons);
      return spec.usageOnEveryChunk ? keepFinalUsage(out) : out;
    },
    errorMessage: spec.errorMessage ?? openAiErrorMessage,
  };
}
