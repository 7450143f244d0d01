import autocannon from 'autocannon';
import { Agent, request } from 'undici';

export type TargetName = 'direct' | 'floor' | 'hub' | 'peer';

/** Where a run sends its requests: the chat completions URL and the headers that target needs. */
export interface Target {
  name: TargetName;
  url: string;
  headers: Record<string, string>;
  /** CPU ms used so far by the process the client talks to (double, floor, hub or peer). */
  cpuMs: () => number;
}

export const PROMPT = [{ role: 'user', content: '社保卡如何挂失？' }];

export function chatBody(model: string, stream: boolean): string {
  return JSON.stringify({
    model,
    messages: PROMPT,
    ...(stream ? { stream: true, stream_options: { include_usage: true } } : {}),
  });
}

export interface Percentiles {
  p50: number;
  p90: number;
  p99: number;
  mean: number;
  max: number;
}

/** Exact percentiles (nearest rank) of float samples in ms; autocannon's histogram is 1 ms coarse. */
export function percentiles(samples: readonly number[]): Percentiles {
  if (!samples.length) return { p50: NaN, p90: NaN, p99: NaN, mean: NaN, max: NaN };
  const sorted = Float64Array.from(samples).sort();
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!;
  let sum = 0;
  for (const v of sorted) sum += v;
  return {
    p50: at(0.5),
    p90: at(0.9),
    p99: at(0.99),
    mean: sum / sorted.length,
    max: sorted[sorted.length - 1]!,
  };
}

export interface LoadResult extends Percentiles {
  target: TargetName;
  connections: number;
  durationS: number;
  /** 2xx answers. */
  ok: number;
  /** 2xx answers per second. */
  rps: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  /** CPU time of the server process (the one the client talks to) per 2xx answer, µs. */
  cpuUsPerReq: number;
  /** CPU used by processes outside the benchmark during the run, % of one CPU. */
  otherCpuPct?: number;
  stealPct?: number;
}

/** Keep at most this many latency samples per run (memory bound). */
const MAX_SAMPLES = 2_000_000;

/** One autocannon run (non-stream chat), bounded by `durationS`, with sub-ms latency samples. */
export function runLoad(
  target: Target,
  body: string,
  connections: number,
  durationS: number,
): Promise<LoadResult> {
  return new Promise((resolve, reject) => {
    const samples: number[] = [];
    const cpuBefore = target.cpuMs();
    const instance = autocannon(
      {
        url: target.url,
        method: 'POST',
        headers: { 'content-type': 'application/json', ...target.headers },
        body,
        connections,
        duration: durationS,
        timeout: 10,
      },
      (err, result) => {
        if (err) return reject(err);
        const ok = result['2xx'];
        resolve({
          target: target.name,
          connections,
          durationS: result.duration,
          ok,
          rps: ok / result.duration,
          non2xx: result.non2xx,
          errors: result.errors,
          timeouts: result.timeouts,
          cpuUsPerReq: ok ? ((target.cpuMs() - cpuBefore) * 1000) / ok : NaN,
          ...percentiles(samples),
        });
      },
    );
    instance.on('response', (_client, status, _bytes, ms) => {
      if (status >= 200 && status < 300 && samples.length < MAX_SAMPLES) samples.push(ms);
    });
  });
}

export interface StreamSample {
  ok: boolean;
  /** Request sent → first body bytes carrying answer text. */
  ttftMs: number;
  /** Request sent → `[DONE]` and end of body. */
  totalMs: number;
}

const CONTENT = /"content":"[^"]/;

/** One streaming chat call, timed on the client (bounded by timeoutMs). */
export async function streamOnce(
  dispatcher: Agent,
  target: Target,
  body: string,
  timeoutMs = 10_000,
): Promise<StreamSample> {
  const started = performance.now();
  try {
    const res = await request(target.url, {
      method: 'POST',
      dispatcher,
      headers: { 'content-type': 'application/json', ...target.headers },
      body,
      signal: AbortSignal.timeout(timeoutMs),
    });
    if (res.statusCode !== 200) {
      await res.body.dump();
      return { ok: false, ttftMs: NaN, totalMs: NaN };
    }
    const decoder = new TextDecoder();
    let ttftMs = NaN;
    let seen = '';
    let tail = '';
    for await (const chunk of res.body) {
      const text = decoder.decode(chunk as Buffer, { stream: true });
      if (Number.isNaN(ttftMs)) {
        seen += text;
        if (CONTENT.test(seen)) {
          ttftMs = performance.now() - started;
          seen = '';
        }
      }
      tail = (tail + text).slice(-64);
    }
    const totalMs = performance.now() - started;
    return { ok: tail.includes('[DONE]') && !Number.isNaN(ttftMs), ttftMs, totalMs };
  } catch {
    return { ok: false, ttftMs: NaN, totalMs: NaN };
  }
}

export interface StreamResult {
  target: TargetName;
  mode: 'sequential' | 'concurrent';
  concurrency: number;
  ok: number;
  failed: number;
  ttft: Percentiles;
  total: Percentiles;
  otherCpuPct?: number;
  stealPct?: number;
}

/**
 * `workers` clients, each making up to `perWorker` streaming calls one after another; the whole
 * phase stops at `deadlineMs` even if calls remain.
 */
export async function runStreams(
  target: Target,
  body: string,
  workers: number,
  perWorker: number,
  deadlineMs: number,
): Promise<StreamResult> {
  const dispatcher = new Agent({ connections: workers, keepAliveTimeout: 30_000 });
  const samples: StreamSample[] = [];
  const stopAt = Date.now() + deadlineMs;
  try {
    await Promise.all(
      Array.from({ length: workers }, async () => {
        for (let i = 0; i < perWorker && Date.now() < stopAt; i++)
          samples.push(await streamOnce(dispatcher, target, body));
      }),
    );
  } finally {
    await dispatcher.close();
  }
  const good = samples.filter((s) => s.ok);
  return {
    target: target.name,
    mode: workers === 1 ? 'sequential' : 'concurrent',
    concurrency: workers,
    ok: good.length,
    failed: samples.length - good.length,
    ttft: percentiles(good.map((s) => s.ttftMs)),
    total: percentiles(good.map((s) => s.totalMs)),
  };
}
