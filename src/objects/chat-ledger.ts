/**
 * The executor's book of what it has written to its chats: the next seq and the head of each
 * chat (SPEC §16: where the next message goes), the outbox (messages durable locally, flushed
 * to D1 in one batch) and the in-flight checkpoints. The executor is the only writer of its
 * chats, so the ledger's seqs never collide; after an eviction it is rebuilt from D1 and
 * whatever the outbox still holds.
 */
import type { BatchItem } from 'drizzle-orm/batch';
import { findByClientMessageId } from '../db/messages';
import { chatTip, childCount, pagePathWithTip, pathLength } from '../db/message-paths';
import type { ChatTip, PathPage, TreeMessage } from '../db/message-paths';
import type { Db } from '../db/client';
import type { ChatMessage } from '../db/schema';
import { ONLY_CHILD } from '../db/serialize';
import { toWindowMessage } from './history-window';
import type { HistoryWindow, WindowMessage } from './history-window';
import { messageRow } from '../db/messages';
import { titleFrom } from './model-messages';
import { Outbox, outboxStatements } from './outbox';
import type { OutboxEntry, PendingMessage } from './outbox';
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
  /** The head of each adopted chat: the message the next one follows (null: the chat is empty). */
  readonly #heads = new Map<string, number | null>();
  /**
   * Every clientMessageId of a chat adopted whole (one line with no gap, all of it read) and of
   * every message written since: a new id is then proven no retry without D1, whatever branch
   * the window shows. Chats adopted in part are not here, and ask D1.
   */
  readonly #clientIds = new Map<string, Set<string>>();
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

  /**
   * Takes a chat's head path as read from D1 (newest part) as its window, and its head and
   * highest seq as where the next message goes. The highest seq may lie on another branch.
   */
  adopt(windows: HistoryWindow, chatId: string, read: { messages: readonly ChatMessage[] } & ChatTip): void {
    windows.load(chatId, read.messages.map(toWindowMessage));
    this.#heads.set(chatId, read.headSeq);
    const reserved = this.checkpoints.list().filter((c) => c.chatId === chatId);
    const pending = this.#pendingMessages(chatId);
    const lastSeq = Math.max(0, read.lastSeq, ...read.messages.map((m) => m.seq), ...pending.map((m) => m.seq), ...reserved.map((c) => c.seq));
    this.#nextSeq.set(chatId, Math.max(this.#nextSeq.get(chatId) ?? 1, lastSeq + 1));
    // Distinct seqs, none above lastSeq: lastSeq of them are the whole chat.
    const whole = [...read.messages, ...pending];
    if (new Set(whole.map((m) => m.seq)).size === lastSeq)
      this.#clientIds.set(chatId, new Set(whole.flatMap((m) => (m.clientMessageId ? [m.clientMessageId] : []))));
    else this.#clientIds.delete(chatId);
  }

  /** The chat's head once adopted: the message a new one follows; null for an empty chat, undefined if not known. */
  head(chatId: string): number | null | undefined {
    return this.#heads.get(chatId);
  }

  /**
   * The chat now shows the path `path` (its newest part), ending at `headSeq`: an edit or a
   * regeneration continues from there, or the user switched branches. Without the path the
   * window goes, and the chat's next turn reads it.
   */
  moveHead(windows: HistoryWindow | null, chatId: string, path: readonly WindowMessage[] | null, headSeq: number | null): void {
    if (path) windows?.load(chatId, path);
    else windows?.drop(chatId);
    this.#heads.set(chatId, headSeq);
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
    this.#heads.delete(chatId);
    this.#clientIds.delete(chatId);
    this.#outbox.removeChat(chatId);
    for (const c of this.checkpoints.list()) if (c.chatId === chatId) this.checkpoints.remove(c.messageId);
  }

  /** The stored user message a retry names: from the outbox, or D1 unless the chat's known ids prove it absent. */
  async findRetried(chatId: string, clientMessageId: string): Promise<ChatMessage | null> {
    const pending = this.#pendingMessages(chatId).find((m) => m.clientMessageId === clientMessageId);
    if (pending) return pending;
    const known = this.#clientIds.get(chatId);
    if (known && !known.has(clientMessageId)) return null;
    return findByClientMessageId(this.#db, chatId, clientMessageId);
  }

  /** Makes messages durable (locally), part of the chat's window, and the last of them its head. */
  store(...messages: PendingMessage[]): void {
    this.#record(messages, null);
  }

  /**
   * The user's message: durable at once (local storage), and in D1 with the reply's batch, or
   * after USER_FLUSH_DELAY_MS if the reply takes longer — so no D1 write competes with the
   * request on its way to the model, and a quick turn costs one D1 batch.
   */
  acceptUserMessage(message: PendingMessage): void {
    this.#record([message], message.seq === 1 ? titleFrom(message.content) : null);
    this.#flushTimer ??= setTimeout(() => void this.flush().catch(this.#onDeferred), USER_FLUSH_DELAY_MS);
  }

  /**
   * The reply: durable at once (it replaces its checkpoint in one local transaction); the
   * returned promise settles when it is in D1 too (one batch), or deferred to the alarm.
   */
  finish(message: PendingMessage, checkpointId: string): Promise<void> {
    this.#record([message], null);
    this.checkpoints.remove(checkpointId);
    return this.flush().catch(this.#onDeferred);
  }

  /** The messages and the chat's touch, which moves its head to the last of them (one update per flush). */
  #record(messages: PendingMessage[], title: string | null): void {
    const last = messages.at(-1)!;
    this.#outbox.add(...messages.map((message): OutboxEntry => ({ kind: 'message', message })), {
      kind: 'chat-touch',
      chatId: last.chatId,
      at: last.createdAt,
      title,
      head: last.seq,
    });
    this.#heads.set(last.chatId, last.seq);
    const known = this.#clientIds.get(last.chatId);
    for (const m of messages) if (m.clientMessageId) known?.add(m.clientMessageId);
    this.#windows()?.append(last.chatId, ...messages.map(toWindowMessage));
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
      // The reply was the newest message of its turn: the chat shows it, on the branch it was written on.
      this.#outbox.add(
        { kind: 'message', message: interruptedMessage(checkpoint) },
        { kind: 'chat-touch', chatId: checkpoint.chatId, at: checkpoint.updatedAt, title: null, head: checkpoint.seq },
      );
      this.checkpoints.remove(checkpoint.messageId);
      this.#windows()?.drop(checkpoint.chatId);
    }
    await this.flush().catch(this.#onDeferred);
  }

  /**
   * A page of the path ending at the chat's head (or at `from`), outbox included: the first page
   * (a session open), the path leading to a message (an edit), or the messages after `after`
   * on it (a reconnecting client's catch-up). Messages still in the outbox are the newest of
   * the path, each with its place among its siblings as it was written; D1 has the rest. (An
   * edit, a regeneration and a branch switch flush the outbox before they branch, so what is
   * pending never has a sibling in D1 that the count there would miss.)
   */
  async page(chatId: string, o: { from?: number | undefined; after?: number | undefined; limit: number }): Promise<PathPage & ChatTip> {
    const entries = this.#outbox.pending().entries;
    const pending = new Map(entries.flatMap((e) => (e.kind === 'message' && e.message.chatId === chatId ? [[e.message.seq, e.message] as const] : [])));
    const pendingHead = entries.findLast((e) => e.kind === 'chat-touch' && e.chatId === chatId && e.head !== undefined);
    const lead: TreeMessage[] = [];
    let from: number | null | undefined = o.from ?? this.#heads.get(chatId) ?? (pendingHead?.kind === 'chat-touch' ? pendingHead.head : undefined);
    while (from !== null && from !== undefined && pending.has(from) && (o.after === undefined || from > o.after)) {
      const m: PendingMessage = pending.get(from)!;
      lead.unshift({ ...m, parentSeq: m.parentSeq ?? null, siblings: m.siblings ?? ONLY_CHILD });
      from = m.parentSeq ?? null;
    }
    const walked = from === null || (o.after !== undefined && from !== undefined && from <= o.after);
    const stored = walked
      ? { messages: [], hasMore: false, ...(await chatTip(this.#db, chatId)) }
      : await pagePathWithTip(this.#db, chatId, { from: from ?? undefined, after: o.after, limit: o.limit });
    const messages = [...stored.messages, ...lead];
    const over = messages.length > o.limit;
    return {
      messages: over ? (o.after === undefined ? messages.slice(-o.limit) : messages.slice(0, o.limit)) : messages,
      hasMore: stored.hasMore || over,
      headSeq: this.#heads.get(chatId) ?? (pendingHead?.kind === 'chat-touch' ? pendingHead.head : undefined) ?? stored.headSeq,
      lastSeq: Math.max(stored.lastSeq, ...pending.keys()),
    };
  }

  /**
   * The path ending at `seq`, at least `needed` messages of it (fewer only back to a root),
   * ascending: from the window when it holds that much, else read.
   */
  async pathTo(windows: HistoryWindow, chatId: string, seq: number, needed: number): Promise<WindowMessage[]> {
    return windows.pathTo(chatId, seq, needed) ?? (await this.page(chatId, { from: seq, limit: needed })).messages.map(toWindowMessage);
  }

  /** How many messages a new child of `parentSeq` (null: a new root) joins, itself included. */
  async siblingsOfNewChild(chatId: string, parentSeq: number | null): Promise<{ index: number; count: number }> {
    await this.flush();
    const count = (await childCount(this.#db, chatId, parentSeq)) + 1;
    return { index: count, count };
  }

  /** Where a joining socket's history ends: the seq of the chat's head (0 for an empty chat). */
  async headSeq(chatId: string): Promise<number> {
    const known = this.#heads.get(chatId);
    if (known !== undefined) return known ?? 0;
    return (await chatTip(this.#db, chatId)).headSeq ?? 0;
  }

  /** How many messages the head's path has (the context preview's count of what it leaves out). */
  async pathLength(chatId: string): Promise<number> {
    await this.flush().catch(this.#onDeferred);
    return pathLength(this.#db, chatId, this.#heads.get(chatId) ?? undefined);
  }

  #pendingMessages(chatId: string): PendingMessage[] {
    return this.#outbox.pending().entries.flatMap((e) => (e.kind === 'message' && e.message.chatId === chatId ? [e.message] : []));
  }
}

function interruptedMessage(checkpoint: Checkpoint): ChatMessage {
  return messageRow({
    id: checkpoint.messageId,
    chatId: checkpoint.chatId,
    seq: checkpoint.seq,
    parentSeq: checkpoint.parentSeq,
    role: 'assistant',
    content: checkpoint.content,
    status: 'interrupted',
    model: checkpoint.model,
    createdAt: checkpoint.updatedAt,
  });
}
