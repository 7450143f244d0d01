import { InvalidArgumentError } from 'commander';

/** CLI exit codes: 0 ok, 1 the operation failed, 2 the command line or config is wrong. */
export const EXIT = { ok: 0, failure: 1, usage: 2 } as const;

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

export function printTable(rows: Record<string, unknown>[], columns: string[]): void {
  if (!rows.length) {
    process.stdout.write('(none)\n');
    return;
  }
  const cell = (v: unknown): string => {
    if (v === null || v === undefined) return '-';
    if (v instanceof Date) return v.toISOString();
    if (Array.isArray(v)) return v.map(cell).join(',');
    if (typeof v !== 'string' && typeof v !== 'number' && typeof v !== 'boolean')
      return JSON.stringify(v);
    return String(v);
  };
  const widths = columns.map((c) => Math.max(c.length, ...rows.map((r) => cell(r[c]).length)));
  const line = (values: string[]) =>
    values
      .map((v, i) => v.padEnd(widths[i]!))
      .join('  ')
      .trimEnd();
  process.stdout.write(
    `${line(columns)}\n${rows.map((r) => line(columns.map((c) => cell(r[c])))).join('\n')}\n`,
  );
}

/**
 * An option parser that validates while the command line is parsed, so a malformed value is a
 * usage error (exit 2) and nothing is opened.
 */
export const checked =
  <T>(parse: (value: string) => T) =>
  (value: string): T => {
    try {
      return parse(value);
    } catch (err) {
      throw new InvalidArgumentError((err as Error).message);
    }
  };
