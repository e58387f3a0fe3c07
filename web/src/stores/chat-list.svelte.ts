/** The current agent's chats: newest first, paged, searchable by title, with archive and delete. */
import { api, call, messageOf } from '../lib/api';

type ListResult = Awaited<ReturnType<typeof listRequest>>;
export type ChatSummary = ListResult['chats'][number];
export type ArchiveFilter = 'exclude' | 'only';

function listRequest(agent: string, q: string, archived: ArchiveFilter, cursor: string | null) {
  return call(api.chats.$get({ query: { agent, archived, ...(q ? { q } : {}), ...(cursor ? { cursor } : {}) } }));
}

class ChatListStore {
  agent = $state<string | null>(null);
  query = $state('');
  archived = $state<ArchiveFilter>('exclude');
  chats = $state<ChatSummary[]>([]);
  nextCursor = $state<string | null>(null);
  loading = $state(false);
  error = $state<string | null>(null);
  #token = 0;

  async load(agent: string): Promise<void> {
    if (this.agent !== agent) {
      this.agent = agent;
      this.chats = [];
      this.query = '';
      this.archived = 'exclude';
    }
    await this.refresh();
  }

  async refresh(): Promise<void> {
    const agent = this.agent;
    if (!agent) return;
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

  search(query: string) {
    this.query = query;
    return this.refresh();
  }

  showArchived(archived: ArchiveFilter) {
    this.archived = archived;
    return this.refresh();
  }

  async create(): Promise<string | null> {
    if (!this.agent) return null;
    try {
      const { chat } = await call(api.chats.$post({ json: { agent: this.agent } }));
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
      await call(api.chats[':id'].$patch({ param: { id }, json: { title } }));
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
      await call(api.chats[':id'].$patch({ param: { id }, json: { archived } }));
      return true;
    } catch (error) {
      this.chats = before;
      this.error = messageOf(error);
      return false;
    }
  }

  async remove(id: string): Promise<boolean> {
    const before = this.chats;
    this.chats = this.chats.filter((c) => c.id !== id);
    try {
      await call(api.chats[':id'].$delete({ param: { id } }));
      return true;
    } catch (error) {
      this.chats = before;
      this.error = messageOf(error);
      return false;
    }
  }

  /** A turn changed a chat (title, last message): move it to the top without a round trip. */
  touch(id: string, changes: Partial<ChatSummary>) {
    const found = this.chats.find((c) => c.id === id);
    if (!found) return;
    this.chats = [{ ...found, ...changes }, ...this.chats.filter((c) => c.id !== id)];
  }
}

export const chatList = new ChatListStore();
