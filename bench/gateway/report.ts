import type { LoadResult, StreamResult, TargetName } from './load.js';
import type { Pipeline } from './servers.js';
import type { VerifyRun } from './verify.js';

export interface TargetCheck {
  name: string;
  measured: number;
  threshold: string;
  pass: boolean;
}

export interface HubOverheadSample {
  connections: number;
  /** Mean of the hub's own zs_gateway_overhead_seconds over the run, ms. */
  meanMs: number;
  calls: number;
}

export interface BenchReport {
  startedAt: string;
  finishedAt: string;
  environment: Record<string, unknown>;
  load: LoadResult[];
  streams: StreamResult[];
  hubOverhead: HubOverheadSample[];
  /** What the hub ran on every call (null when the hub was not a target). */
  pipeline: Pipeline | null;
  /** The hub's log lines at warn and above, by message. */
  hubLog: { level: string; msg: string; count: number }[];
  /** `audit verify` over the whole ledger the run left behind. */
  verify: VerifyRun[];
  targets: TargetCheck[];
}

/** Issue 3's targets, for the full pipeline (keys, limits, usage records, ledger). */
export const TARGET_ADDED_P50_MS = 2;
export const TARGET_PEER_RATIO = 4;

const ms = (v: number | undefined) => (v === undefined || Number.isNaN(v) ? '-' : v.toFixed(2));
const signed = (v: number | undefined) =>
  v === undefined || Number.isNaN(v) ? '-' : `${v >= 0 ? '+' : ''}${v.toFixed(2)}`;
const int = (v: number | undefined) =>
  v === undefined || Number.isNaN(v) ? '-' : Math.round(v).toLocaleString('en-US');

function find(load: readonly LoadResult[], target: TargetName, c: number): LoadResult | undefined {
  return load.find((r) => r.target === target && r.connections === c);
}

export function checkTargets(load: readonly LoadResult[]): TargetCheck[] {
  const direct1 = find(load, 'direct', 1);
  const hub1 = find(load, 'hub', 1);
  const hub16 = find(load, 'hub', 16);
  const peer16 = find(load, 'peer', 16);
  const checks: TargetCheck[] = [];
  if (direct1 && hub1) {
    const added = hub1.p50 - direct1.p50;
    checks.push({
      name: 'hub added latency p50 at c=1 (ms)',
      measured: added,
      threshold: `≤ ${TARGET_ADDED_P50_MS} ms`,
      pass: added <= TARGET_ADDED_P50_MS,
    });
  }
  if (hub16 && peer16) {
    const ratio = hub16.rps / peer16.rps;
    checks.push({
      name: 'hub/peer throughput at c=16',
      measured: ratio,
      threshold: `≥ ${TARGET_PEER_RATIO}×`,
      pass: ratio >= TARGET_PEER_RATIO,
    });
  }
  return checks;
}

const LOAD_HEAD = [
  'target',
  'c',
  'RPS',
  'p50 ms',
  'p90 ms',
  'p99 ms',
  '+p50 vs direct',
  '+p99 vs direct',
  'hub/peer RPS',
  'server CPU µs/req',
  'other CPU %',
  'errors',
];

export function loadRows(load: readonly LoadResult[]): string[][] {
  const concurrencies = [...new Set(load.map((r) => r.connections))].sort((a, b) => a - b);
  const rows: string[][] = [];
  for (const c of concurrencies) {
    const direct = find(load, 'direct', c);
    const peer = find(load, 'peer', c);
    for (const name of ['direct', 'floor', 'hub', 'peer'] as const) {
      const r = find(load, name, c);
      if (!r) continue;
      const bad = r.non2xx + r.errors + r.timeouts;
      rows.push([
        name,
        String(c),
        int(r.rps),
        ms(r.p50),
        ms(r.p90),
        ms(r.p99),
        name === 'direct' || !direct ? '' : signed(r.p50 - direct.p50),
        name === 'direct' || !direct ? '' : signed(r.p99 - direct.p99),
        name === 'hub' && peer ? `${(r.rps / peer.rps).toFixed(2)}×` : '',
        int(r.cpuUsPerReq),
        int(r.otherCpuPct),
        bad ? `${r.non2xx} non-2xx, ${r.errors} err, ${r.timeouts} t/o` : '0',
      ]);
    }
  }
  return rows;
}

