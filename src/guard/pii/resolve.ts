/**
 * Overlapping candidates: the more specific type wins. An e-mail holds the phone number in its
 * local part; a credit code that also passes as an ID has two checks to the ID's one; checksum
 * types beat shape-only ones; addresses and names, found by heuristics, come last. Within a
 * type the longer span wins (a landline with its area code in parentheses over the bare number).
 */
import type { Candidate, PiiType } from './types.js';

const RANK: Record<PiiType, number> = {
  email: 0,
  credit_code: 1,
  id_card: 2,
  bank_card: 3,
  passport: 4,
  travel_permit: 5,
  mobile: 6,
  landline: 7,
  ipv6: 8,
  ipv4: 9,
  plate: 10,
  address: 11,
  person_name: 12,
};

function pick(cluster: Candidate[]): Candidate[] {
  if (cluster.length === 1) return cluster;
  const byPreference = [...cluster].sort(
    (a, b) =>
      RANK[a.type] - RANK[b.type] || b.end - b.start - (a.end - a.start) || a.start - b.start,
  );
  const kept: Candidate[] = [];
  for (const c of byPreference) {
    if (kept.every((k) => c.end <= k.start || c.start >= k.end)) kept.push(c);
  }
  return kept.sort((a, b) => a.start - b.start);
}

/** Sorted, non-overlapping spans. Only clusters of overlapping candidates are compared. */
export function resolveOverlaps(candidates: Candidate[]): Candidate[] {
  const sorted = [...candidates].sort((a, b) => a.start - b.start);
  const out: Candidate[] = [];
  let cluster: Candidate[] = [];
  let clusterEnd = -1;
  for (const c of sorted) {
    if (c.start >= clusterEnd && cluster.length > 0) {
      out.push(...pick(cluster));
      cluster = [];
    }
    cluster.push(c);
    clusterEnd = Math.max(clusterEnd, c.end);
  }
  if (cluster.length > 0) out.push(...pick(cluster));
  return out;
}
