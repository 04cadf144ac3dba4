// A request that has waited a few seconds while the database is away answers 503 now, not when postgres.js gives up.
import type { MiddlewareHandler } from 'hono';
import { ping, type Sql } from '../db/client.js';
import { ServiceUnavailable } from './errors.js';
import { check } from './health.js';

export interface DeadlineTimings {
  /** How long a request runs before we ask whether the database is still there. */
  afterMs: number;
  /** How long the database has to answer that question. */
  probeMs: number;
}

// Together under 5 s: a client (or a provider's webhook retry) learns of an outage in about the time of a slow request.
const DEFAULT_TIMINGS: DeadlineTimings = { afterMs: 3500, probeMs: 1000 };

/**
 * A query on a connection whose server has stopped answering waits for TCP to give up (minutes), and new connections
 * wait out connect_timeout; both hold the request. Only a slow request pays for a probe, and only a failed probe cuts
 * it short: a request that is slow for another reason (a provider, Temporal) keeps waiting while the database answers.
 * The cut-off handler may still finish later; every write path is idempotent (keys, event ids), so a retry is safe.
 */
export function databaseDeadline(sql: Sql, timings: DeadlineTimings = DEFAULT_TIMINGS): MiddlewareHandler {
  return async (_c, next) => {
    const handled = next();
    let timer: NodeJS.Timeout | undefined;
    const slow = new Promise<'slow'>((resolve) => {
      timer = setTimeout(() => resolve('slow'), timings.afterMs);
    });
    try {
      if ((await Promise.race([handled.then(() => 'done' as const), slow])) === 'done') return;
    } finally {
      clearTimeout(timer);
    }
    if ((await check(() => ping(sql), timings.probeMs)) === 'ok') return handled;
    // Answered without it: its later failure (if any) must not become an unhandled rejection.
    handled.catch(() => undefined);
    throw new ServiceUnavailable('database_unavailable', 'The database is unavailable; try again shortly.');
  };
}
