// Seeded randomness, so a run's schedule of kills, faults and user actions can be replayed
// with CHAOS_SEED (timing still varies: the machine decides how far each user gets).

/** mulberry32: small and fast; not for anything secret. */
export function createRandom(seed) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    chance: (p) => next() < p,
    /** A whole number in [min, max]. */
    int: (min, max) => min + Math.floor(next() * (max - min + 1)),
    pick: (items) => items[Math.floor(next() * items.length)],
    /** One of `weighted`'s keys, with probability proportional to its value. */
    weighted(weighted) {
      const entries = Object.entries(weighted);
      let r = next() * entries.reduce((sum, [, w]) => sum + w, 0);
      for (const [key, w] of entries) if ((r -= w) < 0) return key;
      return entries.at(-1)[0];
    },
    /** An independent stream for one user, so users do not steal each other's numbers. */
    fork: () => createRandom(Math.floor(next() * 2 ** 32)),
  };
}

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));

/** The live socket's reconnect wait, as the web client computes it (web/src/lib/backoff.ts: 500 ms doubling to 30 s, equal jitter). */
export function reconnectDelayMs(attempt, random) {
  const step = Math.min(30_000, 500 * 2 ** Math.max(0, Math.min(attempt, 30)));
  return Math.round(step / 2 + (step / 2) * random.next());
}
