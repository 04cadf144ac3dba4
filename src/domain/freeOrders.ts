// An order with nothing to pay (a 100% coupon) never reaches a provider: these name its pseudo-session and payment.
import type { Money } from './money.js';
import type { PaymentEvent, ProviderName } from './orders.js';

/** Stored as the order's session id so the order looks opened (reconciliation, cancel) without a provider behind it. */
export const freeSessionId = (orderId: string) => `free:${orderId}`;

/** The payment a free order settles on: the workflow makes it itself, reconciliation finds the same one (same event id). */
export function freePayment(orderId: string, provider: ProviderName, total: Money): PaymentEvent {
  return { provider, eventId: `free:${orderId}`, kind: 'succeeded', orderId, sessionId: freeSessionId(orderId), amount: total };
}
