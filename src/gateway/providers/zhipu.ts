import type { Json, Operation } from './types.js';
import { CHAT_AND_EMBED, clampParam, omit, openAiCompatible } from './openai-compatible.js';

function mapRequest(op: Operation, body: Json): Json {
  if (op !== 'chat') return body;
  let out = body;
  // Older GLM-4 models refuse temperature 0; greedy decoding is asked for with do_sample=false.
  if (typeof out.temperature === 'number' && out.temperature <= 0) {
    out = omit(out, ['temperature']);
    if (out.do_sample === undefined) out = { ...out, do_sample: false };
  }
  // temperature in [0, 1]; top_p strictly inside (0, 1) on older models, [0.01, 1] on newer.
  return clampParam(clampParam(out, 'temperature', 0, 1), 'top_p', 0.01, 0.99);
}

/**
 * Zhipu AI (智谱 BigModel) GLM, API v4.
 * - Streaming usage: reported on its own in the final chunk, next to `finish_reason`.
 * - Answers omit `object`; the shared normalisation adds it.
 * - `finish_reason: "sensitive"` (blocked by moderation) is OpenAI's `content_filter`.
 * - Errors: `{error:{code:"1211", message:"…"}}`, with numeric business codes as strings.
 */
export const zhipu = openAiCompatible({
  name: 'zhipu',
  defaultBaseUrl: 'https://open.bigmodel.cn/api/paas/v4',
  operations: CHAT_AND_EMBED,
  streamUsage: 'inline',
  mapRequest,
  finishReasons: { sensitive: 'content_filter' },
});
