import { randomUUID } from 'node:crypto';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import swagger from '@fastify/swagger';
import { playgroundRoutes } from '../console/playground.js';
import { consoleRoutes } from '../console/static.js';
import { gatewayRoutes } from '../gateway/routes.js';
import { oidcRoutes } from '../identity/oidc-routes.js';
import { managementRoutes } from '../identity/routes.js';
import { guardRoutes } from '../guard/routes.js';
import { ledgerRoutes } from '../ledger/routes.js';
import { meteringRoutes } from '../metering/routes.js';
import { registryRoutes } from '../registry/routes.js';
import { installErrorHandler } from './error-handler.js';
import { healthRoutes } from './health.js';
import type { Hub } from './hub.js';

export interface AppOptions {
  /** Bearer token that acts as the local operator (the CLI on this host). */
  operatorToken?: string | undefined;
  logger: FastifyBaseLogger;
}

/** The HTTP app: routes only. Binding a port and signals belong to the `serve` command. */
export async function buildApp(hub: Hub, options: AppOptions): Promise<FastifyInstance> {
  const app: FastifyInstance = Fastify({
    loggerInstance: options.logger,
    // Per-request access lines would dominate a gateway's cost; calls are recorded as outcomes.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: hub.config.body_limit_bytes,
    genReqId: () => randomUUID(),
    trustProxy: false,
    return503OnClosing: true,
  });
  installErrorHandler(app);
  // Both APIs speak JSON only; anything else is refused as unsupported_media_type.
  app.removeContentTypeParser('text/plain');
  app.addHook('onRequest', async (request, reply) => {
    request.startedAt = performance.now();
    void reply.header('x-zs-request-id', request.id);
  });
  await app.register(swagger, {
    openapi: {
      info: { title: 'Zhongshu management API', version: '1' },
      components: {
        securitySchemes: {
          session: { type: 'http', scheme: 'bearer', description: 'Console session token (zss-…)' },
        },
      },
      security: [{ session: [] }],
    },
    hideUntagged: true,
  });
  await app.register(healthRoutes(hub));
  await app.register(gatewayRoutes(hub));
  await app.register(managementRoutes(hub, options.operatorToken));
  await app.register(oidcRoutes(hub));
  await app.register(registryRoutes(hub, options.operatorToken));
  await app.register(ledgerRoutes(hub, options.operatorToken));
  await app.register(guardRoutes(hub, options.operatorToken));
  await app.register(meteringRoutes(hub, options.operatorToken));
  await app.register(playgroundRoutes(hub, options.operatorToken));
  app.get('/api/openapi.json', { schema: { hide: true } }, async () => app.swagger());
  await app.register(consoleRoutes(hub.console));
  return app;
}
