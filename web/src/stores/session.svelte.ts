/**
 * SPEC §3 from the browser: this tab's one session. Opens go through a single flight (no
 * duplicate sessions from double clicks or a 410 recovery racing a navigation), heartbeats run
 * while the tab is open — over HTTP only while the chat's live socket is not healthy, since its
 * pings count as heartbeats — a 410 re-opens, and the session ends with sendBeacon on pagehide,
 * on logout and on an agent switch.
 */
import type { SessionDto, SessionOpenResult } from '../../../src/shared/api';
import { api, ApiError, clientInstanceId } from '../lib/api';
import { SingleFlight } from '../lib/single-flight';
import { appInfo } from './app-info.svelte';

type OpenResult = SessionOpenResult;
export type SessionInfo = SessionDto;

/** A refused socket upgrade triggers a heartbeat to learn why; not more often than this. */
const VERIFY_MIN_GAP_MS = 3_000;

class SessionStore {
  current = $state<SessionInfo | null>(null);
  readonly clientInstanceId = clientInstanceId();
  #flight = new SingleFlight<OpenResult>();
  #timer: ReturnType<typeof setTimeout> | null = null;
  #reopened = new Set<(result: OpenResult) => void>();
  #lastBeatAt = 0;
  #liveHealthy = false;

  constructor() {
    addEventListener('pagehide', () => this.#endWithBeacon());
    addEventListener('pageshow', (event) => {
      // Back from the bfcache: the beacon ended our session, so open it again.
      if (event.persisted && this.current) void this.reopen();
    });
    document.addEventListener('visibilitychange', () => {
      // Background tabs have their timers throttled; beat as soon as we are visible again.
      if (document.visibilityState === 'visible' && this.current && !this.#liveHealthy && Date.now() - this.#lastBeatAt > this.#intervalMs / 2)
        void this.beat();
    });
  }

  get #intervalMs() {
    return appInfo.heartbeatIntervalS * 1000;
  }

  get opening(): boolean {
    return this.#flight.busy;
  }

  /** Open (or get back) this tab's session on a chat; without chatId the server picks the agent's latest chat. */
  open(agent: string, chatId: string | null): Promise<OpenResult> {
    return this.#flight.run(`${agent}:${chatId ?? ''}`, async () => {
      const previous = this.current;
      if (previous && previous.agentName !== agent) await this.end();
      const result = await api.sessions.open({ agent, clientInstanceId: this.clientInstanceId, ...(chatId ? { chatId } : {}) });
      this.current = result.session;
      this.#startHeartbeat();
      return result;
    });
  }

  /** Runs when the session had to be re-opened (after a 410), with the fresh history page. */
  onReopened(listener: (result: OpenResult) => void) {
    this.#reopened.add(listener);
    return () => this.#reopened.delete(listener);
  }

  async beat(): Promise<void> {
    const session = this.current;
    if (!session) return;
    this.#lastBeatAt = Date.now();
    try {
      await api.sessions.heartbeat(session.id);
    } catch (error) {
      if (error instanceof ApiError && (error.status === 410 || error.status === 404) && this.current?.id === session.id) await this.reopen();
    }
  }

  /** A send with our sessionId counts as a heartbeat on the server; keep the timer in step. */
  noteActivity() {
    this.#lastBeatAt = Date.now();
  }

  /** The chat's live socket is (or stopped being) healthy: its pings are our heartbeats meanwhile. */
  setLiveHealthy(healthy: boolean) {
    this.#liveHealthy = healthy;
    if (healthy) this.#lastBeatAt = Date.now();
  }

  /**
   * Ask the server whether our session still stands (a socket upgrade was refused and the
   * browser does not say why): beat now, which re-opens on 410, unless we just did.
   */
  async verify(): Promise<void> {
    if (Date.now() - this.#lastBeatAt < VERIFY_MIN_GAP_MS) return;
    await this.beat();
  }

  /** Open this tab's session again (after a 410, a socket closed with 4000, a return from the bfcache). */
  async reopen() {
    const session = this.current;
    if (!session) return;
    try {
      const result = await this.open(session.agentName, session.chatId);
      for (const listener of this.#reopened) listener(result);
    } catch {
      // The next heartbeat tick tries again.
    }
  }

  #startHeartbeat() {
    this.#stopHeartbeat();
    this.#lastBeatAt = Date.now();
    this.#scheduleBeat();
  }

  // A timeout chain, not an interval: the interval comes from /api/health, which may answer after the session opened.
  #scheduleBeat() {
    this.#timer = setTimeout(() => {
      if (this.#liveHealthy) this.#lastBeatAt = Date.now();
      else if (Date.now() - this.#lastBeatAt >= this.#intervalMs * 0.9) void this.beat();
      this.#scheduleBeat();
    }, this.#intervalMs);
  }

  #stopHeartbeat() {
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
  }

  /** End this tab's session now (logout, agent switch). */
  async end(): Promise<void> {
    const session = this.current;
    this.current = null;
    this.#liveHealthy = false;
    this.#stopHeartbeat();
    if (!session) return;
    try {
      await api.sessions.end(session.id);
    } catch {
      // Ending is idempotent and the server expires what it never hears from.
    }
  }

  /** Forget the session without telling the server (it is already gone, e.g. after logout). */
  forget() {
    this.current = null;
    this.#liveHealthy = false;
    this.#stopHeartbeat();
  }

  #endWithBeacon() {
    const session = this.current;
    if (!session) return;
    // The page is going away: fetch may be cancelled, a beacon is delivered.
    navigator.sendBeacon(`/api/sessions/${encodeURIComponent(session.id)}/end`);
  }
}

export const sessions = new SessionStore();
