import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { loadMasterKey } from '../../src/crypto/master-key.js';
import { Sealer } from '../../src/crypto/sm.js';
import { loadSigner } from '../../src/ledger/signer.js';
import { verifyLedger } from '../../src/ledger/verify.js';
import { openStore } from '../../src/store/index.js';
import { childEnv } from './processes.js';
import { ROOT, type HubServer } from './servers.js';

const run = promisify(execFile);

export interface VerifyRun {
  /** What ran: the library call in the bench process, or the CLI as an operator runs it. */
  via: string;
  ok: boolean;
  entries: number;
  checkpoints: number;
  seconds: number;
  entriesPerS: number;
}

/**
 * How fast the whole ledger the load left behind verifies, after the hub has stopped (an embedded
 * database has one owner): `verifyLedger` with the keys `loadSigner` trusts, timed in this
 * process; and `zhongshu audit verify --json` when this build's CLI has it (including the CLI's
 * start-up, as an operator sees it).
 */
export async function measureVerify(hub: HubServer): Promise<VerifyRun[]> {
  const runs: VerifyRun[] = [];
  const store = await openStore({
    databaseUrl: hub.databaseUrl,
    dataDir: hub.dataDir,
    migrate: false,
  });
  try {
    const sealer = new Sealer(
      loadMasterKey({
        master_key: hub.masterKey,
        dataDir: hub.dataDir,
        embedded: !hub.databaseUrl,
      }),
    );
    const { trusted } = await loadSigner(store.db, sealer);
    const started = performance.now();
    const result = await verifyLedger(store.db, { trustedKeys: trusted });
    const seconds = (performance.now() - started) / 1000;
    runs.push({
      via: 'verifyLedger() (library, in the bench process)',
      ok: result.ok,
      entries: result.entries,
      checkpoints: result.checkpoints,
      seconds,
      entriesPerS: result.entries / seconds,
    });
  } finally {
    await store.close();
  }
  const cli = (...args: string[]) =>
    run(process.execPath, ['bin/zhongshu.js', '--config', hub.configFile, ...args], {
      cwd: ROOT,
      env: childEnv(),
      timeout: 600_000,
      maxBuffer: 16 * 1024 * 1024,
    });
  const help = await cli('audit', 'verify', '--help').catch(() => null);
  if (help?.stdout.includes('--json')) {
    const started = performance.now();
    // Exit code 1 means "not ok"; the JSON still says what was found.
    const out = await cli('audit', 'verify', '--json').catch((err: { stdout?: string }) => ({
      stdout: err.stdout ?? '{}',
    }));
    const seconds = (performance.now() - started) / 1000;
    const json = JSON.parse(out.stdout) as { ok?: boolean; entries?: number; checkpoints?: number };
    runs.push({
      via: '`zhongshu audit verify --json` (CLI, process start included)',
      ok: json.ok === true,
      entries: json.entries ?? 0,
      checkpoints: json.checkpoints ?? 0,
      seconds,
      entriesPerS: (json.entries ?? 0) / seconds,
    });
  }
  return runs;
}
