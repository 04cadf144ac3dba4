// Fixed-window request counters in PostgreSQL, so every API process behind a load balancer counts the same requests.
import type { Sql } from '../db/client.js';
import { countHits, type Counted } from '../db/rateLimits.js';

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
  const rows = await countHits(sql, keys, windowSeconds);
  return verdict(limits, rows);
}

/** The refusal that waits longest wins: Retry-After must be enough for every exceeded limit. */
export function verdict(limits: Limit[], counted: Counted[]): Verdict {
  let worst: { key: string; retryAfterSeconds: number } | undefined;
  for (const row of counted) {
    const max = Math.min(...limits.filter((l) => l.key === row.key).map((l) => l.max));
    if (row.hits <= max) continue;
    const retryAfterSeconds = Math.max(1, Math.ceil(row.seconds_left));
    if (!worst || retryAfterSeconds > worst.retryAfterSeconds) worst = { key: row.key, retryAfterSeconds };
  }
  return worst ? { allowed: false, ...worst } : { allowed: true };
}
