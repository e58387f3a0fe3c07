import { describe, expect, it } from 'vitest';
import { diffTask, dueAtToInput, fieldsOf, inputToDueAt, isDirty, optimisticUpdate, validateDraft } from '../../web/src/lib/task-edit';
import type { TaskDto } from '../../web/src/lib/task-edit';

const task = (id: string, overrides: Partial<TaskDto> = {}): TaskDto => ({
  id,
  title: `Task ${id}`,
  notes: '',
  status: 'todo',
  priority: 'normal',
  dueAt: null,
  createdAt: 1,
  updatedAt: 1,
  completedAt: null,
  ...overrides,
});

describe('dirty tracking', () => {
  it('sends only the fields that changed, with the title trimmed', () => {
    const original = fieldsOf(task('a'));
    expect(isDirty(original, { ...original })).toBe(false);
    expect(diffTask(original, { ...original, title: '  Task a  ' })).toEqual({});
    expect(diffTask(original, { ...original, title: 'New', priority: 'high' })).toEqual({ title: 'New', priority: 'high' });
  });

  it('refuses an empty title', () => {
    expect(validateDraft({ ...fieldsOf(task('a')), title: '  ' })).toMatch(/title/);
    expect(validateDraft(fieldsOf(task('a')))).toBeNull();
  });
});

describe('optimisticUpdate', () => {
  it('shows the change at once and rolls back only that row', () => {
    const list = [task('a'), task('b')];
    const { next, rollback } = optimisticUpdate(list, 'a', { status: 'done' }, 50);
    expect(next[0]).toMatchObject({ status: 'done', completedAt: 50, updatedAt: 50 });
    const meanwhile = next.map((t) => (t.id === 'b' ? { ...t, title: 'changed elsewhere' } : t));
    const restored = rollback(meanwhile);
    expect(restored[0]).toEqual(list[0]);
    expect(restored[1]?.title).toBe('changed elsewhere');
  });
});

describe('due dates', () => {
  it('round-trips a date input through local midnight', () => {
    const dueAt = inputToDueAt('2026-03-09');
    expect(dueAt).not.toBeNull();
    expect(dueAtToInput(dueAt)).toBe('2026-03-09');
    expect(inputToDueAt('')).toBeNull();
  });
});
