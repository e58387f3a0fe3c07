/**
 * Importing chats from a file (SPEC §15): this app's export or a ChatGPT conversations.json, sent
 * as it is to the current agent, with the bytes sent shown while a large file uploads and, after,
 * what came in and what was left out and why.
 */
import type { ImportResultDto } from '../../../src/shared/api';
import { messageOf } from '../lib/api';
import { uploadJson } from '../lib/upload';
import { chatList } from './chat-list.svelte';

class ChatImport {
  open = $state(false);
  fileName = $state<string | null>(null);
  sent = $state(0);
  total = $state(0);
  uploading = $state(false);
  result = $state<ImportResultDto | null>(null);
  error = $state<string | null>(null);

  show() {
    this.open = true;
  }

  close() {
    if (this.uploading) return;
    this.open = false;
    this.result = null;
    this.error = null;
    this.fileName = null;
  }

  async upload(file: File, agent: string): Promise<void> {
    if (this.uploading) return;
    this.open = true;
    this.fileName = file.name;
    this.result = null;
    this.error = null;
    this.sent = 0;
    this.total = file.size;
    this.uploading = true;
    try {
      this.result = await uploadJson<ImportResultDto>('/chats/import', { agent }, file, ({ sent, total }) => {
        this.sent = sent;
        this.total = total;
      });
      if (this.result.imported.length) void chatList.refresh();
    } catch (error) {
      this.error = `Couldn't import ${file.name}. ${messageOf(error)}`;
    } finally {
      this.uploading = false;
    }
  }
}

export const chatImport = new ChatImport();
