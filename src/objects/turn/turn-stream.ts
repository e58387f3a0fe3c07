/**
 * Where a turn's events go: the HTTP response of the request that started it (as SSE bytes)
 * and a listener (the chat's live sockets, in every tab). A requester that disconnects stops receiving
 * but never stops the turn: the reply still completes and is stored (SPEC §4.5).
 */
import type { TurnEvent } from '../../shared/protocol';
import { encodeSseEvent } from '../../shared/sse';

export type TurnListener = (event: TurnEvent) => void;

export class TurnStream {
  readonly readable: ReadableStream<Uint8Array>;
  readonly #encoder = new TextEncoder();
  readonly #listener: TurnListener;
  readonly #bookmark: () => string | null;
  #controller: ReadableStreamDefaultController<Uint8Array> | null = null;

  /** `bookmark`: the owner's database bookmark, stamped on `done` when the turn ends (SPEC §17). */
  constructor(listener: TurnListener, bookmark: () => string | null = () => null) {
    this.#listener = listener;
    this.#bookmark = bookmark;
    this.readable = new ReadableStream<Uint8Array>({
      start: (controller) => {
        this.#controller = controller;
      },
      cancel: () => {
        this.#controller = null;
      },
    });
  }

  emit(event: TurnEvent): void {
    if (event.event === 'done') {
      const bookmark = this.#bookmark();
      if (bookmark) event = { event: 'done', data: { ...event.data, bookmark } };
    }
    if (this.#controller) {
      try {
        this.#controller.enqueue(this.#encoder.encode(encodeSseEvent(event)));
      } catch {
        this.#controller = null; // the requester went away; the turn goes on
      }
    }
    this.#listener(event);
  }

  close(): void {
    try {
      this.#controller?.close();
    } catch {
      // already closed or cancelled
    }
    this.#controller = null;
  }
}
