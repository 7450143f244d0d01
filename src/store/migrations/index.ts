import { m0001 } from './0001-foundation.js';
import { m0002 } from './0002-ledger.js';
import { m0003 } from './0003-metering.js';
import { m0004 } from './0004-record-functions.js';
import { m0005 } from './0005-guard.js';
import { m0006 } from './0006-safety.js';
import { m0007 } from './0007-latency-histogram.js';
import { m0008 } from './0008-session-method.js';

export interface Migration {
  id: string;
  sql: string;
}

/** Applied in order, each once, inside a transaction. Never edit a landed migration: add one. */
export const MIGRATIONS: readonly Migration[] = [
  m0001,
  m0002,
  m0003,
  m0004,
  m0005,
  m0006,
  m0007,
  m0008,
];
