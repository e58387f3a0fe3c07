/**
 * The executor's book of what it has written to its chats: the next seq of each chat, the
 * outbox (messages durable locally, flushed to D1 in one batch) and the in-flight checkpoints.
 * The executor is the only writer of its chats, so the ledger's seqs never collide; after an
 * eviction it is rebuilt from D1 and whatever the outbox still holds.
 */
import type { BatchItem } from 'drizzle-orm/batch';
import { findByClientMessageId, pageMessages } from '../db/messages';
import type { Db } from '../db/client';
import type { ChatMessage } from '../db/schema';
import { toWindowMessage } from './history-window';
import type { HistoryWindow } from './history-window';
import { messageRow } from '../db/messages';
import { titleFrom } from './model-messages';
import { Outbox, outboxStatements } from './outbox';
import type { OutboxEntry } from './outbox';
import { SerialQueue } from './serial-queue';
import { CheckpointStore } from './turn/checkpoints';
import type { Checkpoint } from './turn/checkpoints';

/** The longest a user's message waits in the outbox when the model is slow to start answering. */
const USER_FLUSH_DELAY_MS = 250;

export class ChatLedger {
  readonly checkpoints: CheckpointStore;
  readonly #outbox: Outbox;
  readonly #db: Db;
  readonly #windows: () => HistoryWindow | null;
  readonly #onDeferred: (error: unknown) => void;
  readonly #nextSeq = new Map<string, number>();
  readonly #flushQueue = new SerialQueue();
  #flushTimer: ReturnType<typeof setTimeout> | undefined;

  /**
   * @param windows the warm executor's history windows, when there is one
   * @param onDeferred called when a D1 write failed and must be retried later (by the alarm)
   */
  constructor(sql: SqlStorage, db: Db, windows: () => HistoryWindow | null, onDeferred: (error: unknown) => void) {
    this.#outbox = new Outbox(sql);
    this.checkpoints = new CheckpointStore(sql);
    this.#db = db;
    this.#windows = windows;
    this.#onDeferred = onDeferred;
  }

  /** Writes are waiting for D1 (beyond the checkpoints of replies still streaming). */
  hasPendingWrites(inFlight: number): boolean {
    return this.#outbox.count() > 0 || this.checkpoints.count() > inFlight;
  }

  hasWork(): boolean {
    return this.hasPendingWrites(0);
  }

  /** Whether this chat's next seq is known (it has been adopted since the object woke). */
  knows(chatId: string): boolean {
    return this.#nextSeq.has(chatId);
  }

