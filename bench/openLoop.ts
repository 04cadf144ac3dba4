// Open-loop load: requests sent at evenly spaced times whatever the answers do, each timed from its scheduled send.

/** A phase's plan: `count` sends at `ratePerSecond`; bounded in count and in time by the caller's limits. */
export interface Plan {
  ratePerSecond: number;
  count: number;
}

/** As many sends as `durationMs` holds at the rate, and never more than `maxCount`. */
export function planFor(ratePerSecond: number, durationMs: number, maxCount: number): Plan {
  if (!(ratePerSecond > 0) || !(durationMs > 0)) throw new Error(`a plan needs a positive rate and duration (got ${ratePerSecond}/s for ${durationMs} ms)`);
  return { ratePerSecond, count: Math.min(maxCount, Math.max(1, Math.floor((ratePerSecond * durationMs) / 1000))) };
}

/** When each send is due, in ms from the phase's start: i / rate, so arrivals are evenly spaced and never bunch up. */
export function sendOffsetsMs(plan: Plan): number[] {
  return Array.from({ length: plan.count }, (_, i) => (i * 1000) / plan.ratePerSecond);
}

export interface Clock {
  now(): number;
  /** Resolves at (or after) the given time on `now()`'s scale. */
  until(at: number): Promise<void>;
}

export const realClock: Clock = {
  now: () => performance.now(),
  until: (at) => new Promise((resolve) => setTimeout(resolve, Math.max(0, at - performance.now()))),
};

export interface Sample<R> {
  /** Index in the plan. */
  index: number;
  /** From the scheduled send time (not the actual one) to the end of the answer: a late send counts against the system. */
  latencyMs: number;
  /** How late the generator itself sent it: large values mean the load generator, not the system, fell behind. */
  sendDelayMs: number;
  /** When the answer ended, on the clock's scale. */
  answeredAt: number;
  value?: R;
  error?: string;
}

export interface OpenLoopResult<R> {
  plan: Plan;
  samples: Sample<R>[];
  /** From the first scheduled send to the last answer (or give-up). */
  elapsedMs: number;
}

/**
 * Sends request i at start + i/rate without waiting for earlier answers (so a slow system cannot slow the arrivals
 * down: no coordinated omission). `send` gets an abort signal that fires `timeoutMs` after the scheduled time; a
 * timed-out or failed request is a sample with an error, so the phase always ends within its duration + timeout.
 */
export async function runOpenLoop<R>(plan: Plan, timeoutMs: number, send: (index: number, signal: AbortSignal) => Promise<R>, clock: Clock = realClock): Promise<OpenLoopResult<R>> {
  const start = clock.now();
  const pending: Promise<Sample<R>>[] = [];
  for (const [index, offset] of sendOffsetsMs(plan).entries()) {
    const due = start + offset;
    await clock.until(due);
    const sentAt = clock.now();
    const abort = new AbortController();
    const timer = setTimeout(() => abort.abort(new Error(`no answer within ${timeoutMs} ms`)), Math.max(1, due + timeoutMs - sentAt));
    pending.push(
      send(index, abort.signal).then(
        (value) => ({ index, latencyMs: clock.now() - due, sendDelayMs: sentAt - due, answeredAt: clock.now(), value }),
        (err: unknown) => ({ index, latencyMs: clock.now() - due, sendDelayMs: sentAt - due, answeredAt: clock.now(), error: describeError(err) }),
      ).finally(() => clearTimeout(timer)),
    );
  }
  const samples = await Promise.all(pending);
  return { plan, samples, elapsedMs: clock.now() - start };
}

/** An error as one line for the report: its kind (when not plain Error), message and cause. */
export function describeError(err: unknown): string {
  if (err instanceof Error) return `${err.name === 'Error' ? '' : `${err.name}: `}${err.message}${err.cause instanceof Error ? ` (${err.cause.message})` : ''}`;
  return String(err);
}
