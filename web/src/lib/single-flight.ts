/**
 * One operation at a time. A call with the key of the running one joins it; a call with another
 * key waits for it and then runs. Used for session opens so that a double click, a re-render
 * and a 410 recovery never open two sessions for one tab.
 */
export class SingleFlight<T> {
  #running: { key: string; promise: Promise<T> } | null = null;
  #tail: Promise<unknown> = Promise.resolve();

  get busy(): boolean {
    return this.#running !== null;
  }

  run(key: string, operation: () => Promise<T>): Promise<T> {
    if (this.#running?.key === key) return this.#running.promise;
    const promise = this.#tail.then(
      () => operation(),
      () => operation(),
    );
    const entry = { key, promise };
    this.#running = entry;
    this.#tail = promise.catch(() => undefined);
    const clear = () => {
      if (this.#running === entry) this.#running = null;
    };
    promise.then(clear, clear);
    return promise;
  }
}
