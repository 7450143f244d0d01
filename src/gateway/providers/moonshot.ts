import type { Json, Operation } from './types.js';
import { CHAT_ONLY, clampParam, isJson, omit, openAiCompatible } from './openai-compatible.js';

/** Kimi K2.5 and later have fixed sampling parameters (documented as not modifiable). */
const FIXED_SAMPLING = /^kimi-k2\.[5-9]/i;
const FIXED_KEYS = ['temperature', 'top_p', 'n', 'presence_penalty', 'frequency_penalty'];

function mapRequest(_op: Operation, body: Json): Json {
  if (FIXED_SAMPLING.test(String(body.model))) return omit(body, FIXED_KEYS);
  return clampParam(body, 'temperature', 0, 1);
}

/** Moonshot reports streaming usage inside the finishing choice; lift it to the top level. */
function liftChoiceUsage(_op: Operation, chunk: Json): Json {
  if (!Array.isArray(chunk.choices) || isJson(chunk.usage)) return chunk;
  const choices = chunk.choices as unknown[];
  const at = choices.findIndex((c) => isJson(c) && isJson(c.usage));
  if (at === -1) return chunk;
  const { usage, ...choice } = choices[at] as Json;
  return { ...chunk, usage, choices: choices.map((c, i) => (i === at ? choice : c)) };
}

/**
 * Moonshot AI (月之暗面) Kimi, mainland platform.
 * - Streaming usage: on its own, inside `choices[0].usage` of the finishing chunk.
 * - Usage reports cache hits as `cached_tokens` (normalised to `prompt_tokens_details`).
 * - temperature in [0, 1]; with temperature near 0, `n` must be 1.
 * - Chat only (no embeddings). Errors use OpenAI's shape.
 */
export const moonshot = openAiCompatible({
  name: 'moonshot',
  defaultBaseUrl: 'https://api.moonshot.cn/v1',
  operations: CHAT_ONLY,
  streamUsage: 'inline',
  mapRequest,
  mapChunk: liftChoiceUsage,
});
