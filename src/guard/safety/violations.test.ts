import { describe, expect, it } from 'vitest';
import {
  decideViolation,
  DEFAULT_VIOLATION_POLICY,
  historyWindow,
  shanghaiDay,
  startOfShanghaiDay,
  validatePolicy,
  type ViolationEvent,
} from './violations.js';

/** An event at a Shanghai wall-clock time (UTC+8). */
const at = (local: string) => new Date(`${local}+08:00`);
const ev = (local: string, violated: boolean, suspended = false): ViolationEvent => ({
  at: at(local),
  violated,
  suspended,
});

describe('Shanghai days', () => {
  it('begin at 00:00 UTC+8 (16:00 UTC the day before)', () => {
    expect(shanghaiDay(new Date('2025-03-01T15:59:59.999Z'))).toBe('2025-03-01');
    expect(shanghaiDay(new Date('2025-03-01T16:00:00.000Z'))).toBe('2025-03-02');
    expect(startOfShanghaiDay(at('2025-03-02T13:45:00')).toISOString()).toBe(
      '2025-03-01T16:00:00.000Z',
    );
    expect(startOfShanghaiDay(at('2025-03-02T00:00:00')).toISOString()).toBe(
      '2025-03-01T16:00:00.000Z',
    );
  });

  it('tell the gateway which history to load', () => {
    expect(historyWindow(DEFAULT_VIOLATION_POLICY, at('2025-03-02T09:00:00'))).toEqual({
      since: new Date('2025-03-01T16:00:00.000Z'),
      last: 2,
    });
  });
});

describe('decideViolation (3 in a row / 5 a day / 24 h)', () => {
  it('suspends on the third violation in a row, not the second', () => {
    const history = [ev('2025-03-01T09:00:00', true), ev('2025-03-01T09:01:00', true)];
    expect(decideViolation(history.slice(1), ev('2025-03-01T09:02:00', true))).toMatchObject({
      suspend: false,
      consecutive: 2,
    });
    expect(decideViolation(history, ev('2025-03-01T09:02:00', true))).toEqual({
      suspend: true,
      until: at('2025-03-02T09:02:00'),
      reason: 'consecutive',
      consecutive: 3,
      today: 3,
    });
  });

  it('breaks the run on a clean input; a clean input never suspends', () => {
    const history = [
      ev('2025-03-01T09:00:00', true),
      ev('2025-03-01T09:01:00', false),
      ev('2025-03-01T09:02:00', true),
    ];
    expect(decideViolation(history, ev('2025-03-01T09:03:00', true))).toMatchObject({
      suspend: false,
      consecutive: 2,
      today: 3,
    });
    const four = [...history, ev('2025-03-01T09:03:00', true), ev('2025-03-01T09:04:00', true)];
    expect(decideViolation(four, ev('2025-03-01T09:05:00', false))).toMatchObject({
      suspend: false,
      until: null,
      consecutive: 0,
      today: 4,
    });
  });

  it('suspends on the fifth violation of a Shanghai day, counting across the day only', () => {
    const history = [
      ev('2025-03-01T23:59:00', true), // the day before, in Shanghai
      ev('2025-03-02T00:00:00', true),
      ev('2025-03-02T08:00:00', false),
      ev('2025-03-02T09:00:00', true),
      ev('2025-03-02T10:00:00', false),
      ev('2025-03-02T11:00:00', true),
      ev('2025-03-02T12:00:00', false),
    ];
    expect(decideViolation(history, ev('2025-03-02T23:59:59', true))).toMatchObject({
      suspend: false,
      today: 4,
    });
    const more = [...history, ev('2025-03-02T13:00:00', true), ev('2025-03-02T14:00:00', false)];
    expect(decideViolation(more, ev('2025-03-02T23:59:59', true))).toEqual({
      suspend: true,
      until: at('2025-03-03T23:59:59'),
      reason: 'per_day',
      consecutive: 1,
      today: 5,
    });
  });

  it('starts counting afresh after a suspension', () => {
    const history = [
      ev('2025-03-01T09:00:00', true),
      ev('2025-03-01T09:01:00', true),
      ev('2025-03-01T09:02:00', true, true), // suspended here
    ];
    expect(decideViolation(history, ev('2025-03-02T09:03:00', true))).toMatchObject({
      suspend: false,
      consecutive: 1,
      today: 1,
    });
  });

  it('ignores the order of the history and events after the new one', () => {
    const history = [
      ev('2025-03-01T09:01:00', true),
      ev('2025-03-01T09:05:00', false), // later than the event
      ev('2025-03-01T09:00:00', true),
    ];
    expect(decideViolation(history, ev('2025-03-01T09:02:00', true))).toMatchObject({
      suspend: true,
      reason: 'consecutive',
    });
  });

  it('applies a custom policy and turns rules off with 0', () => {
    const policy = { consecutive: 0, perDay: 2, suspendMinutes: 30 };
    const history = [ev('2025-03-01T09:00:00', true), ev('2025-03-01T09:01:00', true)];
    expect(decideViolation(history.slice(1), ev('2025-03-01T09:02:00', true), policy)).toEqual({
      suspend: true,
      until: at('2025-03-01T09:32:00'),
      reason: 'per_day',
      consecutive: 2,
      today: 2,
    });
    const off = { consecutive: 0, perDay: 0, suspendMinutes: 30 };
    expect(decideViolation(history, ev('2025-03-01T09:02:00', true), off).suspend).toBe(false);
  });

  it('validates policies', () => {
    expect(() => validatePolicy(DEFAULT_VIOLATION_POLICY)).not.toThrow();
    expect(() => validatePolicy({ consecutive: 2.5, perDay: 5, suspendMinutes: 10 })).toThrow(
      /consecutive/,
    );
    expect(() => validatePolicy({ consecutive: 3, perDay: 5, suspendMinutes: 0 })).toThrow(
      /suspendMinutes/,
    );
  });
});
