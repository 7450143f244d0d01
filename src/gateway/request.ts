import { randomBytes } from 'node:crypto';
import { badRequest } from '../errors.js';
import type { Json, Operation } from './providers/index.js';

const isObject = (v: unknown): v is Json => !!v && typeof v === 'object' && !Array.isArray(v);

/** Checks the few fields the hub itself relies on; everything else passes through untouched. */
export function validateBody(op: Operation, body: unknown): Json {
  if (!isObject(body))
    throw badRequest('invalid_request', 'The request body must be a JSON object.');
  if (typeof body.model !== 'string' || !body.model) {
    throw badRequest('invalid_request', 'Field "model" is required and must be a string.', {
      param: 'model',
    });
  }
  if (body.stream !== undefined && typeof body.stream !== 'boolean') {
    throw badRequest('invalid_request', 'Field "stream" must be a boolean.', { param: 'stream' });
  }
  if (
    op === 'chat' &&
    (!Array.isArray(body.messages) || body.messages.length === 0 || !body.messages.every(isObject))
  ) {
    throw badRequest(
      'invalid_request',
      'Field "messages" must be a non-empty array of message objects.',
      { param: 'messages' },
    );
  }
  if (op === 'completions' && body.prompt === undefined) {
    throw badRequest('invalid_request', 'Field "prompt" is required.', { param: 'prompt' });
  }
  if (op === 'embeddings') {
    if (
      body.input === undefined ||
      body.input === '' ||
      (Array.isArray(body.input) && body.input.length === 0)
    ) {
      throw badRequest('invalid_request', 'Field "input" is required.', { param: 'input' });
    }
    if (body.stream === true)
      throw badRequest('invalid_request', 'Embeddings cannot be streamed.', { param: 'stream' });
  }
  return body;
}

const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;

/** Random hex from a pooled buffer: one randomBytes call per few hundred ids, not two per request. */
const POOL_BYTES = 4096;
let pool = Buffer.alloc(0);
let offset = 0;
function randomHex(bytes: number): string {
  if (offset + bytes > pool.length) {
    pool = randomBytes(POOL_BYTES);
    offset = 0;
  }
  const hex = pool.toString('hex', offset, offset + bytes);
  offset += bytes;
  return hex;
}

/**
 * W3C trace context: keep the caller's trace id and flags, give this hop its own span id, or
 * start a new trace when the caller sent none (or an invalid one).
 */
export function nextTraceparent(incoming: string | string[] | undefined): string {
  const value = Array.isArray(incoming) ? incoming[0] : incoming;
  const match = value ? TRACEPARENT.exec(value.trim().toLowerCase()) : null;
  const span = randomHex(8);
  if (match && !/^0+$/.test(match[1]!) && !/^0+$/.test(match[2]!))
    return `00-${match[1]}-${span}-${match[3]}`;
  return `00-${randomHex(16)}-${span}-01`;
}
