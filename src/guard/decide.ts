import { forbidden, type ZsError } from '../errors.js';
import { cleared, LEVEL_NAMES, maxLevel, rank, type Clearance, type DataLevel } from './levels.js';

/** What an organisation does with a request no deployment of the model is cleared for. */
export interface LevelPolicy {
  /**
   * Up to this level, mask personal identifiers and send anyway; above it, refuse. 涉密 is
   * refused always, whatever this says.
   */
  maskUpTo: DataLevel;
}

export const DEFAULT_LEVEL_POLICY: LevelPolicy = { maskUpTo: 'general-4' };

/** Personal identifiers make a request at least 一般4级. */
export const PII_LEVEL: DataLevel = 'general-4';

export interface LevelInput {
  /** The key's and the organisation's defaults, combined (the higher wins). */
  defaultLevel: DataLevel;
  /** From the x-zs-data-level header. */
  declared: DataLevel | null;
  /** Whether the guard found personal identifiers in what would reach the model. */
  piiFound: boolean;
  /** Clearances of every deployment that could serve the call (targets and fallbacks). */
  clearances: readonly Clearance[];
  policy: LevelPolicy;
}

export interface LevelDecision {
  /** The request's level: max(default, declared, implied by what was found). */
  level: DataLevel;
  /** Why: which of the three set the level (in that order of precedence when equal). */
  reason: 'default' | 'declared' | 'detected';
  /** pass: send as is; mask: replace personal identifiers, then send; refuse: send nothing. */
  action: 'pass' | 'mask' | 'refuse';
  /** Only deployments cleared for at least this may serve the call; null: any of them. */
  routeFloor: DataLevel | null;
  /** The highest clearance among the model's deployments (null when it has none). */
  bestClearance: Clearance | null;
  /** Why the request is refused (action `refuse`). */
  refusal?: ZsError;
}

/**
 * The level decision for one request (数据不出域). Routing keeps to deployments cleared for the
 * request's level; when there are none, the organisation's policy decides between masking then
 * sending (general data) and refusing (above its threshold; 涉密 always).
 */
export function decideLevel(input: LevelInput, model: string): LevelDecision {
  const { defaultLevel, declared, piiFound, clearances, policy } = input;
  let level = defaultLevel;
  let reason: LevelDecision['reason'] = 'default';
  if (declared && rank(declared) > rank(level)) [level, reason] = [declared, 'declared'];
  if (piiFound && rank(PII_LEVEL) > rank(level)) [level, reason] = [PII_LEVEL, 'detected'];
  const bestClearance = clearances.reduce<Clearance | null>(
    (best, c) => (best === null || rank(c) > rank(best) ? c : best),
    null,
  );
  const clearedFor = (l: DataLevel) => bestClearance !== null && cleared(bestClearance, l);

  const decision = { level, reason, bestClearance };
  if (clearedFor(level)) return { ...decision, action: 'pass', routeFloor: level };
  if (level === 'secret') {
    return refuse(
      decision,
      '涉密 (secret) data may not be sent to any model (涉密不上网); the request was not sent.',
    );
  }
  if (rank(level) > rank(policy.maskUpTo)) {
    const best = bestClearance ? `${LEVEL_NAMES[bestClearance]} (${bestClearance})` : 'nothing';
    return refuse(
      decision,
      `This request is at data level ${LEVEL_NAMES[level]} (${level}), and no deployment of the model ${model} is cleared for it: the highest is cleared for ${best}. Use a model deployed where ${level} data is allowed.`,
    );
  }
  // Masking removes what made it personal; what the client or its key declared stays.
  const rest = maxLevel(defaultLevel, declared ?? defaultLevel);
  return { ...decision, action: 'mask', routeFloor: clearedFor(rest) ? rest : null };
}

function refuse(
  decision: Pick<LevelDecision, 'level' | 'reason' | 'bestClearance'>,
  message: string,
): LevelDecision {
  return {
    ...decision,
    action: 'refuse',
    routeFloor: null,
    refusal: forbidden('data_level_exceeds_clearance', message),
  };
}
