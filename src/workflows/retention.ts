// retentionWorkflow: run by a Schedule; redacts personal data the shop no longer needs (src/db/erasure.ts says what).
import { setCurrentDetails } from '@temporalio/workflow';
import { activityProxies } from './steps.js';
import type { RetentionInput } from './definitions.js';

export async function retentionWorkflow(input: RetentionInput): Promise<{ webhookEvents: number; emails: number }> {
  // The budget only sizes fulfilment retries, which this workflow never makes.
  const p = activityProxies(60_000);
  setCurrentDetails(`redacting webhook bodies and email recipients older than ${input.retentionDays} days`);
  const counts = await p.durable.redactExpiredData({ retentionDays: input.retentionDays });
  setCurrentDetails(`redacted ${counts.webhookEvents} webhook bodies and ${counts.emails} emails`);
  return counts;
}
