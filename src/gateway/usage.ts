export interface Usage {
  promptTokens: number;
  completionTokens: number;
  totalTokens: number;
  cachedTokens: number;
  /** True when the upstream reported none and the hub counted. */
  estimated: boolean;
}

const CJK = /[\u3400-\u9fff\uf900-\ufaff\u3000-\u303f\uff00-\uffef]/g;

/**
 * A conservative token estimate for upstreams that report no usage: one token per CJK character
 * and one per four other characters (what BPE tokenizers of Chinese models give within ~20 %).
 */
export function estimateTokens(text: string): number {
  if (!text) return 0;
  const cjk = text.match(CJK)?.length ?? 0;
  return cjk + Math.ceil((text.length - cjk) / 4);
}

/** The text of a request that the model reads, for estimating prompt tokens. */
export function promptText(body: Record<string, unknown>): string {
  const parts: string[] = [];
  const add = (v: unknown): void => {
    if (typeof v === 'string') parts.push(v);
    else if (Array.isArray(v)) v.forEach(add);
    else if (v && typeof v === 'object') {
      const o = v as Record<string, unknown>;
      add(o.content ?? o.text);
    }
  };
  add(body.messages ?? body.prompt ?? body.input);
  return parts.join('\n');
}

/** Usage the hub counted itself: the request's prompt, and the completion tokens given. */
export function estimatedUsage(request: Record<string, unknown>, completionTokens: number): Usage {
  const promptTokens = estimateTokens(promptText(request));
  return {
    promptTokens,
    completionTokens,
    totalTokens: promptTokens + completionTokens,
    cachedTokens: 0,
    estimated: true,
  };
}

export function readUsage(raw: unknown): Usage | null {
  if (!raw || typeof raw !== 'object') return null;
  const u = raw as Record<string, unknown>;
  const prompt = Number(u.prompt_tokens ?? 0);
  const completion = Number(u.completion_tokens ?? 0);
  if (!Number.isFinite(prompt) || !Number.isFinite(completion)) return null;
  const details = u.prompt_tokens_details as Record<string, unknown> | undefined;
  return {
    promptTokens: prompt,
    completionTokens: completion,
    totalTokens: Number(u.total_tokens ?? prompt + completion),
    cachedTokens: Number(details?.cached_tokens ?? u.prompt_cache_hit_tokens ?? 0),
    estimated: false,
  };
}
