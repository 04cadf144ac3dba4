// Latency summaries for the benchmark: nearest-rank percentiles, mean and max in milliseconds to 0.1 ms.

export interface Latency {
  p50Ms: number | null;
  p99Ms: number | null;
  meanMs: number | null;
  maxMs: number | null;
}

const round = (ms: number) => Math.round(ms * 10) / 10;

/** Nearest rank: the smallest sample that at least p% of all samples are at or below. Interpolation would invent values nobody saw. */
export function percentile(sorted: readonly number[], p: number): number | null {
  if (sorted.length === 0) return null;
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length)));
  return round(sorted[rank - 1]!);
}

/** null when there are no samples: an empty phase must not look like a fast one. */
export function summarise(samples: readonly number[]): Latency {
  const sorted = [...samples].sort((a, b) => a - b);
  if (sorted.length === 0) return { p50Ms: null, p99Ms: null, meanMs: null, maxMs: null };
  const sum = sorted.reduce((a, b) => a + b, 0);
  return { p50Ms: percentile(sorted, 50), p99Ms: percentile(sorted, 99), meanMs: round(sum / sorted.length), maxMs: round(sorted.at(-1)!) };
}
