/** Runs the last scheduled action once calls have paused for `waitMs`; earlier ones are dropped. */
export class Debouncer {
  #timer: ReturnType<typeof setTimeout> | null = null;
  readonly waitMs: number;

  constructor(waitMs: number) {
    this.waitMs = waitMs;
  }

  get pending(): boolean {
    return this.#timer !== null;
  }

  schedule(action: () => void): void {
    this.cancel();
    this.#timer = setTimeout(() => {
      this.#timer = null;
      action();
    }, this.waitMs);
  }

  cancel(): void {
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
  }
}
