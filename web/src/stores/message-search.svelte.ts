/**
 * Searching message text (SPEC §15) from the sidebar's search field: the query is searched once
 * typing pauses, in the current agent's chats or in every agent's; a newer search's answer
 * replaces an older one's, never the other way round.
 */
import type { SearchResultDto } from '../../../src/shared/api';
import { api, messageOf } from '../lib/api';
import { Debouncer } from '../lib/debounce';
import { paths } from '../lib/routes';
import { chat } from './chat.svelte';
import { SEARCH_DEBOUNCE_MS } from './chat-list.svelte';
import { router } from './router.svelte';

/** Enough to scan in a sidebar; the server ranks the best first. */
const RESULT_LIMIT = 20;

class MessageSearch {
  query = $state('');
  agent = $state<string | null>(null);
  allAgents = $state(false);
  results = $state<SearchResultDto[]>([]);
  loading = $state(false);
  error = $state<string | null>(null);
  /** The query the shown results answer: "no messages match" is only said for a finished search. */
  searched = $state('');
  #debounce = new Debouncer(SEARCH_DEBOUNCE_MS);
  #token = 0;

  setQuery(query: string, agent: string | null) {
    this.query = query;
    this.agent = agent;
    if (!query.trim()) {
      this.clear();
      return;
    }
    this.#debounce.schedule(() => void this.run());
  }

  setAllAgents(all: boolean) {
    this.allAgents = all;
    if (this.query.trim()) void this.run();
  }

  clear() {
    this.#debounce.cancel();
    this.#token++;
    this.query = '';
    this.results = [];
    this.searched = '';
    this.loading = false;
    this.error = null;
  }

  async run(): Promise<void> {
    const q = this.query.trim();
    const token = ++this.#token;
    this.loading = true;
    this.error = null;
    try {
      const { results } = await api.search(q, this.allAgents ? undefined : (this.agent ?? undefined), RESULT_LIMIT);
      if (token !== this.#token) return;
      this.results = results;
      this.searched = q;
    } catch (error) {
      if (token !== this.#token) return;
      this.results = [];
      this.searched = '';
      this.error = `Couldn't search your messages. ${messageOf(error)}`;
    } finally {
      if (token === this.#token) this.loading = false;
    }
  }

  /** The chat at the message, scrolled to and marked (the same path as a memory's source link). */
  open(result: SearchResultDto) {
    chat.openAt(result.chatId, result.seq);
    router.navigate(paths.chat(result.agentName, result.chatId));
  }
}

export const messageSearch = new MessageSearch();
