// Every request the chaos run makes, timed and tallied: status codes per endpoint, error codes of 5xx, and no-answers.

/**
 * How long a buyer's browser or a provider waits for an answer before giving up and retrying (a gateway's usual 30 s).
 * The API promises 503 within ~5 s while the database is away; a request still unanswered here hung.
 */
export const REQUEST_TIMEOUT_MS = 30_000;
/** Slower than the database deadline's promise: listed with their times, to set beside the faults. */
const SLOW_MS = 10_000;

export interface Answer {
  status: number;
  body: unknown;
  ms: number;
}

interface Tally {
  byStatus: Record<string, number>;
  /** `status code` → count, for every 5xx (the error body's code says which outage it was). */
  serverErrors: Record<string, number>;
  /** Network errors and timeouts, by kind. */
  noAnswer: Record<string, number>;
  latencies: number[];
  /** Answers slower than SLOW_MS and requests never answered (status 0): when sent (s since the log began), how long. */
  slow: Array<{ atS: number; ms: number; status: number }>;
}

const bump = (counts: Record<string, number>, key: string) => void (counts[key] = (counts[key] ?? 0) + 1);

export class HttpLog {
  private readonly tallies = new Map<string, Tally>();
  /** Every 5xx with the time it was answered (seconds since the log began), to set beside the outages. */
  readonly serverErrorLog: Array<{ endpoint: string; answeredS: number; kind: string }> = [];
  private readonly t0 = Date.now();

  private tally(endpoint: string): Tally {
    let t = this.tallies.get(endpoint);
    if (!t) this.tallies.set(endpoint, (t = { byStatus: {}, serverErrors: {}, noAnswer: {}, latencies: [], slow: [] }));
    return t;
  }

  private since(at: number): number {
    return Math.round((at - this.t0) / 100) / 10;
  }

  /** One request; resolves with its answer, or undefined when none came (refused, reset, timed out). */
  async send(endpoint: string, url: string, init: RequestInit): Promise<Answer | undefined> {
    const t = this.tally(endpoint);
    const startedAt = Date.now();
    try {
      const res = await fetch(url, { ...init, signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
      const text = await res.text();
      const ms = Date.now() - startedAt;
      t.latencies.push(ms);
      if (ms > SLOW_MS) t.slow.push({ atS: this.since(startedAt), ms, status: res.status });
      let body: unknown = text;
      try {
        body = JSON.parse(text);
      } catch {
        // Not JSON: kept as text for the report.
      }
      bump(t.byStatus, String(res.status));
      if (res.status >= 500) {
        const kind = `${res.status} ${(body as { error?: { code?: string } })?.error?.code ?? 'no error code'}`;
        bump(t.serverErrors, kind);
        this.serverErrorLog.push({ endpoint, answeredS: this.since(Date.now()), kind });
      }
      return { status: res.status, body, ms };
    } catch (err) {
      const e = err as Error & { cause?: { code?: string } };
      bump(t.noAnswer, e.name === 'TimeoutError' ? `no answer within ${REQUEST_TIMEOUT_MS / 1000} s` : (e.cause?.code ?? e.message));
      t.slow.push({ atS: this.since(startedAt), ms: Date.now() - startedAt, status: 0 });
      return undefined;
    }
  }

  noAnswers(): number {
    return [...this.tallies.values()].reduce((n, t) => n + Object.values(t.noAnswer).reduce((a, b) => a + b, 0), 0);
  }

  /** Per endpoint: counts, latency percentiles of the answered requests, and the slowest few with their times. */
  summary() {
    return Object.fromEntries(
      [...this.tallies].map(([endpoint, t]) => {
        const sorted = [...t.latencies].sort((a, b) => a - b);
        const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
        const requests = sorted.length + Object.values(t.noAnswer).reduce((a, b) => a + b, 0);
        return [
          endpoint,
          {
            requests,
            byStatus: t.byStatus,
            serverErrors: t.serverErrors,
            noAnswer: t.noAnswer,
            latencyMs: { p50: at(0.5), p99: at(0.99), max: sorted.at(-1) ?? 0 },
            [`over${SLOW_MS / 1000}s`]: t.slow.length,
            slowest: [...t.slow].sort((a, b) => b.ms - a.ms).slice(0, 5),
          },
        ];
      }),
    );
  }
}
