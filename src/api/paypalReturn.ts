// GET /api/v1/payments/paypal/return: the buyer comes back from approving at PayPal; the order captures once, and the buyer sees it.
import { createRoute, z } from '@hono/zod-openapi';
import { findEventOrder } from '../db/orders.js';
import { DomainError } from '../domain/errors.js';
import { isStaleEvent } from '../domain/orders.js';
import type { ApiDeps } from './deps.js';
import { deliverPayment } from './delivery.js';
import { errorResponse } from './errors.js';
import { newRouter } from './router.js';

const route = createRoute({
  method: 'get',
  path: '/api/v1/payments/paypal/return',
  tags: ['checkout'],
  description:
    "PayPal's return_url. The approval reaches the order's workflow, which captures once whether this or the CHECKOUT.ORDER.APPROVED webhook comes first; the buyer is sent on to the order page.",
  request: { query: z.object({ token: z.string().min(1).max(64).regex(/^[A-Za-z0-9-]+$/).openapi({ description: 'The PayPal order id' }), PayerID: z.string().max(64).optional() }) },
  responses: {
    303: { description: 'To the order page, which follows the order until it settles' },
    400: errorResponse('No or malformed token'),
    404: errorResponse('PayPal is not enabled, or the token names no order of ours'),
  },
});

export function paypalReturnRoutes(deps: ApiDeps) {
  return newRouter().openapi(route, async (c) => {
    if (!deps.payments.paypal) throw new DomainError('provider_not_found', 'PayPal is not enabled.', 'not_found');
    const { token } = c.req.valid('query');
    const order = await findEventOrder(deps.sql, 'paypal', { sessionId: token });
    if (!order) throw new DomainError('order_not_found', 'This PayPal order is not one of ours.', 'not_found');
    // A buyer returning to a closed order (expired meanwhile) captures nothing; the page shows what became of it.
    if (!isStaleEvent('approved', order.status)) {
      await deliverPayment(deps, { provider: 'paypal', eventId: `return:${token}`, kind: 'approved', orderId: order.orderId, sessionId: token });
    }
    return c.redirect(`/orders/${order.orderId}`, 303);
  });
}
