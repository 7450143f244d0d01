import type { FastifyInstance } from 'fastify';
import { sql } from 'drizzle-orm';
import { unavailable } from '../errors.js';
import type { Hub } from './hub.js';

export function healthRoutes(hub: Hub) {
  return async function routes(app: FastifyInstance): Promise<void> {
    /** Liveness: the process answers. */
    app.get('/healthz', async () => ({ status: 'ok' }));
    /** Readiness: the store answers and at least the registry has been loaded. */
    app.get('/readyz', async () => {
      try {
        await hub.store.db.execute(sql`SELECT 1`);
      } catch {
        throw unavailable('store_unavailable', 'The database is not reachable.');
      }
      return {
        status: 'ready',
        models: hub.registry.models.size,
        endpoints: hub.registry.endpoints.size,
      };
    });
    app.get('/metrics', async (_request, reply) =>
      reply.type(hub.metrics.registry.contentType).send(await hub.metrics.registry.metrics()),
    );
  };
}
