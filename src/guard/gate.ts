import type { Json, Operation } from '../gateway/providers/index.js';
import { candidates } from '../gateway/plan.js';
import type { KeyGrant } from '../identity/keys.js';
import type { Registry, RuntimeModel } from '../registry/snapshot.js';
import { mapTexts, textsOf } from './body.js';
import { decideLevel, type LevelDecision } from './decide.js';
import { maxLevel, parseLevelHeader, type Clearance } from './levels.js';
import { MaskVault } from './mask.js';
import type { PiiDetector, PiiSpan, PiiType } from './pii/index.js';
import type { GuardPolicies } from './policy.js';

/** What the guard decided for one call: recorded in the ledger entry and the response header. */
export interface GuardRecord {
  level: LevelDecision['level'];
  reason: LevelDecision['reason'];
  action: LevelDecision['action'];
  /** Personal identifiers found in what would reach the model, by type. */
  detected: Partial<Record<PiiType, number>>;
  /** Occurrences replaced by placeholders, by type (action `mask`). */
  masked: Partial<Record<PiiType, number>>;
  /** Deployments had to be cleared for at least this (null: any, after masking). */
  route_floor: LevelDecision['routeFloor'];
  best_clearance: Clearance | null;
}

export interface GuardedCall {
  record: GuardRecord;
  /** What goes upstream: the client's body, or a masked copy. */
  body: Json;
  /** Restores the placeholders of a masked call in its answer; null when nothing was masked. */
  vault: MaskVault | null;
  decision: LevelDecision;
}

export interface GateDeps {
  detector: PiiDetector;
  policies: GuardPolicies;
  registry: Registry;
}

/**
 * The guard every model call passes through (数据不出域): the request's level is the highest of
 * its key's and organisation's default, the level the client declared and what the detector
 * finds; routing then keeps to deployments cleared for it, or the organisation's policy masks or
 * refuses (see decideLevel).
 */
export function guardCall(
  deps: GateDeps,
  call: { op: Operation; body: Json; grant: KeyGrant; model: RuntimeModel; header: unknown },
): GuardedCall {
  const { op, body, grant, model } = call;
  const declared = parseLevelHeader(call.header as string | string[] | undefined);
  const found = new Map<string, PiiSpan[]>();
  const detected: GuardRecord['detected'] = {};
  for (const text of textsOf(op, body)) {
    if (found.has(text)) continue;
    const spans = deps.detector.detect(text);
    found.set(text, spans);
    for (const s of spans) detected[s.type] = (detected[s.type] ?? 0) + 1;
  }
  const orgDefault = deps.policies.defaultLevel(grant.orgPath);
  const decision = decideLevel(
    {
      defaultLevel: grant.dataLevel ? maxLevel(orgDefault, grant.dataLevel) : orgDefault,
      declared,
      piiFound: Object.keys(detected).length > 0,
      clearances: clearancesFor(deps.registry, model, op),
      policy: deps.policies.levelPolicy(grant.orgPath),
    },
    model.name,
  );
  let vault: MaskVault | null = null;
  let upstream = body;
  if (decision.action === 'mask') {
    const v = new MaskVault();
    upstream = mapTexts(op, body, (text) => v.mask(text, found.get(text) ?? []));
    if (v.size) vault = v;
  }
  return {
    decision,
    body: upstream,
    vault,
    record: {
      level: decision.level,
      reason: decision.reason,
      action: decision.action,
      detected,
      masked: vault ? { ...vault.counts } : {},
      route_floor: decision.routeFloor,
      best_clearance: decision.bestClearance,
    },
  };
}

/** Clearances of every deployment that could serve the call, fallbacks included. */
function clearancesFor(registry: Registry, model: RuntimeModel, op: Operation): Clearance[] {
  const out: Clearance[] = [];
  for (const { target } of candidates(registry, model, () => 0)) {
    if (target.endpoint.provider.operations.has(op)) out.push(target.endpoint.clearance);
  }
  return out;
}
