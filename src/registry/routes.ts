import type { FastifyInstance } from 'fastify';
import { notFound } from '../errors.js';
import { authenticator } from '../identity/authn.js';
import { assertCan } from '../identity/principal.js';
import { audited, requestActions } from '../ledger/audited.js';
import type { Hub } from '../server/hub.js';
import { probeEndpoint } from './probe.js';
import { modelView } from './view.js';

/** Read side of the registry: public models, and endpoints with their circuit-breaker health. */
export function registryRoutes(hub: Hub, operatorToken: string | undefined) {
  return async function routes(app: FastifyInstance): Promise<void> {
    const auth = authenticator(hub, operatorToken);
    const act = requestActions(hub);

    app.get('/api/v1/models', { schema: { tags: ['registry'] } }, async (request) => {
      assertCan(await auth(request), 'models.read');
      return {
        data: [...hub.registry.models.values()].map(modelView),
      };
    });

    app.get('/api/v1/endpoints', { schema: { tags: ['registry'] } }, async (request) => {
      assertCan(await auth(request), 'endpoints.read');
      return {
        data: [...hub.registry.endpoints.values()].map((e) => ({
          name: e.name,
          provider: e.provider.name,
          base_url: e.baseUrl,
          domain: e.domain,
          clearance: e.clearance,
          has_api_key: e.apiKey !== null,
          timeouts: e.timeouts,
          health: hub.breakers.for(e.name).view(),
        })),
      };
    });

    // One tiny real call to the endpoint, for the operator checking a new or failing endpoint.
    app.post<{ Params: { name: string } }>(
      '/api/v1/endpoints/:name/test',
      { schema: { tags: ['registry'] } },
      async (request) => {
        const p = await auth(request);
        const { name } = request.params;
        return audited(
          act(request, p, 'endpoint.test', name),
          async () => {
            assertCan(p, 'endpoints.test');
            const endpoint = hub.registry.endpoints.get(name);
            if (!endpoint) throw notFound('endpoint_not_found', `No endpoint named ${name}.`);
            return probeEndpoint(hub.pools, hub.registry, endpoint);
          },
          (r) => ({ ok: r.ok, status: r.status, latency_ms: r.latency_ms, error: r.error }),
        );
      },
    );
  };
}
