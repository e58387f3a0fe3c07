/**
 * The executor's D1 writes for chats and sessions. D1 has no interactive transactions, so
 * every operation that writes more than one row sends them together in one `db.batch`.
 */
import { and, desc, eq, inArray, isNull } from 'drizzle-orm';
import type { Db } from '../worker/db/client';
import { chatMessages, chats, chatSessions } from '../worker/db/schema';
import type { Chat, ChatSession, EndReason } from '../worker/db/schema';

export const DEFAULT_CHAT_TITLE = 'New chat';

export function newChat(userId: string, agentName: string, now: number): Chat {
  return { id: crypto.randomUUID(), userId, agentName, title: DEFAULT_CHAT_TITLE, titleLocked: false, createdAt: now, updatedAt: now, archivedAt: null };
}

export async function latestOpenChat(db: Db, userId: string, agentName: string): Promise<Chat | null> {
  const [chat] = await db
    .select()
    .from(chats)
    .where(and(eq(chats.userId, userId), eq(chats.agentName, agentName), isNull(chats.archivedAt)))
    .orderBy(desc(chats.updatedAt))
    .limit(1);
  return chat ?? null;
}

/** Inserts the session, and the chat too when it is new, in one batch. */
export async function insertSession(db: Db, session: ChatSession, newChatRow: Chat | null): Promise<void> {
  const insertSessionRow = db.insert(chatSessions).values(session);
  if (newChatRow) await db.batch([db.insert(chats).values(newChatRow), insertSessionRow]);
  else await insertSessionRow;
}

/** Marks sessions ended; rows already inactive keep their first end reason. */
export async function endSessionRows(db: Db, ids: string[], reason: EndReason, now: number): Promise<void> {
  if (ids.length === 0) return;
  await db
    .update(chatSessions)
    .set({ isActive: false, endedAt: now, endReason: reason, updatedAt: now })
    .where(and(inArray(chatSessions.id, ids), eq(chatSessions.isActive, true)));
}

export async function persistHeartbeat(db: Db, sessionId: string, at: number): Promise<void> {
  await db
    .update(chatSessions)
    .set({ lastHeartbeatAt: at, updatedAt: at })
    .where(and(eq(chatSessions.id, sessionId), eq(chatSessions.isActive, true)));
}

export async function updateChatRow(
  db: Db,
  chatId: string,
  changes: Partial<Pick<Chat, 'title' | 'titleLocked' | 'archivedAt' | 'updatedAt'>>,
): Promise<Chat | null> {
  const [chat] = await db.update(chats).set(changes).where(eq(chats.id, chatId)).returning();
  return chat ?? null;
}

/** Deletes a chat with its messages and sessions, all or nothing. */
export async function deleteChatRows(db: Db, chatId: string): Promise<void> {
  await db.batch([
    db.delete(chatMessages).where(eq(chatMessages.chatId, chatId)),
    db.delete(chatSessions).where(eq(chatSessions.chatId, chatId)),
    db.delete(chats).where(eq(chats.id, chatId)),
  ]);
}
