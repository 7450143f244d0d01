/**
 * Person names, found only next to a cue: a role or label before the name (姓名：, 联系人,
 * 投诉人, 市民, 参会人员：…, which may introduce a list separated by 、) or a form of address
 * after it (先生, 女士, 同志, 主任…). A name is a known surname followed by one or two given-name
 * characters (two or three after a compound surname).
 *
 * Where the name ends is decided in this order: punctuation right after it; a word that usually
 * follows a name (电话, 反映, 于…); jieba's segmentation (HMM on, which joins unseen names); a
 * three-character name by default, the commonest form. A bare surname with a title (张先生, the
 * hotline's way of anonymising callers) is not a name here.
 */
import { COMPOUND_SURNAMES, SINGLE_SURNAMES } from './data/surnames.js';
import type { Tagger } from './segment.js';
import type { Candidate } from './types.js';

const SINGLE = new Set(SINGLE_SURNAMES);
const COMPOUND = new Set(COMPOUND_SURNAMES);

/** Space-separated words, longest first, so that 来访人员 is matched before 来访人. */
function words(list: string): string[] {
  return list.split(' ').sort((a, b) => b.length - a.length);
}

// Labels and roles written before a name.
const BEFORE = words(
  '法定代表人 被申请人 被投诉人 参会人员 出席人员 列席人员 参加人员 与会人员 法人代表 联系人 申请人 投诉人 举报人 来电人 来访人 反映人 信访人 当事人 经办人 负责人 承办人 记录人 主持人 审核人 审批人 签发人 报告人 委托人 代理人 监护人 收件人 寄件人 申报人 填表人 驾驶人 驾驶员 姓名 户主 市民 居民 村民 群众 业主 患者 职工 车主 出席 列席 我叫 我是 本人 收款人 付款人 持有人 对接人 居住人 证明 介绍人 担保人 借款人 联络人 承租人 出租人 原告 被告 第三人 管理员 户名 持证人 持卡人 经营者 配偶 网格员 来访人员 陪同人员 值班人员 执法人员 落款 授权代表 签名 签字人 责任人 股东 网管',
);
// Cues after which several names may follow, separated by 、 or ，.
const LIST_CUES = new Set(words('参会人员 出席人员 列席人员 参加人员 与会人员 出席 列席'));
// Forms of address written after a name.
const ADDRESS_FORMS = words('先生 女士 同志 老师 师傅 医生 律师 警官 阿姨');
// Titles written after a name; organisation names stand before them just as often (发展局局长,
// 办公室主任), so the name must be preceded by a boundary (see TITLE_BOUNDARY).
const TITLES = words(
  '秘书长 副主任 副局长 副书记 副县长 副市长 副区长 副镇长 董事长 总经理 书记 主任 局长 处长 科长 县长 市长 区长 镇长 乡长 村长 厅长 部长 主席 经理 院长 校长 所长 站长 队长 组长 教授',
);
// After a label the name may follow a colon, a space or a copula (车主系唐伟, 联系人为李明).
const CUE = new RegExp(
  `(${BEFORE.join('|')})(?:[:：\\s]*|系|为|是)|(${ADDRESS_FORMS.join('|')})|(${TITLES.join('|')})`,
  'g',
);

// Characters that do not occur in given names but do right after one (电话, 反映, 于…).
const NOT_GIVEN = new Set(
  '的了是在和与及或等对从到被把将说称电话号码证岁年月日员会委办部厅院所站队组省县区镇乡村街路局处室司务人副总首位社反映来投诉举报申请联系住址家现于因已要求认负责记录主持参加出席我你他她它们这那哪什么谁其此该各每某',
);
// Words that usually follow a name; a name ends where one of them starts.
const FOLLOW =
  /^(?:电话|手机|联系|身份证|证件|反映|来电|来访|投诉|举报|申请|称|表示|说|认为|要求|于|在|住|家住|现住|居住|性别|男|女|年龄|同志|先生|女士|等|及|和|与|主持|记录|出席|参加|负责|签字|已|经|因|对|向|将|所|是|的|为|现|系|持|驾驶|报称|诉称)/;
// Function words that are also surnames (向, 于, 和, 由…) and often stand right before a name.
const FUNCTION_CHARS = new Set(
  '向于和由将把被给对为从同跟与及经请让叫找致约派陪等是的了在但都也还就又才',
);

// What may stand right before a name followed by a title: a function word or the end of an
// organisation's name or of another title (办公室王建国主任, 处长杨桢教授).
const TITLE_BOUNDARY = new Set('局处室司厅部委会办院所校厂团党社科组队中心府长');

// Parts of speech jieba gives names: nr (person), nrt/nrfg (transliterated, full), x (a word
// the HMM joined that the dictionary does not know, as most given names are).
const NAME_TAGS = new Set(['nr', 'nrt', 'nrfg', 'x']);

const HAN = /[\u4e00-\u9fa5]/;

function surnameLength(s: string): number {
  if (COMPOUND.has(s.slice(0, 2))) return 2;
  return SINGLE.has(s[0] ?? '') ? 1 : 0;
}

