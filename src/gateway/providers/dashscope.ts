import type { Json, Operation } from './types.js';
import { CHAT_AND_EMBED, clampParam, openAiCompatible } from './openai-compatible.js';

/** Open-weight Qwen3 ids (`qwen3-32b`, `qwen3-30b-a3b`, …), whose thinking mode is on by default. */
const OPEN_QWEN3 = /^qwen3-\d+(\.\d+)?b/i;

function mapRequest(op: Operation, body: Json): Json {
  if (op !== 'chat') return body;
  // temperature must be in [0, 2) and top_p in (0, 1].
  let out = clampParam(clampParam(body, 'temperature', 0, 1.99), 'top_p', 0.01, 1);
  // Open-weight Qwen3 thinks by default, and thinking is refused on a non-stream call.
  if (
    out.stream !== true &&
    out.enable_thinking === undefined &&
    OPEN_QWEN3.test(String(out.model))
  )
    out = { ...out, enable_thinking: false };
  return out;
}

/**
 * Alibaba Cloud Model Studio (百炼 / DashScope), OpenAI-compatible mode. The mainland endpoint
 * (not `dashscope-intl`), so data stays in China.
 * - Streaming usage: `stream_options.include_usage`; a usage-only chunk with `choices: []`.
 * - Errors: `{error:{code,param,message,type}, id, request_id}`.
 * - Embeddings (`text-embedding-v3`/`v4`): at most 10 inputs a call; only float encoding.
 */
export const dashscope = openAiCompatible({
  name: 'dashscope',
  defaultBaseUrl: 'https://dashscope.aliyuncs.com/compatible-mode/v1',
  operations: CHAT_AND_EMBED,
  mapRequest,
});
