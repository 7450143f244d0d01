import type { Dispatcher } from 'undici';
import { badGateway } from '../errors.js';
import type { MaskVault } from '../guard/mask.js';
import { choiceText } from './capture.js';
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
  call.trace.upstreamMs += performance.now() - started;
  breaker.success();
  if ('model' in body) body.model = candidate.model;
  if (call.op === 'embeddings' && call.body.encoding_format === 'base64') encodeEmbeddings(body);
  const choices = (body.choices as Json[] | undefined) ?? [];
  const vault = call.guard.vault;
  if (vault) for (const choice of choices) restoreChoice(choice, vault);
  for (const choice of choices) outcome.answer.add(choiceText(choice));
  outcome.usage = readUsage(body.usage) ?? estimateUsage(call.body, choices);
  outcome.status = 200;
  // Durable before the client has the answer; if the record cannot be written, the client gets
  // audit_unavailable instead (the hub does not serve unrecorded calls).
  await call.trace.settle();
  if (call.label) body.aigc = call.label(outcome.answer.finish().digest);
  const overheadMs = performance.now() - call.startedAt - call.trace.upstreamMs;
  call.sink.json(200, routeHeaders(ctx, overheadMs), JSON.stringify(body));
  return { ok: true };
}

/** Put the masked values back into an answer (chat message or completion text). */
function restoreChoice(choice: Json, vault: MaskVault): void {
  const message = choice.message as Json | undefined;
  if (typeof message?.content === 'string') message.content = vault.restore(message.content);
  if (typeof choice.text === 'string') choice.text = vault.restore(choice.text);
}

function estimateUsage(request: Json, choices: Json[]): Usage {
  return estimatedUsage(request, estimateTokens(choices.map(choiceText).join('')));
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
