/** Content safety for the guard: lexicon, matcher (also on streams), injection, refusals, abuse. */
export { RISKS, RISK_CLASSES, isRiskId, riskById, riskClass } from './risks.js';
export type { Risk, RiskClass, RiskId } from './risks.js';
export { COVERAGE_REQUIREMENT, MAX_TERM_LENGTH, coverage, parseLexicon } from './lexicon.js';
export type { CoverageReport, LexiconEntry, LexiconError, LexiconFormat } from './lexicon.js';
export { DEFAULT_MAX_GAP, SafetyMatcher } from './matcher.js';
export type { Hit, MatcherOptions, MatcherStats, StreamScanner } from './matcher.js';
export { detectInjection } from './injection.js';
export type { InjectionFinding } from './injection.js';
export { DEFAULT_REFUSALS, refusalFor } from './refusals.js';
export type { RefusalKey, RefusalOverrides } from './refusals.js';
export {
  DEFAULT_VIOLATION_POLICY,
  decideViolation,
  historyWindow,
  shanghaiDay,
  startOfShanghaiDay,
  validatePolicy,
} from './violations.js';
export type { ViolationDecision, ViolationEvent, ViolationPolicy } from './violations.js';
