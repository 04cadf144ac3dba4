// Per-email login throttling that slows a guesser without locking the owner out: a growing delay, and proofs that skip it.
import type { Sql } from '../db/client.js';
import { failureRun, forgetKey, recordFailure } from '../db/rateLimits.js';

export interface ThrottlePolicy {
  /** Failures are forgotten this long after the last one (the rate-limit window). */
  windowSeconds: number;
  /** Wrong passwords in a row before attempts must wait. */
  freeFailures: number;
  maxDelaySeconds: number;
}

const failuresKey = (email: string) => `login-failures:email:${email}`;

/** Seconds an attempt must wait after the last failure: 0 for the first free ones, then 1, 2, 4… up to the cap. */
export function requiredDelaySeconds(failures: number, policy: ThrottlePolicy): number {
  if (failures < policy.freeFailures) return 0;
  return Math.min(2 ** (failures - policy.freeFailures), policy.maxDelaySeconds);
}

/** Seconds left before this email may try a password again (0: now). */
export async function loginWaitSeconds(sql: Sql, email: string, policy: ThrottlePolicy): Promise<number> {
  const run = await failureRun(sql, failuresKey(email), policy.windowSeconds);
  if (!run) return 0;
  const left = requiredDelaySeconds(run.failures, policy) - run.secondsSinceLast;
  return left > 0 ? Math.ceil(left) : 0;
}

export async function recordLoginFailure(sql: Sql, email: string, policy: ThrottlePolicy): Promise<void> {
  await recordFailure(sql, failuresKey(email), policy.windowSeconds);
}

/** A correct password, or a password set from an emailed link, ends the run of failures. */
export async function clearLoginFailures(sql: Sql, email: string): Promise<void> {
  await forgetKey(sql, failuresKey(email));
}
