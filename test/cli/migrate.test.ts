import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { MIGRATIONS } from '../../src/store/migrations/index.js';
import { parsed, runCli } from './run-cli.js';

const dataDir = mkdtempSync(path.join(tmpdir(), 'zs-migrate-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

describe('zhongshu migrate', () => {
  it('reports what it applied, and nothing the second time', async () => {
    const first = parsed<{ applied: string[]; store: string }>(
      await runCli(['migrate', '--json'], { ZS_DATA_DIR: dataDir }),
    );
    expect(first).toEqual({ applied: MIGRATIONS.map((m) => m.id), store: 'pglite' });
    const second = parsed<{ applied: string[] }>(
      await runCli(['migrate', '--json'], { ZS_DATA_DIR: dataDir }),
    );
    expect(second.applied).toEqual([]);
  });
});
