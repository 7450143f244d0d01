import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../errors.js';
import { loadLexicon, Moderator } from './moderation.js';

const dir = mkdtempSync(path.join(tmpdir(), 'zs-moderation-'));
const write = (name: string, text: string) => {
  const file = path.join(dir, name);
  writeFileSync(file, text);
  return file;
};
const settings = { input: true, output: true, injection: true, refusals: {} };

describe('loadLexicon', () => {
  it('compiles the valid records, reports the bad ones and the coverage', () => {
    const file = write('l.tsv', '样例违禁词\tA.1.a\n坏记录\tA.9.z\n示例关注词\tA.3.b\tflag\n');
    const loaded = loadLexicon(file, 3);
    expect(loaded.matcher.stats.patterns).toBe(2);
    expect(loaded.errors.map((e) => e.line)).toEqual([2]);
    expect(loaded.errors[0]?.message).toContain('A.9.z');
    expect(loaded.coverage.ok).toBe(false);
    expect(loaded.coverage.total).toBe(2);
  });

  it('stops the start on a missing or empty library', () => {
    expect(() => loadLexicon(path.join(dir, 'absent.tsv'), 3)).toThrow(ConfigError);
    expect(() => loadLexicon(path.join(dir, 'absent.tsv'), 3)).toThrow(/ENOENT/);
    expect(() => loadLexicon(write('empty.tsv', '# nothing\n'), 3)).toThrow(/no valid entry/);
  });
});

describe('Moderator', () => {
  const { matcher } = loadLexicon(write('m.tsv', '违禁词\tA.1.a\n关注词\tA.3.b\tflag\n'), 3);
  const moderator = new Moderator(matcher, settings);

  it('moderates generation only, and nothing without a lexicon', () => {
    expect(moderator.checksInput('chat')).toBe(true);
    expect(moderator.checksInput('embeddings')).toBe(false);
    const bare = new Moderator(null, settings);
    expect(bare.checksInput('chat')).toBe(false);
    expect(bare.input('chat', { messages: [{ role: 'user', content: '违禁词' }] }).verdict).toBe(
      null,
    );
  });

  it('keeps each choice of a stream apart', () => {
    const s = moderator.stream();
    // Choice 0 holds back 违禁 (it could still become the term); choice 1 is unaffected.
    expect(s.push(0, '正文违禁')).toEqual({ release: '正文', block: null });
    expect(s.push(1, '词')).toEqual({ release: '词', block: null });
    const blocked = s.push(0, '词，后文');
    expect(blocked.release).toBe('');
    expect(blocked.block).toMatchObject({ risk: 'A.1.a', term: '违禁词' });
    expect(s.record).toEqual({
      blocked: 'A.1.a',
      hits: [{ term: '违禁词', risk: 'A.1.a', action: 'block' }],
    });
  });

  it('records each distinct hit once, flags included', () => {
    const { record, blocks } = moderator.answers(['关注词和关注词', '违禁词']);
    expect(record.hits).toEqual([
      { term: '关注词', risk: 'A.3.b', action: 'flag' },
      { term: '违禁词', risk: 'A.1.a', action: 'block' },
    ]);
    expect(blocks.map((b) => b?.risk ?? null)).toEqual([null, 'A.1.a']);
  });
});
