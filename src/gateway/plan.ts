import type { Registry, RuntimeModel, RuntimeTarget } from '../registry/snapshot.js';

export interface Candidate {
  /** The public model this target serves (differs from the requested one after a fallback). */
  model: string;
  target: RuntimeTarget;
}

/** Weighted random order without replacement: heavier targets tend to come first. */
export function weightedOrder<T extends { weight: number }>(
  items: readonly T[],
  random = Math.random,
): T[] {
  const pool = [...items];
  const out: T[] = [];
  while (pool.length) {
    const total = pool.reduce((sum, t) => sum + t.weight, 0);
    let r = random() * total;
    let index = pool.findIndex((t) => (r -= t.weight) < 0);
    if (index < 0) index = pool.length - 1;
    out.push(pool.splice(index, 1)[0]!);
  }
  return out;
}

/**
 * The order targets are tried in: the model's own targets by weight, then each fallback model's
 * (depth-first, each model once), so a fallback chain can never loop.
 */
export function* candidates(
  registry: Registry,
  model: RuntimeModel,
  random = Math.random,
): Generator<Candidate> {
  const seen = new Set<string>();
  const queue: RuntimeModel[] = [model];
  while (queue.length) {
    const current = queue.shift()!;
    if (seen.has(current.name)) continue;
    seen.add(current.name);
    for (const target of weightedOrder(current.targets, random))
      yield { model: current.name, target };
    const next = current.fallback
      .map((name) => registry.models.get(name))
      .filter((m): m is RuntimeModel => !!m);
    queue.unshift(...next);
  }
}
