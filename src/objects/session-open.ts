/**
 * Opening a tab's session on a chat (SPEC §3.1): the same tab gets its live session back, a
 * tab that moved chats or lapsed has its old one ended, and a tab with no chat gets the most
 * recent open one, or a new one stored in the same batch as the session. The answer carries
 * the newest page of the chat's head path, outbox included, which also seeds the chat's
 * history window.
 */
import type { Db } from '../db/client';
import type { Chat, ChatSession } from '../db/schema';
import { serializeChat, serializeMessage, serializeSession } from '../db/serialize';
import { insertSession } from '../db/sessions';
import type { Owner } from '../shared/owner';
import { sessionCapReached } from '../shared/caps';
import type { ChatAccess } from './chat-access';
import type { ChatLedger } from './chat-ledger';
import type { Drafts } from './drafts';
import type { BuiltExecutor } from './executor-build';
import type { OpenSessionRequest, OpenSessionResult } from './rpc-contract';
import type { SessionLifecycle } from './session-lifecycle';
import type { LiveSession, SessionRegistry } from './session-registry';

export const FIRST_PAGE_SIZE = 50;

export interface SessionOpenDeps {
  db: Db;
  owner: Owner;
  historyWindow: number;
  chats: ChatAccess;
  ledger: ChatLedger;
  registry: SessionRegistry;
  lifecycle: SessionLifecycle;
  drafts: Drafts;
  /** MAX_ACTIVE_SESSIONS: live sessions of this (user, agent) at most (SPEC §13). */
  maxActiveSessions: number;
}

export async function openSession(deps: SessionOpenDeps, executor: BuiltExecutor, request: OpenSessionRequest): Promise<OpenSessionResult> {
  const { chats, registry, lifecycle, owner } = deps;
  const now = Date.now();
  // The chat asked for is checked before anything changes: a bad id ends nothing.
  const requested = request.chatId ? await chats.owned(request.chatId) : null;
  const mine = request.clientInstanceId ? registry.findByClientInstance(request.clientInstanceId) : null;
  if (mine) {
    const fresh = lifecycle.isFresh(mine, now);
    if (fresh && (!requested || requested.id === mine.chatId)) {
      const chat = requested ?? (await chats.owned(mine.chatId));
      await lifecycle.beat(mine, now);
      return openResult(deps, executor, chat, { ...mine, lastBeatAt: now }, false);
    }
    // The tab moved to another chat, or its session lapsed: that session is over.
    await lifecycle.end([mine], fresh ? 'replaced' : 'expired', now, { reschedule: false });
  }
  // A new session from here on: the tab's own one (just ended, if any) no longer counts.
  if (registry.count() >= deps.maxActiveSessions) throw sessionCapReached(deps.maxActiveSessions);

  const existing = requested ?? (await chats.latestOpen());
  if (!existing) await chats.assertRoomForChat();
  const created = existing ? null : chats.draft(now);
  const chat = existing ?? created!;
  const row: ChatSession = {
    id: crypto.randomUUID(),
    chatId: chat.id,
    userId: owner.userId,
    agentName: owner.agentName,
    authSessionId: request.login.authSessionId,
    clientInstanceId: request.clientInstanceId ?? null,
    isActive: true,
    createdAt: now,
    updatedAt: now,
    lastHeartbeatAt: now,
    endedAt: null,
    endReason: null,
  };
  await insertSession(deps.db, row, created);
  chats.remember(chat.id);
  const live: LiveSession = {
    id: row.id,
    chatId: chat.id,
    authSessionId: row.authSessionId,
    clientInstanceId: row.clientInstanceId,
    createdAt: now,
    lastBeatAt: now,
    persistedBeatAt: now,
  };
  registry.add(live);
  return openResult(deps, executor, chat, live, true);
}

async function openResult(deps: SessionOpenDeps, executor: BuiltExecutor, chat: Chat, live: LiveSession, created: boolean): Promise<OpenSessionResult> {
  // The head's path (SPEC §16), outbox included: acknowledged messages belong in the page too.
  const page = await deps.ledger.page(chat.id, { limit: FIRST_PAGE_SIZE });
  // The first page is the newest part of that path: it seeds the chat's history window for free.
  if (!executor.windows.has(chat.id) && (deps.historyWindow < FIRST_PAGE_SIZE || !page.hasMore)) {
    deps.ledger.adopt(executor.windows, chat.id, page);
  }
  return {
    created,
    session: serializeSession({
      id: live.id,
      chatId: chat.id,
      agentName: deps.owner.agentName,
      isActive: true,
      lastHeartbeatAt: live.lastBeatAt,
      createdAt: live.createdAt,
    }),
    chat: serializeChat(chat),
    messages: page.messages.map(serializeMessage),
    hasMore: page.hasMore,
    draft: deps.drafts.get(chat.id),
  };
}
