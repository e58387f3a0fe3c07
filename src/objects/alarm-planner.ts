/**
 * Decides the executor's one rolling alarm (SPEC §3.5–6): the earliest of the oldest live
 * session's expiry and the idle-eviction deadline. Pure, so every rule is a unit test.
 */
export interface AlarmInputs {
  now: number;
  /** The oldest last heartbeat among live sessions, or null when there are none. */
  oldestBeatAt: number | null;
  sessionTtlMs: number;
  /** Whether there is an in-memory executor to evict. */
  cached: boolean;
  inFlight: number;
  /** When the executor last served anything (open, turn, session end). */
  lastActivityAt: number;
  idleTtlMs: number;
  /** A turn's checkpoint that must be written to D1 if nothing finishes it. */
  orphanCheckAt: number | null;
  /** When the first open socket's login expires, or null. */
  loginExpiresAt?: number | null;
}

/** The moment the alarm should fire, or null when nothing is due. */
export function planAlarm(i: AlarmInputs): number | null {
  const candidates: number[] = [];
  if (i.oldestBeatAt !== null) candidates.push(i.oldestBeatAt + i.sessionTtlMs);
  if (i.cached && i.oldestBeatAt === null && i.inFlight === 0) candidates.push(i.lastActivityAt + i.idleTtlMs);
  if (i.orphanCheckAt !== null) candidates.push(i.orphanCheckAt);
  if (i.loginExpiresAt != null) candidates.push(i.loginExpiresAt);
  if (candidates.length === 0) return null;
  // An overdue deadline fires at once rather than in the past.
  return Math.max(Math.min(...candidates), i.now);
}

/** Whether the idle executor may be dropped now. */
export function shouldEvict(i: Pick<AlarmInputs, 'now' | 'oldestBeatAt' | 'cached' | 'inFlight' | 'lastActivityAt' | 'idleTtlMs'>): boolean {
  return i.cached && i.oldestBeatAt === null && i.inFlight === 0 && i.now >= i.lastActivityAt + i.idleTtlMs;
}
