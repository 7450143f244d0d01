import { CHAT_AND_EMBED, openAiCompatible } from './openai-compatible.js';

/**
 * Volcano Engine Ark (火山方舟, Doubao), cn-beijing region, API v3.
 * - `model` is a model id (`doubao-…`) or an inference endpoint id (`ep-…`).
 * - Streaming usage: `stream_options.include_usage`, a usage chunk with `choices: []`.
 * - Errors: `{error:{code:"InvalidParameter", message, param, type:"BadRequest"}}`.
 */
export const ark = openAiCompatible({
  name: 'ark',
  defaultBaseUrl: 'https://ark.cn-beijing.volces.com/api/v3',
  operations: CHAT_AND_EMBED,
});
