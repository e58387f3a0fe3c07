/**
 * Accepting a live socket (SPEC §5, §13) the Worker has authenticated: the login must not be
 * revoked, the chat must be the owner's, and the session must be live, on that chat, and
 * opened with the same login. The snapshot is the socket's first frame: nothing awaits between
 * reading the reply in flight and accepting, so the snapshot and the next delta cannot cross.
 */
import { ApiError } from '../shared/errors';
import { socketCapReached } from '../shared/caps';
import type { LiveIntent } from '../shared/live-intent';
import type { AlarmScheduler } from './alarm-scheduler';
import type { ChatAccess } from './chat-access';
import type { ChatLedger } from './chat-ledger';
import type { LiveChannel, SocketAttachment } from './live-channel';
import type { LoginGuard } from './login-guard';
import type { SessionRegistry } from './session-registry';
import type { TurnClaims } from './turn-claims';

export interface LiveUpgradeDeps {
  logins: LoginGuard;
  chats: ChatAccess;
  registry: SessionRegistry;
  ledger: ChatLedger;
  claims: TurnClaims;
  live: LiveChannel;
  alarm: AlarmScheduler;
  /** MAX_SOCKETS_PER_CHAT (SPEC §13). */
  maxSocketsPerChat: number;
}

const gone = () => new ApiError('gone', 'This session has ended; open a new one');

export async function acceptLiveSocket(deps: LiveUpgradeDeps, intent: LiveIntent): Promise<Response> {
  const { chatId, sessionId, login } = intent;
  if (deps.logins.isRevoked(login.authSessionId)) throw new ApiError('unauthorized', 'Sign in to continue');
  await deps.chats.check(chatId);
  const session = deps.registry.get(sessionId);
  if (session?.chatId !== chatId || session.authSessionId !== login.authSessionId) throw gone();
  // The head: a joining tab holds the chat through it (SPEC §16: the path it shows ends there).
  const lastSeq = await deps.ledger.headSeq(chatId);
  // The session (or the chat) may have ended while D1 answered.
  if (!deps.registry.get(sessionId) || !deps.chats.knows(chatId)) throw gone();
  if (deps.live.openOn(chatId) >= deps.maxSocketsPerChat) throw socketCapReached(deps.maxSocketsPerChat);
  const progress = deps.claims.get(chatId)?.progress;
  const inFlight = progress?.messageId ? { messageId: progress.messageId, text: progress.text, toolCalls: [...progress.toolCalls] } : null;
  const attachment: SocketAttachment = { chatId, sessionId, connectedAt: Date.now(), authSessionId: login.authSessionId, loginExpiresAt: login.expiresAt };
  const accepted = deps.live.accept(attachment, { type: 'snapshot', lastSeq, inFlight });
  await deps.alarm.reschedule(); // the alarm closes the socket when its login expires
  return accepted;
}
