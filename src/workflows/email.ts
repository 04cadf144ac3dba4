// resendEmailWorkflow: an operator's "send the last email again", durable and visible like every other action.
import { activityProxies } from './steps.js';
import type { EmailResendInput } from './definitions.js';

export async function resendEmailWorkflow(input: EmailResendInput): Promise<{ kind: string; ref: string } | null> {
  const p = activityProxies(60_000);
  const last = await p.durable.lastOrderEmail({ orderId: input.orderId });
  if (!last) return null;
  // Mistakes surface to the operator as a failed run rather than being retried forever.
  await p.mail.sendOrderEmail({ orderId: input.orderId, kind: last.kind, ref: last.ref, force: true });
  return last;
}
