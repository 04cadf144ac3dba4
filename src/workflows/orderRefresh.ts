// Tells an order's workflow that a refund changed the order, so its status (and search attributes) follow the database.
import { getExternalWorkflowHandle, log, ParentClosePolicy, startChild } from '@temporalio/workflow';
import { orderWorkflowId, refundedSignal, type OrderSettings } from './definitions.js';
import { orderWorkflow } from './order.js';
import { orderRunSummary } from './summaries.js';

type RefundedStatus = 'REFUNDED' | 'PARTIALLY_REFUNDED';

const tell = (orderId: string, status: RefundedStatus) => getExternalWorkflowHandle(orderWorkflowId(orderId)).signal(refundedSignal, { status });

/**
 * A running order run hears the new status. A closed one cannot change its attributes any more, so a resumed run with
 * no events starts: it loads the order, shows its status and buyer, and ends. The newest run of `order-<id>` then tells
 * the truth in the Temporal UI (older runs keep what they showed when they closed; the admin API reads the database).
 */
export async function refreshOrderRun(orderId: string, status: RefundedStatus, settings: OrderSettings): Promise<void> {
  try {
    return await tell(orderId, status);
  } catch {
    // Closed (or never started by this worker's namespace): fall through to a resumed run.
  }
  try {
    await startChild(orderWorkflow, {
      workflowId: orderWorkflowId(orderId),
      args: [{ orderId, resume: true, events: [], ...settings }],
      parentClosePolicy: ParentClosePolicy.ABANDON,
      workflowIdReusePolicy: 'ALLOW_DUPLICATE',
      // Metadata only: replay does not compare it, so runs recorded without it replay unchanged.
      ...orderRunSummary(`refreshed after a refund (${status.replace(/_/g, ' ').toLowerCase()})`, { orderId }),
    });
  } catch (err) {
    // A run started meanwhile (a webhook): tell it instead.
    await tell(orderId, status).catch(() => log.warn('could not refresh the order run', { orderId, error: String(err) }));
  }
}
