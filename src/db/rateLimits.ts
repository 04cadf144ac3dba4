// Fixed-window request counters (rate_limits), shared by every API process; the database clock decides.
import type { Sql } from './client.js';

export interface Counted {
  key: string;
  hits: number;
  /** Seconds until this key's window ends. */
  seconds_left: number;
}

/** Counts one hit on each key; a window starts with the first hit after the previous one ended. */
export async function countHits(sql: Sql, keys: string[], windowSeconds: number): Promise<Counted[]> {
  const rows = await sql<Counted[]>`
    INSERT INTO rate_limits AS r (key, window_started_at, hits)
    SELECT unnest(${keys}::text[]), now(), 1
    ON CONFLICT (key) DO UPDATE SET
      window_started_at = CASE WHEN r.window_started_at <= now() - make_interval(secs => ${windowSeconds}) THEN now() ELSE r.window_started_at END,
      hits = CASE WHEN r.window_started_at <= now() - make_interval(secs => ${windowSeconds}) THEN 1 ELSE r.hits + 1 END
    RETURNING key, hits, extract(epoch FROM r.window_started_at + make_interval(secs => ${windowSeconds}) - now())::float8 AS seconds_left`;
  // Ended windows are dead weight: each call drops a bounded batch of them, found through the index. Rows another
  // request holds are skipped, not waited for: two sweeps locking the same batch in different orders deadlocked, and
  // the checkout that lost answered 500 (a --large bench fill, 1 in 100,000).
  await sql`DELETE FROM rate_limits WHERE key IN (
              SELECT key FROM rate_limits WHERE window_started_at < now() - make_interval(secs => ${windowSeconds})
              LIMIT 100 FOR UPDATE SKIP LOCKED)`;
  return rows;
}

/** A run of failures under one key (rate_limits row: window_started_at is the latest failure, hits how many in a row). */
export interface FailureRun {
  failures: number;
  secondsSinceLast: number;
}

/** Counts one more failure; a run older than `forgetAfterSeconds` since its last failure starts again at one. */
export async function recordFailure(sql: Sql, key: string, forgetAfterSeconds: number): Promise<number> {
  const [row] = await sql<{ hits: number }[]>`
    INSERT INTO rate_limits AS r (key, window_started_at, hits) VALUES (${key}, now(), 1)
    ON CONFLICT (key) DO UPDATE SET
      hits = CASE WHEN r.window_started_at <= now() - make_interval(secs => ${forgetAfterSeconds}) THEN 1 ELSE r.hits + 1 END,
      window_started_at = now()
    RETURNING hits`;
  return row!.hits;
}

export async function failureRun(sql: Sql, key: string, forgetAfterSeconds: number): Promise<FailureRun | undefined> {
  const [row] = await sql<{ hits: number; seconds_since: number }[]>`
    SELECT hits, extract(epoch FROM now() - window_started_at)::float8 AS seconds_since FROM rate_limits
    WHERE key = ${key} AND window_started_at > now() - make_interval(secs => ${forgetAfterSeconds})`;
  return row ? { failures: row.hits, secondsSinceLast: row.seconds_since } : undefined;
}

export async function forgetKey(sql: Sql, key: string): Promise<void> {
  await sql`DELETE FROM rate_limits WHERE key = ${key}`;
}
