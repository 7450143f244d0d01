import { createHash } from 'node:crypto';
import { open, rename, rm } from 'node:fs/promises';
import { and, eq, gte, lte } from 'drizzle-orm';
import { conflict } from '../errors.js';
import { schema, type Db } from '../store/index.js';
import {
  BUNDLE_FORMAT,
  BUNDLE_VERSION,
  csvHeader,
  entryRecord,
  signatureRecord,
  trailerRecord,
  type BundleCheckpoint,
  type Encoding,
  type Manifest,
} from './bundle.js';
import { GENESIS_HASH } from './chain.js';
import type { Ledger } from './ledger.js';
import { resolveRange, type RangeInput, type SeqRange } from './range.js';
import type { Signer } from './signer.js';
import {
  anchorFor,
  ChainWalk,
  CheckpointKeys,
  entryPages,
  snapshot,
  type Finding,
} from './verify.js';

export interface ExportOptions {
  range: SeqRange;
  /** What the caller asked for, recorded in the manifest. */
  requested: RangeInput;
  encoding: Encoding;
  signer: Signer;
  trustedKeys: readonly string[];
  /** Who exports: `user:<name>` or `operator:cli`. */
  exporter: string;
  /** With an open-ended range, sign the head first so every exported entry is under a checkpoint. */
  ledger?: Ledger;
}

type Row = typeof schema.ledgerCheckpoints.$inferSelect;
const cpView = (cp: Row): BundleCheckpoint => ({
  hash: cp.hash,
  signed_at: cp.signedAt.toISOString(),
  key_id: cp.keyId,
  public_key: cp.publicKey,
  signature: cp.signature,
});

const refused = (f: Finding) =>
  conflict(
    'ledger_verify_failed',
    `The ledger does not verify (first problem: entry ${f.seq}, ${f.problem}); nothing was exported. Run audit verify.`,
  );

/**
 * Write a signed bundle of the entries in `range` through `write`. The entries are verified on
 * the way out (the hub never signs a tampered chain as if it were sound): on a problem the export
 * fails with ledger_verify_failed, and the caller discards what was written.
 */
export async function writeBundle(
  db: Db,
  options: ExportOptions,
  write: (chunk: string) => Promise<void>,
): Promise<Manifest> {
  const keys = new CheckpointKeys(options.trustedKeys);
  if (options.range.to === undefined && !options.range.empty) await options.ledger?.checkpoint();
  const snap = await snapshot(db);
  const start = Math.max(options.range.from ?? 1, snap.oldest ?? 1);
  const end = Math.min(options.range.to ?? Infinity, snap.headSeq);
  const empty = options.range.empty === true || snap.oldest === null || start > end;

  let anchor: Manifest['anchor'] = null;
  if (!empty) anchor = await bundleAnchor(db, start, snap.oldest!, keys);
  const c = schema.ledgerCheckpoints;
  const checkpoints = empty
    ? []
    : await db
        .select()
        .from(c)
        .where(and(gte(c.seq, start), lte(c.seq, end)));
  const signed = new Map(checkpoints.map((cp) => [cp.seq, cp]));
  for (const cp of checkpoints)
    if (!keys.valid(cp)) throw refused({ seq: cp.seq, problem: 'bad_signature' });
  const orgs = new Map(
    (await db.select({ id: schema.orgs.id, code: schema.orgs.code }).from(schema.orgs)).map((o) => [
      o.id,
      o.code,
    ]),
  );

  const sm3 = createHash('sm3');
  const out = async (text: string) => {
    sm3.update(text);
    await write(text);
  };
  if (options.encoding === 'csv') await out(csvHeader());
  const walk = new ChainWalk(start, anchor?.hash ?? null);
  let firstAt: string | null = null;
  let lastAt: string | null = null;
  let chunk = '';
  if (!empty) {
    for await (const page of entryPages(db, start, end)) {
      for (const row of page) {
        const cp = signed.get(row.seq);
        if (!walk.step(row, cp?.hash)) throw refused(walk.found!);
        const at = row.at.toISOString();
        firstAt ??= at;
        lastAt = at;
        chunk += entryRecord(
          {
            seq: row.seq,
            at,
            actor: row.actor,
            org_id: row.orgId,
            org: row.orgId ? (orgs.get(row.orgId) ?? null) : null,
            action: row.action,
            object: row.object,
            outcome: row.outcome,
            ip: row.ip,
            request_id: row.requestId,
            detail: row.detail,
            prev_hash: row.prevHash,
            hash: row.hash,
            ...(cp ? { checkpoint: cpView(cp) } : {}),
          },
          options.encoding,
        );
      }
      await out(chunk);
      chunk = '';
    }
    if (walk.last.seq < end) throw refused({ seq: walk.last.seq + 1, problem: 'missing' });
  }

  const manifest: Manifest = {
    type: 'manifest',
    format: BUNDLE_FORMAT,
    version: BUNDLE_VERSION,
    encoding: options.encoding,
    range: {
      from_seq: empty ? null : start,
      to_seq: empty ? null : end,
      from_at: firstAt,
      to_at: lastAt,
      requested: {
        from: options.requested.from ?? null,
        to: options.requested.to ?? null,
        from_seq: options.requested.fromSeq ?? null,
        to_seq: options.requested.toSeq ?? null,
      },
    },
    counts: { entries: walk.entries, checkpoints: checkpoints.length },
    anchor,
    entries_sm3: sm3.digest('hex'),
    created_at: new Date().toISOString(),
    exporter: options.exporter,
    key_id: options.signer.keyId,
    public_key: options.signer.publicKey,
    trusted_keys: [...options.trustedKeys],
  };
  const text = JSON.stringify(manifest);
  const signature = signatureRecord(manifest, options.signer.sign(text));
  await write(trailerRecord(text, options.encoding));
  await write(trailerRecord(JSON.stringify(signature), options.encoding));
  return manifest;
}

