/**
 * Task editing rules without the UI: which fields changed (dirty tracking), the patch to send,
 * and an optimistic update of a list that can be rolled back when the server refuses it.
 */
import type { TaskDto } from '../../../src/shared/api';

export type { TaskDto, TaskPriority, TaskStatus } from '../../../src/shared/api';

export const EDITABLE_FIELDS = ['title', 'notes', 'status', 'priority', 'dueAt'] as const;
export type TaskFields = Pick<TaskDto, (typeof EDITABLE_FIELDS)[number]>;
export type TaskPatch = Partial<TaskFields>;

export function fieldsOf(task: TaskFields): TaskFields {
  return { title: task.title, notes: task.notes, status: task.status, priority: task.priority, dueAt: task.dueAt };
}

/** Only what changed; a title is compared trimmed because the server trims it. */
export function diffTask(original: TaskFields, draft: TaskFields): TaskPatch {
  const patch: TaskPatch = {};
  if (draft.title.trim() !== original.title) patch.title = draft.title.trim();
  if (draft.notes !== original.notes) patch.notes = draft.notes;
  if (draft.status !== original.status) patch.status = draft.status;
  if (draft.priority !== original.priority) patch.priority = draft.priority;
  if (draft.dueAt !== original.dueAt) patch.dueAt = draft.dueAt;
  return patch;
}

export function isDirty(original: TaskFields, draft: TaskFields): boolean {
  return Object.keys(diffTask(original, draft)).length > 0;
}

/** A reason the draft cannot be saved, or null. */
export function validateDraft(draft: TaskFields): string | null {
  if (!draft.title.trim()) return 'Give the task a title.';
  if (draft.title.trim().length > 200) return 'Keep the title under 200 characters.';
  if (draft.notes.length > 4000) return 'Keep the notes under 4000 characters.';
  return null;
}

/** The task as the server will most likely store it, for showing before it answers. */
export function applyPatch(task: TaskDto, patch: TaskPatch, now: number): TaskDto {
  const next: TaskDto = { ...task, ...patch, updatedAt: now };
  if (patch.status && patch.status !== task.status) next.completedAt = patch.status === 'done' ? now : null;
  return next;
}

export interface Optimistic<T> {
  next: T[];
  /** Puts back the previous version of the row, leaving any other change made meanwhile. */
  rollback(current: T[]): T[];
}

export function optimisticUpdate(list: readonly TaskDto[], id: string, patch: TaskPatch, now: number): Optimistic<TaskDto> {
  const previous = list.find((t) => t.id === id);
  const next = list.map((t) => (t.id === id ? applyPatch(t, patch, now) : t));
  return {
    next,
    rollback: (current) => (previous ? current.map((t) => (t.id === id ? previous : t)) : current),
  };
}

/** Replace one row with the server's version. */
export function replaceTask(list: readonly TaskDto[], task: TaskDto): TaskDto[] {
  return list.map((t) => (t.id === task.id ? task : t));
}

/** `<input type="date">` value ↔ due timestamp (local midnight). */
export function dueAtToInput(dueAt: number | null): string {
  if (dueAt === null) return '';
  const d = new Date(dueAt);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

export function inputToDueAt(value: string): number | null {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  if (!match) return null;
  return new Date(Number(match[1]), Number(match[2]) - 1, Number(match[3])).getTime();
}
