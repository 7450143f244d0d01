/**
 * The one contract every provider adapter passes, on recorded fixtures in
 * test/fixtures/providers/<provider>/ (see the README there): request mapping, non-stream answers,
 * SSE chunks, usage, errors, authentication, base URL and operations.
 */
import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { PROVIDERS as PROVIDER_NAMES } from '../../config/index.js';
import { SseParser } from '../sse.js';
import { readUsage, type Usage } from '../usage.js';
import { PROVIDERS, type Json, type Operation, type ProviderAdapter } from './index.js';

interface UsageFigures {
  promptTokens: number;
  completionTokens: number;
  totalTokens: number;
  cachedTokens: number;
}

interface RequestCase {
  name: string;
  op: Operation;
  /** Merged over the shared request of that operation. */
  input?: Json;
  /** Keys removed from the shared request first (as the pipeline does for non-stream calls). */
  without?: string[];
  /** Keys the adapter sets; every other key must pass through unchanged. */
  expect?: Json;
  /** Keys the adapter drops. */
  absent?: string[];
}

interface Contract {
  source: string;
  baseUrl: string | null;
  operations: Operation[];
  streamUsage: ProviderAdapter['streamUsage'];
  requestCases: RequestCase[];
  finishReasons: Record<string, string>;
  chat: { answer: string; finishReason: string; usage: UsageFigures };
  stream: { answer: string; finishReason: string; usage: UsageFigures };
  error: { status: number; message: string };
  embeddings?: { count: number; dimensions: number; promptTokens: number };
}

const FIXTURES = new URL('../../../test/fixtures/providers/', import.meta.url);
const text = (path: string): string => readFileSync(new URL(path, FIXTURES), 'utf8');
const json = <T = Json>(path: string): T => JSON.parse(text(path)) as T;
const requests = json<Record<Operation, Json>>('requests.json');
const OPENAI_FINISH = ['stop', 'length', 'tool_calls', 'content_filter', 'function_call'];

const isJson = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Frozen deeply, so an adapter that mutates its input fails loudly. */
function frozen<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const inner of Object.values(value)) frozen(inner);
    Object.freeze(value);
  }
  return value;
}

const clone = <T>(value: T): T => structuredClone(value);
const usageOf = (figures: UsageFigures): Usage => ({ ...figures, estimated: false });

/** Parse an SSE fixture the way the relay does: bytes in small pieces, split anywhere. */
function sseEvents(raw: string): (string | null)[] {
  const bytes = Buffer.from(raw, 'utf8');
  const parser = new SseParser();
  const events: (string | null)[] = [];
  for (let at = 0; at < bytes.length; at += 7)
    events.push(...parser.push(bytes.subarray(at, at + 7)).map((e) => e.data));
  events.push(...parser.end().map((e) => e.data));
  return events;
}

function checkRequest(adapter: ProviderAdapter, c: RequestCase): void {
  const body: Json = { ...clone(requests[c.op]), ...clone(c.input ?? {}) };
  for (const key of c.without ?? []) delete body[key];
  const mapped = adapter.mapRequest(c.op, frozen(body));
  const expected = c.expect ?? {};
  const absent = new Set(c.absent ?? []);
  expect(mapped.model).toBe(body.model);
  for (const [key, value] of Object.entries(expected)) expect(mapped[key], key).toEqual(value);
  for (const key of absent) expect(mapped, key).not.toHaveProperty(key);
  for (const [key, value] of Object.entries(body)) {
    if (!(key in expected) && !absent.has(key)) expect(mapped[key], key).toEqual(value);
  }
  for (const key of Object.keys(mapped)) expect(key in body || key in expected, key).toBe(true);
}

describe('provider registry', () => {
  it('has one adapter for every configurable provider, each with recorded fixtures', () => {
    expect(Object.keys(PROVIDERS).sort()).toEqual([...PROVIDER_NAMES].sort());
    for (const [name, adapter] of Object.entries(PROVIDERS)) {
      expect(adapter.name).toBe(name);
      for (const file of ['contract.json', 'chat.json', 'chat.sse', 'error.json'])
        expect(existsSync(new URL(`${name}/${file}`, FIXTURES)), `${name}/${file}`).toBe(true);
    }
  });
});

