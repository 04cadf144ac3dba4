// Bounded load for the benchmark: a fixed list of requests at a fixed concurrency, each timed, every failure counted.

/** Longer than any healthy request here; a request that hits it is counted as an error, not waited for. */
export const REQUEST_TIMEOUT_MS = 30_000;

export interface Timed<R> {
  ms: number;
  value: R;
}

export interface LoadResult<R> {
  /** Latencies of the successful requests only; failures are counted in errors. */
  latencies: number[];
  values: R[];
  errors: number;
  /** Error description → how many times it happened, for the progress log. */
  errorKinds: Map<string, number>;
}

export interface LoadOptions {
  concurrency: number;
  /** After this long no new request starts; the ones left are counted as errors. */
  deadlineMs: number;
  signal: AbortSignal;
}

export async function runBounded<T, R>(items: readonly T[], opts: LoadOptions, task: (item: T, signal: AbortSignal) => Promise<Timed<R>>): Promise<LoadResult<R>> {
  const result: LoadResult<R> = { latencies: [], values: [], errors: 0, errorKinds: new Map() };
  const fail = (kind: string) => {
    result.errors++;
    result.errorKinds.set(kind, (result.errorKinds.get(kind) ?? 0) + 1);
  };
  const deadline = performance.now() + opts.deadlineMs;
  let next = 0;
  const lane = async () => {
    while (next < items.length) {
      const item = items[next++]!;
      if (opts.signal.aborted || performance.now() > deadline) {
        fail(opts.signal.aborted ? 'not sent: run aborted' : 'not sent: phase deadline passed');
        continue;
      }
      try {
        const { ms, value } = await task(item, AbortSignal.any([opts.signal, AbortSignal.timeout(REQUEST_TIMEOUT_MS)]));
        result.latencies.push(ms);
        result.values.push(value);
      } catch (err) {
        fail(describe(err));
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(opts.concurrency, items.length)) }, lane));
  return result;
}

export interface Answer {
  ms: number;
  status: number;
  body: unknown;
}

/** Times one request until its whole body has arrived; parsing happens after the clock stops. */
export async function timedFetch(url: string, init: RequestInit, signal: AbortSignal): Promise<Answer> {
  const started = performance.now();
  const res = await fetch(url, { ...init, signal });
  const text = await res.text();
  const ms = performance.now() - started;
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // Not JSON: keep the text so the error report shows what came back.
  }
  return { ms, status: res.status, body };
}

export class UnexpectedAnswer extends Error {
  constructor(answer: Answer, expected: string) {
    super(`HTTP ${answer.status} (expected ${expected}): ${JSON.stringify(answer.body).slice(0, 160)}`);
  }
}

function describe(err: unknown): string {
  if (err instanceof UnexpectedAnswer) return err.message;
  if (err instanceof Error) return `${err.name}: ${err.message}${err.cause instanceof Error ? ` (${err.cause.message})` : ''}`;
  return String(err);
}
