import type { Dispatcher } from 'undici';
import { badGateway, badRequest, clientClosed, gatewayTimeout, type ZsError } from '../errors.js';
import { StreamRestorer, type MaskVault } from '../guard/mask.js';
import { safetyOf, type AnswerStream } from '../guard/moderation.js';
import type { Hit } from '../guard/safety/index.js';
import { choiceText, type AnswerCapture } from './capture.js';
import type { Json } from './providers/index.js';
import type { Call } from './pipeline.js';
import { routeHeaders, type RelayContext, type RelayDone } from './relay-context.js';
import { sseData, SseParser, type SseEvent } from './sse.js';
import { classifyNetworkError } from './upstream.js';
import { estimatedUsage, estimateTokens, readUsage, type Usage } from './usage.js';

/** Where a relayed answer goes: the HTTP response, written without buffering. */
export interface StreamSink {
  json(status: number, headers: Record<string, string>, body: string): void;
  start(headers: Record<string, string>): void;
  /** Resolves once the data is handed to the socket (waits for drain under backpressure). */
  write(data: string): Promise<void> | void;
  end(): void;
}

interface StreamState {
  done: boolean;
  finished: boolean;
  usage: Usage | null;
  /** Counted as it streams, so a long answer is never held in memory. */
  completionEstimate: number;
  upstreamError: boolean;
  /** Per choice index, when the guard masked the request: puts the values back as they stream. */
  restore: ((index: number) => StreamRestorer) | null;
  label: Call['label'];
  /** Checks the answer as it streams: only what it releases reaches the client. */
  moderation: AnswerStream | null;
  /** The blocked term that stopped the answer. */
  blocked: Hit | null;
  /** id, object, created and model of the chunks, for the closing label event. */
  base: Json | null;
}

/**
 * Relay an SSE answer event by event. Usage is always captured (forced include_usage, or what
 * the upstream reports, or counted); the usage-only chunk is dropped unless the client asked for
 * it. A stream that ends without `[DONE]` and without a finish reason, or breaks, ends with an
 * explicit error event, never a clean end.
 */
export async function relayStream(
  ctx: RelayContext,
  response: Dispatcher.ResponseData,
): Promise<RelayDone> {
  const { call, candidate, outcome, breaker } = ctx;
  const type = String(response.headers['content-type'] ?? '');
  if (!type.includes('text/event-stream')) {
    await response.body.dump().catch(() => {});
    breaker.failure('upstream_bad_response');
    return {
      ok: false,
      upstreamMs: 0,
      error: badGateway(
        'upstream_bad_response',
        `Model endpoint ${candidate.target.endpoint.name} did not stream.`,
      ),
    };
  }
  const overheadMs = performance.now() - call.startedAt - call.trace.upstreamMs;
  call.sink.start(routeHeaders(ctx, overheadMs));
  const provider = candidate.target.endpoint.provider;
  const clientWantsUsage = (call.body.stream_options as Json | undefined)?.include_usage === true;
  const state: StreamState = {
    done: false,
    finished: false,
    usage: null,
    completionEstimate: 0,
    upstreamError: false,
    restore: restorers(call.guard.vault),
    label: call.label,
    moderation: call.moderator?.stream() ?? null,
    blocked: null,
    base: null,
  };
  const parser = new SseParser();
  const relayEvent = async (event: SseEvent): Promise<void> => {
    const out = transform(
      event.data,
      event.raw,
      state,
      outcome.answer,
      (c) => provider.mapChunk(call.op, c),
      candidate.model,
      clientWantsUsage,
    );
    if (out === null) return;
    if (outcome.ttftMs === null && out.length) outcome.ttftMs = performance.now() - call.startedAt;
    await call.sink.write(out);
  };
  let failure: ZsError | null = null;
  try {
    for await (const chunk of response.body) {
      for (const event of parser.push(chunk as Buffer)) {
        await relayEvent(event);
        if (state.done || state.upstreamError || state.blocked) break;
      }
      // Leaving the loop early closes the upstream response: a stopped answer is not generated on.
      if (state.done || state.upstreamError || state.blocked) break;
    }
    for (const event of state.done || state.blocked ? [] : parser.end()) await relayEvent(event);
  } catch (err) {
    const kind = classifyNetworkError(err);
    failure =
      kind === 'timeout'
        ? gatewayTimeout(
            'upstream_timeout',
            'The model stopped sending before the answer was complete.',
          )
        : kind === 'aborted'
          ? // The client left: not the upstream's fault, so not a 502 (499, as before the first byte).
            clientClosed()
          : badGateway(
              'stream_interrupted',
              'The model stream was interrupted before the answer was complete.',
            );
  }
  if (state.moderation) {
    const record = state.moderation.record;
    if (record.hits.length) safetyOf(outcome).output = record;
  }
  // A stopped answer is the hub's decision, not a failure: the call is recorded as served, with
  // the answer it delivered (what was released before the term) and the outcome answer_blocked.
  const stopped =
    !failure && state.blocked
      ? badRequest('answer_blocked', call.moderator?.refusal(state.blocked.risk) ?? '')
      : null;
  if (!failure && state.upstreamError)
    failure = badGateway('upstream_error', 'The model reported an error mid-stream.');
  if (!failure && !stopped && !state.done && !state.finished) {
    failure = badGateway(
      'stream_interrupted',
      'The model stream was interrupted before the answer was complete.',
    );
  }
  outcome.usage = state.usage ?? estimatedUsage(call.body, state.completionEstimate);
  if (failure) {
    outcome.status = failure.status;
    outcome.errorCode = failure.code;
    if (failure.code !== 'client_closed') breaker.failure(failure.code);
  } else {
    breaker.success();
    outcome.status = 200;
    if (stopped) outcome.errorCode = stopped.code;
  }
  // The record is durable before the stream's last event; if it cannot be written, the stream
  // ends with audit_unavailable instead of [DONE].
  try {
    await call.trace.settle();
  } catch (err) {
    failure ??= err as ZsError;
  }
  if (!failure && !stopped && state.label && state.base) {
    // The last event before [DONE] carries the label again, now covering the whole answer.
    const closing = {
      ...state.base,
      choices: [],
      aigc: state.label(outcome.answer.finish().digest),
    };
    await call.sink.write(sseData(JSON.stringify(closing)));
  }
  if (stopped) await call.sink.write(sseData(JSON.stringify(stopped.toBody())));
  else if (!failure) await call.sink.write('data: [DONE]\n\n');
  else if (failure.code !== 'client_closed')
    await call.sink.write(sseData(JSON.stringify(failure.toBody())));
  call.sink.end();
  return { ok: true };
}

