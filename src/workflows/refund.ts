// refundWorkflow: one refund of an order (operator, provider refund, dispute) — record it, revoke, move the money, tell the customer.
import { allHandlersFinished, ApplicationFailure, condition, getExternalWorkflowHandle, isCancellation, log, patched, setCurrentDetails, setHandler, workflowInfo } from '@temporalio/workflow';
import type { RefundRecord } from '../activities/refunds.js';
import { orderWorkflowId, refundAcceptedUpdate, refundedSignal, type OrderSettings, type RefundOutcome, type RefundView, type RefundWorkflowInput } from './definitions.js';
import { refreshOrderRun } from './orderRefresh.js';
import { activityProxies, businessFailure, completeRefund, registerRefundHandlers } from './steps.js';

const view = (r: RefundRecord): RefundView => ({ refundId: r.refundId, seq: r.seq, amount: r.amount, packageIds: r.packageIds, status: r.status });

/** Settings for a resumed order run this refund may start; runs started before they were passed default to refunding late payments. */
type RefundSettings = Pick<OrderSettings, 'fulfilmentRetryMs'> & Partial<Omit<OrderSettings, 'fulfilmentRetryMs'>>;

export async function refundWorkflow(input: RefundWorkflowInput & RefundSettings): Promise<RefundOutcome> {
  const p = activityProxies(input.fulfilmentRetryMs);
  // What the accepted update answers: set once the refund is recorded or refused.
  const answer: { accepted?: { refund: RefundView | null }; refused?: RefundOutcome['refused'] } = {};
  const inbox = registerRefundHandlers();

  setHandler(
    refundAcceptedUpdate,
    async () => {
      await condition(() => answer.accepted !== undefined || answer.refused !== undefined);
      const { refused } = answer;
      if (refused) throw ApplicationFailure.nonRetryable(refused.message, refused.code, { kind: refused.kind, details: refused.details });
      return answer.accepted!.refund;
    },
    {
      description: 'Answers once the refund is recorded (or refused), so the operator learns at once whether it will happen',
      // The same Idempotency-Key with another request, while the first still runs (afterwards reserveRefund refuses it).
      validator: ({ fingerprint }) => {
        if (fingerprint !== input.fingerprint) {
          throw ApplicationFailure.nonRetryable('This Idempotency-Key was already used for a different refund request.', 'idempotency_key_reused', { kind: 'unprocessable' });
        }
      },
    },
  );

  // The UI's current-details line (no command: recorded runs replay unchanged). Codes and statuses only, never the note.
  setCurrentDetails(`recording the ${input.source} refund`);
  let refund: RefundRecord | null;
  try {
    // Provider refunds before their payment reached us are retried here until it has (events can arrive out of order).
    refund = await p.durable.reserveRefund({
      workflowId: workflowInfo().workflowId,
      orderId: input.orderId,
      key: input.key,
      source: input.source,
      reason: input.reason,
      note: input.note,
      amount: input.amount,
      packageIds: input.packageIds,
      providerTotal: input.providerTotal,
      fingerprint: input.fingerprint,
    });
  } catch (err) {
    if (isCancellation(err)) throw err;
    answer.refused = businessFailure(err);
    if (!answer.refused) throw err;
    setCurrentDetails(`refused: ${answer.refused.code.replace(/_/g, ' ')}`);
    await condition(allHandlersFinished);
    return { refund: null, refused: answer.refused };
  }
  answer.accepted = { refund: refund && view(refund) };
  // Nothing new to record: a provider refund we already know (our own, seen again in charge.refunded).
  if (!refund) {
    setCurrentDetails('already recorded: nothing to do');
    return { refund: null };
  }
  setCurrentDetails(`refund ${refund.seq} recorded: revoking access and refunding at the provider`);
  const orderStatus = await completeRefund(p, p.durable, refund, inbox);
  // Reversed by a dispute won before it was through (no status): that run put the order back, so there is nothing to tell;
  // still HELD after a partial refund: the hold goes on waiting for its operator.
  if (orderStatus && (orderStatus !== 'HELD' || !patched('held-order-keeps-hold'))) {
    const status = orderStatus as 'REFUNDED' | 'PARTIALLY_REFUNDED';
    if (patched('refund-refreshes-order-run')) {
      // The order's run shows the new status: a running one hears it, a closed one gets a short resumed run that shows it.
      const { fulfilmentRetryMs, latePaymentPolicy = 'refund', settlementMs } = input;
      await refreshOrderRun(input.orderId, status, { fulfilmentRetryMs, latePaymentPolicy, settlementMs });
    } else {
      // Runs started before the patch: a running order workflow learns it was refunded; a closed one kept its old status.
      try {
        await getExternalWorkflowHandle(orderWorkflowId(input.orderId)).signal(refundedSignal, { status });
      } catch (err) {
        log.info('order workflow not running; nothing to tell it', { orderId: input.orderId, error: String(err) });
      }
    }
  }
  setCurrentDetails(orderStatus ? `refund ${refund.seq} succeeded: order ${orderStatus.replace(/_/g, ' ').toLowerCase()}` : `refund ${refund.seq} reversed by a won dispute`);
  await condition(allHandlersFinished);
  return orderStatus ? { refund: { ...view(refund), status: 'succeeded' }, orderStatus } : { refund: { ...view(refund), status: 'reversed' } };
}
