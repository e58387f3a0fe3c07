/**
 * Runs tasks one after another. A Durable Object's input gate only holds while it awaits its
 * own storage, not D1, so two opens could otherwise interleave across a D1 round trip and
 * both create a chat. Errors reach the caller and do not stop the queue.
 */
export class SerialQueue {
  #tail: Promise<unknown> = Promise.resolve();

  run<T>(task: () => Promise<T>): Promise<T> {
    const result = this.#tail.then(task);
    this.#tail = result.catch(() => undefined);
    return result;
  }
}
