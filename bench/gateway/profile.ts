/**
 * Summarise a V8 .cpuprofile (from `node --cpu-prof`): top functions by self time and, for the
 * hub's own code (dist/ → src/), by inclusive time; plus self time by area.
 * Usage: npx tsx bench/gateway/profile.ts <file.cpuprofile> [top=25] [skip start-up ms=0]
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
  columnNumber: number;
}

interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

export interface FunctionTime {
  name: string;
  where: string;
  area: string;
  selfMs: number;
  totalMs: number;
}

const ROOT = path.resolve(import.meta.dirname, '../..');

/** Where a frame lives: the hub's code (as its src/ path), a package, Node itself or V8. */
function locate(frame: CallFrame): { where: string; area: string } {
  const url = frame.url;
  const line = frame.lineNumber + 1;
  if (!url)
    return {
      where: '',
      area: frame.functionName.startsWith('(') ? frame.functionName : 'v8/native',
    };
  if (url.startsWith('node:')) return { where: `${url}:${line}`, area: 'node core' };
  if (url.startsWith('wasm:')) return { where: url, area: 'wasm (undici llhttp, PGlite)' };
  const file = url.startsWith('file://') ? new URL(url).pathname : url;
  const rel = path.relative(ROOT, file);
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(rel);
  if (pkg)
    return { where: `${rel.slice(rel.lastIndexOf('node_modules/') + 13)}:${line}`, area: pkg[1]! };
  if (rel.startsWith('dist/'))
    return {
      where: `${rel.replace(/^dist\//, 'src/').replace(/\.js$/, '.ts')}:~${line}`,
      area: 'hub src',
    };
  return { where: `${rel}:${line}`, area: 'other' };
}

/** `skipMs`: ignore samples taken in the first skipMs of the profile (start-up). */
export function analyse(
  profile: CpuProfile,
  skipMs = 0,
): {
  functions: FunctionTime[];
  areas: Map<string, number>;
  busyMs: number;
  wallMs: number;
} {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map<number, number>();
  let clock = 0;
  profile.samples.forEach((id, i) => {
    const delta = (profile.timeDeltas[i] ?? 0) / 1000;
    clock += delta;
    if (clock >= skipMs) self.set(id, (self.get(id) ?? 0) + delta);
  });
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);

  const functions = new Map<string, FunctionTime>();
  const areas = new Map<string, number>();
  let busyMs = 0;
  const keyOf = (n: ProfileNode) => {
    const f = n.callFrame;
    return `${f.functionName}|${f.url}|${f.lineNumber}|${f.columnNumber}`;
  };
  const entry = (n: ProfileNode): FunctionTime => {
    const key = keyOf(n);
    let e = functions.get(key);
    if (!e) {
      const { where, area } = locate(n.callFrame);
      e = { name: n.callFrame.functionName || '(anonymous)', where, area, selfMs: 0, totalMs: 0 };
      functions.set(key, e);
    }
    return e;
  };
  for (const [id, t] of self) {
    const node = byId.get(id);
    if (!node) continue;
    const e = entry(node);
    e.selfMs += t;
    if (e.area !== '(idle)') busyMs += t;
    areas.set(e.area, (areas.get(e.area) ?? 0) + t);
    // Inclusive time: charge each distinct function on the stack once.
    const seen = new Set<string>();
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const n = byId.get(cur)!;
      const key = keyOf(n);
      if (seen.has(key)) continue;
      seen.add(key);
      entry(n).totalMs += t;
    }
  }
  return {
    functions: [...functions.values()],
    areas,
    busyMs,
    wallMs: (profile.endTime - profile.startTime) / 1000 - skipMs,
  };
}

export function summarise(file: string, top = 25, skipMs = 0): string {
  const { functions, areas, busyMs, wallMs } = analyse(
    JSON.parse(readFileSync(file, 'utf8')) as CpuProfile,
    skipMs,
  );
  const pct = (v: number) => `${((100 * v) / busyMs).toFixed(1).padStart(5)}%`;
  const row = (f: FunctionTime, v: number) =>
    `${pct(v)} ${v.toFixed(0).padStart(7)} ms  ${f.name}  ${f.where || f.area}`;
  const out = [
    `${path.basename(file)}${skipMs ? ` after the first ${(skipMs / 1000).toFixed(1)} s (start-up)` : ''}: wall ${(wallMs / 1000).toFixed(1)} s, busy (non-idle) ${(busyMs / 1000).toFixed(1)} s; % of busy time`,
    '',
    'Self time by area:',
    ...[...areas]
      .filter(([a]) => a !== '(idle)')
      .sort((a, b) => b[1] - a[1])
      .slice(0, 15)
      .map(([a, v]) => `${pct(v)} ${v.toFixed(0).padStart(7)} ms  ${a}`),
    '',
    `Top ${top} functions by self time:`,
    ...functions
      .filter((f) => f.area !== '(idle)')
      .sort((a, b) => b.selfMs - a.selfMs)
      .slice(0, top)
      .map((f) => row(f, f.selfMs)),
    '',
    `Top ${top} hub (src/) functions by inclusive time:`,
    ...functions
      .filter((f) => f.area === 'hub src')
      .sort((a, b) => b.totalMs - a.totalMs)
      .slice(0, top)
      .map((f) => row(f, f.totalMs)),
  ];
  return out.join('\n');
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const file = process.argv[2];
  if (!file) {
    process.stderr.write('usage: tsx bench/gateway/profile.ts <file.cpuprofile> [top] [skipMs]\n');
    process.exitCode = 2;
  } else {
    const top = Number(process.argv[3] ?? 25);
    process.stdout.write(`${summarise(file, top, Number(process.argv[4] ?? 0))}\n`);
  }
}
