import { CHAT_AND_EMBED, openAiCompatible } from './openai-compatible.js';

/**
 * SiliconFlow (硅基流动), mainland site.
 * - Streaming usage: cumulative usage on every chunk; kept only on the finishing chunk.
 * - Errors are flat: `{code:20012, message:"…", data:null}`.
 * - Embeddings: `BAAI/bge-m3`, `BAAI/bge-large-zh-v1.5`, … (512 tokens an input, bge-m3 8192).
 */
export const siliconflow = openAiCompatible({
  name: 'siliconflow',
  defaultBaseUrl: 'https://api.siliconflow.cn/v1',
  operations: CHAT_AND_EMBED,
  streamUsage: 'inline',
  usageOnEveryChunk: true,
});
