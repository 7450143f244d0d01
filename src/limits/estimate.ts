import type { Operation } from '../gateway/providers/index.js';
import { estimatedUsage } from '../gateway/usage.js';
import { callCost } from '../metering/money.js';
import { shanghaiDay, type PriceBook } from '../metering/prices.js';
import type { Registry, RuntimeModel } from '../registry/snapshot.js';

/**
 * Completion tokens reserved when a chat or completion request sets no `max_tokens` (or
 * `max_completion_tokens`). Too high refuses calls early near a limit; too low lets the calls in
 * flight overspend by the difference. Clients that set `max_tokens` get an exact bound.
 */
export const DEFAULT_COMPLETION_TOKENS = 1024;

export interface Amount {
  tokens: number;
  costNano: bigint;
}

const positiveInt = (v: unknown): number | null =>
  typeof v === 'number' && Number.isInteger(v) && v > 0 ? v : null;

/** The most a request may spend: its prompt (estimated) and its completion bound. */
export function requestTokens(
  op: Operation,
  body: Record<string, unknown>,
): { prompt: number; completion: number } {
  const prompt = estimatedUsage(body, 0).promptTokens;
  if (op === 'embeddings') return { prompt, completion: 0 };
  const max =
    positiveInt(body.max_completion_tokens) ??
    positiveInt(body.max_tokens) ??
    DEFAULT_COMPLETION_TOKENS;
  // Each of `n` choices may use the whole bound.
  return { prompt, completion: max * (positiveInt(body.n) ?? 1) };
}

/**
 * What a request may cost: priced at the dearest of the model and its fallbacks (any of them may
 * answer), on today's (Shanghai) prices. A model without a price costs nothing, as the recorder
 * bills it.
 */
export function requestCost(
  tokens: { prompt: number; completion: number },
  model: RuntimeModel,
  registry: Registry,
  prices: PriceBook,
  nowMs: number,
): bigint {
  const day = shanghaiDay(new Date(nowMs));
  let most = 0n;
  const seen = new Set<string>();
  const queue = [model.name];
  while (queue.length) {
    const name = queue.pop()!;
    if (seen.has(name)) continue;
    seen.add(name);
    const price = prices.at(name, day);
    if (price) {
      const cost = callCost(price, { ...tokens, cached: 0 });
      if (cost > most) most = cost;
    }
    queue.push(...(registry.models.get(name)?.fallback ?? []));
  }
  return most;
}
