import { once } from 'node:events';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { forbidden, notFound, badRequest } from '../errors.js';
import type { KeyGrant } from '../identity/keys.js';
import type { Hub } from '../server/hub.js';
import { runCall } from './pipeline.js';
import type { Operation } from './providers/index.js';
import type { StreamSink } from './relay-stream.js';
import { nextTraceparent, validateBody } from './request.js';

declare module 'fastify' {
  interface FastifyRequest {
    startedAt: number;
  }
}

function modelList(hub: Hub, grant: KeyGrant) {
  return [...hub.registry.models.values()]
    .filter((m) => !grant.models || grant.models.has(m.name))
    .map((m) => ({ id: m.name, object: 'model' as const, created: 0, owned_by: 'zhongshu' }));
}

function sinkFor(request: FastifyRequest, reply: FastifyReply): StreamSink {
  const raw = reply.raw;
  return {
    json(status, headers, body) {
      void reply.status(status).headers(headers).type('application/json; charset=utf-8').send(body);
    },
    start(headers) {
      reply.hijack();
      raw.writeHead(200, {
        ...(reply.getHeaders() as Record<string, string>),
        ...headers,
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-cache',
        connection: 'keep-alive',
        'x-accel-buffering': 'no',
      });
      raw.flushHeaders();
    },
    async write(data) {
      if (raw.destroyed || raw.writableEnded) return;
      if (!raw.write(data)) await Promise.race([once(raw, 'drain'), once(raw, 'close')]);
    },
    end() {
      if (!raw.writableEnded) raw.end();
      request.log.debug({ requestId: request.id }, 'stream ended');
    },
  };
}

/** The OpenAI-compatible data plane. Every call: key → model → route → relay → outcome. */
export function gatewayRoutes(hub: Hub) {
  return async function routes(app: FastifyInstance): Promise<void> {
    const authenticate = (request: FastifyRequest) =>
      hub.keys.authenticate(request.headers.authorization, request.ip);

    app.get('/v1/models', async (request) => {
      const grant = await authenticate(request);
      return { object: 'list', data: modelList(hub, grant) };
    });

    app.get<{ Params: { '*': string } }>('/v1/models/*', async (request) => {
      const grant = await authenticate(request);
      const found = modelList(hub, grant).find((m) => m.id === request.params['*']);
      if (!found)
        throw notFound('model_not_found', `The model ${request.params['*']} does not exist.`, {
          param: 'model',
        });
      return found;
    });

    const relay = (op: Operation) => async (request: FastifyRequest, reply: FastifyReply) => {
      const grant = await authenticate(request);
      const body = validateBody(op, request.body);
      const name = body.model as string;
      const model = hub.registry.models.get(name);
      if (!model)
        throw notFound('model_not_found', `The model ${name} does not exist.`, { param: 'model' });
      if (grant.models && !grant.models.has(name)) {
        throw forbidden('model_not_allowed', `This API key may not use the model ${name}.`, {
          param: 'model',
        });
      }
      if (!model.targets.some((t) => t.endpoint.provider.operations.has(op))) {
        throw badRequest(
          'operation_not_supported',
          `The model ${name} does not offer ${request.url}.`,
          { param: 'model' },
        );
      }
      const controller = new AbortController();
      reply.raw.on('close', () => {
        if (!reply.raw.writableFinished) controller.abort();
      });
      await runCall(
        {
          pools: hub.pools,
          breakers: hub.breakers,
          retry: hub.config.gateway,
          observe: (o) => hub.observe(o),
        },
        {
          op,
          body,
          grant,
          model,
          registry: hub.registry,
          requestId: request.id,
          traceparent: nextTraceparent(request.headers.traceparent),
          startedAt: request.startedAt,
          clientSignal: controller.signal,
          sink: sinkFor(request, reply),
        },
      );
      return reply;
    };

    app.post('/v1/chat/completions', relay('chat'));
    app.post('/v1/completions', relay('completions'));
    app.post('/v1/embeddings', relay('embeddings'));
  };
}
