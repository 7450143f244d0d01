import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { checkpointMessage, entryHash } from '../../src/ledger/chain.js';
import { Ledger } from '../../src/ledger/ledger.js';
import { signerFromKey } from '../../src/ledger/signer.js';
import { verifyLedger } from '../../src/ledger/verify.js';
import { migrate, openStore, type Store } from '../../src/store/index.js';
import { MIGRATIONS } from '../../src/store/migrations/index.js';
import { freshServerDatabase, SERVER_URL } from '../support/hub.js';

const dataDir = mkdtempSync(path.join(tmpdir(), 'zs-upgrade-'));
let store: Store | null = null;
let drop: (() => Promise<void>) | null = null;

afterAll(async () => {
  await store?.close();
  await drop?.();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('upgrading a hub whose ledger predates partitioning (0002 → 0003)', () => {
  it('keeps every entry and checkpoint, and the chain still verifies and grows', async () => {
    const server = SERVER_URL ? await freshServerDatabase() : null;
    drop = server ? () => server.drop() : null;
    store = await openStore({ databaseUrl: server?.url, dataDir, migrate: false });
    const [m1, m2] = MIGRATIONS;
    await store.scriptTx(async (tx) => {
      await tx.exec(
        'CREATE TABLE zs_schema_migrations (id text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())',
      );
      for (const m of [m1!, m2!]) {
        await tx.exec(m.sql);
        await tx.query('INSERT INTO zs_schema_migrations (id) VALUES ($1)', [m.id]);
      }
    });
    const signer = signerFromKey(randomBytes(32).toString('hex'));
    const entry = (i: number) => ({
      at: new Date(Date.UTC(2026, 5, 1, 0, 0, i)),
      actor: 'user:sysadmin',
      orgId: null,
      action: 'key.create',
      object: `org-${i}`,
      outcome: 'ok',
      ip: null,
      requestId: `req-${i}`,
      detail: { n: i },
    });
    // What a hub of that version wrote: entries with plain INSERTs, the head, a signed checkpoint
    // every 10 entries (the ledger as 0002 left it; this build's writer needs migration 0004).
    let prev = '0'.repeat(64);
    await store.scriptTx(async (tx) => {
      for (let seq = 1; seq <= 25; seq++) {
        const e = entry(seq);
        const hash = entryHash(prev, seq, e);
        await tx.query(
          `INSERT INTO ledger_entries (seq, at, actor, org_id, action, object, outcome, ip, request_id, detail, prev_hash, hash)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
          [
            seq,
            e.at.toISOString(),
            e.actor,
            e.orgId,
            e.action,
            e.object,
            e.outcome,
            e.ip,
            e.requestId,
            JSON.stringify(e.detail),
            prev,
            hash,
          ],
        );
        prev = hash;
        if (seq % 10 === 0)
          await tx.query(
            `INSERT INTO ledger_checkpoints (seq, hash, signed_at, key_id, public_key, signature)
             VALUES ($1, $2, now(), $3, $4, $5)`,
            [seq, hash, signer.keyId, signer.publicKey, signer.sign(checkpointMessage(seq, hash))],
          );
      }
      await tx.query('UPDATE ledger_head SET seq = 25, hash = $1 WHERE id = 1', [prev]);
    });

    expect(await migrate(store)).toEqual(MIGRATIONS.slice(2).map((m) => m.id));

    const trustedKeys = [signer.publicKey];
    expect(await verifyLedger(store.db, { trustedKeys })).toMatchObject({
      ok: true,
      entries: 25,
      checkpoints: 2,
    });
    // A fresh Ledger object (as after a restart) appends onto the migrated chain.
    await new Ledger(store.db, signer, 10).append([entry(26)]);
    expect(await verifyLedger(store.db, { trustedKeys })).toMatchObject({ ok: true, entries: 26 });
    // The recreated table is append-only too.
    await expect(
      store.scriptTx((tx) => tx.exec(`UPDATE ledger_entries SET actor = 'x' WHERE seq = 3`)),
    ).rejects.toThrow(/append-only/);
  });
});
