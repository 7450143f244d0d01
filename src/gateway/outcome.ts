import type { GuardRecord } from '../guard/gate.js';
import type { SafetyRecord } from '../guard/moderation.js';
import type { KeyGrant } from '../identity/keys.js';
import type { AnswerCapture } from './capture.js';
import type { Operation } from './providers/index.js';
import type { Usage } from './usage.js';

/**
 * What one /v1 call did, settled once when it ends, however it ends (including refusals after
 * the key was accepted). Metering, the audit ledger, limits and metrics all read it.
 */
export interface CallOutcome {
  requestId: string;
  op: Operation;
  orgId: string;
  orgCode: string;
  orgPath: string;
  keyId: string;
  ip: string | null;
  /** Wall-clock time the request arrived. */
  receivedAt: Date;
  /** The model the client asked for. */
  model: string;
  /** The public model that answered (differs after a fallback), null if none did. */
  servedModel: string | null;
  endpoint: string | null;
  stream: boolean;
  /** The request's data level as the guard decided it (null: refused before it assessed). */
  dataLevel: string | null;
  /** The guard's decision (level, why, what it found and masked, the routing floor). */
  guard: GuardRecord | null;
  /** What content safety found and decided (null: nothing checked, nothing found). */
  safety: SafetyRecord | null;
  status: number;
  errorCode: string | null;
  usage: Usage | null;
  attempts: number;
  latencyMs: number;
  ttftMs: number | null;
  overheadMs: number;
  /** What the call cost in nano-yuan (1e-9 CNY), set when it is recorded. */
  costNano: bigint;
  /** What the model was asked (messages, prompt or input), for the ledger's digest or content. */
  prompt: unknown;
  answer: AnswerCapture;
}

export type OutcomeObserver = (outcome: CallOutcome) => void;

export function newOutcome(input: {
  requestId: string;
  op: Operation;
  grant: KeyGrant;
  ip: string | null;
  model: string;
  stream: boolean;
  prompt: unknown;
  answer: AnswerCapture;
}): CallOutcome {
  // Spelled out: object rest and spread cost microseconds a call here (measured), on every call.
  const { grant } = input;
  return {
    requestId: input.requestId,
    op: input.op,
    orgId: grant.orgId,
    orgCode: grant.orgCode,
    orgPath: grant.orgPath,
    keyId: grant.id,
    ip: input.ip,
    receivedAt: new Date(),
    model: input.model,
    servedModel: null,
    endpoint: null,
    stream: input.stream,
    dataLevel: null,
    guard: null,
    safety: null,
    status: 0,
    errorCode: null,
    usage: null,
    attempts: 0,
    latencyMs: 0,
    ttftMs: null,
    overheadMs: 0,
    costNano: 0n,
    prompt: input.prompt,
    answer: input.answer,
  };
}

/**
 * Settles a call exactly once. `settle()` is awaited before the client sees the end of the
 * response, so the usage record and ledger entry are durable by then.
 */
export class CallTrace {
  /** Upstream time so far (all attempts), to separate the hub's own overhead. */
  upstreamMs = 0;
  private settled: Promise<void> | null = null;

  constructor(
    readonly outcome: CallOutcome,
    private readonly startedAt: number,
    private readonly record: (outcome: CallOutcome) => Promise<void>,
  ) {}

  get isSettled(): boolean {
    return this.settled !== null;
  }

  settle(): Promise<void> {
    if (!this.settled) {
      const o = this.outcome;
      o.latencyMs = performance.now() - this.startedAt;
      o.overheadMs = Math.max(0, o.latencyMs - this.upstreamMs);
      this.settled = this.record(o);
    }
    return this.settled;
  }

  /** Settle a call that failed with `error` (if nothing settled it yet). */
  async fail(error: { status?: number; code?: string }): Promise<void> {
    if (this.settled) return this.settled.catch(() => {});
    this.outcome.status = error.status ?? 500;
    this.outcome.errorCode = error.code ?? 'internal_error';
    return this.settle().catch(() => {});
  }
}
