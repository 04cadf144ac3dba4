// disputeWonWorkflow: a dispute closed in the shop's favour; the money came back, so what the dispute revoked is restored.
import { isCancellation, patched, setCurrentDetails } from '@temporalio/workflow';
import type { OrderStatus } from '../domain/orders.js';
import type { DisputeWonInput, OrderSettings } from './definitions.js';
import { activityProxies, describeFailure } from './steps.js';

export async function disputeWonWorkflow(input: DisputeWonInput & Pick<OrderSettings, 'fulfilmentRetryMs'>): Promise<{ status: OrderStatus; restored: string[] } | null> {
  const p = activityProxies(input.fulfilmentRetryMs);
  const args = { orderId: input.orderId, disputeKey: input.disputeKey, amount: input.amount };
  // Runs recorded before the bound waited without end for a dispute that may never be recorded.
  // The UI's line (no command: recorded runs replay unchanged); retries can last the fulfilment budget.
  setCurrentDetails('restoring what the dispute revoked');
  if (!patched('dispute-won-bounded')) return p.durable.reverseDispute(args);
  try {
    // Retried for the fulfilment budget: a provider can report the win before we handled the opening.
    const restored = await p.budgeted.reverseDispute(args);
    setCurrentDetails(restored ? `restored ${restored.restored.length} package(s): order ${restored.status.replace(/_/g, ' ').toLowerCase()}` : 'nothing to restore');
    return restored;
  } catch (err) {
    if (isCancellation(err)) throw err;
    // The opening never reached us (or named no payment of ours): nothing was revoked, so nothing to restore; operators see it.
    setCurrentDetails('no recorded dispute matches: noted on the order for operators');
    await p.durable.recordOrderEvent({ orderId: input.orderId, cause: 'dispute_won_unmatched', details: { disputeKey: input.disputeKey, amount: input.amount, error: describeFailure(err) } });
    return null;
  }
}
