/**
 * Valid personal data of every type, in the forms people write it. Check digits are computed
 * here from the standards (regulations.md §4), independently of the detector's validators.
 */
import { DIVISIONS } from '../../../../src/guard/pii/gazetteer.js';
import { fullWidth, type Random } from './random.js';

const COUNTIES = DIVISIONS.filter((d) => d.level === 'county').map((d) => d.code);

function idCheck(body: string): string {
  const weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += Number(body[i]) * weights[i]!;
  return '10X98765432'[sum % 11]!;
}

export function birthDate(r: Random, from = 1940, to = 2012): string {
  const y = r.int(from, to);
  const m = r.int(1, 12);
  const days = new Date(Date.UTC(y, m, 0)).getUTCDate();
  return `${y}${String(m).padStart(2, '0')}${String(r.int(1, days)).padStart(2, '0')}`;
}

export function residentIdDigits(r: Random): string {
  const body = `${r.pick(COUNTIES)}${birthDate(r)}${r.digits(3)}`;
  return body + idCheck(body);
}

/** Same body, a different (wrong) check character. */
export function wrongCheck(id: string): string {
  const chars = '0123456789X';
  const right = id[17]!;
  const wrong = chars[(chars.indexOf(right) + 1 + (id.charCodeAt(5) % 10)) % 11]!;
  return id.slice(0, 17) + wrong;
}

export function residentId(r: Random): string {
  let id = residentIdDigits(r);
  if (id.endsWith('X') && r.chance(0.3)) id = `${id.slice(0, 17)}x`;
  const style = r.next();
  if (style < 0.15) return fullWidth(id);
  if (style < 0.22) return id.replace(/^(\d{4})(\d{4})(\d{4})(\d{4})(..)$/, '$1 $2 $3 $4 $5');
  if (style < 0.27) return id.replace(/^(\d{6})(\d{8})(....)$/, '$1 $2 $3');
  return id;
}

// GB 32100 alphabet and weights; GB 11714 organisation-code weights.
const USCC_ALPHABET = '0123456789ABCDEFGHJKLMNPQRTUWXY';
const USCC_WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];
const ORG_WEIGHTS = [3, 7, 9, 10, 5, 8, 4, 2];

function orgCheck(body: string): string {
  let sum = 0;
  for (let i = 0; i < 8; i++) {
    const c = body[i]!;
    const v = /\d/.test(c) ? Number(c) : c.charCodeAt(0) - 55;
    sum += v * ORG_WEIGHTS[i]!;
  }
  const c9 = 11 - (sum % 11);
  return c9 === 10 ? 'X' : c9 === 11 ? '0' : String(c9);
}

export function usccCheck(body17: string): string {
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += USCC_ALPHABET.indexOf(body17[i]!) * USCC_WEIGHTS[i]!;
  return USCC_ALPHABET[(31 - (sum % 31)) % 31]!;
}

export function creditCode(r: Random): string {
  // 9 enterprises (1 company, 2 sole proprietor, 3 partnership), 1 government bodies,
  // 5 social organisations; post-2015 codes often start the organisation part with MA.
  const head = r.pick(['91', '91', '91', '92', '93', '11', '12', '51', '52']);
  const region = r.pick(COUNTIES);
  const letters = 'ABCDEFGHJKLMNPQRTUWXY';
  let org = '';
  if (head === '91' && r.chance(0.5)) {
    org = 'MA';
    for (let i = 0; i < 6; i++) org += r.chance(0.4) ? r.pick([...letters]) : String(r.int(0, 9));
  } else {
    org = r.digits(8);
  }
  const body = `${head}${region}${org}${orgCheck(org)}`;
  return body + usccCheck(body);
}

