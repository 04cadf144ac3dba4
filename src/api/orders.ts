// The customer's view of one order, for the success page: status and items, nothing they did not type.
import { createRoute, z } from '@hono/zod-openapi';
import { getOrder } from '../db/orders.js';
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
  const notes = { FAILED: 'The payment did not go through; nothing was charged.', EXPIRED: 'This order was not paid in time.', HELD: 'Your payment is being checked by our team.' };
  if (notes[o.status]) { const n = document.createElement('p'); n.textContent = notes[o.status] + ' '; const a = document.createElement('a'); a.href = '/'; a.textContent = 'Back to the shop'; n.append(a); box.append(n); }
  if (!settled.includes(o.status)) setTimeout(poll, 1000);
}
poll();
</script>`,
  );
}

export function orderRoutes({ sql }: ApiDeps) {
  const router = newRouter();
  router.get('/orders/:orderId', (c) => c.html(orderPage(c.req.param('orderId'))));
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
