// disputeWonWorkflow: a dispute closed in the shop's favour; the money came back, so what the dispute revoked is restored.
import type { OrderStatus } from '../domain/orders.js';
import type { DisputeWonInput, OrderSettings } from './definitions.js';
import { activityProxies } from './steps.js';

export async function disputeWonWorkflow(input: DisputeWonInput & Pick<OrderSettings, 'fulfilmentRetryMs'>): Promise<{ status: OrderStatus; restored: string[] } | null> {
  const p = activityProxies(input.fulfilmentRetryMs);
  // Retried until the dispute it reverses is recorded: a provider can report the win before we handled the opening.
  return p.durable.reverseDispute({ orderId: input.orderId, disputeKey: input.disputeKey, amount: input.amount });
}
