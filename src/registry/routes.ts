import type { FastifyInstance } from 'fastify';
import { notFound } from '../errors.js';
import { authenticator } from '../identity/authn.js';
import { assertCan } from '../identity/principal.js';
import { audited, requestActions } from '../ledger/audited.js';
import type { Hub } from '../server/hub.js';
import { probeEndpoint } from './probe.js';
import { deleteModel, putModel, type ModelInput } from './write.js';
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

    // A public model managed in the console (models from zhongshu.yaml are changed there).
    app.put<{ Params: { name: string }; Body: ModelInput }>(
      '/api/v1/models/:name',
      {
        schema: {
          tags: ['registry'],
          body: {
            type: 'object',
            required: ['targets'],
            properties: {
              description: { type: ['string', 'null'], maxLength: 500 },
              targets: {
                type: 'array',
                maxItems: 32,
                items: {
                  type: 'object',
                  required: ['endpoint'],
                  properties: {
                    endpoint: { type: 'string', maxLength: 64 },
                    weight: { type: 'number', default: 1 },
                    model: { type: 'string', minLength: 1, maxLength: 200 },
                  },
                  additionalProperties: false,
                },
              },
              fallback: { type: 'array', maxItems: 16, items: { type: 'string', maxLength: 128 } },
            },
            additionalProperties: false,
          },
        },
      },
      async (request, reply) => {
        const p = await auth(request);
        const { name } = request.params;
        const result = await audited(
          act(request, p, 'model.put', name),
          async () => {
            assertCan(p, 'models.write');
            return putModel(hub.store.db, hub.registry, name, request.body);
          },
          (r) => ({ created: r.created, targets: request.body.targets.length }),
        );
        await hub.sync();
        const model = hub.registry.models.get(name);
        return reply.status(result.created ? 201 : 200).send(model ? modelView(model) : null);
      },
    );

    app.delete<{ Params: { name: string } }>(
      '/api/v1/models/:name',
      { schema: { tags: ['registry'] } },
      async (request) => {
        const p = await auth(request);
        const { name } = request.params;
        await audited(act(request, p, 'model.delete', name), async () => {
          assertCan(p, 'models.write');
          await deleteModel(hub.store.db, hub.registry, name);
        });
        await hub.sync();
        return { deleted: name };
      },
    );

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