function luhnDigit(body: string): string {
  let sum = 0;
  for (let i = 0; i < body.length; i++) {
    let d = Number(body[body.length - 1 - i]);
    if (i % 2 === 0) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return String((10 - (sum % 10)) % 10);
}

// Issuer prefixes of cards common in China (UnionPay debit and credit, Visa, Mastercard).
const BINS = [
  '622202',
  '621700',
  '622848',
  '621661',
  '622588',
  '622262',
  '623668',
  '625965',
  '436742',
  '524094',
  '622908',
  '621483',
];

export function bankCardDigits(r: Random): string {
  const bin = r.pick(BINS);
  const length = bin.startsWith('4') || bin.startsWith('5') ? 16 : r.pick([16, 19, 19]);
  const body = bin + r.digits(length - bin.length - 1);
  return body + luhnDigit(body);
}

export function withLuhn(body: string): string {
  return body + luhnDigit(body);
}

export function bankCard(r: Random): string {
  const card = bankCardDigits(r);
  const style = r.next();
  if (style < 0.3) return card.replace(/(\d{4})(?=\d)/g, '$1 ');
  if (style < 0.4) return fullWidth(card);
  return card;
}

// Allocated mobile prefixes (regulations.md §4.5).
const MOBILE_PREFIXES = [
  '130',
  '131',
  '132',
  '133',
  '135',
  '136',
  '137',
  '138',
  '139',
  '150',
  '151',
  '152',
  '153',
  '155',
  '156',
  '157',
  '158',
  '159',
  '166',
  '170',
  '173',
  '175',
  '176',
  '177',
  '178',
  '180',
  '181',
  '182',
  '183',
  '185',
  '186',
  '187',
  '188',
  '189',
  '191',
  '193',
  '195',
  '198',
  '199',
  '147',
];

export function mobileDigits(r: Random): string {
  return r.pick(MOBILE_PREFIXES) + r.digits(8);
}

export function mobile(r: Random): string {
  const m = mobileDigits(r);
  const style = r.next();
  if (style < 0.1) return `+86 ${m}`;
  if (style < 0.15) return `+86-${m}`;
  if (style < 0.25) return m.replace(/^(\d{3})(\d{4})(\d{4})$/, '$1 $2 $3');
  if (style < 0.32) return m.replace(/^(\d{3})(\d{4})(\d{4})$/, '$1-$2-$3');
  if (style < 0.42) return fullWidth(m);
  return m;
}

// Area codes with 8-digit subscriber numbers.
const AREA_CODES = [
  '010',
  '020',
  '021',
  '022',
  '023',
  '024',
  '025',
  '027',
  '028',
  '029',
  '0755',
  '0757',
  '0769',
  '0571',
  '0512',
  '0731',
  '0898',
  '0591',
  '0532',
  '0371',
  '0311',
  '0760',
  '0754',
];

export function landline(r: Random): string {
  const area = r.pick(AREA_CODES);
  const sub = String(r.int(2, 8)) + r.digits(7);
  const style = r.next();
  if (style < 0.35) return `${area}-${sub}`;
  if (style < 0.5) return `(${area})${sub}`;
  if (style < 0.6) return `（${area}）${sub.slice(0, 4)} ${sub.slice(4)}`;
  if (style < 0.72) return `${area} ${sub}`;
  if (style < 0.8) return fullWidth(`${area}-${sub}`);
  return area + sub;
}

/** A subscriber number without its area code (labelled only right after a phone cue). */
export function localLandline(r: Random): string {
  return String(r.int(2, 8)) + r.digits(7);
}

const PINYIN = [
  'zhangwei',
  'wangfang',
  'liming',
  'liuyang',
  'chenjing',
  'yangli',
  'huangmin',
  'zhaolei',
  'wuxiaohong',
  'zhoujie',
  'xuqiang',
  'sunli',
  'maxiaofeng',
  'zhuhua',
  'hujun',
  'guoying',
  'heping',
  'linxin',
  'luotao',
  'liangchao',
];
const DOMAINS = [
  '163.com',
  '126.com',
  'qq.com',
  'sina.com',
  'foxmail.com',
  'outlook.com',
  'gz.gov.cn',
  'gd.gov.cn',
  'sz.gov.cn',
  'mail.hzu.edu.cn',
  'gmail.com',
  'yeah.net',
];

export function email(r: Random): string {
  const style = r.next();
  const name = r.pick(PINYIN);
  let local: string;
  if (style < 0.2) local = String(r.int(10000, 2999999999));
  else if (style < 0.3) local = mobileDigits(r);
  else if (style < 0.5) local = `${name}${r.int(1, 2024)}`;
  else if (style < 0.6) local = `${name.slice(0, 2)}.${name.slice(2)}`;
  else if (style < 0.7) local = `${name}_${r.int(80, 99)}`;
  else local = name;
  return `${local}@${r.pick(DOMAINS)}`;
}

export function ipv4(r: Random): string {
  const style = r.next();
  if (style < 0.4) return `192.168.${r.int(0, 255)}.${r.int(1, 254)}`;
  if (style < 0.6) return `10.${r.int(0, 255)}.${r.int(0, 255)}.${r.int(1, 254)}`;
  return `${r.int(1, 223)}.${r.int(0, 255)}.${r.int(0, 255)}.${r.int(1, 254)}`;
}

export function ipv6(r: Random): string {
  const hex = () => r.int(0, 0xffff).toString(16);
  const style = r.next();
  if (style < 0.4) return `2001:db8:${hex()}:${hex()}::${hex()}`;
  if (style < 0.7) return `240e:${hex()}:${hex()}:${hex()}:${hex()}:${hex()}:${hex()}:${hex()}`;
  if (style < 0.85) return `fe80::${hex()}:${hex()}:${hex()}:${hex()}`;
  return `::ffff:192.168.${r.int(0, 255)}.${r.int(1, 254)}`;
}

const SERIAL_LETTERS = 'ABCDEFGHJKLMNPQRSTUVWXYZ';

export function passport(r: Random): string {
  const style = r.next();
  if (style < 0.5) return `E${r.digits(8)}`;
  if (style < 0.7) return `E${r.pick([...SERIAL_LETTERS])}${r.digits(7)}`;
  if (style < 0.9) return `G${r.digits(8)}`;
  return `${r.pick(['D', 'S', 'P'])}${r.digits(r.pick([7, 8]))}`;
}

export type PermitKind = 'hk_macau' | 'home_return' | 'taiwan_compatriot';

export function travelPermit(r: Random, kind: PermitKind): string {
  if (kind === 'hk_macau') {
    return r.chance(0.6) ? `C${r.digits(8)}` : `C${r.pick([...SERIAL_LETTERS])}${r.digits(7)}`;
  }
  if (kind === 'home_return') return `${r.pick(['H', 'M'])}${r.digits(r.pick([8, 10]))}`;
  return r.digits(8);
}

const PLATE_PROVINCES = '京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼';
const PLATE_LETTERS = 'ABCDEFGHJKLMNPQRSTUVWXYZ';
const SERIAL = 'ABCDEFGHJKLMNPQRSTUVWXYZ0123456789';

export function plate(r: Random): string {
  const head = r.pick([...PLATE_PROVINCES]) + r.pick([...PLATE_LETTERS.slice(0, 12)]);
  const style = r.next();
  if (style < 0.2) return `${head}${r.pick([...'DF'])}${r.pick([...SERIAL])}${r.digits(4)}`;
  if (style < 0.3) return `${head}${r.digits(5)}${r.pick([...'DF'])}`;
  if (style < 0.4) return `${head}·${r.digits(5)}`;
  if (style < 0.5) return `${head}${r.digits(4)}${r.pick([...'学警挂'])}`;
  // Ordinary: five characters, at most two letters.
  const serial = [...r.digits(5)];
  for (let i = r.int(0, 2); i > 0; i--) serial[r.int(0, 4)] = r.pick([...PLATE_LETTERS]);
  return head + serial.join('');
}
