/**
 * The live channel (SPEC §5): hibernatable WebSockets, tagged by chat and session, that receive
 * every turn's events of their chat. `ping` is answered `pong` by the runtime without waking
 * the object; the alarm reads each socket's last auto-response as its session's heartbeat.
 */
import type { LiveFrame } from '../shared/protocol';

export interface SocketAttachment {
  chatId: string;
  sessionId: string;
  connectedAt: number;
  /** The login the socket was opened with (null for a JWT caller) and when it expires. */
  authSessionId: string | null;
  loginExpiresAt: number;
}

/** A socket's login still counts: not expired, not revoked. */
export type LoginCheck = (attachment: SocketAttachment, now: number) => boolean;

const chatTag = (chatId: string) => `chat:${chatId}`;
const sessionTag = (sessionId: string) => `session:${sessionId}`;

/** Close codes: a tab closing says 1000/1001; anything else may be a network drop. */
export const CLEAN_CLOSE_CODES = new Set([1000, 1001]);
export const SESSION_ENDED_CLOSE_CODE = 4000;
/** The login the socket was opened with was logged out or expired: sign in again. */
export const LOGIN_ENDED_CLOSE_CODE = 4001;

export class LiveChannel {
  readonly #ctx: DurableObjectState;

  constructor(ctx: DurableObjectState) {
    this.#ctx = ctx;
    ctx.setWebSocketAutoResponse(new WebSocketRequestResponsePair('ping', 'pong'));
  }

  /** Accepts the socket and sends its first frame before any other can be sent to it. */
  accept(attachment: SocketAttachment, snapshot: Extract<LiveFrame, { type: 'snapshot' }>): Response {
    const { 0: client, 1: server } = new WebSocketPair();
    this.#ctx.acceptWebSocket(server, [chatTag(attachment.chatId), sessionTag(attachment.sessionId)]);
    server.serializeAttachment(attachment);
    server.send(JSON.stringify(snapshot));
    return new Response(null, { status: 101, webSocket: client });
  }

  /** Sends the frame to every socket of the chat, but those of `exceptSession` (the sender's tab). */
  broadcast(chatId: string, frame: LiveFrame, exceptSession?: string): void {
    const text = JSON.stringify(frame);
    for (const socket of this.#ctx.getWebSockets(chatTag(chatId))) {
      if (exceptSession && (socket.deserializeAttachment() as SocketAttachment | null)?.sessionId === exceptSession) continue;
      try {
        socket.send(text);
      } catch {
        // a socket closing under us; its close handler tidies up
      }
    }
  }

  /**
   * The latest sign of life of each session's open sockets: its last ping, or its connection.
   * A socket whose login has ended is no sign of life (SPEC §13): its pings keep nothing alive.
   */
  lastSeenBySession(loginValid: LoginCheck, now = Date.now()): Map<string, number> {
    const seen = new Map<string, number>();
    for (const socket of this.#ctx.getWebSockets()) {
      const attachment = socket.deserializeAttachment() as SocketAttachment | null;
      if (!attachment || !loginValid(attachment, now)) continue;
      const pinged = this.#ctx.getWebSocketAutoResponseTimestamp(socket)?.getTime() ?? 0;
      const at = Math.max(pinged, attachment.connectedAt);
      seen.set(attachment.sessionId, Math.max(seen.get(attachment.sessionId) ?? 0, at));
    }
    return seen;
  }

  /** A closing socket's last sign of life, while its login still counts (else null). */
  lastSeenOf(socket: WebSocket, loginValid: LoginCheck, now = Date.now()): number | null {
    const attachment = socket.deserializeAttachment() as SocketAttachment | null;
    if (!attachment || !loginValid(attachment, now)) return null;
    return Math.max(this.#ctx.getWebSocketAutoResponseTimestamp(socket)?.getTime() ?? 0, attachment.connectedAt);
  }

  closeSession(sessionId: string, reason: string): void {
    for (const socket of this.#ctx.getWebSockets(sessionTag(sessionId))) {
      try {
        socket.close(SESSION_ENDED_CLOSE_CODE, reason);
      } catch {
        // already closed
      }
    }
  }

  /** Closes every socket whose login has ended; answers the sessions they belonged to. */
  closeEndedLogins(loginValid: LoginCheck, now = Date.now()): string[] {
    const sessions: string[] = [];
    for (const socket of this.#ctx.getWebSockets()) {
      const attachment = socket.deserializeAttachment() as SocketAttachment | null;
      if (!attachment || loginValid(attachment, now)) continue;
      sessions.push(attachment.sessionId);
      try {
        socket.close(LOGIN_ENDED_CLOSE_CODE, 'login ended');
      } catch {
        // already closed
      }
    }
    return sessions;
  }

  /** When the first open socket's login expires, for the alarm. */
  earliestLoginExpiry(): number | null {
    let earliest: number | null = null;
    for (const socket of this.#ctx.getWebSockets()) {
      const attachment = socket.deserializeAttachment() as SocketAttachment | null;
      if (attachment && (earliest === null || attachment.loginExpiresAt < earliest)) earliest = attachment.loginExpiresAt;
    }
    return earliest;
  }

  /** Sockets open on a chat: MAX_SOCKETS_PER_CHAT caps them (SPEC §13). */
  openOn(chatId: string): number {
    return this.#ctx.getWebSockets(chatTag(chatId)).length;
  }

  closeChat(chatId: string, reason: string): void {
    for (const socket of this.#ctx.getWebSockets(chatTag(chatId))) {
      try {
        socket.close(SESSION_ENDED_CLOSE_CODE, reason);
      } catch {
        // already closed
      }
    }
  }
}
