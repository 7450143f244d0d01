import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import {
  BUNDLE_FORMAT,
  chainedEntry,
  CSV_BOM,
  CSV_COLUMNS,
  CsvReader,
  entryFromCsv,
  entryFromJson,
  signatureRecord,
  trailerRecord,
  type BundleCheckpoint,
  type BundleEntry,
  type CsvField,
  type Encoding,
  type Manifest,
  type SignatureRecord,
} from './bundle.js';
import { GENESIS_HASH } from './chain.js';
import { verifySignature } from './signer.js';
import { ChainWalk, CheckpointKeys, type Problem } from './verify.js';

export type BundleProblem =
  | Problem
  /** A record that is not what the format says belongs there. */
  | 'malformed'
  /** The manifest does not describe the file: SM3 of the entries, counts, range or anchor differ. */
  | 'manifest_mismatch'
  /** The manifest's SM2 signature does not verify. */
  | 'bad_manifest_signature'
  /** The bundle is signed by another key than the one given with --public-key. */
  | 'untrusted_key';

export interface BundleFinding {
  /** The entry concerned, when there is one. */
  seq: number | null;
  problem: BundleProblem;
  /** 1-based line of the file where the problem shows. */
  line: number;
  detail?: string;
}

export interface BundleVerifyResult {
  ok: boolean;
  bundle: string;
  encoding: Encoding | null;
  entries: number;
  checkpoints: number;
  first_bad: BundleFinding | null;
  problems: BundleFinding[];
  from_seq: number | null;
  to_seq: number | null;
  anchor: { seq: number; source: string } | null;
  /** The key the manifest signature was checked with, and where it came from. */
  key: { key_id: string | null; public_key: string | null; source: 'argument' | 'bundle' };
  created_at: string | null;
  exporter: string | null;
}

type Parsed = { header: true } | { trailer: string } | { entry: BundleEntry };

/** A checkpoint's SM2 signature, checked with its own key (trust comes from the manifest later). */
function signatureValid(seq: number, cp: BundleCheckpoint): boolean {
  if (typeof cp.public_key !== 'string' || typeof cp.signature !== 'string') return false;
  return new CheckpointKeys([cp.public_key]).valid({
    seq,
    hash: cp.hash,
    publicKey: cp.public_key,
    signature: cp.signature,
  });
}

/** The state of one bundle check, fed record by record in file order. */
class BundleCheck {
  readonly problems: BundleFinding[] = [];
  readonly sm3 = createHash('sm3');
  entries = 0;
  checkpoints = 0;
  first: { seq: number; prevHash: string; line: number } | null = null;
  last: BundleEntry | null = null;
  /** Checkpoint keys seen, and where first: trust is decided once the manifest is read. */
  readonly cpKeys = new Map<string, { seq: number; line: number }>();
  manifest: { text: string; line: number; entriesSm3: string } | null = null;
  signature: string | null = null;
  private walk: ChainWalk | null = null;
  /** After the first chain problem the rest would only repeat it. */
  private broken = false;

  add(f: BundleFinding): void {
    this.problems.push(f);
  }

  record(raw: string, line: number, encoding: Encoding, parse: () => Parsed): void {
    if (this.signature !== null) {
      this.add({ seq: null, problem: 'malformed', line, detail: 'data after the signature' });
      return;
    }
    let parsed: Parsed;
    try {
      parsed = parse();
    } catch (err) {
      this.add({ seq: null, problem: 'malformed', line, detail: (err as Error).message });
      if (!this.manifest) this.sm3.update(raw);
      return;
    }
    if ('trailer' in parsed) {
      // Written exactly one way: any other spelling of the same value is an edit.
      if (raw !== trailerRecord(parsed.trailer, encoding))
        this.add({ seq: null, problem: 'malformed', line, detail: 'trailer record altered' });
      if (!this.manifest)
        this.manifest = { text: parsed.trailer, line, entriesSm3: this.sm3.digest('hex') };
      else this.signature = parsed.trailer;
      return;
    }
    if (this.manifest) {
      this.add({ seq: null, problem: 'malformed', line, detail: 'a record after the manifest' });
      return;
    }
    this.sm3.update(raw);
    if ('entry' in parsed) this.entry(parsed.entry, line);
  }

