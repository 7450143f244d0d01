import { ALL_OPS, openAiCompatible } from './openai-compatible.js';

/**
 * Ollama's OpenAI-compatible `/v1` (chat, completions, embeddings) on the local machine. It needs
 * no key (a Bearer header is sent only when one is configured); `stream_options.include_usage`
 * works as in OpenAI. Errors: `{error:{message,type:"api_error"}}` (native API: `{error:"…"}`).
 */
export const ollama = openAiCompatible({
  name: 'ollama',
  defaultBaseUrl: 'http://127.0.0.1:11434/v1',
  operations: ALL_OPS,
});
