import type { ProviderName } from '../../config/index.js';
import { clampParam, openAiCompatible } from './openai-compatible.js';
import type { Json, Operation, ProviderAdapter } from './types.js';

export type { Json, Operation, ProviderAdapter } from './types.js';

const CHAT_AND_EMBED: ReadonlySet<Operation> = new Set(['chat', 'embeddings']);
const CHAT_ONLY: ReadonlySet<Operation> = new Set(['chat']);

/** Moonshot reports streaming usage inside the final choice; lift it to the top level. */
function liftChoiceUsage(_op: Operation, chunk: Json): Json {
  const choices = chunk.choices as Json[] | undefined;
  const inner = choices?.[0]?.usage;
  if (!inner || chunk.usage) return chunk;
  const { usage: _drop, ...choice } = choices[0]!;
  return { ...chunk, usage: inner, choices: [choice, ...choices.slice(1)] };
}

/**
 * Presets with mainland base URLs and each service's known deviations from OpenAI's API.
 * Sources and details: docs/providers.md.
 */
export const PROVIDERS: Record<ProviderName, ProviderAdapter> = {
  'openai-compatible': openAiCompatible({ name: 'openai-compatible' }),
  deepseek: openAiCompatible({
    name: 'deepseek',
    defaultBaseUrl: 'https://api.deepseek.com/v1',
    operations: new Set(['chat', 'completions']),
  }),
  dashscope: openAiCompatible({
    name: 'dashscope',
    // Mainland compatible-mode endpoint (not dashscope-intl), so data stays in China.
    defaultBaseUrl: 'https://dashscope.aliyuncs.com/compatible-mode/v1',
  }),
  zhipu: openAiCompatible({
    name: 'zhipu',
    defaultBaseUrl: 'https://open.bigmodel.cn/api/paas/v4',
    operations: CHAT_AND_EMBED,
    streamUsage: 'inline',
    // GLM accepts temperature in [0, 1] and top_p in the open interval (0, 1).
    mapRequest: (_op, body) =>
      clampParam(clampParam(body, 'temperature', 0, 1), 'top_p', 0.01, 0.99),
  }),
  moonshot: openAiCompatible({
    name: 'moonshot',
    defaultBaseUrl: 'https://api.moonshot.cn/v1',
    operations: CHAT_ONLY,
    streamUsage: 'inline',
    mapRequest: (_op, body) => clampParam(body, 'temperature', 0, 1),
    mapChunk: liftChoiceUsage,
  }),
  qianfan: openAiCompatible({
    name: 'qianfan',
    defaultBaseUrl: 'https://qianfan.baidubce.com/v2',
    operations: CHAT_AND_EMBED,
  }),
  hunyuan: openAiCompatible({
    name: 'hunyuan',
    defaultBaseUrl: 'https://api.hunyuan.cloud.tencent.com/v1',
    operations: CHAT_AND_EMBED,
    streamUsage: 'inline',
  }),
  ark: openAiCompatible({
    name: 'ark',
    defaultBaseUrl: 'https://ark.cn-beijing.volces.com/api/v3',
    operations: CHAT_AND_EMBED,
  }),
  siliconflow: openAiCompatible({
    name: 'siliconflow',
    defaultBaseUrl: 'https://api.siliconflow.cn/v1',
    operations: CHAT_AND_EMBED,
    streamUsage: 'inline',
  }),
  ollama: openAiCompatible({
    name: 'ollama',
    defaultBaseUrl: 'http://127.0.0.1:11434/v1',
  }),
};

export function providerFor(name: ProviderName): ProviderAdapter {
  return PROVIDERS[name];
}
