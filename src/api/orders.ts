// The customer's view of one order, for the success page: status and items, nothing they did not type; and cancelling it.
import { createRoute, z } from '@hono/zod-openapi';
import { WorkflowNotFoundError } from '@temporalio/common';
import { getOrder } from '../db/orders.js';
import { DomainError } from '../domain/errors.js';
import { orderWorkflowId } from '../domain/orders.js';
import { cancelUpdate, type CancelRequest, type OrderState } from '../workflows/definitions.js';
import type { ApiDeps } from './deps.js';
import { errorResponse } from './errors.js';
import { escapeHtml } from '../domain/html.js';
import { page } from './html.js';
import { newRouter } from './router.js';
import { MoneySchema, OrderStatusSchema } from './schemas.js';

const OrderStatusResponse = z
  .object({
    orderId: z.string().uuid(),
    orderNumber: z.string(),
    status: OrderStatusSchema,
    total: MoneySchema,
    items: z.array(z.object({ packageId: z.string().uuid(), slug: z.string(), title: z.string(), price: MoneySchema })),
  })
  .openapi('OrderStatus');

const route = createRoute({
  method: 'get',
  path: '/api/v1/orders/{orderId}/status',
  tags: ['orders'],
  request: { params: z.object({ orderId: z.string().uuid() }) },
  responses: {
    200: { content: { 'application/json': { schema: OrderStatusResponse } }, description: 'The order as the customer sees it' },
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
    200: { content: { 'application/json': { schema: CancelResponse } }, description: 'Cancelled' },
    400: errorResponse('Not an order id'),
    404: errorResponse('No such order'),
    409: errorResponse('The order is paid, being paid, or already closed'),
  },
});

/** Cancels through the order workflow's update, whose validator refuses anything but an open unpaid order. */
export async function cancelOrder({ sql, temporal }: ApiDeps, orderId: string, request: CancelRequest): Promise<OrderState & { orderId: string }> {
  const order = await getOrder(sql, orderId);
  if (!order) throw new DomainError('order_not_found', 'No such order.', 'not_found');
  const closed = () => new DomainError('order_not_cancellable', `Order ${order.orderNumber} is ${order.status} and can no longer be cancelled.`, 'conflict', { status: order.status });
  // Only an open order has a workflow to ask; the rest are answered from the database.
  if (order.status !== 'PENDING') throw closed();
  try {
    return { ...(await temporal.workflow.getHandle(orderWorkflowId(orderId)).executeUpdate(cancelUpdate, { args: [request] })), orderId };
  } catch (err) {
    if (!(err instanceof WorkflowNotFoundError)) throw err;
    throw closed();
  }
}

// The page providers send the buyer back to: it follows the order until it settles.
function orderPage(orderId: string): string {
  return page(
    'Your order',
    `<h1>Your order</h1><div class="card" id="order"><p class="muted">Loading…</p></div>
<script>
const id = ${JSON.stringify(escapeHtml(orderId))};
const settled = ['FULFILLED', 'FAILED', 'EXPIRED', 'CANCELLED', 'REFUNDED', 'PARTIALLY_REFUNDED', 'HELD'];
async function poll() {
  const res = await fetch('/api/v1/orders/' + id + '/status');
  const box = document.getElementById('order');
  if (!res.ok) { box.textContent = 'Order not found.'; return; }
  const o = await res.json();
  const fmt = (m) => new Intl.NumberFormat('pl-PL', { style: 'currency', currency: m.currency }).format(m.amount / 100);
  box.innerHTML = '';
  const h = document.createElement('h2'); h.textContent = o.orderNumber; box.append(h);
  const st = document.createElement('p'); st.innerHTML = 'Status: <span class="badge" id="status"></span>'; box.append(st);
  st.querySelector('#status').textContent = o.status;
  for (const i of o.items) { const p = document.createElement('p'); p.textContent = i.title + ' — ' + fmt(i.price); box.append(p); }
  const t = document.createElement('p'); t.textContent = 'Total: ' + fmt(o.total); box.append(t);
  const notes = { FAILED: 'The payment did not go through; nothing was charged.', EXPIRED: 'This order was not paid in time.', CANCELLED: 'This order was cancelled; nothing was charged.', HELD: 'Your payment is being checked by our team.', REFUNDED: 'This order was refunded.' };
  if (notes[o.status]) { const n = document.createElement('p'); n.textContent = notes[o.status] + ' '; const a = document.createElement('a'); a.href = '/'; a.textContent = 'Back to the shop'; n.append(a); box.append(n); }
  if (o.status === 'PENDING') {
    const b = document.createElement('button'); b.id = 'cancel'; b.textContent = 'Cancel this order';
    b.onclick = async () => { b.disabled = true; const r = await fetch('/api/v1/orders/' + id + '/cancel', { method: 'POST' }); if (!r.ok) { const e = await r.json(); alert(e.error.message); } poll(); };
    box.append(b);
  }
  if (!settled.includes(o.status)) setTimeout(poll, 2000);
}
poll();
</script>`,
  );
}

export function orderRoutes(deps: ApiDeps) {
  const { sql } = deps;
  const router = newRouter();
  router.get('/orders/:orderId', (c) => c.html(orderPage(c.req.param('orderId'))));
  router.openapi(cancelRoute, async (c) => {
    const done = await cancelOrder(deps, c.req.valid('param').orderId, { by: 'customer' });
    return c.json({ orderId: done.orderId, orderNumber: done.orderNumber!, status: done.status }, 200);
  });
  return router.openapi(route, async (c) => {
    const order = await getOrder(sql, c.req.valid('param').orderId);
    if (!order) return c.json({ error: { code: 'order_not_found', message: 'No such order.' } }, 404);
    return c.json(
      {
        orderId: order.orderId,
        orderNumber: order.orderNumber,
        status: order.status,
        total: order.total,
        items: order.items.map((i) => ({ packageId: i.packageId, slug: i.slug, title: i.title, price: { amount: i.unitAmount, currency: i.currency } })),
      },
      200,
    );
  });
}
