/**
 * Reads of chats, messages and sessions. Any layer may read D1; only the executor writes a
 * (user, agent)'s chats, sessions and messages.
 */
import { and, asc, desc, eq, gt, isNotNull, isNull, lt, or, sql } from 'drizzle-orm';
import type { Db } from '../db/client';
import { containsText } from '../db/contains';
import { chatMessages, chats, chatSessions } from '../db/schema';
import type { Chat, ChatMessage } from '../db/schema';
import type { Cursor } from '../pagination';
import type { LastMessage } from './serialize';

export async function findOwnedChat(db: Db, userId: string, chatId: string): Promise<Chat | null> {
  const [chat] = await db
    .select()
    .from(chats)
    .where(and(eq(chats.id, chatId), eq(chats.userId, userId)))
    .limit(1);
  return chat ?? null;
}

export async function findOwnedSession(db: Db, userId: string, sessionId: string) {
  const [session] = await db
    .select()
    .from(chatSessions)
    .where(and(eq(chatSessions.id, sessionId), eq(chatSessions.userId, userId)))
    .limit(1);
  return session ?? null;
}

export type ArchivedFilter = 'exclude' | 'only' | 'include';

export interface ListChatsOptions {
  userId: string;
  agent: string;
  after: Cursor | null;
  limit: number;
  archived: ArchivedFilter;
  query?: string | undefined;
}

// Written out in full: inside a raw subquery drizzle renders a column without its table,
// and a bare "id" would resolve to the message's own id.
const lastMessageJson = sql<string | null>`(
  SELECT json_object('role', m.role, 'content', substr(m.content, 1, 280), 'createdAt', m.created_at)
  FROM chat_messages m WHERE m.chat_id = "chats"."id" AND m.role != 'tool' ORDER BY m.seq DESC LIMIT 1
)`;

/** Newest first by updatedAt, one round trip including each chat's last message. */
export async function listChats(db: Db, o: ListChatsOptions) {
  const rows = await db
    .select({ chat: chats, lastMessage: lastMessageJson })
    .from(chats)
    .where(
      and(
        eq(chats.userId, o.userId),
        eq(chats.agentName, o.agent),
        o.archived === 'exclude' ? isNull(chats.archivedAt) : o.archived === 'only' ? isNotNull(chats.archivedAt) : undefined,
        o.query ? containsText(chats.title, o.query) : undefined,
        o.after ? or(lt(chats.updatedAt, o.after.at), and(eq(chats.updatedAt, o.after.at), lt(chats.id, o.after.id))) : undefined,
      ),
    )
    .orderBy(desc(chats.updatedAt), desc(chats.id))
    .limit(o.limit + 1);
  return {
    rows: rows.slice(0, o.limit).map((r) => ({ chat: r.chat, lastMessage: r.lastMessage ? (JSON.parse(r.lastMessage) as LastMessage) : null })),
    hasMore: rows.length > o.limit,
  };
}

export interface MessagePageOptions {
  before?: number | undefined;
  after?: number | undefined;
  limit: number;
}

/**
 * A page of messages in ascending seq. `before` pages backwards from the newest (history on
 * scroll-up); `after` pages forwards (a reconnecting client catching up).
 */
export async function pageMessages(db: Db, chatId: string, o: MessagePageOptions): Promise<{ messages: ChatMessage[]; hasMore: boolean }> {
  if (o.after !== undefined) {
    const rows = await db
      .select()
      .from(chatMessages)
      .where(and(eq(chatMessages.chatId, chatId), gt(chatMessages.seq, o.after)))
      .orderBy(asc(chatMessages.seq))
      .limit(o.limit + 1);
    return { messages: rows.slice(0, o.limit), hasMore: rows.length > o.limit };
  }
  const rows = await db
    .select()
    .from(chatMessages)
    .where(and(eq(chatMessages.chatId, chatId), o.before !== undefined ? lt(chatMessages.seq, o.before) : undefined))
    .orderBy(desc(chatMessages.seq))
    .limit(o.limit + 1);
  return { messages: rows.slice(0, o.limit).reverse(), hasMore: rows.length > o.limit };
}

export async function allMessages(db: Db, chatId: string): Promise<ChatMessage[]> {
  return db.select().from(chatMessages).where(eq(chatMessages.chatId, chatId)).orderBy(asc(chatMessages.seq));
}

export async function activeSessions(db: Db, userId: string, agent: string) {
  return db
    .select()
    .from(chatSessions)
    .where(and(eq(chatSessions.userId, userId), eq(chatSessions.agentName, agent), eq(chatSessions.isActive, true)))
    .orderBy(desc(chatSessions.createdAt));
}

export async function findByClientMessageId(db: Db, chatId: string, clientMessageId: string): Promise<ChatMessage | null> {
  const [row] = await db
    .select()
    .from(chatMessages)
    .where(and(eq(chatMessages.chatId, chatId), eq(chatMessages.clientMessageId, clientMessageId)))
    .limit(1);
  return row ?? null;
}

/** The caller's chat and its newest messages (ascending) in one round trip; chat null if not theirs. */
export async function ownedChatWithLatest(db: Db, userId: string, chatId: string, limit: number): Promise<{ chat: Chat | null; messages: ChatMessage[] }> {
  const [chatRows, newest] = await db.batch([
    db
      .select()
      .from(chats)
      .where(and(eq(chats.id, chatId), eq(chats.userId, userId)))
      .limit(1),
    db.select().from(chatMessages).where(eq(chatMessages.chatId, chatId)).orderBy(desc(chatMessages.seq)).limit(limit),
  ]);
  return { chat: chatRows[0] ?? null, messages: newest.reverse() };
}
