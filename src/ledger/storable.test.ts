import { describe, expect, it } from 'vitest';
import { storable, storableText } from './chain.js';
import { jsonRows } from './ledger.js';

describe('what PostgreSQL can store', () => {
  it('replaces NUL and lone surrogates, keeps well-formed pairs', () => {
    expect(storableText('a\u0000b\ud800c\udc00d')).toBe('a\ufffdb\ufffdc\ufffdd');
    expect(storableText('政务 😀')).toBe('政务 😀');
  });

  it('returns a value with nothing to fix as itself, and copies only what it fixes', () => {
    const clean = { route: { model: 'qwen' }, list: ['a', 'b'], at: new Date(0), n: 1 };
    expect(storable(clean)).toBe(clean);
    const dirty = { ok: { a: 1 }, bad: ['x', 'y\u0000'], ['k\ud800']: 'v' };
    const fixed = storable(dirty);
    expect(fixed).toEqual({ ok: { a: 1 }, bad: ['x', 'y\ufffd'], ['k\ufffd']: 'v' });
    expect(fixed.ok).toBe(dirty.ok);
    expect(dirty.bad[1]).toBe('y\u0000');
  });
});

describe('jsonRows', () => {
  it('writes bigints as exact decimals and lone surrogates as U+FFFD, as a text parameter would', () => {
    const text = jsonRows([{ cost: 123456789012345678901n, s: 'a\ud800b' }]);
    expect(JSON.parse(text)).toEqual([{ cost: '123456789012345678901', s: 'a\ufffdb' }]);
  });

  it('leaves text that merely looks like an escape alone', () => {
    const rows = [{ s: 'C:\\ud800 and 😀' }];
    expect(JSON.parse(jsonRows(rows))).toEqual(rows);
  });
});
