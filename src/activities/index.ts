// All activities, built from their dependencies; business errors leave here as non-retryable failures, and each heartbeats.
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { DomainError } from '../domain/errors.js';
import { accountActivities } from './accounts.js';
import type { ActivityDeps } from './deps.js';
import { deliveryActivities } from './delivery.js';
import { emailActivities } from './email.js';
import { enrollmentActivities } from './enrollments.js';
import { orderActivities } from './orders.js';
import { paymentActivities } from './payments.js';
import { refundOutcomeActivities } from './refundOutcomes.js';
import { refundActivities } from './refunds.js';
import { retentionActivities } from './retention.js';
import { userActivities } from './users.js';

export type { ActivityDeps } from './deps.js';

type AnyAsync = (...args: never[]) => Promise<unknown>;

/** How often a running activity tells Temporal it is alive; the SDK sends at most one per 80 % of the heartbeat timeout. */
const HEARTBEAT_EVERY_MS = 1000;

/**
 * While an activity runs, its worker says so every second: a worker that dies mid-call (SIGKILL, a lost machine) stops,
 * and Temporal retries the activity elsewhere after its heartbeat timeout instead of its whole start-to-close timeout.
 * An activity that ends within the second sends nothing. Called outside a worker (tests), there is no one to tell.
 */
function whileAlive<R>(work: Promise<R>): Promise<R> {
  let ctx: Context;
  try {
    ctx = Context.current();
  } catch {
    return work;
  }
  // A local activity runs inside its workflow task, which the worker keeps alive itself: there is no one to tell.
  if (ctx.info.isLocal) return work;
  const beat = setInterval(() => ctx.heartbeat(), HEARTBEAT_EVERY_MS);
  // Once Temporal has given up on this attempt (timed out, retried elsewhere), saying it is alive means nothing.
  ctx.cancelled.catch(() => clearInterval(beat));
  return work.finally(() => clearInterval(beat));
}

/** Each activity heartbeats while it runs, and a business error leaves it as a non-retryable failure. */
function asActivities<T extends Record<string, AnyAsync>>(activities: T): T {
  const wrapped: Record<string, AnyAsync> = {};
  for (const [name, fn] of Object.entries(activities)) {
    wrapped[name] = async (...args: never[]) => {
      try {
        return await whileAlive(fn(...args));
      } catch (err) {
        if (err instanceof DomainError) throw ApplicationFailure.nonRetryable(err.message, err.code, { kind: err.kind, details: err.details });
        throw err;
      }
    };
  }
  return wrapped as T;
}

export function createActivities(deps: ActivityDeps) {
  const users = userActivities(deps);
  const enrollments = enrollmentActivities(deps);
  return asActivities({
    ...orderActivities(deps),
    ...paymentActivities(deps),
    ...users,
    ...enrollments,
    ...deliveryActivities({ findOrCreateUser: users.findOrCreateUser, grantEnrollments: enrollments.grantEnrollments }),
    ...emailActivities(deps),
    ...refundActivities(deps),
    ...refundOutcomeActivities(deps),
    ...accountActivities(deps),
    ...retentionActivities(deps),
  });
}

export type Activities = ReturnType<typeof createActivities>;
