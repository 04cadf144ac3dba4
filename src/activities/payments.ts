// Payment activities: open, close and look up the provider's checkout session for an order.
import { requireOrder, setPaymentSession } from '../db/orders.js';
import type { PaymentEvent } from '../domain/orders.js';
import { providerFor, type ActivityDeps } from './deps.js';

export function paymentActivities({ sql, payments, publicUrl }: ActivityDeps) {
  const provider = (name: string) => providerFor(payments, name);

  return {
    /** Idempotent: the provider call carries `session:<orderId>`, and a session already stored is returned as is. */
    async createPaymentSession(input: { orderId: string; expiresAt: string }): Promise<{ sessionId: string; paymentUrl: string }> {
      const order = await requireOrder(sql, input.orderId);
      if (order.sessionId && order.paymentUrl) return { sessionId: order.sessionId, paymentUrl: order.paymentUrl };
      const session = await provider(order.provider).createSession({
        orderId: order.orderId,
        orderNumber: order.orderNumber,
        email: order.email,
        locale: order.locale,
        lines: order.items,
        total: order.total,
        expiresAt: new Date(input.expiresAt),
        idempotencyKey: `session:${order.orderId}`,
        successUrl: `${publicUrl}/orders/${order.orderId}`,
        cancelUrl: `${publicUrl}/orders/${order.orderId}?cancelled=1`,
        notifyUrl: `${publicUrl}/api/v1/webhooks/${order.provider}`,
      });
      await setPaymentSession(sql, order.orderId, session);
      return { sessionId: session.sessionId, paymentUrl: session.url };
    },

    async expirePaymentSession(input: { orderId: string }): Promise<void> {
      const order = await requireOrder(sql, input.orderId);
      if (order.sessionId) await provider(order.provider).expireSession(order.sessionId);
    },

    /**
     * Asks the provider what became of the order's session, for orders whose webhook may have been lost.
     * Returns the payment event the webhook would have carried, or null while nothing decisive happened.
     */
    async lookUpPayment(input: { orderId: string }): Promise<PaymentEvent | null> {
      const order = await requireOrder(sql, input.orderId);
      if (!order.sessionId) return null;
      const found = await provider(order.provider).retrieveSession(order.sessionId);
      if (found.state === 'open') return null;
      return {
        provider: order.provider,
        // One id per session and outcome: a webhook that arrives after all is a different event, and the first decisive one wins.
        eventId: `reconcile:${order.sessionId}:${found.state}`,
        kind: found.state === 'paid' ? 'succeeded' : found.state,
        orderId: order.orderId,
        sessionId: order.sessionId,
        paymentId: found.paymentId,
        amount: found.amount,
      };
    },
  };
}
