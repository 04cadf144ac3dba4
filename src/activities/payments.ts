// Payment activities: open, close and look up the provider's checkout session for an order.
import { freePayment, freeSessionId } from '../domain/freeOrders.js';
import { fixSessionExpiry, requireOrder, setPaymentSession, transitionOrder } from '../db/orders.js';
import type { OrderStatus, PaymentEvent } from '../domain/orders.js';
import { DomainError } from '../domain/errors.js';
import { ProviderRefusal } from '../payments/provider.js';
import { countTransition, providerFor, type ActivityDeps } from './deps.js';

export function paymentActivities({ sql, payments, publicUrl, metrics }: ActivityDeps) {
  const provider = (name: string) => providerFor(payments, name);

  return {
    /**
     * Idempotent: the provider call carries `session:<orderId>`, and a session already stored is returned as is. The
     * session's expiry is stored the first time, so every attempt and every later run sends the same parameters under
     * that key (Stripe refuses a key reused with others); `input.expiresAt` counts only the first time.
     * A session that waits for money with nothing for the buyer to do at a provider (bank transfer) makes the order PROCESSING.
     */
    async createPaymentSession(input: { orderId: string; expiresAt: string; customerIp?: string }): Promise<{ sessionId: string; paymentUrl: string; status?: OrderStatus }> {
      const order = await requireOrder(sql, input.orderId);
      if (order.sessionId && order.paymentUrl) return { sessionId: order.sessionId, paymentUrl: order.paymentUrl, status: order.status };
      // Nothing to pay (a 100% coupon): no provider session; the buyer goes straight to the order page, and the workflow settles it.
      if (order.total.amount === 0) {
        const free = { sessionId: freeSessionId(order.orderId), url: `${publicUrl}/orders/${order.orderId}` };
        await setPaymentSession(sql, order.orderId, free);
        return { sessionId: free.sessionId, paymentUrl: free.url, status: order.status };
      }
      const p = provider(order.provider);
      const wanted = new Date(input.expiresAt);
      const expiresAt = await fixSessionExpiry(sql, order.orderId, p.sessionExpiry?.(wanted, new Date()) ?? wanted);
      const session = await p.createSession({
        orderId: order.orderId,
        orderNumber: order.orderNumber,
        email: order.email,
        locale: order.locale,
        lines: order.items,
        total: order.total,
        expiresAt,
        customerIp: input.customerIp,
        idempotencyKey: `session:${order.orderId}`,
        successUrl: `${publicUrl}/orders/${order.orderId}`,
        cancelUrl: `${publicUrl}/orders/${order.orderId}?cancelled=1`,
        notifyUrl: `${publicUrl}/api/v1/webhooks/${order.provider}`,
      });
      // PROCESSING before the session is stored: a retry after a crash between the two finds no session and does both
      // again, whereas a stored session is answered as it stands (the other order lost PROCESSING for good).
      let { status } = order;
      if (session.state === 'processing') {
        const moved = await transitionOrder(sql, order.orderId, { to: 'PROCESSING', cause: `awaiting_payment:${order.provider}` });
        countTransition(metrics, moved);
        status = moved.status;
      }
      await setPaymentSession(sql, order.orderId, session);
      return { sessionId: session.sessionId, paymentUrl: session.url, status };
    },

    /**
     * Takes the money the buyer approved (PayPal), idempotent on `capture:<orderId>`; answers with the payment event
     * the capture amounts to, or null when the buyer has not approved: no event at all, they may still approve and the
     * checkout timer closes an abandoned order. A capture the provider refuses for good is a failed payment, not an outage.
     */
    async capturePayment(input: { orderId: string }): Promise<PaymentEvent | null> {
      const order = await requireOrder(sql, input.orderId);
      const p = provider(order.provider);
      if (!order.sessionId || !p.capture) throw new DomainError('capture_unsupported', `Order ${order.orderId} has nothing to capture at ${order.provider}.`, 'conflict');
      const base = { provider: order.provider, eventId: `capture:${order.orderId}`, orderId: order.orderId, sessionId: order.sessionId };
      try {
        const captured = await p.capture({ orderId: order.orderId, sessionId: order.sessionId, idempotencyKey: `capture:${order.orderId}` });
        return captured && { ...base, ...captured, eventId: `capture:${order.orderId}:${captured.kind}` };
      } catch (err) {
        if (err instanceof ProviderRefusal) return { ...base, eventId: `capture:${order.orderId}:refused`, kind: 'failed' };
        throw err;
      }
    },

    async expirePaymentSession(input: { orderId: string }): Promise<void> {
      const order = await requireOrder(sql, input.orderId);
      if (order.sessionId && order.total.amount > 0) await provider(order.provider).expireSession(order.sessionId);
    },

    /**
     * Asks the provider what became of the order's session, for orders whose webhook may have been lost.
     * Returns the payment event the webhook would have carried, or null while nothing decisive happened.
     */
    async lookUpPayment(input: { orderId: string }): Promise<PaymentEvent | null> {
      const order = await requireOrder(sql, input.orderId);
      if (!order.sessionId) return null;
      if (order.total.amount === 0) return freePayment(order.orderId, order.provider, order.total);
      const found = await provider(order.provider).retrieveSession(order.sessionId);
      // Nothing new: still open, or still settling an order that already knows it is (a signal would only grow its history).
      if (found.state === 'open' || (found.state === 'processing' && order.status === 'PROCESSING')) return null;
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
