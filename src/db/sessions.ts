/** chat_sessions: the executor writes them (open, end, a persisted heartbeat); anyone may read. */
import { and, desc, eq, inArray, ne } from 'drizzle-orm';
import type { Db } from './client';
import { chats, chatSessions } from './schema';
import type { Chat, ChatSession, EndReason } from './schema';

export async function findOwnedSession(db: Db, userId: string, sessionId: string) {
  const [session] = await db
    .select()
    .from(chatSessions)
    .where(and(eq(chatSessions.id, sessionId), eq(chatSessions.userId, userId)))
    .limit(1);
  return session ?? null;
}

export async function activeSessions(db: Db, userId: string, agent: string) {
  return db
    .select()
    .from(chatSessions)
    .where(and(eq(chatSessions.userId, userId), eq(chatSessions.agentName, agent), eq(chatSessions.isActive, true)))
    .orderBy(desc(chatSessions.createdAt));
}

/** A tab's live sessions with agents other than `agent` (switching agents replaces them). */
export async function tabSessionsOnOtherAgents(db: Db, userId: string, agent: string, clientInstanceId: string) {
  return db
    .select({ id: chatSessions.id, agentName: chatSessions.agentName })
    .from(chatSessions)
    .where(
      and(
        eq(chatSessions.userId, userId),
        eq(chatSessions.clientInstanceId, clientInstanceId),
        eq(chatSessions.isActive, true),
        ne(chatSessions.agentName, agent),
      ),
    );
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
