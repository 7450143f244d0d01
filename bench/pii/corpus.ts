/**
 * The benchmark's text: CMRC 2018 passages (Chinese encyclopaedia prose, little personal data)
 * interleaved with the labelled government snippets of test/guard/pii/data (dense personal
 * data, near-misses and negatives), repeated until the corpus reaches the requested size. Each
 * passage or snippet is one document, as one chat message would be.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ROOT } from '../gateway/servers.js';
import { loadSnippets, type Snippet } from '../../test/guard/pii/metrics.js';

export const CMRC_PATH = path.resolve(ROOT, '../shared/data/cmrc2018/cmrc2018_dev.json');

export interface Corpus {
  docs: string[];
  bytes: number;
  chars: number;
  /** UTF-8 bytes that came from CMRC passages vs from the labelled snippets, one copy each. */
  composition: { cmrcBytes: number; snippetBytes: number; copies: number };
}

export function cmrcPassages(): string[] {
  const data = JSON.parse(readFileSync(CMRC_PATH, 'utf8')) as { context_text: string }[];
  return data.map((d) => d.context_text);
}

export function buildCorpus(targetMb: number): Corpus {
  const passages = cmrcPassages();
  const snippets = loadSnippets().map((s: Snippet) => s.text);
  const once: string[] = [];
  // One snippet after every passage until the snippets run out, the rest of the passages after.
  for (let i = 0; i < Math.max(passages.length, snippets.length); i++) {
    if (i < passages.length) once.push(passages[i]!);
    if (i < snippets.length) once.push(snippets[i]!);
  }
  const size = (docs: string[]) => docs.reduce((a, d) => a + Buffer.byteLength(d), 0);
  const onceBytes = size(once);
  const copies = Math.max(1, Math.ceil((targetMb * 1e6) / onceBytes));
  const docs = Array.from({ length: copies }, () => once).flat();
  return {
    docs,
    bytes: onceBytes * copies,
    chars: docs.reduce((a, d) => a + d.length, 0),
    composition: { cmrcBytes: size(passages), snippetBytes: size(snippets), copies },
  };
}

/** The first documents of the corpus adding up to about `mb` megabytes. */
export function slice(corpus: Corpus, mb: number): Corpus {
  const docs: string[] = [];
  let bytes = 0;
  for (const d of corpus.docs) {
    if (bytes >= mb * 1e6) break;
    docs.push(d);
    bytes += Buffer.byteLength(d);
  }
  const chars = docs.reduce((a, d) => a + d.length, 0);
  return { docs, bytes, chars, composition: corpus.composition };
}

/** A corpus of just these documents, once (for the prose-only and PII-dense breakdown). */
export function corpusOf(docs: string[]): Corpus {
  const bytes = docs.reduce((a, d) => a + Buffer.byteLength(d), 0);
  const chars = docs.reduce((a, d) => a + d.length, 0);
  return { docs, bytes, chars, composition: { cmrcBytes: 0, snippetBytes: 0, copies: 1 } };
}
