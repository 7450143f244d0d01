/**
 * The peer: OpenRedaction (@openredaction/openredaction, MIT, zero dependencies), a general PII
 * redaction library on npm with several hundred patterns, among them a few for China. Installed
 * on first use into bench/.peer/pii (gitignored), outside the project's dependencies.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { PEER_DIR } from '../gateway/servers.js';

export const PEER_NAME = '@openredaction/openredaction';
export const PEER_VERSION = '1.0.4';
const DIR = path.join(PEER_DIR, 'pii');
const ENTRY = path.join(DIR, 'node_modules/@openredaction/openredaction/dist/index.mjs');

export interface PeerDetection {
  start: number;
  end: number;
  type: string;
}

interface OpenRedactionResult {
  detections: { type: string; position: [number, number] }[];
}
interface OpenRedactionModule {
  OpenRedaction: new () => { detect(text: string): Promise<OpenRedactionResult> };
}

async function ensureInstalled(): Promise<void> {
  if (existsSync(ENTRY)) return;
  mkdirSync(DIR, { recursive: true });
  writeFileSync(
    path.join(DIR, 'package.json'),
    `${JSON.stringify({ name: 'zhongshu-bench-pii-peer', private: true, dependencies: { [PEER_NAME]: PEER_VERSION } }, null, 2)}\n`,
  );
  process.stdout.write(`installing ${PEER_NAME}@${PEER_VERSION} into bench/.peer/pii …\n`);
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  await promisify(execFile)(npm, ['install', '--no-audit', '--no-fund', '--loglevel=error'], {
    cwd: DIR,
    timeout: 300_000,
  });
  if (!existsSync(ENTRY)) throw new Error(`peer install did not produce ${ENTRY}`);
}

export async function loadPeer(): Promise<(text: string) => Promise<PeerDetection[]>> {
  await ensureInstalled();
  const mod = (await import(pathToFileURL(ENTRY).href)) as OpenRedactionModule;
  const shield = new mod.OpenRedaction();
  return async (text) =>
    (await shield.detect(text)).detections.map((d) => ({
      start: d.position[0],
      end: d.position[1],
      type: d.type,
    }));
}
