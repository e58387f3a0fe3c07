// Seeded randomness for the benchmark's interleaving: the seed is printed and stored with the
// results, so a run's order of systems can be replayed (BENCH_SEED=<seed>).
import { randomInt } from 'node:crypto';

/** A fresh 32-bit seed, or BENCH_SEED when it is set. */
export function benchSeed() {
  const given = Number(process.env.BENCH_SEED);
  return Number.isInteger(given) && given >= 0 ? given >>> 0 : randomInt(2 ** 32 - 1);
}

/** mulberry32: small, fast and good enough to order three systems; not for anything secret. */
export function createRandom(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A new array: `items` in a uniformly random order (Fisher–Yates). */
export function shuffled(items, random) {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}
