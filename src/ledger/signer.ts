import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { sm2 } from 'sm-crypto-v2';
import { sm3Hex } from '../crypto/sm.js';
import { ConfigError } from '../errors.js';

/** GM/T 0009 default signer identity (ENTL = 0x0080). */
export const SM2_USER_ID = '1234567812345678';
const OPTIONS = { hash: true, der: true, userId: SM2_USER_ID } as const;

/**
 * Signs ledger checkpoints with SM2 (GB/T 32918). The private key stays inside this object: no
 * API returns it and nothing logs it. sm-crypto-v2 rather than Node's crypto, which computes
 * plain ECDSA or an empty-ID Z_A for SM2 keys (see docs/ledger.md).
 */
export interface Signer {
  keyId: string;
  publicKey: string;
  sign(message: string): string;
}

export function signerFromKey(privateKey: string): Signer {
  const publicKey = sm2.getPublicKeyFromPrivateKey(privateKey);
  return {
    keyId: sm3Hex(publicKey).slice(0, 16),
    publicKey,
    sign: (message) => sm2.doSignature(message, privateKey, { ...OPTIONS, publicKey }),
  };
}

export function verifySignature(message: string, signature: string, publicKey: string): boolean {
  try {
    return sm2.doVerifySignature(message, signature, publicKey, OPTIONS);
  } catch {
    return false;
  }
}

export const SIGNING_KEY_FILE = 'ledger-sm2.key';

/**
 * The checkpoint key: from `key_file` when given; otherwise, in embedded mode, generated into
 * the data directory (mode 0600) on first start. A server deployment must supply one so that
 * every hub signs with the same key.
 */
export function loadSigner(options: {
  keyFile?: string | undefined;
  dataDir: string;
  embedded: boolean;
}): Signer {
  const file = options.keyFile
    ? path.resolve(options.keyFile)
    : path.join(options.dataDir, SIGNING_KEY_FILE);
  if (existsSync(file)) {
    const hex = readFileSync(file, 'utf8').trim();
    if (!/^[0-9a-f]{64}$/i.test(hex))
      throw new ConfigError(
        `ledger.signing_key_file: ${file} must hold a 64-hex-character SM2 private key`,
      );
    return signerFromKey(hex.toLowerCase());
  }
  if (options.keyFile || !options.embedded) {
    throw new ConfigError(
      options.keyFile
        ? `ledger.signing_key_file: ${file} does not exist`
        : 'ledger.signing_key_file: a PostgreSQL server deployment needs an SM2 signing key file',
    );
  }
  const { privateKey } = sm2.generateKeyPairHex();
  writeFileSync(file, `${privateKey}\n`, { mode: 0o600, flag: 'wx' });
  return signerFromKey(privateKey);
}
