import { createCipheriv } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { Sealer, sm3Hex } from './sm.js';

describe('国密 primitives', () => {
  it('SM3 matches the GB/T 32905 test vectors', () => {
    expect(sm3Hex('abc')).toBe('66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0');
    expect(sm3Hex('abcd'.repeat(16))).toBe(
      'debe9ff92275b8a138604889c18e5a4d6fdb70e5387e5765293dcba39c0c5732',
    );
  });

  it('SM4 in this OpenSSL matches the GB/T 32907 vector', () => {
    const key = Buffer.from('0123456789abcdeffedcba9876543210', 'hex');
    const cipher = createCipheriv('sm4-ecb', key, null).setAutoPadding(false);
    expect(Buffer.concat([cipher.update(key), cipher.final()]).toString('hex')).toBe(
      '681edf34d206965e86b3e94f536e4246',
    );
  });
});

describe('Sealer (SM4-CTR + HMAC-SM3)', () => {
  const sealer = new Sealer(Buffer.from('00112233445566778899aabbccddeeff', 'hex'));

  it('round-trips, with a fresh IV each time', () => {
    const a = sealer.seal('sk-上游密钥', 'endpoint:x');
    const b = sealer.seal('sk-上游密钥', 'endpoint:x');
    expect(a).not.toBe(b);
    expect(sealer.open(a, 'endpoint:x')).toBe('sk-上游密钥');
    expect(Buffer.from(a, 'base64').toString('latin1')).not.toContain('sk-');
  });

  it('refuses a tampered value, another row, or another master key', () => {
    const sealed = sealer.seal('secret', 'endpoint:x');
    const bytes = Buffer.from(sealed, 'base64');
    bytes[20]! ^= 1;
    expect(() => sealer.open(bytes.toString('base64'), 'endpoint:x')).toThrow(/authentication/);
    expect(() => sealer.open(sealed, 'endpoint:y')).toThrow(/authentication/);
    const other = new Sealer(Buffer.from('ffeeddccbbaa99887766554433221100', 'hex'));
    expect(() => other.open(sealed, 'endpoint:x')).toThrow(/authentication/);
  });
});
