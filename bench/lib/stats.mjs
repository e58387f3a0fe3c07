// Percentiles (linear interpolation between closest ranks) and summaries.
export function percentile(values, p) {
  const xs = values.filter((v) => typeof v === 'number' && Number.isFinite(v)).sort((a, b) => a - b);
  if (xs.length === 0) return null;
  const rank = (p / 100) * (xs.length - 1);
  const lo = Math.floor(rank);
  const hi = Math.ceil(rank);
  return xs[lo] + (xs[hi] - xs[lo]) * (rank - lo);
}

export function summary(values) {
  const xs = values.filter((v) => typeof v === 'number' && Number.isFinite(v));
  if (xs.length === 0) return { n: 0, p50: null, p90: null, p95: null, mean: null, min: null, max: null };
  const round = (v) => Math.round(v * 100) / 100;
  return {
    n: xs.length,
    p50: round(percentile(xs, 50)),
    p90: round(percentile(xs, 90)),
    p95: round(percentile(xs, 95)),
    mean: round(xs.reduce((a, b) => a + b, 0) / xs.length),
    min: round(Math.min(...xs)),
    max: round(Math.max(...xs)),
  };
}

/** Runs `fn(i)` for i in [0, count) with at most `limit` in flight. */
export async function pool(count, limit, fn) {
  const results = new Array(count);
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const i = next++;
      results[i] = await fn(i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, count) }, worker));
  return results;
}
