import type { ProviderName } from '../../config/index.js';
import { ark } from './ark.js';
import { dashscope } from './dashscope.js';
import { deepseek } from './deepseek.js';
import { hunyuan } from './hunyuan.js';
import { moonshot } from './moonshot.js';
import { ollama } from './ollama.js';
import { openAiCompatible } from './openai-compatible.js';
import { qianfan } from './qianfan.js';
import { siliconflow } from './siliconflow.js';
import type { ProviderAdapter } from './types.js';
import { zhipu } from './zhipu.js';

export type { Json, Operation, ProviderAdapter } from './types.js';

/**
 * Every provider: the generic OpenAI-compatible adapter (vLLM, SGLang, llama.cpp server, MindIE,
 * Xinference, …; the operator gives base_url) and presets with mainland base URLs and each
 * service's known deviations. Checked by contract.test.ts on recorded fixtures; see
 * docs/providers.md.
 */
export const PROVIDERS: Record<ProviderName, ProviderAdapter> = {
  'openai-compatible': openAiCompatible({ name: 'openai-compatible' }),
  deepseek,
  dashscope,
  zhipu,
  moonshot,
  qianfan,
  hunyuan,
  ark,
  siliconflow,
  ollama,
};

export function providerFor(name: ProviderName): ProviderAdapter {
  return PROVIDERS[name];
}
