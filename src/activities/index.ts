// All activities, built from their dependencies; business errors leave here as non-retryable failures.
import { ApplicationFailure } from '@temporalio/common';
import { DomainError } from '../domain/errors.js';
import { accountActivities } from './accounts.js';
import type { ActivityDeps } from './deps.js';
import { emailActivities } from './email.js';
import { enrollmentActivities } from './enrollments.js';
import { orderActivities } from './orders.js';
import { paymentActivities } from './payments.js';
import { refundOutcomeActivities } from './refundOutcomes.js';
import { refundActivities } from './refunds.js';
import { userActivities } from './users.js';

export type { ActivityDeps } from './deps.js';

type AnyAsync = (...args: never[]) => Promise<unknown>;

function failBusinessErrorsFast<T extends Record<string, AnyAsync>>(activities: T): T {
  const wrapped: Record<string, AnyAsync> = {};
  for (const [name, fn] of Object.entries(activities)) {
    wrapped[name] = async (...args: never[]) => {
      try {
        return await fn(...args);
      } catch (err) {
        if (err instanceof DomainError) throw ApplicationFailure.nonRetryable(err.message, err.code, { kind: err.kind, details: err.details });
        throw err;
      }
    };
  }
  return wrapped as T;
}

export function createActivities(deps: ActivityDeps) {
  return failBusinessErrorsFast({
    ...orderActivities(deps),
    ...paymentActivities(deps),
    ...userActivities(deps),
    ...enrollmentActivities(deps),
    ...emailActivities(deps),
    ...refundActivities(deps),
    ...refundOutcomeActivities(deps),
    ...accountActivities(deps),
  });
}

export type Activities = ReturnType<typeof createActivities>;
