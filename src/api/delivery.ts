// Hands what a provider (or an operator, or a returning buyer) reported to the workflow that acts on it.
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import { findRefundForNotice, unansweredRefunds } from '../db/refundOutcomes.js';
import type { PaymentEvent, ProviderName } from '../domain/orders.js';
import type { RefundNotice, RefundUpdate } from '../payments/provider.js';
import { disputeWonWorkflowId, orderWorkflowId, paymentSignal, refundOutcomeSignal, type ResumeInput } from '../workflows/definitions.js';
import type { disputeWonWorkflow } from '../workflows/disputeWon.js';
import type { orderWorkflow } from '../workflows/order.js';
import { orderRunSummary } from '../workflows/summaries.js';
import type { DeliveryDeps } from './deps.js';
import { ServiceUnavailable } from './errors.js';
import { recordProviderRefund } from './refunds.js';

/**
 * Signal-with-start: a running order gets the event; an order whose run has closed (expired, cancelled, fulfilled,
 * or ended by an outage) gets a resumed run that handles it — a late payment is never lost nor silently kept.
 */
export async function deliverPayment(deps: DeliveryDeps, event: PaymentEvent): Promise<void> {
  const resume: ResumeInput = { orderId: event.orderId, resume: true, events: [], ...deps.orderSettings };
  await deps.temporal.workflow.signalWithStart<typeof orderWorkflow, [PaymentEvent]>('orderWorkflow', {
    workflowId: orderWorkflowId(event.orderId),
    taskQueue: deps.taskQueue,
    args: [resume],
    signal: paymentSignal,
    signalArgs: [event],
    workflowIdReusePolicy: 'ALLOW_DUPLICATE',
    // Shown only when this starts a resumed run; a running order keeps its own.
    ...orderRunSummary(`resumed by a ${event.provider} ${event.kind} event`, { orderId: event.orderId }),
  });
}

/** Money the provider moved without us asking (a refund in its dashboard, a dispute): a refund workflow records it. */
export async function deliverProviderRefund(deps: DeliveryDeps, provider: ProviderName, orderId: string, notice: RefundNotice | (RefundUpdate & { kind: 'single' })): Promise<void> {
  const source = notice.kind === 'dispute' ? 'dispute' : 'provider';
  const amounts = notice.kind === 'refund' ? { providerTotal: notice.amount.amount } : { amount: notice.amount.amount };
  const key = notice.kind === 'single' ? `provider:${notice.providerRefundId}` : notice.key;
  try {
    await recordProviderRefund(deps, { orderId, key, source, reason: source, note: `${provider} ${notice.kind === 'dispute' ? 'dispute' : 'refund'}`, ...amounts });
  } catch (err) {
    // Already running for this very refund: that run records it.
    if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
  }
}

/** A dispute closed in the shop's favour: one workflow per dispute restores what it revoked. */
export async function deliverDisputeWon(deps: DeliveryDeps, orderId: string, notice: RefundNotice): Promise<void> {
  try {
    await deps.temporal.workflow.start<typeof disputeWonWorkflow>('disputeWonWorkflow', {
      workflowId: disputeWonWorkflowId(orderId, notice.key),
      taskQueue: deps.taskQueue,
      args: [{ orderId, disputeKey: notice.key.replace(/^dispute_won:/, 'dispute:'), amount: notice.amount, fulfilmentRetryMs: deps.orderSettings.fulfilmentRetryMs }],
      ...orderRunSummary('dispute won: restore what it revoked', { orderId, total: notice.amount }),
    });
  } catch (err) {
    if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
  }
}

/**
 * What became of one refund at the provider. Ours: its workflow hears the outcome, unless the notice is about an
 * attempt an operator has since retried. Not ours: a succeeded one is money the provider moved on its own. A notice
 * that may be about a refund of ours whose provider id we have not stored yet is not delivered yet, whatever it says:
 * the relay tries it again (refund_not_matched_yet), and by then it matches.
 */
export async function deliverRefundUpdate(deps: DeliveryDeps, provider: ProviderName, orderId: string, update: RefundUpdate): Promise<'refund_updated' | 'refund_started' | 'ignored'> {
  const found = await findRefundForNotice(deps.sql, orderId, update);
  if (found) {
    const { row: ours, attempt } = found;
    if (update.status === 'pending' || ours.status === 'succeeded' || ours.status === 'reversed' || !ours.workflow_id || attempt !== ours.attempt) return 'ignored';
    const notice = { refundId: ours.id, status: update.status, attempt, ...(update.reason ? { reason: update.reason } : {}) };
    await deps.temporal.workflow.getHandle(ours.workflow_id).signal(refundOutcomeSignal, notice);
    return 'refund_updated';
  }
  if (update.status !== 'pending' && (await unansweredRefunds(deps.sql, orderId)) > 0) {
    throw new ServiceUnavailable('refund_not_matched_yet', 'This refund may be one we asked for moments ago; deliver it again shortly.');
  }
  if (update.oursOnly || update.status !== 'succeeded') return 'ignored';
  await deliverProviderRefund(deps, provider, orderId, { ...update, kind: 'single' });
  return 'refund_started';
}
