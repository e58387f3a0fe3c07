/**
 * "What the agent sees" (SPEC §14): the open chat's next-turn context, loaded when the panel
 * opens and again after every turn that ends while it is open, so it never shows a stale prompt.
 */
import type { ContextDto } from '../../../src/shared/api';
import { api, messageOf } from '../lib/api';
import { chat } from './chat.svelte';

/** The top bar's toggle, where focus returns when the panel closes. */
export const AGENT_SEES_BUTTON_ID = 'agent-sees-button';

class AgentSeesStore {
  open = $state(false);
  /** The chat the shown context is of. */
  chatId = $state<string | null>(null);
  context = $state<ContextDto | null>(null);
  loading = $state(false);
  error = $state<string | null>(null);
  #token = 0;
  /** Closed since the last fetch: turns were not followed, so opening again fetches anew. */
  #stale = true;

  constructor() {
    chat.onTurnEnded((chatId) => {
      if (this.open && chatId === this.chatId) void this.#fetch(chatId);
    });
  }

  show() {
    this.open = true;
  }

  close() {
    this.open = false;
    this.#stale = true;
  }

  toggle() {
    if (this.open) this.close();
    else this.show();
  }

  /** Show `chatId`'s context: fetched unless it is the one already shown and followed since. */
  async follow(chatId: string): Promise<void> {
    if (chatId === this.chatId && !this.#stale) return;
    // Another chat's context must not stand in for this one's, even for a moment.
    if (chatId !== this.chatId) this.context = null;
    this.chatId = chatId;
    this.#stale = false;
    await this.#fetch(chatId);
  }

  /** Fetch again: after a turn, or on the user's request after an error. */
  async refresh(): Promise<void> {
    if (this.chatId) await this.#fetch(this.chatId);
  }

  async #fetch(chatId: string) {
    const token = ++this.#token;
    this.loading = true;
    this.error = null;
    try {
      const context = await api.chats.context(chatId);
      if (token === this.#token) this.context = context;
    } catch (error) {
      if (token === this.#token) this.error = messageOf(error);
    } finally {
      if (token === this.#token) this.loading = false;
    }
  }
}

export const agentSees = new AgentSeesStore();