/** A surname and one or two given-name characters, nothing else. */
function isName(s: string): boolean {
  const sur = surnameLength(s);
  const given = s.length - sur;
  if (sur === 0 || given < 1 || given > 2) return false;
  for (let i = sur; i < s.length; i++) if (NOT_GIVEN.has(s[i]!)) return false;
  return true;
}

// Function-word tags: preposition, particle, conjunction, pronoun, adverb.
const FUNCTION_TAG = /^(?:p|u.*|c|r|d)$/;

interface Token {
  start: number;
  end: number;
  word: string;
  tag: string;
}

/** One segmentation of the run of characters around a cue; every candidate is read from it. */
function tokens(run: string, segment: Tagger): Token[] {
  let at = 0;
  return segment(run).map((w) => {
    const t = { start: at, end: at + w.word.length, word: w.word, tag: w.tag };
    at = t.end;
    return t;
  });
}

/**
 * Candidates [from, to) that jieba reads as something else: a dictionary word at the start
 * (安排 v, 普遍 a, 公司 n in 公司原) or a function word after the surname-like character (任为:
 * r + p). A compound surname jieba tags as a place (欧阳) is no objection.
 */
function isOtherWord(words: Token[], from: number, to: number): boolean {
  const inside = words.filter((t) => t.start >= from && t.start < to);
  const first = inside[0];
  if (
    first?.start === from &&
    first.end <= to &&
    first.word.length >= 2 &&
    !COMPOUND.has(first.word) &&
    !NAME_TAGS.has(first.tag)
  ) {
    return true;
  }
  return inside.some((t, i) => i > 0 && t.word.length === 1 && FUNCTION_TAG.test(t.tag));
}

function hanRun(text: string, from: number, max: number): string {
  let end = from;
  while (end < text.length && end - from < max && HAN.test(text[end]!)) end++;
  return text.slice(from, end);
}

function hanRunBefore(text: string, to: number, max: number): string {
  let start = to;
  while (start > 0 && to - start < max && HAN.test(text[start - 1]!)) start--;
  return text.slice(start, to);
}

/** The name starting at `pos` (after a cue before it), as a length, or 0. */
function nameAfter(text: string, pos: number, segment: Tagger): number {
  const run = hanRun(text, pos, 8);
  const sur = surnameLength(run);
  if (sur === 0) return 0;
  const shapes = [sur + 2, sur + 1].filter((l) => l <= run.length && isName(run.slice(0, l)));
  if (shapes.length === 0) return 0;
  const words = tokens(run, segment);
  const lengths = shapes.filter((l) => !isOtherWord(words, 0, l));
  if (lengths.length === 0) return 0;
  if (lengths.includes(run.length)) return run.length;
  for (const l of lengths) if (FOLLOW.test(text.slice(pos + l, pos + l + 3))) return l;
  const first = words[0]?.word ?? '';
  if (lengths.includes(first.length)) return first.length;
  return lengths[0]!;
}

/**
 * The name ending at `end` (before a form of address or title), as a length, or 0. After a
 * title the name must start at a boundary (TITLE_BOUNDARY, punctuation, a function word).
 */
function nameBefore(text: string, end: number, segment: Tagger, title: boolean): number {
  const run = hanRunBefore(text, end, 6);
  const shapes = [4, 3, 2].filter((l) => l <= run.length && isName(run.slice(-l)));
  if (shapes.length === 0) return 0;
  const words = tokens(run, segment);
  const fits = shapes.filter((l) => !isOtherWord(words, run.length - l, run.length));
  let len = 0;
  if (fits.includes(run.length)) len = run.length;
  else {
    const last = words.at(-1)?.word ?? '';
    if (fits.includes(last.length)) len = last.length;
    // 向王芳: 向 is a surname, but here the preposition before 王芳.
    else len = fits.find((l) => !(FUNCTION_CHARS.has(run.at(-l)!) && fits.includes(l - 1))) ?? 0;
  }
  if (!len || !title || len === run.length) return len;
  const prev = run.at(-len - 1)!;
  return TITLE_BOUNDARY.has(prev) || FUNCTION_CHARS.has(prev) ? len : 0;
}

export function detectNames(text: string, segment: Tagger, out: Candidate[]): void {
  CUE.lastIndex = 0;
  for (let m = CUE.exec(text); m; m = CUE.exec(text)) {
    if (m[2] || m[3]) {
      const len = nameBefore(text, m.index, segment, m[3] !== undefined);
      if (len) out.push({ type: 'person_name', start: m.index - len, end: m.index });
      continue;
    }
    let pos = m.index + m[0].length;
    for (let count = 0; count < 30; count++) {
      const len = nameAfter(text, pos, segment);
      if (!len) break;
      out.push({ type: 'person_name', start: pos, end: pos + len });
      pos += len;
      const sep = text[pos];
      const more = sep === '、' || (LIST_CUES.has(m[1] ?? '') && (sep === '，' || sep === ','));
      if (!more) break;
      pos += 1;
    }
    CUE.lastIndex = Math.max(CUE.lastIndex, pos);
  }
}
