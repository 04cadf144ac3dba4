// Retention: redacts raw webhook bodies and email recipients older than the retention period.
import { redactExpired } from '../db/erasure.js';
import type { ActivityDeps } from './deps.js';

export function retentionActivities({ sql }: ActivityDeps) {
  return {
    /** Batched, so one pass is a bounded transaction; the schedule's next pass takes the rest. */
    async redactExpiredData(input: { retentionDays: number }): Promise<{ webhookEvents: number; emails: number }> {
      return redactExpired(sql, input.retentionDays);
    },
  };
}
