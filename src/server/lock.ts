import { randomBytes } from 'node:crypto';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/**
 * PGlite has exactly one owner process. The owner (a hub, or a CLI command working directly on
 * the files) holds `owner.json` in the data directory; a running hub also records its URL and an
 * operator token there, so the CLI can ask the hub instead of opening the database itself.
 */
export interface OwnerInfo {
  pid: number;
  kind: 'hub' | 'cli';
  url?: string;
  token?: string;
}

export const OWNER_FILE = 'owner.json';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export function readOwner(dataDir: string): OwnerInfo | null {
  try {
    const info = JSON.parse(readFileSync(path.join(dataDir, OWNER_FILE), 'utf8')) as OwnerInfo;
    return info.pid !== process.pid && alive(info.pid) ? info : null;
  } catch {
    return null;
  }
}

/** Claim the data directory; returns null if another live process owns it. */
export function claimOwner(
  dataDir: string,
  kind: OwnerInfo['kind'],
): { info: OwnerInfo; release(): void } | null {
  const file = path.join(dataDir, OWNER_FILE);
  for (let tries = 0; tries < 2; tries++) {
    const info: OwnerInfo = {
      pid: process.pid,
      kind,
      ...(kind === 'hub' ? { token: `zso-${randomBytes(24).toString('base64url')}` } : {}),
    };
    try {
      writeFileSync(file, JSON.stringify(info), { mode: 0o600, flag: 'wx' });
      return { info, release: () => rmSync(file, { force: true }) };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      if (readOwner(dataDir)) return null;
      rmSync(file, { force: true }); // stale: its process is gone
    }
  }
  return null;
}

export function recordUrl(dataDir: string, info: OwnerInfo, url: string): void {
  writeFileSync(path.join(dataDir, OWNER_FILE), JSON.stringify({ ...info, url }), { mode: 0o600 });
}
