// reconcileWorkflow: run by a Schedule; asks providers about PENDING orders whose webhook may have been lost.
import { getExternalWorkflowHandle, ParentClosePolicy, setCurrentDetails, startChild, log } from '@temporalio/workflow';
import { orderWorkflowId, paymentSignal, type ReconcileInput } from './definitions.js';
import { orderWorkflow } from './order.js';
import { activityProxies } from './steps.js';
import { orderRunSummary } from './summaries.js';

export async function reconcileWorkflow(input: ReconcileInput): Promise<{ checked: number; signalled: number; resumed: number }> {
  const p = activityProxies(input.fulfilmentRetryMs);
  // The UI's line follows the pass (no command: recorded runs replay unchanged).
  setCurrentDetails('finding pending orders whose webhook may be lost');
  const stale = await p.durable.findStalePendingOrders({ olderThanMs: input.olderThanMs, checkoutTtlMs: input.checkoutTtlMs, limit: input.limit, ...(input.orderIds ? { orderIds: input.orderIds } : {}) });
  let signalled = 0;
  let resumed = 0;
  const progress = (checked: number) => `${checked} of ${stale.length} pending orders asked about: ${signalled} signalled, ${resumed} resumed`;
  for (const [i, { orderId, provider, pastTtl }] of stale.entries()) {
    setCurrentDetails(progress(i));
    // One order the provider cannot answer for must not stop the rest: a few tries, then the next pass.
    const found = await p.checkout.lookUpPayment({ orderId }).catch((err: unknown) => {
      log.warn('could not ask the provider about an order', { orderId, error: String(err) });
      return undefined;
    });
    if (found === undefined) continue;
    // Open past its TTL with no workflow left to close it (an outage ended its run, perhaps before any session): close it now.
    const event = found ?? (pastTtl ? { provider, eventId: `reconcile:${orderId}:ttl`, kind: 'expired' as const, orderId } : null);
    if (!event) continue;
    try {
      await getExternalWorkflowHandle(orderWorkflowId(orderId)).signal(paymentSignal, event);
      signalled++;
    } catch {
      // Its run has closed: a resumed run handles the event, outliving this one.
      try {
        await startChild(orderWorkflow, {
          workflowId: orderWorkflowId(orderId),
          args: [{ orderId, resume: true, events: [event], fulfilmentRetryMs: input.fulfilmentRetryMs, latePaymentPolicy: input.latePaymentPolicy, settlementMs: input.settlementMs }],
          parentClosePolicy: ParentClosePolicy.ABANDON,
          workflowIdReusePolicy: 'ALLOW_DUPLICATE',
          // Metadata only: replay does not compare it, so runs recorded without it replay unchanged.
          ...orderRunSummary(`resumed by reconciliation (${event.kind})`, { orderId }),
        });
        resumed++;
      } catch (err) {
        // A run started meanwhile (a webhook after all); the next pass looks again.
        log.warn('could not resume order', { orderId, error: String(err) });
      }
    }
  }
  setCurrentDetails(`done: ${progress(stale.length)}`);
  log.info('reconciliation finished', { checked: stale.length, signalled, resumed });
  return { checked: stale.length, signalled, resumed };
}
