import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { sql, type SQL } from 'drizzle-orm';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import * as schema from './schema.js';
import { MIGRATIONS } from './migrations/index.js';

export type Db = PgDatabase<PgQueryResultHKT, typeof schema>;

export interface Store {
  db: Db;
  kind: 'pglite' | 'postgres';
  /**
   * Runs `fn` in one transaction on one connection, with a simple-protocol `exec` for scripts of
   * several statements (migrations) and `query` for single parameterless reads.
   */
  scriptTx(fn: (tx: ScriptTx) => Promise<void>): Promise<void>;
  close(): Promise<void>;
}

export interface ScriptTx {
  exec(script: string): Promise<void>;
  query<T>(text: string, params?: unknown[]): Promise<T[]>;
}

export interface StoreOptions {
  /** postgres://… for server mode; otherwise PGlite under `dataDir/pg`. */
  databaseUrl?: string | undefined;
  dataDir: string;
  /** Apply pending migrations on open (default); `zhongshu migrate` opens without, to report them. */
  migrate?: boolean;
}

export async function openStore(options: StoreOptions): Promise<Store> {
  const store = options.databaseUrl
    ? await openServer(options.databaseUrl)
    : await openEmbedded(options.dataDir);
  if (options.migrate !== false) {
    await migrate(store).catch(async (err: unknown) => {
      await store.close();
      throw err;
    });
  }
  return store;
}

async function openEmbedded(dataDir: string): Promise<Store> {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const { PGlite } = await import('@electric-sql/pglite');
  const { drizzle } = await import('drizzle-orm/pglite');
  const client = await PGlite.create({ dataDir: path.join(dataDir, 'pg') });
  return {
    db: drizzle({ client, schema }) as unknown as Db,
    kind: 'pglite',
    scriptTx: (fn) =>
      client.transaction(async (tx) => {
        await fn({
          exec: async (script) => {
            await tx.exec(script);
          },
          query: async <T>(text: string, params: unknown[] = []) =>
            (await tx.query<T>(text, params)).rows,
        });
      }),
    close: () => client.close(),
  };
}

async function openServer(url: string): Promise<Store> {
  const { default: pg } = await import('pg');
  const { drizzle } = await import('drizzle-orm/node-postgres');
  const pool = new pg.Pool({ connectionString: url, max: 10 });
  // An idle client that loses its server must not crash the hub; the next query reconnects.
  pool.on('error', () => {});
  return {
    db: drizzle({ client: pool, schema }) as unknown as Db,
    kind: 'postgres',
    scriptTx: async (fn) => {
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        await fn({
          exec: async (script) => {
            await client.query(script);
          },
          query: async <T>(text: string, params: unknown[] = []) =>
            (await client.query(text, params)).rows as T[],
        });
        await client.query('COMMIT');
      } catch (err) {
        await client.query('ROLLBACK').catch(() => {});
        throw err;
      } finally {
        client.release();
      }
    },
    close: () => pool.end(),
  };
}

/**
 * Applies pending migrations. On a server several hubs may start at once, so the work happens
 * under a transaction-scoped advisory lock; PGlite has one owner and needs none.
 */
export async function migrate(store: Store): Promise<string[]> {
  const applied: string[] = [];
  await store.scriptTx(async (tx) => {
    if (store.kind === 'postgres') await tx.query('SELECT pg_advisory_xact_lock(20260001)');
    await tx.exec(
      'CREATE TABLE IF NOT EXISTS zs_schema_migrations (id text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())',
    );
    const rows = await tx.query<{ id: string }>('SELECT id FROM zs_schema_migrations');
    const done = new Set(rows.map((r) => r.id));
    for (const migration of MIGRATIONS) {
      if (done.has(migration.id)) continue;
      await tx.exec(migration.sql);
      await tx.query('INSERT INTO zs_schema_migrations (id) VALUES ($1)', [migration.id]);
      applied.push(migration.id);
    }
  });
  return applied;
}

/** Tell every hub process sharing this database that keys or the registry changed. */
export async function bumpChangeVersion(db: Db): Promise<void> {
  await db.execute(sql`UPDATE zs_state SET value = value + 1 WHERE key = 'change_version'`);
}

export async function readChangeVersion(db: Db): Promise<number> {
  const rows = await queryRows<{ value: string | number }>(
    db,
    sql`SELECT value FROM zs_state WHERE key = 'change_version'`,
  );
  return Number(rows[0]?.value ?? 0);
}

/** Raw SQL rows; PGlite and node-postgres both answer `{ rows }`. */
export async function queryRows<T>(db: Pick<Db, 'execute'>, query: SQL): Promise<T[]> {
  const result = (await db.execute(query)) as { rows: T[] };
  return result.rows;
}
