import { describe, expect, it } from 'vitest';
import { decideLevel, DEFAULT_LEVEL_POLICY, type LevelInput } from './decide.js';
import { cleared, DATA_LEVELS, parseLevelHeader } from './levels.js';

const input = (over: Partial<LevelInput>): LevelInput => ({
  defaultLevel: 'general-1',
  declared: null,
  piiFound: false,
  clearances: ['general-2'],
  policy: DEFAULT_LEVEL_POLICY,
  ...over,
});

describe('data levels', () => {
  it('orders the levels and never clears 涉密', () => {
    expect(DATA_LEVELS).toEqual([
      'general-1',
      'general-2',
      'general-3',
      'general-4',
      'important',
      'core',
      'secret',
    ]);
    expect(cleared('general-2', 'general-2')).toBe(true);
    expect(cleared('general-2', 'general-3')).toBe(false);
    expect(cleared('core', 'important')).toBe(true);
    expect(cleared('core', 'secret')).toBe(false);
  });

  it('reads the header case-insensitively and rejects anything else', () => {
    expect(parseLevelHeader(' Important ')).toBe('important');
    expect(parseLevelHeader(undefined)).toBeNull();
    expect(() => parseLevelHeader('confidential')).toThrow(/x-zs-data-level must be one of/);
  });
});

describe('the level decision', () => {
  it('takes the highest of default, declared and detected, and says which', () => {
    expect(decideLevel(input({ defaultLevel: 'general-3' }), 'm')).toMatchObject({
      level: 'general-3',
      reason: 'default',
    });
    expect(decideLevel(input({ declared: 'general-2' }), 'm')).toMatchObject({
      level: 'general-2',
      reason: 'declared',
    });
    // Personal identifiers lift a request to 一般4级, not beyond what was declared.
    expect(decideLevel(input({ piiFound: true }), 'm')).toMatchObject({
      level: 'general-4',
      reason: 'detected',
    });
    expect(
      decideLevel(input({ piiFound: true, declared: 'important', clearances: ['core'] }), 'm'),
    ).toMatchObject({ level: 'important', reason: 'declared', action: 'pass' });
  });

  it('passes to cleared deployments only', () => {
    const d = decideLevel(input({ piiFound: true, clearances: ['general-2', 'core'] }), 'm');
    expect(d).toMatchObject({ action: 'pass', routeFloor: 'general-4', bestClearance: 'core' });
  });

  it('masks general data nobody is cleared for, keeping the declared level for routing', () => {
    expect(decideLevel(input({ piiFound: true }), 'm')).toMatchObject({
      action: 'mask',
      routeFloor: 'general-1',
    });
    // Declared general-3, only general-2 deployments: masked and sent to any of them.
    expect(decideLevel(input({ declared: 'general-3' }), 'm')).toMatchObject({
      action: 'mask',
      routeFloor: null,
    });
  });

  it('refuses important data, 涉密 always, and follows a stricter policy', () => {
    const important = decideLevel(input({ declared: 'important' }), 'qwen');
    expect(important.action).toBe('refuse');
    expect(important.refusal?.code).toBe('data_level_exceeds_clearance');
    expect(important.refusal?.status).toBe(403);
    expect(important.refusal?.message).toContain('重要 (important)');
    expect(important.refusal?.message).toContain('qwen');
    const secret = decideLevel(
      input({ declared: 'secret', clearances: ['core'], policy: { maskUpTo: 'core' } }),
      'm',
    );
    expect(secret.action).toBe('refuse');
    expect(secret.refusal?.message).toContain('涉密');
    // An organisation that masks nothing: personal data with no cleared deployment is refused.
    expect(
      decideLevel(input({ piiFound: true, policy: { maskUpTo: 'general-1' } }), 'm').action,
    ).toBe('refuse');
    // A model with no deployments at all.
    expect(
      decideLevel(input({ declared: 'core', clearances: [] }), 'm').refusal?.message,
    ).toContain('cleared for nothing');
  });
});
