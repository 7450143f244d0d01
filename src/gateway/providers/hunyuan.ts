import { CHAT_AND_EMBED, openAiCompatible } from './openai-compatible.js';

/**
 * Tencent Hunyuan (腾讯混元), OpenAI-compatible API.
 * - Streaming usage: cumulative usage on every chunk; kept only on the finishing chunk.
 * - Own extras such as `enable_enhancement` pass through untouched.
 * - Embeddings: `hunyuan-embedding` (1024 dimensions). Errors use OpenAI's shape.
 */
export const hunyuan = openAiCompatible({
  name: 'hunyuan',
  defaultBaseUrl: 'https://api.hunyuan.cloud.tencent.com/v1',
  operations: CHAT_AND_EMBED,
  streamUsage: 'inline',
  usageOnEveryChunk: true,
});
