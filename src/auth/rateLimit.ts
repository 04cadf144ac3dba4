// Fixed-window request counters in PostgreSQL, so every API process behind a load balancer counts the same requests.
import type { Sql } from '../db/client.js';

export interface Limit {
  /** What is counted, e.g. `login:email:ala@example.com`. */
  key: string;
  max: number;
}

export type Verdict = { allowed: true } | { allowed: false; retryAfterSeconds: number; key: string };

/**
 * Counts one request against every limit and allows it only if none is over its maximum. A window starts with
 * the first request after the previous one ended; the database clock decides, so processes need not agree on time.
 */
export async function hitRateLimits(sql: Sql, limits: Limit[], windowSeconds: number): Promise<Verdict> {
  const keys = [...new Set(limits.map((l) => l.key))];
  const rows = await sql<{ key: string; hits: number; seconds_left: number }[]>`
    INSERT INTO rate_limits AS r (key, window_started_at, hits)
    SELECT unnest(${keys}::text[]), now(), 1
    ON CONFLICT (key) DO UPDATE SET
      window_started_at = CASE WHEN r.window_started_at <= now() - make_interval(secs => ${windowSeconds}) THEN now() ELSE r.window_started_at END,
      hits = CASE WHEN r.window_started_at <= now() - make_interval(secs => ${windowSeconds}) THEN 1 ELSE r.hits + 1 END
    RETURNING key, hits, extract(epoch FROM r.window_started_at + make_interval(secs => ${windowSeconds}) - now())::float8 AS seconds_left`;
  // Ended windows are dead weight: each call drops a bounded batch of them, found through the index.
  await sql`DELETE FROM rate_limits WHERE key IN (
              SELECT key FROM rate_limits WHERE window_started_at < now() - make_interval(secs => ${windowSeconds}) LIMIT 100)`;
  return verdict(limits, rows);
}

/** The refusal that waits longest wins: Retry-After must be enough for every exceeded limit. */
export function verdict(limits: Limit[], counted: { key: string; hits: number; seconds_left: number }[]): Verdict {
  let worst: { key: string; retryAfterSeconds: number } | undefined;
  for (const row of counted) {
    const max = Math.min(...limits.filter((l) => l.key === row.key).map((l) => l.max));
    if (row.hits <= max) continue;
    const retryAfterSeconds = Math.max(1, Math.ceil(row.seconds_left));
    if (!worst || retryAfterSeconds > worst.retryAfterSeconds) worst = { key: row.key, retryAfterSeconds };
  }
  return worst ? { allowed: false, ...worst } : { allowed: true };
}
