import {
  createCipheriv,
  createDecipheriv,
  createHash,
  createHmac,
  randomBytes,
  timingSafeEqual,
} from 'node:crypto';

/** SM3 digest (GB/T 32905) as lowercase hex. */
export function sm3Hex(data: string | Uint8Array): string {
  return createHash('sm3').update(data).digest('hex');
}

export function hmacSm3(key: Uint8Array, data: string | Uint8Array): Buffer {
  return createHmac('sm3', key).update(data).digest();
}

const VERSION = 1;
const IV_BYTES = 16;
const MAC_BYTES = 32;

/**
 * Authenticated encryption for secrets at rest: SM4-CTR, then HMAC-SM3 over version ‖ iv ‖
 * ciphertext (encrypt-then-MAC), because Node's OpenSSL has no SM4-GCM. The two keys are derived
 * from the 128-bit master key so that one key never serves two algorithms.
 */
export class Sealer {
  private readonly encKey: Buffer;
  private readonly macKey: Buffer;
  /** Derived once per purpose: every generated answer's label needs one. */
  private readonly tagKeys = new Map<string, Buffer>();

  constructor(masterKey: Uint8Array) {
    if (masterKey.length !== 16) throw new Error('master key must be 16 bytes');
    this.encKey = hmacSm3(masterKey, 'zhongshu/sm4-ctr').subarray(0, 16);
    this.macKey = hmacSm3(masterKey, 'zhongshu/hmac-sm3');
  }

  /**
   * HMAC-SM3 (hex) under a key derived from the master key for `purpose` alone, so a tag made
   * for one purpose proves nothing for another (the AIGC labels' reserved codes use it).
   */
  tag(purpose: string, data: string): string {
    let key = this.tagKeys.get(purpose);
    if (!key) this.tagKeys.set(purpose, (key = hmacSm3(this.macKey, `zhongshu/tag/${purpose}`)));
    return hmacSm3(key, data).toString('hex');
  }

  /** Returns base64 of version ‖ iv ‖ ciphertext ‖ mac. */
  seal(plaintext: string, associated = ''): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('sm4-ctr', this.encKey, iv);
    const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    const head = Buffer.concat([Buffer.from([VERSION]), iv, body]);
    return Buffer.concat([head, this.mac(head, associated)]).toString('base64');
  }

  open(sealed: string, associated = ''): string {
    const all = Buffer.from(sealed, 'base64');
    if (all.length < 1 + IV_BYTES + MAC_BYTES || all[0] !== VERSION) {
      throw new Error('sealed value is malformed');
    }
    const head = all.subarray(0, all.length - MAC_BYTES);
    const mac = all.subarray(all.length - MAC_BYTES);
    if (!timingSafeEqual(mac, this.mac(head, associated))) {
      throw new Error('sealed value failed authentication (wrong master key or tampered)');
    }
    const decipher = createDecipheriv('sm4-ctr', this.encKey, head.subarray(1, 1 + IV_BYTES));
    return Buffer.concat([decipher.update(head.subarray(1 + IV_BYTES)), decipher.final()]).toString(
      'utf8',
    );
  }

  /** The associated data (e.g. the row it belongs to) is bound so a ciphertext cannot be moved. */
  private mac(head: Buffer, associated: string): Buffer {
    return createHmac('sm3', this.macKey).update(head).update('\0').update(associated).digest();
  }
}
