/**
 * The warm executor of one (user, agent): everything a turn needs that is worth keeping in
 * memory between requests. Counts turns served warm (hits) and turns that had to wait for a
 * build (misses), as SPEC §3 defines them; session opens warm it without counting. The
 * counters live in the object's storage so they survive the runtime evicting the object.
 */
export interface ExecutorStats {
  hits: number;
  misses: number;
  evictions: number;
}

const STATS_KEY = 'executor-stats';

export class ExecutorCache<T extends { builtAt: number; invalidatePrompt(): void }> {
  readonly #kv: SyncKvStorage;
  readonly #build: () => Promise<T>;
  #current: T | null = null;
  #building: Promise<T> | null = null;
  /** Bumped by every invalidation, so a build that read the old inputs is caught. */
  #generation = 0;

  constructor(kv: SyncKvStorage, build: () => Promise<T>) {
    this.#kv = kv;
    this.#build = build;
  }

  get current(): T | null {
    return this.#current;
  }

  stats(): ExecutorStats {
    return this.#kv.get<ExecutorStats>(STATS_KEY) ?? { hits: 0, misses: 0, evictions: 0 };
  }

  #count(field: keyof ExecutorStats): void {
    const stats = this.stats();
    stats[field] += 1;
    this.#kv.put(STATS_KEY, stats);
  }

  /**
   * Counts a turn as served warm or not. Separate from acquire because it is a storage write,
   * and a turn makes it only after its model request has left (SPEC §12.1).
   */
  countTurn(warm: boolean): void {
    this.#count(warm ? 'hits' : 'misses');
  }

  /** The warm executor, building it on a miss. Concurrent callers share one build. */
  async acquire(): Promise<T> {
    if (this.#current) return this.#current;
    if (!this.#building) {
      const generation = this.#generation;
      this.#building = this.#build().then(
        (built) => {
          if (generation !== this.#generation) built.invalidatePrompt();
          this.#current = built;
          this.#building = null;
          return built;
        },
        (error: unknown) => {
          this.#building = null;
          throw error;
        },
      );
    }
    return this.#building;
  }

  /** Instructions or memories changed: the prompt is recompiled before its next use. */
  invalidatePrompt(): void {
    this.#generation += 1;
    this.#current?.invalidatePrompt();
  }

  /** Drops the executor after idleness (SPEC §3.6); the next acquire rebuilds. */
  evict(): void {
    if (!this.#current) return;
    this.#current = null;
    this.#count('evictions');
  }
}
