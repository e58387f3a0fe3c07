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
  #controller: ReadableStreamDefaultController<Uint8Array> | null = null;

  constructor(listener: TurnListener) {
    this.#listener = listener;
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
