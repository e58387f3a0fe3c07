/**
 * tasks: the rules shared by the HTTP routes and the assistant's tools (the editable fields,
 * what a status change does to completedAt) and every query, always scoped to one user.
 */
import { and, desc, eq, lt, or } from 'drizzle-orm';
import { z } from 'zod';
import { TASK_PRIORITIES, TASK_STATUSES } from '../shared/api';
import type { TaskStatus } from '../shared/api';
import type { Cursor } from '../shared/pagination';
import { plainText } from '../shared/schemas';
import type { Db } from './client';
import { tasks } from './schema';
import type { Task } from './schema';

export const taskFields = {
  title: plainText(200).pipe(z.string().trim().min(1, 'must not be empty')).optional(),
  notes: plainText(4000).optional(),
  status: z.enum(TASK_STATUSES).optional(),
  priority: z.enum(TASK_PRIORITIES).optional(),
  dueAt: z.number().int().min(0).max(8.64e15).nullable().optional(),
};

export type TaskInput = { title: string } & Partial<Pick<Task, 'notes' | 'status' | 'priority' | 'dueAt'>>;
export type TaskPatch = Partial<Pick<Task, 'title' | 'notes' | 'status' | 'priority' | 'dueAt'>>;

export function newTask(userId: string, input: TaskInput): Task {
  const now = Date.now();
  const status = input.status ?? 'todo';
  return {
    id: crypto.randomUUID(),
    userId,
    title: input.title,
    notes: input.notes ?? '',
    status,
    priority: input.priority ?? 'normal',
    dueAt: input.dueAt ?? null,
    createdAt: now,
    updatedAt: now,
    completedAt: status === 'done' ? now : null,
  };
}

/** The columns to write for a patch; completedAt follows the status into and out of done. */
export function applyTaskPatch(current: Task, patch: TaskPatch): Partial<Task> {
  const now = Date.now();
  const changes: Partial<Task> = { ...patch, updatedAt: now };
  if (patch.status && patch.status !== current.status) {
    changes.completedAt = patch.status === 'done' ? now : null;
  }
  return changes;
}

const owned = (userId: string, id: string) => and(eq(tasks.id, id), eq(tasks.userId, userId));

/** Newest first, keyset-paged; `limit + 1` rows are read so the caller knows if there is more. */
export async function listTasks(db: Db, userId: string, o: { status?: TaskStatus | undefined; after: Cursor | null; limit: number }) {
  const rows = await db
    .select()
    .from(tasks)
    .where(
      and(
        eq(tasks.userId, userId),
        o.status ? eq(tasks.status, o.status) : undefined,
        o.after ? or(lt(tasks.createdAt, o.after.at), and(eq(tasks.createdAt, o.after.at), lt(tasks.id, o.after.id))) : undefined,
      ),
    )
    .orderBy(desc(tasks.createdAt), desc(tasks.id))
    .limit(o.limit + 1);
  return { rows: rows.slice(0, o.limit), hasMore: rows.length > o.limit };
}

export async function findTask(db: Db, userId: string, id: string): Promise<Task | null> {
  const [task] = await db.select().from(tasks).where(owned(userId, id)).limit(1);
  return task ?? null;
}

/** Applies the patch to the user's task; null when there is no such task. */
export async function patchTask(db: Db, userId: string, id: string, patch: TaskPatch): Promise<Task | null> {
  const current = await findTask(db, userId, id);
  if (!current) return null;
  const [task] = await db.update(tasks).set(applyTaskPatch(current, patch)).where(owned(userId, id)).returning();
  return task ?? null;
}

export async function deleteTask(db: Db, userId: string, id: string): Promise<boolean> {
  const deleted = await db.delete(tasks).where(owned(userId, id)).returning({ id: tasks.id });
  return deleted.length > 0;
}