const STREAM_HEAD = [
  'target',
  'mode',
  'calls ok',
  'TTFT p50',
  'TTFT p99',
  '+TTFT p50 vs direct',
  'total p50',
  'total p99',
  '+total p50 vs direct',
  'other CPU %',
  'failed',
];

export function streamRows(streams: readonly StreamResult[]): string[][] {
  return streams.map((s) => {
    const direct = streams.find((d) => d.target === 'direct' && d.mode === s.mode);
    const vs = (f: (x: StreamResult) => number) =>
      s.target === 'direct' || !direct ? '' : signed(f(s) - f(direct));
    return [
      s.target,
      s.mode === 'sequential' ? 'sequential' : `${s.concurrency} concurrent`,
      String(s.ok),
      ms(s.ttft.p50),
      ms(s.ttft.p99),
      vs((x) => x.ttft.p50),
      ms(s.total.p50),
      ms(s.total.p99),
      vs((x) => x.total.p50),
      int(s.otherCpuPct),
      String(s.failed),
    ];
  });
}

export function textTable(head: string[], rows: string[][]): string {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]?.length ?? 0)));
  const line = (cells: string[]) =>
    cells.map((c, i) => (i < 2 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  return [line(head), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

export function markdownTable(head: string[], rows: string[][]): string {
  const align = head.map((_, i) => (i < 2 ? '---' : '---:'));
  return [head, align, ...rows].map((r) => `| ${r.join(' | ')} |`).join('\n');
}

function targetLines(targets: readonly TargetCheck[]): string[] {
  return targets.map(
    (t) =>
      `${t.pass ? 'PASS' : 'FAIL'}  ${t.name}: ${t.name.includes('throughput') ? `${t.measured.toFixed(2)}×` : `${t.measured.toFixed(3)} ms`} (target ${t.threshold})`,
  );
}

/** One line per fact of the hub's pipeline, so a reader knows what every call paid for. */
export function pipelineLines(p: Pipeline | null): string[] {
  if (!p) return [];
  const limits = (l: Pipeline['orgLimits']) =>
    `rpm ${l.rpm}, tpm ${l.tpm}, monthly tokens ${l.monthly_tokens}, monthly budget ${l.monthly_budget} CNY`;
  return [
    `key auth, routing, breaker, Prometheus metrics`,
    `guard: the request's data level (PII detection over every message), clearance-aware routing, AIGC label on the answer`,
    p.lexiconFile
      ? `content safety: every input and answer (streams piece by piece) checked against the lexicon ${p.lexiconFile}; suspension check per caller`
      : 'content safety: injection flags on tool messages only (no lexicon configured)',
    `organisation limits (province → city → department, each: ${limits(p.orgLimits)}) — ` +
      (p.limitsEnforced
        ? 'enforced by this build (an rpm-1 organisation answered 429 on its second call)'
        : p.limitsEnforced === false
          ? 'NOT enforced by this build (an rpm-1 organisation was not refused): configured only'
          : 'enforcement not probed'),
    p.keyLimits
      ? `key limits: ${limits(p.keyLimits)}`
      : "key limits: not set (this build's `keys create` has no --rpm/--tpm/--monthly-* options)",
    `price: ${p.prices.input} / ${p.prices.output} CNY per 1k prompt / completion tokens, from ${p.prices.from}`,
    `every call: usage record + daily rollup + SM3-chained ledger entry in one group-committed transaction before the response ends; SM2 checkpoint every 1,000 entries; ${p.database}`,
  ];
}

function verifyLines(report: BenchReport): string[] {
  return report.verify.map(
    (v) =>
      `${v.via}: ${v.ok ? 'ok' : 'NOT OK'}, ${v.entries.toLocaleString('en-US')} entries and ${v.checkpoints} checkpoints in ${v.seconds.toFixed(2)} s = ${Math.round(v.entriesPerS).toLocaleString('en-US')} entries/s`,
  );
}

function overheadLines(report: BenchReport): string[] {
  return report.hubOverhead.map(
    (o) =>
      `c=${o.connections}: mean ${o.meanMs.toFixed(3)} ms over ${o.calls.toLocaleString('en-US')} calls`,
  );
}

export function renderText(report: BenchReport): string {
  return [
    'Non-stream chat (latency in ms, measured by the client; + = added vs direct)',
    textTable(LOAD_HEAD, loadRows(report.load)),
    '',
    'Streaming chat (ms, client-side; TTFT = request sent → first content chunk)',
    textTable(STREAM_HEAD, streamRows(report.streams)),
    '',
    "Hub's own overhead (zs_gateway_overhead_seconds from /metrics, non-stream runs):",
    ...overheadLines(report).map((l) => `  ${l}`),
    '',
    'Hub pipeline on every call:',
    ...pipelineLines(report.pipeline).map((l) => `  ${l}`),
    '',
    'Audit verify (whole ledger after the run):',
    ...verifyLines(report).map((l) => `  ${l}`),
    '',
    'Targets:',
    ...targetLines(report.targets).map((l) => `  ${l}`),
  ].join('\n');
}

export function renderMarkdown(report: BenchReport): string {
  const env = Object.entries(report.environment).map(
    ([k, v]) => `- ${k}: ${typeof v === 'string' ? v : JSON.stringify(v)}`,
  );
  return [
    `# Gateway benchmark ${report.startedAt}`,
    '',
    'Generated by `npm run bench:gateway` (see bench/README.md). Direct = the upstream double',
    'itself; floor = a bare pass-through proxy (node:http + undici, the cost of one extra Node',
    'hop); hub = Zhongshu (`node bin/zhongshu.js serve`) with the full pipeline below; peer =',
    'Portkey gateway (header mode). Same double, same client, same body for all.',
    '',
    '## Hub pipeline on every call',
    '',
    ...pipelineLines(report.pipeline).map((l) => `- ${l}`),
    '',
    '## Environment',
    '',
    ...env,
    '',
    '## Non-stream chat',
    '',
    'Latency in ms measured by the client (autocannon, per-response timings); RPS counts 2xx only.',
    '',
    markdownTable(LOAD_HEAD, loadRows(report.load)),
    '',
    '## Streaming chat',
    '',
    'TTFT = request sent → first chunk carrying answer text; total = until `[DONE]`.',
    '',
    markdownTable(STREAM_HEAD, streamRows(report.streams)),
    '',
    "## Hub's own overhead",
    '',
    'Mean of `zs_gateway_overhead_seconds` (time spent in the hub, excluding upstream) per run:',
    '',
    ...overheadLines(report).map((l) => `- ${l}`),
    '',
    '## Hub log',
    '',
    ...(report.hubLog.length
      ? [
          'Lines at warn and above, by message:',
          '',
          ...report.hubLog.map((l) => `- ${l.count} × ${l.level}: ${l.msg}`),
        ]
      : ['No line at warn or above (the hub logs at warn).']),
    '',
    '## Audit verify',
    '',
    'The whole ledger the run left behind (every call of every phase, plus management actions),',
    'verified after the hub stopped: chain, hashes, head and every SM2-signed checkpoint.',
    '',
    ...verifyLines(report).map((l) => `- ${l}`),
    '',
    '## Targets',
    '',
    ...targetLines(report.targets).map((l) => `- ${l}`),
    '',
  ].join('\n');
}
