import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyBundle } from '../../src/ledger/bundle-verify.js';
import type { EntryView } from '../../src/ledger/entries.js';
import { adminSession, expectError, userSession } from '../identity/harness.js';
import { gatewayConfig, startHub, type TestHub } from '../support/hub.js';
import { startUpstream, type UpstreamDouble } from '../support/upstream-double.js';

/**
 * The auditor's ledger API: integrity for the three administrators, entries and call content for
 * the auditor only (and only in their subtree), signed exports, and the security
 * administrator's content policy. Nothing on /api/v1/ledger changes an entry.
 */
let upstream: UpstreamDouble;
let hub: TestHub;
let keys: { gz: string; sz: string };
const tokens = {} as Record<'auditor' | 'sysadmin' | 'secadmin' | 'gdAuditor', string>;
const dir = mkdtempSync(path.join(tmpdir(), 'zs-ledger-api-'));

interface Page {
  data: EntryView[];
  next_before_seq: number | null;
}
interface One {
  entry: EntryView;
  content: { prompt: unknown; answer: unknown } | null;
  content_status: string;
}

let lastAnswer = '';
/** A chat call as a department's application makes it; returns the request id. */
async function chat(key: string, text: string): Promise<string> {
  const res = await fetch(`${hub.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'qwen', messages: [{ role: 'user', content: text }] }),
  });
  expect(res.status).toBe(200);
  const body = (await res.json()) as { choices: { message: { content: string } }[] };
  lastAnswer = body.choices[0]!.message.content;
  return res.headers.get('x-zs-request-id')!;
}

const entries = (query: string, token = tokens.auditor) =>
  hub.api<Page>('GET', `/api/v1/ledger/entries${query}`, undefined, token);
const seqOf = async (requestId: string) => {
  const res = await entries(`?request_id=${requestId}&action=call.*`);
  expect(res.body.data).toHaveLength(1);
  return res.body.data[0]!.seq;
};

beforeAll(async () => {
  upstream = await startUpstream();
  const config = gatewayConfig({ vllm: upstream.url }, [
    { name: 'qwen', targets: [{ endpoint: 'vllm', model: 'Qwen2.5-7B-Instruct' }] },
  ]);
  // 深圳 keeps call content (from the configuration file); 广州 keeps digests only.
  (config.orgs[0]!.children[1] as Record<string, unknown>).store_content = true;
  hub = await startHub(config);
  keys = { gz: (await hub.createKey('gd-gz')).key, sz: (await hub.createKey('gd-sz')).key };
  tokens.auditor = await adminSession(hub, 'auditor');
  tokens.sysadmin = await adminSession(hub, 'sysadmin');
  tokens.secadmin = await adminSession(hub, 'secadmin');
  tokens.gdAuditor = await userSession(hub, 'gd-auditor', 'gd', ['auditor']);
}, 120_000);

afterAll(async () => {
  await hub?.close();
  await upstream?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('the ledger API', { timeout: 60_000 }, () => {
  it('lets each of the three administrators check integrity', async () => {
    for (const token of [tokens.auditor, tokens.sysadmin, tokens.secadmin]) {
      const res = await hub.api<{ ok: boolean; entries: number; key: { public_key: string } }>(
        'GET',
        '/api/v1/ledger/verify',
        undefined,
        token,
      );
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ ok: true, key: { public_key: hub.hub.signer.publicKey } });
      expect(res.body.entries).toBeGreaterThan(5);
    }
    const bad = await hub.api(
      'GET',
      '/api/v1/ledger/verify?from=last-week',
      undefined,
      tokens.auditor,
    );
    expectError(bad, 400, 'invalid_range');
  });

  it('lists entries newest first, filtered, a page at a time', async () => {
    const gz = await chat(keys.gz, '公积金怎么提取？');
    const sz = await chat(keys.sz, '深圳户籍怎么办理？');
    const all = await entries('?limit=500');
    expect(all.status).toBe(200);
    const seqs = all.body.data.map((e) => e.seq);
    expect(seqs).toEqual([...seqs].sort((a, b) => b - a));

    const calls = await entries('?action=call.*');
    expect(calls.body.data.map((e) => e.request_id)).toEqual([sz, gz]);
    expect(calls.body.data[0]).toMatchObject({ org: 'gd-sz', action: 'call.chat', object: 'qwen' });
    expect(
      (await entries('?org=gd-gz&action=call.chat')).body.data.map((e) => e.request_id),
    ).toEqual([gz]);
    expect((await entries(`?actor=${encodeURIComponent('user:nobody')}`)).body.data).toEqual([]);
    expect((await entries('?to=2020-01-01')).body.data).toEqual([]);

    const first = await entries('?limit=2');
    expect(first.body.data).toHaveLength(2);
    const next = await entries(`?limit=2&before_seq=${first.body.next_before_seq}`);
    expect(next.body.data[0]!.seq).toBe(first.body.data[1]!.seq - 1);

    expectError(await entries('?from=soon'), 400, 'invalid_range');
    expectError(await entries('?org=nowhere'), 404, 'org_not_found');
  });

  it('scopes a provincial auditor to their subtree (no platform entries, no export)', async () => {
    const mine = await entries('?limit=500', tokens.gdAuditor);
    expect(mine.status).toBe(200);
    expect(mine.body.data.length).toBeGreaterThan(0);
    const subtree = ['gd', 'gd-gz', 'gd-sz'];
    expect(mine.body.data.every((e) => subtree.includes(e.org!))).toBe(true);
    expect(mine.body.data.some((e) => e.org === 'gd-sz')).toBe(true);
    const platform = (await entries('?limit=500')).body.data.find((e) => !subtree.includes(e.org!));
    expectError(
      await hub.api('GET', `/api/v1/ledger/entries/${platform!.seq}`, undefined, tokens.gdAuditor),
      404,
      'ledger_entry_not_found',
    );
    expectError(
      await hub.api('POST', '/api/v1/ledger/export', {}, tokens.gdAuditor),
      403,
      'forbidden',
    );
  });

  it('shows the auditor a call’s prompt and answer where policy kept them, and records the reading', async () => {
    const id = await chat(keys.sz, '低保申请需要哪些材料？');
    const answer = lastAnswer;
    const seq = await seqOf(id);
    const res = await hub.api<One>(
      'GET',
      `/api/v1/ledger/entries/${seq}`,
      undefined,
      tokens.auditor,
    );
    expect(res.status).toBe(200);
    expect(res.body.content_status).toBe('stored');
    expect(JSON.stringify(res.body.content!.prompt)).toContain('低保申请需要哪些材料？');
    expect(res.body.content!.answer).toBe(answer);
    const reads = await entries(`?action=ledger.content_read`);
    expect(reads.body.data[0]).toMatchObject({
      object: String(seq),
      outcome: 'ok',
      detail: { request_id: id },
    });
    expect(reads.body.data[0]!.actor).toMatch(/^user:/);

    const gz = await hub.api<One>(
      'GET',
      `/api/v1/ledger/entries/${await seqOf(await chat(keys.gz, '你好'))}`,
      undefined,
      tokens.auditor,
    );
    expect(gz.body).toMatchObject({ content: null, content_status: 'none' });
    expectError(
      await hub.api('GET', '/api/v1/ledger/entries/99999999', undefined, tokens.auditor),
      404,
      'ledger_entry_not_found',
    );
  });

  it('refuses entries and content to the system and security administrators, and records the attempt', async () => {
    const seq = await seqOf(await chat(keys.sz, '医保报销比例？'));
    for (const token of [tokens.sysadmin, tokens.secadmin]) {
      expectError(await entries('', token), 403, 'forbidden');
      expectError(
        await hub.api('GET', `/api/v1/ledger/entries/${seq}`, undefined, token),
        403,
        'forbidden',
      );
    }
    const refused = (await entries(`?action=ledger.content_read`)).body.data.filter(
      (e) => e.object === String(seq),
    );
    expect(refused.map((e) => e.outcome)).toEqual(['forbidden', 'forbidden']);
  });

  it('has no way to change or remove an entry', async () => {
    for (const method of ['PUT', 'PATCH', 'DELETE']) {
      for (const route of [
        '/api/v1/ledger/entries',
        '/api/v1/ledger/entries/1',
        '/api/v1/ledger/verify',
        '/api/v1/ledger/export',
        '/api/v1/ledger/purge',
      ]) {
        const res = await hub.api(
          method,
          route,
          method === 'DELETE' ? undefined : { outcome: 'ok' },
        );
        expect([404, 405], `${method} ${route}`).toContain(res.status);
      }
    }
    expect((await hub.api<{ ok: boolean }>('GET', '/api/v1/ledger/verify')).body.ok).toBe(true);
  });

  it('lets the security administrator keep content for an organisation; every call after is kept', async () => {
    const before = await hub.api<One>(
      'GET',
      `/api/v1/ledger/entries/${await seqOf(await chat(keys.gz, '第一次'))}`,
      undefined,
      tokens.auditor,
    );
    expect(before.body.content_status).toBe('none');
    const res = await hub.api(
      'PUT',
      '/api/v1/orgs/gd-gz/audit-policy',
      { store_content: true },
      tokens.secadmin,
    );
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body).toMatchObject({ org: 'gd-gz', store_content: true, previous: null });
    const after = await hub.api<One>(
      'GET',
      `/api/v1/ledger/entries/${await seqOf(await chat(keys.gz, '第二次'))}`,
      undefined,
      tokens.auditor,
    );
    expect(after.body.content_status).toBe('stored');
    const change = (await entries('?action=policy.change')).body.data[0];
    expect(change).toMatchObject({
      object: 'gd-gz',
      outcome: 'ok',
      detail: { store_content: true, previous: null },
    });
    // A policy from the configuration file is changed there, not here.
    expectError(
      await hub.api(
        'PUT',
        '/api/v1/orgs/gd-sz/audit-policy',
        { store_content: false },
        tokens.secadmin,
      ),
      409,
      'policy_from_config',
    );
    expectError(
      await hub.api(
        'PUT',
        '/api/v1/orgs/nowhere/audit-policy',
        { store_content: true },
        tokens.secadmin,
      ),
      404,
      'org_not_found',
    );
    await hub.api(
      'PUT',
      '/api/v1/orgs/gd-gz/audit-policy',
      { store_content: false },
      tokens.secadmin,
    );
  });

  it('exports a signed bundle that verifies offline, and records the export', async () => {
    const res = await fetch(`${hub.url}/api/v1/ledger/export`, {
      method: 'POST',
      headers: { authorization: `Bearer ${tokens.auditor}`, 'content-type': 'application/json' },
      body: JSON.stringify({ format: 'csv' }),
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/csv/);
    expect(res.headers.get('content-disposition')).toMatch(
      /attachment; filename="zhongshu-ledger-1-\d+\.csv"/,
    );
    const file = path.join(dir, 'export.csv');
    writeFileSync(file, Buffer.from(await res.arrayBuffer()));
    const result = await verifyBundle(file, { publicKey: hub.hub.signer.publicKey });
    expect(result).toMatchObject({
      ok: true,
      encoding: 'csv',
      from_seq: 1,
      anchor: { source: 'genesis' },
    });
    expect(result.exporter).toMatch(/^user:/);
    const recorded = (await entries('?action=ledger.export')).body.data[0];
    expect(recorded).toMatchObject({
      outcome: 'ok',
      detail: { from_seq: 1, to_seq: result.to_seq, entries: result.entries },
    });

    expectError(
      await hub.api('POST', '/api/v1/ledger/export', { from_seq: 3, to_seq: 2 }, tokens.auditor),
      400,
      'invalid_range',
    );
    const bare = await fetch(`${hub.url}/api/v1/ledger/export`, {
      method: 'POST',
      headers: { authorization: `Bearer ${tokens.auditor}` },
    });
    expect(bare.status).toBe(200);
    expect(bare.headers.get('content-type')).toMatch(/^application\/x-ndjson/);
    const jsonl = path.join(dir, 'export.jsonl');
    writeFileSync(jsonl, Buffer.from(await bare.arrayBuffer()));
    expect(await verifyBundle(jsonl, { publicKey: hub.hub.signer.publicKey })).toMatchObject({
      ok: true,
      encoding: 'jsonl',
    });
    const refused = await fetch(`${hub.url}/api/v1/ledger/export`, {
      method: 'POST',
      headers: { authorization: `Bearer ${tokens.sysadmin}`, 'content-type': 'application/json' },
      body: '{}',
    });
    expect(refused.status).toBe(403);
  });
});
