// The page providers send the buyer back to: it follows the order (over the public API) until it settles.
import { escapeHtml } from '../../domain/html.js';
import { newRouter } from '../router.js';
import { scriptNonce } from '../headers.js';
import { MONEY_SCRIPT, page } from './html.js';

function orderPage(orderId: string, nonce: string): string {
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
  ${MONEY_SCRIPT}
  box.innerHTML = '';
  const h = document.createElement('h2'); h.textContent = o.orderNumber; box.append(h);
  const st = document.createElement('p'); st.innerHTML = 'Status: <span class="badge" id="status"></span>'; box.append(st);
  st.querySelector('#status').textContent = o.status;
  for (const i of o.items) { const p = document.createElement('p'); p.textContent = i.title + ' — ' + fmt(i.price); box.append(p); }
  if (o.discount.amount > 0) { const d = document.createElement('p'); d.id = 'discount'; d.textContent = 'Discount (' + o.couponCode + '): −' + fmt(o.discount); box.append(d); }
  const t = document.createElement('p'); t.id = 'total'; t.textContent = 'Total: ' + fmt(o.total); box.append(t);
  const notes = { FAILED: 'The payment did not go through; nothing was charged.', EXPIRED: 'This order was not paid in time.', CANCELLED: 'This order was cancelled; nothing was charged.', HELD: 'Your payment is being checked by our team.', PROCESSING: 'Your payment is on its way; we confirm the order as soon as it settles.', REFUNDED: 'This order was refunded.' };
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
    nonce,
  );
}

export function orderPageRoutes() {
  return newRouter().get('/orders/:orderId', (c) => c.html(orderPage(c.req.param('orderId'), scriptNonce(c))));
}
