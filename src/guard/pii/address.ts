/**
 * Street addresses: a chain of address components, at least one of them fine-grained (a house
 * number, building, unit, room, or a village under a town).
 *
 * Searching the whole text for place names would be slow and would flag every 广州市 in a
 * notice. Instead a cheap regex finds the fine-grained parts (天河路385号, 3栋, 2单元, 501室,
 * …镇…村), and only around those is the chain parsed:
 *  - its start is the leftmost division name from the gazetteer (广东省, 广州, 天河区) from which
 *    the chain reaches the trigger;
 *  - without one, the start comes from segmentation: the words jieba finds directly before the
 *    first component, back to a function word or a verb that introduces an address
 *    (反映|天河路, 家住|阳光花园);
 *  - from the start, components are consumed left to right (division names, then town, village,
 *    road, house number, estate, building, unit, floor, room).
 */
import { divisionAt } from './gazetteer.js';
import type { Tagger } from './segment.js';
import type { Candidate } from './types.js';

const NUM = '(?:[0-9]+(?:-[0-9]+)?|[一二三四五六七八九十百零〇]+)';

const TRIGGER = new RegExp(
  [
    `(?:路|街|巷|弄|道|胡同|里)${NUM}号`,
    `(?:${NUM}|[A-Z])(?:栋|幢|座|号楼)`,
    `${NUM}(?:单元|室)`,
    '(?:镇|乡|街道)[\\u4e00-\\u9fa5]{1,6}?(?:村|社区)',
    `村${NUM}(?:组|队)`,
  ].join('|'),
  'g',
);

// Characters a place name does not contain: function words, verbs of residence, pronouns.
const STOP =
  '的了在于是与及或到从往住位址等为对把被请已不也就还并而但着过给让使由以其此该各每些那这我你他她它您';
const NAME = `(?:(?![${STOP}])[\\u4e00-\\u9fa5])`;

// A bare room number, allowed only right after a unit or floor: "2单元501".
const BARE_ROOM = /[0-9]{3,4}(?![0-9])/y;

type Kind = 'division' | 'town' | 'village' | 'road' | 'house' | 'estate' | 'building' | 'room';

// Sticky regexes per component kind, tried in this order at each position.
const COMPONENTS: [Kind, RegExp][] = [
  ['town', new RegExp(`${NAME}{1,6}?(?:街道|镇|乡)`, 'y')],
  // Not 农村/乡村: the countryside, not a village.
  ['village', new RegExp(`${NAME}{1,6}(?<![农乡])(?:村|社区)`, 'y')],
  [
    'road',
    new RegExp(
      `${NAME}{1,10}?(?:大道|大街|路|街|巷|弄|胡同)(?:[东西南北中一二三四五六七八九十]段)?`,
      'y',
    ),
  ],
  // 弄 and 巷 numbers come before the house number (漕溪北路595弄3号); a side of the road may
  // stand before it (五和大道南2号).
  ['house', new RegExp(`[东西南北]?${NUM}(?:号院|号(?!楼(?![上下顶道]))|弄|巷)(?:之${NUM})?`, 'y')],
  [
    'building',
    new RegExp(
      `(?:${NUM}|[A-Z])(?:栋|幢|座|号楼(?![上下顶道])|单元|楼(?![上下顶道])|层|组|队)`,
      'y',
    ),
  ],
  ['room', new RegExp(`${NUM}(?:室|房|户)`, 'y')],
  ['room', BARE_ROOM],
  [
    'estate',
    new RegExp(
      `${NAME}{2,10}?(?:小区|花园|公寓|大厦|大楼|家园|新村|新城|广场|中心|苑|大院|园区|园|城)(?:${NUM}期)?`,
      'y',
    ),
  ],
];

const FINE: ReadonlySet<Kind> = new Set(['house', 'building', 'room', 'village']);
const NAMED: ReadonlySet<Kind> = new Set(['division', 'town', 'village', 'road', 'estate']);

// Components come from coarse to fine; a coarser one after a finer one starts something else.
const RANK: Record<Kind, number> = {
  division: 0,
  town: 1,
  village: 2,
  road: 3,
  house: 4,
  estate: 5,
  building: 6,
  room: 7,
};

interface Parse {
  end: number;
  kinds: Kind[];
}

function matchComponent(text: string, pos: number, last: Kind | undefined): [Kind, number] | null {
  const minRank = last ? RANK[last] : 0;
  for (const [kind, re] of COMPONENTS) {
    if (RANK[kind] < minRank) continue;
    if (re === BARE_ROOM && last !== 'building') continue;
    re.lastIndex = pos;
    const m = re.exec(text);
    if (m) return [kind, m[0].length];
  }
  return null;
}

function isAddress(p: Parse): boolean {
  return (
    p.kinds.length >= 2 && p.kinds.some((k) => FINE.has(k)) && p.kinds.some((k) => NAMED.has(k))
  );
}