function transform(
  data: string | null,
  raw: string,
  state: StreamState,
  answer: AnswerCapture,
  map: (chunk: Json) => Json,
  model: string,
  clientWantsUsage: boolean,
): string | null {
  if (data === null) return `${raw}\n\n`;
  if (data.trim() === '[DONE]') {
    state.done = true;
    return null;
  }
  let chunk: Json;
  try {
    chunk = map(JSON.parse(data) as Json);
  } catch {
    return null;
  }
  if (chunk.error) {
    state.upstreamError = true;
    return null;
  }
  const usage = readUsage(chunk.usage);
  if (usage) state.usage = usage;
  const choices = (chunk.choices as Json[] | undefined) ?? [];
  for (const [i, choice] of choices.entries()) {
    const index = Number(choice.index ?? i);
    if (state.restore) restoreDelta(choice, state.restore(index));
    if (state.moderation) moderateDelta(choice, index, state);
    const text = choiceText(choice);
    answer.add(text);
    state.completionEstimate += estimateTokens(text);
    if (choice.finish_reason) state.finished = true;
  }
  if (!clientWantsUsage && usage) {
    if (!choices.length) return null;
    delete chunk.usage;
  }
  if ('model' in chunk) chunk.model = model;
  if (state.label && !state.base) {
    state.base = { id: chunk.id, object: chunk.object, created: chunk.created, model };
    chunk.aigc = state.label(null);
  }
  return sseData(JSON.stringify(chunk));
}

/**
 * Pass one choice's piece through the answer's moderation: only released text goes on (the
 * tail that could still become a blocked term waits for the next piece). On a block the piece
 * keeps what was released before the term and the stream is stopped after it.
 */
function moderateDelta(choice: Json, index: number, state: StreamState): void {
  const moderation = state.moderation;
  if (!moderation || state.blocked) return;
  const [holder, key] = textHolder(choice);
  const piece = holder[key];
  let { release, block } = moderation.push(index, typeof piece === 'string' ? piece : '');
  if (!block && choice.finish_reason) {
    const rest = moderation.end(index);
    release += rest.release;
    block = rest.block;
  }
  if (typeof piece === 'string' || release) holder[key] = release;
  if (block) {
    state.blocked = block;
    delete choice.finish_reason;
  }
}

/** The object and key holding a streamed choice's text: a chat delta's content, or a completion's text. */
function textHolder(choice: Json): [Json, string] {
  const delta = choice.delta as Json | undefined;
  return delta && typeof delta === 'object' ? [delta, 'content'] : [choice, 'text'];
}

function restorers(vault: MaskVault | null): StreamState['restore'] {
  if (!vault) return null;
  const byIndex = new Map<number, StreamRestorer>();
  return (index) => {
    let r = byIndex.get(index);
    if (!r) byIndex.set(index, (r = new StreamRestorer(vault)));
    return r;
  };
}

/** Restore one choice's piece (chat delta or completion text); flush what is held at its end. */
function restoreDelta(choice: Json, restorer: StreamRestorer): void {
  const [holder, key] = textHolder(choice);
  const piece = holder[key];
  let out = typeof piece === 'string' ? restorer.push(piece) : '';
  if (choice.finish_reason) out += restorer.end();
  if (typeof piece === 'string' || out) holder[key] = out;
}
