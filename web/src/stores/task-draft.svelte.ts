/**
 * One task editor's draft. While the user is not editing, the draft is the task itself, so a
 * change made elsewhere (another save, the assistant) shows at once; from the first edit it holds
 * the user's fields and the version they started from, until Cancel or a stored save lets it
 * follow the task again. Saves go through the tasks store (optimistic, rolled back on refusal).
 */
import { messageOf } from '../lib/api';
import { diffTask, EDITABLE_FIELDS, fieldsOf, isDirty, validateDraft } from '../lib/task-edit';
import type { TaskDto, TaskFields } from '../lib/task-edit';
import { tasksStore } from './tasks.svelte';

const sameFields = (a: TaskFields, b: TaskFields) => EDITABLE_FIELDS.every((key) => a[key] === b[key]);

export class TaskDraft {
  readonly #task: () => TaskDto;
  /** The user's edits and the version they started from; null while the draft follows the task. */
  #edit = $state<{ base: TaskFields; fields: TaskFields } | null>(null);
  saving = $state(false);
  error = $state<string | null>(null);
  notice = $state<string | null>(null);

  constructor(task: () => TaskDto) {
    this.#task = task;
  }

  get original(): TaskFields {
    return this.#edit?.base ?? fieldsOf(this.#task());
  }

  get fields(): TaskFields {
    return this.#edit?.fields ?? fieldsOf(this.#task());
  }

  get dirty(): boolean {
    return this.#edit !== null && isDirty(this.#edit.base, this.#edit.fields);
  }

  set<K extends keyof TaskFields>(key: K, value: TaskFields[K]) {
    const base = this.#edit?.base ?? fieldsOf(this.#task());
    const fields = { ...(this.#edit?.fields ?? base), [key]: value };
    // Typed back to exactly what it was: follow the task again. (Not `isDirty`, which trims the
    // title: a trailing space mid-typing must stay in the field.)
    this.#edit = sameFields(base, fields) ? null : { base, fields };
    this.notice = null;
  }

  cancel() {
    this.#edit = null;
    this.error = null;
    this.notice = null;
  }

  async save(): Promise<void> {
    if (!this.dirty || this.saving) return;
    const invalid = validateDraft(this.fields);
    if (invalid) {
      this.error = invalid;
      return;
    }
    this.saving = true;
    this.error = null;
    this.notice = null;
    try {
      await tasksStore.update(this.#task().id, diffTask(this.original, this.fields));
      // The store now holds the saved task: follow it.
      this.#edit = null;
      this.notice = 'Saved';
    } catch (error) {
      // The list rolled back; the draft keeps the user's edits so they can try again.
      this.error = `Couldn't save: ${messageOf(error)}`;
    } finally {
      this.saving = false;
    }
  }
}
