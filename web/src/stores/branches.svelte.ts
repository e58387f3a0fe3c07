/**
 * Branches of the open chat (SPEC §16): editing a user message, regenerating a reply, and
 * switching between siblings. The edited or regenerated turn is sent as a plain JSON request;
 * its reply streams into this tab over the live socket like any turn, and the path is read
 * again once it is stored, so sibling counts come from the server.
 */
import type { HeadPage } from '../../../src/shared/api';
import type { MessageDto } from '../../../src/shared/protocol';
import { call, messageOf } from '../lib/api';
import { chat } from './chat.svelte';
import { sessions } from './session.svelte';

const siblingKey = (parentSeq: number | null, index: number) => `${parentSeq ?? 'root'}:${index}`;

class BranchStore {
  /** The seq of the user message whose inline editor is open. */
  editing = $state<number | null>(null);
  busy = $state(false);
  error = $state<string | null>(null);
  /**
   * Sibling seqs this tab has shown, by parent and place: the server gives a message its place
   * among its siblings but not theirs, so "‹ ›" can reach the versions this tab has seen.
   */
  #seen = new Map<string, number>();

  remember(message: MessageDto) {
    this.#seen.set(siblingKey(message.parentSeq, message.siblings.index), message.seq);
  }

  siblingSeq(message: MessageDto, index: number): number | null {
    return this.#seen.get(siblingKey(message.parentSeq, index)) ?? null;
  }

  #sessionId(chatId: string) {
    return sessions.current?.chatId === chatId ? sessions.current.id : undefined;
  }

  async edit(message: MessageDto, content: string) {
    const text = content.trim();
    const chatId = chat.chat?.id;
    if (!text || !chatId || chat.streaming) return;
    this.editing = null;
    chat.cutFrom(message.seq);
    const sessionId = this.#sessionId(chatId);
    await this.#run(chatId, () =>
      call('POST', `/chats/${encodeURIComponent(chatId)}/messages`, {
        json: { content: text, parentSeq: message.parentSeq, clientMessageId: crypto.randomUUID(), ...(sessionId ? { sessionId } : {}) },
      }),
    );
  }

  async regenerate(message: MessageDto) {
    const chatId = chat.chat?.id;
    if (!chatId || chat.streaming) return;
    chat.cutFrom(message.seq);
    const sessionId = this.#sessionId(chatId);
    await this.#run(chatId, () =>
      call('POST', `/chats/${encodeURIComponent(chatId)}/regenerate`, { json: { seq: message.seq, ...(sessionId ? { sessionId } : {}) } }),
    );
  }

  async switchTo(seq: number) {
    const chatId = chat.chat?.id;
    if (!chatId || chat.streaming || this.busy) return;
    this.busy = true;
    this.error = null;
    try {
      const sessionId = this.#sessionId(chatId);
      const page = await call<HeadPage>('PUT', `/chats/${encodeURIComponent(chatId)}/head`, { json: { seq, ...(sessionId ? { sessionId } : {}) } });
      chat.showPath(chatId, page);
    } catch (error) {
      this.error = messageOf(error);
    } finally {
      this.busy = false;
    }
  }

  async #run(chatId: string, request: () => Promise<unknown>) {
    this.busy = true;
    this.error = null;
    try {
      await request();
    } catch (error) {
      this.error = messageOf(error);
    } finally {
      this.busy = false;
      // The stored turn, and the new sibling counts, as the server has them.
      await chat.reloadPath(chatId);
    }
  }
}

export const branches = new BranchStore();
