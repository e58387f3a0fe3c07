import { describe, expect, it } from 'vitest';
import { RECONNECT_BASE_MS, RECONNECT_CAP_MS, reconnectDelayMs } from '../../web/src/lib/backoff';

describe('reconnectDelayMs', () => {
  it('starts near the base delay and doubles with every attempt', () => {
    const fixed = () => 1;
    expect(reconnectDelayMs(0, fixed)).toBe(RECONNECT_BASE_MS);
    expect(reconnectDelayMs(1, fixed)).toBe(RECONNECT_BASE_MS * 2);
    expect(reconnectDelayMs(3, fixed)).toBe(RECONNECT_BASE_MS * 8);
  });

  it('never waits longer than the cap, however many attempts failed', () => {
    for (const attempt of [10, 20, 100, 10_000]) expect(reconnectDelayMs(attempt, () => 1)).toBe(RECONNECT_CAP_MS);
  });

  it('spreads tabs out with jitter but keeps at least half of each step', () => {
    expect(reconnectDelayMs(4, () => 0)).toBe((RECONNECT_BASE_MS * 16) / 2);
    expect(reconnectDelayMs(20, () => 0)).toBe(RECONNECT_CAP_MS / 2);
    const seen = new Set(Array.from({ length: 20 }, () => reconnectDelayMs(5)));
    expect(seen.size).toBeGreaterThan(1);
    for (const delay of seen) {
      expect(delay).toBeGreaterThanOrEqual((RECONNECT_BASE_MS * 32) / 2);
      expect(delay).toBeLessThanOrEqual(RECONNECT_BASE_MS * 32);
    }
  });
});
