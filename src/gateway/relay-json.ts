import type { Dispatcher } from 'undici';
import { badGateway } from '../errors.js';
import type { MaskVault } from '../guard/mask.js';
import { safetyOf, type Moderator } from '../guard/moderation.js';
import { choiceText } from './capture.js';
import type { CallOutcome } from './outcome.js';
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
  if (call.moderator) moderateChoices(choices, call.moderator, outcome);
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

/**
 * Check the answers against the lexicon; a choice holding a blocked term is replaced by the
 * refusal of its risk class and finishes with `content_filter` (OpenAI's finish reason for it).
 */
function moderateChoices(choices: Json[], moderator: Moderator, outcome: CallOutcome): void {
  const { record, blocks } = moderator.answers(choices.map(choiceText));
  if (record.hits.length === 0) return;
  safetyOf(outcome).output = record;
  blocks.forEach((hit, i) => {
    const choice = choices[i];
    if (!hit || !choice) return;
    const refusal = moderator.refusal(hit.risk);
    const message = choice.message as Json | undefined;
    if (message && typeof message === 'object') {
      message.content = refusal;
      delete message.tool_calls;
    } else choice.text = refusal;
    choice.finish_reason = 'content_filter';
    outcome.errorCode = 'answer_blocked';
  });
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
