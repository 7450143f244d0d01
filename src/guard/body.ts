import type { Json, Operation } from '../gateway/providers/index.js';

/**
 * The texts of a request that reach the model: chat message contents (strings, or the text
 * parts of multimodal content), completion prompts and embedding inputs. `edit` returns the
 * body with each text replaced by `edit(text)`, copying only what changes (the client's body is
 * never modified, so what is recorded is what the client sent).
 */
export function mapTexts(op: Operation, body: Json, edit: (text: string) => string): Json {
  if (op === 'chat') {
    const messages = body.messages as Json[];
    const mapped = messages.map((m) => mapMessage(m, edit));
    return mapped.every((m, i) => m === messages[i]) ? body : { ...body, messages: mapped };
  }
  const field = op === 'completions' ? 'prompt' : 'input';
  const value = body[field];
  const mapped = mapStrings(value, edit);
  return mapped === value ? body : { ...body, [field]: mapped };
}

/** Every text `mapTexts` would edit, in order. */
export function textsOf(op: Operation, body: Json): string[] {
  const texts: string[] = [];
  mapTexts(op, body, (text) => {
    texts.push(text);
    return text;
  });
  return texts;
}

/** The texts of one chat message (its content string, or the text parts of multimodal content). */
export function messageTexts(message: Json): string[] {
  const texts: string[] = [];
  mapMessage(message, (text) => {
    texts.push(text);
    return text;
  });
  return texts;
}

function mapMessage(message: Json, edit: (text: string) => string): Json {
  const content = message.content;
  if (typeof content === 'string') {
    const next = edit(content);
    return next === content ? message : { ...message, content: next };
  }
  if (!Array.isArray(content)) return message;
  const parts = content.map((part: unknown) => {
    if (!part || typeof part !== 'object') return part;
    const p = part as Json;
    if (p.type !== 'text' || typeof p.text !== 'string') return part;
    const next = edit(p.text);
    return next === p.text ? part : { ...p, text: next };
  });
  return parts.every((p, i) => p === content[i]) ? message : { ...message, content: parts };
}

/** A string or an array of strings (token-id arrays are left alone: they carry no text). */
function mapStrings(value: unknown, edit: (text: string) => string): unknown {
  if (typeof value === 'string') return edit(value);
  if (!Array.isArray(value)) return value;
  const mapped = value.map((v: unknown) => (typeof v === 'string' ? edit(v) : v));
  return mapped.every((v, i) => v === value[i]) ? value : mapped;
}
