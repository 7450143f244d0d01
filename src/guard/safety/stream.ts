import type { Cursor } from './cursor.js';
import type { Hit } from './matcher.js';

/**
 * Scans a streamed answer piece by piece. It releases text only when no blocking term can still
 * be completed over it, so a blocked term is never delivered, not even its first character.
 * Offsets in hits count from the start of the stream (the pieces concatenated).
 */
export interface StreamScanner {
  /**
   * Feed the next piece of a streamed answer; returns text that is safe to release now (held-back
   * tail excluded) and any hits.
   */
  push(piece: string): { release: string; hits: Hit[] };
  /** End of stream: the rest, and hits. */
  end(): { release: string; hits: Hit[] };
}

type Collect = (node: number, start: number, end: number, hits: Hit[]) => void;

export function createStreamScanner(cursor: Cursor, collect: Collect): StreamScanner {
  /** Scanned text not yet released; it starts at stream offset `released`. */
  let held = '';
  let released = 0;
  let scanned = 0;
  /** A high surrogate at the end of a piece waits for its low half. */
  let pendingHigh = '';
  /** Start of the first blocking hit: nothing at or after it is ever released. */
  let blockedAt = Infinity;

  const scan = (text: string): Hit[] => {
    const hits: Hit[] = [];
    cursor.feed(text, scanned, (node, start, end) => collect(node, start, end, hits));
    for (const h of hits) if (h.action === 'block') blockedAt = Math.min(blockedAt, h.start);
    scanned += text.length;
    // Text past a block is never released, so it need not be kept.
    held = (held + text).slice(0, Math.max(0, Math.min(scanned, blockedAt) - released));
    return hits;
  };

  const releaseUpTo = (offset: number): string => {
    const upTo = Math.min(offset, blockedAt, scanned);
    if (upTo <= released) return '';
    const out = held.slice(0, upTo - released);
    held = held.slice(upTo - released);
    released = upTo;
    return out;
  };

  return {
    push(piece) {
      let text = pendingHigh + piece;
      pendingHigh = '';
      const last = text.charCodeAt(text.length - 1);
      if (last >= 0xd800 && last < 0xdc00) {
        pendingHigh = text.slice(-1);
        text = text.slice(0, -1);
      }
      const hits = scan(text);
      return { release: releaseUpTo(cursor.heldFrom()), hits };
    },
    end() {
      // A high surrogate left over at the very end is scanned as it is (a lone surrogate).
      const hits = scan(pendingHigh);
      pendingHigh = '';
      return { release: releaseUpTo(Infinity), hits };
    },
  };
}
