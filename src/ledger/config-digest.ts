import { sm3Hex } from '../crypto/sm.js';
import type { Config } from '../config/index.js';
import { canonicalJson } from './chain.js';

/**
 * SM3 of the effective configuration, secrets left out (the master key, and upstream keys, which
 * live in the environment anyway), so the ledger shows when the configuration changed.
 */
export function configDigest(config: Config): string {
  const { master_key: _mk, upstreamKeys: _uk, ...rest } = config;
  return sm3Hex(canonicalJson(rest));
}
