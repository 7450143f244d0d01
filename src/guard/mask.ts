import { PII_LABELS, type PiiSpan, type PiiType } from './pii/index.js';

/** 〔身份证号1〕: a label of at most 8 characters and a number; anything longer is not ours. */
const PLACEHOLDER = /〔[^〔〕]{2,12}〕/g;
/** The longest placeholder the vault can issue, so a stream never holds back more than this. */
const MAX_PLACEHOLDER = 1 + 8 + 4 + 1;

/**
 * The placeholders of one request (a conversation as the client sent it). The same value always
 * gets the same placeholder, whichever message it is in, so the model can still tell two people
 * apart; a value written with full-width digits or spaces is the same value. Only placeholders
 * this vault issued are ever restored: one the model invents or alters stays as it is, so an
 * answer can never be "restored" into somebody else's data.
 */
export class MaskVault {
  private readonly byValue = new Map<string, string>();
  private readonly originals = new Map<string, string>();
  private readonly numbers = new Map<PiiType, number>();
  /** Occurrences masked, by type (for the ledger and the response header). */
  readonly counts: Partial<Record<PiiType, number>> = {};

  get size(): number {
    return this.originals.size;
  }

  /** `text` with every span replaced by its placeholder. Spans: sorted, non-overlapping. */
  mask(text: string, spans: readonly PiiSpan[]): string {
    if (!spans.length) return text;
    let out = '';
    let at = 0;
    for (const span of spans) {
      out += text.slice(at, span.start) + this.placeholder(span.type, span.text);
      at = span.end;
      this.counts[span.type] = (this.counts[span.type] ?? 0) + 1;
    }
    return out + text.slice(at);
  }

  /** `text` with the placeholders this vault issued replaced by the original values. */
  restore(text: string): string {
    if (!this.originals.size || !text.includes('〔')) return text;
    return text.replace(PLACEHOLDER, (whole) => this.originals.get(whole) ?? whole);
  }

  private placeholder(type: PiiType, value: string): string {
    const key = `${type}\u0000${value.normalize('NFKC').replace(/[\s-]/g, '')}`;
    let placeholder = this.byValue.get(key);
    if (!placeholder) {
      const n = (this.numbers.get(type) ?? 0) + 1;
      this.numbers.set(type, n);
      placeholder = `〔${PII_LABELS[type]}${n}〕`;
      this.byValue.set(key, placeholder);
      this.originals.set(placeholder, value);
    }
    return placeholder;
  }
}

/**
 * Restores one streamed text (one choice of an SSE answer) piece by piece. A placeholder may
 * arrive split over several events (`〔身份` … `证号1〕`): from an opening bracket on, text is held
 * back until the bracket closes or the text is too long to be a placeholder.
 */
export class StreamRestorer {
  private held = '';

  constructor(private readonly vault: MaskVault) {}

  /** The text that can go to the client now. */
  push(piece: string): string {
    const text = this.held + piece;
    const open = text.lastIndexOf('〔');
    if (open >= 0 && !text.includes('〕', open) && text.length - open < MAX_PLACEHOLDER) {
      this.held = text.slice(open);
      return this.vault.restore(text.slice(0, open));
    }
    this.held = '';
    return this.vault.restore(text);
  }

  /** Whatever is still held back, at the end of the answer. */
  end(): string {
    const rest = this.held;
    this.held = '';
    return this.vault.restore(rest);
  }
}
