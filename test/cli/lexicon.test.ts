import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { RISKS } from '../../src/guard/safety/index.js';
import { failed, runCli } from './run-cli.js';

const dir = mkdtempSync(path.join(tmpdir(), 'zs-lexicon-cli-'));
const write = (name: string, text: string) => {
  const file = path.join(dir, name);
  writeFileSync(file, text);
  return file;
};

/** A library meeting the requirement: 10,000 distinct terms, ≥200 per A.1 and ≥100 per A.2 risk. */
function fullLibrary(): string {
  const lines: string[] = [];
  let n = 0;
  for (const risk of RISKS) {
    const count = risk.id.startsWith('A.1') ? 200 : risk.id.startsWith('A.2') ? 100 : 0;
    for (let i = 0; i < count; i++) lines.push(`样例词${n++}\t${risk.id}`);
  }
  while (n < 10_000) lines.push(`样例词${n++}\tA.5.b\tflag`);
  return lines.join('\n');
}

interface Report {
  ok: boolean;
  terms: number;
  shortfalls: string[];
  errors: { line: number; message: string }[];
  per_risk: Record<string, number>;
}

describe('zhongshu lexicon check', () => {
  it('passes a library that meets the requirement', async () => {
    const result = await runCli(['lexicon', 'check', write('full.tsv', fullLibrary()), '--json']);
    expect(result.code, result.stderr).toBe(0);
    const report = JSON.parse(result.stdout) as Report;
    expect(report).toMatchObject({ ok: true, terms: 10_000, shortfalls: [], errors: [] });
    expect(report.per_risk['A.1.a']).toBe(200);
  });

  it('exits 1 naming bad records and shortfalls', async () => {
    const file = write('short.tsv', '样例违禁词\tA.1.a\n坏记录\tA.9.z\n');
    const result = await runCli(['lexicon', 'check', file]);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('line 2: unknown risk "A.9.z"');
    expect(result.stdout).toContain('short: total: 1 distinct terms, at least 10000 required');
    expect(result.stdout).toMatch(/A\.1\.a\s+1\s+煽动颠覆国家政权/);
    expect(result.stderr).toContain('1 bad records');
  });

  it('exits 2 on an unreadable file or a bad option', async () => {
    failed(await runCli(['lexicon', 'check', path.join(dir, 'absent.tsv')]), 2, 'ENOENT');
    failed(
      await runCli(['lexicon', 'check', write('x.tsv', 'a\tA.1.a'), '--max-gap', '9']),
      2,
      '--max-gap must be 0, 1, 2 or 3',
    );
  });
});
