import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyBundle, type BundleVerifyResult } from '../../src/ledger/bundle-verify.js';
import type { Encoding, Manifest } from '../../src/ledger/bundle.js';
import type { LedgerEntryInput } from '../../src/ledger/chain.js';
import { writeBundleFile, type ExportOptions } from '../../src/ledger/export.js';
import { Ledger } from '../../src/ledger/ledger.js';
import { signerFromKey } from '../../src/ledger/signer.js';
import type { Store } from '../../src/store/index.js';
import { runCli } from '../cli/run-cli.js';
import { freshStore } from './support.js';

/**
 * Export bundles, checked the way an assessor checks them: from the file alone. Every kind of
 * edit (to any line, in either encoding) must be caught.
 */
const signer = signerFromKey(randomBytes(32).toString('hex'));
const dir = mkdtempSync(path.join(tmpdir(), 'zs-bundle-'));
let store: Store;
let close: () => Promise<void>;
let ledger: Ledger;
const files = {} as Record<Encoding, string>;

const entry = (i: number): LedgerEntryInput => ({
  at: new Date(Date.UTC(2026, 4, 1, 8, 0, i)),
  actor: i % 2 ? `key:${randomUUID()}` : 'user:sysadmin',
  orgId: i % 3 ? randomUUID() : null,
  action: i % 2 ? 'call.chat' : 'key.create',
  // Null and the empty string must survive CSV as themselves.
  object: i % 5 === 0 ? null : i % 5 === 1 ? '' : `对象,"${i}"\n第二行`,
  outcome: 'ok',
  ip: i % 4 ? '10.0.0.1' : null,
  requestId: `req-${i}`,
  detail: i % 6 ? { usage: { prompt_tokens: i }, note: '市民热线, "quoted"', n: i / 4 } : null,
});

const exportTo = (file: string, encoding: Encoding, range: ExportOptions['range'] = {}) =>
  writeBundleFile(
    store.db,
    {
      range,
      requested: {},
      encoding,
      signer,
      trustedKeys: [signer.publicKey],
      exporter: 'user:auditor',
      ledger,
    },
    file,
  );

beforeAll(async () => {
  ({ store, close } = await freshStore());
  ledger = new Ledger(store.db, signer, 10);
  // Appends of 10, 10, 10 and 3: checkpoints at 10, 20 and 30.
  for (let i = 1; i <= 33; i += 10)
    await ledger.append(Array.from({ length: Math.min(10, 34 - i) }, (_, k) => entry(i + k)));
  for (const encoding of ['jsonl', 'csv'] as const) {
    files[encoding] = path.join(dir, `all.${encoding}`);
    await exportTo(files[encoding], encoding);
  }
});

afterAll(async () => {
  await close?.();
  rmSync(dir, { recursive: true, force: true });
});

/** Write `text` as a variant of a bundle and check it. */
async function check(text: string, publicKey: string | null = signer.publicKey) {
  const file = path.join(dir, `variant-${randomBytes(4).toString('hex')}`);
  writeFileSync(file, text);
  try {
    return await verifyBundle(file, { publicKey: publicKey ?? undefined });
  } finally {
    rmSync(file);
  }
}

/** Lines with their terminators, so joining them gives the file back byte for byte. */
const lines = (text: string) => text.match(/[^\n]*\n|[^\n]+$/g)!;

