// The customer's view of one order, for the success page: status and items, nothing they did not type; and cancelling it.
import { createRoute, z } from '@hono/zod-openapi';
import { WorkflowNotFoundError } from '@temporalio/common';
import { getOrder } from '../db/orders.js';
import { DomainError } from '../domain/errors.js';
import { orderLineView } from '../domain/pricing.js';
import { cancelUpdate, orderWorkflowId, type CancelRequest, type OrderState } from '../workflows/definitions.js';
import type { ApiDeps } from './deps.js';
import { errorResponse } from './errors.js';
import { newRouter } from './router.js';
import { jsonContent, MoneySchema, OrderDiscountFields, OrderItemSchema, OrderStatusSchema } from './schemas.js';
import { withinUpdateDeadline } from './updates.js';

const OrderStatusResponse = z
  .object({
    orderId: z.string().uuid(),
    orderNumber: z.string(),
    status: OrderStatusSchema,
    total: MoneySchema,
    ...OrderDiscountFields,
    items: z.array(OrderItemSchema),
  })
  .openapi('OrderStatus');

const route = createRoute({
  method: 'get',
  path: '/api/v1/orders/{orderId}/status',
  tags: ['orders'],
  request: { params: z.object({ orderId: z.string().uuid() }) },
  responses: {
    200: jsonContent(OrderStatusResponse, 'The order as the customer sees it'),
    400: errorResponse('Not an order id'),
    404: errorResponse('No such order'),
  },
});

const CancelResponse = z.object({ orderId: z.string().uuid(), orderNumber: z.string(), status: OrderStatusSchema }).openapi('CancelledOrder');

const cancelRoute = createRoute({
  method: 'post',
  path: '/api/v1/orders/{orderId}/cancel',
  tags: ['orders'],
  description: 'Cancels an unpaid order: its payment session is closed and the order becomes CANCELLED. The order id is the capability.',
  request: { params: z.object({ orderId: z.string().uuid() }) },
  responses: {
    200: jsonContent(CancelResponse, 'Cancelled'),
    400: errorResponse('Not an order id'),
    404: errorResponse('No such order'),
    409: errorResponse('The order is paid, being paid, or already closed'),
  },
});

/** Cancels through the order workflow's update, whose validator refuses anything but an open unpaid order. */
export async function cancelOrder({ sql, temporal, updateDeadlineMs }: ApiDeps, orderId: string, request: CancelRequest): Promise<OrderState & { orderId: string }> {
  const order = await getOrder(sql, orderId);
  if (!order) throw new DomainError('order_not_found', 'No such order.', 'not_found');
  const closed = () => new DomainError('order_not_cancellable', `Order ${order.orderNumber} is ${order.status} and can no longer be cancelled.`, 'conflict', { status: order.status });
  // Only an open order has a workflow to ask; the rest are answered from the database.
  if (order.status !== 'PENDING') throw closed();
  try {
    const handle = temporal.workflow.getHandle(orderWorkflowId(orderId));
    return { ...(await withinUpdateDeadline(temporal, updateDeadlineMs, () => handle.executeUpdate(cancelUpdate, { args: [request] }))), orderId };
  } catch (err) {
    if (!(err instanceof WorkflowNotFoundError)) throw err;
    throw closed();
  }
}

export function orderRoutes(deps: ApiDeps) {
  const { sql } = deps;
  const router = newRouter();
  router.openapi(cancelRoute, async (c) => {
    const done = await cancelOrder(deps, c.req.valid('param').orderId, { by: 'customer' });
    return c.json({ orderId: done.orderId, orderNumber: done.orderNumber!, status: done.status }, 200);
  });
  return router.openapi(route, async (c) => {
    const order = await getOrder(sql, c.req.valid('param').orderId);
    if (!order) throw new DomainError('order_not_found', 'No such order.', 'not_found');
    return c.json(
      {
        orderId: order.orderId,
        orderNumber: order.orderNumber,
        status: order.status,
        total: order.total,
        subtotal: order.subtotal,
        discount: order.discount,
        couponCode: order.couponCode,
        items: order.items.map(orderLineView),
      },
      200,
    );
  });
}
