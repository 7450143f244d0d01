import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * An OpenAI-compatible upstream for tests and benchmarks, speaking real HTTP and SSE. Behaviour
 * is chosen per request by the upstream model name:
 *   fail-500 / fail-503 / fail-429 / fail-401 / fail-400  → that status with an OpenAI error body
 *   slow-<ms>                                             → waits before answering
 *   cut                                                   → streams two chunks, then drops the socket
 *   no-usage                                              → never reports usage
 *   echo                                                  → answers 收到： + the last user text
 *                                                           (streamed 3 characters per event)
 *   decode                                                → answers the last user text decoded
 *                                                           from base64 (as echo otherwise): a
 *                                                           model saying what the input hid
 *   anything else                                         → a normal answer
 * `behaviour` overrides the name for the next requests (to make a healthy endpoint fail).
 */
export interface UpstreamDouble {
  url: string;
  port: number;
  requests: RecordedRequest[];
  /** Forces a behaviour for every request until reset to null. */
  behaviour: string | null;
  close(): Promise<void>;
}

export interface RecordedRequest {
  path: string;
  headers: IncomingMessage['headers'];
  body: Record<string, unknown>;
}

export interface DoubleOptions {
  name?: string;
  /** Delay between SSE chunks, ms. */
  chunkDelayMs?: number;
  /** Keep request bodies (off in benchmarks). */
  record?: boolean;
}

