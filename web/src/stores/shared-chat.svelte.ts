/** The read-only page of a shared link (SPEC §15), loaded without a sign-in. */
import type { SharedChatDto } from '../../../src/shared/api';
import { api, ApiError, messageOf } from '../lib/api';

class SharedChat {
  shareId = $state<string | null>(null);
  chat = $state<SharedChatDto | null>(null);
  status = $state<'loading' | 'ready' | 'gone' | 'error'>('loading');
  error = $state<string | null>(null);

  async load(shareId: string): Promise<void> {
    this.shareId = shareId;
    this.chat = null;
    this.status = 'loading';
    this.error = null;
    try {
      const chat = await api.shares.get(shareId);
      if (this.shareId === shareId) {
        this.chat = chat;
        this.status = 'ready';
      }
    } catch (error) {
      if (this.shareId !== shareId) return;
      // A revoked link and one that never existed read the same: nothing says which.
      if (error instanceof ApiError && error.status === 404) this.status = 'gone';
      else {
        this.status = 'error';
        this.error = `Couldn't load this chat. ${messageOf(error)}`;
      }
    }
  }
}

export const sharedChat = new SharedChat();
