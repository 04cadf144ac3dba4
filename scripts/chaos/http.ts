// Every request the chaos run makes, timed and tallied: status codes per endpoint, error codes of 5xx, and no-answers.

/** Longer than any answer the API promises (503 within ~5 s while the database is away); beyond it, a request hung. */
export const REQUEST_TIMEOUT_MS = 20_000;

export interface Answer {
  status: number;
  body: unknown;
  ms: number;
}

export interface Tally {
  requests: number;
  byStatus: Record<string, number>;
  /** `status code` → count, for every 5xx (the error body's code says which outage it was). */
  serverErrors: Record<string, number>;
  noAnswer: number;
  /** Network errors and timeouts, by kind. */
  noAnswerKinds: Record<string, number>;
  slowest: number;
  /** Answers that took longer than SLOW_MS, and requests never answered (status 0): when sent (seconds since the log began), how long. */
  slow: Array<{ atS: number; ms: number; status: number }>;
}

/** Slower than the database deadline's promise (503 within ~5 s): worth seeing next to the fault times. */
const SLOW_MS = 6000;

export class HttpLog {
  readonly tallies = new Map<string, Tally>();
  private readonly t0 = Date.now();

  tally(endpoint: string): Tally {
    let t = this.tallies.get(endpoint);
    if (!t) this.tallies.set(endpoint, (t = { requests: 0, byStatus: {}, serverErrors: {}, noAnswer: 0, noAnswerKinds: {}, slowest: 0, slow: [] }));
    return t;
  }

  /** One request; resolves with its answer, or undefined when none came (refused, reset, timed out). */
  async send(endpoint: string, url: string, init: RequestInit): Promise<Answer | undefined> {
    const t = this.tally(endpoint);
    t.requests++;
    const started = performance.now();
    const startedAt = Date.now();
    try {
      const res = await fetch(url, { ...init, signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
      const text = await res.text();
      const ms = performance.now() - started;
      t.slowest = Math.max(t.slowest, Math.round(ms));
      if (ms > SLOW_MS) t.slow.push({ atS: Math.round((startedAt - this.t0) / 100) / 10, ms: Math.round(ms), status: res.status });
      let body: unknown = text;
      try {
        body = JSON.parse(text);
      } catch {
        // Not JSON: kept as text for the report.
      }
      t.byStatus[res.status] = (t.byStatus[res.status] ?? 0) + 1;
      if (res.status >= 500) {
        const code = (body as { error?: { code?: string } })?.error?.code ?? 'no error code';
        const kind = `${res.status} ${code}`;
        t.serverErrors[kind] = (t.serverErrors[kind] ?? 0) + 1;
      }
      return { status: res.status, body, ms };
    } catch (err) {
      const e = err as Error & { cause?: { code?: string } };
      const kind = e.name === 'TimeoutError' ? `no answer within ${REQUEST_TIMEOUT_MS / 1000} s` : (e.cause?.code ?? e.message);
      t.noAnswer++;
      t.slow.push({ atS: Math.round((startedAt - this.t0) / 100) / 10, ms: Math.round(performance.now() - started), status: 0 });
      t.noAnswerKinds[kind] = (t.noAnswerKinds[kind] ?? 0) + 1;
      return undefined;
    }
  }
}
