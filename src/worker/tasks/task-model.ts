/**
 * Task rules shared by the HTTP routes and the assistant's tools: the editable fields and
 * what a change to the status does to completedAt.
 */
import { z } from 'zod';
import { TASK_PRIORITIES, TASK_STATUSES } from '../db/schema';
import type { Task } from '../db/schema';
import { plainText } from '../validation';

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