const ANSWER = ['你好', '，我是', '政务', '助手。'];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function startUpstream(options: DoubleOptions = {}): Promise<UpstreamDouble> {
  const name = options.name ?? 'double';
  const chunkDelay = options.chunkDelayMs ?? 0;
  const record = options.record ?? true;
  const state: UpstreamDouble = {
    url: '',
    port: 0,
    requests: [],
    behaviour: null,
    close: async () => {},
  };

  const server: Server = createServer((req, res) => {
    const parts: Buffer[] = [];
    req.on('data', (c: Buffer) => parts.push(c));
    req.on('end', () => {
      void handle(req, res, Buffer.concat(parts).toString('utf8'));
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse, text: string): Promise<void> {
    const path = (req.url ?? '').replace(/^\/v1/, '');
    if (req.method === 'GET' && path === '/models')
      return json(res, 200, { object: 'list', data: [{ id: 'm', object: 'model' }] });
    let body: Record<string, unknown> = {};
    try {
      body = JSON.parse(text) as Record<string, unknown>;
    } catch {
      return json(res, 400, { error: { message: 'bad json', type: 'invalid_request_error' } });
    }
    if (record) state.requests.push({ path, headers: req.headers, body });
    const model = typeof body.model === 'string' ? body.model : '';
    const mode = state.behaviour ?? model;
    const failure = /^fail-(\d{3})$/.exec(mode);
    if (failure) {
      const status = Number(failure[1]);
      if (status === 429) res.setHeader('retry-after', '0');
      return json(res, status, {
        error: {
          message: `${name} failing with ${status} (internal detail /srv/secret)`,
          type: 'server_error',
          code: null,
        },
      });
    }
    const slow = /^slow-(\d+)$/.exec(mode);
    if (slow) await sleep(Number(slow[1]));
    const usage =
      mode === 'no-usage' ? undefined : { prompt_tokens: 5, completion_tokens: 4, total_tokens: 9 };

    if (path === '/embeddings') {
      const inputs = Array.isArray(body.input) ? body.input : [body.input];
      return json(res, 200, {
        object: 'list',
        model,
        data: inputs.map((_, index) => {
          const vector = [0.1, 0.2, 0.3, index];
          // The openai SDK asks for base64 (little-endian float32) by default.
          const embedding =
            body.encoding_format === 'base64'
              ? Buffer.from(new Float32Array(vector).buffer).toString('base64')
              : vector;
          return { object: 'embedding', index, embedding };
        }),
        usage: { prompt_tokens: 3 * inputs.length, total_tokens: 3 * inputs.length },
      });
    }
    const chat = path === '/chat/completions';
    const id = `${chat ? 'chatcmpl' : 'cmpl'}-${name}`;
    const echoes = mode === 'echo' || mode === 'decode';
    const pieces = echoes ? echoPieces(body, chat, mode === 'decode') : ANSWER;
    if (body.stream === true)
      return stream(res, {
        id,
        model,
        chat,
        mode,
        pieces,
        usage,
        includeUsage:
          (body.stream_options as { include_usage?: boolean } | undefined)?.include_usage === true,
      });
    const tools = Array.isArray(body.tools) && body.tools.length > 0;
    const choice = chat
      ? tools
        ? {
            index: 0,
            message: {
              role: 'assistant',
              content: null,
              tool_calls: [
                {
                  id: 'call_1',
                  type: 'function',
                  function: {
                    name: (body.tools as { function: { name: string } }[])[0]!.function.name,
                    arguments: '{"city":"广州"}',
                  },
                },
              ],
            },
            finish_reason: 'tool_calls',
          }
        : {
            index: 0,
            message: {
              role: 'assistant',
              content: echoes ? pieces.join('') : `${ANSWER.join('')}（${name}）`,
            },
            finish_reason: 'stop',
          }
      : { index: 0, text: pieces.join(''), finish_reason: 'stop' };
    return json(res, 200, {
      id,
      object: chat ? 'chat.completion' : 'text_completion',
      created: 1,
      model,
      choices: [choice],
      ...(usage ? { usage } : {}),
    });
  }

  async function stream(
    res: ServerResponse,
    o: {
      id: string;
      model: string;
      chat: boolean;
      mode: string;
      pieces: readonly string[];
      usage: object | undefined;
      includeUsage: boolean;
    },
  ): Promise<void> {
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    const send = (payload: object | string) =>
      res.write(`data: ${typeof payload === 'string' ? payload : JSON.stringify(payload)}\n\n`);
    const base = {
      id: o.id,
      object: o.chat ? 'chat.completion.chunk' : 'text_completion',
      created: 1,
      model: o.model,
    };
    for (const [i, piece] of o.pieces.entries()) {
      if (o.mode === 'cut' && i === 2) {
        // Let the first chunks reach the hub, then drop the connection mid-answer.
        await sleep(30);
        res.socket?.destroy();
        return;
      }
      send({
        ...base,
        choices: [
          o.chat
            ? {
                index: 0,
                delta: i === 0 ? { role: 'assistant', content: piece } : { content: piece },
                finish_reason: null,
              }
            : { index: 0, text: piece, finish_reason: null },
        ],
      });
      if (chunkDelay) await sleep(chunkDelay);
    }
    send({
      ...base,
      choices: [
        o.chat
          ? { index: 0, delta: {}, finish_reason: 'stop' }
          : { index: 0, text: '', finish_reason: 'stop' },
      ],
    });
    if (o.includeUsage && o.usage) send({ ...base, choices: [], usage: o.usage });
    send('[DONE]');
    res.end();
  }

  function echoPieces(body: Record<string, unknown>, chat: boolean, decode: boolean): string[] {
    const messages = (body.messages ?? []) as { role?: string; content?: unknown }[];
    const prompt: unknown = Array.isArray(body.prompt) ? body.prompt[0] : body.prompt;
    const last = chat ? messages.filter((m) => m.role === 'user').at(-1)?.content : prompt;
    const said = typeof last === 'string' ? last : '';
    const text = decode ? Buffer.from(said, 'base64').toString('utf8') : `收到：${said}`;
    return Array.from({ length: Math.ceil(text.length / 3) }, (_, i) =>
      text.slice(i * 3, i * 3 + 3),
    );
  }

  function json(res: ServerResponse, status: number, body: object): void {
    const payload = JSON.stringify(body);
    res.writeHead(status, {
      'content-type': 'application/json',
      'content-length': Buffer.byteLength(payload),
    });
    res.end(payload);
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  state.port = port;
  state.url = `http://127.0.0.1:${port}/v1`;
  state.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return state;
}