  /** Messages read from D1 merged with those of the chat still in the outbox, ascending. */
  withPending(chatId: string, fromD1: ChatMessage[]): ChatMessage[] {
    const byId = new Map([...fromD1, ...this.#pendingMessages(chatId)].map((m) => [m.id, m]));
    return [...byId.values()].sort((a, b) => a.seq - b.seq);
  }

  /** Takes the newest stored messages of a chat (plus the outbox's) as its window and next seq. */
  adopt(windows: HistoryWindow, chatId: string, newest: ChatMessage[]): void {
    const messages = this.withPending(chatId, newest);
    windows.load(chatId, messages.map(toWindowMessage));
    const reserved = this.checkpoints.list().filter((c) => c.chatId === chatId);
    const lastSeq = Math.max(0, ...messages.map((m) => m.seq), ...reserved.map((c) => c.seq));
    this.#nextSeq.set(chatId, Math.max(this.#nextSeq.get(chatId) ?? 1, lastSeq + 1));
  }

  /** The chat's last seq taken so far (its message count): known once the chat is adopted. */
  lastSeq(chatId: string): number {
    return (this.#nextSeq.get(chatId) ?? 1) - 1;
  }

  takeSeq(chatId: string): number {
    const seq = this.#nextSeq.get(chatId) ?? 1;
    this.#nextSeq.set(chatId, seq + 1);
    return seq;
  }

  /** A deleted chat: nothing of it is pending any more. */
  forget(chatId: string): void {
    this.#nextSeq.delete(chatId);
    this.#outbox.removeChat(chatId);
    for (const c of this.checkpoints.list()) if (c.chatId === chatId) this.checkpoints.remove(c.messageId);
  }

  /** The stored user message a retry names: from the outbox, or D1 unless the window proves it absent. */
  async findRetried(windows: HistoryWindow, chatId: string, clientMessageId: string, windowSize: number): Promise<ChatMessage | null> {
    const pending = this.#pendingMessages(chatId).find((m) => m.clientMessageId === clientMessageId);
    if (pending) return pending;
    const window = windows.get(chatId) ?? [];
    if (window.some((m) => m.clientMessageId === clientMessageId) || window.length >= windowSize) {
      return findByClientMessageId(this.#db, chatId, clientMessageId);
    }
    return null; // the window holds the whole chat, and the id is not in it
  }

  /** Makes messages durable (locally) and part of the chat's window. */
  store(...messages: ChatMessage[]): void {
    this.#outbox.add(...messages.map((message): OutboxEntry => ({ kind: 'message', message })));
    this.#windows()?.append(messages[0]!.chatId, ...messages.map(toWindowMessage));
  }

  /**
   * The user's message: durable at once (local storage), and in D1 with the reply's batch, or
   * after USER_FLUSH_DELAY_MS if the reply takes longer — so no D1 write competes with the
   * request on its way to the model, and a quick turn costs one D1 batch.
   */
  acceptUserMessage(message: ChatMessage): void {
    this.store(message);
    this.#outbox.add({ kind: 'chat-touch', chatId: message.chatId, at: message.createdAt, title: message.seq === 1 ? titleFrom(message.content) : null });
    this.#flushTimer ??= setTimeout(() => void this.flush().catch(this.#onDeferred), USER_FLUSH_DELAY_MS);
  }

  /**
   * The reply: durable at once (it replaces its checkpoint in one local transaction); the
   * returned promise settles when it is in D1 too (one batch), or deferred to the alarm.
   */
  finish(message: ChatMessage, checkpointId: string): Promise<void> {
    this.store(message);
    this.#outbox.add({ kind: 'chat-touch', chatId: message.chatId, at: message.createdAt, title: null });
    this.checkpoints.remove(checkpointId);
    return this.flush().catch(this.#onDeferred);
  }

  /** Writes every outbox entry to D1 in one batch; serialised so no entry is sent twice at once. */
  flush(): Promise<void> {
    clearTimeout(this.#flushTimer);
    this.#flushTimer = undefined;
    return this.#flushQueue.run(async () => {
      const { ids, entries } = this.#outbox.pending();
      if (ids.length === 0) return;
      await this.#db.batch(outboxStatements(this.#db, entries) as [BatchItem<'sqlite'>, ...BatchItem<'sqlite'>[]]);
      this.#outbox.remove(ids);
    });
  }

  /**
   * After a crash or eviction: a checkpoint with no generation behind it becomes an
   * `interrupted` message, and the outbox goes to D1. Safe to repeat.
   */
  async recover(isStreaming: (checkpoint: Checkpoint) => boolean): Promise<void> {
    for (const checkpoint of this.checkpoints.list()) {
      if (isStreaming(checkpoint)) continue;
      this.#outbox.add(
        { kind: 'message', message: interruptedMessage(checkpoint) },
        { kind: 'chat-touch', chatId: checkpoint.chatId, at: checkpoint.updatedAt, title: null },
      );
      this.checkpoints.remove(checkpoint.messageId);
      this.#windows()?.drop(checkpoint.chatId);
    }
    await this.flush().catch(this.#onDeferred);
  }

  /** Messages after `after` (outbox included), ascending: a reconnecting client's catch-up. */
  async pageAfter(chatId: string, after: number, limit: number): Promise<{ messages: ChatMessage[]; hasMore: boolean }> {
    const page = await pageMessages(this.#db, chatId, { after, limit });
    const messages = this.withPending(chatId, page.messages)
      .filter((m) => m.seq > after)
      .slice(0, limit);
    return { messages, hasMore: page.hasMore };
  }

  /** The highest seq stored (outbox or D1) in a chat: where a joining socket's history ends. */
  async lastStoredSeq(chatId: string): Promise<number> {
    const fromD1 = await pageMessages(this.#db, chatId, { limit: 1 });
    const window = this.#windows()?.get(chatId) ?? [];
    return Math.max(0, ...fromD1.messages.map((m) => m.seq), ...window.map((m) => m.seq), ...this.#pendingMessages(chatId).map((m) => m.seq));
  }

  #pendingMessages(chatId: string): ChatMessage[] {
    return this.#outbox.pending().entries.flatMap((e) => (e.kind === 'message' && e.message.chatId === chatId ? [e.message] : []));
  }
}

function interruptedMessage(checkpoint: Checkpoint): ChatMessage {
  return messageRow({
    id: checkpoint.messageId,
    chatId: checkpoint.chatId,
    seq: checkpoint.seq,
    role: 'assistant',
    content: checkpoint.content,
    status: 'interrupted',
    model: checkpoint.model,
    createdAt: checkpoint.updatedAt,
  });
}
