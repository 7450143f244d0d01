import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';

/** The package's bin, as an operator runs it; it loads the build in dist/ (`npm run build`). */
export const BIN = fileURLToPath(new URL('../../bin/zhongshu.js', import.meta.url));
const BUILT = fileURLToPath(new URL('../../dist/cli/index.js', import.meta.url));

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * The environment for a CLI child: this process's, without any ZS_* variable (the CLI rejects
 * unknown ones, e.g. ZS_TEST_DATABASE_URL), plus `extra`.
 */
export function cliEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env = Object.fromEntries(
    Object.entries(process.env).filter(([name]) => !name.startsWith('ZS_')),
  );
  return { ...env, ...extra };
}

export function runCli(args: string[], env: Record<string, string> = {}): Promise<CliResult> {
  if (!existsSync(BUILT)) throw new Error('dist/ is missing: run `npm run build` first');
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [BIN, ...args],
      { env: cliEnv(env), timeout: 60_000 },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

/** Exit 0 and JSON on stdout. */
export function parsed<T>(result: CliResult): T {
  expect(result.code, result.stderr).toBe(0);
  return JSON.parse(result.stdout) as T;
}

/** A non-zero exit with `text` in the message on stderr and nothing on stdout. */
export function failed(result: CliResult, code: 1 | 2, text: string): void {
  expect({ code: result.code, stdout: result.stdout }, result.stderr).toEqual({ code, stdout: '' });
  expect(result.stderr).toContain(text);
}
