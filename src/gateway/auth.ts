import { BlockList, isIP } from 'node:net';
import { forbidden, unauthenticated } from '../errors.js';
import { findKeyGrant, hashKey, KEY_PREFIX, type KeyGrant } from '../identity/keys.js';
import type { Db } from '../store/index.js';

interface Cached {
  grant: KeyGrant | null;
  allow: BlockList | null;
  at: number;
}

/** Entries live this long even without a change notice: a safety net, not the revocation path. */
const MAX_AGE_MS = 60_000;
const MAX_ENTRIES = 50_000;

/**
 * API-key authorisation with an in-memory cache keyed by the key's hash, so a warm request does
 * no database work. The hub's sync loop clears the cache whenever any process changes a key
 * (revocation reaches every instance within one sync interval).
 */
export class KeyAuthenticator {
  private readonly cache = new Map<string, Cached>();

  constructor(private readonly db: Db) {}

  clear(): void {
    this.cache.clear();
  }

  async authenticate(
    authorization: string | undefined,
    ip: string,
    now = Date.now(),
  ): Promise<KeyGrant> {
    const key = bearerToken(authorization);
    if (!key) {
      throw unauthenticated(
        'missing_api_key',
        'Provide an API key as "Authorization: Bearer zs-…".',
      );
    }
    if (!key.startsWith(KEY_PREFIX) || key.length > 200) {
      throw unauthenticated('invalid_api_key', 'The API key is not valid.');
    }
    const hash = hashKey(key);
    let entry = this.cache.get(hash);
    if (!entry || now - entry.at > MAX_AGE_MS) {
      const grant = await findKeyGrant(this.db, hash);
      entry = { grant, allow: grant?.ipAllow ? blockList(grant.ipAllow) : null, at: now };
      if (this.cache.size >= MAX_ENTRIES) this.cache.clear();
      this.cache.set(hash, entry);
    }
    const { grant, allow } = entry;
    if (!grant) throw unauthenticated('invalid_api_key', 'The API key is not valid.');
    if (grant.revokedAt) throw unauthenticated('api_key_revoked', 'The API key has been revoked.');
    if (grant.expiresAt && grant.expiresAt.getTime() <= now) {
      throw unauthenticated('api_key_expired', 'The API key has expired.');
    }
    if (allow && !allowed(allow, ip)) {
      throw forbidden('ip_not_allowed', 'The API key may not be used from this address.');
    }
    return grant;
  }
}

function bearerToken(header: string | undefined): string | null {
  if (!header) return null;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return match?.[1] ?? null;
}

function blockList(entries: readonly string[]): BlockList {
  const list = new BlockList();
  for (const entry of entries) {
    const [addr, bits] = entry.split('/') as [string, string | undefined];
    const type = isIP(addr) === 6 ? 'ipv6' : 'ipv4';
    if (bits === undefined) list.addAddress(addr, type);
    else list.addSubnet(addr, Number(bits), type);
  }
  return list;
}

function allowed(list: BlockList, ip: string): boolean {
  // IPv4 clients on a dual-stack socket appear as ::ffff:a.b.c.d.
  const v4 = ip.startsWith('::ffff:') ? ip.slice(7) : ip;
  if (isIP(v4) === 4) return list.check(v4, 'ipv4');
  return isIP(ip) === 6 && list.check(ip, 'ipv6');
}
