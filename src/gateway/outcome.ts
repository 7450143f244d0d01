import type { Operation } from './providers/index.js';
import type { Usage } from './usage.js';

/**
 * What one /v1 call did, emitted once when it ends, however it ends. Metrics read it today;
 * metering and the audit ledger subscribe to the same event.
 */
export interface CallOutcome {
  requestId: string;
  op: Operation;
  orgId: string;
  orgCode: string;
  keyId: string;
  /** The model the client asked for. */
  model: string;
  /** The public model that answered (differs after a fallback), null if none did. */
  servedModel: string | null;
  endpoint: string | null;
  stream: boolean;
  status: number;
  errorCode: string | null;
  usage: Usage | null;
  attempts: number;
  latencyMs: number;
  ttftMs: number | null;
  overheadMs: number;
}

export type OutcomeObserver = (outcome: CallOutcome) => void;
