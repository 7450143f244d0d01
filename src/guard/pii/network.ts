/**
 * E-mail addresses and IP addresses.
 */
import { isIPv6 } from 'node:net';
import { after, before } from './context.js';
import type { Candidate } from './types.js';

const LOCAL = /[A-Za-z0-9._%+-]/;
const DOMAIN = /[A-Za-z0-9.-]/;

/**
 * Every '@' is expanded left over local-part characters and right over domain characters;
 * cheaper than a regex that starts at every letter. Local parts hold no Chinese characters.
 */
export function detectEmails(text: string, out: Candidate[]): void {
  let minStart = 0;
  for (let at = text.indexOf('@'); at >= 0; at = text.indexOf('@', at + 1)) {
    let start = at;
    while (start > minStart && LOCAL.test(text[start - 1]!)) start--;
    while (start < at && text[start] === '.') start++;
    let end = at + 1;
    while (end < text.length && DOMAIN.test(text[end]!)) end++;
    while (end > at + 1 && /[.-]/.test(text[end - 1]!)) end--;
    if (start === at || text[at - 1] === '.') continue;
    const domain = text.slice(at + 1, end);
    const labels = domain.split('.');
    const tld = labels.at(-1) ?? '';
    if (labels.length < 2 || !/^[A-Za-z]{2,}$/.test(tld)) continue;
    if (labels.some((l) => l === '' || l.startsWith('-') || l.endsWith('-'))) continue;
    out.push({ type: 'email', start, end });
    minStart = end;
  }
}

const OCTET = '(?:25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)';
// Not inside a longer dotted or hyphenated run (dental formulae 1-3.1.4.2, OIDs).
const IPV4 = new RegExp(`(?<![0-9A-Za-z.-])${OCTET}(?:\\.${OCTET}){3}(?![0-9A-Za-z]|[.-]\\d)`, 'g');

// Dotted numbers that are versions or section numbers: "版本 2.1.0.3", "第3.2.1.4条".
const NOT_IP_BEFORE = /(?:版本|版本号|版|第|章节|条款|[Vv]|[Vv]er|[Vv]ersion)\s*$/;
const NOT_IP_AFTER = /^(?:节|条|款|章|项|版)/;

export function detectIpv4(text: string, out: Candidate[]): void {
  IPV4.lastIndex = 0;
  for (let m = IPV4.exec(text); m; m = IPV4.exec(text)) {
    const end = m.index + m[0].length;
    if (NOT_IP_BEFORE.test(before(text, m.index, 8)) || NOT_IP_AFTER.test(after(text, end, 1))) {
      continue;
    }
    out.push({ type: 'ipv4', start: m.index, end });
  }
}

// A run of hex digits, colons and dots with at least two colons; node:net decides.
const IPV6 =
  /(?<![0-9A-Za-z:.])(?=[0-9A-Fa-f.]*:[0-9A-Fa-f.]*:)[0-9A-Fa-f:.]{2,45}(?![0-9A-Za-z:])/g;

export function detectIpv6(text: string, out: Candidate[]): void {
  IPV6.lastIndex = 0;
  for (let m = IPV6.exec(text); m; m = IPV6.exec(text)) {
    const value = m[0].replace(/\.$/, '');
    if (!isIPv6(value) || !/[0-9A-Fa-f]/.test(value)) continue;
    out.push({ type: 'ipv6', start: m.index, end: m.index + value.length });
  }
}
