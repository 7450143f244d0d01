import { describe, expect, it } from 'vitest';
import { signerFromKey, verifySignature } from './signer.js';

// The cross-validated SM2 known-answer vector (sm-crypto ⇄ sm-crypto-v2 ⇄ OpenSSL with distid).
const D = 'a5fa9c7089aa6f4f6b226c8d023042dada755ec21d7e5deafa323fc709a17d8b';
const P =
  '04626634af26f035be5561792c38d136f03076727236f16b20a3f01d25eab050831b5d14bcb9b86925829f0e342522894a16c19851136873efda305f3f537f832b';
const R = 'c282290bb3db7ca8ccddebeab304879b5a36a3c8cc5ba92b90a75fc74468f1fe';
const S = '0542c4a0811b9022cabfe0a2224a7db62e3a07ffbd6b71fbd1b455938ad67303';

/** DER SEQUENCE { INTEGER r, INTEGER s } for 32-byte r, s without a high bit. */
const der = (r: string, s: string) => `30440220${r}0220${s}`;

describe('SM2 checkpoint signatures', () => {
  it('derives the known public key and verifies the known-answer signature with ID 1234567812345678', () => {
    const signer = signerFromKey(D);
    expect(signer.publicKey).toBe(P);
    expect(verifySignature('message digest', der(R, S), P)).toBe(true);
    expect(verifySignature('message digest!', der(R, S), P)).toBe(false);
  });

  it('signs so that the signature verifies, and not for another message or key', () => {
    const signer = signerFromKey(D);
    const sig = signer.sign('zhongshu-ledger:10:abc');
    expect(verifySignature('zhongshu-ledger:10:abc', sig, P)).toBe(true);
    expect(verifySignature('zhongshu-ledger:11:abc', sig, P)).toBe(false);
    const other = signerFromKey('1'.repeat(64));
    expect(verifySignature('zhongshu-ledger:10:abc', sig, other.publicKey)).toBe(false);
    expect(verifySignature('zhongshu-ledger:10:abc', 'not-a-signature', P)).toBe(false);
  });
});
