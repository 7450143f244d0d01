import type { RuntimeModel } from './snapshot.js';

/** A public model as the management API and the CLI show it (upstream ids included, no secrets). */
export function modelView(m: RuntimeModel) {
  return {
    name: m.name,
    description: m.description,
    targets: m.targets.map((t) => ({
      endpoint: t.endpoint.name,
      weight: t.weight,
      upstream_model: t.upstreamModel,
    })),
    fallback: m.fallback,
    source: m.source,
  };
}

export type ModelView = ReturnType<typeof modelView>;
