import { createWriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream } from 'node:stream/web';
import { ZsError, type ErrorType } from '../errors.js';
import { actorLabel, type Principal } from '../identity/principal.js';
import { readManifest, type Encoding, type Manifest } from '../ledger/bundle.js';
import { exportLedger } from '../ledger/export.js';
import type { Ledger } from '../ledger/ledger.js';
import type { RangeInput } from '../ledger/range.js';
import { purgeExpired, type PurgeResult } from '../ledger/retention.js';
import type { Signer } from '../ledger/signer.js';
import { verifyRange, type LedgerVerifyReport } from '../ledger/verify.js';
import type { Db } from '../store/index.js';
import { audited } from '../ledger/audited.js';
import type { ActionRecord } from '../metering/recorder.js';

export interface ExportRequest {
  range: RangeInput;
  format: Encoding;
  /** The bundle file to write. */
  out: string;
}

/** The ledger commands, whether through a running hub or on the database directly. */
export interface AuditOps {
  verifyLedger(range: RangeInput): Promise<LedgerVerifyReport>;
  exportLedger(request: ExportRequest): Promise<Manifest>;
  purgeLedger(): Promise<PurgeResult>;
}

export interface DirectAuditDeps {
  db: Db;
  ledger: Ledger;
  signer: Signer;
  trusted: readonly string[];
  principal: Principal;
  retentionDays: number;
  rootId: string;
  record: (action: ActionRecord) => Promise<unknown>;
}

/** On the database: the same library calls the hub's routes make, audited the same way. */
export function directAuditOps(d: DirectAuditDeps): AuditOps {
  const exporter = actorLabel(d.principal);
  return {
    verifyLedger: (range) => verifyRange(d.db, range, { trustedKeys: d.trusted, signer: d.signer }),
    exportLedger: (r) =>
      audited(
        {
          record: d.record,
          ip: null,
          requestId: null,
          actor: d.principal,
          action: 'ledger.export',
          object: r.format,
        },
        () =>
          exportLedger(d.db, r.range, r.out, {
            encoding: r.format,
            signer: d.signer,
            trustedKeys: d.trusted,
            exporter,
            ledger: d.ledger,
          }),
        (m) => ({
          from_seq: m.range.from_seq,
          to_seq: m.range.to_seq,
          entries: m.counts.entries,
          entries_sm3: m.entries_sm3,
        }),
      ),
    purgeLedger: () =>
      purgeExpired(
        {
          db: d.db,
          ledger: d.ledger,
          trustedKeys: d.trusted,
          retentionDays: d.retentionDays,
          orgId: d.rootId,
        },
        { actor: exporter },
      ),
  };
}

type Call = <T>(method: string, path: string, body?: unknown) => Promise<T>;

const rangeBody = (r: RangeInput) => ({
  from: r.from,
  to: r.to,
  from_seq: r.fromSeq,
  to_seq: r.toSeq,
});

/** Through a running hub's management API, with its operator token. */
export function remoteAuditOps(url: string, token: string, call: Call): AuditOps {
  return {
    verifyLedger: (range) => {
      const query = new URLSearchParams();
      for (const [k, v] of Object.entries(rangeBody(range)))
        if (v !== undefined) query.set(k, String(v));
      return call('GET', `/api/v1/ledger/verify?${query.toString()}`);
    },
    async exportLedger(r) {
      const res = await fetch(`${url}/api/v1/ledger/export`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ ...rangeBody(r.range), format: r.format }),
      });
      if (!res.ok || !res.body) {
        const e = (
          (await res.json().catch(() => null)) as {
            error?: { message: string; code: string; type: ErrorType };
          } | null
        )?.error;
        throw new ZsError(
          res.status,
          e?.code ?? 'hub_error',
          e?.message ?? `hub answered HTTP ${res.status}`,
          e?.type ?? 'server_error',
        );
      }
      // Into a temporary file first: a broken transfer never leaves a bundle under the name.
      const partial = `${r.out}.partial-${process.pid}`;
      try {
        await pipeline(
          Readable.fromWeb(res.body as ReadableStream<Uint8Array>),
          createWriteStream(partial, { mode: 0o600 }),
        );
        await rename(partial, r.out);
      } catch (err) {
        await rm(partial, { force: true });
        throw err;
      }
      return readManifest(r.out);
    },
    purgeLedger: () => call('POST', '/api/v1/ledger/purge', {}),
  };
}