  private entry(e: BundleEntry, line: number): void {
    this.entries += 1;
    this.first ??= { seq: e.seq, prevHash: e.prev_hash, line };
    this.last = e;
    const cp = e.checkpoint;
    if (cp) {
      this.checkpoints += 1;
      if (!this.cpKeys.has(cp.public_key)) this.cpKeys.set(cp.public_key, { seq: e.seq, line });
    }
    if (this.broken) return;
    this.walk ??= new ChainWalk(e.seq, null);
    if (cp && !signatureValid(e.seq, cp)) {
      this.add({ seq: e.seq, problem: 'bad_signature', line });
      this.broken = true;
    } else if (!this.walk.step(chainedEntry(e), cp?.hash)) {
      this.add({ ...this.walk.found!, line });
      this.broken = true;
    }
  }
}

/**
 * Check a bundle with nothing but the file (and, better, the hub's public key): the hash chain,
 * each checkpoint's SM2 signature, the anchor, the manifest's SM3 of the entries, and the
 * manifest's signature. Streams the file: memory stays flat however large the bundle.
 */
export async function verifyBundle(
  file: string,
  options: { publicKey?: string | undefined } = {},
): Promise<BundleVerifyResult> {
  const check = new BundleCheck();
  let encoding: Encoding | null = null;
  try {
    encoding = await readRecords(file, (raw, line, enc, parse) =>
      check.record(raw, line, enc, parse),
    );
  } catch (err) {
    check.add({ seq: null, problem: 'malformed', line: 0, detail: (err as Error).message });
  }
  const source = options.publicKey ? 'argument' : 'bundle';
  let manifest: Manifest | null = null;
  let key: BundleVerifyResult['key'] = {
    key_id: null,
    public_key: options.publicKey ?? null,
    source,
  };
  const m = check.manifest;
  if (!m || check.signature === null) {
    check.add({
      seq: null,
      problem: 'malformed',
      line: m?.line ?? 0,
      detail: 'no manifest and signature at the end of the file',
    });
  } else {
    try {
      manifest = JSON.parse(m.text) as Manifest;
      const signature = JSON.parse(check.signature) as SignatureRecord;
      if (manifest.type !== 'manifest' || manifest.format !== BUNDLE_FORMAT)
        throw new Error('not a zhongshu ledger bundle manifest');
      key = {
        key_id: manifest.key_id,
        public_key: options.publicKey ?? manifest.public_key,
        source,
      };
      checkManifest(check, manifest, signature, encoding, options.publicKey);
    } catch (err) {
      check.add({ seq: null, problem: 'malformed', line: m.line, detail: (err as Error).message });
    }
  }
  const problems = check.problems.sort((a, b) => a.line - b.line || (a.seq ?? 0) - (b.seq ?? 0));
  return {
    ok: problems.length === 0,
    bundle: file,
    encoding,
    entries: check.entries,
    checkpoints: check.checkpoints,
    first_bad: problems[0] ?? null,
    problems,
    from_seq: check.first?.seq ?? null,
    to_seq: check.last?.seq ?? null,
    anchor: manifest?.anchor ? { seq: manifest.anchor.seq, source: manifest.anchor.source } : null,
    key,
    created_at: manifest?.created_at ?? null,
    exporter: manifest?.exporter ?? null,
  };
}

