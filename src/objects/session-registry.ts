/**
 * The executor's own record of live client sessions, in the object's SQLite storage. It is
 * what makes heartbeats cheap: a beat is a local write here, and D1's last_heartbeat_at is
 * only refreshed every HEARTBEAT_PERSIST_S. It survives eviction; D1 remains the truth for
 * everything else about a session.
 */
export interface LiveSession {
  id: string;
  chatId: string;
  authSessionId: string | null;
  clientInstanceId: string | null;
  createdAt: number;
  lastBeatAt: number;
  /** The last beat written to D1. */
  persistedBeatAt: number;
}

type Row = {
  id: string;
  chat_id: string;
  auth_session_id: string | null;
  client_instance_id: string | null;
  created_at: number;
  last_beat_at: number;
  persisted_beat_at: number;
};

const fromRow = (r: Row): LiveSession => ({
  id: r.id,
  chatId: r.chat_id,
  authSessionId: r.auth_session_id,
  clientInstanceId: r.client_instance_id,
  createdAt: r.created_at,
  lastBeatAt: r.last_beat_at,
  persistedBeatAt: r.persisted_beat_at,
});

export class SessionRegistry {
  readonly #sql: SqlStorage;

  constructor(sql: SqlStorage) {
    this.#sql = sql;
    sql.exec(`CREATE TABLE IF NOT EXISTS live_sessions (
      id TEXT PRIMARY KEY,
      chat_id TEXT NOT NULL,
      auth_session_id TEXT,
      client_instance_id TEXT,
      created_at INTEGER NOT NULL,
      last_beat_at INTEGER NOT NULL,
      persisted_beat_at INTEGER NOT NULL
    )`);
  }

  add(session: LiveSession): void {
    this.#sql.exec(
      'INSERT OR REPLACE INTO live_sessions VALUES (?, ?, ?, ?, ?, ?, ?)',
      session.id,
      session.chatId,
      session.authSessionId,
      session.clientInstanceId,
      session.createdAt,
      session.lastBeatAt,
      session.persistedBeatAt,
    );
  }

  get(id: string): LiveSession | null {
    const rows = this.#sql.exec<Row>('SELECT * FROM live_sessions WHERE id = ?', id).toArray();
    return rows[0] ? fromRow(rows[0]) : null;
  }

  findByClientInstance(clientInstanceId: string): LiveSession | null {
    const rows = this.#sql.exec<Row>('SELECT * FROM live_sessions WHERE client_instance_id = ? ORDER BY created_at DESC LIMIT 1', clientInstanceId).toArray();
    return rows[0] ? fromRow(rows[0]) : null;
  }

  list(): LiveSession[] {
    return this.#sql.exec<Row>('SELECT * FROM live_sessions ORDER BY created_at').toArray().map(fromRow);
  }

  count(): number {
    return this.#sql.exec<{ n: number }>('SELECT count(*) AS n FROM live_sessions').one().n;
  }

  /** Moves liveness forward; never backwards (a late, reordered beat changes nothing). */
  beat(id: string, at: number): void {
    this.#sql.exec('UPDATE live_sessions SET last_beat_at = max(last_beat_at, ?) WHERE id = ?', at, id);
  }

  markPersisted(id: string, at: number): void {
    this.#sql.exec('UPDATE live_sessions SET persisted_beat_at = ? WHERE id = ?', at, id);
  }

  remove(id: string): void {
    this.#sql.exec('DELETE FROM live_sessions WHERE id = ?', id);
  }

  removeChat(chatId: string): void {
    this.#sql.exec('DELETE FROM live_sessions WHERE chat_id = ?', chatId);
  }

  /** Sessions whose last beat is older than the TTL at `now`. */
  stale(now: number, ttlMs: number): LiveSession[] {
    return this.#sql.exec<Row>('SELECT * FROM live_sessions WHERE last_beat_at + ? <= ?', ttlMs, now).toArray().map(fromRow);
  }

  oldestBeatAt(): number | null {
    return this.#sql.exec<{ at: number | null }>('SELECT min(last_beat_at) AS at FROM live_sessions').one().at;
  }
}
