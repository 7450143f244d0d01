import { badRequest, forbidden } from '../errors.js';
import type { CallOutcome } from '../gateway/outcome.js';
import type { Json, Operation } from '../gateway/providers/index.js';
import type { KeyGrant } from '../identity/keys.js';
import { safetyOf, type Moderator } from './moderation.js';
import type { ViolationBook } from './violation-book.js';

export interface ScreenDeps {
  moderator: Moderator;
  violations: ViolationBook;
}

/**
 * Who answers for an input under the suspension policy: the key, or one end user of an app's
 * key when the request names it in OpenAI's `user` field (so one citizen's abuse does not
 * suspend the whole app).
 */
export function violationSubject(grant: KeyGrant, body: Json): string {
  const user = typeof body.user === 'string' ? body.user.trim().slice(0, 128) : '';
  return user ? `key:${grant.id}/user:${user}` : `key:${grant.id}`;
}

/** `2026-11-25 09:30` in Asia/Shanghai (UTC+8 all year). */
const shanghaiMinute = (at: Date): string =>
  new Date(at.getTime() + 8 * 3_600_000).toISOString().slice(0, 16).replace('T', ' ');

/**
 * Content safety before a call goes anywhere: a suspended caller is refused; the input is
 * checked against the lexicon, and a blocked one is refused with its risk class's refusal and
 * counted against the caller (which may suspend them); injection patterns in tool output are
 * noted. Everything found goes into `outcome.safety` for the ledger.
 */
export async function screenInput(
  deps: ScreenDeps,
  call: { op: Operation; body: Json; grant: KeyGrant; outcome: CallOutcome },
): Promise<void> {
  const { op, body, outcome } = call;
  const { moderator, violations } = deps;
  const counted = moderator.checksInput(op) && violations.active;
  const subject = violationSubject(call.grant, body);
  if (counted) {
    const until = await violations.suspendedUntil(subject);
    if (until)
      throw forbidden(
        'user_suspended',
        `Service to this caller is suspended until ${shanghaiMinute(until)} (Asia/Shanghai) after repeated prohibited input; the security administrator can lift it.`,
      );
  }
  const { verdict, injection } = moderator.input(op, body);
  if (injection.length > 0 || (verdict !== null && verdict.record.hits.length > 0)) {
    const record = safetyOf(outcome);
    record.input = verdict?.record ?? null;
    record.injection = injection;
  }
  if (!verdict || !counted) {
    if (verdict?.block) throw blocked(moderator, verdict.block.risk, op);
    return;
  }
  const decision = await violations.record({
    subject,
    orgId: outcome.orgId,
    at: outcome.receivedAt,
    violated: verdict.block !== null,
    risk: verdict.block?.risk ?? null,
    requestId: outcome.requestId,
  });
  if (!decision || !verdict.block) return;
  safetyOf(outcome).violation = {
    subject,
    consecutive: decision.consecutive,
    today: decision.today,
    suspended_until: decision.until?.toISOString() ?? null,
  };
  throw blocked(moderator, verdict.block.risk, op);
}

function blocked(moderator: Moderator, risk: Parameters<Moderator['refusal']>[0], op: Operation) {
  return badRequest('content_blocked', moderator.refusal(risk), {
    param: op === 'chat' ? 'messages' : 'prompt',
  });
}
