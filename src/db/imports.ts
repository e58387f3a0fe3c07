/**
 * Imported chats (SPEC §15): the statements that write them and the record of their sources.
 *
 * Rows travel as one JSON array per statement, unpacked by SQLite's json_each: a statement
 * binds a handful of parameters however many rows it writes, so an import stays inside D1's
 * 100 bound parameters and 100 KB of SQL per statement, and its statement count (D1 allows
 * 1000 per invocation) grows with the bytes imported, not with the number of messages.
 */
import { sql } from 'drizzle-orm';
import type { Db } from './client';
import type { ChatMessage } from './schema';

export interface ImportChatRow {
  id: string;
  sourceKey: string;
  title: string;
  createdAt: number;
  updatedAt: number;
  /** The message the chat shows (SPEC §16). Set with the chat, so no trigger re-parents a root. */
  headSeq: number;
}

const chatJson = (c: ImportChatRow) => [c.id, c.sourceKey, c.title, c.createdAt, c.updatedAt, c.headSeq];
const json = (v: unknown) => (v === null || v === undefined ? null : JSON.stringify(v));

/** One message as a row of the messages statement's JSON array (measure it before chunking). */
export function messageRowJson(m: ChatMessage): string {
  return JSON.stringify([m.id, m.chatId, m.seq, m.role, m.content, json(m.toolCalls), m.toolCallId, m.name, m.status, m.createdAt, m.parentSeq]);
}

export interface ImportBatch {
  userId: string;
  agentName: string;
  /** MAX_CHATS_PER_USER: if the batch would take the user past it, none of its chats stay. */
  maxChats: number;
  chats: ImportChatRow[];
  /** Message rows (messageRowJson), each chunk one statement. */
  messageChunks: string[][];
  now: number;
}

/**
 * Writes one all-or-nothing D1 batch. A chat whose source is already recorded (an import of
 * the same file running in another agent's executor got there first) is not inserted, and
 * its messages and source record follow it out: every later statement only writes rows whose
 * chat exists.
 */
export async function writeImportBatch(db: Db, b: ImportBatch): Promise<void> {
  await db.$client.batch(importStatements(db.$client, b));
}

// Plain D1 statements: drizzle's D1 batch cannot run raw SQL that has parameters.
const field = (i: number) => `json_extract(value, '$[${i}]')`;

/** The statements of one import batch, in order (exported so the chat cap's guard can be tested alone). */
export function importStatements(d1: D1Database, b: ImportBatch): D1PreparedStatement[] {
  const chatsParam = JSON.stringify(b.chats.map(chatJson));
  return [
    d1
      .prepare(
        `INSERT INTO chats (id, user_id, agent_name, title, title_locked, created_at, updated_at, archived_at, head_seq)
         SELECT ${field(0)}, ?1, ?2, ${field(2)}, 1, ${field(3)}, ${field(4)}, NULL, ${field(5)} FROM json_each(?3)
         WHERE NOT EXISTS (SELECT 1 FROM chat_imports i WHERE i.user_id = ?1 AND i.source_key = ${field(1)})`,
      )
      .bind(b.userId, b.agentName, chatsParam),
    d1
      .prepare(
        `INSERT INTO chat_imports (user_id, source_key, chat_id, created_at)
         SELECT ?1, ${field(1)}, ${field(0)}, ?2 FROM json_each(?3)
         WHERE EXISTS (SELECT 1 FROM chats c WHERE c.id = ${field(0)})`,
      )
      .bind(b.userId, b.now, chatsParam),
    ...b.messageChunks.map((rows) =>
      d1
        .prepare(
          `INSERT INTO chat_messages (id, chat_id, seq, role, content, tool_calls, tool_call_id, name, status, created_at, parent_seq)
           SELECT ${[0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10].map(field).join(', ')} FROM json_each(?1)
           WHERE EXISTS (SELECT 1 FROM chats c WHERE c.id = ${field(1)})`,
        )
        .bind(`[${rows.join(',')}]`),
    ),
    // The per-user chat cap (SPEC §13), exact however many executors create chats at once:
    // past it, this batch's chats leave again, their messages and source records by cascade.
    d1
      .prepare(
        `DELETE FROM chats WHERE id IN (SELECT ${field(0)} FROM json_each(?1))
           AND (SELECT count(*) FROM chats mine WHERE mine.user_id = ?2) > ?3`,
      )
      .bind(chatsParam, b.userId, b.maxChats),
  ];
}

/** Of these source keys, the ones the user has imported, with the chat each became. */
export async function importedSources(db: Db, userId: string, sourceKeys: string[]): Promise<Map<string, string>> {
  if (sourceKeys.length === 0) return new Map();
  const rows = await db.all<{ source_key: string; chat_id: string }>(sql`
    SELECT source_key, chat_id FROM chat_imports
    WHERE user_id = ${userId} AND source_key IN (SELECT value FROM json_each(${JSON.stringify(sourceKeys)}))`);
  return new Map(rows.map((r) => [r.source_key, r.chat_id]));
}

/** Of these chat ids, the ones that are the user's chats now (a re-imported export of this account). */
export async function existingChatIds(db: Db, userId: string, chatIds: string[]): Promise<Set<string>> {
  if (chatIds.length === 0) return new Set();
  const rows = await db.all<{ id: string }>(sql`
    SELECT id FROM chats WHERE user_id = ${userId} AND id IN (SELECT value FROM json_each(${JSON.stringify(chatIds)}))`);
  return new Set(rows.map((r) => r.id));
}
