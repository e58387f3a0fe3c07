/**
 * Per-user caps (SPEC §13) at the moment of insertion. D1 has no interactive transactions,
 * but a batch is one: the row goes in, and in the same batch it comes out again if it made
 * the user's count exceed the cap. So the cap holds exactly, whichever isolates or executors
 * insert at once, with one round trip and no extra read on the way.
 */
import { and, eq, sql } from 'drizzle-orm';
import type { Db } from './client';
import { chats, tasks } from './schema';
import type { Chat, Task } from './schema';

/** Inserts the chat unless the user already has `max`; false when it did not fit. */
export async function insertChatWithinCap(db: Db, chat: Chat, max: number): Promise<boolean> {
  const [, removed] = await db.batch([
    db.insert(chats).values(chat),
    db
      .delete(chats)
      .where(and(eq(chats.id, chat.id), sql`(SELECT count(*) FROM chats AS mine WHERE mine.user_id = ${chat.userId}) > ${max}`))
      .returning({ id: chats.id }),
  ]);
  return removed.length === 0;
}

/** Inserts the task unless the user already has `max`; false when it did not fit. */
export async function insertTaskWithinCap(db: Db, task: Task, max: number): Promise<boolean> {
  const [, removed] = await db.batch([
    db.insert(tasks).values(task),
    db
      .delete(tasks)
      .where(and(eq(tasks.id, task.id), sql`(SELECT count(*) FROM tasks AS mine WHERE mine.user_id = ${task.userId}) > ${max}`))
      .returning({ id: tasks.id }),
  ]);
  return removed.length === 0;
}

/** How many chats the user keeps, archived ones included. */
export async function countChats(db: Db, userId: string): Promise<number> {
  const [row] = await db
    .select({ n: sql<number>`count(*)` })
    .from(chats)
    .where(eq(chats.userId, userId));
  return row?.n ?? 0;
}
