/**
 * TURNS_PER_MINUTE, counted exactly per (user, agent) by the executor (SPEC §12.3): at most
 * that many accepted turns in any sliding 60 s window. The check and the record happen at
 * one synchronous point, so parallel sends cannot both take the last turn; refused turns are
 * not recorded. Kept in the object's SQLite storage, so an eviction forgets nothing.
 */
import { ApiError } from '../shared/errors';

export const TURN_WINDOW_MS = 60_000;

export class TurnLimiter {
  readonly #sql: SqlStorage;
  readonly #perMinute: number;

  constructor(sql: SqlStorage, perMinute: number) {
    this.#sql = sql;
    this.#perMinute = perMinute;
    sql.exec('CREATE TABLE IF NOT EXISTS accepted_turns (at INTEGER NOT NULL)');
  }

  /** Turns reserved but not yet recorded: their check passed, their record waits for the request to leave. */
  #reserved = 0;

  /**
   * Takes one of the window's turns, or throws 429 with the whole seconds until one would be
   * free. Checked and reserved synchronously, so parallel sends cannot both take the last one;
   * the storage write waits for `commit`, after the model request has left (SPEC §12.1).
   */
  reserve(now = Date.now()): { commit: () => void } {
    this.check(now);
    this.#reserved += 1;
    let done = false;
    return {
      commit: () => {
        if (done) return;
        done = true;
        this.#reserved -= 1;
        this.#sql.exec('INSERT INTO accepted_turns (at) VALUES (?)', now);
      },
    };
  }

  /** Throws 429 when no turn is free now; takes nothing. */
  check(now = Date.now()): void {
    const recent = this.#sql
      .exec<{ at: number }>('SELECT at FROM accepted_turns WHERE at > ? ORDER BY at', now - TURN_WINDOW_MS)
      .toArray()
      .map((r) => r.at);
    if (recent.length + this.#reserved < this.#perMinute) return;
    // Reserved turns are newest; the next turn fits once enough recorded ones have aged out.
    const mustLeave = recent.length + this.#reserved - this.#perMinute;
    const freesAt = (recent[mustLeave] ?? now) + TURN_WINDOW_MS;
    const retryAfterS = Math.max(1, Math.ceil((freesAt - now) / 1000));
    throw new ApiError('rate_limited', `Too many messages; try again in ${retryAfterS} s`, { retryAfterS });
  }

  /** Forgets turns older than the window (the alarm's housekeeping). */
  prune(now = Date.now()): void {
    this.#sql.exec('DELETE FROM accepted_turns WHERE at <= ?', now - TURN_WINDOW_MS);
  }
}
