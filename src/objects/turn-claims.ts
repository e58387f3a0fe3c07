/**
 * One generation per chat (SPEC §4.6): a chat is claimed before a turn's first await, so a
 * parallel send sees it busy, and released when the turn is over. Stop and delete abort the
 * claim's generation and wait for it to settle.
 */
import type { TurnProgress } from './turn/turn-runner';

export interface ActiveTurn {
  controller: AbortController;
  progress: TurnProgress;
  finished: Promise<void>;
}

export interface Claim {
  active: ActiveTurn;
  /** Frees the chat and settles `finished`; safe to call more than once. */
  release: () => void;
}

export class TurnClaims {
  readonly #turns = new Map<string, ActiveTurn>();

  get size(): number {
    return this.#turns.size;
  }

  get(chatId: string): ActiveTurn | undefined {
    return this.#turns.get(chatId);
  }

  isBusy(chatId: string): boolean {
    return this.#turns.has(chatId);
  }

  claim(chatId: string): Claim {
    let settle!: () => void;
    const finished = new Promise<void>((resolve) => (settle = resolve));
    const active: ActiveTurn = { controller: new AbortController(), progress: { messageId: '', text: '', toolCalls: [] }, finished };
    this.#turns.set(chatId, active);
    const release = () => {
      if (this.#turns.get(chatId) === active) this.#turns.delete(chatId);
      settle();
    };
    return { active, release };
  }

  /** Aborts the chat's generation, if any, and resolves once its partial reply is stored. */
  async abort(chatId: string): Promise<void> {
    const active = this.#turns.get(chatId);
    if (!active) return;
    active.controller.abort();
    await active.finished;
  }

  /** Aborts until the chat is free (a turn may have been queued behind the one aborted). */
  async abortAll(chatId: string): Promise<void> {
    while (this.#turns.has(chatId)) await this.abort(chatId);
  }

  /** Whether `messageId` is the reply a live generation is still writing. */
  isStreaming(chatId: string, messageId: string): boolean {
    return this.#turns.get(chatId)?.progress.messageId === messageId;
  }
}
