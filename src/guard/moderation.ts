import { readFileSync } from 'node:fs';
import type { Json, Operation } from '../gateway/providers/index.js';
import { ConfigError } from '../errors.js';
import { messageTexts, textsOf } from './body.js';
import {
  coverage,
  detectInjection,
  parseLexicon,
  refusalFor,
  SafetyMatcher,
  type CoverageReport,
  type Hit,
  type LexiconError,
  type RefusalOverrides,
  type RiskId,
  type StreamScanner,
} from './safety/index.js';

/** One lexicon hit as the ledger keeps it. */
export interface HitRecord {
  term: string;
  risk: RiskId;
  action: 'block' | 'flag';
}

/** What moderation found in one direction of a call. */
export interface ModerationRecord {
  /** The risk of the first blocking hit (the call was refused or the answer stopped), or null. */
  blocked: RiskId | null;
  /** Distinct hits (term and risk), at most MAX_RECORDED. */
  hits: HitRecord[];
}

/** The safety part of a call's ledger entry. */
export interface SafetyRecord {
  input: ModerationRecord | null;
  output: ModerationRecord | null;
  /** Prompt-injection patterns in tool and function messages (flagged, not blocked). */
  injection: { message: number; rule: string; excerpt: string }[];
  /** The violation count after a blocked input, and the suspension it started. */
  violation: {
    subject: string;
    consecutive: number;
    today: number;
    suspended_until: string | null;
  } | null;
}

const MAX_RECORDED = 20;

export interface ModerationSettings {
  input: boolean;
  output: boolean;
  injection: boolean;
  refusals: RefusalOverrides;
}

/** Result of checking a text: what to record, and the hit that blocks it (if any). */
export interface Verdict {
  record: ModerationRecord;
  block: Hit | null;
}

/** Moderates one streamed answer, choice by choice; only `release` may go to the client. */
export interface AnswerStream {
  push(index: number, piece: string): { release: string; block: Hit | null };
  end(index: number): { release: string; block: Hit | null };
  readonly record: ModerationRecord;
}

/**
 * Content safety at the gateway: the operator's lexicon against what clients send and models
 * answer, injection heuristics on tool output, and the refusal texts. Built once at start; a
 * hub without a lexicon still flags injection.
 */
export class Moderator {
  constructor(
    private readonly matcher: SafetyMatcher | null,
    private readonly settings: ModerationSettings,
  ) {}

  /** Inputs are checked for this operation (generation only: embeddings produce no content). */
  checksInput(op: Operation): boolean {
    return this.matcher !== null && this.settings.input && op !== 'embeddings';
  }

  /** Answers are checked for this operation. */
  checksOutput(op: Operation): boolean {
    return this.matcher !== null && this.settings.output && op !== 'embeddings';
  }

  /** The lexicon verdict on a request's texts (null when inputs are not checked) and injection flags. */
  input(
    op: Operation,
    body: Json,
  ): { verdict: Verdict | null; injection: SafetyRecord['injection'] } {
    const injection = this.settings.injection && op === 'chat' ? injectionIn(body) : [];
    if (!this.matcher || !this.checksInput(op)) return { verdict: null, injection };
    const hits: Hit[] = [];
    for (const text of textsOf(op, body)) hits.push(...this.matcher.scan(text));
    return { verdict: toVerdict(hits), injection };
  }

  /** The verdict on complete answers (the choices of one response), and each one's blocking hit. */
  answers(texts: readonly string[]): { record: ModerationRecord; blocks: (Hit | null)[] } {
    const all: Hit[] = [];
    const blocks = texts.map((text) => {
      const hits = this.matcher ? this.matcher.scan(text) : [];
      all.push(...hits);
      return hits.find((h) => h.action === 'block') ?? null;
    });
    return { record: toVerdict(all).record, blocks };
  }

  /** A moderator for one streamed answer. */
  stream(): AnswerStream {
    const matcher = this.matcher;
    const scanners = new Map<number, StreamScanner>();
    const all: Hit[] = [];
    let block: Hit | null = null;
    const scanner = (index: number): StreamScanner | null => {
      if (!matcher) return null;
      let s = scanners.get(index);
      if (!s) scanners.set(index, (s = matcher.stream()));
      return s;
    };
    const step = (out: { release: string; hits: Hit[] }) => {
      all.push(...out.hits);
      block ??= out.hits.find((h) => h.action === 'block') ?? null;
      return { release: out.release, block };
    };
    return {
      push: (index, piece) => {
        const s = scanner(index);
        return s ? step(s.push(piece)) : { release: piece, block: null };
      },
      end: (index) => {
        const s = scanner(index);
        return s ? step(s.end()) : { release: '', block: null };
      },
      get record() {
        return toVerdict(all).record;
      },
    };
  }

  /** What the user reads instead of a refused input or a stopped answer. */
  refusal(risk: RiskId | null): string {
    return refusalFor(risk, this.settings.refusals);
  }
}

/** Injection patterns in the texts that came from tools rather than from the user. */
function injectionIn(body: Json): SafetyRecord['injection'] {
  const found: SafetyRecord['injection'] = [];
  (body.messages as Json[]).forEach((m, message) => {
    if (m.role !== 'tool' && m.role !== 'function') return;
    for (const text of messageTexts(m))
      for (const f of detectInjection(text)) found.push({ message, ...f });
  });
  return found;
}

/** The call's safety record, created on first use. */
export function safetyOf(outcome: { safety: SafetyRecord | null }): SafetyRecord {
  outcome.safety ??= { input: null, output: null, injection: [], violation: null };
  return outcome.safety;
}

function toVerdict(hits: readonly Hit[]): Verdict {
  const block = hits.find((h) => h.action === 'block') ?? null;
  const seen = new Set<string>();
  const recorded: HitRecord[] = [];
  for (const h of hits) {
    const key = `${h.risk}\u0000${h.term}`;
    if (seen.has(key) || recorded.length >= MAX_RECORDED) continue;
    seen.add(key);
    recorded.push({ term: h.term, risk: h.risk, action: h.action });
  }
  return { record: { blocked: block?.risk ?? null, hits: recorded }, block };
}

export interface LoadedLexicon {
  matcher: SafetyMatcher;
  coverage: CoverageReport;
  errors: LexiconError[];
}

/** Read and compile the operator's lexicon; a missing or unreadable file stops the start. */
export function loadLexicon(file: string, maxGap: number): LoadedLexicon {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError(
      `safety.lexicon_file: cannot read ${file} (${(err as NodeJS.ErrnoException).code ?? 'error'})`,
    );
  }
  const { entries, errors } = parseLexicon(text);
  if (entries.length === 0)
    throw new ConfigError(`safety.lexicon_file: ${file} holds no valid entry`);
  return { matcher: new SafetyMatcher(entries, { maxGap }), coverage: coverage(entries), errors };
}
