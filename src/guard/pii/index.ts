/**
 * PII detection for Chinese text: identifiers with check digits (resident ID, unified social
 * credit code, bank cards), phone numbers (libphonenumber-js), e-mail and IP addresses,
 * passports, travel permits, vehicle plates, street addresses and person names. See docs/pii.md.
 */
import { detectAddresses } from './address.js';
import { detectCreditCodes, detectDocuments, detectPlates } from './identifiers.js';
import { detectNames } from './names.js';
import { detectEmails, detectIpv4, detectIpv6 } from './network.js';
import { fold, toOriginalSpan } from './normalize.js';
import { detectNumbers } from './numbers.js';
import { resolveOverlaps } from './resolve.js';
import { tag } from './segment.js';
import { PII_TYPES, type Candidate, type PiiSpan, type PiiType } from './types.js';

export { isValidCreditCode, isValidResidentId } from './checksums.js';
export { PII_LABELS, PII_TYPES, type PiiSpan, type PiiType } from './types.js';

export interface PiiDetector {
  detect(text: string): PiiSpan[];
}

type Family = (text: string, out: Candidate[]) => void;

// Each detector family and the types it can produce; a family runs when one of them is wanted.
const FAMILIES: [readonly PiiType[], Family][] = [
  [['id_card', 'bank_card', 'mobile', 'landline', 'travel_permit'], detectNumbers],
  [['credit_code'], detectCreditCodes],
  [['passport', 'travel_permit'], detectDocuments],
  [['plate'], detectPlates],
  [['email'], detectEmails],
  [['ipv4'], detectIpv4],
  [['ipv6'], detectIpv6],
  [['address'], (text, out) => detectAddresses(text, tag, out)],
  [['person_name'], (text, out) => detectNames(text, tag, out)],
];

export function createPiiDetector(options: { types?: readonly PiiType[] } = {}): PiiDetector {
  const wanted = new Set(options.types ?? PII_TYPES);
  const families = FAMILIES.filter(([types]) => types.some((t) => wanted.has(t))).map(
    ([, family]) => family,
  );
  return {
    detect(text: string): PiiSpan[] {
      const folded = fold(text);
      const candidates: Candidate[] = [];
      for (const family of families) family(folded.text, candidates);
      // Overlaps are settled among everything found, then unwanted types dropped: a bank card
      // is not reported as a phone number because only phones were asked for.
      return resolveOverlaps(candidates)
        .filter((c) => wanted.has(c.type))
        .map((c) => {
          const [start, end] = toOriginalSpan(folded, c.start, c.end);
          return { type: c.type, start, end, text: text.slice(start, end) };
        });
    },
  };
}
