// Latency summaries for the benchmark: nearest-rank percentiles in ms to 0.1 ms, failures counted as slower than any answer.
import type { OpenLoopResult } from './openLoop.js';

export interface Latency {
  p50Ms: number | null;
  p99Ms: number | null;
  meanMs: number | null;
  maxMs: number | null;
}

const round = (ms: number) => Math.round(ms * 10) / 10;

/**
 * Nearest rank: the smallest sample that at least p% of all samples are at or below. Interpolation would invent values
 * nobody saw. Infinity (a failed request) makes the percentile null: it was not reached.
 */
export function percentile(sorted: readonly number[], p: number): number | null {
  if (sorted.length === 0) return null;
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length)));
  const value = sorted[rank - 1]!;
  return Number.isFinite(value) ? round(value) : null;
}

/** null when there are no samples: an empty phase must not look like a fast one. */
export function summarise(samples: readonly number[]): Latency {
  const sorted = [...samples].sort((a, b) => a - b);
  const finite = sorted.filter(Number.isFinite);
  if (sorted.length === 0) return { p50Ms: null, p99Ms: null, meanMs: null, maxMs: null };
  const mean = finite.length > 0 ? round(finite.reduce((a, b) => a + b, 0) / finite.length) : null;
  return { p50Ms: percentile(sorted, 50), p99Ms: percentile(sorted, 99), meanMs: mean, maxMs: finite.length > 0 ? round(finite.at(-1)!) : null };
}

export interface LoadSummary extends Latency {
  ratePerSecond: number;
  sent: number;
  ok: number;
  errors: number;
  /** Successful answers per second over the phase (first send to last answer). */
  achievedPerSecond: number;
  /** The generator's own lateness: above a few ms, it (not the system) was the bottleneck. */
  maxSendDelayMs: number;
  /** The commonest errors, for the reader (count, text). */
  errorKinds: Array<[number, string]>;
}

/** A failed or timed-out request counts as slower than every answer: percentiles never hide failures. */
export function summariseLoad<R>(result: OpenLoopResult<R>): LoadSummary {
  const latencies = result.samples.map((s) => (s.error === undefined ? s.latencyMs : Infinity));
  const errors = result.samples.filter((s) => s.error !== undefined);
  const ok = result.samples.length - errors.length;
  return {
    ratePerSecond: result.plan.ratePerSecond,
    sent: result.samples.length,
    ok,
    errors: errors.length,
    achievedPerSecond: result.elapsedMs > 0 ? round((ok * 1000) / result.elapsedMs) : 0,
    ...summarise(latencies),
    maxSendDelayMs: round(Math.max(0, ...result.samples.map((s) => s.sendDelayMs))),
    errorKinds: commonest(errors.map((e) => e.error!)),
  };
}

/** The three commonest error texts with their counts, most frequent first: what failed, not only how often. */
export function commonest(texts: readonly string[]): Array<[number, string]> {
  const kinds = new Map<string, number>();
  for (const text of texts) kinds.set(text, (kinds.get(text) ?? 0) + 1);
  return [...kinds].map(([text, count]): [number, string] => [count, text.slice(0, 160)]).sort((a, b) => b[0] - a[0]).slice(0, 3);
}

/** a / b to two decimals, or null when either is missing or b is zero: a ratio of nothing is not 0. */
export function ratio(a: number | null | undefined, b: number | null | undefined): number | null {
  if (a == null || b == null || b === 0) return null;
  return Math.round((a / b) * 100) / 100;
}