/** Everything that needs the manifest: its signature, what it says about the file, the anchor. */
function checkManifest(
  check: BundleCheck,
  manifest: Manifest,
  signature: SignatureRecord,
  encoding: Encoding | null,
  givenKey: string | undefined,
): void {
  const line = check.manifest!.line;
  const publicKey = givenKey ?? manifest.public_key;
  if (givenKey && manifest.public_key !== givenKey)
    check.add({ seq: null, problem: 'untrusted_key', line: line + 1 });
  else if (
    !/^[0-9a-f]+$/.test(signature.signature) ||
    check.signature !== JSON.stringify(signatureRecord(manifest, signature.signature)) ||
    !verifySignature(check.manifest!.text, signature.signature, publicKey)
  )
    check.add({ seq: null, problem: 'bad_manifest_signature', line: line + 1 });

  const mismatch = (detail: string) =>
    check.add({ seq: null, problem: 'manifest_mismatch', line, detail });
  const { first, last } = check;
  if (manifest.encoding !== encoding) mismatch('encoding');
  if (manifest.entries_sm3 !== check.manifest!.entriesSm3) mismatch('entries_sm3');
  if (manifest.counts?.entries !== check.entries) mismatch('counts.entries');
  if (manifest.counts?.checkpoints !== check.checkpoints) mismatch('counts.checkpoints');
  if (
    manifest.range?.from_seq !== (first?.seq ?? null) ||
    manifest.range?.to_seq !== (last?.seq ?? null)
  )
    mismatch('range');

  // The first entry follows the anchor; a checkpoint anchor is signed by a key the hub trusts.
  const trusted = new Set([...(manifest.trusted_keys ?? []), publicKey]);
  const anchor = manifest.anchor;
  if (first && anchor) {
    if (
      anchor.seq !== first.seq - 1 ||
      anchor.hash !== first.prevHash ||
      (anchor.seq === 0 && anchor.hash !== GENESIS_HASH)
    )
      check.add({ seq: first.seq, problem: 'chain_broken', line: first.line });
    const cp = anchor.checkpoint;
    if (
      cp &&
      (cp.hash !== anchor.hash || !trusted.has(cp.public_key) || !signatureValid(anchor.seq, cp))
    )
      check.add({ seq: anchor.seq, problem: 'bad_signature', line });
  } else if (first || anchor) mismatch('anchor');
  for (const [pk, at] of check.cpKeys)
    if (!trusted.has(pk)) check.add({ seq: at.seq, problem: 'bad_signature', line: at.line });
}

type OnRecord = (raw: string, line: number, encoding: Encoding, parse: () => Parsed) => void;

/** Feed each record of the file, with its exact text; returns the encoding (from the first bytes). */
async function readRecords(file: string, onRecord: OnRecord): Promise<Encoding> {
  let encoding: Encoding | null = null;
  let line = 1;
  let pending = '';
  const csv = new CsvReader();
  const csvRecords = (records: { fields: CsvField[]; raw: string }[]) => {
    for (const r of records) {
      const at = line;
      for (const ch of r.raw) if (ch === '\n') line += 1;
      onRecord(r.raw, at, 'csv', () => csvRecord(r.fields, at));
    }
  };
  const jsonLine = (text: string) => {
    onRecord(text, line++, 'jsonl', () => {
      const value = JSON.parse(text) as unknown;
      if (value && typeof value === 'object' && 'type' in value)
        return { trailer: text.replace(/\r?\n$/, '') };
      return { entry: entryFromJson(value) };
    });
  };
  const stream = createReadStream(file, { encoding: 'utf8', highWaterMark: 1 << 20 });
  for await (const chunk of stream as AsyncIterable<string>) {
    encoding ??= chunk.startsWith(CSV_BOM) || chunk.startsWith('seq,') ? 'csv' : 'jsonl';
    if (encoding === 'csv') {
      csvRecords(csv.feed(chunk));
      continue;
    }
    pending += chunk;
    let pos = 0;
    for (let nl = pending.indexOf('\n'); nl >= 0; nl = pending.indexOf('\n', pos)) {
      jsonLine(pending.slice(pos, nl + 1));
      pos = nl + 1;
    }
    pending = pending.slice(pos);
  }
  if (!encoding) throw new Error('the file is empty');
  if (encoding === 'csv') csvRecords(csv.feed('', true));
  else if (pending) jsonLine(pending);
  return encoding;
}

function csvRecord(fields: CsvField[], line: number): Parsed {
  if (line === 1) {
    const names = fields.map((f, i) => (i === 0 ? f.value.replace(CSV_BOM, '') : f.value));
    if (names.join(',') !== CSV_COLUMNS.join(',')) throw new Error('not the bundle CSV header');
    return { header: true };
  }
  if (fields.length === 1 && fields[0]!.quoted) return { trailer: fields[0]!.value };
  return { entry: entryFromCsv(fields) };
}
