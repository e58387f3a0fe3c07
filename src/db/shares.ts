/**
 * chat_shares: read-only links to a chat as it was when shared (SPEC §15). A share keeps the
 * chat's title and its head of that moment (`uptoSeq`): the link shows the path from the first
 * message to that head (SPEC §16), so later messages, other branches and renames never show.
 */
import { and, asc, desc, eq, inArray, lte } from 'drizzle-orm';
import type { Db } from './client';
import { chatTip, pathIn } from './message-paths';
import { chatMessages, chats, chatShares, shareLinks, users } from './schema';
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

/**
 * Shares the conversation the chat shows now: the path to its head (0 for a chat with no
 * message yet). The link's id goes into the directory first (SPEC §17: a reader with no login
 * finds the owner's shard from it); a link whose shard row then fails to land reads as unknown.
 */
export async function createShare(db: Db, directory: Db, chat: Chat, now = Date.now()): Promise<ChatShare> {
  const { headSeq } = await chatTip(db, chat.id);
  const share: ChatShare = { id: newShareId(), chatId: chat.id, userId: chat.userId, title: chat.title, uptoSeq: headSeq ?? 0, createdAt: now };
  await directory.insert(shareLinks).values({ id: share.id, userId: share.userId, createdAt: now });
  await db.insert(chatShares).values(share);
  return share;
}

/** Whose shard holds a shared link (the directory's part of reading a share); null when unknown. */
export async function shareOwnerShard(directory: Db, shareId: string): Promise<number | null> {
  const [row] = await directory
    .select({ shard: users.shard })
    .from(shareLinks)
    .innerJoin(users, eq(users.id, shareLinks.userId))
    .where(eq(shareLinks.id, shareId))
    .limit(1);
  return row?.shard ?? null;
}

/** Forgets links whose shard rows are gone (a revoked share, a deleted chat's shares). */
export async function forgetShareLinks(directory: Db, shareIds: string[]): Promise<void> {
  if (shareIds.length > 0) await directory.delete(shareLinks).where(inArray(shareLinks.id, shareIds));
}

/** The ids of a chat's shares, so deleting the chat can forget their links too. */
export async function shareIdsOf(db: Db, chatId: string): Promise<string[]> {
  const rows = await db.select({ id: chatShares.id }).from(chatShares).where(eq(chatShares.chatId, chatId));
  return rows.map((r) => r.id);
}

/** The chat's shares, newest first. */
export async function listShares(db: Db, chatId: string): Promise<ChatShare[]> {
  return db.select().from(chatShares).where(eq(chatShares.chatId, chatId)).orderBy(desc(chatShares.createdAt), desc(chatShares.id));
}

/** Revokes the share if it belongs to that chat; false when there was no such share. */
export async function deleteShare(db: Db, directory: Db, chatId: string, shareId: string): Promise<boolean> {
  const gone = await db
    .delete(chatShares)
    .where(and(eq(chatShares.id, shareId), eq(chatShares.chatId, chatId)))
    .returning({ id: chatShares.id });
  if (gone.length === 0) return false;
  await forgetShareLinks(directory, [shareId]);
  return true;
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
