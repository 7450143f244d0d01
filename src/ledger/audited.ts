import { ZsError } from '../errors.js';
import { actorLabel, type Principal } from '../identity/principal.js';
import type { ActionRecord } from '../metering/recorder.js';

export interface ActionContext {
  record(action: ActionRecord): Promise<unknown>;
  ip: string | null;
  requestId: string | null;
  /** Who acts: a principal, or a bare actor label (a login attempt names the user it tries). */
  actor: Principal | string;
  action: string;
  object: string | null;
}

/**
 * Run a management action and append it to the ledger, whether it succeeds (outcome `ok`) or is
 * refused (outcome = the error code): refused attempts are security events too. The entry is
 * durable before the response is sent.
 */
export async function audited<T>(
  ctx: ActionContext,
  fn: () => Promise<T>,
  detail: (result: T) => Record<string, unknown> | null = () => null,
): Promise<T> {
  const base = {
    actor: typeof ctx.actor === 'string' ? ctx.actor : actorLabel(ctx.actor),
    orgId: typeof ctx.actor === 'string' ? null : ctx.actor.orgId,
    action: ctx.action,
    object: ctx.object,
    ip: ctx.ip,
    requestId: ctx.requestId,
  };
  let result: T;
  try {
    result = await fn();
  } catch (err) {
    const code = err instanceof ZsError ? err.code : 'internal_error';
    await ctx.record({ ...base, outcome: code, detail: null });
    throw err;
  }
  await ctx.record({ ...base, outcome: 'ok', detail: detail(result) });
  return result;
}

/**
 * Contexts for actions made through the management API: recorded by the hub, with the request's
 * source address and id.
 */
export const requestActions =
  (hub: { recordAction(action: ActionRecord): Promise<void> }) =>
  (
    request: { ip: string; id: string },
    actor: Principal | string,
    action: string,
    object: string | null,
  ): ActionContext => ({
    record: (a) => hub.recordAction(a),
    ip: request.ip,
    requestId: request.id,
    actor,
    action,
    object,
  });
