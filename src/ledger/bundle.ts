import { open } from 'node:fs/promises';
import type { LedgerEntry } from './chain.js';
import type { EntryView } from './entries.js';
import { SM2_USER_ID } from './signer.js';

/**
 * The export bundle an assessor receives (docs/ledger.md, "Export bundles"): one file, either
 * JSON Lines or CSV. The entries come first, each carrying the signed checkpoint at its sequence
 * number if there is one; then a manifest record; then a signature record over the manifest's
 * exact text. The manifest holds the SM3 of every byte before it, so any edit anywhere shows.
 */
export const BUNDLE_FORMAT = 'zhongshu-ledger-bundle';
export const BUNDLE_VERSION = 1;

export type Encoding = 'jsonl' | 'csv';

export interface BundleCheckpoint {
  hash: string;
  signed_at: string;
  key_id: string;
  public_key: string;
  signature: string;
}

/**
 * One entry as exported: the API's view (the organisation's code, not part of the hash, is covered
 * by the manifest's SM3), its time as text, and its checkpoint.
 */
export interface BundleEntry extends Omit<EntryView, 'at'> {
  at: string;
  checkpoint?: BundleCheckpoint;
}

export interface Manifest {
  type: 'manifest';
  format: typeof BUNDLE_FORMAT;
  version: number;
  encoding: Encoding;
  range: {
    from_seq: number | null;
    to_seq: number | null;
    from_at: string | null;
    to_at: string | null;
    /** What the exporter asked for (times or sequence numbers), for the record. */
    requested: Record<string, string | number | null>;
  };
  counts: { entries: number; checkpoints: number };
  /** The hash the first entry follows: genesis (seq 0), a signed checkpoint, or the entry before. */
  anchor: {
    seq: number;
    hash: string;
    source: 'genesis' | 'checkpoint' | 'entry';
    checkpoint: BundleCheckpoint | null;
  } | null;
  /** SM3 (hex) of every byte of the file before the manifest record. */
  entries_sm3: string;
  created_at: string;
  exporter: string;
  key_id: string;
  public_key: string;
  /** The keys whose checkpoints the exporting hub accepts (its own, and earlier ones). */
  trusted_keys: string[];
}

export interface SignatureRecord {
  type: 'signature';
  algorithm: 'SM2-SM3';
  user_id: string;
  key_id: string;
  public_key: string;
  /** DER, hex, over the UTF-8 text of the manifest record exactly as it appears in the file. */
  signature: string;
}

export const CSV_COLUMNS = [
  'seq',
  'at',
  'actor',
  'org_id',
  'org',
  'action',
  'object',
  'outcome',
  'ip',
  'request_id',
  'detail',
  'prev_hash',
  'hash',
  'checkpoint_hash',
  'checkpoint_signed_at',
  'checkpoint_key_id',
  'checkpoint_public_key',
  'checkpoint_signature',
] as const;

/** Excel reads a CSV as UTF-8 (and so shows Chinese text) only with a byte-order mark. */
export const CSV_BOM = '\uFEFF';
const CRLF = '\r\n';

/** A CSV field: null is an empty unquoted field; every string is quoted, so "" is the empty string. */
const csvField = (v: string | number | null): string =>
  v === null ? '' : typeof v === 'number' ? String(v) : `"${v.replaceAll('"', '""')}"`;

export const csvRow = (values: readonly (string | number | null)[]): string =>
  values.map(csvField).join(',') + CRLF;

export const csvHeader = (): string => CSV_BOM + CSV_COLUMNS.join(',') + CRLF;

export function entryRecord(e: BundleEntry, encoding: Encoding): string {
  if (encoding === 'jsonl') return `${JSON.stringify(e)}\n`;
  const cp = e.checkpoint;
  return csvRow([
    e.seq,
    e.at,
    e.actor,
    e.org_id,
    e.org,
    e.action,
    e.object,
    e.outcome,
    e.ip,
    e.request_id,
    e.detail === null ? null : JSON.stringify(e.detail),
    e.prev_hash,
    e.hash,
    cp?.hash ?? null,
    cp?.signed_at ?? null,
    cp?.key_id ?? null,
    cp?.public_key ?? null,
    cp?.signature ?? null,
  ]);
}

/** The signature record for a manifest, in its one written form (field order included). */
export const signatureRecord = (
  m: Pick<Manifest, 'key_id' | 'public_key'>,
  signature: string,
): SignatureRecord => ({
  type: 'signature',
  algorithm: 'SM2-SM3',
  user_id: SM2_USER_ID,
  key_id: m.key_id,
  public_key: m.public_key,
  signature,
});

/** The manifest and signature records: a JSON line each, or a CSV row of one quoted JSON cell. */
export const trailerRecord = (json: string, encoding: Encoding): string =>
  encoding === 'jsonl' ? `${json}\n` : csvRow([json]);

/** The chained part of an exported entry, as the hash rule reads it. */
export function chainedEntry(e: BundleEntry): LedgerEntry {
  return {
    seq: e.seq,
    at: new Date(e.at),
    actor: e.actor,
    orgId: e.org_id,
    action: e.action,
    object: e.object,
    outcome: e.outcome,
    ip: e.ip,
    requestId: e.request_id,
    detail: e.detail,
    prevHash: e.prev_hash,
    hash: e.hash,
  };
}

export interface CsvField {
  value: string;
  quoted: boolean;
}

