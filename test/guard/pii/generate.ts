/**
 * Writes the labelled PII test set to test/guard/pii/data/*.jsonl (committed; the evaluation
 * reads the files, not this script). Deterministic: the same seed gives the same files.
 *
 *   npx tsx test/guard/pii/generate.ts
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Random } from './gen/random.js';
import { HANDWRITTEN, HELD_OUT } from './gen/handwritten.js';
import { FILLER, NEAR_MISS, NEGATIVE, POSITIVE, SLOTS, type Label } from './gen/templates.js';

export interface Snippet {
  id: string;
  text: string;
  spans: { type: Label; start: number; end: number }[];
  kind: 'positive' | 'near_miss' | 'negative';
}

const COUNTS = { positive: 900, near_miss: 260, negative: 160 };
const SEED = 20261124;

function weighted(r: Random, items: [number, string][]): string {
  const total = items.reduce((a, [w]) => a + w, 0);
  let x = r.next() * total;
  for (const [w, t] of items) {
    x -= w;
    if (x < 0) return t;
  }
  return items.at(-1)![1];
}

function fill(r: Random, template: string): Pick<Snippet, 'text' | 'spans'> {
  let text = '';
  const spans: Snippet['spans'] = [];
  let last = 0;
  for (const m of template.matchAll(/\{(\w+)\}/g)) {
    text += template.slice(last, m.index);
    const slot = SLOTS[m[1]!];
    if (!slot) throw new Error(`unknown slot ${m[0]} in ${template}`);
    const [value, label] = slot(r);
    if (label) spans.push({ type: label, start: text.length, end: text.length + value.length });
    text += value;
    last = m.index + m[0].length;
  }
  return { text: text + template.slice(last), spans };
}

/** Surrounding sentences without personal data, as in a real ticket or memo. */
function withFiller(r: Random, s: Pick<Snippet, 'text' | 'spans'>) {
  const before = r.chance(0.25) ? r.pick(FILLER) : '';
  const after = r.chance(0.25) ? r.pick(FILLER) : '';
  return {
    text: before + s.text + after,
    spans: s.spans.map((sp) => ({
      ...sp,
      start: sp.start + before.length,
      end: sp.end + before.length,
    })),
  };
}

export function generate(): Snippet[] {
  const r = new Random(SEED);
  const out: Snippet[] = [];
  for (let i = 0; i < COUNTS.positive; i++) {
    const s = withFiller(r, fill(r, weighted(r, POSITIVE)));
    out.push({ id: `pos-${String(i).padStart(4, '0')}`, ...s, kind: 'positive' });
  }
  for (let i = 0; i < COUNTS.near_miss; i++) {
    const s = withFiller(r, fill(r, weighted(r, NEAR_MISS)));
    out.push({ id: `near-${String(i).padStart(4, '0')}`, ...s, kind: 'near_miss' });
  }
  for (let i = 0; i < COUNTS.negative; i++) {
    const n = r.int(1, 3);
    const text = Array.from({ length: n }, () => r.pick(NEGATIVE)).join('');
    out.push({ id: `neg-${String(i).padStart(4, '0')}`, text, spans: [], kind: 'negative' });
  }
  return out;
}

const MARKUP_TYPES: Record<string, Label> = {
  name: 'person_name',
  addr: 'address',
  id: 'id_card',
  uscc: 'credit_code',
  card: 'bank_card',
  mobile: 'mobile',
  landline: 'landline',
  email: 'email',
  ip4: 'ipv4',
  ip6: 'ipv6',
  passport: 'passport',
  permit: 'travel_permit',
  plate: 'plate',
};

/** Hand-written snippets (batch A or the held-out batch B), markup turned into offsets. */
export function handwritten(batch: 'a' | 'b'): Snippet[] {
  const source = batch === 'a' ? HANDWRITTEN : HELD_OUT;
  return source.map(({ kind, text: marked }, i) => {
    let text = '';
    const spans: Snippet['spans'] = [];
    let last = 0;
    for (const m of marked.matchAll(/\{\{(\w+)\|([^}]+)\}\}/g)) {
      text += marked.slice(last, m.index);
      const type = MARKUP_TYPES[m[1]!];
      if (!type) throw new Error(`unknown markup type ${m[1]}`);
      spans.push({ type, start: text.length, end: text.length + m[2]!.length });
      text += m[2];
      last = m.index + m[0].length;
    }
    const id = `hand-${batch}-${String(i).padStart(3, '0')}`;
    return { id, text: text + marked.slice(last), spans, kind };
  });
}

const here = path.dirname(fileURLToPath(import.meta.url));

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const write = (file: string, items: Snippet[]) =>
    writeFileSync(
      path.join(here, 'data', file),
      `${items.map((s) => JSON.stringify(s)).join('\n')}\n`,
    );
  const snippets = generate();
  for (const kind of ['positive', 'near_miss', 'negative'] as const) {
    write(
      `${kind}.jsonl`,
      snippets.filter((s) => s.kind === kind),
    );
  }
  write('handwritten.jsonl', handwritten('a'));
  write('held-out.jsonl', handwritten('b'));
  process.stdout.write(
    `${snippets.length} generated snippets and two hand-written batches written\n`,
  );
}
