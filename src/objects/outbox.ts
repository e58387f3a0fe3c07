/**
 * The executor's outbox (SPEC §4.2): a message is durable the moment it is in the object's own
 * storage, so a turn acknowledges the user's message without waiting on D1. Entries are
 * flushed to D1 in one batch, idempotently (a replay after a crash inserts nothing twice).
 */
import { and, eq, sql } from 'drizzle-orm';
import type { BatchItem } from 'drizzle-orm/batch';
import type { Db } from '../worker/db/client';
import { chatMessages, chats } from '../worker/db/schema';
import type { ChatMessage } from '../worker/db/schema';

export type OutboxEntry =
  | { kind: 'message'; message: ChatMessage }
  /** The chat moved (updatedAt) and, for its first message, may take a title. */
  | { kind: 'chat-touch'; chatId: string; at: number; title: string | null };

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

  remove(ids: number[]): void {
    if (ids.length === 0) return;
    this.#sql.exec(`DELETE FROM outbox WHERE id IN (${ids.map(() => '?').join(',')})`, ...ids);
  }

  count(): number {
    return this.#sql.exec<{ n: number }>('SELECT count(*) AS n FROM outbox').one().n;
  }
}

/** D1 statements that apply outbox entries; safe to run more than once. */
export function outboxStatements(db: Db, entries: OutboxEntry[]): BatchItem<'sqlite'>[] {
  return entries.map((entry) => {
    if (entry.kind === 'message') return db.insert(chatMessages).values(entry.message).onConflictDoNothing();
    return db
      .update(chats)
      .set({
        updatedAt: sql`max(${chats.updatedAt}, ${entry.at})`,
        ...(entry.title === null ? {} : { title: sql`CASE WHEN ${chats.titleLocked} THEN ${chats.title} ELSE ${entry.title} END` }),
      })
      .where(and(eq(chats.id, entry.chatId)));
  });
}
