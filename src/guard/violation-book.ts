import { and, desc, eq, gt, gte, like, lt, sql } from 'drizzle-orm';
import { schema, type Db } from '../store/index.js';
import {
  decideViolation,
  historyWindow,
  type ViolationDecision,
  type ViolationEvent,
  type ViolationPolicy,
} from './safety/index.js';

/** What the book knows of a subject: its suspension, and whether its run of violations is open. */
interface SubjectState {
  until: number;
  lastViolated: boolean;
  loadedAt: number;
}

/** A suspension as the security administrator lists it. */
export interface Suspension {
  subject: string;
  orgCode: string;
  orgPath: string;
  at: Date;
  until: Date;
  risk: string | null;
  requestId: string | null;
}

const CACHE_LIMIT = 10_000;

/**
 * The suspension policy's memory (暂行办法 Art. 14): each subject's violations and suspensions in
 * `safety_events`. Only violations and the clean input that ends a run of them are stored, which
 * decides exactly as the full history would (a run counts violations back to the last clean
 * input; a day counts violations). A subject's state is cached for `ttlMs`, so a clean call
 * normally costs no query; another hub process sees a new suspension within that time.
 */
export class ViolationBook {
  private readonly states = new Map<string, SubjectState>();

  constructor(
    private readonly db: Db,
    readonly policy: ViolationPolicy,
    private readonly ttlMs = 5_000,
  ) {}

  /** Whether the policy can suspend anyone at all. */
  get active(): boolean {
    return this.policy.consecutive > 0 || this.policy.perDay > 0;
  }

  /** End of the subject's suspension, or null when it may call. */
  async suspendedUntil(subject: string, now = new Date()): Promise<Date | null> {
    const state = await this.state(subject, now);
    return state.until > now.getTime() ? new Date(state.until) : null;
  }

  /**
   * Record a moderated input: a violation is decided on (and may suspend the subject); a clean
   * input is stored only when it ends a run. Durable when the promise resolves.
   */
  async record(event: {
    subject: string;
    orgId: string;
    at: Date;
    violated: boolean;
    risk: string | null;
    requestId: string;
  }): Promise<ViolationDecision | null> {
    const { subject, at } = event;
    if (!event.violated) {
      const state = await this.state(subject, at);
      if (!state.lastViolated) return null;
      await this.db.insert(schema.safetyEvents).values({ ...event, suspended: false });
      state.lastViolated = false;
      return null;
    }
    const decision = await this.db.transaction(async (tx) => {
      // Two violations of one subject at once must not both count from the same history.
      await tx.execute(sql`SELECT pg_advisory_xact_lock(hashtext(${`zs-safety:${subject}`}))`);
      const history = await this.history(tx, subject, at);
      const d = decideViolation(history, { at, violated: true }, this.policy);
      await tx
        .insert(schema.safetyEvents)
        .values({ ...event, suspended: d.suspend, until: d.until });
      return d;
    });
    // Reloaded on the next call unless this suspended the subject (refused before any query).
    this.states.delete(subject);
    if (decision.until)
      this.remember(subject, {
        until: decision.until.getTime(),
        lastViolated: true,
        loadedAt: Date.now(),
      });
    return decision;
  }

  /** Suspensions still running in the organisations under `orgPath`, newest first. */
  async suspensions(orgPath: string, now = new Date()): Promise<Suspension[]> {
    const t = schema.safetyEvents;
    const o = schema.orgs;
    const rows = await this.db
      .select({ event: t, orgCode: o.code, orgPath: o.path })
      .from(t)
      .innerJoin(o, eq(o.id, t.orgId))
      .where(and(eq(t.suspended, true), gt(t.until, now), like(o.path, `${orgPath}%`)))
      .orderBy(desc(t.at));
    return rows.map(({ event, orgCode, orgPath }) => ({
      subject: event.subject,
      orgCode,
      orgPath,
      at: event.at,
      until: event.until ?? now,
      risk: event.risk,
      requestId: event.requestId,
    }));
  }

  /** End a subject's running suspensions now; returns how many there were. */
  async lift(subject: string, now = new Date()): Promise<number> {
    const t = schema.safetyEvents;
    const lifted = await this.db
      .update(t)
      .set({ until: now })
      .where(and(eq(t.subject, subject), eq(t.suspended, true), gt(t.until, now)))
      .returning({ id: t.id });
    this.states.delete(subject);
    return lifted.length;
  }

  /** Forget cached states (another process lifted a suspension: the sync loop calls this). */
  clear(): void {
    this.states.clear();
  }

  private async state(subject: string, now: Date): Promise<SubjectState> {
    const cached = this.states.get(subject);
    if (cached && Date.now() - cached.loadedAt < this.ttlMs) return cached;
    const t = schema.safetyEvents;
    const [last] = await this.db
      .select({ violated: t.violated })
      .from(t)
      .where(eq(t.subject, subject))
      .orderBy(desc(t.at), desc(t.id))
      .limit(1);
    const [running] = await this.db
      .select({ until: sql<Date | string | null>`max(${t.until})` })
      .from(t)
      .where(and(eq(t.subject, subject), eq(t.suspended, true), gt(t.until, now)));
    const until = running?.until ? new Date(running.until).getTime() : 0;
    const state = { until, lastViolated: last?.violated ?? false, loadedAt: Date.now() };
    this.remember(subject, state);
    return state;
  }

  private remember(subject: string, state: SubjectState): void {
    if (this.states.size >= CACHE_LIMIT) this.states.clear();
    this.states.set(subject, state);
  }

  /** The events decideViolation needs: the Shanghai day so far and the run before it. */
  private async history(tx: Db, subject: string, at: Date): Promise<ViolationEvent[]> {
    const t = schema.safetyEvents;
    const { since, last } = historyWindow(this.policy, at);
    const cols = { at: t.at, violated: t.violated, suspended: t.suspended };
    const today = await tx
      .select(cols)
      .from(t)
      .where(and(eq(t.subject, subject), gte(t.at, since)));
    const before =
      last === 0
        ? []
        : await tx
            .select(cols)
            .from(t)
            .where(and(eq(t.subject, subject), lt(t.at, since)))
            .orderBy(desc(t.at), desc(t.id))
            .limit(last);
    return [...today, ...before];
  }
}