/** The anchor as exported: with the checkpoint at `start - 1` when there is one, for the assessor to check. */
async function bundleAnchor(
  db: Db,
  start: number,
  oldest: number,
  keys: CheckpointKeys,
): Promise<NonNullable<Manifest['anchor']>> {
  if (start <= 1) return { seq: 0, hash: GENESIS_HASH, source: 'genesis', checkpoint: null };
  const c = schema.ledgerCheckpoints;
  const [cp] = await db
    .select()
    .from(c)
    .where(eq(c.seq, start - 1));
  const trusted = cp && keys.valid(cp) ? cp : null;
  if (start > oldest) {
    const e = schema.ledgerEntries;
    const [before] = await db
      .select({ hash: e.hash })
      .from(e)
      .where(eq(e.seq, start - 1));
    if (!before) throw refused({ seq: start - 1, problem: 'missing' });
    if (trusted && trusted.hash !== before.hash)
      throw refused({ seq: start - 1, problem: 'checkpoint_mismatch' });
    return trusted
      ? { seq: start - 1, hash: before.hash, source: 'checkpoint', checkpoint: cpView(trusted) }
      : { seq: start - 1, hash: before.hash, source: 'entry', checkpoint: null };
  }
  const found = await anchorFor(db, start, keys);
  if ('missingFrom' in found || !trusted) {
    throw refused({
      seq: 'missingFrom' in found ? found.missingFrom : start - 1,
      problem: 'missing',
    });
  }
  return { seq: start - 1, hash: found.hash, source: 'checkpoint', checkpoint: cpView(trusted) };
}

/**
 * Write a bundle to `file`: into a temporary file next to it first, renamed into place only
 * when complete, so a failed export never leaves a partial bundle under the requested name.
 */
export async function writeBundleFile(
  db: Db,
  options: ExportOptions,
  file: string,
): Promise<Manifest> {
  const partial = `${file}.partial-${process.pid}`;
  const handle = await open(partial, 'w', 0o600);
  try {
    const manifest = await writeBundle(db, options, (chunk) => handle.writeFile(chunk));
    await handle.close();
    await rename(partial, file);
    return manifest;
  } catch (err) {
    await handle.close().catch(() => {});
    await rm(partial, { force: true });
    throw err;
  }
}

/** Export the entries of a range given as times or sequence numbers into `file`. */
export async function exportLedger(
  db: Db,
  input: RangeInput,
  file: string,
  options: Omit<ExportOptions, 'range' | 'requested'>,
): Promise<Manifest> {
  const range = await resolveRange(db, input);
  return writeBundleFile(db, { ...options, range, requested: input }, file);
}