describe.each(['jsonl', 'csv'] as const)('a %s bundle', (encoding) => {
  const text = () => readFileSync(files[encoding], 'utf8');

  it('verifies offline: chain, checkpoints, anchor, manifest and its signature', async () => {
    const result = await verifyBundle(files[encoding], { publicKey: signer.publicKey });
    expect(result).toMatchObject({
      ok: true,
      encoding,
      entries: 33,
      // 10, 20, 30 on the way, and 33: the export signs the head first.
      checkpoints: 4,
      from_seq: 1,
      to_seq: 33,
      anchor: { seq: 0, source: 'genesis' },
      key: { key_id: signer.keyId, public_key: signer.publicKey, source: 'argument' },
      exporter: 'user:auditor',
      first_bad: null,
    });
    // Without a key given, the bundle's own key is used, and the result says so.
    expect((await verifyBundle(files[encoding])).key.source).toBe('bundle');
  });

  it('keeps every value exactly: null and "" apart, commas, quotes, newlines, Chinese text', async () => {
    // entry() gives objects null (i % 5 = 0), "" (i % 5 = 1) and text with a comma, quotes and a
    // line break; the chain, recomputed from the values read back, only matches if none changed.
    expect(text()).toContain('市民热线');
    expect(await verifyBundle(files[encoding])).toMatchObject({ ok: true, entries: 33 });
  });

  it('catches a change to any character of any line', async () => {
    const original = lines(text());
    const missed: string[] = [];
    for (let i = 0; i < original.length; i++) {
      const line = original[i]!.replace(/\r?\n$/, '');
      for (const at of new Set([1, Math.floor(line.length / 2), line.length - 2])) {
        const changed = [...original];
        changed[i] = line.slice(0, at) + other(line[at]!) + original[i]!.slice(at + 1);
        const result = await check(changed.join(''));
        if (result.ok) missed.push(`line ${i + 1} at ${at}`);
      }
    }
    expect(missed).toEqual([]);
  });

  it('catches a removed, repeated or moved line, a changed line ending, and anything appended', async () => {
    const original = lines(text());
    const variants: [string, string[]][] = [];
    for (let i = 0; i < original.length; i++)
      variants.push([`without line ${i + 1}`, original.filter((_, k) => k !== i)]);
    variants.push(['line 5 twice', [...original.slice(0, 5), original[4]!, ...original.slice(5)]]);
    variants.push([
      'lines 6 and 7 swapped',
      [...original.slice(0, 5), original[6]!, original[5]!, ...original.slice(7)],
    ]);
    variants.push(['a blank line at the end', [...original, '\n']]);
    variants.push([
      'no newline at the end',
      [...original.slice(0, -1), original.at(-1)!.replace(/\r?\n$/, '')],
    ]);
    variants.push([
      'CRLF / LF flipped on line 3',
      original.map((l, k) =>
        k !== 2 ? l : l.endsWith('\r\n') ? l.replace(/\r\n$/, '\n') : l.replace(/\n$/, '\r\n'),
      ),
    ]);
    const missed: string[] = [];
    for (const [name, variant] of variants)
      if ((await check(variant.join(''))).ok) missed.push(name);
    expect(missed).toEqual([]);
  });

  it('names the entry when its content was changed', async () => {
    const changed = text().replace('req-17', 'req-99');
    expect((await check(changed)).problems).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ seq: 17, problem: 'modified' }),
        expect.objectContaining({ problem: 'manifest_mismatch', detail: 'entries_sm3' }),
      ]),
    );
  });

  it('catches a bundle re-signed with another key when the hub’s key is given', async () => {
    const intruder = signerFromKey(randomBytes(32).toString('hex'));
    const original = lines(text());
    const manifestLine = original.at(-2)!;
    const unquote = (l: string) =>
      encoding === 'csv' ? l.slice(1, -3).replaceAll('""', '"') : l.slice(0, -1);
    const quote = (json: string) =>
      encoding === 'csv' ? `"${json.replaceAll('"', '""')}"\r\n` : `${json}\n`;
    const manifest = JSON.parse(unquote(manifestLine)) as Manifest;
    const forged = JSON.stringify({
      ...manifest,
      key_id: intruder.keyId,
      public_key: intruder.publicKey,
      trusted_keys: [intruder.publicKey, signer.publicKey],
    });
    const signature = JSON.stringify({
      type: 'signature',
      algorithm: 'SM2-SM3',
      user_id: '1234567812345678',
      key_id: intruder.keyId,
      public_key: intruder.publicKey,
      signature: intruder.sign(forged),
    });
    const resigned = [...original.slice(0, -2), quote(forged), quote(signature)].join('');
    // Self-consistent: on its own key the bundle checks out, which is why the result names the key.
    const alone = await check(resigned, null);
    expect(alone).toMatchObject({ ok: true, key: { key_id: intruder.keyId, source: 'bundle' } });
    expect((await check(resigned)).first_bad).toMatchObject({ problem: 'untrusted_key' });
  });
});

