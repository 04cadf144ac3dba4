// resendEmailWorkflow: an operator's "send the last email again", durable and visible like every other action.
import { setCurrentDetails } from '@temporalio/workflow';
import { activityProxies } from './steps.js';
import type { EmailResendInput } from './definitions.js';

export async function resendEmailWorkflow(input: EmailResendInput): Promise<{ kind: string; ref: string } | null> {
  const p = activityProxies(60_000);
  setCurrentDetails('finding the order’s newest email');
  const last = await p.durable.lastOrderEmail({ orderId: input.orderId });
  if (!last) {
    setCurrentDetails('no email sent yet: nothing to resend');
    return null;
  }
  // Mistakes surface to the operator as a failed run rather than being retried forever.
  setCurrentDetails(`resending: ${last.kind.replace(/_/g, ' ')}`);
  await p.mail.sendOrderEmail({ orderId: input.orderId, kind: last.kind, ref: last.ref, force: true });
  setCurrentDetails(`resent: ${last.kind.replace(/_/g, ' ')}`);
  return last;
}
