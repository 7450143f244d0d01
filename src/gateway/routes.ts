import { once } from 'node:events';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { badRequest, forbidden, notFound, ZsError } from '../errors.js';
import { guardCall } from '../guard/gate.js';
import { screenInput } from '../guard/screen.js';
import type { KeyGrant } from '../identity/keys.js';
import { storableText } from '../ledger/chain.js';
import type { Ticket } from '../limits/counters.js';
import { MONTHLY_CODES } from '../limits/refusal.js';
import type { RuntimeModel } from '../registry/snapshot.js';
import type { Hub } from '../server/hub.js';
import { AnswerCapture } from './capture.js';
import { CallTrace, newOutcome } from './outcome.js';
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

function checkModel(
  hub: Hub,
  grant: KeyGrant,
  op: Operation,
  name: string,
  url: string,
): RuntimeModel {
  const model = hub.registry.models.get(name);
  if (!model)
    throw notFound('model_not_found', `The model ${name} does not exist.`, { param: 'model' });
  if (grant.models && !grant.models.has(name)) {
    throw forbidden('model_not_allowed', `This API key may not use the model ${name}.`, {
      param: 'model',
    });
  }
  if (!model.targets.some((t) => t.endpoint.provider.operations.has(op))) {
    throw badRequest('operation_not_supported', `The model ${name} does not offer ${url}.`, {
      param: 'model',
    });
  }
  return model;
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
      // From here on the call is the key's: every outcome, refusals included, is recorded.
      const raw = request.body as Record<string, unknown> | null | undefined;
      const outcome = newOutcome({
        requestId: request.id,
        op,
        grant,
        ip: request.ip,
        model: typeof raw?.model === 'string' ? storableText(raw.model.slice(0, 200)) : '',
        stream: raw?.stream === true,
        prompt: raw && typeof raw === 'object' ? (raw.messages ?? raw.prompt ?? raw.input) : null,
        answer: new AnswerCapture(hub.policies.storesContent(grant.orgPath)),
      });
      // The reservation (if a limit applies) is reconciled once the call is recorded, however
      // it ends: CallTrace settles exactly once.
      let ticket: Ticket | null = null;
      const trace = new CallTrace(outcome, request.startedAt, async (o) => {
        try {
          await hub.settle(o);
        } finally {
          // The call is recorded by now: a counter problem must not turn it into an error.
          if (ticket)
            await hub.limiter
              .settle(ticket, o)
              .catch((err: unknown) =>
                request.log.error({ err, requestId: o.requestId }, 'reconciling limits failed'),
              );
        }
      });
      try {
        const body = validateBody(op, request.body);
        const model = checkModel(hub, grant, op, body.model as string, request.url);
        await screenInput(hub, { op, body, grant, outcome });
        ticket = await hub.limiter
          .admit({ grant, op, body, model, registry: hub.registry, prices: hub.prices })
          .catch((err: unknown) => {
            // OpenAI SDKs retry a 429 on their own; a month's quota or budget will not come back
            // in seconds, so tell them not to.
            if (err instanceof ZsError && MONTHLY_CODES.has(err.code))
              void reply.header('x-should-retry', 'false');
            throw err;
          });
        const guarded = guardCall(
          { detector: hub.detector, policies: hub.guardPolicies, registry: hub.registry },
          { op, body, grant, model, header: request.headers['x-zs-data-level'] },
        );
        outcome.dataLevel = guarded.record.level;
        outcome.guard = guarded.record;
        void reply.header('x-zs-data-level', guarded.record.level);
        if (guarded.decision.refusal) throw guarded.decision.refusal;
        const controller = new AbortController();
        reply.raw.on('close', () => {
          if (!reply.raw.writableFinished) controller.abort();
        });
        await runCall(
          { pools: hub.pools, breakers: hub.breakers, retry: hub.config.gateway },
          {
            op,
            body: guarded.body,
            guard: guarded,
            label: op === 'embeddings' ? null : (digest) => hub.aigc.label(request.id, digest),
            moderator: hub.moderator.checksOutput(op) ? hub.moderator : null,
            grant,
            model,
            registry: hub.registry,
            requestId: request.id,
            traceparent: nextTraceparent(request.headers.traceparent),
            startedAt: request.startedAt,
            trace,
            clientSignal: controller.signal,
            sink: sinkFor(request, reply),
          },
        );
        return reply;
      } catch (err) {
        await trace.fail(err as ZsError);
        throw err;
      }
    };

    app.post('/v1/chat/completions', relay('chat'));
    app.post('/v1/completions', relay('completions'));
    app.post('/v1/embeddings', relay('embeddings'));
  };
}
