// Operator and buyer requests that an order's workflow carries out (cancel, resolve): answered within a deadline.
import type { Client } from '@temporalio/client';

/** Long enough for a busy worker to take the update; short enough that a request never waits on a worker that is gone. */
export const UPDATE_DEADLINE_MS = 15_000;

/**
 * Runs a workflow update under a deadline on its Temporal calls. With no worker on the order's task queue an update waits
 * for one indefinitely, and so would the HTTP request; past the deadline it is a 503 (`order_busy`, errors.ts) and the
 * caller may retry: the update may still run once a worker is back, and both updates refuse what was already done.
 */
export function withinUpdateDeadline<T>(temporal: Client, deadlineMs: number | undefined, update: () => Promise<T>): Promise<T> {
  return temporal.connection.withDeadline(Date.now() + (deadlineMs ?? UPDATE_DEADLINE_MS), update);
}
