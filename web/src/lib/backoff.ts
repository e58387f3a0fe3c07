/** Reconnect schedule of the live channel: exponential with jitter, so a server restart is not met by every tab at once. */

/** The first retry comes quickly: most drops are a blip (a laptop waking, a proxy recycling). */
export const RECONNECT_BASE_MS = 500;
/** Never wait longer than this between attempts; a tab that is back online reconnects within it. */
export const RECONNECT_CAP_MS = 30_000;

/**
 * The wait before reconnect attempt `attempt` (0 for the first retry): "equal jitter", half of
 * the exponential step fixed and half random, so the delay always grows yet tabs spread out.
 */
export function reconnectDelayMs(attempt: number, random: () => number = Math.random): number {
  const step = Math.min(RECONNECT_CAP_MS, RECONNECT_BASE_MS * 2 ** Math.max(0, Math.min(attempt, 30)));
  const r = Math.min(1, Math.max(0, random()));
  return Math.round(step / 2 + (step / 2) * r);
}