describe('ranges', () => {
  it('anchors a range at the checkpoint before it, or at the entry before it', async () => {
    const atCheckpoint = path.join(dir, 'from-11.jsonl');
    const manifest = await exportTo(atCheckpoint, 'jsonl', { from: 11, to: 25 });
    expect(manifest).toMatchObject({
      range: { from_seq: 11, to_seq: 25 },
      counts: { entries: 15, checkpoints: 1 },
      anchor: { seq: 10, source: 'checkpoint' },
    });
    expect(await verifyBundle(atCheckpoint, { publicKey: signer.publicKey })).toMatchObject({
      ok: true,
      entries: 15,
      anchor: { seq: 10, source: 'checkpoint' },
    });
    const midway = path.join(dir, 'from-14.csv');
    expect((await exportTo(midway, 'csv', { from: 14 })).anchor).toMatchObject({
      seq: 13,
      source: 'entry',
    });
    expect((await verifyBundle(midway, { publicKey: signer.publicKey })).ok).toBe(true);
    const empty = path.join(dir, 'empty.jsonl');
    expect((await exportTo(empty, 'jsonl', { empty: true })).counts.entries).toBe(0);
    expect(await verifyBundle(empty, { publicKey: signer.publicKey })).toMatchObject({
      ok: true,
      entries: 0,
    });
  });

  it('refuses to export a ledger that does not verify, and leaves no file behind', async () => {
    const file = path.join(dir, 'tampered.jsonl');
    await expect(
      store.db.transaction(async (tx) => {
        await tx.execute(sql`SET LOCAL session_replication_role = replica`);
        await tx.execute(sql`UPDATE ledger_entries SET outcome = 'error' WHERE seq = 4`);
        await writeBundleFile(
          tx,
          {
            range: {},
            requested: {},
            encoding: 'jsonl',
            signer,
            trustedKeys: [signer.publicKey],
            exporter: 'user:auditor',
          },
          file,
        );
      }),
    ).rejects.toMatchObject({ code: 'ledger_verify_failed' });
    expect(() => readFileSync(file)).toThrow();
  });
});

describe('zhongshu audit verify --bundle', { timeout: 60_000 }, () => {
  it('needs no config, database or hub; exit 0 when sound, 1 with the problem when not', async () => {
    const ok = await runCli([
      'audit',
      'verify',
      '--bundle',
      files.csv,
      '--public-key',
      signer.publicKey,
      '--json',
    ]);
    expect(ok.code, ok.stderr).toBe(0);
    expect(JSON.parse(ok.stdout)).toMatchObject({
      ok: true,
      entries: 33,
      key: { source: 'argument' },
    });
    const bad = path.join(dir, 'bad.jsonl');
    writeFileSync(bad, readFileSync(files.jsonl, 'utf8').replace('"req-9"', '"req-0"'));
    const result = await runCli(['audit', 'verify', '--bundle', bad, '--json']);
    expect(result.code).toBe(1);
    expect((JSON.parse(result.stdout) as BundleVerifyResult).first_bad).toMatchObject({
      seq: 9,
      problem: 'modified',
    });
    expect(result.stderr).toContain('ledger_verify_failed');
    const human = await runCli(['audit', 'verify', '--bundle', files.jsonl]);
    expect(human.stdout).toMatch(/^ok: .* 33 entries/);
  });
});

/** A different character in place of `c`. */
function other(c: string): string {
  if (/[0-8]/.test(c)) return String(Number(c) + 1);
  if (c === '9') return '0';
  if (/[a-e]/.test(c)) return String.fromCharCode(c.charCodeAt(0) + 1);
  if (c === 'x') return 'y';
  return 'x';
}
