// setupLinkWorkflow: sends a known customer a fresh password-setup link; the token is made inside the activity, never in history.
import { proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities/index.js';
import type { SetupLinkOutcome, SetupLinkRequest } from '../domain/accounts.js';

// The customer is waiting for the email, but a link sent late still works: keep trying for a day, then give up visibly.
const mail = proxyActivities<Activities>({
  startToCloseTimeout: '1m',
  scheduleToCloseTimeout: '1d',
  retry: { initialInterval: '2s', backoffCoefficient: 2, maximumInterval: '5m' },
});

export async function setupLinkWorkflow(input: SetupLinkRequest): Promise<SetupLinkOutcome> {
  return mail.sendSetupLink(input);
}
