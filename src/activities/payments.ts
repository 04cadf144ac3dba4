// Payment activities: open and close the provider's checkout session for an order.
import { DomainError } from '../domain/errors.js';
import type { PaymentProvider } from '../payments/provider.js';
import type { ActivityDeps } from './deps.js';
import { requireOrder } from './orders.js';

export function paymentActivities({ sql, payments, publicUrl }: ActivityDeps) {
  function provider(name: string): PaymentProvider {
    const p = payments[name as keyof typeof payments];
    if (!p) throw new DomainError('provider_unavailable', `Payment provider ${name} is not configured.`, 'unprocessable');
    return p;
  }

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
      });
      await sql`UPDATE orders SET provider_session_id = ${session.sessionId}, payment_url = ${session.url}, updated_at = now() WHERE id = ${order.orderId}`;
      return { sessionId: session.sessionId, paymentUrl: session.url };
    },

    async expirePaymentSession(input: { orderId: string }): Promise<void> {
      const order = await requireOrder(sql, input.orderId);
      if (order.sessionId) await provider(order.provider).expireSession(order.sessionId);
    },
  };
}
