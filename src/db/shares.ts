/**
 * chat_shares: read-only links to a chat as it was when shared (SPEC §15). A share keeps the
 * chat's title and its head of that moment (`uptoSeq`): the link shows the path from the first
 * message to that head (SPEC §16), so later messages, other branches and renames never show.
 */
import { and, asc, desc, eq, lte } from 'drizzle-orm';
import type { Db } from './client';
import { chatTip, pathIn } from './message-paths';
import { chatMessages, chats, chatShares } from './schema';
import type { Chat, ChatMessage, ChatShare } from './schema';

/** 18 random bytes: 144 bits, beyond guessing; 24 base64url characters. */
const SHARE_ID_BYTES = 18;

export function newShareId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(SHARE_ID_BYTES));
  return btoa(String.fromCharCode(...bytes))
    .replace(/\+/g, '-')
    .replace(/\//g, '_')
    .replace(/=+$/, '');
}

/** Shares the conversation the chat shows now: the path to its head (0 for a chat with no message yet). */
export async function createShare(db: Db, chat: Chat, now = Date.now()): Promise<ChatShare> {
  const { headSeq } = await chatTip(db, chat.id);
  const share: ChatShare = { id: newShareId(), chatId: chat.id, userId: chat.userId, title: chat.title, uptoSeq: headSeq ?? 0, createdAt: now };
  await db.insert(chatShares).values(share);
  return share;
}

/** The chat's shares, newest first. */
export async function listShares(db: Db, chatId: string): Promise<ChatShare[]> {
  return db.select().from(chatShares).where(eq(chatShares.chatId, chatId)).orderBy(desc(chatShares.createdAt), desc(chatShares.id));
}

/** Revokes the share if it belongs to that chat; false when there was no such share. */
export async function deleteShare(db: Db, chatId: string, shareId: string): Promise<boolean> {
  const gone = await db
    .delete(chatShares)
    .where(and(eq(chatShares.id, shareId), eq(chatShares.chatId, chatId)))
    .returning({ id: chatShares.id });
  return gone.length > 0;
}

/** A share with its chat's agent and the path it shows, in one round trip; null if revoked or unknown. */
export async function sharedChat(db: Db, shareId: string): Promise<{ share: ChatShare; agentName: string; messages: ChatMessage[] } | null> {
  const [found, messages] = await db.batch([
    db
      .select({ share: chatShares, agentName: chats.agentName })
      .from(chatShares)
      .innerJoin(chats, eq(chats.id, chatShares.chatId))
      .where(eq(chatShares.id, shareId))
      .limit(1),
    db
      .select({ message: chatMessages })
      .from(chatShares)
      .innerJoin(chatMessages, and(eq(chatMessages.chatId, chatShares.chatId), lte(chatMessages.seq, chatShares.uptoSeq)))
      .where(eq(chatShares.id, shareId))
      .orderBy(asc(chatMessages.seq)),
  ]);
  const row = found[0];
  if (!row) return null;
  const path =
    row.share.uptoSeq > 0
      ? pathIn(
          messages.map((m) => m.message),
          row.share.uptoSeq,
        )
      : [];
  return { share: row.share, agentName: row.agentName, messages: path };
}
