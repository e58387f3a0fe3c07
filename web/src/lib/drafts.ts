/**
 * Per-chat drafts in localStorage, so text typed into the composer survives a refresh, a
 * failed send and a re-login. Storage failures (quota, privacy mode) are ignored: a draft is a
 * convenience, never a reason to break typing.
 */
export interface KeyValueStore {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
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

  get(userId: string, chatId: string): string {
    try {
      return this.#storage?.getItem(this.#key(userId, chatId)) ?? '';
    } catch {
      return '';
    }
  }

  set(userId: string, chatId: string, text: string): void {
    try {
      if (text.trim() === '') this.#storage?.removeItem(this.#key(userId, chatId));
      else this.#storage?.setItem(this.#key(userId, chatId), text);
    } catch {
      // Best effort: see the class comment.
    }
  }

  /** The server stored `sent`: forget the draft unless the user has typed something else since. */
  settle(userId: string, chatId: string, sent: string): void {
    if (this.get(userId, chatId).trim() === sent.trim()) this.set(userId, chatId, '');
  }
}
