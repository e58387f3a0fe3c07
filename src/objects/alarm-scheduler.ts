/**
 * Keeps the executor's one rolling alarm (SPEC §3.5–6) no later than the earliest due moment:
 * a session's expiry, the idle-eviction deadline, or a check for writes a crash left behind.
 * What is due is decided by the pure planner; this module reads the inputs and sets the alarm.
 */
import { planAlarm, shouldEvict } from './alarm-planner';
import type { AlarmInputs } from './alarm-planner';

/** How soon the alarm retries D1 writes that failed (outbox, orphaned checkpoints). */
export const RECOVERY_RETRY_MS = 5_000;
/** While a reply streams, an alarm stands by in case the object dies mid-reply. */
const IN_FLIGHT_WATCH_MS = 5 * 60_000;

export interface ActivitySource {
  oldestBeatAt(): number | null;
  cached(): boolean;
  inFlight(): number;
  hasPendingWrites(inFlight: number): boolean;
  /** When the first open socket's login expires (its socket must close then). */
  loginExpiresAt(): number | null;
}

export class AlarmScheduler {
  readonly #storage: DurableObjectStorage;
  readonly #source: ActivitySource;
  readonly #sessionTtlMs: number;
  readonly #idleTtlMs: number;
  /** When the executor last served anything (open, turn, session end). */
  #lastActivityAt = Date.now();

  constructor(storage: DurableObjectStorage, source: ActivitySource, limits: { sessionTtlMs: number; idleTtlMs: number }) {
    this.#storage = storage;
    this.#source = source;
    this.#sessionTtlMs = limits.sessionTtlMs;
    this.#idleTtlMs = limits.idleTtlMs;
  }

  touch(now = Date.now()): void {
    this.#lastActivityAt = now;
  }

  #inputs(now: number): AlarmInputs {
    const inFlight = this.#source.inFlight();
    const orphanCheckAt = this.#source.hasPendingWrites(inFlight) ? now + RECOVERY_RETRY_MS : inFlight > 0 ? now + IN_FLIGHT_WATCH_MS : null;
    return {
      now,
      oldestBeatAt: this.#source.oldestBeatAt(),
      sessionTtlMs: this.#sessionTtlMs,
      cached: this.#source.cached(),
      inFlight,
      lastActivityAt: this.#lastActivityAt,
      idleTtlMs: this.#idleTtlMs,
      orphanCheckAt,
      loginExpiresAt: this.#source.loginExpiresAt(),
    };
  }

  /** Whether the idle executor may be dropped now. */
  idle(now = Date.now()): boolean {
    return shouldEvict(this.#inputs(now));
  }

  /**
   * Sets the alarm to the earliest due moment, or deletes it when nothing is due. An alarm
   * already set earlier is kept: firing early costs a no-op wake, while moving it on every
   * beat or turn would cost a storage write on the hot path.
   */
  async reschedule(): Promise<void> {
    const next = planAlarm(this.#inputs(Date.now()));
    const current = await this.#storage.getAlarm();
    if (next === null) {
      if (current !== null) await this.#storage.deleteAlarm();
    } else if (current === null || next < current) {
      await this.#storage.setAlarm(next);
    }
  }

  /** Beats only move deadlines later, so an alarm already set stays correct; only a missing one is set. */
  async ensure(): Promise<void> {
    if ((await this.#storage.getAlarm()) === null) await this.reschedule();
  }

  /** Retries soon: D1 writes failed, or the alarm itself did. */
  async retrySoon(): Promise<void> {
    await this.#storage.setAlarm(Date.now() + RECOVERY_RETRY_MS);
  }

  nextAlarmAt(): Promise<number | null> {
    return this.#storage.getAlarm();
  }
}
