/**
 * The warm executor of one (user, agent): everything a turn needs that is worth keeping in
 * memory between requests. Counts hits (served warm) and misses (had to build); the counters
 * live in the object's storage so they survive the runtime evicting the object.
 */
export interface ExecutorStats {
  hits: number;
  misses: number;
  evictions: number;
}

const STATS_KEY = 'executor-stats';

export class ExecutorCache<T extends { builtAt: number }> {
  readonly #kv: SyncKvStorage;
  readonly #build: () => Promise<T>;
  #current: T | null = null;
  #building: Promise<T> | null = null;

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

  /** The warm executor, building it on a miss. Concurrent callers share one build. */
  async acquire(): Promise<T> {
    if (this.#current) {
      this.#count('hits');
      return this.#current;
    }
    if (!this.#building) {
      this.#count('misses');
      this.#building = this.#build().then(
        (built) => {
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

  /** Drops the executor after idleness (SPEC §3.6); the next acquire rebuilds. */
  evict(): void {
    if (!this.#current) return;
    this.#current = null;
    this.#count('evictions');
  }
}
