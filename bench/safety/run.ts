/**
 * `npm run bench:safety`: the content-safety matcher (Aho-Corasick over folded text) against the
 * two naive ways of matching a keyword list, in one run, with 10,000 and 50,000 synthetic terms.
 *
 * - hub scan: `SafetyMatcher.scan` over the whole text (variants included: folding, skipped
 *   characters between a term's characters);
 * - hub stream: the same text pushed in 20-character pieces through `SafetyMatcher.stream()`;
 * - indexOf loop: `text.indexOf(term)` repeated for every term (exact spelling only);
 * - alternation RegExp: one `/t1|t2|…/gu` over all terms (exact spelling only).
 *
 * The naive baselines do less work (no variants) and are too slow for the full text, so they run
 * on a shorter prefix; throughput is comparable across rows, absolute numbers only within a run.
 * Results: bench/results/safety-<date>-<time>.{md,json}.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { SafetyMatcher } from '../../src/guard/safety/matcher.js';
import { RISKS } from '../../src/guard/safety/risks.js';
import { randomTerms, randomText } from '../../test/guard/safety/synthetic.js';
import { markdownTable, textTable } from '../gateway/report.js';
import { ROOT } from '../gateway/servers.js';

const num = (name: string, fallback: number) => {
  const v = Number(process.env[name] ?? fallback);
  if (!Number.isFinite(v) || v <= 0) throw new Error(`${name} must be a positive number`);
  return v;
};

const options = {
  chars: num('BENCH_SAFETY_CHARS', 2_000_000),
  baselineChars: num('BENCH_SAFETY_BASELINE_CHARS', 50_000),
  runs: num('BENCH_SAFETY_RUNS', 5),
  sizes: [10_000, 50_000],
  outDir: path.resolve(ROOT, process.env.BENCH_OUT ?? 'bench/results'),
};

interface Row {
  terms: number;
  method: string;
  chars: number;
  /** Median over the runs. */
  ms: number;
  mbPerS: number;
  mCharsPerS: number;
  hits: number;
}

const log = (line: string) => process.stdout.write(`${line}\n`);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;

function time(runs: number, fn: () => number): { ms: number; result: number } {
  const samples: number[] = [];
  let result = 0;
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    result = fn();
    samples.push(performance.now() - t0);
  }
  return { ms: median(samples), result };
}

function row(terms: number, method: string, text: string, ms: number, hits: number): Row {
  const bytes = Buffer.byteLength(text, 'utf8');
  return {
    terms,
    method,
    chars: text.length,
    ms,
    mbPerS: bytes / 1e6 / (ms / 1000),
    mCharsPerS: text.length / 1e6 / (ms / 1000),
    hits,
  };
}

function streamHits(m: SafetyMatcher, text: string): number {
  const s = m.stream();
  let hits = 0;
  for (let i = 0; i < text.length; i += 20) hits += s.push(text.slice(i, i + 20)).hits.length;
  return hits + s.end().hits.length;
}

function indexOfHits(terms: readonly string[], text: string): number {
  let hits = 0;
  for (const t of terms) {
    for (let i = text.indexOf(t); i >= 0; i = text.indexOf(t, i + 1)) hits++;
  }
  return hits;
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Non-overlapping leftmost matches, as a RegExp finds them. */
function regexpHits(re: RegExp, text: string): number {
  re.lastIndex = 0;
  let hits = 0;
  while (re.exec(text)) hits++;
  return hits;
}

function main(): void {
  const startedAt = new Date();
  const text = randomText(options.chars, 2);
  const short = text.slice(0, options.baselineChars);
  const risks = RISKS.map((r) => r.id);
  const rows: Row[] = [];
  const builds: { terms: number; buildMs: number; nodes: number; alphabet: number }[] = [];

  for (const size of options.sizes) {
    const entries = randomTerms(size, risks, 7);
    const terms = entries.map((e) => e.term);
    const build = time(3, () => new SafetyMatcher(entries).stats.nodes);
    const m = new SafetyMatcher(entries);
    builds.push({
      terms: size,
      buildMs: build.ms,
      nodes: m.stats.nodes,
      alphabet: m.stats.alphabet,
    });
    log(`${size} terms: automaton built in ${build.ms.toFixed(0)} ms (${m.stats.nodes} nodes)`);
    m.scan(text); // warm up (folding cache, JIT)
    const scan = time(options.runs, () => m.scan(text).length);
    rows.push(row(size, 'hub scan (variants)', text, scan.ms, scan.result));
    const stream = time(options.runs, () => streamHits(m, text));
    rows.push(row(size, 'hub stream, 20-char pieces', text, stream.ms, stream.result));
    const hubShort = time(options.runs, () => m.scan(short).length);
    rows.push(row(size, 'hub scan (variants), short text', short, hubShort.ms, hubShort.result));
    const naive = time(1, () => indexOfHits(terms, short));
    rows.push(row(size, 'indexOf loop (exact)', short, naive.ms, naive.result));
    const compileStart = performance.now();
    const re = new RegExp(terms.map(escape).join('|'), 'gu');
    regexpHits(re, short.slice(0, 1000));
    const compileMs = performance.now() - compileStart;
    const alt = time(1, () => regexpHits(re, short));
    rows.push(row(size, 'alternation RegExp (exact)', short, alt.ms, alt.result));
    log(`${size} terms: RegExp compiled in ${compileMs.toFixed(0)} ms`);
  }

  const head = ['terms', 'method', 'chars', 'ms (median)', 'MB/s (UTF-8)', 'M chars/s', 'hits'];
  const cells = rows.map((r) => [
    r.terms.toLocaleString('en-US'),
    r.method,
    r.chars.toLocaleString('en-US'),
    r.ms.toFixed(1),
    r.mbPerS.toFixed(2),
    r.mCharsPerS.toFixed(2),
    String(r.hits),
  ]);
  log('');
  log(textTable(head, cells));

  const environment = {
    node: process.version,
    cpus: os.cpus().length,
    cpu: os.cpus()[0]?.model ?? 'unknown',
    ...options,
  };
  const stamp = startedAt.toISOString().slice(0, 19).replace(/:/g, '').replace('T', '-');
  mkdirSync(options.outDir, { recursive: true });
  const out = path.join(options.outDir, `safety-${stamp}`);
  writeFileSync(`${out}.json`, JSON.stringify({ startedAt, environment, builds, rows }, null, 2));
  const md = [
    `# Content-safety matcher, ${startedAt.toISOString()}`,
    '',
    `Node ${process.version}, ${environment.cpus} × ${environment.cpu}. Synthetic random CJK terms (2–6 characters) and text.`,
    '',
    markdownTable(
      ['terms', 'build ms (median of 3)', 'nodes', 'alphabet'],
      builds.map((b) => [
        String(b.terms),
        b.buildMs.toFixed(0),
        String(b.nodes),
        String(b.alphabet),
      ]),
    ),
    '',
    markdownTable(head, cells),
    '',
    'Hit counts differ by design: the hub reports every occurrence of every term, spelling variants included; the RegExp reports non-overlapping leftmost matches.',
    '',
  ].join('\n');
  writeFileSync(`${out}.md`, md);
  log(`\nwrote ${path.relative(ROOT, out)}.{md,json}`);
}

main();
