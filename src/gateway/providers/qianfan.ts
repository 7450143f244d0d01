import type { Json, Operation } from './types.js';
import { CHAT_AND_EMBED, clampParam, openAiCompatible } from './openai-compatible.js';

function mapRequest(op: Operation, body: Json): Json {
  // ERNIE models take temperature in (0, 1]; other models on Qianfan keep their own ranges.
  if (op === 'chat' && /^ernie/i.test(String(body.model)))
    return clampParam(body, 'temperature', 0.01, 1);
  return body;
}

/**
 * Baidu AI Cloud Qianfan (千帆) ModelBuilder, API v2 (OpenAI-compatible, Bearer API key).
 * - Streaming usage: `stream_options.include_usage`, a usage chunk before `[DONE]`.
 * - `finish_reason: "normal"` (ended by itself) is OpenAI's `stop`.
 * - Errors: `{error:{code,message,type}, id}`; the v1 `{error_code,error_msg}` is read too.
 * - Embeddings (`embedding-v1`, `bge-large-zh`, `tao-8k`): up to 16 inputs (tao-8k: 1); float only.
 */
export const qianfan = openAiCompatible({
  name: 'qianfan',
  defaultBaseUrl: 'https://qianfan.baidubce.com/v2',
  operations: CHAT_AND_EMBED,
  mapRequest,
  finishReasons: { normal: 'stop' },
});
