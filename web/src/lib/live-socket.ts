/**
 * One chat's live channel socket (SPEC §5): connects, pings, notices a dead link, and
 * reconnects with backoff until it is closed on purpose or the server ends its session.
 * Plain TypeScript with the socket factory injectable, so it is tested without a browser.
 */
import type { LiveFrame } from '../../../src/shared/protocol';
import { reconnectDelayMs } from './backoff';
import { parseLiveFrame } from './live-frames';

/** The server closes a socket with this code when its session ended or expired. */
export const SESSION_ENDED_CLOSE_CODE = 4000;
/** Leaving the chat (tab closed, chat or agent switched, logout): the server ends the session with it. */
export const LEAVING_CLOSE_CODE = 1000;
/** Dropping a link to open a fresh one; not 1000/1001, so the server keeps the session. */
export const RECONNECT_CLOSE_CODE = 4001;

/** WebSocket.CONNECTING, without needing the browser's WebSocket in scope. */
const CONNECTING = 0;

function close(socket: SocketLike, code: number, reason: string) {
  try {
    socket.close(code, reason);
  } catch {
    // already closed
  }
}

/** The socket as this module uses it: the browser's WebSocket fits. */
export interface SocketLike {
  readonly readyState: number;
  onopen: ((event: Event) => void) | null;
  onmessage: ((event: MessageEvent) => void) | null;
  onclose: ((event: CloseEvent) => void) | null;
  onerror: ((event: Event) => void) | null;
  send(data: string): void;
  close(code?: number, reason?: string): void;
}

export interface LiveSocketOptions {
  url: string;
  /** How often to ping; a ping left unanswered until the next one means the link is dead. */
  pingIntervalMs: number;
  onFrame(frame: LiveFrame): void;
  /** Healthy = open, snapshot received, answering pings. While it is not, the tab beats over HTTP. */
  onHealth?(healthy: boolean): void;
  /** Closed with 4000: the session is over; the owner re-opens one and connects a new socket. */
  onSessionEnded?(): void;
  /** An attempt closed before it opened. A refused upgrade (410, 401, 404) looks exactly like this. */
  onConnectFailed?(attempt: number): void;
  createSocket?(url: string): SocketLike;
  random?(): number;
}

const OPEN = 1;

export class LiveSocket {
  readonly #options: LiveSocketOptions;
  #socket: SocketLike | null = null;
  #attempt = 0;
  #opened = false;
  #healthy = false;
  #awaitingPong = false;
  #stopped = false;
  #retryTimer: ReturnType<typeof setTimeout> | null = null;
  #pingTimer: ReturnType<typeof setInterval> | null = null;

  constructor(options: LiveSocketOptions) {
    this.#options = options;
    this.#connect();
  }

  get healthy(): boolean {
    return this.#healthy;
  }

  /** Close for good; 1000 tells the server the tab has left. */
  close(code = LEAVING_CLOSE_CODE, reason = 'leaving'): void {
    this.#stopped = true;
    this.#clearTimers();
    this.#drop(code, reason);
  }

  /** Open a fresh connection now (and so get a fresh snapshot), keeping the session. */
  reconnect(): void {
    if (this.#stopped) return;
    this.#clearTimers();
    this.#drop(RECONNECT_CLOSE_CODE, 'reconnect');
    this.#connect();
  }

  #connect() {
    // The cast bridges the DOM's WebSocket and the Workers' one (this file is type-checked as both).
    const create = this.#options.createSocket ?? ((url: string) => new WebSocket(url) as unknown as SocketLike);
    let socket: SocketLike;
    try {
      socket = create(this.#options.url);
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
      this.#pingTimer = setInterval(() => this.#ping(), this.#options.pingIntervalMs);
    };
    socket.onmessage = (event) => {
      if (socket !== this.#socket || typeof event.data !== 'string') return;
      if (event.data === 'pong') {
        this.#awaitingPong = false;
        return;
      }
      const frame = parseLiveFrame(event.data);
      if (!frame) return;
      if (frame.type === 'snapshot') {
        this.#attempt = 0;
        this.#setHealthy(true);
      }
      this.#options.onFrame(frame);
    };
    socket.onclose = (event) => {
      if (socket !== this.#socket) return;
      this.#socket = null;
      this.#clearTimers();
      this.#setHealthy(false);
      if (this.#stopped) return;
      if (event.code === SESSION_ENDED_CLOSE_CODE) {
        this.#stopped = true;
        this.#options.onSessionEnded?.();
        return;
      }
      if (!this.#opened) this.#options.onConnectFailed?.(this.#attempt);
      this.#scheduleRetry();
    };
    // An error is always followed by close, which decides what happens next.
    socket.onerror = () => undefined;
  }

  #ping() {
    const socket = this.#socket;
    if (!socket || socket.readyState !== OPEN) return;
    if (this.#awaitingPong) {
      // The last ping went unanswered for a whole interval: the link is dead even if the browser has not noticed.
      this.#drop(RECONNECT_CLOSE_CODE, 'no pong');
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
    const delay = reconnectDelayMs(this.#attempt, this.#options.random);
    this.#attempt++;
    this.#retryTimer = setTimeout(() => {
      this.#retryTimer = null;
      if (!this.#stopped) this.#connect();
    }, delay);
  }

  /** Detach and close the current socket; its events no longer reach us. */
  #drop(code: number, reason: string) {
    const socket = this.#socket;
    this.#socket = null;
    this.#setHealthy(false);
    if (!socket) return;
    socket.onopen = socket.onmessage = socket.onclose = socket.onerror = null;
    // Closing a socket still connecting makes the browser log "closed before the connection is
    // established" (issue 18: on every chat load): let it open, then close it. Not with 1000: the
    // server would end the session, which a socket that never opened did not do, and which the
    // tab may be about to use on its next socket (a chat re-opened on the same session).
    if (socket.readyState === CONNECTING) {
      socket.onopen = () => close(socket, RECONNECT_CLOSE_CODE, 'superseded');
      return;
    }
    close(socket, code, reason);
  }

  #setHealthy(healthy: boolean) {
    if (this.#healthy === healthy) return;
    this.#healthy = healthy;
    this.#options.onHealth?.(healthy);
  }

  #clearTimers() {
    if (this.#retryTimer !== null) clearTimeout(this.#retryTimer);
    if (this.#pingTimer !== null) clearInterval(this.#pingTimer);
    this.#retryTimer = null;
    this.#pingTimer = null;
  }
}
