/**
 * Drafts that follow the user (SPEC §14), for the open chat: what the composer starts with, the
 * debounced saves as the user types, and which of another tab's draft frames to take. The server's
 * draft is the truth; the local copy (lib/drafts.ts) only covers what the server has not heard yet.
 */
import type { DraftDto } from '../../../src/shared/api';
import type { DraftStore } from './drafts';

export interface DraftSyncOptions {
  /** Store the chat's draft on the server (empty text clears it). */
  save: (chatId: string, text: string) => Promise<void>;
  local: DraftStore;
  /** Typing pauses this long before the text is saved. */
  saveDelayMs: number;
  /** After a keystroke the composer counts as being edited this long: another tab's draft does not replace it meanwhile. */
  editGraceMs: number;
  now?: () => number;
}

interface Open {
  userId: string;
  chatId: string;
}

export class DraftSync {
  readonly #options: DraftSyncOptions;
  readonly #now: () => number;
  #open: Open | null = null;
  #timer: ReturnType<typeof setTimeout> | null = null;
  #pending: (Open & { text: string }) | null = null;
  /** Saves run one after another, so an older text never lands after a newer one. */
  #queue: Promise<void> = Promise.resolve();
  #saving = 0;
  #typedAt = -Infinity;
  /** The newest server draft time seen for the open chat: an older frame is stale. */
  #serverAt = 0;
  /** A save was on its way when the message was sent: it may land after the server cleared the draft. */
  #resaveAfterAck = false;

  constructor(options: DraftSyncOptions) {
    this.#options = options;
    this.#now = options.now ?? Date.now;
  }

  /** The composer is being typed into, or holds text the server has not confirmed. */
  get editing(): boolean {
    return this.#timer !== null || this.#saving > 0 || this.#now() - this.#typedAt < this.#options.editGraceMs;
  }

  /** A chat was opened: the text its composer starts with. A local draft wins only when it is newer than the server's (typed offline); the server then gets it. */
  open(userId: string, chatId: string, server: DraftDto | null): string {
    this.leave();
    this.#open = { userId, chatId };
    this.#serverAt = server?.updatedAt ?? 0;
    const local = this.#options.local.get(userId, chatId);
    if (local && local.updatedAt > this.#serverAt) {
      if (local.text !== (server?.text ?? '')) void this.#save({ userId, chatId, text: local.text });
      else this.#options.local.forget(userId, chatId);
      return local.text;
    }
    this.#options.local.forget(userId, chatId);
    return server?.text ?? '';
  }

  /** The chat is left: what was typed is saved now rather than after the pause. */
  leave(): void {
    void this.flush();
    this.#open = null;
    this.#typedAt = -Infinity;
    this.#serverAt = 0;
    this.#resaveAfterAck = false;
  }

  /** The user typed: keep it locally at once, and save it once typing pauses. */
  typed(text: string): void {
    const open = this.#open;
    if (!open) return;
    this.#typedAt = this.#now();
    this.#options.local.set(open.userId, open.chatId, text, this.#typedAt);
    this.#pending = { ...open, text };
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = setTimeout(() => void this.flush(), this.#options.saveDelayMs);
  }

  /** Save what is waiting for the pause, now. */
  flush(): Promise<void> {
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
    const pending = this.#pending;
    this.#pending = null;
    return pending ? this.#save(pending) : this.#queue;
  }

  /**
   * Another tab's (or device's) draft: the text to show, or null to keep the composer as it is —
   * while the user is typing here their text stands (and, saved, reaches the other tab in turn).
   */
  remote(chatId: string, draft: DraftDto): string | null {
    const open = this.#open;
    if (!open || open.chatId !== chatId || draft.updatedAt < this.#serverAt) return null;
    this.#serverAt = draft.updatedAt;
    if (this.editing) return null;
    this.#options.local.forget(open.userId, open.chatId);
    return draft.text;
  }

  /** The composer's text was sent: the server clears the draft when it stores the message, so no save of it may follow. */
  sent(): void {
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
    this.#pending = null;
    if (this.#saving > 0) this.#resaveAfterAck = true;
  }

  /** The server acknowledged `sent`: the local copy goes; a save that raced the send is overwritten by what the composer holds now. */
  acknowledged(chatId: string, sent: string, current: () => string): void {
    const open = this.#open;
    if (!open || open.chatId !== chatId) return;
    this.#options.local.settle(open.userId, chatId, sent);
    if (!this.#resaveAfterAck) return;
    this.#resaveAfterAck = false;
    // Queued behind the racing save, and skipped if the user typed meanwhile (their own save follows).
    void this.#queue.then(() => {
      if (this.#open?.chatId === chatId && this.#pending === null) return this.#save({ ...open, text: current() });
    });
  }

  /** Back online or signed in again: the server gets what it missed. */
  resume(): void {
    const open = this.#open;
    const local = open && this.#options.local.get(open.userId, open.chatId);
    if (open && local && this.#pending === null) void this.#save({ ...open, text: local.text });
  }

  #save(draft: Open & { text: string }): Promise<void> {
    this.#saving++;
    this.#queue = this.#queue.then(async () => {
      try {
        await this.#options.save(draft.chatId, draft.text);
        this.#options.local.forget(draft.userId, draft.chatId, draft.text);
      } catch {
        // Offline, signed out or refused: the local copy stays, and the next open or resume() retries.
      } finally {
        this.#saving--;
      }
    });
    return this.#queue;
  }
}
