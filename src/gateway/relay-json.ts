import type { Dispatcher } from 'undici';
import { badGateway } from '../errors.js';
import type { Json } from './providers/index.js';
import { routeHeaders, type RelayContext, type RelayDone } from './relay-context.js';
import { estimatedUsage, estimateTokens, readUsage, type Usage } from './usage.js';

/** Read a complete (non-stream) upstream answer, normalise it and send it to the client. */
export async function relayJson(
  ctx: RelayContext,
  response: Dispatcher.ResponseData,
): Promise<RelayDone> {
  const started = performance.now();
  const { call, candidate, outcome, breaker } = ctx;
  const provider = candidate.target.endpoint.provider;
  let body: Json;
  try {
    const parsed: unknown = JSON.parse(await response.body.text());
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed))
      throw new Error('not an object');
    body = provider.mapResponse(call.op, parsed as Json);
  } catch {
    const upstreamMs = performance.now() - started;
    breaker.failure('upstream_bad_response');
    return {
      ok: false,
      upstreamMs,
      error: badGateway(
        'upstream_bad_response',
        `Model endpoint ${candidate.target.endpoint.name} sent an unreadable answer.`,
      ),
    };
  }
  const upstreamMs = ctx.upstreamMs + (performance.now() - started);
  breaker.success();
  if ('model' in body) body.model = candidate.model;
  if (call.op === 'embeddings' && call.body.encoding_format === 'base64') encodeEmbeddings(body);
  outcome.usage = readUsage(body.usage) ?? estimateUsage(call.body, body);
  outcome.status = 200;
  const overheadMs = performance.now() - call.startedAt - upstreamMs;
  call.sink.json(200, routeHeaders(ctx, overheadMs), JSON.stringify(body));
  return { ok: true };
}

function estimateUsage(request: Json, response: Json): Usage {
  const choices = (response.choices as Json[] | undefined) ?? [];
  const text = choices
    .map((c) => {
      const message = c.message as Json | undefined;
      return typeof message?.content === 'string'
        ? message.content
        : typeof c.text === 'string'
          ? c.text
          : '';
    })
    .join('');
  return estimatedUsage(request, estimateTokens(text));
}

/** OpenAI's base64 embedding encoding: the vector as little-endian float32 bytes. */
function encodeEmbeddings(body: Json): void {
  for (const item of (body.data as Json[] | undefined) ?? []) {
    const vector = item.embedding;
    if (Array.isArray(vector) && vector.every((x) => typeof x === 'number')) {
      item.embedding = Buffer.from(new Float32Array(vector).buffer).toString('base64');
    }
  }
}
