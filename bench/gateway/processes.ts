import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { createInterface } from 'node:readline';

/**
 * Child processes of the benchmark: each server runs in its own process, optionally pinned to
 * CPUs with `taskset`, and every one of them is stopped when the benchmark ends however it ends
 * (normal exit, error, SIGINT/SIGTERM).
 */
export interface Child {
  name: string;
  proc: ChildProcess;
  logFile: string | null;
  exited: Promise<number | null>;
}

export interface SpawnOptions {
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** `taskset -c` CPU list, or null for no pinning. */
  cpus: string | null;
  /** Where stdout and stderr go; null pipes stdout to the parent (read it with firstLine). */
  logFile: string | null;
}

const children = new Set<Child>();
const cleanups: (() => void)[] = [];
let handlersInstalled = false;

/** Runs after the children are stopped when the bench is interrupted (SIGINT/SIGTERM). */
export function onInterrupt(fn: () => void): void {
  cleanups.push(fn);
}

export function spawnChild(name: string, command: string[], options: SpawnOptions): Child {
  installHandlers();
  const argv = options.cpus ? ['taskset', '-c', options.cpus, ...command] : command;
  const fd = options.logFile ? openSync(options.logFile, 'a') : null;
  const proc = spawn(argv[0]!, argv.slice(1), {
    cwd: options.cwd,
    env: options.env,
    stdio: ['ignore', fd ?? 'pipe', fd ?? 'inherit'],
  });
  if (fd !== null) closeSync(fd);
  const exited = new Promise<number | null>((resolve) => {
    proc.once('exit', (code) => resolve(code));
    proc.once('error', () => resolve(null));
  });
  const child: Child = { name, proc, logFile: options.logFile, exited };
  children.add(child);
  void exited.then(() => children.delete(child));
  return child;
}

/** The first stdout line of a piped child (bounded in time); the rest of stdout is drained. */
export function firstLine(child: Child, timeoutMs: number): Promise<string> {
  const stdout = child.proc.stdout;
  if (!stdout) return Promise.reject(new Error(`${child.name}: stdout is not piped`));
  return new Promise((resolve, reject) => {
    const lines = createInterface({ input: stdout });
    const timer = setTimeout(() => {
      lines.close();
      reject(new Error(`${child.name}: no output within ${timeoutMs} ms`));
    }, timeoutMs);
    lines.once('line', (line) => {
      clearTimeout(timer);
      lines.close();
      stdout.resume();
      resolve(line);
    });
    void child.exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`${child.name} exited with code ${code} before it was ready`));
    });
  });
}

/** SIGTERM, then SIGKILL after graceMs. */
export async function stopChild(child: Child, graceMs = 10_000): Promise<void> {
  if (child.proc.exitCode !== null || child.proc.signalCode !== null) return;
  child.proc.kill('SIGTERM');
  const timer = setTimeout(() => child.proc.kill('SIGKILL'), graceMs);
  await child.exited;
  clearTimeout(timer);
}

export async function stopAll(): Promise<void> {
  await Promise.all([...children].map((c) => stopChild(c)));
}

function killAllSync(): void {
  for (const child of children) {
    if (child.proc.exitCode === null && child.proc.signalCode === null) child.proc.kill('SIGKILL');
  }
}

function installHandlers(): void {
  if (handlersInstalled) return;
  handlersInstalled = true;
  process.once('exit', killAllSync);
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      process.stderr.write(`\nbench: ${signal}, stopping child processes…\n`);
      const hardStop = setTimeout(() => process.exit(130), 12_000);
      hardStop.unref();
      void stopAll().finally(() => {
        for (const fn of cleanups) fn();
        process.exit(130);
      });
    });
  }
}

/** A free TCP port on 127.0.0.1 (the OS picks it; a tiny race is acceptable for a benchmark). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Poll `url` until it answers with `status` (bounded by timeoutMs and the child staying alive). */
export async function waitForHttp(
  url: string,
  child: Child,
  timeoutMs: number,
  status = 200,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let exited = false;
  void child.exited.then(() => (exited = true));
  let last = 'no answer';
  while (Date.now() < deadline) {
    if (exited) throw new Error(`${child.name} exited before it was ready (see ${child.logFile})`);
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(2_000) });
      await res.arrayBuffer();
      if (res.status === status) return;
      last = `HTTP ${res.status}`;
    } catch (err) {
      last = (err as Error).message;
    }
    await sleep(200);
  }
  throw new Error(`${child.name} not ready at ${url} within ${timeoutMs} ms (${last})`);
}

/** Environment for a child: the parent's, without ZS_* overrides that would change the hub. */
export function childEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('ZS_')) env[k] = v;
  return { ...env, ...extra };
}

/**
 * CPU time (user + system, all threads) a child has used so far, in ms; NaN where /proc is
 * missing. Ticks are 10 ms (USER_HZ 100 on Linux), fine over multi-second runs.
 */
export function cpuTimeMs(child: Child): number {
  try {
    const stat = readFileSync(`/proc/${child.proc.pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return NaN;
  }
}

/** Machine-wide CPU from /proc/stat, ms summed over all CPUs: busy (without steal) and steal. */
export function machineCpuMs(): { busy: number; steal: number } {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n')[0]!;
    const [user, nice, system, , , irq, softirq, steal] = line
      .trim()
      .split(/\s+/)
      .slice(1)
      .map(Number);
    return {
      busy: ((user ?? 0) + (nice ?? 0) + (system ?? 0) + (irq ?? 0) + (softirq ?? 0)) * 10,
      steal: (steal ?? 0) * 10,
    };
  } catch {
    return { busy: NaN, steal: NaN };
  }
}

/** CPU ms used so far by the bench process and every child it started. */
export function ownCpuMs(): number {
  const self = process.cpuUsage();
  let total = (self.user + self.system) / 1000;
  for (const child of children) total += cpuTimeMs(child);
  return total;
}

/**
 * Watches for CPU used by processes that are not part of the benchmark (other jobs on a shared
 * machine), as a percentage of one CPU over the watched interval.
 */
export function watchForeignCpu(): () => { otherCpuPct: number; stealPct: number } {
  const t0 = performance.now();
  const m0 = machineCpuMs();
  const o0 = ownCpuMs();
  return () => {
    const wall = performance.now() - t0;
    const m1 = machineCpuMs();
    const other = m1.busy - m0.busy - (ownCpuMs() - o0);
    return {
      otherCpuPct: Math.max(0, (100 * other) / wall),
      stealPct: (100 * (m1.steal - m0.steal)) / wall,
    };
  };
}

const QUIET_PCT = 25;

/**
 * On a shared machine, wait (bounded) until other processes use < QUIET_PCT % of a CPU. Returns
 * the last reading.
 */
export async function waitForQuiet(maxS: number, log: (line: string) => void): Promise<number> {
  const stopAt = Date.now() + maxS * 1000;
  for (;;) {
    const noise = watchForeignCpu();
    await sleep(2_000);
    const { otherCpuPct } = noise();
    if (otherCpuPct < QUIET_PCT) return otherCpuPct;
    if (Date.now() >= stopAt) {
      log(`bench: other processes still use ${otherCpuPct.toFixed(0)}% CPU; measuring anyway`);
      return otherCpuPct;
    }
    log(`bench: other processes use ${otherCpuPct.toFixed(0)}% CPU; waiting for a quiet machine…`);
  }
}
