import { and, desc, eq, gte, inArray, like, lt, lte, type SQL } from 'drizzle-orm';
import type { Sealer } from '../crypto/sm.js';
import { notFound } from '../errors.js';
import { orgInScope } from '../identity/orgs.js';
import type { Principal } from '../identity/principal.js';
import { schema, type Db } from '../store/index.js';
import { parseTimeBound } from './range.js';

/** A ledger entry as the API shows it (snake_case, with the organisation's code). */
export interface EntryView {
  seq: number;
  at: Date;
  actor: string;
  org_id: string | null;
  org: string | null;
  action: string;
  object: string | null;
  outcome: string;
  ip: string | null;
  request_id: string | null;
  detail: Record<string, unknown> | null;
  prev_hash: string;
  hash: string;
}

export interface EntryFilter {
  from?: string | undefined;
  to?: string | undefined;
  actor?: string | undefined;
  org?: string | undefined;
  /** Exact, or a prefix ending in `*` (`call.*`). */
  action?: string | undefined;
  requestId?: string | undefined;
  beforeSeq?: number | undefined;
  limit: number;
}

const e = schema.ledgerEntries;
const o = schema.orgs;
const columns = {
  seq: e.seq,
  at: e.at,
  actor: e.actor,
  org_id: e.orgId,
  org: o.code,
  action: e.action,
  object: e.object,
  outcome: e.outcome,
  ip: e.ip,
  request_id: e.requestId,
  detail: e.detail,
  prev_hash: e.prevHash,
  hash: e.hash,
};

const escapeLike = (s: string) => s.replace(/[\\%_]/g, (c) => `\\${c}`);

/** A subtree's entries: only the platform-level caller also sees entries without an organisation. */
function subtree(db: Db, path: string, isRoot: boolean): SQL | undefined {
  if (isRoot) return undefined;
  return inArray(
    e.orgId,
    db
      .select({ id: o.id })
      .from(o)
      .where(like(o.path, `${escapeLike(path)}%`)),
  );
}

/** The operator and members of the platform's root organisation (path `/<id>/`) see every entry. */
export const seesWholeLedger = (p: Principal): boolean =>
  p.kind === 'operator' || p.orgPath.split('/').length === 3;

/** The caller's own scope: the whole ledger, or their organisation's subtree. */
const scope = (db: Db, principal: Principal): SQL | undefined =>
  subtree(db, principal.orgPath, seesWholeLedger(principal));

/** Entries newest first, filtered, one page at a time (`next_before_seq` continues). */
export async function listEntries(
  db: Db,
  principal: Principal,
  filter: EntryFilter,
): Promise<{ data: EntryView[]; next_before_seq: number | null }> {
  const conditions: (SQL | undefined)[] = [scope(db, principal)];
  if (filter.org !== undefined) {
    const org = await orgInScope(db, principal, filter.org);
    conditions.push(subtree(db, org.path, false));
  }
  if (filter.from !== undefined) conditions.push(gte(e.at, parseTimeBound(filter.from, 'from').at));
  if (filter.to !== undefined) {
    const bound = parseTimeBound(filter.to, 'to');
    conditions.push(bound.inclusive ? lte(e.at, bound.at) : lt(e.at, bound.at));
  }
  if (filter.actor !== undefined) conditions.push(eq(e.actor, filter.actor));
  if (filter.action !== undefined)
    conditions.push(
      filter.action.endsWith('*')
        ? like(e.action, `${escapeLike(filter.action.slice(0, -1))}%`)
        : eq(e.action, filter.action),
    );
  if (filter.requestId !== undefined) conditions.push(eq(e.requestId, filter.requestId));
  if (filter.beforeSeq !== undefined) conditions.push(lt(e.seq, filter.beforeSeq));
  const rows = await db
    .select(columns)
    .from(e)
    .leftJoin(o, eq(o.id, e.orgId))
    .where(and(...conditions))
    .orderBy(desc(e.seq))
    .limit(filter.limit + 1);
  const data = rows.slice(0, filter.limit);
  return {
    data,
    next_before_seq: rows.length > filter.limit ? (data.at(-1)?.seq ?? null) : null,
  };
}

/** One entry in the caller's scope, or ledger_entry_not_found (outside the scope looks the same). */
export async function getEntry(db: Db, principal: Principal, seq: number): Promise<EntryView> {
  const [row] = await db
    .select(columns)
    .from(e)
    .leftJoin(o, eq(o.id, e.orgId))
    .where(and(eq(e.seq, seq), scope(db, principal)));
  if (!row) throw notFound('ledger_entry_not_found', `No ledger entry ${seq}.`, { param: 'seq' });
  return row;
}

export type ContentStatus = 'none' | 'stored' | 'purged' | 'unreadable';

/**
 * A call's prompt and answer, if its organisation's policy kept them: opened with the master key,
 * bound to the request id (a sealed value moved to another row does not open).
 */
export async function readContent(
  db: Db,
  sealer: Sealer,
  entry: EntryView,
): Promise<{ status: ContentStatus; content: { prompt: unknown; answer: unknown } | null }> {
  const stored = entry.detail?.content_stored === true;
  if (!entry.request_id) return { status: 'none', content: null };
  const [row] = await db
    .select({ sealed: schema.ledgerContent.sealed })
    .from(schema.ledgerContent)
    .where(eq(schema.ledgerContent.requestId, entry.request_id));
  if (!row) return { status: stored ? 'purged' : 'none', content: null };
  try {
    const opened = JSON.parse(sealer.open(row.sealed, `ledger-content:${entry.request_id}`)) as {
      prompt: unknown;
      answer: unknown;
    };
    return { status: 'stored', content: { prompt: opened.prompt, answer: opened.answer } };
  } catch {
    return { status: 'unreadable', content: null };
  }
}
