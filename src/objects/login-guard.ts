/**
 * Which logins of its owner this executor accepts (SPEC §12.1, §13). The Worker verifies a
 * login's signature and expiry with no I/O; only D1 knows whether it was logged out since.
 * The executor keeps that answer: logins it has seen valid (checked by the Worker at session
 * open, or here once against D1) and logins revoked by logout, which every executor of the
 * user is told about. A warm turn of a known login therefore needs no D1 statement.
 */
import type { Db } from '../db/client';
import { findLiveLogin } from '../db/auth';
import { ApiError } from '../shared/errors';

type State = 'valid' | 'revoked';

const unauthorized = () => new ApiError('unauthorized', 'Sign in to continue');

export class LoginGuard {
  readonly #sql: SqlStorage;
  readonly #db: Db;

  constructor(sql: SqlStorage, db: Db) {
    this.#sql = sql;
    this.#db = db;
    sql.exec('CREATE TABLE IF NOT EXISTS logins (id TEXT PRIMARY KEY, state TEXT NOT NULL, expires_at INTEGER NOT NULL)');
  }

  #state(id: string): State | null {
    return this.#sql.exec<{ state: State }>('SELECT state FROM logins WHERE id = ?', id).toArray()[0]?.state ?? null;
  }

  /** Whether a turn of this login may go ahead without asking D1. */
  knows(id: string | null): boolean {
    return id === null || this.#state(id) === 'valid';
  }

  /** Settles a login: instant when known, one D1 read the first time. 401 when logged out. */
  async admit(id: string | null, expiresAt: number): Promise<void> {
    if (id === null) return; // a JWT caller: its issuer, not us, revokes it
    const state = this.#state(id);
    if (state === 'valid') return;
    if (state === 'revoked') throw unauthorized();
    const row = await findLiveLogin(this.#db, id, Date.now());
    if (!row) throw unauthorized();
    this.markValid(id, expiresAt);
  }

  markValid(id: string, expiresAt: number): void {
    // A revocation is final: a late "valid" never undoes it.
    this.#sql.exec("INSERT INTO logins VALUES (?, 'valid', ?) ON CONFLICT(id) DO NOTHING", id, expiresAt);
  }

  revoke(id: string, expiresAt: number): void {
    this.#sql.exec("INSERT INTO logins VALUES (?, 'revoked', ?) ON CONFLICT(id) DO UPDATE SET state = 'revoked'", id, expiresAt);
  }

  isRevoked(id: string | null): boolean {
    return id !== null && this.#state(id) === 'revoked';
  }

  /** Expired logins fail their signature check anyway; forgetting them keeps the table small. */
  prune(now = Date.now()): void {
    this.#sql.exec('DELETE FROM logins WHERE expires_at <= ?', now);
  }
}