/**
 * Division names, then finer components, from `pos`. A division name may really begin a road
 * or estate (朝阳 in 朝阳路, 中山 in 中山五路), so when the chain is not an address with every
 * division name consumed, it is tried again with the last ones left to the next component.
 */
function parseFrom(text: string, pos: number): Parse | null {
  const bounds = [pos];
  for (let at = pos, len = divisionAt(text, at); len > 0; len = divisionAt(text, at)) {
    at += len;
    bounds.push(at);
  }
  for (let k = bounds.length - 1; k >= 0; k--) {
    const kinds: Kind[] = Array.from({ length: k }, () => 'division');
    let at = bounds[k]!;
    for (let next = matchComponent(text, at, kinds.at(-1)); next;) {
      kinds.push(next[0]);
      at += next[1];
      next = matchComponent(text, at, kinds.at(-1));
    }
    const parse = { end: at, kinds };
    if (isAddress(parse)) return parse;
  }
  return null;
}

// Words that end a place name when walking left: parts of speech of function words, and the
// verbs that introduce an address. Other verbs occur in road names (解放路, 建设大道).
const STOP_TAGS = /^(?:p|c|u.*|r|d|y|e|o|w)$/;
const ADDRESS_VERBS = new Set([
  '住',
  '家住',
  '现住',
  '居住',
  '现居',
  '住在',
  '位于',
  '地处',
  '反映',
  '来电',
  '投诉',
  '举报',
  '称',
  '表示',
  '入住',
  '路过',
  '途经',
  '前往',
  '搬到',
  '迁至',
  '寄往',
  '送至',
  '发往',
  '地址',
  '住址',
  '住所',
  '至',
  '到',
  '在',
  '于',
  '从',
  '向',
  '往',
  '去',
  '是',
  '为',
  '将',
  '把',
]);
const VERB_PREFIXES = [...ADDRESS_VERBS].sort((a, b) => b.length - a.length);
const MAX_WORDS = 4;

/**
 * Where a chain without a division name starts: the run of up to four words ending at `to`
 * that are neither function words, address-introducing verbs nor numbers. The caller passes
 * `to` just past the trigger's first character, so a road or village name is segmented with
 * its suffix (天河路, 新塘村), as jieba knows them.
 */
function startBySegmentation(text: string, from: number, to: number, tag: Tagger): number {
  const words = tag(text.slice(from, to));
  let start = to;
  for (let i = words.length - 1; i >= 0 && words.length - i <= MAX_WORDS; i--) {
    const w = words[i]!;
    if (!/^[\u4e00-\u9fa5]+$/.test(w.word) || w.word.startsWith('号')) break;
    if (STOP_TAGS.test(w.tag) || ADDRESS_VERBS.has(w.word)) break;
    // The HMM sometimes glues the verb, or more, to the name (住翠苑, 车在丽景): keep only
    // what follows it.
    const verb = VERB_PREFIXES.find((v) => w.word.startsWith(v));
    if (verb) return start - (w.word.length - verb.length);
    const glued = w.tag === 'x' ? w.word.search(/[在住于到往从][^在住于到往从]*$/) : -1;
    if (glued >= 0) return start - (w.word.length - glued - 1);
    start -= w.word.length;
  }
  return start;
}

const WINDOW = 40;
const HAN = /[\u4e00-\u9fa5]/;

export function detectAddresses(text: string, tag: Tagger, out: Candidate[]): void {
  let lastEnd = 0;
  TRIGGER.lastIndex = 0;
  for (let m = TRIGGER.exec(text); m; m = TRIGGER.exec(text)) {
    const trigger = m.index;
    if (trigger < lastEnd) continue;
    // The window stops at the previous sentence break or address found.
    let from = Math.max(lastEnd, trigger - WINDOW);
    const br = text.slice(from, trigger).search(/[^,，。；;：:、\s（）()]*$/);
    from += br;
    const found = findChain(text, from, trigger, tag);
    if (!found) continue;
    out.push({ type: 'address', start: found.start, end: found.end });
    lastEnd = found.end;
    TRIGGER.lastIndex = Math.max(TRIGGER.lastIndex, found.end);
  }
}

/**
 * The address around a trigger: from the leftmost division name whose chain reaches the
 * trigger, or else from where segmentation puts the first component's start.
 */
function findChain(text: string, from: number, trigger: number, tag: Tagger) {
  for (let p = from; p <= trigger; p++) {
    if (divisionAt(text, p) === 0) continue;
    const parse = parseFrom(text, p);
    if (parse && parse.end > trigger && parse.kinds[0] === 'division') {
      return { start: p, end: parse.end };
    }
  }
  // A trigger starting with a character (路385号, 镇…村) is segmented with its road or town.
  const to = HAN.test(text[trigger] ?? '') ? trigger + 1 : trigger;
  const start = startBySegmentation(text, from, to, tag);
  if (start > trigger) return null;
  const parse = parseFrom(text, start);
  return parse && parse.end > trigger ? { start, end: parse.end } : null;
}
