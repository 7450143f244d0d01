import { CHAT_ONLY, openAiCompatible } from './openai-compatible.js';

/**
 * DeepSeek (深度求索). The documented base URL is https://api.deepseek.com; DeepSeek also accepts
 * OpenAI's `/v1` on it, which the preset uses (as the example configuration says).
 * - Streaming usage: `stream_options.include_usage` adds a usage-only chunk before `[DONE]`.
 * - Usage reports cache hits as `prompt_cache_hit_tokens` / `prompt_cache_miss_tokens`; the shared
 *   normalisation also fills OpenAI's `prompt_tokens_details.cached_tokens`.
 * - While a request queues, the stream carries `: keep-alive` SSE comments (relayed as they are).
 * - FIM `/completions` exists only under https://api.deepseek.com/beta, so the preset offers chat;
 *   route FIM through an `openai-compatible` endpoint whose base_url is the beta URL.
 * - Errors use OpenAI's `{error:{message,type,param,code}}`.
 */
export const deepseek = openAiCompatible({
  name: 'deepseek',
  defaultBaseUrl: 'https://api.deepseek.com/v1',
  operations: CHAT_ONLY,
});
