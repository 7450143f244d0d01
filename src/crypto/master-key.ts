import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ConfigError } from '../errors.js';

export interface MasterKeySource {
  master_key?: string | undefined;
  master_key_file?: string | undefined;
  dataDir: string;
  embedded: boolean;
}

export const MASTER_KEY_FILE = 'master.key';

/**
 * The master key comes from ZS_MASTER_KEY / master_key, or a key file. In embedded mode a key is
 * generated into the data directory (mode 0600) on first start; a server deployment must supply
 * one, since several hubs share its database and must agree.
 */
export function loadMasterKey(source: MasterKeySource): Buffer {
  if (source.master_key) return Buffer.from(source.master_key, 'hex');
  const file = source.master_key_file
    ? path.resolve(source.master_key_file)
    : path.join(source.dataDir, MASTER_KEY_FILE);
  if (existsSync(file)) {
    const hex = readFileSync(file, 'utf8').trim();
    if (!/^[0-9a-fA-F]{32}$/.test(hex)) {
      throw new ConfigError(`master_key_file: ${file} must hold 32 hexadecimal characters`);
    }
    return Buffer.from(hex, 'hex');
  }
  if (source.master_key_file || !source.embedded) {
    throw new ConfigError(
      source.master_key_file
        ? `master_key_file: ${file} does not exist`
        : 'master_key: a PostgreSQL server deployment needs ZS_MASTER_KEY or master_key_file',
    );
  }
  const key = randomBytes(16);
  writeFileSync(file, `${key.toString('hex')}\n`, { mode: 0o600, flag: 'wx' });
  return key;
}
