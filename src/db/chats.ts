/**
 * chats: reads for any layer, writes for the executor (the only writer of a (user, agent)'s
 * chats). D1 has no interactive transactions, so multi-row writes go in one `db.batch`.
 */
import { and, desc, eq, isNotNull, isNull, lt, or, sql } from 'drizzle-orm';
import type { AgentName } from '../shared/agents';
import { newChatId } from '../shared/chat-id';
import type { Cursor } from '../shared/pagination';
import type { LastMessageDto } from '../shared/api';
import type { Db } from './client';
import { containsText } from './contains';
import { memoriesOfDeletedChat } from './memories';
import { chatImports, chatMessages, chats, chatSessions, chatShares } from './schema';
import type { Chat } from './schema';

export const DEFAULT_CHAT_TITLE = 'New chat';

export function newChat(userId: string, agentName: AgentName, now: number): Chat {
  return { id: newChatId(agentName), userId, agentName, title: DEFAULT_CHAT_TITLE, titleLocked: false, createdAt: now, updatedAt: now, archivedAt: null, headSeq: null };
}

export async function findOwnedChat(db: Db, userId: string, chatId: string): Promise<Chat | null> {
  const [chat] = await db
    .select()
    .from(chats)
    .where(and(eq(chats.id, chatId), eq(chats.userId, userId)))
    .limit(1);
  return chat ?? null;
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
// and a bare "id" would resolve to the message's own id. The head (SPEC §16) is the newest
// message of the branch shown, so nothing newer than it on another branch is previewed.
const lastMessageJson = sql<string | null>`(
  SELECT json_object('role', m.role, 'content', substr(m.content, 1, 280), 'createdAt', m.created_at)
  FROM chat_messages m WHERE m.chat_id = "chats"."id" AND m.role != 'tool' AND m.seq <= coalesce("chats"."head_seq", m.seq) ORDER BY m.seq DESC LIMIT 1
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
    rows: rows.slice(0, o.limit).map((r) => ({ chat: r.chat, lastMessage: r.lastMessage ? (JSON.parse(r.lastMessage) as LastMessageDto) : null })),
    hasMore: rows.length > o.limit,
  };
}

export async function insertChat(db: Db, chat: Chat): Promise<void> {
  await db.insert(chats).values(chat);
}

export async function updateChatRow(
  db: Db,
  chatId: string,
  changes: Partial<Pick<Chat, 'title' | 'titleLocked' | 'archivedAt' | 'updatedAt'>>,
): Promise<Chat | null> {
  const [chat] = await db.update(chats).set(changes).where(eq(chats.id, chatId)).returning();
  return chat ?? null;
}

/**
 * The model's title for a chat (SPEC §4.7), only over the provisional title it replaces: a rename
 * (title_locked) that landed meanwhile wins, and so does any other title. Null when it did not apply.
 */
export async function replaceProvisionalTitle(db: Db, chatId: string, provisional: string, title: string): Promise<Chat | null> {
  const [chat] = await db
    .update(chats)
    .set({ title })
    .where(and(eq(chats.id, chatId), eq(chats.titleLocked, false), eq(chats.title, provisional)))
    .returning();
  return chat ?? null;
}

/**
 * Deletes a chat with its messages, sessions and shares (its links stop working) and the record
 * of where it was imported from, and deletes or keeps its memories, all or nothing.
 */
export async function deleteChatRows(db: Db, chatId: string, memories: 'delete' | 'keep'): Promise<void> {
  await db.batch([
    memoriesOfDeletedChat(db, chatId, memories),
    db.delete(chatShares).where(eq(chatShares.chatId, chatId)),
    db.delete(chatImports).where(eq(chatImports.chatId, chatId)),
    db.delete(chatMessages).where(eq(chatMessages.chatId, chatId)),
    db.delete(chatSessions).where(eq(chatSessions.chatId, chatId)),
    db.delete(chats).where(eq(chats.id, chatId)),
  ]);
}
