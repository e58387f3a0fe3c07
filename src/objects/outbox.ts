/**
 * The executor's outbox (SPEC §4.2): a message is durable the moment it is in the object's own
 * storage, so a turn acknowledges the user's message without waiting on D1. Entries are
 * flushed to D1 in one batch, idempotently (a replay after a crash inserts nothing twice).
 */
import { and, eq, sql } from 'drizzle-orm';
import type { BatchItem } from 'drizzle-orm/batch';
import type { Db } from '../db/client';
import { chatMessages, chats } from '../db/schema';
import type { ChatMessage } from '../db/schema';
import type { SiblingsDto } from '../shared/protocol';

/** A message as the executor wrote it; `siblings` as it was then, for pages read before it reaches D1. */
export type PendingMessage = ChatMessage & { siblings?: SiblingsDto | undefined };

export type OutboxEntry =
  | { kind: 'message'; message: PendingMessage }
  /**
   * The chat moved (updatedAt) and its head with it (SPEC §16); for its first message it may
   * take a title. `head` is missing only in an entry stored before branches existed.
   */
  | { kind: 'chat-touch'; chatId: string; at: number; title: string | null; head?: number };

type ChatTouch = Extract<OutboxEntry, { kind: 'chat-touch' }>;

type Row = {
  id: number;
  entry: string;
};

export class Outbox {
  readonly #sql: SqlStorage;

  constructor(sql: SqlStorage) {
    this.#sql = sql;
    sql.exec('CREATE TABLE IF NOT EXISTS outbox (id INTEGER PRIMARY KEY AUTOINCREMENT, entry TEXT NOT NULL)');
  }

  add(...entries: OutboxEntry[]): void {
    for (const entry of entries) this.#sql.exec('INSERT INTO outbox (entry) VALUES (?)', JSON.stringify(entry));
  }

  pending(): { ids: number[]; entries: OutboxEntry[] } {
    const rows = this.#sql.exec<Row>('SELECT id, entry FROM outbox ORDER BY id').toArray();
    return { ids: rows.map((r) => r.id), entries: rows.map((r) => JSON.parse(r.entry) as OutboxEntry) };
  }

  /** Drops what is pending for a deleted chat. */
  removeChat(chatId: string): void {
    const rows = this.#sql.exec<Row>('SELECT id, entry FROM outbox').toArray();
    this.remove(rows.filter((r) => chatOf(JSON.parse(r.entry) as OutboxEntry) === chatId).map((r) => r.id));
  }

  remove(ids: number[]): void {
    if (ids.length === 0) return;
    this.#sql.exec(`DELETE FROM outbox WHERE id IN (${ids.map(() => '?').join(',')})`, ...ids);
  }

  count(): number {
    return this.#sql.exec<{ n: number }>('SELECT count(*) AS n FROM outbox').one().n;
  }
}

const chatOf = (entry: OutboxEntry) => (entry.kind === 'message' ? entry.message.chatId : entry.chatId);

/**
 * D1 statements that apply outbox entries; safe to run more than once. A chat's touches are
 * merged into one update (the latest time and head, the first title), placed before the chat's
 * first message: the head is recorded before any message lands, which is what tells an edited
 * first message (no parent, on purpose) from a row written by code that knows no branches
 * (migrations/0005_message_tree_backfill.sql).
 */
export function outboxStatements(db: Db, entries: OutboxEntry[]): BatchItem<'sqlite'>[] {
  const touches = new Map<string, ChatTouch>();
  for (const entry of entries) {
    if (entry.kind !== 'chat-touch') continue;
    const merged = touches.get(entry.chatId);
    touches.set(
      entry.chatId,
      merged
        ? { ...merged, at: Math.max(merged.at, entry.at), title: merged.title ?? entry.title, ...(entry.head === undefined ? {} : { head: entry.head }) }
        : entry,
    );
  }
  // A touch stored before branches has no head: the chat was one line, whose newest message it is.
  for (const [chatId, touch] of touches) {
    if (touch.head !== undefined) continue;
    const seqs = entries.flatMap((e) => (e.kind === 'message' && e.message.chatId === chatId ? [e.message.seq] : []));
    if (seqs.length) touches.set(chatId, { ...touch, head: Math.max(...seqs) });
  }
  const statements: BatchItem<'sqlite'>[] = [];
  const touched = new Set<string>();
  for (const entry of entries) {
    const chatId = chatOf(entry);
    const touch = touches.get(chatId);
    if (touch && !touched.has(chatId)) {
      touched.add(chatId);
      statements.push(touchStatement(db, touch));
    }
    if (entry.kind === 'message') statements.push(insertIfChatExists(db, entry.message));
  }
  return statements;
}

function touchStatement(db: Db, touch: ChatTouch) {
  return db
    .update(chats)
    .set({
      updatedAt: sql`max(${chats.updatedAt}, ${touch.at})`,
      ...(touch.title === null ? {} : { title: sql`CASE WHEN ${chats.titleLocked} THEN ${chats.title} ELSE ${touch.title} END` }),
      ...(touch.head === undefined ? {} : { headSeq: touch.head }),
    })
    .where(and(eq(chats.id, touch.chatId)));
}

/**
 * Inserts a message unless it is there already or its chat has been deleted. D1 enforces
 * foreign keys and a batch is all-or-nothing, so one message of a deleted chat would otherwise
 * fail every later flush: INSERT … SELECT … FROM chats WHERE id = ? inserts nothing instead.
 */
function insertIfChatExists(db: Db, m: PendingMessage) {
  const value = <T>(v: T, column: string) => sql<T>`${v}`.as(column);
  const json = (v: unknown) => (v === null || v === undefined ? null : JSON.stringify(v));
  // A message stored before branches has no parentSeq at all: it followed the one before it.
  const parent =
    m.parentSeq === undefined
      ? sql<number | null>`(SELECT max(p.seq) FROM chat_messages p WHERE p.chat_id = ${m.chatId} AND p.seq < ${m.seq})`.as('parent_seq')
      : value(m.parentSeq, 'parent_seq');
  return db
    .insert(chatMessages)
    .select(
      db
        .select({
          id: value(m.id, 'id'),
          chatId: value(m.chatId, 'chat_id'),
          seq: value(m.seq, 'seq'),
          parentSeq: parent,
          role: value(m.role, 'role'),
          content: value(m.content, 'content'),
          toolCalls: value(json(m.toolCalls), 'tool_calls'),
          toolCallId: value(m.toolCallId, 'tool_call_id'),
          name: value(m.name, 'name'),
          status: value(m.status, 'status'),
          clientMessageId: value(m.clientMessageId, 'client_message_id'),
          model: value(m.model, 'model'),
          promptTokens: value(m.promptTokens, 'prompt_tokens'),
          completionTokens: value(m.completionTokens, 'completion_tokens'),
          timings: value(json(m.timings), 'timings'),
          createdAt: value(m.createdAt, 'created_at'),
        })
        .from(chats)
        .where(eq(chats.id, m.chatId)),
    )
    .onConflictDoNothing();
}
