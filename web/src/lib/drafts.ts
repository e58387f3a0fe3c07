/**
 * Per-chat drafts in localStorage: the offline fallback of the server's drafts (SPEC §14). An
 * entry is text the server may not have yet (typed offline, or just before a refresh); it is
 * forgotten once the server has it. Storage failures (quota, privacy mode) are ignored: a draft
 * is a convenience, never a reason to break typing.
 */
export interface KeyValueStore {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

export interface LocalDraft {
  text: string;
  /** When it was typed (this device's clock), to compare with the server's draft. */
  updatedAt: number;
}

function parse(raw: string | null): LocalDraft | null {
  if (raw === null) return null;
  try {
    const value: unknown = JSON.parse(raw);
    if (typeof value === 'object' && value !== null) {
      const { text, updatedAt } = value as Record<string, unknown>;
      if (typeof text === 'string' && typeof updatedAt === 'number') return { text, updatedAt };
    }
  } catch {
    // Written by an older version: plain text.
  }
  // Plain text from before drafts had a time: older than anything the server holds.
  return { text: raw, updatedAt: 0 };
}

export class DraftStore {
  readonly #storage: KeyValueStore | null;
  readonly #prefix: string;

  constructor(storage: KeyValueStore | null, prefix = 'clarity:draft') {
    this.#storage = storage;
    this.#prefix = prefix;
  }

  #key(userId: string, chatId: string) {
    return `${this.#prefix}:${userId}:${chatId}`;
  }

  /** The text the server may not have, or null. */
  get(userId: string, chatId: string): LocalDraft | null {
    try {
      return parse(this.#storage?.getItem(this.#key(userId, chatId)) ?? null);
    } catch {
      return null;
    }
  }

  /** Keep `text` (an empty one too: a clear the server has not heard of) until the server has it. */
  set(userId: string, chatId: string, text: string, updatedAt = Date.now()): void {
    try {
      this.#storage?.setItem(this.#key(userId, chatId), JSON.stringify({ text, updatedAt } satisfies LocalDraft));
    } catch {
      // Best effort: see the module comment.
    }
  }

  /** The server has `text` (or, without it, whatever is kept): nothing left to fall back on. */
  forget(userId: string, chatId: string, text?: string): void {
    try {
      if (text !== undefined && this.get(userId, chatId)?.text !== text) return;
      this.#storage?.removeItem(this.#key(userId, chatId));
    } catch {
      // Best effort.
    }
  }

  /** The server stored `sent` as a message: forget the draft unless the user has typed something else since. */
  settle(userId: string, chatId: string, sent: string): void {
    const kept = this.get(userId, chatId);
    if (kept && kept.text.trim() === sent.trim()) this.forget(userId, chatId);
  }
}
