/**
 * The current agent's chats: newest first, paged, searchable by title (the search box's text
 * lives here, and the list follows it once typing pauses), with rename, archive and delete.
 */
import { untrack } from 'svelte';
import type { ChatDto } from '../../../src/shared/api';
import { api, messageOf } from '../lib/api';
import { Debouncer } from '../lib/debounce';

export type ChatSummary = ChatDto;
export type ArchiveFilter = 'exclude' | 'only';

/** A search waits for a pause in typing rather than asking the server on every keystroke. */
export const SEARCH_DEBOUNCE_MS = 200;

function listRequest(agent: string, q: string, archived: ArchiveFilter, cursor: string | null) {
  return api.chats.list({ agent, archived, ...(q ? { q } : {}), ...(cursor ? { cursor } : {}) });
}

class ChatListStore {
  agent = $state<string | null>(null);
  query = $state('');
  archived = $state<ArchiveFilter>('exclude');
  chats = $state<ChatSummary[]>([]);
  nextCursor = $state<string | null>(null);
  /** True from the start: until the first page arrives the list is loading, not empty. */
  loading = $state(true);
  error = $state<string | null>(null);
  #token = 0;
  #search = new Debouncer(SEARCH_DEBOUNCE_MS);

  /**
   * Show an agent's chats; a new agent's list starts unfiltered. Untracked: a component's effect
   * that calls this depends on the agent it passes, not on the query or filter read here, whose
   * changes the search's debounce and the filter buttons handle.
   */
  load(agent: string): Promise<void> {
    return untrack(() => {
      if (this.agent !== agent) {
        this.agent = agent;
        this.chats = [];
        this.query = '';
        this.#search.cancel();
        this.archived = 'exclude';
      }
      return this.refresh();
    });
  }

  /** Forget the list (logout). */
  reset() {
    this.#search.cancel();
    this.#token++;
    this.agent = null;
    this.chats = [];
    this.query = '';
    this.nextCursor = null;
  }

  async refresh(): Promise<void> {
    const agent = this.agent;
    if (!agent) return;
    // Whatever the pending search would fetch, this fetch already does.
    this.#search.cancel();
    const token = ++this.#token;
    this.loading = true;
    try {
      const result = await listRequest(agent, this.query.trim(), this.archived, null);
      if (token !== this.#token) return;
      this.chats = result.chats;
      this.nextCursor = result.nextCursor;
      this.error = null;
    } catch (error) {
      if (token === this.#token) this.error = messageOf(error);
    } finally {
      if (token === this.#token) this.loading = false;
    }
  }

  async loadMore(): Promise<void> {
    const agent = this.agent;
    if (!agent || !this.nextCursor || this.loading) return;
    const token = this.#token;
    this.loading = true;
    try {
      const result = await listRequest(agent, this.query.trim(), this.archived, this.nextCursor);
      if (token !== this.#token) return;
      const seen = new Set(this.chats.map((c) => c.id));
      this.chats = [...this.chats, ...result.chats.filter((c) => !seen.has(c.id))];
      this.nextCursor = result.nextCursor;
    } catch (error) {
      this.error = messageOf(error);
    } finally {
      if (token === this.#token) this.loading = false;
    }
  }

  /** The search box's text: shown at once, searched once typing pauses. */
  setQuery(query: string) {
    this.query = query;
    this.#search.schedule(() => void this.refresh());
  }

  showArchived(archived: ArchiveFilter) {
    this.archived = archived;
    return this.refresh();
  }

  async create(): Promise<string | null> {
    if (!this.agent) return null;
    try {
      const { chat } = await api.chats.create(this.agent);
      this.archived = 'exclude';
      this.query = '';
      await this.refresh();
      return chat.id;
    } catch (error) {
      this.error = messageOf(error);
      return null;
    }
  }

  async rename(id: string, title: string): Promise<boolean> {
    const before = this.chats;
    this.chats = this.chats.map((c) => (c.id === id ? { ...c, title } : c));
    try {
      await api.chats.update(id, { title });
      return true;
    } catch (error) {
      this.chats = before;
      this.error = messageOf(error);
      return false;
    }
  }

  async setArchived(id: string, archived: boolean): Promise<boolean> {
    const before = this.chats;
    this.chats = this.chats.filter((c) => c.id !== id);
    try {
      await api.chats.update(id, { archived });
      return true;
    } catch (error) {
      this.chats = before;
      this.error = messageOf(error);
      return false;
    }
  }

  /** `memories: 'delete'` also deletes the memories the chat wrote (SPEC §14); by default they are kept. */
  async remove(id: string, memories: 'delete' | 'keep' = 'keep'): Promise<boolean> {
    const before = this.chats;
    this.chats = this.chats.filter((c) => c.id !== id);
    try {
      await api.chats.remove(id, memories);
      return true;
    } catch (error) {
      this.chats = before;
      this.error = messageOf(error);
      return false;
    }
  }

  /**
   * A chat's new title from the live channel: in place, the row does not move. A list read still
   * on its way may predate it, so it is asked again.
   */
  retitle(id: string, title: string) {
    this.chats = this.chats.map((c) => (c.id === id ? { ...c, title } : c));
    if (this.loading) void this.refresh();
  }

  /** A turn changed a chat (title, last message): move it to the top without a round trip. */
  touch(id: string, changes: Partial<ChatSummary>) {
    const found = this.chats.find((c) => c.id === id);
    if (!found) return;
    this.chats = [{ ...found, ...changes }, ...this.chats.filter((c) => c.id !== id)];
  }
}

export const chatList = new ChatListStore();
