/**
 * A session's life after it opens (SPEC §3.2–5): heartbeats (a local write, D1 at most every
 * HEARTBEAT_PERSIST_S), ends (unload, logout, replaced, expired) and expiry by the alarm.
 * D1 is written before local state changes, so a retry after a failure redoes what is left.
 */
import type { Db } from '../db/client';
import { endSessionRows, persistHeartbeat } from '../db/sessions';
import type { EndReason } from '../shared/api';
import { ApiError } from '../shared/errors';
import type { AlarmScheduler } from './alarm-scheduler';
import type { LiveChannel, LoginCheck } from './live-channel';
import type { LiveSession, SessionRegistry } from './session-registry';

export class SessionLifecycle {
  readonly #db: Db;
  readonly #registry: SessionRegistry;
  readonly #live: LiveChannel;
  readonly #alarm: AlarmScheduler;
  readonly #limits: { sessionTtlMs: number; heartbeatPersistMs: number };
  readonly #loginValid: LoginCheck;

  constructor(
    db: Db,
    registry: SessionRegistry,
    live: LiveChannel,
    alarm: AlarmScheduler,
    limits: { sessionTtlMs: number; heartbeatPersistMs: number },
    loginValid: LoginCheck,
  ) {
    this.#loginValid = loginValid;
    this.#db = db;
    this.#registry = registry;
    this.#live = live;
    this.#alarm = alarm;
    this.#limits = limits;
  }

  isFresh(session: LiveSession, now: number): boolean {
    return now - session.lastBeatAt < this.#limits.sessionTtlMs;
  }

  /** POST /sessions/:id/heartbeat: 410 for an ended or expired session (which it then ends). */
  async heartbeat(sessionId: string, now = Date.now()): Promise<void> {
    const live = this.#registry.get(sessionId);
    if (!live) throw new ApiError('gone', 'This session has ended; open a new one');
    // A socket that pinged since the last beat kept the session alive, even if it just dropped.
    const socketSeenAt = this.#live.lastSeenBySession(this.#loginValid, now).get(sessionId) ?? 0;
    if (now - Math.max(live.lastBeatAt, socketSeenAt) >= this.#limits.sessionTtlMs) {
      await this.end([live], 'expired', now);
      throw new ApiError('gone', 'This session has expired; open a new one');
    }
    await this.beat(live, now);
  }

  /** A send that names its session counts as that session's heartbeat (SPEC §3.3). */
  async beatIfLive(sessionId: string, chatId: string, now: number): Promise<void> {
    const live = this.#registry.get(sessionId);
    if (live && live.chatId === chatId && this.isFresh(live, now)) await this.beat(live, now);
  }

  async beat(live: LiveSession, now: number): Promise<void> {
    this.#registry.beat(live.id, now);
    if (now - live.persistedBeatAt >= this.#limits.heartbeatPersistMs) {
      await persistHeartbeat(this.#db, live.id, now);
      this.#registry.markPersisted(live.id, now);
    }
    await this.#alarm.ensure();
  }

  /** Ends sessions in D1, then here, and closes their sockets. Idempotent. */
  async end(sessions: LiveSession[], reason: EndReason, now: number, { reschedule = true } = {}): Promise<void> {
    if (sessions.length === 0) return;
    await endSessionRows(
      this.#db,
      sessions.map((s) => s.id),
      reason,
      now,
    );
    for (const s of sessions) {
      this.#registry.remove(s.id);
      this.#live.closeSession(s.id, `session ${reason}`);
    }
    this.#alarm.touch(now);
    if (reschedule) await this.#alarm.reschedule();
  }

  async endById(sessionId: string, reason: EndReason): Promise<void> {
    const live = this.#registry.get(sessionId);
    if (live) await this.end([live], reason, Date.now());
  }

  /**
   * A socket of the session closed: cleanly, the tab has left; otherwise it may come back,
   * and the socket's last ping stays the session's heartbeat (a local write only).
   */
  async socketClosed(socket: WebSocket, sessionId: string, clean: boolean): Promise<void> {
    if (clean) return this.endById(sessionId, 'unload');
    const seen = this.#live.lastSeenOf(socket, this.#loginValid);
    if (seen !== null) this.#registry.beat(sessionId, seen);
  }

  /** Logout: every session opened with that login, and any socket of it. Answers how many ended. */
  async endOfLogin(authSessionId: string): Promise<number> {
    const now = Date.now();
    const ending = this.#registry.list().filter((s) => s.authSessionId === authSessionId);
    await this.end(ending, 'logout', now);
    this.#live.closeEndedLogins(this.#loginValid, now);
    return ending.length;
  }

  /**
   * The alarm's part: sockets whose login expired close and end their sessions; the other
   * sockets' pings count as beats; then stale sessions expire.
   */
  async expireStale(now: number): Promise<void> {
    const orphaned = new Set(this.#live.closeEndedLogins(this.#loginValid, now));
    await this.end(
      this.#registry.list().filter((s) => orphaned.has(s.id)),
      'expired',
      now,
      { reschedule: false },
    );
    for (const [sessionId, at] of this.#live.lastSeenBySession(this.#loginValid, now)) {
      const live = this.#registry.get(sessionId);
      if (live && at > live.lastBeatAt) await this.beat(live, at);
    }
    await this.end(this.#registry.stale(now, this.#limits.sessionTtlMs), 'expired', now, { reschedule: false });
  }
}
