import { createHash, type Hash } from 'node:crypto';

/**
 * The answer as the client received it: always its SM3 digest (computed as it streams), and the
 * text itself only when the organisation's policy keeps content, so a long answer is otherwise
 * never held in memory.
 */
export class AnswerCapture {
  private readonly hash: Hash = createHash('sm3');
  private readonly parts: string[] | null;
  private finished: { digest: string; text: string | null } | null = null;

  constructor(keepText: boolean) {
    this.parts = keepText ? [] : null;
  }

  add(text: string): void {
    if (!text) return;
    this.hash.update(text);
    this.parts?.push(text);
  }

  /** The answer is complete: its digest (and text, if kept). Later calls return the same. */
  finish(): { digest: string; text: string | null } {
    this.finished ??= { digest: this.hash.digest('hex'), text: this.parts?.join('') ?? null };
    return this.finished;
  }
}

/** The generated text of a chat or completions choice (message or delta), tool calls as JSON. */
export function choiceText(choice: Record<string, unknown>): string {
  const message = (choice.message ?? choice.delta) as Record<string, unknown> | undefined;
  const content = message?.content ?? choice.text;
  const tools = message?.tool_calls;
  return (typeof content === 'string' ? content : '') + (tools ? JSON.stringify(tools) : '');
}
