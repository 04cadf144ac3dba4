// setupLinkWorkflow: sends a known customer a fresh password-setup link; the token is made inside the activity, never in history.
import { setCurrentDetails } from '@temporalio/workflow';
import type { SetupLinkOutcome, SetupLinkRequest } from '../domain/accounts.js';
import { sizedActivities } from './timeouts.js';

// The customer is waiting for the email, but a link sent late still works: keep trying for a day, then give up visibly.
const mail = sizedActivities({
  scheduleToCloseTimeout: '1d',
  retry: { initialInterval: '2s', backoffCoefficient: 2, maximumInterval: '5m' },
});

export async function setupLinkWorkflow(input: SetupLinkRequest): Promise<SetupLinkOutcome> {
  // The UI's line names the step, never the address (no command: recorded runs replay unchanged).
  setCurrentDetails('sending the setup link (retried for a day if the mail server is away)');
  const outcome = await mail.sendSetupLink(input);
  setCurrentDetails(outcome.status === 'sent' ? 'setup link sent' : 'no account for this email: nothing sent');
  return outcome;
}
