/**
 * Which chats are this executor's: a chat belongs to it when its row has the owner's user and
 * agent. The first check of a chat reads D1; the answer is remembered, so a warm turn makes
 * no ownership read. Also creates chats, which only the executor does.
 */
import { findOwnedChat, insertChat, latestOpenChat, newChat, updateChatRow } from '../db/chats';
import type { Db } from '../db/client';
import { ownedChatWithPath } from '../db/message-paths';
import type { ChatTip, PathPage } from '../db/message-paths';
import type { Chat } from '../db/schema';
import { notFound } from '../shared/errors';
import { chatCapReached } from '../shared/caps';
import { countChats, insertChatWithinCap } from '../db/user-caps';
import type { Owner } from '../shared/owner';

export class ChatAccess {
  readonly #db: Db;
  readonly #owner: Owner;
  readonly #known = new Set<string>();
  /** MAX_CHATS_PER_USER (SPEC §13); null only in module tests that create chats freely. */
  readonly #maxChats: number | null;

  constructor(db: Db, owner: Owner, maxChats: number | null = null) {
    this.#db = db;
    this.#owner = owner;
    this.#maxChats = maxChats;
  }

  /** The chat's row, or 404 when it is another user's, another agent's or gone. */
  async owned(chatId: string): Promise<Chat> {
    return this.#accept(await findOwnedChat(this.#db, this.#owner.userId, chatId), chatId);
  }

  /** Refuses a chat that is not this owner's: one D1 read the first time, none after. */
  async check(chatId: string): Promise<void> {
    if (!this.#known.has(chatId)) await this.owned(chatId);
  }

  knows(chatId: string): boolean {
    return this.#known.has(chatId);
  }

  /** Ownership and the newest `limit` messages of the head's path in one round trip (a turn on a cold chat). */
  async ownedWithPath(chatId: string, limit: number): Promise<PathPage & ChatTip> {
    const { chat, ...read } = await ownedChatWithPath(this.#db, this.#owner.userId, chatId, limit);
    this.#accept(chat, chatId);
    return read;
  }

  /** The owner's most recently updated open chat, if any. */
  latestOpen(): Promise<Chat | null> {
    return latestOpenChat(this.#db, this.#owner.userId, this.#owner.agentName);
  }

  /** A new chat row, not yet stored (a session open stores it in its own batch). */
  draft(now = Date.now()): Chat {
    return newChat(this.#owner.userId, this.#owner.agentName, now);
  }

  async create(): Promise<Chat> {
    const chat = this.draft();
    if (this.#maxChats === null) await insertChat(this.#db, chat);
    else if (!(await insertChatWithinCap(this.#db, chat, this.#maxChats))) throw chatCapReached(this.#maxChats);
    this.remember(chat.id);
    return chat;
  }

  /** 409 when the user already has MAX_CHATS_PER_USER chats: before a draft is stored elsewhere. */
  async assertRoomForChat(): Promise<void> {
    if (this.#maxChats !== null && (await countChats(this.#db, this.#owner.userId)) >= this.#maxChats) throw chatCapReached(this.#maxChats);
  }

  /** The chat named, or the latest open one, or a new one: where the compatibility API talks. */
  async resolve(chatId: string | null): Promise<Chat> {
    if (chatId) return this.owned(chatId);
    return (await this.latestOpen()) ?? (await this.create());
  }

  /** Renames (a rename always wins over a generated title) or (un)archives the owner's chat. */
  async update(chatId: string, patch: { title?: string | undefined; archived?: boolean | undefined }): Promise<Chat> {
    await this.owned(chatId);
    const now = Date.now();
    const changes: Partial<Chat> = { updatedAt: now };
    if (patch.title !== undefined) Object.assign(changes, { title: patch.title, titleLocked: true });
    if (patch.archived !== undefined) changes.archivedAt = patch.archived ? now : null;
    return this.#accept(await updateChatRow(this.#db, chatId, changes), chatId);
  }

  remember(chatId: string): void {
    this.#known.add(chatId);
  }

  forget(chatId: string): void {
    this.#known.delete(chatId);
  }

  #accept(chat: Chat | null, chatId: string): Chat {
    if (!chat || chat.agentName !== this.#owner.agentName) throw notFound('Chat');
    this.#known.add(chatId);
    return chat;
  }
}
