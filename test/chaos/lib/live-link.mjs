// A tab's live socket (GET /api/chats/:id/live?sessionId=), behaving as the web client's
// web/src/lib/live-socket.ts does: ping on an interval (a missed pong means a dead link),
// reconnect with backoff, stop when the server closes with 4000 (session over) so the tab
// re-opens, and close 1000 when the tab leaves. A chaos drop closes with 4001, which the
// server treats as a network drop: the session stays.
import { reconnectDelayMs } from './random.mjs';

const SESSION_ENDED = 4000;
const RECONNECT = 4001;
const LEAVING = 1000;
const OPEN = 1;

export class LiveLink {
  #o;
  #socket = null;
  #attempt = 0;
  #opened = false;
  #everConnected = false;
  #awaitingPong = false;
  #stopped = false;
  #retryTimer = null;
  #pingTimer = null;
  healthy = false;

  /**
   * @param {{ baseUrl: string, token: string, chatId: string, sessionId: string, obs: import('./observations.mjs').Observations,
   *   random: ReturnType<import('./random.mjs').createRandom>, pingIntervalMs: number,
   *   onSessionEnded(): void, onConnectFailed(): void, onReconnected(lastSeq: number): void }} options
   */
  constructor(options) {
    this.#o = options;
    this.#connect();
  }

  get sessionId() {
    return this.#o.sessionId;
  }

  /** Closed for good by its tab (or its session ended); a drop is not a close. */
  get closed() {
    return this.#stopped;
  }

  /** Chaos: the network drops the link; the client notices and reconnects with backoff. */
  drop() {
    if (this.#stopped || !this.#socket) return;
    this.#o.obs.event(this.#o.sessionId, 'socket dropped (chaos)');
    this.#o.obs.count('socketDropsInjected');
    this.#detach(RECONNECT, 'chaos drop');
    this.#clearTimers();
    this.#scheduleRetry();
  }

  /** The tab leaves: 1000 ends its session on the server; 4001 (a vanished tab) does not. */
  close(code = LEAVING) {
    this.#o.obs.event(this.#o.sessionId, `socket closed by the tab ${code}`);
    this.#stopped = true;
    this.#clearTimers();
    this.#detach(code, code === LEAVING ? 'leaving' : 'gone');
  }

  #connect() {
    const { baseUrl, chatId, sessionId, token } = this.#o;
    const url = `${baseUrl.replace(/^http/, 'ws')}/api/chats/${encodeURIComponent(chatId)}/live?sessionId=${encodeURIComponent(sessionId)}`;
    let socket;
    try {
      socket = new WebSocket(url, { headers: { authorization: `Bearer ${token}` } });
    } catch {
      this.#scheduleRetry();
      return;
    }
    this.#socket = socket;
    this.#opened = false;
    this.#awaitingPong = false;
    socket.onopen = () => {
      if (socket !== this.#socket) return;
      this.#opened = true;
      this.#pingTimer = setInterval(() => this.#ping(), this.#o.pingIntervalMs);
    };
    socket.onmessage = (event) => {
      if (socket !== this.#socket || typeof event.data !== 'string') return;
      if (event.data === 'pong') {
        this.#awaitingPong = false;
        return;
      }
      let frame;
      try {
        frame = JSON.parse(event.data);
      } catch {
        return;
      }
      this.#o.obs.count('socketFrames');
      if (frame.type === 'snapshot') {
        this.#o.obs.event(this.#o.sessionId, 'socket open');
        this.#attempt = 0;
        this.healthy = true;
        this.#o.obs.count(this.#everConnected ? 'reconnections' : 'socketsOpened');
        if (this.#everConnected) this.#o.onReconnected(frame.lastSeq);
        this.#everConnected = true;
      } else if (frame.type === 'user_message') this.#o.obs.ack('socket', this.#o.chatId, frame.message);
      else if (frame.type === 'assistant_message') this.#o.obs.reply('socket', this.#o.chatId, frame.message);
    };
    socket.onclose = (event) => {
      if (socket !== this.#socket) return;
      this.#o.obs.event(this.#o.sessionId, `socket closed ${event.code}${this.#opened ? '' : ' before opening'}`);
      this.#socket = null;
      this.healthy = false;
      this.#clearTimers();
      if (this.#stopped) return;
      if (event.code === SESSION_ENDED) {
        this.#stopped = true;
        this.#o.onSessionEnded();
        return;
      }
      if (!this.#opened) {
        this.#o.obs.count('socketConnectFailures');
        this.#o.onConnectFailed();
      }
      this.#scheduleRetry();
    };
    socket.onerror = () => undefined; // close follows and decides
  }

  #ping() {
    const socket = this.#socket;
    if (!socket || socket.readyState !== OPEN) return;
    if (this.#awaitingPong) {
      this.#detach(RECONNECT, 'no pong');
      this.#clearTimers();
      this.#scheduleRetry();
      return;
    }
    this.#awaitingPong = true;
    try {
      socket.send('ping');
    } catch {
      // closing; onclose follows
    }
  }

  #scheduleRetry() {
    if (this.#stopped || this.#retryTimer !== null) return;
    const delay = reconnectDelayMs(this.#attempt, this.#o.random);
    this.#attempt += 1;
    this.#retryTimer = setTimeout(() => {
      this.#retryTimer = null;
      if (!this.#stopped) this.#connect();
    }, delay);
  }

  #detach(code, reason) {
    const socket = this.#socket;
    this.#socket = null;
    this.healthy = false;
    if (!socket) return;
    socket.onopen = socket.onmessage = socket.onclose = socket.onerror = null;
    try {
      socket.close(code, reason);
    } catch {
      // already closed
    }
  }

  #clearTimers() {
    if (this.#retryTimer !== null) clearTimeout(this.#retryTimer);
    if (this.#pingTimer !== null) clearInterval(this.#pingTimer);
    this.#retryTimer = null;
    this.#pingTimer = null;
  }
}
