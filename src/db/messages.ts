/** chat_messages: pages for readers; the executor's ledger does the writing. */
import { and, asc, desc, eq, gt, lt } from 'drizzle-orm';
import type { Db } from './client';
import { chatMessages } from './schema';
import type { ChatMessage } from './schema';

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

export async function findByClientMessageId(db: Db, chatId: string, clientMessageId: string): Promise<ChatMessage | null> {
  const [row] = await db
    .select()
    .from(chatMessages)
    .where(and(eq(chatMessages.chatId, chatId), eq(chatMessages.clientMessageId, clientMessageId)))
    .limit(1);
  return row ?? null;
}

/** A chat_messages row with every optional column at its default. */
export function messageRow(fields: Pick<ChatMessage, 'chatId' | 'seq' | 'role'> & Partial<ChatMessage>): ChatMessage {
  return {
    id: crypto.randomUUID(),
    parentSeq: null,
    content: '',
    toolCalls: null,
    toolCallId: null,
    name: null,
    status: 'complete',
    clientMessageId: null,
    model: null,
    promptTokens: null,
    completionTokens: null,
    timings: null,
    createdAt: Date.now(),
    ...fields,
  };
}
