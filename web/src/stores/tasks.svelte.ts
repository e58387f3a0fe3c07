/** Tasks: the list with a status filter, and saves that show at once and roll back if refused. */
import { api, messageOf } from '../lib/api';
import { optimisticUpdate, replaceTask } from '../lib/task-edit';
import type { TaskDto, TaskPatch, TaskStatus } from '../lib/task-edit';

export type TaskFilter = TaskStatus | 'all';

class TasksStore {
  filter = $state<TaskFilter>('all');
  tasks = $state<TaskDto[]>([]);
  nextCursor = $state<string | null>(null);
  loading = $state(false);
  loaded = $state(false);
  error = $state<string | null>(null);
  /** A task opened by URL that is not in the current list (other filter, later page). */
  extra = $state<TaskDto | null>(null);
  #token = 0;
  #listed: Promise<void> = Promise.resolve();

  /** The list under `filter` (default: the current one), newest first. */
  load(filter: TaskFilter = this.filter): Promise<void> {
    this.#listed = this.#load(filter);
    return this.#listed;
  }

  async #load(filter: TaskFilter): Promise<void> {
    this.filter = filter;
    const token = ++this.#token;
    this.loading = true;
    try {
      const result = await api.tasks.list(filter === 'all' ? {} : { status: filter });
      if (token !== this.#token) return;
      this.tasks = result.tasks;
      this.nextCursor = result.nextCursor;
      this.error = null;
      this.loaded = true;
    } catch (error) {
      if (token === this.#token) this.error = messageOf(error);
    } finally {
      if (token === this.#token) this.loading = false;
    }
  }

  /** A task opened by URL: once the list is in, fetch it by itself if the list does not hold it (another filter, a later page). */
  async open(id: string): Promise<void> {
    await this.#listed;
    if (!this.find(id)) await this.fetchOne(id);
  }

  async loadMore(): Promise<void> {
    if (!this.nextCursor || this.loading) return;
    const token = this.#token;
    this.loading = true;
    try {
      const filter = this.filter;
      const result = await api.tasks.list({ cursor: this.nextCursor, ...(filter === 'all' ? {} : { status: filter }) });
      if (token !== this.#token) return;
      this.tasks = [...this.tasks, ...result.tasks];
      this.nextCursor = result.nextCursor;
    } catch (error) {
      this.error = messageOf(error);
    } finally {
      if (token === this.#token) this.loading = false;
    }
  }

  find(id: string): TaskDto | undefined {
    return this.tasks.find((t) => t.id === id) ?? (this.extra?.id === id ? this.extra : undefined);
  }

  async fetchOne(id: string): Promise<TaskDto | null> {
    try {
      const { task } = await api.tasks.get(id);
      if (!this.tasks.some((t) => t.id === id)) this.extra = task;
      return task;
    } catch {
      return null;
    }
  }

  async create(title: string): Promise<TaskDto | null> {
    try {
      const { task } = await api.tasks.create({ title, ...(this.filter === 'all' ? {} : { status: this.filter }) });
      this.tasks = [task, ...this.tasks];
      this.error = null;
      return task;
    } catch (error) {
      this.error = messageOf(error);
      return null;
    }
  }

  /** Optimistic: the list shows the change at once; an error puts the old row back and is thrown. */
  async update(id: string, patch: TaskPatch): Promise<TaskDto> {
    const { next, rollback } = optimisticUpdate(this.tasks, id, patch, Date.now());
    const previousExtra = this.extra;
    this.tasks = next;
    if (this.extra?.id === id) this.extra = { ...this.extra, ...patch };
    try {
      const { task } = await api.tasks.update(id, patch);
      this.tasks = replaceTask(this.tasks, task);
      if (this.extra?.id === id) this.extra = task;
      return task;
    } catch (error) {
      this.tasks = rollback(this.tasks);
      this.extra = previousExtra;
      throw error;
    }
  }

  async remove(id: string): Promise<boolean> {
    const before = this.tasks;
    this.tasks = this.tasks.filter((t) => t.id !== id);
    try {
      await api.tasks.remove(id);
      if (this.extra?.id === id) this.extra = null;
      return true;
    } catch (error) {
      this.tasks = before;
      this.error = messageOf(error);
      return false;
    }
  }
}

export const tasksStore = new TasksStore();
