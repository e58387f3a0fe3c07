/**
 * RateLimiter: one Durable Object per limit key (a sign-up IP, a login email, a login IP),
 * counting attempts in a sliding window in its own SQLite storage. The object is one place
 * for its key, and each `take` checks and records in one synchronous step, so the count is
 * exact however many isolates send attempts at once. Limits come from the caller (the
 * Worker reads them from vars), never from here.
 *
 * A key may carry several counters ("scopes"): a login email counts per client IP and in
 * total. An attempt is recorded against every scope only if none is full, so attempts that
 * were refused by the narrow scope (one IP hammering one email) never fill the wide one
 * (every IP for that email) — which is what keeps a stranger from locking the owner out.
 */
import { DurableObject } from 'cloudflare:workers';

export interface LimitRule {
  /** Which counter of this key: e.g. a client IP, or `*` for every attempt. */
  scope: string;
  /** At most this many recorded attempts in any window. */
  limit: number;
}

export type TakeResult = { ok: true } | { ok: false; retryAfterS: number };

export class RateLimiter extends DurableObject {
  readonly #sql: SqlStorage;

  constructor(ctx: DurableObjectState, env: Cloudflare.Env) {
    super(ctx, env);
    this.#sql = ctx.storage.sql;
  }

  #ensureTable(): void {
    // Also after the alarm's deleteAll, which drops the table with everything else.
    this.#sql.exec('CREATE TABLE IF NOT EXISTS attempts (scope TEXT NOT NULL, at INTEGER NOT NULL)');
    this.#sql.exec('CREATE INDEX IF NOT EXISTS attempts_by_scope ON attempts (scope, at)');
  }

  /** Records one attempt against every rule's scope, or refuses with the wait until one fits. */
  async take(rules: LimitRule[], windowMs: number): Promise<TakeResult> {
    const now = Date.now();
    this.#ensureTable();
    this.#sql.exec('DELETE FROM attempts WHERE at <= ?', now - windowMs);
    let retryAfterMs = 0;
    for (const { scope, limit } of rules) {
      const recent = this.#sql.exec<{ at: number }>('SELECT at FROM attempts WHERE scope = ? ORDER BY at DESC LIMIT 1 OFFSET ?', scope, limit - 1).toArray()[0];
      // The limit-th newest attempt must age out before another fits.
      if (recent) retryAfterMs = Math.max(retryAfterMs, recent.at + windowMs - now);
    }
    if (retryAfterMs > 0) return { ok: false, retryAfterS: Math.max(1, Math.ceil(retryAfterMs / 1000)) };
    for (const { scope } of rules) this.#sql.exec('INSERT INTO attempts (scope, at) VALUES (?, ?)', scope, now);
    // Once a window has passed with no new attempt, nothing is left worth keeping: the alarm
    // deletes the object's storage, so idle keys cost nothing.
    await this.ctx.storage.setAlarm(now + windowMs);
    return { ok: true };
  }

  override async alarm(): Promise<void> {
    await this.ctx.storage.deleteAll();
  }
}
