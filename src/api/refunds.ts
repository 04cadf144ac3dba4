// Starting refund workflows, for the admin API (waits for the refund to be accepted) and provider webhooks (fire and record).
import { WithStartWorkflowOperation } from '@temporalio/client';
import type { ApiDeps, DeliveryDeps } from './deps.js';
import { refundAcceptedUpdate, refundWorkflowId, type RefundView, type RefundWorkflowInput } from '../workflows/definitions.js';
import type { refundWorkflow } from '../workflows/refund.js';
import { orderRunSummary } from '../workflows/summaries.js';

function startOptions(deps: DeliveryDeps, input: RefundWorkflowInput) {
  return {
    workflowId: refundWorkflowId(input.orderId, input.key),
    taskQueue: deps.taskQueue,
    args: [{ ...input, ...deps.orderSettings }] as Parameters<typeof refundWorkflow>,
    // A running refund answers again; a repeat after it closed runs again and finds the same recorded refund.
    workflowIdConflictPolicy: 'USE_EXISTING' as const,
    workflowIdReusePolicy: 'ALLOW_DUPLICATE' as const,
    ...orderRunSummary(`${input.source} refund${input.amount ? ` of ${input.amount} minor units` : ''}`, { orderId: input.orderId }),
  };
}

/** Starts (or rejoins) the refund and answers once it is recorded, or throws why it cannot happen (409/422). */
export async function requestRefund(deps: ApiDeps, input: RefundWorkflowInput): Promise<{ refund: RefundView | null; workflowId: string }> {
  const options = startOptions(deps, input);
  const start = new WithStartWorkflowOperation<typeof refundWorkflow>('refundWorkflow', options);
  const refund = await deps.temporal.workflow.executeUpdateWithStart(refundAcceptedUpdate, { args: [{ fingerprint: input.fingerprint }], startWorkflowOperation: start });
  return { refund, workflowId: options.workflowId };
}

/** Money the provider already moved back: the workflow records it (retrying until the payment is known) and revokes access. */
export async function recordProviderRefund(deps: DeliveryDeps, input: RefundWorkflowInput): Promise<string> {
  const options = startOptions(deps, input);
  await deps.temporal.workflow.start<typeof refundWorkflow>('refundWorkflow', options);
  return options.workflowId;
}
