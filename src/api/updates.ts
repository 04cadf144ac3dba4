// Operator and buyer requests that an order's workflow carries out (cancel, resolve): answered within a deadline.
import type { Client } from '@temporalio/client';

/** Past a loaded worker carrying out a cancel (over 10 s seen under the full test suite), under common 30 s proxy timeouts. */
export const UPDATE_DEADLINE_MS = 25_000;

/**
 * Runs a workflow update under a deadline on its Temporal calls. With no worker on the order's task queue an update waits
 * for one indefinitely, and so would the HTTP request; past the deadline it is a 503 (`order_busy`, errors.ts) and the
 * caller may retry: the update may still run once a worker is back, and both updates refuse what was already done.
 */
export function withinUpdateDeadline<T>(temporal: Client, deadlineMs: number | undefined, update: () => Promise<T>): Promise<T> {
  return temporal.connection.withDeadline(Date.now() + (deadlineMs ?? UPDATE_DEADLINE_MS), update);
}
