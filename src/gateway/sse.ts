/**
 * Incremental Server-Sent Events parser: feed it bytes as they arrive, get back complete events.
 * Only `data:` lines matter for OpenAI streams; comments (`: ping`) are kept so they can be relayed.
 */
export interface SseEvent {
  /** Joined `data:` lines, or null for a comment-only event. */
  data: string | null;
  raw: string;
}

export class SseParser {
  private buffer = '';
  private readonly decoder = new TextDecoder();

  push(chunk: Uint8Array): SseEvent[] {
    this.buffer += this.decoder.decode(chunk, { stream: true });
    return this.drain();
  }

  /** What is left when the stream ends (an event without its blank line). */
  end(): SseEvent[] {
    this.buffer += this.decoder.decode();
    const events = this.drain();
    if (this.buffer.trim()) events.push(parseEvent(this.buffer));
    this.buffer = '';
    return events;
  }

  private drain(): SseEvent[] {
    const events: SseEvent[] = [];
    if (this.buffer.includes('\r')) this.buffer = this.buffer.replace(/\r\n?/g, '\n');
    let at: number;
    while ((at = this.buffer.indexOf('\n\n')) !== -1) {
      const block = this.buffer.slice(0, at);
      this.buffer = this.buffer.slice(at + 2);
      if (block) events.push(parseEvent(block));
    }
    return events;
  }
}

function parseEvent(block: string): SseEvent {
  const data: string[] = [];
  for (const line of block.split('\n')) {
    if (line.startsWith('data:')) data.push(line.slice(line.charAt(5) === ' ' ? 6 : 5));
  }
  return { data: data.length ? data.join('\n') : null, raw: block };
}

export const sseData = (payload: string): string => `data: ${payload}\n\n`;