for (const [name, adapter] of Object.entries(PROVIDERS)) {
  const contract = json<Contract>(`${name}/contract.json`);

  describe(`${name} adapter`, () => {
    it('offers the documented operations and streaming-usage style', () => {
      expect([...adapter.operations].sort()).toEqual([...contract.operations].sort());
      expect(adapter.streamUsage).toBe(contract.streamUsage);
      expect(existsSync(new URL(`${name}/embeddings.json`, FIXTURES))).toBe(
        adapter.operations.has('embeddings'),
      );
    });

    it('defaults to the mainland base URL (or asks the operator for one)', () => {
      expect(adapter.defaultBaseUrl).toBe(contract.baseUrl);
      if (adapter.defaultBaseUrl === null) {
        expect(name).toBe('openai-compatible');
        return;
      }
      const url = new URL(adapter.defaultBaseUrl);
      expect(adapter.defaultBaseUrl.endsWith('/')).toBe(false);
      if (name === 'ollama') {
        expect(['127.0.0.1', 'localhost']).toContain(url.hostname);
      } else {
        expect(url.protocol).toBe('https:');
        expect(url.hostname).toMatch(/\.(cn|com)$/);
        expect(url.hostname).not.toMatch(/intl|overseas|ap-southeast|global/);
      }
    });

    it('authenticates with a Bearer key, and sends none without one', () => {
      expect(adapter.headers('sk-zs-contract')).toEqual({ authorization: 'Bearer sk-zs-contract' });
      expect(adapter.headers(null)).toEqual({});
    });

    it('passes OpenAI requests through untouched: model, tools, response_format, extras', () => {
      for (const op of adapter.operations) checkRequest(adapter, { name: 'shared', op });
    });

    for (const c of contract.requestCases) {
      it(`maps requests: ${c.name}`, () => {
        expect(adapter.operations.has(c.op)).toBe(true);
        checkRequest(adapter, c);
      });
    }

    it('maps a non-stream chat answer to OpenAI shape with readable usage', () => {
      const body = adapter.mapResponse('chat', frozen(json(`${name}/chat.json`)));
      expect(body.object).toBe('chat.completion');
      const choices = body.choices as Json[];
      expect(choices).toHaveLength(1);
      const [choice] = choices;
      expect(choice?.index).toBe(0);
      expect(choice?.message).toMatchObject({ role: 'assistant', content: contract.chat.answer });
      expect(choice?.finish_reason).toBe(contract.chat.finishReason);
      expect(readUsage(body.usage)).toEqual(usageOf(contract.chat.usage));
    });

    it('maps the recorded SSE stream to OpenAI chunks: text, one finish, one usage report', () => {
      const events = sseEvents(text(`${name}/chat.sse`));
      const data = events.filter((e): e is string => e !== null);
      expect(data.at(-1)).toBe('[DONE]');
      const chunks = data
        .slice(0, -1)
        .map((d) => adapter.mapChunk('chat', frozen(JSON.parse(d) as Json)));
      expect(chunks.length).toBeGreaterThan(1);
      let answer = '';
      const finishes: string[] = [];
      const usages: Usage[] = [];
      for (const chunk of chunks) {
        expect(chunk.object).toBe('chat.completion.chunk');
        expect(chunk.error).toBeUndefined();
        expect(Array.isArray(chunk.choices)).toBe(true);
        for (const choice of chunk.choices as Json[]) {
          expect(typeof choice.index).toBe('number');
          expect(isJson(choice.delta)).toBe(true);
          expect(choice).not.toHaveProperty('usage');
          const content = (choice.delta as Json).content;
          if (typeof content === 'string') answer += content;
          if (typeof choice.finish_reason === 'string') finishes.push(choice.finish_reason);
        }
        const usage = readUsage(chunk.usage);
        if (usage) usages.push(usage);
      }
      expect(answer).toBe(contract.stream.answer);
      expect(finishes).toEqual([contract.stream.finishReason]);
      expect(usages).toEqual([usageOf(contract.stream.usage)]);
    });

    it('speaks OpenAI finish reasons', () => {
      const renames = Object.entries(contract.finishReasons);
      for (const reason of OPENAI_FINISH) renames.push([reason, reason]);
      for (const [upstream, openai] of renames) {
        const choice = { index: 0, message: { role: 'assistant', content: '' } };
        const body = frozen({ choices: [{ ...choice, finish_reason: upstream }] });
        const chunk = frozen({ choices: [{ index: 0, delta: {}, finish_reason: upstream }] });
        expect((adapter.mapResponse('chat', body).choices as Json[])[0]?.finish_reason).toBe(
          openai,
        );
        expect((adapter.mapChunk('chat', chunk).choices as Json[])[0]?.finish_reason).toBe(openai);
      }
    });

    it('extracts the message from the recorded error body', () => {
      const { status, message } = contract.error;
      expect(adapter.errorMessage(status, frozen(json(`${name}/error.json`)))).toBe(message);
      expect(adapter.errorMessage(502, null)).toBe('upstream answered HTTP 502');
      expect(adapter.errorMessage(400, { unrelated: true })).toBe('upstream answered HTTP 400');
    });

    it('leaves an error reported mid-stream for the relay to see', () => {
      const chunk = frozen({ error: { message: 'overloaded', type: 'server_error' } });
      expect(adapter.mapChunk('chat', chunk).error).toEqual(chunk.error);
    });

    if (contract.embeddings) {
      const expected = contract.embeddings;
      it('maps an embeddings answer to OpenAI shape with readable usage', () => {
        const body = adapter.mapResponse('embeddings', frozen(json(`${name}/embeddings.json`)));
        expect(body.object).toBe('list');
        const data = body.data as Json[];
        expect(data).toHaveLength(expected.count);
        data.forEach((item, i) => {
          expect(item.object).toBe('embedding');
          expect(item.index).toBe(i);
          const vector = item.embedding as unknown[];
          expect(vector).toHaveLength(expected.dimensions);
          expect(vector.every((x) => typeof x === 'number')).toBe(true);
        });
        expect(readUsage(body.usage)).toMatchObject({
          promptTokens: expected.promptTokens,
          estimated: false,
        });
      });
    }
  });
}
