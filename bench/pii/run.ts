/**
 * `npm run bench:pii`: throughput of the PII detector in MB/s (UTF-8) on one core over mixed
 * Chinese text, side by side with a peer library and a plain-regex baseline in the same run,
 * plus how much of the labelled set each finds. docs/pii.md describes what is measured.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createPiiDetector, type PiiDetector } from '../../src/guard/pii/index.js';
import { evaluate, loadSnippets, type Snippet } from '../../test/guard/pii/metrics.js';
import { waitForQuiet, watchForeignCpu } from '../gateway/processes.js';
import { ROOT } from '../gateway/servers.js';
import { baselineDetect } from './baseline.js';
import { buildCorpus, cmrcPassages, corpusOf, slice, type Corpus } from './corpus.js';
import { loadPeer, PEER_NAME, PEER_VERSION, type PeerDetection } from './peer.js';
import {
  renderMarkdown,
  renderText,
  TARGET_MB_S,
  type Coverage,
  type PiiReport,
  type Speed,
} from './report.js';

const env = (name: string, fallback: string) => process.env[name] ?? fallback;
const num = (name: string, fallback: number) => {
  const v = Number(env(name, String(fallback)));
  if (!Number.isFinite(v) || v <= 0) throw new Error(`${name} must be a positive number`);
  return v;
};
const options = {
  mb: num('BENCH_MB', 8),
  runs: num('BENCH_RUNS', 7),
  peerMb: num('BENCH_PEER_MB', 0.5),
  peerRuns: num('BENCH_PEER_RUNS', 3),
  cpu: env('BENCH_CPU', '1'),
  pin: env('BENCH_PIN', 'auto') !== '0',
  quietWaitS: num('BENCH_QUIET_WAIT', 60),
  outDir: path.resolve(ROOT, env('BENCH_OUT', 'bench/results')),
};
const log = (line: string) => process.stdout.write(`${line}\n`);

/** Re-run this script under taskset on one CPU, unless it already is or pinning is off. */
function pinned(): boolean {
  if (!options.pin || process.env.BENCH_PII_PINNED === '1') return false;
  if (spawnSync('taskset', ['--version']).status !== 0) return false;
  const script = path.join(ROOT, 'bench/pii/run.ts');
  const child = spawnSync(
    'taskset',
    ['-c', options.cpu, process.execPath, '--import', 'tsx', script],
    {
      stdio: 'inherit',
      cwd: ROOT,
      env: { ...process.env, BENCH_PII_PINNED: '1' },
    },
  );
  process.exitCode = child.status ?? 1;
  return true;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

async function time(
  name: string,
  corpus: Corpus,
  runs: number,
  detect: (text: string) => unknown[] | Promise<unknown[]>,
): Promise<Speed> {
  const mbS: number[] = [];
  let found = 0;
  const noise = watchForeignCpu();
  for (let r = 0; r < runs; r++) {
    found = 0;
    const t0 = performance.now();
    for (const doc of corpus.docs) {
      // Only the peer is asynchronous; awaiting the hub's plain arrays would time the microtasks.
      const result = detect(doc);
      const spans = result instanceof Promise ? await result : result;
      found += spans.length;
    }
    const s = (performance.now() - t0) / 1000;
    mbS.push(corpus.bytes / 1e6 / s);
    log(`  ${name} run ${r + 1}/${runs}: ${(corpus.bytes / 1e6 / s).toFixed(2)} MB/s`);
  }
  return {
    name,
    mb: corpus.bytes / 1e6,
    docs: corpus.docs.length,
    runs,
    medianMbS: median(mbS),
    minMbS: Math.min(...mbS),
    maxMbS: Math.max(...mbS),
    spansPerRun: found,
    otherCpuPct: noise().otherCpuPct,
  };
}

/** Labelled spans hit by any detection (type ignored), and detections where nothing is labelled. */
async function coverage(
  name: string,
  snippets: Snippet[],
  detect: (
    text: string,
  ) => Promise<{ start: number; end: number }[]> | { start: number; end: number }[],
): Promise<Coverage> {
  let labelled = 0;
  let hit = 0;
  let falseAlarms = 0;
  for (const s of snippets) {
    const found = await detect(s.text);
    labelled += s.spans.length;
    hit += s.spans.filter((l) => found.some((f) => f.start < l.end && l.start < f.end)).length;
    if (s.kind !== 'positive') falseAlarms += found.length;
  }
  const quiet = snippets.filter((s) => s.kind !== 'positive').length;
  return { name, labelled, hit, recall: hit / labelled, falseAlarms, quietSnippets: quiet };
}

async function main(): Promise<void> {
  const startedAt = new Date();
  const corpus = buildCorpus(options.mb);
  log(`corpus: ${corpus.docs.length} documents, ${(corpus.bytes / 1e6).toFixed(2)} MB UTF-8`);

  const t0 = performance.now();
  const detector: PiiDetector = createPiiDetector();
  detector.detect('联系人王建国先生，电话13800138000。');
  const startupMs = performance.now() - t0;
  const peer = await loadPeer();
  const warm = slice(corpus, 1);
  for (const d of warm.docs) detector.detect(d);
  for (const d of slice(corpus, 0.1).docs) await peer(d);

  const otherCpuBefore = await waitForQuiet(options.quietWaitS, log);
  const snippets = loadSnippets();
  const speeds: Speed[] = [
    await time('hub detector', corpus, options.runs, (t) => detector.detect(t)),
    await time('plain-regex baseline', corpus, options.runs, baselineDetect),
    await time(`peer ${PEER_NAME}`, slice(corpus, options.peerMb), options.peerRuns, peer),
  ];
  // The mix split: encyclopaedia prose alone, and the PII-dense snippets alone.
  const breakdown: Speed[] = [
    await time('hub, CMRC passages only', corpusOf(cmrcPassages()), options.runs, (t) =>
      detector.detect(t),
    ),
    await time(
      'hub, labelled snippets only',
      corpusOf(snippets.map((s) => s.text)),
      options.runs,
      (t) => detector.detect(t),
    ),
  ];
  log('accuracy on the labelled set …');
  const typed = evaluate(detector, snippets).scores;
  const covered: Coverage[] = [
    await coverage('hub detector', snippets, (t) => detector.detect(t)),
    await coverage('plain-regex baseline', snippets, baselineDetect),
    await coverage(`peer ${PEER_NAME}`, snippets, (t): Promise<PeerDetection[]> => peer(t)),
  ];

  const report: PiiReport = {
    startedAt: startedAt.toISOString(),
    finishedAt: new Date().toISOString(),
    environment: {
      node: process.version,
      cpu: os.cpus()[0]?.model ?? 'unknown',
      cpus: os.cpus().length,
      pinnedTo:
        process.env.BENCH_PII_PINNED === '1' ? `CPU ${options.cpu} (taskset)` : 'not pinned',
      otherCpuPctBefore: Math.round(otherCpuBefore),
      peer: `${PEER_NAME}@${PEER_VERSION}`,
    },
    corpus: {
      documents: corpus.docs.length,
      mb: Number((corpus.bytes / 1e6).toFixed(2)),
      chars: corpus.chars,
      copies: corpus.composition.copies,
      cmrcMbPerCopy: Number((corpus.composition.cmrcBytes / 1e6).toFixed(2)),
      snippetMbPerCopy: Number((corpus.composition.snippetBytes / 1e6).toFixed(2)),
    },
    startupMs,
    speeds,
    breakdown,
    typed,
    coverage: covered,
    target: {
      mbS: TARGET_MB_S,
      measured: speeds[0]!.medianMbS,
      pass: speeds[0]!.medianMbS >= TARGET_MB_S,
    },
  };
  log('');
  log(renderText(report));
  mkdirSync(options.outDir, { recursive: true });
  const stamp = startedAt.toISOString().slice(0, 19).replace(/:/g, '').replace('T', '-');
  const out = path.join(options.outDir, `pii-${stamp}`);
  writeFileSync(`${out}.json`, `${JSON.stringify(report, null, 2)}\n`);
  writeFileSync(`${out}.md`, renderMarkdown(report));
  log(`\nresults: ${path.relative(ROOT, out)}.md / .json`);
}

if (!pinned()) await main();
