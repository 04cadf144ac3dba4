// Start-up against dependencies that may be away: retry with capped backoff instead of crashing the process.
import type { Logger } from './log.js';

export interface WaitOptions {
  log: Logger;
  /** Aborting ends the wait with the signal's reason (a process told to stop while it waits). */
  signal?: AbortSignal;
  firstDelayMs?: number;
  maxDelayMs?: number;
}

/**
 * Calls attempt until it resolves. A crash-looping process is worse than a waiting one: the supervisor's restart
 * backoff grows, so work resumes later than the dependency does, and every restart repeats the slow start.
 * One log line per failed attempt, so an outage shows as one line per window (at most maxDelayMs apart).
 */
export async function waitFor<T>(what: string, attempt: () => Promise<T>, opts: WaitOptions): Promise<T> {
  const first = opts.firstDelayMs ?? 250;
  const max = opts.maxDelayMs ?? 5000;
  for (let n = 1; ; n++) {
    opts.signal?.throwIfAborted();
    try {
      const value = await attempt();
      if (n > 1) opts.log.info({ dependency: what, attempts: n }, `${what} reached`);
      return value;
    } catch (err) {
      opts.signal?.throwIfAborted();
      const delayMs = Math.min(max, first * 2 ** (n - 1));
      opts.log.warn({ dependency: what, attempt: n, retryInMs: delayMs, reason: describe(err) }, `waiting for ${what}`);
      await sleep(delayMs, opts.signal);
    }
  }
}

function describe(err: unknown): string {
  const e = err as { code?: unknown; message?: unknown };
  return [e.code, e.message].filter((part) => typeof part === 'string' && part).join(': ') || String(err);
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(done, ms);
    function done() {
      signal?.removeEventListener('abort', aborted);
      resolve();
    }
    function aborted() {
      clearTimeout(timer);
      reject(signal!.reason);
    }
    signal?.addEventListener('abort', aborted, { once: true });
  });
}
