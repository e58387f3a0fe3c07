/**
 * The chat list's row actions: one row at a time shows its menu, its delete confirmation or its
 * rename field, and each action keeps the open chat's header in step with the list.
 */
import { api } from '../lib/api';
import { paths } from '../lib/routes';
import { agentSettings } from './agent-settings.svelte';
import { chat } from './chat.svelte';
import { chatList } from './chat-list.svelte';
import type { ChatSummary } from './chat-list.svelte';
import { router } from './router.svelte';

class ChatRowMenu {
  /** The chat whose menu is open. */
  openFor = $state<string | null>(null);
  /** The open menu shows the delete confirmation instead of its items. */
  confirmingDelete = $state(false);
  /** The chat whose title is being edited in place. */
  renaming = $state<string | null>(null);
  /** The rename field's text. */
  renameValue = $state('');
  /** How many memories the chat being deleted wrote (null until known), and whether they go with it. */
  chatMemories = $state<number | null>(null);
  deleteMemories = $state(false);

  toggle(id: string) {
    this.confirmingDelete = false;
    this.openFor = this.openFor === id ? null : id;
  }

  close() {
    this.openFor = null;
    this.confirmingDelete = false;
  }

  /** The confirmation says how many memories the chat wrote, which are kept unless the user ticks otherwise. */
  async askDelete(c: ChatSummary): Promise<void> {
    this.confirmingDelete = true;
    this.chatMemories = null;
    this.deleteMemories = false;
    try {
      const { memories } = await api.chats.memories(c.id);
      if (this.openFor === c.id && this.confirmingDelete) this.chatMemories = memories.length;
    } catch {
      // The confirmation stays as it was: deleting keeps the memories.
    }
  }

  cancelDelete() {
    this.confirmingDelete = false;
  }

  startRename(c: ChatSummary) {
    this.close();
    this.renaming = c.id;
    this.renameValue = c.title;
  }

  cancelRename() {
    this.renaming = null;
  }

  /** Enter submits and the field's blur follows: the first of them commits, the second finds nothing to do. */
  async commitRename(c: ChatSummary): Promise<void> {
    if (this.renaming !== c.id) return;
    this.renaming = null;
    const title = this.renameValue.trim();
    if (!title || title === c.title) return;
    if ((await chatList.rename(c.id, title)) && chat.chat?.id === c.id) chat.chat = { ...chat.chat, title };
  }

  async setArchived(c: ChatSummary, archived: boolean): Promise<void> {
    this.close();
    if ((await chatList.setArchived(c.id, archived)) && chat.chat?.id === c.id) chat.chat = { ...chat.chat, archived };
  }

  /** Deleting the open chat moves to the agent's latest remaining one. */
  async remove(c: ChatSummary): Promise<void> {
    this.close();
    const wasOpen = chat.chat?.id === c.id;
    const memories = this.deleteMemories && this.chatMemories ? 'delete' : 'keep';
    const removed = await chatList.remove(c.id, memories);
    if (removed && this.chatMemories) void agentSettings.reloadMemories(c.agentName);
    if (removed && wasOpen) {
      chat.close();
      router.navigate(paths.chat(c.agentName));
    }
  }
}

export const chatRowMenu = new ChatRowMenu();
