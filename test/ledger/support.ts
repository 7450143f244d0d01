import { cpSync, mkdtempSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import { openStore, type Db, type Store } from '../../src/store/index.js';
import { runCli, type CliResult } from '../cli/run-cli.js';
import { freshServerDatabase, SERVER_URL, type TestHub } from '../support/hub.js';

/**
 * The hub's database from outside the hub, as an intruder with database rights (or an operator)
 * has it. Embedded PGlite has one owner, so the store is opened per use and closed again, and the
 * hub must be stopped first; on a PostgreSQL server one connection pool stays open.
 */
type Change = string[] | ((db: Db) => Promise<void>);

async function bypassing(
  db: { use<T>(fn: (db: Db) => Promise<T>): Promise<T> },
  change: Change,
): Promise<void> {
  await db.use((d) =>
    d.transaction(async (tx) => {
      await tx.execute(sql`SET LOCAL session_replication_role = replica`);
      if (typeof change === 'function') await change(tx);
      else for (const s of change) await tx.execute(sql.raw(s));
    }),
  );
}

export function outsideDb(hub: TestHub) {
  const server = hub.config.database_url;
  let shared: Store | null = null;
  const open = () => openStore({ databaseUrl: server, dataDir: hub.dataDir });
  return {
    async use<T>(fn: (db: Db) => Promise<T>): Promise<T> {
      if (server) {
        shared ??= await open();
        return fn(shared.db);
      }
      const store = await open();
      try {
        return await fn(store.db);
      } finally {
        await store.close();
      }
    },
    /**
     * Change the tables with the append-only triggers bypassed (a superuser setting), committed;
     * returns how to put things back. Embedded, that is a copy of the database files taken
     * before (opening PGlite again costs seconds); on a server, the `undo` statements.
     */
    async tamper(change: Change, undo: Change): Promise<() => Promise<void>> {
      const pg = path.join(hub.dataDir, 'pg');
      const copy = `${pg}.before-tamper`;
      if (!server) cpSync(pg, copy, { recursive: true });
      await bypassing(this, change);
      return async () => {
        if (server) return bypassing(this, undo);
        rmSync(pg, { recursive: true, force: true });
        renameSync(copy, pg);
      };
    },
    async close(): Promise<void> {
      await shared?.close();
      shared = null;
    },
  };
}

/** The CLI against the hub's config file (and, on a server, its database URL and master key). */
export function cliFor(hub: TestHub): (...args: string[]) => Promise<CliResult> {
  const env: Record<string, string> = hub.config.database_url
    ? { ZS_DATABASE_URL: hub.config.database_url, ZS_MASTER_KEY: hub.config.master_key! }
    : {};
  return (...args) => runCli(['-c', hub.config.source!, ...args], env);
}

/** A failed `--json` command: exit 1, the JSON result on stdout, the reason on stderr. */
export function failedJson<T>(result: CliResult): T {
  if (result.code !== 1)
    throw new Error(`expected exit 1, got ${result.code}: ${result.stderr || result.stdout}`);
  return JSON.parse(result.stdout) as T;
}

/** A new, migrated database of its own: PGlite in a temporary directory, or one on the server. */
export async function freshStore(): Promise<{ store: Store; close: () => Promise<void> }> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'zs-ledger-'));
  const server = SERVER_URL ? await freshServerDatabase() : null;
  const databaseUrl = server?.url;
  const drop = async () => server?.drop();
  const store = await openStore({ databaseUrl, dataDir });
  return {
    store,
    close: async () => {
      await store.close();
      await drop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
