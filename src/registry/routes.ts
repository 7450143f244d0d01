import type { FastifyInstance } from 'fastify';
import { authenticator } from '../identity/authn.js';
import { assertCan } from '../identity/principal.js';
import type { Hub } from '../server/hub.js';
import { modelView } from './view.js';

/** Read side of the registry: public models, and endpoints with their circuit-breaker health. */
export function registryRoutes(hub: Hub, operatorToken: string | undefined) {
  return async function routes(app: FastifyInstance): Promise<void> {
    const auth = authenticator(hub, operatorToken);

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
  };
}