/**
 * RFC 4180 records from a stream of text, each with its raw text (so the verifier can hash the
 * exact bytes). Unlike most CSV readers it keeps whether a field was quoted: that is how null
 * (empty, unquoted) and the empty string ("") differ.
 */
export class CsvReader {
  private buf = '';

  feed(chunk: string, final = false): { fields: CsvField[]; raw: string }[] {
    this.buf += chunk;
    const out: { fields: CsvField[]; raw: string }[] = [];
    let pos = 0;
    for (;;) {
      const record = parseRecord(this.buf, pos, final);
      if (!record) break;
      out.push({ fields: record.fields, raw: this.buf.slice(pos, record.end) });
      pos = record.end;
    }
    this.buf = this.buf.slice(pos);
    if (final && this.buf) throw new Error('unterminated quoted field at the end of the file');
    return out;
  }
}

/** One record starting at `pos`, or null if it is not complete yet (or nothing is left). */
function parseRecord(
  s: string,
  pos: number,
  final: boolean,
): { fields: CsvField[]; end: number } | null {
  if (pos >= s.length) return null;
  const fields: CsvField[] = [];
  let i = pos;
  for (;;) {
    if (s[i] === '"') {
      let value = '';
      let j = i + 1;
      for (;;) {
        const q = s.indexOf('"', j);
        if (q < 0) return null;
        value += s.slice(j, q);
        if (s[q + 1] === '"') {
          value += '"';
          j = q + 2;
          continue;
        }
        if (q + 1 >= s.length && !final) return null;
        i = q + 1;
        break;
      }
      fields.push({ value, quoted: true });
    } else {
      let j = i;
      while (j < s.length && s[j] !== ',' && s[j] !== '\n' && s[j] !== '\r') j++;
      if (j >= s.length && !final) return null;
      fields.push({ value: s.slice(i, j), quoted: false });
      i = j;
    }
    const c = s[i];
    if (c === ',') i += 1;
    else if (c === '\n') return { fields, end: i + 1 };
    else if (c === '\r') {
      if (i + 1 >= s.length && !final) return null;
      return { fields, end: s[i + 1] === '\n' ? i + 2 : i + 1 };
    } else if (i >= s.length) return { fields, end: i };
    else throw new Error(`unexpected character after a quoted field: ${JSON.stringify(c)}`);
  }
}

/** An entry from its CSV fields (column order as CSV_COLUMNS); throws on a malformed row. */
export function entryFromCsv(fields: readonly CsvField[]): BundleEntry {
  if (fields.length !== CSV_COLUMNS.length)
    throw new Error(`expected ${CSV_COLUMNS.length} columns, found ${fields.length}`);
  const get = (i: number): string | null => {
    const f = fields[i]!;
    return !f.quoted && f.value === '' ? null : f.value;
  };
  const need = (i: number): string => {
    const v = get(i);
    if (v === null) throw new Error(`column ${CSV_COLUMNS[i]} is empty`);
    return v;
  };
  const seq = Number(need(0));
  if (!Number.isSafeInteger(seq)) throw new Error('seq is not a whole number');
  const detail = get(10);
  const cpHash = get(13);
  const entry: BundleEntry = {
    seq,
    at: need(1),
    actor: need(2),
    org_id: get(3),
    org: get(4),
    action: need(5),
    object: get(6),
    outcome: need(7),
    ip: get(8),
    request_id: get(9),
    detail: detail === null ? null : (JSON.parse(detail) as Record<string, unknown>),
    prev_hash: need(11),
    hash: need(12),
  };
  if (cpHash !== null)
    entry.checkpoint = {
      hash: cpHash,
      signed_at: need(14),
      key_id: need(15),
      public_key: need(16),
      signature: need(17),
    };
  return entry;
}

/** An entry from a JSON line; throws unless the fields have the expected types. */
export function entryFromJson(value: unknown): BundleEntry {
  const e = value as BundleEntry;
  const str = (v: unknown) => typeof v === 'string';
  const opt = (v: unknown) => v === null || typeof v === 'string';
  const ok =
    typeof e === 'object' &&
    e !== null &&
    Number.isSafeInteger(e.seq) &&
    str(e.at) &&
    str(e.actor) &&
    opt(e.org_id) &&
    str(e.action) &&
    opt(e.object) &&
    str(e.outcome) &&
    opt(e.ip) &&
    opt(e.request_id) &&
    (e.detail === null || (typeof e.detail === 'object' && !Array.isArray(e.detail))) &&
    str(e.prev_hash) &&
    str(e.hash);
  if (!ok) throw new Error('not a ledger entry');
  return e;
}

/** The manifest of a bundle file, read from its end (for reporting what was written or received). */
export async function readManifest(file: string): Promise<Manifest> {
  const handle = await open(file, 'r');
  try {
    const { size } = await handle.stat();
    const length = Math.min(size, 256 * 1024);
    const buf = Buffer.alloc(length);
    await handle.read(buf, 0, length, size - length);
    const tail = buf.toString('utf8');
    const csv = tail.lastIndexOf('"{""type"":""manifest""');
    const json = tail.lastIndexOf('{"type":"manifest"');
    let text: string | undefined;
    if (csv >= 0) text = new CsvReader().feed(tail.slice(csv), true)[0]?.fields[0]?.value;
    else if (json >= 0) text = tail.slice(json, tail.indexOf('\n', json));
    if (!text) throw new Error(`${file} has no bundle manifest at its end`);
    return JSON.parse(text) as Manifest;
  } finally {
    await handle.close();
  }
}
