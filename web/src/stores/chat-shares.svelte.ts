/**
 * The open chat's shared links (SPEC §15): the Share popover lists them, makes a new one (a
 * snapshot of the chat as it is now) and revokes one, after which its page is gone.
 */
import type { ShareDto } from '../../../src/shared/api';
import { api, ApiError, messageOf } from '../lib/api';
import { copyText } from '../lib/clipboard';

export const SHARE_BUTTON_ID = 'share-button';
const COPIED_MS = 1500;

class ChatShares {
  open = $state(false);
  chatId = $state<string | null>(null);
  shares = $state<ShareDto[]>([]);
  /** The link just made: shown first, with Copy. */
  created = $state<ShareDto | null>(null);
  loading = $state(false);
  busy = $state(false);
  error = $state<string | null>(null);
  copied = $state<string | null>(null);
  #copiedTimer: ReturnType<typeof setTimeout> | null = null;

  async toggle(chatId: string): Promise<void> {
    if (this.open) return this.close();
    this.open = true;
    this.chatId = chatId;
    this.created = null;
    this.error = null;
    this.shares = [];
    this.loading = true;
    try {
      const { shares } = await api.chats.shares(chatId);
      if (this.chatId === chatId) this.shares = shares;
    } catch (error) {
      if (this.chatId === chatId) this.error = `Couldn't load this chat's links. ${messageOf(error)}`;
    } finally {
      if (this.chatId === chatId) this.loading = false;
    }
  }

  close() {
    this.open = false;
    this.chatId = null;
  }

  async create(): Promise<void> {
    const chatId = this.chatId;
    if (!chatId || this.busy) return;
    this.busy = true;
    this.error = null;
    try {
      const { share } = await api.chats.share(chatId);
      if (this.chatId !== chatId) return;
      this.created = share;
      this.shares = [share, ...this.shares];
    } catch (error) {
      if (this.chatId === chatId) this.error = `Couldn't create a link. ${messageOf(error)}`;
    } finally {
      this.busy = false;
    }
  }

  async revoke(share: ShareDto): Promise<void> {
    const chatId = this.chatId;
    if (!chatId) return;
    this.error = null;
    try {
      await api.chats.revokeShare(chatId, share.id);
    } catch (error) {
      // Already revoked elsewhere: the link is gone either way.
      if (!(error instanceof ApiError && error.status === 404)) {
        if (this.chatId === chatId) this.error = `Couldn't revoke the link. ${messageOf(error)}`;
        return;
      }
    }
    if (this.chatId !== chatId) return;
    this.shares = this.shares.filter((s) => s.id !== share.id);
    if (this.created?.id === share.id) this.created = null;
  }

  async copy(share: ShareDto): Promise<void> {
    if (!(await copyText(share.url))) {
      this.error = "Couldn't copy. Select the link and copy it.";
      return;
    }
    this.copied = share.id;
    if (this.#copiedTimer) clearTimeout(this.#copiedTimer);
    this.#copiedTimer = setTimeout(() => (this.copied = null), COPIED_MS);
  }
}

export const chatShares = new ChatShares();
