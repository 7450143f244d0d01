import type { Domain, ProviderName } from '../config/index.js';
import { DOMAIN_CLEARANCE, minLevel, type Clearance } from '../guard/levels.js';
import type { Sealer } from '../crypto/sm.js';
import { providerFor, type ProviderAdapter } from '../gateway/providers/index.js';
import { schema, type Db } from '../store/index.js';

export interface EndpointTimeouts {
  connectMs: number;
  firstByteMs: number;
  totalMs: number;
}

export interface RuntimeEndpoint {
  name: string;
  provider: ProviderAdapter;
  baseUrl: string;
  domain: Domain;
  /**
   * The highest data level it may receive: the lowest of its domain's default, the config's
   * clearance and the security administrator's.
   */
  clearance: Clearance;
  /** Decrypted only in memory, only for the upstream call. */
  apiKey: string | null;
  timeouts: EndpointTimeouts;
}

export interface RuntimeTarget {
  endpoint: RuntimeEndpoint;
  weight: number;
  upstreamModel: string;
}

export interface RuntimeModel {
  name: string;
  description: string | null;
  targets: RuntimeTarget[];
  fallback: string[];
  /** `config` (zhongshu.yaml, read-only through the API) or `api`. */
  source: string;
}

export interface Registry {
  endpoints: ReadonlyMap<string, RuntimeEndpoint>;
  models: ReadonlyMap<string, RuntimeModel>;
}

export async function loadRegistry(
  db: Db,
  sealer: Sealer,
  defaults: EndpointTimeouts,
): Promise<Registry> {
  const endpoints = new Map<string, RuntimeEndpoint>();
  const upstreamNames = new Map<string, Map<string, string>>();
  const tightened = new Map(
    (await db.select().from(schema.endpointClearances)).map((r) => [r.endpoint, r.clearance]),
  );
  for (const row of await db.select().from(schema.endpoints)) {
    const domain = row.domain as Domain;
    endpoints.set(row.name, {
      name: row.name,
      provider: providerFor(row.provider as ProviderName),
      baseUrl: row.baseUrl,
      domain,
      clearance: [row.clearance, tightened.get(row.name)].reduce<Clearance>(
        (c, other) => (other ? minLevel(c, other as Clearance) : c),
        DOMAIN_CLEARANCE[domain],
      ),
      apiKey: row.apiKeySealed ? sealer.open(row.apiKeySealed, `endpoint:${row.name}`) : null,
      timeouts: {
        connectMs: row.timeouts.connect_ms ?? defaults.connectMs,
        firstByteMs: row.timeouts.first_byte_ms ?? defaults.firstByteMs,
        totalMs: row.timeouts.total_ms ?? defaults.totalMs,
      },
    });
    upstreamNames.set(row.name, new Map(row.models.map((m) => [m.name, m.upstream])));
  }
  const models = new Map<string, RuntimeModel>();
  for (const row of await db.select().from(schema.models)) {
    const targets: RuntimeTarget[] = [];
    for (const t of row.targets) {
      const endpoint = endpoints.get(t.endpoint);
      if (!endpoint) continue;
      targets.push({
        endpoint,
        weight: t.weight,
        upstreamModel: t.model ?? upstreamNames.get(t.endpoint)?.get(row.name) ?? row.name,
      });
    }
    models.set(row.name, {
      name: row.name,
      description: row.description,
      targets,
      fallback: row.fallback,
      source: row.source,
    });
  }
  return { endpoints, models };
}
