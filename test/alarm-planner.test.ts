import { describe, expect, it } from 'vitest';
import { planAlarm, shouldEvict } from '../src/objects/alarm-planner';

const base = {
  now: 1_000_000,
  oldestBeatAt: null,
  sessionTtlMs: 180_000,
  cached: false,
  inFlight: 0,
  lastActivityAt: 1_000_000,
  idleTtlMs: 300_000,
  orphanCheckAt: null,
};

describe('the alarm planner', () => {
  it('schedules nothing when nothing is due', () => {
    expect(planAlarm(base)).toBeNull();
  });

  it('schedules the oldest session’s expiry while sessions are live, never eviction', () => {
    expect(planAlarm({ ...base, cached: true, oldestBeatAt: 990_000 })).toBe(1_170_000);
  });

  it('schedules eviction after the idle TTL once no session is live and nothing is in flight', () => {
    expect(planAlarm({ ...base, cached: true })).toBe(1_300_000);
    expect(planAlarm({ ...base, cached: true, inFlight: 1 })).toBeNull();
  });

  it('fires an overdue deadline now rather than in the past', () => {
    expect(planAlarm({ ...base, oldestBeatAt: 500_000 })).toBe(base.now);
  });

  it('takes the earliest of expiry and an orphaned checkpoint', () => {
    expect(planAlarm({ ...base, oldestBeatAt: 990_000, orphanCheckAt: 1_010_000 })).toBe(1_010_000);
  });

  it('evicts only an idle, cached executor past its deadline', () => {
    expect(shouldEvict({ ...base, cached: true, now: 1_300_000 })).toBe(true);
    expect(shouldEvict({ ...base, cached: true, now: 1_299_999 })).toBe(false);
    expect(shouldEvict({ ...base, cached: true, now: 1_300_000, oldestBeatAt: 1_299_000 })).toBe(false);
    expect(shouldEvict({ ...base, cached: true, now: 1_300_000, inFlight: 1 })).toBe(false);
    expect(shouldEvict({ ...base, cached: false, now: 1_300_000 })).toBe(false);
  });
});
